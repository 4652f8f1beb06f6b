"""Reading stack files, Pulumi.yaml and Polyaxon files as the Pulumi CLI reads them: YAML 1.2, duplicate
keys refused, and every bad input a message (never a traceback, never the file's text)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from conftest import PROJECT, PROJECT_DIR, cli, job_of, plan
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from components.core.config.stack import config_block, namespace_values, parse_stack
from components.core.errors import ConfigError
from components.core.plan import plan_stack
from components.core.yaml_io import load_yaml


def read(tmp_path: Path, text: str | bytes):
    path = tmp_path / "file.yaml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return load_yaml(path, "stack config file")


def problem(tmp_path: Path, text: str | bytes) -> str:
    with pytest.raises(ConfigError) as caught:
        read(tmp_path, text)
    [found] = caught.value.problems
    return str(found)


@pytest.mark.parametrize(
    "text, value",
    [
        ("a: yes", "yes"),  # YAML 1.1's booleans are text in 1.2
        ("a: no", "no"),
        ("a: on", "on"),
        ("a: 2024-01-01", "2024-01-01"),  # the CLI hands dates over as the text they are
        ("a: 2024-01-01T10:00:00Z", "2024-01-01T10:00:00Z"),
        ("a: true", True),
        ("a: 10", 10),
        ("a: 0o17", 15),
        ("a: ~", None),
        ("a: {image: trainer:1}", {"image": "trainer:1"}),  # a 1.2 plain scalar libyaml refuses
    ],
)
def test_values_are_read_as_yaml_1_2(tmp_path, text, value):
    assert read(tmp_path, text) == {"a": value}


@pytest.mark.parametrize(
    "text, words",
    [
        ("a: 1\nb: 2\na: 3\n", "gives one key twice in a mapping, at line 3, column 1"),
        ("a: &x [*x]\n", "a[0]: refers to itself through an alias"),
        ("a: .inf\n", "a: is not a finite number"),
        ("a: !!binary aGVsbG8=\n", "a: holds a value that is not text"),
        ("a: !!set {x, y}\n", "a: holds a value that is not text"),
        ("a: [1, 2\n", "is not valid YAML: while parsing a flow sequence expected ',' or ']'"),
        ("a: 1\n---\nb: 2\n", "is not valid YAML"),
        (b"a: \xff\xfe\n", "is not a stack config file: it is not UTF-8 text"),
    ],
)
def test_bad_yaml_is_a_problem_at_the_file(tmp_path, text, words):
    found = problem(tmp_path, text)
    assert found.startswith(str(tmp_path / "file.yaml")) and words in found, found


@pytest.mark.parametrize(
    "text",
    [
        '{{"private_key": "{secret}, "client_email": 3\n',  # an unterminated string
        "private_key: *{secret}\n",  # read as an alias the parser names
        "private_key: !{secret} x\n",  # read as a tag the parser names
    ],
)
def test_a_yaml_error_never_shows_the_files_text(tmp_path, text):
    # A credentials file named by mistake: the message says where, not what.
    secret = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC"
    found = problem(tmp_path, text.format(secret=secret))
    assert secret not in found and "private_key" not in found and "line" in found, found


def test_a_missing_file_is_a_problem(tmp_path):
    with pytest.raises(ConfigError, match="cannot read the stack config file"):
        load_yaml(tmp_path / "nope.yaml", "stack config file")


def test_numbers_and_booleans_the_cli_stores_are_the_text_a_run_means():
    # `pulumi config set --path runs.train.args[1] 10` stores the number 10.
    config = {
        "runs": {"train": {"image": "trainer:1", "command": ["python", 3], "args": ["--epochs", 10, "--fast", True], "env": {"LR": 0.5}}},
        "persistence": {"outputs": {"o": {"mountPath": "/o", "existingClaim": "o"}}},
    }
    container = job_of(config, "train")["spec"]["template"]["spec"]["containers"][0]
    assert container["command"] == ["python", "3"]
    assert container["args"] == ["--epochs", "10", "--fast", "true"]
    assert {"name": "LR", "value": "0.5"} in container["env"]


def test_render_reads_a_stack_file_as_the_cli_does(tmp_path):
    stack = tmp_path / "Pulumi.yaml12.yaml"
    stack.write_text(
        "config:\n"
        "  polyaxon-storage:runs:\n"
        "    train:\n"
        "      image: trainer:1\n"
        "      args: [--since, 2024-01-01, --resume, yes]\n"
    )
    result = cli("render", str(stack))
    assert result.returncode == 0, result.stderr
    job = next(d for d in yaml.safe_load_all(result.stdout) if d["kind"] == "Job")
    assert job["spec"]["template"]["spec"]["containers"][0]["args"] == ["--since", "2024-01-01", "--resume", "yes"]


def test_render_refuses_a_duplicated_key_with_its_line(tmp_path):
    stack = tmp_path / "Pulumi.dup.yaml"
    stack.write_text("config:\n  polyaxon-storage:namespace: a\n  polyaxon-storage:namespace: b\n")
    result = cli("render", str(stack))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "gives one key twice in a mapping, at line 3, column 3" in result.stderr


# --- whatever a stack file holds, the reader answers with problems ----------------------------------

json_like = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3),
    max_leaves=12,
)
keys = st.sampled_from(
    ["persistence", "teams", "runs", "namespace", "cluster", "defaultResources", "initImage", "existingNamespace", "x"]
)
documents = st.one_of(
    json_like.map(lambda value: yaml.safe_dump(value)),
    st.dictionaries(keys, json_like, max_size=4).map(
        lambda values: yaml.safe_dump({"config": {f"polyaxon-storage:{k}": v for k, v in values.items()}})
    ),
    st.text(max_size=60),
)
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
# What the validator says to itself, never to a user.
INTERNALS = ("Input should", "literal[", "list[str]", "dict[", "union", "pattern", "function-", "pydantic")


def in_users_words(error: ConfigError) -> bool:
    return bool(error.problems) and not any(word in str(problem) for problem in error.problems for word in INTERNALS)


def read_and_plan(path: Path) -> None:
    """What render and the program do with a stack file, before registering anything."""
    values = namespace_values(config_block(load_yaml(path, "stack config file"), str(path)), "polyaxon-storage")
    plan_stack(parse_stack(values), PROJECT_DIR, PROJECT.name)


@FUZZ
@given(st.one_of(documents.map(str.encode), st.binary(max_size=60)))
def test_any_file_is_a_plan_or_problems_never_a_traceback(tmp_path, content):
    path = tmp_path / "Pulumi.fuzz.yaml"
    path.write_bytes(content)
    try:
        read_and_plan(path)
    except ConfigError as error:
        assert in_users_words(error), error.report()


@FUZZ
@given(st.dictionaries(st.sampled_from(["data", "outputs", "outputsSelection", "x"]), json_like, max_size=3), json_like)
def test_any_catalog_and_runs_are_a_plan_or_problems(catalog, runs):
    try:
        plan({"persistence": catalog, "runs": runs})
    except ConfigError as error:
        assert in_users_words(error), error.report()
