"""What the program registers for `exports` (docs/export.md §1, §4), under the mock engine: the stack output
`polyaxonValues`, secret exactly when what it derives from is, and each team's Secrets in v2's layout,
made and annotated as the team's own credentials Secret, rotated and revoked with it."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from components.conventions import ACCESS_ANNOTATION, IDENTITY_ANNOTATION, MANAGED_BY, MANAGED_BY_LABEL, TEAM_KEY
from components.offline import engine
from components.offline.fakes import FAKE_CREDENTIAL
from components.core.export import polyaxon_values
from components.core.v2_credentials import v2_credentials_secrets
from conftest import plan
from export_support import (
    PROVIDERS,
    RESULTS,
    V06,
    V2,
    export,
    run_program,
    run_shipped,
    secrets,
    shipped_stack,
    teams,
)

REDACTED = engine.REDACTED
IMAGENET_GCS = {"store": "gcs", "bucket": "gs://acme-imagenet", "readOnly": True, "create": True, "location": "EU"}
CORPUS_S3 = {"store": "s3", "bucket": "s3://acme-corpus", "create": True, "readOnly": True}
SCRATCH = {
    "store": "azure",
    "bucket": "wasbs://scratch@acmedata.blob.core.windows.net/",
    "credentials": "managed",
    "resourceGroup": "rg-ml",
    "sasExpiry": "2027-09-30T00:00:00Z",
}
ARCHIVE = {**SCRATCH, "bucket": "wasbs://archive@acmedata.blob.core.windows.net/", "readOnly": True}
BOTH = {"exports": [V06, V2]}


def every_store(**keys: Any) -> dict[str, Any]:
    """vision: a gcs bucket, an s3 bucket and two azure containers (one writable); nlp: the gcs bucket."""
    config = teams(
        {"imagenet": IMAGENET_GCS, "corpus": CORPUS_S3, "archive": ARCHIVE},
        {"results": RESULTS, "scratch": SCRATCH},
        nlp="*",
        **{**BOTH, **keys},
    )
    config["teams"]["nlp"].update(data=["imagenet"], outputs=["results"])
    return config


def polyaxon_values_output(mock: engine.Engine) -> Any:
    return mock.stack_outputs()["polyaxonValues"]


# --- polyaxonValues --------------------------------------------------------------------------------------


@pytest.mark.parametrize("stack", ["gcp", "aws", "azure"])
def test_the_shipped_stacks_output_both_formats_for_every_team_as_the_export_gives_them(stack):
    config, providers = shipped_stack(stack)
    output = polyaxon_values_output(run_shipped(stack))
    assert engine.value(output) == {
        format: {team: polyaxon_values(config, format, team, providers)[0] for team in sorted(config.teams)}
        for format in (V06, V2)
    }
    assert not engine.is_secret(output)


def test_a_stack_without_teams_is_keyed_by_its_namespace():
    config = {"namespace": "ml-jobs", "persistence": {"data": {"claim": {"mountPath": "/d", "existingClaim": "d"}}}, "exports": [V2]}
    mock, _ = run_program(config)
    assert engine.value(polyaxon_values_output(mock)) == {V2: {"ml-jobs": export(config, V2)[0]}}


def test_without_exports_there_is_no_output_and_no_secret_in_v2s_layout():
    config = every_store()
    del config["exports"]
    config["persistence"]["data"]["imagenet"] = dict(IMAGENET_GCS)
    mock, _ = run_program(config)
    assert "polyaxonValues" not in mock.stack_outputs()
    assert not [name for name in secrets(mock) if "/polyaxon-" in name]


def test_only_the_formats_listed_are_output():
    mock, _ = run_program(every_store(exports=[V06]))
    assert set(engine.value(polyaxon_values_output(mock))) == {V06}
    assert not [name for name in secrets(mock) if "/polyaxon-" in name]


def test_the_exports_warnings_are_the_programs():
    config = every_store()
    config["persistence"]["logs"] = {"mountPath": "/tmp/logs"}
    mock, _ = run_program(config)
    dropped = "persistence.logs: is Polyaxon 0.6's own platform volume, which v2 has not: dropped from the v2 values"
    # Once, however many teams export it.
    assert mock.warnings.count(dropped) == 1


def test_what_a_listed_format_cannot_express_stops_the_program_before_anything_is_registered():
    config = every_store()
    config["persistence"]["data"]["Raw_Set"] = {"mountPath": "/raw", "existingClaim": "raw"}
    with pytest.raises(Exception) as caught:
        run_program(config)
    assert "persistence.data.Raw_Set: 'Raw_Set' would name the pod volume of runs in Polyaxon" in str(caught.value)


def test_the_exports_wait_for_a_sound_layout():
    config = every_store()
    config["persistence"]["data"]["Raw_Set"] = {"mountPath": "/raw", "existingClaim": "raw"}
    config["teams"]["nlp"]["data"] = ["imagenet", "missing"]
    with pytest.raises(Exception) as caught:
        run_program(config)
    assert "teams.nlp.data[1]: unknown data entry 'missing'" in str(caught.value)
    assert "persistence.data.Raw_Set" not in str(caught.value)


@pytest.mark.parametrize(
    ("secret", "expected"),
    [
        ((), False),
        (("polyaxon-storage:runs",), False),  # the values are planned without the runs
        (("polyaxon-storage:persistence",), True),
        (("polyaxon-storage:teams",), True),
        (("polyaxon-storage:exports",), True),
        (("gcp:project",), False),  # no value derives from it
    ],
)
def test_the_output_is_secret_exactly_when_a_key_it_derives_from_is(secret, expected):
    mock, _ = run_program(every_store(), secret=secret)
    output = polyaxon_values_output(mock)
    assert engine.is_secret(output) is expected
    assert engine.value(output)[V2]["vision"]["namespace"] == "team-vision"


def test_aws_region_makes_the_output_secret_when_it_names_secrets_by_region():
    two_regions = every_store()
    two_regions["persistence"]["data"]["us"] = {**CORPUS_S3, "bucket": "s3://acme-us", "region": "us-east-1"}
    mock, _ = run_program(two_regions, secret=("aws:region",))
    output = polyaxon_values_output(mock)
    assert engine.is_secret(output)
    connections = {c["name"]: c for c in engine.value(output)[V2]["vision"]["connections"]}
    assert connections["corpus"]["secret"] == {"name": "polyaxon-s3-vision-eu-west-1"}
    # One region: no value carries it.
    mock, _ = run_program(every_store(), secret=("aws:region",))
    assert not engine.is_secret(polyaxon_values_output(mock))


# --- the Secrets in v2's layout -----------------------------------------------------------------------------


def v2_secrets(mock: engine.Engine) -> dict[str, engine.Registration]:
    return {name: registration for name, registration in secrets(mock).items() if "/polyaxon-" in name}


def test_each_team_gets_its_secrets_in_v2s_layout_with_v2s_keys_and_its_data_secret():
    mock, _ = run_program(every_store())
    found = v2_secrets(mock)
    wasb = sorted(name for name in found if name.startswith("team-vision/polyaxon-wasb-vision-"))
    assert set(found) == {"team-vision/polyaxon-gcs-vision", "team-vision/polyaxon-s3-vision", "team-nlp/polyaxon-gcs-nlp", *wasb}
    assert len(wasb) == 2
    assert found["team-vision/polyaxon-gcs-vision"].inputs["data"] == {"gc-secret.json": REDACTED}
    assert found["team-vision/polyaxon-s3-vision"].inputs["data"] == dict.fromkeys(
        ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION"], REDACTED
    )
    for name in wasb:
        assert found[name].inputs["data"] == dict.fromkeys(["AZURE_ACCOUNT_NAME", "AZURE_CONNECTION_STRING"], REDACTED)
    for registration in found.values():
        assert "data" in registration.secret_inputs
        assert registration.inputs["type"] == "Opaque"
    # The values name exactly these Secrets, in the team's namespace.
    values = engine.value(polyaxon_values_output(mock))[V2]["vision"]
    named = {c["secret"]["name"] for c in [values["artifactsStore"], *values["connections"]] if "secret" in c}
    assert {f"team-vision/{name}" for name in named} == {name for name in found if name.startswith("team-vision/")}


def test_they_are_labelled_and_annotated_as_the_teams_own_credentials_secret_for_that_cloud():
    mock, _ = run_program(every_store())
    found = secrets(mock)
    own = {"gcs": "gcs-credentials-vision", "s3": "s3-credentials-vision", "wasb": "azure-credentials-vision"}
    for name, registration in v2_secrets(mock).items():
        namespace, secret = name.split("/")
        team = secret.split("-")[2]
        store = secret.split("-")[1]
        theirs = found[f"{namespace}/{own[store].replace('vision', team)}"].inputs["metadata"]
        metadata = registration.inputs["metadata"]
        assert metadata["labels"] == {MANAGED_BY_LABEL: MANAGED_BY, TEAM_KEY: team} == theirs["labels"]
        assert metadata["annotations"] == theirs["annotations"]
        assert set(metadata["annotations"]) == {ACCESS_ANNOTATION, IDENTITY_ANNOTATION}
    # vision writes results on gcs and scratch on azure, reads corpus on s3 only.
    annotations = {name: r.inputs["metadata"]["annotations"][ACCESS_ANNOTATION] for name, r in v2_secrets(mock).items()}
    assert annotations["team-vision/polyaxon-gcs-vision"] == "read-only"  # results is a claim: imagenet only
    assert annotations["team-vision/polyaxon-s3-vision"] == "read-only"
    assert {annotations[name] for name in annotations if "wasb" in name} == {"read-write"}


def test_they_are_made_of_the_same_cloud_credentials_as_the_teams_own_secret():
    mock, components = run_program(every_store())
    found = secrets(mock)
    pairs = [
        ("team-vision/polyaxon-gcs-vision", "team-vision/gcs-credentials-vision"),
        ("team-vision/polyaxon-s3-vision", "team-vision/s3-credentials-vision"),
        ("team-nlp/polyaxon-gcs-nlp", "team-nlp/gcs-credentials-nlp"),
    ]
    pairs += [(name, "team-vision/azure-credentials-vision") for name in v2_secrets(mock) if "wasb" in name]
    for v2, own in pairs:
        # The same key, SAS or access key: a rotation replaces both, a revoked grant empties both.
        assert found[v2].dependencies["data"] == found[own].dependencies["data"] != ()
    # What fills them: each store's credentials, as its component gives them, in v2's keys.
    credentials = engine.value(components.clouds["gcs"].credentials)["vision"]
    assert json.loads(credentials["acme-imagenet"])["type"] == "service_account"
    s3 = json.loads(engine.value(components.clouds["s3"].credentials)["vision"]["acme-corpus"])
    assert set(s3) == {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION"} and FAKE_CREDENTIAL in s3["AWS_SECRET_ACCESS_KEY"]


def test_each_azure_secret_holds_its_own_containers_sas():
    mock, components = run_program(every_store())
    files = engine.value(components.clouds["azure"].credentials)["vision"]
    planned = {secret.buckets: secret for secret in v2_credentials_secrets(plan(every_store(), providers=PROVIDERS).clouds)}
    for container, permissions in (("acmedata/archive", "sp=rl&"), ("acmedata/scratch", "sp=racwdl&")):
        data = planned[(container,)].data(files)
        assert data["AZURE_ACCOUNT_NAME"] == "acmedata"
        assert data["AZURE_CONNECTION_STRING"].startswith("BlobEndpoint=https://acmedata.blob.core.windows.net/;")
        assert permissions in data["AZURE_CONNECTION_STRING"] and "sr=c&" in data["AZURE_CONNECTION_STRING"]
        assert f"team-vision/{planned[(container,)].name}" in v2_secrets(mock)


def test_a_rotation_replaces_what_fills_them():
    before, _ = run_program(every_store())
    rotated, _ = run_program(every_store(credentialsRotation="2027-04-01"))
    key = "gcp:serviceaccount/key:Key"
    keys = [{r.name: r.inputs["keepers"] for r in mock.registrations if r.type == key} for mock in (before, rotated)]
    assert keys[0] != keys[1]
    for mock in (before, rotated):
        (urn,) = [r.urn for r in mock.registrations if r.type == key and r.name.endswith("/vision")]
        assert urn in secrets(mock)["team-vision/polyaxon-gcs-vision"].dependencies["data"]


def test_a_revoked_grant_takes_its_secrets_in_v2s_layout_with_it():
    config = every_store()
    mock, _ = run_program(config)
    assert "team-nlp/polyaxon-gcs-nlp" in v2_secrets(mock)
    revoked = copy.deepcopy(config)
    revoked["teams"]["nlp"]["data"] = []
    revoked["teams"]["vision"]["data"] = ["corpus", "imagenet"]  # archive revoked
    mock, _ = run_program(revoked)
    found = v2_secrets(mock)
    assert "team-nlp/polyaxon-gcs-nlp" not in found and "team-nlp/gcs-credentials-nlp" not in secrets(mock)
    assert len([name for name in found if "wasb" in name]) == 1
    values = engine.value(polyaxon_values_output(mock))[V2]
    assert "imagenet" not in {c["name"] for c in values["nlp"]["connections"]}


def test_another_team_may_not_load_them():
    config = every_store()
    config["teams"]["nlp"]["namespace"] = "team-vision"
    config["teams"]["nlp"]["secretRefs"] = ["polyaxon-s3-vision"]
    with pytest.raises(Exception) as caught:
        run_program(config)
    assert (
        "teams.nlp.secretRefs[0]: 'polyaxon-s3-vision' holds the credentials of the buckets the stack manages for "
        "team 'vision', which team 'nlp' is not granted: its runs may not load it"
    ) in str(caught.value)
    del config["exports"]
    run_program(config)  # without v2's layout there is no such Secret of the stack's
