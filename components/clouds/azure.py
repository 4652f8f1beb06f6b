"""AzureBlobContainers: storage accounts and containers the stack creates, and per team access to exactly its
containers: a container-scoped SAS (key mode) or a user-assigned identity federated with AKS.

Imported only by stacks with Azure containers to create or grant: it loads pulumi_azure_native.
"""

import json
import uuid
from collections import defaultdict
from typing import Mapping, NotRequired, Optional, TypedDict

import pulumi
from pulumi_azure_native import authorization, managedidentity, storage

from ..outputs import mapping_output
from .common import CreatedBucketArgs, GrantsArgs, ServiceAccountBindingArgs, team_outputs

AKS_CLIENT_ID_ANNOTATION = "azure.workload.identity/client-id"
AKS_AUDIENCE = "api://AzureADTokenExchange"
BLOB_DATA_READER = "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1"
BLOB_DATA_CONTRIBUTOR = "ba92f5b4-2d11-453d-a403-e96b0029c9fe"
SAS_READ, SAS_WRITE = "rl", "racwdl"
SOFT_DELETE_DAYS = 7


class AzureContainerArgs(CreatedBucketArgs):
    """A container teams are granted: one the stack creates with its storage account (StorageV2, HTTPS and TLS 1.2
    only, no public access, soft delete), or one that exists."""

    account: str
    """The storage account."""
    container: str
    """The container."""
    resource_group: str
    """The storage account's resource group."""
    host: NotRequired[str]
    """The account's blob endpoint host. Default <account>.blob.core.windows.net."""
    location: NotRequired[str]
    """Where a created storage account lives: required with create."""
    sas_expiry: NotRequired[str]
    """When the SAS in the teams' credentials expires (UTC, RFC 3339): required for teams without workload
    identity."""


class AksBindingArgs(ServiceAccountBindingArgs):
    """Where the team's user-assigned identity lives, and the cluster its ServiceAccount is federated from."""

    oidc_issuer_url: str
    """The cluster's OIDC issuer URL."""
    resource_group: str
    """The resource group the identity is made in."""
    location: str
    """The identity's location."""


class AzureTeamArgs(GrantsArgs):
    """One team: per container (`account/container`) a SAS with rl or racwdl, or with workload identity Storage
    Blob Data Reader or Contributor on it."""

    name: str
    """Its user-assigned identity's name (workload identity)."""
    workload_identity: NotRequired[AksBindingArgs]
    """Reach the containers through AKS workload identity instead of a SAS."""


class AzureBlobContainersArgs(TypedDict):
    containers: Mapping[str, AzureContainerArgs]
    """`account/container` -> the container: every container created or granted."""
    teams: NotRequired[Mapping[str, AzureTeamArgs]]
    """Team -> its access."""
    subscription_id: NotRequired[pulumi.Input[str]]
    """The subscription of the containers: required for teams with workload identity (their role assignments)."""
    rotation: NotRequired[str]
    """When credentials were last rotated (UTC, RFC 3339): the start of every SAS, so changing it makes new ones."""
    shared_keys: NotRequired[bool]
    """Created accounts accept their keys (and SAS signed with them). Default true; false only when no team will
    ever use a SAS (every team with workload identity), since switching it off breaks every SAS at once."""


def container_scope(subscription: str, spec: AzureContainerArgs) -> str:
    return (
        f"/subscriptions/{subscription}/resourceGroups/{spec['resource_group']}/providers/Microsoft.Storage/"
        f"storageAccounts/{spec['account']}/blobServices/default/containers/{spec['container']}"
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
    credentials: pulumi.Output[dict[str, dict[str, str]]]
    """Team -> container -> JSON {AZURE_ACCOUNT_NAME, AZURE_CONNECTION_STRING} with a SAS, for teams without
    workload identity. Secret."""
    service_account_annotations: pulumi.Output[dict[str, dict[str, str]]]
    """Team -> the annotations its Kubernetes ServiceAccount needs, for teams with workload identity."""

    def __init__(self, name: str, args: AzureBlobContainersArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("polyaxon-storage:index:AzureBlobContainers", name, None, opts)
        specs = args["containers"]
        teams = args.get("teams", {})
        shared_keys = args.get("shared_keys", True)
        keyed = [team for team, access in teams.items() if "workload_identity" not in access]
        if keyed and not shared_keys:
            raise ValueError(f"AzureBlobContainers {name!r}: teams {', '.join(keyed)} use a SAS, which needs shared_keys")
        accounts, created = self._created(name, specs, shared_keys)
        identities, credentials, annotations = {}, {}, {}
        for team, access in teams.items():
            write = set(access.get("write", ()))
            granted = sorted({*access.get("read", ()), *write})
            binding = access.get("workload_identity")
            if binding is None:
                identities[team] = " ".join(f"sas:{key}" for key in granted)
                credentials[team] = mapping_output(
                    {key: self._sas_credentials(specs[key], accounts, key in write, args.get("rotation")) for key in granted}
                )
                continue
            if "subscription_id" not in args:
                raise ValueError(f"AzureBlobContainers {name!r}: team {team!r} uses workload identity, which needs subscription_id")
            identity = managedidentity.UserAssignedIdentity(
                f"{name}/{team}",
                resource_group_name=binding["resource_group"],
                resource_name_=access["name"],
                location=binding["location"],
                opts=pulumi.ResourceOptions(parent=self),
            )
            managedidentity.FederatedIdentityCredential(
                f"{name}/{team}",
                resource_group_name=binding["resource_group"],
                resource_name_=identity.name,
                federated_identity_credential_resource_name=binding["service_account"],
                issuer=binding["oidc_issuer_url"],
                subject=f"system:serviceaccount:{binding['namespace']}:{binding['service_account']}",
                audiences=[AKS_AUDIENCE],
                opts=pulumi.ResourceOptions(parent=self),
            )
            for key in granted:
                role = BLOB_DATA_CONTRIBUTOR if key in write else BLOB_DATA_READER
                authorization.RoleAssignment(
                    f"{name}/{team}/{key}",
                    # A GUID, the same in every run of the program (Azure wants one per assignment).
                    role_assignment_name=str(uuid.uuid5(uuid.NAMESPACE_URL, f"{access['name']}/{key}/{role}")),
                    principal_id=identity.principal_id,
                    principal_type="ServicePrincipal",
                    role_definition_id=pulumi.Output.concat(
                        "/subscriptions/", args["subscription_id"], "/providers/Microsoft.Authorization/roleDefinitions/", role
                    ),
                    scope=pulumi.Output.from_input(args["subscription_id"]).apply(
                        lambda subscription, spec=specs[key]: container_scope(subscription, spec)
                    ),
                    opts=pulumi.ResourceOptions(parent=self, depends_on=[created[key]] if key in created else []),
                )
            identities[team] = identity.principal_id
            annotations[team] = {AKS_CLIENT_ID_ANNOTATION: identity.client_id}
        # Each key once its container exists (a created one).
        self.containers = pulumi.Output.all(
            *(created[key].name.apply(lambda _, key=key: key) if key in created else key for key in specs)
        )
        self.identities, self.credentials, self.service_account_annotations = team_outputs(
            identities, credentials, annotations
        )
        self.register_outputs(
            {"containers": self.containers, "identities": self.identities, "serviceAccountAnnotations": self.service_account_annotations}
        )

    def _created(
        self, name: str, specs: Mapping[str, AzureContainerArgs], shared_keys: bool
    ) -> tuple[dict[str, storage.StorageAccount], dict[str, storage.BlobContainer]]:
        """The storage accounts to create, by name, and their containers, by container key."""
        by_account: dict[str, list[str]] = defaultdict(list)
        for key, spec in specs.items():
            if spec.get("create"):
                by_account[spec["account"]].append(key)
        accounts, containers = {}, {}
        for account_name, keys in by_account.items():
            spec = specs[keys[0]]
            if "location" not in spec:
                raise ValueError(f"AzureBlobContainers {name!r}: storage account {account_name!r} is created, and needs a location")
            protect = pulumi.ResourceOptions(parent=self, protect=spec.get("protect", True))
            account = storage.StorageAccount(
                f"{name}/{account_name}",
                account_name=account_name,
                resource_group_name=spec["resource_group"],
                location=spec["location"],
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
                opts=protect,
            )
            accounts[account_name] = account
            retention = storage.DeleteRetentionPolicyArgs(enabled=True, days=SOFT_DELETE_DAYS)
            storage.BlobServiceProperties(
                f"{name}/{account_name}",
                account_name=account.name,
                resource_group_name=spec["resource_group"],
                blob_services_name="default",
                is_versioning_enabled=spec.get("versioning", True),
                delete_retention_policy=retention,
                container_delete_retention_policy=retention,
                opts=pulumi.ResourceOptions(parent=self),
            )
            for key in keys:
                containers[key] = storage.BlobContainer(
                    f"{name}/{key}",
                    account_name=account.name,
                    resource_group_name=spec["resource_group"],
                    container_name=specs[key]["container"],
                    public_access="None",
                    opts=protect,
                )
        return accounts, containers

    def _sas_credentials(
        self,
        spec: AzureContainerArgs,
        accounts: Mapping[str, storage.StorageAccount],
        writable: bool,
        rotation: Optional[str],
    ) -> pulumi.Output[str]:
        """A container's service SAS in a connection string, as polystores reads it."""
        if "sas_expiry" not in spec:
            raise ValueError(f"container {spec['account']}/{spec['container']} is reached with a SAS, which needs sas_expiry")
        # Signed with the key of the account, once it exists (a created one).
        account = accounts[spec["account"]].name if spec["account"] in accounts else spec["account"]
        sas = storage.list_storage_account_service_sas_output(
            account_name=account,
            resource_group_name=spec["resource_group"],
            canonicalized_resource=f"/blob/{spec['account']}/{spec['container']}",
            resource="c",
            permissions=SAS_WRITE if writable else SAS_READ,
            protocols="https",
            shared_access_start_time=rotation,
            shared_access_expiry_time=spec["sas_expiry"],
            opts=pulumi.InvokeOutputOptions(parent=self),
        )
        host = spec.get("host", f"{spec['account']}.blob.core.windows.net")
        return sas.service_sas_token.apply(
            lambda token: json.dumps(
                {
                    "AZURE_ACCOUNT_NAME": spec["account"],
                    "AZURE_CONNECTION_STRING": f"BlobEndpoint=https://{host}/;SharedAccessSignature={token}",
                }
            )
        )
