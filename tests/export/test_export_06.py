"""The 0.6 export (docs/export.md §2, §5, §7): each row of the mapping, each error, each warning.

Where an entry names something the stack makes (a namespace's NFS claim, a team's credentials Secret),
the oracle is what a run of that team mounts: the export must name exactly that.
"""

from __future__ import annotations

import pytest

from export_support import (
    CLAIM,
    CORPUS_CSI,
    POD_IDENTITY,
    RESULTS,
    V06,
    credentials_ref,
    export,
    export_problems,
    job_of,
    job_volume,
    teams,
)

# --- the mapping ---------------------------------------------------------------------------------


def test_the_values_are_the_namespace_and_its_persistence():
    values, _ = export(teams({"claim": CLAIM}, {"results": RESULTS}), V06, "vision")
    assert values == {
        "namespace": "team-vision",
        "persistence": {"data": {"claim": CLAIM}, "outputs": {"results": RESULTS}},
    }


def test_a_host_path_keeps_mount_path_host_path_and_read_only_and_its_node_selector_is_dropped_with_a_warning():
    shards = {"mountPath": "/data/shards", "hostPath": "/mnt/shards", "readOnly": True, "nodeSelector": {"pool": "gpu"}}
    values, warnings = export(teams({"shards": shards}, {"results": RESULTS}), V06, "vision")
    assert values["persistence"]["data"] == {"shards": {"mountPath": "/data/shards", "hostPath": "/mnt/shards", "readOnly": True}}
    assert [w for w in warnings if "nodeSelector" in w] == [
        "persistence.data.shards.nodeSelector: dropped: Polyaxon 0.6 has no node selector per volume; pin its runs "
        "to those nodes (the chart's nodeSelector for experiments and jobs)"
    ]


def test_read_only_is_given_when_true_or_written_out():
    data = {
        "ro": {**CLAIM, "readOnly": True},
        "rw": {"mountPath": "/data/rw", "existingClaim": "rw", "readOnly": False},
        "plain": {"mountPath": "/data/plain", "existingClaim": "plain"},
    }
    values, _ = export(teams(data, {"results": RESULTS}), V06, "vision")
    assert {name: entry.get("readOnly") for name, entry in values["persistence"]["data"].items()} == {
        "ro": True,
        "rw": False,
        "plain": None,
    }


def test_an_nfs_entry_is_the_claim_each_namespace_gets_for_it_as_its_runs_mount_it():
    results = {"mountPath": "/outputs", "nfs": {"server": "10.0.0.6", "path": "/exports/results"}, "size": "1Ti"}
    config = teams({"claim": CLAIM}, {"results": results}, nlp="*")
    claims = {}
    for team, run in (("vision", "resnet"), ("nlp", "bert")):
        values, _ = export(config, V06, team)
        entry = values["persistence"]["outputs"]["results"]
        assert set(entry) == {"mountPath", "existingClaim"}
        assert entry["existingClaim"] == job_volume(job_of(config, run), "/outputs")["persistentVolumeClaim"]["claimName"]
        claims[team] = entry["existingClaim"]
    # Shared by two namespaces, each has its own directory of the export, hence its own claim.
    assert claims["vision"] != claims["nlp"]


def test_a_bucket_with_its_own_secret_is_store_bucket_secret_and_key():
    raw = {"store": "gcs", "bucket": "gs://acme-raw", "secret": "gcs-reader", "secretKey": "key.json", "readOnly": True}
    values, warnings = export(teams({"raw": raw}, {"results": RESULTS}), V06, "vision")
    assert values["persistence"]["data"]["raw"] == {
        "store": "gcs",
        "bucket": "gs://acme-raw",
        "secret": "gcs-reader",
        "secretKey": "key.json",
    }
    assert warnings == []


def test_a_managed_bucket_is_the_teams_credentials_secret_and_the_buckets_key_its_runs_read():
    data = {
        "imagenet": {"store": "gcs", "bucket": "gs://acme-imagenet", "readOnly": True, "create": True, "location": "EU"},
        "corpus": {"store": "s3", "bucket": "s3://acme-corpus", "credentials": "managed", "readOnly": True},
        "scratch": {
            "store": "azure",
            "bucket": "wasbs://scratch@acmedata.blob.core.windows.net/",
            "credentials": "managed",
            "resourceGroup": "rg-ml",
            "sasExpiry": "2027-09-30T00:00:00Z",
        },
    }
    config = teams(data, {"results": RESULTS})
    values, warnings = export(config, V06, "vision")
    persistence = values["persistence"]["data"]
    assert persistence == {
        "corpus": {"store": "s3", "bucket": "s3://acme-corpus", "secret": "s3-credentials-vision", "secretKey": "acme-corpus.json"},
        "imagenet": {
            "store": "gcs",
            "bucket": "gs://acme-imagenet",
            "secret": "gcs-credentials-vision",
            "secretKey": "acme-imagenet.json",
        },
        "scratch": {
            "store": "azure",
            "bucket": "wasbs://scratch@acmedata.blob.core.windows.net/",
            "secret": "azure-credentials-vision",
            "secretKey": "acmedata.scratch.json",
        },
    }
    job = job_of(config, "resnet")
    for entry in persistence.values():
        assert credentials_ref(job, entry["bucket"]) == {"name": entry["secret"], "key": entry["secretKey"]}
    assert warnings == []


def test_a_bucket_reached_through_workload_identity_is_store_and_bucket_with_a_warning():
    data = {"imagenet": {"store": "gcs", "bucket": "gs://acme-imagenet", "credentials": "managed", "readOnly": True}}
    config = teams(data, {"results": RESULTS}, cluster={"workloadIdentity": {"gke": {}}})
    values, warnings = export(config, V06, "vision")
    assert values["persistence"]["data"] == {"imagenet": {"store": "gcs", "bucket": "gs://acme-imagenet"}}
    assert warnings == [
        "persistence.data.imagenet: is reached through workload identity, granted to runs-vision; Polyaxon 0.6 runs "
        "its pods under its own service account, so they get this bucket only if that account is granted it too"
    ]


def test_only_the_teams_own_entries_appear():
    data = {"claim": CLAIM, "other": {"mountPath": "/data/other", "existingClaim": "other"}}
    config = teams(data, {"results": RESULTS, "theirs": {"mountPath": "/theirs", "existingClaim": "t"}}, vision=None)
    config["teams"]["vision"].update(data=["claim"], outputs=["results"])
    config["teams"]["nlp"].update(data=["other"], outputs=["theirs"])
    values, _ = export(config, V06, "vision")
    assert {side: set(entries) for side, entries in values["persistence"].items()} == {
        "data": {"claim"},
        "outputs": {"results"},
    }


def test_a_stack_without_teams_exports_its_namespace_with_every_entry():
    config = {"namespace": "ml-jobs", "persistence": {"data": {"claim": CLAIM}}}
    values, _ = export(config, V06)
    assert values == {
        "namespace": "ml-jobs",
        # an empty side is the embedded default, which runs mount: it is exported too
        "persistence": {"data": {"claim": CLAIM}, "outputs": {"outputs": {"mountPath": "/outputs", "hostPath": "/tmp/outputs"}}},
    }


# --- errors --------------------------------------------------------------------------------------------


def test_a_mounted_entry_whose_name_is_no_dns_label_is_an_error_a_bucket_so_named_is_not():
    data = {
        "Data_Set.v2": {"mountPath": "/data/set", "existingClaim": "set"},
        "Raw_GCS": {"store": "gcs", "bucket": "gs://raw", "secret": "gcs", "secretKey": "key.json"},
    }
    assert export_problems(teams(data, {"results": RESULTS}), V06, "vision") == [
        "persistence.data.Data_Set.v2: 'Data_Set.v2' would name the pod volume of runs in Polyaxon (0.6 and v2 "
        "alike), and is no DNS-1123 label (lowercase letters, digits and '-', at most 63): rename the entry, such "
        "as data-set-v2"
    ]


def test_one_name_on_both_sides_is_an_error_for_volumes_and_fine_for_buckets():
    volumes = teams({"shared": CLAIM}, {"shared": RESULTS})
    assert export_problems(volumes, V06, "vision") == [
        "persistence.outputs.shared: persistence.data.shared has the same name: Polyaxon 0.6 names a run's pod "
        "volumes after their entries, data and outputs alike; rename one of them"
    ]
    bucket = {"store": "gcs", "bucket": "gs://shared", "secret": "gcs", "secretKey": "key.json"}
    buckets = teams({"shared": bucket}, {"shared": {**bucket, "bucket": "gs://out"}, "results": RESULTS})
    persistence = export(buckets, V06, "vision")[0]["persistence"]
    assert (persistence["data"]["shared"]["bucket"], persistence["outputs"]["shared"]["bucket"]) == ("gs://shared", "gs://out")


def test_the_problems_of_entries_other_teams_are_granted_are_not_this_teams():
    config = teams({"claim": CLAIM, "Bad_Name": {"mountPath": "/bad", "existingClaim": "bad"}}, {"results": RESULTS}, vision=None)
    config["teams"]["vision"].update(data=["claim"], outputs=["results"])
    config["teams"]["nlp"].update(data=["Bad_Name"], outputs=["results"])
    assert export(config, V06, "vision")[0]["persistence"]["data"] == {"claim": CLAIM}
    assert [p.split(":")[0] for p in export_problems(config, V06, "nlp")] == ["persistence.data.Bad_Name"]


def test_a_managed_key_that_names_no_environment_variable_is_an_error():
    data = {"imagenet": {"store": "gcs", "bucket": "gs://1000-images", "credentials": "managed", "readOnly": True}}
    assert export_problems(teams(data, {"results": RESULTS}), V06, "vision") == [
        "persistence.data.imagenet: its credentials are key '1000-images.json' of Secret gcs-credentials-vision, and "
        "Polyaxon 0.6 names an environment variable after the key, which must start with a letter, '-', '_' or '.': "
        "use a bucket whose name starts with a letter, or your own Secret (secret and secretKey)"
    ]


def test_the_stacks_own_problems_come_first_then_every_problem_of_the_export_at_once():
    data = {
        "Bad_Name": {"mountPath": "/data/bad", "existingClaim": "bad"},
        "shared": CLAIM,
        "imagenet": {"store": "gcs", "bucket": "gs://1000-images", "credentials": "managed", "readOnly": True},
    }
    config = teams(data, {"shared": RESULTS})
    config["teams"]["nlp"]["data"] = ["missing"]
    found = [problem.split(":")[0] for problem in export_problems(config, V06, "vision")]
    # the stack's own problem comes alone: the team's export waits for a sound stack
    assert found == ["teams.nlp.data[0]"]
    del config["teams"]["nlp"]["data"]
    found = [problem.split(":")[0] for problem in export_problems(config, V06, "vision")]
    assert sorted(found) == ["persistence.data.Bad_Name", "persistence.data.imagenet", "persistence.outputs.shared"]


# --- warnings ------------------------------------------------------------------------------------------


def test_a_team_granted_nothing_on_a_side_falls_back_to_the_charts_default_persistence():
    config = teams({"claim": CLAIM}, {"results": RESULTS}, vision=None)
    config["teams"]["vision"].update(data=[], outputs=["results"])
    values, warnings = export(config, V06, "vision")
    assert values["persistence"]["data"] == {}
    assert warnings == [
        "teams.vision.data: team 'vision' is granted no data entry: Polyaxon 0.6 falls back to its "
        "defaultPersistence there (data at /data on the node's /tmp/data)"
    ]


def test_0_6_taking_a_read_only_first_outputs_entry_is_warned_about():
    outputs = {"archive": {"mountPath": "/archive", "existingClaim": "archive", "readOnly": True}, "results": RESULTS}
    _, warnings = export(teams({"claim": CLAIM}, outputs), V06, "vision")
    assert warnings == [
        "persistence.outputs.archive: Polyaxon 0.6 runs that name no outputs write to the first outputs entry by "
        "name, 'archive', which is read-only: their outputs fail; rename the entries so a writable one comes first"
    ]


def test_0_6_taking_another_entry_than_the_catalogs_default_is_warned_about():
    outputs = {"checkpoints": {"mountPath": "/checkpoints", "existingClaim": "c"}, "results": {**RESULTS, "default": True}}
    config = teams({"claim": CLAIM}, outputs)
    _, warnings = export(config, V06, "vision")
    assert warnings == [
        "persistence.outputs.results: is the catalog's default outputs for team 'vision', but Polyaxon 0.6 runs that "
        "name no outputs take the first by name, 'checkpoints': rename the entries so this one comes first"
    ]
    # what the stack's own runs get, which 0.6 would not
    assert job_volume(job_of(config, "resnet"), "/outputs")["persistentVolumeClaim"]["claimName"] == "results"
    outputs["checkpoints"]["default"], outputs["results"]["default"] = True, False
    assert export(config, V06, "vision")[1] == []


def test_random_outputs_selection_is_warned_about():
    config = teams({"claim": CLAIM}, {"results": RESULTS, "z": {"mountPath": "/z", "existingClaim": "z"}})
    config["persistence"]["outputsSelection"] = "random"
    _, warnings = export(config, V06, "vision")
    assert warnings == [
        "persistence.outputsSelection: random is not exported: Polyaxon 0.6 runs that name no outputs take the first "
        "outputs entry by name; runs of this stack pick by a stable hash"
    ]


@pytest.mark.parametrize(
    "store, why",
    [
        ("gcs", 'gcsfuse.csi.storage.gke.io) mounts it only into pods annotated gke-gcsfuse/volumes: "true"'),
        ("s3", "s3.csi.aws.com) mounts it with the pod's own cloud identity, that of runs-vision"),
        ("azure", "blob.csi.azure.com) mounts it with the pod's own cloud identity, that of runs-vision"),
    ],
)
def test_a_bucket_its_csi_driver_mounts_into_annotated_pods_or_as_the_pod_is_an_error(store, why):
    config = teams({"corpus": CORPUS_CSI[store]}, {"results": RESULTS}, cluster={"workloadIdentity": POD_IDENTITY[store]})
    (problem,) = export_problems(config, V06, "vision")
    assert problem.startswith("persistence.data.corpus: its CSI driver (") and why in problem
    assert problem.endswith("export this team for polyaxon-v2, or grant it an entry of the bucket without mount: csi")


def test_an_azure_container_mounted_by_csi_with_its_sas_is_the_claim_of_the_teams_namespace():
    config = teams({"corpus": CORPUS_CSI["azure"]}, {"results": RESULTS})
    values, _ = export(config, V06, "vision")
    claim = job_volume(job_of(config, "resnet"), "/data/corpus")["persistentVolumeClaim"]["claimName"]
    assert values["persistence"]["data"]["corpus"] == {"mountPath": "/data/corpus", "existingClaim": claim, "readOnly": True}
