"""Team namespaces: what each holds, its Pod Security level, and the stack's warnings.

Pure: the program turns these plans into Namespaces, ServiceAccounts and NFS
PersistentVolume/claim pairs; the warnings are logged by `pulumi preview` and
printed by `render`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable, Optional, Sequence

from .catalog import (
    SIDES,
    SINGLE_NODE_MODES,
    ExistingClaimEntry,
    HostPathEntry,
    NfsEntry,
    Persistence,
    entry_path,
)
from .errors import Problem, child
from .names import dns_label
from .resolve import NamedEntry, TeamAccess
from .security import PodSecurityLevel, container_security_context, pod_security_context, restricted_violations
from .stack_config import StackConfig

if TYPE_CHECKING:
    from .plan import RunPlan


@dataclass(frozen=True)
class NamespacePlan:
    """One namespace: the teams whose runs go there and the NFS claims it needs."""

    name: str
    adopt: bool
    teams: tuple[TeamAccess, ...]
    pod_security: PodSecurityLevel
    # NFS entries granted to a team here: each gets a PersistentVolume and claim.
    nfs_claims: tuple[NamedEntry, ...]
    # Host-path entries granted here (what makes the namespace privileged).
    host_paths: tuple[NamedEntry, ...]


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
                nfs_claims=tuple(item for item in granted if isinstance(item.entry, NfsEntry)),
                host_paths=host_paths,
            )
        )
    return tuple(plans)


def _adopts(config: StackConfig, team: TeamAccess) -> bool:
    if config.teams is None:
        return config.existingNamespace
    return config.teams[team.name].existingNamespace


def restricted_problems(namespaces: Sequence[NamespacePlan], runs: Sequence["RunPlan"]) -> list[Problem]:
    """Runs whose settings Pod Security `restricted` would reject in their namespace."""
    levels = {plan.name: plan.pod_security for plan in namespaces}
    problems = []
    for run in runs:
        if levels.get(run.team.namespace) != "restricted":
            continue
        found = restricted_violations(
            container_security_context(run.security_context), pod_security_context(run.storage)
        )
        if found:
            problems.append(
                Problem(
                    f"runs.{run.name}.securityContext",
                    f"namespace {run.team.namespace!r} enforces Pod Security restricted (its teams use no "
                    f"host path), which would reject this pod: {'; '.join(found)}",
                )
            )
    return problems


def stack_warnings(config: StackConfig, namespaces: Sequence[NamespacePlan], runs: Sequence["RunPlan"]) -> list[Problem]:
    """What the stack allows but a platform engineer should hear about."""
    warnings = []
    for plan in namespaces:
        if plan.pod_security == "privileged":
            names = ", ".join(entry_path(item.side, item.name) for item in plan.host_paths)
            warnings.append(
                Problem(
                    _grants_path(config, plan),
                    f"namespace {plan.name!r} is labelled Pod Security privileged because it is granted "
                    f"host-path entries ({names}); baseline and restricted forbid hostPath volumes",
                )
            )
    warnings.extend(_single_node_claim_warnings(config, namespaces, runs))
    if config.cluster.is_multi_node:
        unpinned = [
            entry_path(side, name)
            for side, name, entry in config.persistence.entries()
            if isinstance(entry, HostPathEntry) and not entry.node_selector
        ]
        if unpinned:
            warnings.append(
                Problem(
                    "persistence",
                    f"host-path entries {', '.join(unpinned)} are not pinned with nodeSelector on a multi-node "
                    "cluster (cluster.multiNode / cluster.nodePools): a run scheduled on another node finds "
                    "an empty directory there",
                )
            )
    return warnings


def _grants_path(config: StackConfig, plan: NamespacePlan) -> str:
    return "persistence" if config.teams is None else f"teams.{plan.teams[0].name}"


def _single_node_claim_warnings(
    config: StackConfig, namespaces: Sequence[NamespacePlan], runs: Sequence["RunPlan"]
) -> list[Problem]:
    warnings = []
    # Each namespace's runs, grouped in one pass (not one pass over every run per claim).
    runs_in: dict[str, list["RunPlan"]] = defaultdict(list)
    for run in runs:
        runs_in[run.team.namespace].append(run)
    for plan in namespaces:
        for item in granted_entries(config.persistence, plan.teams):
            entry = item.entry
            if not isinstance(entry, ExistingClaimEntry) or entry.access_mode not in SINGLE_NODE_MODES:
                continue
            teams = [team.name for team in plan.teams if item.name in team.granted(item.side)]
            writers = [
                run.name
                for run in runs_in[plan.name]
                if run.storage.outputs.name == item.name and item.side == "outputs"
            ]
            sharers: Optional[str] = None
            if len(teams) > 1:
                sharers = f"runs of teams {', '.join(teams)}"
            elif len(writers) > 1:
                sharers = f"runs {', '.join(writers)} (as their outputs)"
            if sharers:
                warnings.append(
                    Problem(
                        child(entry_path(item.side, item.name), "accessMode"),
                        f"{entry.access_mode} claim {entry.existing_claim!r} in namespace {plan.name!r} is used "
                        f"by {sharers}: they can only run at the same time on one node",
                    )
                )
    return warnings

