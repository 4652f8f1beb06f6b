"""Hardened defaults of what runs get, and the knobs that relax them per run."""

from __future__ import annotations

import pytest
from conftest import job_of


def pod(config: dict, run: str = "r") -> dict:
    return job_of(config, run)["spec"]["template"]["spec"]


def one_run(**run) -> dict:
    return {"runs": {"r": {"image": "trainer:1", **run}}}


def test_pods_mount_no_api_token_unless_the_run_asks_for_one():
    assert pod(one_run())["automountServiceAccountToken"] is False
    assert pod(one_run(automountServiceAccountToken=True))["automountServiceAccountToken"] is True


@pytest.mark.parametrize("policy", [None, "IfNotPresent"])
def test_images_are_pulled_always_unless_the_run_says_otherwise(policy):
    spec = pod(one_run(**({"imagePullPolicy": policy} if policy else {})))
    expected = policy or "Always"
    assert [c["imagePullPolicy"] for c in spec["initContainers"] + spec["containers"]] == [expected, expected]


def test_default_resources_fill_what_a_run_does_not_set():
    config = {
        "defaultResources": {"requests": {"cpu": "1", "memory": "2Gi"}, "limits": {"cpu": 2, "memory": "4Gi"}},
        "runs": {
            "plain": {"image": "i"},
            "big": {"image": "i", "resources": {"requests": {"memory": "64Gi"}, "limits": {"nvidia.com/gpu": 1}}},
        },
    }
    assert pod(config, "plain")["containers"][0]["resources"] == {
        "requests": {"cpu": "1", "memory": "2Gi"},
        "limits": {"cpu": "2", "memory": "4Gi"},
    }
    # The default memory limit (4Gi) would be below the run's request: it is left out, never
    # applied into a pod the API server refuses, and the limit is the request; a GPU limit is its request too.
    assert pod(config, "big")["containers"][0]["resources"] == {
        "requests": {"cpu": "1", "memory": "64Gi", "nvidia.com/gpu": "1"},
        "limits": {"cpu": "2", "memory": "64Gi", "nvidia.com/gpu": "1"},
    }


def test_without_defaults_or_run_resources_the_container_gets_the_built_in_ones():
    assert pod(one_run())["containers"][0]["resources"] == {
        "requests": {"cpu": "1", "memory": "2Gi"},
        "limits": {"cpu": "2", "memory": "4Gi"},
    }


def test_every_pod_uses_the_runtime_seccomp_profile():
    host_path_writer = pod(one_run())  # the embedded default outputs are a host path
    assert host_path_writer["securityContext"] == {"seccompProfile": {"type": "RuntimeDefault"}}


def test_the_init_container_cannot_write_its_own_filesystem():
    (init,) = pod(one_run())["initContainers"]
    assert init["securityContext"]["readOnlyRootFilesystem"] is True
    assert init["resources"]["limits"] == {"cpu": "100m", "memory": "64Mi"}


def test_runs_get_a_network_policy_denying_ingress_in_their_namespace(tmp_path):
    from test_teams import TWO_TEAMS, objects, rendered_config

    policies = objects(rendered_config(tmp_path, TWO_TEAMS), "NetworkPolicy")
    assert set(policies) == {("team-nlp", "polyaxon-runs-deny-ingress"), ("team-vision", "polyaxon-runs-deny-ingress")}
    for policy in policies.values():
        assert policy["spec"] == {
            "podSelector": {"matchLabels": {"app.kubernetes.io/managed-by": "polyaxon-storage"}},
            "policyTypes": ["Ingress"],
        }
