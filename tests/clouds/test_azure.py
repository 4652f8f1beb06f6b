"""Azure Blob under the mock engine: a hardened, protected account and containers; per team a container-scoped
SAS in its Secret (never the account key), or a user-assigned identity federated with AKS."""

from __future__ import annotations

import json
import re

import pytest
from cloud_support import (
    PROVIDERS,
    ROTATION,
    cloud_resources,
    env,
    of_type,
    run_program,
    secret_refs,
    secrets,
    service_account,
    two_teams,
)

from components.conventions import REDACTED
from components.offline import engine

ACCOUNT = "azure-native:storage:StorageAccount"
SERVICE = "azure-native:storage:BlobServiceProperties"
CONTAINER = "azure-native:storage:BlobContainer"
IDENTITY = "azure-native:managedidentity:UserAssignedIdentity"
FEDERATED = "azure-native:managedidentity:FederatedIdentityCredential"
ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment"
READER, CONTRIBUTOR = "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1", "ba92f5b4-2d11-453d-a403-e96b0029c9fe"
EXPIRY = "2027-09-30T00:00:00Z"
ISSUER = "https://westeurope.oic.prod-aks.azure.com/t/c/"

DATA = {
    "imagenet": {
        "store": "azure", "bucket": "wasbs://imagenet@acmeml.blob.core.windows.net/", "readOnly": True,
        "create": True, "resourceGroup": "rg-ml", "sasExpiry": EXPIRY,
    }
}  # fmt: skip
OUTPUTS = {
    "results": {
        "store": "azure", "bucket": "wasbs://results@acmeml.blob.core.windows.net/",
        "create": True, "resourceGroup": "rg-ml", "sasExpiry": EXPIRY,
    }
}  # fmt: skip
AKS_NLP = {"workloadIdentity": {"aks": {"oidcIssuerUrl": ISSUER, "resourceGroup": "rg-identities", "teams": ["nlp"]}}}


@pytest.mark.parametrize("keyless", [False, True], ids=["key", "workload-identity"])
def test_exactly_the_account_containers_identities_and_role_assignments(keyless):
    mock, _ = run_program(two_teams(DATA, OUTPUTS, AKS_NLP if keyless else None))
    expected = {
        (ACCOUNT, "azure/acmeml"),
        (SERVICE, "azure/acmeml"),
        (CONTAINER, "azure/acmeml/imagenet"),
        (CONTAINER, "azure/acmeml/results"),
    }
    if keyless:
        expected |= {(IDENTITY, "azure/nlp"), (FEDERATED, "azure/nlp"), (ROLE_ASSIGNMENT, "azure/nlp/acmeml/imagenet")}
    assert cloud_resources(mock, "azure-native") == expected
    assert set(secrets(mock)) == {"team-vision/azure-credentials-vision"} | (set() if keyless else {"team-nlp/azure-credentials-nlp"})


def test_the_account_is_storage_v2_https_tls12_private_encrypted_and_protected_with_its_containers():
    mock, _ = run_program(two_teams(DATA, OUTPUTS))
    (account,) = of_type(mock, ACCOUNT).values()
    assert account.inputs == {
        "accountName": "acmeml",
        "resourceGroupName": "rg-ml",
        "location": "westeurope",
        "kind": "StorageV2",
        "sku": {"name": "Standard_LRS"},
        "enableHttpsTrafficOnly": True,
        "minimumTlsVersion": "TLS1_2",
        "allowBlobPublicAccess": False,
        "allowSharedKeyAccess": True,
        "encryption": {"keySource": "Microsoft.Storage", "services": {"blob": {"enabled": True, "keyType": "Account"}}},
    }
    (service,) = of_type(mock, SERVICE).values()
    retention = {"enabled": True, "days": 7}
    assert service.inputs == {
        "accountName": "acmeml",
        "resourceGroupName": "rg-ml",
        "blobServicesName": "default",
        "isVersioningEnabled": True,
        "deleteRetentionPolicy": retention,
        "containerDeleteRetentionPolicy": retention,
    }
    containers = of_type(mock, CONTAINER)
    assert {c.inputs["containerName"]: c.inputs["publicAccess"] for c in containers.values()} == {"imagenet": "None", "results": "None"}
    assert account.protect and all(c.protect for c in containers.values()) and not service.protect


def test_accounts_refuse_shared_keys_when_every_team_uses_workload_identity():
    keyless = {"workloadIdentity": {"aks": {**AKS_NLP["workloadIdentity"]["aks"], "teams": None}}}
    mock, _ = run_program(two_teams(DATA, OUTPUTS, keyless))
    (account,) = of_type(mock, ACCOUNT).values()
    assert account.inputs["allowSharedKeyAccess"] is False


def test_key_mode_secret_holds_a_container_scoped_sas_never_the_account_key():
    mock, components = run_program(two_teams(DATA, OUTPUTS, AKS_NLP))
    azure = components.clouds["azure"]
    (secret,) = secrets(mock).values()
    assert secret.inputs["metadata"]["annotations"] == {
        "polyaxon-storage/access": "read-write",
        "polyaxon-storage/identity": "sas:acmeml/imagenet sas:acmeml/results",
    }
    assert secret.inputs["data"] == {"acmeml.imagenet.json": REDACTED, "acmeml.results.json": REDACTED} and secret.secret_inputs == ("data",)
    assert engine.is_secret(azure.credentials)
    payloads = {key: json.loads(text) for key, text in engine.value(azure.credentials)["vision"].items()}
    for key, permissions in (("acmeml/imagenet", "rl"), ("acmeml/results", "racwdl")):
        payload = payloads[key]
        assert payload["AZURE_ACCOUNT_NAME"] == "acmeml"
        endpoint, signature = payload["AZURE_CONNECTION_STRING"].split(";")
        assert endpoint == "BlobEndpoint=https://acmeml.blob.core.windows.net/"
        assert signature.startswith("SharedAccessSignature=") and "AccountKey" not in payload["AZURE_CONNECTION_STRING"]
        fields = dict(part.split("=", 1) for part in signature.removeprefix("SharedAccessSignature=").split("&"))
        # Container-scoped, read-only or read-write, from the rotation to the configured expiry, over HTTPS.
        assert (fields["sr"], fields["sp"], fields["st"], fields["se"], fields["spr"]) == ("c", permissions, ROTATION, EXPIRY, "https")
    assert secret_refs(engine.value(components.jobs["resnet"])) == [
        {"name": "azure-credentials-vision", "key": "acmeml.imagenet.json"},
        {"name": "azure-credentials-vision", "key": "acmeml.results.json"},
    ]


def test_a_new_rotation_signs_new_sas():
    _, before = run_program(two_teams(DATA, OUTPUTS))
    _, after = run_program(two_teams(DATA, OUTPUTS, credentialsRotation="2026-11-01"))
    first, second = (engine.value(c.clouds["azure"].credentials)["vision"] for c in (before, after))
    assert first.keys() == second.keys() and all(first[key] != second[key] for key in first)


def test_aks_workload_identity_federates_the_teams_service_account_and_grants_each_container():
    config = two_teams(DATA, OUTPUTS, AKS_NLP)
    config["teams"]["nlp"]["outputs"] = ["results"]
    config["runs"]["bert"]["outputs_refs"] = ["results"]
    mock, components = run_program(config)
    (identity,) = of_type(mock, IDENTITY).values()
    assert identity.inputs == {"resourceGroupName": "rg-identities", "resourceName": identity.inputs["resourceName"], "location": "westeurope"}
    (federated,) = of_type(mock, FEDERATED).values()
    assert {key: federated.inputs[key] for key in ("issuer", "subject", "audiences", "resourceName")} == {
        "issuer": ISSUER,
        "subject": "system:serviceaccount:team-nlp:runs-nlp",
        "audiences": ["api://AzureADTokenExchange"],
        "resourceName": identity.inputs["resourceName"],
    }
    principal = engine.value(components.clouds["azure"].identities)["nlp"]
    subscription = PROVIDERS["azure-native:subscriptionId"]
    assignments = {
        (r.inputs["scope"], r.inputs["roleDefinitionId"].rsplit("/", 1)[-1]) for r in of_type(mock, ROLE_ASSIGNMENT).values()
    }
    scope = f"/subscriptions/{subscription}/resourceGroups/rg-ml/providers/Microsoft.Storage/storageAccounts/acmeml/blobServices/default/containers"
    assert assignments == {(f"{scope}/imagenet", READER), (f"{scope}/results", CONTRIBUTOR)}
    for assignment in of_type(mock, ROLE_ASSIGNMENT).values():
        assert (assignment.inputs["principalId"], assignment.inputs["principalType"]) == (principal, "ServicePrincipal")
        assert assignment.inputs["roleDefinitionId"].startswith(f"/subscriptions/{subscription}/providers/Microsoft.Authorization/roleDefinitions/")
    annotations = service_account(mock, "nlp")["annotations"]
    # The identity's client id (an output of the identity, faked by the mocks), not its principal id.
    client_id = annotations["azure.workload.identity/client-id"]
    assert re.fullmatch(r"[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}", client_id) and client_id != principal
    assert (annotations["polyaxon-storage/access"], annotations["polyaxon-storage/identity"]) == ("read-write", principal)
    bert = engine.value(components.jobs["bert"])
    assert bert["spec"]["template"]["metadata"]["labels"]["azure.workload.identity/use"] == "true"
    assert secret_refs(bert) == []
    assert json.loads(env(bert)["POLYSTORES_RUN_STORES_ACCESS_KEYS"]) == {
        "wasbs://imagenet@acmeml.blob.core.windows.net/": {"store": "azure"},
        "wasbs://results@acmeml.blob.core.windows.net/": {"store": "azure"},
    }



def test_an_expired_sas_is_warned_about_when_the_program_runs():
    expired = {name: {**entry, "sasExpiry": "2020-01-01"} for name, entry in DATA.items()}
    mock, _ = run_program(two_teams(expired, OUTPUTS))
    assert [w for w in mock.warnings if "sasExpiry" in w] == [
        "persistence.data.imagenet.sasExpiry: the SAS of acmeml/imagenet in the teams' Secrets has expired "
        "(2020-01-01T00:00:00Z): set a later sasExpiry and run pulumi up"
    ]
