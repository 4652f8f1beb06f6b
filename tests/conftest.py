"""Shared helpers: plans from plain config dicts, the problems they raise, and rendered stacks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any, Mapping, Union

import pytest
import yaml
from kubernetes.utils.quantity import parse_quantity

from components.core.config.stack import parse_stack
from components.core.errors import ConfigError
from components.core.model import RunPlan, StackPlan
from components.core.plan import plan_stack
from components.core.volumes import PodStorage, pod_storage
from components.offline.project import Project
from components.offline.render import Rendering, render

PROJECT_DIR = Path(__file__).resolve().parent.parent
PROJECT = Project(PROJECT_DIR)
STACKS = PROJECT.stack_names()


def plan(config: dict[str, Any], base_dir: Path = PROJECT_DIR, providers: Mapping[str, str] = {}) -> StackPlan:
    """Parse and plan a stack config given as the values of its keys (`providers`: gcp:project, ...)."""
    return plan_stack(parse_stack(config), base_dir, PROJECT.name, providers)


def problems(config: dict[str, Any], base_dir: Path = PROJECT_DIR, providers: Mapping[str, str] = {}) -> list[str]:
    """Every problem the config has, as `path: message` strings (fails if none)."""
    with pytest.raises(ConfigError) as caught:
        plan(config, base_dir, providers)
    return [str(problem) for problem in caught.value.problems]


def run_of(config: dict[str, Any], name: str):
    """The planned run called `name`."""
    return next(run for run in plan(config).runs if run.name == name)


def storage_of(run: RunPlan) -> PodStorage:
    """What a planned run's storage puts into its pod."""
    return pod_storage(run.args.data, run.args.outputs, run.template.team, run.name)


def env_of(run: RunPlan) -> dict[str, Any]:
    """A planned run's storage env as {name: value or valueFrom}."""
    return {item["name"]: item.get("value", item.get("valueFrom")) for item in storage_of(run).env}


def job_of(config: dict[str, Any], name: str) -> dict[str, Any]:
    """The Job manifest of the planned run called `name`."""
    return run_of(config, name).job()


def write_stack(
    directory: Path, config: dict[str, Any], stack: str = "test", providers: Mapping[str, str] = {}
) -> Path:
    """A stack config file `Pulumi.<stack>.yaml` in `directory` holding this project's `config` values
    and the provider settings (`gcp:project`, ...)."""
    path = directory / f"Pulumi.{stack}.yaml"
    values = {**providers, **{f"polyaxon-storage:{key}": value for key, value in config.items()}}
    path.write_text(yaml.safe_dump({"config": values}))
    return path


def rendered(target: Union[str, Path]) -> Rendering:
    """A shipped stack (by name) or a stack config file, rendered as `render` does."""
    return render(PROJECT, PROJECT.stack_file(str(target)))


def cli(*args: str, cwd: Path = PROJECT_DIR) -> subprocess.CompletedProcess:
    """`python -m components ARGS` run as a user runs it, from `cwd`."""
    return subprocess.run(
        [sys.executable, "-m", "components", *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )


def api_server_resource_problems(container: dict) -> list[str]:
    """What the API server's resource validation would refuse in a container (an oracle written here)."""
    resources = container.get("resources", {})
    requests, limits = resources.get("requests", {}), resources.get("limits", {})
    found = []
    for side in (requests, limits):
        for name, text in side.items():
            value = parse_quantity(text)
            if value < 0 or not value.is_finite():
                found.append(f"{name}: {text} is not a quantity")
    for name in set(requests) | set(limits):
        extended = name not in ("cpu", "memory", "ephemeral-storage")
        if extended and name not in limits:
            found.append(f"{name}: an extended resource needs a limit")
        if name in requests and name in limits:
            request, limit = parse_quantity(requests[name]), parse_quantity(limits[name])
            if request > limit or (extended and request != limit):
                found.append(f"{name}: request {requests[name]}, limit {limits[name]}")
    return found
