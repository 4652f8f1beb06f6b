"""Reading a run's storage request, image and command from a Polyaxon file (mount-rules.md §3).

Files are written to pytest's tmp_path; stack runs point at them with `polyaxonfile:`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Union

import pytest
import yaml

from components.core.config.polyaxonfile import load_polyaxonfile
from components.core.errors import ConfigError
from conftest import env_of, plan, problems

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
        pytest.param({"persistence": {"data": ["data1", "data-foo"], "outputs": "outputs2"}}, ("data1", "data-foo"), ("outputs2",), id="v0.4"),
        pytest.param({"persistence": {"data": ["data2"]}}, ("data2",), None, id="v0.4-data-only"),
        pytest.param({"data_refs": ["data-foo", "data1"], "artifact_refs": ["outputs2"]}, ("data-foo", "data1"), ("outputs2",), id="v0.5-artifact_refs"),
        pytest.param({"data_refs": [], "outputs_refs": ["outputs1"]}, (), ("outputs1",), id="v0.5-outputs_refs"),
        pytest.param({"resources": {"cpu": {"requests": 1}}}, None, None, id="nothing-asked"),
    ],
)
def test_request_is_read_from_environment(tmp_path, environment, data, outputs):
    request = load_polyaxonfile(write(tmp_path, experiment(environment))).request
    assert request.data == data
    assert request.outputs == outputs


def test_request_keys_outside_environment_are_not_read(tmp_path):
    # In a Polyaxon file the request sits under environment: only.
    request = load_polyaxonfile(write(tmp_path, experiment(data_refs=["data1"]))).request
    assert request.is_empty


# ---------------------------------------------------------------- image and command


@pytest.mark.parametrize(
    "cmd, script",
    [
        pytest.param("python train.py --epochs 3", "python train.py --epochs 3", id="string"),
        pytest.param(["pip install -r req.txt", "python train.py"], "pip install -r req.txt && python train.py", id="list"),
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


def test_other_sections_are_ignored(tmp_path):
    document = experiment(
        {"data_refs": ["data2"], "resources": {"gpu": {"limits": 1}}, "node_selector": {"gpu": "yes"}},
        declarations={"lr": 0.1},
        hptuning={"concurrency": 2, "matrix": {"lr": {"values": [0.1, 0.2]}}},
        logging={"level": "INFO"},
        build={"image": IMAGE, "build_steps": ["pip install x"]},
        run={"cmd": "python train.py", "something": True},
    )
    loaded = load_polyaxonfile(write(tmp_path, document))
    assert loaded.request.data == ("data2",)
    assert loaded.image == IMAGE


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
        pytest.param({"persistence": {"data": ["data1"]}, "data_refs": ["data1"]}, "", ["both", "one spelling"], id="both-spellings"),
        pytest.param({"persistence": {"outputs": "outputs1"}, "artifact_refs": ["outputs1"]}, "", ["both"], id="both-spellings-outputs"),
        pytest.param({"outputs_refs": ["o"], "artifact_refs": ["o"]}, "environment.artifact_refs", ["outputs_refs"], id="outputs-and-artifact-refs"),
        pytest.param({"data_refs": "data1"}, "environment.data_refs", ["list"], id="data_refs-string"),
        pytest.param({"persistence": {"outputs": ["outputs1"]}}, "environment.persistence.outputs", ["text"], id="outputs-list"),
        pytest.param({"persistence": {"data": ["data1"], "outputz": "o"}}, "environment.persistence.outputz", ["unknown key"], id="typo"),
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
    assert planned.spec.image == IMAGE
    assert planned.spec.command[-1] == "python prep.py && python train.py"
    assert [item.name for item in planned.data] == ["data1", "data-foo"]
    assert planned.outputs.name == "outputs2"
    env = env_of(planned)
    assert json.loads(env["POLYAXON_RUN_DATA_PATHS"]) == {"data1": "/data/1", "data-foo": "/data/foo"}
    assert env["POLYAXON_RUN_OUTPUTS_PATH"] == "/outputs/2/polyaxon/train/$(POLYAXON_RUN_EXECUTION_ID)"


def test_stack_run_image_and_command_take_precedence_over_the_file(tmp_path):
    write(tmp_path, experiment({"data_refs": ["data2"]}, build={"image": "from-file"}, run={"cmd": "from file"}))
    config = stack(train={"polyaxonfile": "polyaxonfile.yaml", "image": IMAGE, "command": ["python", "x.py"]})
    (planned,) = plan(config, tmp_path).runs
    assert (planned.spec.image, planned.spec.command) == (IMAGE, ("python", "x.py"))
    assert [item.name for item in planned.data] == ["data2"]


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
