"""Secret config values stay secret: in what the program registers and exports, and in what render prints."""

from __future__ import annotations

import json

import pytest
import yaml
from conftest import PROJECT, PROJECT_DIR, cli

from components import program
from components.offline import engine

NFS = {"mountPath": "/data/images", "nfs": {"server": "10.0.0.5", "path": "/exports/images"}, "size": "1Ti", "readOnly": True}
CONFIG = {
    "persistence": {"data": {"images": NFS}, "outputs": {"o": {"mountPath": "/o", "existingClaim": "o"}}},
    "runs": {"train": {"image": "trainer:1", "env": {"WANDB_API_KEY": "s3cr3t-token"}}},
}


def run_with_secrets(*secret: str) -> tuple[engine.Engine, program.StackComponents]:
    """The program as the CLI runs it: every value in PULUMI_CONFIG, the secret keys in PULUMI_CONFIG_SECRET_KEYS."""
    mock = engine.start(
        "polyaxon-storage",
        "test",
        {f"polyaxon-storage:{key}": value for key, value in CONFIG.items()},
        [f"polyaxon-storage:{key}" for key in secret],
    )
    return mock, mock.run(lambda: program.main(PROJECT_DIR))


def test_a_secret_run_makes_its_exported_job_secret_and_leaves_the_layout_alone():
    mock, components = run_with_secrets("runs")
    outputs = mock.stack_outputs()
    assert engine.is_secret(outputs["jobs"]["train"])
    assert engine.is_secret(outputs["teams"]["polyaxon"]["jobs"]["train"])
    assert engine.value(outputs["jobs"]["train"])["spec"]["template"]["spec"]["containers"][0]["env"][-1] == {
        "name": "WANDB_API_KEY",
        "value": "s3cr3t-token",
    }
    # Namespaces and volumes are not made of the runs: they stay in the clear.
    assert not engine.is_secret(components.namespaces["polyaxon"].namespace)
    assert not engine.is_secret(outputs["teams"]["polyaxon"]["dataPaths"])
    volume = next(r for r in mock.registrations if r.type == "kubernetes:core/v1:PersistentVolume")
    assert volume.inputs["spec"]["nfs"]["server"] == "10.0.0.5"


def test_a_secret_catalog_makes_what_is_made_of_it_secret_everywhere():
    mock, components = run_with_secrets("persistence")
    outputs = mock.stack_outputs()
    assert engine.is_secret(outputs["jobs"]["train"])
    assert engine.is_secret(outputs["teams"]["polyaxon"]["dataPaths"])
    assert engine.is_secret(components.namespaces["polyaxon"].namespace)
    # The engine gets the volume's spec as a secret (a secret inside an input makes it one), and no
    # registration shows the export.
    volume = next(r for r in mock.registrations if r.type == "kubernetes:core/v1:PersistentVolume")
    assert volume.inputs["spec"] == "<redacted>"
    assert "10.0.0.5" not in json.dumps([r.inputs for r in mock.registrations])


def test_without_secrets_nothing_is_secret():
    mock, _ = run_with_secrets()
    assert not engine.is_secret(mock.stack_outputs()["jobs"]["train"])


def test_render_never_uses_a_secure_values_ciphertext_and_says_so(tmp_path):
    ciphertext = "v1:AAABAGZ1bGwtb2YtY2lwaGVydGV4dA=="
    stack = tmp_path / "Pulumi.secret.yaml"
    config = {f"polyaxon-storage:{key}": value for key, value in CONFIG.items()}
    config["polyaxon-storage:runs"] = {
        "train": {"image": "trainer:1", "env": {"WANDB_API_KEY": {"secure": ciphertext}, "EPOCHS": 3}}
    }
    stack.write_text(yaml.safe_dump({"config": config}))
    result = cli("render", str(stack))
    assert result.returncode == 0, result.stderr
    assert ciphertext not in result.stdout and "secure" not in result.stdout
    job = next(d for d in yaml.safe_load_all(result.stdout) if d["kind"] == "Job")
    env = {item["name"]: item.get("value") for item in job["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert env["WANDB_API_KEY"] == "<redacted>"
    assert env["EPOCHS"] == "3"  # a number the CLI would hand over as text
    assert "note: polyaxon-storage:runs.train.env.WANDB_API_KEY is a secret (secure:)" in result.stderr


def test_the_job_command_says_so_too(tmp_path):
    stack = tmp_path / "Pulumi.secret.yaml"
    config = {
        "polyaxon-storage:persistence": {"data": {"d": {"existingClaim": "d", "mountPath": "/d"}}},
        "polyaxon-storage:namespace": {"secure": "v1:AAAB"},
    }
    stack.write_text(yaml.safe_dump({"config": config}))
    polyaxonfile = tmp_path / "train.yaml"
    polyaxonfile.write_text("version: 1\nkind: experiment\nbuild: {image: trainer:1}\n")
    result = cli("job", str(stack), str(polyaxonfile))
    # The namespace stands as a namespace the stack accepts, and prints as <redacted>.
    assert result.returncode == 0, result.stderr
    assert yaml.safe_load(result.stdout)["metadata"]["namespace"] == "<redacted>"
    assert "note: polyaxon-storage:namespace is a secret (secure:)" in result.stderr
    assert "v1:AAAB" not in result.stderr + result.stdout and "redacted-" not in result.stdout


SECURE = {"secure": "v1:AAABAGNpcGhlcnRleHQ="}
SECRET_FIELDS = {
    "persistence": {
        "data": {
            "claim": {"mountPath": "/data/claim", "existingClaim": SECURE},
            "images": {"mountPath": "/data/images", "nfs": {"server": SECURE, "path": SECURE}, "size": "1Ti", "readOnly": True},
            "bucket": {"store": "gcs", "bucket": SECURE, "secret": "gcs", "secretKey": "key.json"},
        },
        "outputs": {"o": {"mountPath": "/outputs", "existingClaim": "o"}},
    },
    "teams": {
        "vision": {"namespace": SECURE, "data": "*", "outputs": "*"},
        "nlp": {"namespace": SECURE, "data": ["claim"], "outputs": "*"},
    },
    "runs": {"train": {"team": "vision", "image": SECURE, "env": {"TOKEN": SECURE}}},
}


@pytest.mark.parametrize("command", ["render", "render --resources --json"])
def test_render_accepts_what_the_cli_would_with_secrets_where_redacted_is_no_value(tmp_path, command):
    stack = tmp_path / "Pulumi.secret.yaml"
    stack.write_text(yaml.safe_dump({"config": {f"polyaxon-storage:{key}": value for key, value in SECRET_FIELDS.items()}}))
    result = cli(*command.split(), str(stack))
    assert result.returncode == 0, result.stderr
    # Each secret stands as a value of its field (two namespaces, two distinct ones), never printed.
    assert "AAAB" not in result.stdout + result.stderr and "redacted-" not in result.stdout + result.stderr
    assert result.stderr.count("is a secret (secure:)") == 8
    if command == "render":
        job = next(d for d in yaml.safe_load_all(result.stdout) if d["kind"] == "Job")
        container = job["spec"]["template"]["spec"]["containers"][0]
        assert job["metadata"]["namespace"] == "<redacted>" and container["image"] == "<redacted>"
        env = {item["name"]: item.get("value") for item in container["env"]}
        assert env["TOKEN"] == "<redacted>" and '"bucket":"<redacted>"' not in env["POLYAXON_RUN_DATA_PATHS"]
        assert '"bucket":"gs://<redacted>"' in env["POLYAXON_RUN_DATA_PATHS"]


def test_a_stack_refused_for_other_reasons_is_refused_with_the_secret_hidden(tmp_path):
    config = {**SECRET_FIELDS, "runs": {"train": {"team": "vision", "image": SECURE, "maxRestarts": -1}}}
    stack = tmp_path / "Pulumi.secret.yaml"
    stack.write_text(yaml.safe_dump({"config": {f"polyaxon-storage:{key}": value for key, value in config.items()}}))
    result = cli("render", str(stack))
    assert result.returncode == 2 and "runs.train.maxRestarts" in result.stderr
    assert "redacted-" not in result.stderr and "Traceback" not in result.stderr


TEAMS_CONFIG = {
    "persistence": {"data": {"images": NFS}, "outputs": {"o": {"mountPath": "/o", "existingClaim": "o"}}},
    "teams": {"vision": {"namespace": "team-vision", "data": "*", "outputs": "*", "quota": {"requests.cpu": "64"}}},
    "runDefaults": {"resources": {"requests": {"cpu": "2"}, "limits": {"cpu": "4"}}},
    "runs": {"train": {"team": "vision", "image": "trainer:1"}},
}


@pytest.mark.parametrize("key", ["persistence", "teams", "runDefaults", "runs"])
def test_whatever_derives_from_a_secret_key_is_secret(key):
    mock = engine.start(
        "polyaxon-storage",
        "test",
        {f"polyaxon-storage:{name}": value for name, value in TEAMS_CONFIG.items()},
        [f"polyaxon-storage:{key}"],
    )
    components = mock.run(lambda: program.main(PROJECT_DIR))
    # A run's Job derives from every key.
    assert engine.is_secret(mock.stack_outputs()["jobs"]["train"])
    # The layout derives from every key but the runs: its namespace, quota and container defaults follow.
    layout_secret = key != "runs"
    assert engine.is_secret(components.namespaces["team-vision"].namespace) == layout_secret
    by_type = {r.type: r for r in mock.registrations}
    for kind in ("kubernetes:core/v1:ResourceQuota", "kubernetes:core/v1:LimitRange"):
        assert ("spec" in by_type[kind].secret_inputs) == layout_secret, kind
    assert ("metadata" in by_type["kubernetes:core/v1:Namespace"].secret_inputs) == layout_secret


@pytest.mark.parametrize(
    "stack, key, where",
    [
        ("gcp-files", "gcp:project", "service account emails"),
        ("aws-files", "aws:region", "as the region of each resource it creates"),
        ("azure", "azure-native:location", "as the location of each resource it creates"),
        ("azure-files", "azure-native:subscriptionId", "/subscriptions/<id>/"),
    ],
)
def test_a_provider_setting_its_provider_reports_in_plain_text_is_warned_about_when_set_as_a_secret(stack, key, where):
    values = dict(PROJECT.stack_config(PROJECT.stack_file(stack)).values)
    values.setdefault(key, "00000000-0000-0000-0000-00000000abcd")

    def warned(*secret: str) -> list[str]:
        mock = engine.start(PROJECT.name, stack, values, secret)
        mock.run(lambda: program.main(PROJECT_DIR))
        return [warning for warning in mock.warnings if "set as a secret" in warning]

    (warning,) = warned(key)
    assert warning.startswith(f"{key}: is set as a secret, but the {key.split(':')[0]} provider reports it in plain text (")
    assert where in warning and warning.endswith("whoever reads the stack's state reads it")
    assert warned() == []


def test_a_secret_provider_setting_of_a_cloud_the_stack_makes_nothing_in_is_not_warned_about():
    values = {**PROJECT.stack_config(PROJECT.stack_file("dev")).values, "gcp:project": "acme-ml", "aws:region": "eu-west-1"}
    mock = engine.start(PROJECT.name, "dev", values, ["gcp:project", "aws:region"])
    mock.run(lambda: program.main(PROJECT_DIR))
    assert not [warning for warning in mock.warnings if "set as a secret" in warning]
