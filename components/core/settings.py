"""A run's settings from every place that gives them (docs/run-spec.md §2-6, §10).

Layers, most specific first: the run's own (a stack run, then its Polyaxon
file; or a RunTemplate's run), then its defaults (its team's `runDefaults`, the
stack's; or a RunTemplate's `defaults`), then built-in defaults. How each
setting combines is declared on its field (`Setting`, in config/run.py):
unions, merges, the most specific value, node selectors whose labels may not
disagree, resources held to the API server's rules, and lists closed by the
team's allow-list of the same name. This module applies those declarations;
it names no setting but the ones whose rule needs more than the declaration.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any, Callable, Mapping, Optional, Sequence

from ..conventions import is_reserved_key
from .config.pod import Resources
from .config.run import DEFAULT_TTL_SECONDS, RunArgs, TeamBounds
from .containers import INIT_RESOURCES
from .declare import Combine, Model, Setting, Spelling, settings_of
from .errors import Problem, child
from .pending import is_pending
from .resources import (
    BUILT_IN_RESOURCES,
    ResourceLayer,
    effective_resources,
    overlay,
    parse_quantity,
    polyaxon_quantity,
    quota_resource,
)
from .volumes import union_selector

if TYPE_CHECKING:
    from .config.pod import PolyaxonResources
    from .config.polyaxonfile import FileSettings

RUN_SETTINGS: Mapping[str, Setting] = settings_of(RunArgs)
"""Every run setting, by field name, with how it combines."""


@dataclass(frozen=True)
class Layer:
    """One place that gives settings: field names to values, where each is written, and its resources."""

    values: Mapping[str, Any]
    paths: Mapping[str, str]
    resources: ResourceLayer

    def without(self, name: str) -> Layer:
        """The layer with one setting left out."""
        return Layer(
            {key: value for key, value in self.values.items() if key != name},
            {key: path for key, path in self.paths.items() if key != name},
            self.resources,
        )


def model_layer(
    model: Model, path: str, spelling: Spelling, resources: Optional[Resources] = None, resources_path: str = ""
) -> Layer:
    """What a run, or a `runDefaults` block, gives: each setting it declares and sets (its resources may be
    given under another key: `defaultResources`)."""
    kind = type(model)
    given = {}
    for name in _layer_settings(kind):
        value = getattr(model, name)
        if value not in (None, [], {}):
            given[name] = value
    resources = resources or getattr(model, "resources", None) or Resources()
    return Layer(
        given,
        {name: child(path, kind.spelled(name, spelling)) for name in given},
        ResourceLayer(
            resources_path or child(path, kind.spelled("resources", spelling)), resources.requests, resources.limits
        ),
    )


@cache
def _layer_settings(kind: type[Model]) -> tuple[str, ...]:
    """The run settings a model declares, but its resources (a layer holds those apart)."""
    return tuple(name for name in RUN_SETTINGS if name != "resources" and name in kind.model_fields)


def file_layer(settings: FileSettings, gpu_resource: str, tpu_resource: str) -> Layer:
    """What a Polyaxon file gives its run, its resources in Kubernetes' spelling."""
    return Layer(
        settings.values,
        settings.paths,
        file_resources(settings.resources, settings.resources_path, gpu_resource, tpu_resource),
    )


def file_resources(
    resources: Optional[PolyaxonResources], path: str, gpu_resource: str, tpu_resource: str
) -> ResourceLayer:
    """Polyaxon's `resources` (cpu cores, memory MiB, gpu, tpu) as requests and limits, each at its file path."""
    names = {"cpu": "cpu", "memory": "memory", "gpu": gpu_resource, "tpu": tpu_resource}
    sides: dict[str, dict[str, str]] = {"requests": {}, "limits": {}}
    paths = {}
    for kind, name in names.items():
        amounts = getattr(resources, kind) if resources else None
        for side in sides:
            amount = getattr(amounts, side) if amounts else None
            if amount is not None:
                sides[side][name] = polyaxon_quantity(kind, amount)
                paths[side, name] = child(child(path, kind), side)
    return ResourceLayer(path, sides["requests"], sides["limits"], paths)


BUILT_IN = Layer(
    {"ttl_seconds_after_finished": DEFAULT_TTL_SECONDS},
    {"ttl_seconds_after_finished": BUILT_IN_RESOURCES.path},
    BUILT_IN_RESOURCES,
)
"""The last layer: what a run gets when nothing else gives it."""


@dataclass(frozen=True)
class RunBounds:
    """What closes a run's settings: its team's allow-lists and quota, where they are written, and the
    ServiceAccount its runs use anyway."""

    lists: TeamBounds = field(default_factory=TeamBounds)
    where: Callable[[str], str] = lambda name: name
    """Where one of the team's lists (a TeamBounds field) is written."""
    own_service_account: Any = None
    """The team's own ServiceAccount (naming it is no request); PENDING while unknown."""


def combined(
    own: Sequence[Layer],
    defaults: Sequence[Layer],
    bounds: Optional[RunBounds],
    pins: Sequence[tuple[str, Mapping[str, str]]],
    problems: list[Problem],
) -> dict[str, Any]:
    """The settings of a run (field -> value) from its `own` layers and its `defaults`, most specific first;
    `pins` are the node labels its mounts pin, by where each is written. Problems are appended; without
    `bounds`, what a team allows is not checked."""
    layers = [*own, *defaults, BUILT_IN]
    own_resources = own[0].resources
    for layer in own[1:]:
        own_resources = overlay(own_resources, layer.resources)
    resources, found = effective_resources([own_resources, *(layer.resources for layer in [*defaults, BUILT_IN])])
    problems.extend(found)
    settings: dict[str, Any] = {}
    for name, declared in RUN_SETTINGS.items():
        if declared.combine is Combine.RESOURCES:
            settings[name] = Resources.model_construct(**resources)
        elif declared.combine is Combine.FIRST:
            settings[name] = _first(layers, name, declared, bounds, problems)
        elif declared.combine is Combine.UNION:
            settings[name] = _union(layers, name)
        elif declared.combine is Combine.MERGED:
            settings[name] = _merged(layers, name, problems)
        elif declared.combine is Combine.SELECTOR:
            settings[name] = _node_selector(own, defaults, pins, problems)
        else:
            settings[name] = _allowed(layers, name, declared, bounds, problems)
    problems.extend(_shm_problems(layers, settings))
    if bounds is not None:
        problems.extend(quota_problems(own_resources, resources, bounds))
    return settings


def default_resources(defaults: Sequence[Layer]) -> dict[str, dict[str, str]]:
    """What a run that sets no resources gets from these defaults (most specific first): a LimitRange's defaults.

    Each default layer's own problems are reported once, where it is written (`layer_problems`).
    """
    return effective_resources([*(layer.resources for layer in defaults), BUILT_IN_RESOURCES])[0]


def _layer_with(layers: Sequence[Layer], name: str) -> Optional[Layer]:
    return next((layer for layer in layers if name in layer.values), None)


def _first(
    layers: Sequence[Layer], name: str, declared: Setting, bounds: Optional[RunBounds], problems: list[Problem]
) -> Any:
    layer = _layer_with(layers, name)
    if layer is None:
        return None
    value = layer.values[name]
    if not declared.allowed_by or bounds is None:
        return value
    if is_pending(bounds.own_service_account):
        return value  # checked once the team's own is known
    if value == bounds.own_service_account:
        return None  # the team's own
    if value not in getattr(bounds.lists, declared.allowed_by):
        problems.append(Problem(layer.paths[name], _not_allowed(value, bounds, declared.allowed_by)))
        return None
    return value


def _union(layers: Sequence[Layer], name: str) -> list[Any]:
    """Every layer's items, the most general first, each once."""
    items: list[Any] = []
    for layer in reversed(layers):
        for item in layer.values.get(name, ()):
            if item not in items:
                items.append(item)
    return items


def _merged(layers: Sequence[Layer], name: str, problems: list[Problem]) -> dict[str, str]:
    """Labels or annotations, the most specific layer winning; ours and the Job controller's are refused."""
    merged: dict[str, str] = {}
    for layer in reversed(layers):
        for key, value in layer.values.get(name, {}).items():
            if is_reserved_key(key):
                problems.append(
                    Problem(
                        child(layer.paths[name], key),
                        "is set by polyaxon-storage or the Job controller; choose another key",
                    )
                )
            else:
                merged[key] = value
    return merged


def _node_selector(
    own: Sequence[Layer],
    defaults: Sequence[Layer],
    pins: Sequence[tuple[str, Mapping[str, str]]],
    problems: list[Problem],
) -> dict[str, str]:
    """The union of every layer's node selector, each label checked against the others and the mounts' pins.

    A conflict is reported at the more specific of the two places. The pins are
    merged by the Job builder (their conflicts among themselves are storage
    problems, reported where the mounts are checked).
    """

    def sources(layers: Sequence[Layer]) -> list[tuple[str, Mapping[str, str]]]:
        return [(layer.paths["node_selector"], layer.values["node_selector"]) for layer in layers if "node_selector" in layer.values]

    pinned = {source for source, _ in pins}
    _, conflicts = union_selector([*sources(own), *pins, *sources(defaults)])
    problems.extend(
        Problem(
            child(conflict.first[0], conflict.label),
            f"pins {conflict.label}={conflict.first[1]}, but {conflict.second[0]} pins "
            f"{conflict.label}={conflict.second[1]}: no node can run the pod",
        )
        for conflict in conflicts
        if not {conflict.first[0], conflict.second[0]} <= pinned
    )
    return union_selector([*sources(own), *sources(defaults)])[0]


def _allowed(
    layers: Sequence[Layer], name: str, declared: Setting, bounds: Optional[RunBounds], problems: list[Problem]
) -> list[str]:
    if bounds is None:
        return _union(layers, name)
    allowed = getattr(bounds.lists, declared.allowed_by)
    for layer in layers:
        for index, item in enumerate(layer.values.get(name, ())):
            if item not in allowed:
                problems.append(Problem(f"{layer.paths[name]}[{index}]", _not_allowed(item, bounds, declared.allowed_by)))
    return [item for item in _union(layers, name) if item in allowed]


def _not_allowed(name: str, bounds: RunBounds, allow_list: str) -> str:
    allowed = getattr(bounds.lists, allow_list)
    listed = f"it allows {', '.join(allowed)}" if allowed else "it allows none"
    return f"{name!r} is not in {bounds.where(allow_list)} ({listed})"


def _shm_problems(layers: Sequence[Layer], settings: Mapping[str, Any]) -> list[Problem]:
    size = settings["shm_size"]
    if size is None:
        return []
    path = _layer_with(layers, "shm_size").paths["shm_size"]  # type: ignore[union-attr]
    limit = settings["resources"].limits.get("memory")
    if parse_quantity(size) == 0:
        return [Problem(path, "must be more than 0")]
    if limit is not None and parse_quantity(size) > parse_quantity(limit):
        return [Problem(path, f"{size} is more than the memory limit {limit}, which /dev/shm counts against")]
    return []


def quota_problems(own: ResourceLayer, resources: Mapping[str, Mapping[str, str]], bounds: RunBounds) -> list[Problem]:
    """A run whose pod alone exceeds its namespace's quota would never start: each excess is a problem."""
    problems = []
    quota = bounds.lists.quota
    for key, hard in sorted((quota if quota and not is_pending(quota) else {}).items()):
        bound = quota_resource(key)
        if bound is None or is_pending(hard):
            continue
        side, resource = bound
        needed = max(
            parse_quantity(values.get(resource, "0"))
            for values in (resources.get(side, {}), INIT_RESOURCES.get(side, {}))
        )
        if needed > parse_quantity(hard):
            given = own.where(side, resource) if resource in own.side(side) else own.path
            shown = resources.get(side, {}).get(resource)
            problems.append(
                Problem(
                    given,
                    f"{side} {resource} {shown} exceeds {bounds.where('quota')}.{key} ({hard}): the Job would never start",
                )
            )
    return problems
