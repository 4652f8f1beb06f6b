"""The components as another language sees them: the served schema, derived from their declarations, and
each component constructed through the component provider with camelCase inputs."""

from __future__ import annotations

import json

import pytest

from components.core.config.run import RunTemplateArgs
from components.provider import PolyaxonStorageProvider, public_components, schema_path


@pytest.fixture(scope="module")
def schema() -> dict:
    return json.loads(PolyaxonStorageProvider().schema)


def test_every_public_component_is_in_the_schema_with_described_inputs_and_outputs(schema):
    names = {component.__name__ for component in public_components()}
    assert names == {
        "TeamNamespace", "NfsStorage", "CsiStorage", "SharedDirectories", "RunTemplate", "GcsBuckets", "S3Buckets",
        "AzureBlobContainers", "FilestoreShare", "EfsFileSystem", "AzureFileShare",
    }  # fmt: skip
    assert set(schema["resources"]) == {f"polyaxon-storage:index:{name}" for name in names}
    for token, resource in schema["resources"].items():
        assert resource["isComponent"] and resource["description"], token
        assert resource["properties"], f"{token} declares no outputs"
        for kind in ("inputProperties", "properties"):
            for name, spec in resource[kind].items():
                assert spec.get("description"), f"{token}.{name} has no description"
    for token, kind in schema["types"].items():
        assert kind.get("description"), token
        for name, spec in kind.get("properties", {}).items():
            assert spec.get("description"), f"{token}.{name} has no description"


def test_values_that_can_come_from_other_resources_are_inputs_and_rule_inputs_are_plain(schema):
    template = schema["resources"]["polyaxon-storage:index:RunTemplate"]["inputProperties"]
    run = schema["types"]["polyaxon-storage:index:RunArgs"]["properties"]
    mount = schema["types"]["polyaxon-storage:index:MountArgs"]["properties"]
    nfs = schema["resources"]["polyaxon-storage:index:NfsStorage"]["inputProperties"]
    gcs = schema["resources"]["polyaxon-storage:index:GcsBuckets"]["inputProperties"]
    azure = schema["resources"]["polyaxon-storage:index:AzureBlobContainers"]["inputProperties"]
    gcs_bucket = schema["types"]["polyaxon-storage:index:GcsBucketArgs"]["properties"]
    s3_bucket = schema["types"]["polyaxon-storage:index:S3BucketArgs"]["properties"]
    secret = schema["types"]["polyaxon-storage:index:CredentialsSecretArgs"]["properties"]
    filestore = schema["resources"]["polyaxon-storage:index:FilestoreShare"]["inputProperties"]
    efs = schema["resources"]["polyaxon-storage:index:EfsFileSystem"]["inputProperties"]
    files = schema["resources"]["polyaxon-storage:index:AzureFileShare"]["inputProperties"]
    csi = schema["resources"]["polyaxon-storage:index:CsiStorage"]["inputProperties"]
    directories = schema["resources"]["polyaxon-storage:index:SharedDirectories"]["inputProperties"]
    for inputs, name in [
        (template, "namespace"), (template, "serviceAccount"), (template, "podSecurity"), (run, "image"),
        (mount, "claimName"), (mount, "bucket"), (mount, "secret"),
        (nfs, "server"), (nfs, "path"), (nfs, "namespace"),
        (gcs, "project"), (gcs_bucket, "kmsKey"), (s3_bucket, "kmsKey"), (azure, "subscriptionId"),
        (secret, "data"), (secret, "identity"),
        (filestore, "project"), (filestore, "network"), (filestore, "kmsKey"), (efs, "vpcId"), (efs, "kmsKey"),
        (files, "subnetId"), (files, "privateDnsZoneId"), (csi, "namespace"), (csi, "volumeHandle"),
        (csi, "volumeAttributes"), (csi, "nodeStageSecret"), (directories, "server"), (directories, "path"),
        (directories, "namespace"),
    ]:  # fmt: skip
        assert not inputs[name].get("plain"), name
    for inputs, name in [
        (mount, "name"), (mount, "mountPath"), (mount, "readOnly"), (nfs, "size"), (template, "runs"),
        (gcs, "buckets"), (gcs, "teams"), (gcs_bucket, "create"), (gcs_bucket, "location"), (s3_bucket, "region"),
        (azure, "containers"), (secret, "access"),
        (filestore, "capacityGb"), (filestore, "tier"), (filestore, "share"), (efs, "subnets"), (efs, "clients"),
        (files, "quotaGb"), (files, "protocol"), (csi, "driver"), (csi, "size"), (csi, "readOnly"),
        (directories, "directories"), (directories, "jobName"),
    ]:  # fmt: skip
        assert inputs[name].get("plain") is True, name


def test_enumerations_are_enums_integers_are_integers_and_credentials_are_secret(schema):
    types = schema["types"]
    enums = {token.rsplit(":", 1)[1]: [member["value"] for member in spec["enum"]] for token, spec in types.items() if "enum" in spec}
    assert enums["PodSecurityLevel"] == ["restricted", "baseline", "privileged"]
    assert enums["Access"] == ["read-only", "read-write"]
    assert enums["RunKind"] == ["experiment", "job"]
    assert enums["Store"] == ["gcs", "s3", "azure"]
    assert enums["ImagePullPolicy"] == ["Always", "IfNotPresent", "Never"]
    assert set(enums["LogLevel"]) == {"INFO", "DEBUG", "WARN", "ERROR", "FATAL"}
    run = types["polyaxon-storage:index:RunArgs"]["properties"]
    assert run["kind"]["$ref"].endswith(":RunKind") and run["logLevel"]["$ref"].endswith(":LogLevel")
    assert run["maxRestarts"]["type"] == "integer" and run["ttlSecondsAfterFinished"]["type"] == "integer"
    assert types["polyaxon-storage:index:CredentialsSecretArgs"]["properties"]["data"]["secret"] is True
    for component in ("GcsBuckets", "S3Buckets", "AzureBlobContainers"):
        assert schema["resources"][f"polyaxon-storage:index:{component}"]["properties"]["credentials"]["secret"] is True
    resources = schema["resources"]
    assert resources["polyaxon-storage:index:AzureBlobContainers"]["properties"]["sasTokens"]["secret"] is True
    assert resources["polyaxon-storage:index:AzureFileShare"]["properties"]["accountKey"]["secret"] is True
    secrets = [
        (token, name)
        for token, spec in [*types.items(), *schema["resources"].items()]
        for kind in ("properties", "inputProperties")
        for name, prop in spec.get(kind, {}).items()
        if prop.get("secret")
    ]
    assert len(secrets) == 6, secrets


def test_required_inputs_are_the_ones_without_a_default(schema):
    required = {token.rsplit(":", 1)[1]: set(spec.get("requiredInputs", [])) for token, spec in schema["resources"].items()}
    assert required == {
        "TeamNamespace": {"namespace", "teams"},
        "NfsStorage": {"server", "path", "size", "namespace", "claimName", "volumeName"},
        "RunTemplate": {"namespace", "serviceAccount", "runs"},
        "GcsBuckets": {"project", "buckets"},
        "S3Buckets": {"buckets"},
        "AzureBlobContainers": {"containers"},
        "CsiStorage": {"driver", "volumeHandle", "size", "namespace", "claimName", "volumeName"},
        "SharedDirectories": {"namespace", "jobName", "server", "path", "directories"},
        "FilestoreShare": {"project", "instance", "location", "capacityGb", "share", "network"},
        "EfsFileSystem": {"creationToken", "vpcId", "subnets", "clients"},
        "AzureFileShare": {"account", "resourceGroup", "location", "share", "quotaGb", "subnetId"},
    }


@pytest.mark.parametrize(
    "path, expected",
    [
        ("runs.train_x.data[1].mount_path", "runs.train_x.data[1].mountPath"),
        ("runs.t.env.MY_VAR", "runs.t.env.MY_VAR"),
        ("runs.t.security_context.run_as_user", "runs.t.securityContext.runAsUser"),
        ("runs.t.tolerations[0].toleration_seconds", "runs.t.tolerations[0].tolerationSeconds"),
        ("bounds.secret_refs", "bounds.secretRefs"),
    ],
)
def test_an_args_path_is_reported_in_the_schemas_names(path: str, expected: str) -> None:
    assert schema_path(RunTemplateArgs, path) == expected
