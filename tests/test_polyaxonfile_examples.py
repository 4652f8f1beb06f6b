"""The Polyaxon files in examples/polyaxonfiles, each as the `job` command prints it and as a run of the
`training` stack: a Job carrying all of the file, valid by the Kubernetes schema and the API server's rules."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from conftest import PROJECT_DIR, api_server_resource_problems, cli, rendered
from kubernetes_validate.utils import latest_version

KUBERNETES_VERSION = latest_version()
NVIDIA_NONE = {"name": "NVIDIA_VISIBLE_DEVICES", "value": "none"}
STACK = "training"
# Example file -> its run in the training stack.
EXAMPLES = {
    "gpu-experiment": "resnet-gpu",
    "declarations": "lr-sweep-1",
    "job-with-refs": "prepare-shards",
    "restarts-affinity": "vit-long",
    "evaluate": "evaluate",
}


def job_command(example: str, *extra: str) -> dict[str, Any]:
    result = cli("job", STACK, f"examples/polyaxonfiles/{example}.yaml", "--team", "vision", *extra)
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(result.stdout)


@pytest.fixture(scope="module")
def stack_jobs() -> dict[str, dict[str, Any]]:
    return rendered(STACK).jobs


def both(example: str, stack_jobs: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The example's Job from the `job` command, and from the stack."""
    return [job_command(example), stack_jobs[EXAMPLES[example]]]


def pod(job: dict[str, Any]) -> dict[str, Any]:
    return job["spec"]["template"]["spec"]


def main(job: dict[str, Any]) -> dict[str, Any]:
    return pod(job)["containers"][0]


def env(job: dict[str, Any]) -> dict[str, Any]:
    return {item["name"]: item.get("value") for item in main(job)["env"]}


@pytest.mark.parametrize("example", sorted(EXAMPLES))
def test_each_example_is_a_valid_job_the_api_server_accepts(example, stack_jobs):
    for job in both(example, stack_jobs):
        kubernetes_validate.validate(job, KUBERNETES_VERSION, strict=True)
        for container in pod(job).get("initContainers", []) + pod(job)["containers"]:
            assert api_server_resource_problems(container) == [], container["name"]
        # Every container is bounded: cpu and memory on both sides.
        for side in ("requests", "limits"):
            assert {"cpu", "memory"} <= set(main(job)["resources"][side])


def test_the_gpu_experiment_gets_its_gpu_pool_and_taint(stack_jobs):
    for job in both("gpu-experiment", stack_jobs):
        assert main(job)["resources"] == {
            "requests": {"cpu": "4", "memory": "16384Mi", "nvidia.com/gpu": "1"},
            "limits": {"cpu": "8", "memory": "32768Mi", "nvidia.com/gpu": "1"},
        }
        assert pod(job)["nodeSelector"] == {"cloud.google.com/gke-accelerator": "nvidia-tesla-t4"}
        assert pod(job)["tolerations"] == [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}]
        assert "NVIDIA_VISIBLE_DEVICES" not in env(job)
        assert env(job)["POLYAXON_LOG_LEVEL"] == "DEBUG"
        assert main(job)["command"] == ["/bin/sh", "-c", "python -m train --arch resnet50 --gpus 1"]
        # The stack's defaults still apply where the file says nothing.
        assert pod(job)["imagePullSecrets"] == [{"name": "registry-credentials"}]
        assert job["metadata"]["labels"]["cost-center"] == "vision"


def test_the_declarations_are_rendered_and_overridden_by_the_stack_or_the_command_line(stack_jobs):
    from_file = job_command("declarations")
    assert main(from_file)["command"][-1] == "python -m train --lr=0.01 --batch-size=128 --epochs=10"
    assert json.loads(env(from_file)["POLYAXON_PARAMS"]) == {"batch_size": 128, "epochs": 10, "lr": 0.01}
    from_stack = stack_jobs["lr-sweep-1"]
    assert main(from_stack)["command"][-1] == "python -m train --lr=0.05 --batch-size=128 --epochs=10"
    assert json.loads(env(from_stack)["POLYAXON_DECLARATIONS"])["lr"] == 0.05
    overridden = job_command("declarations", "--param", "lr=0.2", "--param", "epochs=3")
    assert main(overridden)["command"][-1] == "python -m train --lr=0.2 --batch-size=128 --epochs=3"
    assert NVIDIA_NONE in main(overridden)["env"]


def test_a_param_the_file_does_not_declare_is_refused():
    result = cli(
        "job", STACK, "examples/polyaxonfiles/declarations.yaml", "--team", "vision", "--param", "learning_rate=1"
    )
    assert result.returncode == 2
    assert (
        "--param learning_rate: " in result.stderr
        and "has no param 'learning_rate' (its params: batch_size, epochs, lr)" in result.stderr
    )
    malformed = cli("job", STACK, "examples/polyaxonfiles/declarations.yaml", "--team", "vision", "--param", "lr")
    assert malformed.returncode == 2 and "--param lr: must be NAME=VALUE" in malformed.stderr


def test_the_job_loads_its_secret_and_config_map_and_reports_as_a_job(stack_jobs):
    for job in both("job-with-refs", stack_jobs):
        assert main(job)["envFrom"] == [
            {"secretRef": {"name": "wandb-api"}},
            {"configMapRef": {"name": "training-settings"}},
        ]
        info = json.loads(env(job)["POLYAXON_JOB_INFO"])
        assert info["job_name"].endswith(".jobs." + info["job_name"].split(".")[-1])
        assert "POLYAXON_EXPERIMENT_INFO" not in env(job)
        assert main(job)["resources"]["requests"]["cpu"] == "500m"


def test_the_restartable_experiment_is_retried_and_lands_on_its_node_pools(stack_jobs):
    for job in both("restarts-affinity", stack_jobs):
        assert (job["spec"]["backoffLimit"], pod(job)["restartPolicy"]) == (3, "OnFailure")
        terms = pod(job)["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"][
            "nodeSelectorTerms"
        ]
        assert terms == [
            {
                "matchExpressions": [
                    {"key": "cloud.google.com/gke-nodepool", "operator": "In", "values": ["gpu-a100", "gpu-h100"]}
                ]
            }
        ]
        assert main(job)["resources"]["limits"]["nvidia.com/gpu"] == "8"
        # /dev/shm may use what the container may: its memory limit.
        shm = next(volume for volume in pod(job)["volumes"] if volume["name"] == "dshm")
        assert shm["emptyDir"] == {"medium": "Memory", "sizeLimit": "262144Mi"}


def test_the_evaluation_reads_the_outputs_of_earlier_runs(stack_jobs):
    for job in both("evaluate", stack_jobs):
        assert json.loads(env(job)["POLYAXON_REFS_OUTPUTS_PATHS"]) == {
            "jobs": ["/outputs/vision/prepare-shards"],
            "experiments": ["/outputs/vision/resnet-gpu"],
        }
        # Its own outputs volume holds them: mounted once, writable.
        assert [mount for mount in main(job)["volumeMounts"] if mount["mountPath"] == "/outputs"] == [
            {"name": "outputs-results", "mountPath": "/outputs"}
        ]


def test_the_job_command_warns_about_what_it_does_not_do(tmp_path):
    polyaxonfile = tmp_path / "built.yaml"
    polyaxonfile.write_text(
        "version: 1\nkind: experiment\nbuild: {image: 'trainer:1', build_steps: [pip install x]}\nenvironment: {data_refs: []}\n"
    )
    result = cli("job", STACK, str(polyaxonfile), "--team", "vision")
    assert result.returncode == 0, result.stderr
    assert f"warning: {polyaxonfile}: build.build_steps: not run: bake them into the image" in result.stderr


def abridged(excerpt: Any, actual: Any, path: str = "") -> list[str]:
    """Where an abridged excerpt says something the actual value does not: mappings by key, list items by
    their `name` (else by equality), each excerpt item found in order."""
    if isinstance(excerpt, dict):
        if not isinstance(actual, dict):
            return [f"{path}: not a mapping"]
        return [
            problem
            for key, value in excerpt.items()
            for problem in (
                [f"{path}.{key}: missing"] if key not in actual else abridged(value, actual[key], f"{path}.{key}")
            )
        ]
    if isinstance(excerpt, list):
        if not isinstance(actual, list):
            return [f"{path}: not a list"]
        found = []
        for item in excerpt:
            named = isinstance(item, dict) and "name" in item
            match = next(
                (other for other in actual if (other.get("name") == item["name"] if named else other == item)), None
            )
            found.extend(
                [f"{path}: no {item}"]
                if match is None
                else abridged(item, match, f"{path}[{item['name'] if named else ''}]")
            )
        return found
    return [] if excerpt == actual else [f"{path}: {excerpt!r} != {actual!r}"]


def test_the_docs_gpu_experiment_job_is_what_the_job_command_prints():
    page = (PROJECT_DIR / "docs" / "polyaxon-files.md").read_text()
    command = "job training examples/polyaxonfiles/gpu-experiment.yaml --team vision\n```\n"
    block = page.split(command, 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    assert abridged(yaml.safe_load(block), job_command("gpu-experiment")) == []


# What polyaxon-schemas 0.6.1 (in the client's venv) makes of a Polyaxon file, rendered with its params.
SCHEMAS_READ = """
import json, sys
from polyaxon_schemas.polyaxonfile import PolyaxonFile
spec = PolyaxonFile(sys.argv[1]).specification
spec.apply_context()
environment = spec.config.environment
print(json.dumps({
    "kind": spec.kind,
    "cmd": spec.config.run.cmd if spec.config.run else None,
    "data_refs": environment.data_refs if environment else None,
}))
"""


POLYAXON_FILES = sorted(
    str(path)
    for path in [PROJECT_DIR / "examples/experiment.yaml", *(PROJECT_DIR / "examples/polyaxonfiles").glob("*.yaml")]
)


@pytest.mark.parametrize("path", POLYAXON_FILES)
def test_the_examples_are_polyaxon_files_polyaxon_itself_reads_as_we_do(path):
    from components.core.config.polyaxonfile import load_polyaxonfile

    client_python = PROJECT_DIR / "venv-client" / "bin" / "python"
    assert client_python.exists(), "polyaxon-schemas is missing: `make test` installs it into venv-client/"
    result = subprocess.run([str(client_python), "-c", SCHEMAS_READ, path], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    theirs = json.loads(result.stdout)
    ours = load_polyaxonfile(Path(path))
    cmd = theirs["cmd"]
    assert theirs["kind"] == ours.kind
    assert ours.command[-1] == (" && ".join(cmd) if isinstance(cmd, list) else cmd)
    assert theirs["data_refs"] == (None if ours.request.data is None else list(ours.request.data))
