"""RunTemplate: the Kubernetes Job spec of one training run, following Polyaxon's mount rules."""

from dataclasses import fields
from typing import Any, Awaitable, Callable, Mapping, NotRequired, Optional, Sequence, TypedDict, TypeVar

import pulumi

from ..core.errors import Problem
from ..core.job import generate_name, job_manifest
from ..core.model import TEMPLATE_FIELDS, Mount, OutputsRef, RunSpec, mount_kind_problem
from ..core.refs import ref_problem
from ..core.resources import BUILT_IN_RESOURCES, ResourceLayer, effective_resources
from ..core.volumes import union_selector
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


class OutputsRefsArgs(TypedDict):
    jobs: NotRequired[Sequence[str]]
    """Runs of this template, of kind job, whose outputs the run reads."""
    experiments: NotRequired[Sequence[str]]
    """Runs of this template, of kind experiment, whose outputs the run reads."""


class RunArgs(TypedDict):
    """One training run: its container, the storage it mounts, and how its pod is scheduled and kept."""

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
    """Requests and limits of the main container; cpu and memory get built-in defaults where not given."""
    security_context: NotRequired[Mapping[str, Any]]
    """Container securityContext fields (Kubernetes spelling) replacing the hardened defaults one by one."""
    image_pull_policy: NotRequired[str]
    """Always (default), IfNotPresent or Never."""
    automount_service_account_token: NotRequired[bool]
    """Mount an API token into the pod. Default false."""
    kind: NotRequired[str]
    """experiment (default) or job: which tracker of polyaxon-client the run uses."""
    node_selector: NotRequired[Mapping[str, str]]
    """Node labels the pod is pinned to, besides what its host paths pin."""
    tolerations: NotRequired[Sequence[Mapping[str, Any]]]
    """Taints the pod tolerates (Kubernetes spelling)."""
    affinity: NotRequired[Mapping[str, Any]]
    """The pod's affinity (Kubernetes spelling)."""
    labels: NotRequired[Mapping[str, str]]
    """Labels of the Job and its pod, under polyaxon-storage's own."""
    annotations: NotRequired[Mapping[str, str]]
    """Annotations of the Job and its pod, under polyaxon-storage's own."""
    service_account: NotRequired[str]
    """Run as this ServiceAccount instead of the template's."""
    image_pull_secrets: NotRequired[Sequence[str]]
    """Secrets, in the namespace, to pull the image with."""
    secret_refs: NotRequired[Sequence[str]]
    """Secrets loaded as environment variables (envFrom), before the config maps."""
    config_map_refs: NotRequired[Sequence[str]]
    """ConfigMaps loaded as environment variables (envFrom)."""
    max_restarts: NotRequired[int]
    """Restart a failed run up to this many times (restartPolicy OnFailure). Default: never."""
    ttl_seconds_after_finished: NotRequired[int]
    """Seconds a finished Job is kept. Default one week."""
    active_deadline_seconds: NotRequired[int]
    """Seconds the Job may run before it is stopped. Default none."""
    shm_size: NotRequired[str]
    """Size of /dev/shm. Default: the memory limit."""
    outputs_refs: NotRequired[OutputsRefsArgs]
    """Earlier runs of this template whose outputs the run reads (mounted read-only)."""
    params: NotRequired[Mapping[str, Any]]
    """The run's params: POLYAXON_PARAMS."""
    log_level: NotRequired[str]
    """POLYAXON_LOG_LEVEL. Default INFO."""
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
    project: NotRequired[str]
    """The project runs report to polyaxon-client as `<team>.<project>`. Default: the Pulumi project."""
    gpu_resource: NotRequired[str]
    """The resource a GPU is: runs without a limit of it get NVIDIA_VISIBLE_DEVICES=none. Default nvidia.com/gpu."""
    tpu_resource: NotRequired[str]
    """The resource a TPU is: runs with it get the TPU TensorFlow version annotation. Default cloud-tpus.google.com/v2."""
    tpu_tf_version: NotRequired[str]
    """TensorFlow version of TPU runs' TPUs. Default 1.12."""


T = TypeVar("T")
_SPEC_FIELDS = tuple(field.name for field in fields(RunSpec) if field.name not in TEMPLATE_FIELDS)
_TUPLE_FIELDS = ("command", "args", "tolerations", "image_pull_secrets", "secret_refs", "config_map_refs")


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
    generate_names: pulumi.Output[dict[str, str]]
    """Run name -> its Job's metadata.generateName (`<run>-`: each submission is a new Job)."""
    namespace: pulumi.Output[str]
    """The namespace the Jobs run in."""

    def __init__(self, name: str, args: RunTemplateArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("polyaxon-storage:index:RunTemplate", name, None, opts)
        runs = {run: _checked(name, run, run_args, args["runs"]) for run, run_args in args["runs"].items()}
        template = {key: args[key] for key in TEMPLATE_FIELDS if key in args}  # type: ignore[literal-required]
        template.setdefault("project", pulumi.get_project())
        # Every run's spec from one Output of every input, resolved at once: an Output per
        # run, or per node of a manifest, cost more than the rest of the program (bench/).
        self.jobs = _resolved_into(
            {
                "runs": runs,
                "template": template,
                "namespace": args["namespace"],
                "service_account": args["service_account"],
            },
            _manifests,
        )
        namespace = args["namespace"]
        self.namespace = namespace if isinstance(namespace, pulumi.Output) else pulumi.Output.from_input(namespace)
        self.generate_names = pulumi.Output.from_input({run: generate_name(run) for run in runs})
        # The specs themselves are left out: a stack that exports them would serialize them once more.
        self.register_outputs({"generateNames": self.generate_names, "namespace": self.namespace})

    def job(self, run: str) -> pulumi.Output[dict[str, Any]]:
        """One run's Job manifest."""
        return self.jobs.apply(lambda jobs: jobs[run])

    def job_yaml(self, run: str) -> pulumi.Output[str]:
        """One run's Job spec as YAML, made only when asked for (YAML emission is the costliest step)."""
        return self.job(run).apply(lambda manifest: to_yaml([manifest]))


def _checked(template: str, run: str, args: RunArgs, runs: Mapping[str, RunArgs]) -> dict[str, Any]:
    """A run's args, checked as the API server would check its Job, with cpu and memory defaults filled in."""
    where = f"RunTemplate {template!r}: runs.{run}"
    mounts = [*(f"data[{index}]" for index in range(len(args.get("data", ())))), "outputs"]
    for at, mount in zip(mounts, [*args.get("data", ()), args["outputs"]]):
        problem = mount_kind_problem(set(mount))
        if problem:
            raise ValueError(f"{where}.{at}: {problem}")
    given = args.get("resources", {})
    resources, problems = effective_resources(
        [ResourceLayer("resources", given.get("requests", {}), given.get("limits", {})), BUILT_IN_RESOURCES]
    )
    kinds = {other: other_args.get("kind", "experiment") for other, other_args in runs.items()}
    for key, names in args.get("outputs_refs", {}).items():
        for index, ref in enumerate(names):
            found = ref_problem(key, ref, run, kinds, list(names[:index]))
            if found:
                problems.append(Problem(f"outputs_refs.{key}[{index}]", found))
    pins = [
        (f"mount {mount['name']!r}", mount.get("node_selector", {}))
        for mount in [*args.get("data", ()), args["outputs"]]
    ]
    _, conflicts = union_selector([("its node_selector", args.get("node_selector", {})), *pins])
    problems.extend(Problem("", conflict.describe()) for conflict in conflicts)
    if problems:
        raise ValueError(f"{where}: " + "; ".join(str(problem) for problem in problems))
    return {**args, "resources": resources}


def _manifests(resolved: dict[str, Any]) -> dict[str, dict[str, Any]]:
    template = resolved["template"]
    team = template.get("team") or resolved["namespace"]
    outputs = {name: Mount(side="outputs", **run["outputs"]) for name, run in resolved["runs"].items()}
    jobs = {}
    for name, run in resolved["runs"].items():
        settings = {key: run[key] for key in _SPEC_FIELDS if key in run}
        for key in _TUPLE_FIELDS:
            if key in settings:
                settings[key] = tuple(settings[key])
        settings["outputs_refs"] = {key: tuple(names) for key, names in settings.get("outputs_refs", {}).items()}
        spec = RunSpec(name=name, **{**template, "team": team}, **settings)
        data = [Mount(side="data", **mount) for mount in run.get("data", ())]
        refs = [OutputsRef(key, ref, outputs[ref]) for key, names in spec.outputs_refs.items() for ref in names]
        jobs[name] = job_manifest(spec, data, outputs[name], resolved["namespace"], resolved["service_account"], refs)
    return jobs


class _Leaf:
    """Where an Output or awaitable sat in a tree of args, by its index among them."""

    __slots__ = ("index",)

    def __init__(self, index: int):
        self.index = index


def _resolved_into(tree: Any, build: Callable[[Any], T]) -> pulumi.Output[T]:
    """`build` of `tree` with every Output and awaitable in it resolved, as one Output (secret if any of
    them is): one apply, so Pulumi walks only what `build` returns."""
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
    return pulumi.Output.all(*pending).apply(lambda resolved: build(fill(skeleton, resolved)))
