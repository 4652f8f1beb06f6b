"""The rules of what a pod may mount, where (docs/mount-rules.md §1, §6): one function per rule, for the catalog
and for a run's mounts alike.

A catalog entry and a component's mount are checked by the same functions, and
report at the place the value is written: `persistence.data.raw.hostPath` in a
stack config, `runs.train.data[1].host_path` in a RunTemplate's args.
"""

from __future__ import annotations

from typing import Any, Iterable, Optional, Sequence

from ..conventions import (
    ALWAYS_WRITABLE_HOST_PATH,
    host_path_writable_allowed,
)
from .declare import Spelling
from .errors import Problem, child

# Where a container keeps what it runs on: no volume is mounted over them, no writable host path
# is, holds or lies under them.
SYSTEM_LOCATIONS = ("/etc", "/proc", "/sys", "/dev", "/run", "/var/run", "/var/lib/kubelet")
# What no host path may show a run, even read-only: the node's kernel and devices, the kubelet's
# credentials, and the container runtime, whose socket is control of every container on the node.
NODE_CONTROL = (
    "/proc",
    "/sys",
    "/dev",
    "/var/lib/kubelet",
    "/var/run/docker.sock",
    "/run/docker.sock",
    "/var/run/containerd",
    "/run/containerd",
    "/var/run/crio",
    "/run/crio",
    "/var/run/cri-dockerd.sock",
    "/run/cri-dockerd.sock",
)


def overlaps(path: str, location: str) -> bool:
    """`path` is `location`, lies under it, or holds it (both normalised absolute paths, as the config's path
    types keep them: `conventions.path_within` normalises first, for paths from anywhere)."""
    return _within(path, location) or _within(location, path)


def _within(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix + "/") or prefix == "/"


def _relation(path: str, location: str) -> str:
    return "is" if path == location else ("lies under" if _within(path, location) else "holds")


def system_location_problem(path: str) -> Optional[str]:
    """Why a host path may not be mounted writable however the stack allows it, if it may not."""
    location = next((location for location in SYSTEM_LOCATIONS + NODE_CONTROL if overlaps(path, location)), None)
    if location is None:
        return None
    return f"{path} {_relation(path, location)} {location}, where the node keeps what it runs on"


def host_path_problem(
    host_path: str, read_only: bool, writable: Sequence[str], spelling: Spelling, allowances: str
) -> Optional[str]:
    """What is wrong with mounting a host path (read-only or not), if anything.

    `writable`: the host paths the stack or template allows to be written, besides /tmp;
    `allowances`: where those are given, for the message.
    """
    read_only_key = "readOnly" if spelling is Spelling.CONFIG else "read_only"
    control = next((location for location in NODE_CONTROL if overlaps(host_path, location)), None)
    if control is not None:
        return (
            f"{host_path} would show the run {control}: the node's kernel, devices, kubelet or container runtime, "
            "even read-only; mount the data from elsewhere"
        )
    if read_only:
        return None
    system = system_location_problem(host_path)
    if system is not None:
        return f"{system}: it may not be mounted writable; set {read_only_key}: true or choose another path"
    if not host_path_writable_allowed(host_path, tuple(writable)):
        return (
            f"{host_path} would be mounted writable, and only host paths under {ALWAYS_WRITABLE_HOST_PATH} or "
            f"{allowances} may be (the policy pack's no-writable-host-path rule): set {read_only_key}: true, or add "
            f"the path to {allowances} and to the pack's config"
        )
    return None


def mount_path_problem(mount_path: str) -> Optional[str]:
    """What is wrong with mounting a volume at `mount_path` in a container, if anything."""
    system = next((location for location in SYSTEM_LOCATIONS if overlaps(mount_path, location)), None)
    if system is None:
        return None
    return f"{mount_path} would {'cover' if _within(mount_path, system) else 'hide'} the container's {system}; mount the volume elsewhere, such as /data"


def mounts_problems(
    located: Iterable[tuple[Any, str]],
    spelling: Spelling,
    writable: Sequence[str],
    allowances: str,
    together: str,
) -> list[Problem]:
    """The problems of volumes mounted together, each given with where it is written.

    A mount needs `mount_path` (a host path also `host_path`, `read_only`). Each is held to the
    host-path and mountPath rules; no two share a mountPath, and none lies under another's
    (it would be hidden by it, or hide part of it). `together` says why they meet, for messages.
    """
    mount_key = "mountPath" if spelling is Spelling.CONFIG else "mount_path"
    host_key = "hostPath" if spelling is Spelling.CONFIG else "host_path"
    problems = []
    seen: list[tuple[str, str]] = []  # (mount path, where) of the mounts before
    for mount, where in located:
        host_path = getattr(mount, "host_path", None)
        if isinstance(host_path, str):
            found = host_path_problem(host_path, mount.read_only, writable, spelling, allowances)
            if found:
                problems.append(Problem(child(where, host_key), found))
        if not isinstance(mount.mount_path, str):
            continue
        found = mount_path_problem(mount.mount_path)
        if found:
            problems.append(Problem(child(where, mount_key), found))
            continue
        clash = next(((path, other) for path, other in seen if overlaps(mount.mount_path, path)), None)
        if clash is not None:
            path, other = clash
            relation = (
                f"is already the {mount_key} of {other}"
                if path == mount.mount_path
                else f"{_relation(mount.mount_path, path)} {path}, the {mount_key} of {other}"
            )
            problems.append(
                Problem(
                    child(where, mount_key),
                    f"{mount.mount_path} {relation}; every volume needs a directory of its own, not inside "
                    f"another's, since {together}",
                )
            )
            continue
        seen.append((mount.mount_path, where))
    return problems
