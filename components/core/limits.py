"""What the API server and the kubelet hold a Job to, in one table, and small checks driven by it.

Each row of LIMITS names a field (in Kubernetes' spelling), its range or rule, and where
Kubernetes (or the kernel under the kubelet) says so. The checks below read their
numbers from the table and answer a message in the user's words, saying what would be
right, or None. Each is applied where its value enters, for the stack config and the
components alike: through the field types of config/fields.py (used by config/pod.py,
config/run.py, the catalog and the components' args), and, for the one that spans a
whole object, where the object is resolved (annotations: `runs.resolve_run`; a
ServiceAccount's: `namespaces.team_namespace_problems`).

Sources are paths in kubernetes/kubernetes (k8s.io/... are its staging repositories)
as of v1.30-1.33, or the document named.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from typing import Any, Mapping, Optional

from .names import LABEL_VALUE, LABEL_VALUE_MAX
from .resources import parse_quantity

INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1


@dataclass(frozen=True)
class Limit:
    """One row: a field, its rule, and its source. `low`/`high`/`size` are the numbers of the rule."""

    field: str
    rule: str
    source: str
    low: Optional[int] = None
    high: Optional[int] = None
    size: Optional[int] = None


LIMITS: dict[str, Limit] = {
    "backoffLimit": Limit(
        "Job spec.backoffLimit (how often a failed pod is retried)",
        "a whole number from 0 to 2,147,483,647",
        "pkg/apis/batch/validation/validation.go validateJobSpec (ValidateNonnegativeField); int32 in "
        "k8s.io/api/batch/v1 JobSpec (a larger number is refused when the request is decoded)",
        low=0,
        high=INT32_MAX,
    ),
    "ttlSecondsAfterFinished": Limit(
        "Job spec.ttlSecondsAfterFinished",
        "a whole number of seconds from 0 to 2,147,483,647",
        "pkg/apis/batch/validation/validation.go validateJobSpec (ValidateNonnegativeField); int32 in "
        "k8s.io/api/batch/v1 JobSpec",
        low=0,
        high=INT32_MAX,
    ),
    "activeDeadlineSeconds": Limit(
        "Job spec.activeDeadlineSeconds",
        "a whole number of seconds from 1 to 9,223,372,036 (about 292 years)",
        "the API server takes 0 to 2^63-1 (int64, pkg/apis/batch/validation/validation.go ValidateNonnegativeField), "
        "but the Job controller (pkg/controller/job/job_controller.go pastActiveDeadline) computes "
        "time.Duration(seconds) * time.Second, which overflows past 9,223,372,036 and fails the Job at once; "
        "0 fails it at once too",
        low=1,
        high=INT64_MAX // 10**9,
    ),
    "runAsUser": Limit(
        "securityContext.runAsUser (container or pod)",
        "a user id from 0 to 2,147,483,647",
        "pkg/apis/core/validation/validation.go validatePodSpecSecurityContext / ValidateSecurityContext "
        "(k8s.io/apimachinery/pkg/util/validation IsValidUserID: minUserID 0, maxUserID math.MaxInt32)",
        low=0,
        high=INT32_MAX,
    ),
    "runAsGroup": Limit(
        "securityContext.runAsGroup (container or pod)",
        "a group id from 0 to 2,147,483,647",
        "pkg/apis/core/validation/validation.go (IsValidGroupID: minGroupID 0, maxGroupID math.MaxInt32)",
        low=0,
        high=INT32_MAX,
    ),
    "fsGroup": Limit(
        "pod securityContext.fsGroup (and supplementalGroups)",
        "a group id from 0 to 2,147,483,647",
        "pkg/apis/core/validation/validation.go validatePodSpecSecurityContext (IsValidGroupID)",
        low=0,
        high=INT32_MAX,
    ),
    "tolerationSeconds": Limit(
        "tolerations[].tolerationSeconds",
        "a whole number of seconds within int64 (negative means evict at once)",
        "k8s.io/api/core/v1 Toleration.TolerationSeconds *int64",
        low=-(2**63),
        high=INT64_MAX,
    ),
    "seccompLocalhostProfile": Limit(
        "securityContext.seccompProfile.localhostProfile",
        "required with type Localhost (a relative path with no '..'), and given with no other type",
        "pkg/apis/core/validation/validation.go validateSeccompProfileField and validateLocalDescendingPath",
    ),
    "annotationsSize": Limit(
        "metadata.annotations of one object",
        "keys and values together at most 262,144 bytes",
        "k8s.io/apimachinery/pkg/api/validation/objectmeta.go ValidateAnnotationsSize "
        "(TotalAnnotationSizeLimitB = 256 * (1 << 10), len() of Go strings: bytes)",
        size=256 * 1024,
    ),
    "labelValue": Limit(
        "metadata.labels values (and nodeSelector values)",
        "at most 63 characters: letters, digits, '-', '_' and '.', starting and ending with a letter or digit",
        "k8s.io/apimachinery/pkg/util/validation/validation.go IsValidLabelValue (LabelValueMaxLength 63)",
        size=LABEL_VALUE_MAX,
    ),
    "quotaCount": Limit(
        "ResourceQuota spec.hard of object counts and extended resources (pods, services, secrets, configmaps, "
        "persistentvolumeclaims, count/<resource>, nvidia.com/gpu, ...)",
        "a whole number",
        "pkg/apis/core/validation/validation.go validateResourceQuantityValue (isNotIntegerErrorMsg) with "
        "pkg/apis/core/helper/helpers.go IsIntegerResourceName",
    ),
    "pathComponent": Limit(
        "one name in a path the kubelet or a container creates (mountPath, hostPath, the outputs directory)",
        "at most 255 bytes of UTF-8",
        "Linux NAME_MAX (include/uapi/linux/limits.h): mkdir and open fail with ENAMETOOLONG",
        size=255,
    ),
    "noNul": Limit(
        "container command, args and env values, and paths (mountPath, hostPath)",
        "no NUL character",
        "execve(2) takes NUL-terminated strings: the runtime cannot start a process with one (runc fails with "
        "'invalid argument')",
    ),
    "imageAscii": Limit(
        "container image",
        "ASCII only",
        "github.com/distribution/reference regexp.go (the grammar the kubelet and runtimes parse references "
        "with): Go's \\w and [a-z0-9] classes are ASCII",
    ),
    "secretKey": Limit(
        "a key of a Secret's data (secretKeyRef.key, and the keys of the Secrets the stack makes)",
        "letters, digits, '-', '_' and '.', at most 253 characters, not '.' or '..' and not starting with '..'",
        "k8s.io/apimachinery/pkg/util/validation/validation.go IsConfigMapKey (used for Secret data keys and "
        "secretKeyRef.key by pkg/apis/core/validation/validation.go)",
        size=253,
    ),
    "rfc3339": Limit(
        "times the clouds take (a SAS expiry, a rotation time)",
        "an RFC 3339 date or date-time with a zone, whose UTC time is within years 1 to 9999",
        "RFC 3339 section 5.6 (four-digit year); Python's datetime raises OverflowError converting a time past "
        "year 1 or 9999 to UTC",
        low=1,
        high=9999,
    ),
}


# --- the checks, each reading its row ----------------------------------------------------------------


def whole_number_problem(name: str, value: Any) -> Optional[str]:
    """A whole-number field against its row of LIMITS (backoffLimit, runAsUser, ...)."""
    limit = LIMITS[name]
    assert limit.low is not None and limit.high is not None, name
    if isinstance(value, bool) or not isinstance(value, int):
        return f"must be a whole number from {limit.low:,} to {limit.high:,}"
    if value < limit.low:
        return f"{value:,} is less than {limit.low:,}: {limit.field} is {limit.rule}"
    if value > limit.high:
        return f"{value:,} is more than {limit.high:,}: {limit.field} is {limit.rule}"
    return None


def seccomp_problem(profile: Mapping[str, Any], key: str = "localhostProfile") -> Optional[str]:
    """A seccompProfile {type, localhostProfile} as the API server checks the pair (`key`: how the profile's
    key is spelled where it was given)."""
    kind, local = profile.get("type"), profile.get("localhostProfile")
    if kind == "Localhost":
        if local is None or local == "":
            return f"type Localhost needs {key}: the profile's path under the kubelet's seccomp directory"
        if not isinstance(local, str) or local.startswith("/") or ".." in local.split("/"):
            return f"{key} {local!r} must be a relative path without '..' (under the kubelet's seccomp directory)"
        return None
    if local is not None:
        return f"{key} is only for type Localhost; drop it, or set type: Localhost (type is {kind})"
    return None


def annotations_size_problem(annotations: Mapping[str, str]) -> Optional[str]:
    """All annotations of one object, keys and values, against the API server's total."""
    limit = LIMITS["annotationsSize"]
    total = sum(len(key.encode("utf-8")) + len(value.encode("utf-8")) for key, value in annotations.items())
    if limit.size is not None and total > limit.size:
        return (
            f"the annotations come to {total:,} bytes, more than the {limit.size:,} bytes of keys and values Kubernetes "
            "takes on one object: keep large data out of annotations (a ConfigMap, or a file the run reads)"
        )
    return None


def label_value_problem(value: str) -> Optional[str]:
    limit = LIMITS["labelValue"]
    assert limit.size is not None
    if len(value) > limit.size:
        return f"{value[:20]!r}... has {len(value)} characters: it is not a valid label value ({limit.rule})"
    if not LABEL_VALUE.fullmatch(value):
        return f"{value!r} is not a valid label value ({limit.rule})"
    return None


_INTEGER_RESOURCES = (
    "pods",
    "resourcequotas",
    "services",
    "replicationcontrollers",
    "secrets",
    "configmaps",
    "persistentvolumeclaims",
    "services.nodeports",
    "services.loadbalancers",
)
_QUALIFIED_PREFIX = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_QUALIFIED_NAME = re.compile(r"[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?")


def counted_in_whole_numbers(resource: str) -> bool:
    """Kubernetes' IsIntegerResourceName: object counts, and extended resources (not native, not requests.)."""
    if resource in _INTEGER_RESOURCES:
        return True
    native = "/" not in resource or "kubernetes.io/" in resource
    if native or resource.startswith("requests."):
        return False
    prefix, _, name = f"requests.{resource}".rpartition("/")
    return bool(_QUALIFIED_PREFIX.fullmatch(prefix) and len(prefix) <= 253 and _QUALIFIED_NAME.fullmatch(name) and len(name) <= 63)


def quota_value_problem(resource: str, quantity: str) -> Optional[str]:
    """A ResourceQuota hard limit: object counts and extended resources are whole numbers."""
    if not counted_in_whole_numbers(resource):
        return None
    try:
        value = parse_quantity(quantity)
    except (ValueError, ArithmeticError):
        return None  # not a quantity at all: the quantity check says so
    if value != value.to_integral_value():
        return f"{quantity} is not a whole number: {resource} is counted in whole units, such as {max(int(value), 1)}"
    return None


def path_component_problem(path: str) -> Optional[str]:
    """Every name between '/' in a path, in bytes of UTF-8, against the kernel's NAME_MAX."""
    limit = LIMITS["pathComponent"]
    assert limit.size is not None
    for part in path.split("/"):
        size = len(part.encode("utf-8", "surrogatepass"))
        if size > limit.size:
            shown = part[:16] + "..."
            return (
                f"the name {shown!r} in the path is {size} bytes long (UTF-8): a file or directory name is at most "
                f"{limit.size} bytes; shorten it"
            )
    return None


def nul_problem(value: str) -> Optional[str]:
    """A command, argument, environment value or path: the kernel takes none with a NUL in it."""
    if "\x00" in value:
        return "has a NUL character (\\0), which the kernel ends text at (no process or path can hold one): remove it"
    return None


def image_problem(reference: str) -> Optional[str]:
    """An image reference the kubelet can parse: ASCII only."""
    if not reference.isascii():
        odd = next(character for character in reference if not character.isascii())
        return f"{reference!r} has {odd!r}: an image reference is ASCII letters, digits and . _ - / : @ only"
    return None


def utc_time(value: str) -> str:
    """An RFC 3339 date or date-time with its zone, as the UTC time the clouds' APIs take
    (`YYYY-MM-DDTHH:MM:SSZ`; a date: its midnight UTC); ValueError, in the user's words, otherwise."""
    limit = LIMITS["rfc3339"]
    try:
        if "T" in value.upper():
            moment = datetime.fromisoformat(value)
        else:
            moment = datetime.combine(date.fromisoformat(value), time(), timezone.utc)
    except ValueError:
        raise ValueError(f"{value!r} is not an RFC 3339 date or time, such as 2026-06-30 or 2026-06-30T12:00:00Z") from None
    if moment.tzinfo is None:
        raise ValueError(f"{value!r} has no time zone; add one, such as {value}Z")
    try:
        utc = moment.astimezone(timezone.utc)
    except OverflowError:
        raise ValueError(
            f"{value!r} is outside the calendar once in UTC: a time is within years {limit.low} to {limit.high}; "
            "give a nearer one"
        ) from None
    return utc.strftime("%Y-%m-%dT%H:%M:%SZ")


def rfc3339_problem(value: str) -> Optional[str]:
    """What is wrong with an RFC 3339 date or date-time, if anything (`utc_time`'s refusal)."""
    try:
        utc_time(value)
    except ValueError as error:
        return str(error)
    return None


_SECRET_KEY = re.compile(r"[-._a-zA-Z0-9]+")


def secret_key_problem(key: str) -> Optional[str]:
    """What is wrong with a key of a Kubernetes Secret (None when the API server takes it)."""
    limit = LIMITS["secretKey"]
    assert limit.size is not None
    if len(key) > limit.size:
        return f"is {len(key)} characters long: a key of a Secret has at most {limit.size}"
    if not _SECRET_KEY.fullmatch(key):
        return (
            f"{key!r} is not a key of a Secret: letters, digits, '-', '_' and '.' only (a file name such as "
            "key.json, not a path)"
        )
    if key in (".", "..") or key.startswith(".."):
        return f"{key!r} is not a key of a Secret: it may not be '.' or '..' or start with '..'"
    return None
