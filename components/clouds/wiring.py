"""The stack program's clouds: each CloudPlan as its component, and what that gives each team's namespace.

A cloud's module (and with it its SDK) is imported here, and only for a store
the plan has: a Kubernetes-only stack loads none of pulumi_gcp, pulumi_aws,
pulumi_azure_native, and a GCS-only stack only the first.
"""

from dataclasses import dataclass
from importlib import import_module
from typing import Any, Callable, Mapping, Optional

import pulumi

from ..conventions import ACCESS_ANNOTATION, IDENTITY_ANNOTATION, READ_ONLY, READ_WRITE
from ..core.clouds import credentials_key, identity_name
from ..core.config.stack import WorkloadIdentity
from ..core.model import CloudPlan, PlannedBucket, TeamAccess, TeamCloudAccess

# Store -> (module, component) registering it.
COMPONENTS = {
    "gcs": ("components.clouds.gcp", "GcsBuckets"),
    "s3": ("components.clouds.aws", "S3Buckets"),
    "azure": ("components.clouds.azure", "AzureBlobContainers"),
}
# Store -> (the package's extra installing its SDK, the SDK's top-level module).
SDKS = {"gcs": ("gcp", "pulumi_gcp"), "s3": ("aws", "pulumi_aws"), "azure": ("azure", "pulumi_azure_native")}


@dataclass(frozen=True)
class CloudContext:
    """What the clouds' components take from the stack besides the plan."""

    deployment: str
    """`<project>/<stack>`: what identity names derive from, so two stacks never share one."""
    rotation: Optional[str]
    """credentialsRotation."""
    workload_identity: WorkloadIdentity
    """cluster.workloadIdentity."""
    hidden: Callable[[Any, str], Any]
    """A value as a secret Output when the config key it comes from is a secret."""


def _given(**values: Any) -> dict[str, Any]:
    """The args that are set (a component's optional args are left out rather than None)."""
    return {key: value for key, value in values.items() if value is not None}


def _grants(access: TeamCloudAccess) -> dict[str, list[str]]:
    return {
        "read": [grant.bucket for grant in access.grants if not grant.writable],
        "write": [grant.bucket for grant in access.grants if grant.writable],
    }


def _service_account(team: TeamAccess) -> dict[str, str]:
    return {"namespace": team.namespace, "service_account": team.service_account}


def _teams(
    cloud: CloudPlan, context: CloudContext, identity_key: str, binding: Callable[[TeamAccess], dict[str, str]]
) -> dict[str, dict[str, Any]]:
    """Each team's args: its identity's name (under `identity_key`), its grants, and its workload identity."""
    return {
        access.team.name: _given(
            **{identity_key: identity_name(context.deployment, access.team.name)},
            workload_identity=binding(access.team) if access.workload_identity else None,
            **_grants(access),
        )
        for access in cloud.teams
    }


def _created(bucket: PlannedBucket, **options: Any) -> dict[str, Any]:
    """A bucket's args: whether it is created, and how (with its store's own `options`)."""
    return _given(create=bucket.create, versioning=bucket.versioning, protect=bucket.protect, **options)


def _buckets(cloud: CloudPlan, context: CloudContext, place: str) -> dict[str, dict[str, Any]]:
    """GCS and S3 buckets' args: where a created one goes (its `location` or `region`), and its key."""
    return {
        bucket.address.key: _created(
            bucket, **{place: getattr(bucket, place)}, kms_key=context.hidden(bucket.kms_key, "persistence")
        )
        for bucket in cloud.buckets
    }


def _gcs_args(cloud: CloudPlan, context: CloudContext) -> dict[str, Any]:
    return _given(
        project=context.hidden(cloud.settings.get("gcp:project"), "gcp:project"),
        buckets=_buckets(cloud, context, "location"),
        teams=_teams(cloud, context, "account_id", _service_account),
        rotation=context.rotation,
    )


def _s3_args(cloud: CloudPlan, context: CloudContext) -> dict[str, Any]:
    eks = context.workload_identity.eks

    def binding(team: TeamAccess) -> dict[str, str]:
        assert eks is not None
        if eks.podIdentity:
            return {**_service_account(team), "cluster_name": str(eks.clusterName)}
        return {**_service_account(team), "oidc_provider_arn": str(eks.oidcProviderArn), "oidc_issuer": str(eks.oidcIssuer)}

    return _given(
        buckets=_buckets(cloud, context, "region"),
        teams=_teams(cloud, context, "name", binding),
        rotation=context.rotation,
    )


def _azure_args(cloud: CloudPlan, context: CloudContext) -> dict[str, Any]:
    aks = context.workload_identity.aks

    def binding(team: TeamAccess) -> dict[str, str]:
        assert aks is not None
        return {
            **_service_account(team),
            "oidc_issuer_url": aks.oidcIssuerUrl,
            "resource_group": aks.resourceGroup,
            "location": cloud.settings["azure-native:location"],
        }

    return _given(
        containers={
            bucket.address.key: _created(
                bucket,
                account=bucket.address.account,
                container=bucket.address.name,
                resource_group=bucket.resource_group,
                host=bucket.address.host,
                location=bucket.location,
                sas_expiry=bucket.sas_expiry,
            )
            for bucket in cloud.buckets
        },
        teams=_teams(cloud, context, "name", binding),
        subscription_id=context.hidden(cloud.settings.get("azure-native:subscriptionId"), "azure-native:subscriptionId"),
        rotation=context.rotation,
        # A stack setting, not the grants of the day: revoking a team's grant never changes the account.
        shared_keys=aks is None or aks.teams is not None,
    )


ARGS = {"gcs": _gcs_args, "s3": _s3_args, "azure": _azure_args}


@dataclass(frozen=True)
class RegisteredCloud:
    """A cloud's component, with the plan it registered."""

    plan: CloudPlan
    component: Any
    """GcsBuckets, S3Buckets or AzureBlobContainers: `identities`, `credentials`, `service_account_annotations`."""

    def credentials_secret(self, access: TeamCloudAccess) -> dict[str, Any]:
        """The Secret of a team's credentials for this cloud (key mode), as TeamNamespace takes it."""
        keys = {bucket.address.key: credentials_key(bucket.address) for bucket in self.plan.buckets}
        team = access.team.name
        return {
            "team": team,
            "data": self.component.credentials.apply(
                lambda credentials: {keys[bucket]: text for bucket, text in credentials[team].items()}
            ),
            "access": access.access,
            "identity": self.component.identities.apply(lambda identities: identities[team]),
        }


def register_cloud(cloud: CloudPlan, context: CloudContext) -> RegisteredCloud:
    module, component = COMPONENTS[cloud.store]
    extra, sdk = SDKS[cloud.store]
    try:
        loaded = import_module(module)
    except ModuleNotFoundError as error:
        if error.name != sdk:  # not the SDK itself (one of our modules, a part of the SDK): a bug to show as it is
            raise
        raise pulumi.RunError(
            f"polyaxon-storage: this stack has {cloud.store} buckets, and their component needs {sdk}, which is not installed: "
            f"pip install 'polyaxon-storage[{extra}]' (in a checkout of polyaxon-storage: make venv-{extra})"
        ) from None
    return RegisteredCloud(cloud, getattr(loaded, component)(cloud.store, ARGS[cloud.store](cloud, context)))


def service_account_annotations(clouds: list[RegisteredCloud], team: str) -> Optional[pulumi.Output[dict[str, str]]]:
    """What a team's ServiceAccount carries for the clouds it reaches without keys: each cloud's own
    annotations, and the policy pack's (the access its identities are granted, and those identities)."""
    keyless = [
        (cloud.component, access)
        for cloud in clouds
        for access in cloud.plan.teams
        if access.team.name == team and access.workload_identity
    ]
    if not keyless:
        return None
    granted = READ_WRITE if any(access.access == READ_WRITE for _, access in keyless) else READ_ONLY

    def merged(found: list[list[dict[str, Any]]]) -> dict[str, str]:
        annotations: dict[str, str] = {}
        for cloud_annotations, _ in found:
            annotations.update(cloud_annotations.get(team, {}))
        identities = " ".join(cloud_identities[team] for _, cloud_identities in found)
        return {**annotations, ACCESS_ANNOTATION: granted, IDENTITY_ANNOTATION: identities}

    return pulumi.Output.all(
        *(pulumi.Output.all(component.service_account_annotations, component.identities) for component, _ in keyless)
    ).apply(merged)


def credentials_secrets(clouds: list[RegisteredCloud], teams: Mapping[str, TeamAccess]) -> dict[str, dict[str, Any]]:
    """Secret name -> the Secret, for the teams given that reach a cloud with keys."""
    return {
        access.secret: cloud.credentials_secret(access)
        for cloud in clouds
        for access in cloud.plan.teams
        if access.secret is not None and access.team.name in teams
    }
