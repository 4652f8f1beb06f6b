"""The offline renderer and the `job` command, end to end, bad input included."""

from __future__ import annotations

import json

import kubernetes_validate
import pulumi
import pulumi_kubernetes as kubernetes
import pytest
import yaml
from conftest import STACKS, api_server_resource_problems, cli, rendered
from kubernetes_validate.utils import latest_version

from components.offline import engine
from components.offline.engine import REDACTED

# The newest Kubernetes release kubernetes-validate ships schemas for.
KUBERNETES_VERSION = latest_version()


def env(container: dict) -> dict:
    return {item["name"]: item.get("value") for item in container["env"]}


def main_container(job: dict) -> dict:
    return job["spec"]["template"]["spec"]["containers"][0]


def test_dev_stack_renders_the_embedded_default():
    jobs = rendered("dev").jobs
    container = main_container(jobs["hello"])
    assert env(container)["POLYAXON_RUN_DATA_PATHS"] == '{"data":"/data"}'
    assert env(container)["POLYAXON_RUN_OUTPUTS_PATH"].startswith("/outputs/polyaxon/hello/")
    assert {mount["mountPath"] for mount in container["volumeMounts"]} == {"/data", "/outputs", "/dev/shm"}


@pytest.mark.parametrize("stack", STACKS)
def test_every_rendered_object_validates_against_the_kubernetes_schema(stack):
    documents = rendered(stack).documents()
    assert documents, f"stack {stack} renders nothing"
    for document in documents:
        kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)


@pytest.mark.parametrize("stack", STACKS)
def test_every_container_of_every_stack_keeps_the_api_servers_resource_rules(stack):
    pods = [
        document["spec"]["template"]["spec"]
        for document in rendered(stack).documents()
        if document["kind"] == "Job"
    ]
    assert pods
    for pod in pods:
        for container in pod.get("initContainers", []) + pod["containers"]:
            assert api_server_resource_problems(container) == [], container["name"]


def test_multi_volume_stack_covers_default_subset_named_outputs_and_refs():
    jobs = rendered("multi-volume").jobs

    def data_and_outputs(run: str) -> tuple[dict, str]:
        variables = env(main_container(jobs[run]))
        return json.loads(variables["POLYAXON_RUN_DATA_PATHS"]), variables["POLYAXON_RUN_OUTPUTS_PATH"]

    assert data_and_outputs("default-mounts") == (
        {"data-foo": "/data/foo", "data1": "/data/1", "data2": "/data/2"},
        "/outputs/foo/ml-jobs/default-mounts/$(POLYAXON_RUN_EXECUTION_ID)",
    )
    assert data_and_outputs("subset") == (
        {"data1": "/data/1", "data-foo": "/data/foo"},
        "/outputs/2/ml-jobs/subset/$(POLYAXON_RUN_EXECUTION_ID)",
    )
    assert data_and_outputs("refs")[0] == {"data2": "/data/2"}
    assert data_and_outputs("from-polyaxonfile")[0] == {"data1": "/data/1", "data-foo": "/data/foo"}
    assert main_container(jobs["from-polyaxonfile"])["image"] == "python:3.12-slim"


def test_render_prints_multi_document_yaml():
    result = cli("render", "multi-volume")
    assert result.returncode == 0, result.stderr
    documents = list(yaml.safe_load_all(result.stdout))
    names = [(document["kind"], document["metadata"].get("name") or document["metadata"]["generateName"]) for document in documents]
    assert names == [
        ("LimitRange", "polyaxon-runs-defaults"),
        ("Namespace", "ml-jobs"),
        ("ServiceAccount", "runs-ml-jobs"),
        ("NetworkPolicy", "polyaxon-runs-deny-ingress"),
        *(("Job", f"{name}-") for name in ["default-mounts", "from-polyaxonfile", "refs", "subset"]),
    ]
    assert "&id" not in result.stdout  # no YAML anchors: plain manifests for kubectl


def test_render_accepts_a_path_to_a_stack_config(tmp_path):
    config = tmp_path / "my-stack.yaml"
    config.write_text("config:\n  polyaxon-storage:namespace: lab\n  polyaxon-storage:runs: {r: {image: img}}\n")
    result = cli("render", str(config))
    assert result.returncode == 0, result.stderr
    jobs = [document for document in yaml.safe_load_all(result.stdout) if document["kind"] == "Job"]
    assert [job["metadata"]["namespace"] for job in jobs] == ["lab"]


def test_render_resources_lists_every_pulumi_resource_with_its_parent():
    result = cli("render", "multi-volume", "--resources")
    assert result.returncode == 0, result.stderr
    rows = [line.split() for line in result.stdout.splitlines()]
    assert rows[0] == ["TYPE", "NAME", "PARENT"]
    assert ["polyaxon-storage:index:RunTemplate", "ml-jobs", "-"] in rows
    assert ["kubernetes:core/v1:Namespace", "ml-jobs", "polyaxon-storage:index:TeamNamespace::ml-jobs"] in rows
    # header, the team's runs, the namespace component with its Namespace, ServiceAccount, NetworkPolicy and LimitRange
    assert len(rows) == 1 + 1 + 5


def test_job_command_resolves_a_polyaxonfile_against_a_stack():
    result = cli("job", "multi-volume", "examples/experiment.yaml", "--name", "exp-1")
    assert result.returncode == 0, result.stderr
    job = yaml.safe_load(result.stdout)
    kubernetes_validate.validate(job, KUBERNETES_VERSION, strict=True)
    assert job["metadata"]["generateName"] == "exp-1-"
    variables = env(main_container(job))
    assert json.loads(variables["POLYAXON_RUN_DATA_PATHS"]) == {"data1": "/data/1", "data-foo": "/data/foo"}
    assert variables["POLYAXON_RUN_OUTPUTS_PATH"] == "/outputs/2/ml-jobs/exp-1/$(POLYAXON_RUN_EXECUTION_ID)"
    # The stack's defaultResources apply to the file's run as to the stack's own runs.
    assert main_container(job)["resources"] == {
        "requests": {"cpu": "1", "memory": "2Gi"},
        "limits": {"cpu": "2", "memory": "4Gi"},
    }


def test_job_command_names_the_run_after_the_file_and_takes_a_team(tmp_path):
    stack = tmp_path / "Pulumi.teams.yaml"
    stack.write_text(
        yaml.safe_dump(
            {
                "config": {
                    "polyaxon-storage:teams": {
                        "vision": {"namespace": "vision", "data": "*", "outputs": "*"},
                        "nlp": {"namespace": "nlp", "data": [], "outputs": "*"},
                    }
                }
            }
        )
    )
    polyaxonfile = tmp_path / "train.yaml"
    polyaxonfile.write_text("version: 1\nkind: job\nbuild: {image: trainer:1}\nrun: {cmd: python train.py}\n")
    result = cli("job", str(stack), str(polyaxonfile), "--team", "nlp")
    assert result.returncode == 0, result.stderr
    job = yaml.safe_load(result.stdout)
    assert (job["metadata"]["generateName"], job["metadata"]["namespace"]) == ("train-", "nlp")
    assert main_container(job)["command"] == ["/bin/sh", "-c", "python train.py"]
    assert env(main_container(job))["POLYAXON_RUN_DATA_PATHS"] == "{}"

    missing_team = cli("job", str(stack), str(polyaxonfile))
    assert missing_team.returncode == 2
    assert "required when teams are defined" in missing_team.stderr


# Problems found in the stack config, whichever command reads it.
BAD_STACKS = {
    "yaml syntax": ("config: [unclosed\n", "is not valid YAML"),
    "not a mapping": ("- a\n- b\n", "a stack config file is a mapping"),
    "unknown key": ("config:\n  polyaxon-storage:persistance: {}\n", "persistance: unknown key"),
    "bad entry": (
        "config:\n  polyaxon-storage:persistence: {data: {d: {mountPath: /d, existingclaim: c}}}\n",
        "persistence.data.d",
    ),
    "catalog rule": (
        "config:\n  polyaxon-storage:persistence: {data: {a: {mountPath: /outputs, hostPath: /a}}}\n",
        "persistence.outputs.outputs.mountPath: /outputs is already the mountPath of persistence.data.a",
    ),
    "a date": ("config:\n  polyaxon-storage:existingNamespace: 2024-01-01\n", "existingNamespace: must be true or false"),
    "an alias of itself": ("config:\n  polyaxon-storage:runs: &r {a: *r}\n", "refers to itself through an alias"),
    "not utf-8": ("config:\n  polyaxon-storage:namespace: caf\udce9\n", "it is not UTF-8 text"),
    "a duplicated key": (
        "config:\n  polyaxon-storage:runs: {}\n  polyaxon-storage:runs: {}\n",
        "gives one key twice in a mapping, at line 3",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_STACKS))
def test_bad_stack_config_is_a_message_and_exit_2(tmp_path, case):
    content, expected = BAD_STACKS[case]
    config = tmp_path / "Pulumi.bad.yaml"
    config.write_bytes(content.encode("utf-8", "surrogateescape"))
    for command in (["render", str(config)], ["job", str(config), "examples/experiment.yaml"]):
        result = cli(*command)
        assert result.returncode == 2, (command, result.stdout)
        assert expected in result.stderr
        assert "Traceback" not in result.stderr
        assert result.stdout == ""


def test_render_reports_every_run_problem_at_once(tmp_path):
    config = tmp_path / "Pulumi.bad.yaml"
    config.write_text("config:\n  polyaxon-storage:runs: {r: {image: i, data_refs: [nope]}, s: {outputs_refs: []}}\n")
    result = cli("render", str(config))
    assert result.returncode == 2
    assert "runs.r.data_refs[0]: unknown data entry 'nope'" in result.stderr
    assert "runs.s.image: required" in result.stderr
    assert "runs.s.outputs_refs: name exactly one outputs entry" in result.stderr


def test_unknown_stack_lists_the_known_ones():
    result = cli("render", "nope")
    assert result.returncode == 2
    assert "no such stack" in result.stderr and "dev" in result.stderr
    assert "Traceback" not in result.stderr


HEAD = "version: 1\nkind: experiment\n"


@pytest.mark.parametrize(
    "content, expected",
    [
        (None, "cannot read the Polyaxon file"),
        ("environment: [\n", "is not valid YAML"),
        ("just text\n", "a Polyaxon file is a mapping"),
        (HEAD + "environment: {data_refs: [data1], persistence: {data: [data2]}}\nbuild: {image: i}\n", "use one spelling"),
        (HEAD + "environment: {data_refs: [nope]}\nbuild: {image: i}\n", "unknown data entry 'nope'"),
        (HEAD + "run: {cmd: train}\n", "image: required"),
        (HEAD + "environment: {persistance: {data: [data1]}}\n", "environment.persistance: unknown key"),
        (HEAD + "run: {cmd: 'python train.py --lr={{ lr }}'}\nbuild: {image: i}\n", "'lr' is undefined"),
        ("version: 1\nkind: group\n", "kind: group: hyperparameter tuning"),
    ],
)
def test_bad_polyaxonfile_is_a_message_and_exit_2(tmp_path, content, expected):
    polyaxonfile = tmp_path / "experiment.yaml"
    if content is not None:
        polyaxonfile.write_text(content)
    result = cli("job", "multi-volume", str(polyaxonfile))
    assert result.returncode == 2
    assert expected in result.stderr
    assert "Traceback" not in result.stderr


def test_secret_values_never_reach_the_rendered_objects():
    mock = engine.start("polyaxon-storage", "test")

    def program():
        kubernetes.core.v1.Secret(
            "creds",
            metadata={"name": "creds", "namespace": "ml"},
            string_data={"key.json": "plain-but-sensitive"},
            data={"token": pulumi.Output.secret("c2VjcmV0")},
        )
        # Any resource's secret input, not only a Secret's data.
        kubernetes.core.v1.ConfigMap(
            "settings", metadata={"name": "settings", "namespace": "ml"}, data={"dsn": pulumi.Output.secret("pg://pw")}
        )

    mock.run(program)
    registered = {registration.type: registration for registration in mock.registrations}
    secret, config_map = registered["kubernetes:core/v1:Secret"], registered["kubernetes:core/v1:ConfigMap"]
    assert secret.inputs["stringData"] == {"key.json": REDACTED}
    assert secret.inputs["data"] == {"token": REDACTED}
    assert config_map.inputs["data"] == REDACTED  # a secret inside an input makes the whole input secret
    for registration in (secret, config_map):
        for value in ("plain-but-sensitive", "c2VjcmV0", "pg://pw"):
            assert value not in json.dumps(registration.inputs)
