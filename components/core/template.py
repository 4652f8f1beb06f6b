"""A RunTemplate's runs: each resolved and held to every rule of a run's Job, then built (pure).

`RunTemplate` calls these on its args, once with the values that come from
other resources still PENDING (before it registers anything) and again when
they resolve. Each run goes through `runs.resolve_run` and `job.job_manifest`,
as every run of the stack does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from .checks import service_account_problems
from .config.run import JobTemplate, RunArgs, RunTemplateArgs, TeamBounds
from .declare import Spelling
from .enums import RunKind
from .errors import Problem, child
from .job import job_manifest
from .refs import REF_KINDS, ref_problem
from .runs import RunContext, RunPlace, identity_warnings, resolve_run
from .settings import Layer, RunBounds, model_layer
from .volumes import OutputsRef, union_selector


@dataclass(frozen=True)
class TemplateRun:
    """One run of a template, resolved, with the earlier runs whose outputs it reads."""

    args: RunArgs
    refs: tuple[OutputsRef, ...]
    warnings: tuple[Problem, ...] = ()
    """What the template allows but its author should hear about (runs.identity_warnings)."""


def template_runs(template: RunTemplateArgs, refused: Iterable[str] = ()) -> tuple[dict[str, TemplateRun], list[Problem]]:
    """Every run of a template resolved (those without problems), and every problem found. `refused`: runs
    left out for problems of their own (others may still read them: no problem of theirs)."""
    problems: list[Problem] = []
    bounds = RunBounds(template.bounds or TeamBounds(), lambda name: f"bounds.{name}", template.service_account)
    context = RunContext(
        bounds=bounds,
        namespace=template.namespace,
        team=template.team or template.namespace,
        settings=template,
        pod_security=template.pod_security,
        allow_privileged=template.allow_privileged,
        privileged_key="allow_privileged",
        writable_host_paths=tuple(template.allowed_writable_host_paths),
        writable_key="allowed_writable_host_paths",
    )
    problems.extend(service_account_problems(bounds))
    defaults: list[Layer] = (
        [model_layer(template.defaults, "defaults", Spelling.ARGS)] if template.defaults is not None else []
    )
    resolved = {}
    warnings: dict[str, tuple[Problem, ...]] = {}
    for name, run in template.runs.items():
        path = f"runs.{name}"
        place = RunPlace(name, path, Spelling.ARGS, [f"{path}.data[{index}]" for index in range(len(run.data))], f"{path}.outputs")
        found = resolve_run(
            [model_layer(run, path, Spelling.ARGS)], defaults, run.data, run.outputs, context, place, problems
        )
        if found is not None:
            resolved[name] = found
            warnings[name] = tuple(identity_warnings(found, context, place))
    kinds = {name: run.kind or RunKind.EXPERIMENT.value for name, run in template.runs.items()}
    runs = {
        name: TemplateRun(run, _refs(name, run, resolved, kinds, set(refused), problems), warnings[name])
        for name, run in resolved.items()
    }
    return runs, problems


def _refs(
    name: str,
    run: RunArgs,
    resolved: dict[str, RunArgs],
    kinds: dict[str, str],
    refused: set[str],
    problems: list[Problem],
) -> tuple[OutputsRef, ...]:
    """The earlier runs of the template whose outputs `run` reads, each of the kind it is listed as."""
    refs = []
    where = child(f"runs.{name}", "outputs_refs")
    for key in REF_KINDS:
        names = getattr(run.outputs_refs, key) if run.outputs_refs else []
        for index, ref in enumerate(names):
            if ref in refused and ref not in kinds:
                continue  # its own problems are reported
            found = ref_problem(key, ref, name, kinds, names[:index])
            if found:
                problems.append(Problem(f"{where}.{key}[{index}]", found))
            elif ref in resolved:
                refs.append(OutputsRef(key, ref, resolved[ref].outputs))
    pins = [(f"runs.{ref.run}.outputs.node_selector", ref.mount.node_selector) for ref in refs]
    own = [(f"runs.{name}.data[{index}].node_selector", mount.node_selector) for index, mount in enumerate(run.data)]
    _, conflicts = union_selector(
        [
            (f"runs.{name}.node_selector", run.node_selector),
            *own,
            (f"runs.{name}.outputs.node_selector", run.outputs.node_selector),
            *pins,
        ]
    )
    problems.extend(
        Problem(where, f"reads outputs this run's pod cannot mount: {conflict.describe()}")
        for conflict in conflicts
        if conflict.second in ((source, labels.get(conflict.label)) for source, labels in pins)
    )
    return tuple(refs)


def template_job(template: RunTemplateArgs, name: str, run: TemplateRun, project: str) -> dict[str, Any]:
    """A resolved run's Job manifest, once the template's namespace and ServiceAccount are known.
    `project`: the project runs report to unless the template names one."""
    job_template = JobTemplate(
        team=template.team or template.namespace,
        project=template.project or project,
        namespace=template.namespace,
        service_account=template.service_account,
        settings=template,
    )
    return job_manifest(name, run.args, job_template, run.refs)
