"""A training platform's own Pulumi program, built from polyaxon-storage's components.

No stack config in polyaxon-storage's vocabulary: the program wires the
components itself. One namespace for the vision team, ImageNet from an NFS
export (read-only), results on a claim the platform already has, and the
team's two runs, whose Job specs are exported for a scheduler to submit.
"""

import pulumi

from components import NfsStorage, RunTemplate, TeamNamespace

config = pulumi.Config()
vision = TeamNamespace("vision", {"namespace": "team-vision", "teams": ["vision"]})
imagenet = NfsStorage(
    "imagenet",
    {
        "server": config.get("nfsServer") or "10.0.0.5",
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
    "resources": {"requests": {"cpu": "4", "memory": "16Gi"}, "limits": {"cpu": "4", "memory": "16Gi"}},
    "data": [{"name": "imagenet", "mount_path": "/data/imagenet", "claim_name": imagenet.claim_name, "read_only": True}],
    "outputs": {"name": "results", "mount_path": "/outputs", "claim_name": "vision-results"},
}
runs = RunTemplate(
    "vision",
    {
        "namespace": vision.namespace,
        "service_account": vision.service_accounts.apply(lambda accounts: accounts["vision"]),
        "team": "vision",
        "runs": {
            "resnet50": {**trainer, "command": ["python", "-m", "train", "--arch", "resnet50"]},
            "vit": {**trainer, "command": ["python", "-m", "train", "--arch", "vit-b16"]},
        },
    },
)
pulumi.export("jobs", runs.jobs)
