"""The stack program's managed filesystems and CSI-mounted buckets: each filesystem's component, the Secrets their
volumes mount with, each namespace's volume and the Jobs making the namespaces' directories, wired through their
Outputs.

A filesystem's module (and with it its cloud's SDK) is imported here, and only
for a filesystem the plan has.
"""

from dataclasses import dataclass
from typing import Any, Mapping, Optional

import pulumi

from .clouds.common import CloudContext
from .clouds.wiring import RegisteredCloud, cloud_module
from .conventions import READ_ONLY, READ_WRITE
from .core.clouds import AKS_CLIENT_ID_ANNOTATION
from .core.config.catalog import BucketEntry, FilesystemEntry
from .core.filesystems import BUCKET_CAPACITY, DEFAULT_EFS_SIZE, identity, mount_options
from .core.model import FilesystemPlan, MountedStoragePlan
from .core.stores import FILESYSTEMS
from .k8s.csi import CsiStorage
from .k8s.directories import SharedDirectories
from .k8s.nfs import NfsStorage
from .k8s.team_namespace import TeamNamespace
from .outputs import gathered

__all__ = ["RegisteredFilesystems", "filesystems_output", "register_filesystems", "register_volumes", "volume_secrets"]

Volumes = dict[tuple[str, str, str], Any]
"""NfsStorage or CsiStorage per (namespace, side, entry)."""


@dataclass(frozen=True)
class RegisteredFilesystems:
    """The filesystems' components (FilestoreShare, EfsFileSystem, AzureFileShare), with the plan they registered."""

    plan: MountedStoragePlan
    components: dict[tuple[str, str], Any]
    """Component per (side, entry)."""

    def component(self, filesystem: FilesystemPlan) -> Any:
        return self.components[filesystem.item.side, filesystem.item.name]


def register_filesystems(plan: MountedStoragePlan, context: CloudContext) -> RegisteredFilesystems:
    """Each filesystem's component, from its cloud's module (imported with its SDK only here)."""
    components = {}
    for filesystem in plan.filesystems:
        entry = filesystem.item.entry
        assert isinstance(entry, FilesystemEntry)
        cloud = FILESYSTEMS[entry.filesystem]
        module = cloud_module(cloud, cloud.filesystem_module, f"{entry.filesystem} filesystems")
        component = getattr(module, cloud.filesystem_component)(identity(entry), module.stack_args(filesystem, context))
        components[filesystem.item.side, filesystem.item.name] = component
    return RegisteredFilesystems(plan, components)


def _azure(clouds: list[RegisteredCloud]) -> Optional[RegisteredCloud]:
    return next((cloud for cloud in clouds if cloud.plan.store == "azure"), None)


def volume_secrets(
    filesystems: RegisteredFilesystems, clouds: list[RegisteredCloud], namespace: str
) -> dict[str, dict[str, Any]]:
    """Secret name -> the Secret (as TeamNamespace takes it) that volumes in `namespace` mount with: an SMB share's
    account key, a container's SAS."""
    secrets: dict[str, dict[str, Any]] = {}
    for filesystem in filesystems.plan.filesystems:
        secret = filesystem.node_stage_secret
        for volume in filesystem.volumes:
            if secret and volume.namespace == namespace:
                account = identity(filesystem.item.entry)  # type: ignore[arg-type]
                secrets[secret] = {
                    "team": volume.teams[0],
                    "data": filesystems.component(filesystem).account_key.apply(
                        lambda key, account=account: {"azurestorageaccountname": account, "azurestorageaccountkey": key}
                    ),
                    "access": READ_WRITE,
                    "identity": f"key:{account}",
                }
    azure = _azure(clouds)
    for bucket in filesystems.plan.csi_buckets:
        for volume, source in bucket.volumes:
            if source.node_stage_secret is None or volume.namespace != namespace:
                continue
            assert azure is not None  # a container granted in key mode is on the Azure component
            team, key, account = volume.teams[0], bucket.address.key, str(bucket.address.account)
            writable = any(
                grant.writable for access in azure.plan.teams if access.team.name == team for grant in access.grants if grant.bucket == key
            )
            secrets[source.node_stage_secret] = {
                "team": team,
                "data": azure.component.sas_tokens.apply(
                    lambda tokens, team=team, key=key, account=account: {
                        "azurestorageaccountname": account,
                        "azurestorageaccountsastoken": tokens[team][key],
                    }
                ),
                "access": READ_WRITE if writable else READ_ONLY,
                "identity": f"sas:{key}",
            }
    return secrets


def register_volumes(
    filesystems: RegisteredFilesystems,
    clouds: list[RegisteredCloud],
    namespaces: Mapping[str, TeamNamespace],
    init_image: str,
    layout: Any,
) -> Volumes:
    """Each namespace's volume of each filesystem and CSI-mounted bucket, after the Jobs making its directories."""
    plan = filesystems.plan
    volumes: Volumes = {}
    system = None
    if plan.directories_namespace is not None:
        system = TeamNamespace(
            plan.directories_namespace,
            {"namespace": plan.directories_namespace, "teams": [], "pod_security": "baseline"},
        )
    for filesystem in plan.filesystems:
        entry = filesystem.item.entry
        assert isinstance(entry, FilesystemEntry)
        component = filesystems.component(filesystem)
        made_by: Optional[pulumi.Output[str]] = None
        if filesystem.directories_job is not None:
            assert system is not None
            made_by = SharedDirectories(
                filesystem.directories_job,
                {
                    "namespace": system.namespace,
                    "job_name": filesystem.directories_job,
                    "server": component.server,
                    "path": component.path,
                    "directories": list(filesystem.directories),
                    "image": init_image,
                },
            ).job_name

        def once_made(value: pulumi.Output[Any]) -> pulumi.Output[Any]:
            """A volume's source, known once the Job has made its directory (so is the volume, and its claim)."""
            return value if made_by is None else gathered(value, made_by).apply(lambda found: found[0])

        for volume in filesystem.volumes:
            common = {
                "namespace": namespaces[volume.namespace].namespace,
                "claim_name": volume.claim_name,
                "volume_name": volume.volume_name,
                "read_only": entry.read_only,
                "size": entry.size or DEFAULT_EFS_SIZE,
                "mount_options": list(mount_options(entry)),
            }
            key = volume.namespace
            if entry.attached == "nfs":
                made: Any = NfsStorage(
                    volume.volume_name,
                    {
                        **common,
                        "server": component.server,
                        "path": once_made(component.nfs_paths.apply(lambda paths, key=key: paths[key])),
                    },
                )
            else:
                secret = filesystem.node_stage_secret
                made = CsiStorage(
                    volume.volume_name,
                    {
                        **common,
                        "driver": FILESYSTEMS[entry.filesystem].filesystem_csi_driver,
                        "volume_handle": once_made(component.volume_handles.apply(lambda handles, key=key: handles[key])),
                        "volume_attributes": component.volume_attributes.apply(lambda found, key=key: found[key]),
                        **({"node_stage_secret": _secret(namespaces[key], secret)} if secret else {}),
                    },
                )
            volumes[volume.namespace, filesystem.item.side, filesystem.item.name] = made
    azure = _azure(clouds)
    for bucket in plan.csi_buckets:
        entry = bucket.item.entry
        assert isinstance(entry, BucketEntry)
        for volume, source in bucket.volumes:
            attributes: Any = layout(dict(source.volume_attributes))
            if source.identity_team is not None:
                assert azure is not None  # a container granted with workload identity is on the Azure component
                attributes = gathered(attributes, azure.component.service_account_annotations).apply(
                    lambda found, team=source.identity_team: {**found[0], "clientID": found[1][team][AKS_CLIENT_ID_ANNOTATION]}
                )
            volumes[volume.namespace, bucket.item.side, bucket.item.name] = CsiStorage(
                volume.volume_name,
                {
                    "namespace": namespaces[volume.namespace].namespace,
                    "claim_name": volume.claim_name,
                    "volume_name": volume.volume_name,
                    "read_only": entry.read_only,
                    "size": BUCKET_CAPACITY,
                    "driver": source.driver,
                    "volume_handle": layout(source.volume_handle),
                    "volume_attributes": attributes,
                    "mount_options": list(source.mount_options),
                    **(
                        {"node_stage_secret": _secret(namespaces[volume.namespace], source.node_stage_secret)}
                        if source.node_stage_secret
                        else {}
                    ),
                },
            )
    return volumes


def _secret(namespace: TeamNamespace, name: str) -> pulumi.Output[str]:
    """A Secret of a TeamNamespace, once it exists."""
    return namespace.secrets.apply(lambda secrets: secrets[name])


def filesystems_output(filesystems: RegisteredFilesystems, volumes: Volumes) -> dict[str, Any]:
    """The stack output `filesystems`: entry -> {kind, id, server, path, claims: {namespace: claim}, accessPoints}
    (a name on both sides as `<side>.<name>`)."""
    plan = filesystems.plan
    items = [*(filesystem.item for filesystem in plan.filesystems), *(bucket.item for bucket in plan.csi_buckets)]
    names = [item.name for item in items]
    found = {}
    for item in items:
        claims = {
            namespace: volume.claim_name for (namespace, side, name), volume in volumes.items() if (side, name) == (item.side, item.name)
        }
        entry = item.entry
        if isinstance(entry, FilesystemEntry):
            component = filesystems.components[item.side, item.name]
            value: dict[str, Any] = {
                "kind": entry.filesystem,
                "id": component.filesystem_id,
                "server": component.server,
                "path": component.path,
                "accessPoints": getattr(component, "access_points", {}),
            }
        else:
            assert isinstance(entry, BucketEntry)
            value = {"kind": entry.store, "id": entry.bucket, "server": None, "path": None, "accessPoints": {}}
        key = item.name if names.count(item.name) == 1 else f"{item.side}.{item.name}"
        found[key] = {**value, "claims": claims}
    return found
