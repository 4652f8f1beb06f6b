"""Reading a run's storage request, image and command from a Polyaxon file (docs/mount-rules.md §3).

Files are written to pytest's tmp_path; stack runs point at them with `polyaxonfile:`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Union

import pytest
import yaml
from conftest import env_of, plan, problems

from components.core.config.polyaxonfile import load_polyaxonfile
from components.core.errors import ConfigError

IMAGE = "python:3.12-slim"
CATALOG = {
    "data": {
        "data1": {"mountPath": "/data/1", "hostPath": "/srv/data/1", "readOnly": True},
        "data-foo": {"mountPath": "/data/foo", "existingClaim": "data-foo-pvc"},
        "data2": {"mountPath": "/data/2", "existingClaim": "data-2-pvc"},
    },
    "outputs": {
        "outputs1": {"mountPath": "/outputs/1", "hostPath": "/srv/outputs/1"},
        "outputs2": {"mountPath": "/outputs/2", "existingClaim": "outputs-2-pvc"},
    },
}


def write(directory: Path, content: Union[str, dict[str, Any]], name: str = "polyaxonfile.yaml") -> Path:
    """A Polyaxon file in `directory`: YAML text, or a document dumped as YAML."""
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content if isinstance(content, str) else yaml.safe_dump(content))
    return path


def experiment(environment: Any = None, **sections: Any) -> dict[str, Any]:
    """A Polyaxon experiment file with the given environment and other sections."""
    document: dict[str, Any] = {"version": 1, "kind": "experiment", **sections}
    if environment is not None:
        document["environment"] = environment
    return document


def load_problems(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_polyaxonfile(path)
    return [str(problem) for problem in caught.value.problems]


def stack(**runs: dict[str, Any]) -> dict[str, Any]:
    return {"persistence": CATALOG, "runs": runs, "allowedWritableHostPaths": ["/srv"]}


# ---------------------------------------------------------------- the storage request


@pytest.mark.parametrize(
    "environment, data, outputs",
    [
        pytest.param(
            {"persistence": {"data": ["data1", "data-foo"], "outputs": "outputs2"}},
            ("data1", "data-foo"),
            ("outputs2",),
            id="v0.4",
        ),
        pytest.param({"persistence": {"data": ["data2"]}}, ("data2",), None, id="v0.4-data-only"),
        pytest.param(
            {"data_refs": ["data-foo", "data1"], "artifact_refs": ["outputs2"]},
            ("data-foo", "data1"),
            ("outputs2",),
            id="v0.5-artifact_refs",
        ),
        pytest.param({"data_refs": [], "outputs_refs": ["outputs1"]}, (), ("outputs1",), id="v0.5-outputs_refs"),
        pytest.param({"resources": {"cpu": {"requests": 1}}}, None, None, id="nothing-asked"),
    ],
)
def test_request_is_read_from_environment(tmp_path, environment, data, outputs):
    request = load_polyaxonfile(write(tmp_path, experiment(environment))).request
    assert request.data == data
    assert request.outputs == outputs


def test_request_keys_outside_environment_are_typos(tmp_path):
    # In a Polyaxon file the request sits under environment: only; at the top it would be ignored.
    path = write(tmp_path, experiment(data_refs=["data1"]))
    assert load_problems(path) == [f"{path}: data_refs: unknown key here (check its spelling and the config reference)"]


# ---------------------------------------------------------------- image and command


@pytest.mark.parametrize(
    "cmd, script",
    [
        pytest.param("python train.py --epochs 3", "python train.py --epochs 3", id="string"),
        pytest.param(
            ["pip install -r req.txt", "python train.py"], "pip install -r req.txt && python train.py", id="list"
        ),
    ],
)
def test_build_image_and_run_cmd(tmp_path, cmd, script):
    loaded = load_polyaxonfile(write(tmp_path, experiment(build={"image": IMAGE}, run={"cmd": cmd})))
    assert loaded.image == IMAGE
    shell, flag, given = loaded.command
    assert shell.endswith("sh") and flag == "-c"
    assert given == script


def test_no_build_and_no_run_give_no_image_and_no_command(tmp_path):
    loaded = load_polyaxonfile(write(tmp_path, experiment({"data_refs": ["data1"]})))
    assert loaded.image is None
    assert loaded.command is None


# ---------------------------------------------------------------- errors name the file


@pytest.mark.parametrize(
    "content, words",
    [
        pytest.param("environment: [unclosed\n", ["not valid YAML"], id="not-yaml"),
        pytest.param("- a\n- b\n", ["mapping"], id="a-list"),
        pytest.param("just a string\n", ["mapping"], id="a-string"),
        pytest.param("", ["mapping"], id="empty"),
    ],
)
def test_file_that_is_not_a_yaml_mapping_is_an_error(tmp_path, content, words):
    path = write(tmp_path, content)
    (found,) = load_problems(path)
    assert found.startswith(f"{path}: ")
    for word in words:
        assert word in found


def test_missing_file_is_an_error(tmp_path):
    path = tmp_path / "nowhere.yaml"
    (found,) = load_problems(path)
    assert found.startswith(f"{path}: ")
    assert "cannot read" in found


@pytest.mark.parametrize(
    "environment, key, words",
    [
        pytest.param(
            {"persistence": {"data": ["data1"]}, "data_refs": ["data1"]},
            "",
            ["both", "one spelling"],
            id="both-spellings",
        ),
        pytest.param(
            {"persistence": {"outputs": "outputs1"}, "artifact_refs": ["outputs1"]},
            "",
            ["both"],
            id="both-spellings-outputs",
        ),
        pytest.param(
            {"outputs_refs": ["o"], "artifact_refs": ["o"]},
            "environment.artifact_refs",
            ["outputs_refs"],
            id="outputs-and-artifact-refs",
        ),
        pytest.param({"data_refs": "data1"}, "environment.data_refs", ["list"], id="data_refs-string"),
        pytest.param(
            {"persistence": {"outputs": ["outputs1"]}}, "environment.persistence.outputs", ["text"], id="outputs-list"
        ),
        pytest.param(
            {"persistence": {"data": ["data1"], "outputz": "o"}},
            "environment.persistence.outputz",
            ["unknown key"],
            id="typo",
        ),
        pytest.param("gpu", "environment", [], id="environment-string"),
    ],
)
def test_request_errors_name_the_file_and_key(tmp_path, environment, key, words):
    path = write(tmp_path, experiment(environment))
    (found,) = load_problems(path)
    # `<file>: <key>: message`, or `<file>: message` for the request as a whole
    assert found.startswith(f"{path}: {key}: " if key else f"{path}: "), found
    assert "::" not in found
    for word in words:
        assert word in found


@pytest.mark.parametrize(
    "sections, key",
    [
        ({"build": {"image": 3}}, "build.image"),
        ({"build": "python"}, "build"),
        ({"run": {"cmd": 5}}, "run.cmd"),
        ({"run": {"cmd": ["ok", 5]}}, "run.cmd"),
    ],
)
def test_wrong_types_outside_environment_name_the_file_and_key(tmp_path, sections, key):
    path = write(tmp_path, experiment(**sections))
    found = load_problems(path)
    assert found and all(problem.startswith(f"{path}: {key}") for problem in found), found


# ---------------------------------------------------------------- a stack run with `polyaxonfile:`


def test_stack_run_reads_its_polyaxonfile_relative_to_base_dir(tmp_path, monkeypatch):
    write(
        tmp_path / "experiments",
        experiment(
            {"data_refs": ["data1", "data-foo"], "artifact_refs": ["outputs2"]},
            build={"image": IMAGE},
            run={"cmd": ["python prep.py", "python train.py"]},
        ),
        name="train.yaml",
    )
    monkeypatch.chdir(tmp_path.parent)  # the path is resolved against base_dir, not the working directory
    (planned,) = plan(stack(train={"polyaxonfile": "experiments/train.yaml"}), tmp_path).runs
    assert planned.args.image == IMAGE
    assert planned.args.command[-1] == "python prep.py && python train.py"
    assert [item.name for item in planned.args.data] == ["data1", "data-foo"]
    assert planned.args.outputs.name == "outputs2"
    env = env_of(planned)
    assert json.loads(env["POLYAXON_RUN_DATA_PATHS"]) == {"data1": "/data/1", "data-foo": "/data/foo"}
    assert env["POLYAXON_RUN_OUTPUTS_PATH"] == "/outputs/2/polyaxon/train/$(POLYAXON_RUN_EXECUTION_ID)"


def test_stack_run_image_and_command_take_precedence_over_the_file(tmp_path):
    write(tmp_path, experiment({"data_refs": ["data2"]}, build={"image": "from-file"}, run={"cmd": "from file"}))
    config = stack(train={"polyaxonfile": "polyaxonfile.yaml", "image": IMAGE, "command": ["python", "x.py"]})
    (planned,) = plan(config, tmp_path).runs
    assert (planned.args.image, planned.args.command) == (IMAGE, ["python", "x.py"])
    assert [item.name for item in planned.args.data] == ["data2"]


@pytest.mark.parametrize(
    "request_keys",
    [
        {"data_refs": ["data1"]},
        {"environment": {"persistence": {"outputs": "outputs2"}}},
        {"artifact_refs": ["outputs2"]},
    ],
)
def test_stack_run_with_both_a_request_and_a_polyaxonfile_is_an_error(tmp_path, request_keys):
    write(tmp_path, experiment({"data_refs": ["data2"]}, build={"image": IMAGE}))
    config = stack(train={"polyaxonfile": "polyaxonfile.yaml", **request_keys})
    found = problems(config, tmp_path)
    assert any(p.startswith("runs.train: ") and "polyaxonfile" in p for p in found), found


def test_stack_run_with_a_missing_polyaxonfile_is_an_error_naming_the_file(tmp_path):
    found = problems(stack(train={"polyaxonfile": "missing.yaml", "image": IMAGE}), tmp_path)
    assert [p.split(": ")[0] for p in found] == [str(tmp_path / "missing.yaml")]


def test_stack_run_polyaxonfile_request_errors_point_into_the_file(tmp_path):
    path = write(tmp_path, experiment({"data_refs": ["data1", "nope"]}, build={"image": IMAGE}))
    found = problems(stack(train={"polyaxonfile": "polyaxonfile.yaml"}), tmp_path)
    assert len(found) == 1 and found[0].startswith(f"{path}: environment.data_refs[1]: "), found
    assert "nope" in found[0] and "unknown" in found[0]


def test_stack_run_without_image_anywhere_is_an_error(tmp_path):
    write(tmp_path, experiment({"data_refs": ["data1"]}))
    found = problems(stack(train={"polyaxonfile": "polyaxonfile.yaml"}), tmp_path)
    assert any(p.startswith("runs.train.image: ") for p in found), found


# ---------------------------------------------------------------- nothing dropped silently (docs/run-spec.md §1)


@pytest.mark.parametrize(
    "sections, key, words",
    [
        pytest.param({"environment": {"data_ref": ["data1"]}}, "environment.data_ref", "unknown key", id="data_ref"),
        pytest.param(
            {"environment": {"persistance": {"data": ["data1"]}}},
            "environment.persistance",
            "unknown key",
            id="persistance",
        ),
        pytest.param(
            {"environment": {"resources": {"gpus": {"limits": 1}}}},
            "environment.resources.gpus",
            "unknown key",
            id="gpus",
        ),
        pytest.param(
            {"environment": {"node_selectors": {"a": "b"}}},
            "environment.node_selectors",
            "unknown key",
            id="node_selectors",
        ),
        pytest.param({"run": {"command": "x"}}, "run.command", "unknown key", id="run.command"),
        pytest.param({"build": {"imag": "x"}}, "build.imag", "unknown key", id="build.imag"),
        pytest.param({"enviroment": {}}, "enviroment", "unknown key", id="enviroment"),
        pytest.param(
            {"environment": {"replicas": {"n_workers": 2}}},
            "environment.replicas",
            "distributed runs are not supported",
            id="replicas",
        ),
        pytest.param(
            {"environment": {"tensorflow": {"n_workers": 2}}},
            "environment.tensorflow",
            "distributed runs are not supported",
            id="tensorflow",
        ),
        pytest.param({"hptuning": {"concurrency": 2}}, "hptuning", "kind group", id="hptuning"),
        pytest.param({"logging": {"level": "LOUD"}}, "logging.level", "must be 'INFO'", id="log-level"),
        pytest.param(
            {"environment": {"max_restarts": -1}},
            "environment.max_restarts",
            "greater than or equal to 0",
            id="negative-restarts",
        ),
        pytest.param(
            {"environment": {"resources": {"gpu": {"limits": 0.5}}}},
            "environment.resources.gpu.limits",
            "whole units",
            id="half-gpu",
        ),
        pytest.param(
            {"environment": {"resources": {"cpu": {"limits": "lots"}}}},
            "environment.resources.cpu.limits",
            "not a number",
            id="cpu-text",
        ),
        pytest.param(
            {"environment": {"tolerations": [{"operator": "Equal", "value": "x"}]}},
            "environment.tolerations[0]",
            "without a key",
            id="toleration",
        ),
        pytest.param(
            {"environment": {"labels": {"app.kubernetes.io/managed-by": "me"}}},
            None,
            None,
            id="reserved-label-is-a-plan-problem",
        ),
    ],
)
def test_every_key_is_known_and_typos_are_errors_at_their_path(tmp_path, sections, key, words):
    path = write(tmp_path, experiment(**sections))
    if key is None:
        load_polyaxonfile(path)
        return
    found = load_problems(path)
    assert any(problem.startswith(f"{path}: {key}: ") and words in problem for problem in found), found


@pytest.mark.parametrize(
    "document, words",
    [
        pytest.param({"version": 1, "kind": "group"}, "kind: group: hyperparameter tuning", id="group"),
        pytest.param(
            {"version": 1, "kind": "notebook"}, "kind: notebook: notebooks are not training runs", id="notebook"
        ),
        pytest.param({"version": 1, "kind": "tensorboard"}, "kind: tensorboard:", id="tensorboard"),
        pytest.param({"version": 1, "kind": "build"}, "kind: build: image builds are not run", id="build"),
        pytest.param({"version": 1, "kind": "pipeline"}, "kind: pipeline: pipelines are not supported", id="pipeline"),
        pytest.param(
            {"version": 1.1, "kind": "component"}, "is a Polyaxon v1 file (kind: component)", id="v1-component"
        ),
        pytest.param(
            {"version": 1.1, "kind": "operation"}, "is a Polyaxon v1 file (kind: operation)", id="v1-operation"
        ),
        pytest.param(
            {"version": 1, "kind": "experiments"}, "kind: 'experiments' is not a Polyaxon kind", id="typo-kind"
        ),
        pytest.param({"version": 1}, "kind: is required", id="no-kind"),
        pytest.param({"kind": "experiment"}, "version: is required", id="no-version"),
        pytest.param({"version": 2, "kind": "job"}, "version: 2 is not supported", id="version-2"),
        pytest.param(
            {"version": 1, "kind": "job", "declarations": {"a": 1}},
            "declarations: a job takes params",
            id="job-declarations",
        ),
    ],
)
def test_unsupported_kinds_and_versions_are_a_clear_error(tmp_path, document, words):
    path = write(tmp_path, document)
    found = load_problems(path)
    assert len(found) == 1 and found[0].startswith(f"{path}: ") and words in found[0], found


def test_build_only_and_metadata_keys_are_accepted_with_a_warning_saying_what_was_not_done(tmp_path):
    document = experiment(
        {"index": 0, "data_refs": ["data1"]},
        name="resnet",
        description="a run",
        tags=["vision"],
        framework="pytorch",
        backend="native",
        logging={"level": "INFO", "formatter": "json"},
        inputs=[{"name": "lr", "type": "float", "default": 0.1}],
        outputs=[{"name": "loss", "type": "float"}],
        build={
            "image": IMAGE,
            "build_steps": ["pip install -r requirements.txt"],
            "env_vars": [["A", "1"]],
            "nocache": True,
        },
        run={"cmd": "python train.py --lr {{ lr }}"},
    )
    loaded = load_polyaxonfile(write(tmp_path, document))
    where = f"{tmp_path / 'polyaxonfile.yaml'}: "
    warnings = {str(warning).removeprefix(where) for warning in loaded.warnings}
    assert warnings == {
        "description: metadata, not used here",
        "tags: metadata, not used here",
        "backend: not used: a run here is a Kubernetes Job",
        "framework: not used: a run here is a Kubernetes Job",
        "outputs: not used: outputs declarations are not checked here",
        "inputs: types and options of inputs are not checked here",
        "logging.formatter: not used: only logging.level reaches the run",
        "build.build_steps: not run: bake them into the image",
        "build.env_vars: not run: bake them into the image",
        "build.nocache: not run: bake them into the image",
        "environment.index: not used: a run here is one pod",
    }
    assert loaded.command[-1] == "python train.py --lr 0.1"  # an input's default is a param


def test_a_stack_run_warns_about_its_files_unused_keys_and_name(tmp_path):
    write(tmp_path, experiment({"data_refs": ["data1"]}, name="other", build={"image": IMAGE, "commit": "abc"}))
    stack_plan = plan(stack(train={"polyaxonfile": "polyaxonfile.yaml"}), tmp_path)
    warnings = [str(warning) for warning in stack_plan.warnings]
    path = tmp_path / "polyaxonfile.yaml"
    assert f"{path}: build.commit: not run: bake them into the image" in warnings
    assert f"{path}: name: not used: the run is named train" in warnings


# ---------------------------------------------------------------- params (docs/run-spec.md §8)


def test_declarations_are_rendered_into_run_and_environment(tmp_path):
    document = experiment(
        {
            "node_selector": {"pool": "{{ pool }}"},
            "resources": {"gpu": {"limits": "{{ gpus }}"}},
            "data_refs": ["data1"],
        },
        declarations={"lr": 0.01, "pool": "gpu-a100", "gpus": 2},
        build={"image": IMAGE},
        run={"cmd": ["python train.py --lr={{ lr }}", "echo {{ lr * 10 }}"]},
    )
    write(tmp_path, document)
    (planned,) = plan(stack(train={"polyaxonfile": "polyaxonfile.yaml"}), tmp_path).runs
    assert planned.args.command[-1] == "python train.py --lr=0.01 && echo 0.1"
    assert planned.args.node_selector == {"pool": "gpu-a100"}
    assert planned.args.resources.limits["nvidia.com/gpu"] == "2"
    assert planned.args.params == {"lr": 0.01, "pool": "gpu-a100", "gpus": 2}


@pytest.mark.parametrize(
    "cmd, key, words",
    [
        ("python train.py --lr={{ lr }}", "run.cmd", "'lr' is undefined"),
        ("python train.py --lr={{ lr }", "run.cmd", "is not a valid template"),
        ("{{ ''.__class__.__mro__ }}", "run.cmd", "is not a valid template"),
    ],
)
def test_a_template_error_names_its_path_and_never_renders_empty(tmp_path, cmd, key, words):
    path = write(tmp_path, experiment(params={"epochs": 1}, build={"image": IMAGE}, run={"cmd": cmd}))
    found = load_problems(path)
    assert len(found) == 1 and found[0].startswith(f"{path}: {key}: ") and words in found[0], found
    assert "params: epochs" in found[0] or "template" in found[0]


def test_stack_run_params_override_the_files_and_unknown_ones_are_errors(tmp_path):
    write(tmp_path, experiment(declarations={"lr": 0.01}, build={"image": IMAGE}, run={"cmd": "train --lr={{ lr }}"}))
    (planned,) = plan(stack(train={"polyaxonfile": "polyaxonfile.yaml", "params": {"lr": 0.5}}), tmp_path).runs
    assert planned.args.command[-1] == "train --lr=0.5"
    assert planned.args.params == {"lr": 0.5}
    found = problems(stack(train={"polyaxonfile": "polyaxonfile.yaml", "params": {"lrate": 0.5}}), tmp_path)
    assert found == [f"runs.train.params.lrate: {tmp_path / 'polyaxonfile.yaml'} has no param 'lrate' (its params: lr)"]


def test_declarations_and_params_together_are_an_error(tmp_path):
    path = write(tmp_path, experiment(declarations={"a": 1}, params={"a": 2}))
    assert load_problems(path) == [f"{path}: params: declarations is the old name of params, given too; keep one"]


def test_a_required_input_without_a_param_is_an_error(tmp_path):
    path = write(tmp_path, experiment(inputs=[{"name": "lr", "type": "float"}], params={"other": 1}))
    found = load_problems(path)
    assert f"{path}: inputs[0]: input 'lr' has no default and no param gives it" in found
    assert f"{path}: params.other: is not one of the inputs (lr)" in found


# ---------------------------------------------------------------- resources in Polyaxon's spelling (docs/run-spec.md §2)


def test_polyaxon_resources_become_kubernetes_quantities(tmp_path):
    resources = {
        "cpu": {"requests": 0.5, "limits": 2},
        "memory": {"requests": 4096, "limits": 8192},
        "gpu": {"requests": 1},
        "tpu": {"limits": 8},
    }
    write(tmp_path, experiment({"resources": resources, "data_refs": []}, build={"image": IMAGE}))
    config = {**stack(train={"polyaxonfile": "polyaxonfile.yaml"}), "gpuResource": "amd.com/gpu"}
    (planned,) = plan(config, tmp_path).runs
    # gpu: the stack's gpuResource, its request copied to the limit; tpu: the default TPU resource.
    assert planned.args.resources.model_dump() == {
        "requests": {"amd.com/gpu": "1", "cloud-tpus.google.com/v2": "8", "cpu": "500m", "memory": "4096Mi"},
        "limits": {"amd.com/gpu": "1", "cloud-tpus.google.com/v2": "8", "cpu": "2", "memory": "8192Mi"},
    }


def test_a_files_resources_the_api_server_would_refuse_are_an_error_in_polyaxons_words(tmp_path):
    path = write(tmp_path, experiment({"resources": {"cpu": {"requests": 4, "limits": 2}}}, build={"image": IMAGE}))
    found = problems(stack(train={"polyaxonfile": "polyaxonfile.yaml"}), tmp_path)
    assert found == [
        f"{path}: environment.resources.cpu.requests: 4 may not exceed the limit 2 "
        f"({path}: environment.resources.cpu.limits)"
    ]


def test_both_config_map_spellings_are_an_error(tmp_path):
    path = write(tmp_path, experiment({"config_map_refs": ["a"], "configmap_refs": ["a"]}))
    assert load_problems(path) == [
        f"{path}: environment.configmap_refs: is the old name of config_map_refs, given too; keep one"
    ]
