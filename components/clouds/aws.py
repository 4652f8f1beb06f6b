"""S3Buckets: S3 buckets the stack creates, and per team an IAM user or role granted exactly its buckets.

Imported only by stacks with S3 buckets to create or grant: it loads pulumi_aws.
"""

import json
from typing import Any, Mapping, NotRequired, Optional, Sequence, TypedDict

import pulumi
import pulumi_aws as aws

from .common import CreatedBucketArgs, GrantsArgs, ServiceAccountBindingArgs, team_outputs

EKS_ROLE_ANNOTATION = "eks.amazonaws.com/role-arn"
READ_BUCKET_ACTIONS = ("s3:ListBucket", "s3:GetBucketLocation")
READ_OBJECT_ACTIONS = ("s3:GetObject",)
WRITE_OBJECT_ACTIONS = ("s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload")
POLICY_NAME = "polyaxon-storage-buckets"
IAM_PATH = "/polyaxon-storage/"


class S3BucketArgs(CreatedBucketArgs):
    """A bucket teams are granted: one the stack creates (public access blocked, encrypted, owner-enforced,
    versioned), or one that exists."""

    region: NotRequired[str]
    """The bucket's region: where a created one goes, and AWS_REGION in the credentials. Default: the provider's."""
    kms_key: NotRequired[pulumi.Input[str]]
    """A KMS key (id or ARN) a created bucket encrypts with (aws:kms), instead of AES256."""


class EksBindingArgs(ServiceAccountBindingArgs):
    """How that ServiceAccount assumes the team's role: IRSA (the cluster's OIDC provider) or an EKS Pod
    Identity association (`cluster_name`)."""

    oidc_provider_arn: NotRequired[str]
    """IRSA: the ARN of the cluster's IAM OIDC provider."""
    oidc_issuer: NotRequired[str]
    """IRSA: the cluster's OIDC issuer (with or without https://)."""
    cluster_name: NotRequired[str]
    """Pod Identity: the cluster's name."""


class AwsTeamArgs(GrantsArgs):
    """One team: its IAM identity, whose one policy allows s3:ListBucket and s3:GetBucketLocation on each bucket,
    s3:GetObject on its objects, and s3:PutObject, s3:DeleteObject, s3:AbortMultipartUpload on those it writes."""

    name: str
    """The IAM user (key) or role (workload identity) name."""
    workload_identity: NotRequired[EksBindingArgs]
    """Reach the buckets through an IAM role its ServiceAccount assumes, instead of an access key."""


class S3BucketsArgs(TypedDict):
    buckets: Mapping[str, S3BucketArgs]
    """Bucket name -> the bucket: those to create, and any existing one granted."""
    teams: NotRequired[Mapping[str, AwsTeamArgs]]
    """Team -> its access. Buckets it names but `buckets` does not must exist."""
    rotation: NotRequired[str]
    """Changing it replaces every access key (their replacement trigger)."""


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


def trust_policy(binding: EksBindingArgs) -> str:
    """Who may assume a team's role: its ServiceAccount, through IRSA or EKS Pod Identity."""
    if "cluster_name" in binding:
        statement = {
            "Effect": "Allow",
            "Principal": {"Service": "pods.eks.amazonaws.com"},
            "Action": ["sts:AssumeRole", "sts:TagSession"],
        }
    else:
        # IAM names the issuer's condition keys without its scheme.
        issuer = binding["oidc_issuer"].removeprefix("https://").rstrip("/")
        statement = {
            "Effect": "Allow",
            "Principal": {"Federated": binding["oidc_provider_arn"]},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {
                "StringEquals": {
                    f"{issuer}:sub": f"system:serviceaccount:{binding['namespace']}:{binding['service_account']}",
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
    credentials: pulumi.Output[dict[str, dict[str, str]]]
    """Team -> bucket -> JSON {AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION}, for teams without workload
    identity. Secret."""
    service_account_annotations: pulumi.Output[dict[str, dict[str, str]]]
    """Team -> the annotations its Kubernetes ServiceAccount needs (IRSA's role ARN)."""

    def __init__(self, name: str, args: S3BucketsArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("polyaxon-storage:index:S3Buckets", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        buckets = args["buckets"]
        names = {bucket: self._bucket(name, bucket, spec).bucket if spec.get("create") else bucket for bucket, spec in buckets.items()}
        identities, credentials, annotations = {}, {}, {}
        for team, access in args.get("teams", {}).items():
            read, write = access.get("read", ()), access.get("write", ())
            policy = bucket_policy(read, write)
            binding = access.get("workload_identity")
            if binding is not None:
                if ("cluster_name" in binding) == ("oidc_provider_arn" in binding and "oidc_issuer" in binding):
                    raise ValueError(
                        f"S3Buckets {name!r}: team {team!r}: give oidc_provider_arn and oidc_issuer (IRSA), or cluster_name "
                        "(Pod Identity)"
                    )
                role = aws.iam.Role(
                    f"{name}/{team}", name=access["name"], path=IAM_PATH, assume_role_policy=trust_policy(binding), opts=child
                )
                aws.iam.RolePolicy(f"{name}/{team}", role=role.name, name=POLICY_NAME, policy=policy, opts=child)
                identities[team] = role.name
                if "cluster_name" in binding:
                    aws.eks.PodIdentityAssociation(
                        f"{name}/{team}",
                        cluster_name=binding["cluster_name"],
                        namespace=binding["namespace"],
                        service_account=binding["service_account"],
                        role_arn=role.arn,
                        opts=child,
                    )
                else:
                    annotations[team] = {EKS_ROLE_ANNOTATION: role.arn}
                continue
            user = aws.iam.User(f"{name}/{team}", name=access["name"], path=IAM_PATH, opts=child)
            aws.iam.UserPolicy(f"{name}/{team}", user=user.name, name=POLICY_NAME, policy=policy, opts=child)
            key = aws.iam.AccessKey(
                f"{name}/{team}",
                user=user.name,
                opts=pulumi.ResourceOptions(parent=self, replacement_trigger=args.get("rotation")),
            )
            identities[team] = user.name
            regions = {bucket: buckets.get(bucket, {}).get("region") for bucket in sorted({*read, *write})}
            credentials[team] = pulumi.Output.all(key.id, key.secret).apply(
                lambda key, regions=regions: {bucket: _access_key_file(*key, region) for bucket, region in regions.items()}
            )
        self.bucket_names = pulumi.Output.all(*names.values())
        self.identities, self.credentials, self.service_account_annotations = team_outputs(
            identities, credentials, annotations
        )
        self.register_outputs(
            {"bucketNames": self.bucket_names, "identities": self.identities, "serviceAccountAnnotations": self.service_account_annotations}
        )

    def _bucket(self, name: str, bucket: str, spec: S3BucketArgs) -> aws.s3.Bucket:
        region = spec.get("region")
        created = aws.s3.Bucket(
            f"{name}/{bucket}",
            bucket=bucket,
            region=region,
            # A bucket holding objects is never deleted with them.
            force_destroy=False,
            opts=pulumi.ResourceOptions(parent=self, protect=spec.get("protect", True)),
        )
        companion = {"bucket": created.id, "region": region, "opts": pulumi.ResourceOptions(parent=self)}
        aws.s3.BucketPublicAccessBlock(
            f"{name}/{bucket}",
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            **companion,
        )
        kms_key = spec.get("kms_key")
        encryption = {"sse_algorithm": "AES256"} if kms_key is None else {"sse_algorithm": "aws:kms", "kms_master_key_id": kms_key}
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}/{bucket}",
            rules=[{"apply_server_side_encryption_by_default": encryption, "bucket_key_enabled": kms_key is not None}],
            **companion,
        )
        # ACLs off: the bucket's owner owns every object, and access is IAM's alone.
        aws.s3.BucketOwnershipControls(f"{name}/{bucket}", rule={"object_ownership": "BucketOwnerEnforced"}, **companion)
        if spec.get("versioning", True):
            aws.s3.BucketVersioning(f"{name}/{bucket}", versioning_configuration={"status": "Enabled"}, **companion)
        return created


def _access_key_file(key_id: str, secret: str, region: Optional[str]) -> str:
    """Credentials as polystores reads them."""
    values = {"AWS_ACCESS_KEY_ID": key_id, "AWS_SECRET_ACCESS_KEY": secret}
    return json.dumps({**values, "AWS_REGION": region} if region else values)
