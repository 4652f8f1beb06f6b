"""Bucket policies: public access, encryption, and the S3 companion resources."""

from __future__ import annotations

from typing import Any

import pytest
from pulumi_policy import PolicyResource
from pulumi_policy.proxy import UnknownValueError

from policy_support import AZURE_ACCOUNT, AZURE_CONTAINER, GCS_BUCKET, S3_BUCKET, S3_BUCKET_V2, S3_ENCRYPTION, S3_ENCRYPTION_V2, S3_PUBLIC_ACCESS_BLOCK, SECRET, UNKNOWN, check_resource, check_stack, props_of, registered_by, resource, urn_of

import buckets  # noqa: E402 (the pack's folder is on sys.path once policy_support is imported)


# --- bucket-public-access-prevention -----------------------------------------------------------


def test_gcs_bucket_enforcing_public_access_prevention_passes():
    assert check_resource(buckets.bucket_public_access_prevention, GCS_BUCKET, {"publicAccessPrevention": "enforced"}) == []


@pytest.mark.parametrize("props", [{"publicAccessPrevention": "inherited"}, {}])
def test_gcs_bucket_without_public_access_prevention_is_a_violation(props):
    [message] = check_resource(buckets.bucket_public_access_prevention, GCS_BUCKET, props)
    assert 'set publicAccessPrevention to "enforced"' in message


def test_gcs_bucket_setting_not_known_in_preview_is_left_to_the_sdk():
    # pulumi-policy turns this into an advisory "can't run during preview" note.
    with pytest.raises(UnknownValueError):
        check_resource(buckets.bucket_public_access_prevention, GCS_BUCKET, {"publicAccessPrevention": UNKNOWN})


def test_azure_account_disallowing_blob_public_access_passes():
    assert check_resource(buckets.bucket_public_access_prevention, AZURE_ACCOUNT, {"allowBlobPublicAccess": False}) == []


@pytest.mark.parametrize("props", [{"allowBlobPublicAccess": True}, {}])
def test_azure_account_allowing_or_not_setting_blob_public_access_is_a_violation(props):
    [message] = check_resource(buckets.bucket_public_access_prevention, AZURE_ACCOUNT, props)
    assert "set allowBlobPublicAccess to false" in message


@pytest.mark.parametrize("props", [{}, {"publicAccess": "None"}])
def test_azure_container_without_public_access_passes(props):
    assert check_resource(buckets.bucket_public_access_prevention, AZURE_CONTAINER, props) == []


@pytest.mark.parametrize("access", ["Blob", "Container"])
def test_azure_container_with_public_access_is_a_violation(access):
    [message] = check_resource(buckets.bucket_public_access_prevention, AZURE_CONTAINER, {"publicAccess": access})
    assert f'it is "{access}"' in message and 'set it to "None"' in message


def test_public_access_policy_ignores_other_resources():
    assert check_resource(buckets.bucket_public_access_prevention, SECRET, {"publicAccessPrevention": "inherited"}) == []


# --- s3-bucket-public-access-block -------------------------------------------------------------

ALL_BLOCKED = {flag: True for flag in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")}


def s3_bucket(name: str = "data", resource_type: str = S3_BUCKET, **props: Any) -> PolicyResource:
    return resource(resource_type, name, {"id": f"{name}-1a2b", "bucket": f"{name}-1a2b", **props})


@pytest.mark.parametrize("reference", ["id", "bucket"])
def test_s3_bucket_with_full_public_access_block_passes(reference):
    bucket = s3_bucket()
    block = resource(S3_PUBLIC_ACCESS_BLOCK, "data", {"bucket": bucket.props[reference], **ALL_BLOCKED})
    assert check_stack(buckets.s3_bucket_public_access_block, bucket, block) == []


def test_s3_bucket_without_public_access_block_is_a_violation():
    bucket, other = s3_bucket("data"), s3_bucket("other")
    block = resource(S3_PUBLIC_ACCESS_BLOCK, "other", {"bucket": "other-1a2b", **ALL_BLOCKED})
    [(message, reported)] = check_stack(buckets.s3_bucket_public_access_block, bucket, other, block)
    assert reported == bucket.urn
    assert "S3 bucket 'data' has no BucketPublicAccessBlock: add an aws.s3.BucketPublicAccessBlock" in message


def test_deprecated_bucket_v2_needs_a_public_access_block_too():
    [(_, reported)] = check_stack(buckets.s3_bucket_public_access_block, s3_bucket(resource_type=S3_BUCKET_V2))
    assert reported == urn_of(S3_BUCKET_V2, "data")


def test_one_complete_public_access_block_is_enough_beside_an_incomplete_one():
    bucket = s3_bucket()
    good = resource(S3_PUBLIC_ACCESS_BLOCK, "good", {"bucket": "data-1a2b", **ALL_BLOCKED})
    weak = resource(S3_PUBLIC_ACCESS_BLOCK, "weak", {"bucket": "data-1a2b", **ALL_BLOCKED, "blockPublicAcls": False})
    assert check_stack(buckets.s3_bucket_public_access_block, bucket, weak, good) == []
    # Two incomplete ones are not: each says what it lacks.
    weaker = resource(S3_PUBLIC_ACCESS_BLOCK, "weaker", {"bucket": "data-1a2b", **ALL_BLOCKED, "ignorePublicAcls": False})
    messages = [message for message, _ in check_stack(buckets.s3_bucket_public_access_block, bucket, weak, weaker)]
    assert len(messages) == 2 and "'weak'" in messages[0] and "'weaker'" in messages[1]


def test_s3_public_access_block_with_a_flag_off_is_a_violation():
    bucket = s3_bucket()
    block = resource(S3_PUBLIC_ACCESS_BLOCK, "pab", {"bucket": "data-1a2b", **ALL_BLOCKED, "blockPublicPolicy": False})
    [(message, reported)] = check_stack(buckets.s3_bucket_public_access_block, bucket, block)
    assert reported == bucket.urn
    assert "set blockPublicPolicy to true on BucketPublicAccessBlock 'pab'" in message


def test_s3_public_access_block_with_a_flag_missing_is_a_violation():
    bucket = s3_bucket()
    flags = {k: v for k, v in ALL_BLOCKED.items() if k != "ignorePublicAcls"}
    block = resource(S3_PUBLIC_ACCESS_BLOCK, "pab", {"bucket": "data-1a2b", **flags})
    [(message, _)] = check_stack(buckets.s3_bucket_public_access_block, bucket, block)
    assert "set ignorePublicAcls to true" in message


def test_s3_public_access_block_matched_by_dependency_while_ids_are_unknown():
    bucket = s3_bucket(id=UNKNOWN, bucket=UNKNOWN)
    block = resource(S3_PUBLIC_ACCESS_BLOCK, "pab", {"bucket": UNKNOWN, **ALL_BLOCKED}, bucket_from=bucket)
    assert check_stack(buckets.s3_bucket_public_access_block, bucket, block) == []


def test_s3_public_access_block_matched_by_id_while_the_name_is_unknown():
    bucket = s3_bucket(bucket=UNKNOWN)
    block = resource(S3_PUBLIC_ACCESS_BLOCK, "pab", {"bucket": "data-1a2b", **ALL_BLOCKED})
    assert check_stack(buckets.s3_bucket_public_access_block, bucket, block) == []


def test_s3_public_access_block_matched_by_name_while_the_id_is_unknown():
    bucket = s3_bucket(id=UNKNOWN)
    block = resource(S3_PUBLIC_ACCESS_BLOCK, "pab", {"bucket": "data-1a2b", **ALL_BLOCKED})
    assert check_stack(buckets.s3_bucket_public_access_block, bucket, block) == []


def test_s3_public_access_block_for_an_unknown_bucket_of_another_resource_does_not_count():
    bucket, other = s3_bucket(id=UNKNOWN), s3_bucket("other", id=UNKNOWN)
    block = resource(S3_PUBLIC_ACCESS_BLOCK, "pab", {"bucket": UNKNOWN, **ALL_BLOCKED}, bucket_from=other)
    reported = [urn_ for _, urn_ in check_stack(buckets.s3_bucket_public_access_block, bucket, other, block)]
    assert reported == [bucket.urn]


# --- bucket-encryption -------------------------------------------------------------------------

GOOD_ACCOUNT = {
    "allowBlobPublicAccess": False,
    "enableHttpsTrafficOnly": True,
    "minimumTlsVersion": "TLS1_2",
    "encryption": {"keySource": "Microsoft.Storage", "services": {"blob": {"enabled": True, "keyType": "Account"}}},
}


@pytest.mark.parametrize(
    "props", [{}, {"encryption": {"defaultKmsKeyName": "projects/p/locations/l/keyRings/r/cryptoKeys/k"}}]
)
def test_gcs_bucket_with_google_or_customer_key_passes(props):
    assert check_resource(buckets.bucket_encryption, GCS_BUCKET, props) == []


@pytest.mark.parametrize("key", ["", "  "])
def test_gcs_bucket_with_empty_customer_key_is_a_violation(key):
    [message] = check_resource(buckets.bucket_encryption, GCS_BUCKET, {"encryption": {"defaultKmsKeyName": key}})
    assert "encryption.defaultKmsKeyName is empty: set it to a Cloud KMS key id" in message


@pytest.mark.parametrize("props", [GOOD_ACCOUNT, {"minimumTlsVersion": "TLS1_2"}])
def test_azure_account_encrypted_with_https_and_tls12_passes(props):
    assert check_resource(buckets.bucket_encryption, AZURE_ACCOUNT, props) == []


@pytest.mark.parametrize(
    "change, expected",
    [
        ({"encryption": {"services": {"blob": {"enabled": False}}}}, "remove encryption.services.blob.enabled: false"),
        ({"enableHttpsTrafficOnly": False}, "set enableHttpsTrafficOnly to true"),
        ({"minimumTlsVersion": "TLS1_0"}, 'set minimumTlsVersion to "TLS1_2"; it is "TLS1_0"'),
        ({"minimumTlsVersion": None}, 'set minimumTlsVersion to "TLS1_2"; it is unset'),
    ],
)
def test_azure_account_weakening_encryption_is_a_violation(change, expected):
    [message] = check_resource(buckets.bucket_encryption, AZURE_ACCOUNT, {**GOOD_ACCOUNT, **change})
    assert expected in message


# --- s3-bucket-encryption ----------------------------------------------------------------------

SSE_RULES = {"rules": [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms"}, "bucketKeyEnabled": True}]}


@pytest.mark.parametrize("resource_type", [S3_ENCRYPTION, S3_ENCRYPTION_V2])
def test_s3_bucket_with_encryption_configuration_passes(resource_type):
    bucket = s3_bucket()
    configuration = resource(resource_type, "sse", {"bucket": "data-1a2b", **SSE_RULES})
    assert check_stack(buckets.s3_bucket_encryption, bucket, configuration) == []


def test_s3_bucket_without_encryption_configuration_is_a_violation():
    # The bucket's deprecated inline configuration does not count.
    inline = {"rule": {"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}}
    bucket = s3_bucket(serverSideEncryptionConfiguration=inline)
    [(message, reported)] = check_stack(buckets.s3_bucket_encryption, bucket)
    assert reported == bucket.urn
    assert "has no BucketServerSideEncryptionConfiguration: add an aws.s3.BucketServerSideEncryptionConfiguration" in message


def test_s3_encryption_configuration_without_default_algorithm_is_a_violation():
    bucket = s3_bucket()
    configuration = resource(S3_ENCRYPTION, "sse", {"bucket": "data-1a2b", "rules": [{"bucketKeyEnabled": True}]})
    [(message, _)] = check_stack(buckets.s3_bucket_encryption, bucket, configuration)
    assert "add a rule with applyServerSideEncryptionByDefault.sseAlgorithm" in message


def test_s3_encryption_configuration_matched_by_dependency_in_preview():
    bucket = s3_bucket(id=UNKNOWN, bucket=UNKNOWN)
    configuration = resource(S3_ENCRYPTION, "sse", {"bucket": UNKNOWN, **SSE_RULES}, bucket_from=bucket)
    assert check_stack(buckets.s3_bucket_encryption, bucket, configuration) == []


# --- resources built with the cloud SDKs themselves ---------------------------------------------------


def test_buckets_built_with_the_sdks_are_read_under_the_property_names_the_sdks_send():
    import pulumi_azure_native as azure
    import pulumi_gcp as gcp

    hardened_account = dict(
        resource_group_name="rg",
        kind="StorageV2",
        sku={"name": "Standard_LRS"},
        allow_blob_public_access=False,
        enable_https_traffic_only=True,
        minimum_tls_version="TLS1_2",
    )
    passing = [
        props_of(lambda: gcp.storage.Bucket("data", location="EU", public_access_prevention="enforced")),
        props_of(lambda: azure.storage.StorageAccount("acct", **hardened_account)),
        props_of(lambda: azure.storage.BlobContainer("c", account_name="a", resource_group_name="rg", public_access="None")),
    ]
    for kind, props in passing:
        assert check_resource(buckets.bucket_public_access_prevention, kind, props) == [], kind
        assert check_resource(buckets.bucket_encryption, kind, props) == [], kind
    failing = [
        (props_of(lambda: gcp.storage.Bucket("data", location="EU")), "publicAccessPrevention"),
        (
            props_of(lambda: azure.storage.StorageAccount("acct", **{**hardened_account, "allow_blob_public_access": True})),
            "allowBlobPublicAccess",
        ),
        (
            props_of(lambda: azure.storage.BlobContainer("c", account_name="a", resource_group_name="rg", public_access="Blob")),
            "publicAccess",
        ),
    ]
    for (kind, props), words in failing:
        [message] = check_resource(buckets.bucket_public_access_prevention, kind, props)
        assert words in message
    kind, props = props_of(lambda: azure.storage.StorageAccount("acct", **{**hardened_account, "minimum_tls_version": "TLS1_0"}))
    [message] = check_resource(buckets.bucket_encryption, kind, props)
    assert 'set minimumTlsVersion to "TLS1_2"; it is "TLS1_0"' in message


def s3_bucket_with(*companions: str):
    """A program making an S3 bucket and the named companions, with the real pulumi-aws classes."""
    import pulumi_aws as aws

    def program():
        bucket = aws.s3.Bucket("data")
        if "block" in companions:
            aws.s3.BucketPublicAccessBlock(
                "data", bucket=bucket.id, block_public_acls=True, block_public_policy=True,
                ignore_public_acls=True, restrict_public_buckets=True,
            )  # fmt: skip
        if "encryption" in companions:
            aws.s3.BucketServerSideEncryptionConfiguration(
                "data",
                bucket=bucket.id,
                rules=[{"apply_server_side_encryption_by_default": {"sse_algorithm": "AES256"}}],
            )

    return program


def test_s3_companions_built_with_the_sdk_are_matched_to_their_bucket():
    complete = registered_by(s3_bucket_with("block", "encryption"))
    assert check_stack(buckets.s3_bucket_public_access_block, *complete) == []
    assert check_stack(buckets.s3_bucket_encryption, *complete) == []
    bare = registered_by(s3_bucket_with())
    [(message, _)] = check_stack(buckets.s3_bucket_public_access_block, *bare)
    assert "has no BucketPublicAccessBlock" in message
    [(message, _)] = check_stack(buckets.s3_bucket_encryption, *registered_by(s3_bucket_with("block")))
    assert "has no BucketServerSideEncryptionConfiguration" in message
