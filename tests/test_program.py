"""The program: config read as the CLI hands it over, planned, then components wired through their Outputs."""

from __future__ import annotations

from typing import Any

import pulumi
import pytest
from conftest import PROJECT_DIR

from components import program
from components.offline import engine

MULTI_TEAM = {
    "persistence": {
        "data": {
            "shared": {"mountPath": "/data/shared", "existingClaim": "shared-data", "readOnly": True},
            "scratch": {
                "mountPath": "/data/scratch",
                "hostPath": "/tmp/scratch",
                "nodeSelector": {"pool": "cpu"},
            },
            "images": {"mountPath": "/data/images", "nfs": {"server": "10.0.0.5", "path": "/exports/images"}, "size": "1Ti"},
        },
        "outputs": {"results": {"mountPath": "/outputs", "existingClaim": "results"}},
    },
    "teams": {
        "vision": {"namespace": "vision", "data": "*", "outputs": ["results"]},
        "nlp": {"namespace": "nlp", "data": ["shared"], "outputs": "*"},
    },
    "runs": {
        "detect": {"team": "vision", "image": "trainer:1"},
        "translate": {"team": "nlp", "image": "trainer:1"},
    },
}


def run_program(config: dict[str, Any], project: str = "polyaxon-storage") -> tuple[engine.Engine, program.StackComponents]:
    """The program as `pulumi up` runs it: every value as text, structured ones as JSON."""
    mock = engine.start(project, "test", {f"{project}:{key}": value for key, value in config.items()})
    return mock, mock.run(lambda: program.main(PROJECT_DIR))


def test_program_registers_a_namespace_per_team_namespace_an_nfs_claim_per_grant_and_a_template_per_team():
    mock, components = run_program(MULTI_TEAM)
    registered = {(r.type, r.name, r.parent) for r in mock.registrations if r.parent == ""}
    assert registered == {
        ("polyaxon-storage:index:TeamNamespace", "nlp", ""),
        ("polyaxon-storage:index:TeamNamespace", "vision", ""),
        # images is granted to vision only ("*"): one PersistentVolume and claim, in vision.
        ("polyaxon-storage:index:NfsStorage", "vision-data-images-cf86a364-e206d28c", ""),
        ("polyaxon-storage:index:RunTemplate", "nlp", ""),
        ("polyaxon-storage:index:RunTemplate", "vision", ""),
    }
    assert sorted(components.nfs) == [("vision", "data", "images")]


def test_run_templates_are_wired_to_their_namespace_account_and_claims():
    mock, components = run_program(MULTI_TEAM)
    # The Job specs depend on the objects they name, so a submitter waits for them.
    claim = next(r.urn for r in mock.registrations if r.type == "kubernetes:core/v1:PersistentVolumeClaim")
    account = next(r.urn for r in mock.registrations if r.name == "vision/runs-vision")
    assert {claim, account} <= engine.dependencies(components.jobs["detect"])
    detect = engine.value(components.jobs["detect"])
    pod = detect["spec"]["template"]["spec"]
    assert detect["metadata"]["namespace"] == engine.value(components.namespaces["vision"].namespace)
    assert pod["serviceAccountName"] == engine.value(components.namespaces["vision"].service_accounts)["vision"]
    claims = {v["name"]: v["persistentVolumeClaim"]["claimName"] for v in pod["volumes"] if "persistentVolumeClaim" in v}
    assert claims["data-images"] == engine.value(components.nfs["vision", "data", "images"].claim_name)


def test_program_exports_every_runs_job_and_each_teams_view():
    mock, _ = run_program(MULTI_TEAM)
    outputs = mock.stack_outputs()
    jobs, teams = engine.value(outputs["jobs"]), engine.value(outputs["teams"])
    assert sorted(jobs) == ["detect", "translate"]
    assert jobs["translate"]["metadata"]["namespace"] == "nlp"
    # The nlp team is not granted the host-path data, so its Job neither mounts nor pins to it.
    pod = jobs["translate"]["spec"]["template"]["spec"]
    assert [volume["name"] for volume in pod["volumes"]] == ["data-shared", "outputs-results", "dshm"]
    assert "nodeSelector" not in pod
    assert jobs["detect"]["spec"]["template"]["spec"]["nodeSelector"] == {"pool": "cpu"}
    assert teams["nlp"] == {
        "namespace": "nlp",
        "serviceAccount": "runs-nlp",
        "dataPaths": '{"shared":"/data/shared"}',
        "defaultOutputs": "results",
        "jobs": {"translate": jobs["translate"]},
    }
    assert teams["vision"]["dataPaths"] == '{"images":"/data/images","scratch":"/data/scratch","shared":"/data/shared"}'
    assert list(teams["vision"]["jobs"]) == ["detect"]


def test_a_config_problem_stops_the_program_before_anything_is_registered():
    broken = {**MULTI_TEAM, "runs": {"detect": {"team": "vision", "image": "trainer:1", "data_refs": ["missing"]}}}
    mock = engine.start("polyaxon-storage", "test", {f"polyaxon-storage:{k}": v for k, v in broken.items()})
    with pytest.raises(pulumi.RunError) as caught:
        mock.run(lambda: program.main(PROJECT_DIR))
    assert "runs.detect.data_refs[0]: unknown data entry 'missing'" in str(caught.value)
    assert mock.registrations == []


def test_config_values_that_are_not_json_are_reported_as_wrong_types():
    mock = engine.start("polyaxon-storage", "test", {"polyaxon-storage:runs": "not json", "polyaxon-storage:namespace": "ml"})
    with pytest.raises(pulumi.RunError) as caught:
        mock.run(lambda: program.main(PROJECT_DIR))
    assert "runs: must be a mapping (key: value)" in str(caught.value)


def test_a_misspelled_top_level_key_is_reported_not_ignored():
    mock = engine.start("polyaxon-storage", "test", {"polyaxon-storage:persistance": "{}"})
    with pytest.raises(pulumi.RunError) as caught:
        mock.run(lambda: program.main(PROJECT_DIR))
    assert "persistance: unknown key here" in str(caught.value)


def test_text_keys_stay_text_even_when_they_read_as_json():
    # A namespace named 123 is a valid name, not the number 123.
    _, components = run_program({"namespace": "123", "runs": {"r": {"image": "i"}}})
    assert list(components.namespaces) == ["123"]


def test_config_is_read_from_the_namespace_of_the_project_it_runs_in():
    # A project renamed `ml-storage`: its keys are ml-storage:*, and those are what the program reads.
    mock, components = run_program({"namespace": "renamed", "runs": {"r": {"image": "i"}}}, project="ml-storage")
    assert list(components.namespaces) == ["renamed"]
