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
        (
            lambda: AzureBlobContainers(
                "a",
                {
                    "containers": {
                        "acct/data": {**CONTAINER, "create": True, "location": "l"},
                        "acct/logs": {**CONTAINER, "container": "logs", "create": True, "location": "l", "retain_on_delete": True},
                    }
                },
            ),
            "AzureBlobContainers 'a': 1 problem in its args:\n  - containers.acct/logs.retain_on_delete: is True, but "
            "containers.acct/data creates storage account acct with False: give the containers of one account the same",
        ),
        (
            lambda: S3Buckets("s", {"buckets": {"Old_Bucket": {"create": True}, "my bucket": {}}}),
            "S3Buckets 's': 2 problems in its args:\n  - buckets.my bucket: the bucket name 'my bucket' has characters "
            "an S3 bucket name cannot: letters, digits, '.' and '-' (and '_' in old ones) only\n  - buckets.Old_Bucket: cannot be "
            "created: 'Old_Bucket' is not a name S3 gives a new bucket: 3 to 63 lowercase letters, digits, '.' and '-', starting "
            "and ending with a letter or digit (uppercase letters, '_' and longer names are only those of buckets made before "
            "March 2018); choose another name",
        ),
        (
            lambda: GcsBuckets("g", {"project": "p", "buckets": {"goog-data": {"create": True, "location": "EU"}}}),
            "GcsBuckets 'g': 1 problem in its args:\n  - buckets.goog-data: cannot be created: 'goog-data' begins with 'goog', "
            "which GCS keeps for Google; choose another name",
        ),
        (
            lambda: AzureBlobContainers(
                "a", {"containers": {"acct/data": {**CONTAINER, "host": "acct.blob.example.com"}}}
            ),
            "AzureBlobContainers 'a': 1 problem in its args:\n  - containers.acct/data.host: 'acct.blob.example.com' is not a "
            "storage account's blob endpoint (<account>.blob.core.windows.net, or a national cloud's such as "
            "<account>.blob.core.chinacloudapi.cn)",
        ),
    ],
)  # fmt: skip
def test_a_cloud_component_refuses_args_it_cannot_honour_before_registering_anything(mock, make, expected):
    with pytest.raises(ComponentArgsError) as refused:
        mock.run(make)
    assert str(refused.value) == expected
    assert [r.type for r in mock.registrations if r.custom] == []


def test_s3_buckets_used_directly_keep_versions_of_what_they_create_unless_told_otherwise(mock):
    mock.run(lambda: S3Buckets("s", {"buckets": {"acme-raw": {"create": True}, "acme-tmp": {"create": True, "versioning": False}}}))
    statuses = {
        r.name: r.inputs["versioningConfiguration"]["status"] for r in mock.registrations if r.type == "aws:s3/bucketVersioning:BucketVersioning"
    }
    assert statuses == {"s/acme-raw": "Enabled", "s/acme-tmp": "Suspended"}


def test_run_template_holds_a_bucket_mount_to_its_clouds_grammar(mock):
    outputs = {"name": "o", "mount_path": "/o", "claim_name": "o"}
    mount = {"name": "raw", "store": "s3", "bucket": "s3://my bucket", "secret": "s3", "secret_key": "keys/raw.json"}
    with pytest.raises(ComponentArgsError) as refused:
        mock.run(lambda: RunTemplate("t", {"namespace": "ml", "service_account": "runs-ml", "runs": {"r": {"image": "i:1", "data": [mount], "outputs": outputs}}}))
    found = [str(problem) for problem in refused.value.problems]
    assert any(p.startswith("runs.r.data[0].bucket: 's3://my bucket' is not an s3 bucket URL") for p in found), found
    assert any(p.startswith("runs.r.data[0].secret_key: 'keys/raw.json' is not a key of a Secret") for p in found), found


GCS_BUCKET = {"store": "gcs", "bucket": "gs://acme-imagenet", "create": True, "location": "EU"}
S3_BUCKET = {"store": "s3", "bucket": "s3://acme-results", "create": True}


@pytest.mark.parametrize("written", ["gcs", "s3"])
def test_a_service_account_on_workload_identity_for_two_clouds_is_annotated_with_the_widest_access(written):
    from cloud_support import SERVICE_ACCOUNT, run_program, two_teams

    read, write = (S3_BUCKET, GCS_BUCKET) if written == "gcs" else (GCS_BUCKET, S3_BUCKET)
    data = {"read": {**read, "readOnly": True}}
    outputs = {"written": write}
    cluster = {
        "workloadIdentity": {
            "gke": {},
            "eks": {"oidcProviderArn": "arn:aws:iam::1:oidc-provider/o", "oidcIssuer": "https://o"},
        }
    }
    mock, _ = run_program(two_teams(data, outputs, cluster))
    accounts = {r.inputs["metadata"]["name"]: r.inputs["metadata"]["annotations"] for r in mock.registrations if r.type == SERVICE_ACCOUNT}
    # vision reads one cloud's bucket and writes the other's: read-write, as its two identities.
    assert accounts["runs-vision"]["polyaxon-storage/access"] == "read-write"
    assert len(accounts["runs-vision"]["polyaxon-storage/identity"].split()) == 2
    assert "iam.gke.io/gcp-service-account" in accounts["runs-vision"] and "eks.amazonaws.com/role-arn" in accounts["runs-vision"]
    # nlp only reads, on one cloud: read-only, with its one identity.
    assert accounts["runs-nlp"]["polyaxon-storage/access"] == "read-only"
    assert len(accounts["runs-nlp"]["polyaxon-storage/identity"].split()) == 1


def test_a_namespaces_secret_takes_only_keys_the_api_server_takes(mock):
    credentials = {"creds": {"team": "t", "data": {"keys/raw.json": "x"}, "access": "read-only", "identity": "me"}}
    with pytest.raises(ComponentArgsError) as refused:
        mock.run(lambda: TeamNamespace("ml", {"namespace": "ml", "teams": ["t"], "credentials": credentials}))
    assert [p.path for p in refused.value.problems] == ["credentials.creds.data.keys/raw.json"]
