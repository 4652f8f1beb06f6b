"""The plan's data types: what the rules decide, and what the Pulumi shell registers.

A leaf of the core: it imports only the config models, so the rule modules
(resolve, namespaces, checks, plan, job) can all depend on it without
depending on each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Optional

from ..conventions import READ_ONLY, READ_WRITE
from .config.catalog import BucketAddress, BucketEntry, Entry, Side
from .config.pod import PodDefaults
from .config.stack import (
    DEFAULT_GPU_RESOURCE,
    DEFAULT_INIT_IMAGE,
    DEFAULT_TPU_RESOURCE,
    DEFAULT_TPU_TF_VERSION,
    StackConfig,
    TeamBounds,
)
from .errors import Problem
from .names import dns_label


@dataclass(frozen=True)
class TeamAccess:
    """A team's namespace and the entries it may use, each side in name order."""

    name: str
    namespace: str
    data: tuple[str, ...]
    outputs: tuple[str, ...]
    # Where the grants are written, for messages; empty for the implicit team.
    config_path: str = ""
    # Runs outside a restricted namespace may go beyond Pod Security baseline.
    allow_privileged: bool = False
    run_defaults: PodDefaults = field(default_factory=PodDefaults)
    """The team's `runDefaults` (none for the implicit team: the stack's apply)."""
    bounds: TeamBounds = field(default_factory=TeamBounds)
    """Its quota and the service accounts, secrets and config maps its runs may name."""

    @property
    def service_account(self) -> str:
        """The ServiceAccount the team's runs use, in its namespace."""
        return service_account_name(self.name)

    def granted(self, side: Side) -> tuple[str, ...]:
        return self.data if side == "data" else self.outputs

    def describe(self) -> str:
        return f"team {self.name!r}" if self.config_path else f"namespace {self.namespace!r}"

    def key_path(self, key: str) -> str:
        """Where one of the team's keys is written (the implicit team's sit at the top level)."""
        return f"{self.config_path}.{key}" if self.config_path else key


def service_account_name(team: str) -> str:
    """The ServiceAccount a team's runs use: `runs-<team>`, a valid object name for any team name."""
    return dns_label(team, prefix="runs-")


@dataclass(frozen=True)
class NamedEntry:
    """A catalog entry with its side and name."""

    side: Side
    name: str
    entry: Entry

    @property
    def path(self) -> str:
        """What the run sees: the mountPath, or the bucket URL."""
        return self.entry.bucket if isinstance(self.entry, BucketEntry) else self.entry.mount_path


@dataclass(frozen=True)
class Mount:
    """One storage entry as a run's pod uses it: a host path, a claim, or a bucket.

    Exactly one of `host_path`, `claim_name` and `bucket` is set; volume kinds
    have a `mount_path`. NFS entries are mounted through the claim this stack
    makes for them, so a run sees them as claims.
    """

    side: Side
    name: str
    read_only: bool = False
    mount_path: Optional[str] = None
    host_path: Optional[str] = None
    node_selector: Mapping[str, str] = field(default_factory=dict)
    claim_name: Optional[str] = None
    store: Optional[str] = None
    bucket: Optional[str] = None
    secret: Optional[str] = None
    secret_key: Optional[str] = None
    workload_identity: bool = False
    """A bucket reached with the pod's own cloud identity: listed for polystores without a secret_key."""

    @property
    def path(self) -> str:
        """What the run sees: the mountPath, or the bucket URL."""
        return self.bucket if self.bucket is not None else self.mount_path  # type: ignore[return-value]

    @property
    def is_volume(self) -> bool:
        return self.bucket is None


MOUNT_KINDS = ("host_path", "claim_name", "bucket")


def mount_kind_problem(given: set[str]) -> Optional[str]:
    """What is wrong with a mount made of the `given` fields (None when nothing is)."""
    kinds = [kind for kind in MOUNT_KINDS if kind in given]
    if len(kinds) != 1:
        return f"a mount needs exactly one of {', '.join(MOUNT_KINDS)}; it has {', '.join(kinds) or 'none'}"
    if kinds != ["bucket"] and "mount_path" not in given:
        return f"a {kinds[0]} mount needs a mount_path"
    if kinds == ["bucket"] and "store" not in given:
        return "a bucket mount needs its store (gcs, s3 or azure)"
    return None


DEFAULT_TTL_SECONDS = 7 * 24 * 3600
"""A finished Job is kept a week, then garbage-collected with its pods."""


@dataclass(frozen=True)
class RunSpec:
    """A run's own settings: everything of its Job but where it runs and what it mounts.

    Values are plain data in the Kubernetes API's spelling (`resources`,
    `security_context`, `tolerations`, `affinity`), so a Pulumi program can
    hand them over as they are.
    """

    name: str
    team: str
    """The team's directory under the outputs base, and the team label (the namespace for the implicit team)."""
    image: str
    kind: str = "experiment"
    """experiment or job: which of polyaxon-client's trackers the run uses."""
    command: Optional[tuple[str, ...]] = None
    args: Optional[tuple[str, ...]] = None
    env: Mapping[str, str] = field(default_factory=dict)
    resources: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    """{"requests": {...}, "limits": {...}}, quantities as strings."""
    security_context: Mapping[str, Any] = field(default_factory=dict)
    """Container securityContext fields replacing the hardened defaults."""
    image_pull_policy: str = "Always"
    automount_service_account_token: bool = False
    node_selector: Mapping[str, str] = field(default_factory=dict)
    """Node labels the run asks for (the host paths it mounts may pin more)."""
    tolerations: tuple[Mapping[str, Any], ...] = ()
    affinity: Optional[Mapping[str, Any]] = None
    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)
    service_account: Optional[str] = None
    """A ServiceAccount to run as instead of the team's."""
    image_pull_secrets: tuple[str, ...] = ()
    secret_refs: tuple[str, ...] = ()
    config_map_refs: tuple[str, ...] = ()
    max_restarts: Optional[int] = None
    ttl_seconds_after_finished: Optional[int] = DEFAULT_TTL_SECONDS
    active_deadline_seconds: Optional[int] = None
    shm_size: Optional[str] = None
    """Size of /dev/shm; None: the memory limit."""
    outputs_refs: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Earlier runs whose outputs this one reads: {"jobs": [...], "experiments": [...]}."""
    params: Optional[Mapping[str, Any]] = None
    log_level: str = "INFO"
    pod_labels: Mapping[str, str] = field(default_factory=dict)
    """Labels of the run's pod besides polyaxon-storage's own (which win), such as AKS workload identity's."""
    # Set for every run of a template (RunTemplateArgs), not per run.
    project: str = ""
    """The Polyaxon project the run reports to: `<team>.<project>`."""
    init_image: str = DEFAULT_INIT_IMAGE
    gpu_resource: str = DEFAULT_GPU_RESOURCE
    tpu_resource: str = DEFAULT_TPU_RESOURCE
    tpu_tf_version: str = DEFAULT_TPU_TF_VERSION


TEMPLATE_FIELDS = ("name", "team", "project", "init_image", "gpu_resource", "tpu_resource", "tpu_tf_version")
"""RunSpec fields a RunTemplate sets for all its runs."""


@dataclass(frozen=True)
class OutputsRef:
    """An earlier run whose outputs a run reads: its kind (jobs or experiments), name and outputs mount."""

    kind: str
    run: str
    mount: Mount


@dataclass(frozen=True)
class RunPlan:
    """One run, resolved: its settings, its team, and what it mounts."""

    spec: RunSpec
    team: TeamAccess
    data: tuple[Mount, ...]
    outputs: Mount
    refs: tuple[OutputsRef, ...] = ()
    refs_path: str = ""
    """Where the outputs refs are written, for messages."""
    warnings: tuple[Problem, ...] = ()
    """What its Polyaxon file says that is not done."""

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def mounts(self) -> tuple[Mount, ...]:
        return (*self.data, self.outputs)


@dataclass(frozen=True)
class NfsVolumePlan:
    """An NFS entry in one namespace: the PersistentVolume and claim the stack makes for it there."""

    item: NamedEntry
    namespace: str
    path: str
    """The directory of the export the volume mounts: the entry's, or its namespace's own below it."""
    claim_name: str
    volume_name: str


@dataclass(frozen=True)
class NamespacePlan:
    """One namespace: the teams whose runs go there and its Pod Security level."""

    name: str
    adopt: bool
    teams: tuple[TeamAccess, ...]
    pod_security: str
    # NFS entries granted to a team here: each gets a PersistentVolume and claim.
    nfs_volumes: tuple[NfsVolumePlan, ...]
    # Host-path entries granted here (what makes the namespace privileged).
    host_paths: tuple[NamedEntry, ...]
    container_defaults: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    """The LimitRange's container defaults: {"requests": {...}, "limits": {...}}."""
    quota: Optional[Mapping[str, str]] = None
    """The ResourceQuota's spec.hard, if its teams set one."""

    def claim_names(self) -> dict[tuple[str, str], str]:
        """The claim of each NFS entry here, by (side, entry)."""
        return {(volume.item.side, volume.item.name): volume.claim_name for volume in self.nfs_volumes}


@dataclass(frozen=True)
class BucketCredentials:
    """How a team's runs reach a bucket whose credentials the stack manages."""

    secret: Optional[str] = None
    """Key mode: the team's Secret for that cloud, in its namespace."""
    secret_key: Optional[str] = None
    """Key mode: the key of that Secret holding this bucket's credentials."""

    @property
    def workload_identity(self) -> bool:
        return self.secret is None


@dataclass(frozen=True)
class PlannedBucket:
    """A bucket (gcs, s3) or container (azure) the stack creates or manages credentials for."""

    address: BucketAddress
    entries: tuple[tuple[Side, str], ...]
    """The catalog entries naming it, by (side, name)."""
    create: bool = False
    location: Optional[str] = None
    """gcs: where it is created; azure: where its storage account is created."""
    region: Optional[str] = None
    """s3: its region (the entry's, else aws:region)."""
    resource_group: Optional[str] = None
    """azure: the resource group of its storage account."""
    versioning: bool = True
    protect: bool = True
    kms_key: Optional[str] = None
    sas_expiry: Optional[str] = None
    """azure, key mode: when the SAS of the team Secrets expires (UTC)."""


@dataclass(frozen=True)
class CloudGrant:
    bucket: str
    """The bucket's address key."""
    writable: bool


@dataclass(frozen=True)
class TeamCloudAccess:
    """What one team is granted on one cloud, and how its runs get there."""

    team: TeamAccess
    grants: tuple[CloudGrant, ...]
    secret: Optional[str]
    """Key mode: the Secret holding the team's credentials, in its namespace; None with workload identity."""

    @property
    def workload_identity(self) -> bool:
        return self.secret is None

    @property
    def access(self) -> str:
        """read-only when every grant is, else read-write (the credentials policy's annotation)."""
        return READ_WRITE if any(grant.writable for grant in self.grants) else READ_ONLY


@dataclass(frozen=True)
class CloudPlan:
    """One store's buckets that the stack creates or grants, and each team's access to them."""

    store: str
    buckets: tuple[PlannedBucket, ...]
    teams: tuple[TeamCloudAccess, ...]
    settings: Mapping[str, str] = field(default_factory=dict)
    """The provider settings it uses, by full key (gcp:project, ...)."""


@dataclass(frozen=True)
class StackPlan:
    config: StackConfig
    teams: tuple[TeamAccess, ...]
    namespaces: tuple[NamespacePlan, ...]
    runs: tuple[RunPlan, ...]
    # Allowed, but worth a platform engineer's attention.
    warnings: tuple[Problem, ...] = ()
    clouds: tuple[CloudPlan, ...] = ()
    """The clouds with buckets the stack creates or manages credentials for."""
