"""A run's pod settings from every place that gives them (run-spec.md §2-6, §10).

Layers, most specific first: the stack run, its Polyaxon file, its team's
`runDefaults`, the stack's `runDefaults`; then built-in defaults. Each rule
says how a setting combines across them: node selectors and tolerations are
unions, labels merge, affinity and single values come from the most specific
layer that gives them. The team's allow-lists close what a run may name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Mapping, Optional, Sequence

from ..conventions import is_reserved_key
from .config.pod import PodDefaults, Resources
from .config.stack import Run, StackConfig, stack_resources
from .containers import INIT_RESOURCES
from .errors import Problem, child
from .model import DEFAULT_TTL_SECONDS, Mount, TeamAccess
from .resources import (
    BUILT_IN_RESOURCES,
    ResourceLayer,
    effective_resources,
    overlay,
    parse_quantity,
    polyaxon_quantity,
    quota_resource,
)
from .volumes import pin_sources, union_selector

if TYPE_CHECKING:
    from .config.polyaxonfile import FileSettings, PolyaxonResources

# Settings a layer may give, by the stack run's key.
UNIONS = ("tolerations", "imagePullSecrets", "secretRefs", "configMapRefs")
MERGED = ("labels", "annotations")
FIRST_GIVEN = (
    "affinity",
    "serviceAccountName",
    "maxRestarts",
    "ttlSecondsAfterFinished",
    "activeDeadlineSeconds",
    "shmSize",
)
KEYS = ("nodeSelector", *UNIONS, *MERGED, *FIRST_GIVEN)


@dataclass(frozen=True)
class Layer:
    """One place that gives settings: stack-run keys to values, where each is written, and its resources."""

    values: Mapping[str, Any]
    paths: Mapping[str, str]
    resources: ResourceLayer


def run_layer(run: Run, path: str) -> Layer:
    """What a stack run gives itself."""
    return _model_layer(run, path, child(path, "resources"))


def defaults_layer(
    defaults: PodDefaults, path: str, resources: Optional[Resources] = None, resources_path: str = ""
) -> Layer:
    """A `runDefaults` block (its resources may be given under another key: `defaultResources`)."""
    return _model_layer(defaults, path, resources_path or child(path, "resources"), resources)


def _model_layer(model: Any, path: str, resources_path: str, resources: Optional[Resources] = None) -> Layer:
    values = {key: getattr(model, key) for key in KEYS if key in type(model).model_fields}
    given = {key: value for key, value in values.items() if value not in (None, [], {})}
    resources = resources or model.resources or Resources()
    return Layer(
        given,
        {key: child(path, key) for key in given},
        ResourceLayer(resources_path, resources.requests, resources.limits),
    )


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


@dataclass(frozen=True)
class Settings:
    """A run's settings, combined: RunSpec's fields of the same meaning."""

    resources: dict[str, dict[str, str]]
    node_selector: dict[str, str]
    tolerations: tuple[dict[str, Any], ...]
    affinity: Optional[dict[str, Any]]
    labels: dict[str, str]
    annotations: dict[str, str]
    service_account: Optional[str]
    image_pull_secrets: tuple[str, ...]
    secret_refs: tuple[str, ...]
    config_map_refs: tuple[str, ...]
    max_restarts: Optional[int]
    ttl_seconds_after_finished: int
    active_deadline_seconds: Optional[int]
    shm_size: Optional[str]


def default_layers(config: StackConfig, team: Optional[TeamAccess]) -> list[Layer]:
    """The defaults a team's runs get, most specific first: its runDefaults, then the stack's."""
    resources, resources_path = stack_resources(config)
    stack = defaults_layer(config.runDefaults, "runDefaults", resources, resources_path)
    if team is None or not team.config_path:
        return [stack]
    return [defaults_layer(team.run_defaults, team.key_path("runDefaults")), stack]


def combined_settings(
    own: Sequence[Layer],
    defaults: Sequence[Layer],
    team: Optional[TeamAccess],
    mounts: Sequence[Mount],
    problems: list[Problem],
) -> Settings:
    """The settings of a run from its `own` layers (stack run, Polyaxon file) and its `defaults` (team, stack),
    most specific first; `mounts` pin node labels too. Problems are appended; without a `team`, what it
    allows is not checked."""
    layers = [*own, *defaults]
    own_resources = own[0].resources
    for layer in own[1:]:
        own_resources = overlay(own_resources, layer.resources)
    resources, found = effective_resources(
        [own_resources, *(layer.resources for layer in defaults), BUILT_IN_RESOURCES]
    )
    problems.extend(found)
    settings = Settings(
        resources=resources,
        node_selector=_node_selector(own, defaults, mounts, problems),
        tolerations=tuple(_union(layers, "tolerations", _dumped)),
        affinity=_dumped(_first(layers, "affinity")),
        labels=_merged(layers, "labels", problems),
        annotations=_merged(layers, "annotations", problems),
        service_account=_service_account(layers, team, problems),
        image_pull_secrets=tuple(_union(layers, "imagePullSecrets")),
        secret_refs=tuple(_allowed(layers, "secretRefs", team, problems)),
        config_map_refs=tuple(_allowed(layers, "configMapRefs", team, problems)),
        max_restarts=_first(layers, "maxRestarts"),
        ttl_seconds_after_finished=_first(layers, "ttlSecondsAfterFinished", DEFAULT_TTL_SECONDS),
        active_deadline_seconds=_first(layers, "activeDeadlineSeconds"),
        shm_size=_first(layers, "shmSize"),
    )
    problems.extend(_shm_problems(layers, settings))
    if team is not None:
        problems.extend(quota_problems(own_resources, settings.resources, team))
    return settings


def default_resources(defaults: Sequence[Layer]) -> dict[str, dict[str, str]]:
    """What a run that sets no resources gets from these defaults (most specific first): a LimitRange's defaults.

    Each default layer's own problems are reported once, where it is written (`layer_problems`).
    """
    return effective_resources([*(layer.resources for layer in defaults), BUILT_IN_RESOURCES])[0]


def _first(layers: Sequence[Layer], key: str, default: Any = None) -> Any:
    return next((layer.values[key] for layer in layers if key in layer.values), default)


def _dumped(value: Any) -> Any:
    # Kubernetes' own defaults (empty lists, operator Equal) are left for the API server to fill in.
    return None if value is None else value.model_dump(exclude_defaults=True)


def _union(layers: Sequence[Layer], key: str, form: Any = None) -> list[Any]:
    """Every layer's items, the most general first, each once."""
    items: list[Any] = []
    for layer in reversed(layers):
        for item in layer.values.get(key, ()):
            value = form(item) if form else item
            if value not in items:
                items.append(value)
    return items


def _merged(layers: Sequence[Layer], key: str, problems: list[Problem]) -> dict[str, str]:
    """Labels or annotations, the most specific layer winning; ours and the Job controller's are refused."""
    merged: dict[str, str] = {}
    for layer in reversed(layers):
        for name, value in layer.values.get(key, {}).items():
            if is_reserved_key(name):
                problems.append(
                    Problem(
                        child(layer.paths[key], name),
                        "is set by polyaxon-storage or the Job controller; choose another key",
                    )
                )
            else:
                merged[name] = value
    return merged


def _node_selector(
    own: Sequence[Layer], defaults: Sequence[Layer], mounts: Sequence[Mount], problems: list[Problem]
) -> dict[str, str]:
    """The union of every layer's node selector, each label checked against the others and the mounts' pins.

    A conflict is reported at the more specific of the two places. The pins are
    merged by the Job builder (their conflicts among themselves are storage
    problems, reported where the mounts are resolved).
    """

    def sources(layers: Sequence[Layer]) -> list[tuple[str, Mapping[str, str]]]:
        return [
            (layer.paths["nodeSelector"], layer.values["nodeSelector"])
            for layer in layers
            if "nodeSelector" in layer.values
        ]

    pins = pin_sources(mounts)
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


def _service_account(layers: Sequence[Layer], team: Optional[TeamAccess], problems: list[Problem]) -> Optional[str]:
    layer = next((layer for layer in layers if "serviceAccountName" in layer.values), None)
    if layer is None or team is None:
        return None
    name = layer.values["serviceAccountName"]
    if name == team.service_account:
        return None  # the team's own
    if name not in team.bounds.serviceAccounts:
        problems.append(Problem(layer.paths["serviceAccountName"], _not_allowed(name, team, "serviceAccounts")))
        return None
    return name


def _allowed(layers: Sequence[Layer], key: str, team: Optional[TeamAccess], problems: list[Problem]) -> list[str]:
    if team is None:
        return []
    # Closed by the team's list of the same name.
    allowed = getattr(team.bounds, key)
    for layer in layers:
        for index, name in enumerate(layer.values.get(key, ())):
            if name not in allowed:
                problems.append(Problem(f"{layer.paths[key]}[{index}]", _not_allowed(name, team, key)))
    return [name for name in _union(layers, key) if name in allowed]


def _not_allowed(name: str, team: TeamAccess, allow_list: str) -> str:
    allowed = getattr(team.bounds, allow_list)
    listed = f"it allows {', '.join(allowed)}" if allowed else "it allows none"
    return f"{name!r} is not in {team.key_path(allow_list)} ({listed})"


def _shm_problems(layers: Sequence[Layer], settings: Settings) -> list[Problem]:
    if settings.shm_size is None:
        return []
    path = next(layer.paths["shmSize"] for layer in layers if "shmSize" in layer.values)
    limit = settings.resources.get("limits", {}).get("memory")
    if parse_quantity(settings.shm_size) == 0:
        return [Problem(path, "must be more than 0")]
    if limit is not None and parse_quantity(settings.shm_size) > parse_quantity(limit):
        return [
            Problem(path, f"{settings.shm_size} is more than the memory limit {limit}, which /dev/shm counts against")
        ]
    return []


def quota_problems(own: ResourceLayer, resources: Mapping[str, Mapping[str, str]], team: TeamAccess) -> list[Problem]:
    """A run whose pod alone exceeds its namespace's quota would never start: each excess is a problem."""
    problems = []
    for key, hard in sorted((team.bounds.quota or {}).items()):
        bound = quota_resource(key)
        if bound is None:
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
                    f"{side} {resource} {shown} exceeds {team.key_path('quota')}.{key} ({hard}): the Job would never start",
                )
            )
    return problems
