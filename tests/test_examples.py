"""examples/own-program: a Pulumi program of one's own built from the public components, run under mocks."""

from __future__ import annotations

import runpy

from components.offline import engine
from conftest import PROJECT_DIR

PROGRAM = PROJECT_DIR / "examples" / "own-program" / "__main__.py"


def run_example(config: dict[str, str]) -> engine.Engine:
    mock = engine.start("vision-training", "dev", config)
    mock.run(lambda: runpy.run_path(str(PROGRAM)))
    return mock


def test_the_example_registers_a_namespace_an_nfs_claim_and_the_teams_runs():
    mock = run_example({})
    registered = {(r.type, r.name, r.parent) for r in mock.registrations}
    assert registered == {
        ("polyaxon-storage:index:TeamNamespace", "vision", ""),
        ("kubernetes:core/v1:Namespace", "vision", "polyaxon-storage:index:TeamNamespace::vision"),
        ("kubernetes:core/v1:ServiceAccount", "vision/runs-vision", "polyaxon-storage:index:TeamNamespace::vision"),
        (
            "kubernetes:networking.k8s.io/v1:NetworkPolicy",
            "vision/polyaxon-runs-deny-ingress",
            "polyaxon-storage:index:TeamNamespace::vision",
        ),
        ("polyaxon-storage:index:NfsStorage", "imagenet", ""),
        ("kubernetes:core/v1:PersistentVolume", "imagenet-volume", "polyaxon-storage:index:NfsStorage::imagenet"),
        ("kubernetes:core/v1:PersistentVolumeClaim", "imagenet-claim", "polyaxon-storage:index:NfsStorage::imagenet"),
        ("polyaxon-storage:index:RunTemplate", "vision", ""),
    }
    volume = next(r.inputs for r in mock.registrations if r.type == "kubernetes:core/v1:PersistentVolume")
    assert volume["spec"]["nfs"] == {"server": "10.0.0.5", "path": "/exports/imagenet", "readOnly": True}


def test_the_examples_jobs_mount_the_claim_and_run_in_the_teams_namespace():
    mock = run_example({"vision-training:nfsServer": "nfs.internal"})
    jobs = engine.value(mock.stack_outputs()["jobs"])
    assert sorted(jobs) == ["resnet50", "vit"]
    pod = jobs["vit"]["spec"]["template"]["spec"]
    assert jobs["vit"]["metadata"]["namespace"] == "team-vision"
    assert pod["serviceAccountName"] == "runs-vision"
    assert pod["volumes"] == [
        {"name": "data-imagenet", "persistentVolumeClaim": {"claimName": "imagenet", "readOnly": True}},
        {"name": "outputs-results", "persistentVolumeClaim": {"claimName": "vision-results"}},
        {"name": "dshm", "emptyDir": {"medium": "Memory", "sizeLimit": "16Gi"}},
    ]
    env = {item["name"]: item.get("value") for item in pod["containers"][0]["env"]}
    assert env["POLYAXON_RUN_DATA_PATHS"] == '{"imagenet":"/data/imagenet"}'
    assert env["POLYAXON_RUN_OUTPUTS_PATH"] == "/outputs/vision/vit/$(POLYAXON_RUN_EXECUTION_ID)"
    volume = next(r.inputs for r in mock.registrations if r.type == "kubernetes:core/v1:PersistentVolume")
    assert volume["spec"]["nfs"]["server"] == "nfs.internal"
