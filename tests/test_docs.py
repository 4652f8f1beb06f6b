"""The docs run as written: every Python snippet of the README and docs/, and the args tables hold every
declared arg (the docs derive from the declarations, and this says when they stop agreeing)."""

from __future__ import annotations

import inspect
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import PROJECT_DIR, rendered
from test_polyaxon_client import CLIENT_PYTHON, FAKE_UID, UID_FIELD, kubelet_env

from components.args import DECLARED
from components.provider import public_components

DOCS = [PROJECT_DIR / "README.md", *sorted((PROJECT_DIR / "docs").glob("*.md"))]
FENCE = re.compile(r"^```(\w+)\n(.*?)^```", re.S | re.M)
# A snippet that is a program runs under the mock engine, as `pulumi up` would run it; one that drives the
# engine itself (components.testing) runs as it is.
HARNESS = """
import sys
from components.offline import engine
code = sys.stdin.read()
if "testing.start(" in code:
    exec(compile(code, "<snippet>", "exec"), {"__name__": "__main__"})
else:
    mock = engine.start("docs", "test")
    mock.run(lambda: exec(compile(code, "<snippet>", "exec"), {"__name__": "__main__"}))
    engine.values(mock.stack_outputs())
"""


# A comment that shows a variable's value: `data = get_data_paths()  # {"imagenet": "/data/imagenet"}`.
SHOWN = re.compile(r"^(\w+) = .*#\s*(\{.*\}|\[.*\]|\".*\"|-?\d+)\s*$", re.M)
# The Job a training script shown in the docs runs in: a GPU experiment of the training stack.
CLIENT_STACK, CLIENT_RUN = "training", "resnet-gpu"


def snippets(language: str) -> list[tuple[str, str]]:
    found = []
    for path in DOCS:
        for index, match in enumerate(FENCE.finditer(path.read_text())):
            if match[1] == language:
                found.append((f"{path.relative_to(PROJECT_DIR)}#{index}", match[2]))
    return found


def checked(code: str) -> str:
    """The snippet, then an assertion of every value its comments show."""
    shown = [f"assert {name} == {value}, {name}" for name, value in SHOWN.findall(code)]
    return "\n".join([code, *shown])


@pytest.mark.parametrize("where, code", snippets("python"), ids=[where for where, _ in snippets("python")])
def test_every_python_snippet_runs_as_written(where: str, code: str, tmp_path: Path) -> None:
    if "polyaxon_client" in code:
        # A training script: run by the real polyaxon-client, with nothing but its Job's environment.
        job = rendered(CLIENT_STACK).jobs[CLIENT_RUN]
        env = kubelet_env(job["spec"]["template"]["spec"]["containers"][0], {UID_FIELD: FAKE_UID})
        command, env = [str(CLIENT_PYTHON), "-c", checked(code)], {**env, "HOME": str(tmp_path)}
    else:
        command, env = [sys.executable, "-c", HARNESS + f"\n# {where}"], None
    result = subprocess.run(command, input=checked(code), capture_output=True, text=True, cwd=PROJECT_DIR, timeout=120, env=env)
    assert result.returncode == 0, f"{where} fails:\n{result.stderr}"


def test_the_args_table_names_every_declared_arg_of_every_component() -> None:
    table = (PROJECT_DIR / "docs" / "components.md").read_text()
    rows = dict(re.findall(r"^\| `(\w+)` \| (.*) \|$", table, re.M))
    for component in public_components():
        declared = DECLARED[inspect.get_annotations(component.__init__)["args"]]
        row = rows[component.__name__]
        missing = [name for name in declared.model_fields if f"`{name}`" not in row]
        assert not missing, f"docs/components.md: {component.__name__} does not list {missing}"
    for model in ("RunArgs", "RunDefaults", "MountArgs"):
        declared = next(kind for kind in DECLARED.values() if kind.__name__ == model)
        row = rows[model]
        missing = [name for name in declared.model_fields if f"`{name}`" not in row and name not in rows["RunDefaults"]]
        assert not missing, f"docs/components.md: {model} does not list {missing}"


# Commands the docs show that need what these machines cannot have: the Pulumi CLI and a cluster.
NOT_HERE = ("pulumi ", "kubectl ", "helm ")
# Installs `make` does here (the policy pack's own venv, a package index).
INSTALLS = ("python3 -m venv ", "pip install ")
# What the docs' shell lines start with, and how the tests run them from the repository root.
CLI_PREFIXES = ("venv/bin/polyaxon-storage ", "polyaxon-storage ", "venv/bin/python -m components ")


def shell_blocks() -> list[tuple[str, list[str], str]]:
    """Every ```sh block: where it is, its commands (comments left out), and the ```text block after it, if any."""
    found = []
    for path in DOCS:
        text = path.read_text()
        matches = list(FENCE.finditer(text))
        for index, match in enumerate(matches):
            if match[1] != "sh":
                continue
            following = matches[index + 1] if index + 1 < len(matches) else None
            shown = following[2] if following and following[1] == "text" and not text[match.end() : following.start()].strip() else ""
            lines = [shlex.join(shlex.split(line, comments=True)) for line in match[2].splitlines()]
            found.append((f"{path.relative_to(PROJECT_DIR)}#{index}", [line for line in lines if line], shown))
    return found


def run_shown(command: str) -> subprocess.CompletedProcess:
    """A docs command as a user runs it from the checkout: the CLI for real, a make target as make would plan it."""
    if command.startswith("make "):
        return subprocess.run(["make", "-n", *command.split()[1:]], cwd=PROJECT_DIR, capture_output=True, text=True, timeout=120)
    prefix = next(prefix for prefix in CLI_PREFIXES if command.startswith(prefix))
    arguments = shlex.split(command[len(prefix) :])
    return subprocess.run(
        [sys.executable, "-m", "components", *arguments], cwd=PROJECT_DIR, capture_output=True, text=True, timeout=300
    )


@pytest.mark.parametrize("where, commands, shown", shell_blocks(), ids=[where for where, _, _ in shell_blocks()])
def test_every_command_runs_as_shown(where: str, commands: list[str], shown: str) -> None:
    for command in commands:
        if command.startswith(NOT_HERE) or command.startswith(INSTALLS):
            continue  # needs the Pulumi CLI or a cluster, or installs what `make` installs here
        assert "|" not in command, f"{where}: {command!r} pipes into what the tests cannot check"
        assert command.startswith((*CLI_PREFIXES, "make ")), f"{where}: {command!r} is no command the tests can run"
        result = run_shown(command)
        problem = shown.startswith("polyaxon-storage: ") and " problem" in shown.splitlines()[0]
        assert result.returncode == (2 if problem else 0), f"{where}: {command}\n{result.stderr}"
        if shown and len(commands) == 1:
            # The shown output is an excerpt of the real one: its lines, in order ("..." skips some).
            real = (result.stdout + result.stderr).splitlines()
            position = 0
            for line in shown.splitlines():
                if line.strip() in ("...", "…"):
                    continue
                assert line in real[position:], f"{where}: {command} does not print {line!r}"
                position = real.index(line, position) + 1
