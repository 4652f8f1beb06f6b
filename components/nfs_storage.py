"""NfsStorage: an NFS export as a statically bound PersistentVolume and claim per namespace."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import pulumi
import pulumi_kubernetes as kubernetes

from .catalog import NfsEntry
from .job import MANAGED_BY
from .namespaces import persistent_volume_name
from .resolve import NamedEntry, claim_name


@dataclass(frozen=True)
class NfsStorageArgs:
    item: NamedEntry
    """The NFS entry, with its side and name."""
    namespaces: dict[str, pulumi.Output[str]]
    """Namespaces granted the entry: name -> the namespace's Output (claims are made after it)."""


class NfsStorage(pulumi.ComponentResource):
    """One PersistentVolume (cluster-scoped, named per namespace) and one claim per namespace.

    Static binding: `storageClassName: ""` on both sides, the PV's `claimRef`
    and the claim's `volumeName`; reclaim policy Retain, so deleting a claim
    never deletes data. Runs mount the claim, which Pod Security `restricted`
    admits (an inline `nfs:` volume it does not).
    """

    def __init__(self, name: str, args: NfsStorageArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("polyaxon-storage:index:NfsStorage", name, None, opts)
        entry = args.item.entry
        assert isinstance(entry, NfsEntry)
        claim = claim_name(args.item.side, args.item.name)
        labels = {"app.kubernetes.io/managed-by": MANAGED_BY}
        self.volumes: dict[str, pulumi.Output[str]] = {}
        self.claims: dict[str, pulumi.Output[str]] = {}
        for namespace, namespace_output in sorted(args.namespaces.items()):
            volume_name = persistent_volume_name(namespace, args.item)
            volume = kubernetes.core.v1.PersistentVolume(
                volume_name,
                metadata=kubernetes.meta.v1.ObjectMetaArgs(name=volume_name, labels=labels),
                spec=kubernetes.core.v1.PersistentVolumeSpecArgs(
                    capacity={"storage": entry.size},
                    access_modes=[entry.access_mode],
                    persistent_volume_reclaim_policy="Retain",
                    storage_class_name="",
                    mount_options=list(entry.mount_options),
                    nfs=kubernetes.core.v1.NFSVolumeSourceArgs(
                        server=entry.nfs.server, path=entry.nfs.path, read_only=entry.read_only or None
                    ),
                    claim_ref=kubernetes.core.v1.ObjectReferenceArgs(namespace=namespace, name=claim),
                ),
                opts=pulumi.ResourceOptions(parent=self),
            )
            bound = kubernetes.core.v1.PersistentVolumeClaim(
                f"{namespace}/{claim}",
                metadata=kubernetes.meta.v1.ObjectMetaArgs(name=claim, namespace=namespace_output, labels=labels),
                spec=kubernetes.core.v1.PersistentVolumeClaimSpecArgs(
                    access_modes=[entry.access_mode],
                    storage_class_name="",
                    volume_name=volume_name,
                    resources=kubernetes.core.v1.VolumeResourceRequirementsArgs(requests={"storage": entry.size}),
                ),
                opts=pulumi.ResourceOptions(parent=self, depends_on=[volume]),
            )
            self.volumes[namespace] = volume.metadata.name  # type: ignore[attr-defined]
            self.claims[namespace] = bound.metadata.name  # type: ignore[attr-defined]
        self.register_outputs({"persistentVolumes": self.volumes, "claims": self.claims})
