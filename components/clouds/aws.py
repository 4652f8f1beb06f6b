"""S3Buckets: S3 buckets the stack creates, and per team an IAM user or role granted exactly its buckets.

Imported only by stacks with S3 buckets to create or grant: it loads pulumi_aws.
"""

import json
from typing import Any, Optional, Sequence

import pulumi
import pulumi_aws as aws

from ..args import check, typed_args
from ..core.config import cloud_args
from ..core.model import CloudPlan, TeamAccess
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

EKS_ROLE_ANNOTATION = "eks.amazonaws.com/role-arn"
READ_BUCKET_ACTIONS = ("s3:ListBucket", "s3:GetBucketLocation")
READ_OBJECT_ACTIONS = ("s3:GetObject",)
WRITE_OBJECT_ACTIONS = ("s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload")
POLICY_NAME = "polyaxon-storage-buckets"
IAM_PATH = "/polyaxon-storage/"


S3BucketArgs = typed_args(cloud_args.S3BucketArgs)
EksBindingArgs = typed_args(cloud_args.EksBindingArgs)
AwsTeamArgs = typed_args(cloud_args.AwsTeamArgs)
S3BucketsArgs = typed_args(cloud_args.S3BucketsArgs)


def bucket_arn(bucket: str) -> str:
    return f"arn:aws:s3:::{bucket}"


def bucket_policy(read: Sequence[str], write: Sequence[str]) -> str:
    """The IAM policy granting exactly read on `read` and read-write on `write` (JSON)."""
    buckets = sorted({*read, *write})
    statements: list[dict[str, Any]] = [
        {"Sid": "ListBuckets", "Effect": "Allow", "Action": list(READ_BUCKET_ACTIONS), "Resource": [bucket_arn(b) for b in buckets]},
        {"Sid": "ReadObjects", "Effect": "Allow", "Action": list(READ_OBJECT_ACTIONS), "Resource": [f"{bucket_arn(b)}/*" for b in buckets]},
    ]  # fmt: skip
    if write:
        statements.append(
            {"Sid": "WriteObjects", "Effect": "Allow", "Action": list(WRITE_OBJECT_ACTIONS), "Resource": [f"{bucket_arn(b)}/*" for b in sorted(write)]}
        )  # fmt: skip
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


def trust_policy(binding: cloud_args.EksBindingArgs) -> str:
    """Who may assume a team's role: its ServiceAccount, through IRSA or EKS Pod Identity."""
    if binding.cluster_name is not None:
        statement = {
            "Effect": "Allow",
            "Principal": {"Service": "pods.eks.amazonaws.com"},
            "Action": ["sts:AssumeRole", "sts:TagSession"],
        }
    else:
        # IAM names the issuer's condition keys without its scheme.
        issuer = str(binding.oidc_issuer).removeprefix("https://").rstrip("/")
        statement = {
            "Effect": "Allow",
            "Principal": {"Federated": binding.oidc_provider_arn},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {
                "StringEquals": {
                    f"{issuer}:sub": f"system:serviceaccount:{binding.namespace}:{binding.service_account}",
                    f"{issuer}:aud": "sts.amazonaws.com",
                }
            },
        }
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


class S3Buckets(pulumi.ComponentResource):
    """S3 buckets and least-privilege access to them: created buckets block public access, are encrypted,
    owner-enforced, versioned and protected; each team gets one IAM identity whose one inline policy allows
    exactly read or read-write on each of its buckets: an IAM user with an access key (returned as
    `credentials`, a secret), or a role its Kubernetes ServiceAccount assumes (IRSA or EKS Pod Identity).
    """

    bucket_names: pulumi.Output[list[str]]
    """The buckets' names; a created one's once it exists."""
    identities: pulumi.Output[dict[str, str]]
    """Team -> the name of its IAM user or role."""
    secret_outputs = ("credentials",)  # marked secret in the served schema (components/provider.py)
    credentials: pulumi.Output[dict[str, dict[str, str]]]
    """Team -> bucket -> JSON {AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION}, for teams without workload
    identity. Secret."""
    service_account_annotations: pulumi.Output[dict[str, dict[str, str]]]
    """Team -> the annotations its Kubernetes ServiceAccount needs (IRSA's role ARN)."""

    def __init__(self, name: str, args: S3BucketsArgs, opts: Optional[pulumi.ResourceOptions] = None):  # type: ignore[valid-type]
        super().__init__("polyaxon-storage:index:S3Buckets", name, None, opts)
        checked = check("S3Buckets", name, cloud_args.S3BucketsArgs, args, cloud_args.s3_problems)
        spec = checked.known
        child = pulumi.ResourceOptions(parent=self)
        buckets = spec.buckets
        names = {
            bucket: self._bucket(name, bucket, bucket_spec, checked.value(lambda args, b=bucket: args.buckets[b].kms_key)).bucket
            if bucket_spec.create
            else bucket
            for bucket, bucket_spec in buckets.items()
        }
        identities, credentials, annotations = {}, {}, {}
        for team, access in spec.teams.items():
            read, write = access.read, access.write
            policy = bucket_policy(read, write)
            binding = access.workload_identity
            if binding is not None:
                role = aws.iam.Role(
                    f"{name}/{team}", name=access.name, path=IAM_PATH, assume_role_policy=trust_policy(binding), opts=child
                )
                aws.iam.RolePolicy(f"{name}/{team}", role=role.name, name=POLICY_NAME, policy=policy, opts=child)
                identities[team] = role.name
                if binding.cluster_name is not None:
                    aws.eks.PodIdentityAssociation(
                        f"{name}/{team}",
                        cluster_name=binding.cluster_name,
                        namespace=binding.namespace,
                        service_account=binding.service_account,
                        role_arn=role.arn,
                        opts=child,
                    )
                else:
                    annotations[team] = {EKS_ROLE_ANNOTATION: role.arn}
                continue
            user = aws.iam.User(f"{name}/{team}", name=access.name, path=IAM_PATH, opts=child)
            aws.iam.UserPolicy(f"{name}/{team}", user=user.name, name=POLICY_NAME, policy=policy, opts=child)
            key = aws.iam.AccessKey(
                f"{name}/{team}",
                user=user.name,
                opts=pulumi.ResourceOptions(parent=self, replacement_trigger=spec.rotation),
            )
            identities[team] = user.name
            regions = {bucket: buckets[bucket].region if bucket in buckets else None for bucket in sorted({*read, *write})}
            credentials[team] = gathered(key.id, key.secret).apply(
                lambda key, regions=regions: {bucket: _access_key_file(*key, region) for bucket, region in regions.items()}
            )
        self.bucket_names = gathered(*names.values())
        self.identities, self.credentials, self.service_account_annotations = team_outputs(
            identities, credentials, annotations
        )
        self.register_outputs(
            {"bucketNames": self.bucket_names, "identities": self.identities, "serviceAccountAnnotations": self.service_account_annotations}
        )

    def _bucket(
        self, name: str, bucket: str, spec: cloud_args.S3BucketArgs, kms_key: Optional[pulumi.Input[str]]
    ) -> aws.s3.Bucket:
        region = spec.region
        created = aws.s3.Bucket(
            f"{name}/{bucket}",
            bucket=bucket,
            region=region,
            # A bucket holding objects is never deleted with them.
            force_destroy=False,
            opts=kept(self, spec),
        )
        companion = {"bucket": created.id, "region": region, "opts": kept(self, spec)}
        aws.s3.BucketPublicAccessBlock(
            f"{name}/{bucket}",
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            **companion,
        )
        encryption = {"sse_algorithm": "AES256"} if kms_key is None else {"sse_algorithm": "aws:kms", "kms_master_key_id": kms_key}
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}/{bucket}",
            rules=[{"apply_server_side_encryption_by_default": encryption, "bucket_key_enabled": kms_key is not None}],
            **companion,
        )
        # ACLs off: the bucket's owner owns every object, and access is IAM's alone.
        aws.s3.BucketOwnershipControls(f"{name}/{bucket}", rule={"object_ownership": "BucketOwnerEnforced"}, **companion)
        # Always there: turning versioning off suspends it in place (a protected companion is never deleted).
        aws.s3.BucketVersioning(
            f"{name}/{bucket}",
            versioning_configuration={"status": "Enabled" if spec.versioning else "Suspended"},
            **companion,
        )
        return created


def _access_key_file(key_id: str, secret: str, region: Optional[str]) -> str:
    """Credentials as polystores reads them."""
    values = {"AWS_ACCESS_KEY_ID": key_id, "AWS_SECRET_ACCESS_KEY": secret}
    return json.dumps({**values, "AWS_REGION": region} if region else values)


def stack_args(cloud: CloudPlan, context: CloudContext) -> dict[str, Any]:
    """The args of this cloud's component in the stack program, from its plan."""
    eks = context.workload_identity.eks

    def binding(team: TeamAccess) -> dict[str, str]:
        assert eks is not None
        if eks.pod_identity:
            return {**service_account(team), "cluster_name": str(eks.cluster_name)}
        return {**service_account(team), "oidc_provider_arn": str(eks.oidc_provider_arn), "oidc_issuer": str(eks.oidc_issuer)}

    return given(
        buckets=bucket_args(cloud, context, "region"),
        teams=team_args(cloud, context, "name", binding),
        rotation=context.rotation,
    )
