"""`polyaxon-storage export` end to end (docs/export.md §1, §5): YAML or JSON on stdout, warnings on stderr,
bad input as exit status 2 with every problem at once and nothing printed, and no Pulumi loaded."""

from __future__ import annotations

import json
import subprocess
import sys

import yaml

from conftest import PROJECT_DIR, cli, write_stack
from export_support import V06, V2, shipped_stack
from components.core.export import polyaxon_values


def test_it_prints_the_values_as_yaml_and_the_warnings_on_stderr():
    result = cli("export", "platform", "--format", V2, "--team", "vision")
    assert result.returncode == 0, result.stderr
    config, providers = shipped_stack("platform")
    values, warnings = polyaxon_values(config, V2, "vision", providers)
    assert yaml.safe_load(result.stdout) == values
    assert result.stderr.splitlines() == [f"warning: {warning}" for warning in warnings]
    assert "warning: persistence.data.shards.nodeSelector: dropped" in result.stderr


def test_json_prints_the_same_values():
    as_yaml = cli("export", "gcp", "--format", V06, "--team", "vision")
    as_json = cli("export", "gcp", "--format", V06, "--team", "vision", "--json")
    assert as_json.returncode == as_yaml.returncode == 0, as_json.stderr
    assert json.loads(as_json.stdout) == yaml.safe_load(as_yaml.stdout)
    assert json.loads(as_json.stdout)["persistence"]["data"]["imagenet"]["secret"] == "gcs-credentials-vision"


def test_a_stack_without_teams_exports_its_namespace():
    result = cli("export", "multi-volume", "--format", V2)
    assert result.returncode == 0, result.stderr
    assert yaml.safe_load(result.stdout)["namespace"] == "ml-jobs"


def test_team_is_required_with_teams_and_names_them():
    result = cli("export", "platform", "--format", V06)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.splitlines() == [
        "polyaxon-storage: 1 problem found:",
        "  - --team: required: the stack defines teams, so name the one to export: nlp, vision",
    ]


def test_an_unknown_team_is_an_error_naming_the_teams():
    result = cli("export", "platform", "--format", V06, "--team", "visoin")
    assert (result.returncode, result.stdout) == (2, "")
    assert "  - --team: unknown team 'visoin'; defined teams: nlp, vision" in result.stderr.splitlines()


def test_team_on_a_stack_without_teams_is_an_error_saying_so():
    result = cli("export", "dev", "--format", V2, "--team", "vision")
    assert (result.returncode, result.stdout) == (2, "")
    assert "  - --team: the stack defines no teams: it exports its one namespace, 'polyaxon'; drop --team" in result.stderr


def test_every_problem_is_reported_at_once(tmp_path):
    config = {
        "persistence": {
            "data": {"d": {"mountPath": "/d", "existingclaim": "d"}},
            "outputs": {"o": {"mountPath": "/o", "hostPath": "/srv/o"}},
        },
        "teams": {"vision": {"namespace": "team-vision", "data": "*", "outputs": "*"}},
    }
    result = cli("export", str(write_stack(tmp_path, config)), "--format", V06, "--team", "nlp")
    assert (result.returncode, result.stdout) == (2, "")
    problems = [line.split(":")[0] for line in result.stderr.splitlines()[1:]]
    assert problems == ["  - persistence.data.d"]  # refused while the file is read: its own pass
    del config["persistence"]["data"]
    result = cli("export", str(write_stack(tmp_path, config)), "--format", V06, "--team", "nlp")
    assert result.returncode == 2
    assert [line.split(":")[0] for line in result.stderr.splitlines()[1:]] == [
        "  - persistence.outputs.o.hostPath",
        "  - --team",
    ]


def test_what_the_format_cannot_express_is_bad_input_and_nothing_is_printed(tmp_path):
    config = {
        "credentialsRotation": "2026-10-01",
        "persistence": {"data": {"imagenet": {"store": "gcs", "bucket": "gs://acme-imagenet", "credentials": "managed"}}},
    }
    path = write_stack(tmp_path, config, providers={"gcp:project": "acme-ml"})
    result = cli("export", str(path), "--format", V2)
    assert (result.returncode, result.stdout) == (2, "")
    assert "  - exports: persistence.data.imagenet reach their bucket with a key the stack manages" in result.stderr
    assert "Traceback" not in result.stderr
    assert cli("export", str(path), "--format", V06).returncode == 0


def test_the_format_is_required_and_one_of_two():
    for args in ([], ["--format", "polyaxon-1.0"]):
        result = cli("export", "dev", *args)
        assert (result.returncode, result.stdout) == (2, "")
        assert "--format" in result.stderr


def test_the_export_command_loads_no_pulumi():
    script = (
        "import contextlib, io, json, sys\n"
        "from components.offline.cli import run\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):\n"
        "    assert run(['export', 'gcp', '--format', 'polyaxon-v2', '--team', 'nlp']) == 0\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0].startswith('pulumi'))))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=PROJECT_DIR, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_polyaxon_values_is_public():
    import components

    assert components.polyaxon_values is polyaxon_values
