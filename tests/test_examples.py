"""examples/own-program: a Pulumi program of one's own built from the public components, rendered offline with
`render --program`, as docs/components.md says."""

from __future__ import annotations

import pytest
import yaml
from conftest import PROJECT_DIR, cli

EXAMPLE = PROJECT_DIR / "examples" / "own-program"


def rendered(*extra: str) -> tuple[list[dict], str]:
    result = cli("render", "--program", str(EXAMPLE), *extra)
    assert result.returncode == 0, result.stderr
    return list(yaml.safe_load_all(result.stdout)), result.stderr


def test_the_example_renders_its_namespace_bounds_nfs_claim_and_the_teams_jobs():
    documents, _ = rendered()
    kinds = sorted((document["kind"], document["metadata"].get("name") or document["metadata"]["generateName"]) for document in documents)
    assert kinds == [
        ("Job", "resnet50-"),
        ("Job", "vit-"),
        ("LimitRange", "polyaxon-runs-defaults"),
        ("Namespace", "team-vision"),
        ("NetworkPolicy", "polyaxon-runs-deny-ingress"),
        ("PersistentVolume", "team-vision-imagenet"),
        ("PersistentVolumeClaim", "imagenet"),
        ("ResourceQuota", "polyaxon-runs-quota"),
        ("ServiceAccount", "runs-vision"),
    ]
    volume = next(document for document in documents if document["kind"] == "PersistentVolume")
    # The project's declared default, as the Pulumi CLI applies it.
    assert volume["spec"]["nfs"] == {"server": "10.0.0.5", "path": "/exports/imagenet", "readOnly": True}


def test_the_examples_jobs_carry_the_templates_defaults_and_bounds():
    documents, _ = rendered()
    jobs = {document["metadata"]["generateName"]: document for document in documents if document["kind"] == "Job"}
    pod = jobs["vit-"]["spec"]["template"]["spec"]
    assert (jobs["vit-"]["metadata"]["namespace"], pod["serviceAccountName"]) == ("team-vision", "runs-vision")
    assert pod["nodeSelector"] == {"pool": "gpu"}
    assert pod["containers"][0]["resources"]["limits"]["nvidia.com/gpu"] == "1"
    assert (jobs["vit-"]["spec"]["backoffLimit"], pod["restartPolicy"]) == (2, "OnFailure")
    assert jobs["resnet50-"]["spec"]["template"]["spec"]["containers"][0]["envFrom"] == [{"secretRef": {"name": "wandb"}}]
    assert {"name": "data-imagenet", "persistentVolumeClaim": {"claimName": "imagenet", "readOnly": True}} in pod["volumes"]
    env = {item["name"]: item.get("value") for item in pod["containers"][0]["env"]}
    assert env["POLYAXON_RUN_DATA_PATHS"] == '{"imagenet":"/data/imagenet"}'
    assert env["POLYAXON_RUN_OUTPUTS_PATH"] == "/outputs/vision/vit/$(POLYAXON_RUN_EXECUTION_ID)"


def test_the_example_takes_a_stack_config_of_its_own(tmp_path):
    stack = tmp_path / "Pulumi.prod.yaml"
    stack.write_text(yaml.safe_dump({"config": {"vision-training:nfsServer": "nfs.internal"}}))
    documents, _ = rendered(str(stack))
    volume = next(document for document in documents if document["kind"] == "PersistentVolume")
    assert volume["spec"]["nfs"]["server"] == "nfs.internal"


@pytest.mark.parametrize("arguments, words", [(("render",), "render needs a stack"), (("--project", "y", "render", "--program", "x", "dev"), "leave out --project")])
def test_render_says_what_it_needs(arguments, words):
    result = cli(*arguments)
    assert result.returncode == 2 and words in result.stderr


def test_a_program_whose_components_refuse_their_args_is_a_message_not_a_traceback(tmp_path):
    (tmp_path / "Pulumi.yaml").write_text("name: broken\nruntime: python\n")
    (tmp_path / "__main__.py").write_text(
        "from components import RunTemplate\n"
        "RunTemplate('t', {'namespace': 'ml', 'service_account': 'sa', 'runs': {'r': {'image': 'i:1', 'comand': ['x'],"
        " 'outputs': {'name': 'o', 'mount_path': '/o', 'claim_name': 'o', 'read_only': True}}}})\n"
    )
    result = cli("render", "--program", str(tmp_path))
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [
        "RunTemplate 't': 2 problems in its args:",
        "  - runs.r.comand: unknown key here (check its spelling and the config reference)",
        "  - runs.r.outputs.read_only: the run writes its outputs there: an outputs mount is writable (its directory is made by an init container before the run starts)",
    ]
