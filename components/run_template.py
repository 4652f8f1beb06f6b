"""RunTemplate: the Kubernetes Job spec of one resolved run."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import pulumi

from .job import job_manifest, to_yaml
from .plan import RunPlan


@dataclass(frozen=True)
class RunTemplateArgs:
    run: RunPlan
    """The run, its storage already resolved against the catalog."""
    init_image: str
    """Image of the init container that creates the run's outputs directory."""


class RunTemplate(pulumi.ComponentResource):
    """Emits a batch/v1 Job spec (`job`, and `job_yaml`) for a run.

    The Job is not created in the cluster: the stack exports the spec, for
    `kubectl create -f` or a scheduler to submit when the run should execute.
    """

    def __init__(self, name: str, args: RunTemplateArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("polyaxon-storage:index:RunTemplate", name, None, opts)
        manifest = job_manifest(args.run, args.init_image)
        self.job = pulumi.Output.from_input(manifest)
        self.job_yaml = pulumi.Output.from_input(to_yaml([manifest]))
        self.namespace = pulumi.Output.from_input(args.run.team.namespace)
        self.register_outputs({"job": self.job, "jobYaml": self.job_yaml, "namespace": self.namespace})
