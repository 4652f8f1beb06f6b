"""The containers of a run's pod and what they share with it (Polyaxon's polypod `main/` and `init/`).

Pure: dicts in the API's spelling, from a resolved run and what its storage
puts into the pod (`volumes.pod_storage`).
"""

from __future__ import annotations

from typing import Any, Mapping, Optional

from ..conventions import OUTPUTS_PATH_ENV, VISIBLE_DEVICES_ENV
from .config.run import JobSettings, JobTemplate, RunArgs
from .enums import ImagePullPolicy
from .tracking import tracking_env
from .volumes import PodStorage

MAIN_CONTAINER = "main"
OUTPUTS_INIT_CONTAINER = "prepare-outputs"
SHM_VOLUME = "dshm"
"""/dev/shm: PyTorch's data loaders share batches through it, and runtimes give it 64 MB."""
SHM_PATH = "/dev/shm"
# `mkdir -p` needs next to nothing; bounded so it fits tight namespace quotas.
INIT_RESOURCES = {"requests": {"cpu": "10m", "memory": "16Mi"}, "limits": {"cpu": "100m", "memory": "64Mi"}}
DEFAULT_PULL_POLICY = ImagePullPolicy.ALWAYS.value
"""A tag always means its current image."""


def main_container(
    name: str, run: RunArgs, template: JobTemplate, storage: PodStorage, security: Mapping[str, Any]
) -> dict[str, Any]:
    """The container that runs the training code, with its `security` context."""
    main: dict[str, Any] = {
        "name": MAIN_CONTAINER,
        "image": run.image,
        "imagePullPolicy": run.image_pull_policy or DEFAULT_PULL_POLICY,
    }
    if run.command is not None:
        main["command"] = list(run.command)
    if run.args is not None:
        main["args"] = list(run.args)
    # CUDA images expose every GPU of the node unless told otherwise.
    gpu = template.settings.gpu_resource in run.resources.limits
    devices = [] if gpu else [{"name": VISIBLE_DEVICES_ENV, "value": "none"}]
    # Storage variables first, so a run's own env can use $(POLYAXON_RUN_OUTPUTS_PATH).
    main["env"] = [
        *storage.env,
        *tracking_env(name, run, template),
        *devices,
        *({"name": variable, "value": value} for variable, value in sorted(run.env.items())),
    ]
    env_from = [
        *({"secretRef": {"name": secret}} for secret in run.secret_refs),
        *({"configMapRef": {"name": config_map}} for config_map in run.config_map_refs),
    ]
    if env_from:
        main["envFrom"] = env_from
    resources = {side: dict(values) for side, values in (("requests", run.resources.requests), ("limits", run.resources.limits)) if values}
    if resources:
        main["resources"] = resources
    main["volumeMounts"] = [*storage.volume_mounts, {"name": SHM_VOLUME, "mountPath": SHM_PATH}]
    main["securityContext"] = dict(security)
    return main


def outputs_init_container(
    run: RunArgs, settings: JobSettings, storage: PodStorage, security: Mapping[str, Any]
) -> Optional[dict[str, Any]]:
    """The container that creates the run's outputs directory before the main one starts (volume outputs only)."""
    if storage.outputs_mount is None:
        return None
    return {
        "name": OUTPUTS_INIT_CONTAINER,
        "image": settings.init_image,
        "imagePullPolicy": run.image_pull_policy or DEFAULT_PULL_POLICY,
        "command": ["sh", "-c", f'mkdir -p "${OUTPUTS_PATH_ENV}"'],
        "env": list(storage.outputs_env),
        "volumeMounts": [storage.outputs_mount],
        "resources": INIT_RESOURCES,
        # Same identity as the main container, so it can write what this creates.
        "securityContext": {**security, "readOnlyRootFilesystem": True},
    }


def shm_volume(run: RunArgs) -> dict[str, Any]:
    """/dev/shm, memory-backed: sized by `shm_size`, else by the memory limit it counts against."""
    medium: dict[str, Any] = {"medium": "Memory"}
    size = run.shm_size or run.resources.limits.get("memory")
    if size is not None:
        medium["sizeLimit"] = size
    return {"name": SHM_VOLUME, "emptyDir": medium}
