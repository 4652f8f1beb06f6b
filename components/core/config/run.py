"""A run, declared once: its defaults, its settings, what it mounts, and the template its Jobs come from.

These models are the run's one declaration (docs/run-spec.md, docs/mount-rules.md §6).
The stack config's `runs`, `runDefaults` and `teams.<t>.runDefaults` are them in
camelCase; `RunTemplate`'s args are them in snake_case (its schema derives from
them); a Polyaxon file's `environment` keys are each setting's `file` keys;
and the layering of settings (run, Polyaxon file, team, stack, built-in)
follows each field's `Setting`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Optional

from pydantic import (
    Field,
    JsonValue,
    ValidationError,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    WrapValidator,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from ..declare import Combine, Input, Model, setting, spelling_of
from ..enums import Choice, ImagePullPolicy, LogLevel, PodSecurityLevel, RunKind, Store
from ..limits import quota_value_problem
from ..names import a
from ..pending import is_pending
from .fields import (
    AbsolutePath,
    CliText,
    DeadlineSeconds,
    EnvName,
    ExtendedResourceName,
    Identifier,
    ImageReference,
    LabelValue,
    MountPath,
    NamespaceName,
    ObjectName,
    ParamName,
    ProcessText,
    QualifiedName,
    Quantity,
    QuotaKey,
    Restarts,
    SecretKey,
    TtlSeconds,
    url_of_store,
    within,
)
from .pod import (
    Affinity,
    NodeSelectorMap,
    OutputsRefs,
    PolyaxonResources,
    Resources,
    SecurityContext,
    Toleration,
    WholeAmount,
)

DEFAULT_INIT_IMAGE = "busybox:1.37.0"
DEFAULT_GPU_RESOURCE = "nvidia.com/gpu"
DEFAULT_TPU_RESOURCE = "cloud-tpus.google.com/v2"
DEFAULT_TPU_TF_VERSION = "1.12"
DEFAULT_TTL_SECONDS = 7 * 24 * 3600
"""A finished Job is kept a week, then garbage-collected with its pods."""

FileRestarts = Annotated[WholeAmount, within("backoffLimit")]
"""A Polyaxon file's max_restarts: a whole number, where a rendered param gives it as text."""


def _whole_counts(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    """A quota's object counts and extended resources in whole units, each refused at its own key."""
    hard = handler(value)
    refused = [
        InitErrorDetails(type=PydanticCustomError("quota_count", found), loc=(key,), input=quantity)
        for key, quantity in hard.items()
        if not is_pending(quantity) and (found := quota_value_problem(key, quantity)) is not None
    ]
    if refused:
        raise ValidationError.from_exception_data("quota", refused)
    return hard


Quota = Annotated[dict[QuotaKey, Input[Quantity]], WrapValidator(_whole_counts)]
"""A ResourceQuota's spec.hard: what the pods of a namespace may use together."""


class RunDefaults(Model):
    """What a run gets unless it sets it: a team's or a stack's `runDefaults`, a RunTemplate's `defaults`."""

    resources: Annotated[Optional[Resources], setting(Combine.RESOURCES, "resources", file_type=PolyaxonResources)] = (
        Field(None, description="Requests and limits of the main container, per resource and side.")
    )
    node_selector: Annotated[NodeSelectorMap, setting(Combine.SELECTOR, "node_selector")] = Field(
        default_factory=dict, description="Node labels the pod is pinned to."
    )
    tolerations: Annotated[list[Toleration], setting(Combine.UNION, "tolerations")] = Field(
        default_factory=list, description="Taints the pod tolerates."
    )
    affinity: Annotated[Optional[Affinity], setting(Combine.FIRST, "affinity")] = Field(
        None, description="The pod's affinity (replaced whole, not merged)."
    )
    image_pull_secrets: Annotated[list[ObjectName], setting(Combine.UNION, "image_pull_secrets")] = Field(
        default_factory=list, description="Secrets, in the run's namespace, to pull the image with."
    )
    labels: Annotated[dict[QualifiedName, LabelValue], setting(Combine.MERGED, "labels")] = Field(
        default_factory=dict, description="Labels of the Job and its pod, under polyaxon-storage's own."
    )
    annotations: Annotated[dict[QualifiedName, CliText], setting(Combine.MERGED, "annotations")] = Field(
        default_factory=dict, description="Annotations of the Job and its pod, under polyaxon-storage's own."
    )
    ttl_seconds_after_finished: Annotated[Optional[TtlSeconds], setting(Combine.FIRST)] = Field(
        None, description="Seconds a finished Job is kept (default one week)."
    )
    active_deadline_seconds: Annotated[Optional[DeadlineSeconds], setting(Combine.FIRST)] = Field(
        None, description="Seconds the Job may run before it is stopped (default none)."
    )


class RunSettings(RunDefaults):
    """A run's own settings: its container and everything its Job carries besides storage."""

    image: Annotated[Optional[Input[ImageReference]], setting(Combine.FIRST)] = Field(
        None, description="The container image of the run."
    )
    kind: Annotated[Optional[Choice[RunKind]], setting(Combine.FIRST)] = Field(None, description="experiment (default) or job, as polyaxon-client sees it.")
    command: Annotated[Optional[list[ProcessText]], setting(Combine.FIRST)] = Field(
        None, description="The container's entrypoint."
    )
    args: Annotated[Optional[list[ProcessText]], setting(Combine.FIRST)] = Field(None, description="Arguments to the entrypoint.")
    env: Annotated[dict[EnvName, Input[ProcessText]], setting(Combine.FIRST)] = Field(
        default_factory=dict,
        description="Environment variables, after the storage ones (so they can use $(POLYAXON_RUN_OUTPUTS_PATH)).",
    )
    security_context: Annotated[Optional[SecurityContext], setting(Combine.FIRST)] = Field(
        None, description="Container security context fields replacing the hardened defaults one by one."
    )
    image_pull_policy: Annotated[Optional[Choice[ImagePullPolicy]], setting(Combine.FIRST)] = Field(
        None, description="When the kubelet pulls the image (default Always: a tag always means its current image)."
    )
    automount_service_account_token: Annotated[Optional[bool], setting(Combine.FIRST)] = Field(
        None, description="Mount an API token into the pod (default false: only for runs that call the API)."
    )
    service_account: Annotated[
        Optional[ObjectName], setting(Combine.FIRST, "service_account", allowed_by="service_accounts")
    ] = Field(
        None,
        alias="serviceAccountName",
        description="Run as this ServiceAccount (one its team allows) instead of the team's own.",
    )
    secret_refs: Annotated[list[ObjectName], setting(Combine.ALLOWED, "secret_refs", allowed_by="secret_refs")] = Field(
        default_factory=list, description="Secrets (ones its team allows) loaded as environment, before config maps."
    )
    config_map_refs: Annotated[
        list[ObjectName], setting(Combine.ALLOWED, "config_map_refs", "configmap_refs", allowed_by="config_map_refs")
    ] = Field(default_factory=list, description="ConfigMaps (ones its team allows) loaded as environment.")
    max_restarts: Annotated[Optional[Restarts], setting(Combine.FIRST, "max_restarts", file_type=FileRestarts)] = Field(
        None, description="Restart a failed run up to this many times (restartPolicy OnFailure). Default: never."
    )
    shm_size: Annotated[Optional[Quantity], setting(Combine.FIRST)] = Field(
        None, description="Size of /dev/shm (default: the memory limit)."
    )
    outputs_refs: Annotated[Optional[OutputsRefs], setting(Combine.FIRST, "outputs")] = Field(
        None, description="Earlier runs, of the same team, whose outputs this run reads (mounted read-only)."
    )
    params: Annotated[Optional[dict[ParamName, JsonValue]], setting(Combine.FIRST)] = Field(None, description="The run's params: POLYAXON_PARAMS.")
    log_level: Annotated[Optional[Choice[LogLevel]], setting(Combine.FIRST)] = Field(
        None, description="POLYAXON_LOG_LEVEL (default INFO)."
    )


class MountArgs(Model):
    """One storage entry a run mounts, in the catalog's vocabulary: a host path, a claim, or a bucket."""

    name: str = Field(
        min_length=1, description="The entry's name: its key in POLYAXON_RUN_DATA_PATHS, and its volume's name."
    )
    mount_path: Optional[MountPath] = Field(None, description="Where the container sees it (host paths and claims).")
    read_only: bool = Field(False, description="Mount it read-only. An outputs mount must be writable.")
    host_path: Optional[AbsolutePath] = Field(None, description="A directory on the node.")
    node_selector: NodeSelectorMap = Field(
        default_factory=dict, description="Node labels a host path's data lives on: the run is pinned there."
    )
    claim_name: Optional[Input[ObjectName]] = Field(
        None, description="A PersistentVolumeClaim in the run's namespace (an NfsStorage's claim_name, or yours)."
    )
    store: Optional[Choice[Store]] = Field(None, description="A bucket's store: gcs, s3 or azure.")
    bucket: Optional[Input[CliText]] = Field(
        None, description="A bucket's URL (gs://, s3://, wasbs://): reached through credentials, not mounted."
    )
    secret: Optional[Input[ObjectName]] = Field(
        None, description="The Secret, in the run's namespace, holding the bucket's credentials."
    )
    secret_key: Optional[Input[SecretKey]] = Field(None, description="The key of that Secret holding them.")

    @field_validator("bucket")
    @classmethod
    def _bucket_url(cls, url: Any, info: ValidationInfo) -> Any:
        return url_of_store(url, info)
    workload_identity: bool = Field(
        False, description="A bucket the pod reaches with its own cloud identity (no secret): listed without a key."
    )
    pod_annotations: dict[QualifiedName, CliText] = Field(
        default_factory=dict,
        description="What the pod mounting a claim carries for its volume, such as gke-gcsfuse/volumes: \"true\" for a "
        "bucket mounted by the GCS FUSE CSI driver.",
    )

    @model_validator(mode="after")
    def _one_kind(self, info: ValidationInfo) -> "MountArgs":
        spelling = spelling_of(info)
        key = lambda field: self.spelled(field, spelling)  # noqa: E731
        kinds = [field for field in ("host_path", "claim_name", "bucket") if getattr(self, field) is not None]
        if len(kinds) != 1:
            given = " and ".join(key(kind) for kind in kinds) or "none"
            raise ValueError(
                f"a mount is exactly one of {key('host_path')}, {key('claim_name')} or {key('bucket')}; it has {given}"
            )
        (kind,) = kinds
        problems = []
        if kind == "bucket":
            problems += [f"a bucket is not mounted: drop {key(field)}" for field in ("mount_path",) if getattr(self, field)]
            if self.store is None:
                problems.append(f"a bucket needs its {key('store')} (gcs, s3 or azure)")
            if (self.secret is None) != (self.secret_key is None):
                problems.append(
                    f"{key('secret')} and {key('secret_key')} go together: the Secret and its key holding the credentials"
                )
            if self.workload_identity and self.secret is not None:
                problems.append(f"{key('workload_identity')} reaches the bucket without a Secret: drop {key('secret')}")
        else:
            if self.mount_path is None:
                problems.append(f"{a(key(kind) + ' mount')} needs {a(key('mount_path'))}")
            problems += [
                f"{key(field)} belongs to a bucket mount"
                for field in ("store", "secret", "secret_key")
                if getattr(self, field) is not None
            ]
            if self.workload_identity:
                problems.append(f"{key('workload_identity')} belongs to a bucket mount")
        if self.node_selector and kind != "host_path":
            problems.append(f"{key('node_selector')} pins a host path's node: this mount is no host path")
        if self.pod_annotations and kind != "claim_name":
            problems.append(f"{key('pod_annotations')} belong to a claim's volume: this mount is no claim")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def is_volume(self) -> bool:
        return self.bucket is None

    @property
    def path(self) -> Any:
        """What the run sees: the mountPath, or the bucket URL."""
        return self.bucket if self.bucket is not None else self.mount_path


class RunArgs(RunSettings):
    """One training run: its container, the storage it mounts, and how its pod is scheduled and kept."""

    image: Annotated[Input[ImageReference], setting(Combine.FIRST)] = Field(
        description="The container image of the run."
    )
    outputs: MountArgs = Field(description="The one outputs volume or bucket the run writes to.")
    data: list[MountArgs] = Field(default_factory=list, description="The data volumes and buckets it reads, in order.")
    pod_labels: Annotated[dict[QualifiedName, LabelValue], setting(Combine.MERGED)] = Field(
        default_factory=dict,
        description="Labels of the pod only, over its labels, such as azure.workload.identity/use.",
    )

    @property
    def mounts(self) -> tuple[MountArgs, ...]:
        return (*self.data, self.outputs)


class TeamBounds(Model):
    """What a team's runs may use beyond storage: its quota, and the names its runs may give."""

    quota: Optional[Input[Quota]] = Field(
        None, description="The namespace's ResourceQuota (spec.hard): a run that could never fit it is refused."
    )
    service_accounts: list[ObjectName] = Field(
        default_factory=list, description="ServiceAccounts (existing, in the namespace) runs may name."
    )
    secret_refs: list[ObjectName] = Field(
        default_factory=list, description="Secrets (in the namespace) runs may load as environment."
    )
    config_map_refs: list[ObjectName] = Field(
        default_factory=list, description="ConfigMaps (in the namespace) runs may load as environment."
    )


class JobSettings(Model):
    """What every Job of a stack or template shares: its outputs init image, and what GPUs and TPUs are."""

    init_image: ImageReference = Field(
        DEFAULT_INIT_IMAGE, description="Image of the init container that creates each run's outputs directory."
    )
    gpu_resource: ExtendedResourceName = Field(
        DEFAULT_GPU_RESOURCE, description="The resource a GPU is: runs without it get NVIDIA_VISIBLE_DEVICES=none."
    )
    tpu_resource: ExtendedResourceName = Field(
        DEFAULT_TPU_RESOURCE, description="The resource a TPU is: runs with it get the TPU TensorFlow annotation."
    )
    tpu_tf_version: CliText = Field(DEFAULT_TPU_TF_VERSION, description="TensorFlow version of TPU runs' TPUs.")


@dataclass(frozen=True)
class JobTemplate:
    """What every Job of a team's runs shares: where it runs, as whom, and its template's settings."""

    team: str
    """The team's directory under the outputs base, and the team label (the namespace for the implicit team)."""
    project: str
    """The Polyaxon project the runs report to: `<team>.<project>`."""
    namespace: str
    service_account: str
    """The ServiceAccount runs use unless they name their own."""
    settings: JobSettings


class PodAllowances(Model):
    """What runs may do beyond the hardened defaults."""

    allow_privileged: bool = Field(
        False, description="Let runs outside restricted namespaces go beyond Pod Security baseline."
    )


class WritableHostPaths(Model):
    allowed_writable_host_paths: list[AbsolutePath] = Field(
        default_factory=list,
        description="Host paths (and everything under them) runs may mount writable, besides /tmp; the policy "
        "pack's no-writable-host-path config must list them too.",
    )


class RunTemplateArgs(JobSettings, PodAllowances, WritableHostPaths):
    """A team's training runs, each checked as its namespace's admission and the API server would check its Job."""

    namespace: Input[NamespaceName] = Field(description="The namespace the Jobs go to (a TeamNamespace's namespace).")
    service_account: Input[ObjectName] = Field(
        description="The ServiceAccount their pods run as (one of a TeamNamespace's service_accounts)."
    )
    runs: dict[Identifier, RunArgs] = Field(
        description="Run name -> the run. The name names the Job and the run's outputs directory."
    )
    team: Optional[Identifier] = Field(
        None, description="The team: its directory under the outputs base, and a label. Default: the namespace."
    )
    project: Optional[CliText] = Field(
        None, description="The project runs report to polyaxon-client as <team>.<project>. Default: the Pulumi project."
    )
    pod_security: Input[Choice[PodSecurityLevel]] = Field(
        PodSecurityLevel.RESTRICTED,
        description="The Pod Security level of the namespace (a TeamNamespace's pod_security): runs it would refuse "
        "are refused.",
    )
    defaults: Optional[RunDefaults] = Field(None, description="What each run gets unless it sets it.")
    bounds: Optional[TeamBounds] = Field(
        None,
        description="The quota runs must fit, and the service accounts, secrets and config maps they may name "
        "(none unless listed).",
    )
    secret: bool = Field(False, description="The runs' settings hold a secret: every Job spec is a secret output.")
