"""From a parsed stack config to a plan: every team's access and every run resolved.

Pure: every problem in the config is found here, all at once, before the
Pulumi program registers anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from .catalog import SIDES, Persistence, Side, catalog_problems
from .errors import ConfigError, Problem
from .namespaces import NamespacePlan, plan_namespaces, restricted_problems, stack_warnings
from .polyaxonfile import load_polyaxonfile
from .request import storage_request
from .resolve import ResolvedStorage, TeamAccess, resolve_storage
from .stack_config import Resources, Run, SecurityContext, StackConfig


@dataclass(frozen=True)
class RunPlan:
    """One run, ready to become a Job spec."""

    name: str
    team: TeamAccess
    image: str
    command: Optional[list[str]]
    args: Optional[list[str]]
    env: dict[str, str]
    resources: Resources
    security_context: Optional[SecurityContext]
    image_pull_policy: str
    service_account_token: bool
    storage: ResolvedStorage


@dataclass(frozen=True)
class StackPlan:
    config: StackConfig
    teams: tuple[TeamAccess, ...]
    namespaces: tuple[NamespacePlan, ...]
    runs: tuple[RunPlan, ...]
    # Allowed, but worth a platform engineer's attention.
    warnings: tuple[Problem, ...]


def plan_stack(config: StackConfig, base_dir: Path) -> StackPlan:
    """Resolve every run; raises ConfigError listing every problem found.

    `base_dir` is where relative `polyaxonfile` paths start (the project directory).
    """
    problems: list[Problem] = []
    teams = _check_catalog_and_teams(config, problems)
    namespaces = plan_namespaces(config, list(teams.values()), problems)
    runs = []
    for name, run in sorted(config.runs.items()):
        try:
            runs.append(
                plan_run(config.persistence, teams, name, run, f"runs.{name}", base_dir, config.defaultResources)
            )
        except ConfigError as error:
            problems.extend(error.problems)
    problems.extend(restricted_problems(namespaces, runs))
    if problems:
        raise ConfigError(problems)
    return StackPlan(
        config=config,
        teams=tuple(teams.values()),
        namespaces=namespaces,
        runs=tuple(runs),
        warnings=tuple(stack_warnings(config, namespaces, runs)),
    )


def checked_teams(config: StackConfig) -> dict[Optional[str], TeamAccess]:
    """Each team's access, once the catalog and teams are sound; raises ConfigError."""
    problems: list[Problem] = []
    teams = _check_catalog_and_teams(config, problems)
    if problems:
        raise ConfigError(problems)
    return teams


def _check_catalog_and_teams(config: StackConfig, problems: list[Problem]) -> dict[Optional[str], TeamAccess]:
    """Each team's access; the catalog's and the grants' problems are appended."""
    problems.extend(catalog_problems(config.persistence))
    return team_access(config, problems)


def team_access(config: StackConfig, problems: list[Problem]) -> dict[Optional[str], TeamAccess]:
    """Each team's access, keyed by team name (None: the implicit team)."""
    persistence = config.persistence
    if config.teams is None:
        namespace = config.namespace
        everything = {side: tuple(sorted(persistence.side(side))) for side in SIDES}
        return {None: TeamAccess(namespace, namespace, everything["data"], everything["outputs"])}
    access: dict[Optional[str], TeamAccess] = {}
    for name, team in sorted(config.teams.items()):
        path = f"teams.{name}"
        grants = {side: _granted(persistence, side, getattr(team, side), f"{path}.{side}", problems) for side in SIDES}
        access[name] = TeamAccess(name, team.namespace, grants["data"], grants["outputs"], path)
    return access


def _granted(persistence: Persistence, side: Side, grant: object, path: str, problems: list[Problem]) -> tuple[str, ...]:
    available = persistence.side(side)
    if grant == "*":
        return tuple(sorted(available))
    assert isinstance(grant, list)
    for index, name in enumerate(grant):
        if name not in available:
            problems.append(
                Problem(f"{path}[{index}]", f"unknown {side} entry {name!r}; the catalog has: {', '.join(sorted(available))}")
            )
        elif grant.index(name) != index:
            problems.append(Problem(f"{path}[{index}]", f"{name!r} is listed more than once"))
    return tuple(sorted(set(grant) & set(available)))


def plan_run(
    persistence: Persistence,
    teams: dict[Optional[str], TeamAccess],
    name: str,
    run: Run,
    path: str,
    base_dir: Path,
    default_resources: Optional[Resources] = None,
) -> RunPlan:
    """Resolve one run (inline request or Polyaxon file); raises ConfigError."""
    problems: list[Problem] = []
    team = _run_team(teams, run.team, f"{path}.team", problems)
    image, command, request = run.image, run.command, None
    try:
        request = storage_request(run, path)
        if run.polyaxonfile is not None:
            if not request.is_empty:
                raise ConfigError(
                    [Problem(path, "gives a storage request and a polyaxonfile; keep the request in one place")]
                )
            polyaxonfile = load_polyaxonfile(base_dir / run.polyaxonfile)
            request = polyaxonfile.request
            image = image or polyaxonfile.image
            command = command or polyaxonfile.command
    except ConfigError as error:
        problems.extend(error.problems)
        request = None
    # A Polyaxon file that failed to load may still have named the image.
    if image is None and not (run.polyaxonfile and request is None):
        problems.append(Problem(f"{path}.image", "required: the container image the run executes"))

    storage = None
    if team is not None and request is not None:
        try:
            storage = resolve_storage(persistence, team, name, request, path)
        except ConfigError as error:
            problems.extend(error.problems)
    if storage is not None:
        reserved = {variable["name"] for variable in storage.env}
        problems.extend(
            Problem(f"{path}.env.{variable}", "is set by polyaxon-storage for every run; choose another name")
            for variable in run.env
            if variable in reserved
        )
    if problems or storage is None or team is None or image is None:
        raise ConfigError(problems)
    return RunPlan(
        name=name,
        team=team,
        image=image,
        command=command,
        args=run.args,
        env=run.env,
        resources=(run.resources or Resources()).over(default_resources),
        security_context=run.securityContext,
        image_pull_policy=run.imagePullPolicy,
        service_account_token=run.automountServiceAccountToken,
        storage=storage,
    )


def _run_team(
    teams: dict[Optional[str], TeamAccess], team: Optional[str], path: str, problems: list[Problem]
) -> Optional[TeamAccess]:
    if team in teams:
        return teams[team]
    defined = ", ".join(str(name) for name in teams)
    if None in teams:
        problems.append(Problem(path, f"names team {team!r}, but no teams are defined; define teams or drop it"))
    elif team is None:
        problems.append(Problem(path, f"required when teams are defined; one of: {defined}"))
    else:
        problems.append(Problem(path, f"unknown team {team!r}; defined teams: {defined}"))
    return None
