"""A PersistentVolume and the claim statically bound to it, in one namespace: what NfsStorage and CsiStorage make."""

from typing import Any

import pulumi
import pulumi_kubernetes as kubernetes

from ..conventions import MANAGED_BY, MANAGED_BY_LABEL
from ..core.config.components import BoundClaimArgs


def bound_pair(
    parent: pulumi.Resource,
    name: str,
    spec: BoundClaimArgs,
    namespace: pulumi.Input[str],
    size: str,
    mount_options: list[str],
    **source: Any,
) -> tuple[pulumi.Output[str], pulumi.Output[str]]:
    """The volume (its `source`: `nfs=` or `csi=`) and its claim, named `<name>-volume` and `<name>-claim`; their
    names, once they exist.

    Static binding: `storageClassName: ""` on both sides, the volume's `claimRef`
    and the claim's `volumeName`; reclaim policy Retain, and both retained when
    they leave the program: removing them never deletes data.
    """
    access_modes = ["ReadOnlyMany" if spec.read_only else "ReadWriteMany"]
    labels = {MANAGED_BY_LABEL: MANAGED_BY}
    kept = pulumi.ResourceOptions(parent=parent, retain_on_delete=True)
    volume = kubernetes.core.v1.PersistentVolume(
        f"{name}-volume",
        metadata=kubernetes.meta.v1.ObjectMetaArgs(name=spec.volume_name, labels=labels),
        spec=kubernetes.core.v1.PersistentVolumeSpecArgs(
            capacity={"storage": size},
            access_modes=access_modes,
            persistent_volume_reclaim_policy="Retain",
            storage_class_name="",
            mount_options=mount_options,
            claim_ref=kubernetes.core.v1.ObjectReferenceArgs(namespace=namespace, name=spec.claim_name),
            **source,
        ),
        opts=kept,
    )
    claim = kubernetes.core.v1.PersistentVolumeClaim(
        f"{name}-claim",
        metadata=kubernetes.meta.v1.ObjectMetaArgs(name=spec.claim_name, namespace=namespace, labels=labels),
        spec=kubernetes.core.v1.PersistentVolumeClaimSpecArgs(
            access_modes=access_modes,
            storage_class_name="",
            volume_name=volume.metadata.name,  # type: ignore[attr-defined]
            resources=kubernetes.core.v1.VolumeResourceRequirementsArgs(requests={"storage": size}),
        ),
        opts=kept,
    )
    return claim.metadata.name, volume.metadata.name  # type: ignore[attr-defined]
