"""What a run's Job carries besides its storage (docs/run-spec.md §2-10), for stack runs: each setting, how
it combines across the run, its team's runDefaults and the stack's, and every error."""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import job_of, plan, problems

IMAGE = "trainer:1"
CATALOG = {
    "data": {"corpus": {"mountPath": "/data", "existingClaim": "corpus", "readOnly": True}},
    "outputs": {
        "results": {"mountPath": "/outputs", "existingClaim": "results"},
        "archive": {"store": "gcs", "bucket": "gs://archive", "secret": "archive-creds", "secretKey": "key.json"},
    },
}


def stack(run: dict[str, Any] | None = None, **keys: Any) -> dict[str, Any]:
    """One run `train` (and any other `runs`), against a catalog that needs no host path."""
    runs = keys.pop("runs", {})
    return {"persistence": CATALOG, "runs": {"train": {"image": IMAGE, **(run or {})}, **runs}, **keys}


def teams_stack(team: dict[str, Any], run: dict[str, Any] | None = None, **keys: Any) -> dict[str, Any]:
    config = stack({"team": "vision", **(run or {})}, **keys)
    config["teams"] = {"vision": {"namespace": "vision", "data": "*", "outputs": "*", **team}}
    return config


def pod(config: dict[str, Any], run: str = "train") -> dict[str, Any]:
    return job_of(config, run)["spec"]["template"]["spec"]


def main(config: dict[str, Any], run: str = "train") -> dict[str, Any]:
    return pod(config, run)["containers"][0]


def env(config: dict[str, Any], run: str = "train") -> dict[str, Any]:
    return {item["name"]: item.get("value", item.get("valueFrom")) for item in main(config, run)["env"]}


# ---------------------------------------------------------------- §2 resources


def test_resources_come_from_the_run_then_the_team_then_the_stack_then_built_in_defaults():
    config = teams_stack(
        {"runDefaults": {"resources": {"requests": {"memory": "8Gi"}}}},
        {"resources": {"limits": {"cpu": "3"}}},
        runDefaults={"resources": {"requests": {"cpu": "2", "memory": "1Gi"}, "limits": {"memory": "16Gi"}}},
    )
    assert main(config)["resources"] == {
        "requests": {"cpu": "2", "memory": "8Gi"},  # stack's cpu, team's memory
        "limits": {"cpu": "3", "memory": "16Gi"},  # run's cpu, stack's memory
    }


def test_every_job_gets_cpu_and_memory_requests_and_limits_with_no_resources_given_anywhere():
    assert main(stack())["resources"] == {
        "requests": {"cpu": "1", "memory": "2Gi"},
        "limits": {"cpu": "2", "memory": "4Gi"},
    }


def test_a_default_that_would_break_a_rule_is_not_applied_and_the_other_side_fills_in():
    # The built-in request cpu 1 is above the run's limit 500m: the request is the limit.
    assert main(stack({"resources": {"limits": {"cpu": "500m", "memory": "1Gi"}}}))["resources"] == {
        "requests": {"cpu": "500m", "memory": "1Gi"},
        "limits": {"cpu": "500m", "memory": "1Gi"},
    }


def test_default_resources_is_the_old_name_of_run_defaults_resources():
    old = stack(defaultResources={"requests": {"cpu": "3"}})
    new = stack(runDefaults={"resources": {"requests": {"cpu": "3"}}})
    assert main(old)["resources"] == main(new)["resources"]
    both = stack(defaultResources={"requests": {"cpu": "3"}}, runDefaults={"resources": {"requests": {"cpu": "3"}}})
    assert problems(both) == [
        "defaultResources: is the old name of runDefaults.resources, which is given too; keep one"
    ]


def test_a_team_default_the_api_server_would_refuse_is_an_error_once_at_its_path():
    config = teams_stack(
        {"runDefaults": {"resources": {"requests": {"cpu": "4"}, "limits": {"cpu": "2"}}}},
        runs={"other": {"image": IMAGE, "team": "vision"}},
    )
    assert problems(config) == [
        "teams.vision.runDefaults.resources.requests.cpu: 4 may not exceed the limit 2 (teams.vision.runDefaults.resources.limits.cpu)"
    ]


def test_runs_without_a_gpu_limit_see_no_gpu_and_gpu_runs_see_theirs():
    assert env(stack())["NVIDIA_VISIBLE_DEVICES"] == "none"
    assert "NVIDIA_VISIBLE_DEVICES" not in env(stack({"resources": {"limits": {"nvidia.com/gpu": 1}}}))
    # The stack's gpuResource is what counts as a GPU.
    amd = stack({"resources": {"limits": {"amd.com/gpu": 1}}}, gpuResource="amd.com/gpu")
    assert "NVIDIA_VISIBLE_DEVICES" not in env(amd)


def test_tpu_runs_get_polyaxons_tensorflow_version_annotation_on_their_pod():
    job = job_of(stack({"resources": {"limits": {"cloud-tpus.google.com/v2": 8}}}, tpuTfVersion="2.15"), "train")
    assert job["spec"]["template"]["metadata"]["annotations"]["tf-version.cloud-tpus.google.com"] == "2.15"
    assert (
        "tf-version.cloud-tpus.google.com"
        not in job_of(stack(), "train")["spec"]["template"]["metadata"]["annotations"]
    )


@pytest.mark.parametrize(
    "key, value, words",
    [
        ("gpuResource", "gpu", "unknown resource 'gpu'"),
        ("gpuResource", "cpu", "not an extended resource"),
        ("tpuResource", "memory", "not an extended resource"),
    ],
)
def test_accelerator_resources_must_be_extended_resources(key, value, words):
    (found,) = problems(stack(**{key: value}))
    assert found.startswith(f"{key}: ") and words in found


# ---------------------------------------------------------------- §3 scheduling


def test_node_selectors_are_the_union_of_the_run_team_and_stack_and_a_conflict_names_both():
    config = teams_stack(
        {"runDefaults": {"nodeSelector": {"team": "vision"}}},
        {"nodeSelector": {"pool": "gpu"}},
        runDefaults={"nodeSelector": {"zone": "a"}},
    )
    assert pod(config)["nodeSelector"] == {"pool": "gpu", "team": "vision", "zone": "a"}
    conflict = teams_stack({"runDefaults": {"nodeSelector": {"pool": "cpu"}}}, {"nodeSelector": {"pool": "gpu"}})
    assert problems(conflict) == [
        "runs.train.nodeSelector.pool: pins pool=gpu, but teams.vision.runDefaults.nodeSelector pins pool=cpu: no node can run the pod"
    ]


def test_a_run_pinned_against_its_host_path_is_an_error_naming_the_entry():
    config = {
        "persistence": {
            "data": {
                "ssd": {"mountPath": "/ssd", "hostPath": "/mnt/ssd", "readOnly": True, "nodeSelector": {"pool": "ssd"}}
            }
        },
        "runs": {"train": {"image": IMAGE, "nodeSelector": {"pool": "gpu"}}},
    }
    assert problems(config) == [
        "runs.train.nodeSelector.pool: pins pool=gpu, but persistence.data.ssd.nodeSelector pins pool=ssd: no node can run the pod"
    ]


def test_tolerations_are_the_defaults_plus_the_runs_without_duplicates():
    gpu = {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}
    spot = {"key": "spot", "value": "true", "effect": "NoSchedule"}
    config = teams_stack({"runDefaults": {"tolerations": [gpu]}}, {"tolerations": [spot, gpu]})
    assert pod(config)["tolerations"] == [gpu, spot]


@pytest.mark.parametrize(
    "toleration, words",
    [
        ({"operator": "Equal", "value": "x"}, "without a key must use operator: Exists"),
        ({"key": "a", "operator": "Exists", "value": "x"}, "operator Exists takes no value"),
        ({"key": "a", "tolerationSeconds": 30}, "tolerationSeconds applies to effect NoExecute only"),
        ({"key": "a", "effect": "NoRun"}, "must be 'NoSchedule', 'PreferNoSchedule' or 'NoExecute'"),
        ({"key": "a", "operator": "In"}, "must be 'Exists' or 'Equal'"),
    ],
)
def test_a_toleration_the_api_server_would_refuse_is_an_error_at_its_path(toleration, words):
    (found,) = problems(stack({"tolerations": [toleration]}))
    assert found.startswith("runs.train.tolerations[0]") and words in found, found


def test_affinity_is_the_runs_else_the_default_whole():
    default = {
        "nodeAffinity": {
            "preferredDuringSchedulingIgnoredDuringExecution": [
                {"weight": 50, "preference": {"matchExpressions": [{"key": "pool", "operator": "In", "values": ["a"]}]}}
            ]
        }
    }
    own = {
        "podAntiAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": [
                {"topologyKey": "kubernetes.io/hostname", "labelSelector": {"matchLabels": {"app": "x"}}}
            ]
        }
    }
    config = stack({"affinity": own}, runDefaults={"affinity": default}, runs={"other": {"image": IMAGE}})
    assert pod(config)["affinity"] == own
    assert pod(config, "other")["affinity"] == default


@pytest.mark.parametrize(
    "affinity, path, words",
    [
        (
            {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": []}}},
            "nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms",
            "at least 1",
        ),
        (
            {"nodeAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [{"weight": 0, "preference": {}}]}},
            "nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight",
            "greater than or equal to 1",
        ),
        (
            {
                "nodeAffinity": {
                    "requiredDuringSchedulingIgnoredDuringExecution": {
                        "nodeSelectorTerms": [{"matchExpressions": [{"key": "a", "operator": "In"}]}]
                    }
                }
            },
            "nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0]",
            "needs at least one value",
        ),
        (
            {
                "nodeAffinity": {
                    "requiredDuringSchedulingIgnoredDuringExecution": {
                        "nodeSelectorTerms": [{"matchExpressions": [{"key": "a", "operator": "Gt", "values": ["x"]}]}]
                    }
                }
            },
            "nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0]",
            "a whole number",
        ),
        (
            {"podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [{"labelSelector": {}}]}},
            "podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey",
            "required",
        ),
        ({"nodeAfinity": {}}, "nodeAfinity", "unknown key"),
    ],
)
def test_an_affinity_the_api_server_would_refuse_is_an_error_at_its_path(affinity, path, words):
    (found,) = problems(stack({"affinity": affinity}))
    assert found.startswith(f"runs.train.affinity.{path}") and words in found, found


# ---------------------------------------------------------------- §4 metadata, identity, pulls


def test_labels_and_annotations_merge_under_the_projects_own_on_the_job_and_its_pod():
    config = teams_stack(
        {"runDefaults": {"labels": {"cost-center": "vision", "tier": "team"}, "annotations": {"owner": "vision"}}},
        {"labels": {"tier": "run"}},
    )
    job = job_of(config, "train")
    for metadata in (job["metadata"], job["spec"]["template"]["metadata"]):
        assert metadata["labels"] == {
            "cost-center": "vision",
            "tier": "run",
            "app.kubernetes.io/managed-by": "polyaxon-storage",
            "polyaxon-storage/run": "train",
            "polyaxon-storage/team": "vision",
        }
        assert metadata["annotations"] == {
            "owner": "vision",
            "polyaxon-storage/run": "train",
            "polyaxon-storage/team": "vision",
        }


@pytest.mark.parametrize(
    "key",
    [
        "app.kubernetes.io/managed-by",
        "polyaxon-storage/run",
        "batch.kubernetes.io/job-name",
        "controller-uid",
        "job-name",
    ],
)
def test_a_label_polyaxon_storage_or_the_job_controller_sets_is_an_error(key):
    assert problems(stack({"labels": {key: "x"}})) == [
        f"runs.train.labels.{key}: is set by polyaxon-storage or the Job controller; choose another key"
    ]


@pytest.mark.parametrize(
    "labels, words",
    [
        ({"a b": "x"}, "not a valid label or annotation key"),
        ({"app": "x" * 64}, "not a valid label value"),
        ({"app": "-x"}, "not a valid label value"),
    ],
)
def test_invalid_labels_are_errors(labels, words):
    (found,) = problems(stack({"labels": labels}))
    assert found.startswith("runs.train.labels") and words in found, found


def test_a_run_may_name_a_service_account_only_from_its_teams_list():
    allowed = teams_stack({"serviceAccounts": ["trainer"]}, {"serviceAccountName": "trainer"})
    assert pod(allowed)["serviceAccountName"] == "trainer"
    assert pod(teams_stack({}, {"serviceAccountName": "runs-vision"}))["serviceAccountName"] == "runs-vision"
    assert problems(teams_stack({"serviceAccounts": ["trainer"]}, {"serviceAccountName": "admin"})) == [
        "runs.train.serviceAccountName: 'admin' is not in teams.vision.serviceAccounts (it allows trainer)"
    ]
    # Without teams, the list sits at the top level.
    assert problems(stack({"serviceAccountName": "admin"})) == [
        "runs.train.serviceAccountName: 'admin' is not in serviceAccounts (it allows none)"
    ]


def test_image_pull_secrets_are_the_union_of_the_defaults_and_the_runs():
    config = stack({"imagePullSecrets": ["team-registry", "registry"]}, runDefaults={"imagePullSecrets": ["registry"]})
    assert pod(config)["imagePullSecrets"] == [{"name": "registry"}, {"name": "team-registry"}]
    assert "imagePullSecrets" not in pod(stack())


# ---------------------------------------------------------------- §5 secret and config-map refs


def test_secret_and_config_map_refs_are_env_from_secrets_first():
    config = teams_stack(
        {"secretRefs": ["wandb"], "configMapRefs": ["settings"]},
        {"configMapRefs": ["settings"], "secretRefs": ["wandb"]},
    )
    assert main(config)["envFrom"] == [{"secretRef": {"name": "wandb"}}, {"configMapRef": {"name": "settings"}}]
    assert "envFrom" not in main(stack())


def test_refs_are_closed_by_the_teams_lists():
    config = teams_stack(
        {"secretRefs": ["wandb"]}, {"secretRefs": ["wandb", "db-password"], "configMapRefs": ["settings"]}
    )
    assert problems(config) == [
        "runs.train.secretRefs[1]: 'db-password' is not in teams.vision.secretRefs (it allows wandb)",
        "runs.train.configMapRefs[0]: 'settings' is not in teams.vision.configMapRefs (it allows none)",
    ]


def test_a_team_can_never_allow_the_credentials_of_a_bucket_it_is_not_granted():
    config = teams_stack({"outputs": ["results"], "secretRefs": ["archive-creds"]})
    assert problems(config) == [
        "teams.vision.secretRefs[0]: 'archive-creds' holds the credentials of persistence.outputs.archive, which "
        "team 'vision' is not granted: its runs may not load it"
    ]
    granted = teams_stack({"secretRefs": ["archive-creds"]}, {"secretRefs": ["archive-creds"]})
    assert main(granted)["envFrom"] == [{"secretRef": {"name": "archive-creds"}}]


def test_a_team_can_never_allow_another_teams_managed_credentials():
    # Both teams share a namespace; the stack keeps each one's GCS key in a Secret of its own.
    managed = {"store": "gcs", "bucket": "gs://shared-results", "create": True, "location": "EU"}
    config = {
        "persistence": {"outputs": {"results": managed, "local": {"mountPath": "/outputs", "existingClaim": "local"}}},
        "teams": {
            "vision": {"namespace": "ml", "outputs": ["results"]},
            "nlp": {"namespace": "ml", "outputs": ["local"], "secretRefs": ["gcs-credentials-vision"]},
        },
        "runs": {},
    }
    assert problems(config, providers={"gcp:project": "acme"}) == [
        "teams.nlp.secretRefs[0]: 'gcs-credentials-vision' holds the credentials of the buckets the stack manages "
        "for team 'vision', which team 'nlp' is not granted: its runs may not load it"
    ]


@pytest.mark.parametrize(
    "key, value",
    [
        ("quota", {"pods": "10"}),
        ("serviceAccounts", ["x"]),
        ("secretRefs", ["x"]),
        ("configMapRefs", ["x"]),
        ("allowPrivileged", True),
        ("namespace", "ml"),
        ("existingNamespace", True),
    ],
)
def test_what_each_team_sets_is_an_error_at_the_top_level_when_teams_are_defined(key, value):
    assert f"{key}: is set per team (teams.<team>.{key}) when teams are defined" in problems(
        teams_stack({}, **{key: value})
    )


# ---------------------------------------------------------------- §6 restarts and lifecycle


def test_a_failed_run_is_not_retried_unless_it_says_how_often():
    never = job_of(stack(), "train")
    assert (never["spec"]["backoffLimit"], never["spec"]["template"]["spec"]["restartPolicy"]) == (0, "Never")
    retried = job_of(stack({"maxRestarts": 3}), "train")
    assert (retried["spec"]["backoffLimit"], retried["spec"]["template"]["spec"]["restartPolicy"]) == (3, "OnFailure")


def test_jobs_are_named_by_generate_name_so_each_submission_is_a_new_execution():
    job = job_of(stack(), "train")
    assert job["metadata"]["generateName"] == "train-" and "name" not in job["metadata"]
    assert job["metadata"]["labels"]["polyaxon-storage/run"] == "train"
    long_name = "a" * 70
    prefix = job_of(stack(runs={long_name: {"image": IMAGE}}), long_name)["metadata"]["generateName"]
    assert prefix.endswith("-") and len(prefix) + 5 <= 63


def test_ttl_and_deadline_come_from_the_run_or_its_defaults():
    default = job_of(stack(), "train")["spec"]
    assert default["ttlSecondsAfterFinished"] == 7 * 24 * 3600 and "activeDeadlineSeconds" not in default
    config = teams_stack(
        {"runDefaults": {"ttlSecondsAfterFinished": 60, "activeDeadlineSeconds": 3600}}, {"activeDeadlineSeconds": 7200}
    )
    spec = job_of(config, "train")["spec"]
    assert (spec["ttlSecondsAfterFinished"], spec["activeDeadlineSeconds"]) == (60, 7200)
    (found,) = problems(stack({"activeDeadlineSeconds": 0}))
    assert found.startswith("runs.train.activeDeadlineSeconds: ")


def test_dev_shm_is_memory_backed_and_sized_by_the_memory_limit_or_shm_size():
    def shm(config: dict[str, Any]) -> dict[str, Any]:
        return next(volume["emptyDir"] for volume in pod(config)["volumes"] if volume["name"] == "dshm")

    assert shm(stack()) == {"medium": "Memory", "sizeLimit": "4Gi"}
    assert shm(stack({"shmSize": "1Gi"})) == {"medium": "Memory", "sizeLimit": "1Gi"}
    assert {"name": "dshm", "mountPath": "/dev/shm"} in main(stack())["volumeMounts"]
    assert problems(stack({"shmSize": "8Gi"})) == [
        "runs.train.shmSize: 8Gi is more than the memory limit 4Gi, which /dev/shm counts against"
    ]
    assert problems(stack({"shmSize": "0"})) == ["runs.train.shmSize: must be more than 0"]


# ---------------------------------------------------------------- §7 outputs of earlier runs


def test_a_run_reads_earlier_runs_outputs_read_only_with_their_directories_in_the_env():
    config = stack(
        {"outputsRefs": {"experiments": ["prep"], "jobs": ["shard"]}, "outputs_refs": ["archive"]},
        runs={
            "prep": {"image": IMAGE, "outputs_refs": ["results"]},
            "shard": {"image": IMAGE, "kind": "job", "outputs_refs": ["results"]},
        },
    )
    assert json.loads(env(config)["POLYAXON_REFS_OUTPUTS_PATHS"]) == {
        "jobs": ["/outputs/polyaxon/shard"],
        "experiments": ["/outputs/polyaxon/prep"],
    }
    # Its own outputs are the bucket; the referenced runs' volume is mounted read-only, once.
    assert [m for m in main(config)["volumeMounts"] if m["mountPath"] == "/outputs"] == [
        {"name": "outputs-results", "mountPath": "/outputs", "readOnly": True}
    ]
    assert {"name": "outputs-results", "persistentVolumeClaim": {"claimName": "results", "readOnly": True}} in pod(
        config
    )["volumes"]
    assert "POLYAXON_REFS_OUTPUTS_PATHS" not in env(config, "prep")


def test_reading_a_run_that_shares_its_outputs_volume_keeps_it_writable():
    config = stack(
        {"outputsRefs": {"experiments": ["prep"]}, "outputs_refs": ["results"]},
        runs={"prep": {"image": IMAGE, "outputs_refs": ["results"]}},
    )
    assert [m for m in main(config)["volumeMounts"] if m["mountPath"] == "/outputs"] == [
        {"name": "outputs-results", "mountPath": "/outputs"}
    ]


def test_a_bucket_read_as_earlier_outputs_gets_its_credentials():
    config = stack(
        {"outputsRefs": {"experiments": ["prep"]}}, runs={"prep": {"image": IMAGE, "outputs_refs": ["archive"]}}
    )
    assert env(config)["POLYAXON_STORE_OUTPUTS_ARCHIVE"] == {
        "secretKeyRef": {"name": "archive-creds", "key": "key.json"}
    }
    assert json.loads(env(config)["POLYAXON_REFS_OUTPUTS_PATHS"]) == {"experiments": ["gs://archive/polyaxon/prep"]}


@pytest.mark.parametrize(
    "refs, words",
    [
        ({"experiments": ["train"]}, "is this run itself"),
        ({"experiments": ["nope"]}, "no run 'nope' to read (the runs this one may read: prep, shard)"),
        ({"experiments": [12]}, "12 is a Polyaxon id, which exists only inside Polyaxon"),
        ({"experiments": ["me.project.prep"]}, "is Polyaxon's user.project.run form"),
        ({"experiments": ["shard"]}, "'shard' is a job: list it under jobs"),
        ({"jobs": ["prep"]}, "'prep' is an experiment: list it under experiments"),
        ({"experiments": ["prep", "prep"]}, "'prep' is listed twice"),
    ],
)
def test_outputs_refs_name_earlier_runs_of_the_stack_by_their_kind(refs, words):
    config = stack({"outputsRefs": refs}, runs={"prep": {"image": IMAGE}, "shard": {"image": IMAGE, "kind": "job"}})
    (found,) = problems(config)
    assert found.startswith("runs.train.outputsRefs.") and words in found, found


def test_a_run_reads_only_its_own_teams_outputs():
    config = teams_stack(
        {}, {"outputsRefs": {"experiments": ["other"]}}, runs={"other": {"image": IMAGE, "team": "nlp"}}
    )
    config["teams"]["nlp"] = {"namespace": "nlp", "outputs": "*"}
    assert problems(config) == [
        "runs.train.outputsRefs.experiments[0]: 'other' is a run of team 'nlp': a run reads only its team's outputs"
    ]


# ---------------------------------------------------------------- §8-9 params and polyaxon-client's environment


def test_the_client_is_told_it_is_managed_offline_and_who_it_is():
    variables = env(stack({"params": {"lr": 0.1, "note": "$HOME"}, "logLevel": "DEBUG"}))
    assert variables["POLYAXON_IS_MANAGED"] == "true" and variables["POLYAXON_IS_OFFLINE"] == "true"
    assert json.loads(variables["POLYAXON_EXPERIMENT_INFO"]) == {
        "project_name": "polyaxon.polyaxon-storage",
        "experiment_name": "polyaxon.polyaxon-storage.train",
    }
    assert variables["POLYAXON_LOG_LEVEL"] == "DEBUG"
    # `$` reaches the process as written: the kubelet turns `$$` back into `$`.
    assert variables["POLYAXON_PARAMS"] == variables["POLYAXON_DECLARATIONS"] == '{"lr":0.1,"note":"$$HOME"}'


def test_a_job_gets_job_info_and_a_run_without_params_null():
    variables = env(stack({"kind": "job"}))
    assert "POLYAXON_EXPERIMENT_INFO" not in variables
    assert json.loads(variables["POLYAXON_JOB_INFO"]) == {
        "project_name": "polyaxon.polyaxon-storage",
        "job_name": "polyaxon.polyaxon-storage.jobs.train",
    }
    assert variables["POLYAXON_PARAMS"] == "null" and variables["POLYAXON_LOG_LEVEL"] == "INFO"


@pytest.mark.parametrize(
    "name", ["POLYAXON_IS_MANAGED", "POLYAXON_PARAMS", "NVIDIA_VISIBLE_DEVICES", "POLYAXON_REFS_OUTPUTS_PATHS"]
)
def test_a_run_may_not_set_what_polyaxon_storage_sets(name):
    assert problems(stack({"env": {name: "x"}})) == [
        f"runs.train.env.{name}: is set by polyaxon-storage for every run; choose another name"
    ]


# ---------------------------------------------------------------- §10 team and namespace bounds


def test_each_namespace_gets_its_teams_defaults_as_a_limit_range_and_its_quota():
    config = teams_stack(
        {
            "runDefaults": {"resources": {"requests": {"cpu": "500m"}}},
            "quota": {"requests.cpu": "32", "requests.nvidia.com/gpu": "4", "count/jobs.batch": "20"},
        },
        runDefaults={"resources": {"limits": {"memory": "8Gi", "nvidia.com/gpu": 1}}},
    )
    (namespace,) = plan(config).namespaces
    # Extended resources stay out of a LimitRange: a default GPU would be every pod's.
    assert namespace.container_defaults == {
        "requests": {"cpu": "500m", "memory": "2Gi"},
        "limits": {"cpu": "2", "memory": "8Gi"},
    }
    assert namespace.quota == {"requests.cpu": "32", "requests.nvidia.com/gpu": "4", "count/jobs.batch": "20"}


def test_teams_sharing_a_namespace_must_agree_on_its_quota_and_defaults():
    config = teams_stack({"quota": {"pods": "10"}, "runDefaults": {"resources": {"limits": {"cpu": "4"}}}})
    config["teams"]["nlp"] = {"namespace": "vision", "quota": {"pods": "20"}}
    assert sorted(problems(config)) == [
        "teams.vision.quota: teams sharing namespace 'vision' (nlp, vision) give it different quota, but a namespace has one ResourceQuota: give them the same",
        "teams.vision.runDefaults.resources: teams sharing namespace 'vision' (nlp, vision) give it different runDefaults.resources, but a namespace has one LimitRange: give them the same",
    ]


@pytest.mark.parametrize(
    "quota, words",
    [
        ({"cpus": "4"}, "'cpus' is no ResourceQuota key"),
        ({"limits.nvidia.com/gpu": "4"}, "is quota'd as requests.nvidia.com/gpu only"),
        ({"nvidia.com/gpu": "4"}, "is quota'd as requests.nvidia.com/gpu only"),
        ({"requests.cpu": "lots"}, "not a Kubernetes quantity"),
    ],
)
def test_a_quota_kubernetes_would_refuse_is_an_error(quota, words):
    (found,) = problems(teams_stack({"quota": quota}))
    assert found.startswith("teams.vision.quota") and words in found, found


@pytest.mark.parametrize(
    "quota",
    [
        {"requests.storage": "1Ti", "pods": "50", "services.loadbalancers": "0"},
        {"count/jobs.batch": "10", "fast.storageclass.storage.k8s.io/requests.storage": "1Ti"},
    ],
)
def test_object_counts_and_storage_quotas_are_accepted(quota):
    (namespace,) = plan(teams_stack({"quota": quota})).namespaces
    assert namespace.quota == quota


def test_a_pod_exactly_at_its_quota_fits_it():
    config = teams_stack(
        {"quota": {"requests.cpu": "8", "limits.memory": "16Gi", "requests.nvidia.com/gpu": "2"}},
        {"resources": {"requests": {"cpu": "8"}, "limits": {"memory": "16Gi", "nvidia.com/gpu": "2"}}},
    )
    resources = main(config)["resources"]
    assert (resources["requests"]["cpu"], resources["limits"]["memory"], resources["limits"]["nvidia.com/gpu"]) == ("8", "16Gi", "2")


def test_a_run_its_quota_could_never_admit_is_an_error():
    config = teams_stack(
        {"quota": {"requests.cpu": "4", "limits.memory": "8Gi"}},
        {"resources": {"requests": {"cpu": "8"}, "limits": {"memory": "16Gi"}}},
    )
    assert problems(config) == [
        "runs.train.resources.limits.memory: limits memory 16Gi exceeds teams.vision.quota.limits.memory (8Gi): the Job would never start",
        "runs.train.resources.requests.cpu: requests cpu 8 exceeds teams.vision.quota.requests.cpu (4): the Job would never start",
    ]
