"""S3 under the mock engine: hardened, protected buckets; one IAM user or role per team whose one policy allows
exactly its buckets; an access key in the team's Secret, or IRSA / EKS Pod Identity."""

from __future__ import annotations

import json

import pytest
from cloud_support import (
    ROTATION,
    cloud_resources,
    env,
    of_type,
    policy_document,
    run_program,
    secret_refs,
    secrets,
    service_account,
    two_teams,
)

from components.conventions import REDACTED
from components.offline import engine

BUCKET = "aws:s3/bucket:Bucket"
PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
ENCRYPTION = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
OWNERSHIP = "aws:s3/bucketOwnershipControls:BucketOwnershipControls"
VERSIONING = "aws:s3/bucketVersioning:BucketVersioning"
USER, ACCESS_KEY, USER_POLICY = "aws:iam/user:User", "aws:iam/accessKey:AccessKey", "aws:iam/userPolicy:UserPolicy"
ROLE, ROLE_POLICY = "aws:iam/role:Role", "aws:iam/rolePolicy:RolePolicy"
POD_IDENTITY = "aws:eks/podIdentityAssociation:PodIdentityAssociation"

DATA = {"imagenet": {"store": "s3", "bucket": "s3://acme-imagenet", "readOnly": True, "create": True}}
OUTPUTS = {"results": {"store": "s3", "bucket": "s3://acme-results", "create": True, "region": "us-east-2"}}
ISSUER = "oidc.eks.eu-west-1.amazonaws.com/id/ABC"
IRSA = {"oidcProviderArn": f"arn:aws:iam::123456789012:oidc-provider/{ISSUER}", "oidcIssuer": f"https://{ISSUER}"}
EKS_NLP = {"workloadIdentity": {"eks": {**IRSA, "teams": ["nlp"]}}}
POD_IDENTITY_NLP = {"workloadIdentity": {"eks": {"clusterName": "ml", "podIdentity": True, "teams": ["nlp"]}}}
READ = {"s3:ListBucket", "s3:GetBucketLocation", "s3:GetObject"}
WRITE = {"s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"}
HARDENING = {PUBLIC_ACCESS_BLOCK, ENCRYPTION, OWNERSHIP, VERSIONING}


@pytest.mark.parametrize(
    "cluster, nlp",
    [
        (None, {(USER, "s3/nlp"), (ACCESS_KEY, "s3/nlp"), (USER_POLICY, "s3/nlp")}),
        (EKS_NLP, {(ROLE, "s3/nlp"), (ROLE_POLICY, "s3/nlp")}),
        (POD_IDENTITY_NLP, {(ROLE, "s3/nlp"), (ROLE_POLICY, "s3/nlp"), (POD_IDENTITY, "s3/nlp")}),
    ],
    ids=["key", "irsa", "pod-identity"],
)
def test_exactly_the_buckets_identities_policies_and_keys(cluster, nlp):
    mock, _ = run_program(two_teams(DATA, OUTPUTS, cluster))
    buckets = {(kind, f"s3/{name}") for name in ("acme-imagenet", "acme-results") for kind in (BUCKET, *HARDENING)}
    vision = {(USER, "s3/vision"), (ACCESS_KEY, "s3/vision"), (USER_POLICY, "s3/vision")}
    assert cloud_resources(mock, "aws") == buckets | vision | nlp
    assert len(secrets(mock)) == (2 if cluster is None else 1)


def test_created_buckets_block_public_access_encrypt_enforce_ownership_version_and_are_protected():
    kms = "arn:aws:kms:us-east-2:123456789012:key/k"
    mock, _ = run_program(two_teams(DATA, {"results": {**OUTPUTS["results"], "kmsKey": kms}}))
    buckets = of_type(mock, BUCKET)
    assert buckets["s3/acme-imagenet"].inputs == {"bucket": "acme-imagenet", "region": "eu-west-1", "forceDestroy": False}
    assert buckets["s3/acme-results"].inputs["region"] == "us-east-2"
    assert all(bucket.protect for bucket in buckets.values())
    for name, bucket in buckets.items():
        # Every companion configures its own bucket, in its region.
        for kind in HARDENING:
            companion = of_type(mock, kind)[name]
            assert companion.inputs["bucket"] == bucket.id and companion.inputs["region"] == bucket.inputs["region"], kind
        assert {key: value for key, value in of_type(mock, PUBLIC_ACCESS_BLOCK)[name].inputs.items() if key.startswith(("block", "ignore", "restrict"))} == {
            "blockPublicAcls": True,
            "blockPublicPolicy": True,
            "ignorePublicAcls": True,
            "restrictPublicBuckets": True,
        }
        assert of_type(mock, OWNERSHIP)[name].inputs["rule"] == {"objectOwnership": "BucketOwnerEnforced"}
        assert of_type(mock, VERSIONING)[name].inputs["versioningConfiguration"] == {"status": "Enabled"}
    rules = {name: r.inputs["rules"] for name, r in of_type(mock, ENCRYPTION).items()}
    assert rules["s3/acme-imagenet"] == [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}, "bucketKeyEnabled": False}]
    assert rules["s3/acme-results"] == [
        {"applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": kms}, "bucketKeyEnabled": True}
    ]
    identities = [r for r in mock.registrations if r.type in (USER, ACCESS_KEY, USER_POLICY, ROLE, ROLE_POLICY)]
    assert identities and not any(r.protect for r in identities)


def test_unversioned_buckets_get_no_versioning_resource():
    mock, _ = run_program(two_teams(DATA, {"results": {**OUTPUTS["results"], "versioning": False}}))
    assert set(of_type(mock, VERSIONING)) == {"s3/acme-imagenet"}


@pytest.mark.parametrize("cluster, policy", [(None, USER_POLICY), (EKS_NLP, ROLE_POLICY)], ids=["key", "irsa"])
def test_each_teams_one_policy_allows_exactly_its_buckets_read_only_ones_nothing_that_writes(cluster, policy):
    mock, _ = run_program(two_teams(DATA, OUTPUTS, cluster))
    assert policy_document(of_type(mock, USER_POLICY)["s3/vision"]) == {
        "arn:aws:s3:::acme-imagenet": {"s3:ListBucket", "s3:GetBucketLocation"},
        "arn:aws:s3:::acme-imagenet/*": {"s3:GetObject"},
        "arn:aws:s3:::acme-results": {"s3:ListBucket", "s3:GetBucketLocation"},
        "arn:aws:s3:::acme-results/*": {"s3:GetObject"} | WRITE,
    }
    assert policy_document(of_type(mock, policy)["s3/nlp"]) == {
        "arn:aws:s3:::acme-imagenet": {"s3:ListBucket", "s3:GetBucketLocation"},
        "arn:aws:s3:::acme-imagenet/*": {"s3:GetObject"},
    }


def test_key_mode_secret_holds_the_access_key_and_region_per_bucket():
    mock, components = run_program(two_teams(DATA, OUTPUTS, EKS_NLP))
    s3 = components.clouds["s3"]
    (secret,) = secrets(mock).values()
    assert secret.inputs["metadata"]["annotations"] == {"polyaxon-storage/access": "read-write", "polyaxon-storage/identity": engine.value(s3.identities)["vision"]}
    assert secret.inputs["data"] == {"acme-imagenet.json": REDACTED, "acme-results.json": REDACTED} and secret.secret_inputs == ("data",)
    assert engine.is_secret(s3.credentials)
    key = of_type(mock, ACCESS_KEY)["s3/vision"]
    payloads = {bucket: json.loads(text) for bucket, text in engine.value(s3.credentials)["vision"].items()}
    assert payloads["acme-imagenet"]["AWS_ACCESS_KEY_ID"] == key.id
    assert {p["AWS_REGION"] for p in payloads.values()} == {"eu-west-1", "us-east-2"}
    assert set(payloads["acme-results"]) == {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION"}
    assert secret_refs(engine.value(components.jobs["resnet"])) == [
        {"name": "s3-credentials-vision", "key": "acme-imagenet.json"},
        {"name": "s3-credentials-vision", "key": "acme-results.json"},
    ]


def test_rotation_replaces_every_access_key():
    mock, _ = run_program(two_teams(DATA, OUTPUTS))
    assert {name: key.replacement_trigger for name, key in of_type(mock, ACCESS_KEY).items()} == {"s3/vision": ROTATION, "s3/nlp": ROTATION}


def test_irsa_trusts_the_teams_service_account_through_the_clusters_oidc_provider():
    mock, components = run_program(two_teams(DATA, OUTPUTS, EKS_NLP))
    role = of_type(mock, ROLE)["s3/nlp"]
    assert json.loads(role.inputs["assumeRolePolicy"])["Statement"] == [
        {
            "Effect": "Allow",
            "Principal": {"Federated": IRSA["oidcProviderArn"]},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {
                "StringEquals": {f"{ISSUER}:sub": "system:serviceaccount:team-nlp:runs-nlp", f"{ISSUER}:aud": "sts.amazonaws.com"}
            },
        }
    ]
    annotations = service_account(mock, "nlp")["annotations"]
    assert annotations["eks.amazonaws.com/role-arn"] == f"arn:aws:iam::123456789012:role/polyaxon-storage/{role.inputs['name']}"
    assert (annotations["polyaxon-storage/access"], annotations["polyaxon-storage/identity"]) == ("read-only", role.inputs["name"])
    bert = engine.value(components.jobs["bert"])
    assert secret_refs(bert) == []
    assert json.loads(env(bert)["POLYSTORES_RUN_STORES_ACCESS_KEYS"]) == {"s3://acme-imagenet": {"store": "s3"}}


def test_pod_identity_associates_the_role_with_the_teams_service_account():
    mock, _ = run_program(two_teams(DATA, OUTPUTS, POD_IDENTITY_NLP))
    role = of_type(mock, ROLE)["s3/nlp"]
    assert json.loads(role.inputs["assumeRolePolicy"])["Statement"] == [
        {"Effect": "Allow", "Principal": {"Service": "pods.eks.amazonaws.com"}, "Action": ["sts:AssumeRole", "sts:TagSession"]}
    ]
    assert of_type(mock, POD_IDENTITY)["s3/nlp"].inputs == {
        "clusterName": "ml",
        "namespace": "team-nlp",
        "serviceAccount": "runs-nlp",
        "roleArn": f"arn:aws:iam::123456789012:role/polyaxon-storage/{role.inputs['name']}",
    }
    assert "eks.amazonaws.com/role-arn" not in service_account(mock, "nlp")["annotations"]
