"""The field types of the config models: each validates one kind of value and says what is wrong in the user's words.

Text fields accept the numbers and booleans `pulumi config set --path` stores
(`args[1] 10` is stored as the number 10): the CLI would hand them over as
JSON numbers, and the run means the text.
"""

from __future__ import annotations

import json
import posixpath
import re
from typing import Annotated, Any, Callable, Optional, Union

from pydantic import AfterValidator, BeforeValidator, Field, ValidationInfo

from ..buckets import bucket_url_problem
from ..limits import (
    image_problem,
    label_value_problem,
    nul_problem,
    path_component_problem,
    secret_key_problem,
    utc_time,
    whole_number_problem,
)
from ..names import DNS_LABEL, ENV_NAME
from ..resources import (
    is_extended,
    parse_quantity,
    quantity_text,
    quota_key,
    resource_name,
)

# Kubernetes object names such as claim names are DNS-1123 subdomains.
DNS_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
# Team and run names appear in paths and labels: keep them path-safe.
IDENTIFIER = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
# Label and annotation keys: an optional DNS-subdomain prefix and a name of at most 63 characters.
QUALIFIED_NAME = re.compile(r"[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?")
QUALIFIED_NAME_MAX = 63
# Params are Jinja variables: identifiers.
PARAM_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Namespaces Kubernetes keeps for itself: runs never go there.
SYSTEM_NAMESPACES = ("kube-system", "kube-public", "kube-node-lease")

# An image reference, by the grammar of the OCI distribution spec (distribution/reference):
# [domain[:port]/]path-component[/path-component...][:tag][@digest]
_ALNUM = r"[a-z0-9]+"
_PATH_COMPONENT = rf"{_ALNUM}(?:(?:[._]|__|-+){_ALNUM})*"
_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_DOMAIN = rf"(?:{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*|\[[a-fA-F0-9:]+\])(?::[0-9]+)?"
_NAME = rf"(?:{_DOMAIN}/)?{_PATH_COMPONENT}(?:/{_PATH_COMPONENT})*"
IMAGE_REFERENCE = re.compile(
    rf"(?P<name>{_NAME})(?::[\w][\w.-]{{0,127}})?(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9A-Fa-f]{{32,}})?"
)
IMAGE_NAME_MAX = 255


def checked(problem: Callable[[Any], Optional[str]]) -> AfterValidator:
    """A validator refusing what `problem` finds wrong (a check of limits.py), with its message."""

    def check(value: Any) -> Any:
        found = problem(value)
        if found is not None:
            raise ValueError(found)
        return value

    return AfterValidator(check)


def within(row: str) -> AfterValidator:
    """A whole number held to its row of the limits table (limits.LIMITS)."""
    return checked(lambda value: whole_number_problem(row, value))


def url_of_store(url: Any, info: ValidationInfo) -> Any:
    """A bucket URL held to its store's grammar (buckets.py), once its store (a field before it) is sound: a
    field's own check, so a mistake elsewhere in its entry or mount hides it not."""
    store = info.data.get("store")
    found = bucket_url_problem(store, url) if isinstance(url, str) and store is not None else None
    if found is not None:
        raise ValueError(found)
    return url


def cli_text(value: Any) -> Any:
    """Text as it was meant: a number or boolean the CLI stored for it becomes its JSON text."""
    if isinstance(value, (bool, int, float)):
        return json.dumps(value)
    return value


def _path_problem(value: str) -> Optional[str]:
    """A path the kubelet or a container makes or opens: no NUL, no name longer than the kernel takes."""
    return nul_problem(value) or path_component_problem(value)


def _mount_path(value: str) -> str:
    if not value.startswith("/"):
        raise ValueError(f"{value!r} is not absolute; write it as /{value.lstrip('./')}")
    normalised = posixpath.normpath(re.sub("/+", "/", value))
    if normalised == "/":
        raise ValueError("may not be / (it would hide the container's own filesystem)")
    return normalised


def _absolute(value: str) -> str:
    if not value.startswith("/"):
        raise ValueError(f"{value!r} is not an absolute path")
    return posixpath.normpath(re.sub("/+", "/", value))


def _dns_subdomain(value: str) -> str:
    if not DNS_SUBDOMAIN.fullmatch(value) or len(value) > 253:
        raise ValueError(
            f"{value!r} is not a valid Kubernetes object name (lowercase letters, digits, '-' and '.')"
        )
    return value


def _namespace(value: str) -> str:
    if not DNS_LABEL.fullmatch(value) or len(value) > 63:
        raise ValueError(f"{value!r} is not a valid namespace name (lowercase letters, digits and '-', at most 63)")
    if value in SYSTEM_NAMESPACES:
        raise ValueError(f"{value} is Kubernetes' own namespace; give the runs a namespace of their own")
    return value


def _qualified_name(value: str) -> str:
    prefix, _, name = value.rpartition("/")
    if (prefix and (not DNS_SUBDOMAIN.fullmatch(prefix) or len(prefix) > 253)) or not (
        QUALIFIED_NAME.fullmatch(name) and len(name) <= QUALIFIED_NAME_MAX
    ):
        raise ValueError(
            f"{value!r} is not a valid label or annotation key (an optional DNS prefix and '/', then at most 63 "
            "letters, digits, '-', '_' or '.', starting and ending with a letter or digit)"
        )
    return value


def _param_name(value: str) -> str:
    if not PARAM_NAME.fullmatch(value):
        raise ValueError(f"{value!r} is not a usable param name (a letter or '_', then letters, digits or '_')")
    return value


def _env_name(value: str) -> str:
    if not ENV_NAME.fullmatch(value):
        raise ValueError(
            f"{value!r} is not a valid environment variable name (a letter or '_', then letters, digits or '_')"
        )
    return value


def identifier(value: str) -> str:
    """A team or run name, checked to be path- and label-safe (it names a directory of the run's outputs)."""
    if not IDENTIFIER.fullmatch(value):
        raise ValueError(f"{value!r} is not a usable name: a letter or digit, then letters, digits, '_', '.' and '-'")
    too_long = path_component_problem(value)
    if too_long is not None:
        raise ValueError(f"names a directory of the runs' outputs, and {too_long}")
    return value


def _image(value: str) -> str:
    not_ascii = image_problem(value)
    if not_ascii is not None:
        raise ValueError(not_ascii)
    match = IMAGE_REFERENCE.fullmatch(value)
    if match is None or len(match.group("name")) > IMAGE_NAME_MAX:
        raise ValueError(
            f"{value!r} is not an image reference (such as python:3.12-slim, ghcr.io/acme/trainer:1.0 or "
            "registry:5000/team/image@sha256:<digest>)"
        )
    return value


def _extended(name: str) -> str:
    if not is_extended(name):
        raise ValueError(f"{name!r} is not an extended resource (a device plugin's name, such as nvidia.com/gpu)")
    return name


def _whole_number(value: Any) -> Any:
    """Another language's whole number reaches a component as a float (`2` as `2.0`): it is that integer."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _non_empty(value: str) -> str:
    if not value:
        raise ValueError("may not be empty")
    return value


def _some_storage(size: str) -> str:
    if parse_quantity(size) == 0:
        raise ValueError("must be more than 0, such as 500Gi")
    return size


def _grant(value: Any) -> Any:
    if value == "*":
        return value
    if isinstance(value, list):
        names = [cli_text(name) for name in value]
        if all(isinstance(name, str) for name in names):
            return names
    raise ValueError('must be a list of entry names, or "*" for all of them')


CliText = Annotated[str, BeforeValidator(cli_text)]
NonEmptyText = Annotated[CliText, AfterValidator(_non_empty)]
ProcessText = Annotated[CliText, checked(nul_problem)]
"""Text a process is started with (a command, an argument, an environment value): no NUL."""
WholeNumber = Annotated[int, BeforeValidator(_whole_number)]
PositiveCount = Annotated[WholeNumber, Field(ge=1)]
Restarts = Annotated[WholeNumber, within("backoffLimit")]
"""How often a failed run is restarted: the Job's backoffLimit, an int32."""
TtlSeconds = Annotated[WholeNumber, within("ttlSecondsAfterFinished")]
DeadlineSeconds = Annotated[WholeNumber, within("activeDeadlineSeconds")]
UserId = Annotated[WholeNumber, within("runAsUser")]
GroupId = Annotated[WholeNumber, within("runAsGroup")]
TolerationSeconds = Annotated[WholeNumber, within("tolerationSeconds")]
MountPath = Annotated[str, AfterValidator(_mount_path), checked(_path_problem)]
AbsolutePath = Annotated[str, AfterValidator(_absolute), checked(_path_problem)]
ObjectName = Annotated[str, AfterValidator(_dns_subdomain)]
NamespaceName = Annotated[str, BeforeValidator(cli_text), AfterValidator(_namespace)]
EnvName = Annotated[str, AfterValidator(_env_name)]
Identifier = Annotated[str, AfterValidator(identifier)]
ImageReference = Annotated[str, BeforeValidator(cli_text), AfterValidator(_image)]
FileImageReference = Annotated[str, AfterValidator(_image)]
"""An image reference in a Polyaxon file, where YAML, not the Pulumi CLI, typed the value."""
Quantity = Annotated[str, BeforeValidator(quantity_text)]
Capacity = Annotated[Quantity, AfterValidator(_some_storage)]
"""A storage capacity: a quantity more than 0."""
ResourceName = Annotated[str, AfterValidator(resource_name)]
ExtendedResourceName = Annotated[str, AfterValidator(resource_name), AfterValidator(_extended)]
QuotaKey = Annotated[str, AfterValidator(quota_key)]
QualifiedName = Annotated[str, AfterValidator(_qualified_name)]
"""A label or annotation key."""
LabelValue = Annotated[str, BeforeValidator(cli_text), checked(label_value_problem)]
ParamName = Annotated[str, AfterValidator(_param_name)]
Grant = Annotated[Union[str, list[str]], BeforeValidator(_grant)]
Rfc3339Time = Annotated[str, BeforeValidator(cli_text), AfterValidator(utc_time)]
"""A date or time with its zone, kept as UTC `YYYY-MM-DDTHH:MM:SSZ`."""
SecretKey = Annotated[str, BeforeValidator(cli_text), checked(secret_key_problem)]
"""A key of a Secret's data, as the API server takes it."""
