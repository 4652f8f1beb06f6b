"""The args of the cloud components (GcsBuckets, S3Buckets, AzureBlobContainers), declared once, and their rules.

Each cloud component checks its args against these before it registers
anything (`components/args.py`); the served schema derives from them. The
rules are the ones the cloud would enforce at `pulumi up`, found at preview:
names the cloud refuses, a created bucket without a place, credentials that
cannot be made.
"""

from __future__ import annotations

import re
from typing import Annotated, Callable, Mapping, Optional, TypeVar

from pydantic import AfterValidator, Field, ValidationInfo, model_validator

from ..buckets import (
    azure_account_problem,
    azure_container_problem,
    azure_host_problem,
    bucket_name_problem,
    creation_problem,
    ParsedBucket,
    named,
)
from ..declare import Input, Model, spelling_of
from ..errors import Problem
from .fields import (
    CliText,
    Identifier,
    NamespaceName,
    NonEmptyText,
    ObjectName,
    Rfc3339Time,
)


def _named(pattern: re.Pattern[str], rule: str):  # type: ignore[no-untyped-def]
    def check(value: str) -> str:
        if not pattern.fullmatch(value):
            raise ValueError(f"{value!r} is not a name the cloud accepts: {rule}")
        return value

    return AfterValidator(check)


def _grammar(problem: Callable[[str], Optional[str]]):  # type: ignore[no-untyped-def]
    """A name held to a cloud's grammar (buckets.py): the names a bucket, container or account can have."""

    def check(value: str) -> str:
        found = problem(value)
        if found is not None:
            raise ValueError(found)
        return value

    return AfterValidator(check)


GcsBucketName = Annotated[str, _grammar(lambda name: _bucket_name("gcs", name))]
S3BucketName = Annotated[str, _grammar(lambda name: _bucket_name("s3", name))]
AzureAccountName = Annotated[str, _grammar(azure_account_problem)]
AzureContainerName = Annotated[str, _grammar(azure_container_problem)]
AzureHost = Annotated[str, _grammar(azure_host_problem)]


def _bucket_name(store: str, name: str) -> Optional[str]:
    found = bucket_name_problem(store, name)
    return None if found is None else f"the bucket name {name!r} {found}"
GcpAccountId = Annotated[
    str, _named(re.compile(r"[a-z][a-z0-9-]{4,28}[a-z0-9]"), "6 to 30 lowercase letters, digits and '-', a letter first")
]
IamName = Annotated[str, _named(re.compile(r"[\w+=,.@-]{1,64}", re.ASCII), "1 to 64 letters, digits and +=,.@_-")]
AzureIdentityName = Annotated[
    str, _named(re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{2,127}"), "3 to 128 letters, digits, '-' and '_', a letter or digit first")
]


class CreatedBucketArgs(Model):
    """What every cloud's bucket (or container) may ask for when the stack creates it."""

    create: bool = Field(False, description="Create it, hardened. Default false: it exists, and is only granted.")
    versioning: bool = Field(True, description="Keep object versions of what is created. Default true.")
    protect: bool = Field(
        True, description="What is created cannot be deleted by an edit or pulumi destroy. Default true."
    )
    retain_on_delete: bool = Field(
        False,
        description="What is created stays in the cloud when it leaves the component (or the stack is destroyed): "
        "forgotten, never deleted. Default false. With protect, unprotect it first.",
    )


class GrantsArgs(Model):
    """The buckets (or containers) a team is granted, by the component's keys."""

    read: list[CliText] = Field(default_factory=list, description="Those it reads: read-only grants.")
    write: list[CliText] = Field(default_factory=list, description="Those it reads and writes.")


class ServiceAccountBindingArgs(Model):
    """The Kubernetes ServiceAccount whose pods act as the team's cloud identity (workload identity)."""

    namespace: NamespaceName = Field(description="Its namespace.")
    service_account: ObjectName = Field(description="Its name.")


class GcsBucketArgs(CreatedBucketArgs):
    """A bucket teams are granted: one the stack creates (uniform access, public access prevention, versioning),
    or one that exists."""

    location: Optional[CliText] = Field(None, description="Where a created bucket lives (EU, europe-west1, ...).")
    kms_key: Optional[Input[CliText]] = Field(None, description="A Cloud KMS key a created bucket encrypts with.")


class GcsTeamArgs(GrantsArgs):
    """One team: its service account, objectViewer (or objectUser) and legacyBucketReader on each of its buckets."""

    account_id: GcpAccountId = Field(description="The service account's id.")
    workload_identity: Optional[ServiceAccountBindingArgs] = Field(
        None, description="Reach the buckets through GKE Workload Identity instead of a key."
    )


class GcsBucketsArgs(Model):
    """GCS buckets and the teams granted them."""

    project: Input[NonEmptyText] = Field(description="The GCP project of the buckets and service accounts.")
    buckets: dict[GcsBucketName, GcsBucketArgs] = Field(
        description="Bucket name -> the bucket: those to create, and any existing one granted."
    )
    teams: dict[Identifier, GcsTeamArgs] = Field(
        default_factory=dict, description="Team -> its access. Buckets it names but buckets does not must exist."
    )
    rotation: Optional[Rfc3339Time] = Field(None, description="Changing it replaces every key (the keys' keepers).")


class S3BucketArgs(CreatedBucketArgs):
    """A bucket teams are granted: one the stack creates (public access blocked, encrypted, owner-enforced,
    versioned), or one that exists."""

    region: Optional[CliText] = Field(
        None, description="The bucket's region: where a created one goes, and AWS_REGION in the credentials."
    )
    kms_key: Optional[Input[CliText]] = Field(None, description="A KMS key (id or ARN) a created bucket encrypts with.")


class EksBindingArgs(ServiceAccountBindingArgs):
    """How that ServiceAccount assumes the team's role: IRSA (the cluster's OIDC provider) or an EKS Pod
    Identity association (cluster_name)."""

    oidc_provider_arn: Optional[CliText] = Field(None, description="IRSA: the ARN of the cluster's IAM OIDC provider.")
    oidc_issuer: Optional[CliText] = Field(None, description="IRSA: the cluster's OIDC issuer (with or without https://).")
    cluster_name: Optional[CliText] = Field(None, description="Pod Identity: the cluster's name.")

    @model_validator(mode="after")
    def _one_mechanism(self, info: ValidationInfo) -> "EksBindingArgs":
        key = lambda field: self.spelled(field, spelling_of(info))  # noqa: E731
        irsa = self.oidc_provider_arn is not None and self.oidc_issuer is not None
        if (self.cluster_name is not None) == irsa or (not irsa and (self.oidc_provider_arn or self.oidc_issuer)):
            raise ValueError(
                f"give {key('oidc_provider_arn')} and {key('oidc_issuer')} (IRSA), or {key('cluster_name')} (Pod Identity)"
            )
        return self


class AwsTeamArgs(GrantsArgs):
    """One team: its IAM identity, whose one policy allows exactly read or read-write on each of its buckets."""

    name: IamName = Field(description="The IAM user (key) or role (workload identity) name.")
    workload_identity: Optional[EksBindingArgs] = Field(
        None, description="Reach the buckets through an IAM role its ServiceAccount assumes, instead of an access key."
    )


class S3BucketsArgs(Model):
    """S3 buckets and the teams granted them."""

    buckets: dict[S3BucketName, S3BucketArgs] = Field(
        description="Bucket name -> the bucket: those to create, and any existing one granted."
    )
    teams: dict[Identifier, AwsTeamArgs] = Field(
        default_factory=dict, description="Team -> its access. Buckets it names but buckets does not must exist."
    )
    rotation: Optional[Rfc3339Time] = Field(None, description="Changing it replaces every access key.")


class AzureContainerArgs(CreatedBucketArgs):
    """A container teams are granted: one the stack creates with its storage account, or one that exists."""

    account: AzureAccountName = Field(description="The storage account.")
    container: AzureContainerName = Field(description="The container.")
    resource_group: NonEmptyText = Field(description="The storage account's resource group.")
    host: Optional[AzureHost] = Field(None, description="The account's blob endpoint host. Default <account>.blob.core.windows.net.")
    location: Optional[CliText] = Field(None, description="Where a created storage account lives.")
    sas_expiry: Optional[Rfc3339Time] = Field(
        None, description="When the SAS in the teams' credentials expires: required for teams without workload identity."
    )


class AksBindingArgs(ServiceAccountBindingArgs):
    """Where the team's user-assigned identity lives, and the cluster its ServiceAccount is federated from."""

    oidc_issuer_url: NonEmptyText = Field(description="The cluster's OIDC issuer URL.")
    resource_group: NonEmptyText = Field(description="The resource group the identity is made in.")
    location: NonEmptyText = Field(description="The identity's location.")


class AzureTeamArgs(GrantsArgs):
    """One team: per container a SAS (rl or racwdl), or with workload identity Storage Blob Data Reader or
    Contributor on it."""

    name: AzureIdentityName = Field(description="Its user-assigned identity's name (workload identity).")
    workload_identity: Optional[AksBindingArgs] = Field(
        None, description="Reach the containers through AKS workload identity instead of a SAS."
    )


class AzureBlobContainersArgs(Model):
    """Azure blob containers and the teams granted them."""

    containers: dict[CliText, AzureContainerArgs] = Field(
        description="account/container -> the container: every container created or granted."
    )
    teams: dict[Identifier, AzureTeamArgs] = Field(default_factory=dict, description="Team -> its access.")
    subscription_id: Optional[Input[NonEmptyText]] = Field(
        None, description="The subscription of the containers: required for teams with workload identity."
    )
    rotation: Optional[Rfc3339Time] = Field(
        None, description="When credentials were last rotated: the start of every SAS, so changing it makes new ones."
    )
    shared_keys: bool = Field(
        True,
        description="Created accounts accept their keys (and SAS signed with them); false only when every team uses "
        "workload identity.",
    )


C = TypeVar("C", bound=CreatedBucketArgs)


# --- rules across the args -------------------------------------------------------------------------


def _grant_problems(teams: dict[str, GrantsArgs], known: set[str], existing_allowed: bool = True) -> list[Problem]:
    problems = []
    for team, access in teams.items():
        for side in ("read", "write"):
            names = getattr(access, side)
            for index, name in enumerate(names):
                where = f"teams.{team}.{side}[{index}]"
                if names.index(name) != index:
                    problems.append(Problem(where, f"{name!r} is listed more than once"))
                elif side == "read" and name in access.write:
                    problems.append(Problem(where, f"{name!r} is in write too, which reads it: list it once"))
                elif not existing_allowed and name not in known:
                    problems.append(Problem(where, f"{name!r} is none of the component's ({', '.join(sorted(known))})"))
    return problems


def _created_problems(buckets: dict[str, CreatedBucketArgs], key: str, place: str) -> list[Problem]:
    return [
        Problem(f"{key}.{name}.{place}", f"required with create: where the created {key[:-1]} goes")
        for name, spec in buckets.items()
        if spec.create and getattr(spec, place) is None
    ]


def _creation_problems(
    buckets: Mapping[str, C], key: str, address: Callable[[str, C], ParsedBucket]
) -> list[Problem]:
    """Buckets (or containers) to create whose name their cloud refuses for a new one (buckets.py)."""
    problems = []
    for name, spec in buckets.items():
        found = creation_problem(address(name, spec)) if spec.create else None
        if found is not None:
            problems.append(Problem(f"{key}.{name}", f"cannot be created: {found}; choose another name"))
    return problems


def gcs_problems(args: GcsBucketsArgs) -> tuple[None, list[Problem]]:
    return None, [
        *_created_problems(args.buckets, "buckets", "location"),
        *_creation_problems(args.buckets, "buckets", lambda name, _: named("gcs", name)),
        *_grant_problems(args.teams, set(args.buckets)),
    ]


def s3_problems(args: S3BucketsArgs) -> tuple[None, list[Problem]]:
    return None, [
        *_creation_problems(args.buckets, "buckets", lambda name, _: named("s3", name)),
        *_grant_problems(args.teams, set(args.buckets)),
    ]


ACCOUNT_OPTIONS = ("resource_group", "location", "versioning", "protect", "retain_on_delete")
"""What the containers created in one storage account give of the account: it is made once, from the first."""


def _account_problems(containers: Mapping[str, AzureContainerArgs]) -> list[Problem]:
    first: dict[str, tuple[str, AzureContainerArgs]] = {}
    problems = []
    for key, spec in containers.items():
        if not spec.create:
            continue
        found = first.setdefault(spec.account, (key, spec))
        problems.extend(
            Problem(
                f"containers.{key}.{option}",
                f"is {getattr(spec, option)!r}, but containers.{found[0]} creates storage account {spec.account} with "
                f"{getattr(found[1], option)!r}: give the containers of one account the same",
            )
            for option in ACCOUNT_OPTIONS
            if getattr(spec, option) != getattr(found[1], option)
        )
    return problems


def azure_problems(args: AzureBlobContainersArgs) -> tuple[None, list[Problem]]:
    problems = [
        *_created_problems(args.containers, "containers", "location"),
        *_creation_problems(
            args.containers, "containers", lambda _, spec: named("azure", spec.container, spec.account, spec.host)
        ),
        *_grant_problems(args.teams, set(args.containers), existing_allowed=False),
    ]
    problems.extend(
        Problem(f"containers.{key}.host", f"is the blob endpoint of another account than {spec.account!r}")
        for key, spec in args.containers.items()
        if spec.host is not None and spec.host.partition(".")[0] != spec.account
    )
    problems.extend(
        Problem(f"containers.{key}", f"is {spec.account}/{spec.container}: key a container by its account/container")
        for key, spec in args.containers.items()
        if key != f"{spec.account}/{spec.container}"
    )
    problems.extend(_account_problems(args.containers))
    for team, access in args.teams.items():
        granted = [*access.read, *access.write]
        if access.workload_identity is None:
            if not args.shared_keys:
                problems.append(
                    Problem(f"teams.{team}", "reaches its containers with a SAS, which needs shared_keys: true")
                )
            problems.extend(
                Problem(f"containers.{key}.sas_expiry", f"required: team {team!r} reaches it with a SAS, and a SAS expires")
                for key in granted
                if key in args.containers and args.containers[key].sas_expiry is None
            )
        elif args.subscription_id is None:
            problems.append(
                Problem("subscription_id", f"required: team {team!r} uses workload identity, whose role assignments name it")
            )
    return None, list(dict.fromkeys(problems))
