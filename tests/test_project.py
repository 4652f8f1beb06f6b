"""The project files a newcomer and the Pulumi CLI rely on."""

from __future__ import annotations

import re

import yaml
from conftest import PROJECT, PROJECT_DIR

from components.core.config.stack import IMPLICIT_TEAM_KEYS, STACK_KEYS, StackConfig


def test_pulumi_yaml_runs_the_python_program_from_a_pip_venv_with_stacks_in_stacks_dir():
    project = yaml.safe_load((PROJECT_DIR / "Pulumi.yaml").read_text())
    assert project["name"] == "polyaxon-storage"
    assert project["runtime"] == {"name": "python", "options": {"toolchain": "pip", "virtualenv": "venv"}}
    assert project["stackConfigDir"] == "stacks"
    for key, declaration in project["config"].items():
        assert declaration["type"] in {"string", "integer", "boolean", "array"}, key
        assert declaration["description"], key


def test_declared_defaults_are_the_programs_own_and_never_what_each_team_sets():
    defaults = PROJECT.defaults()
    assert defaults  # initImage is declared with its default
    for key, value in defaults.items():
        assert StackConfig.model_fields[STACK_KEYS[key]].default == value, key
        # The CLI hands a declared default to every stack: one of these would refuse every stack with teams.
        assert STACK_KEYS[key] not in IMPLICIT_TEAM_KEYS, key


CLOUD_SDKS = {"gcp": "pulumi-gcp", "aws": "pulumi-aws", "azure": "pulumi-azure-native"}
REQUIREMENTS = ("requirements.txt", *(f"requirements-{cloud}.txt" for cloud in CLOUD_SDKS), "requirements-test.txt")


def pins(name: str) -> dict[str, str]:
    lines = (PROJECT_DIR / name).read_text().splitlines()
    return dict(line.split("==") for line in lines if line and not line.startswith("#"))


def test_requirements_pin_exact_versions():
    for name in REQUIREMENTS:
        for line in (PROJECT_DIR / name).read_text().splitlines():
            if line and not line.startswith(("#", "-r ")):
                assert re.fullmatch(r"[A-Za-z0-9_.-]+==[0-9][A-Za-z0-9.]*", line), f"{name}: {line}"


def test_what_renders_is_pinned_as_it_is_tested():
    # `make lock`: the runtime has no cloud SDK, each cloud's file is the runtime and its SDK, all at the test pins.
    tested, runtime = pins("requirements-test.txt"), pins("requirements.txt")
    assert runtime.items() <= tested.items() and not runtime.keys() & set(CLOUD_SDKS.values())
    for cloud, sdk in CLOUD_SDKS.items():
        assert pins(f"requirements-{cloud}.txt") == {**runtime, sdk: tested[sdk]}, cloud
