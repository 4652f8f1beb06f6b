"""Mount resolution: which entries a run mounts (docs/mount-rules.md §4, §5 and §7).

Pure functions over the config models. What those mounts put into the pod is
`volumes.py`'s business.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional

from .config.catalog import (
    BucketEntry,
    Entry,
    ExistingClaimEntry,
    FilesystemEntry,
    HostPathEntry,
    NfsEntry,
    Persistence,
    Side,
    entry_path,
)
from .config.request import StorageRequest
from .config.run import MountArgs
from .config.stack import RefusedEntries
from .enums import OutputsSelection
from .errors import ConfigError, Problem, child
from .model import BucketCredentials, NamedEntry, TeamAccess
from .names import digest
from .pending import PENDING
from .stores import CLOUDS

NfsClaims = Mapping[tuple[str, str], str]
"""The claim the stack makes for each NFS entry, managed filesystem and CSI-mounted bucket in a namespace, by
(side, entry)."""
ManagedCredentials = Mapping[tuple[str, str], BucketCredentials]
"""How a team reaches each bucket entry whose credentials the stack manages, by (side, entry)."""


def mount_of(item: NamedEntry, nfs_claims: NfsClaims, managed: ManagedCredentials = {}) -> MountArgs:
    """How a run mounts a catalog entry (NFS entries, managed filesystems and buckets mounted through CSI: through
    the claim of the run's namespace; other managed buckets: through the team's Secret, or its workload identity).
    Built from a checked catalog: not checked again."""
    entry = item.entry
    # Given here, not left to its default: model_construct calls a default factory through inspect.signature.
    common = {"name": item.name, "read_only": entry.read_only, "node_selector": {}, "pod_annotations": {}}
    if isinstance(entry, HostPathEntry):
        mount = {**common, "mount_path": entry.mount_path, "host_path": entry.host_path, "node_selector": dict(entry.node_selector)}
    elif isinstance(entry, ExistingClaimEntry):
        mount = {**common, "mount_path": entry.mount_path, "claim_name": entry.existing_claim}
    elif isinstance(entry, (NfsEntry, FilesystemEntry)):
        # Mounted through its claim: allowed under the restricted Pod Security level (an inline nfs: volume is not).
        mount = {**common, "mount_path": entry.mount_path, "claim_name": claim(item, nfs_claims)}
    elif isinstance(entry, BucketEntry) and entry.csi:
        annotation = CLOUDS[entry.store].csi_pod_annotation
        mount = {
            **common,
            "mount_path": entry.mount_path,
            "claim_name": claim(item, nfs_claims),
            "pod_annotations": dict([annotation]) if annotation else {},
        }
    else:
        assert isinstance(entry, BucketEntry)
        reached = managed.get((item.side, item.name), BucketCredentials(entry.secret, entry.secret_key))
        mount = {
            **common,
            "store": entry.store,
            "bucket": entry.bucket,
            "secret": reached.secret,
            "secret_key": reached.secret_key,
            "workload_identity": entry.managed and reached.workload_identity,
        }
    return MountArgs.model_construct(**mount)


def claim(item: NamedEntry, claims: NfsClaims) -> Any:
    """The claim of an entry in the run's namespace (PENDING when the catalog's problems left it unplanned: they
    are reported)."""
    return claims.get((item.side, item.name), PENDING)


def resolve_storage(
    persistence: Persistence,
    team: TeamAccess,
    run_name: str,
    request: StorageRequest,
    run_path: str,
    nfs_claims: NfsClaims,
    managed: ManagedCredentials = {},
    refused: RefusedEntries = RefusedEntries(),
) -> tuple[list[MountArgs], MountArgs]:
    """The data mounts and the outputs mount of a run; raises ConfigError with every problem found.

    `refused`: catalog entries refused for mistakes of their own, by (side, name). A request naming one is
    no problem of the run's, and the run's storage is not resolved (ConfigError with the other problems)."""
    problems: list[Problem] = []
    named = [(side, name) for side, names in (("data", request.data), ("outputs", request.outputs)) for name in names or ()]
    unknowable = [item for item in named if item in refused]
    data = _pick_data(persistence, team, request, problems, refused)
    outputs = _pick_outputs(persistence, team, run_name, request, run_path, problems, refused)
    if problems or outputs is None or unknowable:
        raise ConfigError(problems)
    return [mount_of(item, nfs_claims, managed) for item in data], mount_of(outputs, nfs_claims, managed)


def _available(team: TeamAccess, side: Side) -> str:
    names = team.granted(side)
    return ", ".join(names) if names else "none"


def _check_name(
    persistence: Persistence,
    team: TeamAccess,
    side: Side,
    name: str,
    path: str,
    problems: list[Problem],
    refused: RefusedEntries,
) -> Optional[Entry]:
    """The entry a run names, if it exists and the team may use it (a refused entry: None, no problem)."""
    if (side, name) in refused:
        return None
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
    persistence: Persistence,
    team: TeamAccess,
    request: StorageRequest,
    problems: list[Problem],
    refused: RefusedEntries,
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
        entry = _check_name(persistence, team, "data", name, path, problems, refused)
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
    refused: RefusedEntries,
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
        entry = _check_name(persistence, team, "outputs", name, request.outputs_path, problems, refused)
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
    if not candidates and refused.on("outputs"):
        return None  # a refused entry may be the one it would get
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
    if marked or persistence.outputs_selection == OutputsSelection.FIRST:
        return (marked or writable)[:1]
    return writable


def _writable(entries: dict[str, Entry], team: TeamAccess) -> list[str]:
    return [name for name in team.outputs if not entries[name].read_only]
