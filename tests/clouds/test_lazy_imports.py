"""Each cloud's SDK is imported only by a stack that uses that cloud (in a fresh interpreter, as `render` runs)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import PROJECT_DIR, write_stack

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


# `python -m components`, with the modules named (and those under them) made missing as an absent package is.
MISSING = (
    "import runpy, sys\n"
    "GONE = sys.argv[1].split(',')\n"
    "class Missing:\n"
    "    def find_spec(self, name, path=None, target=None):\n"
    "        if any(name == gone or name.startswith(gone + '.') for gone in GONE):\n"
    "            raise ModuleNotFoundError(f'No module named {{name!r}}', name=name)\n"
    "sys.meta_path.insert(0, Missing())\n"
    "sys.argv = ['polyaxon-storage', *sys.argv[2:]]\n"
    "runpy.run_module('components', run_name='__main__')\n"
)


def render_without(missing: str, stack: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", MISSING.format(), missing, "render", stack], cwd=PROJECT_DIR, capture_output=True, text=True
    )


@pytest.mark.parametrize(
    "stack, sdk, extra", [("gcp", "pulumi_gcp", "gcp"), ("aws", "pulumi_aws", "aws"), ("azure", "pulumi_azure_native", "azure")]
)
def test_a_stack_whose_cloud_sdk_is_missing_is_told_the_extra_that_installs_it(stack, sdk, extra):
    result = render_without(sdk, stack)
    assert (result.returncode, result.stdout) == (2, "")
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1] == (
        f"polyaxon-storage: this stack has {dict(gcp='gcs buckets', aws='s3 buckets', azure='azure containers')[stack]}, and their "
        f"component needs {sdk}, which is not installed: pip install 'polyaxon-storage[{extra}]' "
        f"(in a checkout of polyaxon-storage: make venv-{extra})"
    )


@pytest.mark.parametrize(
    "entry, sdk, extra",
    [
        ({"filesystem": "filestore", "size": "1Ti", "location": "europe-west1-b", "network": "vpc"}, "pulumi_gcp", "gcp"),
        ({"filesystem": "efs", "vpcId": "vpc-1", "subnets": ["subnet-a"], "clients": ["10.0.0.0/16"]}, "pulumi_aws", "aws"),
        ({"filesystem": "azurefiles", "account": "acct", "resourceGroup": "rg", "subnetId": "/s", "size": "1Ti"},
         "pulumi_azure_native", "azure"),
    ],
)  # fmt: skip
def test_a_stack_whose_filesystems_sdk_is_missing_is_told_the_extra_that_installs_it(tmp_path, entry, sdk, extra):
    config = {"persistence": {"outputs": {"work": {"create": True, "name": "work", "mountPath": "/work", **entry}}},
              "runs": {"train": {"image": "trainer:1"}}}  # fmt: skip
    providers = {"gcp:project": "p", "aws:region": "eu-west-1", "azure-native:location": "westeurope"}
    result = render_without(sdk, str(write_stack(tmp_path, config, "files", providers)))
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.strip().splitlines()[-1] == (
        f"polyaxon-storage: this stack has {entry['filesystem']} filesystems, and their component needs {sdk}, which "
        f"is not installed: pip install 'polyaxon-storage[{extra}]' (in a checkout of polyaxon-storage: make venv-{extra})"
    )


def test_a_stack_without_buckets_renders_without_any_cloud_sdk():
    result = render_without("pulumi_gcp,pulumi_aws,pulumi_azure_native", "platform")
    assert result.returncode == 0, result.stderr
    assert "kind: Job" in result.stdout


def test_a_module_missing_inside_a_cloud_sdk_is_not_taken_for_the_sdk_missing():
    # The SDK is there, a module it (or our component) imports is not: a bug to show, not an install to suggest.
    result = render_without("pulumi_azure_native.authorization", "azure")
    assert result.returncode == 1
    assert "Traceback" in result.stderr and "ModuleNotFoundError: No module named 'pulumi_azure_native.authorization'" in result.stderr
    assert "pip install" not in result.stderr
