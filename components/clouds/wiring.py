"""The stack program's clouds: each CloudPlan as its component, and what that gives each team's namespace.

A cloud's module (and with it its SDK) is imported here, and only for a store
the plan has: a Kubernetes-only stack loads none of pulumi_gcp, pulumi_aws,
pulumi_azure_native, and a GCS-only stack only the first.
"""

from dataclasses import dataclass
from importlib import import_module
from typing import Any, Callable, Mapping, Optional, Sequence

import pulumi

from ..conventions import ACCESS_ANNOTATION, IDENTITY_ANNOTATION, READ_ONLY, READ_WRITE
from ..core.clouds import credentials_key
from ..core.model import CloudPlan, TeamAccess, TeamCloudAccess, V2CredentialsSecret
from ..core.stores import CLOUDS, Cloud
from ..outputs import gathered
from .common import CloudContext

__all__ = [
    "CloudContext", "RegisteredCloud", "cloud_module", "credentials_secrets", "register_cloud", "service_account_annotations"
]  # fmt: skip


@dataclass(frozen=True)
class RegisteredCloud:
    """A cloud's component, with the plan it registered."""

    plan: CloudPlan
    component: Any
    """GcsBuckets, S3Buckets or AzureBlobContainers: `identities`, `credentials`, `service_account_annotations`."""

    def credentials_secret(self, access: TeamCloudAccess) -> dict[str, Any]:
        """The Secret of a team's credentials for this cloud (key mode), as TeamNamespace takes it."""
        keys = {bucket.address.key: credentials_key(bucket.address) for bucket in self.plan.buckets}
        return self._team_secret(
            access.team.name, access.access, lambda files: {keys[bucket]: text for bucket, text in files.items()}
        )

    def v2_credentials_secret(self, secret: V2CredentialsSecret) -> dict[str, Any]:
        """A team's Secret in v2's layout for this cloud (docs/export.md §4), as TeamNamespace takes it: from the same
        credentials, annotated alike."""
        return self._team_secret(secret.team, secret.access, secret.data)

    def _team_secret(self, team: str, access: str, data: Callable[[Mapping[str, str]], dict[str, str]]) -> dict[str, Any]:
        """A Secret of a team's credentials: `data` made of its credentials by bucket, annotated with the access
        and the identity they hold. It changes with them (a rotation) and goes with them (a revoked grant)."""
        return {
            "team": team,
            "data": self.component.credentials.apply(lambda credentials: data(credentials[team])),
            "access": access,
            "identity": self.component.identities.apply(lambda identities: identities[team]),
        }


def cloud_module(kind: Cloud, module: str, what: str) -> Any:
    """One of a cloud's component modules, imported (with its SDK) here and only here; when the SDK is not
    installed, a message naming the extra that installs it (`what`: what the stack has that needs it)."""
    try:
        return import_module(module)
    except ModuleNotFoundError as error:
        if error.name != kind.sdk:  # not the SDK itself (one of our modules, a part of the SDK): a bug to show as it is
            raise
        raise pulumi.RunError(
            f"polyaxon-storage: this stack has {what}, and their component needs {kind.sdk}, which is not installed: "
            f"pip install 'polyaxon-storage[{kind.extra}]' (in a checkout of polyaxon-storage: make venv-{kind.extra})"
        ) from None


def register_cloud(cloud: CloudPlan, context: CloudContext) -> RegisteredCloud:
    """A cloud's component, from its module."""
    kind = CLOUDS[cloud.store]
    module = cloud_module(kind, kind.module, f"{cloud.store} {kind.bucket_word}s")
    return RegisteredCloud(cloud, getattr(module, kind.component)(cloud.store, module.stack_args(cloud, context)))


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

    return gathered(
        *(gathered(component.service_account_annotations, component.identities) for component, _ in keyless)
    ).apply(merged)


def credentials_secrets(
    clouds: list[RegisteredCloud], teams: Mapping[str, TeamAccess], v2: Sequence[V2CredentialsSecret] = ()
) -> dict[str, dict[str, Any]]:
    """Secret name -> the Secret, for the teams given that reach a cloud with keys; with `v2` (the plan's
    exports to polyaxon-v2), their Secrets in v2's layout too."""
    found = {
        access.secret: cloud.credentials_secret(access)
        for cloud in clouds
        for access in cloud.plan.teams
        if access.secret is not None and access.team.name in teams
    }
    by_store = {cloud.plan.store: cloud for cloud in clouds}
    found.update(
        {secret.name: by_store[secret.store].v2_credentials_secret(secret) for secret in v2 if secret.team in teams}
    )
    return found
