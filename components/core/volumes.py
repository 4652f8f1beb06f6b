"""What a run's storage puts into its pod: volumes, mounts, node selector and environment.

docs/mount-rules.md §6-7, as a pure function of the mounts a run uses (the way
Polyaxon's polypod built `common/volumes.py` and its env vars). The Job
builder calls it for the `job` command and inside RunTemplate alike.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Mapping, Optional, Protocol, Sequence

from ..conventions import (
    DATA_PATHS_ENV,
    EXECUTION_ID_ENV,
    EXECUTION_ID_LABEL,
    LEGACY_DATA_PATHS_ENV,
    OUTPUTS_PATH_ENV,
    REFS_OUTPUTS_PATHS_ENV,
    STORE_CREDENTIALS_ENV_PREFIX,
    STORES_ACCESS_KEYS_ENV,
)
from .config.catalog import Side
from .config.run import MountArgs
from .names import dns_label, env_name
from .refs import REF_KINDS


class _Located(Protocol):
    name: str

    @property
    def path(self) -> str: ...


@dataclass(frozen=True)
class OutputsRef:
    """An earlier run whose outputs a run reads: its kind (jobs or experiments), name and outputs mount."""

    kind: str
    run: str
    mount: MountArgs


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


def run_outputs_directory(mount: MountArgs, team: str, run: str) -> str:
    """Where a run's executions write: `<outputs mountPath or bucket URL>/<team>/<run>`, as Polyaxon laid out outputs."""
    return "/".join((mount.path.rstrip("/"), team, run))


def refs_outputs_paths_value(refs: Sequence[OutputsRef], team: str) -> str:
    """POLYAXON_REFS_OUTPUTS_PATHS: JSON {"jobs": [...], "experiments": [...]}, in the order given, non-empty kinds only."""
    paths = {
        kind: [run_outputs_directory(ref.mount, team, ref.run) for ref in refs if ref.kind == kind]
        for kind in REF_KINDS
    }
    return json.dumps({kind: listed for kind, listed in paths.items() if listed}, separators=(",", ":"))


def pod_volume(side: Side, mount: MountArgs) -> dict[str, Any]:
    """The pod volume of a host-path or claim mount, under its derived name."""
    name = volume_name(side, mount.name)
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
    """One node label pinned to two values by two sources: no node can run the pod."""

    label: str
    first: tuple[str, str]
    """(source, value) of the first to pin it."""
    second: tuple[str, str]

    def describe(self) -> str:
        return (
            f"{self.first[0]} pins {self.label}={self.first[1]} but {self.second[0]} pins "
            f"{self.label}={self.second[1]}: no node can run the pod"
        )


def union_selector(sources: Sequence[tuple[str, Mapping[str, str]]]) -> tuple[dict[str, str], list[SelectorConflict]]:
    """The union of node selectors, each given with its source, and every label two sources pin two ways."""
    selector: dict[str, tuple[str, str]] = {}  # label -> (source, value)
    conflicts = []
    for source, labels in sources:
        for label, value in sorted(labels.items()):
            first = selector.setdefault(label, (source, value))
            if first[1] != value:
                conflicts.append(SelectorConflict(label, first, (source, value)))
    return {label: value for label, (_, value) in selector.items()}, conflicts


@dataclass(frozen=True)
class PodStorage:
    """Everything storage puts into one run's pod."""

    volumes: tuple[dict[str, Any], ...]
    volume_mounts: tuple[dict[str, Any], ...]
    outputs_mount: Optional[dict[str, Any]]
    """The outputs volume's mount, for the container that creates the run's directory."""
    node_selector: dict[str, str]
    pod_annotations: dict[str, str]
    """What the pod carries for its volumes (the gcsfuse sidecar's annotation)."""
    env: tuple[dict[str, Any], ...]
    outputs_env: tuple[dict[str, Any], ...]
    """The subset of `env` that locates the outputs directory."""


def mounted(data: Sequence[MountArgs], outputs: MountArgs, refs: Sequence[OutputsRef] = ()) -> list[tuple[Side, MountArgs]]:
    """What a pod mounts, by side: its data, its outputs, and the outputs entries of the runs it reads
    (read-only, unless one is its own)."""
    pod: list[tuple[Side, MountArgs]] = [*(("data", mount) for mount in data), ("outputs", outputs)]
    for ref in refs:
        if all((side, mount.name) != ("outputs", ref.mount.name) for side, mount in pod):
            pod.append(("outputs", ref.mount.model_copy(update={"read_only": True})))
    return pod


def pod_storage(
    data: Sequence[MountArgs],
    outputs: MountArgs,
    team: str,
    run: str,
    refs: Sequence[OutputsRef] = (),
    node_selector: Mapping[str, str] = {},
) -> PodStorage:
    """The volumes, mounts, node selector and env of a run mounting `data` and `outputs`, and reading the
    outputs of the earlier runs `refs`. `node_selector`: the run's own, merged with what its host paths pin
    (whose conflicts are refused before a run gets here)."""
    pod = mounted(data, outputs, refs)
    selector = {**node_selector}
    for _, mount in pod:
        for label, value in mount.node_selector.items():
            selector.setdefault(label, value)
    volumes, volume_mounts = [], []
    pod_annotations: dict[str, str] = {}
    outputs_mount = None
    for side, mount in pod:
        if not mount.is_volume:
            continue  # buckets are reached through credentials, not mounted
        pod_annotations.update(mount.pod_annotations)
        volumes.append(pod_volume(side, mount))
        volume_mount: dict[str, Any] = {"name": volume_name(side, mount.name), "mountPath": mount.mount_path}
        if mount.read_only:
            volume_mount["readOnly"] = True
        volume_mounts.append(volume_mount)
        if mount is outputs:
            outputs_mount = volume_mount

    outputs_env = (
        {
            "name": EXECUTION_ID_ENV,
            "valueFrom": {"fieldRef": {"fieldPath": f"metadata.labels['{EXECUTION_ID_LABEL}']"}},
        },
        # One directory per Job execution below the run's.
        {
            "name": OUTPUTS_PATH_ENV,
            "value": f"{literal(run_outputs_directory(outputs, team, run))}/$({EXECUTION_ID_ENV})",
        },
    )
    data_paths = literal(data_paths_value(data))
    env = [
        outputs_env[0],
        {"name": DATA_PATHS_ENV, "value": data_paths},
        {"name": LEGACY_DATA_PATHS_ENV, "value": data_paths},
        outputs_env[1],
        *_credentials_env(pod),
    ]
    if refs:
        env.append({"name": REFS_OUTPUTS_PATHS_ENV, "value": literal(refs_outputs_paths_value(refs, team))})
    return PodStorage(
        volumes=tuple(volumes),
        volume_mounts=tuple(volume_mounts),
        outputs_mount=outputs_mount,
        node_selector=selector,
        pod_annotations=pod_annotations,
        env=tuple(env),
        outputs_env=outputs_env,
    )


def _credentials_env(pod: Sequence[tuple[Side, MountArgs]]) -> list[dict[str, Any]]:
    env, access_keys = [], {}
    for side, mount in pod:
        if mount.bucket is None:
            continue
        if mount.workload_identity:
            # No key: the clients fall back to the pod's own cloud identity.
            access_keys[mount.bucket] = {"store": mount.store}
        elif mount.secret is not None:
            name = credentials_env_name(side, mount.name)
            env.append({"name": name, "valueFrom": {"secretKeyRef": {"name": mount.secret, "key": mount.secret_key}}})
            access_keys[mount.bucket] = {"store": mount.store, "secret_key": name}
    if access_keys:
        env.append({"name": STORES_ACCESS_KEYS_ENV, "value": literal(json.dumps(access_keys, separators=(",", ":")))})
    return env
