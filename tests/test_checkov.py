"""Checkov's Kubernetes checks over everything every stack emits."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml
from conftest import PROJECT_DIR, STACKS, rendered, write_stack

from components.core.yaml_io import to_yaml

CHECKOV = PROJECT_DIR / "venv-checkov" / "bin" / "checkov"
SKIPS_FILE = PROJECT_DIR / "security" / "checkov-skips.yaml"


# Checkov's requests and limits checks: cpu requests, cpu limits, memory requests, memory limits.
RESOURCE_CHECKS = ("CKV_K8S_10", "CKV_K8S_11", "CKV_K8S_12", "CKV_K8S_13")
# A stack whose runs, team and stack set no resources at all: the built-in defaults must bound them.
NO_RESOURCES = {
    "persistence": {
        "data": {"corpus": {"mountPath": "/data", "existingClaim": "corpus", "readOnly": True}},
        "outputs": {"results": {"mountPath": "/outputs", "existingClaim": "results"}},
    },
    "runs": {"bare": {"image": "trainer:1"}, "bare-job": {"image": "trainer:1", "kind": "job"}},
}


def named(document: dict) -> dict:
    """A Job as submitted: Kubernetes names it from its generateName (Checkov reads the name)."""
    metadata = document["metadata"]
    if "generateName" not in metadata:
        return document
    return {**document, "metadata": {**metadata, "name": metadata["generateName"].rstrip("-")}}


@pytest.fixture(scope="module")
def failed_checks(tmp_path_factory) -> dict[str, set[str]]:
    """Check id -> the resources it fails, over every stack (and one setting no resources), with no check skipped."""
    assert CHECKOV.exists(), "Checkov is missing: `make test` installs it into venv-checkov/"
    manifests = tmp_path_factory.mktemp("manifests")
    targets = {stack: stack for stack in STACKS}
    targets["no-resources"] = write_stack(tmp_path_factory.mktemp("stacks"), NO_RESOURCES, "no-resources")
    for name, target in targets.items():
        (manifests / f"{name}.yaml").write_text(to_yaml([named(document) for document in rendered(target).documents()]))
    result = subprocess.run(
        # --skip-download: offline, Checkov would otherwise retry its vendor's API at length.
        [str(CHECKOV), "-d", str(manifests), "--framework", "kubernetes", "--skip-download", "--quiet", "-o", "json"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode in (0, 1), result.stderr  # 1: some check failed
    report = json.loads(result.stdout)
    reports = report if isinstance(report, list) else [report]
    assert sum(r["summary"]["resource_count"] for r in reports) > 0
    failed: dict[str, set[str]] = {}
    for one in reports:
        for check in one["results"]["failed_checks"]:
            failed.setdefault(check["check_id"], set()).add(f"{Path(check['file_path']).name}: {check['resource']}")
    return failed


def skips() -> dict[str, str]:
    return yaml.safe_load(SKIPS_FILE.read_text())


def test_every_skip_names_one_check_and_says_why():
    for check_id, reason in skips().items():
        assert check_id.startswith(("CKV_K8S_", "CKV2_K8S_")) and "*" not in check_id, check_id
        assert len(reason.split()) >= 12, f"{check_id}: say why it does not apply"


def test_no_check_fails_unless_skipped_with_its_reason(failed_checks):
    unexplained = {check: sorted(resources) for check, resources in failed_checks.items() if check not in skips()}
    assert unexplained == {}


def test_every_job_sets_requests_and_limits_even_when_no_run_asks(failed_checks):
    assert CHECKOV.exists()
    assert {check: failed_checks.get(check, set()) for check in RESOURCE_CHECKS} == dict.fromkeys(
        RESOURCE_CHECKS, set()
    )
    assert not set(RESOURCE_CHECKS) & set(skips())


def test_every_skipped_check_still_fails_somewhere(failed_checks):
    stale = sorted(set(skips()) - set(failed_checks))
    assert stale == [], "these checks pass now: remove their skips"


def test_root_checks_fail_only_for_runs_that_write_a_host_path_and_the_jobs_making_directories(failed_checks):
    # Jobs of the stacks whose runs write to a host path (the embedded default outputs, under /tmp).
    host_path_writers = {"dev.yaml: Job.polyaxon.hello", "chart-example.yaml: Job.polyaxon.train"}
    # The Jobs that make a filesystem's directories, as root, in the stack's own namespace.
    directory_jobs = {
        "gcp-files.yaml: Job.polyaxon-storage-system.dirs-filestore-ml-checkpoints-team-nlp-team-vision-811b62f5",
        "azure-files.yaml: Job.polyaxon-storage-system.dirs-azurefiles-acmemlcheckpoints-team-nlp-team-vision-96f03e6a",
    }
    for check in ("CKV_K8S_23", "CKV_K8S_40"):
        assert failed_checks[check] == host_path_writers | directory_jobs
    assert failed_checks["CKV_K8S_25"] == directory_jobs
