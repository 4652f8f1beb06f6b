"""A training platform's own Pulumi program, built from polyaxon-storage's components.

No stack config in polyaxon-storage's vocabulary: the program wires the
components itself. One namespace for the vision team, ImageNet from an NFS
export (read-only), results on a claim the platform already has, and the
team's two runs, whose Job specs are exported for a scheduler to submit.
Render it offline with `polyaxon-storage render --program examples/own-program`.
"""

import pulumi

from components import NfsStorage, RunTemplate, TeamNamespace

config = pulumi.Config()
vision = TeamNamespace(
    "vision",
    {
        "namespace": "team-vision",
        "teams": ["vision"],
        "container_defaults": {"requests": {"cpu": "1", "memory": "4Gi"}, "limits": {"cpu": "4", "memory": "16Gi"}},
        "quota": {"requests.nvidia.com/gpu": "8"},
    },
)
imagenet = NfsStorage(
    "imagenet",
    {
        "server": config.require("nfsServer"),
        "path": "/exports/imagenet",
        "size": "2Ti",
        "read_only": True,
        "namespace": vision.namespace,
        "claim_name": "imagenet",
        "volume_name": "team-vision-imagenet",
    },
)
trainer = {
    "image": "ghcr.io/acme/vision-trainer:2.4.0",
    "data": [{"name": "imagenet", "mount_path": "/data/imagenet", "claim_name": imagenet.claim_name, "read_only": True}],
    "outputs": {"name": "results", "mount_path": "/outputs", "claim_name": "vision-results"},
}
runs = RunTemplate(
    "vision",
    {
        "namespace": vision.namespace,
        "service_account": vision.service_accounts.apply(lambda accounts: accounts["vision"]),
        "pod_security": vision.pod_security,
        "team": "vision",
        "defaults": {"resources": {"limits": {"nvidia.com/gpu": "1"}}, "node_selector": {"pool": "gpu"}},
        "bounds": {"quota": {"requests.nvidia.com/gpu": "8"}, "secret_refs": ["wandb"]},
        "runs": {
            "resnet50": {**trainer, "command": ["python", "-m", "train", "--arch", "resnet50"], "secret_refs": ["wandb"]},
            "vit": {**trainer, "command": ["python", "-m", "train", "--arch", "vit-b16"], "max_restarts": 2},
        },
    },
)
pulumi.export("jobs", runs.jobs)
