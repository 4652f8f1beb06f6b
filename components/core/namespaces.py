"""Team namespaces: which teams share one, what each is granted, its Pod Security level.

Pure: the program turns these plans into TeamNamespace and NfsStorage
components.
"""

from __future__ import annotations

import json
import posixpath
from collections import defaultdict
from typing import Any, Iterable, Mapping, Sequence

from .config.catalog import SIDES, HostPathEntry, NfsEntry, Persistence
from .config.components import TeamNamespaceArgs
from .config.stack import StackConfig
from .errors import Problem, child
from .limits import annotations_size_problem
from .model import NamedEntry, NamespacePlan, NfsVolumePlan, TeamAccess
from .names import DNS_LABEL_MAX, digest, dns_label
from .pending import is_pending
from .resources import ResourceLayer, is_extended, layer_problems
from .settings import Layer, default_resources
from .volumes import volume_name


def granted_entries(persistence: Persistence, teams: Iterable[TeamAccess]) -> list[NamedEntry]:
    """Every entry granted to any of `teams`, once each, in catalog order."""
    granted = {(side, name) for team in teams for side in SIDES for name in team.granted(side)}
    # Catalog order is data then outputs, each by name: sort the grants, not the whole catalog.
    return [
        NamedEntry(side, name, persistence.side(side)[name])
        for side, name in sorted(granted, key=lambda grant: (SIDES.index(grant[0]), grant[1]))
        if name in persistence.side(side)
    ]


def nfs_volume_plan(item: NamedEntry, namespace: str) -> NfsVolumePlan:
    """The PersistentVolume and claim of an NFS entry in one namespace.

    Their names carry a digest of everything Kubernetes will not change in place
    (server, path, size, access, mount options): an edit of any of them makes a
    new pair, which binds, instead of an update the API refuses or a claim left
    Pending. An outputs entry gives every namespace its own directory of the
    export, `<path>/<namespace>`, however many namespaces it is granted to: a
    team sees only its own namespace's outputs, and no grant or revocation
    elsewhere moves them. A data entry is the export itself, shared.
    """
    entry = item.entry
    assert isinstance(entry, NfsEntry)
    path = posixpath.join(entry.nfs.path, namespace) if item.side == "outputs" else entry.nfs.path
    claim_name, volume_name = pair_names(
        item, namespace, [entry.nfs.server, path, entry.size, entry.read_only, list(entry.mount_options)]
    )
    return NfsVolumePlan(item=item, namespace=namespace, path=path, claim_name=claim_name, volume_name=volume_name)


def pair_names(item: NamedEntry, namespace: str, spec: Any) -> tuple[str, str]:
    """The claim and PersistentVolume names of an entry in one namespace, each carrying a digest of `spec`
    (what Kubernetes will not change in place, as JSON): an edit of it makes a new pair."""
    spec_digest = digest(json.dumps(spec))
    claim_stem = volume_name(item.side, item.name)[: DNS_LABEL_MAX - 10].rstrip("-")
    # '.' cannot occur in a namespace, so the joined text is unambiguous and always digested.
    return (
        f"{claim_stem}-{digest(json.dumps([item.side, item.name, spec_digest]))}",
        dns_label(f"{namespace}.{item.side}.{item.name}.{spec_digest}"),
    )


def plan_namespaces(
    config: StackConfig,
    teams: Sequence[TeamAccess],
    defaults: Mapping[str, Sequence[Layer]],
    problems: list[Problem],
) -> tuple[NamespacePlan, ...]:
    """Group teams by namespace; a namespace is adopted or created, never both.

    `defaults`: each team's default layers (`plan.default_layers`), by team name.
    """
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
        adopt = any(adopt_flags.values())
        if namespace == "default" and not adopt:
            problems.append(
                Problem(
                    _namespace_path(config, members[0]),
                    "default is a namespace the cluster has already: set existingNamespace: true to adopt it, "
                    "or give the runs a namespace of their own",
                )
            )
        granted = granted_entries(config.persistence, members)
        host_paths = tuple(item for item in granted if isinstance(item.entry, HostPathEntry))
        container_defaults = _agreed(
            {team.name: _limit_range_defaults(defaults[team.name]) for team in members},
            members,
            "runDefaults.resources",
            "LimitRange",
            problems,
        )
        quota = _agreed({team.name: team.bounds.quota for team in members}, members, "quota", "ResourceQuota", problems)
        plans.append(
            NamespacePlan(
                name=namespace,
                adopt=adopt,
                teams=tuple(members),
                pod_security="privileged" if host_paths else "restricted",
                nfs_volumes=tuple(
                    nfs_volume_plan(item, namespace)
                    for item in granted
                    if isinstance(item.entry, NfsEntry)
                ),
                host_paths=host_paths,
                container_defaults=container_defaults,
                quota=quota,
            )
        )
    return tuple(plans)


def _limit_range_defaults(defaults: Sequence[Layer]) -> dict[str, dict[str, str]]:
    """What a pod made outside this stack gets in a team's namespace: its runs' default cpu and memory."""
    resources = default_resources(defaults)
    return {
        side: {name: value for name, value in values.items() if not is_extended(name)}
        for side, values in resources.items()
    }


def _agreed(values: dict[str, Any], members: Sequence[TeamAccess], key: str, kind: str, problems: list[Problem]) -> Any:
    """The one value the teams sharing a namespace give one of its objects; a problem when they differ."""
    first = values[members[0].name]
    differing = [team for team in members[1:] if values[team.name] != first]
    if differing:
        names = ", ".join(team.name for team in members)
        problems.append(
            Problem(
                differing[0].key_path(key),
                f"teams sharing namespace {members[0].namespace!r} ({names}) give it different {key}, but a namespace "
                f"has one {kind}: give them the same",
            )
        )
    return first


def _namespace_path(config: StackConfig, team: TeamAccess) -> str:
    return "namespace" if config.teams is None else child(team.config_path, "namespace")


def _adopts(config: StackConfig, team: TeamAccess) -> bool:
    if config.teams is None:
        return config.existing_namespace
    return config.teams[team.name].existing_namespace


def team_namespace_problems(args: TeamNamespaceArgs) -> tuple[None, list[Problem]]:
    """What a TeamNamespace's args say that the cluster or the rules would refuse."""
    problems = [
        Problem(f"teams[{index}]", f"{team!r} is listed more than once")
        for index, team in enumerate(args.teams)
        if args.teams.index(team) != index
    ]
    if args.namespace == "default" and not args.existing:
        problems.append(
            Problem(
                "namespace",
                "default is a namespace the cluster has already: set existing: true to adopt it, or give the runs "
                "a namespace of their own",
            )
        )
    teams = ", ".join(args.teams) or "none"
    problems.extend(
        Problem(f"service_account_annotations.{team}", f"{team!r} is none of the teams ({teams})")
        for team in args.service_account_annotations
        if team not in args.teams
    )
    problems.extend(
        Problem(f"credentials.{name}.team", f"{secret.team!r} is none of the teams ({teams})")
        for name, secret in args.credentials.items()
        if secret.team not in args.teams
    )
    for team, account_annotations in args.service_account_annotations.items():
        known = not is_pending(account_annotations) and not any(
            is_pending(value) for value in account_annotations.values()
        )
        found = annotations_size_problem(account_annotations) if known else None
        if found is not None:
            problems.append(Problem(f"service_account_annotations.{team}", found))
    defaults = args.container_defaults
    if defaults is not None and not is_pending(defaults):
        problems.extend(layer_problems(ResourceLayer("container_defaults", defaults.requests, defaults.limits)))
    return None, problems
