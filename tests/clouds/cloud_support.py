"""Helpers for the clouds' tests: a stack with cloud buckets, run as `render` runs it, and what it registered."""

from __future__ import annotations

import json
from typing import Any, Optional

from conftest import PROJECT_DIR

from components import program
from components.offline import engine

PROVIDERS = {
    "gcp:project": "acme-ml",
    "aws:region": "eu-west-1",
    "azure-native:location": "westeurope",
    "azure-native:subscriptionId": "4b0c4a5e-0000-0000-0000-000000000000",
}
ROTATION = "2026-10-01T00:00:00Z"
SECRET = "kubernetes:core/v1:Secret"
SERVICE_ACCOUNT = "kubernetes:core/v1:ServiceAccount"
CHECKPOINTS = {"mountPath": "/checkpoints", "existingClaim": "nlp-checkpoints"}


def two_teams(data: dict, outputs: dict, cluster: Optional[dict] = None, **keys: Any) -> dict[str, Any]:
    """vision: every bucket (imagenet read-only, results writable); nlp: imagenet only, outputs on a claim."""
    config = {
        "credentialsRotation": ROTATION,
        "persistence": {"data": data, "outputs": {**outputs, "nlp-checkpoints": CHECKPOINTS}},
        "teams": {
            "vision": {"namespace": "team-vision", "data": "*", "outputs": list(outputs)},
            "nlp": {"namespace": "team-nlp", "data": "*", "outputs": ["nlp-checkpoints"]},
        },
        "runs": {
            "resnet": {"team": "vision", "image": "trainer:1"},
            "bert": {"team": "nlp", "image": "trainer:1"},
        },
        **keys,
    }
    if cluster is not None:
        config["cluster"] = cluster
    return config


def run_program(config: dict[str, Any], providers: dict[str, str] = PROVIDERS) -> tuple[engine.Engine, program.StackComponents]:
    """The program as `pulumi up` runs it, with the stack's and the providers' config."""
    values = {**providers, **{f"polyaxon-storage:{key}": value for key, value in config.items()}}
    mock = engine.start("polyaxon-storage", "test", values)
    return mock, mock.run(lambda: program.main(PROJECT_DIR))


def of_type(mock: engine.Engine, resource_type: str) -> dict[str, engine.Registration]:
    """Registrations of one type, by name."""
    return {r.name: r for r in mock.registrations if r.type == resource_type}


def cloud_resources(mock: engine.Engine, package: str) -> set[tuple[str, str]]:
    """(type, name) of every resource of one cloud package (`gcp`, `aws`, `azure-native`)."""
    return {(r.type, r.name) for r in mock.registrations if r.type.startswith(package + ":")}


def secrets(mock: engine.Engine) -> dict[str, engine.Registration]:
    """The Secrets registered, by `namespace/name` (what runs' secretKeyRefs would name)."""
    return {f"{r.inputs['metadata']['namespace']}/{r.inputs['metadata']['name']}": r for r in of_type(mock, SECRET).values()}


def service_account(mock: engine.Engine, team: str) -> dict[str, Any]:
    (found,) = [r.inputs["metadata"] for r in of_type(mock, SERVICE_ACCOUNT).values() if r.inputs["metadata"]["name"] == f"runs-{team}"]
    return found


def policy_document(registration: engine.Registration) -> dict[str, set[str]]:
    """An IAM policy's actions by resource ARN."""
    allowed: dict[str, set[str]] = {}
    for statement in json.loads(registration.inputs["policy"])["Statement"]:
        assert statement["Effect"] == "Allow"
        for arn in statement["Resource"]:
            allowed.setdefault(arn, set()).update(statement["Action"])
    return allowed


def env(job: dict[str, Any]) -> dict[str, Any]:
    return {item["name"]: item.get("value", item.get("valueFrom")) for item in job["spec"]["template"]["spec"]["containers"][0]["env"]}


def secret_refs(job: dict[str, Any]) -> list[dict[str, str]]:
    return [value["secretKeyRef"] for value in env(job).values() if isinstance(value, dict) and "secretKeyRef" in value]
