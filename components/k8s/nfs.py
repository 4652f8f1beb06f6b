"""NfsStorage: an NFS export as a statically bound PersistentVolume and claim in one namespace."""

from typing import Optional

import pulumi
import pulumi_kubernetes as kubernetes

from ..args import check, typed_args
from ..core.config import components
from .bound import bound_pair

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
        self.claim_name, self.volume_name = bound_pair(
            self,
            name,
            spec,
            checked.value(lambda args: args.namespace),
            spec.size,
            list(spec.mount_options),
            nfs=kubernetes.core.v1.NFSVolumeSourceArgs(
                server=checked.value(lambda args: args.server),
                path=checked.value(lambda args: args.path),
                read_only=spec.read_only or None,
            ),
        )
        self.register_outputs({"claimName": self.claim_name, "volumeName": self.volume_name})
