"""AzureFileShare: a premium Azure file share in a storage account of its own, reached through a private endpoint.

Imported only by stacks with an Azure Files filesystem: it loads pulumi_azure_native (and nothing of the blob
containers').
"""

from typing import Any, Optional

import pulumi
from pulumi_azure_native import network, storage

from ..args import check, typed_args
from ..conventions import MANAGED_BY
from ..core.config import filesystem_args
from ..core.config.catalog import FilesystemEntry
from ..core.enums import FilesystemProtocol
from ..core.filesystems import identity
from ..core.model import FilesystemPlan
from ..outputs import gathered
from .common import CloudContext, filesystem_common_args, filesystem_outputs, given, kept

AzureFileShareArgs = typed_args(filesystem_args.AzureFileShareArgs)
SOFT_DELETE_DAYS = 7
FILE_GROUP = "file"
"""The private link sub-resource of a storage account's file service."""


class AzureFileShare(pulumi.ComponentResource):
    """A premium file share (NFS 4.1, or SMB) in a FileStorage account created for it: no public network access
    (reached through a private endpoint in the given subnet, registered in the private DNS zone when given),
    TLS 1.2, no blob public access, shared keys only for SMB, 7 days of share soft delete; the account and the share
    are protected (and retained, with `retain_on_delete`). NFS shares need secure transfer off (their traffic stays on the private endpoint); SMB keeps it on.

    Each directory gets an NFS path (`<account>.file.core.windows.net:/<account>/<share>/<directory>`)
    and an Azure File CSI source (`folderName`: the directory; NFS volumes keep
    the directory's mode: `mountPermissions: "0"`).
    """

    filesystem_id: pulumi.Output[str]
    """The share's id."""
    server: pulumi.Output[str]
    """The NFS server: <account>.file.core.windows.net, once its private endpoint exists."""
    path: pulumi.Output[str]
    """The exported root: /<account>/<share>."""
    nfs_paths: pulumi.Output[dict[str, str]]
    """Directory key -> its path on the server."""
    volume_handles: pulumi.Output[dict[str, str]]
    """Directory key -> the Azure File CSI driver's volume handle."""
    volume_attributes: pulumi.Output[dict[str, dict[str, str]]]
    """Directory key -> the Azure File CSI driver's attributes (account, share, protocol, folder)."""
    secret_outputs = ("account_key",)  # marked secret in the served schema (components/provider.py)
    account_key: pulumi.Output[str]
    """SMB: the account's key, which its volumes mount with (the account holds this share only). Empty for NFS. Secret."""

    def __init__(self, name: str, args: AzureFileShareArgs, opts: Optional[pulumi.ResourceOptions] = None):  # type: ignore[valid-type]
        super().__init__("polyaxon-storage:index:AzureFileShare", name, None, opts)
        checked = check(
            "AzureFileShare", name, filesystem_args.AzureFileShareArgs, args, filesystem_args.azure_file_share_problems
        )
        spec = checked.known
        smb = spec.protocol == FilesystemProtocol.SMB.value
        group = spec.resource_group
        holding = kept(self, spec)
        child = pulumi.ResourceOptions(parent=self)
        account = storage.StorageAccount(
            name,
            account_name=spec.account,
            resource_group_name=group,
            location=spec.location,
            kind="FileStorage",
            sku=storage.SkuArgs(name="Premium_LRS"),
            public_network_access="Disabled",
            network_rule_set=storage.NetworkRuleSetArgs(default_action="Deny", bypass="AzureServices"),
            # NFS shares refuse secure transfer (the AZNFS helper aside): their traffic stays on the private endpoint.
            enable_https_traffic_only=smb,
            minimum_tls_version="TLS1_2",
            allow_blob_public_access=False,
            allow_shared_key_access=smb,
            tags={"managed-by": MANAGED_BY},
            opts=holding,
        )
        storage.FileServiceProperties(
            name,
            account_name=account.name,
            resource_group_name=group,
            file_services_name="default",
            share_delete_retention_policy=storage.DeleteRetentionPolicyArgs(enabled=True, days=SOFT_DELETE_DAYS),
            opts=child,
        )
        share = storage.FileShare(
            f"{name}/{spec.share}",
            account_name=account.name,
            resource_group_name=group,
            share_name=spec.share,
            enabled_protocols="SMB" if smb else "NFS",
            root_squash=None if smb else ("RootSquash" if spec.root_squash else "NoRootSquash"),
            share_quota=spec.quota_gb,
            opts=holding,
        )
        endpoint_name = f"{spec.account}-{FILE_GROUP}"
        endpoint = network.PrivateEndpoint(
            name,
            resource_group_name=group,
            private_endpoint_name=endpoint_name,
            location=spec.location,
            subnet=network.SubnetArgs(id=checked.value(lambda args: args.subnet_id)),
            private_link_service_connections=[
                network.PrivateLinkServiceConnectionArgs(
                    name=endpoint_name, private_link_service_id=account.id, group_ids=[FILE_GROUP]
                )
            ],
            custom_network_interface_name=f"{endpoint_name}-nic",
            opts=child,
        )
        reachable: list[pulumi.Output[Any]] = [account.name, endpoint.id]
        if spec.private_dns_zone_id is not None:
            zone = network.PrivateDnsZoneGroup(
                name,
                resource_group_name=group,
                private_endpoint_name=endpoint.name,
                private_dns_zone_group_name="default",
                private_dns_zone_configs=[
                    network.PrivateDnsZoneConfigArgs(
                        name="privatelink-file-core-windows-net",
                        private_dns_zone_id=checked.value(lambda args: args.private_dns_zone_id),
                    )
                ],
                opts=child,
            )
            reachable.append(zone.id)
        self.filesystem_id = share.id
        # The account's own name resolves to the private endpoint once it is registered.
        self.server = gathered(*reachable).apply(lambda found: f"{found[0]}.file.core.windows.net")
        root = f"/{spec.account}/{spec.share}"
        self.path = pulumi.Output.from_input(root)
        common = {"storageAccount": spec.account, "shareName": spec.share, "resourceGroup": group,
                  "protocol": "smb" if smb else "nfs"}  # fmt: skip

        def attributes(key: str) -> dict[str, str]:
            folder = spec.directories[key].path
            found = dict(common)
            if folder:
                found["folderName"] = folder
            if smb:
                if folder:
                    found["createFolderIfNotExist"] = "true"
            else:
                # The driver would chmod the mounted directory 0777 otherwise.
                found["mountPermissions"] = "0"
            return found

        self.nfs_paths, self.volume_handles, self.volume_attributes = filesystem_outputs(
            spec.directories,
            lambda directory: f"{root}/{directory}".rstrip("/"),
            # The driver reads rg#account#share#diskName#<free text>: each volume's own handle.
            lambda key: f"{group}#{spec.account}#{spec.share}##{key}",
            attributes,
        )
        if smb:
            keys = storage.list_storage_account_keys_output(
                account_name=account.name, resource_group_name=group, opts=pulumi.InvokeOutputOptions(parent=self)
            )
            self.account_key = pulumi.Output.secret(keys.keys[0].value)
        else:
            self.account_key = pulumi.Output.secret("")
        self.register_outputs(
            {"filesystemId": self.filesystem_id, "server": self.server, "path": self.path, "nfsPaths": self.nfs_paths,
             "volumeHandles": self.volume_handles, "volumeAttributes": self.volume_attributes}
        )  # fmt: skip


def stack_args(plan: FilesystemPlan, context: CloudContext) -> dict[str, Any]:
    """The args of an Azure Files filesystem's component in the stack program, from its plan."""
    entry = plan.item.entry
    assert isinstance(entry, FilesystemEntry)
    return given(
        account=identity(entry),
        resource_group=entry.resource_group,
        location=entry.location or plan.settings.get("azure-native:location"),
        share=entry.name,
        quota_gb=entry.size_gib,
        protocol=entry.protocol_name,
        root_squash=bool(entry.root_squash),
        subnet_id=context.layout(entry.subnet_id),
        private_dns_zone_id=context.layout(entry.private_dns_zone_id),
        **filesystem_common_args(plan),
    )
