"""The policies of the polyaxon-storage policy pack, and the pure helpers they use.

`__main__.py` serves them as a pack (`pulumi preview --policy-pack policy`);
tests import this module directly and call each policy's `validate`.

Resource properties are read the way the engine hands them over: camelCase
names (`publicAccessPrevention`, `spec.hostPath`), wrapped by pulumi-policy in
a proxy that raises `UnknownValueError` on a value that is not known yet
(during `pulumi preview`, e.g. an id that depends on a resource not yet
created). Resource policies let it propagate: pulumi-policy then reports an
advisory "can't run policy during preview" note, and `pulumi up` checks the
resource with its real values before creating it. Stack policies skip only the
one bucket, grant or Secret whose reference is unknown, and check the rest;
`pulumi up` runs them again on the final values.

Bucket credentials convention (rule `read-only-secret-read-only-grants`)
-----------------------------------------------------------------------
A Kubernetes Secret holding credentials for a bucket entry carries two
metadata annotations:

    polyaxon-storage/access: read-only | read-write
    polyaxon-storage/identity: <identity the credentials authenticate as>

where the identity is the GCP service account email, the AWS IAM user name or
the Azure principal (object) id. A Secret annotated `read-only` may only be
used by read-only entries, and its identity may only be granted read access:
GCS `roles/storage.objectViewer` (or a `roles/storage.legacy*Reader` role), AWS
`s3:Get*` / `s3:List*` actions, Azure "Storage Blob Data Reader".
"""

from __future__ import annotations

import json
import posixpath
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping, Optional, Sequence

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UnknownValueError

# --- resource type tokens ---------------------------------------------------------------------

GCS_BUCKET = "gcp:storage/bucket:Bucket"
GCS_BUCKET_IAM_MEMBER = "gcp:storage/bucketIAMMember:BucketIAMMember"
GCS_BUCKET_IAM_BINDING = "gcp:storage/bucketIAMBinding:BucketIAMBinding"
# pulumi-aws 7 renamed BucketV2 to Bucket; the deprecated V2 tokens still exist.
S3_BUCKETS = ("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2")
S3_PUBLIC_ACCESS_BLOCKS = ("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",)
S3_ENCRYPTION_CONFIGURATIONS = (
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
)
AWS_USER_POLICY = "aws:iam/userPolicy:UserPolicy"
AZURE_STORAGE_ACCOUNT = "azure-native:storage:StorageAccount"
AZURE_BLOB_CONTAINER = "azure-native:storage:BlobContainer"
AZURE_ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment"
K8S_PERSISTENT_VOLUME = "kubernetes:core/v1:PersistentVolume"
K8S_SECRET = "kubernetes:core/v1:Secret"

# Where each workload keeps its pod spec.
POD_SPEC_PATHS: Mapping[str, tuple[str, ...]] = {
    "kubernetes:core/v1:Pod": ("spec",),
    "kubernetes:core/v1:PodTemplate": ("template", "spec"),
    "kubernetes:apps/v1:Deployment": ("spec", "template", "spec"),
    "kubernetes:apps/v1:StatefulSet": ("spec", "template", "spec"),
    "kubernetes:apps/v1:DaemonSet": ("spec", "template", "spec"),
    "kubernetes:apps/v1:ReplicaSet": ("spec", "template", "spec"),
    "kubernetes:batch/v1:Job": ("spec", "template", "spec"),
    "kubernetes:batch/v1:CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
}

# --- constants of the rules -------------------------------------------------------------------

S3_PUBLIC_ACCESS_FLAGS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
AZURE_MINIMUM_TLS = "TLS1_2"  # Azure Storage does not support TLS1_3 as a minimum
ALWAYS_WRITABLE_HOST_PATH = "/tmp"

ACCESS_ANNOTATION = "polyaxon-storage/access"
IDENTITY_ANNOTATION = "polyaxon-storage/identity"
READ_ONLY, READ_WRITE = "read-only", "read-write"

GCS_READ_ROLES = frozenset(
    {"roles/storage.objectViewer", "roles/storage.legacyObjectReader", "roles/storage.legacyBucketReader"}
)
AWS_READ_ACTION_PREFIXES = ("s3:get", "s3:list")  # compared lowercased: s3:GetObject, s3:List*, ...
AZURE_BLOB_READER_ROLE = "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1"  # Storage Blob Data Reader

HOST_PATH_CONFIG_SCHEMA = PolicyConfigSchema(
    properties={
        "allowedWritableHostPaths": {
            "type": "array",
            "items": {"type": "string", "pattern": "^/"},
            "default": [],
            "description": "Host paths (and everything under them) this stack may mount writable, besides /tmp.",
        },
        "allowWritableHostPaths": {
            "type": "boolean",
            "default": False,
            "description": "Allow every writable host path in this stack.",
        },
    }
)

# --- reading properties -----------------------------------------------------------------------


def value_at(props: Any, *path: str | int, default: Any = None) -> Any:
    """The value at `path` (keys and list indexes), or `default` when a step is missing or null.

    An unknown value on the way raises pulumi-policy's UnknownValueError.
    """
    current = props
    for step in path:
        if isinstance(step, int):
            if not isinstance(current, Sequence) or isinstance(current, str) or not -len(current) <= step < len(current):
                return default
        elif not isinstance(current, Mapping) or step not in current:
            return default
        current = current[step]
        if current is None:
            return default
    return current


def known_value(props: Any, *path: str | int) -> Any:
    """Like `value_at`, but None when the value is not known yet (preview)."""
    try:
        return value_at(props, *path)
    except UnknownValueError:
        return None


def skipping_unknown(check: Callable[..., list[Any]], *args: Any) -> list[Any]:
    """`check(*args)`, or no problem when it needs a value not known yet: `pulumi up` checks it again."""
    try:
        return check(*args)
    except UnknownValueError:
        return []


def as_list(value: Any) -> list[Any]:
    """A JSON value that may be one item or a list of them, as a list."""
    if value is None:
        return []
    if isinstance(value, (str, Mapping)):
        return [value]
    return list(value)


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
    if value_at(props, "enableHttpsTrafficOnly") is False:
        problems.append("set enableHttpsTrafficOnly to true (or leave it unset): clients must use HTTPS")
    tls = value_at(props, "minimumTlsVersion")
    if tls != AZURE_MINIMUM_TLS:
        shown = f'"{tls}"' if tls is not None else "unset (which Azure reads as TLS1_0)"
        problems.append(f'set minimumTlsVersion to "{AZURE_MINIMUM_TLS}"; it is {shown}')
    return problems


# --- rule: persistent volumes keep their data -------------------------------------------------


def reclaim_policy_problems(props: Mapping[str, Any]) -> list[str]:
    policy = value_at(props, "spec", "persistentVolumeReclaimPolicy")
    if policy == "Retain":
        return []
    shown = f'"{policy}"' if policy is not None else "unset (its default depends on how the volume was made)"
    return [
        f'set spec.persistentVolumeReclaimPolicy to "Retain" so releasing the claim never deletes the data; it is {shown}'
    ]


# --- rule: no writable host path outside /tmp -------------------------------------------------


def path_within(path: str, prefix: str) -> bool:
    """`path` is `prefix` or under it, compared as normalised absolute paths (`/tmp/../etc` is `/etc`)."""
    path, prefix = posixpath.normpath(path), posixpath.normpath(prefix)
    return path == prefix or path.startswith(prefix.rstrip("/") + "/")


@dataclass(frozen=True)
class HostPathAllowance:
    """What the stack's policy config lets it mount writable, besides /tmp."""

    prefixes: tuple[str, ...] = ()
    allow_all: bool = False

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> "HostPathAllowance":
        return cls(
            prefixes=tuple(config.get("allowedWritableHostPaths") or ()),
            allow_all=bool(config.get("allowWritableHostPaths", False)),
        )

    def allows(self, path: str) -> bool:
        return self.allow_all or any(path_within(path, prefix) for prefix in (ALWAYS_WRITABLE_HOST_PATH, *self.prefixes))


WRITABLE_HOST_PATH_FIX = (
    "use a path under /tmp, or allow it for this stack in the policy pack config "
    '({"no-writable-host-path": {"allowedWritableHostPaths": ["%s"]}}, passed with --policy-pack-config)'
)


def writable_host_path_mounts(pod_spec: Mapping[str, Any]) -> dict[str, tuple[str, list[str]]]:
    """hostPath volumes some container mounts without readOnly: volume -> (host path, containers)."""
    host_paths = {
        value_at(volume, "name"): value_at(volume, "hostPath", "path", default="")
        for volume in value_at(pod_spec, "volumes", default=[])
        if value_at(volume, "hostPath") is not None
    }
    writable: dict[str, tuple[str, list[str]]] = {}
    for kind in ("initContainers", "containers", "ephemeralContainers"):
        for container in value_at(pod_spec, kind, default=[]):
            for mount in value_at(container, "volumeMounts", default=[]):
                name = value_at(mount, "name")
                if name in host_paths and value_at(mount, "readOnly") is not True:
                    writable.setdefault(name, (host_paths[name], []))[1].append(value_at(container, "name", default="?"))
    return writable


def pod_host_path_problems(pod_spec: Mapping[str, Any], allowance: HostPathAllowance) -> list[str]:
    return [
        f"volume '{volume}' mounts host path '{path}' writable in container(s) {', '.join(containers)}: "
        f"mount it with readOnly: true, or " + WRITABLE_HOST_PATH_FIX % path
        for volume, (path, containers) in sorted(writable_host_path_mounts(pod_spec).items())
        if not allowance.allows(path)
    ]


def persistent_volume_host_path_problems(props: Mapping[str, Any], allowance: HostPathAllowance) -> list[str]:
    path = value_at(props, "spec", "hostPath", "path")
    if path is None:
        return []
    modes = list(value_at(props, "spec", "accessModes", default=[]))
    if (modes and all(mode == "ReadOnlyMany" for mode in modes)) or allowance.allows(path):
        return []
    return [
        f"PersistentVolume mounts host path '{path}' writable (accessModes {modes or 'unset'}): "
        f"set accessModes to [ReadOnlyMany], or " + WRITABLE_HOST_PATH_FIX % path
    ]


def host_path_problems(resource_type: str, props: Mapping[str, Any], allowance: HostPathAllowance) -> list[str]:
    if resource_type == K8S_PERSISTENT_VOLUME:
        return persistent_volume_host_path_problems(props, allowance)
    if resource_type in POD_SPEC_PATHS:
        pod_spec = value_at(props, *POD_SPEC_PATHS[resource_type], default={})
        return pod_host_path_problems(pod_spec, allowance)
    return []


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


# --- rule: read-only credentials are granted read only ----------------------------------------


def secret_annotation_problems(annotations: Mapping[str, Any]) -> list[str]:
    """The convention's annotations, when a Secret uses them, are both present and valid."""
    access, identity = annotations.get(ACCESS_ANNOTATION), annotations.get(IDENTITY_ANNOTATION)
    if access is None and identity is None:
        return []
    problems = []
    if access not in (READ_ONLY, READ_WRITE):
        problems.append(f"set annotation {ACCESS_ANNOTATION} to {READ_ONLY} or {READ_WRITE}; it is {access!r}")
    if not identity:
        problems.append(
            f"add annotation {IDENTITY_ANNOTATION}: the GCP service account email, AWS IAM user name "
            "or Azure principal id the credentials authenticate as"
        )
    return problems


def iam_field(document: Mapping[str, Any], name: str) -> Any:
    """A field of an IAM policy document, whatever its capitalisation (`Statement`, `statement`)."""
    return next((document[key] for key in document if key.lower() == name.lower()), None)


def aws_actions_beyond_read(policy: Any) -> list[str]:
    """Actions an IAM policy document (JSON text or object) allows beyond s3:Get* and s3:List*."""
    try:
        document = json.loads(policy) if isinstance(policy, str) else policy
    except json.JSONDecodeError:
        return ["(a policy document that is not valid JSON)"]
    beyond = []
    for statement in as_list(iam_field(document, "Statement")):
        if str(iam_field(statement, "Effect")).lower() != "allow":
            continue
        if iam_field(statement, "NotAction") is not None:
            beyond.append("NotAction (everything but the actions listed)")
        actions = as_list(iam_field(statement, "Action"))
        beyond.extend(a for a in actions if not str(a).lower().startswith(AWS_READ_ACTION_PREFIXES))
    return beyond


@dataclass(frozen=True)
class GrantKind:
    """How to read one kind of grant resource."""

    grantees: Callable[[Mapping[str, Any]], list[str]]
    """Identities the grant is for, lowercased."""
    beyond_read: Callable[[Mapping[str, Any]], Optional[str]]
    """What it grants beyond read, or None when it grants read only."""
    read_grant: str
    """What a read-only grant of this kind looks like."""


def gcs_grantees(props: Mapping[str, Any]) -> list[str]:
    members = [value_at(props, "member"), *as_list(value_at(props, "members"))]
    prefix = "serviceaccount:"
    return [m.lower()[len(prefix):] for m in members if isinstance(m, str) and m.lower().startswith(prefix)]


def gcs_beyond_read(props: Mapping[str, Any]) -> Optional[str]:
    role = value_at(props, "role")
    return None if role in GCS_READ_ROLES else f"role {role} on bucket {value_at(props, 'bucket')}"


def aws_beyond_read(props: Mapping[str, Any]) -> Optional[str]:
    actions = aws_actions_beyond_read(value_at(props, "policy"))
    return f"actions {', '.join(map(str, actions))}" if actions else None


def azure_beyond_read(props: Mapping[str, Any]) -> Optional[str]:
    role = str(value_at(props, "roleDefinitionId", default=""))
    if role.lower().rstrip("/").split("/")[-1] == AZURE_BLOB_READER_ROLE:
        return None
    return f"role definition {role} at scope {value_at(props, 'scope')}"


def single_grantee(key: str) -> Callable[[Mapping[str, Any]], list[str]]:
    def grantees(props: Mapping[str, Any]) -> list[str]:
        value = value_at(props, key)
        return [value.lower()] if isinstance(value, str) else []

    return grantees


GRANT_KINDS: Mapping[str, GrantKind] = {
    GCS_BUCKET_IAM_MEMBER: GrantKind(gcs_grantees, gcs_beyond_read, "role roles/storage.objectViewer"),
    GCS_BUCKET_IAM_BINDING: GrantKind(gcs_grantees, gcs_beyond_read, "role roles/storage.objectViewer"),
    AWS_USER_POLICY: GrantKind(single_grantee("user"), aws_beyond_read, "only s3:GetObject and s3:ListBucket"),
    AZURE_ROLE_ASSIGNMENT: GrantKind(
        single_grantee("principalId"), azure_beyond_read, f"role Storage Blob Data Reader ({AZURE_BLOB_READER_ROLE})"
    ),
}


def secret_label(secret: PolicyResource) -> str:
    name = known_value(secret.props, "metadata", "name") or secret.name
    namespace = known_value(secret.props, "metadata", "namespace")
    return f"{namespace}/{name}" if namespace else name


def grant_problems(secret: PolicyResource, identity: str, grant: PolicyResource) -> list[str]:
    kind = GRANT_KINDS[grant.resource_type]
    if identity.lower() not in kind.grantees(grant.props):
        return []
    excess = kind.beyond_read(grant.props)
    if excess is None:
        return []
    return [
        f"Secret '{secret_label(secret)}' is annotated {ACCESS_ANNOTATION}: {READ_ONLY} for '{identity}', but "
        f"{grant.resource_type.rsplit(':', 1)[-1]} '{grant.name}' grants it {excess}: grant it {kind.read_grant}, "
        f"or annotate the Secret {READ_WRITE} and use it for writable entries only"
    ]


def secret_problems(secret: PolicyResource, grants: Sequence[PolicyResource]) -> list[tuple[str, str]]:
    """(message, urn) for the Secret's annotations, then for each grant beyond read to its read-only identity."""
    annotations = value_at(secret.props, "metadata", "annotations", default={})
    problems = [
        (f"Secret '{secret_label(secret)}': {problem}", secret.urn) for problem in secret_annotation_problems(annotations)
    ]
    identity = annotations.get(IDENTITY_ANNOTATION)
    if annotations.get(ACCESS_ANNOTATION) == READ_ONLY and identity:
        for grant in grants:
            problems += [(problem, grant.urn) for problem in skipping_unknown(grant_problems, secret, identity, grant)]
    return problems


def validate_read_only_secrets(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    grants = [r for r in args.resources if r.resource_type in GRANT_KINDS]
    for secret in args.resources:
        if secret.resource_type == K8S_SECRET:
            for message, urn in skipping_unknown(secret_problems, secret, grants):
                report_violation(message, urn)


# --- the policies -----------------------------------------------------------------------------


def resource_policy(
    name: str, description: str, checks: Mapping[str, Callable[[Mapping[str, Any]], list[str]]]
) -> ResourceValidationPolicy:
    """A mandatory policy running, on each resource, the check registered for its type."""

    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        check = checks.get(args.resource_type)
        for problem in check(args.props) if check else []:
            report_violation(problem, None)

    return ResourceValidationPolicy(
        name=name, description=description, validate=validate, enforcement_level=EnforcementLevel.MANDATORY
    )


def validate_host_paths(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    allowance = HostPathAllowance.from_config(args.get_config())
    for problem in host_path_problems(args.resource_type, args.props, allowance):
        report_violation(problem, None)


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

no_writable_host_path = ResourceValidationPolicy(
    name="no-writable-host-path",
    description="No writable hostPath outside /tmp unless the stack's policy config allows it "
    "(allowedWritableHostPaths, allowWritableHostPaths): a PersistentVolume's hostPath is writable unless all its "
    "accessModes are ReadOnlyMany, a pod's hostPath volume when a container mounts it without readOnly: true.",
    validate=validate_host_paths,
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=HOST_PATH_CONFIG_SCHEMA,
)

persistent_volume_retain = resource_policy(
    "persistent-volume-retain",
    'PersistentVolumes set persistentVolumeReclaimPolicy "Retain", so data outlives its claim.',
    {K8S_PERSISTENT_VOLUME: reclaim_policy_problems},
)

read_only_secret_read_only_grants = StackValidationPolicy(
    name="read-only-secret-read-only-grants",
    description=f"A Secret annotated {ACCESS_ANNOTATION}: {READ_ONLY} holds credentials whose identity "
    f"({IDENTITY_ANNOTATION}) is granted read access only (GCS bucket IAM, AWS user policies, Azure role "
    "assignments in this stack).",
    validate=validate_read_only_secrets,
    enforcement_level=EnforcementLevel.MANDATORY,
)
