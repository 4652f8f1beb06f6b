"""The public components pass Pulumi's component schema analyzer, so they could be served to other languages."""

from __future__ import annotations

import inspect

import pulumi
from pulumi.provider.experimental.analyzer import Analyzer
from pulumi.provider.experimental.schema import generate_schema

import components


def public_components() -> list[type[pulumi.ComponentResource]]:
    exported = [getattr(components, name) for name in components.__all__]
    return [item for item in exported if inspect.isclass(item) and issubclass(item, pulumi.ComponentResource)]


def package_schema() -> dict:
    analyzed = Analyzer("polyaxon-storage").analyze(public_components())
    return generate_schema(
        "polyaxon-storage",
        "0.2.0",
        None,
        analyzed["component_definitions"],
        analyzed["type_definitions"],
        list(analyzed["dependencies"]),
    ).to_json()


def test_every_public_component_is_in_the_schema_with_described_inputs_and_outputs():
    schema = package_schema()
    names = {component.__name__ for component in public_components()}
    assert names == {"TeamNamespace", "NfsStorage", "RunTemplate", "GcsBuckets", "S3Buckets", "AzureBlobContainers"}
    assert set(schema["resources"]) == {f"polyaxon-storage:index:{name}" for name in names}
    for token, resource in schema["resources"].items():
        assert resource["isComponent"] and resource["description"], token
        assert resource["properties"], f"{token} declares no outputs"
        for kind in ("inputProperties", "properties"):
            for name, spec in resource[kind].items():
                assert spec.get("description"), f"{token}.{name} has no description"


def test_values_that_can_come_from_other_resources_are_inputs_and_rule_inputs_are_plain():
    schema = package_schema()
    template = schema["resources"]["polyaxon-storage:index:RunTemplate"]["inputProperties"]
    run = schema["types"]["polyaxon-storage:index:RunArgs"]["properties"]
    mount = schema["types"]["polyaxon-storage:index:StorageMountArgs"]["properties"]
    nfs = schema["resources"]["polyaxon-storage:index:NfsStorage"]["inputProperties"]
    gcs = schema["resources"]["polyaxon-storage:index:GcsBuckets"]["inputProperties"]
    azure = schema["resources"]["polyaxon-storage:index:AzureBlobContainers"]["inputProperties"]
    gcs_bucket = schema["types"]["polyaxon-storage:index:GcsBucketArgs"]["properties"]
    s3_bucket = schema["types"]["polyaxon-storage:index:S3BucketArgs"]["properties"]
    secret = schema["types"]["polyaxon-storage:index:CredentialsSecretArgs"]["properties"]
    for inputs, name in [
        (template, "namespace"), (template, "serviceAccount"), (run, "image"),
        (mount, "claimName"), (mount, "bucket"), (mount, "secret"),
        (nfs, "server"), (nfs, "path"), (nfs, "namespace"),
        (gcs, "project"), (gcs_bucket, "kmsKey"), (s3_bucket, "kmsKey"), (azure, "subscriptionId"),
        (secret, "data"), (secret, "identity"),
    ]:  # fmt: skip
        assert not inputs[name].get("plain"), name
    for inputs, name in [
        (mount, "name"), (mount, "mountPath"), (mount, "readOnly"), (nfs, "size"), (template, "runs"),
        (gcs, "buckets"), (gcs, "teams"), (gcs_bucket, "create"), (gcs_bucket, "location"), (s3_bucket, "region"),
        (azure, "containers"), (secret, "access"),
    ]:  # fmt: skip
        assert inputs[name].get("plain") is True, name


def test_required_inputs_are_the_ones_without_a_default():
    schema = package_schema()
    required = {token.rsplit(":", 1)[1]: set(spec.get("requiredInputs", [])) for token, spec in schema["resources"].items()}
    assert required == {
        "TeamNamespace": {"namespace", "teams"},
        "NfsStorage": {"server", "path", "size", "namespace", "claimName", "volumeName"},
        "RunTemplate": {"namespace", "serviceAccount", "runs"},
        "GcsBuckets": {"project", "buckets"},
        "S3Buckets": {"buckets"},
        "AzureBlobContainers": {"containers"},
    }
