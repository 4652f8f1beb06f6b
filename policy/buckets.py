"""Buckets: private, encrypted, reached over TLS (GCS, S3, Azure Blob).

The S3 rules are stack policies: pulumi-aws 7 configures a bucket's public
access block and encryption through companion resources, so the bucket alone
cannot tell.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, Mapping, Sequence

from pulumi_policy import (
    EnforcementLevel,
    PolicyResource,
    ReportViolation,
    StackValidationArgs,
    StackValidationPolicy,
)

from shared import known_value, resource_policy, skipping_unknown, value_at

GCS_BUCKET = "gcp:storage/bucket:Bucket"
# pulumi-aws 7 renamed BucketV2 to Bucket; the deprecated V2 tokens still exist.
S3_BUCKETS = ("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2")
S3_PUBLIC_ACCESS_BLOCKS = ("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",)
S3_ENCRYPTION_CONFIGURATIONS = (
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
)
AZURE_STORAGE_ACCOUNT = "azure-native:storage:StorageAccount"
AZURE_BLOB_CONTAINER = "azure-native:storage:BlobContainer"

S3_PUBLIC_ACCESS_FLAGS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
AZURE_MINIMUM_TLS = "TLS1_2"  # Azure Storage does not support TLS1_3 as a minimum


# --- rule: buckets prevent public access ------------------------------------------------------


def gcs_public_access_problems(props: Mapping[str, Any]) -> list[str]:
    setting = value_at(props, "publicAccessPrevention")
    if setting == "enforced":
        return []
    shown = f'"{setting}"' if setting is not None else 'unset (which means "inherited")'
    return [f'set publicAccessPrevention to "enforced" on the GCS bucket; it is {shown}']


def azure_account_public_access_problems(props: Mapping[str, Any]) -> list[str]:
    if value_at(props, "allowBlobPublicAccess") is False:
        return []
    return [
        "set allowBlobPublicAccess to false on the storage account, explicitly "
        "(its default depends on the API version and the account's age)"
    ]


def azure_container_public_access_problems(props: Mapping[str, Any]) -> list[str]:
    access = value_at(props, "publicAccess", default="None")
    if access == "None":
        return []
    return [f'remove publicAccess from the blob container, or set it to "None"; it is "{access}"']


# --- rule: buckets are encrypted --------------------------------------------------------------


def gcs_encryption_problems(props: Mapping[str, Any]) -> list[str]:
    """GCS encrypts every bucket at rest (Google-managed keys); only a customer key can be wrong."""
    key = value_at(props, "encryption", "defaultKmsKeyName")
    if key is None or str(key).strip():
        return []
    return [
        "encryption.defaultKmsKeyName is empty: set it to a Cloud KMS key id, or remove the encryption "
        "block to use Google-managed keys (GCS always encrypts at rest)"
    ]


def azure_account_encryption_problems(props: Mapping[str, Any]) -> list[str]:
    problems = []
    if value_at(props, "encryption", "services", "blob", "enabled") is False:
        problems.append("remove encryption.services.blob.enabled: false; blob encryption must stay on")
    # NFS file shares refuse secure transfer: a file storage account without public network access (the files
    # policies' rule) may turn it off.
    if value_at(props, "enableHttpsTrafficOnly") is False and value_at(props, "kind") != "FileStorage":
        problems.append("set enableHttpsTrafficOnly to true (or leave it unset): clients must use HTTPS")
    tls = value_at(props, "minimumTlsVersion")
    if tls != AZURE_MINIMUM_TLS:
        shown = f'"{tls}"' if tls is not None else "unset (which Azure reads as TLS1_0)"
        problems.append(f'set minimumTlsVersion to "{AZURE_MINIMUM_TLS}"; it is {shown}')
    return problems


# --- rule: S3 buckets have their companion resources ------------------------------------------


def configures_bucket(companion: PolicyResource, bucket: PolicyResource) -> bool:
    """`companion`'s `bucket` property names `bucket`: by its id or name, or, while that is not
    known (preview), by the dependency Pulumi recorded for the property."""
    reference = known_value(companion.props, "bucket")
    names = {known_value(bucket.props, key) for key in ("id", "bucket")} - {None}
    if reference is not None and reference in names:
        return True
    return any(dependency.urn == bucket.urn for dependency in companion.property_dependencies.get("bucket", []))


def public_access_block_problems(block: PolicyResource) -> list[str]:
    off = [flag for flag in S3_PUBLIC_ACCESS_FLAGS if value_at(block.props, flag) is not True]
    return [f"set {', '.join(off)} to true on BucketPublicAccessBlock '{block.name}'"] if off else []


def encryption_configuration_problems(configuration: PolicyResource) -> list[str]:
    rules = value_at(configuration.props, "rules", default=[])
    if any(value_at(rule, "applyServerSideEncryptionByDefault", "sseAlgorithm") for rule in rules):
        return []
    return [
        f"add a rule with applyServerSideEncryptionByDefault.sseAlgorithm (\"aws:kms\" or \"AES256\") to "
        f"BucketServerSideEncryptionConfiguration '{configuration.name}'"
    ]


def s3_companion_problems(
    bucket: PolicyResource,
    resources: Sequence[PolicyResource],
    companion_types: Iterable[str],
    companion_problems: Callable[[PolicyResource], list[str]],
    missing: str,
) -> list[str]:
    """Problems of one S3 bucket: no companion resource for it, or those of the companions it has."""
    companion_types = tuple(companion_types)
    companions = [r for r in resources if r.resource_type in companion_types and configures_bucket(r, bucket)]
    if not companions:
        return [f"S3 bucket '{bucket.name}' {missing}"]
    problems = [companion_problems(companion) for companion in companions]
    if not all(problems):  # one good companion is enough
        return []
    return [f"S3 bucket '{bucket.name}': {problem}" for found in problems for problem in found]


def s3_stack_validation(
    companion_types: Iterable[str], companion_problems: Callable[[PolicyResource], list[str]], missing: str
) -> Callable[[StackValidationArgs, ReportViolation], None]:
    def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
        for bucket in args.resources:
            if bucket.resource_type in S3_BUCKETS:
                for problem in skipping_unknown(
                    s3_companion_problems, bucket, args.resources, companion_types, companion_problems, missing
                ):
                    report_violation(problem, bucket.urn)

    return validate


# --- the policies -----------------------------------------------------------------------------

bucket_public_access_prevention = resource_policy(
    "bucket-public-access-prevention",
    "Buckets prevent public access: GCS buckets enforce public access prevention, Azure storage accounts "
    "disallow blob public access and blob containers grant no public access.",
    {
        GCS_BUCKET: gcs_public_access_problems,
        AZURE_STORAGE_ACCOUNT: azure_account_public_access_problems,
        AZURE_BLOB_CONTAINER: azure_container_public_access_problems,
    },
)

s3_bucket_public_access_block = StackValidationPolicy(
    name="s3-bucket-public-access-block",
    description="Every S3 bucket has a BucketPublicAccessBlock with blockPublicAcls, blockPublicPolicy, "
    "ignorePublicAcls and restrictPublicBuckets all true.",
    validate=s3_stack_validation(
        S3_PUBLIC_ACCESS_BLOCKS,
        public_access_block_problems,
        "has no BucketPublicAccessBlock: add an aws.s3.BucketPublicAccessBlock with bucket=<the bucket's id> and "
        + ", ".join(S3_PUBLIC_ACCESS_FLAGS)
        + " set to true",
    ),
    enforcement_level=EnforcementLevel.MANDATORY,
)

bucket_encryption = resource_policy(
    "bucket-encryption",
    "Buckets are encrypted and reached over TLS: Azure storage accounts keep blob encryption on, require "
    "HTTPS and TLS 1.2; a GCS customer key, when set, is not empty (GCS has no unencrypted mode).",
    {GCS_BUCKET: gcs_encryption_problems, AZURE_STORAGE_ACCOUNT: azure_account_encryption_problems},
)

s3_bucket_encryption = StackValidationPolicy(
    name="s3-bucket-encryption",
    description="Every S3 bucket has a BucketServerSideEncryptionConfiguration (the bucket's deprecated inline "
    "serverSideEncryptionConfiguration does not count).",
    validate=s3_stack_validation(
        S3_ENCRYPTION_CONFIGURATIONS,
        encryption_configuration_problems,
        "has no BucketServerSideEncryptionConfiguration: add an aws.s3.BucketServerSideEncryptionConfiguration "
        'with bucket=<the bucket\'s id> and a rule applying sseAlgorithm "aws:kms" or "AES256"',
    ),
    enforcement_level=EnforcementLevel.MANDATORY,
)
