"""The command line from wherever a user stands: the console command, the project it finds, the config namespace."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml
from conftest import PROJECT_DIR, cli

CONSOLE = Path(sys.executable).parent / "polyaxon-storage"


def own_project(directory: Path, name: str = "ml-storage") -> Path:
    """A project of one's own: this project's Pulumi.yaml under another name, and one stack."""
    project = yaml.safe_load((PROJECT_DIR / "Pulumi.yaml").read_text())
    project["name"] = name
    (directory / "stacks").mkdir(parents=True)
    (directory / "Pulumi.yaml").write_text(yaml.safe_dump(project))
    (directory / "stacks" / "Pulumi.dev.yaml").write_text(
        yaml.safe_dump({"config": {f"{name}:namespace": "own-ns", f"{name}:runs": {"train": {"image": "trainer:1"}}}})
    )
    return directory


def namespaces(output: str) -> set[str]:
    return {document["metadata"]["name"] for document in yaml.safe_load_all(output) if document["kind"] == "Namespace"}


def test_the_console_command_renders_the_checkout_it_runs_from_anywhere(tmp_path):
    result = subprocess.run([str(CONSOLE), "render", "dev"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert namespaces(result.stdout) == {"polyaxon"}


def test_python_dash_m_finds_the_project_from_a_directory_inside_it():
    result = cli("render", "dev", cwd=PROJECT_DIR / "stacks")
    assert result.returncode == 0, result.stderr
    assert namespaces(result.stdout) == {"polyaxon"}


def test_a_project_of_ones_own_is_found_from_its_directory_and_read_in_its_own_namespace(tmp_path):
    project = own_project(tmp_path / "ml")
    for result in (
        cli("render", "dev", cwd=project),
        cli("--project", str(project), "render", "dev", cwd=tmp_path),
    ):
        assert result.returncode == 0, result.stderr
        assert namespaces(result.stdout) == {"own-ns"}


def test_the_project_can_be_named_in_the_environment(tmp_path):
    project = own_project(tmp_path / "ml")
    result = subprocess.run(
        [sys.executable, "-m", "components", "render", "dev"],
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "POLYAXON_STORAGE_PROJECT": str(project)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert namespaces(result.stdout) == {"own-ns"}


def test_a_project_file_without_a_name_is_a_message_not_a_traceback(tmp_path):
    project = own_project(tmp_path / "ml")
    (project / "Pulumi.yaml").write_text("runtime: python\n")
    result = cli("--project", str(project), "render", "dev")
    assert result.returncode == 2
    assert "Pulumi.yaml: a project file is a mapping with a name: key" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_job_command_loads_no_pulumi():
    script = (
        "import contextlib, io, json, sys\n"
        "from components.offline.cli import run\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    assert run(['job', 'multi-volume', 'examples/experiment.yaml']) == 0\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0].startswith('pulumi'))))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=PROJECT_DIR, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
