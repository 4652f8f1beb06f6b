"""The args of the managed filesystems' components (FilestoreShare, EfsFileSystem, AzureFileShare), declared once,
and their rules: the very rules a catalog entry is held to (`filesystems.py`), at the component's arg paths.
"""

from __future__ import annotations

import re
from typing import Annotated, Optional

from pydantic import AfterValidator, Field

from ..declare import Input, Model
from ..enums import (
    Choice,
    ConnectMode,
    EfsPerformanceMode,
    EfsThroughputMode,
    EfsTransition,
    FilesystemProtocol,
    FilestoreTier,
)
from ..errors import Problem
from .cloud_args import AzureAccountName
from .fields import CliText, NonEmptyText, PositiveCount
from .filesystems import (
    AZURE_SHARE,
    EFS_TOKEN,
    FILESTORE_INSTANCE,
    PROTOCOLS,
    Client,
    azure_files_problems,
    efs_problems,
    filestore_problems,
)

DIRECTORY = re.compile(r"[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*")


def _named(pattern: re.Pattern[str], rule: str) -> AfterValidator:
    def check(value: str) -> str:
        if not pattern.fullmatch(value):
            raise ValueError(f"{value!r} is not {rule}")
        return value

    return AfterValidator(check)


def _directory(value: str) -> str:
    if value and (not DIRECTORY.fullmatch(value) or any(part in (".", "..") for part in value.split("/"))):
        raise ValueError(f"{value!r} is not a directory below the root: names of letters, digits, '.', '_' and '-', joined by '/'")
    return value


FilestoreInstanceName = Annotated[str, _named(FILESTORE_INSTANCE, "a Filestore instance id: a lowercase letter, then lowercase letters, digits and '-'")]
EfsCreationToken = Annotated[str, _named(EFS_TOKEN, "an EFS creation token: 1 to 64 letters, digits, '.', '_' and '-'")]
AzureShareName = Annotated[str, _named(AZURE_SHARE, "an Azure file share name: 3 to 63 lowercase letters, digits and single '-'")]
DirectoryPath = Annotated[str, AfterValidator(_directory)]


class DirectoryArgs(Model):
    """A directory of a filesystem that a volume mounts: its root, or one below it (a namespace's own)."""

    path: DirectoryPath = Field("", description="Below the root (such as team-vision); empty: the root itself.")
    read_only: bool = Field(False, description="Mounted read-only (an EFS access point still names its user).")


class FilesystemArgs(Model):
    """What every managed filesystem's component takes besides its cloud's options."""

    directories: dict[CliText, DirectoryArgs] = Field(
        default_factory=dict,
        description="Key (such as a namespace) -> a directory volumes mount: its NFS path and CSI source are outputs "
        "under that key.",
    )
    protect: bool = Field(
        True, description="What holds the data cannot be deleted by an edit or pulumi destroy. Default true."
    )
    retain_on_delete: bool = Field(
        False,
        description="What holds the data stays in the cloud when it leaves the program (or on pulumi destroy): "
        "forgotten, never deleted. Default false.",
    )


class FilestoreShareArgs(FilesystemArgs):
    """A Filestore instance with one file share, exported to its clients' ranges, and protected."""

    project: Input[NonEmptyText] = Field(description="The GCP project of the instance.")
    instance: FilestoreInstanceName = Field(description="The instance's id.")
    location: NonEmptyText = Field(description="Its zone (its region for REGIONAL and ENTERPRISE).")
    tier: Choice[FilestoreTier] = Field(FilestoreTier.BASIC_HDD, description="Its service tier. Default BASIC_HDD.")
    capacity_gb: PositiveCount = Field(description="The share's capacity in GiB, within its tier's ranges.")
    share: NonEmptyText = Field(description="The file share's name ([a-z][a-z0-9_]*, 16 at most on BASIC tiers).")
    protocol: Choice[FilesystemProtocol] = Field(
        FilesystemProtocol.NFS_V3, description="NFS_V3 (default) or NFS_V4_1 (not on BASIC tiers)."
    )
    network: Input[NonEmptyText] = Field(description="The VPC network its clients reach it in.")
    connect_mode: Choice[ConnectMode] = Field(ConnectMode.DIRECT_PEERING, description="How it joins the network.")
    clients: list[Client] = Field(
        default_factory=list, description="The CIDR ranges it exports to, read-write (default: its whole network)."
    )
    root_squash: bool = Field(False, description="Squash root on its clients (the directories volumes mount are made as root).")
    kms_key: Optional[Input[CliText]] = Field(None, description="A Cloud KMS key it encrypts with.")


class EfsFileSystemArgs(FilesystemArgs):
    """An encrypted EFS file system, backed up, with a mount target per subnet behind a security group admitting
    NFS from its clients only, and an access point per directory."""

    creation_token: EfsCreationToken = Field(description="Its creation token (and Name tag): its identity.")
    region: Optional[CliText] = Field(None, description="Its region. Default: the provider's.")
    vpc_id: Input[NonEmptyText] = Field(description="The VPC of its mount targets and security group.")
    subnets: list[NonEmptyText] = Field(description="A subnet per availability zone: a mount target each.")
    clients: list[Client] = Field(
        description="The security groups (sg-...) or CIDR ranges admitted to NFS (TCP 2049), and nothing else."
    )
    performance_mode: Choice[EfsPerformanceMode] = Field(
        EfsPerformanceMode.GENERAL_PURPOSE, description="generalPurpose (default) or maxIO."
    )
    throughput_mode: Choice[EfsThroughputMode] = Field(EfsThroughputMode.BURSTING, description="bursting (default) or elastic.")
    lifecycle: Optional[Choice[EfsTransition]] = Field(
        None, description="After how long unread files move to Infrequent Access (back on their first access)."
    )
    backup: bool = Field(True, description="AWS Backup's daily backups. Default true.")
    kms_key: Optional[Input[CliText]] = Field(None, description="A KMS key (ARN) it encrypts with.")


class AzureFileShareArgs(FilesystemArgs):
    """A premium Azure file share in a storage account of its own, without public network access, reached through a
    private endpoint; the account and the share are protected."""

    account: AzureAccountName = Field(description="The storage account created for the share.")
    resource_group: NonEmptyText = Field(description="The account's resource group.")
    location: NonEmptyText = Field(description="The account's location.")
    share: AzureShareName = Field(description="The file share's name.")
    quota_gb: PositiveCount = Field(description="The share's quota in GiB (100 to 102400).")
    protocol: Choice[FilesystemProtocol] = Field(FilesystemProtocol.NFS, description="nfs (default) or smb.")
    root_squash: bool = Field(False, description="NFS: squash root on clients.")
    subnet_id: Input[NonEmptyText] = Field(description="The subnet of the account's private endpoint.")
    private_dns_zone_id: Optional[Input[CliText]] = Field(
        None, description="The privatelink.file.core.windows.net zone the endpoint registers its address in."
    )


def _arg(key: str, size: str) -> str:
    return {"size": size}.get(key, key)


def _protocol_problems(protocol: str, kind: str) -> list[Problem]:
    if protocol in PROTOCOLS[kind]:
        return []
    return [Problem("protocol", f"must be {' or '.join(PROTOCOLS[kind])}")]


def filestore_share_problems(args: FilestoreShareArgs) -> tuple[None, list[Problem]]:
    found = _protocol_problems(args.protocol, "filestore")
    if not found:
        at = lambda key: _arg(key, "capacity_gb")  # noqa: E731
        found = list(
            filestore_problems(
                args.tier, args.share, args.protocol, args.location, args.capacity_gb, args.clients, args.root_squash, at
            )
        )
    return None, found


def efs_file_system_problems(args: EfsFileSystemArgs) -> tuple[None, list[Problem]]:
    found = [
        Problem(key, f"needs at least one: {why}")
        for key, why in (("subnets", "a mount target's subnet"), ("clients", "what its security group admits"))
        if not getattr(args, key)
    ]
    return None, [*found, *efs_problems(args.subnets, args.clients, lambda key: key)]


def azure_file_share_problems(args: AzureFileShareArgs) -> tuple[None, list[Problem]]:
    found = _protocol_problems(args.protocol, "azurefiles")
    if not found:
        at = lambda key: _arg(key, "quota_gb")  # noqa: E731
        found = list(azure_files_problems(args.account, args.quota_gb, args.protocol, args.root_squash, at))
    return None, found
