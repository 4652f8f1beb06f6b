"""The docs run as written and hold together: every Python snippet and shell command of the README, the changelog,
CONTRIBUTING.md and docs/ runs, its shown output an excerpt of the real one; every link between them lands on a
file and a heading; every page of docs/ is reached from the README; every docs page the code cites exists, with the
sections it cites; and the args tables hold every declared arg (the docs derive from the declarations, and this
says when they stop agreeing)."""

from __future__ import annotations

import inspect
import os
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

DOCS = [
    PROJECT_DIR / "README.md",
    PROJECT_DIR / "CHANGELOG.md",
    PROJECT_DIR / "CONTRIBUTING.md",
    *sorted((PROJECT_DIR / "docs").glob("*.md")),
]
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


# `make render` and `make render STACK=name`: what the docs show them print is held to the render itself.
MAKE_RENDER = re.compile(r"make render(?: STACK=(\S+))?")


def run_shown(command: str, compared: bool) -> subprocess.CompletedProcess:
    """A docs command as a user runs it from the checkout: the CLI for real, its warnings and output in one stream
    as a terminal shows them; a make target as make would plan it, and `make render`, when its output is compared,
    as it prints once its venv is built: the command it echoes, then what that command prints."""
    if command.startswith("make "):
        # As from a shell: under `make test`, a make inherits MAKELEVEL and MAKEFLAGS and prints directory lines.
        shell_env = {key: value for key, value in os.environ.items() if key not in ("MAKELEVEL", "MAKEFLAGS", "MFLAGS")}
        planned = subprocess.run(
            ["make", "-n", *command.split()[1:]], cwd=PROJECT_DIR, capture_output=True, text=True, timeout=120, env=shell_env
        )
        render = MAKE_RENDER.fullmatch(command)
        if not (compared and render and planned.returncode == 0):
            return planned
        stack = render[1] or "dev"
        echoed = planned.stdout.splitlines()[-1]
        assert echoed == f"venv/bin/python -m components render {stack}", f"make render runs {echoed!r}"
        rendered = run_cli(["render", stack])
        return subprocess.CompletedProcess(command, rendered.returncode, f"{echoed}\n{rendered.stdout}", "")
    prefix = next(prefix for prefix in CLI_PREFIXES if command.startswith(prefix))
    return run_cli(shlex.split(command[len(prefix) :]))


def run_cli(arguments: list[str]) -> subprocess.CompletedProcess:
    """`python -m components ARGS`, stderr into stdout: the CLI writes its warnings before its output."""
    return subprocess.run(
        [sys.executable, "-m", "components", *arguments],
        cwd=PROJECT_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=300,
    )


@pytest.mark.parametrize("where, commands, shown", shell_blocks(), ids=[where for where, _, _ in shell_blocks()])
def test_every_command_runs_as_shown(where: str, commands: list[str], shown: str) -> None:
    for command in commands:
        if command.startswith(NOT_HERE) or command.startswith(INSTALLS):
            continue  # needs the Pulumi CLI or a cluster, or installs what `make` installs here
        assert "|" not in command, f"{where}: {command!r} pipes into what the tests cannot check"
        assert command.startswith((*CLI_PREFIXES, "make ")), f"{where}: {command!r} is no command the tests can run"
        compared = bool(shown) and len(commands) == 1
        result = run_shown(command, compared)
        problem = shown.startswith("polyaxon-storage: ") and " problem" in shown.splitlines()[0]
        assert result.returncode == (2 if problem else 0), f"{where}: {command}\n{result.stdout}{result.stderr or ''}"
        if compared:
            # The shown output is an excerpt of the real one: its lines, in order ("..." skips some).
            real = (result.stdout + (result.stderr or "")).splitlines()
            position = 0
            for line in shown.splitlines():
                if line.strip() in ("...", "…"):
                    continue
                assert line in real[position:], f"{where}: {command} does not print {line!r}"
                position = real.index(line, position) + 1


# A markdown link, not an image: [text](target).
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^()\s]+)\)")
CODE_SPAN = re.compile(r"`[^`\n]*`")


def prose(text: str) -> str:
    """The text of a page without its code blocks and code spans, where brackets are code."""
    return CODE_SPAN.sub("", FENCE.sub("", text))


def slug(heading: str) -> str:
    """A heading's anchor as GitHub makes it: lowercase, punctuation dropped but for `-` and `_`, spaces as `-`."""
    text = heading.strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """Every heading's anchor in a page (a repeated one numbered as GitHub numbers it)."""
    found: set[str] = set()
    for heading in re.findall(r"^#{1,6} +(.+?) *#*$", FENCE.sub("", path.read_text()), re.M):
        base = slug(heading)
        name, count = base, 0
        while name in found:
            count += 1
            name = f"{base}-{count}"
        found.add(name)
    return found


def links(path: Path) -> list[tuple[str, Path, str]]:
    """Every relative link of a page: as written, the file it names (the page itself for `#anchor`), the anchor."""
    found = []
    for target in LINK.findall(prose(path.read_text())):
        if re.match(r"[a-z]+:", target):
            continue  # https:, mailto:: outside the repository
        file, _, anchor = target.partition("#")
        found.append((target, (path.parent / file).resolve() if file else path, anchor))
    return found


def link_problems(path: Path) -> list[str]:
    page = path.relative_to(PROJECT_DIR) if path.is_relative_to(PROJECT_DIR) else path.name
    problems = []
    for target, file, anchor in links(path):
        if not file.exists():
            problems.append(f"{page}: ({target}): no file {file}")
        elif anchor and (file.suffix != ".md" or anchor not in anchors(file)):
            problems.append(f"{page}: ({target}): no heading #{anchor} in {file.name}")
    return problems


@pytest.mark.parametrize("path", DOCS, ids=[str(path.relative_to(PROJECT_DIR)) for path in DOCS])
def test_every_link_lands_on_a_file_and_a_heading(path: Path) -> None:
    assert link_problems(path) == []


def test_a_broken_link_or_anchor_is_found(tmp_path: Path) -> None:
    (tmp_path / "other.md").write_text("# Other\n\n## `persistence`: the catalog\n\n## 1. The catalog\n")
    page = tmp_path / "page.md"
    page.write_text(
        "# Page\n\n[fine](other.md#persistence-the-catalog) [fine](other.md#1-the-catalog) [fine](#page)\n"
        "[gone](missing.md) [wrong](other.md#the-catalog) [here](#nowhere) `[code](missing.md)`\n"
    )
    problems = [problem.split(": ", 1)[1] for problem in link_problems(page)]
    assert [problem.split(":", 1)[0] for problem in problems] == ["(missing.md)", "(other.md#the-catalog)", "(#nowhere)"]


def test_the_readme_links_every_page_of_docs() -> None:
    readme = PROJECT_DIR / "README.md"
    linked = {file for _, file, _ in links(readme)}
    unlinked = [page.name for page in sorted((PROJECT_DIR / "docs").glob("*.md")) if page.resolve() not in linked]
    assert unlinked == [], f"README.md links no {unlinked}"


# Where the code cites the docs: comments and docstrings of the package, the policy pack, the tests, the Checkov
# skips and the project file. A page named there is a file of the repository, named by its path from the root,
# and each section it cites (`docs/run-spec.md §2-6, §10`) is a numbered heading of that page.
CITING = ["components", "policy", "tests", "security", "bench", "Pulumi.yaml", "Makefile"]
CITATION = re.compile(r"(?<![\w/\"'.-])((?:[\w.-]+/)*[\w-]+\.md)((?:(?:,| and|-|–)? ?§\d+)*)")


def citations() -> list[tuple[str, str, list[str]]]:
    found = []
    for root in CITING:
        for path in [PROJECT_DIR / root] if (PROJECT_DIR / root).is_file() else sorted((PROJECT_DIR / root).rglob("*")):
            if path.suffix not in (".py", ".yaml", ".json", "") or not path.is_file() or path == Path(__file__):
                continue
            for number, line in enumerate(path.read_text().splitlines(), 1):
                for page, sections in CITATION.findall(line):
                    where = f"{path.relative_to(PROJECT_DIR)}:{number}"
                    found.append((where, page, re.findall(r"\d+", sections)))
    return found


def test_every_page_and_section_the_code_cites_exists() -> None:
    problems = []
    for where, page, sections in citations():
        path = PROJECT_DIR / page
        if not path.exists():
            problems.append(f"{where}: cites {page}, which is no file of the repository")
            continue
        numbered = set(re.findall(r"^## (\d+)\. ", path.read_text(), re.M))
        problems += [f"{where}: cites {page} §{section}, which it has not" for section in sections if section not in numbered]
    assert problems == []
    assert len(citations()) > 40  # the citations are found at all
