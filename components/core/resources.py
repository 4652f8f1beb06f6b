"""Kubernetes quantities and resource requirements, held to what the API server enforces (docs/run-spec.md §2).

Quantities are read by `quantity.py`: the Kubernetes quantity grammar as the
Kubernetes Python client reads it, less the few inputs the client lets
through that the API server refuses (negative, not finite, spaces, a bare
`K`). Resource names are the standard ones or domain-qualified extended
resources.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Any, Mapping, Optional, Sequence

from . import quantity
from .errors import Problem, child

STANDARD_RESOURCES = ("cpu", "memory", "ephemeral-storage")
HUGEPAGES_PREFIX = "hugepages-"
SIDES = ("requests", "limits")
# An extended resource is named by its domain: `<DNS subdomain>/<name>`, outside kubernetes.io.
_QUALIFIED = re.compile(
    r"(?P<domain>[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)/[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?"
)
RESOURCE_HELP = (
    "use cpu, memory, ephemeral-storage, hugepages-<page size>, or an extended resource named by its domain, "
    "such as nvidia.com/gpu"
)


@lru_cache(maxsize=4096)
def parse_quantity(text: str) -> Decimal:
    """A quantity's value; ValueError, in the user's words, when the API server would refuse it.

    Cached: a stack compares the same few quantities for every run."""
    return quantity.parse_quantity(text)


def quantity_text(value: Any) -> str:
    """A quantity as text, from the text or the number a stack file holds (`cpu: 2`)."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ValueError("must be a quantity, such as 500m, 2 or 4Gi")
    text = value if isinstance(value, str) else repr(value)
    parse_quantity(text)
    return text


def is_extended(name: str) -> bool:
    """Extended resources (and huge pages) are whole units a pod gets exactly: requests equal limits."""
    return name.startswith(HUGEPAGES_PREFIX) or name not in STANDARD_RESOURCES


def resource_name(name: str) -> str:
    """A resource a container may request; ValueError naming the choices otherwise."""
    if name in STANDARD_RESOURCES:
        return name
    if name.startswith(HUGEPAGES_PREFIX):
        parse_quantity(name[len(HUGEPAGES_PREFIX) :])
        return name
    match = _QUALIFIED.fullmatch(name)
    if match is None or len(name) > 253:
        raise ValueError(f"unknown resource {name!r}; {RESOURCE_HELP}")
    domain = match.group("domain")
    if domain == "kubernetes.io" or domain.endswith(".kubernetes.io"):
        raise ValueError(f"{name!r} is in the kubernetes.io domain, which Kubernetes keeps for itself; {RESOURCE_HELP}")
    return name


# ResourceQuota's own names (object counts and compute totals) besides `count/<resource>[.<group>]`.
QUOTA_NAMES = (
    "pods", "services", "secrets", "configmaps", "persistentvolumeclaims", "replicationcontrollers",
    "resourcequotas", "services.loadbalancers", "services.nodeports", "requests.storage",
)  # fmt: skip
_COUNT = re.compile(r"count/[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_STORAGE_CLASS_QUOTA = re.compile(
    r"[a-z0-9]([-a-z0-9.]*[a-z0-9])?\.storageclass\.storage\.k8s\.io/(requests\.storage|persistentvolumeclaims)"
)
QUOTA_HELP = (
    "use pods, requests.cpu, limits.memory, requests.nvidia.com/gpu, count/jobs.batch, "
    "<class>.storageclass.storage.k8s.io/requests.storage and the like"
)


def quota_resource(key: str) -> Optional[tuple[str, str]]:
    """The (side, resource) a quota key bounds pods by, if any: `cpu` and `requests.cpu` bound requests."""
    if key in QUOTA_NAMES or _COUNT.fullmatch(key) or _STORAGE_CLASS_QUOTA.fullmatch(key):
        return None
    side, dot, resource = key.partition(".")
    return (side, resource) if dot and side in SIDES else ("requests", key)


def quota_key(name: str) -> str:
    """A name a ResourceQuota's `spec.hard` accepts; ValueError naming the forms otherwise."""
    bound = quota_resource(name)
    if bound is None:
        return name
    resource = bound[1]
    try:
        resource_name(resource)
    except ValueError:
        raise ValueError(f"{name!r} is no ResourceQuota key; {QUOTA_HELP}") from None
    if is_extended(resource) and not resource.startswith(HUGEPAGES_PREFIX) and name != f"requests.{resource}":
        # Extended resources are never overcommitted: Kubernetes quotas them by requests only.
        raise ValueError(f"{name!r}: an extended resource is quota'd as requests.{resource} only")
    return name


def polyaxon_quantity(kind: str, amount: float) -> str:
    """A Polyaxon-file amount as a quantity: cpu in cores (0.5 -> 500m), memory in MiB (4096 -> 4096Mi), devices."""
    value = Decimal(repr(amount)).normalize()
    if kind == "memory":
        return f"{value:f}Mi"
    if kind == "cpu" and value != value.to_integral_value():
        millis = (value * 1000).normalize()
        if millis == millis.to_integral_value():
            return f"{millis:f}m"
    return f"{value:f}"


@dataclass(frozen=True)
class ResourceLayer:
    """Requests and limits from one place in the config, for messages."""

    path: str
    requests: Mapping[str, str]
    limits: Mapping[str, str]
    paths: Mapping[tuple[str, str], str] = field(default_factory=dict)
    """Where each (side, resource) is written, when not at `<path>.<side>.<resource>` (Polyaxon's spelling)."""

    def side(self, side: str) -> Mapping[str, str]:
        return self.requests if side == "requests" else self.limits

    def where(self, side: str, name: str) -> str:
        """The config path of one resource's value on one side."""
        return self.paths.get((side, name)) or child(child(self.path, side), name)


def overlay(specific: ResourceLayer, general: ResourceLayer) -> ResourceLayer:
    """One layer of both: `specific`'s values, and `general`'s where it gives none, each at its own path."""
    sides = {
        side: {**general.side(side), **specific.side(side)} for side in SIDES
    }
    paths = {
        (side, name): (_at(specific, side, name) or _at(general, side, name))[1]  # type: ignore[index]
        for side in SIDES
        for name in sides[side]
    }
    return ResourceLayer(specific.path, sides["requests"], sides["limits"], paths)


BOUNDED_RESOURCES = ("cpu", "memory")
"""Every run ends with both a request and a limit of these."""
BUILT_IN_RESOURCES = ResourceLayer(
    "the built-in defaults", requests={"cpu": "1", "memory": "2Gi"}, limits={"cpu": "2", "memory": "4Gi"}
)
"""The last default layer: what a run gets when neither it nor its team nor its stack says."""


def layer_problems(layer: ResourceLayer) -> list[Problem]:
    """What in one set of requests and limits the API server would refuse, at its path."""
    problems = []
    for name in sorted(set(layer.requests) | set(layer.limits)):
        sides = {side: _at(layer, side, name) for side in SIDES}
        fractions = [
            Problem(path, f"{name} is counted in whole units, not {text}")
            for text, path in filter(None, sides.values())
            if is_extended(name) and parse_quantity(text) % 1
        ]
        if fractions:
            problems.extend(fractions)
        elif not _consistent(name, sides):
            rule = "must equal" if is_extended(name) else "may not exceed"
            (request, request_path), (limit, limit_path) = sides["requests"], sides["limits"]  # type: ignore[misc]
            problems.append(Problem(request_path, f"{request} {rule} the limit {limit} ({limit_path})"))
    return problems


def effective_resources(layers: Sequence[ResourceLayer]) -> tuple[dict[str, dict[str, str]], list[Problem]]:
    """Each resource's request and limit: from the first layer (the run's own), then each default layer
    in turn for what is still missing, unless that default would break a rule of the API server:

    - a request is at most its limit;
    - extended resources are whole numbers, with requests equal to limits (one side given sets both).

    Of BOUNDED_RESOURCES, a side still missing takes the other side's value, as the API server
    would take a missing request from the limit: with BUILT_IN_RESOURCES last, both are always set.

    A default that would break one is left out; the run's own values that break one are a problem
    (each default layer is checked on its own, once, by `layer_problems`).
    """
    own, defaults = layers[0], layers[1:]
    values: dict[str, dict[str, tuple[str, str]]] = {side: {} for side in SIDES}  # side -> name -> (text, path)
    for side in SIDES:
        for name in own.side(side):
            values[side][name] = _at(own, side, name)  # type: ignore[assignment]
    names = {name for layer in layers for side in SIDES for name in layer.side(side)}
    for name in sorted(names):
        for layer in defaults:
            for side in SIDES:
                candidate = _at(layer, side, name)
                if name in values[side] or candidate is None:
                    continue
                if _consistent(name, {**{s: values[s].get(name) for s in SIDES}, side: candidate}):
                    values[side][name] = candidate
        if is_extended(name) or name in BOUNDED_RESOURCES:
            for side, other in (("requests", "limits"), ("limits", "requests")):
                if name in values[side] and name not in values[other]:
                    values[other][name] = values[side][name]
    effective = {
        side: {name: text for name, (text, _) in sorted(values[side].items())} for side in SIDES if values[side]
    }
    return effective, layer_problems(own)


def _at(layer: ResourceLayer, side: str, name: str) -> Optional[tuple[str, str]]:
    text = layer.side(side).get(name)
    return None if text is None else (text, layer.where(side, name))


def _consistent(name: str, sides: Mapping[str, Optional[tuple[str, str]]]) -> bool:
    request, limit = sides["requests"], sides["limits"]
    if request is None or limit is None:
        return True
    if is_extended(name):
        return parse_quantity(request[0]) == parse_quantity(limit[0])
    return parse_quantity(request[0]) <= parse_quantity(limit[0])
