"""NfsStorage: an NFS export as a statically bound PersistentVolume and claim in one namespace."""

from typing import Optional

import pulumi
import pulumi_kubernetes as kubernetes

from ..args import check, typed_args
from ..conventions import MANAGED_BY, MANAGED_BY_LABEL
from ..core.config import components

NfsStorageArgs = typed_args(components.NfsStorageArgs)


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

    def __init__(self, name: str, args: NfsStorageArgs, opts: Optional[pulumi.ResourceOptions] = None):  # type: ignore[valid-type]
        super().__init__("polyaxon-storage:index:NfsStorage", name, None, opts)
        checked = check("NfsStorage", name, components.NfsStorageArgs, args)
        spec = checked.known
        namespace = checked.value(lambda args: args.namespace)
        access_modes = ["ReadOnlyMany" if spec.read_only else "ReadWriteMany"]
        labels = {MANAGED_BY_LABEL: MANAGED_BY}
        volume = kubernetes.core.v1.PersistentVolume(
            f"{name}-volume",
            metadata=kubernetes.meta.v1.ObjectMetaArgs(name=spec.volume_name, labels=labels),
            spec=kubernetes.core.v1.PersistentVolumeSpecArgs(
                capacity={"storage": spec.size},
                access_modes=access_modes,
                persistent_volume_reclaim_policy="Retain",
                storage_class_name="",
                mount_options=list(spec.mount_options),
                nfs=kubernetes.core.v1.NFSVolumeSourceArgs(
                    server=checked.value(lambda args: args.server),
                    path=checked.value(lambda args: args.path),
                    read_only=spec.read_only or None,
                ),
                claim_ref=kubernetes.core.v1.ObjectReferenceArgs(namespace=namespace, name=spec.claim_name),
            ),
            opts=pulumi.ResourceOptions(parent=self, retain_on_delete=True),
        )
        claim = kubernetes.core.v1.PersistentVolumeClaim(
            f"{name}-claim",
            metadata=kubernetes.meta.v1.ObjectMetaArgs(name=spec.claim_name, namespace=namespace, labels=labels),
            spec=kubernetes.core.v1.PersistentVolumeClaimSpecArgs(
                access_modes=access_modes,
                storage_class_name="",
                volume_name=volume.metadata.name,  # type: ignore[attr-defined]
                resources=kubernetes.core.v1.VolumeResourceRequirementsArgs(requests={"storage": spec.size}),
            ),
            opts=pulumi.ResourceOptions(parent=self, retain_on_delete=True),
        )
        self.claim_name = claim.metadata.name  # type: ignore[attr-defined]
        self.volume_name = volume.metadata.name  # type: ignore[attr-defined]
        self.register_outputs({"claimName": self.claim_name, "volumeName": self.volume_name})
