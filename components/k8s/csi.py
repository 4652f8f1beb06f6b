"""CsiStorage: a volume a CSI driver mounts, as a statically bound PersistentVolume and claim in one namespace."""

from typing import Optional

import pulumi
import pulumi_kubernetes as kubernetes

from ..args import check, typed_args
from ..core.config import components
from .bound import bound_pair

CsiStorageArgs = typed_args(components.CsiStorageArgs)


class CsiStorage(pulumi.ComponentResource):
    """A PersistentVolume a CSI driver mounts (a managed filesystem's directory, or a bucket) and the claim bound to
    it, in one namespace.

    Bound as NfsStorage binds (`storageClassName: ""`, `claimRef` and
    `volumeName`, reclaim policy Retain, both outliving the component); the
    driver mounts it read-only when it is (`csi.readOnly`). Runs mount the
    claim, which Pod Security `restricted` admits: only the driver's node plugin
    is privileged, outside the runs' namespaces.
    """

    claim_name: pulumi.Output[str]
    """The claim runs mount, known once it exists."""
    volume_name: pulumi.Output[str]
    """The PersistentVolume's name."""

    def __init__(self, name: str, args: CsiStorageArgs, opts: Optional[pulumi.ResourceOptions] = None):  # type: ignore[valid-type]
        super().__init__("polyaxon-storage:index:CsiStorage", name, None, opts)
        checked = check("CsiStorage", name, components.CsiStorageArgs, args)
        spec = checked.known
        namespace = checked.value(lambda args: args.namespace)
        secret = None
        if spec.node_stage_secret is not None:
            secret = kubernetes.core.v1.SecretReferenceArgs(
                name=checked.value(lambda args: args.node_stage_secret), namespace=namespace
            )
        self.claim_name, self.volume_name = bound_pair(
            self,
            name,
            spec,
            namespace,
            spec.size,
            list(spec.mount_options),
            csi=kubernetes.core.v1.CSIPersistentVolumeSourceArgs(
                driver=spec.driver,
                volume_handle=checked.value(lambda args: args.volume_handle),
                volume_attributes=checked.value(lambda args: args.volume_attributes) if spec.volume_attributes else None,
                node_stage_secret_ref=secret,
                read_only=spec.read_only or None,
            ),
        )
        self.register_outputs({"claimName": self.claim_name, "volumeName": self.volume_name})
