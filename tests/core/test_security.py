"""Pod security: the hardened defaults, how a run's securityContext merges into them, and what
Pod Security `restricted` admits, checked against an oracle written here from the Pod Security
Standards, not from components/.
"""

from __future__ import annotations

from typing import Any, Optional

import pytest
from conftest import job_of, plan, problems
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from components.core.security import container_security_context, restricted_violations

EXAMPLES = settings(max_examples=60, deadline=None, phases=[phase for phase in Phase if phase is not Phase.explain])
NON_ROOT_POD = {"runAsNonRoot": True, "runAsUser": 10001, "seccompProfile": {"type": "RuntimeDefault"}}
HARDENED = {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}, "seccompProfile": {"type": "RuntimeDefault"}}


# --- the oracle: Pod Security Standards, restricted profile (kubernetes.io/docs/concepts/security/pod-security-standards)


def restricted_admits(container: dict[str, Any], pod: dict[str, Any]) -> bool:
    """Whether `restricted` admits a pod of one container with these security contexts."""

    def effective(key: str) -> Any:
        return container[key] if container.get(key) is not None else pod.get(key)

    capabilities = container.get("capabilities") or {}
    return (
        not container.get("privileged")
        and container.get("allowPrivilegeEscalation") is False
        and effective("runAsNonRoot") is True
        and effective("runAsUser") != 0
        and "ALL" in (capabilities.get("drop") or [])
        and set(capabilities.get("add") or []) <= {"NET_BIND_SERVICE"}
        and (effective("seccompProfile") or {}).get("type") in ("RuntimeDefault", "Localhost")
    )


# --- each check of restricted_violations, one at a time ---------------------------------------------


def test_the_hardened_default_in_a_non_root_pod_is_admitted():
    assert restricted_violations(container_security_context({}), NON_ROOT_POD) == []


@pytest.mark.parametrize(
    "override, pod, expected",
    [
        pytest.param({"privileged": True}, NON_ROOT_POD, "privileged: true", id="privileged"),
        pytest.param({"allowPrivilegeEscalation": True}, NON_ROOT_POD, "allowPrivilegeEscalation must be false", id="escalation"),
        pytest.param({}, {"seccompProfile": {"type": "RuntimeDefault"}}, "runAsNonRoot must be true", id="root-allowed"),
        pytest.param({"runAsUser": 0}, NON_ROOT_POD, "runAsUser 0 (root)", id="uid-0"),
        pytest.param({"capabilities": {"drop": ["NET_RAW"]}}, NON_ROOT_POD, "capabilities must drop ALL", id="drop-all"),
        pytest.param({"capabilities": {"add": ["SYS_ADMIN"]}}, NON_ROOT_POD, "capabilities.add ['SYS_ADMIN']", id="add"),
        pytest.param({"seccompProfile": {"type": "Unconfined"}}, NON_ROOT_POD, "seccompProfile must be", id="seccomp"),
    ],
)
def test_each_thing_restricted_forbids_is_reported_alone(override, pod, expected):
    found = restricted_violations(container_security_context(override), pod)
    assert len(found) == 1 and expected in found[0], found


def test_net_bind_service_is_the_one_capability_restricted_lets_a_container_add():
    assert restricted_violations(container_security_context({"capabilities": {"add": ["NET_BIND_SERVICE"]}}), NON_ROOT_POD) == []
    [found] = restricted_violations(
        container_security_context({"capabilities": {"add": ["NET_BIND_SERVICE", "NET_RAW"]}}), NON_ROOT_POD
    )
    assert "['NET_RAW']" in found and "NET_BIND_SERVICE" in found.split("(")[1]


def test_a_localhost_seccomp_profile_is_admitted():
    override = {"seccompProfile": {"type": "Localhost", "localhostProfile": "profiles/train.json"}}
    assert restricted_violations(container_security_context(override), NON_ROOT_POD) == []


# --- how a run's securityContext merges into the defaults -------------------------------------------


def test_adding_a_capability_keeps_dropping_all():
    merged = container_security_context({"capabilities": {"add": ["NET_BIND_SERVICE"]}})
    assert merged["capabilities"] == {"drop": ["ALL"], "add": ["NET_BIND_SERVICE"]}
    assert merged["allowPrivilegeEscalation"] is False and merged["seccompProfile"] == {"type": "RuntimeDefault"}


def test_a_run_field_replaces_only_that_field():
    merged = container_security_context({"readOnlyRootFilesystem": True, "seccompProfile": {"type": "Localhost"}})
    assert merged == {**HARDENED, "readOnlyRootFilesystem": True, "seccompProfile": {"type": "Localhost"}}


# --- generated securityContexts, planned in a restricted namespace, against the oracle --------------

security_contexts = st.fixed_dictionaries(
    {},
    optional={
        "allowPrivilegeEscalation": st.booleans(),
        "privileged": st.booleans(),
        "readOnlyRootFilesystem": st.booleans(),
        "runAsNonRoot": st.booleans(),
        "runAsUser": st.sampled_from([0, 1, 1000, 10001]),
        "runAsGroup": st.sampled_from([0, 1000]),
        "capabilities": st.fixed_dictionaries(
            {},
            optional={
                "add": st.lists(st.sampled_from(["NET_BIND_SERVICE", "NET_RAW", "SYS_ADMIN", "CHOWN"]), max_size=3, unique=True),
                "drop": st.lists(st.sampled_from(["ALL", "NET_RAW", "MKNOD"]), max_size=2, unique=True),
            },
        ),
        "seccompProfile": st.sampled_from(
            [{"type": "RuntimeDefault"}, {"type": "Unconfined"}, {"type": "Localhost", "localhostProfile": "p.json"}]
        ),
    },
)


def restricted_stack(security_context: Optional[dict]) -> dict[str, Any]:
    """One run in a namespace granted no host path, so Pod Security `restricted` is enforced there."""
    run: dict[str, Any] = {"image": "trainer:1"}
    if security_context is not None:
        run["securityContext"] = security_context
    return {
        "persistence": {
            "data": {"images": {"mountPath": "/data", "existingClaim": "images", "readOnly": True}},
            "outputs": {"results": {"mountPath": "/outputs", "existingClaim": "results"}},
        },
        "runs": {"train": run},
    }


def test_a_namespace_granted_no_host_path_enforces_restricted():
    assert plan(restricted_stack(None)).namespaces[0].pod_security == "restricted"


@EXAMPLES
@given(security_contexts)
def test_a_run_plans_in_a_restricted_namespace_exactly_when_restricted_admits_its_pod(security_context):
    config = restricted_stack(security_context)
    # What the run would get: the defaults with its own fields merged in, in the non-root pod.
    expected_container = {**HARDENED, **security_context}
    expected_container["capabilities"] = {**HARDENED["capabilities"], **security_context.get("capabilities", {})}
    if restricted_admits(expected_container, NON_ROOT_POD):
        pod = job_of(config, "train")["spec"]["template"]["spec"]
        assert pod["containers"][0]["securityContext"] == expected_container
        assert restricted_admits(pod["containers"][0]["securityContext"], pod["securityContext"])
    else:
        [found] = problems(config)
        assert found.startswith("runs.train.securityContext: namespace 'polyaxon' enforces Pod Security restricted")
