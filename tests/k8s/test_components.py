"""The public components under Pulumi's mock engine, used as a Pulumi program of one's own would use them."""

from __future__ import annotations

import pulumi
import pytest

from components import ComponentArgsError, NfsStorage, RunTemplate, TeamNamespace
from components.offline import engine

NAMESPACE = "polyaxon-storage:index:TeamNamespace"
NFS = "polyaxon-storage:index:NfsStorage"
TEMPLATE = "polyaxon-storage:index:RunTemplate"


@pytest.fixture
def mock() -> engine.Engine:
    return engine.start("my-project", "test")


def registered(mock: engine.Engine) -> set[tuple[str, str, str]]:
    """(type, name, parent) of everything registered."""
    return {(r.type, r.name, r.parent) for r in mock.registrations}


def inputs(mock: engine.Engine, resource_type: str, name: str) -> dict:
    (found,) = [r.inputs for r in mock.registrations if (r.type, r.name) == (resource_type, name)]
    return found


def test_team_namespace_creates_a_labelled_namespace_accounts_and_a_network_policy(mock):
    team_namespace = mock.run(
        lambda: TeamNamespace("vision", {"namespace": "team-vision", "teams": ["vision", "Vision_Lab"]})
    )
    parent = f"{NAMESPACE}::vision"
    assert registered(mock) == {
        (NAMESPACE, "vision", ""),
        ("kubernetes:core/v1:Namespace", "vision", parent),
        ("kubernetes:core/v1:ServiceAccount", "vision/runs-vision", parent),
        ("kubernetes:core/v1:ServiceAccount", "vision/runs-vision-lab-d5c81e62", parent),
        ("kubernetes:networking.k8s.io/v1:NetworkPolicy", "vision/polyaxon-runs-deny-ingress", parent),
    }
    labels = inputs(mock, "kubernetes:core/v1:Namespace", "vision")["metadata"]["labels"]
    assert labels["pod-security.kubernetes.io/enforce"] == "restricted"
    assert engine.value(team_namespace.namespace) == "team-vision"
    assert engine.value(team_namespace.service_accounts) == {
        "vision": "runs-vision",
        "Vision_Lab": "runs-vision-lab-d5c81e62",
    }
    assert engine.value(team_namespace.pod_security) == "restricted"


def test_two_team_namespaces_never_collide_and_an_existing_one_is_only_labelled(mock):
    def program():
        TeamNamespace("a", {"namespace": "shared", "teams": ["t"]})
        TeamNamespace("b", {"namespace": "adopted", "teams": ["t"], "existing": True, "pod_security": "baseline"})

    mock.run(program)
    urns = [r.urn for r in mock.registrations]
    assert len(urns) == len(set(urns))
    patch = inputs(mock, "kubernetes:core/v1:NamespacePatch", "b")
    assert patch["metadata"]["name"] == "adopted"
    assert patch["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "baseline"
    assert "app.kubernetes.io/managed-by" not in patch["metadata"]["labels"]  # the platform's namespace


def test_team_namespace_refuses_an_unknown_pod_security_level(mock):
    with pytest.raises(ComponentArgsError, match="TeamNamespace 'x': 1 problem in its args:\n  - pod_security: must be 'restricted', 'baseline' or 'privileged'"):
        mock.run(lambda: TeamNamespace("x", {"namespace": "x", "teams": [], "pod_security": "strict"}))


def test_nfs_storage_binds_a_retained_volume_to_its_claim_statically(mock):
    def program():
        team_namespace = TeamNamespace("ml", {"namespace": "ml", "teams": ["t"]})
        return NfsStorage(
            "imagenet-ml",
            {
                "server": "10.0.0.5",
                "path": "/exports/imagenet",
                "size": "2Ti",
                "namespace": team_namespace.namespace,
                "claim_name": "imagenet",
                "volume_name": "imagenet-ml",
                "read_only": True,
            },
        )

    storage = mock.run(program)
    parent = f"{NFS}::imagenet-ml"
    assert {
        ("kubernetes:core/v1:PersistentVolume", "imagenet-ml-volume", parent),
        ("kubernetes:core/v1:PersistentVolumeClaim", "imagenet-ml-claim", parent),
    } <= registered(mock)
    volume = inputs(mock, "kubernetes:core/v1:PersistentVolume", "imagenet-ml-volume")
    claim = inputs(mock, "kubernetes:core/v1:PersistentVolumeClaim", "imagenet-ml-claim")
    assert volume["spec"]["persistentVolumeReclaimPolicy"] == "Retain"
    assert volume["spec"]["claimRef"] == {"namespace": "ml", "name": "imagenet"}
    assert volume["spec"]["accessModes"] == claim["spec"]["accessModes"] == ["ReadOnlyMany"]
    assert volume["spec"]["mountOptions"] == ["nfsvers=4.1", "hard"]
    assert volume["spec"]["storageClassName"] == claim["spec"]["storageClassName"] == ""
    assert claim["spec"]["volumeName"] == "imagenet-ml"
    assert (engine.value(storage.claim_name), engine.value(storage.volume_name)) == ("imagenet", "imagenet-ml")


def own_program():
    """A Pulumi program of one's own: a namespace, an NFS claim, and a team's runs wired through their outputs."""
    team_namespace = TeamNamespace("ml", {"namespace": "ml", "teams": ["vision"], "pod_security": "privileged"})
    results = NfsStorage(
        "results",
        {
            "server": "10.0.0.6",
            "path": "/exports/results",
            "size": "1Ti",
            "namespace": team_namespace.namespace,
            "claim_name": "results",
            "volume_name": "ml-results",
        },
    )
    outputs = {"name": "results", "mount_path": "/outputs", "claim_name": results.claim_name}
    return RunTemplate(
        "vision",
        {
            "namespace": team_namespace.namespace,
            "service_account": team_namespace.service_accounts.apply(lambda accounts: accounts["vision"]),
            "pod_security": team_namespace.pod_security,
            "team": "vision",
            "runs": {
                "train": {
                    "image": "trainer:1",
                    "command": ["python", "train.py"],
                    "env": {"EPOCHS": "3", "TOKEN": pulumi.Output.secret("s3cr3t")},
                    "data": [
                        {"name": "imagenet", "mount_path": "/data", "host_path": "/mnt/imagenet", "read_only": True},
                        {
                            "name": "raw",
                            "store": "gcs",
                            "bucket": "gs://raw",
                            "secret": "gcs",
                            "secret_key": "key.json",
                        },
                    ],
                    "outputs": outputs,
                },
                "Eval_1": {"image": "evaluator:2", "outputs": outputs},
            },
        },
    )


def env_of(container: dict) -> dict:
    return {item["name"]: item.get("value", item.get("valueFrom")) for item in container["env"]}


def test_run_template_builds_each_runs_job_from_its_inputs_and_the_outputs_it_is_wired_to(mock):
    template = mock.run(own_program)
    jobs = engine.value(template.jobs)
    train = jobs["train"]
    pod = train["spec"]["template"]["spec"]
    (main,) = pod["containers"]
    env = env_of(main)
    assert (train["metadata"]["namespace"], pod["serviceAccountName"]) == ("ml", "runs-vision")
    assert (main["image"], main["command"]) == ("trainer:1", ["python", "train.py"])
    assert (env["EPOCHS"], env["TOKEN"]) == ("3", "s3cr3t")
    # The outputs claim comes from the NfsStorage, the read-only host path must exist on the node.
    volumes = {volume["name"]: volume for volume in pod["volumes"]}
    assert volumes["outputs-results"]["persistentVolumeClaim"] == {"claimName": "results"}
    assert volumes["data-imagenet"]["hostPath"] == {"path": "/mnt/imagenet", "type": "Directory"}
    assert {"name": "data-imagenet", "mountPath": "/data", "readOnly": True} in main["volumeMounts"]
    assert env["POLYAXON_RUN_DATA_PATHS"] == '{"imagenet":"/data","raw":"gs://raw"}'
    assert env["POLYAXON_RUN_OUTPUTS_PATH"] == "/outputs/vision/train/$(POLYAXON_RUN_EXECUTION_ID)"
    assert env["POLYAXON_STORE_DATA_RAW"] == {"secretKeyRef": {"name": "gcs", "key": "key.json"}}
    assert env["POLYAXON_EXPERIMENT_INFO"] == '{"project_name":"vision.my-project","experiment_name":"vision.my-project.train"}'
    # What the template fills in: cpu and memory where a run sets none; runs that write no host path are no root.
    assert main["resources"] == {"requests": {"cpu": "1", "memory": "2Gi"}, "limits": {"cpu": "2", "memory": "4Gi"}}
    assert pod["securityContext"]["runAsUser"] == 10001
    assert engine.value(template.namespace) == "ml"
    assert engine.value(template.generate_names) == {"train": "train-", "Eval_1": "eval-1-6e0f074d-"}
    assert jobs["Eval_1"]["metadata"]["generateName"] == "eval-1-6e0f074d-"
    # A secret input makes the specs secret, each run's too.
    assert engine.is_secret(template.jobs)
    assert engine.is_secret(template.job("train"))
    assert engine.value(template.job("train")) == train
    assert (TEMPLATE, "vision", "") in registered(mock)


def test_run_template_says_which_runs_it_has_when_asked_for_another(mock):
    template = mock.run(own_program)
    with pytest.raises(KeyError, match=r"RunTemplate 'vision' has no run 'eval' \(it has train, Eval_1\)"):
        template.job("eval")


def test_run_template_team_defaults_to_the_namespace(mock):
    template = mock.run(
        lambda: RunTemplate(
            "ml",
            {
                "namespace": "ml",
                "service_account": "default",
                "runs": {"eval": {"image": "i", "outputs": {"name": "o", "mount_path": "/o", "claim_name": "o"}}},
            },
        )
    )
    container = engine.value(template.job("eval"))["spec"]["template"]["spec"]["containers"][0]
    assert env_of(container)["POLYAXON_RUN_OUTPUTS_PATH"] == "/o/ml/eval/$(POLYAXON_RUN_EXECUTION_ID)"
    assert not engine.is_secret(template.jobs)


def test_team_namespace_bounds_its_pods_with_a_limit_range_and_a_quota(mock):
    defaults = {"requests": {"cpu": "500m", "memory": "1Gi"}, "limits": {"cpu": "2", "memory": "4Gi"}}
    mock.run(
        lambda: TeamNamespace(
            "vision",
            {
                "namespace": "team-vision",
                "teams": ["vision"],
                "container_defaults": defaults,
                "quota": {"requests.cpu": "16"},
            },
        )
    )
    parent = f"{NAMESPACE}::vision"
    assert {
        ("kubernetes:core/v1:LimitRange", "vision/polyaxon-runs-defaults", parent),
        ("kubernetes:core/v1:ResourceQuota", "vision/polyaxon-runs-quota", parent),
    } <= registered(mock)
    limit_range = inputs(mock, "kubernetes:core/v1:LimitRange", "vision/polyaxon-runs-defaults")
    assert limit_range["metadata"]["namespace"] == "team-vision"
    assert limit_range["spec"]["limits"] == [
        {"type": "Container", "default": defaults["limits"], "defaultRequest": defaults["requests"]}
    ]
    quota = inputs(mock, "kubernetes:core/v1:ResourceQuota", "vision/polyaxon-runs-quota")
    assert quota["spec"] == {"hard": {"requests.cpu": "16"}}


def test_team_namespace_without_bounds_makes_neither(mock):
    mock.run(lambda: TeamNamespace("plain", {"namespace": "plain", "teams": ["t"]}))
    kinds = {registration.type for registration in mock.registrations}
    assert not kinds & {"kubernetes:core/v1:LimitRange", "kubernetes:core/v1:ResourceQuota"}


OUTPUTS = {"name": "results", "mount_path": "/outputs", "claim_name": "results"}


def test_run_template_reads_earlier_runs_outputs_and_carries_each_runs_settings(mock):
    template = mock.run(
        lambda: RunTemplate(
            "vision",
            {
                "namespace": "ml",
                "service_account": "runs-vision",
                "project": "imagenet",
                "tpu_tf_version": "2.15",
                "runs": {
                    "prep": {
                        "image": "i",
                        "kind": "job",
                        "outputs": {"name": "shards", "mount_path": "/shards", "claim_name": "s"},
                    },
                    "train": {
                        "image": "i",
                        "outputs": OUTPUTS,
                        "outputs_refs": {"jobs": ["prep"]},
                        "resources": {"limits": {"cloud-tpus.google.com/v2": "8"}},
                        "tolerations": [{"key": "tpu", "operator": "Exists"}],
                        "max_restarts": 2,
                        "params": {"lr": 0.1},
                    },
                },
            },
        )
    )
    job = engine.value(template.job("train"))
    spec = job["spec"]["template"]["spec"]
    variables = env_of(spec["containers"][0])
    assert variables["POLYAXON_REFS_OUTPUTS_PATHS"] == '{"jobs":["/shards/ml/prep"]}'
    assert {"name": "outputs-shards", "mountPath": "/shards", "readOnly": True} in spec["containers"][0]["volumeMounts"]
    assert (
        variables["POLYAXON_EXPERIMENT_INFO"] == '{"project_name":"ml.imagenet","experiment_name":"ml.imagenet.train"}'
    )
    assert variables["POLYAXON_PARAMS"] == '{"lr":0.1}'
    assert job["spec"]["template"]["metadata"]["annotations"]["tf-version.cloud-tpus.google.com"] == "2.15"
    assert (job["spec"]["backoffLimit"], spec["restartPolicy"], spec["tolerations"]) == (
        2,
        "OnFailure",
        [{"key": "tpu", "operator": "Exists"}],
    )
    # cpu and memory filled in by the built-in defaults.
    assert spec["containers"][0]["resources"]["limits"] == {
        "cloud-tpus.google.com/v2": "8",
        "cpu": "2",
        "memory": "4Gi",
    }


def test_run_template_applies_its_defaults_under_each_runs_own_settings(mock):
    template = mock.run(
        lambda: RunTemplate(
            "t",
            {
                "namespace": "ml",
                "service_account": "sa",
                "defaults": {
                    "resources": {"requests": {"cpu": "3"}, "limits": {"cpu": "3"}},
                    "node_selector": {"pool": "gpu"},
                    "labels": {"tier": "gold"},
                    "ttl_seconds_after_finished": 60,
                },
                "runs": {"train": {"image": "i", "outputs": OUTPUTS, "labels": {"tier": "silver"}}},
            },
        )
    )
    job = engine.value(template.job("train"))
    pod = job["spec"]["template"]["spec"]
    assert pod["containers"][0]["resources"]["requests"]["cpu"] == "3"
    assert (pod["nodeSelector"], job["metadata"]["labels"]["tier"]) == ({"pool": "gpu"}, "silver")
    assert job["spec"]["ttlSecondsAfterFinished"] == 60
