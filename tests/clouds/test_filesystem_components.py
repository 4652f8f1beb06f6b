"""Managed filesystems and CSI-mounted buckets under the mock engine: what each cloud's stack registers, through the
installed SDK classes, and the components used as a program of one's own uses them."""

from __future__ import annotations

import inspect
import json
import re
import uuid
from typing import Any

import pulumi_aws as aws
import pulumi_azure_native as azure_native
import pulumi_gcp as gcp
import pulumi_kubernetes as kubernetes
import pytest

from components import (
    AzureFileShare,
    ComponentArgsError,
    CsiStorage,
    EfsFileSystem,
    FilestoreShare,
    RunTemplate,
    SharedDirectories,
    TeamNamespace,
)
from components.conventions import REDACTED
from components.offline import engine
from components.offline.fakes import FAKE_CREDENTIAL
from components import program
from conftest import PROJECT, rendered

PV, PVC, JOB = "kubernetes:core/v1:PersistentVolume", "kubernetes:core/v1:PersistentVolumeClaim", "kubernetes:batch/v1:Job"
STACKS = ("gcp-files", "aws-files", "azure-files")
# The SDK class of every resource type the filesystems and their volumes register.
CLASSES = {
    "gcp:filestore/instance:Instance": gcp.filestore.Instance,
    "aws:efs/fileSystem:FileSystem": aws.efs.FileSystem,
    "aws:efs/backupPolicy:BackupPolicy": aws.efs.BackupPolicy,
    "aws:efs/mountTarget:MountTarget": aws.efs.MountTarget,
    "aws:efs/accessPoint:AccessPoint": aws.efs.AccessPoint,
    "aws:ec2/securityGroup:SecurityGroup": aws.ec2.SecurityGroup,
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": aws.vpc.SecurityGroupIngressRule,
    "azure-native:storage:StorageAccount": azure_native.storage.StorageAccount,
    "azure-native:storage:FileServiceProperties": azure_native.storage.FileServiceProperties,
    "azure-native:storage:FileShare": azure_native.storage.FileShare,
    "azure-native:network:PrivateEndpoint": azure_native.network.PrivateEndpoint,
    "azure-native:network:PrivateDnsZoneGroup": azure_native.network.PrivateDnsZoneGroup,
    PV: kubernetes.core.v1.PersistentVolume,
    PVC: kubernetes.core.v1.PersistentVolumeClaim,
    JOB: kubernetes.batch.v1.Job,
}
FILESYSTEM_TYPES = {
    "gcp-files": {"gcp:filestore/instance:Instance"},
    "aws-files": {"aws:efs/fileSystem:FileSystem", "aws:efs/backupPolicy:BackupPolicy", "aws:efs/mountTarget:MountTarget",
                  "aws:efs/accessPoint:AccessPoint", "aws:ec2/securityGroup:SecurityGroup",
                  "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"},
    "azure-files": {"azure-native:storage:StorageAccount", "azure-native:storage:FileServiceProperties",
                    "azure-native:storage:FileShare", "azure-native:network:PrivateEndpoint",
                    "azure-native:network:PrivateDnsZoneGroup"},
}  # fmt: skip
COMPONENTS = {"gcp-files": "FilestoreShare", "aws-files": "EfsFileSystem", "azure-files": "AzureFileShare"}


@pytest.fixture(scope="module", params=STACKS)
def stack(request):
    return request.param, rendered(request.param)


def camel(name: str) -> str:
    first, *rest = name.rstrip("_").split("_")
    return first + "".join(part[:1].upper() + part[1:] for part in rest)


def under(rendering, component: str) -> list[engine.Registration]:
    return [r for r in rendering.registrations if r.parent.startswith(f"polyaxon-storage:index:{component}::")]


def test_every_input_the_stack_sends_is_an_argument_of_the_installed_class(stack):
    """Each resource is constructed through its SDK class (a misspelt argument raises TypeError there); every input
    the engine received is also a parameter of that class, in the engine's spelling."""
    name, rendering = stack
    seen = set()
    for registration in rendering.registrations:
        cls = CLASSES.get(registration.type)
        if cls is None:
            continue
        seen.add(registration.type)
        parameters = {camel(p) for p in inspect.signature(cls._internal_init).parameters} | {"apiVersion", "kind"}
        assert set(registration.inputs) <= parameters, (registration.type, set(registration.inputs) - parameters)
    assert FILESYSTEM_TYPES[name] <= seen and {PV, PVC} <= seen


def test_a_misspelt_argument_is_refused_by_the_installed_class():
    mock = engine.start("polyaxon-storage", "spelling")
    with pytest.raises(TypeError, match="file_share"):
        mock.run(lambda: gcp.filestore.Instance("bad", tier="BASIC_HDD", networks=[], file_share={}))


def test_only_what_holds_data_is_protected_and_volumes_are_retained(stack):
    name, rendering = stack
    protected = {r.type for r in rendering.registrations if r.protect}
    # The filesystems and buckets, and what hardens a bucket (an edit must not drop its versioning or encryption).
    holders = {
        "gcp-files": {"gcp:filestore/instance:Instance", "gcp:storage/bucket:Bucket"},
        "aws-files": {
            "aws:efs/fileSystem:FileSystem",
            "aws:s3/bucket:Bucket",
            "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
            "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
            "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
            "aws:s3/bucketVersioning:BucketVersioning",
        },
        "azure-files": {
            "azure-native:storage:StorageAccount",
            "azure-native:storage:FileShare",
            "azure-native:storage:BlobContainer",
            "azure-native:storage:BlobServiceProperties",
        },
    }[name]
    assert protected == holders
    volumes = [r for r in rendering.registrations if r.type in (PV, PVC)]
    assert volumes and all(r.retain_on_delete for r in volumes)


def test_filestore_is_exported_to_its_clients_and_its_deletion_protection_follows_protect():
    rendering = rendered("gcp-files")
    (instance,) = [r for r in rendering.registrations if r.type == "gcp:filestore/instance:Instance"]
    inputs = instance.inputs
    assert (inputs["name"], inputs["tier"], inputs["location"], inputs["protocol"]) == ("ml-checkpoints", "BASIC_HDD", "europe-west1-b", "NFS_V3")
    assert inputs["fileShares"] == {
        "name": "ml_checkpoints", "capacityGb": 1024,
        "nfsExportOptions": [{"ipRanges": ["10.8.0.0/14"], "accessMode": "READ_WRITE", "squashMode": "NO_ROOT_SQUASH"}],
    }  # fmt: skip
    assert inputs["networks"] == [{"network": "ml-vpc", "modes": ["MODE_IPV4"], "connectMode": "DIRECT_PEERING"}]
    assert inputs["deletionProtectionEnabled"] is True and instance.protect


def test_efs_is_encrypted_backed_up_and_admits_nfs_from_its_clients_only():
    rendering = rendered("aws-files")
    of = lambda kind: [r for r in rendering.registrations if r.type == kind]  # noqa: E731
    (filesystem,) = of("aws:efs/fileSystem:FileSystem")
    assert filesystem.inputs["encrypted"] is True and filesystem.inputs["creationToken"] == "ml-checkpoints"
    assert filesystem.inputs["lifecyclePolicies"] == [{"transitionToIa": "AFTER_30_DAYS"}, {"transitionToPrimaryStorageClass": "AFTER_1_ACCESS"}]
    (backup,) = of("aws:efs/backupPolicy:BackupPolicy")
    assert backup.inputs["backupPolicy"] == {"status": "ENABLED"}
    (group,) = of("aws:ec2/securityGroup:SecurityGroup")
    assert "ingress" not in group.inputs  # rules of their own only (mixing the two would fight)
    (rule,) = of("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
    assert {key: rule.inputs[key] for key in ("ipProtocol", "fromPort", "toPort", "referencedSecurityGroupId")} == {
        "ipProtocol": "tcp", "fromPort": 2049, "toPort": 2049, "referencedSecurityGroupId": "sg-0f1e2d3c4b5a69788"
    }  # fmt: skip
    targets = of("aws:efs/mountTarget:MountTarget")
    assert sorted(t.inputs["subnetId"] for t in targets) == ["subnet-0a1b2c3d4e5f60718", "subnet-0b2c3d4e5f6071829"]
    assert all(t.inputs["securityGroups"] == [group.id] for t in targets)


def test_each_namespace_gets_an_access_point_of_its_own_directory_acting_as_the_runs_user():
    rendering = rendered("aws-files")
    points = {r.name.rsplit("/", 1)[1]: r.inputs for r in rendering.registrations if r.type == "aws:efs/accessPoint:AccessPoint"}
    assert set(points) == {"team-nlp", "team-vision"}
    for namespace, inputs in points.items():
        assert inputs["posixUser"] == {"uid": 10001, "gid": 10001}
        assert inputs["rootDirectory"] == {
            "path": f"/{namespace}", "creationInfo": {"ownerUid": 10001, "ownerGid": 10001, "permissions": "0750"}
        }  # fmt: skip
    volumes = {r.inputs["spec"]["claimRef"]["namespace"]: r.inputs["spec"]["csi"] for r in rendering.registrations
               if r.type == PV and r.inputs["spec"]["csi"]["driver"] == "efs.csi.aws.com"}  # fmt: skip
    handles = {namespace: source["volumeHandle"] for namespace, source in volumes.items()}
    assert len(set(handles.values())) == 2
    assert all(re.fullmatch(r"fs-[0-9a-f]{8,40}::fsap-[0-9a-f]{8,40}", handle) for handle in handles.values())


def test_the_azure_file_account_has_no_public_network_access_and_is_reached_through_its_endpoint():
    rendering = rendered("azure-files")
    accounts = {r.inputs["accountName"]: r.inputs for r in rendering.registrations if r.type == "azure-native:storage:StorageAccount"}
    files = accounts["acmemlcheckpoints"]
    assert (files["kind"], files["sku"], files["publicNetworkAccess"]) == ("FileStorage", {"name": "Premium_LRS"}, "Disabled")
    assert files["enableHttpsTrafficOnly"] is False and files["allowSharedKeyAccess"] is False  # NFS: no keys
    assert files["minimumTlsVersion"] == "TLS1_2" and files["allowBlobPublicAccess"] is False
    (share,) = [r.inputs for r in rendering.registrations if r.type == "azure-native:storage:FileShare"]
    assert (share["shareName"], share["enabledProtocols"], share["shareQuota"]) == ("checkpoints", "NFS", 1024)
    (service,) = [r.inputs for r in rendering.registrations if r.type == "azure-native:storage:FileServiceProperties"]
    assert service["shareDeleteRetentionPolicy"] == {"enabled": True, "days": 7}
    (endpoint,) = [r.inputs for r in rendering.registrations if r.type == "azure-native:network:PrivateEndpoint"]
    assert endpoint["privateLinkServiceConnections"][0]["groupIds"] == ["file"]
    (zone,) = [r.inputs for r in rendering.registrations if r.type == "azure-native:network:PrivateDnsZoneGroup"]
    assert zone["privateEndpointName"] == endpoint["privateEndpointName"]


def test_every_team_mounts_only_its_own_directory(stack):
    name, rendering = stack
    sources = {}
    for r in rendering.registrations:
        spec = r.inputs["spec"] if r.type == PV else None
        if spec and spec["claimRef"]["name"].startswith("outputs-checkpoints"):
            sources[spec["claimRef"]["namespace"]] = spec
    assert set(sources) == {"team-nlp", "team-vision"}
    for namespace, spec in sources.items():
        where = spec["nfs"]["path"] if "nfs" in spec else spec["csi"]["volumeHandle"]
        assert where.endswith(namespace) or "fsap-" in where, where
        other = ({"team-nlp", "team-vision"} - {namespace}).pop()
        assert other not in json.dumps(spec)
    jobs = {job: document for job, document in rendering.jobs.items()}
    claims = {namespace: next(r.inputs["metadata"]["name"] for r in rendering.registrations
                              if r.type == PVC and r.inputs["metadata"]["namespace"] == namespace
                              and r.inputs["metadata"]["name"].startswith("outputs-checkpoints"))
              for namespace in sources}  # fmt: skip
    for run, namespace in (("resnet", "team-vision"), ("bert", "team-nlp")):
        volumes = jobs[run]["spec"]["template"]["spec"]["volumes"]
        assert {"name": "outputs-checkpoints", "persistentVolumeClaim": {"claimName": claims[namespace]}} in volumes


def test_the_directory_job_makes_the_namespaces_directories_as_root_in_a_baseline_namespace():
    rendering = rendered("gcp-files")
    (job,) = [r for r in rendering.registrations if r.type == JOB]
    assert job.inputs["metadata"]["namespace"] == "polyaxon-storage-system"
    assert job.inputs["metadata"]["annotations"] == {"pulumi.com/replaceUnready": "true"}
    spec = job.inputs["spec"]
    assert spec["backoffLimit"] == 2 and spec["ttlSecondsAfterFinished"] == 86400
    pod = spec["template"]["spec"]
    nfs = pod["volumes"][0]["nfs"]
    assert nfs["path"] == "/ml_checkpoints" and re.fullmatch(r"10\.\d+\.\d+\.2", nfs["server"])
    (container,) = pod["containers"]
    assert container["command"][-2:] == ["team-nlp", "team-vision"]
    assert container["securityContext"]["capabilities"] == {"drop": ["ALL"], "add": ["CHOWN", "FOWNER"]}
    (namespace,) = [r for r in rendering.registrations if r.type == "kubernetes:core/v1:Namespace" and r.name == "polyaxon-storage-system"]
    assert namespace.inputs["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "baseline"
    # Each namespace's volume is made once the Job has made its directory (and so is its claim).
    volumes = [r for r in rendering.registrations if r.type == PV and "nfs" in r.inputs["spec"]]
    assert len(volumes) == 2 and all(job.urn in r.dependencies["spec"] for r in volumes)


def test_a_bucket_mounted_by_csi_is_a_volume_per_namespace_granted_it(stack):
    name, rendering = stack
    driver = {"gcp-files": "gcsfuse.csi.storage.gke.io", "aws-files": "s3.csi.aws.com", "azure-files": "blob.csi.azure.com"}[name]
    sources = {r.inputs["spec"]["claimRef"]["namespace"]: r.inputs["spec"] for r in rendering.registrations
               if r.type == PV and "csi" in r.inputs["spec"] and r.inputs["spec"]["csi"]["driver"] == driver}  # fmt: skip
    granted = {"gcp-files": {"team-nlp"}, "aws-files": {"team-nlp"}, "azure-files": {"team-nlp", "team-vision"}}[name]
    assert set(sources) == granted
    for spec in sources.values():
        assert spec["csi"]["readOnly"] is True and spec["accessModes"] == ["ReadOnlyMany"]
        assert spec["storageClassName"] == "" and spec["persistentVolumeReclaimPolicy"] == "Retain"


def test_an_azure_container_is_mounted_with_its_sas_or_the_teams_identity():
    rendering = rendered("azure-files")
    sources = {r.inputs["spec"]["claimRef"]["namespace"]: r.inputs["spec"]["csi"] for r in rendering.registrations
               if r.type == PV and r.inputs["spec"].get("csi", {}).get("driver") == "blob.csi.azure.com"}  # fmt: skip
    keyed, keyless = sources["team-vision"], sources["team-nlp"]
    secret_ref = keyed["nodeStageSecretRef"]
    (secret,) = [r for r in rendering.registrations if r.type == "kubernetes:core/v1:Secret"
                 and r.inputs["metadata"]["name"] == secret_ref["name"]]  # fmt: skip
    assert secret.inputs["metadata"]["namespace"] == secret_ref["namespace"] == "team-vision"
    assert secret.inputs["data"] == {"azurestorageaccountname": REDACTED, "azurestorageaccountsastoken": REDACTED}
    assert secret.inputs["metadata"]["annotations"]["polyaxon-storage/access"] == "read-only"
    (identity,) = [r for r in rendering.registrations if r.type == "azure-native:managedidentity:UserAssignedIdentity"]
    # The team identity's client id, as the mocks give it (fakes.py).
    assert keyless["volumeAttributes"]["clientID"] == str(uuid.uuid5(uuid.NAMESPACE_URL, f"client/{identity.name}"))
    assert keyless["volumeAttributes"]["mountWithWorkloadIdentityToken"] == "true"
    assert "nodeStageSecretRef" not in keyless


def stack_outputs(name: str) -> dict[str, Any]:
    """What a shipped stack exports, as `pulumi up` would."""
    path = PROJECT.stack_file(name)
    config = PROJECT.stack_config(path)
    mock = engine.start(PROJECT.name, name, config.values, config.secret_keys)
    mock.run(lambda: program.main(PROJECT.directory))
    return engine.values(mock.stack_outputs())


def test_the_filesystems_output_names_each_entrys_filesystem_and_claims(stack):
    name, rendering = stack
    exported = stack_outputs(name)["filesystems"]
    checkpoints, corpus = exported["checkpoints"], exported["corpus"]
    claims = {r.inputs["metadata"]["namespace"]: r.inputs["metadata"]["name"] for r in rendering.registrations
              if r.type == PVC and r.inputs["metadata"]["name"].startswith("outputs-checkpoints")}  # fmt: skip
    assert checkpoints["claims"] == claims and set(claims) == {"team-nlp", "team-vision"}
    kind, server, path = {
        "gcp-files": ("filestore", r"10\.\d+\.\d+\.2", "/ml_checkpoints"),
        "aws-files": ("efs", r"fs-[0-9a-f]+\.efs\.eu-west-1\.amazonaws\.com", "/"),
        "azure-files": ("azurefiles", r"acmemlcheckpoints\.file\.core\.windows\.net", "/acmemlcheckpoints/checkpoints"),
    }[name]
    assert (checkpoints["kind"], checkpoints["path"]) == (kind, path) and re.fullmatch(server, checkpoints["server"])
    assert checkpoints["id"]
    if name == "aws-files":
        assert set(checkpoints["accessPoints"]) == {"team-nlp", "team-vision"}
        assert all(point.startswith("fsap-") for point in checkpoints["accessPoints"].values())
    assert corpus["kind"] == {"gcp-files": "gcs", "aws-files": "s3", "azure-files": "azure"}[name]
    assert corpus["claims"] and corpus["server"] is None


def test_each_filesystem_component_used_on_its_own_refuses_what_its_cloud_would(tmp_path):
    mock = engine.start("my-project", "test")
    with pytest.raises(ComponentArgsError) as caught:
        mock.run(
            lambda: FilestoreShare(
                "ckpt",
                {"project": "acme", "instance": "ckpt", "location": "europe-west1", "capacity_gb": 512,
                 "share": "ml-ckpt", "network": "vpc", "protocol": "NFS_V4_1"},
            )
        )  # fmt: skip
    assert [str(p).split(":")[0] for p in caught.value.problems] == ["share", "protocol", "location", "capacity_gb"]
    with pytest.raises(ComponentArgsError) as caught:
        mock.run(lambda: EfsFileSystem("ckpt", {"creation_token": "ckpt", "vpc_id": "vpc-1", "subnets": ["a", "a"], "clients": []}))
    assert [str(p).split(":")[0] for p in caught.value.problems] == ["clients", "subnets[1]"]
    with pytest.raises(ComponentArgsError) as caught:
        mock.run(
            lambda: AzureFileShare(
                "ckpt",
                {"account": "acmeckpt", "resource_group": "rg", "location": "westeurope", "share": "ckpt",
                 "quota_gb": 50, "subnet_id": "/s", "protocol": "smb", "root_squash": True},
            )
        )  # fmt: skip
    assert [str(p).split(":")[0] for p in caught.value.problems] == ["quota_gb", "root_squash"]


@pytest.mark.parametrize(
    "component, args, holders",
    [
        (FilestoreShare, {"project": "acme", "instance": "ckpt", "location": "europe-west1-b", "capacity_gb": 1024, "share": "ckpt",
                          "network": "vpc"}, {"gcp:filestore/instance:Instance"}),
        (EfsFileSystem, {"creation_token": "ckpt", "vpc_id": "vpc-1", "subnets": ["a"], "clients": ["10.0.0.0/16"]},
         {"aws:efs/fileSystem:FileSystem"}),
        (AzureFileShare, {"account": "acmeckpt", "resource_group": "rg", "location": "westeurope", "share": "ckpt",
                          "quota_gb": 100, "subnet_id": "/s"},
         {"azure-native:storage:StorageAccount", "azure-native:storage:FileShare"}),
    ],
    ids=["FilestoreShare", "EfsFileSystem", "AzureFileShare"],
)  # fmt: skip
def test_a_filesystem_component_retains_what_holds_the_data_when_asked(component, args, holders):
    def registered(given: dict) -> list[engine.Registration]:
        mock = engine.start("my-project", "test")
        mock.run(lambda: component("ckpt", given))
        return mock.registrations

    assert not any(r.retain_on_delete for r in registered(args))
    retained = registered({**args, "retain_on_delete": True})
    assert {r.type for r in retained if r.retain_on_delete} == {r.type for r in retained if r.protect} == holders


def own_program():
    """An EFS file system, a team's namespace, its volume of its own directory, and a run writing there."""
    efs = EfsFileSystem(
        "ckpt",
        {
            "creation_token": "ckpt",
            "vpc_id": "vpc-1",
            "region": "eu-west-1",
            "subnets": ["subnet-a"],
            "clients": ["10.0.0.0/16"],
            "directories": {"vision": {"path": "vision"}},
        },
    )
    vision = TeamNamespace("vision", {"namespace": "team-vision", "teams": ["vision"]})
    volume = CsiStorage(
        "vision-ckpt",
        {
            "namespace": vision.namespace,
            "claim_name": "ckpt",
            "volume_name": "team-vision-ckpt",
            "driver": "efs.csi.aws.com",
            "volume_handle": efs.volume_handles.apply(lambda handles: handles["vision"]),
            "size": "1Ti",
        },
    )
    runs = RunTemplate(
        "vision",
        {
            "namespace": vision.namespace,
            "service_account": vision.service_accounts.apply(lambda accounts: accounts["vision"]),
            "runs": {"train": {"image": "trainer:1", "outputs": {"name": "ckpt", "mount_path": "/ckpt", "claim_name": volume.claim_name}}},
        },
    )
    return efs, volume, runs


def test_a_filesystem_feeds_a_volume_and_a_run_in_a_program_of_ones_own():
    mock = engine.start("my-project", "test")
    efs, volume, runs = mock.run(own_program)
    (pv,) = [r for r in mock.registrations if r.type == PV]
    (point,) = [r for r in mock.registrations if r.type == "aws:efs/accessPoint:AccessPoint"]
    assert pv.inputs["spec"]["csi"]["volumeHandle"] == f"{engine.value(efs.filesystem_id)}::{point.id}"
    assert engine.value(efs.server).endswith(".efs.eu-west-1.amazonaws.com")
    (claim,) = [r for r in mock.registrations if r.type == PVC]
    assert claim.urn in engine.dependencies(runs.job("train"))


def test_shared_directories_used_on_its_own_refuse_what_the_job_could_not_do():
    mock = engine.start("my-project", "test")
    with pytest.raises(ComponentArgsError) as caught:
        mock.run(
            lambda: SharedDirectories(
                "dirs", {"namespace": "system", "job_name": "dirs", "server": "10.0.0.2", "path": "/share",
                         "directories": ["a", "a", "../etc"], "mode": "rwx"}
            )
        )  # fmt: skip
    assert [str(p).split(":")[0] for p in caught.value.problems] == ["directories[2]", "directories[1]", "mode"]
    with pytest.raises(ComponentArgsError) as caught:
        mock.run(lambda: SharedDirectories("dirs", {"namespace": "s", "job_name": "d", "server": "s", "path": "/s", "directories": []}))
    assert [str(p).split(":")[0] for p in caught.value.problems] == ["directories"]


def test_no_credential_is_printed_by_render_of_the_filesystem_stacks():
    from conftest import cli

    for name in STACKS:
        result = cli("render", name, "--resources", "--json")
        assert result.returncode == 0, result.stderr
        assert FAKE_CREDENTIAL not in result.stdout
        types = {resource["type"] for resource in json.loads(result.stdout)}
        assert FILESYSTEM_TYPES[name] <= types
        assert f"polyaxon-storage:index:{COMPONENTS[name]}" in types


def volumes_of(config: dict) -> tuple[dict[str, dict[str, Any]], engine.Engine]:
    """The PersistentVolumes' specs a stack registers, by `<namespace of their claim>/<claim>`, and the engine."""
    from cloud_support import run_program

    mock, _ = run_program(config)
    return {
        f"{r.inputs['spec']['claimRef']['namespace']}/{r.inputs['spec']['claimRef']['name']}": r.inputs["spec"]
        for r in mock.registrations
        if r.type == PV
    }, mock


def one_filesystem(entry: dict, teams: tuple[str, ...] = ("vision", "nlp")) -> dict:
    return {
        "persistence": {"outputs": {"work": {"create": True, "mountPath": "/work", **entry}}},
        "teams": {team: {"namespace": f"team-{team}", "outputs": "*"} for team in teams},
        "runs": {"train": {"team": teams[0], "image": "trainer:1"}},
    }


def test_azure_nfs_attached_by_csi_mounts_each_namespaces_folder_keeping_its_mode():
    entry = {"filesystem": "azurefiles", "name": "work", "account": "acmework", "resourceGroup": "rg-ml",
             "subnetId": "/subnets/s", "size": "1Ti", "attach": "csi"}  # fmt: skip
    volumes, _ = volumes_of(one_filesystem(entry))
    sources = {key.split("/")[0]: spec["csi"] for key, spec in volumes.items()}
    for namespace, source in sources.items():
        assert source["driver"] == "file.csi.azure.com"
        assert source["volumeHandle"] == f"rg-ml#acmework#work##{namespace}"
        assert source["volumeAttributes"] == {
            "storageAccount": "acmework", "shareName": "work", "resourceGroup": "rg-ml", "protocol": "nfs",
            "folderName": namespace, "mountPermissions": "0",
        }  # fmt: skip


def test_an_smb_share_is_mounted_with_its_accounts_key_from_a_secret_in_each_namespace():
    entry = {"filesystem": "azurefiles", "name": "work", "account": "acmework", "resourceGroup": "rg-ml",
             "subnetId": "/subnets/s", "size": "1Ti", "protocol": "smb"}  # fmt: skip
    volumes, mock = volumes_of(one_filesystem(entry))
    for key, spec in volumes.items():
        namespace = key.split("/")[0]
        source = spec["csi"]
        assert source["nodeStageSecretRef"] == {"name": "azure-files-acmework", "namespace": namespace}
        assert source["volumeAttributes"]["folderName"] == namespace and source["volumeAttributes"]["protocol"] == "smb"
        assert "uid=10001" in spec["mountOptions"] and "dir_mode=0750" in spec["mountOptions"]
    secrets = [r for r in mock.registrations if r.type == "kubernetes:core/v1:Secret"]
    assert {s.inputs["metadata"]["namespace"] for s in secrets} == {"team-vision", "team-nlp"}
    assert all(s.inputs["data"] == {"azurestorageaccountname": REDACTED, "azurestorageaccountkey": REDACTED} for s in secrets)
    (account,) = [r for r in mock.registrations if r.type == "azure-native:storage:StorageAccount"]
    assert account.inputs["enableHttpsTrafficOnly"] is True and account.inputs["allowSharedKeyAccess"] is True
    assert not [r for r in mock.registrations if r.type == JOB]  # the driver makes the folders


def test_filestore_attached_by_csi_names_the_instance_and_mounts_the_whole_share():
    entry = {"filesystem": "filestore", "name": "ml-work", "size": "1Ti", "location": "europe-west1-b",
             "network": "ml-vpc", "attach": "csi"}  # fmt: skip
    volumes, mock = volumes_of(one_filesystem(entry, ("vision",)))
    ((key, spec),) = volumes.items()
    (instance,) = [r for r in mock.registrations if r.type == "gcp:filestore/instance:Instance"]
    source = spec["csi"]
    assert (source["driver"], source["volumeHandle"]) == ("filestore.csi.storage.gke.io", "modeInstance/europe-west1-b/ml-work/ml_work")
    assert source["volumeAttributes"]["volume"] == "ml_work" and re.fullmatch(r"10\.\d+\.\d+\.2", source["volumeAttributes"]["ip"])
    (job,) = [r for r in mock.registrations if r.type == JOB]
    assert job.inputs["spec"]["template"]["spec"]["containers"][0]["command"][-1] == ""  # the share's root is the namespace's


def test_efs_attached_by_nfs_mounts_each_namespaces_directory_made_by_a_job():
    entry = {"filesystem": "efs", "name": "ml-work", "vpcId": "vpc-1", "subnets": ["subnet-a"], "clients": ["10.0.0.0/16"],
             "attach": "nfs"}  # fmt: skip
    volumes, mock = volumes_of(one_filesystem(entry))
    for key, spec in volumes.items():
        namespace = key.split("/")[0]
        assert spec["nfs"]["path"] == f"/{namespace}" and spec["nfs"]["server"].endswith(".efs.eu-west-1.amazonaws.com")
        assert spec["mountOptions"][0] == "nfsvers=4.1" and "noresvport" in spec["mountOptions"]
    (job,) = [r for r in mock.registrations if r.type == JOB]
    assert job.inputs["spec"]["template"]["spec"]["volumes"][0]["nfs"]["path"] == "/"
