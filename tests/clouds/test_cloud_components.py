"""The cloud components and the credentials of TeamNamespace, used as a Pulumi program of one's own uses them:
wired through their Outputs, refusing args they cannot honour."""

from __future__ import annotations

import pulumi
import pytest

from components import (
    AzureBlobContainers,
    ComponentArgsError,
    GcsBuckets,
    RunTemplate,
    S3Buckets,
    TeamNamespace,
)
from components.conventions import REDACTED
from components.offline import engine

SECRET = "kubernetes:core/v1:Secret"


@pytest.fixture
def mock() -> engine.Engine:
    return engine.start("my-project", "test")


def own_program():
    """A bucket, a team reading it with a key, the key in its namespace's Secret, and a run using it."""
    gcs = GcsBuckets(
        "data",
        {
            "project": "acme",
            "buckets": {"acme-raw": {"create": True, "location": "EU"}},
            "teams": {"vision": {"account_id": "vision-reader", "read": ["acme-raw"]}},
        },
    )
    namespace = TeamNamespace(
        "ml",
        {
            "namespace": "ml",
            "teams": ["vision"],
            "credentials": {
                "gcs-vision": {
                    "team": "vision",
                    "data": gcs.credentials.apply(lambda credentials: {"raw.json": credentials["vision"]["acme-raw"]}),
                    "access": "read-only",
                    "identity": gcs.identities.apply(lambda identities: identities["vision"]),
                }
            },
        },
    )
    template = RunTemplate(
        "vision",
        {
            "namespace": namespace.namespace,
            "service_account": namespace.service_accounts.apply(lambda accounts: accounts["vision"]),
            "runs": {
                "train": {
                    "image": "trainer:1",
                    "data": [
                        {
                            "name": "raw",
                            "store": "gcs",
                            "bucket": "gs://acme-raw",
                            "secret": namespace.secrets.apply(lambda secrets: secrets["gcs-vision"]),
                            "secret_key": "raw.json",
                        }
                    ],
                    "outputs": {"name": "o", "mount_path": "/o", "claim_name": "o"},
                }
            },
        },
    )
    return gcs, namespace, template


def test_a_cloud_component_feeds_a_namespaces_secret_and_a_runs_credentials(mock):
    gcs, namespace, template = mock.run(own_program)
    (secret,) = [r for r in mock.registrations if r.type == SECRET]
    assert secret.name == "ml/gcs-vision" and secret.parent == "polyaxon-storage:index:TeamNamespace::ml"
    assert secret.inputs["data"] == {"raw.json": REDACTED} and secret.secret_inputs == ("data",)
    assert secret.inputs["metadata"]["annotations"]["polyaxon-storage/identity"] == "vision-reader@acme.iam.gserviceaccount.com"
    assert engine.value(namespace.secrets) == {"gcs-vision": "gcs-vision"}
    # The Job waits for the Secret it names.
    assert secret.urn in engine.dependencies(template.job("train"))
    env = {item["name"]: item for item in engine.value(template.job("train"))["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert env["POLYAXON_STORE_DATA_RAW"]["valueFrom"]["secretKeyRef"] == {"name": "gcs-vision", "key": "raw.json"}


def test_a_namespaces_secret_data_is_secret_even_when_handed_over_plain(mock):
    namespace = mock.run(
        lambda: TeamNamespace(
            "ml",
            {
                "namespace": "ml",
                "teams": ["t"],
                "credentials": {"creds": {"team": "t", "data": {"k": "plain text"}, "access": "read-write", "identity": "me"}},
                "service_account_annotations": {"t": {"eks.amazonaws.com/role-arn": pulumi.Output.from_input("arn:role")}},
            },
        )
    )
    (secret,) = [r for r in mock.registrations if r.type == SECRET]
    assert secret.secret_inputs == ("data",) and secret.inputs["type"] == "Opaque"
    (account,) = [r for r in mock.registrations if r.type == "kubernetes:core/v1:ServiceAccount"]
    assert account.inputs["metadata"]["annotations"] == {"eks.amazonaws.com/role-arn": "arn:role"}
    assert engine.value(namespace.secrets) == {"creds": "creds"}


CONTAINER = {"account": "acct", "container": "data", "resource_group": "rg"}
AKS_BINDING = {"namespace": "n", "service_account": "sa", "oidc_issuer_url": "u", "resource_group": "rg", "location": "l"}


@pytest.mark.parametrize(
    "make, expected",
    [
        (
            lambda: GcsBuckets("g", {"project": "p", "buckets": {"bkt": {"create": True}}}),
            "GcsBuckets 'g': 1 problem in its args:\n  - buckets.bkt.location: required with create: where the created bucket goes",
        ),
        (
            lambda: S3Buckets("s", {"buckets": {}, "teams": {"t": {"name": "t", "read": ["b"], "workload_identity": {"namespace": "n", "service_account": "sa"}}}}),
            "S3Buckets 's': 1 problem in its args:\n  - teams.t.workload_identity: give oidc_provider_arn and oidc_issuer (IRSA), or cluster_name (Pod Identity)",
        ),
        (
            lambda: AzureBlobContainers("a", {"containers": {"acct/data": CONTAINER}, "teams": {"team": {"name": "team", "read": ["acct/data"]}}}),
            "AzureBlobContainers 'a': 1 problem in its args:\n  - containers.acct/data.sas_expiry: required: team 'team' reaches it with a SAS, and a SAS expires",
        ),
        (
            lambda: AzureBlobContainers(
                "a", {"containers": {"acct/data": CONTAINER}, "teams": {"team": {"name": "team", "read": ["acct/data"], "workload_identity": AKS_BINDING}}}
            ),
            "AzureBlobContainers 'a': 1 problem in its args:\n  - subscription_id: required: team 'team' uses workload identity, whose role assignments name it",
        ),
        (
            lambda: AzureBlobContainers(
                "a",
                {
                    "containers": {"acct/data": {**CONTAINER, "sas_expiry": "2030-01-01T00:00:00Z"}},
                    "teams": {"team": {"name": "team", "read": ["acct/data"]}},
                    "shared_keys": False,
                },
            ),
            "AzureBlobContainers 'a': 1 problem in its args:\n  - teams.team: reaches its containers with a SAS, which needs shared_keys: true",
        ),
    ],
)  # fmt: skip
def test_a_cloud_component_refuses_args_it_cannot_honour_before_registering_anything(mock, make, expected):
    with pytest.raises(ComponentArgsError) as refused:
        mock.run(make)
    assert str(refused.value) == expected
    assert [r.type for r in mock.registrations if r.custom] == []
