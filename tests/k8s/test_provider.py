"""Each component served to another language: constructed through the component provider, with the camelCase
inputs (and the floats for integers) another language's SDK sends, under the mock engine."""

from __future__ import annotations

from typing import Any

import pytest
from pulumi.errors import InputPropertiesError

from components.offline import engine
from components.provider import PolyaxonStorageProvider

TOKEN = "polyaxon-storage:index:"


@pytest.fixture(scope="module")
def provider() -> PolyaxonStorageProvider:
    return PolyaxonStorageProvider()


def construct(provider: PolyaxonStorageProvider, component: str, inputs: dict[str, Any]) -> tuple[engine.Engine, Any]:
    mock = engine.start("other-language", "test")
    return mock, mock.run(lambda: provider.construct(component.lower(), TOKEN + component, inputs, None))


def types_of(mock: engine.Engine) -> set[str]:
    return {registration.type for registration in mock.registrations}


def test_team_namespace_through_the_provider(provider):
    mock, result = construct(
        provider,
        "TeamNamespace",
        {
            "namespace": "ml",
            "teams": ["vision"],
            "podSecurity": "baseline",
            "containerDefaults": {"requests": {"cpu": "1"}, "limits": {"cpu": "2"}},
            "credentials": {"gcs-vision": {"team": "vision", "data": {"k.json": "{}"}, "access": "read-only", "identity": "me"}},
        },
    )
    assert {"kubernetes:core/v1:Namespace", "kubernetes:core/v1:LimitRange", "kubernetes:core/v1:Secret"} <= types_of(mock)
    assert engine.value(result.state["podSecurity"]) == "baseline"
    assert engine.value(result.state["serviceAccounts"]) == {"vision": "runs-vision"}


def test_nfs_storage_through_the_provider(provider):
    mock, result = construct(
        provider,
        "NfsStorage",
        {"server": "10.0.0.5", "path": "/exports/x", "size": "1Ti", "namespace": "ml", "claimName": "x", "volumeName": "ml-x", "readOnly": True},
    )
    (volume,) = [r for r in mock.registrations if r.type == "kubernetes:core/v1:PersistentVolume"]
    assert volume.inputs["spec"]["accessModes"] == ["ReadOnlyMany"]
    assert engine.value(result.state["claimName"]) == "x"


def test_run_template_through_the_provider_normalises_another_languages_integers(provider):
    _, result = construct(
        provider,
        "RunTemplate",
        {
            "namespace": "ml",
            "serviceAccount": "runs-vision",
            "podSecurity": "baseline",
            "runs": {
                "train": {
                    "image": "trainer:1",
                    "kind": "job",
                    "maxRestarts": 2.0,
                    "ttlSecondsAfterFinished": 60.0,
                    "securityContext": {"runAsUser": 1000.0, "runAsNonRoot": True},
                    "outputs": {"name": "o", "mountPath": "/o", "claimName": "o"},
                }
            },
        },
    )
    job = engine.value(result.state["jobs"])["train"]
    assert (job["spec"]["backoffLimit"], job["spec"]["ttlSecondsAfterFinished"]) == (2, 60)
    assert type(job["spec"]["backoffLimit"]) is int
    assert job["spec"]["template"]["spec"]["containers"][0]["securityContext"]["runAsUser"] == 1000
    env = {item["name"]: item.get("value") for item in job["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert "POLYAXON_JOB_INFO" in env


@pytest.mark.parametrize(
    "component, inputs",
    [
        ("GcsBuckets", {"project": "acme", "buckets": {"acme-data": {"create": True, "location": "EU"}}, "teams": {"vision": {"accountId": "px-vision", "read": ["acme-data"]}}}),
        ("S3Buckets", {"buckets": {"acme-data": {"create": True, "region": "eu-west-1"}}, "teams": {"vision": {"name": "px-vision", "write": ["acme-data"]}}}),
        (
            "AzureBlobContainers",
            {
                "containers": {"acmeml/data": {"account": "acmeml", "container": "data", "resourceGroup": "rg", "create": True, "location": "westeurope", "sasExpiry": "2030-01-01T00:00:00Z"}},
                "teams": {"vision": {"name": "px-vision", "read": ["acmeml/data"]}},
            },
        ),
    ],
)  # fmt: skip
def test_each_cloud_component_through_the_provider_keeps_its_credentials_secret(provider, component, inputs):
    mock, result = construct(provider, component, inputs)
    assert any(registration.protect for registration in mock.registrations)
    assert engine.is_secret(result.state["credentials"])
    assert set(engine.value(result.state["credentials"])) == {"vision"}


def test_bad_inputs_are_reported_per_property_in_the_schemas_names(provider):
    with pytest.raises(InputPropertiesError) as refused:
        construct(
            provider,
            "RunTemplate",
            {
                "namespace": "ml",
                "serviceAccount": "sa",
                "runs": {"train": {"image": "t:1", "securityContext": {"privileged": True}, "outputs": {"name": "o", "mountPath": "/etc", "claimName": "o", "readOnly": True}}},
            },
        )
    assert refused.value.errors == [
        {"property_path": "runs.train.outputs.mountPath", "reason": "/etc would cover the container's /etc; mount the volume elsewhere, such as /data"},
        {"property_path": "runs.train.outputs.readOnly", "reason": "the run writes its outputs there: an outputs mount is writable (its directory is made by an init container before the run starts)"},
        {"property_path": "runs.train.securityContext", "reason": "namespace 'ml' enforces Pod Security restricted, which would reject this pod: privileged: true"},
    ]  # fmt: skip
    assert str(refused.value).startswith("RunTemplate 'runtemplate': 3 problems in its args:")
