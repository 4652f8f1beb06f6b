"""Team namespaces: which teams share one, what each is granted, its Pod Security level.

Pure: the program turns these plans into TeamNamespace and NfsStorage
components.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Iterable, Sequence

from .config.catalog import SIDES, HostPathEntry, NfsEntry, Persistence
from .config.stack import StackConfig
from .errors import Problem
from .model import NamedEntry, NamespacePlan, TeamAccess
from .names import dns_label


def granted_entries(persistence: Persistence, teams: Iterable[TeamAccess]) -> list[NamedEntry]:
    """Every entry granted to any of `teams`, once each, in catalog order."""
    granted = {(side, name) for team in teams for side in SIDES for name in team.granted(side)}
    # Catalog order is data then outputs, each by name: sort the grants, not the whole catalog.
    return [
        NamedEntry(side, name, persistence.side(side)[name])
        for side, name in sorted(granted, key=lambda grant: (SIDES.index(grant[0]), grant[1]))
        if name in persistence.side(side)
    ]


def persistent_volume_name(namespace: str, item: NamedEntry) -> str:
    """A cluster-wide unique PersistentVolume name for an NFS entry in one namespace."""
    # '.' cannot occur in a namespace, so the joined text is unambiguous and always digested.
    return dns_label(f"{namespace}.{item.side}.{item.name}")


def plan_namespaces(config: StackConfig, teams: Sequence[TeamAccess], problems: list[Problem]) -> tuple[NamespacePlan, ...]:
    """Group teams by namespace; a namespace is adopted or created, never both."""
    by_namespace: dict[str, list[TeamAccess]] = defaultdict(list)
    for team in teams:
        by_namespace[team.namespace].append(team)
    plans = []
    for namespace, members in sorted(by_namespace.items()):
        adopt_flags = {team.name: _adopts(config, team) for team in members}
        if len(set(adopt_flags.values())) > 1:
            adopting = ", ".join(name for name, adopt in adopt_flags.items() if adopt)
            problems.append(
                Problem(
                    f"teams.{members[0].name}.existingNamespace",
                    f"teams sharing namespace {namespace!r} disagree on whether it exists "
                    f"(existingNamespace is set for {adopting} only); set it the same for all",
                )
            )
        granted = granted_entries(config.persistence, members)
        host_paths = tuple(item for item in granted if isinstance(item.entry, HostPathEntry))
        plans.append(
            NamespacePlan(
                name=namespace,
                adopt=any(adopt_flags.values()),
                teams=tuple(members),
                pod_security="privileged" if host_paths else "restricted",
                nfs_entries=tuple(item for item in granted if isinstance(item.entry, NfsEntry)),
                host_paths=host_paths,
            )
        )
    return tuple(plans)


def _adopts(config: StackConfig, team: TeamAccess) -> bool:
    if config.teams is None:
        return config.existingNamespace
    return config.teams[team.name].existingNamespace
