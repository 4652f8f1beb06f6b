"""From a parsed stack config to a plan: every team's access and every run resolved.

Pure: every problem in the config is found here, all at once, before the
Pulumi program registers anything.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from ..conventions import is_reserved_env_name
from .checks import restricted_problems, stack_warnings
from .config.catalog import catalog_problems
from .config.polyaxonfile import load_polyaxonfile
from .config.request import storage_request
from .config.stack import Resources, Run, StackConfig
from .errors import ConfigError, Problem
from .model import RunPlan, RunSpec, StackPlan, TeamAccess
from .namespaces import plan_namespaces
from .resolve import resolve_storage
from .teams import run_team, team_access


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
            runs.append(plan_run(config, teams, name, run, f"runs.{name}", base_dir))
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
    problems.extend(catalog_problems(config.persistence, tuple(config.allowedWritableHostPaths)))
    return team_access(config, problems)


def plan_run(
    config: StackConfig,
    teams: dict[Optional[str], TeamAccess],
    name: str,
    run: Run,
    path: str,
    base_dir: Path,
) -> RunPlan:
    """Resolve one run (inline request or Polyaxon file) against the stack; raises ConfigError."""
    problems: list[Problem] = []
    team = run_team(teams, run.team, f"{path}.team", problems)
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
    problems.extend(
        Problem(f"{path}.env.{variable}", "is set by polyaxon-storage for every run; choose another name")
        for variable in run.env
        if is_reserved_env_name(variable)
    )

    mounts = None
    if team is not None and request is not None:
        try:
            mounts = resolve_storage(config.persistence, team, name, request, path)
        except ConfigError as error:
            problems.extend(error.problems)
    if problems or mounts is None or team is None or image is None:
        raise ConfigError(problems)
    resources = (run.resources or Resources()).over(config.defaultResources)
    spec = RunSpec(
        name=name,
        team=team.name,
        image=image,
        command=None if command is None else tuple(command),
        args=None if run.args is None else tuple(run.args),
        env=dict(run.env),
        resources={
            kind: {resource: str(value) for resource, value in getattr(resources, kind).items()}
            for kind in ("requests", "limits")
            if getattr(resources, kind)
        },
        security_context=run.securityContext.model_dump(exclude_none=True) if run.securityContext else {},
        image_pull_policy=run.imagePullPolicy,
        automount_service_account_token=run.automountServiceAccountToken,
        init_image=config.initImage,
    )
    data, outputs = mounts
    return RunPlan(spec=spec, team=team, data=data, outputs=outputs)
