"""RunTemplate: the Kubernetes Job spec of one resolved run."""

from __future__ import annotations

import json
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
    """Emits a batch/v1 Job spec (`job`, and `job_yaml` on demand) for a run.

    The Job is not created in the cluster: the stack exports the spec, for
    `kubectl create -f` or a scheduler to submit when the run should execute.
    """

    def __init__(self, name: str, args: RunTemplateArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("polyaxon-storage:index:RunTemplate", name, None, opts)
        manifest = job_manifest(args.run, args.init_image)
        # One Output of the whole spec: Output.from_input(manifest) would make an
        # Output of every node of it, which cost more than the rest of the program (bench/).
        self.job: pulumi.Output[dict] = pulumi.Output.from_input(json.dumps(manifest)).apply(json.loads)
        self.namespace = pulumi.Output.from_input(args.run.team.namespace)
        # The spec itself is exported by the stack; registering it here too would serialize it once more.
        self.register_outputs({"jobName": manifest["metadata"]["name"], "namespace": self.namespace})

    @property
    def job_yaml(self) -> pulumi.Output[str]:
        """The Job spec as YAML, made only when asked for (YAML emission is the costliest step)."""
        return self.job.apply(lambda manifest: to_yaml([manifest]))
