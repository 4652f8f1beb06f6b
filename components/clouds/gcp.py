"""GcsBuckets: GCS buckets the stack creates, and per team a service account granted exactly its buckets.

Imported only by stacks with GCS buckets to create or grant: it loads pulumi_gcp.
"""

import base64
from typing import Mapping, NotRequired, Optional, TypedDict

import pulumi
import pulumi_gcp as gcp

from .common import CreatedBucketArgs, GrantsArgs, ServiceAccountBindingArgs, team_outputs

GKE_SERVICE_ACCOUNT_ANNOTATION = "iam.gke.io/gcp-service-account"
# `buckets.get` (Polyaxon's client calls get_bucket) is in neither object role: legacyBucketReader adds it.
READ_ROLES = ("roles/storage.objectViewer", "roles/storage.legacyBucketReader")
WRITE_ROLES = ("roles/storage.objectUser", "roles/storage.legacyBucketReader")
WORKLOAD_IDENTITY_USER = "roles/iam.workloadIdentityUser"


class GcsBucketArgs(CreatedBucketArgs):
    """A bucket teams are granted: one the stack creates (uniform access, public access prevention, versioning),
    or one that exists."""

    location: NotRequired[str]
    """Where a created bucket lives (EU, europe-west1, ...): required with create."""
    kms_key: NotRequired[pulumi.Input[str]]
    """A Cloud KMS key (its id) a created bucket encrypts with, instead of Google-managed keys."""


class GcsTeamArgs(GrantsArgs):
    """One team: its service account (objectViewer, or objectUser, and legacyBucketReader on each of its buckets)."""

    account_id: str
    """The service account's id (6 to 30 lowercase letters, digits and '-')."""
    workload_identity: NotRequired[ServiceAccountBindingArgs]
    """Reach the buckets through GKE Workload Identity instead of a key."""


class GcsBucketsArgs(TypedDict):
    project: pulumi.Input[str]
    """The GCP project of the buckets and service accounts."""
    buckets: Mapping[str, GcsBucketArgs]
    """Bucket name -> the bucket: those to create, and any existing one granted."""
    teams: NotRequired[Mapping[str, GcsTeamArgs]]
    """Team -> its access. Buckets it names but `buckets` does not must exist."""
    rotation: NotRequired[str]
    """Changing it replaces every key (the keys' keepers)."""


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
    credentials: pulumi.Output[dict[str, dict[str, str]]]
    """Team -> bucket -> the service account key file (JSON), for teams without workload identity. Secret."""
    service_account_annotations: pulumi.Output[dict[str, dict[str, str]]]
    """Team -> the annotations its Kubernetes ServiceAccount needs, for teams with workload identity."""

    def __init__(self, name: str, args: GcsBucketsArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("polyaxon-storage:index:GcsBuckets", name, None, opts)
        project = args["project"]
        child = pulumi.ResourceOptions(parent=self)
        names: dict[str, pulumi.Input[str]] = {}
        for bucket, spec in args["buckets"].items():
            names[bucket] = self._bucket(name, bucket, spec, project).name if spec.get("create") else bucket
        identities, credentials, annotations = {}, {}, {}
        for team, access in args.get("teams", {}).items():
            account = gcp.serviceaccount.Account(
                f"{name}/{team}",
                account_id=access["account_id"],
                project=project,
                display_name=f"polyaxon-storage runs of team {team}",
                opts=child,
            )
            identities[team] = account.email
            write = set(access.get("write", ()))
            granted = sorted(set(access.get("read", ())) | write)
            for bucket in granted:
                for role in WRITE_ROLES if bucket in write else READ_ROLES:
                    gcp.storage.BucketIAMMember(
                        f"{name}/{team}/{bucket}/{role.rsplit('.', 1)[-1]}",
                        bucket=names.get(bucket, bucket),
                        role=role,
                        member=account.member,
                        opts=child,
                    )
            binding = access.get("workload_identity")
            if binding is not None:
                gcp.serviceaccount.IAMMember(
                    f"{name}/{team}/workload-identity",
                    service_account_id=account.name,
                    role=WORKLOAD_IDENTITY_USER,
                    member=pulumi.Output.concat(
                        "serviceAccount:", project, ".svc.id.goog[", binding["namespace"], "/", binding["service_account"], "]"
                    ),
                    opts=child,
                )
                annotations[team] = {GKE_SERVICE_ACCOUNT_ANNOTATION: account.email}
                continue
            rotation = args.get("rotation")
            key = gcp.serviceaccount.Key(
                f"{name}/{team}",
                service_account_id=account.name,
                keepers={"rotation": rotation} if rotation else None,
                opts=child,
            )
            credentials[team] = key.private_key.apply(
                lambda encoded, buckets=granted: dict.fromkeys(buckets, base64.b64decode(encoded).decode())
            )
        self.bucket_names = pulumi.Output.all(*names.values())
        self.identities, self.credentials, self.service_account_annotations = team_outputs(
            identities, credentials, annotations
        )
        self.register_outputs(
            {"bucketNames": self.bucket_names, "identities": self.identities, "serviceAccountAnnotations": self.service_account_annotations}
        )

    def _bucket(self, name: str, bucket: str, spec: GcsBucketArgs, project: pulumi.Input[str]) -> gcp.storage.Bucket:
        if "location" not in spec:
            raise ValueError(f"GcsBuckets {name!r}: bucket {bucket!r} is created, and needs a location")
        kms_key = spec.get("kms_key")
        return gcp.storage.Bucket(
            f"{name}/{bucket}",
            name=bucket,
            project=project,
            location=spec["location"],
            uniform_bucket_level_access=True,
            public_access_prevention="enforced",
            versioning=gcp.storage.BucketVersioningArgs(enabled=spec.get("versioning", True)),
            encryption=None if kms_key is None else gcp.storage.BucketEncryptionArgs(default_kms_key_name=kms_key),
            # A bucket holding objects is never deleted with them.
            force_destroy=False,
            opts=pulumi.ResourceOptions(parent=self, protect=spec.get("protect", True)),
        )
