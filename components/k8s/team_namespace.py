"""TeamNamespace: a namespace for one or more teams, with a ServiceAccount per team and their bucket credentials."""

import base64
from typing import Any, Callable, Optional

import pulumi
import pulumi_kubernetes as kubernetes

from ..args import check, typed_args
from ..conventions import (
    ACCESS_ANNOTATION,
    IDENTITY_ANNOTATION,
    MANAGED_BY,
    MANAGED_BY_LABEL,
    TEAM_KEY,
)
from ..core.config import components
from ..core.model import service_account_name
from ..core.names import label_value
from ..core.namespaces import team_namespace_problems
from ..core.security import pod_security_labels
from ..outputs import mapping_output, whole_output

RUNS_NETWORK_POLICY = "polyaxon-runs-deny-ingress"
RUNS_LIMIT_RANGE = "polyaxon-runs-defaults"
RUNS_QUOTA = "polyaxon-runs-quota"

CredentialsSecretArgs = typed_args(components.CredentialsSecretArgs)
TeamNamespaceArgs = typed_args(components.TeamNamespaceArgs)


class TeamNamespace(pulumi.ComponentResource):
    """A namespace for training runs: Pod Security labels, a ServiceAccount per team without an
    API token, a NetworkPolicy denying ingress to the runs' pods, the teams' bucket credentials, and,
    when given, a LimitRange of container defaults and a ResourceQuota.

    A namespace it creates outlives it: removing the component (or switching to
    `existing`) leaves the namespace and everything in it, never deletes them:
    its ServiceAccounts, NetworkPolicy, LimitRange and ResourceQuota go with the
    namespace (`deleted_with`), so they stay in it as they are. Only the
    credential Secrets are deleted, revoking what they held. A ServiceAccount,
    Secret or ResourceQuota that leaves on its own (a team, a quota removed
    while the namespace stays) is deleted.
    """

    namespace: pulumi.Output[str]
    """The namespace's name, known once it exists: objects placed in it are created after it."""
    service_accounts: pulumi.Output[dict[str, str]]
    """Team -> the name of the ServiceAccount its runs use."""
    pod_security: pulumi.Output[str]
    """The Pod Security level enforced in the namespace."""
    secrets: pulumi.Output[dict[str, str]]
    """Secret name -> its name once it exists: what the runs' secretKeyRefs name."""

    def __init__(self, name: str, args: TeamNamespaceArgs, opts: Optional[pulumi.ResourceOptions] = None):  # type: ignore[valid-type]
        super().__init__("polyaxon-storage:index:TeamNamespace", name, None, opts)
        checked = check("TeamNamespace", name, components.TeamNamespaceArgs, args, team_namespace_problems)
        spec = checked.known
        level = spec.pod_security
        labels = pod_security_labels(level)
        child = pulumi.ResourceOptions(parent=self)
        namespace_name = checked.value(lambda args: args.namespace)
        if spec.existing:
            # Server-side apply of our labels only: the namespace stays the platform's.
            namespace: pulumi.CustomResource = kubernetes.core.v1.NamespacePatch(
                name,
                metadata=kubernetes.meta.v1.ObjectMetaPatchArgs(name=namespace_name, labels=labels),
                opts=child,
            )
        else:
            namespace = kubernetes.core.v1.Namespace(
                name,
                metadata=kubernetes.meta.v1.ObjectMetaArgs(
                    name=namespace_name, labels={MANAGED_BY_LABEL: MANAGED_BY, **labels}
                ),
                # Deleting a namespace deletes everything in it: a rename, a removed team or
                # `pulumi destroy` leaves it to be deleted by hand, on purpose.
                opts=pulumi.ResourceOptions(parent=self, retain_on_delete=True),
            )
        self.namespace = namespace.metadata.name  # type: ignore[attr-defined]
        # What bounds and isolates the namespace's pods stays in it when the stack stops managing the namespace.
        with_namespace = pulumi.ResourceOptions(parent=self, deleted_with=namespace)
        accounts = {}
        annotations = checked.value(lambda args: args.service_account_annotations)
        for team in spec.teams:
            account = kubernetes.core.v1.ServiceAccount(
                f"{name}/{service_account_name(team)}",
                metadata=kubernetes.meta.v1.ObjectMetaArgs(
                    name=service_account_name(team),
                    namespace=self.namespace,
                    labels={MANAGED_BY_LABEL: MANAGED_BY, TEAM_KEY: label_value(team)},
                    annotations=_pick(annotations, team),
                ),
                # Runs do not talk to the Kubernetes API: no token in their pods.
                automount_service_account_token=False,
                opts=with_namespace,
            )
            accounts[team] = account.metadata.name  # type: ignore[attr-defined]
        self.service_accounts = mapping_output(accounts)

        def owned(resource: Callable[..., pulumi.CustomResource], object_name: str, spec: Any) -> None:
            """One of the stack's own objects in the namespace, named `object_name`, with its spec."""
            metadata = kubernetes.meta.v1.ObjectMetaArgs(
                name=object_name, namespace=self.namespace, labels={MANAGED_BY_LABEL: MANAGED_BY}
            )
            resource(f"{name}/{object_name}", metadata=metadata, spec=spec, opts=with_namespace)

        # Runs serve nothing: no ingress to their pods (egress stays open for data and buckets).
        owned(
            kubernetes.networking.v1.NetworkPolicy,
            RUNS_NETWORK_POLICY,
            kubernetes.networking.v1.NetworkPolicySpecArgs(
                pod_selector=kubernetes.meta.v1.LabelSelectorArgs(match_labels={MANAGED_BY_LABEL: MANAGED_BY}),
                policy_types=["Ingress"],
            ),
        )
        if spec.container_defaults is not None:
            defaults = checked.value(lambda args: args.container_defaults)
            item = whole_output(defaults).apply(
                lambda defaults: kubernetes.core.v1.LimitRangeItemArgs(
                    type="Container", default=defaults.limits or None, default_request=defaults.requests or None
                )
            )
            owned(kubernetes.core.v1.LimitRange, RUNS_LIMIT_RANGE, kubernetes.core.v1.LimitRangeSpecArgs(limits=[item]))
        if spec.quota is not None:
            quota = checked.value(lambda args: args.quota)
            owned(kubernetes.core.v1.ResourceQuota, RUNS_QUOTA, kubernetes.core.v1.ResourceQuotaSpecArgs(hard=quota))
        secrets = {}
        for secret_name, secret in spec.credentials.items():
            made = kubernetes.core.v1.Secret(
                f"{name}/{secret_name}",
                metadata=kubernetes.meta.v1.ObjectMetaArgs(
                    name=secret_name,
                    namespace=self.namespace,
                    labels={MANAGED_BY_LABEL: MANAGED_BY, TEAM_KEY: label_value(secret.team)},
                    annotations={
                        ACCESS_ANNOTATION: secret.access,
                        IDENTITY_ANNOTATION: checked.value(lambda args, name=secret_name: args.credentials[name].identity),
                    },
                ),
                type="Opaque",
                # pulumi_kubernetes makes a Secret's data secret, whatever the caller hands over.
                data=whole_output(checked.value(lambda args, name=secret_name: args.credentials[name].data)).apply(
                    lambda data: {key: base64.b64encode(text.encode()).decode() for key, text in data.items()}
                ),
                opts=child,
            )
            secrets[secret_name] = made.metadata.name  # type: ignore[attr-defined]
        self.secrets = mapping_output(secrets)
        self.pod_security = pulumi.Output.from_input(level)
        self.register_outputs(
            {
                "namespace": self.namespace,
                "serviceAccounts": self.service_accounts,
                "podSecurity": self.pod_security,
                "secrets": self.secrets,
            }
        )


def _pick(mapping: pulumi.Input[dict[str, Any]], key: str) -> pulumi.Input[Any]:
    """One key's value of a mapping that may still be an Output."""
    if isinstance(mapping, pulumi.Output):
        return mapping.apply(lambda values: values.get(key))
    return mapping.get(key)  # type: ignore[union-attr]
