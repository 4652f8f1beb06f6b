"""Managed filesystems and buckets mounted through CSI drivers, in the catalog's vocabulary (docs/managed-storage.md).

Two parts of catalog entries, declared once here and mixed into the catalog's
entry models (`catalog.py`), with the rules of one entry:

- `FilesystemOptions`: an entry the stack creates a shared filesystem for
  (`filesystem: filestore | efs | azurefiles`, `create: true`), with the
  options of every filesystem; an option of another filesystem is a problem
  that names the filesystems taking it, never "unknown key".
- `BucketMountOptions`: `mount: csi` on a bucket entry, with its `mountPath`,
  `mountOptions` and (Azure) `protocol`.

What each option means for the cloud and the cluster is planned in
`core/filesystems.py`.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated, Any, Callable, Iterator, Optional

from pydantic import AfterValidator, BeforeValidator, Field

from ..declare import Model
from ..enums import (
    Attach,
    BlobProtocol,
    BucketMount,
    Choice,
    ConnectMode,
    EfsPerformanceMode,
    EfsThroughputMode,
    EfsTransition,
    Filesystem,
    FilesystemProtocol,
    FilestoreTier,
)
from ..errors import Problem, child
from ..names import a
from ..resources import parse_quantity
from ...conventions import NON_ROOT_UID
from .fields import Capacity, CliText, MountPath, NonEmptyText, cli_text

GIB = 2**30
DEFAULT_EFS_SIZE = "1Ti"
"""An EFS file system is elastic: its PersistentVolumes and claims say this much unless `size` says otherwise."""


def _cidr(value: str) -> str:
    try:
        ipaddress.ip_network(value, strict=True)
    except ValueError:
        raise ValueError(f"{value!r} is not a CIDR range (such as 10.8.0.0/14)") from None
    return value


SECURITY_GROUP_ID = re.compile(r"sg-[0-9a-f]{8,17}")


def _client(value: str) -> str:
    """A security group id (EFS: Filestore refuses it), else a CIDR range."""
    if SECURITY_GROUP_ID.fullmatch(value):
        return value
    try:
        return _cidr(value)
    except ValueError:
        raise ValueError(f"{value!r} is neither a CIDR range (such as 10.8.0.0/14) nor a security group id (sg-...)") from None


Client = Annotated[str, BeforeValidator(cli_text), AfterValidator(_client)]


class FilesystemOptions(Model):
    """What a managed filesystem entry may say: the options of every filesystem, each checked to be one of its own."""

    filesystem: Choice[Filesystem] = Field(description="The filesystem the stack creates: filestore, efs or azurefiles.")
    create: bool = Field(False, description="Must be true: the stack creates it (an existing export is an nfs: entry).")
    name: NonEmptyText = Field(
        description="Its name in the cloud (Filestore instance, EFS creation token, Azure share): renaming the entry "
        "changes nothing."
    )
    size: Optional[Capacity] = Field(
        None, description="Its capacity (filestore, azurefiles: required, whole GiB); efs: of its volumes only (1Ti)."
    )
    attach: Optional[Choice[Attach]] = Field(
        None, description="How volumes reach it: nfs or csi (default nfs; efs csi; azurefiles smb csi)."
    )
    mount_options: Optional[list[CliText]] = Field(
        None, description="Mount options of its volumes (default: the filesystem's recommended NFS options)."
    )
    protect: Optional[bool] = Field(None, description="It cannot be deleted by an edit or pulumi destroy (default true).")
    retain_on_delete: Optional[bool] = Field(
        None, description="It stays in the cloud when it leaves the stack (or on pulumi destroy): forgotten, never deleted."
    )
    location: Optional[CliText] = Field(
        None, description="filestore: its zone (its region for REGIONAL, ENTERPRISE); azurefiles: its account's "
        "location (default azure-native:location)."
    )
    clients: list[Client] = Field(
        default_factory=list,
        description="filestore: the CIDR ranges it exports to (default: its whole network); efs: the security groups "
        "or CIDR ranges admitted to NFS (port 2049).",
    )
    kms_key: Optional[CliText] = Field(None, description="filestore, efs: a customer-managed key it encrypts with.")
    protocol: Optional[Choice[FilesystemProtocol]] = Field(
        None, description="filestore: NFS_V3 (default) or NFS_V4_1; azurefiles: nfs (default) or smb."
    )
    root_squash: Optional[bool] = Field(
        None, description="filestore, azurefiles (nfs): squash root on clients (data only: outputs' directories are made as root)."
    )
    network: Optional[CliText] = Field(None, description="filestore: the VPC network its clients are in.")
    connect_mode: Optional[Choice[ConnectMode]] = Field(
        None, description="filestore: DIRECT_PEERING (default) or PRIVATE_SERVICE_ACCESS."
    )
    tier: Optional[Choice[FilestoreTier]] = Field(None, description="filestore: its service tier (default BASIC_HDD).")
    share: Optional[CliText] = Field(
        None, description="filestore: its file share (default: name, '-' as '_'; [a-z][a-z0-9_]*, 16 on BASIC tiers)."
    )
    vpc_id: Optional[CliText] = Field(None, description="efs: the VPC of its mount targets and security group.")
    subnets: list[NonEmptyText] = Field(
        default_factory=list, description="efs: one subnet per availability zone its clients run in (a mount target each)."
    )
    performance_mode: Optional[Choice[EfsPerformanceMode]] = Field(
        None, description="efs: generalPurpose (default) or maxIO."
    )
    throughput_mode: Optional[Choice[EfsThroughputMode]] = Field(None, description="efs: bursting (default) or elastic.")
    lifecycle: Optional[Choice[EfsTransition]] = Field(
        None, description="efs: after how long unread files move to Infrequent Access (back on first access)."
    )
    backup: Optional[bool] = Field(None, description="efs: AWS Backup's daily backups (default true).")
    resource_group: Optional[CliText] = Field(None, description="azurefiles: the resource group of its account.")
    account: Optional[CliText] = Field(None, description="azurefiles: the storage account created for it.")
    subnet_id: Optional[CliText] = Field(None, description="azurefiles: the subnet of its private endpoint.")
    private_dns_zone_id: Optional[CliText] = Field(
        None, description="azurefiles: the privatelink.file.core.windows.net zone its endpoint registers in."
    )

    @property
    def attached(self) -> str:
        """How its volumes reach it."""
        if self.attach is not None:
            return self.attach
        smb = self.protocol == FilesystemProtocol.SMB.value
        return Attach.CSI.value if self.filesystem == Filesystem.EFS.value or smb else Attach.NFS.value

    @property
    def tier_name(self) -> str:
        return self.tier or FilestoreTier.BASIC_HDD.value

    @property
    def protocol_name(self) -> str:
        if self.protocol is not None:
            return self.protocol
        return FilesystemProtocol.NFS.value if self.filesystem == Filesystem.AZURE_FILES.value else FilesystemProtocol.NFS_V3.value

    @property
    def share_name(self) -> str:
        """filestore: its file share (its name, '-' written '_', unless `share` says)."""
        return self.share if self.share is not None else self.name.replace("-", "_")

    @property
    def size_gib(self) -> int:
        """Its capacity in GiB (rounded down: a size off whole GiB is a problem of its own)."""
        return int(parse_quantity(self.size or DEFAULT_EFS_SIZE) // GIB)

    @property
    def nfs(self) -> bool:
        """Served over NFS (every filesystem but an SMB share)."""
        return self.protocol_name != FilesystemProtocol.SMB.value


# Which filesystems take each option (as written in a stack config), besides the common ones.
FILESYSTEM_OPTIONS = {
    "location": ("filestore", "azurefiles"),
    "clients": ("filestore", "efs"),
    "kmsKey": ("filestore", "efs"),
    "protocol": ("filestore", "azurefiles"),
    "rootSquash": ("filestore", "azurefiles"),
    "network": ("filestore",),
    "connectMode": ("filestore",),
    "tier": ("filestore",),
    "share": ("filestore",),
    "vpcId": ("efs",),
    "subnets": ("efs",),
    "performanceMode": ("efs",),
    "throughputMode": ("efs",),
    "lifecycle": ("efs",),
    "backup": ("efs",),
    "resourceGroup": ("azurefiles",),
    "account": ("azurefiles",),
    "subnetId": ("azurefiles",),
    "privateDnsZoneId": ("azurefiles",),
}
PROTOCOLS = {
    "filestore": (FilesystemProtocol.NFS_V3.value, FilesystemProtocol.NFS_V4_1.value),
    "azurefiles": (FilesystemProtocol.NFS.value, FilesystemProtocol.SMB.value),
}
# What each filesystem cannot do without (the network its clients reach it through, where it goes).
REQUIRED = {
    "filestore": ("network", "location", "size"),
    "efs": ("vpcId", "subnets", "clients"),
    "azurefiles": ("resourceGroup", "account", "subnetId", "size"),
}
WHY_REQUIRED = {
    "network": "the VPC network its clients reach it in",
    "location": "the zone it goes in (its region for REGIONAL and ENTERPRISE)",
    "size": "its capacity, such as 1Ti",
    "vpcId": "the VPC of its mount targets",
    "subnets": "a subnet per availability zone its clients run in",
    "clients": "the security groups (or CIDR ranges) of the nodes that mount it: its security group admits them only",
    "resourceGroup": "the resource group of its storage account",
    "account": "the storage account created for it (3 to 24 lowercase letters and digits)",
    "subnetId": "the subnet of its private endpoint (its account has no public network access)",
}

# Names the clouds accept.
FILESTORE_INSTANCE = re.compile(r"[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?")
FILESTORE_SHARE = re.compile(r"[a-z][a-z0-9_]*")
EFS_TOKEN = re.compile(r"[A-Za-z0-9._-]{1,64}")
AZURE_SHARE = re.compile(r"(?!.*--)[a-z0-9][a-z0-9-]{1,61}[a-z0-9]")
AZURE_ACCOUNT = re.compile(r"[a-z0-9]{3,24}")
NAME_RULES = {
    "filestore": (FILESTORE_INSTANCE, "a Filestore instance id: a lowercase letter, then up to 62 lowercase letters, digits and '-'"),
    "efs": (EFS_TOKEN, "an EFS creation token: 1 to 64 letters, digits, '.', '_' and '-'"),
    "azurefiles": (AZURE_SHARE, "an Azure file share: 3 to 63 lowercase letters, digits and single '-'"),
}
GCP_ZONE = re.compile(r"[a-z]+-[a-z]+[0-9]+-[a-z]")
GCP_REGION = re.compile(r"[a-z]+-[a-z]+[0-9]+")
REGIONAL_TIERS = ("REGIONAL", "ENTERPRISE")
BASIC_TIERS = ("BASIC_HDD", "BASIC_SSD")
BASIC_SHARE_MAX, SHARE_MAX = 16, 63


# Filestore capacities, in GiB, by tier: (minimum, maximum, step) ranges, from GCP's service tiers.
FILESTORE_SIZES: dict[str, tuple[tuple[int, int, int], ...]] = {
    "BASIC_HDD": ((1024, 65434, 1),),
    "BASIC_SSD": ((2560, 65434, 1),),
    "ZONAL": ((1024, 9984, 256), (10240, 102400, 2560)),
    "REGIONAL": ((1024, 9984, 256), (10240, 102400, 2560)),
    "ENTERPRISE": ((1024, 10240, 256),),
    "HIGH_SCALE_SSD": ((10240, 102400, 2560),),
}
REGIONAL_SMALL_MIN = 100
"""REGIONAL instances from 100 GiB, in the regions that offer them: a warning, not a problem."""
AZURE_FILES_SIZES = ((100, 102400, 1),)
"""A premium (FileStorage) share's quota, in GiB."""


Where = Callable[[str], str]
"""Where a rule's value is written, by the rule's name for it (`size`, `share`, `root_squash`, ...): a catalog
entry's key, or a component's arg."""


def filesystem_problems(entry: FilesystemOptions, path: str, side: str) -> Iterator[Problem]:
    """The problems of one managed filesystem entry, each at its key under `path`."""
    kind = entry.filesystem
    given = entry.model_dump(by_alias=True, exclude_none=True, exclude_defaults=True)

    def at(key: str) -> str:
        return child(path, {"root_squash": "rootSquash"}.get(key, key))

    if not entry.create:
        yield Problem(
            at("create"),
            "required: true (the stack creates the filesystem); an existing NFS export is an nfs: entry "
            "({server, path}) instead",
        )
    for option, kinds in FILESYSTEM_OPTIONS.items():
        if option in given and kind not in kinds:
            yield Problem(at(option), f"does not apply to {a(kind)} filesystem: it is an option of {' and '.join(kinds)}")
    for option in REQUIRED[kind]:
        if option not in given:
            yield Problem(at(option), f"required for {a(kind)} filesystem: {WHY_REQUIRED[option]}")
    pattern, rule = NAME_RULES[kind]
    if not pattern.fullmatch(entry.name):
        yield Problem(at("name"), f"{entry.name!r} is not {rule}")
    if entry.protocol is not None and kind in PROTOCOLS and entry.protocol not in PROTOCOLS[kind]:
        yield Problem(at("protocol"), f"{a(kind)} filesystem serves {' or '.join(PROTOCOLS[kind])}")
        return  # the rules below read the protocol
    gib = None
    if entry.size is not None:
        if parse_quantity(entry.size) % GIB:
            yield Problem(at("size"), f"{entry.size} is not a whole number of GiB: write it in Gi or Ti, such as 1Ti")
        else:
            gib = entry.size_gib
    if not entry.nfs and entry.attach == Attach.NFS.value:
        yield Problem(at("attach"), "an SMB share is attached by the Azure File CSI driver: drop attach, or set it to csi")
    if entry.root_squash and side == "outputs":
        yield Problem(
            at("root_squash"),
            "an outputs filesystem gets a directory per namespace, made as root, which root squash refuses: drop "
            "rootSquash (its clients are limited already), or use it for a data entry",
        )
    if kind == "filestore":
        yield from filestore_problems(
            entry.tier_name, entry.share_name, entry.protocol_name, entry.location, gib, entry.clients,
            bool(entry.root_squash), at, share_from_name=entry.share is None,
        )  # fmt: skip
    elif kind == "efs":
        yield from efs_problems(entry.subnets, entry.clients, at)
    else:
        yield from azure_files_problems(entry.account, gib, entry.protocol_name, bool(entry.root_squash), at)


def filestore_problems(
    tier: str,
    share: str,
    protocol: str,
    location: Optional[str],
    gib: Optional[int],
    clients: list[str],
    root_squash: bool,
    at: Where,
    share_from_name: bool = False,
) -> Iterator[Problem]:
    """What Filestore would refuse: a share name, a protocol or a place its tier does not take, a capacity off its
    tier's ranges, a security group for a client, root squash for no range."""
    limit = BASIC_SHARE_MAX if tier in BASIC_TIERS else SHARE_MAX
    if not FILESTORE_SHARE.fullmatch(share) or len(share) > limit:
        where, said = ("name", f"its share {share!r} (from its name)") if share_from_name else ("share", f"share {share!r}")
        yield Problem(
            at(where),
            f"{said} is not a Filestore share name: a lowercase letter, then lowercase letters, digits and '_', at "
            f"most {limit} on {tier}{'; give share' if share_from_name else ''}",
        )
    if protocol == FilesystemProtocol.NFS_V4_1.value and tier in BASIC_TIERS:
        yield Problem(at("protocol"), f"NFS_V4_1 is not served by {tier}: use NFS_V3, or a ZONAL, REGIONAL or ENTERPRISE tier")
    if location is not None:
        regional = tier in REGIONAL_TIERS
        if regional and not GCP_REGION.fullmatch(location):
            yield Problem(at("location"), f"{a(tier)} instance goes in a region, such as europe-west1, not {location!r}")
        elif not regional and not GCP_ZONE.fullmatch(location):
            yield Problem(at("location"), f"{a(tier)} instance goes in a zone, such as europe-west1-b, not {location!r}")
    if gib is not None and not (tier == "REGIONAL" and REGIONAL_SMALL_MIN <= gib < FILESTORE_SIZES["REGIONAL"][0][0]):
        yield from _size_problems(gib, FILESTORE_SIZES[tier], at("size"), f"{a(tier)} Filestore instance")
    for index, client in enumerate(clients):
        if SECURITY_GROUP_ID.fullmatch(client):
            yield Problem(f"{at('clients')}[{index}]", f"{client!r} is a security group: Filestore exports to CIDR ranges")
    yield from _repeated(clients, at("clients"), "each range is exported once")
    if root_squash and not clients:
        yield Problem(at("root_squash"), "squashes root for the clients' ranges: list them in clients")


def efs_problems(subnets: list[str], clients: list[str], at: Where) -> Iterator[Problem]:
    """What EFS would refuse: two mount targets in one subnet; and a client listed twice."""
    yield from _repeated(subnets, at("subnets"), "a subnet has one mount target")
    yield from _repeated(clients, at("clients"), "each client is admitted once")


def azure_files_problems(account: Optional[str], gib: Optional[int], protocol: str, root_squash: bool, at: Where) -> Iterator[Problem]:
    """What Azure would refuse: an account name, a premium share's quota, root squash on an SMB share."""
    if account is not None and not AZURE_ACCOUNT.fullmatch(account):
        yield Problem(at("account"), f"{account!r} is not a storage account name: 3 to 24 lowercase letters and digits")
    if gib is not None:
        yield from _size_problems(gib, AZURE_FILES_SIZES, at("size"), "a premium Azure file share")
    if root_squash and protocol == FilesystemProtocol.SMB.value:
        yield Problem(at("root_squash"), "applies to NFS shares only: drop it, or use protocol nfs")


def _size_problems(gib: int, ranges: tuple[tuple[int, int, int], ...], path: str, what: str) -> Iterator[Problem]:
    if any(low <= gib <= high and (gib - low) % step == 0 for low, high, step in ranges):
        return
    said = ", ".join(
        f"{low} to {high} GiB" + (f" in steps of {step} GiB" if step > 1 else "") for low, high, step in ranges
    )
    yield Problem(path, f"{gib} GiB does not fit {what}: {said}")


def _repeated(values: list[str], path: str, why: str) -> Iterator[Problem]:
    for index, value in enumerate(values):
        if values.index(value) != index:
            yield Problem(f"{path}[{index}]", f"{value!r} is listed more than once: {why}")


def filesystem_warnings(entry: FilesystemOptions, path: str) -> Iterator[Problem]:
    """What a filesystem entry allows but its owner should hear about."""
    if entry.filesystem == "filestore" and entry.tier_name == "REGIONAL" and entry.size is not None:
        if REGIONAL_SMALL_MIN <= entry.size_gib < FILESTORE_SIZES["REGIONAL"][0][0]:
            yield Problem(
                child(path, "size"),
                f"{entry.size_gib} GiB: REGIONAL instances under 1 TiB are offered in some regions only; pulumi up "
                "fails where it is not",
            )


# --- buckets mounted through CSI drivers -------------------------------------------------------------


class BucketMountOptions(Model):
    """How runs reach a bucket entry: through its URL (the default), or mounted by its cloud's CSI driver."""

    mount: Optional[Choice[BucketMount]] = Field(
        None, description="url (default: the URL and credentials in the env) or csi (mounted at mountPath)."
    )
    mount_path: Optional[MountPath] = Field(None, description="With mount: csi, where runs see the bucket.")
    mount_options: Optional[list[CliText]] = Field(
        None, description="With mount: csi, more options of its FUSE client (not those the stack sets)."
    )
    protocol: Optional[Choice[BlobProtocol]] = Field(None, description="azure, with mount: csi: fuse2 (the default).")

    @property
    def csi(self) -> bool:
        return self.mount == BucketMount.CSI.value


# The mount options the stack sets for each store's CSI driver, by option name.
CSI_SET_OPTIONS = {
    "gcs": ("uid", "gid", "only-dir"),
    "s3": ("uid", "gid", "allow-other", "allow-root", "region", "prefix", "allow-delete", "allow-overwrite", "read-only"),
    "azure": ("uid", "gid", "subdirectory"),
}


def option_name(option: str) -> str:
    """A FUSE client option's name: `-o uid=1` is uid, `--region eu-west-1` region, `allow-other` allow-other."""
    text = option.strip().lstrip("-")
    if text.startswith("o ") or text.startswith("o\t"):
        text = text[1:].strip()
    return re.split(r"[=\s]", text, maxsplit=1)[0]


def bucket_mount_problems(entry: Any, path: str) -> Iterator[Problem]:
    """The problems of a bucket entry's `mount` options (`entry`: a catalog BucketEntry)."""
    if not entry.csi:
        for option, field in (("mountPath", "mount_path"), ("mountOptions", "mount_options"), ("protocol", "protocol")):
            if getattr(entry, field) is not None:
                yield Problem(child(path, option), "applies to a bucket mounted as a directory: add mount: csi, or drop it")
        return
    if entry.mount_path is None:
        yield Problem(child(path, "mountPath"), "required with mount: csi: where runs see the bucket")
    if not entry.managed:
        yield Problem(
            child(path, "mount"),
            "csi needs credentials: managed (or create: true): the stack grants each team's identity the bucket, "
            "which the CSI driver mounts it with",
        )
    if entry.protocol is not None and entry.store != "azure":
        yield Problem(child(path, "protocol"), "applies to an azure bucket: drop it")
    elif entry.protocol == BlobProtocol.NFS.value:
        yield Problem(
            child(path, "protocol"),
            "nfs is not supported yet (it needs an account made with HNS and NFSv3, and has no identity): use fuse2",
        )
    for index, option in enumerate(entry.mount_options or []):
        name = option_name(option)
        if name in CSI_SET_OPTIONS[entry.store]:
            yield Problem(
                child(path, f"mountOptions[{index}]"),
                f"{name} is set by the stack (runs read and write as {NON_ROOT_UID}, at the bucket's path, with its region "
                "and read-only mode): drop it",
            )
