"""Kubernetes policies: writable host paths, retained PersistentVolumes."""

from __future__ import annotations

from typing import Any, Optional

import pytest

from policy_support import PV, check_resource, props_of

import workloads  # noqa: E402 (the pack's folder is on sys.path once policy_support is imported)


# --- no-writable-host-path ---------------------------------------------------------------------


def host_path_pv(path: str, access_modes: Optional[list[str]] = None) -> dict:
    spec: dict[str, Any] = {"hostPath": {"path": path}, "persistentVolumeReclaimPolicy": "Retain"}
    if access_modes is not None:
        spec["accessModes"] = access_modes
    return {"apiVersion": "v1", "kind": "PersistentVolume", "spec": spec}


@pytest.mark.parametrize(
    "props",
    [
        host_path_pv("/data", ["ReadOnlyMany"]),
        host_path_pv("/tmp", ["ReadWriteOnce"]),
        host_path_pv("/tmp/outputs", ["ReadWriteMany"]),
        {"spec": {"nfs": {"server": "nfs", "path": "/exports"}, "accessModes": ["ReadWriteMany"]}},
    ],
)
def test_read_only_or_tmp_or_non_host_path_volume_passes(props):
    assert check_resource(workloads.no_writable_host_path, PV, props) == []


@pytest.mark.parametrize(
    "props",
    [
        host_path_pv("/data", ["ReadWriteOnce"]),
        host_path_pv("/data", ["ReadOnlyMany", "ReadWriteOnce"]),
        host_path_pv("/data"),
        host_path_pv("/tmpfiles", ["ReadWriteOnce"]),
        host_path_pv("/tmp/../etc", ["ReadWriteOnce"]),
    ],
)
def test_writable_host_path_volume_outside_tmp_is_a_violation(props):
    [message] = check_resource(workloads.no_writable_host_path, PV, props)
    assert f"host path '{props['spec']['hostPath']['path']}' writable" in message
    assert "set accessModes to [ReadOnlyMany], or use a path under /tmp, or allow it" in message


def pod_spec(path: str = "/data", read_only: bool = False, init_read_only: bool = True) -> dict:
    host = {"name": "host", "mountPath": "/h"}
    scratch = {"name": "scratch", "mountPath": "/s"}
    return {
        "volumes": [
            {"name": "host", "hostPath": {"path": path, "type": "DirectoryOrCreate"}},
            {"name": "scratch", "emptyDir": {}},
        ],
        "initContainers": [{"name": "prepare", "volumeMounts": [{**host, "readOnly": init_read_only}]}],
        "containers": [
            {"name": "main", "volumeMounts": [{**host, "readOnly": read_only}, scratch]},
            {"name": "sidecar", "volumeMounts": [scratch]},
        ],
    }


# Where each workload keeps its pod spec, written out independently of the policy's own table.
WORKLOADS = {
    "kubernetes:core/v1:Pod": lambda spec: {"spec": spec},
    "kubernetes:core/v1:PodTemplate": lambda spec: {"template": {"spec": spec}},
    "kubernetes:apps/v1:Deployment": lambda spec: {"spec": {"template": {"spec": spec}}},
    "kubernetes:apps/v1:StatefulSet": lambda spec: {"spec": {"template": {"spec": spec}}},
    "kubernetes:apps/v1:DaemonSet": lambda spec: {"spec": {"template": {"spec": spec}}},
    "kubernetes:apps/v1:ReplicaSet": lambda spec: {"spec": {"template": {"spec": spec}}},
    "kubernetes:batch/v1:Job": lambda spec: {"spec": {"template": {"spec": spec}}},
    "kubernetes:batch/v1:CronJob": lambda spec: {"spec": {"jobTemplate": {"spec": {"template": {"spec": spec}}}}},
}


@pytest.mark.parametrize("workload", WORKLOADS)
def test_workload_mounting_host_path_read_only_passes(workload):
    assert check_resource(workloads.no_writable_host_path, workload, WORKLOADS[workload](pod_spec(read_only=True))) == []


@pytest.mark.parametrize("workload", WORKLOADS)
def test_workload_writing_host_path_outside_tmp_is_a_violation(workload):
    [message] = check_resource(workloads.no_writable_host_path, workload, WORKLOADS[workload](pod_spec()))
    assert "volume 'host' mounts host path '/data' writable in container(s) main: mount it with readOnly: true" in message


def test_init_container_writing_host_path_is_a_violation():
    [message] = check_resource(
        workloads.no_writable_host_path, "kubernetes:core/v1:Pod", {"spec": pod_spec(read_only=True, init_read_only=False)}
    )
    assert "writable in container(s) prepare:" in message


@pytest.mark.parametrize("path", ["/tmp", "/tmp/outputs", "/tmp/outputs/"])
def test_workload_writing_under_tmp_passes(path):
    job = WORKLOADS["kubernetes:batch/v1:Job"](pod_spec(path))
    assert check_resource(workloads.no_writable_host_path, "kubernetes:batch/v1:Job", job) == []


def test_host_path_volume_no_container_mounts_passes():
    spec = {"volumes": [{"name": "host", "hostPath": {"path": "/data"}}], "containers": [{"name": "main"}]}
    assert check_resource(workloads.no_writable_host_path, "kubernetes:core/v1:Pod", {"spec": spec}) == []


@pytest.mark.parametrize(
    "config, path, allowed",
    [
        ({"allowedWritableHostPaths": ["/data"]}, "/data", True),
        ({"allowedWritableHostPaths": ["/data/"]}, "/data/team/outputs", True),
        ({"allowedWritableHostPaths": ["/data"]}, "/database", False),
        ({"allowedWritableHostPaths": ["/data"]}, "/data/../etc", False),
        ({"allowedWritableHostPaths": []}, "/data", False),
        ({"allowedWritableHostPaths": ["/"]}, "/data", True),
        ({"allowWritableHostPaths": True}, "/var/lib/anything", True),
        ({"allowWritableHostPaths": False, "allowedWritableHostPaths": ["/mnt"]}, "/data", False),
    ],
)
def test_stack_config_allows_writable_host_paths(config, path, allowed):
    job = WORKLOADS["kubernetes:batch/v1:Job"](pod_spec(path))
    assert (check_resource(workloads.no_writable_host_path, "kubernetes:batch/v1:Job", job, config) == []) is allowed
    volume = host_path_pv(path, ["ReadWriteOnce"])
    assert (check_resource(workloads.no_writable_host_path, PV, volume, config) == []) is allowed


def test_host_path_violation_says_how_to_allow_the_path():
    [message] = check_resource(workloads.no_writable_host_path, PV, host_path_pv("/data", ["ReadWriteOnce"]))
    assert '{"no-writable-host-path": {"allowedWritableHostPaths": ["/data"]}}' in message
    assert "--policy-pack-config" in message


def test_host_path_config_schema_declares_the_allowances_with_defaults():
    properties = workloads.no_writable_host_path.config_schema.properties
    assert properties["allowedWritableHostPaths"]["type"] == "array"
    assert properties["allowedWritableHostPaths"]["default"] == []
    assert properties["allowWritableHostPaths"]["type"] == "boolean"
    assert properties["allowWritableHostPaths"]["default"] is False


# --- persistent-volume-retain ------------------------------------------------------------------


def test_persistent_volume_retained_passes():
    assert check_resource(workloads.persistent_volume_retain, PV, host_path_pv("/tmp/x")) == []


@pytest.mark.parametrize("policy, shown", [("Delete", '"Delete"'), ("Recycle", '"Recycle"'), (None, "unset")])
def test_persistent_volume_not_retained_is_a_violation(policy, shown):
    props = {"spec": {"nfs": {"server": "nfs", "path": "/e"}, "persistentVolumeReclaimPolicy": policy}}
    [message] = check_resource(workloads.persistent_volume_retain, PV, props)
    assert 'set spec.persistentVolumeReclaimPolicy to "Retain"' in message and f"it is {shown}" in message


def test_retain_policy_ignores_claims():
    assert check_resource(workloads.persistent_volume_retain, "kubernetes:core/v1:PersistentVolumeClaim", {"spec": {}}) == []




# --- resources built with pulumi-kubernetes itself -------------------------------------------------


def pod_with_host_path(read_only: bool):
    import pulumi_kubernetes as kubernetes

    return lambda: kubernetes.core.v1.Pod(
        "p",
        spec={
            "volumes": [{"name": "data", "host_path": {"path": "/mnt/data"}}],
            "containers": [
                {"name": "main", "image": "i", "volume_mounts": [{"name": "data", "mount_path": "/d", "read_only": read_only}]}
            ],
        },
    )


def volume_with(policy: str):
    import pulumi_kubernetes as kubernetes

    return lambda: kubernetes.core.v1.PersistentVolume(
        "v",
        spec={
            "capacity": {"storage": "1Ti"},
            "access_modes": ["ReadWriteMany"],
            "persistent_volume_reclaim_policy": policy,
            "nfs": {"server": "10.0.0.5", "path": "/exports"},
        },
    )


def test_workloads_built_with_pulumi_kubernetes_are_read_under_the_names_it_sends():
    assert check_resource(workloads.no_writable_host_path, *props_of(pod_with_host_path(read_only=True))) == []
    [message] = check_resource(workloads.no_writable_host_path, *props_of(pod_with_host_path(read_only=False)))
    assert "host path '/mnt/data' writable in container(s) main" in message
    assert check_resource(workloads.persistent_volume_retain, *props_of(volume_with("Retain"))) == []
    [message] = check_resource(workloads.persistent_volume_retain, *props_of(volume_with("Delete")))
    assert 'it is "Delete"' in message
