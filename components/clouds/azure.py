"""AzureBlobContainers: storage accounts and containers the stack creates, and per team access to exactly its
containers: a container-scoped SAS (key mode) or a user-assigned identity federated with AKS.

Imported only by stacks with Azure containers to create or grant: it loads pulumi_azure_native.
"""

import json
import uuid
from collections import defaultdict
from typing import Any, Mapping, Optional

import pulumi
from pulumi_azure_native import authorization, managedidentity, storage

from ..args import check, typed_args
from ..core.clouds import AKS_CLIENT_ID_ANNOTATION
from ..core.config import cloud_args
from ..core.model import CloudPlan, TeamAccess
from ..outputs import gathered, mapping_output
from .common import (
    CloudContext,
    created_args,
    given,
    kept,
    service_account,
    team_args,
    team_outputs,
)

AKS_AUDIENCE = "api://AzureADTokenExchange"
BLOB_DATA_READER = "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1"
BLOB_DATA_CONTRIBUTOR = "ba92f5b4-2d11-453d-a403-e96b0029c9fe"
SAS_READ, SAS_WRITE = "rl", "racwdl"
SOFT_DELETE_DAYS = 7


AzureContainerArgs = typed_args(cloud_args.AzureContainerArgs)
AksBindingArgs = typed_args(cloud_args.AksBindingArgs)
AzureTeamArgs = typed_args(cloud_args.AzureTeamArgs)
AzureBlobContainersArgs = typed_args(cloud_args.AzureBlobContainersArgs)


def container_scope(subscription: str, spec: cloud_args.AzureContainerArgs) -> str:
    return (
        f"/subscriptions/{subscription}/resourceGroups/{spec.resource_group}/providers/Microsoft.Storage/"
        f"storageAccounts/{spec.account}/blobServices/default/containers/{spec.container}"
    )


class AzureBlobContainers(pulumi.ComponentResource):
    """Azure blob containers and least-privilege access to them: created accounts are StorageV2, HTTPS and TLS 1.2
    only, without public access, with blob versioning and soft delete, and protected, as are their containers
    (never public). Each team gets, per container, either a container-scoped service SAS (read: rl, write:
    racwdl) in `credentials` (a secret; never the account key, which opens the whole account), or, with AKS
    workload identity, one user-assigned identity holding Storage Blob Data Reader or Contributor on exactly
    its containers. Nothing is granted account- or subscription-wide.
    """

    containers: pulumi.Output[list[str]]
    """The containers, `account/container`; a created one's once it exists."""
    identities: pulumi.Output[dict[str, str]]
    """Team -> the principal id of its identity (workload identity), or the SAS scopes of its credentials."""
    secret_outputs = ("credentials", "sas_tokens")  # marked secret in the served schema (components/provider.py)
    credentials: pulumi.Output[dict[str, dict[str, str]]]
    """Team -> container -> JSON {AZURE_ACCOUNT_NAME, AZURE_CONNECTION_STRING} with a SAS, for teams without
    workload identity. Secret."""
    sas_tokens: pulumi.Output[dict[str, dict[str, str]]]
    """Team -> container -> the SAS itself (what the Azure Blob CSI driver mounts the container with), for teams
    without workload identity. Secret."""
    service_account_annotations: pulumi.Output[dict[str, dict[str, str]]]
    """Team -> the annotations its Kubernetes ServiceAccount needs, for teams with workload identity."""

    def __init__(self, name: str, args: AzureBlobContainersArgs, opts: Optional[pulumi.ResourceOptions] = None):  # type: ignore[valid-type]
        super().__init__("polyaxon-storage:index:AzureBlobContainers", name, None, opts)
        checked = check("AzureBlobContainers", name, cloud_args.AzureBlobContainersArgs, args, cloud_args.azure_problems)
        spec = checked.known
        specs = spec.containers
        subscription_id = checked.value(lambda args: args.subscription_id)
        accounts, created = self._created(name, specs, spec.shared_keys)
        identities, credentials, annotations, sas_tokens = {}, {}, {}, {}
        for team, access in spec.teams.items():
            write = set(access.write)
            granted = sorted({*access.read, *write})
            binding = access.workload_identity
            if binding is None:
                identities[team] = " ".join(f"sas:{key}" for key in granted)
                tokens = {key: self._sas(specs[key], accounts, key in write, spec.rotation) for key in granted}
                credentials[team] = mapping_output({key: _credentials(specs[key], token) for key, token in tokens.items()})
                sas_tokens[team] = mapping_output(tokens)
                continue
            identity = managedidentity.UserAssignedIdentity(
                f"{name}/{team}",
                resource_group_name=binding.resource_group,
                resource_name_=access.name,
                location=binding.location,
                opts=pulumi.ResourceOptions(parent=self),
            )
            managedidentity.FederatedIdentityCredential(
                f"{name}/{team}",
                resource_group_name=binding.resource_group,
                resource_name_=identity.name,
                federated_identity_credential_resource_name=binding.service_account,
                issuer=binding.oidc_issuer_url,
                subject=f"system:serviceaccount:{binding.namespace}:{binding.service_account}",
                audiences=[AKS_AUDIENCE],
                opts=pulumi.ResourceOptions(parent=self),
            )
            for key in granted:
                role = BLOB_DATA_CONTRIBUTOR if key in write else BLOB_DATA_READER
                authorization.RoleAssignment(
                    f"{name}/{team}/{key}",
                    # A GUID, the same in every run of the program (Azure wants one per assignment).
                    role_assignment_name=str(uuid.uuid5(uuid.NAMESPACE_URL, f"{access.name}/{key}/{role}")),
                    principal_id=identity.principal_id,
                    principal_type="ServicePrincipal",
                    role_definition_id=pulumi.Output.concat(
                        "/subscriptions/", subscription_id, "/providers/Microsoft.Authorization/roleDefinitions/", role
                    ),
                    scope=pulumi.Output.from_input(subscription_id).apply(
                        lambda subscription, spec=specs[key]: container_scope(subscription, spec)
                    ),
                    opts=pulumi.ResourceOptions(parent=self, depends_on=[created[key]] if key in created else []),
                )
            identities[team] = identity.principal_id
            annotations[team] = {AKS_CLIENT_ID_ANNOTATION: identity.client_id}
        # Each key once its container exists (a created one).
        self.containers = gathered(
            *(created[key].name.apply(lambda _, key=key: key) if key in created else key for key in specs)
        )
        self.identities, self.credentials, self.service_account_annotations = team_outputs(
            identities, credentials, annotations
        )
        self.sas_tokens = pulumi.Output.secret(mapping_output(sas_tokens))
        self.register_outputs(
            {"containers": self.containers, "identities": self.identities, "serviceAccountAnnotations": self.service_account_annotations}
        )

    def _created(
        self, name: str, specs: Mapping[str, cloud_args.AzureContainerArgs], shared_keys: bool
    ) -> tuple[dict[str, storage.StorageAccount], dict[str, storage.BlobContainer]]:
        """The storage accounts to create, by name, and their containers, by container key."""
        by_account: dict[str, list[str]] = defaultdict(list)
        for key, spec in specs.items():
            if spec.create:
                by_account[spec.account].append(key)
        accounts, containers = {}, {}
        for account_name, keys in by_account.items():
            spec = specs[keys[0]]
            options = kept(self, spec)
            account = storage.StorageAccount(
                f"{name}/{account_name}",
                account_name=account_name,
                resource_group_name=spec.resource_group,
                location=spec.location,
                kind="StorageV2",
                sku=storage.SkuArgs(name="Standard_LRS"),
                enable_https_traffic_only=True,
                minimum_tls_version="TLS1_2",
                allow_blob_public_access=False,
                # Keys sign the teams' SAS; without key-mode teams, the account accepts Azure AD alone.
                allow_shared_key_access=shared_keys,
                encryption=storage.EncryptionArgs(
                    key_source="Microsoft.Storage",
                    services=storage.EncryptionServicesArgs(blob=storage.EncryptionServiceArgs(enabled=True, key_type="Account")),
                ),
                opts=options,
            )
            accounts[account_name] = account
            retention = storage.DeleteRetentionPolicyArgs(enabled=True, days=SOFT_DELETE_DAYS)
            storage.BlobServiceProperties(
                f"{name}/{account_name}",
                account_name=account.name,
                resource_group_name=spec.resource_group,
                blob_services_name="default",
                is_versioning_enabled=spec.versioning,
                delete_retention_policy=retention,
                container_delete_retention_policy=retention,
                opts=options,
            )
            for key in keys:
                containers[key] = storage.BlobContainer(
                    f"{name}/{key}",
                    account_name=account.name,
                    resource_group_name=spec.resource_group,
                    container_name=specs[key].container,
                    public_access="None",
                    opts=options,
                )
        return accounts, containers

    def _sas(
        self,
        spec: cloud_args.AzureContainerArgs,
        accounts: Mapping[str, storage.StorageAccount],
        writable: bool,
        rotation: Optional[str],
    ) -> pulumi.Output[str]:
        """A container's service SAS (rl, or racwdl when `writable`)."""
        # Signed with the key of the account, once it exists (a created one).
        account = accounts[spec.account].name if spec.account in accounts else spec.account
        sas = storage.list_storage_account_service_sas_output(
            account_name=account,
            resource_group_name=spec.resource_group,
            canonicalized_resource=f"/blob/{spec.account}/{spec.container}",
            resource="c",
            permissions=SAS_WRITE if writable else SAS_READ,
            protocols="https",
            shared_access_start_time=rotation,
            shared_access_expiry_time=spec.sas_expiry,
            opts=pulumi.InvokeOutputOptions(parent=self),
        )
        return sas.service_sas_token


def _credentials(spec: cloud_args.AzureContainerArgs, token: pulumi.Output[str]) -> pulumi.Output[str]:
    """A container's SAS in a connection string, as polystores reads it."""
    host = spec.host or f"{spec.account}.blob.core.windows.net"
    return token.apply(
        lambda token: json.dumps(
            {
                "AZURE_ACCOUNT_NAME": spec.account,
                "AZURE_CONNECTION_STRING": f"BlobEndpoint=https://{host}/;SharedAccessSignature={token}",
            }
        )
    )


def stack_args(cloud: CloudPlan, context: CloudContext) -> dict[str, Any]:
    """The args of this cloud's component in the stack program, from its plan."""
    aks = context.workload_identity.aks

    def binding(team: TeamAccess) -> dict[str, str]:
        assert aks is not None
        return {
            **service_account(team),
            "oidc_issuer_url": aks.oidc_issuer_url,
            "resource_group": aks.resource_group,
            "location": cloud.settings["azure-native:location"],
        }

    return given(
        containers={
            bucket.address.key: created_args(
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
        teams=team_args(cloud, context, "name", binding),
        subscription_id=context.provider("azure-native:subscriptionId") if "azure-native:subscriptionId" in cloud.settings else None,
        rotation=context.rotation,
        # A stack setting, not the grants of the day: revoking a team's grant never changes the account.
        shared_keys=aks is None or aks.teams is not None,
    )
