"""The plan's data types: what the rules decide, and what the Pulumi shell registers.

A leaf of the core: it imports only the config models, so the rule modules
(resolve, namespaces, checks, plan, job) can all depend on it without
depending on each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
import json
from typing import Any, Mapping, Optional

from ..conventions import READ_ONLY, READ_WRITE
from .config.catalog import BucketAddress, BucketEntry, Entry, Side
from .config.run import JobTemplate, RunArgs, RunDefaults, TeamBounds
from .config.stack import StackConfig
from .declare import Spelling
from .errors import Problem
from .job import job_manifest
from .names import dns_label
from .settings import RunBounds
from .volumes import OutputsRef


@dataclass(frozen=True)
class TeamAccess:
    """A team's namespace and the entries it may use, each side in name order."""

    name: str
    namespace: str
    data: tuple[str, ...]
    outputs: tuple[str, ...]
    # Where the grants are written, for messages; empty for the implicit team.
    config_path: str = ""
    # Runs outside a restricted namespace may go beyond Pod Security baseline.
    allow_privileged: bool = False
    run_defaults: RunDefaults = field(default_factory=RunDefaults)
    """The team's `runDefaults` (none for the implicit team: the stack's apply)."""
    bounds: TeamBounds = field(default_factory=TeamBounds)
    """Its quota and the service accounts, secrets and config maps its runs may name."""

    @property
    def service_account(self) -> str:
        """The ServiceAccount the team's runs use, in its namespace."""
        return service_account_name(self.name)

    def granted(self, side: Side) -> tuple[str, ...]:
        return self.data if side == "data" else self.outputs

    def describe(self) -> str:
        return f"team {self.name!r}" if self.config_path else f"namespace {self.namespace!r}"

    def key_path(self, key: str) -> str:
        """Where one of the team's keys is written (the implicit team's sit at the top level)."""
        return f"{self.config_path}.{key}" if self.config_path else key

    def run_bounds(self) -> RunBounds:
        """What closes its runs' settings: its lists and quota, and its own ServiceAccount."""
        return RunBounds(
            self.bounds,
            lambda name: self.key_path(TeamBounds.spelled(name, Spelling.CONFIG)),
            self.service_account,
        )


SERVICE_ACCOUNT_PREFIX = "runs-"
"""What the ServiceAccounts the stack (a TeamNamespace) makes for teams are named with."""


def service_account_name(team: str) -> str:
    """The ServiceAccount a team's runs use: `runs-<team>`, a valid object name for any team name."""
    return dns_label(team, prefix=SERVICE_ACCOUNT_PREFIX)


@dataclass(frozen=True)
class NamedEntry:
    """A catalog entry with its side and name."""

    side: Side
    name: str
    entry: Entry

    @property
    def path(self) -> str:
        """What the run sees: the mountPath, or the URL of a bucket it does not mount."""
        entry = self.entry
        return entry.bucket if isinstance(entry, BucketEntry) and not entry.csi else entry.mount_path  # type: ignore[return-value]


@dataclass(frozen=True)
class RunPlan:
    """One run, resolved: its settings and mounts (RunTemplate's args for it), its team, and the earlier
    runs whose outputs it reads."""

    name: str
    args: RunArgs
    team: TeamAccess
    template: JobTemplate
    """What its Job shares with its team's: namespace, ServiceAccount, project and the stack's Job settings."""
    refs: tuple[OutputsRef, ...] = ()
    refs_path: str = ""
    """Where the outputs refs are written, for messages."""
    warnings: tuple[Problem, ...] = ()
    """What its Polyaxon file says that is not done."""

    def job(self) -> dict[str, Any]:
        """Its Job, as the `job` command prints it (the stack's RunTemplates build it from the same args)."""
        return job_manifest(self.name, self.args, self.template, self.refs)


@dataclass(frozen=True)
class NfsVolumePlan:
    """An NFS entry in one namespace: the PersistentVolume and claim the stack makes for it there."""

    item: NamedEntry
    namespace: str
    path: str
    """The directory of the export the volume mounts: the entry's, or its namespace's own below it."""
    claim_name: str
    volume_name: str


@dataclass(frozen=True)
class NamespacePlan:
    """One namespace: the teams whose runs go there and its Pod Security level."""

    name: str
    adopt: bool
    teams: tuple[TeamAccess, ...]
    pod_security: str
    # NFS entries granted to a team here: each gets a PersistentVolume and claim.
    nfs_volumes: tuple[NfsVolumePlan, ...]
    # Host-path entries granted here (what makes the namespace privileged).
    host_paths: tuple[NamedEntry, ...]
    container_defaults: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    """The LimitRange's container defaults: {"requests": {...}, "limits": {...}}."""
    quota: Optional[Mapping[str, str]] = None
    """The ResourceQuota's spec.hard, if its teams set one."""

    def claim_names(self) -> dict[tuple[str, str], str]:
        """The claim of each NFS entry here, by (side, entry)."""
        return {(volume.item.side, volume.item.name): volume.claim_name for volume in self.nfs_volumes}


@dataclass(frozen=True)
class BucketCredentials:
    """How a team's runs reach a bucket whose credentials the stack manages."""

    secret: Optional[str] = None
    """Key mode: the team's Secret for that cloud, in its namespace."""
    secret_key: Optional[str] = None
    """Key mode: the key of that Secret holding this bucket's credentials."""

    @property
    def workload_identity(self) -> bool:
        return self.secret is None


@dataclass(frozen=True)
class PlannedBucket:
    """A bucket (gcs, s3) or container (azure) the stack creates or manages credentials for."""

    address: BucketAddress
    entries: tuple[tuple[Side, str], ...]
    """The catalog entries naming it, by (side, name)."""
    create: bool = False
    location: Optional[str] = None
    """gcs: where it is created; azure: where its storage account is created."""
    region: Optional[str] = None
    """s3: its region (the entry's, else aws:region)."""
    resource_group: Optional[str] = None
    """azure: the resource group of its storage account."""
    versioning: bool = True
    protect: bool = True
    retain_on_delete: bool = False
    kms_key: Optional[str] = None
    sas_expiry: Optional[str] = None
    """azure, key mode: when the SAS of the team Secrets expires (UTC)."""


@dataclass(frozen=True)
class CloudGrant:
    bucket: str
    """The bucket's address key."""
    writable: bool


@dataclass(frozen=True)
class TeamCloudAccess:
    """What one team is granted on one cloud, and how its runs get there."""

    team: TeamAccess
    grants: tuple[CloudGrant, ...]
    secret: Optional[str]
    """Key mode: the Secret holding the team's credentials, in its namespace; None with workload identity."""

    @property
    def workload_identity(self) -> bool:
        return self.secret is None

    @property
    def access(self) -> str:
        """read-only when every grant is, else read-write (the credentials policy's annotation)."""
        return READ_WRITE if any(grant.writable for grant in self.grants) else READ_ONLY


@dataclass(frozen=True)
class CloudPlan:
    """One store's buckets that the stack creates or grants, and each team's access to them."""

    store: str
    buckets: tuple[PlannedBucket, ...]
    teams: tuple[TeamCloudAccess, ...]
    settings: Mapping[str, str] = field(default_factory=dict)
    """The provider settings it uses, by full key (gcp:project, ...)."""


@dataclass(frozen=True)
class MountedVolumePlan:
    """A managed filesystem or a bucket mounted through CSI, in one namespace: the PersistentVolume and claim the
    stack makes for it there."""

    namespace: str
    claim_name: str
    volume_name: str
    directory: str = ""
    """A filesystem: the namespace's own directory below its root ("": the root, read-only for data)."""
    teams: tuple[str, ...] = ()
    """The teams of the namespace granted the entry."""


@dataclass(frozen=True)
class FilesystemPlan:
    """A shared filesystem the stack creates for a catalog entry, and its volume in each namespace granted it."""

    item: NamedEntry
    volumes: tuple[MountedVolumePlan, ...]
    directories_job: Optional[str] = None
    """The Job making the namespaces' directories as the runs' user, when the filesystem needs one."""
    node_stage_secret: Optional[str] = None
    """An SMB share: the Secret, in each namespace granted it, holding the account's key its volumes mount with."""
    settings: Mapping[str, str] = field(default_factory=dict)
    """The provider settings it uses, by full key (gcp:project, ...)."""

    @property
    def directories(self) -> tuple[str, ...]:
        """The directories the Job makes (the namespaces' own)."""
        return tuple(sorted({volume.directory for volume in self.volumes}))


@dataclass(frozen=True)
class CsiSource:
    """How a CSI driver finds a volume: a PersistentVolume's `csi` source and mount options."""

    driver: str
    volume_handle: str
    volume_attributes: Mapping[str, str]
    mount_options: tuple[str, ...]
    node_stage_secret: Optional[str] = None
    """A Secret in the volume's namespace the driver mounts with (Azure Blob, key mode: the container's SAS)."""
    identity_team: Optional[str] = None
    """The team whose cloud identity the driver mounts with, when the source names it (AKS workload identity)."""


@dataclass(frozen=True)
class CsiBucketPlan:
    """A bucket entry mounted as a directory through its cloud's CSI driver: its volume in each namespace granted it."""

    item: NamedEntry
    address: BucketAddress
    volumes: tuple[tuple[MountedVolumePlan, CsiSource], ...]


@dataclass(frozen=True)
class MountedStoragePlan:
    """Managed filesystems and buckets mounted through CSI: what the stack creates, and the claims runs mount."""

    filesystems: tuple[FilesystemPlan, ...] = ()
    csi_buckets: tuple[CsiBucketPlan, ...] = ()
    directories_namespace: Optional[str] = None
    """Where the directory Jobs run (the stack creates it), when there are any."""

    def claims(self) -> dict[str, dict[tuple[str, str], str]]:
        """Namespace -> the claim of each entry there, by (side, entry)."""
        found: dict[str, dict[tuple[str, str], str]] = {}
        for item, volumes in [
            *((plan.item, plan.volumes) for plan in self.filesystems),
            *((plan.item, [volume for volume, _ in plan.volumes]) for plan in self.csi_buckets),
        ]:
            for volume in volumes:
                found.setdefault(volume.namespace, {})[item.side, item.name] = volume.claim_name
        return found


@dataclass(frozen=True)
class V2CredentialsSecret:
    """A Secret in Polyaxon v2's credentials layout (docs/export.md §4): one team's key to some of its managed
    buckets on one store, holding what v2's clients read."""

    name: str
    namespace: str
    team: str
    store: str
    access: str
    """read-only or read-write: the team's access on the store, as its credentials Secret there is annotated."""
    buckets: tuple[str, ...]
    """The buckets (address keys) whose connections name this Secret."""
    keys: tuple[str, ...]
    """Its keys."""
    key_file: bool = False
    """Its one key is the team's key file itself (gcs), mounted at `mount_path`; else its keys are those of the
    bucket's credentials (JSON), read as variables."""
    mount_path: Optional[str] = None
    """Where connections mount it (a key file); else it becomes envFrom."""
    region: Optional[str] = None
    """s3: the region of its buckets (AWS_REGION)."""

    def reference(self) -> dict[str, Any]:
        """The connection's `secret`."""
        return {"name": self.name, **({"mountPath": self.mount_path} if self.mount_path else {})}

    def data(self, files: Mapping[str, str]) -> dict[str, str]:
        """Its keys, from the team's credentials by bucket (a cloud component's `credentials[team]`). Its
        buckets share one key (gcs, s3: the team's; azure: one container's SAS), so the first one's serves."""
        text = files[self.buckets[0]]
        if self.key_file:
            (key,) = self.keys
            return {key: text}
        found = json.loads(text)
        return {key: found[key] for key in self.keys}


@dataclass(frozen=True)
class PlannedExports:
    """What a stack's `exports` adds to its plan (docs/export.md §1, §4)."""

    values: Mapping[str, Mapping[str, dict[str, Any]]] = field(default_factory=dict)
    """Format -> team (a stack without teams: its namespace) -> the Helm values of its namespace's Polyaxon:
    the stack output `polyaxonValues`."""
    secrets: tuple[V2CredentialsSecret, ...] = ()
    """With polyaxon-v2: every team's credentials in v2's layout, which the program registers."""
    providers: tuple[str, ...] = ()
    """The provider settings the values derive from (aws:region, when it names S3 Secrets by region)."""


@dataclass(frozen=True)
class StackPlan:
    config: StackConfig
    teams: tuple[TeamAccess, ...]
    namespaces: tuple[NamespacePlan, ...]
    runs: tuple[RunPlan, ...]
    # Allowed, but worth a platform engineer's attention.
    warnings: tuple[Problem, ...] = ()
    clouds: tuple[CloudPlan, ...] = ()
    """The clouds with buckets the stack creates or manages credentials for."""
    mounted: MountedStoragePlan = field(default_factory=MountedStoragePlan)
    """The managed filesystems and the buckets mounted through CSI."""
    exports: PlannedExports = field(default_factory=PlannedExports)
    """What its `exports` adds (nothing without them)."""
