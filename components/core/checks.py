"""Checks across teams, runs and namespaces: what a team may load, and the stack's warnings.

Pure: problems stop the program before anything is registered; warnings are
logged by `pulumi preview` and printed by `render`.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Iterable, Optional, Sequence

from .config.catalog import (
    SINGLE_NODE_MODES,
    BucketEntry,
    ExistingClaimEntry,
    HostPathEntry,
    entry_path,
)
from .config.stack import StackConfig
from .enums import ExportFormat
from .errors import Problem, child
from .model import CloudPlan, NamespacePlan, RunPlan, TeamAccess
from .namespaces import granted_entries
from .v2_credentials import v2_credentials_secrets


def secret_ref_problems(config: StackConfig, teams: Iterable[TeamAccess], clouds: Sequence[CloudPlan]) -> list[Problem]:
    """A team may not let its runs load the credentials of a bucket entry it is not granted: a Secret a
    catalog entry names, or one the stack manages for another team (in v2's layout too, when it writes those)."""
    managed = {(access.secret, access.team.name) for cloud in clouds for access in cloud.teams if access.secret}
    if ExportFormat.POLYAXON_V2 in config.exports:
        managed |= {(secret.name, secret.team) for secret in v2_credentials_secrets(clouds)}
    problems = []
    for team in teams:
        for index, name in enumerate(team.bounds.secret_refs):
            foreign = [
                entry_path(side, entry_name)
                for side, entry_name, entry in config.persistence.entries()
                if isinstance(entry, BucketEntry) and entry.secret == name and entry_name not in team.granted(side)
            ]
            foreign.extend(
                f"the buckets the stack manages for team {owner!r}"
                for secret, owner in sorted(managed)
                if secret == name and owner != team.name
            )
            if foreign:
                problems.append(
                    Problem(
                        f"{team.key_path('secretRefs')}[{index}]",
                        f"{name!r} holds the credentials of {', '.join(foreign)}, which {team.describe()} is not "
                        "granted: its runs may not load it",
                    )
                )
    return problems


def stack_warnings(config: StackConfig, namespaces: Sequence[NamespacePlan], runs: Sequence[RunPlan]) -> list[Problem]:
    """What the stack allows but a platform engineer should hear about."""
    warnings = []
    for plan in namespaces:
        if plan.pod_security == "privileged":
            names = ", ".join(entry_path(item.side, item.name) for item in plan.host_paths)
            warnings.append(
                Problem(
                    _grants_path(config, plan),
                    f"namespace {plan.name!r} is labelled Pod Security privileged because it is granted "
                    f"host-path entries ({names}), which baseline and restricted forbid; its runs are still held "
                    "to baseline",
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
    config: StackConfig, namespaces: Sequence[NamespacePlan], runs: Sequence[RunPlan]
) -> list[Problem]:
    warnings = []
    # Each namespace's runs, grouped in one pass (not one pass over every run per claim).
    runs_in: dict[str, list[RunPlan]] = defaultdict(list)
    for run in runs:
        runs_in[run.team.namespace].append(run)
    for plan in namespaces:
        for item in granted_entries(config.persistence, plan.teams):
            entry = item.entry
            if not isinstance(entry, ExistingClaimEntry) or entry.access_mode not in SINGLE_NODE_MODES:
                continue
            teams = [team.name for team in plan.teams if item.name in team.granted(item.side)]
            writers = [
                run.name for run in runs_in[plan.name] if item.side == "outputs" and run.args.outputs.name == item.name
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
