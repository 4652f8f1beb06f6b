"""TeamNamespace: a namespace for one or more teams, with a ServiceAccount per team."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import pulumi
import pulumi_kubernetes as kubernetes

from .job import MANAGED_BY
from .namespaces import NamespacePlan
from .names import label_value
from .security import pod_security_labels

RUNS_NETWORK_POLICY = "polyaxon-runs-deny-ingress"


@dataclass(frozen=True)
class TeamNamespaceArgs:
    plan: NamespacePlan
    """The namespace: its teams, whether it is adopted, its Pod Security level."""


class TeamNamespace(pulumi.ComponentResource):
    """Creates the namespace (or, when it exists already, only labels it), the teams'
    ServiceAccounts, and a NetworkPolicy denying ingress to the runs' pods.

    `name` is an Output that depends on the namespace, so objects placed in it
    are created after it.
    """

    def __init__(self, name: str, args: TeamNamespaceArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("polyaxon-storage:index:TeamNamespace", name, None, opts)
        plan = args.plan
        child = pulumi.ResourceOptions(parent=self)
        labels = pod_security_labels(plan.pod_security)
        if plan.adopt:
            # Server-side apply of our labels only: the namespace stays the platform's.
            namespace: pulumi.CustomResource = kubernetes.core.v1.NamespacePatch(
                plan.name, metadata=kubernetes.meta.v1.ObjectMetaPatchArgs(name=plan.name, labels=labels), opts=child
            )
        else:
            namespace = kubernetes.core.v1.Namespace(
                plan.name,
                metadata=kubernetes.meta.v1.ObjectMetaArgs(
                    name=plan.name, labels={"app.kubernetes.io/managed-by": MANAGED_BY, **labels}
                ),
                opts=child,
            )
        self.name: pulumi.Output[str] = namespace.metadata.name  # type: ignore[attr-defined]
        self.service_accounts: dict[str, pulumi.Output[str]] = {}
        for team in plan.teams:
            account = kubernetes.core.v1.ServiceAccount(
                f"{plan.name}/{team.service_account}",
                metadata=kubernetes.meta.v1.ObjectMetaArgs(
                    name=team.service_account,
                    namespace=self.name,
                    labels={"app.kubernetes.io/managed-by": MANAGED_BY, "polyaxon-storage/team": label_value(team.name)},
                ),
                # Runs do not talk to the Kubernetes API: no token in their pods.
                automount_service_account_token=False,
                opts=child,
            )
            self.service_accounts[team.name] = account.metadata.name
        # Runs serve nothing: no ingress to their pods (egress stays open for data and buckets).
        kubernetes.networking.v1.NetworkPolicy(
            f"{plan.name}/{RUNS_NETWORK_POLICY}",
            metadata=kubernetes.meta.v1.ObjectMetaArgs(
                name=RUNS_NETWORK_POLICY, namespace=self.name, labels={"app.kubernetes.io/managed-by": MANAGED_BY}
            ),
            spec=kubernetes.networking.v1.NetworkPolicySpecArgs(
                pod_selector=kubernetes.meta.v1.LabelSelectorArgs(
                    match_labels={"app.kubernetes.io/managed-by": MANAGED_BY}
                ),
                policy_types=["Ingress"],
            ),
            opts=child,
        )
        self.pod_security = pulumi.Output.from_input(plan.pod_security)
        self.register_outputs(
            {"name": self.name, "serviceAccounts": self.service_accounts, "podSecurity": self.pod_security}
        )
