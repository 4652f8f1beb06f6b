"""EfsFileSystem: an encrypted EFS file system, its mount targets behind a security group admitting NFS from its
clients only, and an access point per directory.

Imported only by stacks with an EFS filesystem: it loads pulumi_aws (and nothing of the S3 buckets').
"""

import ipaddress
from typing import Any, Optional

import pulumi
import pulumi_aws as aws

from ..args import check, typed_args
from ..conventions import MANAGED_BY, NON_ROOT_UID
from ..core.config import filesystem_args
from ..core.config.catalog import FilesystemEntry
from ..core.config.filesystems import SECURITY_GROUP_ID
from ..core.model import FilesystemPlan
from ..outputs import gathered, mapping_output
from .common import CloudContext, filesystem_common_args, filesystem_outputs, given, kept

EfsFileSystemArgs = typed_args(filesystem_args.EfsFileSystemArgs)
NFS_PORT = 2049
DIRECTORY_MODE = "0750"


def client_source(client: str) -> dict[str, str]:
    """Where an ingress rule admits NFS from: a security group, or a CIDR range (IPv4 or IPv6)."""
    if SECURITY_GROUP_ID.fullmatch(client):
        return {"referenced_security_group_id": client}
    return {"cidr_ipv6" if ipaddress.ip_network(client).version == 6 else "cidr_ipv4": client}


class EfsFileSystem(pulumi.ComponentResource):
    """An EFS file system, encrypted (with a customer key when given), backed up daily by AWS Backup, protected
    (and retained, with `retain_on_delete`); a mount target in each subnet, behind a security group of its own
    admitting TCP 2049 from its clients and nothing else; and an access point per directory, acting as the runs'
    user (10001): a directory below the root is made on first use, owned by that user with mode 0750.

    Each directory gets an NFS path (`<dns name>:/<directory>`, the access point
    left out) and an EFS CSI source (`<file system id>::<access point id>`).
    """

    filesystem_id: pulumi.Output[str]
    """The file system's id (fs-...)."""
    server: pulumi.Output[str]
    """The NFS server: the file system's DNS name, once its mount targets exist."""
    path: pulumi.Output[str]
    """The exported root: /."""
    access_points: pulumi.Output[dict[str, str]]
    """Directory key -> its access point's id (fsap-...)."""
    security_group_id: pulumi.Output[str]
    """The mount targets' security group."""
    nfs_paths: pulumi.Output[dict[str, str]]
    """Directory key -> its path on the server."""
    volume_handles: pulumi.Output[dict[str, str]]
    """Directory key -> the EFS CSI driver's volume handle (the file system and the directory's access point)."""
    volume_attributes: pulumi.Output[dict[str, dict[str, str]]]
    """Directory key -> the EFS CSI driver's attributes (none: the handle says it all)."""

    def __init__(self, name: str, args: EfsFileSystemArgs, opts: Optional[pulumi.ResourceOptions] = None):  # type: ignore[valid-type]
        super().__init__("polyaxon-storage:index:EfsFileSystem", name, None, opts)
        checked = check(
            "EfsFileSystem", name, filesystem_args.EfsFileSystemArgs, args, filesystem_args.efs_file_system_problems
        )
        spec = checked.known
        token, region = spec.creation_token, spec.region
        child = pulumi.ResourceOptions(parent=self)
        tags = {"Name": token, "managed-by": MANAGED_BY}
        lifecycle = None
        if spec.lifecycle is not None:
            lifecycle = [
                aws.efs.FileSystemLifecyclePolicyArgs(transition_to_ia=spec.lifecycle),
                aws.efs.FileSystemLifecyclePolicyArgs(transition_to_primary_storage_class="AFTER_1_ACCESS"),
            ]
        filesystem = aws.efs.FileSystem(
            name,
            creation_token=token,
            encrypted=True,
            kms_key_id=checked.value(lambda args: args.kms_key),
            performance_mode=spec.performance_mode,
            throughput_mode=spec.throughput_mode,
            lifecycle_policies=lifecycle,
            region=region,
            tags=tags,
            opts=kept(self, spec),
        )
        if spec.backup:
            aws.efs.BackupPolicy(
                name,
                file_system_id=filesystem.id,
                backup_policy=aws.efs.BackupPolicyBackupPolicyArgs(status="ENABLED"),
                region=region,
                opts=child,
            )
        group = aws.ec2.SecurityGroup(
            f"{name}/nfs",
            vpc_id=checked.value(lambda args: args.vpc_id),
            description=f"NFS to EFS {token} from its clients",
            revoke_rules_on_delete=True,
            region=region,
            tags={**tags, "Name": f"{token}-nfs"},
            opts=child,
        )
        for client in spec.clients:
            aws.vpc.SecurityGroupIngressRule(
                f"{name}/nfs/{client}",
                security_group_id=group.id,
                ip_protocol="tcp",
                from_port=NFS_PORT,
                to_port=NFS_PORT,
                description=f"NFS to EFS {token}",
                region=region,
                opts=child,
                **client_source(client),
            )
        targets = [
            aws.efs.MountTarget(
                f"{name}/{subnet}", file_system_id=filesystem.id, subnet_id=subnet, security_groups=[group.id],
                region=region, opts=child,
            )  # fmt: skip
            for subnet in spec.subnets
        ]
        access_points = {}
        for key, directory in spec.directories.items():
            creation = None
            if directory.path:
                creation = aws.efs.AccessPointRootDirectoryCreationInfoArgs(
                    owner_uid=NON_ROOT_UID, owner_gid=NON_ROOT_UID, permissions=DIRECTORY_MODE
                )
            access_points[key] = aws.efs.AccessPoint(
                f"{name}/{key}",
                file_system_id=filesystem.id,
                posix_user=aws.efs.AccessPointPosixUserArgs(uid=NON_ROOT_UID, gid=NON_ROOT_UID),
                root_directory=aws.efs.AccessPointRootDirectoryArgs(path=f"/{directory.path}", creation_info=creation),
                region=region,
                tags={**tags, "Name": f"{token}/{key}"},
                opts=child,
            ).id
        self.filesystem_id = filesystem.id
        # Reachable once a mount target exists in every subnet its clients run in.
        self.server = gathered(filesystem.dns_name, *(target.id for target in targets)).apply(lambda found: found[0])
        self.path = pulumi.Output.from_input("/")
        self.access_points = mapping_output(access_points)
        self.security_group_id = group.id
        self.nfs_paths, self.volume_handles, self.volume_attributes = filesystem_outputs(
            spec.directories,
            lambda directory: f"/{directory}",
            lambda key: pulumi.Output.concat(filesystem.id, "::", access_points[key]),
            lambda key: {},
        )
        self.register_outputs(
            {"filesystemId": self.filesystem_id, "server": self.server, "path": self.path,
             "accessPoints": self.access_points, "securityGroupId": self.security_group_id, "nfsPaths": self.nfs_paths,
             "volumeHandles": self.volume_handles, "volumeAttributes": self.volume_attributes}
        )  # fmt: skip


def stack_args(plan: FilesystemPlan, context: CloudContext) -> dict[str, Any]:
    """The args of an EFS filesystem's component in the stack program, from its plan."""
    entry = plan.item.entry
    assert isinstance(entry, FilesystemEntry)
    return given(
        creation_token=entry.name,
        region=plan.settings.get("aws:region"),
        vpc_id=context.layout(entry.vpc_id),
        subnets=list(entry.subnets),
        clients=list(entry.clients),
        performance_mode=entry.performance_mode,
        throughput_mode=entry.throughput_mode,
        lifecycle=entry.lifecycle,
        backup=entry.backup is not False,
        kms_key=context.layout(entry.kms_key),
        **filesystem_common_args(plan),
    )
