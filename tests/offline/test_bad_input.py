"""Bad input of any kind is a message on stderr and exit status 2, never a traceback, every problem at once."""

from __future__ import annotations

import yaml
from conftest import PROJECT_DIR, cli, write_stack


def refused(result) -> str:
    assert result.returncode == 2, result.stdout
    assert "Traceback" not in result.stderr and result.stdout == ""
    return result.stderr


def test_schema_errors_and_cross_entry_problems_come_together(tmp_path):
    stack = write_stack(
        tmp_path,
        {
            "persistence": {
                "data": {"a": {"mountPath": "/data", "existingClaim": "a"}, "b": {"mountPath": "/data/", "existingClaim": "b"}},
            },
            "teams": {"vision": {"namespace": "vision", "data": ["a", "a", "nope"], "outputs": "*"}},
            "runs": {
                "typo": {"team": "vision", "image": "trainer:1", "data_ref": ["a"]},
                "wrong": {"team": "vision", "image": "trainer:1", "data_refs": ["b"]},
                "bounds": {"team": "vision", "image": "trainer:1", "resources": {"requests": {"cpu": "4"}, "limits": {"cpu": "1"}}},
            },
        },
    )
    stderr = refused(cli("render", str(stack)))
    for expected in (
        "runs.typo.data_ref: unknown key here",
        "persistence.data.b.mountPath: /data is already the mountPath of persistence.data.a",
        "teams.vision.data[1]: 'a' is listed more than once",
        "teams.vision.data[2]: unknown data entry 'nope'",
        "runs.wrong.data_refs[0]: team 'vision' may not use data entry 'b'",
        "runs.bounds.resources.requests.cpu: 4 may not exceed the limit 1",
    ):
        assert expected in stderr, (expected, stderr)


def test_a_refused_catalog_does_not_make_every_run_look_wrong(tmp_path):
    stack = write_stack(
        tmp_path, {"persistence": {"data": "all of it"}, "runs": {"r": {"image": "trainer:1", "data_refs": ["x"]}, "s": {}}}
    )
    stderr = refused(cli("render", str(stack)))
    assert "persistence.data: must be a mapping" in stderr
    assert "runs.s.image: required" in stderr  # what a run holds on its own is still checked
    assert "unknown data entry" not in stderr


def test_the_job_name_is_held_to_run_names(tmp_path):
    for name in ("../../other-team/x", "a/b", ".hidden", "x y"):
        stderr = refused(cli("job", "multi-volume", "examples/experiment.yaml", "--name", name))
        assert f"--name: {name!r} is not a usable name" in stderr


def test_a_polyaxon_file_is_read_only_from_the_project_directory(tmp_path):
    outside = tmp_path / "credentials.yaml"
    outside.write_text("build: {image: trainer:1}\n")
    for path in (str(outside), "../" * 8 + str(outside).lstrip("/"), "stacks/../../" + outside.name):
        stack = write_stack(tmp_path, {"runs": {"r": {"polyaxonfile": path}}})
        stderr = refused(cli("render", str(stack)))
        assert "runs.r.polyaxonfile: must name a file inside the project directory" in stderr


def test_a_polyaxon_file_that_is_not_yaml_is_never_echoed(tmp_path):
    key = "-----BEGIN PRIVATE KEY-----MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7"
    broken = tmp_path / "key.yaml"
    broken.write_text(f'{{"type": "service_account", "private_key": "{key}\n  "client_email": 1}}\n')
    stderr = refused(cli("job", "multi-volume", str(broken)))
    assert "is not valid YAML" in stderr and "line" in stderr
    assert "PRIVATE" not in stderr and "MIIE" not in stderr and "service_account" not in stderr


def test_a_stack_file_without_a_key_of_this_project_warns_that_nothing_was_configured(tmp_path):
    # The project was renamed from ml-storage: its keys no longer reach the program.
    stack = tmp_path / "Pulumi.renamed.yaml"
    stack.write_text(yaml.safe_dump({"config": {"ml-storage:runs": {"r": {"image": "trainer:1"}}, "kubernetes:context": "c"}}))
    result = cli("render", str(stack))
    assert result.returncode == 0, result.stderr
    assert "warning: no persistence, runs, teams under polyaxon-storage: in this stack's config" in result.stderr
    assert "the config has ml-storage:runs: was the project renamed?" in result.stderr
    assert "kind: Job" not in result.stdout


def test_a_configured_stack_does_not_warn_so(tmp_path):
    result = cli("render", "dev", cwd=PROJECT_DIR)
    assert "nothing of it is configured" not in result.stderr
