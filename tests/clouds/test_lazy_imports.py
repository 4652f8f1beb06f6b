"""Each cloud's SDK is imported only by a stack that uses that cloud (in a fresh interpreter, as `render` runs)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import PROJECT_DIR

SDKS = ("pulumi_gcp", "pulumi_aws", "pulumi_azure_native")


def sdks_imported(stack: str) -> list[str]:
    script = (
        "import contextlib, io, json, sys\n"
        "from components.offline.cli import run\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):\n"
        f"    assert run(['render', {stack!r}]) == 0\n"
        f"print(json.dumps(sorted({{name.split('.')[0] for name in sys.modules}} & {set(SDKS)!r})))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=PROJECT_DIR, capture_output=True, text=True, check=True)
    return json.loads(result.stdout)


@pytest.mark.parametrize(
    "stack, expected",
    [
        ("platform", []),  # Kubernetes only, with a bucket whose Secret the user made
        ("gcp", ["pulumi_gcp"]),
        ("aws", ["pulumi_aws"]),
        ("azure", ["pulumi_azure_native"]),
        ("gcp-files", ["pulumi_gcp"]),
        ("aws-files", ["pulumi_aws"]),
        ("azure-files", ["pulumi_azure_native"]),
    ],
)
def test_a_stack_imports_only_the_sdks_of_the_clouds_it_uses(stack, expected):
    assert sdks_imported(stack) == expected


def test_importing_the_package_and_its_program_loads_no_cloud_sdk():
    script = (
        "import json, sys\n"
        "import components, components.program, components.clouds.wiring\n"
        "dir(components)\n"
        f"print(json.dumps(sorted({{name.split('.')[0] for name in sys.modules}} & {set(SDKS)!r})))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=PROJECT_DIR, capture_output=True, text=True, check=True)
    assert json.loads(result.stdout) == []
