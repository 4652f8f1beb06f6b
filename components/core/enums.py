"""The enumerations of the config and the components' args, as string-valued Enums.

A served schema carries each as an enum (Pulumi's analyzer refuses `Literal`);
the models keep their plain values (`use_enum_values`), so every rule and
manifest works with text. `Choice[E]` is a field of one of them that a stack
config (and another language) gives as its text.
"""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Any

from pydantic import Strict


class Choice:
    """`Choice[E]`: a field taking one of an Enum's values, given as text."""

    def __class_getitem__(cls, enum: Any) -> Any:
        return Annotated[enum, Strict(False)]


class PodSecurityLevel(str, Enum):
    """A Pod Security Standards level, enforced by admission in a namespace."""

    RESTRICTED = "restricted"
    """Hardened pods only: non-root, no privilege escalation, all capabilities dropped, no host paths."""
    BASELINE = "baseline"
    """Known privilege escalations refused (privileged, host namespaces, host paths)."""
    PRIVILEGED = "privileged"
    """Nothing refused (host-path volumes need it)."""


class Access(str, Enum):
    """What a credentials identity is granted."""

    READ_ONLY = "read-only"
    """Read its buckets only."""
    READ_WRITE = "read-write"
    """Read and write at least one of its buckets."""


class RunKind(str, Enum):
    """Which of polyaxon-client's trackers a run uses."""

    EXPERIMENT = "experiment"
    """An experiment (POLYAXON_EXPERIMENT_INFO)."""
    JOB = "job"
    """A job (POLYAXON_JOB_INFO)."""


class Store(str, Enum):
    """A bucket's cloud store."""

    GCS = "gcs"
    """Google Cloud Storage (gs://)."""
    S3 = "s3"
    """Amazon S3 (s3://)."""
    AZURE = "azure"
    """Azure Blob Storage (wasbs://)."""


class ImagePullPolicy(str, Enum):
    """When the kubelet pulls a container's image."""

    ALWAYS = "Always"
    """At every start: a tag always means its current image."""
    IF_NOT_PRESENT = "IfNotPresent"
    """Only when the node does not have it."""
    NEVER = "Never"
    """Never: the image must be on the node."""


class LogLevel(str, Enum):
    """POLYAXON_LOG_LEVEL: how much polyaxon-client logs."""

    INFO = "INFO"
    """Progress and above."""
    DEBUG = "DEBUG"
    """Everything."""
    WARN = "WARN"
    """Warnings and above."""
    ERROR = "ERROR"
    """Errors and above."""
    FATAL = "FATAL"
    """Fatal errors only."""


class OutputsSelection(str, Enum):
    """How a run that names no outputs entry gets one."""

    FIRST = "first"
    """The default entry, else the first writable entry by name."""
    RANDOM = "random"
    """A writable entry chosen by a stable hash of the namespace and run."""


class ExportFormat(str, Enum):
    """A real Polyaxon deployment whose Helm values the catalog is exported to (docs/export.md)."""

    POLYAXON_06 = "polyaxon-0.6"
    """Polyaxon 0.6's chart: `persistence` (data, outputs, logs, repos, upload)."""
    POLYAXON_V2 = "polyaxon-v2"
    """Polyaxon v1/v2's charts (polyaxon, agent): `artifactsStore` and `connections`, and Secrets in v2's layout."""


class AccessMode(str, Enum):
    """A PersistentVolumeClaim's access mode."""

    READ_WRITE_ONCE = "ReadWriteOnce"
    """Read-write by the pods of one node."""
    READ_ONLY_MANY = "ReadOnlyMany"
    """Read-only by many nodes."""
    READ_WRITE_MANY = "ReadWriteMany"
    """Read-write by many nodes."""
    READ_WRITE_ONCE_POD = "ReadWriteOncePod"
    """Read-write by one pod."""


class TolerationOperator(str, Enum):
    """How a toleration matches a taint's value."""

    EXISTS = "Exists"
    """Any value (no value given)."""
    EQUAL = "Equal"
    """The value given."""


class TaintEffect(str, Enum):
    """The effect of a taint a toleration tolerates."""

    NO_SCHEDULE = "NoSchedule"
    """New pods are not scheduled there."""
    PREFER_NO_SCHEDULE = "PreferNoSchedule"
    """New pods are scheduled there only if nothing else fits."""
    NO_EXECUTE = "NoExecute"
    """Running pods are evicted too."""


class SelectorOperator(str, Enum):
    """A node or label selector requirement's operator."""

    IN = "In"
    """The label's value is one of the values."""
    NOT_IN = "NotIn"
    """The label's value is none of the values."""
    EXISTS = "Exists"
    """The label is set."""
    DOES_NOT_EXIST = "DoesNotExist"
    """The label is not set."""
    GT = "Gt"
    """Node labels only: the value, a whole number, is greater."""
    LT = "Lt"
    """Node labels only: the value, a whole number, is less."""


class SeccompProfileType(str, Enum):
    """A container's seccomp profile."""

    RUNTIME_DEFAULT = "RuntimeDefault"
    """The container runtime's default profile."""
    LOCALHOST = "Localhost"
    """A profile file on the node (localhost_profile)."""
    UNCONFINED = "Unconfined"
    """No profile (refused by Pod Security baseline)."""


class Filesystem(str, Enum):
    """A managed shared filesystem the stack creates."""

    FILESTORE = "filestore"
    """Google Cloud Filestore (NFS)."""
    EFS = "efs"
    """Amazon Elastic File System (NFS)."""
    AZURE_FILES = "azurefiles"
    """Azure Files (NFS, or SMB), in a storage account of its own."""


class Attach(str, Enum):
    """How a namespace's PersistentVolume reaches a managed filesystem."""

    NFS = "nfs"
    """The kubelet's NFS client, to the filesystem's NFS server."""
    CSI = "csi"
    """The filesystem's CSI driver (Filestore, EFS or Azure File CSI)."""


class BucketMount(str, Enum):
    """How runs reach a bucket entry."""

    URL = "url"
    """Its URL in the env, and its credentials: the run's client reads it."""
    CSI = "csi"
    """Mounted as a directory through its cloud's CSI driver (GCS FUSE, Mountpoint for S3, Azure Blob)."""


class FilestoreTier(str, Enum):
    """A Filestore instance's service tier."""

    BASIC_HDD = "BASIC_HDD"
    """Basic HDD: 1 TiB and up, one zone."""
    BASIC_SSD = "BASIC_SSD"
    """Basic SSD: 2.5 TiB and up, one zone."""
    ZONAL = "ZONAL"
    """Zonal: 1 TiB and up, in 256 GiB (then 2.5 TiB) steps."""
    REGIONAL = "REGIONAL"
    """Regional: replicated across a region's zones."""
    ENTERPRISE = "ENTERPRISE"
    """Enterprise: regional, 1 to 10 TiB in 256 GiB steps."""
    HIGH_SCALE_SSD = "HIGH_SCALE_SSD"
    """High scale SSD: 10 to 100 TiB in 2.5 TiB steps."""


class FilesystemProtocol(str, Enum):
    """The protocol a managed filesystem serves: Filestore's NFS version, or Azure Files' protocol."""

    NFS_V3 = "NFS_V3"
    """Filestore: NFSv3 (the default; BASIC tiers serve only it)."""
    NFS_V4_1 = "NFS_V4_1"
    """Filestore: NFSv4.1 (not on BASIC tiers)."""
    NFS = "nfs"
    """Azure Files: NFS 4.1 (the default)."""
    SMB = "smb"
    """Azure Files: SMB, attached through the Azure File CSI driver with the account's key."""


class ConnectMode(str, Enum):
    """How a Filestore instance joins its VPC."""

    DIRECT_PEERING = "DIRECT_PEERING"
    """VPC peering made by Filestore (the default)."""
    PRIVATE_SERVICE_ACCESS = "PRIVATE_SERVICE_ACCESS"
    """Through the VPC's private services access range."""


class EfsPerformanceMode(str, Enum):
    """An EFS file system's performance mode (fixed at creation)."""

    GENERAL_PURPOSE = "generalPurpose"
    """Lowest latency (the default)."""
    MAX_IO = "maxIO"
    """Higher aggregate throughput, higher latency."""


class EfsThroughputMode(str, Enum):
    """An EFS file system's throughput mode."""

    BURSTING = "bursting"
    """Throughput grows with the data stored (the default)."""
    ELASTIC = "elastic"
    """Throughput follows the workload, billed per use."""


class EfsTransition(str, Enum):
    """After how long unread files move to EFS Infrequent Access (and back on their first access)."""

    AFTER_1_DAY = "AFTER_1_DAY"
    """One day."""
    AFTER_7_DAYS = "AFTER_7_DAYS"
    """A week."""
    AFTER_14_DAYS = "AFTER_14_DAYS"
    """Two weeks."""
    AFTER_30_DAYS = "AFTER_30_DAYS"
    """A month."""
    AFTER_60_DAYS = "AFTER_60_DAYS"
    """Two months."""
    AFTER_90_DAYS = "AFTER_90_DAYS"
    """Three months."""
    AFTER_180_DAYS = "AFTER_180_DAYS"
    """Six months."""
    AFTER_270_DAYS = "AFTER_270_DAYS"
    """Nine months."""
    AFTER_365_DAYS = "AFTER_365_DAYS"
    """A year."""


class BlobProtocol(str, Enum):
    """How the Azure Blob CSI driver mounts a container."""

    FUSE2 = "fuse2"
    """blobfuse2 (the default, and the only one for now)."""
    NFS = "nfs"
    """NFS 3.0 (needs an account made with HNS and NFSv3; not supported yet)."""
