"""FilestoreShare: a Filestore instance with one file share, exported to its clients, protected.

Imported only by stacks with a Filestore filesystem: it loads pulumi_gcp (and nothing of the GCS buckets').
"""

from typing import Any, Optional

import pulumi
import pulumi_gcp as gcp

from ..args import check, typed_args
from ..conventions import MANAGED_BY
from ..core.config import filesystem_args
from ..core.config.catalog import FilesystemEntry
from ..core.model import FilesystemPlan
from .common import CloudContext, filesystem_common_args, filesystem_outputs, given, kept

FilestoreShareArgs = typed_args(filesystem_args.FilestoreShareArgs)
PROTECTED_REASON = "polyaxon-storage: it holds the teams' data; set protect: false on its entry to delete it"
# Root squash maps root to nobody.
SQUASHED = 65534


class FilestoreShare(pulumi.ComponentResource):
    """A Filestore instance with one file share, in its clients' VPC network: exported read-write to its clients'
    ranges (root not squashed, unless asked: the directories below its root are made as root), encrypted with a
    customer key when given, and protected with its deletion protection on (both follow `protect`; retained, with
    `retain_on_delete`).

    Each directory it is given gets an NFS path (`<ip>:/<share>/<directory>`) and
    a Filestore CSI source (`modeInstance/<location>/<instance>/<share>`: the
    driver mounts the whole share, and its handle is the same for every
    directory: give it to one PersistentVolume, since the kubelet takes volumes
    of one handle for one; other namespaces mount their NFS paths).
    """

    filesystem_id: pulumi.Output[str]
    """The instance's id: projects/<project>/locations/<location>/instances/<instance>."""
    server: pulumi.Output[str]
    """The NFS server: the instance's IP address."""
    path: pulumi.Output[str]
    """The exported root: /<share>."""
    nfs_paths: pulumi.Output[dict[str, str]]
    """Directory key -> its path on the server."""
    volume_handles: pulumi.Output[dict[str, str]]
    """Directory key -> the Filestore CSI driver's volume handle (the whole share: one PersistentVolume's)."""
    volume_attributes: pulumi.Output[dict[str, dict[str, str]]]
    """Directory key -> the Filestore CSI driver's attributes (ip, volume)."""

    def __init__(self, name: str, args: FilestoreShareArgs, opts: Optional[pulumi.ResourceOptions] = None):  # type: ignore[valid-type]
        super().__init__("polyaxon-storage:index:FilestoreShare", name, None, opts)
        checked = check(
            "FilestoreShare", name, filesystem_args.FilestoreShareArgs, args, filesystem_args.filestore_share_problems
        )
        spec = checked.known
        exports = None
        if spec.clients:
            squash = {"squash_mode": "ROOT_SQUASH", "anon_uid": SQUASHED, "anon_gid": SQUASHED} if spec.root_squash else {"squash_mode": "NO_ROOT_SQUASH"}
            exports = [gcp.filestore.InstanceFileSharesNfsExportOptionArgs(ip_ranges=list(spec.clients), access_mode="READ_WRITE", **squash)]
        instance = gcp.filestore.Instance(
            name,
            name=spec.instance,
            project=checked.value(lambda args: args.project),
            location=spec.location,
            tier=spec.tier,
            protocol=spec.protocol,
            file_shares=gcp.filestore.InstanceFileSharesArgs(
                name=spec.share, capacity_gb=spec.capacity_gb, nfs_export_options=exports
            ),
            networks=[
                gcp.filestore.InstanceNetworkArgs(
                    network=checked.value(lambda args: args.network), modes=["MODE_IPV4"], connect_mode=spec.connect_mode
                )
            ],
            kms_key_name=checked.value(lambda args: args.kms_key),
            deletion_protection_enabled=spec.protect,
            deletion_protection_reason=PROTECTED_REASON if spec.protect else None,
            labels={"managed-by": MANAGED_BY},
            opts=kept(self, spec),
        )
        self.filesystem_id = instance.id
        self.server = instance.networks.apply(lambda networks: networks[0].ip_addresses[0])
        self.path = pulumi.Output.from_input(f"/{spec.share}")
        handle = f"modeInstance/{spec.location}/{spec.instance}/{spec.share}"
        self.nfs_paths, self.volume_handles, self.volume_attributes = filesystem_outputs(
            spec.directories,
            lambda directory: f"/{spec.share}/{directory}".rstrip("/"),
            lambda key: handle,
            lambda key: self.server.apply(lambda ip: {"ip": ip, "volume": spec.share}),
        )
        self.register_outputs(
            {"filesystemId": self.filesystem_id, "server": self.server, "path": self.path, "nfsPaths": self.nfs_paths,
             "volumeHandles": self.volume_handles, "volumeAttributes": self.volume_attributes}
        )  # fmt: skip


def stack_args(plan: FilesystemPlan, context: CloudContext) -> dict[str, Any]:
    """The args of a Filestore filesystem's component in the stack program, from its plan."""
    entry = plan.item.entry
    assert isinstance(entry, FilesystemEntry)
    return given(
        project=context.provider("gcp:project"),
        instance=entry.name,
        location=entry.location,
        tier=entry.tier_name,
        capacity_gb=entry.size_gib,
        share=entry.share_name,
        protocol=entry.protocol_name,
        network=context.layout(entry.network),
        connect_mode=entry.connect_mode,
        clients=list(entry.clients),
        root_squash=bool(entry.root_squash),
        kms_key=context.layout(entry.kms_key),
        **filesystem_common_args(plan),
    )
