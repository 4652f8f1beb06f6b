"""From a parsed stack config to a plan: every team's access, every namespace and every run resolved.

Pure: every problem in the config is found here, all at once, before the
Pulumi program registers anything.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping, Optional

from .checks import stack_warnings
from .clouds import RunCloudAccess, cloud_warnings, run_cloud_access
from .config.catalog import entry_path
from .config.chart import chart_volume_warnings
from .config.fields import identifier
from .config.request import StorageRequest, storage_request
from .config.run import JobTemplate, MountArgs, RunArgs
from .config.stack import ParsedStack, RefusedEntries, Refusals, Run, RunStorage, StackConfig
from .declare import Spelling, parse
from .enums import PodSecurityLevel, RunKind
from .errors import ConfigError, Problem, child
from .export import plan_exports
from .filesystems import mounted_warnings
from .layout import Layout, default_layers, plan_layout
from .model import NamespacePlan, PlannedExports, RunPlan, StackPlan, TeamAccess
from .names import a
from .pending import PENDING
from .refs import REF_KINDS, ref_problem
from .resolve import NfsClaims, resolve_storage
from .resources import ResourceLayer
from .runs import RunContext, RunPlace, identity_warnings, resolve_run
from .settings import Layer, file_layer, model_layer
from .teams import run_team
from .volumes import OutputsRef, union_selector

if TYPE_CHECKING:
    from .config.polyaxonfile import PolyaxonFile

# Keys without which no run can be resolved: when one is refused whole, runs are checked on their own only.
RESOLUTION_KEYS = frozenset({"teams"})
Overrides = Mapping[str, tuple[Any, str]]
"""Param name -> (value, where it was given)."""


@dataclass(frozen=True)
class Stage:
    """What the runs of a stack are planned against: its teams, namespaces and clouds, planned once."""

    config: StackConfig
    teams: dict[Optional[str], TeamAccess]
    namespaces: dict[str, NamespacePlan]
    defaults: dict[str, list[Layer]]
    """Each team's default layers (its runDefaults, then the stack's), by team name."""
    clouds: RunCloudAccess
    base_dir: Path
    """Where relative `polyaxonfile` paths start: the project directory, which they may not leave."""
    project: str
    """The Pulumi project: the Polyaxon project runs report to."""
    mounted_claims: Mapping[str, Mapping[tuple[str, str], str]]
    """Namespace -> the claims of its managed filesystems and CSI-mounted buckets, by (side, entry)."""
    refused_entries: RefusedEntries = RefusedEntries()
    """Catalog entries refused for mistakes of their own: a grant or request naming one is not checked."""
    refused_teams: frozenset[str] = frozenset()
    """Teams refused for mistakes of their own: their runs are checked on their own (a run naming one is no
    problem)."""

    def claims(self, namespace: str) -> NfsClaims:
        found = self.namespaces.get(namespace)
        return {**(found.claim_names() if found else {}), **self.mounted_claims.get(namespace, {})}


def plan_stage(
    config: StackConfig,
    base_dir: Path,
    project: str,
    providers: Mapping[str, str],
    problems: list[Problem],
    refusals: Refusals = Refusals(),
) -> tuple[Stage, Layout]:
    """The stage of a stack's runs, and the layout it is made of; the problems of the layout are appended.
    `refusals`: what of the config was refused for mistakes of its own (parse_stack)."""
    layout = plan_layout(config, providers, problems, refusals)
    stage = Stage(
        config,
        layout.teams,
        {namespace.name: namespace for namespace in layout.namespaces},
        layout.defaults,
        run_cloud_access(layout.clouds),
        base_dir,
        project,
        layout.mounted.claims(),
        refusals.entries,
        frozenset(refusals.teams),
    )
    return stage, layout


def plan_stack(parsed: ParsedStack, base_dir: Path, project: str, providers: Mapping[str, str] = {}) -> StackPlan:
    """Resolve every run; raises ConfigError listing every problem found.

    `base_dir` is the project directory: relative `polyaxonfile` paths start
    there, and may not leave it. `project`: the Pulumi project, the Polyaxon
    project runs report to. `providers`: the provider settings (`gcp:project`,
    ...) by full key, for buckets the stack creates or grants.
    """
    config = parsed.config
    problems: list[Problem] = list(parsed.problems)
    stage, layout = plan_stage(config, base_dir, project, providers, problems, parsed.refusals)
    # The exports read the layout alone: once it is sound, what a format cannot express is reported with the
    # runs' problems.
    sound = parsed.refusals.layout_whole and len(problems) == len(parsed.problems)
    exports, export_warnings = plan_exports(config, layout, problems) if sound else (PlannedExports(), [])
    # With the catalog, the teams or the namespace refused, every run would look wrong: check each on its own.
    resolve = not parsed.refused & RESOLUTION_KEYS
    planned = {}
    for name, run in sorted(config.runs.items()):
        try:
            planned[name] = plan_run(stage, name, run, f"runs.{name}", resolve=resolve)
        except ConfigError as error:
            problems.extend(error.problems)
    for name, storage in sorted(parsed.refusals.runs.items()):
        if storage is not None and resolve:
            problems.extend(_storage_problems(stage, name, storage, f"runs.{name}"))
    unplanned = (set(config.runs) - set(planned)) | set(parsed.refusals.runs)
    runs = [_with_refs(run, planned, unplanned, problems) for run in planned.values()]
    if problems:
        # A default shared by many runs is reported once.
        raise ConfigError(dict.fromkeys(problems))
    warnings = (
        *stack_warnings(config, layout.namespaces, runs),
        *cloud_warnings(config, layout.clouds),
        *mounted_warnings(config, layout.mounted),
        *chart_volume_warnings(config.persistence),
        *export_warnings,
        *(warning for run in runs for warning in run.warnings),
    )
    return StackPlan(
        config=config,
        teams=tuple(stage.teams.values()),
        namespaces=layout.namespaces,
        runs=tuple(runs),
        warnings=warnings,
        clouds=layout.clouds,
        mounted=layout.mounted,
        exports=exports,
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
    stage, _ = plan_stage(config, base_dir, project, providers, problems)
    if problems:
        raise ConfigError(problems)
    from .config.polyaxonfile import load_polyaxonfile

    run, _ = parse(Run, {"team": team}, Spelling.CONFIG)
    polyaxonfile = load_polyaxonfile(path, overrides)
    name = name or polyaxonfile.name or path.stem
    try:
        identifier(name)
    except ValueError as error:
        raise ConfigError([Problem(f"{path}:", f"names no usable run: {error}")]) from None
    plan = plan_run(stage, name, run, name, polyaxonfile, team_path="--team")
    read = {ref for _, names in outputs_refs(plan.args) for ref in names if ref in config.runs and ref != name}
    planned = {}
    for other in sorted(read):
        try:
            planned[other] = plan_run(stage, other, config.runs[other], f"runs.{other}")
        except ConfigError as error:
            problems.extend(error.problems)
    plan = _with_refs(plan, {**planned, name: plan}, read - set(planned), problems)
    if problems:
        raise ConfigError(dict.fromkeys(problems))
    return plan


def plan_run(
    stage: Stage,
    name: str,
    run: Run,
    path: str,
    polyaxonfile: Optional[PolyaxonFile] = None,
    resolve: bool = True,
    team_path: str = "",
) -> RunPlan:
    """Resolve one run (inline request or Polyaxon file) on the stage; raises ConfigError.

    `polyaxonfile`: the run's file, already loaded (the `job` command); otherwise
    the run's `polyaxonfile`, if any, is read from the stage's `base_dir`, rendered
    with the run's `params`. Without `resolve`, only what the run holds on its own
    is checked, and it always raises. The outputs of earlier runs it reads are
    resolved by the caller. `team_path`: where its team is given, if not in the run (the `job` command's --team).
    """
    config = stage.config
    problems: list[Problem] = []
    resolve = resolve and run.team not in stage.refused_teams
    team = run_team(stage.teams, run.team, team_path or f"{path}.team", problems) if resolve else None
    request = None
    unknown: Optional[Layer] = None
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
            file_path = _inside(stage.base_dir, run.polyaxonfile, child(path, "polyaxonfile"))
            polyaxonfile = load_polyaxonfile(file_path, overrides)
        if polyaxonfile is not None:
            request = polyaxonfile.request
    except ConfigError as error:
        problems.extend(error.problems)
        request = None
        if run.polyaxonfile is not None:
            # What a file that failed to load would give is not known: its image, for one.
            unknown = Layer({"image": PENDING}, {"image": child(path, "polyaxonfile")}, ResourceLayer(path, {}, {}))
    if polyaxonfile is not None and run.kind is not None and run.kind != polyaxonfile.kind:
        problems.append(Problem(child(path, "kind"), f"is {run.kind}, but its Polyaxon file is {a(polyaxonfile.kind)}"))
    own = [model_layer(run, path, Spelling.CONFIG)]
    if polyaxonfile is not None:
        # The run's params were rendered into its file: the file's params are the run's.
        own = [own[0].without("params"), file_layer(polyaxonfile.settings, config.gpu_resource, config.tpu_resource)]
    elif unknown is not None:
        own.append(unknown)
    mounts = _mounts(stage, team, name, request, path, problems) if resolve and team and request else None
    # A run whose team is unknown is still held to the stack's defaults.
    defaults = stage.defaults[team.name] if team else default_layers(config, None)
    data, outputs = mounts or ([], None)
    namespace = stage.namespaces.get(team.namespace) if team else None
    context = RunContext(
        bounds=team.run_bounds() if team else None,
        namespace=team.namespace if team else PENDING,
        team=team.name if team else PENDING,
        settings=config,
        pod_security=namespace.pod_security if namespace else PodSecurityLevel.RESTRICTED.value,
        allow_privileged=bool(team and team.allow_privileged),
        privileged_key=team.key_path("allowPrivileged") if team else "allowPrivileged",
        writable_host_paths=tuple(config.allowed_writable_host_paths),
        pod_labels=stage.clouds.pod_labels.get(team.name, {}) if team else {},
        check_mounts=False,  # the catalog's entries are held to the mount rules already
    )
    place = RunPlace(
        name,
        path,
        Spelling.CONFIG,
        [entry_path("data", mount.name) for mount in data],
        entry_path("outputs", outputs.name) if outputs else path,
    )
    resolved = resolve_run(own, defaults, data, outputs, context, place, problems)
    if problems or resolved is None or team is None or mounts is None:
        raise ConfigError(problems)
    refs_path = (
        child(path, "outputsRefs")
        if run.outputs_refs
        else polyaxonfile.settings.paths.get("outputs_refs", "")
        if polyaxonfile
        else ""
    )
    template = JobTemplate(team.name, stage.project, team.namespace, team.service_account, config)
    warnings = (
        *_file_warnings(polyaxonfile, name),
        *identity_warnings(resolved, context, place),
    )
    return RunPlan(name, resolved, team, template, refs_path=refs_path, warnings=warnings)


def _mounts(
    stage: Stage, team: TeamAccess, name: str, request: StorageRequest, path: str, problems: list[Problem]
) -> Optional[tuple[list[MountArgs], MountArgs]]:
    """What a run of `team` mounts for its `request`; None, with the problems appended, when that is not known."""
    try:
        return resolve_storage(
            stage.config.persistence,
            team,
            name,
            request,
            path,
            stage.claims(team.namespace),
            stage.clouds.credentials.get(team.name, {}),
            stage.refused_entries,
        )
    except ConfigError as error:
        problems.extend(error.problems)
        return None


def _storage_problems(stage: Stage, name: str, storage: RunStorage, path: str) -> list[Problem]:
    """What a run refused for mistakes in its settings asks of the catalog, checked: its team and entries."""
    problems: list[Problem] = []
    if storage.team in stage.refused_teams:
        return problems
    team = run_team(stage.teams, storage.team, child(path, "team"), problems)
    try:
        request = storage_request(storage, path)
    except ConfigError as error:
        return [*problems, *error.problems]
    if team is not None:
        _mounts(stage, team, name, request, path, problems)
    return problems


def _file_warnings(polyaxonfile: Optional[PolyaxonFile], name: str) -> tuple[Problem, ...]:
    if polyaxonfile is None:
        return ()
    renamed = []
    if polyaxonfile.name is not None and polyaxonfile.name != name:
        renamed.append(Problem(f"{polyaxonfile.path}: name", f"not used: the run is named {name}"))
    return (*polyaxonfile.warnings, *renamed)


def outputs_refs(run: RunArgs) -> list[tuple[str, list[str]]]:
    """The earlier runs a run reads, by kind key (`jobs`, `experiments`), the kinds it lists only."""
    refs = run.outputs_refs
    return [(key, names) for key in REF_KINDS if refs is not None and (names := getattr(refs, key))]


def _pin(side: str, mount: MountArgs) -> tuple[str, Mapping[str, str]]:
    return entry_path(side, mount.name, "nodeSelector"), mount.node_selector  # type: ignore[arg-type]


def _with_refs(run: RunPlan, planned: Mapping[str, RunPlan], unplanned: set[str], problems: list[Problem]) -> RunPlan:
    """`run` with the outputs of the earlier runs it reads: runs of its team, each of the kind it is listed as."""
    if not outputs_refs(run.args):
        return run
    kinds = {
        name: other.args.kind or RunKind.EXPERIMENT.value for name, other in planned.items() if other.team.name == run.team.name
    }
    refs = []
    for key, names in outputs_refs(run.args):
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
                refs.append(OutputsRef(key, name, planned[name].args.outputs))
    ref_pins = [_pin("outputs", ref.mount) for ref in refs]
    own_pins = [*(_pin("data", mount) for mount in run.args.data), _pin("outputs", run.args.outputs)]
    _, conflicts = union_selector([("the run's nodeSelector", run.args.node_selector), *own_pins, *ref_pins])
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
