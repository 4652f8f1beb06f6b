"""Helpers for the export's tests: a stack config exported as `polyaxon_values` exports it, the shipped
stacks, Polyaxon 2's own models (in venv-polyaxon2/), 0.6's keys, and the program under the mock engine."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any, Iterator, Mapping, Optional

import pytest

from components import program
from components.core.config.stack import StackConfig, namespace_values, parse_stack_config
from components.core.errors import ConfigError
from components.core.export import polyaxon_values
from components.core.stores import PROVIDER_KEYS
from components.offline import engine
from conftest import PROJECT, PROJECT_DIR, STACKS, plan

V06, V2 = "polyaxon-0.6", "polyaxon-v2"
PROVIDERS = {
    "gcp:project": "acme-ml",
    "aws:region": "eu-west-1",
    "azure-native:location": "westeurope",
    "azure-native:subscriptionId": "4b0c4a5e-0000-0000-0000-000000000000",
}
ROTATION = "2026-10-01T00:00:00Z"
POLYAXON2_PYTHON = PROJECT_DIR / "venv-polyaxon2" / "bin" / "python"
CHECKER = Path(__file__).resolve().parent / "check_polyaxon2.py"


def export(
    config: Mapping[str, Any], format: str, team: Optional[str] = None, providers: Mapping[str, str] = PROVIDERS
) -> tuple[dict[str, Any], list[str]]:
    """The values and the warnings (as `path: message`) of a stack config given as its keys' values."""
    values, warnings = polyaxon_values(parse_stack_config(config), format, team, providers)
    return values, [str(warning) for warning in warnings]


def export_problems(
    config: Mapping[str, Any], format: str, team: Optional[str] = None, providers: Mapping[str, str] = PROVIDERS
) -> list[str]:
    """Every problem the export finds (fails if none)."""
    with pytest.raises(ConfigError) as caught:
        export(config, format, team, providers)
    return [str(problem) for problem in caught.value.problems]


def connection(values: Mapping[str, Any], name: str) -> dict[str, Any]:
    """A v2 connection by name, the artifacts store among them."""
    found = [c for c in [values.get("artifactsStore"), *values["connections"]] if c and c["name"] == name]
    assert len(found) == 1, (name, values)
    return found[0]


def shipped_stack(name: str) -> tuple[StackConfig, dict[str, str]]:
    """A shipped stack's config and provider settings, read as the CLI reads them."""
    stack = PROJECT.stack_config(PROJECT.stack_file(name))
    providers = {key: str(value) for key, value in stack.values.items() if key in PROVIDER_KEYS}
    return parse_stack_config(namespace_values(stack.values, PROJECT.name)), providers


# The shipped teams Polyaxon 0.6 cannot serve: each reads a bucket its CSI driver mounts only into annotated pods
# (gcsfuse), or with the pod's own cloud identity (Mountpoint, Blob CSI under AKS workload identity).
UNSERVED = {V06: {"aws-files/nlp", "azure-files/nlp", "gcp-files/nlp"}, V2: set()}


def shipped_teams() -> Iterator[tuple[str, StackConfig, dict[str, str], Optional[str]]]:
    """Every shipped stack's teams (its namespace's label for a stack without): (stack/team, config, providers,
    team)."""
    for name in STACKS:
        config, providers = shipped_stack(name)
        for team in sorted(config.teams) if config.teams else [None]:
            yield f"{name}/{team or config.namespace}", config, providers, team


def shipped_exports(format: str) -> Iterator[tuple[str, dict[str, Any], list[str]]]:
    """Every shipped stack and team exported in `format`, but those it refuses (UNSERVED): (stack/team, values,
    warnings)."""
    for label, config, providers, team in shipped_teams():
        if label not in UNSERVED[format]:
            values, warnings = polyaxon_values(config, format, team, providers)
            yield label, values, [str(warning) for warning in warnings]


def polyaxon2_verdicts(exports: Mapping[str, Any]) -> tuple[int, dict[str, Optional[str]]]:
    """What Polyaxon 2.18's own models say of each export (label -> None when accepted), and the checker's
    exit status."""
    assert POLYAXON2_PYTHON.exists(), "polyaxon 2 is missing: `make test` installs it into venv-polyaxon2/"
    result = subprocess.run(
        [str(POLYAXON2_PYTHON), str(CHECKER)],
        input=json.dumps(exports),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.stdout, result.stderr
    return result.returncode, json.loads(result.stdout)


# --- stacks to export, and what their runs mount ---------------------------------------------------------

# Shared by many tests: a test that edits an entry copies it first.
CLAIM = {"mountPath": "/data/claim", "existingClaim": "shared-data"}
RESULTS = {"mountPath": "/outputs", "existingClaim": "results"}
# A bucket mounted at /data/corpus by its CSI driver, per store, and the workload identity its driver mounts with.
CORPUS_CSI = {
    "gcs": {"store": "gcs", "bucket": "gs://acme-corpus/train", "location": "EU"},
    "s3": {"store": "s3", "bucket": "s3://acme-corpus/train"},
    "azure": {"store": "azure", "bucket": "wasbs://corpus@acmecorpus.blob.core.windows.net/train", "resourceGroup": "rg-ml",
              "sasExpiry": "2027-09-30T00:00:00Z"},
}  # fmt: skip
CORPUS_CSI = {
    store: {**entry, "readOnly": True, "create": True, "mount": "csi", "mountPath": "/data/corpus"}
    for store, entry in CORPUS_CSI.items()
}
POD_IDENTITY = {
    "gcs": {"gke": {}},
    "s3": {"eks": {"oidcProviderArn": "arn:p", "oidcIssuer": "https://oidc"}},
    "azure": {"aks": {"oidcIssuerUrl": "https://issuer", "resourceGroup": "rg-id"}},
}


def teams(data: dict, outputs: dict, vision: Any = "*", nlp: Any = None, **keys: Any) -> dict[str, Any]:
    """vision (team-vision) and nlp (team-nlp), granted `vision` and `nlp` of each side; a run of vision's, and
    one of nlp's when it is granted something, that name no entry."""
    runs = {"resnet": {"team": "vision", "image": "trainer:1"}}
    if nlp is not None:
        runs["bert"] = {"team": "nlp", "image": "trainer:1"}
    return {
        "credentialsRotation": ROTATION,
        "persistence": {"data": data, "outputs": outputs},
        "teams": {
            "vision": {"namespace": "team-vision", "data": vision or [], "outputs": vision or []},
            "nlp": {"namespace": "team-nlp", "data": nlp or [], "outputs": nlp or []},
        },
        "runs": runs,
        **keys,
    }


def job_of(config: dict[str, Any], run: str) -> dict[str, Any]:
    """The Job of one of the stack's runs, planned with the provider settings the export gets."""
    (planned,) = [found for found in plan(config, providers=PROVIDERS).runs if found.name == run]
    return planned.job()


def job_volume(job: dict[str, Any], mount_path: str) -> dict[str, Any]:
    """The pod volume a Job mounts at `mount_path`."""
    spec = job["spec"]["template"]["spec"]
    (name,) = [m["name"] for m in spec["containers"][0]["volumeMounts"] if m["mountPath"] == mount_path]
    (volume,) = [v for v in spec["volumes"] if v["name"] == name]
    return volume


def credentials_ref(job: dict[str, Any], bucket: str) -> dict[str, str]:
    """The secretKeyRef of the credentials a Job's run gets for `bucket`."""
    env = {e["name"]: e for e in job["spec"]["template"]["spec"]["containers"][0]["env"]}
    stores = json.loads(env["POLYSTORES_RUN_STORES_ACCESS_KEYS"]["value"].replace("$$", "$"))
    return env[stores[bucket]["secret_key"]]["valueFrom"]["secretKeyRef"]


# --- Polyaxon 0.6's keys ------------------------------------------------------------------------------
# 0.6 has no installable schema for these values: polyaxon-schemas 0.6.1 (in venv-client/) holds
# none of them, they live in the 0.6 server. The keys are written down from their sources:
# polyaxon/polyaxon@v0.6.1 (as docs/export.md §6 lists them) and the chart polyaxon 0.6.1.

VOLUME_SCHEMA_06 = {"existingClaim", "mountPath", "hostPath", "readOnly"}
"""The 0.6 server's VolumeSchema: a data or outputs volume."""
STORE_SCHEMA_06 = {"store", "bucket", "secret", "secretKey"}
"""The 0.6 server's StoreSchema: a data or outputs bucket."""
CHART_VOLUME_KEYS_06 = {"mountPath", "existingClaim", "hostPath", "subPath"}
"""What the chart's `_volumes.tpl` reads of `persistence.logs`, `repos` and `upload`."""
PERSISTENCE_KEYS_06 = {"logs", "repos", "upload", "data", "outputs"}
"""`persistence` as the chart's `cm.yaml` hands it over (`POLYAXON_PERSISTENCE_*`)."""
STORES_06 = {"gcs", "s3", "azure"}
ENV_NAME_06 = re.compile(r"[-._a-zA-Z][-._a-zA-Z0-9]*")
DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")


def problems_06(values: Mapping[str, Any]) -> list[str]:
    """What Polyaxon 0.6 (its chart, its server's schemas, the pods its spawner makes) would refuse or
    misread in a 0.6 export: an oracle written from those sources, not from the export."""
    found = [f"top-level key {key!r}" for key in set(values) - {"namespace", "persistence"}]
    if not (isinstance(values.get("namespace"), str) and DNS_LABEL.fullmatch(values["namespace"])):
        found.append(f"namespace {values.get('namespace')!r}")
    persistence = values.get("persistence", {})
    found += [f"persistence key {key!r}" for key in set(persistence) - PERSISTENCE_KEYS_06]
    for key in ("logs", "repos", "upload"):
        if key in persistence:
            volume = persistence[key]
            allowed = CHART_VOLUME_KEYS_06 | (STORE_SCHEMA_06 if key == "logs" else set())
            found += [f"{key}: key {k!r}" for k in set(volume) - allowed]
            if "store" not in volume and "mountPath" not in volume:
                found.append(f"{key}: no mountPath")
    for side in ("data", "outputs"):
        for name, entry in persistence.get(side, {}).items():
            where = f"{side}.{name}"
            if "store" in entry:
                found += [f"{where}: key {k!r}" for k in set(entry) - STORE_SCHEMA_06]
                if entry["store"] not in STORES_06 or not entry.get("bucket"):
                    found.append(f"{where}: store {entry['store']!r}, bucket {entry.get('bucket')!r}")
                if ("secret" in entry) != ("secretKey" in entry):
                    found.append(f"{where}: secret without secretKey")
                if "secretKey" in entry and not ENV_NAME_06.fullmatch(entry["secretKey"]):
                    found.append(f"{where}: secretKey {entry['secretKey']!r} names no environment variable")
                continue
            found += [f"{where}: key {k!r}" for k in set(entry) - VOLUME_SCHEMA_06]
            if not str(entry.get("mountPath", "")).startswith("/"):
                found.append(f"{where}: mountPath {entry.get('mountPath')!r}")
            if ("existingClaim" in entry) == ("hostPath" in entry):
                found.append(f"{where}: neither or both of existingClaim and hostPath (an emptyDir, silently)")
            if not isinstance(entry.get("readOnly", False), bool):
                found.append(f"{where}: readOnly {entry['readOnly']!r}")
            if not (DNS_LABEL.fullmatch(name) and len(name) <= 63):
                found.append(f"{where}: names a pod volume, and is no DNS-1123 label")
    volumes = [
        name for side in ("data", "outputs") for name, entry in persistence.get(side, {}).items() if "store" not in entry
    ]
    found += [f"volume {name!r} twice" for name in set(volumes) if volumes.count(name) > 1]
    return found


# --- the program under the mock engine ---------------------------------------------------------------

SECRET = "kubernetes:core/v1:Secret"


def run_program(
    config: Mapping[str, Any], providers: Mapping[str, str] = PROVIDERS, secret: tuple[str, ...] = ()
) -> tuple[engine.Engine, program.StackComponents]:
    """The program as `pulumi up` runs it, with the stack's and the providers' config; `secret`: the full keys
    set with `--secret`."""
    values = {**providers, **{f"{PROJECT.name}:{key}": value for key, value in config.items()}}
    mock = engine.start(PROJECT.name, "test", values, list(secret))
    return mock, mock.run(lambda: program.main(PROJECT_DIR))


def secrets(mock: engine.Engine) -> dict[str, engine.Registration]:
    """The Secrets registered, by `namespace/name`."""
    return {
        f"{r.inputs['metadata']['namespace']}/{r.inputs['metadata']['name']}": r for r in mock.registrations if r.type == SECRET
    }


def run_shipped(name: str) -> engine.Engine:
    """The program run for a shipped stack, as `render` runs it."""
    stack = PROJECT.stack_config(PROJECT.stack_file(name))
    mock = engine.start(PROJECT.name, name, stack.values, stack.secret_keys)
    mock.run(lambda: program.main(PROJECT_DIR))
    return mock
