"""`render` of the cloud stacks: every resource listed (--resources --json), no credential in anything printed."""

from __future__ import annotations

import json

import pytest
import yaml
from conftest import PROJECT_DIR, cli, rendered

from components.offline.fakes import FAKE_CREDENTIAL

CLOUD_STACKS = ("gcp", "aws", "azure")
FIELDS = {"type", "name", "parent", "custom", "inputs", "protect", "retainOnDelete", "aliases"}


@pytest.mark.parametrize("stack", CLOUD_STACKS)
def test_resources_json_lists_every_registered_resource_with_its_inputs_and_options(stack):
    result = cli("render", stack, "--resources", "--json")
    assert result.returncode == 0, result.stderr
    resources = json.loads(result.stdout)
    registrations = rendered(stack).registrations
    assert [(r["type"], r["name"]) for r in resources] == [(r.type, r.name) for r in registrations]
    assert all(set(resource) == FIELDS for resource in resources)
    by_name = {(r["type"], r["name"]): r for r in resources}
    components = {f"{r['type']}::{r['name']}" for r in resources if not r["custom"]}
    for resource in resources:
        assert resource["parent"] == "" or resource["parent"] in components, resource["parent"]
    buckets = [r for r in resources if r["type"].endswith(("storage/bucket:Bucket", "s3/bucket:Bucket", "storage:StorageAccount"))]
    assert buckets and all(r["protect"] and r["parent"].startswith("polyaxon-storage:index:") for r in buckets)
    # The key-mode team's credentials Secret, and the same in v2's layout (the stacks export polyaxon-v2).
    secrets = [r for r in resources if r["type"] == "kubernetes:core/v1:Secret"]
    assert len(secrets) >= 2 and all(set(secret["inputs"]["data"].values()) == {"<redacted>"} for secret in secrets)
    assert by_name[("kubernetes:core/v1:Namespace", "team-vision")]["retainOnDelete"] is True


@pytest.mark.parametrize("stack", CLOUD_STACKS)
def test_no_credential_is_printed_by_any_form_of_render(stack):
    # The mocks fake every key, secret key and SAS with FAKE_CREDENTIAL in it.
    for arguments in ([], ["--resources"], ["--resources", "--json"]):
        result = cli("render", stack, *arguments)
        assert result.returncode == 0, result.stderr
        assert FAKE_CREDENTIAL not in result.stdout + result.stderr, arguments
        assert "PRIVATE KEY" not in result.stdout and "AccountKey" not in result.stdout


@pytest.mark.parametrize("stack", CLOUD_STACKS)
def test_render_shows_the_teams_secret_and_says_where_the_cloud_resources_are(stack):
    result = cli("render", stack)
    documents = list(yaml.safe_load_all(result.stdout))
    secrets = [d for d in documents if d["kind"] == "Secret"]
    assert {(secret["metadata"]["namespace"], secret["type"]) for secret in secrets} == {("team-vision", "Opaque")}
    assert f"{stack.replace('gcp', 'gcs').replace('aws', 's3')}-credentials-vision" in {s["metadata"]["name"] for s in secrets}
    assert "note: " in result.stderr and "cloud resources" in result.stderr and "--resources --json" in result.stderr


def test_json_goes_with_resources():
    result = cli("render", "gcp", "--json")
    assert result.returncode == 2 and "--json goes with --resources" in result.stderr


def test_a_stack_without_cloud_resources_has_no_note():
    assert "cloud resources" not in cli("render", "platform").stderr


def test_render_reads_the_provider_settings_from_the_stack_file_and_names_a_missing_one(tmp_path):
    stack = tmp_path / "Pulumi.gcs.yaml"
    lines = [line for line in (PROJECT_DIR / "stacks" / "Pulumi.gcp.yaml").read_text().splitlines() if not line.startswith("  gcp:project")]
    stack.write_text("\n".join(lines) + "\n")
    result = cli("render", str(stack))
    assert result.returncode == 2
    assert "  - gcp:project: required: persistence.data.imagenet has credentials the stack manages" in result.stderr
