"""Credentials: what is annotated read-only authenticates as identities granted read only.

The convention
--------------
A Kubernetes Secret holding credentials for a bucket entry, or a
ServiceAccount whose pods reach buckets through a cloud's workload identity,
carries two metadata annotations:

    polyaxon-storage/access: read-only | read-write
    polyaxon-storage/identity: <identities the credentials or pods authenticate as>

where an identity is the GCP service account email (or a `principal://`
member), the AWS IAM user or role name, or the Azure principal (object) id;
several are separated by spaces (a ServiceAccount may reach several clouds).
If the annotation says `read-only`, those identities may only be granted read
access: GCS `roles/storage.objectViewer` (or a `roles/storage.legacy*Reader`
role), AWS `s3:Get*` / `s3:List*` actions (user or role policies), Azure
"Storage Blob Data Reader"; and no role on a service account (which would let
them act as it).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Optional, Sequence

from pulumi_policy import EnforcementLevel, PolicyResource, ReportViolation, StackValidationArgs, StackValidationPolicy

from shared import as_list, conventions, known_value, skipping_unknown, value_at

GCS_BUCKET_IAM_MEMBER = "gcp:storage/bucketIAMMember:BucketIAMMember"
GCS_BUCKET_IAM_BINDING = "gcp:storage/bucketIAMBinding:BucketIAMBinding"
GCP_SERVICE_ACCOUNT_IAM_MEMBER = "gcp:serviceaccount/iAMMember:IAMMember"
AWS_USER_POLICY = "aws:iam/userPolicy:UserPolicy"
AWS_ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
AZURE_ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment"
# What carries the annotations: credentials, or pods' workload identity.
ANNOTATED_KINDS = {"kubernetes:core/v1:Secret": "Secret", "kubernetes:core/v1:ServiceAccount": "ServiceAccount"}

ACCESS_ANNOTATION, IDENTITY_ANNOTATION = conventions.ACCESS_ANNOTATION, conventions.IDENTITY_ANNOTATION
READ_ONLY, READ_WRITE = conventions.READ_ONLY, conventions.READ_WRITE
GCS_READ_ROLES = frozenset(
    {"roles/storage.objectViewer", "roles/storage.legacyObjectReader", "roles/storage.legacyBucketReader"}
)
AWS_READ_ACTION_PREFIXES = ("s3:get", "s3:list")  # compared lowercased: s3:GetObject, s3:List*, ...
AZURE_BLOB_READER_ROLE = "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1"  # Storage Blob Data Reader
# IAM members that name an identity: `serviceAccount:<email>`, or a workload identity principal as it is.
GCP_MEMBER_PREFIXES = ("serviceaccount:",)
GCP_PRINCIPAL_PREFIXES = ("principal://", "principalset://")


# --- the rule ---------------------------------------------------------------------------------


def annotation_problems(annotations: Mapping[str, Any]) -> list[str]:
    """The convention's annotations, when a resource uses them, are both present and valid."""
    access, identity = annotations.get(ACCESS_ANNOTATION), annotations.get(IDENTITY_ANNOTATION)
    if access is None and identity is None:
        return []
    problems = []
    if access not in (READ_ONLY, READ_WRITE):
        problems.append(f"set annotation {ACCESS_ANNOTATION} to {READ_ONLY} or {READ_WRITE}; it is {access!r}")
    if not identity:
        problems.append(
            f"add annotation {IDENTITY_ANNOTATION}: the GCP service account email, AWS IAM user or role name "
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
    found = []
    for member in (m.lower() for m in members if isinstance(m, str)):
        if member.startswith(GCP_MEMBER_PREFIXES):
            found.append(member.split(":", 1)[1])
        elif member.startswith(GCP_PRINCIPAL_PREFIXES):
            found.append(member)
    return found


def gcs_beyond_read(props: Mapping[str, Any]) -> Optional[str]:
    role = value_at(props, "role")
    return None if role in GCS_READ_ROLES else f"role {role} on bucket {value_at(props, 'bucket')}"


def service_account_grant(props: Mapping[str, Any]) -> str:
    """Any role on a service account lets the member act as it (or manage it): never read only."""
    return f"role {value_at(props, 'role')} on service account {value_at(props, 'serviceAccountId')}"


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
    GCP_SERVICE_ACCOUNT_IAM_MEMBER: GrantKind(gcs_grantees, service_account_grant, "no role on a service account"),
    AWS_USER_POLICY: GrantKind(single_grantee("user"), aws_beyond_read, "only s3:GetObject and s3:ListBucket"),
    AWS_ROLE_POLICY: GrantKind(single_grantee("role"), aws_beyond_read, "only s3:GetObject and s3:ListBucket"),
    AZURE_ROLE_ASSIGNMENT: GrantKind(
        single_grantee("principalId"), azure_beyond_read, f"role Storage Blob Data Reader ({AZURE_BLOB_READER_ROLE})"
    ),
}


def holder_label(holder: PolicyResource) -> str:
    """`Secret 'namespace/name'` (or ServiceAccount) of an annotated resource."""
    name = known_value(holder.props, "metadata", "name") or holder.name
    namespace = known_value(holder.props, "metadata", "namespace")
    return f"{ANNOTATED_KINDS[holder.resource_type]} '{namespace}/{name}'" if namespace else f"{ANNOTATED_KINDS[holder.resource_type]} '{name}'"


def grant_problems(holder: PolicyResource, identity: str, grant: PolicyResource) -> list[str]:
    kind = GRANT_KINDS[grant.resource_type]
    if identity.lower() not in kind.grantees(grant.props):
        return []
    excess = kind.beyond_read(grant.props)
    if excess is None:
        return []
    return [
        f"{holder_label(holder)} is annotated {ACCESS_ANNOTATION}: {READ_ONLY} for '{identity}', but "
        f"{grant.resource_type.rsplit(':', 1)[-1]} '{grant.name}' grants it {excess}: grant it {kind.read_grant}, "
        f"or annotate the {ANNOTATED_KINDS[holder.resource_type]} {READ_WRITE} and use it for writable entries only"
    ]


def holder_problems(holder: PolicyResource, grants: Sequence[PolicyResource]) -> list[tuple[str, str]]:
    """(message, urn) for the annotations, then for each grant beyond read to a read-only identity."""
    annotations = value_at(holder.props, "metadata", "annotations", default={})
    problems = [(f"{holder_label(holder)}: {problem}", holder.urn) for problem in annotation_problems(annotations)]
    identities = str(annotations.get(IDENTITY_ANNOTATION) or "").split()
    if annotations.get(ACCESS_ANNOTATION) == READ_ONLY:
        for identity in identities:
            for grant in grants:
                problems += [(problem, grant.urn) for problem in skipping_unknown(grant_problems, holder, identity, grant)]
    return problems


def validate_read_only_credentials(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    grants = [r for r in args.resources if r.resource_type in GRANT_KINDS]
    for holder in args.resources:
        if holder.resource_type in ANNOTATED_KINDS:
            for message, urn in skipping_unknown(holder_problems, holder, grants):
                report_violation(message, urn)


# --- the policy -------------------------------------------------------------------------------

read_only_secret_read_only_grants = StackValidationPolicy(
    name="read-only-secret-read-only-grants",
    description=f"A Secret (credentials) or ServiceAccount (workload identity) annotated {ACCESS_ANNOTATION}: "
    f"{READ_ONLY} authenticates as identities ({IDENTITY_ANNOTATION}) granted read access only (GCS bucket IAM, "
    "service account IAM, AWS user and role policies, Azure role assignments in this stack).",
    validate=validate_read_only_credentials,
    enforcement_level=EnforcementLevel.MANDATORY,
)
