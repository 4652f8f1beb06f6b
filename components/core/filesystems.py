"""Managed filesystems and buckets mounted through CSI drivers: what the stack creates, and each namespace's
volume (docs/managed-storage.md).

Pure: from the catalog, the teams' namespaces and the clouds' plan to a
MountedStoragePlan, every problem at its config path. The cloud components
(`components/clouds/`) create the filesystems; NfsStorage and CsiStorage
make each namespace's PersistentVolume and claim; SharedDirectories makes the
namespaces' directories on a filesystem whose root only root can write.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Iterable, Mapping, Optional, Sequence

from ..conventions import NON_ROOT_UID
from .config.catalog import BucketAddress, BucketEntry, FilesystemEntry, bucket_address, entry_path
from .config.filesystems import DEFAULT_EFS_SIZE, filesystem_warnings
from .config.stack import StackConfig
from .errors import Problem, child
from .model import (
    CloudPlan,
    CsiBucketPlan,
    CsiSource,
    FilesystemPlan,
    MountedStoragePlan,
    MountedVolumePlan,
    NamedEntry,
    NamespacePlan,
    TeamAccess,
    TeamCloudAccess,
)
from .names import a, dns_label
from .namespaces import pair_names
from .stores import CLOUDS

DIRECTORIES_NAMESPACE = "polyaxon-storage-system"
"""Where the Jobs making filesystems' directories run (Pod Security baseline: they run as root)."""
BUCKET_CAPACITY = DEFAULT_EFS_SIZE
"""What a bucket's PersistentVolume and claim say of its capacity (a bucket has none: the API wants one)."""
# Mount options of filesystems attached by NFS (`attach: nfs`), as each cloud recommends them.
NFS_MOUNT_OPTIONS = {
    "NFS_V3": ("nfsvers=3", "hard"),
    "NFS_V4_1": ("nfsvers=4.1", "hard"),
    "efs": ("nfsvers=4.1", "rsize=1048576", "wsize=1048576", "hard", "timeo=600", "retrans=2", "noresvport"),
    "nfs": ("nfsvers=4.1", "sec=sys", "hard"),
}
RUN_OWNER = (f"uid={NON_ROOT_UID}", f"gid={NON_ROOT_UID}")
SMB_MOUNT_OPTIONS = (*RUN_OWNER, "dir_mode=0750", "file_mode=0640", "mfsymlinks", "nosharesock")
"""An SMB share has no POSIX owners: the mount gives its files to the runs' user."""
# What each cloud's FUSE client writes like, for the warnings on outputs mounted through CSI.
WRITE_SEMANTICS = {
    "gcs": "gcsfuse uploads a file when it is closed, the last writer winning, and renames by copying",
    "s3": "Mountpoint writes new files only, sequentially: no appends, random writes or renames, and a new directory "
    "is not seen until a file lands in it",
    "azure": "blobfuse2 uploads a file when it is closed, the last writer winning, and renames by copying",
}
GCS_OUTPUTS_GKE = "1.29.3-gke.1093000"
"""The gcsfuse sidecar runs as a native sidecar from this GKE version: before it, init containers cannot use the mount."""


def directories_script(root: str, owner: int, mode: str) -> str:
    """What makes the directories given as its arguments below `root`, owned by `owner` with `mode`: idempotent
    (`mkdir -p`, then the mode and owner of those directories only, never recursively). Mode before owner: root
    may chmod what it owns without CAP_FOWNER."""
    return (
        f'set -eu; for directory in "$@"; do target="{root}/$directory"; mkdir -p "$target"; '
        f'chmod {mode} "$target"; chown {owner}:{owner} "$target"; done'
    )


def identity(entry: FilesystemEntry) -> str:
    """What names a filesystem in its cloud: its Filestore instance, EFS creation token, or Azure storage account."""
    return entry.account if entry.filesystem == "azurefiles" and entry.account else entry.name


def nfs_mount_options(entry: FilesystemEntry) -> tuple[str, ...]:
    """The NFS mount options of a filesystem (what `mountOptions` replaces)."""
    return NFS_MOUNT_OPTIONS["efs" if entry.filesystem == "efs" else entry.protocol_name]


def mount_options(entry: FilesystemEntry) -> tuple[str, ...]:
    """The mount options of a filesystem's volumes: the entry's, else its attachment's."""
    if entry.mount_options is not None:
        return tuple(entry.mount_options)
    if not entry.nfs:
        return SMB_MOUNT_OPTIONS
    return nfs_mount_options(entry) if entry.attached == "nfs" else ()


def needs_directories(entry: FilesystemEntry) -> bool:
    """Whether the namespaces' directories are made by a Job: a root only root can write, reached by NFS
    (EFS access points and the SMB driver make theirs)."""
    return entry.nfs and not (entry.filesystem == "efs" and entry.attached == "csi")


def _granted_namespaces(item: NamedEntry, namespaces: Sequence[NamespacePlan]) -> list[tuple[NamespacePlan, tuple[str, ...]]]:
    """Each namespace granted an entry, with its teams granted it."""
    found = []
    for namespace in namespaces:
        teams = tuple(team.name for team in namespace.teams if item.name in team.granted(item.side))
        if teams:
            found.append((namespace, teams))
    return found


def plan_mounted_storage(
    config: StackConfig,
    teams: Sequence[TeamAccess],
    namespaces: Sequence[NamespacePlan],
    clouds: Sequence[CloudPlan],
    providers: Mapping[str, str],
    problems: list[Problem],
) -> MountedStoragePlan:
    """The managed filesystems and CSI-mounted buckets of a stack; the problems found are appended."""
    filesystems, csi_buckets = [], []
    for side, name, entry in config.persistence.entries():
        item = NamedEntry(side, name, entry)
        if isinstance(entry, FilesystemEntry):
            filesystems.append(_filesystem(item, namespaces, providers, problems))
        elif isinstance(entry, BucketEntry) and entry.csi:
            found = _csi_bucket(item, namespaces, clouds, problems)
            if found is not None:
                csi_buckets.append(found)
    problems.extend(_created_twice(filesystems))
    jobs = any(plan.directories_job for plan in filesystems)
    if jobs:
        problems.extend(
            Problem(team.key_path("namespace") if team.config_path else "namespace", f"{DIRECTORIES_NAMESPACE} is where the stack makes filesystems' directories: give the runs another namespace")
            for team in teams
            if team.namespace == DIRECTORIES_NAMESPACE
        )
    return MountedStoragePlan(tuple(filesystems), tuple(csi_buckets), DIRECTORIES_NAMESPACE if jobs else None)


def _filesystem(
    item: NamedEntry, namespaces: Sequence[NamespacePlan], providers: Mapping[str, str], problems: list[Problem]
) -> FilesystemPlan:
    entry = item.entry
    assert isinstance(entry, FilesystemEntry)
    granted = _granted_namespaces(item, namespaces)
    whole_share = entry.filesystem == "filestore" and entry.attached == "csi"
    if whole_share and len(granted) > 1:
        # The driver's volume handle names the share alone (modeInstance/<location>/<instance>/<share>), and the
        # kubelet takes volumes with one handle for one: a second namespace's pod on the same node fails to mount
        # (kubernetes-sigs/gcp-filestore-csi-driver#464).
        names = ", ".join(ns.name for ns, _ in granted)
        why = (
            "would see each other's outputs: attach it by nfs (each namespace gets its own directory)"
            if item.side == "outputs"
            else "would each get a volume of the same handle, which the kubelet takes for one volume (a pod of each "
            "on one node fails to mount): attach it by nfs (each namespace's volume is its own)"
        )
        problems.append(
            Problem(
                entry_path(item.side, item.name, "attach"),
                f"the Filestore CSI driver mounts the whole share, and namespaces {names} {why}",
            )
        )
    volumes = []
    for namespace, teams in granted:
        # Outputs get a directory per namespace (the whole share for the Filestore CSI driver); data the root, read-only.
        directory = namespace.name if item.side == "outputs" and not whole_share else ""
        claim_name, volume_name = pair_names(
            item,
            namespace.name,
            [entry.filesystem, identity(entry), entry.name, directory, entry.attached, entry.size or DEFAULT_EFS_SIZE,
             entry.read_only, list(mount_options(entry))],
        )  # fmt: skip
        volumes.append(MountedVolumePlan(namespace.name, claim_name, volume_name, directory, teams))
    job = None
    if item.side == "outputs" and volumes and needs_directories(entry):
        directories = sorted({volume.directory for volume in volumes})
        job = dns_label(json.dumps([entry.filesystem, identity(entry), directories]), prefix="dirs-")
    secret = None if entry.nfs else dns_label(identity(entry), prefix="azure-files-")
    return FilesystemPlan(item, tuple(volumes), job, secret, _settings(item, entry, providers, problems))


def _settings(item: NamedEntry, entry: FilesystemEntry, providers: Mapping[str, str], problems: list[Problem]) -> dict[str, str]:
    """The provider settings a filesystem needs; each missing one is a problem naming its key."""
    needed = {
        "filestore": ("gcp:project", "its instance lives in a GCP project"),
        "efs": ("aws:region", "its file system, mount targets and access points live in an AWS region"),
    }.get(entry.filesystem)
    if entry.filesystem == "azurefiles" and entry.location is None:
        needed = ("azure-native:location", "its storage account goes there (or give its location)")
    if needed is None:
        return {}
    key, why = needed
    if not providers.get(key):
        problems.append(
            Problem(key, f"required: {entry_path(item.side, item.name)} is {a(entry.filesystem + ' filesystem')} and {why}; "
                    f"set it with pulumi config set {key} <value>")
        )  # fmt: skip
        return {}
    return {key: providers[key]}


def _created_twice(filesystems: Iterable[FilesystemPlan]) -> list[Problem]:
    first: dict[tuple[str, str], str] = {}
    problems = []
    for plan in filesystems:
        entry = plan.item.entry
        assert isinstance(entry, FilesystemEntry)
        key = "account" if entry.filesystem == "azurefiles" else "name"
        where = entry_path(plan.item.side, plan.item.name)
        other = first.setdefault((entry.filesystem, identity(entry)), where)
        if other != where:
            problems.append(
                Problem(child(where, key), f"{identity(entry)} is created by {other} already: each filesystem is created by one entry")
            )
    return problems


# --- buckets mounted through CSI drivers -------------------------------------------------------------


def _csi_bucket(
    item: NamedEntry, namespaces: Sequence[NamespacePlan], clouds: Sequence[CloudPlan], problems: list[Problem]
) -> Optional[CsiBucketPlan]:
    entry = item.entry
    assert isinstance(entry, BucketEntry)
    address = bucket_address(entry.store, entry.bucket)
    cloud = next((plan for plan in clouds if plan.store == entry.store), None)
    if address is None or cloud is None or not entry.managed:
        return None  # the catalog says why
    bucket = next(planned for planned in cloud.buckets if planned.address.key == address.key)
    access = {found.team.name: found for found in cloud.teams}
    granted = _granted_namespaces(item, namespaces)
    keyed = sorted(team for _, teams in granted for team in teams if team in access and not access[team].workload_identity)
    if keyed and entry.store != "azure":
        wi = CLOUDS[entry.store].workload_identity
        problems.append(
            Problem(
                entry_path(item.side, item.name, "mount"),
                f"csi mounts with each pod's own cloud identity, and teams {', '.join(keyed)} reach {entry.store} with keys "
                f"({'gcsfuse needs workload identity' if entry.store == 'gcs' else 'driver-level keys would serve every volume'}): "
                f"add them to cluster.workloadIdentity.{wi}",
            )
        )
    volumes = []
    prefix = _prefix(entry.bucket)
    for namespace, teams in granted:
        if entry.store == "azure" and len(teams) > 1:
            problems.append(
                Problem(
                    entry_path(item.side, item.name, "mount"),
                    f"teams {', '.join(teams)} share namespace {namespace.name!r}, and an Azure Blob volume mounts with "
                    "one team's credentials: give them namespaces of their own, or grant the entry to one of them",
                )
            )
        team = teams[0]
        source = _csi_source(entry, bucket.resource_group, bucket.region, prefix, address, team, access.get(team))
        claim_name, volume_name = pair_names(
            item, namespace.name, [source.driver, address.key, prefix, sorted(source.volume_attributes.items()),
                                   list(source.mount_options), entry.read_only, team]
        )  # fmt: skip
        source = _with_handle(source, address, bucket.resource_group, volume_name)
        volumes.append((MountedVolumePlan(namespace.name, claim_name, volume_name, teams=teams), source))
    return CsiBucketPlan(item, address, tuple(volumes))


def _prefix(url: str) -> str:
    """The path a bucket URL names under its bucket (or container), without slashes at its ends."""
    return url.split("://", 1)[-1].partition("/")[2].strip("/")


def _csi_source(
    entry: BucketEntry,
    resource_group: Optional[str],
    region: Optional[str],
    prefix: str,
    address: BucketAddress,
    team: str,
    access: Optional[TeamCloudAccess],
) -> CsiSource:
    """A bucket's CSI source in one namespace (its handle comes from the volume's name: `_with_handle`)."""
    store = entry.store
    extra = tuple(entry.mount_options or ())
    driver = CLOUDS[store].bucket_csi_driver
    if store == "gcs":
        options = (*RUN_OWNER, *((f"only-dir={prefix}",) if prefix else ()))
        return CsiSource(driver, "", {}, (*options, *extra))
    if store == "s3":
        options = (*RUN_OWNER, "allow-other", f"region {region}", *((f"prefix {prefix}/",) if prefix else ()))
        writes = () if entry.read_only else ("allow-delete", "allow-overwrite")
        return CsiSource(driver, "", {"bucketName": address.name, "authenticationSource": "pod"}, (*options, *writes, *extra))
    attributes = {
        "storageAccount": str(address.account),
        "containerName": address.name,
        "resourceGroup": str(resource_group),
        "protocol": entry.protocol or "fuse2",
    }
    options = (*(f"-o {option}" for option in RUN_OWNER), *((f"--subdirectory={prefix}",) if prefix else ()))
    if access is not None and access.workload_identity:
        # The pod's ServiceAccount token, exchanged for the team identity's (clientID: wired by the program).
        return CsiSource(driver, "", {**attributes, "mountWithWorkloadIdentityToken": "true"}, (*options, *extra),
                         identity_team=team)  # fmt: skip
    secret = dns_label(f"{team}.{address.key}", prefix="blob-sas-")
    return CsiSource(driver, "", attributes, (*options, *extra), node_stage_secret=secret)


def _with_handle(source: CsiSource, address: BucketAddress, resource_group: Optional[str], volume_name: str) -> CsiSource:
    """The source with a volume handle unique across PersistentVolumes (the kubelet mounts one volume per handle)."""
    handle = {
        "gcsfuse.csi.storage.gke.io": f"{address.name}:{volume_name}",  # the driver drops what follows ':'
        "s3.csi.aws.com": volume_name,
    }.get(source.driver, f"{resource_group}#{address.account}#{address.name}#{volume_name}")
    return replace(source, volume_handle=handle)


# --- what the plan means for runs and for the platform engineer ---------------------------------------------


def mounted_warnings(config: StackConfig, plan: MountedStoragePlan) -> list[Problem]:
    """What the managed filesystems and CSI-mounted buckets allow but a platform engineer should hear about."""
    warnings = []
    for side, name, entry in config.persistence.entries():
        if isinstance(entry, FilesystemEntry):
            warnings.extend(filesystem_warnings(entry, entry_path(side, name)))
    for bucket in plan.csi_buckets:
        entry = bucket.item.entry
        assert isinstance(entry, BucketEntry)
        if bucket.item.side != "outputs" or entry.read_only:
            continue
        gke = (
            f"; runs' outputs directories are made by an init container, which reaches the mount on GKE "
            f"{GCS_OUTPUTS_GKE} or later only (the gcsfuse sidecar as a native sidecar)"
            if entry.store == "gcs"
            else ""
        )
        warnings.append(
            Problem(
                entry_path(bucket.item.side, bucket.item.name, "mount"),
                f"runs write their outputs through a FUSE client: {WRITE_SEMANTICS[entry.store]}{gke}",
            )
        )
    return warnings


def node_secret_problems(teams: Iterable[TeamAccess], plan: MountedStoragePlan) -> list[Problem]:
    """A team may not load the Secret volumes it is not granted mount with (an Azure Blob SAS, an SMB share's key)."""
    owners: dict[tuple[str, str], tuple[str, ...]] = {}  # (namespace, Secret) -> the teams granted what it opens
    for filesystem in plan.filesystems:
        for volume in filesystem.volumes:
            if filesystem.node_stage_secret:
                owners[volume.namespace, filesystem.node_stage_secret] = volume.teams
    for bucket in plan.csi_buckets:
        for volume, source in bucket.volumes:
            if source.node_stage_secret:
                owners[volume.namespace, source.node_stage_secret] = volume.teams[:1]
    problems = []
    for team in teams:
        for index, name in enumerate(team.bounds.secret_refs):
            allowed = owners.get((team.namespace, name))
            if allowed is not None and team.name not in allowed:
                problems.append(
                    Problem(
                        f"{team.key_path('secretRefs')}[{index}]",
                        f"{name!r} holds what the volumes of {', '.join(allowed)} mount with, which {team.describe()} "
                        "is not granted: its runs may not load it",
                    )
                )
    return problems
