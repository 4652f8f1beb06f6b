"""The containers of a run's pod and what they share with it (Polyaxon's polypod `main/` and `init/`).

Pure: dicts in the API's spelling, from a run's spec and what its storage
puts into the pod (`volumes.pod_storage`).
"""

from __future__ import annotations

from typing import Any, Mapping, Optional

from ..conventions import OUTPUTS_PATH_ENV, VISIBLE_DEVICES_ENV
from .model import RunSpec
from .tracking import tracking_env
from .volumes import PodStorage

MAIN_CONTAINER = "main"
OUTPUTS_INIT_CONTAINER = "prepare-outputs"
SHM_VOLUME = "dshm"
"""/dev/shm: PyTorch's data loaders share batches through it, and runtimes give it 64 MB."""
SHM_PATH = "/dev/shm"
# `mkdir -p` needs next to nothing; bounded so it fits tight namespace quotas.
INIT_RESOURCES = {"requests": {"cpu": "10m", "memory": "16Mi"}, "limits": {"cpu": "100m", "memory": "64Mi"}}


def main_container(spec: RunSpec, storage: PodStorage, security: Mapping[str, Any]) -> dict[str, Any]:
    """The container that runs the training code, with its `security` context."""
    main: dict[str, Any] = {"name": MAIN_CONTAINER, "image": spec.image, "imagePullPolicy": spec.image_pull_policy}
    if spec.command is not None:
        main["command"] = list(spec.command)
    if spec.args is not None:
        main["args"] = list(spec.args)
    # CUDA images expose every GPU of the node unless told otherwise.
    gpu = spec.gpu_resource in spec.resources.get("limits", {})
    devices = [] if gpu else [{"name": VISIBLE_DEVICES_ENV, "value": "none"}]
    # Storage variables first, so a run's own env can use $(POLYAXON_RUN_OUTPUTS_PATH).
    main["env"] = [
        *storage.env,
        *tracking_env(spec),
        *devices,
        *({"name": name, "value": value} for name, value in sorted(spec.env.items())),
    ]
    env_from = [
        *({"secretRef": {"name": name}} for name in spec.secret_refs),
        *({"configMapRef": {"name": name}} for name in spec.config_map_refs),
    ]
    if env_from:
        main["envFrom"] = env_from
    if spec.resources:
        main["resources"] = {kind: dict(values) for kind, values in spec.resources.items()}
    main["volumeMounts"] = [*storage.volume_mounts, {"name": SHM_VOLUME, "mountPath": SHM_PATH}]
    main["securityContext"] = dict(security)
    return main


def outputs_init_container(spec: RunSpec, storage: PodStorage, security: Mapping[str, Any]) -> Optional[dict[str, Any]]:
    """The container that creates the run's outputs directory before the main one starts (volume outputs only)."""
    if storage.outputs_mount is None:
        return None
    return {
        "name": OUTPUTS_INIT_CONTAINER,
        "image": spec.init_image,
        "imagePullPolicy": spec.image_pull_policy,
        "command": ["sh", "-c", f'mkdir -p "${OUTPUTS_PATH_ENV}"'],
        "env": list(storage.outputs_env),
        "volumeMounts": [storage.outputs_mount],
        "resources": INIT_RESOURCES,
        # Same identity as the main container, so it can write what this creates.
        "securityContext": {**security, "readOnlyRootFilesystem": True},
    }


def shm_volume(spec: RunSpec) -> dict[str, Any]:
    """/dev/shm, memory-backed: sized by `shm_size`, else by the memory limit it counts against."""
    medium: dict[str, Any] = {"medium": "Memory"}
    size = spec.shm_size or spec.resources.get("limits", {}).get("memory")
    if size is not None:
        medium["sizeLimit"] = size
    return {"name": SHM_VOLUME, "emptyDir": medium}
