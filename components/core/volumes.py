"""What a run's storage puts into its pod: volumes, mounts, node selector and environment.

mount-rules.md §6-7, as a pure function of the mounts a run uses (the way
Polyaxon's polypod built `common/volumes.py` and its env vars). The Job
builder calls it for the `job` command and inside RunTemplate alike.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Optional, Protocol, Sequence

from ..conventions import (
    DATA_PATHS_ENV,
    EXECUTION_ID_ENV,
    EXECUTION_ID_LABEL,
    LEGACY_DATA_PATHS_ENV,
    OUTPUTS_PATH_ENV,
    STORE_CREDENTIALS_ENV_PREFIX,
    STORES_ACCESS_KEYS_ENV,
)
from .config.catalog import Side
from .model import Mount
from .names import dns_label, env_name


class _Located(Protocol):
    name: str

    @property
    def path(self) -> str: ...


def volume_name(side: Side, name: str) -> str:
    """The pod volume name of an entry: a DNS label, unique across both sides."""
    return dns_label(name, prefix=f"{side}-")


def credentials_env_name(side: Side, name: str) -> str:
    """The environment variable carrying a bucket entry's credentials."""
    return env_name(name, prefix=f"{STORE_CREDENTIALS_ENV_PREFIX}{side.upper()}_")


def literal(value: str) -> str:
    """An env value Kubernetes passes on as it is: every `$` is escaped as `$$`."""
    return value.replace("$", "$$")


def data_paths_value(data: Sequence[_Located]) -> str:
    """POLYAXON_RUN_DATA_PATHS: compact JSON {entry: mountPath or bucket URL}."""
    return json.dumps({item.name: item.path for item in data}, separators=(",", ":"))


def pod_volume(mount: Mount) -> dict[str, Any]:
    """The pod volume of a host-path or claim mount, under its derived name."""
    name = volume_name(mount.side, mount.name)
    if mount.host_path is not None:
        # Read-only data must already exist: fail fast rather than mount an empty directory.
        kind = "Directory" if mount.read_only else "DirectoryOrCreate"
        return {"name": name, "hostPath": {"path": mount.host_path, "type": kind}}
    claim: dict[str, Any] = {"claimName": mount.claim_name}
    if mount.read_only:
        claim["readOnly"] = True
    return {"name": name, "persistentVolumeClaim": claim}


@dataclass(frozen=True)
class SelectorConflict:
    """Two mounts pinning one node label to different values: no node can run the pod."""

    label: str
    first: Mount
    second: Mount


def merged_node_selector(mounts: Sequence[Mount]) -> tuple[dict[str, str], list[SelectorConflict]]:
    """The union of the mounts' node selectors, and every label pinned two ways."""
    selector: dict[str, str] = {}
    pinned_by: dict[str, Mount] = {}
    conflicts = []
    for mount in mounts:
        for label, value in sorted(mount.node_selector.items()):
            if label not in selector:
                selector[label], pinned_by[label] = value, mount
            elif selector[label] != value:
                conflicts.append(SelectorConflict(label, pinned_by[label], mount))
    return selector, conflicts


@dataclass(frozen=True)
class PodStorage:
    """Everything storage puts into one run's pod."""

    volumes: tuple[dict[str, Any], ...]
    volume_mounts: tuple[dict[str, Any], ...]
    outputs_mount: Optional[dict[str, Any]]
    """The outputs volume's mount, for the container that creates the run's directory."""
    node_selector: dict[str, str]
    env: tuple[dict[str, Any], ...]
    outputs_env: tuple[dict[str, Any], ...]
    """The subset of `env` that locates the outputs directory."""


def pod_storage(data: Sequence[Mount], outputs: Mount, team: str, run: str) -> PodStorage:
    """The volumes, mounts, node selector and env of a run mounting `data` and `outputs`.

    Raises ValueError when two mounts pin a node label two ways (the planner
    reports that as a config problem before it gets here).
    """
    mounted = [*data, outputs]
    node_selector, conflicts = merged_node_selector(mounted)
    if conflicts:
        conflict = conflicts[0]
        raise ValueError(
            f"no node can run this pod: {conflict.first.name} pins {conflict.label}="
            f"{conflict.first.node_selector[conflict.label]} but {conflict.second.name} pins "
            f"{conflict.label}={conflict.second.node_selector[conflict.label]}"
        )
    volumes, volume_mounts = [], []
    for mount in mounted:
        if not mount.is_volume:
            continue  # buckets are reached through credentials, not mounted
        volumes.append(pod_volume(mount))
        volume_mount: dict[str, Any] = {"name": volume_name(mount.side, mount.name), "mountPath": mount.mount_path}
        if mount.read_only:
            volume_mount["readOnly"] = True
        volume_mounts.append(volume_mount)

    outputs_env = (
        {"name": EXECUTION_ID_ENV, "valueFrom": {"fieldRef": {"fieldPath": f"metadata.labels['{EXECUTION_ID_LABEL}']"}}},
        {
            "name": OUTPUTS_PATH_ENV,
            # <outputs base>/<team>/<run>/<execution>, as Polyaxon laid out its outputs.
            "value": "/".join([*map(literal, (outputs.path.rstrip("/"), team, run)), f"$({EXECUTION_ID_ENV})"]),
        },
    )
    data_paths = literal(data_paths_value(data))
    env = (
        outputs_env[0],
        {"name": DATA_PATHS_ENV, "value": data_paths},
        {"name": LEGACY_DATA_PATHS_ENV, "value": data_paths},
        outputs_env[1],
        *_credentials_env(mounted),
    )
    return PodStorage(
        volumes=tuple(volumes),
        volume_mounts=tuple(volume_mounts),
        outputs_mount=volume_mounts[-1] if outputs.is_volume else None,
        node_selector=node_selector,
        env=env,
        outputs_env=outputs_env,
    )


def _credentials_env(mounted: Sequence[Mount]) -> list[dict[str, Any]]:
    env, access_keys = [], {}
    for mount in mounted:
        if mount.bucket is None:
            continue
        if mount.workload_identity:
            # No key: the clients fall back to the pod's own cloud identity.
            access_keys[mount.bucket] = {"store": mount.store}
        elif mount.secret is not None:
            name = credentials_env_name(mount.side, mount.name)
            env.append({"name": name, "valueFrom": {"secretKeyRef": {"name": mount.secret, "key": mount.secret_key}}})
            access_keys[mount.bucket] = {"store": mount.store, "secret_key": name}
    if access_keys:
        env.append({"name": STORES_ACCESS_KEYS_ENV, "value": literal(json.dumps(access_keys, separators=(",", ":")))})
    return env
