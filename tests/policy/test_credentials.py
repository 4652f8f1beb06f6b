"""The read-only credentials policy: a read-only Secret's identity is granted read only."""

from __future__ import annotations


import pytest
from pulumi_policy import PolicyResource

from policy_support import GCS_BINDING, GCS_MEMBER, ROLE_ASSIGNMENT, SECRET, UNKNOWN, USER_POLICY, check_stack, registered_by, resource

import credentials  # noqa: E402 (the pack's folder is on sys.path once policy_support is imported)


# --- read-only-secret-read-only-grants ---------------------------------------------------------

SA = "reader@project.iam.gserviceaccount.com"
PRINCIPAL = "0f0e0d0c-1111-2222-3333-444455556666"
READER_ROLE = "/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/2a2b9908-6ea1-4ae2-8e65-a410df84e7d1"
CONTRIBUTOR_ROLE = "/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/ba92f5b4-2d11-453d-a403-e96b0029c9fe"


def annotated_secret(identity: str, access: str = "read-only", name: str = "bucket-creds") -> PolicyResource:
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
        (annotated_secret(SA), gcs_member("roles/storage.objectViewer")),
        (annotated_secret(SA), gcs_member("roles/storage.legacyBucketReader")),
        (annotated_secret(SA), gcs_member("roles/storage.admin", member="serviceAccount:writer@p.iam.gserviceaccount.com")),
        (annotated_secret(SA, access="read-write"), gcs_member("roles/storage.objectAdmin")),
        (annotated_secret("reader"), user_policy(allow("s3:GetObject", "s3:ListBucket"))),
        (annotated_secret("reader"), user_policy(allow("s3:Get*", "s3:List*"), {"Effect": "Deny", "Action": "s3:*"})),
        (annotated_secret("reader"), user_policy(allow("s3:PutObject"), user="writer")),
        (annotated_secret(PRINCIPAL), role_assignment(READER_ROLE)),
        (annotated_secret(PRINCIPAL.upper()), role_assignment(READER_ROLE.upper())),
        (annotated_secret(PRINCIPAL), role_assignment(CONTRIBUTOR_ROLE, principal="99999999-0000-0000-0000-000000000000")),
    ],
)
def test_read_only_secret_granted_read_only_passes(secret, grant):
    assert check_stack(credentials.read_only_secret_read_only_grants, secret, grant) == []


@pytest.mark.parametrize(
    "secret, grant, excess",
    [
        (annotated_secret(SA), gcs_member("roles/storage.objectAdmin"), "role roles/storage.objectAdmin on bucket data"),
        (annotated_secret(SA.upper()), gcs_member("roles/storage.objectCreator"), "role roles/storage.objectCreator"),
        (
            annotated_secret(SA),
            gcs_member("roles/storage.objectUser", member=f"serviceaccount:{SA.title()}"),
            "role roles/storage.objectUser",
        ),
        (
            annotated_secret(SA),
            resource(
                GCS_BINDING, "grant", {"bucket": "data", "role": "roles/storage.admin", "members": [f"serviceAccount:{SA}"]}
            ),
            "role roles/storage.admin",
        ),
        (annotated_secret("reader"), user_policy(allow("s3:GetObject", "s3:PutObject")), "actions s3:PutObject"),
        (annotated_secret("reader"), user_policy(allow("s3:*")), "actions s3:*"),
        (annotated_secret("reader"), user_policy({"Effect": "Allow", "Action": "*", "Resource": "*"}), "actions *"),
        (annotated_secret("reader"), user_policy(allow("s3:DeleteObject"), user="Reader"), "actions s3:DeleteObject"),
        (annotated_secret("reader"), user_policy({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}), "actions NotAction"),
        (annotated_secret(PRINCIPAL), role_assignment(CONTRIBUTOR_ROLE), f"role definition {CONTRIBUTOR_ROLE}"),
        (annotated_secret(PRINCIPAL), role_assignment(CONTRIBUTOR_ROLE, principal=PRINCIPAL.upper()), "role definition"),
    ],
)
def test_read_only_secret_granted_more_than_read_is_a_violation(secret, grant, excess):
    [(message, reported)] = check_stack(credentials.read_only_secret_read_only_grants, secret, grant)
    assert reported == grant.urn
    assert "Secret 'team-a/bucket-creds' is annotated polyaxon-storage/access: read-only" in message
    assert f"'{grant.name}' grants it {excess}" in message
    assert "or annotate the Secret read-write" in message


def test_user_policy_given_as_an_object_is_read_too():
    document = {"version": "2012-10-17", "statement": {"effect": "Allow", "action": "s3:PutObject", "resource": "*"}}
    grant = resource(USER_POLICY, "grant", {"user": "reader", "policy": document})
    [(message, _)] = check_stack(credentials.read_only_secret_read_only_grants, annotated_secret("reader"), grant)
    assert "grants it actions s3:PutObject" in message


def test_user_policy_that_is_not_json_is_a_violation():
    grant = resource(USER_POLICY, "grant", {"user": "reader", "policy": "{not json"})
    [(message, _)] = check_stack(credentials.read_only_secret_read_only_grants, annotated_secret("reader"), grant)
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
    [(message, reported)] = check_stack(credentials.read_only_secret_read_only_grants, secret)
    assert reported == secret.urn and message.startswith("Secret 'creds': ") and expected in message


def test_secrets_without_the_annotations_are_not_checked():
    secret = resource(SECRET, "other", {"metadata": {"name": "other", "annotations": {"team": "a"}}})
    assert check_stack(credentials.read_only_secret_read_only_grants, secret, gcs_member("roles/storage.admin")) == []


@pytest.mark.parametrize(
    "grant",
    [
        gcs_member("roles/storage.admin", member=UNKNOWN),
        resource(USER_POLICY, "grant", {"user": "reader", "policy": UNKNOWN}),
    ],
)
def test_grants_not_known_in_preview_are_left_for_pulumi_up(grant):
    flagged = gcs_member("roles/storage.objectAdmin")
    secrets = annotated_secret(SA), annotated_secret("reader", name="aws"), annotated_secret(UNKNOWN, name="pending")
    found = check_stack(credentials.read_only_secret_read_only_grants, *secrets, grant, flagged)
    assert [reported for _, reported in found] == [flagged.urn]




# --- resources built with the SDKs themselves ------------------------------------------------------


def secret_and_grant(make_grant):
    import pulumi_kubernetes as kubernetes

    def program():
        kubernetes.core.v1.Secret(
            "creds",
            metadata={
                "name": "creds",
                "namespace": "team-a",
                "annotations": {"polyaxon-storage/access": "read-only", "polyaxon-storage/identity": SA},
            },
            string_data={"key.json": "{}"},
        )
        make_grant()

    return program


def test_grants_built_with_the_sdks_are_read_under_the_names_they_send():
    import pulumi_gcp as gcp

    def member(role: str):
        return lambda: gcp.storage.BucketIAMMember("grant", bucket="data", role=role, member=f"serviceAccount:{SA}")

    viewer = registered_by(secret_and_grant(member("roles/storage.objectViewer")))
    assert check_stack(credentials.read_only_secret_read_only_grants, *viewer) == []
    admin = registered_by(secret_and_grant(member("roles/storage.objectAdmin")))
    [(message, _)] = check_stack(credentials.read_only_secret_read_only_grants, *admin)
    assert "grants it role roles/storage.objectAdmin on bucket data" in message


# --- workload identity: role policies, service-account IAM, principal:// members, annotated ServiceAccounts ---

ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
SA_MEMBER = "gcp:serviceaccount/iAMMember:IAMMember"
PRINCIPAL_MEMBER = (
    "principal://iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/acme.svc.id.goog/"
    "subject/ns/team-nlp/sa/runs-nlp"
)


def annotated_account(identity: str, access: str = "read-only") -> PolicyResource:
    annotations = {"polyaxon-storage/access": access, "polyaxon-storage/identity": identity}
    return resource("kubernetes:core/v1:ServiceAccount", "runs", {"metadata": {"name": "runs-nlp", "namespace": "team-nlp", "annotations": annotations}})


def role_policy(*statements: dict, role: str = "reader") -> PolicyResource:
    import json

    return resource(ROLE_POLICY, "grant", {"role": role, "policy": json.dumps({"Statement": list(statements)})})


@pytest.mark.parametrize(
    "holder, grant, excess",
    [
        (annotated_account("reader"), role_policy(allow("s3:GetObject", "s3:PutObject")), "actions s3:PutObject"),
        (annotated_secret("reader"), role_policy(allow("s3:DeleteObject")), "actions s3:DeleteObject"),
        (
            annotated_account(SA),
            resource(SA_MEMBER, "grant", {"serviceAccountId": "projects/p/serviceAccounts/writer@p", "role": "roles/iam.serviceAccountTokenCreator", "member": f"serviceAccount:{SA}"}),
            "role roles/iam.serviceAccountTokenCreator on service account projects/p/serviceAccounts/writer@p",
        ),
        (annotated_account(PRINCIPAL_MEMBER), gcs_member("roles/storage.objectUser", member=PRINCIPAL_MEMBER), "role roles/storage.objectUser"),
        # A ServiceAccount reaching several clouds names each identity; each is held to read only.
        (annotated_account(f"{SA} reader {PRINCIPAL}"), role_assignment(CONTRIBUTOR_ROLE), "role definition"),
    ],
)
def test_workload_identity_grants_beyond_read_to_a_read_only_identity_are_violations(holder, grant, excess):
    [(message, reported)] = check_stack(credentials.read_only_secret_read_only_grants, holder, grant)
    assert reported == grant.urn and f"grants it {excess}" in message
    kind = holder.resource_type.rsplit(":", 1)[-1]
    assert message.startswith(f"{kind} '") and f"or annotate the {kind} read-write" in message


@pytest.mark.parametrize(
    "holder, grant",
    [
        (annotated_account("reader"), role_policy(allow("s3:GetObject", "s3:ListBucket", "s3:GetBucketLocation"))),
        (annotated_account("reader", access="read-write"), role_policy(allow("s3:PutObject"))),
        (annotated_account(PRINCIPAL_MEMBER), gcs_member("roles/storage.objectViewer", member=PRINCIPAL_MEMBER)),
        # Binding a Kubernetes ServiceAccount to a read-only GCP service account grants the read-only identity nothing.
        (
            annotated_account(SA),
            resource(SA_MEMBER, "grant", {"serviceAccountId": f"projects/p/serviceAccounts/{SA}", "role": "roles/iam.workloadIdentityUser", "member": "serviceAccount:p.svc.id.goog[team-nlp/runs-nlp]"}),
        ),
    ],
)
def test_workload_identity_grants_of_read_only_pass(holder, grant):
    assert check_stack(credentials.read_only_secret_read_only_grants, holder, grant) == []


def test_role_policies_and_service_account_members_built_with_the_sdks_are_read_under_the_names_they_send():
    import json

    import pulumi_aws as aws
    import pulumi_gcp as gcp

    def role_policy_program():
        aws.iam.RolePolicy("grant", role="reader", policy=json.dumps({"Statement": [allow("s3:PutObject")]}))

    def member_program():
        gcp.serviceaccount.IAMMember(
            "grant", service_account_id="projects/p/serviceAccounts/w@p", role="roles/iam.serviceAccountUser", member=f"serviceAccount:{SA}"
        )

    [(aws_message, _)] = check_stack(credentials.read_only_secret_read_only_grants, annotated_account("reader"), *registered_by(role_policy_program))
    assert "grants it actions s3:PutObject" in aws_message
    [(gcp_message, _)] = check_stack(credentials.read_only_secret_read_only_grants, annotated_account(SA), *registered_by(member_program))
    assert "role roles/iam.serviceAccountUser on service account projects/p/serviceAccounts/w@p" in gcp_message
