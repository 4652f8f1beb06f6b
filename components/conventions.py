"""Names shared by the program, the Job builder and the policy pack.

Label and annotation keys, environment variable names, and the host-path rule
both sides enforce. No imports beyond the standard library: the policy pack
runs in a virtualenv of its own and loads this module too.
"""

from __future__ import annotations

import posixpath

PROJECT = "polyaxon-storage"
"""The Pulumi project, the stack config namespace, and the component type prefix."""
REDACTED = "<redacted>"
"""What offline output shows in place of a secret value."""

# --- labels and annotations ---------------------------------------------------------------------

MANAGED_BY_LABEL = "app.kubernetes.io/managed-by"
MANAGED_BY = PROJECT
RUN_KEY = "polyaxon-storage/run"
"""Label (DNS-safe value) and annotation (the name as written) naming a Job's run."""
TEAM_KEY = "polyaxon-storage/team"
"""Label and annotation naming the team (or the namespace, for the implicit team)."""
ACCESS_ANNOTATION = "polyaxon-storage/access"
"""On a credentials Secret: `read-only` or `read-write`."""
IDENTITY_ANNOTATION = "polyaxon-storage/identity"
"""On a credentials Secret: the cloud identity its credentials authenticate as."""
READ_ONLY, READ_WRITE = "read-only", "read-write"
POD_SECURITY_LABEL_PREFIX = "pod-security.kubernetes.io/"
EXECUTION_ID_LABEL = "batch.kubernetes.io/controller-uid"
"""The Job controller labels each pod with its Job's UID: one value per Job execution."""
TPU_VERSION_ANNOTATION = "tf-version.cloud-tpus.google.com"
"""The TensorFlow version a pod's Cloud TPUs run, as Polyaxon annotated TPU pods."""

NON_ROOT_UID = 10001
"""The user and group runs that need not write to a host path run as: high enough not to be a user of the node.
What the stack makes for runs to write (shared directories, EFS access points) is owned by it."""

# Keys a run's own labels and annotations may not use: ours, and what the Job controller sets on its pods.
RESERVED_KEY_PREFIXES = (PROJECT + "/", "batch.kubernetes.io/")
RESERVED_KEYS = (MANAGED_BY_LABEL, "controller-uid", "job-name", TPU_VERSION_ANNOTATION)


def is_reserved_key(key: str) -> bool:
    """A label or annotation key polyaxon-storage or the Job controller sets."""
    return key in RESERVED_KEYS or key.startswith(RESERVED_KEY_PREFIXES)


# --- environment variables of a run ---------------------------------------------------------------

EXECUTION_ID_ENV = "POLYAXON_RUN_EXECUTION_ID"
DATA_PATHS_ENV = "POLYAXON_RUN_DATA_PATHS"
LEGACY_DATA_PATHS_ENV = "POLYAXON_DATA_PATHS"
OUTPUTS_PATH_ENV = "POLYAXON_RUN_OUTPUTS_PATH"
STORES_ACCESS_KEYS_ENV = "POLYSTORES_RUN_STORES_ACCESS_KEYS"
STORE_CREDENTIALS_ENV_PREFIX = "POLYAXON_STORE_"
"""Bucket credentials reach a run as `POLYAXON_STORE_<SIDE>_<ENTRY>`."""
REFS_OUTPUTS_PATHS_ENV = "POLYAXON_REFS_OUTPUTS_PATHS"
# What polyaxon-client 0.6 reads to run offline, as Polyaxon managed it (docs/run-spec.md §9).
IS_MANAGED_ENV = "POLYAXON_IS_MANAGED"
IS_OFFLINE_ENV = "POLYAXON_IS_OFFLINE"
EXPERIMENT_INFO_ENV = "POLYAXON_EXPERIMENT_INFO"
JOB_INFO_ENV = "POLYAXON_JOB_INFO"
LOG_LEVEL_ENV = "POLYAXON_LOG_LEVEL"
PARAMS_ENV = "POLYAXON_PARAMS"
DECLARATIONS_ENV = "POLYAXON_DECLARATIONS"
VISIBLE_DEVICES_ENV = "NVIDIA_VISIBLE_DEVICES"
RESERVED_ENV_NAMES = (
    EXECUTION_ID_ENV, DATA_PATHS_ENV, LEGACY_DATA_PATHS_ENV, OUTPUTS_PATH_ENV, STORES_ACCESS_KEYS_ENV,
    REFS_OUTPUTS_PATHS_ENV, IS_MANAGED_ENV, IS_OFFLINE_ENV, EXPERIMENT_INFO_ENV, JOB_INFO_ENV, LOG_LEVEL_ENV,
    PARAMS_ENV, DECLARATIONS_ENV, VISIBLE_DEVICES_ENV,
)  # fmt: skip
"""Set by polyaxon-storage in every run (with every name starting STORE_CREDENTIALS_ENV_PREFIX)."""


def is_reserved_env_name(name: str) -> bool:
    """Whether polyaxon-storage sets (or may set) this variable in a run."""
    return name in RESERVED_ENV_NAMES or name.startswith(STORE_CREDENTIALS_ENV_PREFIX)


# --- the host-path rule ---------------------------------------------------------------------------

ALWAYS_WRITABLE_HOST_PATH = "/tmp"


def path_within(path: str, prefix: str) -> bool:
    """`path` is `prefix` or under it, compared as normalised absolute paths (`/tmp/../etc` is `/etc`)."""
    path, prefix = posixpath.normpath(path), posixpath.normpath(prefix)
    return path == prefix or path.startswith(prefix.rstrip("/") + "/")


def host_path_writable_allowed(path: str, allowed: tuple[str, ...] = (), allow_all: bool = False) -> bool:
    """Whether a host path may be mounted writable: under /tmp, under an allowed prefix, or all allowed.

    The program refuses a run that writes elsewhere, and the policy pack a
    workload that does: one rule, so no exported Job is one the pack rejects.
    """
    return allow_all or any(path_within(path, prefix) for prefix in (ALWAYS_WRITABLE_HOST_PATH, *allowed))
