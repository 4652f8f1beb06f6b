"""RunTemplate: the Kubernetes Job specs of a team's training runs, following Polyaxon's mount rules."""

from functools import cached_property
from typing import Any, Callable, Optional

import pulumi

from ..args import ComponentArgsError, check, typed_args
from ..core.config import run
from ..core.job import generate_name
from ..core.template import TemplateRun, template_job, template_runs
from ..outputs import known_output, mapping_output, whole_output

MountArgs = typed_args(run.MountArgs)
RunArgs = typed_args(run.RunArgs)
RunTemplateArgs = typed_args(run.RunTemplateArgs)
TYPE = "polyaxon-storage:index:RunTemplate"


class RunTemplate(pulumi.ComponentResource):
    """The batch/v1 Job specs of a team's training runs: each run's settings resolved over the template's
    defaults, its storage mounted and described to it the way Polyaxon's clients expect
    (POLYAXON_RUN_DATA_PATHS, POLYAXON_RUN_OUTPUTS_PATH, bucket credentials), every run held to the rules of
    its namespace's Pod Security level, the host-path and mount rules, its team's bounds, and the API
    server's.

    The Jobs are not created in the cluster: their specs are an output, for a
    stack export, `kubectl create -f` or a scheduler to submit when a run
    should execute.
    """

    jobs: pulumi.Output[dict[str, dict[str, Any]]]  # made when first read: see the property
    """Run name -> its Job manifest; secret when any input they are made of is."""
    generate_names: pulumi.Output[dict[str, str]]
    """Run name -> its Job's metadata.generateName (`<run>-`: each submission is a new Job)."""
    namespace: pulumi.Output[str]
    """The namespace the Jobs run in."""

    def __init__(self, name: str, args: RunTemplateArgs, opts: Optional[pulumi.ResourceOptions] = None):  # type: ignore[valid-type]
        super().__init__(TYPE, name, None, opts)
        named = list(args.get("runs") or {}) if isinstance(args, dict) else []
        checked = check("RunTemplate", name, run.RunTemplateArgs, args, lambda template: template_runs(template, named))
        # Warned once, as the program runs: for runs whose names are known then (not from inside an apply).
        for found in checked.derived.values():
            for warning in found.warnings:
                pulumi.log.warn(f"RunTemplate {name!r}: {warning}", resource=self)
        project = pulumi.get_project()

        def built(run_name: str) -> Callable[[tuple[run.RunTemplateArgs, dict[str, TemplateRun]]], dict[str, Any]]:
            return lambda resolved: template_job(resolved[0], run_name, resolved[1][run_name], project)

        # An Output per run, not one of every run's Job: Pulumi walks the whole value an apply returns, looking
        # for unknowns, and the run's Output would walk its Job once more.
        jobs = {name: checked.resolved.apply(built(name)) for name in checked.known.runs}
        self._jobs = {name: pulumi.Output.secret(job) for name, job in jobs.items()} if checked.known.secret else jobs
        self.namespace = whole_output(checked.value(lambda template: template.namespace))
        self.generate_names = known_output({run: generate_name(run) for run in checked.known.runs})
        # The specs themselves are left out: a stack that exports them would serialize them once more.
        self.register_outputs({"generateNames": self.generate_names, "namespace": self.namespace})

    @cached_property  # type: ignore[no-redef]
    def jobs(self) -> pulumi.Output[dict[str, dict[str, Any]]]:
        """Run name -> its Job manifest, made when first read: one more walk of every Job, which a program reading
        each run's `job` need not pay."""
        return mapping_output(self._jobs)

    def job(self, run: str) -> pulumi.Output[dict[str, Any]]:
        """One run's Job manifest; secret when any input it is made of is."""
        if run not in self._jobs:
            runs = ", ".join(self._jobs) or "none"
            raise KeyError(f"RunTemplate {self.pulumi_resource_name!r} has no run {run!r} (it has {runs})")
        return self._jobs[run]


__all__ = ["ComponentArgsError", "MountArgs", "RunArgs", "RunTemplate", "RunTemplateArgs"]
