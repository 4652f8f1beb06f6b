"""The v2 export (docs/export.md §3-§5, §7): each row of the mapping, the artifacts store, the credentials
in v2's layout (and the description of their Secrets), each error and warning."""

from __future__ import annotations

from typing import Any

import pytest

from components.conventions import READ_ONLY, READ_WRITE
from components.core.v2_credentials import v2_credentials_secrets
from conftest import plan
from export_support import (
    CLAIM,
    CORPUS_CSI,
    POD_IDENTITY,
    PROVIDERS,
    RESULTS,
    V2,
    connection,
    export,
    export_problems,
    job_of,
    job_volume,
    teams,
)

IMAGENET_GCS = {"store": "gcs", "bucket": "gs://acme-imagenet", "readOnly": True, "create": True, "location": "EU"}
CORPUS_S3 = {"store": "s3", "bucket": "s3://acme-corpus", "credentials": "managed", "readOnly": True}
SCRATCH_AZURE = {
    "store": "azure",
    "bucket": "wasbs://scratch@acmedata.blob.core.windows.net/",
    "credentials": "managed",
    "resourceGroup": "rg-ml",
    "sasExpiry": "2027-09-30T00:00:00Z",
}
EXPORTS = {"exports": ["polyaxon-0.6", "polyaxon-v2"]}


# --- the mapping ---------------------------------------------------------------------------------


def test_the_values_are_the_namespace_the_artifacts_store_and_the_connections_each_tagged_with_its_side():
    values, warnings = export(teams({"claim": CLAIM}, {"results": RESULTS}), V2, "vision")
    assert values == {
        "namespace": "team-vision",
        "artifactsStore": {
            "name": "results",
            "kind": "volume_claim",
            "schema": {"volumeClaim": "results", "mountPath": "/outputs"},
            "tags": ["outputs"],
        },
        "connections": [
            {
                "name": "claim",
                "kind": "volume_claim",
                "schema": {"volumeClaim": "shared-data", "mountPath": "/data/claim"},
                "tags": ["data"],
            }
        ],
    }
    assert warnings == []


def test_a_host_path_is_a_host_path_connection_and_its_node_selector_is_dropped_with_a_warning():
    shards = {"mountPath": "/data/shards", "hostPath": "/mnt/shards", "readOnly": True, "nodeSelector": {"pool": "gpu"}}
    values, warnings = export(teams({"shards": shards}, {"results": RESULTS}), V2, "vision")
    assert connection(values, "shards") == {
        "name": "shards",
        "kind": "host_path",
        "schema": {"hostPath": "/mnt/shards", "mountPath": "/data/shards", "readOnly": True},
        "tags": ["data"],
    }
    assert warnings == [
        "persistence.data.shards.nodeSelector: dropped: a v2 host_path connection has no node selector; operations "
        "using it must set environment.nodeSelector {'pool': 'gpu'}"
    ]


def test_an_nfs_entry_is_a_claim_connection_on_the_claim_its_namespace_gets():
    imagenet = {"mountPath": "/data/imagenet", "nfs": {"server": "10.0.0.5", "path": "/exports/imagenet"}, "size": "2Ti", "readOnly": True}
    config = teams({"imagenet": imagenet}, {"results": RESULTS})
    values, _ = export(config, V2, "vision")
    claim = job_volume(job_of(config, "resnet"), "/data/imagenet")["persistentVolumeClaim"]["claimName"]
    assert connection(values, "imagenet") == {
        "name": "imagenet",
        "kind": "volume_claim",
        "schema": {"volumeClaim": claim, "mountPath": "/data/imagenet", "readOnly": True},
        "tags": ["data"],
    }


def test_buckets_are_gcs_s3_and_wasb_connections_on_their_url():
    data = {
        "g": {"store": "gcs", "bucket": "gs://g-data"},
        "s": {"store": "s3", "bucket": "s3://s-data/prefix"},
        "w": {"store": "azure", "bucket": "wasb://w-data@acct.blob.core.windows.net/path"},
    }
    values, _ = export(teams(data, {"results": RESULTS}), V2, "vision")
    assert [(c["name"], c["kind"], c["schema"], c["tags"]) for c in values["connections"]] == [
        ("g", "gcs", {"bucket": "gs://g-data"}, ["data"]),
        ("s", "s3", {"bucket": "s3://s-data/prefix"}, ["data"]),
        ("w", "wasb", {"bucket": "wasb://w-data@acct.blob.core.windows.net/path"}, ["data"]),
    ]


# --- the artifacts store -------------------------------------------------------------------------


def store_and_connections(config: dict[str, Any]) -> tuple[str, list[str]]:
    values, _ = export(config, V2, "vision")
    return values["artifactsStore"]["name"], [c["name"] for c in values["connections"]]


def test_the_store_is_the_default_outputs_entry_and_the_other_outputs_are_connections():
    outputs = {
        "archive": {"mountPath": "/archive", "existingClaim": "archive", "readOnly": True},
        "checkpoints": {"mountPath": "/checkpoints", "existingClaim": "checkpoints"},
        "results": dict(RESULTS),
    }
    config = teams({"claim": CLAIM}, outputs)
    # the first writable by name: a read-only entry never is the store
    assert store_and_connections(config) == ("checkpoints", ["claim", "archive", "results"])
    outputs["results"]["default"] = True
    assert store_and_connections(config) == ("results", ["claim", "archive", "checkpoints"])
    # as the stack's own runs that name no outputs
    assert job_volume(job_of(config, "resnet"), "/outputs")["persistentVolumeClaim"]["claimName"] == "results"


def test_random_outputs_selection_keeps_the_first_writable_as_store_with_a_warning():
    config = teams({"claim": CLAIM}, {"results": RESULTS, "z": {"mountPath": "/z", "existingClaim": "z"}})
    config["persistence"]["outputsSelection"] = "random"
    values, warnings = export(config, V2, "vision")
    assert values["artifactsStore"]["name"] == "results"
    assert warnings == [
        "persistence.outputsSelection: random is not exported: v2 runs write to the artifacts store; runs of this "
        "stack pick by a stable hash"
    ]


def test_a_single_node_claim_as_store_is_warned_about_a_shared_one_is_not():
    results = {**RESULTS, "accessMode": "ReadWriteOnce"}
    _, warnings = export(teams({"claim": CLAIM}, {"results": results}), V2, "vision")
    assert warnings == [
        "persistence.outputs.results.accessMode: ReadWriteOnce claim 'results' is the v2 artifacts store, which the "
        "agent, streams and runs all mount: they can only run on one node at a time; a store should be ReadWriteMany"
    ]
    results["accessMode"] = "ReadWriteMany"
    assert export(teams({"claim": CLAIM}, {"results": results}), V2, "vision")[1] == []


def test_without_a_writable_outputs_entry_the_agent_falls_back_to_its_default_store():
    config = teams({"claim": CLAIM}, {"archive": {"mountPath": "/archive", "existingClaim": "a", "readOnly": True}})
    values, warnings = export(config, V2, "vision")
    assert "artifactsStore" not in values
    assert [c["name"] for c in values["connections"]] == ["claim", "archive"]
    assert warnings == [
        "teams.vision.outputs: team 'vision' has no writable outputs entry: the agent falls back to its "
        "defaultArtifactsStore (the node's /tmp/artifactsStore)"
    ]


# --- credentials (§4) --------------------------------------------------------------------------------


def test_managed_keys_are_read_from_secrets_in_v2s_layout():
    config = teams({"imagenet": IMAGENET_GCS, "corpus": CORPUS_S3, "scratch": SCRATCH_AZURE}, {"results": RESULTS}, **EXPORTS)
    values, warnings = export(config, V2, "vision")
    assert connection(values, "imagenet")["secret"] == {"name": "polyaxon-gcs-vision", "mountPath": "/plx-context/.gc"}
    assert connection(values, "corpus")["secret"] == {"name": "polyaxon-s3-vision"}
    wasb = connection(values, "scratch")["secret"]["name"]
    assert wasb.startswith("polyaxon-wasb-vision-") and len(wasb) == len("polyaxon-wasb-vision-") + 8
    assert warnings == []


def test_s3_buckets_in_several_regions_get_one_secret_per_region():
    data = {
        "eu": {"store": "s3", "bucket": "s3://acme-eu", "create": True, "region": "eu-west-1", "readOnly": True},
        "eu-too": {"store": "s3", "bucket": "s3://acme-eu-too", "create": True, "readOnly": True},  # aws:region
        "us": {"store": "s3", "bucket": "s3://acme-us", "create": True, "region": "us-east-1", "readOnly": True},
    }
    values, _ = export(teams(data, {"results": RESULTS}, **EXPORTS), V2, "vision")
    assert {name: connection(values, name)["secret"]["name"] for name in data} == {
        "eu": "polyaxon-s3-vision-eu-west-1",
        "eu-too": "polyaxon-s3-vision-eu-west-1",
        "us": "polyaxon-s3-vision-us-east-1",
    }


def test_each_azure_container_has_its_own_secret():
    other = {**SCRATCH_AZURE, "bucket": "wasbs://other@acmedata.blob.core.windows.net/"}
    values, _ = export(teams({"scratch": SCRATCH_AZURE}, {"other": other}, **EXPORTS), V2, "vision")
    names = {connection(values, name)["secret"]["name"] for name in ("scratch", "other")}
    assert len(names) == 2


def test_workload_identity_buckets_have_no_secret_and_operations_must_run_as_the_teams_service_account():
    config = teams(
        {"imagenet": IMAGENET_GCS, "corpus": CORPUS_S3},
        {"results": RESULTS},
        cluster={"workloadIdentity": {"gke": {}, "eks": {"oidcProviderArn": "arn:p", "oidcIssuer": "https://oidc"}}},
    )
    values, warnings = export(config, V2, "vision")  # no exports needed: no Secret in v2's layout
    assert "secret" not in connection(values, "imagenet") and "secret" not in connection(values, "corpus")
    assert warnings == [
        f"persistence.data.{name}: is reached through workload identity (no secret): operations using it must set "
        "environment.serviceAccountName: runs-vision; the chart's own <release>-runs-sa is bound to nothing"
        for name in ("corpus", "imagenet")
    ]


@pytest.mark.parametrize("store", ["gcs", "s3", "azure"])
def test_a_bucket_mounted_by_csi_is_the_teams_claim_its_pods_annotated_as_the_driver_needs_and_run_as_the_team(store):
    config = teams({"corpus": CORPUS_CSI[store]}, {"results": RESULTS}, cluster={"workloadIdentity": POD_IDENTITY[store]})
    values, warnings = export(config, V2, "vision")
    corpus, job = connection(values, "corpus"), job_of(config, "resnet")
    assert (corpus["kind"], corpus["schema"]) == (
        "volume_claim",
        {"volumeClaim": job_volume(job, "/data/corpus")["persistentVolumeClaim"]["claimName"], "mountPath": "/data/corpus",
         "readOnly": True},
    )  # fmt: skip
    # What the stack's own runs carry for it, Polyaxon's runs get from the connection (gcsfuse mounts only there).
    own = {key: value for key, value in job["spec"]["template"]["metadata"]["annotations"].items() if "gcsfuse" in key}
    assert corpus.get("annotations", {}) == own == ({"gke-gcsfuse/volumes": "true"} if store == "gcs" else {})
    assert warnings == [
        "persistence.data.corpus: is mounted by its CSI driver with the pod's own cloud identity: operations using it "
        "must set environment.serviceAccountName: runs-vision; the chart's own <release>-runs-sa is bound to nothing"
    ]


def test_an_azure_container_mounted_by_csi_with_its_sas_needs_no_service_account():
    values, warnings = export(teams({"corpus": CORPUS_CSI["azure"]}, {"results": RESULTS}), V2, "vision")
    assert "annotations" not in connection(values, "corpus") and warnings == []


def test_an_azure_container_through_workload_identity_is_warned_unproven():
    config = teams(
        {"scratch": {**SCRATCH_AZURE, "readOnly": True}},
        {"results": RESULTS},
        cluster={"workloadIdentity": {"aks": {"oidcIssuerUrl": "https://issuer", "resourceGroup": "rg-id"}}},
    )
    values, warnings = export(config, V2, "vision")
    assert "secret" not in connection(values, "scratch")
    assert warnings[-1] == (
        "persistence.data.scratch: is an Azure container reached through AKS workload identity, which Polyaxon's "
        "Azure client does not use (it reads only keys and connection strings): unproven with v2"
    )


def test_an_own_secret_is_named_with_a_warning_that_it_must_hold_v2s_keys():
    data = {
        "g": {"store": "gcs", "bucket": "gs://g-data", "secret": "bucket-keys", "secretKey": "gcs.json"},
        "s": {"store": "s3", "bucket": "s3://s-data", "secret": "bucket-keys", "secretKey": "s3.json"},
    }
    values, warnings = export(teams(data, {"results": RESULTS}), V2, "vision")
    assert connection(values, "g")["secret"] == {"name": "bucket-keys", "mountPath": "/plx-context/.gc"}
    assert connection(values, "s")["secret"] == {"name": "bucket-keys"}
    assert warnings == [
        "persistence.data.g.secret: v2 reads its credentials from Secret bucket-keys as gc-secret.json (the "
        "service-account key), mounted at /plx-context/.gc, not from key 'gcs.json' as polystores did: that Secret "
        "must hold v2's keys",
        "persistence.data.s.secret: v2 reads its credentials from Secret bucket-keys as AWS_ACCESS_KEY_ID, "
        "AWS_SECRET_ACCESS_KEY (and AWS_REGION), read as environment variables, not from key 's3.json' as "
        "polystores did: that Secret must hold v2's keys",
    ]


def test_the_secrets_in_v2s_layout_name_their_keys_buckets_and_access():
    outputs = {"results": {"store": "s3", "bucket": "s3://acme-results", "create": True}}
    config = teams({"imagenet": IMAGENET_GCS, "corpus": CORPUS_S3, "scratch": {**SCRATCH_AZURE, "readOnly": True}}, outputs, **EXPORTS)
    secrets = {secret.name: secret for secret in v2_credentials_secrets(plan(config, providers=PROVIDERS).clouds)}
    wasb = next(name for name in secrets if name.startswith("polyaxon-wasb-"))
    assert set(secrets) == {"polyaxon-gcs-vision", "polyaxon-s3-vision", wasb}
    gcs, s3, azure = secrets["polyaxon-gcs-vision"], secrets["polyaxon-s3-vision"], secrets[wasb]
    assert {secret.namespace for secret in secrets.values()} == {"team-vision"}
    assert (gcs.store, gcs.buckets, gcs.access, gcs.keys) == ("gcs", ("acme-imagenet",), READ_ONLY, ("gc-secret.json",))
    assert gcs.reference() == {"name": "polyaxon-gcs-vision", "mountPath": "/plx-context/.gc"}
    assert (s3.buckets, s3.access, s3.region, s3.keys) == (
        ("acme-corpus", "acme-results"),
        READ_WRITE,  # one IAM user, writable on results
        "eu-west-1",
        ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION"),
    )
    assert s3.reference() == {"name": "polyaxon-s3-vision"}
    assert (azure.buckets, azure.access, azure.keys) == (
        ("acmedata/scratch",),
        READ_ONLY,
        ("AZURE_ACCOUNT_NAME", "AZURE_CONNECTION_STRING"),
    )
    assert azure.reference() == {"name": wasb}


def test_teams_on_workload_identity_get_no_secret_in_v2s_layout():
    config = teams({"imagenet": IMAGENET_GCS}, {"results": RESULTS}, cluster={"workloadIdentity": {"gke": {}}})
    assert v2_credentials_secrets(plan(config, providers=PROVIDERS).clouds) == ()


def test_a_stack_without_teams_names_its_secrets_after_its_namespace():
    config = {
        "namespace": "ml-jobs",
        "credentialsRotation": "2026-10-01",
        "persistence": {"data": {"imagenet": IMAGENET_GCS}},
        **EXPORTS,
    }
    values, _ = export(config, V2)
    assert connection(values, "imagenet")["secret"]["name"] == "polyaxon-gcs-ml-jobs"
    assert [s.name for s in v2_credentials_secrets(plan(config, providers=PROVIDERS).clouds)] == ["polyaxon-gcs-ml-jobs"]


def test_two_teams_whose_secrets_would_share_a_name_in_one_namespace_are_an_error():
    data = {
        "eu": {"store": "s3", "bucket": "s3://acme-eu", "create": True, "region": "eu-west-1", "readOnly": True},
        "us": {"store": "s3", "bucket": "s3://acme-us", "create": True, "region": "us-east-1", "readOnly": True},
    }
    config = teams(data, {"results": RESULTS}, **EXPORTS)
    config["teams"]["vision-eu-west-1"] = {"namespace": "team-vision", "data": ["eu"], "outputs": ["results"]}
    assert export_problems(config, V2, "vision") == [
        "teams.vision-eu-west-1: its v2 credentials Secret for s3 would be 'polyaxon-s3-vision-eu-west-1', in "
        "namespace 'team-vision', like team 'vision''s for s3: rename one of the teams"
    ]
    config["teams"]["vision-eu-west-1"]["namespace"] = "team-eu"
    assert export(config, V2, "vision")[0]


# --- errors --------------------------------------------------------------------------------------------


def test_a_managed_key_without_exports_listing_v2_is_an_error():
    config = teams({"imagenet": IMAGENET_GCS, "corpus": CORPUS_S3}, {"results": RESULTS})
    assert export_problems(config, V2, "vision") == [
        "exports: persistence.data.corpus, persistence.data.imagenet reach their bucket with a key the stack manages, "
        "and v2 reads it from a Secret in v2's layout, which the stack writes only with exports: [polyaxon-v2]: add it"
    ]
    config["exports"] = ["polyaxon-0.6"]
    assert len(export_problems(config, V2, "vision")) == 1
    config["exports"] = ["polyaxon-v2"]
    assert export(config, V2, "vision")[0]


def test_one_name_on_both_sides_is_an_error_whatever_the_kinds():
    bucket = {"store": "gcs", "bucket": "gs://shared", "secret": "gcs", "secretKey": "key.json"}
    config = teams({"shared": bucket}, {"shared": {**bucket, "bucket": "gs://out"}, "results": RESULTS})
    assert export_problems(config, V2, "vision") == [
        "persistence.outputs.shared: persistence.data.shared has the same name: Polyaxon v2 connections (the "
        "artifacts store among them) need unique names; rename one of them"
    ]


def test_a_mounted_entry_whose_name_is_no_dns_label_is_an_error():
    config = teams({"Data_1": CLAIM, "Raw_Bucket": {"store": "gcs", "bucket": "gs://raw"}}, {"results": RESULTS})
    assert [problem.split(":")[0] for problem in export_problems(config, V2, "vision")] == ["persistence.data.Data_1"]


def test_an_entry_named_as_the_default_store_clashes_with_it_when_the_agent_falls_back_to_it():
    config = teams({"default-artifacts-store": CLAIM}, {"archive": {"mountPath": "/a", "existingClaim": "a", "readOnly": True}})
    assert [problem.split(":")[0] for problem in export_problems(config, V2, "vision")] == [
        "persistence.data.default-artifacts-store"
    ]
    config["persistence"]["outputs"]["results"] = RESULTS
    assert export(config, V2, "vision")[0]["artifactsStore"]["name"] == "results"
