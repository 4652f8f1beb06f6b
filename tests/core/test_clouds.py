"""Buckets the stack creates or manages credentials for (docs/clouds.md §1-6), as the pure plan decides them.

No Pulumi here: a stack config and provider settings are planned, and the
cloud plan, the runs' Jobs or the problems are checked.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from typing import Any

import pytest
from conftest import plan, problems

from components.core.clouds import (
    AKS_USE_LABEL,
    credentials_secret_name,
    identity_name,
    reported_secret_warnings,
    sas_expiry_warnings,
)
from components.core.stores import CLOUDS

PROVIDERS = {
    "gcp:project": "acme-ml",
    "aws:region": "eu-west-1",
    "azure-native:location": "westeurope",
    "azure-native:subscriptionId": "sub-1",
}
AZURE_DATA = "wasbs://data@acmeml.blob.core.windows.net/"
AZURE_OUT = "wasbs://out@acmeml.blob.core.windows.net/"
EXPIRY = "2027-09-30T00:00:00Z"


def gcs(url: str = "gs://acme-data", **keys: Any) -> dict[str, Any]:
    return {"store": "gcs", "bucket": url, **keys}


def s3(url: str = "s3://acme-data", **keys: Any) -> dict[str, Any]:
    return {"store": "s3", "bucket": url, **keys}


def azure(url: str = AZURE_DATA, **keys: Any) -> dict[str, Any]:
    return {"store": "azure", "bucket": url, **keys}


def created_gcs(url: str = "gs://acme-data", **keys: Any) -> dict[str, Any]:
    return gcs(url, **{"create": True, "location": "EU", **keys})


def created_azure(url: str = AZURE_DATA, **keys: Any) -> dict[str, Any]:
    return azure(url, **{"create": True, "resourceGroup": "rg-ml", "sasExpiry": EXPIRY, **keys})


OUTPUTS = {"scratch": {"mountPath": "/scratch", "existingClaim": "scratch"}}


def catalog(data: dict, outputs: dict | None = None, **keys: Any) -> dict[str, Any]:
    """A stack with two teams: vision granted everything, nlp only the data side; one run each."""
    return {
        "persistence": {"data": data, "outputs": {**OUTPUTS, **(outputs or {})}},
        "teams": {
            "vision": {"namespace": "team-vision", "data": "*", "outputs": "*"},
            "nlp": {"namespace": "team-nlp", "data": "*", "outputs": ["scratch"]},
        },
        "runs": {
            "train": {"team": "vision", "image": "trainer:1", "outputs_refs": [next(iter(outputs or OUTPUTS))]},
            "tune": {"team": "nlp", "image": "trainer:1"},
        },
        **keys,
    }


def problem(config: dict, path: str, *words: str, providers: dict = PROVIDERS) -> str:
    """The problem at exactly `path`, checked to contain each of `words`."""
    found = problems(config, providers=providers)
    at = [p for p in found if p.startswith(path + ": ")]
    assert at, f"no problem at {path!r} in {found}"
    for word in words:
        assert word in at[0], (word, at[0])
    return at[0]


def cloud(config: dict, store: str, providers: dict = PROVIDERS):
    (found,) = [c for c in plan(config, providers=providers).clouds if c.store == store]
    return found


def job(config: dict, run: str, providers: dict = PROVIDERS) -> dict[str, Any]:
    (found,) = [r for r in plan(config, providers=providers).runs if r.name == run]
    return found.job()


def container_env(job: dict) -> dict[str, Any]:
    return {item["name"]: item.get("value", item.get("valueFrom")) for item in job["spec"]["template"]["spec"]["containers"][0]["env"]}


# --- §1 vocabulary: every misuse a problem at its path ---------------------------------------------


@pytest.mark.parametrize(
    "entry, key, words",
    [
        pytest.param(created_gcs(region="eu-west-1"), "region", ["does not apply to a gcs bucket", "s3"], id="region-on-gcs"),
        pytest.param(s3(create=True, location="EU"), "location", ["does not apply to an s3 bucket"], id="location-on-s3"),
        pytest.param(created_gcs(resourceGroup="rg"), "resourceGroup", ["azure"], id="resource-group-on-gcs"),
        pytest.param(s3(create=True, sasExpiry=EXPIRY), "sasExpiry", ["azure"], id="sas-expiry-on-s3"),
        pytest.param(created_azure(kmsKey="https://vault/keys/k"), "kmsKey", ["customer-managed keys"], id="kms-on-azure"),
        pytest.param(gcs(location="EU", credentials="managed"), "location", ["add create: true"], id="location-without-create"),
        pytest.param(s3(region="eu-west-1"), "region", ["add create: true"], id="region-without-create"),
        pytest.param(gcs(versioning=False), "versioning", ["add create: true"], id="versioning-without-create"),
        pytest.param(gcs(protect=False), "protect", ["add create: true"], id="protect-without-create"),
        pytest.param(gcs(retainOnDelete=True), "retainOnDelete", ["add create: true"], id="retain-without-create"),
        pytest.param(created_gcs(retainOnDelete="yes"), "retainOnDelete", ["true or false"], id="retain-not-boolean"),
        pytest.param(s3(kmsKey="alias/k"), "kmsKey", ["add create: true"], id="kms-without-create"),
        pytest.param(gcs(credentials="managed", secret="s", secretKey="k"), "secret", ["credentials: managed"], id="managed-with-secret"),
        pytest.param(created_gcs(secret="s", secretKey="k"), "secret", ["create: true"], id="created-with-secret"),
        pytest.param(gcs(credentials="auto"), "credentials", ["managed"], id="unknown-credentials"),
        pytest.param(azure(create=True, sasExpiry=EXPIRY), "resourceGroup", ["required"], id="azure-create-without-group"),
        pytest.param(azure(credentials="managed", sasExpiry=EXPIRY), "resourceGroup", ["required"], id="azure-managed-without-group"),
        pytest.param(azure(resourceGroup="rg"), "resourceGroup", ["credentials: managed"], id="group-without-managed"),
        pytest.param(azure(sasExpiry=EXPIRY, secret="s", secretKey="k"), "sasExpiry", ["credentials: managed"], id="expiry-without-managed"),
        pytest.param(created_azure(sasExpiry="next year"), "sasExpiry", ["RFC 3339"], id="expiry-not-a-time"),
        pytest.param(created_azure(sasExpiry="2027-01-01T00:00:00"), "sasExpiry", ["time zone"], id="expiry-without-zone"),
        pytest.param(created_gcs("gs://Acme_Data"), "bucket", ["is not a gcs bucket URL", "lowercase"], id="bad-gcs-name"),
        pytest.param(s3("s3://a..b", create=True), "bucket", ["cannot be created", "two adjacent periods"], id="bad-s3-name"),
        pytest.param(created_azure("wasbs://data@acme-ml.blob.core.windows.net/"), "bucket", ["account"], id="bad-account"),
        pytest.param(created_azure("wasbs://data/"), "bucket", ["names no container and account"], id="azure-url-without-account"),
        pytest.param(gcs(create=True), "location", ["required with create", "gcp:region"], id="gcs-without-location"),
        pytest.param(created_gcs(create="yes"), "create", ["true or false"], id="create-not-boolean"),
    ],
)
def test_every_misuse_of_a_bucket_entry_is_a_problem_at_its_path(entry, key, words):
    problem(catalog({"d": entry}), f"persistence.data.d.{key}", *words)


@pytest.mark.parametrize(
    "data, providers, key, words",
    [
        pytest.param({"d": created_gcs()}, {}, "gcp:project", ["pulumi config set gcp:project"], id="gcp-project"),
        pytest.param({"d": gcs(credentials="managed")}, {}, "gcp:project", ["persistence.data.d"], id="gcp-project-managed"),
        pytest.param({"d": s3(create=True)}, {}, "aws:region", ["pulumi config set aws:region"], id="aws-region"),
        pytest.param(
            {"d": created_azure()}, {"azure-native:subscriptionId": "s"}, "persistence.data.d.location",
            ["azure-native:location"], id="azure-location",
        ),
    ],
)  # fmt: skip
def test_a_missing_provider_setting_that_is_needed_is_a_problem_naming_its_key(data, providers, key, words):
    problem(catalog(data), key, *words, providers=providers)


def test_aks_workload_identity_needs_the_subscription_and_location():
    config = catalog({"d": created_azure(location="westeurope")}, cluster=AKS_NLP)
    found = problems(config, providers={})
    assert [p.split(":")[0] + ":" + p.split(":")[1] for p in found if p.startswith("azure-native")] == [
        "azure-native:location",
        "azure-native:subscriptionId",
    ]


def test_no_provider_setting_is_needed_without_managed_buckets():
    config = catalog({"d": gcs(secret="reader", secretKey="key.json")})
    assert plan(config, providers={}).clouds == ()


def test_a_created_bucket_takes_its_location_from_the_entry_else_the_provider_region():
    config = catalog({"a": gcs("gs://acme-a", create=True), "b": created_gcs("gs://acme-b", location="US")})
    buckets = {b.address.key: b for b in cloud(config, "gcs", {**PROVIDERS, "gcp:region": "europe-west1"}).buckets}
    assert (buckets["acme-a"].location, buckets["acme-b"].location) == ("europe-west1", "US")


def test_an_s3_bucket_is_in_its_entrys_region_else_aws_region():
    config = catalog({"a": s3("s3://acme-a", create=True), "b": s3("s3://acme-b", create=True, region="us-east-2")})
    buckets = {b.address.key: b for b in cloud(config, "s3").buckets}
    assert (buckets["acme-a"].region, buckets["acme-b"].region) == ("eu-west-1", "us-east-2")


def test_created_buckets_are_versioned_protected_and_not_retained_unless_the_entry_says_otherwise():
    config = catalog(
        {
            "a": created_gcs("gs://acme-a"),
            "b": created_gcs("gs://acme-b", versioning=False, protect=False, retainOnDelete=True),
        }
    )
    buckets = {b.address.key: b for b in cloud(config, "gcs").buckets}
    assert (buckets["acme-a"].versioning, buckets["acme-a"].protect, buckets["acme-a"].retain_on_delete) == (True, True, False)
    assert (buckets["acme-b"].versioning, buckets["acme-b"].protect, buckets["acme-b"].retain_on_delete) == (False, False, True)


def test_the_containers_of_a_created_account_agree_on_keeping_it():
    config = catalog({"a": created_azure(), "b": created_azure(AZURE_OUT, retainOnDelete=True)})
    problem(config, "persistence.data.b.retainOnDelete", "storage account acmeml has retainOnDelete False in persistence.data.a")


def test_one_bucket_is_created_by_one_entry():
    config = catalog({"a": created_gcs("gs://acme-x")}, {"b": created_gcs("gs://acme-x")})
    problem(config, "persistence.outputs.b.create", "acme-x is created by persistence.data.a already")


def test_a_bucket_in_several_entries_has_one_sas_expiry():
    config = catalog({"a": created_azure()}, {"b": azure(credentials="managed", resourceGroup="rg-ml", sasExpiry="2027-10-01")})
    problem(config, "persistence.outputs.b.sasExpiry", "persistence.data.a")


def test_the_containers_of_a_created_account_agree_and_are_all_created():
    config = catalog(
        {"a": created_azure(), "b": created_azure(AZURE_OUT, resourceGroup=None, location="northeurope")},
        {"c": azure("wasbs://logs@acmeml.blob.core.windows.net/", credentials="managed", resourceGroup="rg-ml", sasExpiry=EXPIRY)},
    )
    config["persistence"]["data"]["b"]["resourceGroup"] = "rg-other"
    found = problems(config, providers=PROVIDERS)
    assert any(p.startswith("persistence.data.b.resourceGroup: storage account acmeml has resourceGroup 'rg-ml'") for p in found), found
    assert any(p.startswith("persistence.data.b.location: storage account acmeml") for p in found), found
    assert any(p.startswith("persistence.outputs.c.create: storage account acmeml is created by") for p in found), found
    unprotected = catalog({"a": created_azure(), "b": created_azure(AZURE_OUT, protect=False)})
    problem(unprotected, "persistence.data.b.protect", "storage account acmeml has protect True")


def test_a_container_reached_with_a_sas_needs_its_expiry():
    config = catalog({"d": azure(create=True, resourceGroup="rg-ml")})
    problem(config, "persistence.data.d.sasExpiry", "required", "SAS")


def test_without_key_mode_teams_no_sas_expiry_is_needed():
    config = catalog({"d": azure(create=True, resourceGroup="rg-ml")}, cluster={"workloadIdentity": {"aks": AKS}})
    assert cloud(config, "azure").buckets[0].sas_expiry is None


EKS_IRSA = {"oidcProviderArn": "arn:aws:iam::1:oidc-provider/oidc.eks/id/X", "oidcIssuer": "https://oidc.eks/id/X"}
AKS = {"oidcIssuerUrl": "https://oidc.aks/", "resourceGroup": "rg-identities"}
AKS_NLP = {"workloadIdentity": {"aks": {**AKS, "teams": ["nlp"]}}}


@pytest.mark.parametrize(
    "eks",
    [
        {"oidcProviderArn": "arn"},
        {"clusterName": "ml"},
        {"podIdentity": True},
        {"podIdentity": True, "clusterName": "ml", "oidcIssuer": "https://x"},
        {**EKS_IRSA, "clusterName": "ml"},
    ],
)
def test_eks_workload_identity_is_irsa_or_pod_identity(eks):
    problem(catalog({"d": s3(create=True)}, cluster={"workloadIdentity": {"eks": eks}}), "cluster.workloadIdentity.eks", "podIdentity")


def test_workload_identity_names_defined_teams():
    config = catalog({"d": created_gcs()}, cluster={"workloadIdentity": {"gke": {"teams": ["nlp", "cv"]}}})
    problem(config, "cluster.workloadIdentity.gke.teams[1]", "unknown team 'cv'")
    implicit = {"persistence": {"data": {"d": created_gcs()}}, "cluster": {"workloadIdentity": {"gke": {"teams": ["x"]}}}}
    problem(implicit, "cluster.workloadIdentity.gke.teams", "no teams are defined")


def test_credentials_rotation_is_a_date_or_time():
    problem(catalog({"d": created_gcs()}, credentialsRotation="monthly"), "credentialsRotation", "RFC 3339")
    assert plan(catalog({"d": created_gcs()}, credentialsRotation="2026-10-01"), providers=PROVIDERS).config.credentials_rotation == (
        "2026-10-01T00:00:00Z"
    )


def test_every_cloud_problem_is_reported_at_once():
    config = catalog(
        {"a": created_gcs(region="x"), "b": s3(create=True), "c": azure(create=True)},
        {"o": created_gcs("gs://acme-o", secret="s", secretKey="k")},
        credentialsRotation="soon",
    )
    paths = {p.split(": ")[0] for p in problems(config, providers={})}
    assert {
        "persistence.data.a.region",
        "persistence.data.c.resourceGroup",
        "persistence.outputs.o.secret",
        "credentialsRotation",
        "gcp:project",
        "aws:region",
    } <= paths


# --- §4 least privilege: what each team is granted --------------------------------------------------


def test_each_team_is_granted_exactly_its_entries_at_their_access():
    config = catalog({"d": created_gcs(readOnly=True)}, {"o": created_gcs("gs://acme-out")})
    config["runs"]["train"]["outputs_refs"] = ["o"]
    access = {a.team.name: a for a in cloud(config, "gcs").teams}
    assert [(g.bucket, g.writable) for g in access["vision"].grants] == [("acme-data", False), ("acme-out", True)]
    assert [(g.bucket, g.writable) for g in access["nlp"].grants] == [("acme-data", False)]
    assert (access["vision"].access, access["nlp"].access) == ("read-write", "read-only")


def test_a_data_entry_without_read_only_is_granted_writable():
    access = {a.team.name: a for a in cloud(catalog({"d": created_gcs()}), "gcs").teams}
    assert access["nlp"].grants[0].writable and access["nlp"].access == "read-write"


def test_teams_granted_no_bucket_of_a_cloud_get_nothing_there():
    config = catalog({"d": created_gcs(readOnly=True)})
    config["teams"]["nlp"]["data"] = []
    assert [a.team.name for a in cloud(config, "gcs").teams] == ["vision"]


@pytest.mark.parametrize(
    "data, outputs",
    [
        ({"d": created_gcs(readOnly=True)}, {"o": gcs("gs://acme-data", credentials="managed")}),
        ({"d": gcs("gs://acme-data", credentials="managed", readOnly=True)}, {"o": created_gcs()}),
    ],
    ids=["read-only-creates", "writable-creates"],
)
def test_a_bucket_in_two_entries_is_granted_once_writable_if_either_is(data, outputs):
    (vision,) = [a for a in cloud(catalog(data, outputs), "gcs").teams if a.team.name == "vision"]
    assert [(g.bucket, g.writable) for g in vision.grants] == [("acme-data", True)]


# --- §5 key mode: one Secret per team and cloud, in its namespace ----------------------------------


def test_a_key_mode_run_reads_its_credentials_from_its_teams_secret():
    config = catalog({"d": created_gcs(readOnly=True)}, {"o": created_gcs("gs://acme-out")})
    config["runs"]["train"]["outputs_refs"] = ["o"]
    train = job(config, "train")
    env = container_env(train)
    assert env["POLYAXON_STORE_DATA_D"] == {"secretKeyRef": {"name": "gcs-credentials-vision", "key": "acme-data.json"}}
    assert env["POLYAXON_STORE_OUTPUTS_O"] == {"secretKeyRef": {"name": "gcs-credentials-vision", "key": "acme-out.json"}}
    assert json.loads(env["POLYSTORES_RUN_STORES_ACCESS_KEYS"]) == {
        "gs://acme-data": {"store": "gcs", "secret_key": "POLYAXON_STORE_DATA_D"},
        "gs://acme-out": {"store": "gcs", "secret_key": "POLYAXON_STORE_OUTPUTS_O"},
    }
    (secret,) = [a.secret for a in cloud(config, "gcs").teams if a.team.name == "vision"]
    assert secret == "gcs-credentials-vision" and train["metadata"]["namespace"] == "team-vision"


def test_each_store_has_its_own_secret_and_keys_per_bucket():
    data = {"g": created_gcs(readOnly=True), "s": s3(create=True, readOnly=True), "a": created_azure(readOnly=True)}
    refs = {
        item["name"]: item["valueFrom"]["secretKeyRef"]
        for item in job(catalog(data), "tune")["spec"]["template"]["spec"]["containers"][0]["env"]
        if "secretKeyRef" in item.get("valueFrom", {})
    }
    assert refs == {
        "POLYAXON_STORE_DATA_A": {"name": "azure-credentials-nlp", "key": "acmeml.data.json"},
        "POLYAXON_STORE_DATA_G": {"name": "gcs-credentials-nlp", "key": "acme-data.json"},
        "POLYAXON_STORE_DATA_S": {"name": "s3-credentials-nlp", "key": "acme-data.json"},
    }


def test_secret_names_are_per_team_and_store_and_valid_object_names():
    assert credentials_secret_name("gcs", "vision") == "gcs-credentials-vision"
    odd = credentials_secret_name("azure", "Vision_Lab")
    assert re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", odd) and odd != credentials_secret_name("azure", "vision-lab")


def test_identity_names_are_valid_everywhere_stable_and_per_deployment():
    names = {identity_name(deployment, team) for deployment in ("p/dev", "p/prod") for team in ("a", "Vision_Lab", "x" * 80)}
    assert len(names) == 6
    for name in names:
        assert re.fullmatch(r"[a-z][-a-z0-9]{4,28}[a-z0-9]", name), name  # GCP service account ids: 6 to 30
    assert identity_name("p/dev", "a") == identity_name("p/dev", "a")


# --- §6 workload identity: no key, no Secret ------------------------------------------------------


def test_a_workload_identity_run_lists_its_bucket_without_a_secret_key():
    config = catalog({"d": created_gcs(readOnly=True)}, cluster={"workloadIdentity": {"gke": {"teams": ["nlp"]}}})
    access = {a.team.name: a for a in cloud(config, "gcs").teams}
    assert access["nlp"].workload_identity and access["nlp"].secret is None
    assert not access["vision"].workload_identity
    env = container_env(job(config, "tune"))
    assert not any(name.startswith("POLYAXON_STORE_") for name in env)
    assert json.loads(env["POLYSTORES_RUN_STORES_ACCESS_KEYS"]) == {"gs://acme-data": {"store": "gcs"}}


def test_workload_identity_without_teams_is_every_teams():
    config = catalog({"d": created_gcs(readOnly=True)}, cluster={"workloadIdentity": {"gke": {}}})
    assert all(a.workload_identity for a in cloud(config, "gcs").teams)


def test_aks_workload_identity_labels_only_its_teams_pods():
    config = catalog({"d": created_azure(readOnly=True)}, cluster=AKS_NLP)
    tune, train = job(config, "tune"), job(config, "train")
    assert tune["spec"]["template"]["metadata"]["labels"][AKS_USE_LABEL] == "true"
    assert AKS_USE_LABEL not in tune["metadata"]["labels"]  # the pod's, not the Job's
    assert AKS_USE_LABEL not in train["spec"]["template"]["metadata"]["labels"]
    # Other clouds' workload identity needs no pod label.
    gke = catalog({"d": created_gcs(readOnly=True)}, cluster={"workloadIdentity": {"gke": {}}})
    assert AKS_USE_LABEL not in job(gke, "tune")["spec"]["template"]["metadata"]["labels"]


# --- warnings -----------------------------------------------------------------------------------------


def test_unused_workload_identity_and_aks_for_polystores_are_warned_about():
    unused = plan(catalog({"d": created_gcs()}, cluster={"workloadIdentity": {"eks": EKS_IRSA}}), providers=PROVIDERS)
    assert [str(w) for w in unused.warnings] == [
        "cluster.workloadIdentity.eks: no team is granted an s3 bucket with managed credentials, so nothing uses it"
    ]
    aks = plan(catalog({"d": created_azure()}, cluster=AKS_NLP), providers=PROVIDERS)
    [warning] = [str(w) for w in aks.warnings]
    assert warning.startswith("cluster.workloadIdentity.aks: teams nlp reach Azure containers") and "polystores" in warning


def test_a_run_running_as_another_service_account_is_warned_it_leaves_its_teams_workload_identity():
    config = catalog({"d": created_gcs(readOnly=True)}, cluster={"workloadIdentity": {"gke": {"teams": ["nlp"]}}})
    config["teams"]["nlp"]["serviceAccounts"] = ["batch"]
    config["runs"]["tune"]["serviceAccountName"] = "batch"
    assert [str(w) for w in plan(config, providers=PROVIDERS).warnings] == [
        "runs.tune.serviceAccountName: the run's pods run as 'batch', not 'runs-nlp': its buckets reached through "
        "workload identity (d) are granted to the cloud identity bound to 'runs-nlp'; bind 'batch' to that identity too, "
        "or drop it"
    ]
    # With keys, the Secret reaches the bucket whoever the pod runs as.
    keyed = catalog({"d": created_gcs(readOnly=True)})
    keyed["teams"]["nlp"]["serviceAccounts"] = ["batch"]
    keyed["runs"]["tune"]["serviceAccountName"] = "batch"
    assert plan(keyed, providers=PROVIDERS).warnings == ()


@pytest.mark.parametrize(
    "now, expected",
    [
        (datetime(2027, 8, 1, tzinfo=timezone.utc), []),
        (datetime(2027, 9, 10, tzinfo=timezone.utc), ["expires in 20 days"]),
        (datetime(2027, 10, 1, tzinfo=timezone.utc), ["has expired"]),
    ],
)
def test_a_sas_expiring_within_30_days_is_warned_about(now, expected):
    clouds = plan(catalog({"d": created_azure()}), providers=PROVIDERS).clouds
    found = [str(w) for w in sas_expiry_warnings(clouds, now)]
    assert len(found) == len(expected)
    for warning, words in zip(found, expected):
        assert warning.startswith("persistence.data.d.sasExpiry: the SAS of acmeml/data") and words in warning


def test_no_sas_warning_for_teams_without_keys():
    clouds = plan(catalog({"d": created_azure()}, cluster={"workloadIdentity": {"aks": AKS}}), providers=PROVIDERS).clouds
    assert sas_expiry_warnings(clouds, datetime(2027, 9, 29, tzinfo=timezone.utc)) == []


def test_a_runs_own_pod_labels_never_replace_polyaxon_storages():
    config = catalog({"d": created_azure()}, cluster={"workloadIdentity": {"aks": AKS}})
    config["runs"]["train"]["labels"] = {AKS_USE_LABEL: "false", "tier": "gold"}
    labels = job(config, "train")["spec"]["template"]["metadata"]["labels"]
    # The workload identity label wins over the run's own labels; ours over both.
    assert labels["polyaxon-storage/run"] == "train" and labels[AKS_USE_LABEL] == "true" and labels["tier"] == "gold"


def test_every_provider_setting_says_where_its_provider_reports_it():
    # What reported_secret_warnings tells a platform engineer who set one as a secret.
    for cloud in CLOUDS.values():
        assert set(cloud.reported) == set(cloud.settings), cloud.store


def test_a_secret_provider_setting_is_warned_about_where_its_cloud_has_resources_only():
    planned = plan(catalog({"d": created_azure()}), providers=PROVIDERS)
    found = [str(w) for w in reported_secret_warnings(planned.clouds, planned.mounted, {"azure-native:location", "gcp:project"})]
    assert found == [
        "azure-native:location: is set as a secret, but the azure-native provider reports it in plain text (as the "
        "location of each resource it creates), and Pulumi encrypts no resource id and no value a provider computes: "
        "whoever reads the stack's state reads it"
    ]
    assert reported_secret_warnings(planned.clouds, planned.mounted, set()) == []
