"""RunTemplate: the Kubernetes Job spec of one training run, following Polyaxon's mount rules."""

from dataclasses import fields
from typing import Any, Awaitable, Mapping, NotRequired, Optional, Sequence, TypedDict

import pulumi

from ..core.config.stack import DEFAULT_INIT_IMAGE
from ..core.job import job_manifest
from ..core.model import Mount, RunSpec, mount_kind_problem
from ..core.names import dns_label
from ..core.yaml_io import to_yaml


class StorageMountArgs(TypedDict):
    """One storage entry a run mounts, in the catalog's vocabulary: a host path, a claim, or a bucket."""

    name: str
    """The entry's name: the key in POLYAXON_RUN_DATA_PATHS, and what the volume name derives from."""
    mount_path: NotRequired[str]
    """Where the container sees the volume (host paths and claims)."""
    read_only: NotRequired[bool]
    """Mount it read-only. Default false; an outputs mount must be writable."""
    host_path: NotRequired[str]
    """A directory on the node."""
    node_selector: NotRequired[Mapping[str, str]]
    """Node labels a host path's data lives on: the run is pinned there."""
    claim_name: NotRequired[pulumi.Input[str]]
    """A PersistentVolumeClaim in the run's namespace (an NfsStorage's `claim_name`, or an existing claim)."""
    store: NotRequired[str]
    """A bucket's store: gcs, s3 or azure."""
    bucket: NotRequired[pulumi.Input[str]]
    """A bucket's URL (gs://, s3://, wasbs://): reached through credentials, not mounted."""
    secret: NotRequired[pulumi.Input[str]]
    """The Secret, in the run's namespace, holding the bucket's credentials."""
    secret_key: NotRequired[pulumi.Input[str]]
    """The key of that Secret holding them."""
    workload_identity: NotRequired[bool]
    """A bucket the pod reaches with its own cloud identity (no secret): listed for polystores without a key."""


class ResourcesArgs(TypedDict):
    requests: NotRequired[Mapping[str, str]]
    """Resource requests of the main container, as Kubernetes quantities."""
    limits: NotRequired[Mapping[str, str]]
    """Resource limits of the main container, as Kubernetes quantities."""


class RunArgs(TypedDict):
    """One training run: its container, and the storage it mounts."""

    image: pulumi.Input[str]
    """The container image of the run."""
    outputs: StorageMountArgs
    """The one outputs volume or bucket the run writes to."""
    data: NotRequired[Sequence[StorageMountArgs]]
    """The data volumes and buckets the run reads, in order."""
    command: NotRequired[Sequence[str]]
    """The container's entrypoint."""
    args: NotRequired[Sequence[str]]
    """Arguments to the entrypoint."""
    env: NotRequired[Mapping[str, pulumi.Input[str]]]
    """Environment variables of the run, after the storage variables (so they can use $(POLYAXON_RUN_OUTPUTS_PATH))."""
    resources: NotRequired[ResourcesArgs]
    """Requests and limits of the main container."""
    security_context: NotRequired[Mapping[str, Any]]
    """Container securityContext fields (Kubernetes spelling) replacing the hardened defaults one by one."""
    image_pull_policy: NotRequired[str]
    """Always (default), IfNotPresent or Never."""
    automount_service_account_token: NotRequired[bool]
    """Mount an API token into the pod. Default false."""
    pod_labels: NotRequired[Mapping[str, str]]
    """Labels of the run's pod besides polyaxon-storage's own, such as azure.workload.identity/use."""


class RunTemplateArgs(TypedDict):
    namespace: pulumi.Input[str]
    """The namespace the runs' Jobs go to (a TeamNamespace's `namespace`)."""
    service_account: pulumi.Input[str]
    """The ServiceAccount their pods run as (one of a TeamNamespace's `service_accounts`)."""
    runs: Mapping[str, RunArgs]
    """Run name -> the run. The name names the Job and the run's outputs directory."""
    team: NotRequired[str]
    """The team: its directory under the outputs base, and a label. Default: the namespace."""
    init_image: NotRequired[str]
    """Image of the init container that creates a run's outputs directory. Default busybox:1.37.0."""


_SPEC_FIELDS = tuple(field.name for field in fields(RunSpec) if field.name not in ("name", "team", "init_image"))


class RunTemplate(pulumi.ComponentResource):
    """The batch/v1 Job specs of a team's training runs: each run's storage mounted and described
    to it the way Polyaxon's clients expect (POLYAXON_RUN_DATA_PATHS, POLYAXON_RUN_OUTPUTS_PATH,
    bucket credentials).

    The Jobs are not created in the cluster: their specs are an output, for a
    stack export, `kubectl create -f` or a scheduler to submit when a run
    should execute.
    """

    jobs: pulumi.Output[dict[str, dict[str, Any]]]
    """Run name -> its Job manifest; secret when any input they are made of is."""
    job_names: pulumi.Output[dict[str, str]]
    """Run name -> its Job's metadata.name."""
    namespace: pulumi.Output[str]
    """The namespace the Jobs run in."""

    def __init__(self, name: str, args: RunTemplateArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("polyaxon-storage:index:RunTemplate", name, None, opts)
        runs = dict(args["runs"])
        for run, run_args in runs.items():
            mounts = [*(f"data[{index}]" for index in range(len(run_args.get("data", ())))), "outputs"]
            for where, mount in zip(mounts, [*run_args.get("data", ()), run_args["outputs"]]):
                problem = mount_kind_problem(set(mount))
                if problem:
                    raise ValueError(f"RunTemplate {name!r}: runs.{run}.{where}: {problem}")
        # Every run's spec from one Output of every input, resolved at once: an Output per
        # run, or per node of a manifest, cost more than the rest of the program (bench/).
        self.jobs = _all_resolved(
            {
                "runs": runs,
                "team": args.get("team"),
                "init_image": args.get("init_image", DEFAULT_INIT_IMAGE),
                "namespace": args["namespace"],
                "service_account": args["service_account"],
            }
        ).apply(_manifests)
        namespace = args["namespace"]
        self.namespace = namespace if isinstance(namespace, pulumi.Output) else pulumi.Output.from_input(namespace)
        self.job_names = pulumi.Output.from_input({run: dns_label(run) for run in runs})
        # The specs themselves are left out: a stack that exports them would serialize them once more.
        self.register_outputs({"jobNames": self.job_names, "namespace": self.namespace})

    def job(self, run: str) -> pulumi.Output[dict[str, Any]]:
        """One run's Job manifest."""
        return self.jobs.apply(lambda jobs: jobs[run])

    def job_yaml(self, run: str) -> pulumi.Output[str]:
        """One run's Job spec as YAML, made only when asked for (YAML emission is the costliest step)."""
        return self.job(run).apply(lambda manifest: to_yaml([manifest]))


def _manifests(resolved: dict[str, Any]) -> dict[str, dict[str, Any]]:
    team = resolved["team"] or resolved["namespace"]
    jobs = {}
    for name, run in resolved["runs"].items():
        settings = {key: run[key] for key in _SPEC_FIELDS if key in run}
        for key in ("command", "args"):
            if key in settings:
                settings[key] = tuple(settings[key])
        spec = RunSpec(name=name, team=team, init_image=resolved["init_image"], **settings)
        data = [Mount(side="data", **mount) for mount in run.get("data", ())]
        outputs = Mount(side="outputs", **run["outputs"])
        jobs[name] = job_manifest(spec, data, outputs, resolved["namespace"], resolved["service_account"])
    return jobs


class _Leaf:
    """Where an Output or awaitable sat in a tree of args, by its index among them."""

    __slots__ = ("index",)

    def __init__(self, index: int):
        self.index = index


def _all_resolved(tree: Any) -> pulumi.Output[Any]:
    """`tree` with every Output and awaitable in it resolved, as one Output (secret if any of them is)."""
    pending: list[Any] = []

    def hollow(value: Any) -> Any:
        if isinstance(value, (pulumi.Output, Awaitable)):
            pending.append(value)
            return _Leaf(len(pending) - 1)
        if isinstance(value, Mapping):
            return {key: hollow(item) for key, item in value.items()}
        if isinstance(value, (list, tuple)):
            return [hollow(item) for item in value]
        return value

    def fill(value: Any, resolved: list[Any]) -> Any:
        if isinstance(value, _Leaf):
            return resolved[value.index]
        if isinstance(value, dict):
            return {key: fill(item, resolved) for key, item in value.items()}
        if isinstance(value, list):
            return [fill(item, resolved) for item in value]
        return value

    skeleton = hollow(tree)
    return pulumi.Output.all(*pending).apply(lambda resolved: fill(skeleton, resolved))
