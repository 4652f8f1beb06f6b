"""TeamNamespace: a namespace for one or more teams, with a ServiceAccount per team and their bucket credentials."""

import base64
from typing import Any, Callable, Mapping, NotRequired, Optional, Sequence, TypedDict

import pulumi
import pulumi_kubernetes as kubernetes

from ..conventions import ACCESS_ANNOTATION, IDENTITY_ANNOTATION, MANAGED_BY, MANAGED_BY_LABEL, TEAM_KEY
from ..core.model import service_account_name
from ..core.names import label_value
from ..core.security import pod_security_labels
from ..outputs import mapping_output

RUNS_NETWORK_POLICY = "polyaxon-runs-deny-ingress"
RUNS_LIMIT_RANGE = "polyaxon-runs-defaults"
RUNS_QUOTA = "polyaxon-runs-quota"


class ContainerDefaultsArgs(TypedDict):
    requests: NotRequired[Mapping[str, str]]
    """What a container that requests nothing requests (LimitRange defaultRequest)."""
    limits: NotRequired[Mapping[str, str]]
    """What a container without limits is limited to (LimitRange default)."""


class CredentialsSecretArgs(TypedDict):
    """A Secret of bucket credentials for one team's runs, annotated as the policy pack expects."""

    team: str
    """The team whose runs read it."""
    data: pulumi.Input[Mapping[str, str]]
    """Key -> the credentials as text (a bucket's, as polystores reads them); stored as a secret."""
    access: str
    """read-only or read-write: what the credentials' identity is granted (annotation polyaxon-storage/access)."""
    identity: pulumi.Input[str]
    """The identity the credentials authenticate as (annotation polyaxon-storage/identity)."""


class TeamNamespaceArgs(TypedDict):
    namespace: pulumi.Input[str]
    """The namespace to create, or to adopt when `existing` is true."""
    teams: Sequence[str]
    """Teams whose runs go there: each gets a ServiceAccount `runs-<team>`."""
    existing: NotRequired[bool]
    """The namespace exists already: only label it (server-side apply), never create or delete it. Default false."""
    pod_security: NotRequired[str]
    """Pod Security level enforced there: restricted (default), baseline or privileged."""
    container_defaults: NotRequired[ContainerDefaultsArgs]
    """A LimitRange giving these to every container there that does not set them, so no pod runs unbounded."""
    quota: NotRequired[Mapping[str, pulumi.Input[str]]]
    """A ResourceQuota's spec.hard: what all pods there may use together."""
    service_account_annotations: NotRequired[Mapping[str, pulumi.Input[Mapping[str, str]]]]
    """Team -> annotations of its ServiceAccount, such as a cloud workload identity's."""
    credentials: NotRequired[Mapping[str, CredentialsSecretArgs]]
    """Secret name -> bucket credentials of one of the teams, kept in the namespace as an Opaque Secret."""


class TeamNamespace(pulumi.ComponentResource):
    """A namespace for training runs: Pod Security labels, a ServiceAccount per team without an
    API token, a NetworkPolicy denying ingress to the runs' pods, the teams' bucket credentials, and,
    when given, a LimitRange of container defaults and a ResourceQuota.

    A namespace it creates outlives it: removing the component (or switching to
    `existing`) leaves the namespace and everything in it, never deletes them.
    """

    namespace: pulumi.Output[str]
    """The namespace's name, known once it exists: objects placed in it are created after it."""
    service_accounts: pulumi.Output[dict[str, str]]
    """Team -> the name of the ServiceAccount its runs use."""
    pod_security: pulumi.Output[str]
    """The Pod Security level enforced in the namespace."""
    secrets: pulumi.Output[dict[str, str]]
    """Secret name -> its name once it exists: what the runs' secretKeyRefs name."""

    def __init__(self, name: str, args: TeamNamespaceArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("polyaxon-storage:index:TeamNamespace", name, None, opts)
        level = args.get("pod_security", "restricted")
        labels = pod_security_labels(level)
        child = pulumi.ResourceOptions(parent=self)
        if args.get("existing", False):
            # Server-side apply of our labels only: the namespace stays the platform's.
            namespace: pulumi.CustomResource = kubernetes.core.v1.NamespacePatch(
                name,
                metadata=kubernetes.meta.v1.ObjectMetaPatchArgs(name=args["namespace"], labels=labels),
                opts=child,
            )
        else:
            namespace = kubernetes.core.v1.Namespace(
                name,
                metadata=kubernetes.meta.v1.ObjectMetaArgs(
                    name=args["namespace"], labels={MANAGED_BY_LABEL: MANAGED_BY, **labels}
                ),
                # Deleting a namespace deletes everything in it: a rename, a removed team or
                # `pulumi destroy` leaves it to be deleted by hand, on purpose.
                opts=pulumi.ResourceOptions(parent=self, retain_on_delete=True),
            )
        self.namespace = namespace.metadata.name  # type: ignore[attr-defined]
        accounts = {}
        annotations = args.get("service_account_annotations", {})
        for team in args["teams"]:
            account = kubernetes.core.v1.ServiceAccount(
                f"{name}/{service_account_name(team)}",
                metadata=kubernetes.meta.v1.ObjectMetaArgs(
                    name=service_account_name(team),
                    namespace=self.namespace,
                    labels={MANAGED_BY_LABEL: MANAGED_BY, TEAM_KEY: label_value(team)},
                    annotations=annotations.get(team),
                ),
                # Runs do not talk to the Kubernetes API: no token in their pods.
                automount_service_account_token=False,
                opts=child,
            )
            accounts[team] = account.metadata.name  # type: ignore[attr-defined]
        self.service_accounts = mapping_output(accounts)

        def owned(resource: Callable[..., pulumi.CustomResource], object_name: str, spec: Any) -> None:
            """One of the stack's own objects in the namespace, named `object_name`, with its spec."""
            metadata = kubernetes.meta.v1.ObjectMetaArgs(
                name=object_name, namespace=self.namespace, labels={MANAGED_BY_LABEL: MANAGED_BY}
            )
            resource(f"{name}/{object_name}", metadata=metadata, spec=spec, opts=child)

        # Runs serve nothing: no ingress to their pods (egress stays open for data and buckets).
        owned(
            kubernetes.networking.v1.NetworkPolicy,
            RUNS_NETWORK_POLICY,
            kubernetes.networking.v1.NetworkPolicySpecArgs(
                pod_selector=kubernetes.meta.v1.LabelSelectorArgs(match_labels={MANAGED_BY_LABEL: MANAGED_BY}),
                policy_types=["Ingress"],
            ),
        )
        defaults = args.get("container_defaults")
        if defaults is not None:
            item = kubernetes.core.v1.LimitRangeItemArgs(
                type="Container",
                default=defaults.get("limits") or None,
                default_request=defaults.get("requests") or None,
            )
            owned(kubernetes.core.v1.LimitRange, RUNS_LIMIT_RANGE, kubernetes.core.v1.LimitRangeSpecArgs(limits=[item]))
        quota = args.get("quota")
        if quota is not None:
            owned(kubernetes.core.v1.ResourceQuota, RUNS_QUOTA, kubernetes.core.v1.ResourceQuotaSpecArgs(hard=quota))
        secrets = {}
        for secret_name, secret in args.get("credentials", {}).items():
            made = kubernetes.core.v1.Secret(
                f"{name}/{secret_name}",
                metadata=kubernetes.meta.v1.ObjectMetaArgs(
                    name=secret_name,
                    namespace=self.namespace,
                    labels={MANAGED_BY_LABEL: MANAGED_BY, TEAM_KEY: label_value(secret["team"])},
                    annotations={ACCESS_ANNOTATION: secret["access"], IDENTITY_ANNOTATION: secret["identity"]},
                ),
                type="Opaque",
                # pulumi_kubernetes makes a Secret's data secret, whatever the caller hands over.
                data=pulumi.Output.from_input(secret["data"]).apply(
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
