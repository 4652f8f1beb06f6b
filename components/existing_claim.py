"""ExistingClaimStorage: a catalog entry backed by a claim that already exists."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import pulumi

from .resolve import NamedEntry, pod_volume


@dataclass(frozen=True)
class ExistingClaimStorageArgs:
    item: NamedEntry
    """The entry, with its side and name."""
    namespaces: tuple[str, ...]
    """Namespaces whose runs may mount it: the claim must exist in each."""


class ExistingClaimStorage(pulumi.ComponentResource):
    """An existingClaim entry. Nothing is created: the claim is the platform team's.

    Outputs the pod volume runs mount and the namespaces the claim must exist in.
    """

    def __init__(self, name: str, args: ExistingClaimStorageArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("polyaxon-storage:index:ExistingClaimStorage", name, None, opts)
        self.volume = pulumi.Output.from_input(pod_volume(args.item))
        self.mount_path = pulumi.Output.from_input(args.item.path)
        self.namespaces = pulumi.Output.from_input(list(args.namespaces))
        self.register_outputs({"volume": self.volume, "mountPath": self.mount_path, "namespaces": self.namespaces})
