"""Kubernetes workloads and volumes: no writable host path outside /tmp, retained PersistentVolumes.

The host-path rule is the one the program applies to a stack's entries
(`components.conventions.host_path_writable_allowed`), so no Job the program
exports is one this pack would reject.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)

from shared import conventions, resource_policy, value_at

K8S_PERSISTENT_VOLUME = "kubernetes:core/v1:PersistentVolume"
# Where each workload keeps its pod spec.
POD_SPEC_PATHS: Mapping[str, tuple[str, ...]] = {
    "kubernetes:core/v1:Pod": ("spec",),
    "kubernetes:core/v1:PodTemplate": ("template", "spec"),
    "kubernetes:apps/v1:Deployment": ("spec", "template", "spec"),
    "kubernetes:apps/v1:StatefulSet": ("spec", "template", "spec"),
    "kubernetes:apps/v1:DaemonSet": ("spec", "template", "spec"),
    "kubernetes:apps/v1:ReplicaSet": ("spec", "template", "spec"),
    "kubernetes:batch/v1:Job": ("spec", "template", "spec"),
    "kubernetes:batch/v1:CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
}

HOST_PATH_CONFIG_SCHEMA = PolicyConfigSchema(
    properties={
        "allowedWritableHostPaths": {
            "type": "array",
            "items": {"type": "string", "pattern": "^/"},
            "default": [],
            "description": "Host paths (and everything under them) this stack may mount writable, besides /tmp.",
        },
        "allowWritableHostPaths": {
            "type": "boolean",
            "default": False,
            "description": "Allow every writable host path in this stack.",
        },
    }
)


# --- rule: persistent volumes keep their data -------------------------------------------------


def reclaim_policy_problems(props: Mapping[str, Any]) -> list[str]:
    policy = value_at(props, "spec", "persistentVolumeReclaimPolicy")
    if policy == "Retain":
        return []
    shown = f'"{policy}"' if policy is not None else "unset (its default depends on how the volume was made)"
    return [
        f'set spec.persistentVolumeReclaimPolicy to "Retain" so releasing the claim never deletes the data; it is {shown}'
    ]


# --- rule: no writable host path outside /tmp -------------------------------------------------


@dataclass(frozen=True)
class HostPathAllowance:
    """What the stack's policy config lets it mount writable, besides /tmp."""

    prefixes: tuple[str, ...] = ()
    allow_all: bool = False

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> "HostPathAllowance":
        return cls(
            prefixes=tuple(config.get("allowedWritableHostPaths") or ()),
            allow_all=bool(config.get("allowWritableHostPaths", False)),
        )

    def allows(self, path: str) -> bool:
        # The very rule the program applies to the stack's host-path entries.
        return conventions.host_path_writable_allowed(path, self.prefixes, self.allow_all)


WRITABLE_HOST_PATH_FIX = (
    "use a path under /tmp, or allow it for this stack in the policy pack config "
    '({"no-writable-host-path": {"allowedWritableHostPaths": ["%s"]}}, passed with --policy-pack-config)'
)


def writable_host_path_mounts(pod_spec: Mapping[str, Any]) -> dict[str, tuple[str, list[str]]]:
    """hostPath volumes some container mounts without readOnly: volume -> (host path, containers)."""
    host_paths = {
        value_at(volume, "name"): value_at(volume, "hostPath", "path", default="")
        for volume in value_at(pod_spec, "volumes", default=[])
        if value_at(volume, "hostPath") is not None
    }
    writable: dict[str, tuple[str, list[str]]] = {}
    for kind in ("initContainers", "containers", "ephemeralContainers"):
        for container in value_at(pod_spec, kind, default=[]):
            for mount in value_at(container, "volumeMounts", default=[]):
                name = value_at(mount, "name")
                if name in host_paths and value_at(mount, "readOnly") is not True:
                    writable.setdefault(name, (host_paths[name], []))[1].append(value_at(container, "name", default="?"))
    return writable


def pod_host_path_problems(pod_spec: Mapping[str, Any], allowance: HostPathAllowance) -> list[str]:
    return [
        f"volume '{volume}' mounts host path '{path}' writable in container(s) {', '.join(containers)}: "
        f"mount it with readOnly: true, or " + WRITABLE_HOST_PATH_FIX % path
        for volume, (path, containers) in sorted(writable_host_path_mounts(pod_spec).items())
        if not allowance.allows(path)
    ]


def persistent_volume_host_path_problems(props: Mapping[str, Any], allowance: HostPathAllowance) -> list[str]:
    path = value_at(props, "spec", "hostPath", "path")
    if path is None:
        return []
    modes = list(value_at(props, "spec", "accessModes", default=[]))
    if (modes and all(mode == "ReadOnlyMany" for mode in modes)) or allowance.allows(path):
        return []
    return [
        f"PersistentVolume mounts host path '{path}' writable (accessModes {modes or 'unset'}): "
        f"set accessModes to [ReadOnlyMany], or " + WRITABLE_HOST_PATH_FIX % path
    ]


def host_path_problems(resource_type: str, props: Mapping[str, Any], allowance: HostPathAllowance) -> list[str]:
    if resource_type == K8S_PERSISTENT_VOLUME:
        return persistent_volume_host_path_problems(props, allowance)
    if resource_type in POD_SPEC_PATHS:
        pod_spec = value_at(props, *POD_SPEC_PATHS[resource_type], default={})
        return pod_host_path_problems(pod_spec, allowance)
    return []


# --- the policies -----------------------------------------------------------------------------


def validate_host_paths(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    allowance = HostPathAllowance.from_config(args.get_config())
    for problem in host_path_problems(args.resource_type, args.props, allowance):
        report_violation(problem, None)


no_writable_host_path = ResourceValidationPolicy(
    name="no-writable-host-path",
    description="No writable hostPath outside /tmp unless the stack's policy config allows it "
    "(allowedWritableHostPaths, allowWritableHostPaths): a PersistentVolume's hostPath is writable unless all its "
    "accessModes are ReadOnlyMany, a pod's hostPath volume when a container mounts it without readOnly: true.",
    validate=validate_host_paths,
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=HOST_PATH_CONFIG_SCHEMA,
)

persistent_volume_retain = resource_policy(
    "persistent-volume-retain",
    'PersistentVolumes set persistentVolumeReclaimPolicy "Retain", so data outlives its claim.',
    {K8S_PERSISTENT_VOLUME: reclaim_policy_problems},
)
