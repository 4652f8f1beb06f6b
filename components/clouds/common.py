"""What the cloud components share: their per-team outputs, the filesystems' per-directory outputs, and how the
stack program makes their args from its plan. No SDK here (their args are declared in the core:
`core/config/cloud_args.py`, `core/config/filesystem_args.py`)."""

from dataclasses import dataclass
from typing import Any, Callable, Mapping, Optional, Union

import pulumi

from ..args import typed_args
from ..core.clouds import identity_name
from ..core.config import cloud_args, filesystem_args
from ..core.config.catalog import FilesystemEntry
from ..core.config.stack import WorkloadIdentity
from ..core.model import CloudPlan, FilesystemPlan, PlannedBucket, TeamAccess, TeamCloudAccess
from ..outputs import mapping_output

CreatedBucketArgs = typed_args(cloud_args.CreatedBucketArgs)
GrantsArgs = typed_args(cloud_args.GrantsArgs)
ServiceAccountBindingArgs = typed_args(cloud_args.ServiceAccountBindingArgs)
DirectoryArgs = typed_args(filesystem_args.DirectoryArgs)


def team_outputs(
    identities: Mapping[str, pulumi.Input[str]],
    credentials: Mapping[str, pulumi.Input[Any]],
    annotations: Mapping[str, pulumi.Input[Any]],
) -> tuple[pulumi.Output[Any], pulumi.Output[Any], pulumi.Output[Any]]:
    """A cloud component's `identities`, `credentials` (secret, whatever the SDK marks) and
    `service_account_annotations`, each one Output of every team's."""
    return mapping_output(identities), pulumi.Output.secret(mapping_output(credentials)), mapping_output(annotations)


# --- the stack program's args for a cloud's component, from its plan ---------------------------------------


@dataclass(frozen=True)
class CloudContext:
    """What the clouds' components take from the stack besides the plan."""

    deployment: str
    """`<project>/<stack>`: what identity names derive from, so two stacks never share one."""
    rotation: Optional[str]
    """credentialsRotation."""
    workload_identity: WorkloadIdentity
    """cluster.workloadIdentity."""
    layout: Callable[[Any], Any]
    """A value of the stack's layout (what is planned from every key but the runs), as a secret Output when
    that holds a secret."""
    provider: Callable[[str], Any]
    """A provider setting (`gcp:project`), as a secret Output when it is one."""


def given(**values: Any) -> dict[str, Any]:
    """The args that are set (a component's optional args are left out rather than None)."""
    return {key: value for key, value in values.items() if value is not None}


def grants(access: TeamCloudAccess) -> dict[str, list[str]]:
    return {
        "read": [grant.bucket for grant in access.grants if not grant.writable],
        "write": [grant.bucket for grant in access.grants if grant.writable],
    }


def service_account(team: TeamAccess) -> dict[str, str]:
    return {"namespace": team.namespace, "service_account": team.service_account}


def team_args(
    cloud: CloudPlan, context: CloudContext, identity_key: str, binding: Callable[[TeamAccess], dict[str, str]]
) -> dict[str, dict[str, Any]]:
    """Each team's args: its identity's name (under `identity_key`), its grants, and its workload identity."""
    return {
        access.team.name: given(
            **{identity_key: identity_name(context.deployment, access.team.name)},
            workload_identity=binding(access.team) if access.workload_identity else None,
            **grants(access),
        )
        for access in cloud.teams
    }


def created_args(bucket: PlannedBucket, **options: Any) -> dict[str, Any]:
    """A bucket's args: whether it is created, and how (with its store's own `options`)."""
    return given(
        create=bucket.create,
        versioning=bucket.versioning,
        protect=bucket.protect,
        retain_on_delete=bucket.retain_on_delete,
        **options,
    )


def kept(
    parent: pulumi.Resource, spec: Union[cloud_args.CreatedBucketArgs, filesystem_args.FilesystemArgs]
) -> pulumi.ResourceOptions:
    """The options of what holds data: a created bucket (or account) and what hardens it, alike; a managed
    filesystem's storage.

    A bucket's companions (public access block, encryption, ownership, versioning, blob service properties) are
    protected and retained as their bucket is: an edit that removes a protected bucket fails on them too,
    before any is deleted, instead of deleting them first and leaving a public, unencrypted bucket behind."""
    return pulumi.ResourceOptions(parent=parent, protect=spec.protect, retain_on_delete=spec.retain_on_delete)


def bucket_args(cloud: CloudPlan, context: CloudContext, place: str) -> dict[str, dict[str, Any]]:
    """GCS and S3 buckets' args: where a created one goes (its `location` or `region`), and its key."""
    return {
        bucket.address.key: created_args(
            bucket, **{place: getattr(bucket, place)}, kms_key=context.layout(bucket.kms_key)
        )
        for bucket in cloud.buckets
    }


# --- managed filesystems -----------------------------------------------------------------------------------


def filesystem_common_args(plan: FilesystemPlan) -> dict[str, Any]:
    """What every managed filesystem's component takes from its plan (`FilesystemArgs`): its protection, its
    retention, and its directories, by the namespace whose volume mounts each."""
    entry = plan.item.entry
    assert isinstance(entry, FilesystemEntry)
    return {
        "protect": entry.protected,
        "retain_on_delete": entry.retained,
        "directories": {
            volume.namespace: {"path": volume.directory, "read_only": entry.read_only} for volume in plan.volumes
        },
    }


def filesystem_outputs(
    directories: Mapping[str, filesystem_args.DirectoryArgs],
    nfs_path: Callable[[str], pulumi.Input[str]],
    volume_handle: Callable[[str], pulumi.Input[str]],
    volume_attributes: Callable[[str], pulumi.Input[dict[str, str]]],
) -> tuple[pulumi.Output[dict[str, str]], pulumi.Output[dict[str, str]], pulumi.Output[dict[str, dict[str, str]]]]:
    """A filesystem component's `nfs_paths` (from each directory's path), `volume_handles` and `volume_attributes`
    (from each directory's key), each one Output of every directory's."""
    return (
        mapping_output({key: nfs_path(directory.path) for key, directory in directories.items()}),
        mapping_output({key: volume_handle(key) for key in directories}),
        mapping_output({key: volume_attributes(key) for key in directories}),
    )
