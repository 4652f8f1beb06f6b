"""Pod and container security settings of runs, and what Pod Security `restricted` admits.

Pure: the Job builder applies these; the planner checks them against the
level of the run's namespace, so a rejected pod is a config error, not a
surprise at submission time.
"""

from __future__ import annotations

from typing import Any, Literal, Mapping, Sequence

from ..conventions import NON_ROOT_UID, POD_SECURITY_LABEL_PREFIX
from .config.run import MountArgs

PodSecurityLevel = Literal["restricted", "baseline", "privileged"]
POD_SECURITY_LEVELS: tuple[PodSecurityLevel, ...] = ("restricted", "baseline", "privileged")
# No privilege escalation, no capabilities, the runtime's seccomp profile.
HARDENED_SECURITY_CONTEXT: dict[str, Any] = {
    "allowPrivilegeEscalation": False,
    "capabilities": {"drop": ["ALL"]},
    "seccompProfile": {"type": "RuntimeDefault"},
}
# Every pod gets the runtime's seccomp profile.
POD_SECURITY_CONTEXT: dict[str, Any] = {"seccompProfile": {"type": "RuntimeDefault"}}
# Runs that need not write to a host path run as NON_ROOT_UID; fsGroup makes the volumes that support
# ownership management writable to it.
NON_ROOT_POD_SECURITY_CONTEXT: dict[str, Any] = {
    "runAsNonRoot": True,
    "runAsUser": NON_ROOT_UID,
    "runAsGroup": NON_ROOT_UID,
    "fsGroup": NON_ROOT_UID,
    # Chown a volume only when its root is not the group's already, not at every start of a run.
    "fsGroupChangePolicy": "OnRootMismatch",
    **POD_SECURITY_CONTEXT,
}
# The only capability Pod Security `restricted` lets a container add.
RESTRICTED_ADDABLE_CAPABILITIES = {"NET_BIND_SERVICE"}
# The capabilities Pod Security `baseline` lets a container add (the runtimes' defaults).
BASELINE_ADDABLE_CAPABILITIES = {
    "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
    "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
}  # fmt: skip


def container_security_context(override: Mapping[str, Any]) -> dict[str, Any]:
    """The hardened default, with the fields a run sets replacing the defaults.

    Nested objects merge field by field: adding a capability keeps `drop: [ALL]`.
    """
    return _merge(HARDENED_SECURITY_CONTEXT, override)


def _merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        merged[key] = _merge(base[key], value) if isinstance(value, dict) and isinstance(base.get(key), dict) else value
    return merged


def writes_host_path(mounts: Sequence[MountArgs]) -> bool:
    """Whether the run writes to a host path: kubelet creates those owned by root."""
    return any(mount.host_path is not None and not mount.read_only for mount in mounts)


def pod_security_context(mounts: Sequence[MountArgs]) -> dict[str, Any]:
    """Non-root identity for the pod, unless the run must write to a root-owned host path."""
    return dict(POD_SECURITY_CONTEXT if writes_host_path(mounts) else NON_ROOT_POD_SECURITY_CONTEXT)


def restricted_violations(container: dict[str, Any], pod: dict[str, Any]) -> list[str]:
    """What Pod Security `restricted` would reject in a container's effective settings."""
    effective = {**pod, **container}
    found = []
    if effective.get("privileged"):
        found.append("privileged: true")
    if effective.get("allowPrivilegeEscalation") is not False:
        found.append("allowPrivilegeEscalation must be false")
    if effective.get("runAsNonRoot") is not True:
        found.append("runAsNonRoot must be true")
    if effective.get("runAsUser") == 0:
        found.append("runAsUser 0 (root)")
    if "ALL" not in (effective.get("capabilities") or {}).get("drop", []):
        found.append("capabilities must drop ALL")
    added = set((effective.get("capabilities") or {}).get("add") or []) - RESTRICTED_ADDABLE_CAPABILITIES
    if added:
        found.append(f"capabilities.add {sorted(added)} (only NET_BIND_SERVICE is allowed)")
    if (effective.get("seccompProfile") or {}).get("type") not in ("RuntimeDefault", "Localhost"):
        found.append("seccompProfile must be RuntimeDefault or Localhost")
    return found


def baseline_violations(container: dict[str, Any], pod: dict[str, Any]) -> list[str]:
    """What Pod Security `baseline` would reject in a container's effective settings (the fields a run can set)."""
    found = []
    if container.get("privileged"):
        found.append("privileged: true")
    added = set((container.get("capabilities") or {}).get("add") or []) - BASELINE_ADDABLE_CAPABILITIES
    if added:
        found.append(f"capabilities.add {sorted(added)} (beyond the runtimes' defaults)")
    if any((context.get("seccompProfile") or {}).get("type") == "Unconfined" for context in (pod, container)):
        found.append("seccompProfile Unconfined")
    return found


def pod_security_labels(level: str) -> dict[str, str]:
    """Pod Security admission labels enforcing (and auditing, warning at) one level."""
    if level not in POD_SECURITY_LEVELS:
        raise ValueError(f"unknown Pod Security level {level!r}; one of: {', '.join(POD_SECURITY_LEVELS)}")
    return {
        **{f"{POD_SECURITY_LABEL_PREFIX}{mode}": level for mode in ("enforce", "audit", "warn")},
        f"{POD_SECURITY_LABEL_PREFIX}enforce-version": "latest",
    }
