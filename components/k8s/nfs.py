"""NfsStorage: an NFS export as a statically bound PersistentVolume and claim in one namespace."""

from typing import NotRequired, Optional, Sequence, TypedDict

import pulumi
import pulumi_kubernetes as kubernetes

from ..conventions import MANAGED_BY, MANAGED_BY_LABEL
from ..core.config.catalog import DEFAULT_NFS_MOUNT_OPTIONS


class NfsStorageArgs(TypedDict):
    server: pulumi.Input[str]
    """NFS server address or host name."""
    path: pulumi.Input[str]
    """The exported directory."""
    size: str
    """Capacity of the volume and the claim, such as 500Gi."""
    namespace: pulumi.Input[str]
    """Namespace of the claim (claims are namespaced: one NfsStorage per namespace)."""
    claim_name: str
    """Name of the claim runs mount."""
    volume_name: str
    """Name of the PersistentVolume: cluster-scoped, so unique across namespaces and stacks."""
    read_only: NotRequired[bool]
    """Bind read-only (ReadOnlyMany) instead of ReadWriteMany. Default false."""
    mount_options: NotRequired[Sequence[str]]
    """NFS mount options (not checked by the API: a wrong one fails the mount). Default nfsvers=4.1, hard."""


class NfsStorage(pulumi.ComponentResource):
    """A PersistentVolume for an NFS export and the claim bound to it, in one namespace.

    Static binding: `storageClassName: ""` on both sides, the volume's
    `claimRef` and the claim's `volumeName`; reclaim policy Retain, so deleting
    the claim never deletes data. Runs mount the claim, which Pod Security
    `restricted` admits (an inline `nfs:` volume it does not). Both outlive the
    component: removing it leaves them in the cluster, bound, to delete by hand.
    """

    claim_name: pulumi.Output[str]
    """The claim runs mount, known once it exists."""
    volume_name: pulumi.Output[str]
    """The PersistentVolume's name."""

    def __init__(self, name: str, args: NfsStorageArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("polyaxon-storage:index:NfsStorage", name, None, opts)
        read_only = args.get("read_only", False)
        access_modes = ["ReadOnlyMany" if read_only else "ReadWriteMany"]
        labels = {MANAGED_BY_LABEL: MANAGED_BY}
        volume = kubernetes.core.v1.PersistentVolume(
            f"{name}-volume",
            metadata=kubernetes.meta.v1.ObjectMetaArgs(name=args["volume_name"], labels=labels),
            spec=kubernetes.core.v1.PersistentVolumeSpecArgs(
                capacity={"storage": args["size"]},
                access_modes=access_modes,
                persistent_volume_reclaim_policy="Retain",
                storage_class_name="",
                mount_options=list(args.get("mount_options", DEFAULT_NFS_MOUNT_OPTIONS)),
                nfs=kubernetes.core.v1.NFSVolumeSourceArgs(
                    server=args["server"], path=args["path"], read_only=read_only or None
                ),
                claim_ref=kubernetes.core.v1.ObjectReferenceArgs(namespace=args["namespace"], name=args["claim_name"]),
            ),
            opts=pulumi.ResourceOptions(parent=self, retain_on_delete=True),
        )
        claim = kubernetes.core.v1.PersistentVolumeClaim(
            f"{name}-claim",
            metadata=kubernetes.meta.v1.ObjectMetaArgs(
                name=args["claim_name"], namespace=args["namespace"], labels=labels
            ),
            spec=kubernetes.core.v1.PersistentVolumeClaimSpecArgs(
                access_modes=access_modes,
                storage_class_name="",
                volume_name=volume.metadata.name,  # type: ignore[attr-defined]
                resources=kubernetes.core.v1.VolumeResourceRequirementsArgs(requests={"storage": args["size"]}),
            ),
            opts=pulumi.ResourceOptions(parent=self, retain_on_delete=True),
        )
        self.claim_name = claim.metadata.name  # type: ignore[attr-defined]
        self.volume_name = volume.metadata.name  # type: ignore[attr-defined]
        self.register_outputs({"claimName": self.claim_name, "volumeName": self.volume_name})
