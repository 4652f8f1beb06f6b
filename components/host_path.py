"""HostPathStorage: a catalog entry backed by a directory on the node."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import pulumi

from .resolve import NamedEntry, pod_volume


@dataclass(frozen=True)
class HostPathStorageArgs:
    item: NamedEntry
    """The entry, with its side and name."""


class HostPathStorage(pulumi.ComponentResource):
    """A hostPath entry. Nothing is created: the directory is on the nodes.

    Outputs the pod volume runs mount and the node labels they are pinned to.
    """

    def __init__(self, name: str, args: HostPathStorageArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("polyaxon-storage:index:HostPathStorage", name, None, opts)
        self.volume = pulumi.Output.from_input(pod_volume(args.item))
        self.mount_path = pulumi.Output.from_input(args.item.path)
        self.node_selector = pulumi.Output.from_input(dict(args.item.entry.node_selector))
        self.register_outputs(
            {"volume": self.volume, "mountPath": self.mount_path, "nodeSelector": self.node_selector}
        )
