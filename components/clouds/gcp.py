"""GcsBuckets: GCS buckets the stack creates, and per team a service account granted exactly its buckets.

Imported only by stacks with GCS buckets to create or grant: it loads pulumi_gcp.
"""

import base64
from typing import Any, Optional

import pulumi
import pulumi_gcp as gcp

from ..args import check, typed_args
from ..core.config import cloud_args
from ..core.model import CloudPlan
from ..outputs import gathered
from .common import (
    CloudContext,
    bucket_args,
    given,
    kept,
    service_account,
    team_args,
    team_outputs,
)

GKE_SERVICE_ACCOUNT_ANNOTATION = "iam.gke.io/gcp-service-account"
# `buckets.get` (Polyaxon's client calls get_bucket) is in neither object role: legacyBucketReader adds it.
READ_ROLES = ("roles/storage.objectViewer", "roles/storage.legacyBucketReader")
WRITE_ROLES = ("roles/storage.objectUser", "roles/storage.legacyBucketReader")
WORKLOAD_IDENTITY_USER = "roles/iam.workloadIdentityUser"


GcsBucketArgs = typed_args(cloud_args.GcsBucketArgs)
GcsTeamArgs = typed_args(cloud_args.GcsTeamArgs)
GcsBucketsArgs = typed_args(cloud_args.GcsBucketsArgs)


class GcsBuckets(pulumi.ComponentResource):
    """GCS buckets and least-privilege access to them: created buckets are private, versioned and protected;
    each team gets one service account granted exactly read or read-write on each of its buckets, and either a
    key (returned as `credentials`, a secret) or a GKE Workload Identity binding for its Kubernetes
    ServiceAccount. Nothing is granted project-wide.
    """

    bucket_names: pulumi.Output[list[str]]
    """The buckets' names; a created one's once it exists."""
    identities: pulumi.Output[dict[str, str]]
    """Team -> the email of its service account."""
    secret_outputs = ("credentials",)  # marked secret in the served schema (components/provider.py)
    credentials: pulumi.Output[dict[str, dict[str, str]]]
    """Team -> bucket -> the service account key file (JSON), for teams without workload identity. Secret."""
    service_account_annotations: pulumi.Output[dict[str, dict[str, str]]]
    """Team -> the annotations its Kubernetes ServiceAccount needs, for teams with workload identity."""

    def __init__(self, name: str, args: GcsBucketsArgs, opts: Optional[pulumi.ResourceOptions] = None):  # type: ignore[valid-type]
        super().__init__("polyaxon-storage:index:GcsBuckets", name, None, opts)
        checked = check("GcsBuckets", name, cloud_args.GcsBucketsArgs, args, cloud_args.gcs_problems)
        spec = checked.known
        project = checked.value(lambda args: args.project)
        child = pulumi.ResourceOptions(parent=self)
        names: dict[str, pulumi.Input[str]] = {}
        for bucket, bucket_spec in spec.buckets.items():
            kms_key = checked.value(lambda args, bucket=bucket: args.buckets[bucket].kms_key)
            names[bucket] = self._bucket(name, bucket, bucket_spec, project, kms_key).name if bucket_spec.create else bucket
        identities, credentials, annotations = {}, {}, {}
        for team, access in spec.teams.items():
            account = gcp.serviceaccount.Account(
                f"{name}/{team}",
                account_id=access.account_id,
                project=project,
                display_name=f"polyaxon-storage runs of team {team}",
                opts=child,
            )
            identities[team] = account.email
            write = set(access.write)
            granted = sorted(set(access.read) | write)
            for bucket in granted:
                for role in WRITE_ROLES if bucket in write else READ_ROLES:
                    gcp.storage.BucketIAMMember(
                        f"{name}/{team}/{bucket}/{role.rsplit('.', 1)[-1]}",
                        bucket=names.get(bucket, bucket),
                        role=role,
                        member=account.member,
                        opts=child,
                    )
            binding = access.workload_identity
            if binding is not None:
                gcp.serviceaccount.IAMMember(
                    f"{name}/{team}/workload-identity",
                    service_account_id=account.name,
                    role=WORKLOAD_IDENTITY_USER,
                    member=pulumi.Output.concat(
                        "serviceAccount:", project, ".svc.id.goog[", binding.namespace, "/", binding.service_account, "]"
                    ),
                    opts=child,
                )
                annotations[team] = {GKE_SERVICE_ACCOUNT_ANNOTATION: account.email}
                continue
            rotation = spec.rotation
            key = gcp.serviceaccount.Key(
                f"{name}/{team}",
                service_account_id=account.name,
                keepers={"rotation": rotation} if rotation else None,
                opts=child,
            )
            credentials[team] = key.private_key.apply(
                lambda encoded, buckets=granted: dict.fromkeys(buckets, base64.b64decode(encoded).decode())
            )
        self.bucket_names = gathered(*names.values())
        self.identities, self.credentials, self.service_account_annotations = team_outputs(
            identities, credentials, annotations
        )
        self.register_outputs(
            {"bucketNames": self.bucket_names, "identities": self.identities, "serviceAccountAnnotations": self.service_account_annotations}
        )

    def _bucket(
        self,
        name: str,
        bucket: str,
        spec: cloud_args.GcsBucketArgs,
        project: pulumi.Input[str],
        kms_key: Optional[pulumi.Input[str]],
    ) -> gcp.storage.Bucket:
        return gcp.storage.Bucket(
            f"{name}/{bucket}",
            name=bucket,
            project=project,
            location=spec.location,
            uniform_bucket_level_access=True,
            public_access_prevention="enforced",
            versioning=gcp.storage.BucketVersioningArgs(enabled=spec.versioning),
            encryption=None if kms_key is None else gcp.storage.BucketEncryptionArgs(default_kms_key_name=kms_key),
            # A bucket holding objects is never deleted with them.
            force_destroy=False,
            opts=kept(self, spec),
        )


def stack_args(cloud: CloudPlan, context: CloudContext) -> dict[str, Any]:
    """The args of this cloud's component in the stack program, from its plan."""
    return given(
        project=context.provider("gcp:project"),
        buckets=bucket_args(cloud, context, "location"),
        teams=team_args(cloud, context, "account_id", service_account),
        rotation=context.rotation,
    )
