"""From a parsed stack config to a plan: every team's access, every namespace and every run resolved.

Pure: every problem in the config is found here, all at once, before the
Pulumi program registers anything.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping, Optional, Sequence

from ..conventions import is_reserved_env_name
from .checks import pod_security_problems, secret_ref_problems, stack_warnings
from .clouds import RunCloudAccess, cloud_warnings, plan_clouds, run_cloud_access
from .config.catalog import catalog_problems
from .config.fields import identifier
from .config.request import storage_request
from .config.stack import ParsedStack, Run, StackConfig
from .errors import ConfigError, Problem, child
from .model import OutputsRef, RunPlan, RunSpec, StackPlan, TeamAccess
from .namespaces import plan_namespaces
from .refs import REF_KINDS, ref_problem
from .resolve import NfsClaims, resolve_storage
from .resources import layer_problems
from .settings import Layer, combined_settings, default_layers, file_layer, run_layer
from .teams import run_team, team_access
from .volumes import pin_sources, union_selector

if TYPE_CHECKING:
    from .config.polyaxonfile import PolyaxonFile

# Keys without which no run can be resolved: when one is refused, runs are checked on their own only.
RESOLUTION_KEYS = frozenset({"persistence", "teams", "namespace", "existingNamespace"})
Overrides = Mapping[str, tuple[Any, str]]
"""Param name -> (value, where it was given)."""


def plan_stack(parsed: ParsedStack, base_dir: Path, project: str, providers: Mapping[str, str] = {}) -> StackPlan:
    """Resolve every run; raises ConfigError listing every problem found.

    `base_dir` is the project directory: relative `polyaxonfile` paths start
    there, and may not leave it. `project`: the Pulumi project, the Polyaxon
    project runs report to. `providers`: the provider settings (`gcp:project`,
    ...) by full key, for buckets the stack creates or grants.
    """
    config = parsed.config
    problems: list[Problem] = list(parsed.problems)
    teams, defaults = _check_catalog_and_teams(config, problems)
    namespaces = plan_namespaces(config, list(teams.values()), defaults, problems)
    clouds = plan_clouds(config, list(teams.values()), providers, problems)
    problems.extend(secret_ref_problems(config, teams.values(), clouds))
    access = run_cloud_access(clouds)
    # With the catalog, the teams or the namespace refused, every run would look wrong: check each on its own.
    resolve = not parsed.refused & RESOLUTION_KEYS
    claims = {namespace.name: namespace.claim_names() for namespace in namespaces}
    planned = {}
    for name, run in sorted(config.runs.items()):
        try:
            planned[name] = plan_run(
                config,
                teams,
                claims,
                defaults,
                name,
                run,
                f"runs.{name}",
                base_dir,
                project,
                resolve=resolve,
                clouds=access,
            )
        except ConfigError as error:
            problems.extend(error.problems)
    runs = [_with_refs(run, planned, set(config.runs) - set(planned), problems) for run in planned.values()]
    problems.extend(pod_security_problems(namespaces, runs))
    if problems:
        # A default shared by many runs is reported once.
        raise ConfigError(dict.fromkeys(problems))
    warnings = (
        *stack_warnings(config, namespaces, runs),
        *cloud_warnings(config, clouds),
        *(warning for run in runs for warning in run.warnings),
    )
    return StackPlan(
        config=config,
        teams=tuple(teams.values()),
        namespaces=namespaces,
        runs=tuple(runs),
        warnings=warnings,
        clouds=clouds,
    )


def plan_polyaxonfile_run(
    config: StackConfig,
    team: Optional[str],
    name: Optional[str],
    path: Path,
    base_dir: Path,
    project: str,
    overrides: Optional[Overrides] = None,
    providers: Mapping[str, str] = {},
) -> RunPlan:
    """The run of one Polyaxon file (the `job` command) against a sound stack config; raises ConfigError.

    The run is `name`d, else as the file's `name:`, else as the file. The stack
    runs it reads the outputs of are planned too.
    """
    problems: list[Problem] = []
    teams, defaults = _check_catalog_and_teams(config, problems)
    namespaces = plan_namespaces(config, list(teams.values()), defaults, problems)
    clouds = plan_clouds(config, list(teams.values()), providers, problems)
    problems.extend(secret_ref_problems(config, teams.values(), clouds))
    access = run_cloud_access(clouds)
    if problems:
        raise ConfigError(problems)
    from .config.polyaxonfile import load_polyaxonfile

    run = Run.model_validate({"team": team})
    polyaxonfile = load_polyaxonfile(path, overrides)
    name = name or polyaxonfile.name or path.stem
    try:
        identifier(name)
    except ValueError as error:
        raise ConfigError([Problem(f"{path}:", f"names no usable run: {error}")]) from None
    claims = {namespace.name: namespace.claim_names() for namespace in namespaces}
    plan = plan_run(config, teams, claims, defaults, name, run, name, base_dir, project, polyaxonfile, clouds=access)
    read = {ref for names in plan.spec.outputs_refs.values() for ref in names if ref in config.runs and ref != name}
    planned = {}
    for other in sorted(read):
        try:
            planned[other] = plan_run(
                config,
                teams,
                claims,
                defaults,
                other,
                config.runs[other],
                f"runs.{other}",
                base_dir,
                project,
                clouds=access,
            )
        except ConfigError as error:
            problems.extend(error.problems)
    plan = _with_refs(plan, {**planned, name: plan}, read - set(planned), problems)
    problems.extend(pod_security_problems(namespaces, [plan]))
    if problems:
        raise ConfigError(dict.fromkeys(problems))
    return plan


def _check_catalog_and_teams(
    config: StackConfig, problems: list[Problem]
) -> tuple[dict[Optional[str], TeamAccess], dict[str, list[Layer]]]:
    """Each team's access, and the defaults of its runs (by team name), made once rather than for every
    run; the catalog's, the grants' and the defaults' problems are appended."""
    problems.extend(catalog_problems(config.persistence, tuple(config.allowedWritableHostPaths)))
    teams = team_access(config, problems)
    defaults = {team.name: default_layers(config, team) for team in teams.values()}
    # Each default layer's own resources, checked once (the stack's is every team's).
    layers = {layer.resources.path: layer for team_defaults in defaults.values() for layer in team_defaults}
    problems.extend(problem for layer in layers.values() for problem in layer_problems(layer.resources))
    return teams, defaults


def plan_run(
    config: StackConfig,
    teams: dict[Optional[str], TeamAccess],
    claims: dict[str, NfsClaims],
    defaults: Mapping[str, Sequence[Layer]],
    name: str,
    run: Run,
    path: str,
    base_dir: Path,
    project: str,
    polyaxonfile: Optional[PolyaxonFile] = None,
    resolve: bool = True,
    clouds: RunCloudAccess = RunCloudAccess(),
) -> RunPlan:
    """Resolve one run (inline request or Polyaxon file) against the stack; raises ConfigError.

    `claims`: the NFS claims of each namespace; `defaults`: each team's default
    layers (`settings.default_layers`), by team name. `polyaxonfile`: the run's file,
    already loaded (the `job` command); otherwise the run's `polyaxonfile`, if
    any, is read from `base_dir`, rendered with the run's `params`. Without
    `resolve`, only what the run holds on its own is checked, and it always
    raises. The outputs of earlier runs it reads are resolved by the caller.
    `clouds`: how each team reaches the buckets whose credentials the stack manages.
    """
    problems: list[Problem] = []
    team = run_team(teams, run.team, f"{path}.team", problems) if resolve else None
    request = None
    try:
        request = storage_request(run, path)
        if run.polyaxonfile is not None:
            # Only stacks with Polyaxon files load their models (a tenth of the core's import).
            from .config.polyaxonfile import load_polyaxonfile

            if not request.is_empty:
                raise ConfigError(
                    [Problem(path, "gives a storage request and a polyaxonfile; keep the request in one place")]
                )
            overrides = {key: (value, child(child(path, "params"), key)) for key, value in (run.params or {}).items()}
            file_path = _inside(base_dir, run.polyaxonfile, child(path, "polyaxonfile"))
            polyaxonfile = load_polyaxonfile(file_path, overrides)
        if polyaxonfile is not None:
            request = polyaxonfile.request
    except ConfigError as error:
        problems.extend(error.problems)
        request = None
    image = run.image or (polyaxonfile.image if polyaxonfile else None)
    # A Polyaxon file that failed to load may still have named the image.
    if image is None and not (run.polyaxonfile and request is None):
        problems.append(Problem(f"{path}.image", "required: the container image the run executes"))
    problems.extend(
        Problem(f"{path}.env.{variable}", "is set by polyaxon-storage for every run; choose another name")
        for variable in run.env
        if is_reserved_env_name(variable)
    )
    if polyaxonfile is not None and run.kind is not None and run.kind != polyaxonfile.kind:
        problems.append(Problem(child(path, "kind"), f"is {run.kind}, but its Polyaxon file is a {polyaxonfile.kind}"))

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
    own = [run_layer(run, path)]
    if polyaxonfile is not None:
        own.append(file_layer(polyaxonfile.settings, config.gpuResource, config.tpuResource))
    # A run whose team is unknown is still held to the stack's defaults.
    run_defaults = defaults[team.name] if team else default_layers(config, None)
    settings = combined_settings(own, run_defaults, team, [*mounts[0], mounts[1]] if mounts else [], problems)
    if problems or mounts is None or team is None or image is None:
        raise ConfigError(problems)
    outputs_refs = run.outputsRefs or (polyaxonfile.settings.values.get("outputsRefs") if polyaxonfile else None)
    spec = RunSpec(
        name=name,
        team=team.name,
        image=image,
        kind=run.kind or (polyaxonfile.kind if polyaxonfile else "experiment"),
        command=_tuple(run.command or (polyaxonfile.command if polyaxonfile else None)),
        args=_tuple(run.args),
        env=dict(run.env),
        resources=settings.resources,
        security_context=run.securityContext.model_dump(exclude_none=True) if run.securityContext else {},
        image_pull_policy=run.imagePullPolicy,
        automount_service_account_token=run.automountServiceAccountToken,
        node_selector=settings.node_selector,
        tolerations=settings.tolerations,
        affinity=settings.affinity,
        labels=settings.labels,
        annotations=settings.annotations,
        service_account=settings.service_account,
        image_pull_secrets=settings.image_pull_secrets,
        secret_refs=settings.secret_refs,
        config_map_refs=settings.config_map_refs,
        max_restarts=settings.max_restarts,
        ttl_seconds_after_finished=settings.ttl_seconds_after_finished,
        active_deadline_seconds=settings.active_deadline_seconds,
        shm_size=settings.shm_size,
        outputs_refs={
            key: tuple(getattr(outputs_refs, key)) for key in REF_KINDS if outputs_refs and getattr(outputs_refs, key)
        },
        params=polyaxonfile.params if polyaxonfile else run.params,
        log_level=run.logLevel or (polyaxonfile.log_level if polyaxonfile else None) or "INFO",
        project=project,
        init_image=config.initImage,
        gpu_resource=config.gpuResource,
        tpu_resource=config.tpuResource,
        tpu_tf_version=config.tpuTfVersion,
        pod_labels=dict(clouds.pod_labels.get(team.name, {})),
    )
    refs_path = (
        child(path, "outputsRefs")
        if run.outputsRefs
        else polyaxonfile.settings.paths.get("outputsRefs", "")
        if polyaxonfile
        else ""
    )
    return RunPlan(
        spec=spec,
        team=team,
        data=mounts[0],
        outputs=mounts[1],
        refs_path=refs_path,
        warnings=_file_warnings(polyaxonfile, name),
    )


def _tuple(values: Optional[list[str]]) -> Optional[tuple[str, ...]]:
    return None if values is None else tuple(values)


def _file_warnings(polyaxonfile: Optional[PolyaxonFile], name: str) -> tuple[Problem, ...]:
    if polyaxonfile is None:
        return ()
    renamed = []
    if polyaxonfile.name is not None and polyaxonfile.name != name:
        renamed.append(Problem(f"{polyaxonfile.path}: name", f"not used: the run is named {name}"))
    return (*polyaxonfile.warnings, *renamed)


def _with_refs(run: RunPlan, planned: Mapping[str, RunPlan], unplanned: set[str], problems: list[Problem]) -> RunPlan:
    """`run` with the outputs of the earlier runs it reads: runs of its team, each of the kind it is listed as."""
    if not run.spec.outputs_refs:
        return run
    kinds = {name: other.spec.kind for name, other in planned.items() if other.team.name == run.team.name}
    refs = []
    for key, names in run.spec.outputs_refs.items():
        for index, name in enumerate(names):
            where = f"{child(run.refs_path, key)}[{index}]"
            other = planned.get(name)
            if name in unplanned:
                continue  # its own problems are reported
            if other is not None and other.team.name != run.team.name:
                problems.append(
                    Problem(where, f"{name!r} is a run of {other.team.describe()}: a run reads only its team's outputs")
                )
                continue
            problem = ref_problem(key, name, run.name, kinds, names[:index])
            if problem:
                problems.append(Problem(where, problem))
            else:
                refs.append(OutputsRef(key, name, planned[name].outputs))
    ref_pins = pin_sources([ref.mount for ref in refs])
    _, conflicts = union_selector(
        [("the run's nodeSelector", run.spec.node_selector), *pin_sources(run.mounts), *ref_pins]
    )
    problems.extend(
        Problem(run.refs_path, f"reads outputs this run's pod cannot mount: {conflict.describe()}")
        for conflict in conflicts
        if conflict.second in ((source, labels.get(conflict.label)) for source, labels in ref_pins)
    )
    return replace(run, refs=tuple(refs))


def _inside(base_dir: Path, relative: str, path: str) -> Path:
    """A file the stack names, which must be inside the project directory."""
    base = base_dir.resolve()
    resolved = (base / relative).resolve()
    if not resolved.is_relative_to(base):
        raise ConfigError([Problem(path, f"must name a file inside the project directory ({base}), relative to it")])
    return resolved
