"""One path from a run to its Job: a run's settings resolved across its layers, held to every rule a
run's Job must meet, before `job.job_manifest` builds it.

The stack's plan (each run of the stack config, and the `job` command's
Polyaxon file) and RunTemplate (each run of its args) call `resolve_run`; only
where a run comes from, and so how its problems are located, differs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Optional, Sequence

from ..conventions import is_reserved_env_name
from .config.run import JobSettings, MountArgs, RunArgs
from .declare import Spelling
from .enums import PodSecurityLevel
from .errors import Problem, child
from .job import job_annotations
from .limits import annotations_size_problem
from .mounts import mounts_problems
from .pending import PENDING, is_pending
from .security import (
    baseline_violations,
    container_security_context,
    pod_security_context,
    restricted_violations,
)
from .settings import Layer, RunBounds, combined
from .volumes import union_selector


@dataclass(frozen=True)
class RunPlace:
    """Where a run is written, in its door's spelling, and where each of its mounts is (for messages)."""

    name: str
    """The run's name: it names its Job and its outputs directory."""
    path: str
    """The run: `runs.train`."""
    spelling: Spelling
    data: Sequence[str]
    """Where each data mount is written: `runs.train.data[0]`, or the catalog entry it is."""
    outputs: str

    def key(self, field: str, model: Any = RunArgs) -> str:
        return model.spelled(field, self.spelling)


@dataclass(frozen=True)
class RunContext:
    """What a run is held to beyond its own settings."""

    bounds: Optional[RunBounds] = None
    """Its team's allow-lists and quota (None: not checked)."""
    namespace: Any = PENDING
    """Its namespace (for messages; PENDING while unknown)."""
    team: Any = PENDING
    """Its team: its directory under the outputs base, and an annotation of its Job (PENDING while unknown)."""
    settings: JobSettings = field(default_factory=JobSettings)
    """What every Job of its stack or template shares (what a TPU is, and its annotation)."""
    pod_security: Any = PodSecurityLevel.RESTRICTED.value
    """The Pod Security level of its namespace (PENDING while unknown)."""
    allow_privileged: bool = False
    privileged_key: str = "allowPrivileged"
    """Where beyond-baseline runs are allowed, for messages."""
    writable_host_paths: tuple[str, ...] = ()
    writable_key: str = "allowedWritableHostPaths"
    """Where writable host paths are allowed, for messages."""
    pod_labels: Mapping[str, str] = field(default_factory=dict)
    """What its pod must carry for its mounts (AKS workload identity's label)."""
    check_mounts: bool = True
    """Hold its mounts to the host-path and mountPath rules (the stack's catalog holds them already)."""


def resolve_run(
    own: Sequence[Layer],
    defaults: Sequence[Layer],
    data: Sequence[MountArgs],
    outputs: Optional[MountArgs],
    context: RunContext,
    place: RunPlace,
    problems: list[Problem],
) -> Optional[RunArgs]:
    """The run its layers make (most specific first), mounting `data` and `outputs`, once it meets every rule
    of a run's Job; None, with the problems appended, when it does not (or its outputs are unknown: its
    settings are still checked)."""
    found: list[Problem] = []
    located = [*zip(data, place.data), *([(outputs, place.outputs)] if outputs else [])]
    pins = [(child(where, place.key("node_selector", MountArgs)), mount.node_selector) for mount, where in located]
    settings = combined(own, defaults, context.bounds, pins, found)
    if settings["image"] is None:
        found.append(Problem(child(place.path, place.key("image")), "required: the container image the run executes"))
    env_path = next((layer.paths["env"] for layer in own if "env" in layer.values), child(place.path, "env"))
    found.extend(
        Problem(child(env_path, variable), "is set by polyaxon-storage for every run; choose another name")
        for variable in settings["env"] or {}
        if is_reserved_env_name(variable)
    )
    found.extend(_mount_problems(located, outputs, context, place))
    _, conflicts = union_selector(pins)
    found.extend(Problem(place.path, f"mounts entries that disagree: {conflict.describe()}") for conflict in conflicts)
    found.extend(_pod_security_problems(settings, [mount for mount, _ in located], context, place))
    found.extend(_annotations_problems([*own, *defaults], settings, [mount for mount, _ in located], context, place))
    problems.extend(found)
    if found or outputs is None:
        return None
    return RunArgs.model_construct(
        **{**settings, "env": settings["env"] or {}, "pod_labels": {**settings["pod_labels"], **context.pod_labels}},
        data=list(data),
        outputs=outputs,
    )


def identity_warnings(run: RunArgs, context: RunContext, place: RunPlace) -> list[Problem]:
    """A run naming a ServiceAccount other than its team's own (which the stack binds to the team's cloud
    identity) reaches none of its workload-identity buckets unless that one is bound too. Checked once both
    names are known."""
    own, team_account = run.service_account, context.bounds.own_service_account if context.bounds else None
    if own is None or team_account is None or is_pending(own) or is_pending(team_account) or own == team_account:
        return []
    reached = [mount.name for mount in (*run.data, run.outputs) if mount.workload_identity]
    if not reached:
        return []
    return [
        Problem(
            child(place.path, place.key("service_account")),
            f"the run's pods run as {own!r}, not {team_account!r}: its buckets reached through workload identity "
            f"({', '.join(reached)}) are granted to the cloud identity bound to {team_account!r}; bind {own!r} to "
            "that identity too, or drop it",
        )
    ]


def _annotations_problems(
    layers: Sequence[Layer],
    settings: Mapping[str, Any],
    mounts: Sequence[MountArgs],
    context: RunContext,
    place: RunPlace,
) -> list[Problem]:
    """The annotations its pod carries (its own, its mounts' and ours) within what the API server takes on one
    object, reported where the most specific of them are given."""
    if is_pending(context.team):
        return []  # checked once its team is known
    volumes = {key: value for mount in mounts for key, value in mount.pod_annotations.items()}
    _, pod = job_annotations(
        place.name, context.team, settings["annotations"], settings["resources"].limits, context.settings, volumes
    )
    found = annotations_size_problem(pod)
    if found is None:
        return []
    where = next((layer.paths["annotations"] for layer in layers if "annotations" in layer.values), place.path)
    return [Problem(where, found)]


def _mount_problems(
    located: Sequence[tuple[MountArgs, str]], outputs: Optional[MountArgs], context: RunContext, place: RunPlace
) -> list[Problem]:
    key = lambda name: place.key(name, MountArgs)  # noqa: E731
    problems = []
    if context.check_mounts:
        volumes = [(mount, where) for mount, where in located if mount.is_volume]
        problems.extend(
            mounts_problems(volumes, place.spelling, context.writable_host_paths, context.writable_key, "they are mounted together")
        )
    names: dict[str, str] = {}
    for mount, where in located[: len(located) - (outputs is not None)]:
        first = names.setdefault(mount.name, where)
        if first != where:
            problems.append(
                Problem(
                    child(where, key("name")),
                    f"{mount.name!r} is the name of {first} too: each mount of a side needs its own (it names its volume)",
                )
            )
    if outputs is not None and outputs.read_only:
        problems.append(
            Problem(
                child(place.outputs, key("read_only")),
                "the run writes its outputs there: an outputs mount is writable (its directory is made by an init "
                "container before the run starts)",
            )
        )
    return problems


def _pod_security_problems(
    settings: Mapping[str, Any], mounts: Sequence[MountArgs], context: RunContext, place: RunPlace
) -> list[Problem]:
    """What the Pod Security level of the run's namespace would refuse, or what goes beyond baseline outside a
    restricted namespace without allowPrivileged (a namespace labelled privileged for its host paths allows
    nothing else)."""
    level = context.pod_security
    if is_pending(level):
        return []
    path = child(place.path, place.key("security_context"))
    host_paths = [mount.name for mount in mounts if mount.host_path is not None]
    problems = []
    if host_paths and level != PodSecurityLevel.PRIVILEGED:
        problems.append(
            Problem(
                place.path,
                f"mounts host paths ({', '.join(host_paths)}), which Pod Security {level} refuses: its namespace must "
                "enforce privileged (the level of a TeamNamespace whose teams are granted host paths)",
            )
        )
    security = settings["security_context"]
    container = container_security_context(security.model_dump(by_alias=True, exclude_none=True) if security else {})
    pod = pod_security_context(mounts)
    namespace = "its namespace" if is_pending(context.namespace) else f"namespace {context.namespace!r}"
    if level == PodSecurityLevel.RESTRICTED:
        found = restricted_violations(container, pod)
        why = f"{namespace} enforces Pod Security restricted, which would reject this pod"
    elif context.allow_privileged:
        return problems
    else:
        found = baseline_violations(container, pod)
        why = (
            f"{namespace} enforces Pod Security {level}, and its runs are held to baseline, which this pod breaks "
            f"(set {context.privileged_key}: true if it must)"
        )
    if found:
        problems.append(Problem(path, f"{why}: {'; '.join(found)}"))
    return problems
