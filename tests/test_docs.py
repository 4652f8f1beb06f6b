"""The docs run as written: every Python snippet of the README and docs/, and the args tables hold every
declared arg (the docs derive from the declarations, and this says when they stop agreeing)."""

from __future__ import annotations

import inspect
import re
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
