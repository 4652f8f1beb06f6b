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
    """A real Polyaxon deployment whose Helm values the catalog is exported to (export.md)."""

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
