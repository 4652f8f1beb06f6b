"""Credentials: a Secret annotated read-only holds credentials whose identity is granted read only.

The convention
--------------
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
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Optional, Sequence

from pulumi_policy import EnforcementLevel, PolicyResource, ReportViolation, StackValidationArgs, StackValidationPolicy

from shared import as_list, conventions, known_value, skipping_unknown, value_at

GCS_BUCKET_IAM_MEMBER = "gcp:storage/bucketIAMMember:BucketIAMMember"
GCS_BUCKET_IAM_BINDING = "gcp:storage/bucketIAMBinding:BucketIAMBinding"
AWS_USER_POLICY = "aws:iam/userPolicy:UserPolicy"
AZURE_ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment"
K8S_SECRET = "kubernetes:core/v1:Secret"

ACCESS_ANNOTATION, IDENTITY_ANNOTATION = conventions.ACCESS_ANNOTATION, conventions.IDENTITY_ANNOTATION
READ_ONLY, READ_WRITE = conventions.READ_ONLY, conventions.READ_WRITE
GCS_READ_ROLES = frozenset(
    {"roles/storage.objectViewer", "roles/storage.legacyObjectReader", "roles/storage.legacyBucketReader"}
)
AWS_READ_ACTION_PREFIXES = ("s3:get", "s3:list")  # compared lowercased: s3:GetObject, s3:List*, ...
AZURE_BLOB_READER_ROLE = "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1"  # Storage Blob Data Reader


# --- the rule ---------------------------------------------------------------------------------


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


# --- the policy -------------------------------------------------------------------------------

read_only_secret_read_only_grants = StackValidationPolicy(
    name="read-only-secret-read-only-grants",
    description=f"A Secret annotated {ACCESS_ANNOTATION}: {READ_ONLY} holds credentials whose identity "
    f"({IDENTITY_ANNOTATION}) is granted read access only (GCS bucket IAM, AWS user policies, Azure role "
    "assignments in this stack).",
    validate=validate_read_only_secrets,
    enforcement_level=EnforcementLevel.MANDATORY,
)
