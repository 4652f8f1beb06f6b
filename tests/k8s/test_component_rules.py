"""Every rule the stack holds a run to, held by RunTemplate on its own args too: the same refusal, the same
message, at the argument path (snake_case) where the stack says the config path (camelCase). Nothing is
registered in the cluster before the refusal, which Pulumi shows as a message (a RunError)."""

from __future__ import annotations

from typing import Any, Callable

import pulumi
import pytest
from conftest import problems

from components import ComponentArgsError, NfsStorage, RunTemplate, TeamNamespace
from components.offline import engine

OUTPUTS = {"name": "o", "mount_path": "/outputs", "claim_name": "o"}
CATALOG = {"data": {"d": {"mountPath": "/data", "existingClaim": "d"}}, "outputs": {"o": {"mountPath": "/outputs", "existingClaim": "o"}}}


def template_problems(run: dict[str, Any]) -> list[str]:
    """What RunTemplate says of one run `train`, as lines `path: message`."""
    mock = engine.start("rules", "test")
    args = {"namespace": "ml", "service_account": "runs-ml", "runs": {"train": {"image": "trainer:1", "outputs": OUTPUTS, **run}}}
    with pytest.raises(ComponentArgsError) as refused:
        mock.run(lambda: RunTemplate("vision", args))
    assert str(refused.value).startswith("RunTemplate 'vision': ")
    assert [r for r in mock.registrations if r.custom] == []
    return [str(problem) for problem in refused.value.problems]


def stack_problems(run: dict[str, Any], persistence: dict[str, Any] = CATALOG, **keys: Any) -> list[str]:
    return problems({"persistence": persistence, "runs": {"train": {"image": "trainer:1", **run}}, **keys})


RESTRICTED = "namespace 'ml' enforces Pod Security restricted, which would reject this pod"


@pytest.mark.parametrize(
    "template_run, template_expected, stack_run, stack_expected",
    [
        pytest.param(
            {"security_context": {"privileged": True}},
            f"runs.train.security_context: {RESTRICTED}: privileged: true",
            {"securityContext": {"privileged": True}},
            "runs.train.securityContext: namespace 'polyaxon' enforces Pod Security restricted, which would reject this pod: privileged: true",
            id="privileged",
        ),
        pytest.param(
            {"security_context": {"allow_privilege_escalation": True, "run_as_user": 0}},
            f"runs.train.security_context: {RESTRICTED}: allowPrivilegeEscalation must be false; runAsUser 0 (root)",
            {"securityContext": {"allowPrivilegeEscalation": True, "runAsUser": 0}},
            "runs.train.securityContext: namespace 'polyaxon' enforces Pod Security restricted, which would reject this pod: allowPrivilegeEscalation must be false; runAsUser 0 (root)",
            id="escalation-and-root",
        ),
        pytest.param(
            {"env": {"POLYAXON_RUN_OUTPUTS_PATH": "/elsewhere"}},
            "runs.train.env.POLYAXON_RUN_OUTPUTS_PATH: is set by polyaxon-storage for every run; choose another name",
            {"env": {"POLYAXON_RUN_OUTPUTS_PATH": "/elsewhere"}},
            "runs.train.env.POLYAXON_RUN_OUTPUTS_PATH: is set by polyaxon-storage for every run; choose another name",
            id="reserved-env",
        ),
        pytest.param(
            {"image_pull_policy": "Sometimes"},
            "runs.train.image_pull_policy: must be 'Always', 'IfNotPresent' or 'Never'",
            {"imagePullPolicy": "Sometimes"},
            "runs.train.imagePullPolicy: must be 'Always', 'IfNotPresent' or 'Never'",
            id="enumeration",
        ),
        pytest.param(
            {"resources": {"requests": {"cpu": "lots"}}},
            "runs.train.resources.requests.cpu: 'lots' is not a Kubernetes quantity (a number with an optional suffix, such as 500m, 2Gi or 1e3)",
            {"resources": {"requests": {"cpu": "lots"}}},
            "runs.train.resources.requests.cpu: 'lots' is not a Kubernetes quantity (a number with an optional suffix, such as 500m, 2Gi or 1e3)",
            id="quantity",
        ),
        pytest.param(
            {"resources": {"requests": {"cpu": "4"}, "limits": {"cpu": "2"}}},
            "runs.train.resources.requests.cpu: 4 may not exceed the limit 2 (runs.train.resources.limits.cpu)",
            {"resources": {"requests": {"cpu": "4"}, "limits": {"cpu": "2"}}},
            "runs.train.resources.requests.cpu: 4 may not exceed the limit 2 (runs.train.resources.limits.cpu)",
            id="requests-over-limits",
        ),
        pytest.param(
            {"comand": ["python", "train.py"]},
            "runs.train.comand: unknown key here (check its spelling and the config reference)",
            {"comand": ["python", "train.py"]},
            "runs.train.comand: unknown key here (check its spelling and the config reference)",
            id="unknown-key",
        ),
        pytest.param(
            {"secret_refs": ["db-password"]},
            "runs.train.secret_refs[0]: 'db-password' is not in bounds.secret_refs (it allows none)",
            {"secretRefs": ["db-password"]},
            "runs.train.secretRefs[0]: 'db-password' is not in secretRefs (it allows none)",
            id="closed-secret-refs",
        ),
    ],
)  # fmt: skip
def test_a_run_the_stack_refuses_is_refused_by_run_template_in_the_same_words(template_run, template_expected, stack_run, stack_expected):
    assert template_problems(template_run) == [template_expected]
    assert stack_run is not None and stack_expected in stack_problems(stack_run)


PRIVILEGED = {"pod_security": "privileged", "allow_privileged": True}


@pytest.mark.parametrize(
    "run, template, expected",
    [
        pytest.param(
            {"data": [{"name": "root", "mount_path": "/etc", "host_path": "/"}]},
            PRIVILEGED,
            [
                "runs.train.data[0].host_path: / would show the run /proc: the node's kernel, devices, kubelet or container runtime, even read-only; mount the data from elsewhere",
                "runs.train.data[0].mount_path: /etc would cover the container's /etc; mount the volume elsewhere, such as /data",
            ],
            id="writable-root-at-etc",
        ),
        pytest.param(
            {"data": [{"name": "scratch", "mount_path": "/scratch", "host_path": "/var/scratch"}]},
            PRIVILEGED,
            [
                "runs.train.data[0].host_path: /var/scratch would be mounted writable, and only host paths under /tmp or "
                "allowed_writable_host_paths may be (the policy pack's no-writable-host-path rule): set read_only: true, or "
                "add the path to allowed_writable_host_paths and to the pack's config"
            ],
            id="writable-host-path",
        ),
        pytest.param(
            {"data": [{"name": "data", "mount_path": "/data", "host_path": "/srv/data", "read_only": True}]},
            {},
            [
                "runs.train: mounts host paths (data), which Pod Security restricted refuses: its namespace must enforce "
                "privileged (the level of a TeamNamespace whose teams are granted host paths)"
            ],
            id="host-path-in-restricted",
        ),
        pytest.param(
            {"data": [{"name": "d", "mount_path": "/outputs", "claim_name": "d"}]},
            {},
            [
                "runs.train.outputs.mount_path: /outputs is already the mount_path of runs.train.data[0]; every volume needs a "
                "directory of its own, not inside another's, since they are mounted together"
            ],
            id="data-at-the-outputs-path",
        ),
        pytest.param(
            {"data": [{"name": "d", "mount_path": "/outputs/data", "claim_name": "d"}]},
            {},
            [
                "runs.train.outputs.mount_path: /outputs holds /outputs/data, the mount_path of runs.train.data[0]; every "
                "volume needs a directory of its own, not inside another's, since they are mounted together"
            ],
            id="data-inside-the-outputs",
        ),
        pytest.param(
            {"data": [{"name": "d", "mount_path": "/d1", "claim_name": "a"}, {"name": "d", "mount_path": "/d2", "claim_name": "b"}]},
            {},
            ["runs.train.data[1].name: 'd' is the name of runs.train.data[0] too: each mount of a side needs its own (it names its volume)"],
            id="one-name-twice",
        ),
        pytest.param(
            {"outputs": {**OUTPUTS, "read_only": True}},
            {},
            [
                "runs.train.outputs.read_only: the run writes its outputs there: an outputs mount is writable (its directory "
                "is made by an init container before the run starts)"
            ],
            id="read-only-outputs",
        ),
        pytest.param(
            {"data": [{"name": "raw", "store": "gcs", "bucket": "gs://raw", "secret": "gcs"}]},
            {},
            ["runs.train.data[0]: secret and secret_key go together: the Secret and its key holding the credentials"],
            id="secret-without-its-key",
        ),
        pytest.param(
            {"data": [{"name": "raw", "store": "s3", "bucket": "gs://raw"}]},
            {},
            ["runs.train.data[0].bucket: 'gs://raw' does not match store s3: write it as s3://<bucket>"],
            id="bucket-of-another-store",
        ),
        pytest.param(
            {"data": [{"name": "d", "mount_pth": "/d", "claim_name": "d"}]},
            {},
            ["runs.train.data[0].mount_pth: unknown key here (check its spelling and the config reference)"],
            id="misspelt-mount-key",
        ),
        pytest.param(
            {"data": [{"name": "d", "mount_path": "data", "claim_name": "d"}]},
            {},
            ["runs.train.data[0].mount_path: 'data' is not absolute; write it as /data"],
            id="relative-mount-path",
        ),
        pytest.param(
            {"node_selector": {"pool": "gpu"}, "data": [{"name": "d", "mount_path": "/d", "host_path": "/srv/d", "read_only": True, "node_selector": {"pool": "ssd"}}]},
            PRIVILEGED,
            ["runs.train.node_selector.pool: pins pool=gpu, but runs.train.data[0].node_selector pins pool=ssd: no node can run the pod"],
            id="pinned-two-ways",
        ),
        pytest.param(
            {"outputs": "left out"},
            {},
            ["runs.train.outputs: required key is missing"],
            id="no-outputs",
        ),
    ],
)  # fmt: skip
def test_run_template_holds_a_runs_mounts_to_the_mount_rules(run, template, expected):
    given = {key: value for key, value in {"outputs": OUTPUTS, **run}.items() if value != "left out"}
    mock = engine.start("rules", "test")
    args = {"namespace": "ml", "service_account": "runs-ml", "runs": {"train": {"image": "trainer:1", **given}}, **template}
    with pytest.raises(ComponentArgsError) as refused:
        mock.run(lambda: RunTemplate("vision", args))
    assert [r for r in mock.registrations if r.custom] == []
    assert [str(problem) for problem in refused.value.problems] == expected


@pytest.mark.parametrize(
    "catalog, expected",
    [
        pytest.param(
            {"data": {"root": {"mountPath": "/etc", "hostPath": "/"}}},
            [
                "persistence.data.root.hostPath: / would show the run /proc: the node's kernel, devices, kubelet or container runtime, even read-only; mount the data from elsewhere",
                "persistence.data.root.mountPath: /etc would cover the container's /etc; mount the volume elsewhere, such as /data",
            ],
            id="writable-root-at-etc",
        ),
        pytest.param(
            {"data": {"scratch": {"mountPath": "/scratch", "hostPath": "/var/scratch"}}},
            [
                "persistence.data.scratch.hostPath: /var/scratch would be mounted writable, and only host paths under /tmp or "
                "allowedWritableHostPaths may be (the policy pack's no-writable-host-path rule): set readOnly: true, or add "
                "the path to allowedWritableHostPaths and to the pack's config"
            ],
            id="writable-host-path",
        ),
        pytest.param(
            {"data": {"d": {"mountPath": "/outputs", "existingClaim": "d"}}},
            [
                "persistence.outputs.o.mountPath: /outputs is already the mountPath of persistence.data.d; every volume needs "
                "a directory of its own, not inside another's, since a run mounts data and outputs together"
            ],
            id="data-at-the-outputs-path",
        ),
        pytest.param(
            {"data": {"d": {"mountPath": "/outputs/data", "existingClaim": "d"}}},
            [
                "persistence.outputs.o.mountPath: /outputs holds /outputs/data, the mountPath of persistence.data.d; every "
                "volume needs a directory of its own, not inside another's, since a run mounts data and outputs together"
            ],
            id="data-inside-the-outputs",
        ),
        pytest.param(
            {"data": {"raw": {"store": "gcs", "bucket": "gs://raw", "secret": "gcs"}}},
            ["persistence.data.raw.secretKey: secret and secretKey go together: name the secret and the key holding the credentials"],
            id="secret-without-its-key",
        ),
        pytest.param(
            {"data": {"d": {"mountPth": "/d", "existingClaim": "d"}}},
            ["persistence.data.d.mountPth: unknown key here (check its spelling and the config reference)", "persistence.data.d.mountPath: required key is missing"],
            id="misspelt-key",
        ),
        pytest.param(
            {"data": {"d": {"mountPath": "data", "existingClaim": "d"}}},
            ["persistence.data.d.mountPath: 'data' is not absolute; write it as /data"],
            id="relative-mount-path",
        ),
    ],
)  # fmt: skip
def test_the_stack_holds_its_catalog_to_the_same_mount_rules(catalog, expected):
    persistence = {"outputs": {"o": {"mountPath": "/outputs", "existingClaim": "o"}}, **catalog}
    assert sorted(problems({"persistence": persistence})) == sorted(expected)


def test_args_from_other_resources_are_checked_when_they_resolve_with_the_same_message():
    outputs = {"name": "o", "mount_path": "/outputs"}
    mock = engine.start("rules", "test")
    with pytest.raises(ComponentArgsError) as plain:
        mock.run(lambda: RunTemplate("t", {"namespace": "ml", "service_account": "sa", "runs": {"r": {"image": "i:1", "outputs": {**outputs, "claim_name": "Bad_Claim"}}}}))
    mock = engine.start("rules", "test")
    with pytest.raises(ComponentArgsError) as resolved:
        mock.run(
            lambda: RunTemplate(
                "t",
                {
                    "namespace": pulumi.Output.from_input("ml"),
                    "service_account": "sa",
                    "runs": {"r": {"image": "i:1", "outputs": {**outputs, "claim_name": pulumi.Output.from_input("Bad_Claim")}}},
                },
            )
        )
    assert str(resolved.value) == str(plain.value) == (
        "RunTemplate 't': 1 problem in its args:\n  - runs.r.outputs.claim_name: 'Bad_Claim' is not a valid Kubernetes "
        "object name (lowercase letters, digits, '-' and '.')"
    )


def test_a_pending_pod_security_level_is_held_to_when_it_resolves():
    mock = engine.start("rules", "test")

    def program() -> Any:
        namespace = TeamNamespace("ml", {"namespace": "ml", "teams": ["t"], "pod_security": "baseline"})
        return RunTemplate(
            "t",
            {
                "namespace": namespace.namespace,
                "service_account": "sa",
                "pod_security": namespace.pod_security,
                "runs": {"r": {"image": "i:1", "security_context": {"privileged": True}, "outputs": OUTPUTS}},
            },
        )

    with pytest.raises(ComponentArgsError) as refused:
        mock.run(program)
    assert [str(problem) for problem in refused.value.problems] == [
        "runs.r.security_context: namespace 'ml' enforces Pod Security baseline, and its runs are held to baseline, "
        "which this pod breaks (set allow_privileged: true if it must): privileged: true"
    ]


@pytest.mark.parametrize(
    "make, expected",
    [
        (
            lambda: NfsStorage("x", {"server": "10.0.0.5", "path": "/exports/x", "size": "lots", "namespace": "ml", "claim_name": "x", "volume_name": "x"}),
            "NfsStorage 'x': 1 problem in its args:\n  - size: 'lots' is not a Kubernetes quantity (a number with an optional suffix, such as 500m, 2Gi or 1e3)",
        ),
        (
            lambda: TeamNamespace("x", {"namespace": "ml", "teams": ["t"], "credentials": {"creds": {"team": "t", "data": {}, "access": "write-only", "identity": "me"}}}),
            "TeamNamespace 'x': 1 problem in its args:\n  - credentials.creds.access: must be 'read-only' or 'read-write'",
        ),
        (
            lambda: TeamNamespace("x", {"namespace": "default", "teams": ["t", "t"], "credentials": {"creds": {"team": "u", "data": {}, "access": "read-only", "identity": "me"}}}),
            "TeamNamespace 'x': 3 problems in its args:\n  - teams[1]: 't' is listed more than once\n"
            "  - namespace: default is a namespace the cluster has already: set existing: true to adopt it, or give the runs a namespace of their own\n"
            "  - credentials.creds.team: 'u' is none of the teams (t, t)",
        ),
    ],
)  # fmt: skip
def test_every_component_refuses_what_the_cluster_would_before_registering_anything(make: Callable[[], Any], expected: str):
    mock = engine.start("rules", "test")
    with pytest.raises(ComponentArgsError) as refused:
        mock.run(make)
    assert str(refused.value) == expected
    assert isinstance(refused.value, pulumi.RunError)
    assert [r for r in mock.registrations if r.custom] == []


def test_a_template_run_leaving_the_templates_workload_identity_is_warned_about_as_in_the_stack():
    mock = engine.start("rules", "test")
    bucket = {"name": "d", "store": "gcs", "bucket": "gs://acme-data", "workload_identity": True}
    runs = {
        "train": {"image": "trainer:1", "outputs": OUTPUTS, "data": [bucket], "service_account": "batch"},
        "keyed": {"image": "trainer:1", "outputs": OUTPUTS, "service_account": "batch"},
    }
    args = {"namespace": "ml", "service_account": "runs-ml", "bounds": {"service_accounts": ["batch"]}, "runs": runs}
    mock.run(lambda: RunTemplate("vision", args))
    assert mock.warnings == [
        "RunTemplate 'vision': runs.train.service_account: the run's pods run as 'batch', not 'runs-ml': its buckets reached through "
        "workload identity (d) are granted to the cloud identity bound to 'runs-ml'; bind 'batch' to that identity too, "
        "or drop it"
    ]


def test_one_output_given_for_many_args_fills_every_one_of_them() -> None:
    """An Output handed over in several places (a Secret's name in every run's mount) is awaited once and its
    value lands in each place, next to other Outputs in the same args."""
    mock = engine.start("rules", "test")

    def program() -> pulumi.Output[dict[str, Any]]:
        secret = pulumi.Output.from_input("ml-gcs").apply(lambda name: name)
        namespace = pulumi.Output.from_input("ml").apply(lambda name: name)
        bucket = {"name": "b", "store": "gcs", "bucket": "gs://acme-data", "secret": secret, "secret_key": "key.json"}
        runs = {run: {"image": "trainer:1", "outputs": OUTPUTS, "data": [bucket]} for run in ("train", "eval")}
        return RunTemplate("vision", {"namespace": namespace, "service_account": "runs-ml", "runs": runs}).jobs

    jobs = engine.value(mock.run(program))
    assert set(jobs) == {"train", "eval"}
    for job in jobs.values():
        [container] = job["spec"]["template"]["spec"]["containers"]
        assert job["metadata"]["namespace"] == "ml"
        secrets = [item["valueFrom"]["secretKeyRef"]["name"] for item in container["env"] if "valueFrom" in item and "secretKeyRef" in item["valueFrom"]]
        assert secrets == ["ml-gcs"], container["env"]
