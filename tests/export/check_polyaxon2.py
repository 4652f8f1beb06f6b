"""Hold Helm values for Polyaxon v2 to Polyaxon's own models (docs/export.md §6). Runs in venv-polyaxon2/.

stdin: a JSON object, label -> the values of one export (`namespace`, `artifactsStore`, `connections`).
stdout: a JSON object, label -> null when Polyaxon accepts the values, else what it refused.
Exit status 0 when every one is accepted, 1 otherwise.

Each is read twice, as the agent reads it: the camelCase values themselves, and the
`POLYAXON_AGENT_*` JSON the agent chart's config map hands the agent. Values
without `artifactsStore` get the chart's `defaultArtifactsStore`, as the chart does.
"""

import json
import sys

from polyaxon._schemas.agent import AgentConfig, validate_agent_config  # private module: docs/export.md §6
from polyaxon.schemas import V1BucketConnection, V1ClaimConnection, V1HostPathConnection

# V1Connection takes any mapping as `schema`: each kind is held to its own schema class.
SCHEMA = {
    "host_path": V1HostPathConnection,
    "volume_claim": V1ClaimConnection,
    "gcs": V1BucketConnection,
    "s3": V1BucketConnection,
    "wasb": V1BucketConnection,
}
# The agent chart's values this export sets; AgentConfig ignores keys it does not know, so a
# misspelled one would pass it unseen.
CHART_KEYS = {"namespace", "artifactsStore", "connections"}
# agent chart values.yaml: the store when the values give none.
DEFAULT_ARTIFACTS_STORE = {
    "name": "default-artifacts-store",
    "kind": "host_path",
    "schema": {"hostPath": "/tmp/artifactsStore", "mountPath": "/artifactsStore"},
}


def chart_environment(values):
    """What the agent chart's config map gives the agent for these values."""
    return {
        "POLYAXON_K8S_NAMESPACE": values["namespace"],
        "POLYAXON_AGENT_ARTIFACTS_STORE": json.dumps(values["artifactsStore"]),
        "POLYAXON_AGENT_CONNECTIONS": json.dumps(values["connections"]),
    }


def check(values):
    unknown = sorted(set(values) - CHART_KEYS)
    if unknown:
        raise ValueError(f"keys the agent chart does not have: {unknown}")
    values = {"artifactsStore": DEFAULT_ARTIFACTS_STORE, **values}
    for given in (values, chart_environment(values)):
        config = AgentConfig.from_dict(given)
        # from_dict alone accepts values without a store, and names given twice
        validate_agent_config(config.artifacts_store, config.connections)
        if config.namespace != values["namespace"]:
            raise ValueError(f"namespace read as {config.namespace!r}")
        if len(config.connections or []) != len(values["connections"]):
            raise ValueError("connections were dropped")
        for connection in [config.artifacts_store, *(config.connections or [])]:
            SCHEMA[connection.kind].from_dict(connection.get_schema_as_dict())


def main():
    results = {}
    for label, values in json.load(sys.stdin).items():
        try:
            check(values)
            results[label] = None
        except Exception as error:  # whatever Polyaxon raises is the verdict
            results[label] = f"{type(error).__name__}: {error}"
    json.dump(results, sys.stdout)
    return 1 if any(results.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
