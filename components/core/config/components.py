"""The args of the Kubernetes components besides RunTemplate (config/run.py): a team namespace, the volumes of an NFS
export and of a CSI driver, and the Job that makes a shared filesystem's directories.

Declared once: the components check their args against these, and their
served schema derives from them.
"""

from __future__ import annotations

import re
from typing import Annotated, Optional

from pydantic import Field

from ..declare import SECRET, Input, Model
from ..enums import Access, Choice, PodSecurityLevel
from ..errors import Problem
from ...conventions import NON_ROOT_UID
from .catalog import NfsExport, NfsVolume
from .fields import (
    AbsolutePath,
    Capacity,
    CliText,
    Identifier,
    ImageReference,
    NamespaceName,
    NonEmptyText,
    ObjectName,
    QualifiedName,
    SecretKey,
    TtlSeconds,
    UserId,
)
from .filesystem_args import DirectoryPath
from .run import DEFAULT_INIT_IMAGE
from .pod import Resources
from .run import Quota


class CredentialsSecretArgs(Model):
    """A Secret of bucket credentials for one team's runs, annotated as the policy pack expects."""

    team: Identifier = Field(description="The team whose runs read it (one of the namespace's teams).")
    data: Annotated[Input[dict[SecretKey, Input[CliText]]], SECRET] = Field(
        description="Key -> the credentials as text (a bucket's, as polystores reads them, or as Polyaxon v2 reads "
        "them); stored as a secret."
    )
    access: Choice[Access] = Field(
        description="read-only or read-write: what the credentials' identity is granted (annotation "
        "polyaxon-storage/access)."
    )
    identity: Input[CliText] = Field(
        description="The identity the credentials authenticate as (annotation polyaxon-storage/identity)."
    )


class TeamNamespaceArgs(Model):
    """A namespace for one or more teams' runs."""

    namespace: Input[NamespaceName] = Field(description="The namespace to create, or to adopt when existing is true.")
    teams: list[Identifier] = Field(description="Teams whose runs go there: each gets a ServiceAccount runs-<team>.")
    existing: bool = Field(
        False, description="The namespace exists already: only label it (server-side apply), never create or delete it."
    )
    pod_security: Choice[PodSecurityLevel] = Field(
        PodSecurityLevel.RESTRICTED, description="The Pod Security level enforced there."
    )
    container_defaults: Optional[Input[Resources]] = Field(
        None, description="A LimitRange giving these to every container there that does not set them."
    )
    quota: Optional[Input[Quota]] = Field(None, description="A ResourceQuota's spec.hard: what all pods there may use together.")
    service_account_annotations: dict[Identifier, Input[dict[QualifiedName, Input[CliText]]]] = Field(
        default_factory=dict, description="Team -> annotations of its ServiceAccount, such as a workload identity's."
    )
    credentials: dict[ObjectName, CredentialsSecretArgs] = Field(
        default_factory=dict,
        description="Secret name -> bucket credentials of one of the teams, kept there as an Opaque Secret.",
    )


class BoundClaimArgs(Model):
    """A PersistentVolume and the claim statically bound to it, in one namespace."""

    namespace: Input[NamespaceName] = Field(
        description="Namespace of the claim (claims are namespaced: one component per namespace)."
    )
    claim_name: ObjectName = Field(description="Name of the claim runs mount.")
    volume_name: ObjectName = Field(
        description="Name of the PersistentVolume: cluster-scoped, so unique across namespaces and stacks."
    )
    read_only: bool = Field(False, description="Bind read-only (ReadOnlyMany) instead of ReadWriteMany.")


class NfsStorageArgs(NfsExport, NfsVolume, BoundClaimArgs):
    """An NFS export as a PersistentVolume and the claim bound to it, in one namespace."""


class CsiStorageArgs(BoundClaimArgs):
    """A volume a CSI driver mounts (a managed filesystem, or a bucket) as a PersistentVolume and the claim bound to
    it, in one namespace."""

    driver: NonEmptyText = Field(description="The CSI driver, such as efs.csi.aws.com or gcsfuse.csi.storage.gke.io.")
    volume_handle: Input[NonEmptyText] = Field(
        description="How the driver finds the volume: unique across PersistentVolumes (the kubelet mounts one per handle)."
    )
    volume_attributes: Input[dict[CliText, Input[CliText]]] = Field(
        default_factory=dict, description="The driver's attributes of the volume (bucketName, storageAccount, ...)."
    )
    node_stage_secret: Optional[Input[ObjectName]] = Field(
        None, description="A Secret in the claim's namespace the driver mounts with (Azure: the account's key or SAS)."
    )
    size: Capacity = Field(description="Capacity of the volume and its claim (a bucket's is nominal), such as 1Ti.")
    mount_options: list[CliText] = Field(
        default_factory=list, description="The driver's mount options (not checked by the API: a wrong one fails the mount)."
    )


class SharedDirectoriesArgs(Model):
    """Directories of a shared filesystem, each owned by the runs' user: made by a one-shot Job that mounts the
    filesystem's root by NFS (`pulumi up` waits for it), named after what it makes, so new directories run a new one."""

    namespace: Input[NamespaceName] = Field(description="Where the Job runs (Pod Security baseline: it runs as root).")
    job_name: ObjectName = Field(description="The Job's name: give a new one for new directories (a Job's spec is immutable).")
    server: Input[NonEmptyText] = Field(description="The filesystem's NFS server.")
    path: Input[AbsolutePath] = Field(description="The exported root the directories are made below.")
    directories: list[DirectoryPath] = Field(description="The directories to make below the root (empty: the root itself).")
    owner: UserId = Field(NON_ROOT_UID, description="Their owner and group (the runs' runAsUser and runAsGroup). Default 10001.")
    mode: CliText = Field("0750", description="Their mode (octal). Default 0750: the owner and its group only.")
    image: ImageReference = Field(DEFAULT_INIT_IMAGE, description="The Job's image: it runs sh, mkdir, chmod and chown.")
    ttl_seconds_after_finished: TtlSeconds = Field(
        86400, description="Seconds the finished Job is kept (a day): it is made again only for new directories."
    )


OCTAL_MODE = re.compile(r"0?[0-7]{3}")


def shared_directories_problems(args: SharedDirectoriesArgs) -> tuple[None, list[Problem]]:
    """What the Job could not do: make no directory, give a mode chmod does not take, make one twice."""
    problems = []
    if not args.directories:
        problems.append(Problem("directories", "needs at least one directory (an empty one: the root itself)"))
    problems.extend(
        Problem(f"directories[{index}]", f"{directory!r} is listed more than once")
        for index, directory in enumerate(args.directories)
        if args.directories.index(directory) != index
    )
    if not OCTAL_MODE.fullmatch(args.mode):
        problems.append(Problem("mode", f"{args.mode!r} is not an octal mode, such as 0750"))
    return None, problems
