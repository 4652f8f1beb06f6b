"""Edits to cloud buckets keep data and touch only what they mean to: protected buckets, per-team grants,
names that stay the same from one run of the program to the next."""

from __future__ import annotations

import copy

import pytest
from cloud_support import PROVIDERS, two_teams
from conftest import rendered, write_stack

GCS = (
    {"imagenet": {"store": "gcs", "bucket": "gs://acme-imagenet", "readOnly": True, "create": True, "location": "EU"}},
    {"results": {"store": "gcs", "bucket": "gs://acme-results", "create": True, "location": "EU"}},
)
S3 = (
    {"imagenet": {"store": "s3", "bucket": "s3://acme-imagenet", "readOnly": True, "create": True}},
    {"results": {"store": "s3", "bucket": "s3://acme-results", "create": True}},
)
AZURE = (
    {"imagenet": {"store": "azure", "bucket": "wasbs://imagenet@acmeml.blob.core.windows.net/", "readOnly": True,
                  "create": True, "resourceGroup": "rg-ml", "sasExpiry": "2027-09-30"}},
    {"results": {"store": "azure", "bucket": "wasbs://results@acmeml.blob.core.windows.net/",
                 "create": True, "resourceGroup": "rg-ml", "sasExpiry": "2027-09-30"}},
)  # fmt: skip
AKS = {"workloadIdentity": {"aks": {"oidcIssuerUrl": "https://oidc.aks/", "resourceGroup": "rg-identities", "teams": ["nlp"]}}}
CLOUDS = {
    "gcs": (*GCS, {"workloadIdentity": {"gke": {"teams": ["nlp"]}}}),
    "s3": (*S3, {"workloadIdentity": {"eks": {"oidcProviderArn": "arn:aws:iam::1:oidc-provider/o", "oidcIssuer": "o", "teams": ["nlp"]}}}),
    "azure": (*AZURE, AKS),
}
PACKAGES = {"gcs": "gcp", "s3": "aws", "azure": "azure-native"}
# What holds data, by type: protected; nothing else is.
DATA_HOLDERS = {"gcp:storage/bucket:Bucket", "aws:s3/bucket:Bucket", "azure-native:storage:StorageAccount", "azure-native:storage:BlobContainer"}


def render_config(tmp_path, config: dict, label: str):
    """One stack (`edits`) before and after an edit, so URNs compare."""
    directory = tmp_path / label
    directory.mkdir(exist_ok=True)
    return rendered(write_stack(directory, config, "edits", PROVIDERS))


def state(rendering) -> dict[str, tuple]:
    """URN -> what the engine would compare: inputs, protect."""
    return {r.urn: (r.inputs, r.protect) for r in rendering.registrations}


@pytest.mark.parametrize("store", sorted(CLOUDS))
@pytest.mark.parametrize("keyless", [False, True], ids=["key", "workload-identity"])
def test_only_buckets_and_accounts_are_protected(tmp_path, store, keyless):
    data, outputs, cluster = CLOUDS[store]
    rendering = render_config(tmp_path, two_teams(data, outputs, cluster if keyless else None), "base")
    protected = {r.type for r in rendering.registrations if r.protect}
    assert protected == {t for t in DATA_HOLDERS if t.startswith(PACKAGES[store] + ":")}
    assert not any(r.retain_on_delete for r in rendering.registrations if r.type in DATA_HOLDERS)


@pytest.mark.parametrize("store", sorted(CLOUDS))
@pytest.mark.parametrize("keyless", [False, True], ids=["key", "workload-identity"])
def test_removing_one_teams_grant_changes_only_that_teams_resources(tmp_path, store, keyless):
    data, outputs, cluster = CLOUDS[store]
    base = two_teams(data, outputs, cluster if keyless else None)
    before = state(render_config(tmp_path, base, "before"))
    revoked = copy.deepcopy(base)
    revoked["teams"]["nlp"]["data"] = []
    after = state(render_config(tmp_path, revoked, "after"))
    touched = {urn for urn in before.keys() | after.keys() if before.get(urn) != after.get(urn)}
    assert touched, "revoking a grant changed nothing"
    # Every resource touched is the nlp team's (named after it), and none of them is created by the edit.
    assert all("nlp" in urn.rsplit("::", 1)[-1] for urn in touched), sorted(touched)
    assert touched <= before.keys()
    # Its credentials go with its grant.
    assert not any(urn.endswith("-credentials-nlp") for urn in after)


def test_renaming_an_entry_keeps_its_bucket(tmp_path):
    data, outputs, _ = CLOUDS["gcs"]
    before = render_config(tmp_path, two_teams(data, outputs), "before")
    renamed = two_teams({"images": data["imagenet"]}, outputs)
    after = render_config(tmp_path, renamed, "after")
    buckets = lambda rendering: {r.urn for r in rendering.registrations if r.type == "gcp:storage/bucket:Bucket"}  # noqa: E731
    assert buckets(before) == buckets(after)


@pytest.mark.parametrize("store", sorted(CLOUDS))
def test_names_and_inputs_are_the_same_from_one_run_of_the_program_to_the_next(tmp_path, store):
    data, outputs, cluster = CLOUDS[store]
    config = two_teams(data, outputs, cluster)
    assert state(render_config(tmp_path, config, "one")) == state(render_config(tmp_path, config, "one"))

