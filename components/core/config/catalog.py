"""The storage catalog (`persistence`), in Polyaxon's Helm vocabulary.

Each entry is exactly one kind, told apart by the key it carries: `hostPath`,
`existingClaim`, `nfs`, a bucket (`store` + `bucket`), or a filesystem the
stack creates (`filesystem`: `filesystems.py`). Parsing is strict:
unknown keys and keys of another kind are errors, never silently ignored.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Iterator, Literal, Optional, Union

from pydantic import BaseModel, BeforeValidator, Discriminator, Field, Tag, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from ..buckets import InvalidBucketUrl, created_url_problem, parse_bucket_url
from ..declare import Input, Model, Spelling
from ..enums import AccessMode, Choice, OutputsSelection, Store
from ..errors import TAG_MARKER, Problem
from ..mounts import host_path_problem, mounts_problems
from ..names import a
from .chart import CHART_VOLUMES, ChartLogs, ChartStore, ChartVolume, ChartVolumeOnly
from .filesystems import (
    BucketMountOptions,
    FilesystemOptions,
    bucket_mount_problems,
    filesystem_problems,
)
from .fields import (
    AbsolutePath,
    Capacity,
    CliText,
    MountPath,
    NonEmptyText,
    ObjectName,
    Rfc3339Time,
    SecretKey,
    url_of_store,
)
from .pod import NodeSelectorMap

Side = Literal["data", "outputs"]
SIDES: tuple[Side, ...] = ("data", "outputs")



class EntryBase(Model):
    read_only: bool = Field(False, description="Mount (or grant) read-only.")
    default: bool = Field(False, description="The default outputs entry (outputs side only).")


class VolumeEntry(EntryBase):
    mount_path: MountPath = Field(description="Where runs see the volume.")


class HostPathEntry(VolumeEntry):
    kind: Literal["hostPath"] = Field("hostPath", exclude=True)
    host_path: AbsolutePath = Field(description="Directory on the node.")
    node_selector: NodeSelectorMap = Field(
        default_factory=dict,
        description="Node labels the data lives on; runs mounting it are pinned there.",
    )


# Modes whose volume one node at a time can mount.
SINGLE_NODE_MODES = ("ReadWriteOnce", "ReadWriteOncePod")


class ExistingClaimEntry(VolumeEntry):
    kind: Literal["existingClaim"] = Field("existingClaim", exclude=True)
    existing_claim: ObjectName = Field(description="Claim in the run's namespace.")
    access_mode: Optional[Choice[AccessMode]] = Field(
        None, description="The claim's access mode, for sharing warnings."
    )


class NfsExport(Model):
    """An NFS server's exported directory."""

    server: Input[NonEmptyText] = Field(description="NFS server address or host name.")
    path: Input[AbsolutePath] = Field(description="The exported directory.")


DEFAULT_NFS_MOUNT_OPTIONS = ("nfsvers=4.1", "hard")


class NfsVolume(Model):
    """What the PersistentVolume of an NFS export says of it."""

    size: Capacity = Field(description="Capacity of the volume and its claim, such as 500Gi.")
    mount_options: list[CliText] = Field(
        default_factory=lambda: list(DEFAULT_NFS_MOUNT_OPTIONS),
        description="NFS mount options (not checked by the API: a wrong one fails the mount). Default nfsvers=4.1, hard.",
    )


class NfsEntry(VolumeEntry, NfsVolume):
    kind: Literal["nfs"] = Field("nfs", exclude=True)
    nfs: NfsExport


class Kept:
    """What holds data when the stack creates it (a bucket, a filesystem): `protect` unless it says false, and
    retained (`retainOnDelete`) only when it says true. Each entry declares the two fields, in its own words."""

    @property
    def protected(self) -> bool:
        return self.protect is not False  # type: ignore[attr-defined]

    @property
    def retained(self) -> bool:
        return self.retain_on_delete is True  # type: ignore[attr-defined]


class FilesystemEntry(VolumeEntry, FilesystemOptions, Kept):
    kind: Literal["filesystem"] = Field("filesystem", exclude=True)


class BucketEntry(EntryBase, BucketMountOptions, Kept):
    kind: Literal["bucket"] = Field("bucket", exclude=True)
    store: Choice[Store]
    bucket: str = Field(description="Bucket URL: gs://, s3:// or wasbs://.")

    @field_validator("bucket")
    @classmethod
    def _bucket_url(cls, url: str, info: ValidationInfo) -> str:
        return url_of_store(url, info)
    secret: Optional[ObjectName] = Field(None, description="Secret holding the credentials.")
    secret_key: Optional[SecretKey] = Field(None, description="Key in that secret.")
    create: bool = Field(False, description="The stack creates the bucket (and protects it).")
    credentials: Optional[Literal["managed"]] = Field(
        None, description="managed: the stack makes the identities, grants and Secrets (the default with create)."
    )
    location: Optional[CliText] = Field(None, description="gcs, azure: where the created bucket (or account) lives.")
    region: Optional[CliText] = Field(None, description="s3: the created bucket's region (default: aws:region).")
    resource_group: Optional[CliText] = Field(
        None, description="azure: the resource group of the storage account."
    )
    sas_expiry: Optional[Rfc3339Time] = Field(
        None, description="azure: when the SAS in the managed Secret expires (RFC 3339)."
    )
    versioning: Optional[bool] = Field(None, description="Keep object versions of the created bucket (default true).")
    protect: Optional[bool] = Field(None, description="The created bucket cannot be deleted by an edit (default true).")
    retain_on_delete: Optional[bool] = Field(
        None, description="The created bucket stays in the cloud when it leaves the stack: forgotten, never deleted."
    )
    kms_key: Optional[CliText] = Field(None, description="gcs, s3: a customer-managed key.")

    @property
    def managed(self) -> bool:
        """The stack makes this bucket's credentials (asked for, or the default of a bucket it creates)."""
        return self.credentials == "managed" or self.create

    @property
    def keeps_versions(self) -> bool:
        return self.versioning is not False


@dataclass(frozen=True)
class BucketAddress:
    """Where a bucket URL points: a GCS or S3 bucket, or an Azure account's container."""

    store: str
    name: str
    """The bucket (gcs, s3) or the container (azure)."""
    account: Optional[str] = None
    """azure: the storage account."""
    host: Optional[str] = None
    """azure: the account's blob endpoint host (`<account>.blob.core.windows.net`)."""

    @property
    def key(self) -> str:
        """One text per bucket (or container) of a store."""
        return f"{self.account}/{self.name}" if self.account else self.name


def bucket_address(store: str, url: str) -> Optional[BucketAddress]:
    """The bucket a URL names (None when it names none: a problem of its entry, buckets.py)."""
    try:
        parsed = parse_bucket_url(store, url)
    except InvalidBucketUrl:
        return None
    return BucketAddress(store, parsed.bucket, parsed.account, parsed.host)


Entry = Union[HostPathEntry, ExistingClaimEntry, NfsEntry, BucketEntry, FilesystemEntry]
KIND_KEYS = {
    "hostPath": "hostPath", "existingClaim": "existingClaim", "nfs": "nfs", "store": "bucket", "bucket": "bucket",
    "filesystem": "filesystem",
}  # fmt: skip
KIND_HELP = "hostPath, existingClaim, nfs, a bucket (store + bucket), or a filesystem the stack creates"


def _entry_kind(value: Any) -> Optional[str]:
    if isinstance(value, BaseModel):
        return TAG_MARKER + value.kind  # type: ignore[attr-defined]
    kinds = sorted({KIND_KEYS[key] for key in value if key in KIND_KEYS}) if isinstance(value, dict) else []
    return TAG_MARKER + kinds[0] if len(kinds) == 1 else None


def _exactly_one_kind(value: Any) -> Any:
    if isinstance(value, dict):
        kinds = sorted({KIND_KEYS[key] for key in value if key in KIND_KEYS})
        if not kinds:
            raise PydanticCustomError("entry_kind", f"an entry needs exactly one kind: {KIND_HELP}")
        if len(kinds) > 1:
            raise PydanticCustomError(
                "entry_kind", f"an entry is exactly one kind, this one has {' and '.join(kinds)}"
            )
    elif not isinstance(value, BaseModel):
        raise PydanticCustomError("entry_kind", "an entry must be a mapping")
    return value


CatalogEntry = Annotated[
    Annotated[
        Union[
            Annotated[HostPathEntry, Tag(TAG_MARKER + "hostPath")],
            Annotated[ExistingClaimEntry, Tag(TAG_MARKER + "existingClaim")],
            Annotated[NfsEntry, Tag(TAG_MARKER + "nfs")],
            Annotated[BucketEntry, Tag(TAG_MARKER + "bucket")],
            Annotated[FilesystemEntry, Tag(TAG_MARKER + "filesystem")],
        ],
        Discriminator(_entry_kind),
    ],
    BeforeValidator(_exactly_one_kind),
]


# Polyaxon's chart defaults, used when a side of the catalog is left empty.
EMBEDDED_DEFAULT: dict[Side, dict[str, Entry]] = {
    "data": {"data": HostPathEntry.model_validate({"mountPath": "/data", "hostPath": "/tmp/data"})},
    "outputs": {
        "outputs": HostPathEntry.model_validate({"mountPath": "/outputs", "hostPath": "/tmp/outputs"})
    },
}


class Persistence(Model):
    """The catalog: named data and outputs entries."""

    data: dict[str, CatalogEntry] = Field(default_factory=dict)
    outputs: dict[str, CatalogEntry] = Field(default_factory=dict)
    outputs_selection: Choice[OutputsSelection] = Field(
        "first",
        description="How a run that names no outputs gets one: first writable by name, or a stable hash.",
    )
    # Polyaxon 0.6's platform volumes (chart.py): exported to 0.6, mounted in no run.
    logs: Optional[ChartLogs] = Field(None, description="Polyaxon 0.6's logs volume or store (export only).")
    repos: Optional[ChartVolumeOnly] = Field(None, description="Polyaxon 0.6's repos volume (export only).")
    upload: Optional[ChartVolumeOnly] = Field(None, description="Polyaxon 0.6's upload volume (export only).")

    def side(self, side: Side) -> dict[str, Entry]:
        """The entries of one side, the embedded default when it is empty."""
        return getattr(self, side) or EMBEDDED_DEFAULT[side]

    def entries(self) -> Iterator[tuple[Side, str, Entry]]:
        for side in SIDES:
            for name, entry in sorted(self.side(side).items()):
                yield side, name, entry

    def chart_volumes(self) -> Iterator[tuple[str, Union[ChartVolume, ChartStore]]]:
        """The 0.6 platform volumes given (logs, repos, upload), in the chart's order."""
        for key in CHART_VOLUMES:
            if getattr(self, key) is not None:
                yield key, getattr(self, key)


def is_mounted(entry: Entry) -> bool:
    """Whether runs mount the entry as a volume (every kind but a bucket reached through its URL)."""
    return isinstance(entry, VolumeEntry) or (isinstance(entry, BucketEntry) and entry.csi)


def entry_path(side: Side, name: str, key: str = "") -> str:
    """Config path of an entry, or of one of its keys."""
    return f"persistence.{side}.{name}" + (f".{key}" if key else "")


def catalog_problems(
    persistence: Persistence, writable_host_paths: tuple[str, ...] = (), refused_sides: frozenset[str] = frozenset()
) -> list[Problem]:
    """Rules that span entries, or that a single key's type cannot express.

    `writable_host_paths`: the stack's allowedWritableHostPaths, besides /tmp. `refused_sides`: sides refused
    for not being mappings: their entries are not known (nor is the embedded default standing for them).
    """
    entries = [(side, name, entry) for side, name, entry in persistence.entries() if side not in refused_sides]
    # Buckets mounted through their CSI driver have a mountPath too.
    volumes: list[tuple[Any, str]] = [(entry, entry_path(side, name)) for side, name, entry in entries if is_mounted(entry)]
    # Polyaxon 0.6's platform writes its logs, repos and uploads: each is held to the rules of a writable entry.
    chart = [(volume, f"persistence.{key}") for key, volume in persistence.chart_volumes() if isinstance(volume, ChartVolume)]
    problems: list[Problem] = mounts_problems(
        volumes + chart,
        Spelling.CONFIG,
        writable_host_paths,
        "allowedWritableHostPaths",
        "a run mounts data and outputs together" + (", and Polyaxon 0.6's logs, repos and upload share their rules" if chart else ""),
    )
    for volume, where in chart:
        # Neither claim nor hostPath: the chart mounts the node's directory at the mountPath itself.
        found = volume.node_path_is_mount_path and host_path_problem(
            volume.mount_path, volume.read_only, writable_host_paths, Spelling.CONFIG, "allowedWritableHostPaths"
        )
        if found:
            problems.append(Problem(f"{where}.mountPath", found))
    problems.extend(
        problem
        for key, volume in persistence.chart_volumes()
        if isinstance(volume, ChartStore)
        for problem in _secret_pair_problems(f"persistence.{key}", volume)
    )
    defaults = []
    for side, name, entry in entries:
        if entry.default:
            if side == "data":
                problems.append(
                    Problem(entry_path(side, name, "default"), "only an outputs entry can be the default; remove it")
                )
            elif entry.read_only:
                problems.append(
                    Problem(
                        entry_path(side, name, "default"),
                        "a read-only entry cannot be the default outputs; drop readOnly or default",
                    )
                )
            else:
                defaults.append(entry_path(side, name))
        if isinstance(entry, BucketEntry):
            problems.extend(_bucket_problems(side, name, entry))
            problems.extend(bucket_mount_problems(entry, entry_path(side, name)))
        elif isinstance(entry, FilesystemEntry):
            problems.extend(filesystem_problems(entry, entry_path(side, name), side))
    if len(defaults) > 1:
        problems.append(
            Problem("persistence.outputs", f"more than one entry is marked default: {', '.join(defaults)}; keep one")
        )
    return problems


def _bucket_problems(side: Side, name: str, entry: BucketEntry) -> Iterator[Problem]:
    # The name of a bucket the stack creates, by its cloud's rules for a new one (buckets.py; the URL's grammar
    # is its field's).
    found = created_url_problem(entry.store, entry.bucket) if entry.create else None
    if found is not None:
        yield Problem(entry_path(side, name, "bucket"), found)
    yield from _secret_pair_problems(entry_path(side, name), entry)
    yield from _bucket_option_problems(side, name, entry)


def _secret_pair_problems(where: str, entry: Union[BucketEntry, ChartStore]) -> Iterator[Problem]:
    """A bucket's secret and secretKey go together (its URL's grammar, and its secretKey's, are its fields')."""
    if (entry.secret is None) != (entry.secret_key is None):
        missing = "secretKey" if entry.secret_key is None else "secret"
        yield Problem(
            f"{where}.{missing}",
            "secret and secretKey go together: name the secret and the key holding the credentials",
        )


# Which stores take each option; the creation options apply only to a bucket the stack creates.
STORE_OPTIONS = {
    "location": ("gcs", "azure"),
    "region": ("s3",),
    "resourceGroup": ("azure",),
    "sasExpiry": ("azure",),
    "kmsKey": ("gcs", "s3"),
}
CREATION_OPTIONS = ("location", "region", "versioning", "protect", "retainOnDelete", "kmsKey")


def _bucket_option_problems(side: Side, name: str, entry: BucketEntry) -> Iterator[Problem]:
    """The creation and credentials options of one bucket entry, each checked where it is written."""
    given = entry.model_dump(by_alias=True, exclude_none=True, exclude_defaults=True)
    for option, stores in STORE_OPTIONS.items():
        if option in given and entry.store not in stores:
            why = (
                "the stack does not set customer-managed keys on Azure storage accounts; set it on the account yourself"
                if option == "kmsKey"
                else f"it is an option of {' and '.join(stores)} buckets"
            )
            yield Problem(entry_path(side, name, option), f"does not apply to {a(entry.store + ' bucket')}: {why}")
    for option in CREATION_OPTIONS:
        if option in given and not entry.create and entry.store in STORE_OPTIONS.get(option, (entry.store,)):
            yield Problem(
                entry_path(side, name, option),
                f"applies to a bucket the stack creates: add create: true, or drop {option}",
            )
    if entry.managed and entry.secret is not None:
        why = "credentials: managed" if entry.credentials else "create: true (its credentials are managed by default)"
        yield Problem(
            entry_path(side, name, "secret"),
            f"with {why} the stack makes the credentials and their Secret: drop secret and secretKey, "
            "or drop create and credentials to use your own Secret",
        )
    if entry.store == "azure":
        if entry.managed and entry.resource_group is None:
            yield Problem(
                entry_path(side, name, "resourceGroup"),
                "required with create or credentials: managed: the resource group of the storage account",
            )
        if entry.resource_group is not None and not entry.managed:
            yield Problem(
                entry_path(side, name, "resourceGroup"),
                "applies to a container the stack creates or manages credentials for: add create: true or "
                "credentials: managed, or drop resourceGroup",
            )
        if entry.sas_expiry is not None and not entry.managed:
            yield Problem(
                entry_path(side, name, "sasExpiry"),
                "applies to credentials the stack manages: add credentials: managed, or drop sasExpiry",
            )
