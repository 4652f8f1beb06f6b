"""Helpers for the policy pack's tests: resources as the engine hands them to policies.

Resources are given the way pulumi-policy gives them: camelCase properties,
wrapped in its unknown-checking proxy, with `UNKNOWN_STRING_VALUE` where a
value is not known during preview. `props_of` builds the properties from the
real resource classes instead, so a policy reading a property the SDK never
sends fails its test.
"""

from __future__ import annotations

import sys
from typing import Any, Callable, Mapping, Optional, Sequence

import pulumi
from pulumi_policy import (
    Policy,
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    StackValidationArgs,
)
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, unknown_checking_proxy

from components.offline import engine
from conftest import PROJECT_DIR

POLICY_DIR = PROJECT_DIR / "policy"
# As `pulumi preview --policy-pack policy` runs the pack: its folder on sys.path.
if str(POLICY_DIR) not in sys.path:
    sys.path.insert(0, str(POLICY_DIR))

UNKNOWN = UNKNOWN_STRING_VALUE

GCS_BUCKET = "gcp:storage/bucket:Bucket"
S3_BUCKET = "aws:s3/bucket:Bucket"
S3_BUCKET_V2 = "aws:s3/bucketV2:BucketV2"
S3_PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
S3_ENCRYPTION = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
S3_ENCRYPTION_V2 = "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2"
AZURE_ACCOUNT = "azure-native:storage:StorageAccount"
AZURE_CONTAINER = "azure-native:storage:BlobContainer"
PV = "kubernetes:core/v1:PersistentVolume"
SECRET = "kubernetes:core/v1:Secret"
GCS_MEMBER = "gcp:storage/bucketIAMMember:BucketIAMMember"
GCS_BINDING = "gcp:storage/bucketIAMBinding:BucketIAMBinding"
USER_POLICY = "aws:iam/userPolicy:UserPolicy"
ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment"


def urn_of(resource_type: str, name: str) -> str:
    return f"urn:pulumi:test::polyaxon-storage::{resource_type}::{name}"


def options(protect: bool = False) -> PolicyResourceOptions:
    return PolicyResourceOptions(protect, [], None, [], PolicyCustomTimeouts(0, 0, 0), [])


def check_resource(
    policy: Policy, resource_type: str, props: dict, config: Optional[dict] = None, protect: bool = False
) -> list[str]:
    """The violations a resource policy reports for one resource (`protect`: its resource option)."""
    args = ResourceValidationArgs(
        resource_type, unknown_checking_proxy(props), urn_of(resource_type, "r"), "r", options(protect), None, config
    )
    found: list[str] = []
    policy.validate(args, lambda message, urn=None: found.append(message))
    return found


def resource(
    resource_type: str,
    name: str,
    props: Mapping[str, Any],
    bucket_from: Optional[PolicyResource] = None,
    urn: Optional[str] = None,
    protect: bool = False,
) -> PolicyResource:
    """A stack resource; `bucket_from`: the resource its `bucket` property was computed from."""
    dependencies = {"bucket": [bucket_from]} if bucket_from else {}
    return PolicyResource(
        resource_type, unknown_checking_proxy(props), urn or urn_of(resource_type, name), name, options(protect), None,
        None, list(dependencies.get("bucket", [])), dependencies,
    )


def check_stack(policy: Policy, *resources: PolicyResource) -> list[tuple[str, Optional[str]]]:
    """The violations a stack policy reports, as (message, urn)."""
    found: list[tuple[str, Optional[str]]] = []
    policy.validate(StackValidationArgs(list(resources)), lambda message, urn=None: found.append((message, urn)))
    return found




def policy_resources(registrations: Sequence[engine.Registration]) -> list[PolicyResource]:
    """The custom resources among `registrations` as a stack policy gets them: their properties with
    the id the mocks gave them, their protect option, and each property linked to the resources its value came
    from."""
    made = {
        r.urn: resource(r.type, r.name, {**r.inputs, "id": r.id}, urn=r.urn, protect=r.protect)
        for r in registrations
        if r.custom
    }
    for r in registrations:
        if r.custom:
            linked = {key: [made[urn] for urn in urns if urn in made] for key, urns in r.dependencies.items()}
            made[r.urn].property_dependencies = linked
            made[r.urn].dependencies = [dependency for found in linked.values() for dependency in found]
    return list(made.values())


def registered_by(make: Callable[[], Any]) -> list[PolicyResource]:
    """What `make` registers, built from the real resource classes under the mock engine, as policy resources."""
    mock = engine.start("polyaxon-storage", "policy-test")
    mock.run(make)
    return policy_resources(mock.registrations)


def props_of(make: Callable[[], pulumi.CustomResource]) -> tuple[str, Mapping[str, Any]]:
    """(type, properties) of the one custom resource `make` registers from a real resource class."""
    (found,) = registered_by(make)
    return found.resource_type, found.props


def plain(value: Any) -> Any:
    """A policy resource's (proxied) properties as plain dicts and lists, to copy and change."""
    if isinstance(value, Mapping):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, Sequence) and not isinstance(value, str):
        return [plain(item) for item in value]
    return value
