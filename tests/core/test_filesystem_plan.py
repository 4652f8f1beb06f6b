"""Managed filesystems and buckets mounted through CSI drivers (docs/managed-storage.md), as the pure plan decides them.

No Pulumi here: a stack config and provider settings are planned, and the
problems, each namespace's volume or the runs' Jobs are checked.
"""

from __future__ import annotations

import copy
import json
import os
import stat
import subprocess
from typing import Any

import pytest

from components.core.clouds import reported_secret_warnings
from components.core.errors import ConfigError
from components.core.filesystems import directories_script
from components.core.security import restricted_violations
from conftest import plan, problems

PROVIDERS = {
    "gcp:project": "acme-ml",
    "aws:region": "eu-west-1",
    "azure-native:location": "westeurope",
    "azure-native:subscriptionId": "sub-1",
}
FILESTORE = {"filesystem": "filestore", "create": True, "name": "ml-work", "mountPath": "/work", "size": "1Ti",
             "location": "europe-west1-b", "network": "ml-vpc", "clients": ["10.8.0.0/14"]}  # fmt: skip
EFS = {"filesystem": "efs", "create": True, "name": "ml-efs", "mountPath": "/efs", "vpcId": "vpc-1",
       "subnets": ["subnet-a", "subnet-b"], "clients": ["sg-0123456789abcdef0"]}  # fmt: skip
AZURE_FILES = {"filesystem": "azurefiles", "create": True, "name": "ckpt", "account": "acmeckpt", "mountPath": "/files",
               "resourceGroup": "rg-ml", "subnetId": "/subnets/storage", "size": "1Ti"}  # fmt: skip
EXPIRY = "2027-09-30T00:00:00Z"
GCS_CSI = {"store": "gcs", "bucket": "gs://acme-corpus/train", "readOnly": True, "create": True, "location": "EU",
           "mount": "csi", "mountPath": "/data/corpus"}  # fmt: skip
S3_CSI = {"store": "s3", "bucket": "s3://acme-corpus/train", "readOnly": True, "create": True, "mount": "csi",
          "mountPath": "/data/corpus"}  # fmt: skip
BLOB_CSI = {"store": "azure", "bucket": "wasbs://corpus@acmecorpus.blob.core.windows.net/train", "readOnly": True,
            "create": True, "resourceGroup": "rg-ml", "sasExpiry": EXPIRY, "mount": "csi", "mountPath": "/data/corpus"}  # fmt: skip
# Every team reaches GCP and AWS through workload identity (what gcsfuse and Mountpoint mount with); on Azure, vision
# with keys (its container's SAS) and nlp through AKS workload identity.
WORKLOAD_IDENTITY = {
    "gke": {},
    "eks": {"oidcProviderArn": "arn:aws:iam::1:oidc-provider/o", "oidcIssuer": "https://o"},
    "aks": {"teams": ["nlp"], "oidcIssuerUrl": "https://o", "resourceGroup": "rg-identities"},
}


def stack(data: dict | None = None, outputs: dict | None = None, teams: dict | None = None, **keys: Any) -> dict[str, Any]:
    """vision and nlp (unless `teams` says otherwise), each in its namespace, granted everything; a run each (resnet,
    bert)."""
    teams = teams or {
        "vision": {"namespace": "team-vision", "data": "*", "outputs": "*"},
        "nlp": {"namespace": "team-nlp", "data": "*", "outputs": "*"},
    }
    cluster = copy.deepcopy(WORKLOAD_IDENTITY)
    cluster["aks"]["teams"] = [team for team in cluster["aks"]["teams"] if team in teams]
    runs = {"resnet": {"team": "vision", "image": "trainer:1"}, "bert": {"team": "nlp", "image": "trainer:1"}}
    return {
        "cluster": {"workloadIdentity": cluster},
        "persistence": {
            "data": data or {"scratch-data": {"mountPath": "/scratch-data", "existingClaim": "scratch"}},
            "outputs": outputs or {"scratch": {"mountPath": "/scratch", "existingClaim": "scratch"}},
        },
        "teams": teams,
        "runs": {name: run for name, run in runs.items() if run["team"] in teams},
        **keys,
    }


def problem(config: dict, path: str, *words: str) -> str:
    """The one problem at exactly `path`, checked to contain each of `words`."""
    found = problems(config, providers=PROVIDERS)
    at = [p for p in found if p.startswith(path + ": ")]
    assert len(at) == 1, f"no single problem at {path!r} in {found}"
    for word in words:
        assert word in at[0], (word, at[0])
    return at[0]


def with_keys(entry: dict, **keys: Any) -> dict:
    changed = {**copy.deepcopy(entry), **keys}
    return {key: value for key, value in changed.items() if value is not None}


def planned(config: dict):
    return plan(config, providers=PROVIDERS)


def job(config: dict, run: str) -> dict[str, Any]:
    (found,) = [r for r in planned(config).runs if r.name == run]
    return found.job()


def env(job: dict) -> dict[str, Any]:
    return {item["name"]: item.get("value", item.get("valueFrom")) for item in job["spec"]["template"]["spec"]["containers"][0]["env"]}


# --- the vocabulary: every misuse a problem at its path, in the user's words ---------------------------------


@pytest.mark.parametrize(
    "entry, key, words",
    [
        pytest.param(with_keys(EFS, create=None), "create", ["required: true", "nfs: entry"], id="without-create"),
        pytest.param(with_keys(EFS, tier="ZONAL"), "tier", ["does not apply to an efs filesystem", "filestore"], id="tier-on-efs"),
        pytest.param(with_keys(FILESTORE, vpcId="vpc-1"), "vpcId", ["does not apply to a filestore", "efs"], id="vpc-on-filestore"),
        pytest.param(with_keys(AZURE_FILES, kmsKey="k"), "kmsKey", ["does not apply to an azurefiles", "filestore and efs"], id="kms-on-azure"),
        pytest.param(with_keys(FILESTORE, network=None), "network", ["required for a filestore", "VPC network"], id="filestore-network"),
        pytest.param(with_keys(FILESTORE, location=None), "location", ["required", "zone"], id="filestore-location"),
        pytest.param(with_keys(EFS, vpcId=None), "vpcId", ["required for an efs"], id="efs-vpc"),
        pytest.param(with_keys(EFS, subnets=None), "subnets", ["required", "availability zone"], id="efs-subnets"),
        pytest.param(with_keys(EFS, clients=None), "clients", ["required", "security groups"], id="efs-clients"),
        pytest.param(with_keys(AZURE_FILES, subnetId=None), "subnetId", ["required", "private endpoint"], id="azure-subnet"),
        pytest.param(with_keys(AZURE_FILES, account="Acme-Ckpt"), "account", ["not a storage account name"], id="azure-account"),
        pytest.param(with_keys(FILESTORE, size="512Gi"), "size", ["512 GiB does not fit a BASIC_HDD", "1024 to"], id="basic-minimum"),
        pytest.param(with_keys(FILESTORE, tier="BASIC_SSD", size="2Ti"), "size", ["2048 GiB", "2560"], id="ssd-minimum"),
        pytest.param(with_keys(FILESTORE, tier="ZONAL", size="1100Gi"), "size", ["steps of 256 GiB"], id="zonal-step"),
        pytest.param(with_keys(FILESTORE, tier="ZONAL", size="512Gi"), "size", ["1024 to 9984"], id="zonal-minimum-1tib"),
        pytest.param(with_keys(FILESTORE, tier="ENTERPRISE", location="europe-west1", size="11Ti"), "size", ["1024 to 10240"], id="enterprise-maximum"),
        pytest.param(with_keys(FILESTORE, tier="HIGH_SCALE_SSD", size="11Ti"), "size", ["steps of 2560 GiB"], id="high-scale-step"),
        pytest.param(with_keys(FILESTORE, size="1T"), "size", ["not a whole number of GiB"], id="not-whole-gib"),
        pytest.param(with_keys(AZURE_FILES, size="50Gi"), "size", ["a premium Azure file share", "100 to"], id="azure-minimum"),
        pytest.param(with_keys(FILESTORE, protocol="NFS_V4_1"), "protocol", ["not served by BASIC_HDD"], id="nfs41-on-basic"),
        pytest.param(with_keys(FILESTORE, protocol="smb"), "protocol", ["NFS_V3 or NFS_V4_1"], id="smb-on-filestore"),
        pytest.param(with_keys(FILESTORE, name="ml-checkpoints-of-vision"), "name", ["share", "at most 16", "give share"], id="share-from-long-name"),
        pytest.param(with_keys(FILESTORE, share="ml-work"), "share", ["not a Filestore share name", "'_'"], id="share-hyphen"),
        pytest.param(with_keys(FILESTORE, tier="REGIONAL", size="1Ti"), "location", ["goes in a region"], id="regional-in-zone"),
        pytest.param(with_keys(FILESTORE, location="europe-west1"), "location", ["goes in a zone"], id="basic-in-region"),
        pytest.param(with_keys(FILESTORE, clients=["sg-0123456789abcdef0"]), "clients[0]", ["security group", "CIDR"], id="filestore-sg"),
        pytest.param(with_keys(FILESTORE, clients=["10.8.0.1/14"]), "clients[0]", ["CIDR range"], id="not-a-cidr"),
        pytest.param(with_keys(EFS, subnets=["subnet-a", "subnet-a"]), "subnets[1]", ["more than once", "one mount target"], id="repeated-subnet"),
        pytest.param(with_keys(AZURE_FILES, protocol="smb", attach="nfs"), "attach", ["Azure File CSI driver"], id="smb-by-nfs"),
        pytest.param(with_keys(FILESTORE, rootSquash=True), "rootSquash", ["made as root"], id="root-squash-outputs"),
        pytest.param(with_keys(EFS, filesystem="netapp"), "filesystem", ["filestore", "efs", "azurefiles"], id="unknown-filesystem"),
    ],
)
def test_a_misused_filesystem_option_is_a_problem_at_its_key(entry, key, words):
    problem(stack(outputs={"ckpt": entry}), f"persistence.outputs.ckpt.{key}", *words)


# Each filesystem's own options, from docs/managed-storage.md §1 (the oracle: written here, not read from the code).
OWN_OPTIONS = {
    "network": ("ml-vpc", {"filestore"}), "connectMode": ("DIRECT_PEERING", {"filestore"}),
    "tier": ("ZONAL", {"filestore"}), "share": ("work", {"filestore"}),
    "location": ("europe-west1-b", {"filestore", "azurefiles"}), "protocol": ("NFS_V3", {"filestore", "azurefiles"}),
    "rootSquash": (False, {"filestore", "azurefiles"}), "clients": (["10.0.0.0/16"], {"filestore", "efs"}),
    "kmsKey": ("k", {"filestore", "efs"}), "vpcId": ("vpc-1", {"efs"}), "subnets": (["subnet-a"], {"efs"}),
    "performanceMode": ("maxIO", {"efs"}), "throughputMode": ("elastic", {"efs"}),
    "lifecycle": ("AFTER_7_DAYS", {"efs"}), "backup": (False, {"efs"}), "resourceGroup": ("rg", {"azurefiles"}),
    "account": ("acct", {"azurefiles"}), "subnetId": ("/s", {"azurefiles"}), "privateDnsZoneId": ("/z", {"azurefiles"}),
}  # fmt: skip


@pytest.mark.parametrize("option", sorted(OWN_OPTIONS))
@pytest.mark.parametrize("kind", ["filestore", "efs", "azurefiles"])
def test_an_option_of_another_filesystem_is_a_problem_naming_whose_it_is(kind, option):
    value, owners = OWN_OPTIONS[option]
    entry = {"filestore": FILESTORE, "efs": EFS, "azurefiles": AZURE_FILES}[kind]
    try:
        planned(stack(outputs={"ckpt": {**entry, option: value}}))
        every = []
    except ConfigError as error:
        every = [str(problem) for problem in error.problems]
    found = [p for p in every if p.startswith(f"persistence.outputs.ckpt.{option}: does not apply")]
    if kind in owners:
        assert found == []
    else:
        (problem,) = found
        assert " and ".join(sorted(owners, key=["filestore", "efs", "azurefiles"].index)) in problem


def test_every_problem_of_a_filesystem_catalog_is_reported_at_once_and_the_fixed_stack_plans():
    broken = stack(
        data={"corpus": with_keys(FILESTORE, name="corpus", mountPath="/corpus", readOnly=True, tier="ZONAL", size="1100Gi")},
        outputs={"ckpt": with_keys(EFS, subnets=["subnet-a", "subnet-a"]), "files": with_keys(AZURE_FILES, kmsKey="k")},
    )
    found = problems(broken, providers=PROVIDERS)
    assert [p.split(":")[0] for p in found] == [
        "persistence.data.corpus.size", "persistence.outputs.ckpt.subnets[1]", "persistence.outputs.files.kmsKey"
    ]  # fmt: skip
    fixed = stack(
        data={"corpus": with_keys(FILESTORE, name="corpus", mountPath="/corpus", readOnly=True, tier="ZONAL", size="1280Gi")},
        outputs={"ckpt": EFS, "files": AZURE_FILES},
    )
    assert len(planned(fixed).mounted.filesystems) == 3


def test_one_filesystem_created_by_two_entries_is_a_problem():
    config = stack(outputs={"ckpt": EFS, "more": with_keys(EFS, mountPath="/more")})
    problem(config, "persistence.outputs.more.name", "ml-efs is created by persistence.outputs.ckpt already")
    twice = stack(outputs={"a": AZURE_FILES, "b": with_keys(AZURE_FILES, name="other", mountPath="/b")})
    problem(twice, "persistence.outputs.b.account", "acmeckpt is created by persistence.outputs.a already")


def test_a_missing_provider_setting_is_named():
    found = problems(stack(outputs={"ckpt": FILESTORE}), providers={})
    assert any(p.startswith("gcp:project: required: persistence.outputs.ckpt is a filestore filesystem") for p in found), found
    found = problems(stack(outputs={"ckpt": EFS}), providers={})
    assert any(p.startswith("aws:region: required") for p in found), found


def test_a_regional_instance_under_a_tebibyte_is_a_warning_not_a_problem():
    entry = with_keys(FILESTORE, tier="REGIONAL", location="europe-west1", size="512Gi")
    warnings = [str(w) for w in planned(stack(outputs={"ckpt": entry})).warnings]
    assert any(w.startswith("persistence.outputs.ckpt.size: 512 GiB: REGIONAL") for w in warnings), warnings


@pytest.mark.parametrize(
    "entry, key, words",
    [
        pytest.param(with_keys(GCS_CSI, mountPath=None), "mountPath", ["required with mount: csi"], id="csi-without-path"),
        pytest.param(with_keys(GCS_CSI, mount=None), "mountPath", ["add mount: csi"], id="path-without-csi"),
        pytest.param(with_keys(GCS_CSI, mount=None, mountPath=None, mountOptions=["implicit-dirs"]), "mountOptions", ["add mount: csi"], id="options-without-csi"),
        pytest.param(
            {"store": "gcs", "bucket": "gs://acme-corpus", "secret": "s", "secretKey": "k", "mount": "csi", "mountPath": "/c"},
            "mount", ["credentials: managed", "create: true"], id="csi-without-managed-credentials",
        ),
        pytest.param(with_keys(GCS_CSI, mountOptions=["implicit-dirs", "uid=0"]), "mountOptions[1]", ["uid is set by the stack"], id="gcs-uid"),
        pytest.param(with_keys(S3_CSI, mountOptions=["--region us-east-1"]), "mountOptions[0]", ["region is set"], id="s3-region"),
        pytest.param(with_keys(BLOB_CSI, mountOptions=["-o gid=0"]), "mountOptions[0]", ["gid is set"], id="blob-gid"),
        pytest.param(with_keys(BLOB_CSI, protocol="nfs"), "protocol", ["not supported yet", "fuse2"], id="blob-nfs"),
        pytest.param(with_keys(GCS_CSI, protocol="fuse2"), "protocol", ["applies to an azure bucket"], id="protocol-on-gcs"),
        pytest.param(with_keys(GCS_CSI, mountPath="/etc/corpus"), "mountPath", ["/etc"], id="system-location"),
    ],
)
def test_a_misused_bucket_mount_option_is_a_problem_at_its_key(entry, key, words):
    problem(stack(data={"corpus": entry}), f"persistence.data.corpus.{key}", *words)


def test_a_bucket_mounted_by_csi_needs_a_mount_path_of_its_own():
    config = stack(data={"corpus": GCS_CSI, "other": {"mountPath": "/data/corpus", "existingClaim": "c", "readOnly": True}})
    problem(config, "persistence.data.other.mountPath", "is already the mountPath of persistence.data.corpus")


@pytest.mark.parametrize("entry, cloud", [(GCS_CSI, "gke"), (S3_CSI, "eks")])
def test_gcs_and_s3_mounted_by_csi_need_each_teams_workload_identity(entry, cloud):
    config = stack(data={"corpus": entry})
    config["cluster"]["workloadIdentity"][cloud]["teams"] = ["nlp"]
    problem(config, "persistence.data.corpus.mount", "teams vision reach", f"cluster.workloadIdentity.{cloud}")
    config["cluster"]["workloadIdentity"][cloud]["teams"] = ["nlp", "vision"]
    assert planned(config).mounted.csi_buckets


def test_an_azure_container_mounted_by_csi_serves_one_team_per_namespace():
    teams = {
        "vision": {"namespace": "shared", "data": "*", "outputs": "*"},
        "nlp": {"namespace": "shared", "data": "*", "outputs": "*"},
    }
    problem(stack(data={"corpus": BLOB_CSI}, teams=teams), "persistence.data.corpus.mount", "share namespace 'shared'")


def test_a_team_may_not_load_the_sas_another_team_mounts_its_container_with():
    teams = {
        "vision": {"namespace": "shared", "data": "*", "outputs": "*"},
        "nlp": {"namespace": "shared", "outputs": "*", "secretRefs": []},
    }
    config = stack(data={"corpus": BLOB_CSI}, teams=teams)
    (bucket,) = planned(config).mounted.csi_buckets
    ((_, source),) = bucket.volumes
    config["teams"]["nlp"]["secretRefs"] = [source.node_stage_secret]
    problem(config, "teams.nlp.secretRefs[0]", "which team 'nlp' is not granted")


# --- each namespace: its own directory, its own volume ---------------------------------------------------


def test_each_namespace_gets_its_own_directory_of_an_outputs_filesystem_and_data_the_root():
    config = stack(data={"corpus": with_keys(FILESTORE, name="corpus", mountPath="/corpus", readOnly=True)}, outputs={"ckpt": FILESTORE})
    data, outputs = planned(config).mounted.filesystems
    assert {(v.namespace, v.directory) for v in outputs.volumes} == {("team-nlp", "team-nlp"), ("team-vision", "team-vision")}
    assert {v.directory for v in data.volumes} == {""}
    assert outputs.directories == ("team-nlp", "team-vision") and outputs.directories_job
    assert data.directories_job is None  # nothing to make for read-only data
    assert len({v.claim_name for v in outputs.volumes} | {v.volume_name for v in outputs.volumes}) == 4


def test_a_new_grant_runs_a_new_directory_job_and_keeps_the_other_namespaces_volumes():
    one = stack(outputs={"ckpt": FILESTORE}, teams={"vision": {"namespace": "team-vision", "outputs": "*"}})
    two = stack(outputs={"ckpt": FILESTORE})
    (before,), (after,) = planned(one).mounted.filesystems, planned(two).mounted.filesystems
    assert before.directories_job != after.directories_job
    vision = lambda fs: [(v.claim_name, v.volume_name) for v in fs.volumes if v.namespace == "team-vision"]  # noqa: E731
    assert vision(before) == vision(after)


@pytest.mark.parametrize(
    "entry, job",
    [
        pytest.param(FILESTORE, True, id="filestore"),
        pytest.param(AZURE_FILES, True, id="azure-nfs"),
        pytest.param(with_keys(EFS, attach="nfs"), True, id="efs-by-nfs"),
        pytest.param(EFS, False, id="efs-access-points"),
        pytest.param(with_keys(AZURE_FILES, protocol="smb"), False, id="azure-smb"),
    ],
)
def test_a_directory_job_is_made_where_only_root_could_make_the_directories(entry, job):
    (filesystem,) = planned(stack(outputs={"ckpt": entry})).mounted.filesystems
    assert (filesystem.directories_job is not None) is job


def test_the_filestore_csi_driver_mounting_a_whole_share_serves_one_outputs_namespace():
    problem(stack(outputs={"ckpt": with_keys(FILESTORE, attach="csi")}), "persistence.outputs.ckpt.attach", "see each other's outputs")
    one = stack(outputs={"ckpt": with_keys(FILESTORE, attach="csi")}, teams={"vision": {"namespace": "team-vision", "outputs": "*"}})
    (filesystem,) = planned(one).mounted.filesystems
    assert [v.directory for v in filesystem.volumes] == [""] and filesystem.directories == ("",)


def test_the_filestore_csi_driver_serves_one_namespace_a_share_read_only_too():
    # Its volume handle names the share alone: a volume per namespace would be the same volume to the kubelet.
    data = {"ckpt": with_keys(FILESTORE, attach="csi", readOnly=True)}
    problem(stack(data=data), "persistence.data.ckpt.attach", "team-nlp, team-vision", "same handle", "attach it by nfs")
    one = planned(stack(data=data, teams={"vision": {"namespace": "team-vision", "data": "*", "outputs": "*"}}))
    (filesystem,) = one.mounted.filesystems
    assert [v.namespace for v in filesystem.volumes] == ["team-vision"]
    # By nfs, each namespace's volume is its own.
    (shared,) = planned(stack(data={"ckpt": with_keys(FILESTORE, readOnly=True)})).mounted.filesystems
    assert sorted(v.namespace for v in shared.volumes) == ["team-nlp", "team-vision"]


def test_the_directories_namespace_is_the_stacks_own():
    teams = {"vision": {"namespace": "polyaxon-storage-system", "outputs": "*"}}
    problem(stack(outputs={"ckpt": FILESTORE}, teams=teams), "teams.vision.namespace", "give the runs another namespace")


@pytest.mark.parametrize("store, entry", [("gcs", GCS_CSI), ("s3", S3_CSI), ("azure", BLOB_CSI)])
def test_a_bucket_mounted_by_csi_gets_a_volume_per_namespace_with_a_handle_of_its_own(store, entry):
    teams = {
        "vision": {"namespace": "team-vision", "data": "*", "outputs": "*"},
        "nlp": {"namespace": "team-nlp", "data": "*", "outputs": "*"},
    }
    (bucket,) = planned(stack(data={"corpus": entry}, teams=teams)).mounted.csi_buckets
    handles = [source.volume_handle for _, source in bucket.volumes]
    assert len(handles) == 2 and len(set(handles)) == 2
    for volume, source in bucket.volumes:
        assert volume.volume_name in source.volume_handle


def test_each_drivers_mount_options_say_who_owns_the_files_and_which_prefix_is_seen():
    def options(entry: dict, side: str = "data") -> list[str]:
        config = stack(**{side: {"corpus": entry}})
        (bucket,) = planned(config).mounted.csi_buckets
        return [list(source.mount_options) for volume, source in bucket.volumes if volume.namespace == "team-nlp"][0]

    assert options(GCS_CSI) == ["uid=10001", "gid=10001", "only-dir=train"]
    assert options(with_keys(S3_CSI, mountOptions=["--max-threads 16"])) == [
        "uid=10001", "gid=10001", "allow-other", "region eu-west-1", "prefix train/", "--max-threads 16"
    ]  # fmt: skip
    writable = with_keys(S3_CSI, readOnly=False, mountPath="/out", bucket="s3://acme-out")
    assert options(writable, "outputs")[-2:] == ["allow-delete", "allow-overwrite"]
    assert options(BLOB_CSI) == ["-o uid=10001", "-o gid=10001", "--subdirectory=train"]


def test_an_azure_container_is_mounted_with_the_sas_in_key_mode_and_the_pods_token_with_workload_identity():
    (bucket,) = planned(stack(data={"corpus": BLOB_CSI})).mounted.csi_buckets
    sources = {volume.namespace: source for volume, source in bucket.volumes}
    keyed, keyless = sources["team-vision"], sources["team-nlp"]
    assert keyed.node_stage_secret and keyed.identity_team is None and "mountWithWorkloadIdentityToken" not in keyed.volume_attributes
    assert keyless.node_stage_secret is None and keyless.identity_team == "nlp"
    assert keyless.volume_attributes["mountWithWorkloadIdentityToken"] == "true"
    assert keyed.volume_attributes["protocol"] == "fuse2"
    s3 = planned(stack(data={"corpus": S3_CSI}, teams={"nlp": {"namespace": "team-nlp", "data": "*", "outputs": "*"}}))
    ((_, source),) = s3.mounted.csi_buckets[0].volumes
    assert source.volume_attributes == {"bucketName": "acme-corpus", "authenticationSource": "pod"}


# --- what a run gets -------------------------------------------------------------------------------------


def test_a_run_mounts_its_namespaces_claims_and_sees_the_mount_paths():
    config = stack(data={"corpus": GCS_CSI}, outputs={"ckpt": FILESTORE})
    found = planned(config)
    bert = job(config, "bert")
    pod = bert["spec"]["template"]["spec"]
    claims = found.mounted.claims()["team-nlp"]
    assert {v["name"]: v.get("persistentVolumeClaim") for v in pod["volumes"] if "persistentVolumeClaim" in v} == {
        "data-corpus": {"claimName": claims["data", "corpus"], "readOnly": True},
        "outputs-ckpt": {"claimName": claims["outputs", "ckpt"]},
    }
    variables = env(bert)
    assert json.loads(variables["POLYAXON_RUN_DATA_PATHS"]) == {"corpus": "/data/corpus"}
    assert variables["POLYAXON_RUN_OUTPUTS_PATH"].startswith("/work/nlp/bert/")
    assert "POLYSTORES_RUN_STORES_ACCESS_KEYS" not in variables  # a mounted bucket needs no credentials in the run
    assert pod["initContainers"][0]["volumeMounts"] == [{"name": "outputs-ckpt", "mountPath": "/work"}]


def test_only_a_pod_mounting_a_gcs_bucket_through_csi_carries_the_gcsfuse_annotation():
    config = stack(data={"corpus": GCS_CSI}, teams={
        "vision": {"namespace": "team-vision", "outputs": "*"}, "nlp": {"namespace": "team-nlp", "data": "*", "outputs": "*"}
    })  # fmt: skip
    annotations = lambda run: job(config, run)["spec"]["template"]["metadata"]["annotations"]  # noqa: E731
    assert annotations("bert")["gke-gcsfuse/volumes"] == "true"
    assert "gke-gcsfuse/volumes" not in annotations("resnet")
    assert "gke-gcsfuse/volumes" not in job(config, "bert")["metadata"]["annotations"]  # the pod's, not the Job's
    s3 = stack(data={"corpus": S3_CSI})
    assert "gke-gcsfuse/volumes" not in job(s3, "bert")["spec"]["template"]["metadata"]["annotations"]


def test_runs_mounting_filesystems_and_buckets_stay_pod_security_restricted():
    config = stack(data={"corpus": GCS_CSI}, outputs={"ckpt": FILESTORE})
    found = planned(config)
    assert {namespace.pod_security for namespace in found.namespaces} == {"restricted"}
    pod = job(config, "bert")["spec"]["template"]["spec"]
    for container in [*pod["initContainers"], *pod["containers"]]:
        assert restricted_violations(container["securityContext"], pod["securityContext"]) == []
    assert all(set(volume) & {"persistentVolumeClaim", "emptyDir"} for volume in pod["volumes"])


@pytest.mark.parametrize(
    "entry, words",
    [
        pytest.param(with_keys(GCS_CSI, readOnly=False, mountPath="/out"), ["gcsfuse", "last writer", "1.29.3-gke.1093000"], id="gcs"),
        pytest.param(with_keys(S3_CSI, readOnly=False, mountPath="/out"), ["Mountpoint", "sequentially", "renames"], id="s3"),
        pytest.param(with_keys(BLOB_CSI, readOnly=False, mountPath="/out"), ["blobfuse2", "last writer"], id="azure"),
    ],
)
def test_outputs_mounted_through_a_fuse_client_warn_of_its_write_semantics(entry, words):
    config = stack(outputs={"out": entry})
    warnings = [str(w) for w in planned(config).warnings if str(w).startswith("persistence.outputs.out.mount:")]
    assert len(warnings) == 1
    for word in words:
        assert word in warnings[0]
    data = stack(data={"corpus": GCS_CSI})
    assert not [w for w in planned(data).warnings if "FUSE" in str(w)]


# --- the directory Job's script, run -----------------------------------------------------------------------


def test_the_directory_script_makes_owned_directories_idempotently_and_never_recursively(tmp_path):
    script = directories_script(str(tmp_path), os.getuid(), "0750")
    run = lambda *directories: subprocess.run(["sh", "-c", script, "sh", *directories], check=True)  # noqa: E731
    run("team-a", "team-b")
    for team in ("team-a", "team-b"):
        assert stat.S_IMODE((tmp_path / team).stat().st_mode) == 0o750
    (tmp_path / "team-a" / "results").mkdir(mode=0o777)
    os.chmod(tmp_path / "team-a" / "results", 0o777)
    run("team-a", "team-b", "team-c")
    assert stat.S_IMODE((tmp_path / "team-a" / "results").stat().st_mode) == 0o777  # what runs made stays theirs
    assert (tmp_path / "team-c").is_dir()
    run("")  # the root itself
    assert stat.S_IMODE(tmp_path.stat().st_mode) == 0o750


def test_the_polystores_warning_names_only_teams_reaching_a_container_by_its_url():
    polystores = lambda config: [str(w) for w in planned(config).warnings if "polystores does not" in str(w)]  # noqa: E731
    assert polystores(stack(data={"corpus": BLOB_CSI})) == []  # nlp mounts it: the driver reads it for its runs
    url = {key: value for key, value in BLOB_CSI.items() if key not in ("mount", "mountPath")}
    (warning,) = polystores(stack(data={"corpus": url}))
    assert warning.startswith("cluster.workloadIdentity.aks: teams nlp reach Azure containers")


@pytest.mark.parametrize(
    "entry, key", [(FILESTORE, "gcp:project"), (EFS, "aws:region"), (AZURE_FILES, "azure-native:subscriptionId")]
)
def test_a_filesystem_alone_makes_its_clouds_secret_provider_settings_warned_about(entry, key):
    found = planned(stack(outputs={"ckpt": entry}))
    assert not found.clouds  # no bucket: the filesystem is what the provider reports the setting in
    (warning,) = reported_secret_warnings(found.clouds, found.mounted, {key})
    assert str(warning).startswith(f"{key}: is set as a secret, but the ")
