"""Safe runs everywhere: Pod Security baseline where restricted cannot be enforced, no host path or mount over
what the node and the container run on, no run in Kubernetes' own namespaces, images that are images."""

from __future__ import annotations

import pytest
from conftest import job_of, plan, problems

HOST_OUTPUTS = {"outputs": {"o": {"mountPath": "/outputs", "hostPath": "/tmp/outputs"}}}


def privileged_stack(security_context: dict, allow: bool = False, teams: bool = False) -> dict:
    """One run in a namespace labelled privileged, because it is granted a host path."""
    run = {"image": "trainer:1", "securityContext": security_context}
    config: dict = {"persistence": HOST_OUTPUTS, "runs": {"train": run}}
    if teams:
        config["teams"] = {"vision": {"namespace": "vision", "outputs": "*", "allowPrivileged": allow}}
        run["team"] = "vision"
    elif allow:
        config["allowPrivileged"] = True
    return config


@pytest.mark.parametrize(
    "security_context, words",
    [
        ({"privileged": True}, "privileged: true"),
        ({"capabilities": {"add": ["SYS_ADMIN"]}}, "capabilities.add ['SYS_ADMIN']"),
        ({"capabilities": {"add": ["CHOWN", "NET_ADMIN"]}}, "capabilities.add ['NET_ADMIN']"),
        ({"seccompProfile": {"type": "Unconfined"}}, "seccompProfile Unconfined"),
    ],
)
@pytest.mark.parametrize("teams", [False, True], ids=["implicit-team", "team"])
def test_outside_restricted_a_run_is_still_held_to_baseline(security_context, words, teams):
    assert plan(privileged_stack({})).namespaces[0].pod_security == "privileged"
    [found] = problems(privileged_stack(security_context, teams=teams))
    allow = "teams.vision.allowPrivileged" if teams else "allowPrivileged"
    assert found.startswith("runs.train.securityContext: namespace ") and "held to baseline" in found
    assert words in found and f"set {allow}: true if it must" in found


@pytest.mark.parametrize("teams", [False, True], ids=["implicit-team", "team"])
def test_a_team_that_allows_privileged_runs_gets_them(teams):
    config = privileged_stack({"privileged": True, "capabilities": {"add": ["SYS_ADMIN"]}}, allow=True, teams=teams)
    container = job_of(config, "train")["spec"]["template"]["spec"]["containers"][0]
    assert container["securityContext"]["privileged"] is True


def test_baseline_lets_a_run_add_the_runtimes_default_capabilities_and_run_as_root():
    config = privileged_stack({"capabilities": {"add": ["CHOWN", "SETUID", "NET_BIND_SERVICE"]}, "runAsUser": 0})
    assert job_of(config, "train")["spec"]["template"]["spec"]["containers"][0]["securityContext"]["runAsUser"] == 0


@pytest.mark.parametrize(
    "entry, words",
    [
        ({"hostPath": "/", "readOnly": True}, "/ would show the run /proc"),
        ({"hostPath": "/var/run/docker.sock", "readOnly": True}, "would show the run /var/run/docker.sock"),
        ({"hostPath": "/run/containerd/containerd.sock", "readOnly": True}, "would show the run /run/containerd"),
        ({"hostPath": "/var/lib/kubelet/pods", "readOnly": True}, "would show the run /var/lib/kubelet"),
        ({"hostPath": "/var", "readOnly": True}, "/var would show the run /var/lib/kubelet"),
        ({"hostPath": "/etc/kubernetes"}, "/etc/kubernetes lies under /etc"),
        ({"hostPath": "/tmp/../etc"}, "/etc is /etc"),
    ],
)
def test_host_paths_over_what_the_node_runs_on_are_errors(entry, words):
    config = {
        "persistence": {"data": {"d": {"mountPath": "/data", **entry}}, **HOST_OUTPUTS},
        "allowedWritableHostPaths": ["/var/lib/data"],
    }
    [found] = problems(config)
    assert found.startswith("persistence.data.d.hostPath: ") and words in found, found


def test_read_only_host_paths_under_etc_are_allowed():
    config = {"persistence": {"data": {"certs": {"mountPath": "/certs", "hostPath": "/etc/ssl/certs", "readOnly": True}}}}
    assert plan(config).config.persistence.data["certs"].host_path == "/etc/ssl/certs"


@pytest.mark.parametrize("allowed", ["/", "/etc", "/var/run", "/var"])
def test_the_stack_cannot_allow_writing_where_the_node_runs(allowed):
    found = problems({"allowedWritableHostPaths": [allowed]})
    assert [p for p in found if p.startswith("allowedWritableHostPaths[0]: ") and "no run may write there" in p]


@pytest.mark.parametrize("mount", ["/etc", "/etc/app", "/proc", "/sys/fs", "/dev", "/var/run", "/run/secrets", "/var/lib/kubelet"])
def test_mount_paths_over_the_containers_system_locations_are_errors(mount):
    config = {"persistence": {"data": {"d": {"mountPath": mount, "existingClaim": "d"}}}}
    [found] = problems(config)
    assert found.startswith("persistence.data.d.mountPath: ") and "would cover the container's" in found


@pytest.mark.parametrize("namespace", ["kube-system", "kube-public", "kube-node-lease"])
def test_runs_never_go_to_kubernetes_own_namespaces(namespace):
    for config, path in (
        ({"namespace": namespace}, "namespace"),
        ({"teams": {"t": {"namespace": namespace}}}, "teams.t.namespace"),
        ({"namespace": namespace, "existingNamespace": True}, "namespace"),
    ):
        [found] = problems(config)
        assert found.startswith(f"{path}: {namespace} is Kubernetes' own namespace")


def test_the_default_namespace_only_when_adopted():
    [found] = problems({"teams": {"t": {"namespace": "default"}}})
    assert found.startswith("teams.t.namespace: default is a namespace the cluster has already")
    assert plan({"teams": {"t": {"namespace": "default", "existingNamespace": True}}}).namespaces[0].adopt


@pytest.mark.parametrize(
    "image",
    [
        "python:3.12-slim",
        "busybox",
        "ghcr.io/acme/vision-trainer:2.4.0",
        "nvcr.io/nvidia/pytorch:24.01-py3",
        "localhost:5000/team/image",
        "registry.example.com:443/a/b/c:tag_1.0",
        "ubuntu@sha256:" + "a" * 64,
        "[::1]:5000/image:1",
    ],
)
def test_image_references_by_the_oci_grammar_are_accepted(image):
    config = {"runs": {"r": {"image": image}}, "persistence": {"outputs": {"o": {"mountPath": "/o", "existingClaim": "o"}}}}
    assert job_of(config, "r")["spec"]["template"]["spec"]["containers"][0]["image"] == image


@pytest.mark.parametrize(
    "image", [" ", "Not An Image!!", "UPPER/Case", "a//b", "image:", ":tag", "image@sha256:short", "-image", "x" * 256]
)
def test_anything_else_is_no_image(image):
    for config, path in (({"runs": {"r": {"image": image}}}, "runs.r.image"), ({"initImage": image}, "initImage")):
        [found] = problems(config)
        assert found.startswith(f"{path}: ") and "is not an image reference" in found
