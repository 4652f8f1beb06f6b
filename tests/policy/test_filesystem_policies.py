"""Filesystem policies: protected and encrypted filesystems, EFS security groups, private Azure file accounts, CSI
volumes read-only where their claims are. Resources are built with the real SDK classes, so a policy reading a
property the SDK never sends fails here."""

from __future__ import annotations

import pulumi_aws as aws
import pulumi_azure_native as azure
import pulumi_gcp as gcp
import pulumi_kubernetes as kubernetes
import pytest

from policy_support import AZURE_ACCOUNT, PV, check_resource, check_stack, props_of, registered_by

import buckets  # noqa: E402 (the pack's folder is on sys.path once policy_support is imported)
import filesystems  # noqa: E402

FILESTORE = "gcp:filestore/instance:Instance"
EFS = "aws:efs/fileSystem:FileSystem"


def filestore(**keys):
    return lambda: gcp.filestore.Instance(
        "ckpt", tier="BASIC_HDD", location="europe-west1-b",
        file_shares=gcp.filestore.InstanceFileSharesArgs(name="ckpt", capacity_gb=1024),
        networks=[gcp.filestore.InstanceNetworkArgs(network="vpc", modes=["MODE_IPV4"])], **keys,
    )  # fmt: skip


@pytest.mark.parametrize(
    "make, protect, words",
    [
        (filestore(deletion_protection_enabled=True), False, ["protect the Filestore instance"]),
        (filestore(), True, ["deletionProtectionEnabled"]),
        (filestore(deletion_protection_enabled=True, kms_key_name=" "), True, ["kmsKeyName is empty"]),
        (lambda: aws.efs.FileSystem("ckpt", encrypted=False), True, ["set encrypted to true"]),
        (lambda: aws.efs.FileSystem("ckpt", encrypted=True), False, ["protect the EFS file system"]),
        (lambda: azure.storage.StorageAccount("files", resource_group_name="rg", kind="FileStorage", sku={"name": "Premium_LRS"}),
         False, ["protect the file storage account"]),
        (lambda: azure.storage.FileShare("share", account_name="a", resource_group_name="rg"), False, ["protect the Azure file share"]),
    ],
)  # fmt: skip
def test_an_unprotected_or_unencrypted_filesystem_is_a_violation(make, protect, words):
    kind, props = props_of(make)
    [message] = check_resource(filesystems.filesystem_protected_encrypted, kind, props, protect=protect)
    for word in words:
        assert word in message


def test_protected_encrypted_filesystems_pass_and_a_blob_account_is_not_one():
    passing = [
        props_of(filestore(deletion_protection_enabled=True)),
        props_of(lambda: aws.efs.FileSystem("ckpt", encrypted=True)),
        props_of(lambda: azure.storage.StorageAccount("files", resource_group_name="rg", kind="FileStorage", sku={"name": "Premium_LRS"})),
    ]
    for kind, props in passing:
        assert check_resource(filesystems.filesystem_protected_encrypted, kind, props, protect=True) == [], kind
    kind, props = props_of(lambda: azure.storage.StorageAccount("blob", resource_group_name="rg", kind="StorageV2", sku={"name": "Standard_LRS"}))
    assert check_resource(filesystems.filesystem_protected_encrypted, kind, props) == []


def efs_behind(*rules: dict):
    """An EFS mount target behind a security group with these ingress rules (vpc.SecurityGroupIngressRule args)."""

    def program() -> None:
        filesystem = aws.efs.FileSystem("ckpt", encrypted=True)
        group = aws.ec2.SecurityGroup("nfs", vpc_id="vpc-1")
        for index, rule in enumerate(rules):
            aws.vpc.SecurityGroupIngressRule(f"rule-{index}", security_group_id=group.id, **rule)
        aws.efs.MountTarget("a", file_system_id=filesystem.id, subnet_id="subnet-a", security_groups=[group.id])
        aws.ec2.SecurityGroup("unrelated", vpc_id="vpc-1", ingress=[{"protocol": "-1", "from_port": 0, "to_port": 0, "cidr_blocks": ["0.0.0.0/0"]}])

    return registered_by(program)


NFS_FROM_NODES = {"ip_protocol": "tcp", "from_port": 2049, "to_port": 2049, "referenced_security_group_id": "sg-0nodes"}


def test_an_efs_security_group_admitting_nfs_from_its_clients_passes():
    assert check_stack(filesystems.efs_nfs_from_clients_only, *efs_behind(NFS_FROM_NODES, {**NFS_FROM_NODES, "referenced_security_group_id": None, "cidr_ipv4": "10.0.0.0/16"})) == []


@pytest.mark.parametrize(
    "rule, words",
    [
        ({**NFS_FROM_NODES, "from_port": 22, "to_port": 22}, "admit TCP 2049 only"),
        ({**NFS_FROM_NODES, "ip_protocol": "-1"}, "admit TCP 2049 only"),
        ({**NFS_FROM_NODES, "referenced_security_group_id": None, "cidr_ipv4": "0.0.0.0/0"}, "from anywhere"),
        ({**NFS_FROM_NODES, "referenced_security_group_id": None, "cidr_ipv6": "::/0"}, "from anywhere"),
    ],
)
def test_an_efs_security_group_admitting_more_is_a_violation(rule, words):
    [(message, urn)] = check_stack(filesystems.efs_nfs_from_clients_only, *efs_behind(NFS_FROM_NODES, rule))
    assert words in message and urn.endswith("::nfs")


def test_an_azure_file_account_open_to_the_public_network_is_a_violation():
    files = dict(resource_group_name="rg", kind="FileStorage", sku={"name": "Premium_LRS"})
    kind, props = props_of(lambda: azure.storage.StorageAccount("files", public_network_access="Disabled", **files))
    assert check_resource(filesystems.azure_files_private, kind, props) == []
    kind, props = props_of(lambda: azure.storage.StorageAccount("files", **files))
    [message] = check_resource(filesystems.azure_files_private, kind, props)
    assert 'publicNetworkAccess to "Disabled"' in message


def test_an_nfs_file_account_may_turn_secure_transfer_off_and_a_blob_account_may_not():
    common = dict(resource_group_name="rg", allow_blob_public_access=False, minimum_tls_version="TLS1_2", enable_https_traffic_only=False)
    kind, props = props_of(lambda: azure.storage.StorageAccount("files", kind="FileStorage", sku={"name": "Premium_LRS"}, **common))
    assert check_resource(buckets.bucket_encryption, kind, props) == []
    kind, props = props_of(lambda: azure.storage.StorageAccount("blob", kind="StorageV2", sku={"name": "Standard_LRS"}, **common))
    [message] = check_resource(buckets.bucket_encryption, kind, props)
    assert "enableHttpsTrafficOnly" in message and kind == AZURE_ACCOUNT


def volume(read_only, modes):
    return lambda: kubernetes.core.v1.PersistentVolume(
        "v",
        spec=kubernetes.core.v1.PersistentVolumeSpecArgs(
            access_modes=modes, capacity={"storage": "1Ti"}, persistent_volume_reclaim_policy="Retain",
            csi=kubernetes.core.v1.CSIPersistentVolumeSourceArgs(driver="s3.csi.aws.com", volume_handle="h", read_only=read_only),
        ),
    )  # fmt: skip


@pytest.mark.parametrize(
    "read_only, modes, flagged",
    [(True, ["ReadOnlyMany"], False), (None, ["ReadOnlyMany"], True), (False, ["ReadOnlyMany"], True), (None, ["ReadWriteMany"], False)],
)
def test_a_read_only_csi_volume_is_mounted_read_only_by_its_driver(read_only, modes, flagged):
    kind, props = props_of(volume(read_only, modes))
    assert kind == PV
    assert bool(check_resource(filesystems.csi_volume_read_only, kind, props)) is flagged
