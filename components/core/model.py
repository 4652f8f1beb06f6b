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
        """What the run sees: the mountPath, or the bucket URL."""
        return self.entry.bucket if isinstance(self.entry, BucketEntry) else self.entry.mount_path


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
class V2CredentialsSecret:
    """A Secret in Polyaxon v2's credentials layout (export.md §4): one team's key to some of its managed
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
    """What a stack's `exports` adds to its plan (export.md §1, §4)."""

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
    exports: PlannedExports = field(default_factory=PlannedExports)
    """What its `exports` adds (nothing without them)."""
