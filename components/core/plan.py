"""From a parsed stack config to a plan: every team's access, every namespace and every run resolved.

Pure: every problem in the config is found here, all at once, before the
Pulumi program registers anything.
"""

from __future__ import annotations

from pathlib import Path
from typing import Mapping, Optional

from ..conventions import is_reserved_env_name
from .checks import pod_security_problems, stack_warnings
from .clouds import RunCloudAccess, cloud_warnings, plan_clouds, run_cloud_access
from .config.catalog import catalog_problems
from .config.polyaxonfile import PolyaxonFile, load_polyaxonfile
from .config.request import storage_request
from .config.stack import ParsedStack, Resources, Run, StackConfig
from .errors import ConfigError, Problem, child
from .model import RunPlan, RunSpec, StackPlan, TeamAccess
from .namespaces import plan_namespaces
from .resolve import NfsClaims, resolve_storage
from .resources import ResourceLayer, effective_resources, layer_problems
from .teams import run_team, team_access

# Keys without which no run can be resolved: when one is refused, runs are checked on their own only.
RESOLUTION_KEYS = frozenset({"persistence", "teams", "namespace", "existingNamespace"})


def plan_stack(parsed: ParsedStack, base_dir: Path, providers: Mapping[str, str] = {}) -> StackPlan:
    """Resolve every run; raises ConfigError listing every problem found.

    `base_dir` is the project directory: relative `polyaxonfile` paths start
    there, and may not leave it. `providers`: the provider settings
    (`gcp:project`, ...) by full key, for buckets the stack creates or grants.
    """
    config = parsed.config
    problems: list[Problem] = list(parsed.problems)
    problems.extend(layer_problems(_layer("defaultResources", config.defaultResources)))
    teams = _check_catalog_and_teams(config, problems)
    namespaces = plan_namespaces(config, list(teams.values()), problems)
    clouds = plan_clouds(config, list(teams.values()), providers, problems)
    access = run_cloud_access(clouds)
    runs = []
    # With the catalog, the teams or the namespace refused, every run would look wrong: check each on its own.
    resolve = not parsed.refused & RESOLUTION_KEYS
    claims = {namespace.name: namespace.claim_names() for namespace in namespaces}
    for name, run in sorted(config.runs.items()):
        try:
            runs.append(
                plan_run(config, teams, claims, name, run, f"runs.{name}", base_dir, resolve=resolve, clouds=access)
            )
        except ConfigError as error:
            problems.extend(error.problems)
    problems.extend(pod_security_problems(namespaces, runs))
    if problems:
        raise ConfigError(problems)
    return StackPlan(
        config=config,
        teams=tuple(teams.values()),
        namespaces=namespaces,
        runs=tuple(runs),
        warnings=(*stack_warnings(config, namespaces, runs), *cloud_warnings(config, clouds)),
        clouds=clouds,
    )


def plan_polyaxonfile_run(
    config: StackConfig, team: Optional[str], name: str, path: Path, providers: Mapping[str, str] = {}
) -> RunPlan:
    """The run of one Polyaxon file (the `job` command) against a sound stack config; raises ConfigError."""
    problems: list[Problem] = []
    teams = _check_catalog_and_teams(config, problems)
    namespaces = plan_namespaces(config, list(teams.values()), problems)
    clouds = plan_clouds(config, list(teams.values()), providers, problems)
    if problems:
        raise ConfigError(problems)
    run = Run.model_validate({"team": team})
    polyaxonfile = load_polyaxonfile(path)
    claims = {namespace.name: namespace.claim_names() for namespace in namespaces}
    plan = plan_run(config, teams, claims, name, run, name, path.parent, polyaxonfile, clouds=run_cloud_access(clouds))
    problems.extend(pod_security_problems(namespaces, [plan]))
    if problems:
        raise ConfigError(problems)
    return plan


def _check_catalog_and_teams(config: StackConfig, problems: list[Problem]) -> dict[Optional[str], TeamAccess]:
    """Each team's access; the catalog's and the grants' problems are appended."""
    problems.extend(catalog_problems(config.persistence, tuple(config.allowedWritableHostPaths)))
    return team_access(config, problems)


def plan_run(
    config: StackConfig,
    teams: dict[Optional[str], TeamAccess],
    claims: dict[str, NfsClaims],
    name: str,
    run: Run,
    path: str,
    base_dir: Path,
    polyaxonfile: Optional[PolyaxonFile] = None,
    resolve: bool = True,
    clouds: RunCloudAccess = RunCloudAccess(),
) -> RunPlan:
    """Resolve one run (inline request or Polyaxon file) against the stack; raises ConfigError.

    `claims`: the NFS claims of each namespace. `polyaxonfile`: the run's file,
    already loaded (the `job` command); otherwise the run's `polyaxonfile`, if
    any, is read from `base_dir`. Without `resolve`, only what the run holds on
    its own is checked, and it always raises. `clouds`: how each team reaches
    the buckets whose credentials the stack manages.
    """
    problems: list[Problem] = []
    team = run_team(teams, run.team, f"{path}.team", problems) if resolve else None
    image, command, request = run.image, run.command, None
    try:
        request = storage_request(run, path)
        if run.polyaxonfile is not None:
            if not request.is_empty:
                raise ConfigError(
                    [Problem(path, "gives a storage request and a polyaxonfile; keep the request in one place")]
                )
            polyaxonfile = load_polyaxonfile(_inside(base_dir, run.polyaxonfile, child(path, "polyaxonfile")))
        if polyaxonfile is not None:
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
    resources, resource_problems = effective_resources(
        [_layer(child(path, "resources"), run.resources), _layer("defaultResources", config.defaultResources)]
    )
    problems.extend(resource_problems)

    mounts = None
    if resolve and team is not None and request is not None:
        try:
            mounts = resolve_storage(
                config.persistence,
                team,
                name,
                request,
                path,
                claims.get(team.namespace, {}),
                clouds.credentials.get(team.name, {}),
            )
        except ConfigError as error:
            problems.extend(error.problems)
    if problems or mounts is None or team is None or image is None:
        raise ConfigError(problems)
    spec = RunSpec(
        name=name,
        team=team.name,
        image=image,
        command=None if command is None else tuple(command),
        args=None if run.args is None else tuple(run.args),
        env=dict(run.env),
        resources=resources,
        security_context=run.securityContext.model_dump(exclude_none=True) if run.securityContext else {},
        image_pull_policy=run.imagePullPolicy,
        automount_service_account_token=run.automountServiceAccountToken,
        init_image=config.initImage,
        pod_labels=dict(clouds.pod_labels.get(team.name, {})),
    )
    data, outputs = mounts
    return RunPlan(spec=spec, team=team, data=data, outputs=outputs)


def _layer(path: str, resources: Optional[Resources]) -> ResourceLayer:
    resources = resources or Resources()
    return ResourceLayer(path, resources.requests, resources.limits)


def _inside(base_dir: Path, relative: str, path: str) -> Path:
    """A file the stack names, which must be inside the project directory."""
    base = base_dir.resolve()
    resolved = (base / relative).resolve()
    if not resolved.is_relative_to(base):
        raise ConfigError(
            [Problem(path, f"must name a file inside the project directory ({base}), relative to it")]
        )
    return resolved

