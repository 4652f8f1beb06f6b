"""Components under Pulumi's mock engine: registered resources and their outputs."""

from __future__ import annotations

import json

import pulumi
import pytest
import yaml

from components import program
from components.existing_claim import ExistingClaimStorage, ExistingClaimStorageArgs
from components.host_path import HostPathStorage, HostPathStorageArgs
from components.job import job_manifest
from components.render import _RecordingMonitor
from components.resolve import NamedEntry
from components.run_template import RunTemplate, RunTemplateArgs
from conftest import plan

MULTI_TEAM = {
    "persistence": {
        "data": {
            "shared": {"mountPath": "/data/shared", "existingClaim": "shared-data", "readOnly": True},
            "scratch": {"mountPath": "/data/scratch", "hostPath": "/mnt/scratch", "nodeSelector": {"pool": "cpu"}},
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


@pytest.fixture
def monitor() -> _RecordingMonitor:
    recording = _RecordingMonitor()
    pulumi.runtime.set_mocks(recording.mocks, project="polyaxon-storage", stack="test", preview=False, monitor=recording)
    return recording


def entry(config: dict, side: str, name: str) -> NamedEntry:
    """A validated catalog entry of `config`, with its side and name."""
    return NamedEntry(side, name, plan(config).config.persistence.side(side)[name])


@pulumi.runtime.test
def test_host_path_storage_outputs_its_volume_and_node_pinning(monitor):
    storage = HostPathStorage("data-scratch", HostPathStorageArgs(entry(MULTI_TEAM, "data", "scratch")))

    def check(values):
        volume, mount_path, node_selector = values
        assert volume == {
            "name": "data-scratch",
            "hostPath": {"path": "/mnt/scratch", "type": "DirectoryOrCreate"},
        }
        assert mount_path == "/data/scratch"
        assert node_selector == {"pool": "cpu"}

    return pulumi.Output.all(storage.volume, storage.mount_path, storage.node_selector).apply(check)


@pulumi.runtime.test
def test_existing_claim_storage_is_read_only_and_names_its_namespaces(monitor):
    storage = ExistingClaimStorage(
        "data-shared", ExistingClaimStorageArgs(entry(MULTI_TEAM, "data", "shared"), ("nlp", "vision"))
    )

    def check(values):
        volume, namespaces = values
        assert volume == {"name": "data-shared", "persistentVolumeClaim": {"claimName": "shared-data", "readOnly": True}}
        assert namespaces == ["nlp", "vision"]

    return pulumi.Output.all(storage.volume, storage.namespaces).apply(check)


@pulumi.runtime.test
def test_run_template_emits_the_job_spec_as_output_and_yaml(monitor):
    run = next(run for run in plan(MULTI_TEAM).runs if run.name == "detect")
    template = RunTemplate("detect", RunTemplateArgs(run, "busybox:1.37.0"))

    def check(values):
        job, job_yaml, namespace = values
        assert job == job_manifest(run, "busybox:1.37.0")
        assert yaml.safe_load(job_yaml) == job
        assert namespace == "vision"
        assert job["metadata"]["annotations"] == {"polyaxon-storage/run": "detect", "polyaxon-storage/team": "vision"}

    return pulumi.Output.all(template.job, template.job_yaml, template.namespace).apply(check)


def run_program(config: dict) -> program.StackComponents:
    """Run the program as Pulumi would: config values as JSON text."""
    pulumi.runtime.set_all_config({f"polyaxon-storage:{key}": json.dumps(value) for key, value in config.items()})
    return program.main()


def test_program_registers_one_component_per_entry_and_run(monitor):
    # pulumi.runtime.test waits for every registration before it returns.
    pulumi.runtime.test(lambda: run_program(MULTI_TEAM).runs["detect"].job)()
    registered = {(r.type, r.name, r.parent) for r in monitor.registrations}
    assert registered == {
        *team_namespace_objects("nlp", "nlp"),
        *team_namespace_objects("vision", "vision"),
        ("polyaxon-storage:index:ExistingClaimStorage", "data-shared", ""),
        ("polyaxon-storage:index:HostPathStorage", "data-scratch", ""),
        ("polyaxon-storage:index:ExistingClaimStorage", "outputs-results", ""),
        ("polyaxon-storage:index:RunTemplate", "detect", ""),
        ("polyaxon-storage:index:RunTemplate", "translate", ""),
    }


def team_namespace_objects(namespace: str, team: str) -> set[tuple[str, str, str]]:
    """(type, name, parent) of a TeamNamespace and its children, for a namespace holding one team."""
    parent = f"polyaxon-storage:index:TeamNamespace::{namespace}"
    return {
        ("polyaxon-storage:index:TeamNamespace", namespace, ""),
        ("kubernetes:core/v1:Namespace", namespace, parent),
        ("kubernetes:core/v1:ServiceAccount", f"{namespace}/runs-{team}", parent),
        ("kubernetes:networking.k8s.io/v1:NetworkPolicy", f"{namespace}/polyaxon-runs-deny-ingress", parent),
    }


@pulumi.runtime.test
def test_program_exports_every_runs_job_and_each_teams_view(monitor):
    run_program(MULTI_TEAM)
    outputs = pulumi.runtime.get_root_resource().outputs

    def check(values):
        jobs, teams = values
        assert sorted(jobs) == ["detect", "translate"]
        assert jobs["translate"]["metadata"]["namespace"] == "nlp"
        # The nlp team is not granted the host-path data, so its Job neither mounts nor pins to it.
        pod = jobs["translate"]["spec"]["template"]["spec"]
        assert [volume["name"] for volume in pod["volumes"]] == ["data-shared", "outputs-results"]
        assert "nodeSelector" not in pod
        assert jobs["detect"]["spec"]["template"]["spec"]["nodeSelector"] == {"pool": "cpu"}
        assert teams["nlp"] == {
            "namespace": "nlp",
            "serviceAccount": "runs-nlp",
            "dataPaths": '{"shared":"/data/shared"}',
            "defaultOutputs": "results",
            "jobs": {"translate": jobs["translate"]},
        }
        assert teams["vision"]["dataPaths"] == '{"scratch":"/data/scratch","shared":"/data/shared"}'
        assert list(teams["vision"]["jobs"]) == ["detect"]

    return pulumi.Output.all(outputs["jobs"], outputs["teams"]).apply(check)


def test_a_config_problem_stops_the_program_before_anything_is_registered(monitor):
    broken = {**MULTI_TEAM, "runs": {"detect": {"team": "vision", "image": "trainer:1", "data_refs": ["missing"]}}}
    with pytest.raises(pulumi.RunError) as caught:
        run_program(broken)
    assert "runs.detect.data_refs[0]: unknown data entry 'missing'" in str(caught.value)
    assert monitor.registrations == []


def test_config_values_that_are_not_json_are_reported_as_wrong_types(monitor):
    pulumi.runtime.set_all_config({"polyaxon-storage:runs": "not json", "polyaxon-storage:namespace": "ml"})
    with pytest.raises(pulumi.RunError) as caught:
        program.main()
    assert "runs: Input should be an object" in str(caught.value)
