"""GCS under the mock engine: hardened, protected buckets; one service account per team, granted per entry;
a key in the team's Secret, or GKE Workload Identity."""

from __future__ import annotations

import json

import pytest
from cloud_support import (
    ROTATION,
    cloud_resources,
    env,
    of_type,
    run_program,
    secret_refs,
    secrets,
    service_account,
    two_teams,
)

from components.conventions import REDACTED
from components.offline import engine

BUCKET = "gcp:storage/bucket:Bucket"
ACCOUNT = "gcp:serviceaccount/account:Account"
KEY = "gcp:serviceaccount/key:Key"
MEMBER = "gcp:storage/bucketIAMMember:BucketIAMMember"
SA_MEMBER = "gcp:serviceaccount/iAMMember:IAMMember"
WRITE_ROLES = {"roles/storage.objectUser", "roles/storage.objectCreator", "roles/storage.objectAdmin", "roles/storage.admin"}

DATA = {"imagenet": {"store": "gcs", "bucket": "gs://acme-imagenet", "readOnly": True, "create": True, "location": "EU"}}
OUTPUTS = {"results": {"store": "gcs", "bucket": "gs://acme-results", "create": True, "location": "EU"}}
GKE_NLP = {"workloadIdentity": {"gke": {"teams": ["nlp"]}}}


@pytest.mark.parametrize("keyless", [False, True], ids=["key", "workload-identity"])
def test_exactly_the_buckets_identities_grants_and_keys(keyless):
    mock, _ = run_program(two_teams(DATA, OUTPUTS, GKE_NLP if keyless else None))
    nlp = {(SA_MEMBER, "gcs/nlp/workload-identity")} if keyless else {(KEY, "gcs/nlp")}
    assert cloud_resources(mock, "gcp") == {
        (BUCKET, "gcs/acme-imagenet"),
        (BUCKET, "gcs/acme-results"),
        (ACCOUNT, "gcs/vision"),
        (ACCOUNT, "gcs/nlp"),
        (KEY, "gcs/vision"),
        (MEMBER, "gcs/vision/acme-imagenet/objectViewer"),
        (MEMBER, "gcs/vision/acme-imagenet/legacyBucketReader"),
        (MEMBER, "gcs/vision/acme-results/objectUser"),
        (MEMBER, "gcs/vision/acme-results/legacyBucketReader"),
        (MEMBER, "gcs/nlp/acme-imagenet/objectViewer"),
        (MEMBER, "gcs/nlp/acme-imagenet/legacyBucketReader"),
        *nlp,
    }
    assert set(secrets(mock)) == {"team-vision/gcs-credentials-vision"} | (set() if keyless else {"team-nlp/gcs-credentials-nlp"})


def test_created_buckets_are_hardened_and_protected():
    mock, _ = run_program(two_teams(DATA, {"results": {**OUTPUTS["results"], "kmsKey": "projects/p/locations/eu/keyRings/r/cryptoKeys/k"}}))
    buckets = of_type(mock, BUCKET)
    assert buckets["gcs/acme-imagenet"].inputs == {
        "name": "acme-imagenet",
        "project": "acme-ml",
        "location": "EU",
        "uniformBucketLevelAccess": True,
        "publicAccessPrevention": "enforced",
        "versioning": {"enabled": True},
        "forceDestroy": False,
    }
    assert buckets["gcs/acme-results"].inputs["encryption"] == {
        "defaultKmsKeyName": "projects/p/locations/eu/keyRings/r/cryptoKeys/k"
    }
    assert all(bucket.protect for bucket in buckets.values())
    grants_and_keys = [r for r in mock.registrations if r.type in (ACCOUNT, KEY, MEMBER, SA_MEMBER, "kubernetes:core/v1:Secret")]
    assert grants_and_keys and not any(r.protect or r.retain_on_delete for r in grants_and_keys)


def test_opting_out_leaves_a_bucket_unprotected_and_unversioned():
    mock, _ = run_program(two_teams(DATA, {"results": {**OUTPUTS["results"], "protect": False, "versioning": False}}))
    results = of_type(mock, BUCKET)["gcs/acme-results"]
    assert not results.protect and results.inputs["versioning"] == {"enabled": False}


def test_each_team_gets_exactly_its_roles_read_only_entries_nothing_that_writes():
    mock, components = run_program(two_teams(DATA, OUTPUTS, GKE_NLP))
    emails = engine.value(components.clouds["gcs"].identities)
    granted = {(r.inputs["member"], r.inputs["bucket"], r.inputs["role"]) for r in of_type(mock, MEMBER).values()}
    vision, nlp = f"serviceAccount:{emails['vision']}", f"serviceAccount:{emails['nlp']}"
    assert granted == {
        (vision, "acme-imagenet", "roles/storage.objectViewer"),
        (vision, "acme-imagenet", "roles/storage.legacyBucketReader"),
        (vision, "acme-results", "roles/storage.objectUser"),
        (vision, "acme-results", "roles/storage.legacyBucketReader"),
        (nlp, "acme-imagenet", "roles/storage.objectViewer"),
        (nlp, "acme-imagenet", "roles/storage.legacyBucketReader"),
    }
    assert not any(role in WRITE_ROLES for _, bucket, role in granted if bucket == "acme-imagenet")


def test_key_mode_secret_holds_the_key_file_per_bucket_annotated_for_the_pack():
    mock, components = run_program(two_teams(DATA, OUTPUTS, GKE_NLP))
    gcs = components.clouds["gcs"]
    emails = engine.value(gcs.identities)
    (secret,) = secrets(mock).values()
    assert secret.inputs["type"] == "Opaque"
    assert secret.inputs["metadata"]["namespace"] == "team-vision"
    assert secret.inputs["metadata"]["annotations"] == {
        "polyaxon-storage/access": "read-write",
        "polyaxon-storage/identity": emails["vision"],
    }
    assert secret.inputs["data"] == {"acme-imagenet.json": REDACTED, "acme-results.json": REDACTED}
    assert secret.secret_inputs == ("data",)
    assert engine.is_secret(gcs.credentials)
    key_file = json.loads(engine.value(gcs.credentials)["vision"]["acme-results"])
    assert key_file["type"] == "service_account" and key_file["client_email"] == emails["vision"]


def test_runs_read_their_credentials_from_the_secret_in_their_own_namespace():
    mock, components = run_program(two_teams(DATA, OUTPUTS))
    made = secrets(mock)
    for run in ("resnet", "bert"):
        job = engine.value(components.jobs[run])
        refs = secret_refs(job)
        assert refs
        assert all(f"{job['metadata']['namespace']}/{ref['name']}" in made for ref in refs)
    assert secret_refs(engine.value(components.jobs["bert"])) == [{"name": "gcs-credentials-nlp", "key": "acme-imagenet.json"}]


def test_rotation_is_the_keys_keeper():
    mock, _ = run_program(two_teams(DATA, OUTPUTS))
    assert of_type(mock, KEY)["gcs/vision"].inputs["keepers"] == {"rotation": ROTATION}
    config = two_teams(DATA, OUTPUTS)
    del config["credentialsRotation"]
    unrotated, _ = run_program(config)
    assert "keepers" not in of_type(unrotated, KEY)["gcs/vision"].inputs


def test_workload_identity_binds_the_teams_service_account_and_makes_no_key():
    mock, components = run_program(two_teams(DATA, OUTPUTS, GKE_NLP))
    emails = engine.value(components.clouds["gcs"].identities)
    (binding,) = of_type(mock, SA_MEMBER).values()
    assert binding.inputs == {
        "serviceAccountId": f"projects/acme-ml/serviceAccounts/{emails['nlp']}",
        "role": "roles/iam.workloadIdentityUser",
        "member": "serviceAccount:acme-ml.svc.id.goog[team-nlp/runs-nlp]",
    }
    assert service_account(mock, "nlp")["annotations"] == {
        "iam.gke.io/gcp-service-account": emails["nlp"],
        "polyaxon-storage/access": "read-only",
        "polyaxon-storage/identity": emails["nlp"],
    }
    assert "annotations" not in service_account(mock, "vision")
    assert "gcs/nlp" not in of_type(mock, KEY)
    bert = engine.value(components.jobs["bert"])
    assert secret_refs(bert) == []
    assert json.loads(env(bert)["POLYSTORES_RUN_STORES_ACCESS_KEYS"]) == {"gs://acme-imagenet": {"store": "gcs"}}


def test_an_existing_bucket_with_managed_credentials_is_granted_never_created():
    data = {"raw": {"store": "gcs", "bucket": "gs://acme-raw", "readOnly": True, "credentials": "managed"}}
    mock, _ = run_program(two_teams(data, OUTPUTS))
    assert "gcs/acme-raw" not in of_type(mock, BUCKET)
    assert {r.inputs["bucket"] for r in of_type(mock, MEMBER).values()} == {"acme-raw", "acme-results"}


def test_only_teams_granted_a_bucket_of_the_cloud_get_a_secret_there():
    config = two_teams(DATA, OUTPUTS)
    config["teams"]["nlp"]["data"] = []
    mock, components = run_program(config)
    assert set(secrets(mock)) == {"team-vision/gcs-credentials-vision"}
    assert set(engine.value(components.clouds["gcs"].identities)) == {"vision"}
    assert not any("/nlp" in name for name in of_type(mock, ACCOUNT))
