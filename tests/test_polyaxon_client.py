"""The real polyaxon-client 0.6 reads, in each shipped Job's environment, what the plan says."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from conftest import PROJECT, PROJECT_DIR, STACKS, rendered

from components.core.config.stack import namespace_values, parse_stack
from components.core.model import RunPlan
from components.core.plan import plan_stack
from components.core.stores import PROVIDER_KEYS

CLIENT_PYTHON = PROJECT_DIR / "venv-client" / "bin" / "python"
TRAIN = PROJECT_DIR / "tests" / "client" / "train.py"
UID_FIELD = "metadata.labels['batch.kubernetes.io/controller-uid']"
FAKE_UID = "3f0c9a7e-5b1d-4c2e-9f6a-0d8e7b6c5a41"

# What the kubelet rewrites in a value (k8s.io/kubernetes third_party/forked/golang/expansion):
# `$$`, or `$(NAME)` up to the first `)`.
REFERENCE = re.compile(r"\$(?:\$|\(([^)]*)\))")


def expand(value: str, defined: Mapping[str, str]) -> str:
    """`$$` -> `$`; `$(NAME)` -> NAME's value when defined, else left as written."""
    return REFERENCE.sub(lambda match: "$" if match[1] is None else defined.get(match[1], match[0]), value)


def kubelet_env(container: dict[str, Any], field_values: dict[str, str]) -> dict[str, str]:
    """The environment the kubelet gives `container` from its `env` list, in order.

    A value sees only the variables defined before it. `envFrom` is left out: the
    Secrets and ConfigMaps it names do not exist here.
    """
    env: dict[str, str] = {}
    for variable in container.get("env", []):
        name, value, source = variable["name"], variable.get("value", ""), variable.get("valueFrom")
        if value or not source:
            env[name] = expand(value, env)
        elif "fieldRef" in source:
            env[name] = field_values[source["fieldRef"]["fieldPath"]]
        elif "secretKeyRef" in source:
            env[name] = f"<secret {source['secretKeyRef']['name']}/{source['secretKeyRef']['key']}>"
        else:
            raise ValueError(f"{name}: no stand-in for {source}")
    return env


def container(*env: dict[str, Any]) -> dict[str, Any]:
    return {"name": "main", "env": list(env)}


@pytest.mark.parametrize(
    ("value", "seen"),
    [
        ("$$", "$"),
        ("$$(A)", "$(A)"),
        ("$$$(A)", "$a"),
        ('{"p":"/x/$$y"}', '{"p":"/x/$y"}'),
        ("$5 and 100$", "$5 and 100$"),  # a `$` that starts nothing stays
        ("$(A", "$(A"),
    ],
)
def test_kubelet_env_unescapes_dollars(value, seen):
    env = kubelet_env(container({"name": "A", "value": "a"}, {"name": "B", "value": value}), {})
    assert env["B"] == seen


def test_kubelet_env_expands_only_earlier_variables():
    env = kubelet_env(
        container(
            {"name": "A", "value": "a"}, {"name": "B", "value": "$(A)/$(C)/$(NOPE)"}, {"name": "C", "value": "c"}
        ),
        {},
    )
    assert env == {"A": "a", "B": "a/$(C)/$(NOPE)", "C": "c"}


def test_kubelet_env_fills_fields_and_stands_in_for_secrets():
    env = kubelet_env(
        {
            "envFrom": [{"secretRef": {"name": "absent"}}],
            "env": [
                {"name": "UID", "valueFrom": {"fieldRef": {"fieldPath": UID_FIELD}}},
                {"name": "OUT", "value": "/outputs/$(UID)"},
                {"name": "KEY", "valueFrom": {"secretKeyRef": {"name": "creds", "key": "key.json"}}},
                {"name": "EMPTY", "value": ""},
            ],
        },
        {UID_FIELD: "uid-1"},
    )
    assert env == {"UID": "uid-1", "OUT": "/outputs/uid-1", "KEY": "<secret creds/key.json>", "EMPTY": ""}


def read_by_client(env: dict[str, str], kind: str, home: Path) -> dict[str, Any]:
    """What train.py, run by the real client with exactly `env` (and a HOME), prints."""
    result = subprocess.run(
        [str(CLIENT_PYTHON), str(TRAIN), kind],
        check=False,
        env={**env, "HOME": str(home)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, f"train.py {kind} failed:\n{result.stderr}"
    return json.loads(result.stdout)


def expected(run: RunPlan, project: str) -> dict[str, Any]:
    """What the client should read in `run`'s Job, from the plan alone."""
    team, kind = run.template.team, run.args.kind or "experiment"
    refs = {
        ref_kind: [f"{ref.mount.path.rstrip('/')}/{team}/{ref.run}" for ref in run.refs if ref.kind == ref_kind]
        for ref_kind in ("jobs", "experiments")
    }
    return {
        "kind": kind,
        "data_paths": {mount.name: mount.path for mount in run.args.data},
        "outputs_path": f"{run.args.outputs.path.rstrip('/')}/{team}/{run.name}/{FAKE_UID}",
        "params": None if run.args.params is None else dict(run.args.params),
        "refs": {ref_kind: paths for ref_kind, paths in refs.items() if paths} or None,
        # The client splits `<team>.<project>` into its owner and project.
        "project": f"{team}.{project}",
        "username": team,
        "project_name": project,
        # ... takes the last dot-separated part of the run's name as its id, and a job's type from the part before.
        **(
            {"experiment_id": run.name.split(".")[-1]}
            if kind == "experiment"
            else {"job_id": run.name.split(".")[-1], "job_type": "jobs"}
        ),
    }


@pytest.mark.parametrize("stack", STACKS)
def test_the_client_reads_what_the_plan_says(stack, tmp_path):
    assert CLIENT_PYTHON.exists(), "polyaxon-client is missing: `make test` installs it into venv-client/"
    values = PROJECT.stack_config(PROJECT.stack_file(stack)).values
    providers = {key: str(value) for key, value in values.items() if key in PROVIDER_KEYS}
    plan = plan_stack(parse_stack(namespace_values(values, PROJECT.name)), PROJECT_DIR, PROJECT.name, providers)
    jobs = rendered(stack).jobs
    assert sorted(jobs) == sorted(run.name for run in plan.runs)
    seen = {}
    for run in plan.runs:
        main = next(c for c in jobs[run.name]["spec"]["template"]["spec"]["containers"] if c["name"] == "main")
        env = kubelet_env(main, {UID_FIELD: FAKE_UID})
        kinds = [kind for kind in ("experiment", "job") if f"POLYAXON_{kind.upper()}_INFO" in env]
        assert len(kinds) == 1, f"{run.name}: wants exactly one of POLYAXON_EXPERIMENT_INFO, POLYAXON_JOB_INFO"
        seen[run.name] = {"kind": kinds[0], **read_by_client(env, kinds[0], tmp_path)}
    assert seen == {run.name: expected(run, PROJECT.name) for run in plan.runs}
