"""Shared helpers: build plans from plain config dicts, collect the problems they raise."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from components.errors import ConfigError
from components.plan import StackPlan, plan_stack
from components.stack_config import parse_stack_config

PROJECT_DIR = Path(__file__).resolve().parent.parent


def plan(config: dict[str, Any], base_dir: Path = PROJECT_DIR) -> StackPlan:
    """Parse and plan a stack config given as the values of its keys."""
    return plan_stack(parse_stack_config(config), base_dir)


def problems(config: dict[str, Any], base_dir: Path = PROJECT_DIR) -> list[str]:
    """Every problem the config has, as `path: message` strings (fails if none)."""
    with pytest.raises(ConfigError) as caught:
        plan(config, base_dir)
    return [str(problem) for problem in caught.value.problems]


def run_of(config: dict[str, Any], name: str):
    """The planned run called `name`."""
    return next(run for run in plan(config).runs if run.name == name)


def env_of(run) -> dict[str, Any]:
    """A planned run's storage env as {name: value or valueFrom}."""
    return {item["name"]: item.get("value", item.get("valueFrom")) for item in run.storage.env}
