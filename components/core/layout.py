"""A stack before its runs: its teams, their defaults, its namespaces, its clouds and its mounted storage, planned
once.

Pure. What the runs are planned against (`plan.py`) and what the catalog is
exported from (`export.py`) alike: both see the same teams, the same claims
and the same managed credentials, with every problem of them found here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Optional

from .checks import secret_ref_problems, service_account_problems
from .clouds import plan_clouds
from .config.catalog import catalog_problems
from .config.stack import Refusals, StackConfig, stack_resources
from .declare import Spelling
from .errors import Problem
from .filesystems import node_secret_problems, plan_mounted_storage
from .model import CloudPlan, MountedStoragePlan, NamespacePlan, TeamAccess
from .namespaces import plan_namespaces
from .resources import layer_problems
from .settings import Layer, model_layer
from .teams import team_access


@dataclass(frozen=True)
class Layout:
    """What a stack's runs go into: its teams, their default layers, its namespaces, its clouds and its managed
    filesystems and CSI-mounted buckets."""

    teams: dict[Optional[str], TeamAccess]
    """Each team's access, by team name (None: the implicit team of a stack without teams)."""
    defaults: dict[str, list[Layer]]
    """Each team's default layers (its runDefaults, then the stack's), by team name."""
    namespaces: tuple[NamespacePlan, ...]
    clouds: tuple[CloudPlan, ...]
    """The clouds with buckets the stack creates or manages credentials for."""
    mounted: MountedStoragePlan
    """The managed filesystems and the buckets mounted through CSI: their volumes in the namespaces."""


def plan_layout(
    config: StackConfig, providers: Mapping[str, str], problems: list[Problem], refusals: Refusals = Refusals()
) -> Layout:
    """The layout of a stack; the problems of its catalog, grants, defaults, namespaces, clouds and mounted storage
    are appended.

    `providers`: the provider settings (`gcp:project`, ...) by full key. `refusals`: what of the config was
    refused for mistakes of its own (parse_stack): what is sound of it is checked, nothing is made up.
    """
    problems.extend(
        catalog_problems(config.persistence, tuple(config.allowed_writable_host_paths), refusals.entries.sides)
    )
    teams = team_access(config, problems, refusals.entries, refusals.teams)
    defaults = {team.name: default_layers(config, team) for team in teams.values()}
    # Each default layer's own resources, checked once (the stack's is every team's).
    layers = {layer.resources.path: layer for team_defaults in defaults.values() for layer in team_defaults}
    problems.extend(problem for layer in layers.values() for problem in layer_problems(layer.resources))
    namespaces = plan_namespaces(config, list(teams.values()), defaults, problems)
    clouds = plan_clouds(
        config, list(teams.values()), providers, problems, frozenset(refusals.teams), "cluster" not in refusals.keys
    )
    mounted = plan_mounted_storage(config, list(teams.values()), namespaces, clouds, providers, problems)
    problems.extend(secret_ref_problems(config, teams.values(), clouds))
    problems.extend(node_secret_problems(teams.values(), mounted))
    accounts = {team.service_account: team.name for team in teams.values() if team.config_path}
    problems.extend(problem for team in teams.values() for problem in service_account_problems(team.run_bounds(), accounts))
    return Layout(teams, defaults, namespaces, clouds, mounted)


def default_layers(config: StackConfig, team: Optional[TeamAccess]) -> list[Layer]:
    """The defaults a team's runs get, most specific first: its runDefaults, then the stack's."""
    resources, resources_path = stack_resources(config)
    stack = model_layer(config.run_defaults, "runDefaults", Spelling.CONFIG, resources, resources_path)
    if team is None or not team.config_path:
        return [stack]
    return [model_layer(team.run_defaults, team.key_path("runDefaults"), Spelling.CONFIG), stack]
