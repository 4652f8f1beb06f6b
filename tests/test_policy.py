"""The policy pack in policy/: each policy called directly, the way pulumi-policy's own tests do.

Resources are given as the engine hands them to policies: camelCase
properties, wrapped in pulumi-policy's unknown-checking proxy, with
`UNKNOWN_STRING_VALUE` where a value is not known during preview.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from importlib.metadata import version
from pathlib import Path
from typing import Any, Optional

import pytest
import yaml
from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy import policy as policy_sdk
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, UnknownValueError, unknown_checking_proxy

PROJECT_DIR = Path(__file__).resolve().parent.parent
POLICY_DIR = PROJECT_DIR / "policy"
sys.path.insert(0, str(POLICY_DIR))

import polyaxon_storage_policies as policies  # noqa: E402
from components.render import STACKS_DIR, render, stack_file  # noqa: E402

OPTS = PolicyResourceOptions(False, [], None, [], PolicyCustomTimeouts(0, 0, 0), [])
UNKNOWN = UNKNOWN_STRING_VALUE

GCS_BUCKET = "gcp:storage/bucket:Bucket"
S3_BUCKET = "aws:s3/bucket:Bucket"
S3_BUCKET_V2 = "aws:s3/bucketV2:BucketV2"
S3_PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
S3_ENCRYPTION = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
S3_ENCRYPTION_V2 = "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2"
AZURE_ACCOUNT = "azure-native:storage:StorageAccount"
AZURE_CONTAINER = "azure-native:storage:BlobContainer"
PV = "kubernetes:core/v1:PersistentVolume"
SECRET = "kubernetes:core/v1:Secret"
GCS_MEMBER = "gcp:storage/bucketIAMMember:BucketIAMMember"
GCS_BINDING = "gcp:storage/bucketIAMBinding:BucketIAMBinding"
USER_POLICY = "aws:iam/userPolicy:UserPolicy"
ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment"


def urn(resource_type: str, name: str) -> str:
    return f"urn:pulumi:test::polyaxon-storage::{resource_type}::{name}"


def check_resource(policy: Policy, resource_type: str, props: dict, config: Optional[dict] = None) -> list[str]:
    """The violations a resource policy reports for one resource."""
    args = ResourceValidationArgs(
        resource_type, unknown_checking_proxy(props), urn(resource_type, "r"), "r", OPTS, None, config
    )
    found: list[str] = []
    policy.validate(args, lambda message, urn=None: found.append(message))
    return found


def resource(resource_type: str, name: str, props: dict, bucket_from: Optional[PolicyResource] = None) -> PolicyResource:
    """A stack resource; `bucket_from`: the resource its `bucket` property was computed from."""
    dependencies = {"bucket": [bucket_from]} if bucket_from else {}
    return PolicyResource(
        resource_type, unknown_checking_proxy(props), urn(resource_type, name), name, OPTS, None, None,
        list(dependencies.get("bucket", [])), dependencies,
    )


def check_stack(policy: Policy, *resources: PolicyResource) -> list[tuple[str, Optional[str]]]:
    """The violations a stack policy reports, as (message, urn)."""
    found: list[tuple[str, Optional[str]]] = []
    policy.validate(StackValidationArgs(list(resources)), lambda message, urn=None: found.append((message, urn)))
    return found


# --- bucket-public-access-prevention -----------------------------------------------------------


def test_gcs_bucket_enforcing_public_access_prevention_passes():
    assert check_resource(policies.bucket_public_access_prevention, GCS_BUCKET, {"publicAccessPrevention": "enforced"}) == []


@pytest.mark.parametrize("props", [{"publicAccessPrevention": "inherited"}, {}])
def test_gcs_bucket_without_public_access_prevention_is_a_violation(props):
    [message] = check_resource(policies.bucket_public_access_prevention, GCS_BUCKET, props)
    assert 'set publicAccessPrevention to "enforced"' in message


def test_gcs_bucket_setting_not_known_in_preview_is_left_to_the_sdk():
    # pulumi-policy turns this into an advisory "can't run during preview" note.
    with pytest.raises(UnknownValueError):
        check_resource(policies.bucket_public_access_prevention, GCS_BUCKET, {"publicAccessPrevention": UNKNOWN})


def test_azure_account_disallowing_blob_public_access_passes():
    assert check_resource(policies.bucket_public_access_prevention, AZURE_ACCOUNT, {"allowBlobPublicAccess": False}) == []


@pytest.mark.parametrize("props", [{"allowBlobPublicAccess": True}, {}])
def test_azure_account_allowing_or_not_setting_blob_public_access_is_a_violation(props):
    [message] = check_resource(policies.bucket_public_access_prevention, AZURE_ACCOUNT, props)
    assert "set allowBlobPublicAccess to false" in message


@pytest.mark.parametrize("props", [{}, {"publicAccess": "None"}])
def test_azure_container_without_public_access_passes(props):
    assert check_resource(policies.bucket_public_access_prevention, AZURE_CONTAINER, props) == []


@pytest.mark.parametrize("access", ["Blob", "Container"])
def test_azure_container_with_public_access_is_a_violation(access):
    [message] = check_resource(policies.bucket_public_access_prevention, AZURE_CONTAINER, {"publicAccess": access})
    assert f'it is "{access}"' in message and 'set it to "None"' in message


def test_public_access_policy_ignores_other_resources():
    assert check_resource(policies.bucket_public_access_prevention, SECRET, {"publicAccessPrevention": "inherited"}) == []


# --- s3-bucket-public-access-block -------------------------------------------------------------

ALL_BLOCKED = {flag: True for flag in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")}


def s3_bucket(name: str = "data", resource_type: str = S3_BUCKET, **props: Any) -> PolicyResource:
    return resource(resource_type, name, {"id": f"{name}-1a2b", "bucket": f"{name}-1a2b", **props})


@pytest.mark.parametrize("reference", ["id", "bucket"])
def test_s3_bucket_with_full_public_access_block_passes(reference):
    bucket = s3_bucket()
    block = resource(S3_PUBLIC_ACCESS_BLOCK, "data", {"bucket": bucket.props[reference], **ALL_BLOCKED})
    assert check_stack(policies.s3_bucket_public_access_block, bucket, block) == []


def test_s3_bucket_without_public_access_block_is_a_violation():
    bucket, other = s3_bucket("data"), s3_bucket("other")
    block = resource(S3_PUBLIC_ACCESS_BLOCK, "other", {"bucket": "other-1a2b", **ALL_BLOCKED})
    [(message, reported)] = check_stack(policies.s3_bucket_public_access_block, bucket, other, block)
    assert reported == bucket.urn
    assert "S3 bucket 'data' has no BucketPublicAccessBlock: add an aws.s3.BucketPublicAccessBlock" in message


def test_deprecated_bucket_v2_needs_a_public_access_block_too():
    [(_, reported)] = check_stack(policies.s3_bucket_public_access_block, s3_bucket(resource_type=S3_BUCKET_V2))
    assert reported == urn(S3_BUCKET_V2, "data")


def test_s3_public_access_block_with_a_flag_off_is_a_violation():
    bucket = s3_bucket()
    block = resource(S3_PUBLIC_ACCESS_BLOCK, "pab", {"bucket": "data-1a2b", **ALL_BLOCKED, "blockPublicPolicy": False})
    [(message, reported)] = check_stack(policies.s3_bucket_public_access_block, bucket, block)
    assert reported == bucket.urn
    assert "set blockPublicPolicy to true on BucketPublicAccessBlock 'pab'" in message


def test_s3_public_access_block_with_a_flag_missing_is_a_violation():
    bucket = s3_bucket()
    flags = {k: v for k, v in ALL_BLOCKED.items() if k != "ignorePublicAcls"}
    block = resource(S3_PUBLIC_ACCESS_BLOCK, "pab", {"bucket": "data-1a2b", **flags})
    [(message, _)] = check_stack(policies.s3_bucket_public_access_block, bucket, block)
    assert "set ignorePublicAcls to true" in message


def test_s3_public_access_block_matched_by_dependency_while_ids_are_unknown():
    bucket = s3_bucket(id=UNKNOWN, bucket=UNKNOWN)
    block = resource(S3_PUBLIC_ACCESS_BLOCK, "pab", {"bucket": UNKNOWN, **ALL_BLOCKED}, bucket_from=bucket)
    assert check_stack(policies.s3_bucket_public_access_block, bucket, block) == []


def test_s3_public_access_block_matched_by_id_while_the_name_is_unknown():
    bucket = s3_bucket(bucket=UNKNOWN)
    block = resource(S3_PUBLIC_ACCESS_BLOCK, "pab", {"bucket": "data-1a2b", **ALL_BLOCKED})
    assert check_stack(policies.s3_bucket_public_access_block, bucket, block) == []


def test_s3_public_access_block_matched_by_name_while_the_id_is_unknown():
    bucket = s3_bucket(id=UNKNOWN)
    block = resource(S3_PUBLIC_ACCESS_BLOCK, "pab", {"bucket": "data-1a2b", **ALL_BLOCKED})
    assert check_stack(policies.s3_bucket_public_access_block, bucket, block) == []


def test_s3_public_access_block_for_an_unknown_bucket_of_another_resource_does_not_count():
    bucket, other = s3_bucket(id=UNKNOWN), s3_bucket("other", id=UNKNOWN)
    block = resource(S3_PUBLIC_ACCESS_BLOCK, "pab", {"bucket": UNKNOWN, **ALL_BLOCKED}, bucket_from=other)
    reported = [urn_ for _, urn_ in check_stack(policies.s3_bucket_public_access_block, bucket, other, block)]
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
    assert check_resource(policies.bucket_encryption, GCS_BUCKET, props) == []


@pytest.mark.parametrize("key", ["", "  "])
def test_gcs_bucket_with_empty_customer_key_is_a_violation(key):
    [message] = check_resource(policies.bucket_encryption, GCS_BUCKET, {"encryption": {"defaultKmsKeyName": key}})
    assert "encryption.defaultKmsKeyName is empty: set it to a Cloud KMS key id" in message


@pytest.mark.parametrize("props", [GOOD_ACCOUNT, {"minimumTlsVersion": "TLS1_2"}])
def test_azure_account_encrypted_with_https_and_tls12_passes(props):
    assert check_resource(policies.bucket_encryption, AZURE_ACCOUNT, props) == []


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
    [message] = check_resource(policies.bucket_encryption, AZURE_ACCOUNT, {**GOOD_ACCOUNT, **change})
    assert expected in message


# --- s3-bucket-encryption ----------------------------------------------------------------------

SSE_RULES = {"rules": [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms"}, "bucketKeyEnabled": True}]}


@pytest.mark.parametrize("resource_type", [S3_ENCRYPTION, S3_ENCRYPTION_V2])
def test_s3_bucket_with_encryption_configuration_passes(resource_type):
    bucket = s3_bucket()
    configuration = resource(resource_type, "sse", {"bucket": "data-1a2b", **SSE_RULES})
    assert check_stack(policies.s3_bucket_encryption, bucket, configuration) == []


def test_s3_bucket_without_encryption_configuration_is_a_violation():
    # The bucket's deprecated inline configuration does not count.
    inline = {"rule": {"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}}
    bucket = s3_bucket(serverSideEncryptionConfiguration=inline)
    [(message, reported)] = check_stack(policies.s3_bucket_encryption, bucket)
    assert reported == bucket.urn
    assert "has no BucketServerSideEncryptionConfiguration: add an aws.s3.BucketServerSideEncryptionConfiguration" in message


def test_s3_encryption_configuration_without_default_algorithm_is_a_violation():
    bucket = s3_bucket()
    configuration = resource(S3_ENCRYPTION, "sse", {"bucket": "data-1a2b", "rules": [{"bucketKeyEnabled": True}]})
    [(message, _)] = check_stack(policies.s3_bucket_encryption, bucket, configuration)
    assert "add a rule with applyServerSideEncryptionByDefault.sseAlgorithm" in message


def test_s3_encryption_configuration_matched_by_dependency_in_preview():
    bucket = s3_bucket(id=UNKNOWN, bucket=UNKNOWN)
    configuration = resource(S3_ENCRYPTION, "sse", {"bucket": UNKNOWN, **SSE_RULES}, bucket_from=bucket)
    assert check_stack(policies.s3_bucket_encryption, bucket, configuration) == []


# --- no-writable-host-path ---------------------------------------------------------------------


def host_path_pv(path: str, access_modes: Optional[list[str]] = None) -> dict:
    spec: dict[str, Any] = {"hostPath": {"path": path}, "persistentVolumeReclaimPolicy": "Retain"}
    if access_modes is not None:
        spec["accessModes"] = access_modes
    return {"apiVersion": "v1", "kind": "PersistentVolume", "spec": spec}


@pytest.mark.parametrize(
    "props",
    [
        host_path_pv("/data", ["ReadOnlyMany"]),
        host_path_pv("/tmp", ["ReadWriteOnce"]),
        host_path_pv("/tmp/outputs", ["ReadWriteMany"]),
        {"spec": {"nfs": {"server": "nfs", "path": "/exports"}, "accessModes": ["ReadWriteMany"]}},
    ],
)
def test_read_only_or_tmp_or_non_host_path_volume_passes(props):
    assert check_resource(policies.no_writable_host_path, PV, props) == []


@pytest.mark.parametrize(
    "props",
    [
        host_path_pv("/data", ["ReadWriteOnce"]),
        host_path_pv("/data", ["ReadOnlyMany", "ReadWriteOnce"]),
        host_path_pv("/data"),
        host_path_pv("/tmpfiles", ["ReadWriteOnce"]),
        host_path_pv("/tmp/../etc", ["ReadWriteOnce"]),
    ],
)
def test_writable_host_path_volume_outside_tmp_is_a_violation(props):
    [message] = check_resource(policies.no_writable_host_path, PV, props)
    assert f"host path '{props['spec']['hostPath']['path']}' writable" in message
    assert "set accessModes to [ReadOnlyMany], or use a path under /tmp, or allow it" in message


def pod_spec(path: str = "/data", read_only: bool = False, init_read_only: bool = True) -> dict:
    host = {"name": "host", "mountPath": "/h"}
    scratch = {"name": "scratch", "mountPath": "/s"}
    return {
        "volumes": [
            {"name": "host", "hostPath": {"path": path, "type": "DirectoryOrCreate"}},
            {"name": "scratch", "emptyDir": {}},
        ],
        "initContainers": [{"name": "prepare", "volumeMounts": [{**host, "readOnly": init_read_only}]}],
        "containers": [
            {"name": "main", "volumeMounts": [{**host, "readOnly": read_only}, scratch]},
            {"name": "sidecar", "volumeMounts": [scratch]},
        ],
    }


# Where each workload keeps its pod spec, written out independently of the policy's own table.
WORKLOADS = {
    "kubernetes:core/v1:Pod": lambda spec: {"spec": spec},
    "kubernetes:core/v1:PodTemplate": lambda spec: {"template": {"spec": spec}},
    "kubernetes:apps/v1:Deployment": lambda spec: {"spec": {"template": {"spec": spec}}},
    "kubernetes:apps/v1:StatefulSet": lambda spec: {"spec": {"template": {"spec": spec}}},
    "kubernetes:apps/v1:DaemonSet": lambda spec: {"spec": {"template": {"spec": spec}}},
    "kubernetes:apps/v1:ReplicaSet": lambda spec: {"spec": {"template": {"spec": spec}}},
    "kubernetes:batch/v1:Job": lambda spec: {"spec": {"template": {"spec": spec}}},
    "kubernetes:batch/v1:CronJob": lambda spec: {"spec": {"jobTemplate": {"spec": {"template": {"spec": spec}}}}},
}


@pytest.mark.parametrize("workload", WORKLOADS)
def test_workload_mounting_host_path_read_only_passes(workload):
    assert check_resource(policies.no_writable_host_path, workload, WORKLOADS[workload](pod_spec(read_only=True))) == []


@pytest.mark.parametrize("workload", WORKLOADS)
def test_workload_writing_host_path_outside_tmp_is_a_violation(workload):
    [message] = check_resource(policies.no_writable_host_path, workload, WORKLOADS[workload](pod_spec()))
    assert "volume 'host' mounts host path '/data' writable in container(s) main: mount it with readOnly: true" in message


def test_init_container_writing_host_path_is_a_violation():
    [message] = check_resource(
        policies.no_writable_host_path, "kubernetes:core/v1:Pod", {"spec": pod_spec(read_only=True, init_read_only=False)}
    )
    assert "writable in container(s) prepare:" in message


@pytest.mark.parametrize("path", ["/tmp", "/tmp/outputs", "/tmp/outputs/"])
def test_workload_writing_under_tmp_passes(path):
    job = WORKLOADS["kubernetes:batch/v1:Job"](pod_spec(path))
    assert check_resource(policies.no_writable_host_path, "kubernetes:batch/v1:Job", job) == []


def test_host_path_volume_no_container_mounts_passes():
    spec = {"volumes": [{"name": "host", "hostPath": {"path": "/data"}}], "containers": [{"name": "main"}]}
    assert check_resource(policies.no_writable_host_path, "kubernetes:core/v1:Pod", {"spec": spec}) == []


@pytest.mark.parametrize(
    "config, path, allowed",
    [
        ({"allowedWritableHostPaths": ["/data"]}, "/data", True),
        ({"allowedWritableHostPaths": ["/data/"]}, "/data/team/outputs", True),
        ({"allowedWritableHostPaths": ["/data"]}, "/database", False),
        ({"allowedWritableHostPaths": ["/data"]}, "/data/../etc", False),
        ({"allowedWritableHostPaths": []}, "/data", False),
        ({"allowedWritableHostPaths": ["/"]}, "/data", True),
        ({"allowWritableHostPaths": True}, "/var/lib/anything", True),
        ({"allowWritableHostPaths": False, "allowedWritableHostPaths": ["/mnt"]}, "/data", False),
    ],
)
def test_stack_config_allows_writable_host_paths(config, path, allowed):
    job = WORKLOADS["kubernetes:batch/v1:Job"](pod_spec(path))
    assert (check_resource(policies.no_writable_host_path, "kubernetes:batch/v1:Job", job, config) == []) is allowed
    volume = host_path_pv(path, ["ReadWriteOnce"])
    assert (check_resource(policies.no_writable_host_path, PV, volume, config) == []) is allowed


def test_host_path_violation_says_how_to_allow_the_path():
    [message] = check_resource(policies.no_writable_host_path, PV, host_path_pv("/data", ["ReadWriteOnce"]))
    assert '{"no-writable-host-path": {"allowedWritableHostPaths": ["/data"]}}' in message
    assert "--policy-pack-config" in message


def test_host_path_config_schema_declares_the_allowances_with_defaults():
    properties = policies.no_writable_host_path.config_schema.properties
    assert properties["allowedWritableHostPaths"]["type"] == "array"
    assert properties["allowedWritableHostPaths"]["default"] == []
    assert properties["allowWritableHostPaths"]["type"] == "boolean"
    assert properties["allowWritableHostPaths"]["default"] is False


# --- persistent-volume-retain ------------------------------------------------------------------


def test_persistent_volume_retained_passes():
    assert check_resource(policies.persistent_volume_retain, PV, host_path_pv("/tmp/x")) == []


@pytest.mark.parametrize("policy, shown", [("Delete", '"Delete"'), ("Recycle", '"Recycle"'), (None, "unset")])
def test_persistent_volume_not_retained_is_a_violation(policy, shown):
    props = {"spec": {"nfs": {"server": "nfs", "path": "/e"}, "persistentVolumeReclaimPolicy": policy}}
    [message] = check_resource(policies.persistent_volume_retain, PV, props)
    assert f'set spec.persistentVolumeReclaimPolicy to "Retain"' in message and f"it is {shown}" in message


def test_retain_policy_ignores_claims():
    assert check_resource(policies.persistent_volume_retain, "kubernetes:core/v1:PersistentVolumeClaim", {"spec": {}}) == []


# --- read-only-secret-read-only-grants ---------------------------------------------------------

SA = "reader@project.iam.gserviceaccount.com"
PRINCIPAL = "0f0e0d0c-1111-2222-3333-444455556666"
READER_ROLE = "/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/2a2b9908-6ea1-4ae2-8e65-a410df84e7d1"
CONTRIBUTOR_ROLE = "/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/ba92f5b4-2d11-453d-a403-e96b0029c9fe"


def credentials(identity: str, access: str = "read-only", name: str = "bucket-creds") -> PolicyResource:
    annotations = {"polyaxon-storage/access": access, "polyaxon-storage/identity": identity}
    return resource(SECRET, name, {"metadata": {"name": name, "namespace": "team-a", "annotations": annotations}})


def gcs_member(role: str, member: str = f"serviceAccount:{SA}") -> PolicyResource:
    return resource(GCS_MEMBER, "grant", {"bucket": "data", "role": role, "member": member})


def user_policy(*statements: dict, user: str = "reader") -> PolicyResource:
    import json

    document = json.dumps({"Version": "2012-10-17", "Statement": list(statements)})
    return resource(USER_POLICY, "grant", {"user": user, "policy": document})


def allow(*actions: str) -> dict:
    return {"Effect": "Allow", "Action": list(actions), "Resource": "*"}


def role_assignment(role: str, principal: str = PRINCIPAL) -> PolicyResource:
    return resource(ROLE_ASSIGNMENT, "grant", {"principalId": principal, "roleDefinitionId": role, "scope": "/sub/s"})


@pytest.mark.parametrize(
    "secret, grant",
    [
        (credentials(SA), gcs_member("roles/storage.objectViewer")),
        (credentials(SA), gcs_member("roles/storage.legacyBucketReader")),
        (credentials(SA), gcs_member("roles/storage.admin", member="serviceAccount:writer@p.iam.gserviceaccount.com")),
        (credentials(SA, access="read-write"), gcs_member("roles/storage.objectAdmin")),
        (credentials("reader"), user_policy(allow("s3:GetObject", "s3:ListBucket"))),
        (credentials("reader"), user_policy(allow("s3:Get*", "s3:List*"), {"Effect": "Deny", "Action": "s3:*"})),
        (credentials("reader"), user_policy(allow("s3:PutObject"), user="writer")),
        (credentials(PRINCIPAL), role_assignment(READER_ROLE)),
        (credentials(PRINCIPAL.upper()), role_assignment(READER_ROLE.upper())),
        (credentials(PRINCIPAL), role_assignment(CONTRIBUTOR_ROLE, principal="99999999-0000-0000-0000-000000000000")),
    ],
)
def test_read_only_secret_granted_read_only_passes(secret, grant):
    assert check_stack(policies.read_only_secret_read_only_grants, secret, grant) == []


@pytest.mark.parametrize(
    "secret, grant, excess",
    [
        (credentials(SA), gcs_member("roles/storage.objectAdmin"), "role roles/storage.objectAdmin on bucket data"),
        (credentials(SA.upper()), gcs_member("roles/storage.objectCreator"), "role roles/storage.objectCreator"),
        (
            credentials(SA),
            gcs_member("roles/storage.objectUser", member=f"serviceaccount:{SA.title()}"),
            "role roles/storage.objectUser",
        ),
        (
            credentials(SA),
            resource(
                GCS_BINDING, "grant", {"bucket": "data", "role": "roles/storage.admin", "members": [f"serviceAccount:{SA}"]}
            ),
            "role roles/storage.admin",
        ),
        (credentials("reader"), user_policy(allow("s3:GetObject", "s3:PutObject")), "actions s3:PutObject"),
        (credentials("reader"), user_policy(allow("s3:*")), "actions s3:*"),
        (credentials("reader"), user_policy({"Effect": "Allow", "Action": "*", "Resource": "*"}), "actions *"),
        (credentials("reader"), user_policy(allow("s3:DeleteObject"), user="Reader"), "actions s3:DeleteObject"),
        (credentials("reader"), user_policy({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}), "actions NotAction"),
        (credentials(PRINCIPAL), role_assignment(CONTRIBUTOR_ROLE), f"role definition {CONTRIBUTOR_ROLE}"),
        (credentials(PRINCIPAL), role_assignment(CONTRIBUTOR_ROLE, principal=PRINCIPAL.upper()), "role definition"),
    ],
)
def test_read_only_secret_granted_more_than_read_is_a_violation(secret, grant, excess):
    [(message, reported)] = check_stack(policies.read_only_secret_read_only_grants, secret, grant)
    assert reported == grant.urn
    assert "Secret 'team-a/bucket-creds' is annotated polyaxon-storage/access: read-only" in message
    assert f"'{grant.name}' grants it {excess}" in message
    assert "or annotate the Secret read-write" in message


def test_user_policy_given_as_an_object_is_read_too():
    document = {"version": "2012-10-17", "statement": {"effect": "Allow", "action": "s3:PutObject", "resource": "*"}}
    grant = resource(USER_POLICY, "grant", {"user": "reader", "policy": document})
    [(message, _)] = check_stack(policies.read_only_secret_read_only_grants, credentials("reader"), grant)
    assert "grants it actions s3:PutObject" in message


def test_user_policy_that_is_not_json_is_a_violation():
    grant = resource(USER_POLICY, "grant", {"user": "reader", "policy": "{not json"})
    [(message, _)] = check_stack(policies.read_only_secret_read_only_grants, credentials("reader"), grant)
    assert "not valid JSON" in message


@pytest.mark.parametrize(
    "annotations, expected",
    [
        (
            {"polyaxon-storage/access": "readonly", "polyaxon-storage/identity": SA},
            "set annotation polyaxon-storage/access to read-only or read-write",
        ),
        ({"polyaxon-storage/access": "read-only"}, "add annotation polyaxon-storage/identity"),
        ({"polyaxon-storage/identity": SA}, "set annotation polyaxon-storage/access"),
    ],
)
def test_secret_breaking_the_annotation_convention_is_a_violation(annotations, expected):
    secret = resource(SECRET, "creds", {"metadata": {"name": "creds", "annotations": annotations}})
    [(message, reported)] = check_stack(policies.read_only_secret_read_only_grants, secret)
    assert reported == secret.urn and message.startswith("Secret 'creds': ") and expected in message


def test_secrets_without_the_annotations_are_not_checked():
    secret = resource(SECRET, "other", {"metadata": {"name": "other", "annotations": {"team": "a"}}})
    assert check_stack(policies.read_only_secret_read_only_grants, secret, gcs_member("roles/storage.admin")) == []


@pytest.mark.parametrize(
    "grant",
    [
        gcs_member("roles/storage.admin", member=UNKNOWN),
        resource(USER_POLICY, "grant", {"user": "reader", "policy": UNKNOWN}),
    ],
)
def test_grants_not_known_in_preview_are_left_for_pulumi_up(grant):
    flagged = gcs_member("roles/storage.objectAdmin")
    secrets = credentials(SA), credentials("reader", name="aws"), credentials(UNKNOWN, name="pending")
    found = check_stack(policies.read_only_secret_read_only_grants, *secrets, grant, flagged)
    assert [reported for _, reported in found] == [flagged.urn]


# --- this project's own stacks ------------------------------------------------------------------


@pytest.mark.parametrize("stack", sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in STACKS_DIR.glob("Pulumi.*.yaml")))
def test_every_stack_passes_the_pack(stack):
    """What each stack registers (rendered under the mock engine) breaks no policy."""
    pack = load_pack_main()
    registered = [r for r in render(stack_file(stack)).registrations if r.custom]
    found = [
        (policy.name, message)
        for policy in pack.POLICIES
        if not isinstance(policy, StackValidationPolicy)
        for r in registered
        for message in check_resource(policy, r.type, r.inputs)
    ]
    stack_resources = [resource(r.type, r.name, r.inputs) for r in registered]
    found += [
        (policy.name, message)
        for policy in pack.POLICIES
        if isinstance(policy, StackValidationPolicy)
        for message, _ in check_stack(policy, *stack_resources)
    ]
    assert found == []


def test_stacks_register_persistent_volumes_the_pack_checks():
    volumes = [r for r in render(stack_file("platform")).registrations if r.type == PV]
    assert volumes and all(check_resource(policies.persistent_volume_retain, PV, v.inputs) == [] for v in volumes)


# --- the pack ----------------------------------------------------------------------------------


def load_pack_main():
    """policy/__main__.py imported under another name: it builds its list and serves nothing."""
    spec = importlib.util.spec_from_file_location("polyaxon_storage_policy_pack", POLICY_DIR / "__main__.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_pack_lists_every_policy_once():
    pack = load_pack_main()
    defined = [value for value in vars(policies).values() if isinstance(value, Policy)]
    assert len({policy.name for policy in pack.POLICIES}) == len(pack.POLICIES)
    assert sorted(map(id, pack.POLICIES)) == sorted(map(id, defined))
    assert all(policy.enforcement_level is EnforcementLevel.MANDATORY for policy in pack.POLICIES)


def test_pack_serves_every_policy_to_the_engine(monkeypatch):
    """Run the real PolicyPack constructor; stop its server at once and ask it what it serves."""
    servicers = []
    add_servicer = policy_sdk.analyzer_pb2_grpc.add_AnalyzerServicer_to_server

    def capture(servicer, server):
        servicers.append(servicer)
        add_servicer(servicer, server)

    def stop(_seconds):
        raise KeyboardInterrupt

    monkeypatch.setattr(policy_sdk.analyzer_pb2_grpc, "add_AnalyzerServicer_to_server", capture)
    monkeypatch.setattr(policy_sdk, "time", type("Clock", (), {"sleep": staticmethod(stop)}))
    pack = load_pack_main()
    pack.serve()
    info = servicers[0].GetAnalyzerInfo(None, None)
    assert info.name == "polyaxon-storage"
    assert sorted(p.name for p in info.policies) == sorted(p.name for p in pack.POLICIES)
    host_path = next(p for p in info.policies if p.name == "no-writable-host-path")
    assert set(host_path.configSchema.properties) == {"allowedWritableHostPaths", "allowWritableHostPaths"}


def test_policy_requirements_pin_exact_versions():
    lines = [line.strip() for line in (POLICY_DIR / "requirements.txt").read_text().splitlines()]
    pins = dict(line.split("==") for line in lines if line and not line.startswith("#"))
    assert all(re.fullmatch(r"[A-Za-z0-9._-]+==\d+(\.\d+)*", f"{name}=={pin}") for name, pin in pins.items())
    assert pins == {"pulumi": "3.272.0", "pulumi-policy": "1.21.0"}
    project = dict(line.split("==") for line in (PROJECT_DIR / "requirements.txt").read_text().split() if "==" in line)
    assert pins["pulumi"] == project["pulumi"]
    assert "pulumi-policy==1.21.0" in (PROJECT_DIR / "requirements-test.txt").read_text().split()
    assert version("pulumi-policy") == pins["pulumi-policy"] and version("pulumi") == pins["pulumi"]


def test_pulumi_policy_yaml_runs_python_in_a_venv():
    manifest = yaml.safe_load((POLICY_DIR / "PulumiPolicy.yaml").read_text())
    assert manifest["runtime"]["name"] == "python"
    assert manifest["runtime"]["options"]["virtualenv"] == "venv"
    assert manifest["description"].strip()
