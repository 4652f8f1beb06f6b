"""Mount resolution: which volumes, mounts, node selector and environment a run gets.

Pure functions over the config models (mount-rules.md §4-8); no Pulumi here.
Kubernetes objects are plain dicts in the API's own (camelCase) spelling.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Optional, Sequence, Union

from .catalog import (
    BucketEntry,
    Entry,
    ExistingClaimEntry,
    HostPathEntry,
    NfsEntry,
    Persistence,
    Side,
    VolumeEntry,
    entry_path,
)
from .errors import ConfigError, Problem, child
from .names import digest, dns_label, env_name
from .request import StorageRequest

EXECUTION_ID_ENV = "POLYAXON_RUN_EXECUTION_ID"
DATA_PATHS_ENV = "POLYAXON_RUN_DATA_PATHS"
LEGACY_DATA_PATHS_ENV = "POLYAXON_DATA_PATHS"
OUTPUTS_PATH_ENV = "POLYAXON_RUN_OUTPUTS_PATH"
STORES_ACCESS_KEYS_ENV = "POLYSTORES_RUN_STORES_ACCESS_KEYS"
# The Job controller labels each pod with its Job's UID: one value per Job execution.
EXECUTION_ID_LABEL = "batch.kubernetes.io/controller-uid"


@dataclass(frozen=True)
class TeamAccess:
    """A team's namespace and the entries it may use, each side in name order."""

    name: str
    namespace: str
    data: tuple[str, ...]
    outputs: tuple[str, ...]
    # Where the grants are written, for messages; empty for the implicit team.
    config_path: str = ""

    @property
    def service_account(self) -> str:
        """The ServiceAccount the team's runs use, in its namespace."""
        return dns_label(self.name, prefix="runs-")

    def granted(self, side: Side) -> tuple[str, ...]:
        return self.data if side == "data" else self.outputs

    def describe(self) -> str:
        return f"team {self.name!r}" if self.config_path else f"namespace {self.namespace!r}"


@dataclass(frozen=True)
class NamedEntry:
    """A catalog entry with its side and name."""

    side: Side
    name: str
    entry: Entry

    @property
    def path(self) -> str:
        """What the run sees: the mountPath, or the bucket URL."""
        return self.entry.bucket if isinstance(self.entry, BucketEntry) else self.entry.mount_path

    @property
    def volume_name(self) -> str:
        return volume_name(self.side, self.name)


@dataclass(frozen=True)
class ResolvedStorage:
    """Everything storage puts into one run's pod."""

    data: tuple[NamedEntry, ...]
    outputs: NamedEntry
    volumes: tuple[dict[str, Any], ...]
    volume_mounts: tuple[dict[str, Any], ...]
    # The outputs volume's mount, for the container that creates the run's directory.
    outputs_mount: Optional[dict[str, Any]]
    node_selector: dict[str, str]
    env: tuple[dict[str, Any], ...]
    # The subset of `env` that locates the outputs directory.
    outputs_env: tuple[dict[str, Any], ...]


def volume_name(side: Side, name: str) -> str:
    """The pod volume name of an entry: a DNS label, unique across both sides."""
    return dns_label(name, prefix=f"{side}-")


def credentials_env_name(side: Side, name: str) -> str:
    """The environment variable carrying a bucket entry's credentials."""
    return env_name(name, prefix=f"POLYAXON_STORE_{side.upper()}_")


def claim_name(side: Side, name: str) -> str:
    """The claim the stack makes for an NFS entry, in each namespace granted it."""
    return volume_name(side, name)


def pod_volume(item: NamedEntry) -> dict[str, Any]:
    """The pod volume of a volume entry, under its derived name."""
    entry = item.entry
    if isinstance(entry, HostPathEntry):
        # Read-only data must already exist: fail fast rather than mount an empty directory.
        kind = "Directory" if entry.read_only else "DirectoryOrCreate"
        return {"name": item.volume_name, "hostPath": {"path": entry.host_path, "type": kind}}
    assert isinstance(entry, (ExistingClaimEntry, NfsEntry)), "buckets have no pod volume"
    # NFS exports are mounted through their claim: allowed under the restricted Pod Security level.
    claim: dict[str, Any] = {
        "claimName": entry.existing_claim if isinstance(entry, ExistingClaimEntry) else claim_name(item.side, item.name)
    }
    if entry.read_only:
        claim["readOnly"] = True
    return {"name": item.volume_name, "persistentVolumeClaim": claim}


def literal(value: str) -> str:
    """An env value Kubernetes passes on as it is: every `$` is escaped as `$$`."""
    return value.replace("$", "$$")


def resolve_storage(
    persistence: Persistence,
    team: TeamAccess,
    run_name: str,
    request: StorageRequest,
    run_path: str,
) -> ResolvedStorage:
    """Resolve one run's storage, or raise ConfigError with every problem found."""
    problems: list[Problem] = []
    data = _pick_data(persistence, team, request, problems)
    outputs = _pick_outputs(persistence, team, run_name, request, run_path, problems)
    mounted = [*data, outputs] if outputs else data
    node_selector = _node_selector(mounted, run_path, problems)
    if problems or outputs is None:
        raise ConfigError(problems)

    volumes, mounts = [], []
    for item in mounted:
        if isinstance(item.entry, BucketEntry):
            continue  # buckets are reached through credentials, not mounted
        volumes.append(pod_volume(item))
        mount: dict[str, Any] = {"name": item.volume_name, "mountPath": item.entry.mount_path}
        if item.entry.read_only:
            mount["readOnly"] = True
        mounts.append(mount)
    outputs_mount = mounts[-1] if isinstance(outputs.entry, VolumeEntry) else None

    outputs_env = (
        {"name": EXECUTION_ID_ENV, "valueFrom": {"fieldRef": {"fieldPath": f"metadata.labels['{EXECUTION_ID_LABEL}']"}}},
        {
            "name": OUTPUTS_PATH_ENV,
            "value": "/".join([literal(outputs.path.rstrip("/")), team.name, run_name, f"$({EXECUTION_ID_ENV})"]),
        },
    )
    data_paths = literal(data_paths_value(data))
    env = [
        outputs_env[0],
        {"name": DATA_PATHS_ENV, "value": data_paths},
        {"name": LEGACY_DATA_PATHS_ENV, "value": data_paths},
        outputs_env[1],
        *_credentials_env(mounted),
    ]
    return ResolvedStorage(
        data=tuple(data),
        outputs=outputs,
        volumes=tuple(volumes),
        volume_mounts=tuple(mounts),
        outputs_mount=outputs_mount,
        node_selector=node_selector,
        env=tuple(env),
        outputs_env=outputs_env,
    )


def _available(team: TeamAccess, side: Side) -> str:
    names = team.granted(side)
    return ", ".join(names) if names else "none"


def _check_name(
    persistence: Persistence, team: TeamAccess, side: Side, name: str, path: str, problems: list[Problem]
) -> Optional[Entry]:
    """The entry a run names, if it exists and the team may use it."""
    entry = persistence.side(side).get(name)
    if entry is None:
        problems.append(
            Problem(path, f"unknown {side} entry {name!r}; {team.describe()} can use: {_available(team, side)}")
        )
        return None
    if name not in team.granted(side):
        grants = child(team.config_path, side)
        problems.append(
            Problem(
                path,
                f"{team.describe()} may not use {side} entry {name!r} (not granted in {grants}); "
                f"it can use: {_available(team, side)}",
            )
        )
        return None
    return entry


def _pick_data(
    persistence: Persistence, team: TeamAccess, request: StorageRequest, problems: list[Problem]
) -> list[NamedEntry]:
    if request.data is None:
        return [NamedEntry("data", name, persistence.side("data")[name]) for name in team.data]
    picked, seen = [], set()
    for index, name in enumerate(request.data):
        path = f"{request.data_path}[{index}]"
        if name in seen:
            problems.append(Problem(path, f"{name!r} is listed more than once"))
            continue
        seen.add(name)
        entry = _check_name(persistence, team, "data", name, path, problems)
        if entry is not None:
            picked.append(NamedEntry("data", name, entry))
    return picked


def _pick_outputs(
    persistence: Persistence,
    team: TeamAccess,
    run_name: str,
    request: StorageRequest,
    run_path: str,
    problems: list[Problem],
) -> Optional[NamedEntry]:
    entries = persistence.side("outputs")
    if request.outputs is not None:
        if len(request.outputs) != 1:
            problems.append(
                Problem(
                    request.outputs_path,
                    f"name exactly one outputs entry (a run mounts one outputs volume), not {len(request.outputs)}",
                )
            )
            return None
        (name,) = request.outputs
        entry = _check_name(persistence, team, "outputs", name, request.outputs_path, problems)
        if entry is not None and entry.read_only:
            problems.append(
                Problem(
                    request.outputs_path,
                    f"outputs entry {name!r} is read-only ({entry_path('outputs', name, 'readOnly')}); "
                    f"a run writes its outputs there, so name a writable one: {', '.join(_writable(entries, team)) or 'none'}",
                )
            )
            return None
        return None if entry is None else NamedEntry("outputs", name, entry)

    candidates = default_outputs_candidates(persistence, team)
    if not candidates:
        grants = child(team.config_path, "outputs") if team.config_path else "persistence.outputs"
        problems.append(
            Problem(
                run_path,
                f"{team.describe()} has no writable outputs entry to default to; add one to {grants}",
            )
        )
        return None
    # Stable across program runs, so `pulumi preview` shows no spurious change.
    name = candidates[int(digest(f"{team.namespace}/{run_name}", 16), 16) % len(candidates)]
    return NamedEntry("outputs", name, entries[name])


def default_outputs_candidates(persistence: Persistence, team: TeamAccess) -> list[str]:
    """The outputs entries a run that names none may get: one, unless selection is random.

    The entry marked default if the team may use it; else the first writable
    entry in name order, or (outputsSelection: random) every writable entry.
    """
    entries = persistence.side("outputs")
    writable = _writable(entries, team)
    marked = [name for name in writable if entries[name].default]
    if marked or persistence.outputs_selection == "first":
        return (marked or writable)[:1]
    return writable


def _writable(entries: dict[str, Entry], team: TeamAccess) -> list[str]:
    return [name for name in team.outputs if not entries[name].read_only]


def data_paths_value(data: Sequence[NamedEntry]) -> str:
    """POLYAXON_RUN_DATA_PATHS: compact JSON {entry: mountPath or bucket URL}."""
    return json.dumps({item.name: item.path for item in data}, separators=(",", ":"))


def _node_selector(mounted: list[NamedEntry], run_path: str, problems: list[Problem]) -> dict[str, str]:
    selector: dict[str, str] = {}
    pinned_by: dict[str, str] = {}
    for item in mounted:
        if not isinstance(item.entry, HostPathEntry):
            continue
        for label, value in sorted(item.entry.node_selector.items()):
            if label not in selector:
                selector[label] = value
                pinned_by[label] = entry_path(item.side, item.name, "nodeSelector")
            elif selector[label] != value:
                problems.append(
                    Problem(
                        run_path,
                        f"no node can satisfy this run: {pinned_by[label]} pins {label}={selector[label]} "
                        f"but {entry_path(item.side, item.name, 'nodeSelector')} pins {label}={value}",
                    )
                )
    return selector


def _credentials_env(mounted: list[NamedEntry]) -> list[dict[str, Any]]:
    env, access_keys = [], {}
    for item in mounted:
        entry = item.entry
        if not isinstance(entry, BucketEntry) or entry.secret is None:
            continue
        name = credentials_env_name(item.side, item.name)
        env.append({"name": name, "valueFrom": {"secretKeyRef": {"name": entry.secret, "key": entry.secret_key}}})
        access_keys[entry.bucket] = {"store": entry.store, "secret_key": name}
    if access_keys:
        env.append({"name": STORES_ACCESS_KEYS_ENV, "value": literal(json.dumps(access_keys, separators=(",", ":")))})
    return env
