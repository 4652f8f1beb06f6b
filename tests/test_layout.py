"""The package's layers hold: a pure core, no import cycles, Pulumi internals only in offline/."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pulumi.runtime
from conftest import PROJECT_DIR

PACKAGE_DIR = PROJECT_DIR / "components"


def modules() -> dict[str, Path]:
    """Every module of the package, by dotted name."""
    found = {}
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        parts = list(path.relative_to(PROJECT_DIR).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def imported_names(module: str, path: Path) -> list[tuple[str, list[str]]]:
    """(module imported, names imported from it) for every import statement, relative ones resolved."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found += [(alias.name, []) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")
            if node.level:
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.append((target, [alias.name for alias in node.names]))
    return found


def test_the_core_never_loads_pulumi():
    core = [name for name in modules() if name.startswith("components.core")] + ["components.conventions"]
    script = (
        "import importlib, json, sys\n"
        f"for name in {core!r}:\n"
        "    importlib.import_module(name)\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in ('pulumi', 'pulumi_kubernetes'))))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert json.loads(result.stdout) == []


def test_core_modules_import_nothing_of_pulumi():
    for name, path in modules().items():
        if name.startswith("components.core") or name == "components.conventions":
            for target, _ in imported_names(name, path):
                assert not target.startswith(("pulumi", "components.k8s", "components.clouds", "components.offline", "components.program")), (name, target)


def test_no_import_cycles():
    package = modules()
    graph = {}
    for name, path in package.items():
        edges = set()
        for target, names in imported_names(name, path):
            # `from . import engine` imports the module components.offline.engine.
            candidates = [target, *(f"{target}.{imported}" for imported in names)]
            edges |= {candidate for candidate in candidates if candidate in package and candidate != name}
        graph[name] = edges
    # Every package's __init__ runs before its modules: it is no edge of a cycle of theirs.
    state: dict[str, str] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = "open"
        for target in sorted(graph[node]):
            if state.get(target) == "open":
                raise AssertionError("import cycle: " + " -> ".join(trail[trail.index(target) :] + [node, target]))
            if target not in state:
                visit(target, trail + [node])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [])


def test_only_offline_touches_pulumi_runtime_internals():
    public = set(pulumi.runtime.__all__)
    for name, path in modules().items():
        if name.startswith("components.offline"):
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("pulumi.runtime"):
                raise AssertionError(f"{name} imports from {node.module}")
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute):
                chain = node.value
                if isinstance(chain.value, ast.Name) and (chain.value.id, chain.attr) == ("pulumi", "runtime"):
                    assert node.attr in public, f"{name} uses pulumi.runtime.{node.attr}, which is not public"


def test_the_offline_engine_is_the_one_place_that_sets_up_mocks():
    users = [
        path.relative_to(PROJECT_DIR).as_posix()
        for path in [*PROJECT_DIR.glob("components/**/*.py"), *PROJECT_DIR.glob("bench/*.py"), *PROJECT_DIR.glob("tests/**/*.py")]
        if path.name != "test_layout.py" and ("set_mocks(" in path.read_text() or "MockMonitor" in path.read_text())
    ]
    assert users == ["components/offline/engine.py"]
