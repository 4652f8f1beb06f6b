"""What the clouds' providers would answer, faked for the mock engine: outputs that are no inputs, and invokes.

Under the mock engine a resource's outputs are its inputs, so an account's
email, a key's private key or an identity's principal id would be None, and
the program's Secrets and annotations with them. These stand-ins are
deterministic (derived from the resource's name and inputs, never random),
and every credential among them carries FAKE_CREDENTIAL, so tests can tell
that none leaks into what `render` prints.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from ..core.names import digest

FAKE_CREDENTIAL = "mock-credential"
"""In every faked credential value (keys, secrets, SAS signatures)."""
AWS_ACCOUNT = "123456789012"

Fake = Callable[[str, Mapping[str, Any]], dict[str, Any]]


def _gcp_account(name: str, inputs: Mapping[str, Any]) -> dict[str, Any]:
    email = f"{inputs.get('accountId')}@{inputs.get('project')}.iam.gserviceaccount.com"
    return {
        "email": email,
        "member": f"serviceAccount:{email}",
        "name": f"projects/{inputs.get('project')}/serviceAccounts/{email}",
        "uniqueId": str(int(digest(name, 12), 16)),
    }


def _gcp_key(name: str, inputs: Mapping[str, Any]) -> dict[str, Any]:
    key_file = {
        "type": "service_account",
        "client_email": str(inputs.get("serviceAccountId", "")).rsplit("/", 1)[-1],
        "private_key_id": digest(name, 40),
        "private_key": f"-----BEGIN PRIVATE KEY-----\n{FAKE_CREDENTIAL}-{digest(name, 32)}\n-----END PRIVATE KEY-----\n",
    }
    return {"privateKey": base64.b64encode(json.dumps(key_file).encode()).decode(), "name": f"key-{digest(name)}"}


def _aws_arn(kind: str) -> Fake:
    def arn(name: str, inputs: Mapping[str, Any]) -> dict[str, Any]:
        return {"arn": f"arn:aws:iam::{AWS_ACCOUNT}:{kind}{inputs.get('path', '/')}{inputs.get('name')}"}

    return arn


def _aws_access_key(name: str, inputs: Mapping[str, Any]) -> dict[str, Any]:
    return {"secret": f"{FAKE_CREDENTIAL}-{digest(name, 32)}"}


def _named(key: str) -> Fake:
    """Azure resources whose `name` output is one of their inputs."""
    return lambda name, inputs: {"name": inputs.get(key)}


def _azure_identity(name: str, inputs: Mapping[str, Any]) -> dict[str, Any]:
    import uuid  # only stacks with Azure identities need it: render's start-up stays lean

    return {
        "name": inputs.get("resourceName"),
        "principalId": str(uuid.uuid5(uuid.NAMESPACE_URL, f"principal/{name}")),
        "clientId": str(uuid.uuid5(uuid.NAMESPACE_URL, f"client/{name}")),
    }


def _filestore_instance(name: str, inputs: Mapping[str, Any]) -> dict[str, Any]:
    """Its network's IP address: 10.<digest>, as Filestore reserves one in the VPC."""
    octets = bytes.fromhex(digest(name, 4))
    address = f"10.{octets[0]}.{octets[1]}.2"
    return {"networks": [{**network, "ipAddresses": [address]} for network in inputs.get("networks") or []]}


EFS_FILE_SYSTEM = "aws:efs/fileSystem:FileSystem"


def _efs_file_system(name: str, inputs: Mapping[str, Any]) -> dict[str, Any]:
    return {"dnsName": f"{resource_id(EFS_FILE_SYSTEM, name)}.efs.{inputs.get('region')}.amazonaws.com"}


@dataclass(frozen=True)
class ProviderFakes:
    """What one cloud's provider would answer: the outputs it computes, ids the program uses, invokes."""

    outputs: Mapping[str, Fake] = field(default_factory=dict)
    """Resource type -> the outputs its provider computes (beyond its inputs)."""
    ids: Mapping[str, Callable[[str], str]] = field(default_factory=dict)
    """Resource type -> its id, where the program uses the id (an access key's id is AWS_ACCESS_KEY_ID)."""
    invokes: Mapping[str, Callable[[Mapping[str, Any]], dict[str, Any]]] = field(default_factory=dict)
    """Invoke token -> its answer."""


def resource_outputs(resource_type: str, name: str, inputs: Mapping[str, Any]) -> dict[str, Any]:
    """A resource's state as its provider would return it: its inputs, and the outputs it computes."""
    fake = _fakes(resource_type).outputs.get(resource_type)
    return {**inputs, **fake(name, inputs)} if fake else dict(inputs)


def resource_id(resource_type: str, name: str) -> str:
    make = _fakes(resource_type).ids.get(resource_type)
    return make(name) if make else f"{name}-id"


def _service_sas(args: Mapping[str, Any]) -> dict[str, Any]:
    signature = digest(json.dumps(dict(args), sort_keys=True), 32)
    start = f"&st={args['sharedAccessStartTime']}" if args.get("sharedAccessStartTime") else ""
    return {
        "serviceSasToken": f"sv=2022-11-02&sr={args.get('resource')}&sp={args.get('permissions')}{start}"
        f"&se={args.get('sharedAccessExpiryTime')}&spr=https&sig={FAKE_CREDENTIAL}-{signature}"
    }


def _account_keys(args: Mapping[str, Any]) -> dict[str, Any]:
    key = f"{FAKE_CREDENTIAL}-{digest(json.dumps(dict(args), sort_keys=True), 32)}"
    return {"keys": [{"keyName": "key1", "value": key, "permissions": "FULL"}]}


FAKES: dict[str, ProviderFakes] = {
    "gcp": ProviderFakes(
        outputs={
            "gcp:serviceaccount/account:Account": _gcp_account,
            "gcp:serviceaccount/key:Key": _gcp_key,
            "gcp:filestore/instance:Instance": _filestore_instance,
        },
    ),
    "aws": ProviderFakes(
        outputs={
            "aws:s3/bucket:Bucket": lambda name, inputs: {"arn": f"arn:aws:s3:::{inputs.get('bucket')}"},
            "aws:iam/user:User": _aws_arn("user"),
            "aws:iam/role:Role": _aws_arn("role"),
            "aws:iam/accessKey:AccessKey": _aws_access_key,
            EFS_FILE_SYSTEM: _efs_file_system,
        },
        ids={
            "aws:iam/accessKey:AccessKey": lambda name: "AKIA" + digest(name, 16).upper(),
            # The EFS CSI driver checks the ids in a volume handle for these shapes.
            EFS_FILE_SYSTEM: lambda name: "fs-" + digest(name, 17),
            "aws:efs/accessPoint:AccessPoint": lambda name: "fsap-" + digest(name, 17),
            "aws:ec2/securityGroup:SecurityGroup": lambda name: "sg-" + digest(name, 17),
        },
    ),
    "azure-native": ProviderFakes(
        outputs={
            "azure-native:storage:StorageAccount": _named("accountName"),
            "azure-native:storage:BlobContainer": _named("containerName"),
            "azure-native:storage:FileShare": _named("shareName"),
            "azure-native:network:PrivateEndpoint": _named("privateEndpointName"),
            "azure-native:managedidentity:UserAssignedIdentity": _azure_identity,
        },
        invokes={
            "azure-native:storage:listStorageAccountServiceSAS": _service_sas,
            "azure-native:storage:listStorageAccountKeys": _account_keys,
        },
    ),
}
"""Each cloud's fakes, by its provider (the cloud's entry in core/stores.py)."""


def _fakes(token: str) -> ProviderFakes:
    return FAKES.get(token.split(":", 1)[0], ProviderFakes())


def invoke(token: str, args: Mapping[str, Any]) -> dict[str, Any]:
    """What an invoke returns (nothing, for one the program does not make)."""
    answer = _fakes(token).invokes.get(token)
    return answer(args) if answer else {}
