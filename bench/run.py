"""Benchmark: the program under Pulumi's mock engine against the engine's own floor.

    make bench                                # or: venv/bin/python bench/run.py
    venv/bin/python bench/run.py --write      # also write bench/results.md (CONTRIBUTING.md quotes it)
    venv/bin/python bench/run.py --sizes 3    # only the first three sizes (quick look)
    venv/bin/python bench/run.py --profile    # also cProfile the ~5,000-object program

Synthetic catalogs (teams x data volumes x runs per team) from a dozen to
~5,000 Kubernetes objects: those the program registers, and the Jobs it
exports (what `render` prints). For each, in this one process and run:

- *program*: `components.program.main()` under the mock engine
  (`components.offline.engine`), exactly as `render` runs it, with every run's
  Job awaited;
- *floor*: the same engine registering as many plain Kubernetes ConfigMaps as
  the program yields objects (small metadata, no logic of ours).

Program and floor are measured alternately and the best of `--repeats` kept.
Then, as whole processes: the `render` command on a generated 20-team,
40-volume, 200-run stack file against a floor process that starts the same
engine and registers as many plain Kubernetes objects as `render` prints,
printing nothing: printing the Jobs is part of what `render` costs. Then a
generated stack with buckets created on all three clouds (20 teams, 30
buckets, 200 runs), and one creating managed filesystems and mounting buckets
through CSI on all three clouds, each against the engine registering the very
resources the program registered, through the same SDK classes with the same
inputs as constants (checked equal), and a ConfigMap per Job. Then the time to
resolve one run in a stack with few and with many other runs, the import time
of `render dev` against a bare `import pulumi_kubernetes`, and which cloud SDKs
rendering each stack in stacks/ imports. Results go to stdout, and with --write to bench/results.md.
"""

from __future__ import annotations

import argparse
import compileall
import cProfile
import datetime
import gc
import importlib
import inspect
import io
import json
import math
import os
import platform
import pstats
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any, Callable

import yaml

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))

import pulumi_kubernetes as kubernetes  # noqa: E402

from components.core.config.catalog import BucketEntry, FilesystemEntry  # noqa: E402
from components.core.config.stack import namespace_values, parse_stack_config  # noqa: E402
from components.core.plan import plan_run, plan_stage  # noqa: E402
from components.core.stores import CLOUDS, FILESYSTEMS  # noqa: E402
from components.offline import engine  # noqa: E402
from components.offline.project import Project  # noqa: E402
from components.offline.render import render  # noqa: E402
from components.program import main as program_main  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results.md"
PROJECT = Project(PROJECT_DIR)
REPEATS = 2
# The goals.
GOAL_AT, GOAL_RATIO = 5_000, 1.25  # objects; at most this times the floor
# Growth exponent, fitted over the sizes from this many objects on. The engine alone grows faster
# than linearly (its floor's exponent is 1.1 to 1.2 here), so the program is held to the floor's.
LINEAR_FROM, GROWTH_MARGIN = 500, 0.05
INDEPENDENT_MAX = 1.25  # one run's resolution among many other runs, against among few
PROCESS_SIZE, PROCESS_RUNS, PROCESS_ROUNDS, PROCESS_RATIO = (20, 40, 10), 200, 5, 1.2
# Teams x buckets (a third per cloud, all created) x runs per team, held to the floor's 1.25x.
CLOUD_SIZE, CLOUD_RATIO = (20, 30, 10), 1.25
# Teams x managed filesystems and CSI-mounted buckets (half each, a third of each per cloud) x runs per team.
FILESYSTEM_SIZE, FILESYSTEM_RATIO = (20, 12, 10), 1.25
# The stacks with cloud resources are measured best of more: the clouds' SDK classes make their floor, and so each
# ratio, vary most from one run to the next on a shared machine.
CLOUD_REPEATS = 5
CLOUD_PROVIDERS = {
    "gcp:project": "bench",
    "aws:region": "eu-west-1",
    "azure-native:location": "westeurope",
    "azure-native:subscriptionId": "00000000-0000-0000-0000-000000000000",
}
KUBERNETES, CLOUD_PACKAGES = ("kubernetes:",), ("kubernetes:", "gcp:", "aws:", "azure-native:")
RESOLUTION_TEAMS, RESOLUTION_RUNS_PER_TEAM = 10, (3, 500)
STORE_SDKS = {store: cloud.sdk for store, cloud in CLOUDS.items()}
STACKS = PROJECT.stack_names()


# --- synthetic catalogs -------------------------------------------------------------------------


@dataclass(frozen=True)
class Size:
    teams: int
    volumes: int
    """Data entries in the catalog (outputs entries: half as many, at least two)."""
    runs_per_team: int

    def __str__(self) -> str:
        return f"{self.teams}x{self.volumes}x{self.runs_per_team}"


SIZES = (
    Size(teams=1, volumes=2, runs_per_team=2),
    Size(teams=4, volumes=8, runs_per_team=10),
    # From here on the mix stays the same (40 runs and two data entries a team), so the
    # time per object stays flat if the cost is linear.
    Size(teams=12, volumes=24, runs_per_team=40),
    Size(teams=25, volumes=50, runs_per_team=40),
    Size(teams=50, volumes=100, runs_per_team=40),
    Size(teams=100, volumes=200, runs_per_team=40),
)
# Entries each team is granted, per side: a fixed window, so a team costs the same in any catalog.
DATA_GRANT, OUTPUTS_GRANT = 4, 2


def _data_entry(index: int) -> dict[str, Any]:
    """Data entries cycle through NFS, existing claim, host path and bucket."""
    mount = f"/data/d{index}"
    kinds = [
        {"nfs": {"server": f"10.0.{index % 250}.5", "path": f"/exports/d{index}"}, "size": "500Gi"},
        {"existingClaim": f"data-claim-{index}", "accessMode": "ReadOnlyMany"},
        {"hostPath": f"/mnt/ssd/d{index}", "nodeSelector": {"pool": "gpu"}},
        {"store": "gcs", "bucket": f"gs://data-{index}", "secret": "gcs-reader", "secretKey": "key.json"},
    ]
    entry = kinds[index % len(kinds)]
    return {**entry, "readOnly": True} if "store" in entry else {"mountPath": mount, **entry, "readOnly": True}


def _outputs_entry(index: int) -> dict[str, Any]:
    """Outputs entries alternate NFS and existing claim (every other claim single-node: warnings)."""
    mount = f"/outputs/o{index}"
    if index % 2 == 0:
        return {"mountPath": mount, "nfs": {"server": "10.1.0.5", "path": f"/exports/o{index}"}, "size": "1Ti"}
    access_mode = "ReadWriteOnce" if index % 4 == 1 else "ReadWriteMany"
    return {"mountPath": mount, "existingClaim": f"outputs-claim-{index}", "accessMode": access_mode}


def _window(names: list[str], start: int, length: int) -> list[str]:
    return [names[(start + offset) % len(names)] for offset in range(min(length, len(names)))]


def catalog_config(size: Size) -> dict[str, Any]:
    """Stack config values (keys without the namespace), with the project's defaults, for one catalog.

    Host-path data entries are read-only, as the host-path rule wants outside /tmp.
    """
    data = {f"d{index}": _data_entry(index) for index in range(size.volumes)}
    outputs = {f"o{index}": _outputs_entry(index) for index in range(max(2, size.volumes // 2))}
    teams, runs = {}, {}
    for team_index in range(size.teams):
        team = f"team{team_index}"
        granted_data = _window(sorted(data), team_index, DATA_GRANT)
        granted_outputs = _window(sorted(outputs), team_index, OUTPUTS_GRANT)
        teams[team] = {"namespace": f"ns-{team}", "data": granted_data, "outputs": granted_outputs}
        for run_index in range(size.runs_per_team):
            run: dict[str, Any] = {
                "team": team,
                "image": "ghcr.io/acme/trainer:1.0",
                "command": ["python", "-m", "train"],
                "env": {"EPOCHS": str(run_index % 10)},
                "resources": {"requests": {"cpu": "1", "memory": "2Gi"}},
            }
            # A third ask for nothing, a third name their data, a third name data and outputs.
            if run_index % 3 >= 1:
                run["data_refs"] = granted_data[: 1 + run_index % len(granted_data)]
            if run_index % 3 == 2:
                run["outputs_refs"] = [granted_outputs[-1]]
            runs[f"{team}-run{run_index}"] = run
    return {**PROJECT.defaults(), "persistence": {"data": data, "outputs": outputs}, "teams": teams, "runs": runs}


# --- the mock engine, as render runs it ------------------------------------------------------------


def cloud_config(size: Size) -> dict[str, Any]:
    """A catalog of buckets the stack creates, a third per cloud, read-only data and writable outputs; each
    team reads one bucket of each cloud and writes one; every other team reaches each cloud without keys."""
    teams_count, buckets_count, runs_per_team = size.teams, size.volumes, size.runs_per_team
    stores = ("gcs", "s3", "azure")
    data, outputs = {}, {}
    for index in range(buckets_count):
        store = stores[index % 3]
        side, read_only = (outputs, False) if index % 5 == 4 else (data, True)
        entry: dict[str, Any] = {"store": store, "readOnly": read_only, "create": True}
        if store == "gcs":
            entry.update(bucket=f"gs://bench-{index}", location="EU")
        elif store == "s3":
            entry.update(bucket=f"s3://bench-{index}")
        else:
            entry.update(
                bucket=f"wasbs://container-{index}@bench{index % 4}.blob.core.windows.net/",
                resourceGroup="rg-bench",
                sasExpiry="2030-01-01T00:00:00Z",
            )
        side[f"b{index}"] = entry
    by_store = {store: sorted(name for name, entry in data.items() if entry["store"] == store) for store in stores}
    teams, runs = {}, {}
    for team_index in range(teams_count):
        team = f"team{team_index}"
        granted = [by_store[store][team_index % len(by_store[store])] for store in stores]
        teams[team] = {"namespace": f"ns-{team}", "data": granted, "outputs": [sorted(outputs)[team_index % len(outputs)]]}
        for run_index in range(runs_per_team):
            run: dict[str, Any] = {"team": team, "image": "ghcr.io/acme/trainer:1.0", "command": ["python", "-m", "train"]}
            if run_index % 2:
                run["data_refs"] = granted[: 1 + run_index % 3]
            runs[f"{team}-run{run_index}"] = run
    keyless = [f"team{index}" for index in range(1, teams_count, 2)]
    workload_identity = {
        "gke": {"teams": keyless},
        "eks": {"teams": keyless, "oidcProviderArn": "arn:aws:iam::1:oidc-provider/o", "oidcIssuer": "https://o"},
        "aks": {"teams": keyless, "oidcIssuerUrl": "https://o", "resourceGroup": "rg-identities"},
    }
    return {
        **PROJECT.defaults(),
        "credentialsRotation": "2026-10-01",
        "persistence": {"data": data, "outputs": outputs},
        "cluster": {"workloadIdentity": workload_identity},
        "teams": teams,
        "runs": runs,
    }


def filesystem_config(size: Size) -> dict[str, Any]:
    """Managed filesystems (writable outputs) and buckets mounted through CSI (read-only data), half each, a third
    of each on Filestore/GCS, EFS/S3 and Azure Files/Blob. Each team works on one cloud (team i on cloud i % 3): it
    writes one filesystem and reads one bucket there, so every filesystem and bucket serves several namespaces.
    Teams on GCP and AWS reach them through workload identity (what gcsfuse and Mountpoint mount with); on Azure,
    every other team too, the rest with the container's SAS."""
    teams_count, entries, runs_per_team = size.teams, size.volumes, size.runs_per_team
    filesystems = (
        lambda index: {"filesystem": "filestore", "name": f"bench-{index}", "size": "1Ti", "location": "europe-west1-b",
                       "network": "bench", "clients": ["10.8.0.0/14"]},
        lambda index: {"filesystem": "efs", "name": f"bench-{index}", "vpcId": "vpc-0bench",
                       "subnets": ["subnet-a", "subnet-b"], "clients": ["sg-0123456789abcdef0"]},
        lambda index: {"filesystem": "azurefiles", "name": f"share-{index}", "account": f"benchfiles{index}",
                       "resourceGroup": "rg-bench", "subnetId": "/subnets/storage", "size": "1Ti"},
    )  # fmt: skip
    buckets = (
        lambda index: {"store": "gcs", "bucket": f"gs://bench-csi-{index}/train", "location": "EU"},
        lambda index: {"store": "s3", "bucket": f"s3://bench-csi-{index}/train"},
        lambda index: {"store": "azure", "bucket": f"wasbs://csi-{index}@benchcsi.blob.core.windows.net/train",
                       "resourceGroup": "rg-bench", "sasExpiry": "2030-01-01T00:00:00Z"},
    )  # fmt: skip
    outputs, data = {}, {}
    for index in range(entries // 2):
        outputs[f"fs{index}"] = {"create": True, "mountPath": f"/outputs/fs{index}", **filesystems[index % 3](index)}
        data[f"csi{index}"] = {"create": True, "readOnly": True, "mount": "csi", "mountPath": f"/data/csi{index}",
                               **buckets[index % 3](index)}  # fmt: skip
    teams, runs = {}, {}
    for team_index in range(teams_count):
        team, cloud = f"team{team_index}", team_index % 3
        mine = [index for index in range(entries // 2) if index % 3 == cloud]
        chosen = mine[(team_index // 3) % len(mine)]
        teams[team] = {"namespace": f"ns-{team}", "data": [f"csi{chosen}"], "outputs": [f"fs{chosen}"]}
        for run_index in range(runs_per_team):
            run: dict[str, Any] = {"team": team, "image": "ghcr.io/acme/trainer:1.0", "command": ["python", "-m", "train"]}
            if run_index % 2:
                run["data_refs"] = []
            runs[f"{team}-run{run_index}"] = run
    azure_keyless = [f"team{index}" for index in range(2, teams_count, 6)]
    workload_identity = {
        "gke": {"teams": [f"team{index}" for index in range(0, teams_count, 3)]},
        "eks": {"teams": [f"team{index}" for index in range(1, teams_count, 3)],
                "oidcProviderArn": "arn:aws:iam::1:oidc-provider/o", "oidcIssuer": "https://o"},
        "aks": {"teams": azure_keyless, "oidcIssuerUrl": "https://o", "resourceGroup": "rg-identities"},
    }  # fmt: skip
    return {
        **PROJECT.defaults(),
        "credentialsRotation": "2026-10-01",
        "persistence": {"data": data, "outputs": outputs},
        "cluster": {"workloadIdentity": workload_identity},
        "teams": teams,
        "runs": runs,
    }


def full_keys(values: dict[str, Any], providers: dict[str, str] = {}) -> dict[str, Any]:
    return {**providers, **{f"{PROJECT.name}:{key}": value for key, value in values.items()}}


def under_mock_engine(
    values: dict[str, Any],
    program: Callable[[], int],
    providers: dict[str, str] = {},
    counted: tuple[str, ...] = KUBERNETES,
) -> tuple[float, int]:
    """Seconds to run `program` under the mock engine with these config values, and the objects it yields:
    the resources it registers (of the `counted` packages), and the Jobs it makes (what `program` returns)."""
    gc.collect()
    started = time.perf_counter()
    mock = engine.start(PROJECT.name, "bench", full_keys(values, providers))
    jobs = mock.run(program)
    seconds = time.perf_counter() - started
    return seconds, jobs + sum(1 for r in mock.registrations if r.custom and r.type.startswith(counted))


def our_program() -> int:
    """What `render` runs: the program, then every run's Job awaited."""
    return len(engine.values(program_main(PROJECT_DIR).jobs))


def floor_program(count: int) -> Callable[[], int]:
    """Register `count` plain ConfigMaps (the mock engine registers no default provider)."""

    def program() -> int:
        for index in range(count):
            kubernetes.core.v1.ConfigMap(
                f"cm-{index}", metadata=kubernetes.meta.v1.ObjectMetaArgs(name=f"cm-{index}", namespace="bench")
            )
        return 0

    return program


# Each Pulumi package the program registers resources of, by its type prefix: its SDK's top-level module.
SDK_PACKAGES = {"kubernetes": "pulumi_kubernetes", **{cloud.provider: cloud.sdk for cloud in CLOUDS.values()}}


def sdk_class(resource_type: str) -> type:
    """The SDK class that registers a resource type: `aws:efs/fileSystem:FileSystem` is pulumi_aws.efs.FileSystem,
    `kubernetes:networking.k8s.io/v1:NetworkPolicy` pulumi_kubernetes.networking.v1.NetworkPolicy."""
    package, module, name = resource_type.split(":")
    if package == "kubernetes":
        group, version = module.split("/")
        path = f"{group.split('.')[0]}.{version}"
    else:
        path = module.split("/")[0]
    return getattr(importlib.import_module(f"{SDK_PACKAGES[package]}.{path}"), name)


def sdk_arguments(cls: type, inputs: dict[str, Any]) -> dict[str, Any]:
    """A resource's recorded inputs as its SDK class's keyword arguments (`resourceGroupName` is
    `resource_group_name`; an input named `resourceName` is `resource_name_`, the class's own `resource_name`
    being the Pulumi name)."""
    parameters = inspect.signature(cls._internal_init).parameters  # type: ignore[attr-defined]
    arguments = {}
    for key, value in inputs.items():
        name = re.sub(r"(?<!^)(?=[A-Z])", "_", key).lower()
        name = f"{name}_" if name == "resource_name" else name
        assert name in parameters, f"{cls.__name__} takes no {name} (input {key})"
        arguments[name] = value
    return arguments


@dataclass(frozen=True)
class Replay:
    """What the program registered (the custom resources of the counted packages), to register again."""

    resources: list[tuple[type, str, dict[str, Any]]]
    """Each resource's SDK class, name and keyword arguments."""
    registered: Counter[str]
    """Each resource's type and inputs as the engine received them (JSON): what the replay must register too."""


def replay_of(values: dict[str, Any], providers: dict[str, str], counted: tuple[str, ...]) -> Replay:
    """The custom resources the program registers with these config values, as constants."""
    mock = engine.start(PROJECT.name, "bench", full_keys(values, providers))
    mock.run(our_program)
    resources, registered = [], Counter()
    for r in mock.registrations:
        if r.custom and r.type.startswith(counted):
            cls = sdk_class(r.type)
            resources.append((cls, r.name, sdk_arguments(cls, r.inputs)))
            registered[_registered(r)] += 1
    return Replay(resources, registered)


def _registered(registration: engine.Registration) -> str:
    return json.dumps([registration.type, registration.inputs], sort_keys=True)


def replay_floor_program(replay: Replay, count: int) -> Callable[[], int]:
    """Register what the program registered, each resource through its SDK class with its inputs as constants
    (no component, no Output, no rule), and plain ConfigMaps up to `count` objects in all (the Jobs)."""

    def program() -> int:
        for cls, name, arguments in replay.resources:
            cls(name, **arguments)
        floor_program(count - len(replay.resources))()
        return 0

    return program


def check_replay(replay: Replay) -> None:
    """The replay registers the same resources, with the same inputs, as the program."""
    mock = engine.start(PROJECT.name, "bench", {})
    mock.run(replay_floor_program(replay, len(replay.resources)))
    registered = Counter(_registered(r) for r in mock.registrations)
    assert registered == replay.registered, "the replay registers other resources or inputs than the program"


@dataclass(frozen=True)
class Measurement:
    size: Size
    objects: int
    program: float
    floor: float

    @property
    def ratio(self) -> float:
        return self.program / self.floor


def measure(
    size: Size,
    repeats: int,
    values: dict[str, Any] | None = None,
    providers: dict[str, str] = {},
    counted: tuple[str, ...] = KUBERNETES,
) -> Measurement:
    """Best of `repeats`, program and floor alternately (the catalog_config of `size` unless `values`)."""
    values = catalog_config(size) if values is None else values
    replay = replay_of(values, providers, counted) if counted != KUBERNETES else None
    if replay is not None:
        check_replay(replay)
    program_times, floor_times, counts = [], [], set()
    for _ in range(repeats):
        seconds, objects = under_mock_engine(values, our_program, providers, counted)
        program_times.append(seconds)
        counts.add(objects)
        floor = replay_floor_program(replay, objects) if replay is not None else floor_program(objects)
        seconds, floor_objects = under_mock_engine({}, floor, counted=counted)
        floor_times.append(seconds)
        assert floor_objects == objects, (floor_objects, objects)
    assert len(counts) == 1, f"the program yielded {counts} objects on different repeats"
    return Measurement(size, counts.pop(), min(program_times), min(floor_times))


def write_stack_file(directory: Path, values: dict[str, Any]) -> Path:
    path = directory / "Pulumi.bench.yaml"
    path.write_text(yaml.safe_dump({"config": full_keys(values)}))
    return path


def check_same_as_render(size: Size) -> None:
    """The bench runs what `render` runs: as many objects from a stack file of the same config."""
    values = catalog_config(size)
    with tempfile.TemporaryDirectory() as directory:
        rendering = render(PROJECT, write_stack_file(Path(directory), values))
    _, objects = under_mock_engine(values, our_program)
    assert len(rendering.documents()) == objects, (len(rendering.documents()), objects)
    assert len(rendering.jobs) == len(values["runs"]), (len(rendering.jobs), len(values["runs"]))


def profile(size: Size, top: int = 30) -> str:
    """cProfile of one program run (main thread: the engine's RPC threads are not in it)."""
    values = catalog_config(size)
    profiler = cProfile.Profile()
    profiler.enable()
    under_mock_engine(values, our_program)
    profiler.disable()
    stream = io.StringIO()
    pstats.Stats(profiler, stream=stream).sort_stats("cumulative").print_stats(top)
    return stream.getvalue()


# --- whole processes ---------------------------------------------------------------------------------

# The floor of a `render` process: start the same engine and register `count` plain Kubernetes objects,
# printing nothing (turning the Jobs into YAML is counted as render's own cost).
FLOOR_PROCESS = """
import sys
import pulumi_kubernetes as kubernetes
from components.offline import engine
count = int(sys.argv[1])
mock = engine.start("floor", "bench")
def program():
    for index in range(count):
        kubernetes.core.v1.ConfigMap(f"cm-{index}", metadata={"name": f"cm-{index}", "namespace": "bench"})
mock.run(program)
"""


def _wall(arguments: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, *arguments], cwd=PROJECT_DIR, capture_output=True, check=True)
    return time.perf_counter() - started


def measure_processes(rounds: int = PROCESS_ROUNDS) -> Measurement:
    """`render` of a generated stack file as a whole process, against the floor process; best of `rounds`."""
    size = Size(*PROCESS_SIZE)
    values = catalog_config(size)
    assert len(values["runs"]) == PROCESS_RUNS
    with tempfile.TemporaryDirectory() as directory:
        path = write_stack_file(Path(directory), values)
        printed = _python("-m", "components", "render", str(path)).stdout
        documents = sum(1 for document in yaml.load_all(printed, Loader=yaml.CSafeLoader) if document)
        ours = ["-m", "components", "render", str(path)]
        floor = ["-c", FLOOR_PROCESS, str(documents)]
        render_best = floor_best = math.inf
        for _ in range(rounds):
            render_best = min(render_best, _wall(ours))
            floor_best = min(floor_best, _wall(floor))
    return Measurement(size, documents, render_best, floor_best)


# --- one run's resolution -----------------------------------------------------------------------


def resolution_times(rounds: int = 7, calls: int = 1_000) -> dict[int, float]:
    """Microseconds to plan one run, by runs per team in a stack of RESOLUTION_TEAMS teams.

    The same run (one that names its data and outputs) against the same catalog; the stacks
    differ only in how many other runs they hold. Rounds alternate between them; best kept.
    """
    cases = {}
    for runs_per_team in RESOLUTION_RUNS_PER_TEAM:
        config = parse_stack_config(catalog_config(Size(RESOLUTION_TEAMS, 2 * RESOLUTION_TEAMS, runs_per_team)))
        cases[runs_per_team] = (config, plan_stage(config, PROJECT_DIR, "bench", {}, [])[0])
    name = "team3-run2"
    best = dict.fromkeys(cases, math.inf)
    for _ in range(rounds):
        for runs_per_team, (config, stage) in cases.items():
            run = config.runs[name]
            started = time.perf_counter()
            for _ in range(calls):
                plan_run(stage, name, run, f"runs.{name}")
            best[runs_per_team] = min(best[runs_per_team], (time.perf_counter() - started) / calls * 1e6)
    return best


# --- imports ------------------------------------------------------------------------------------


def _python(*arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *arguments], cwd=PROJECT_DIR, capture_output=True, text=True, check=True)


def _import_total(stderr: str) -> float:
    """Seconds of imports in `-X importtime` output: the sum of every module's own time."""
    total = 0
    for line in stderr.splitlines():
        if line.startswith("import time:"):
            own = line.removeprefix("import time:").split("|")[0].strip()
            total += int(own) if own.isdigit() else 0  # the header line has no number
    return total / 1e6


def import_times(commands: dict[str, list[str]], rounds: int = 5) -> dict[str, tuple[float, float]]:
    """Per command, best of `rounds` (alternating): (import time from -X importtime, wall time without it)."""
    imports = {label: math.inf for label in commands}
    walls = dict(imports)
    for _ in range(rounds):
        for label, arguments in commands.items():
            imports[label] = min(imports[label], _import_total(_python("-X", "importtime", *arguments).stderr))
            started = time.perf_counter()
            _python(*arguments)
            walls[label] = min(walls[label], time.perf_counter() - started)
    return {label: (imports[label], walls[label]) for label in commands}


def cloud_sdks_imported(stack: str) -> list[str]:
    """The cloud SDKs in sys.modules after rendering `stack`, in a fresh interpreter."""
    script = (
        "import contextlib, io, json, sys\n"
        "from components.offline.cli import run\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):\n"
        f"    assert run(['render', {stack!r}]) == 0\n"
        f"print(json.dumps(sorted({{name.split('.')[0] for name in sys.modules}} & {set(STORE_SDKS.values())!r})))\n"
    )
    return json.loads(_python("-c", script).stdout)


def sdks_needed(stack: str) -> list[str]:
    """The cloud SDKs a stack's entries could justify: the buckets it creates or manages credentials for, and the
    filesystems it creates."""
    config = parse_stack_config(namespace_values(PROJECT.stack_config(PROJECT.stack_file(stack)).values, PROJECT.name))
    stores = {entry.store for _, _, entry in config.persistence.entries() if isinstance(entry, BucketEntry) and entry.managed}
    stores |= {
        FILESYSTEMS[entry.filesystem].store for _, _, entry in config.persistence.entries() if isinstance(entry, FilesystemEntry)
    }
    return sorted({STORE_SDKS[store] for store in stores})


# --- report -------------------------------------------------------------------------------------


def growth_exponent(points: list[tuple[int, float]]) -> float:
    """Least-squares slope of log(time) against log(objects): 1.00 is linear."""
    xs, ys = [math.log(n) for n, _ in points], [math.log(t) for _, t in points]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    return sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys)) / sum((x - mean_x) ** 2 for x in xs)


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    return "\n".join("| " + " | ".join(cells) + " |" for cells in [header, ["---"] * len(header), *rows])


def ratio_table(objects: str, program: str, m: Measurement) -> str:
    """One measurement against its floor, as a table."""
    return markdown_table(
        [objects, program, "floor s", "ratio"], [[f"{m.objects:,}", f"{m.program:.2f}", f"{m.floor:.2f}", f"{m.ratio:.2f}x"]]
    )


def report(
    measurements: list[Measurement],
    processes: Measurement,
    clouds: Measurement,
    filesystems: Measurement,
    resolution: dict[int, float],
    imports: dict[str, tuple[float, float]],
    sdks: dict[str, tuple[list[str], list[str]]],
    repeats: int,
) -> str:
    rows, previous = [], None
    for m in measurements:
        step = "-"
        if previous is not None:
            scale = math.log(m.objects / previous.objects)
            step = " / ".join(
                f"{math.log(now / before) / scale:.2f}"
                for now, before in ((m.program, previous.program), (m.floor, previous.floor))
            )
        rows.append(
            [
                str(m.size), f"{m.objects:,}", f"{m.program:.2f}", f"{m.floor:.2f}", f"{m.ratio:.2f}x",
                f"{m.program / m.objects * 1e3:.2f}", f"{m.floor / m.objects * 1e3:.2f}", step,
            ]
        )  # fmt: skip
        previous = m
    fitted = [m for m in measurements if m.objects >= LINEAR_FROM]
    program_k = growth_exponent([(m.objects, m.program) for m in fitted]) if len(fitted) > 1 else math.nan
    floor_k = growth_exponent([(m.objects, m.floor) for m in fitted]) if len(fitted) > 1 else math.nan
    at_goal = min(measurements, key=lambda m: abs(math.log(m.objects / GOAL_AT)))
    few, many = min(resolution), max(resolution)
    resolution_ratio = resolution[many] / resolution[few]
    extra_sdks = {stack: sorted(set(found) - set(needed)) for stack, (found, needed) in sdks.items()}

    def verdict(ok: bool) -> str:
        return "met" if ok else "**not met**"

    goals = [
        [
            f"at ~{GOAL_AT:,} objects, at most {GOAL_RATIO}x the floor",
            f"{at_goal.ratio:.2f}x at {at_goal.objects:,}",
            verdict(at_goal.ratio <= GOAL_RATIO),
        ],
        [
            f"grows no faster than the engine (growth exponent at most the floor's + {GROWTH_MARGIN:.2f})",
            f"{program_k:.2f} (floor {floor_k:.2f})",
            verdict(program_k <= floor_k + GROWTH_MARGIN),
        ],
        [
            f"`render` as a whole process ({PROCESS_RUNS} runs), at most {PROCESS_RATIO}x its floor process",
            f"{processes.ratio:.2f}x",
            verdict(processes.ratio <= PROCESS_RATIO),
        ],
        [
            f"a stack creating buckets on three clouds ({CLOUD_SIZE[0]} teams, {CLOUD_SIZE[1]} buckets, "
            f"{CLOUD_SIZE[0] * CLOUD_SIZE[2]} runs), at most {CLOUD_RATIO}x the floor",
            f"{clouds.ratio:.2f}x at {clouds.objects:,}",
            verdict(clouds.ratio <= CLOUD_RATIO),
        ],
        [
            f"a stack creating managed filesystems and mounting buckets through CSI on three clouds "
            f"({FILESYSTEM_SIZE[0]} teams, {FILESYSTEM_SIZE[1]} entries, {FILESYSTEM_SIZE[0] * FILESYSTEM_SIZE[2]} runs), "
            f"at most {FILESYSTEM_RATIO}x the floor",
            f"{filesystems.ratio:.2f}x at {filesystems.objects:,}",
            verdict(filesystems.ratio <= FILESYSTEM_RATIO),
        ],
        [
            "resolving one run does not depend on the other runs",
            f"{resolution_ratio:.2f}x from {RESOLUTION_TEAMS * few:,} to {RESOLUTION_TEAMS * many:,} runs",
            verdict(resolution_ratio <= INDEPENDENT_MAX),
        ],
        [
            "no stack imports the SDK of a cloud whose buckets it does not use",
            ", ".join(f"{stack}: {', '.join(extra) or 'none'}" for stack, extra in extra_sdks.items()),
            verdict(not any(extra_sdks.values())),
        ],
    ]
    (render_imports, render_wall), (kube_imports, kube_wall) = imports["render"], imports["kubernetes"]
    return "\n".join(
        [
            "# Benchmark results",
            "",
            f"`make bench` (bench/run.py), {datetime.date.today().isoformat()}: {os.cpu_count()} CPUs (nproc), "
            f"{platform.machine()} {platform.system()}, Python {platform.python_version()}, "
            f"pulumi {version('pulumi')}, pulumi-kubernetes {version('pulumi-kubernetes')}. One process, one run; "
            f"best of {repeats}, program and floor alternately.",
            "",
            "## The program against the engine's floor",
            "",
            "*program*: `components.program.main()` under the mock engine as `render` runs it (config handed "
            "over as the CLI does, every run's Job awaited). *floor*: the same engine registering as many plain "
            "ConfigMaps as the program yields objects. Size: teams x data volumes x runs per team; objects: the "
            "Kubernetes objects the program registers plus the Jobs it exports, what `render` prints. Growth: "
            "the local exponent from the previous size (1.00 = linear).",
            "",
            markdown_table(
                ["size", "objects", "program s", "floor s", "ratio", "program ms/object",
                 "floor ms/object", "growth program / floor"],
                rows,
            ),  # fmt: skip
            "",
            f"Growth exponent fitted over the sizes from {LINEAR_FROM:,} objects on: program {program_k:.2f}, "
            f"floor {floor_k:.2f}.",
            "",
            "## Whole processes",
            "",
            f"*render*: `python -m components render` of a generated stack file ({PROCESS_SIZE[0]} teams, "
            f"{PROCESS_SIZE[1]} data volumes, {PROCESS_RUNS} runs), start-up included. *floor*: a process that starts "
            f"the same engine, registers as many plain Kubernetes objects as `render` prints "
            f"({processes.objects:,}), and prints nothing. Best of {PROCESS_ROUNDS}, alternately.",
            "",
            ratio_table("documents printed", "render s", processes),
            "",
            "## Cloud buckets",
            "",
            f"*program*: a generated stack creating {CLOUD_SIZE[1]} buckets, a third on each of GCS, S3 and Azure "
            f"(read-only data and writable outputs), for {CLOUD_SIZE[0]} teams with {CLOUD_SIZE[2]} runs each; every "
            "other team reaches each cloud through workload identity, the rest with keys in Secrets. *floor*: the "
            "same engine registering the very resources the program registered (cloud resources and Kubernetes "
            "objects), each through the same SDK class with the inputs the program gave it, as constants (checked "
            "equal to the program's as the engine receives them): no component, Output or rule; and a plain "
            "ConfigMap per Job. The classes differ in cost (pulumi_azure_native's bring a score of aliases each, "
            f"10 to 20 times a ConfigMap), and so do the inputs. Best of {CLOUD_REPEATS}, alternately.",
            "",
            ratio_table("objects", "program s", clouds),
            "",
            "## Managed filesystems and CSI buckets",
            "",
            f"*program*: a generated stack creating {FILESYSTEM_SIZE[1] // 2} shared filesystems (Filestore, EFS and "
            f"Azure Files, a third each: writable outputs, a directory per namespace) and mounting "
            f"{FILESYSTEM_SIZE[1] // 2} buckets through their CSI drivers (GCS, S3, Azure Blob: read-only data), for "
            f"{FILESYSTEM_SIZE[0]} teams with {FILESYSTEM_SIZE[2]} runs each, each team on one cloud, writing one of "
            "its filesystems and reading one of its buckets: the filesystems, their network access, access points and "
            "directory Jobs, a volume and claim per namespace and entry, the buckets, their grants and identities, "
            "and the SAS Secrets Azure volumes mount with. *floor*: as for cloud buckets, the very resources through "
            f"their SDK classes with constant inputs, and a ConfigMap per Job. Best of {CLOUD_REPEATS}, alternately.",
            "",
            ratio_table("objects", "program s", filesystems),
            "",
            "## Resolving one run",
            "",
            markdown_table(
                ["runs in the stack", "plan_run of one run (us)"],
                [[f"{RESOLUTION_TEAMS * runs:,}", f"{resolution[runs]:.1f}"] for runs in sorted(resolution)],
            ),
            "",
            "## Imports",
            "",
            markdown_table(
                ["command", "imports (s, -X importtime)", "wall (s)"],
                [
                    ["`python -m components render dev`", f"{render_imports:.2f}", f"{render_wall:.2f}"],
                    ["`python -c 'import pulumi_kubernetes'`", f"{kube_imports:.2f}", f"{kube_wall:.2f}"],
                ],
            ),
            "",
            markdown_table(
                ["stack", "cloud SDKs its managed buckets need", "cloud SDKs imported by `render`"],
                [[stack, ", ".join(needed) or "none", ", ".join(found) or "none"] for stack, (found, needed) in sdks.items()],
            ),
            "",
            "## Goals",
            "",
            markdown_table(["goal", "measured", "verdict"], goals),
            "",
        ]
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, default=len(SIZES), help="measure only the first N sizes")
    parser.add_argument("--repeats", type=int, default=REPEATS, help="best of this many (default: %(default)s)")
    parser.add_argument("--write", action="store_true", help=f"write the results to {RESULTS.name} (a full run only)")
    parser.add_argument("--profile", action="store_true", help=f"also cProfile the program at ~{GOAL_AT:,} objects")
    arguments = parser.parse_args()
    full = arguments.sizes == len(SIZES) and arguments.repeats == REPEATS
    if arguments.write and not full:
        parser.error(f"--write needs a full run: every size, best of {REPEATS}")

    check_same_as_render(SIZES[1])
    # Bytecode for the project's modules, as a user's second `render` finds it: with PYTHONDONTWRITEBYTECODE
    # set (CI, these machines) every process would compile each module edited since the venv was built.
    compileall.compile_dir(PROJECT_DIR / "components", quiet=1)
    # Warm up: the first resource of a kind imports its pulumi_kubernetes module (and the clouds' SDKs).
    under_mock_engine(catalog_config(SIZES[0]), our_program)
    under_mock_engine(cloud_config(Size(3, 6, 1)), our_program, CLOUD_PROVIDERS)
    under_mock_engine(filesystem_config(Size(3, 6, 1)), our_program, CLOUD_PROVIDERS)
    under_mock_engine({}, floor_program(1))

    measurements = []
    print(f"{'size':>10} {'objects':>9} {'program s':>9} {'floor s':>8} {'ratio':>7}", flush=True)
    for size in SIZES[: arguments.sizes]:
        m = measure(size, arguments.repeats)
        measurements.append(m)
        print(f"{str(size):>10} {m.objects:>9,} {m.program:>9.2f} {m.floor:>8.2f} {m.ratio:>6.2f}x", flush=True)

    processes = measure_processes()
    print(f"whole process: render {processes.program:.2f} s, floor {processes.floor:.2f} s, {processes.ratio:.2f}x", flush=True)
    cloud_size = Size(*CLOUD_SIZE)
    cloud_repeats = max(arguments.repeats, CLOUD_REPEATS)
    clouds = measure(cloud_size, cloud_repeats, cloud_config(cloud_size), CLOUD_PROVIDERS, CLOUD_PACKAGES)
    print(f"cloud buckets: {clouds.objects:,} objects, program {clouds.program:.2f} s, floor {clouds.floor:.2f} s, {clouds.ratio:.2f}x", flush=True)
    filesystem_size = Size(*FILESYSTEM_SIZE)
    filesystems = measure(
        filesystem_size, cloud_repeats, filesystem_config(filesystem_size), CLOUD_PROVIDERS, CLOUD_PACKAGES
    )
    print(
        f"filesystems: {filesystems.objects:,} objects, program {filesystems.program:.2f} s, floor "
        f"{filesystems.floor:.2f} s, {filesystems.ratio:.2f}x",
        flush=True,
    )
    resolution = resolution_times()
    imports = import_times(
        {"render": ["-m", "components", "render", "dev"], "kubernetes": ["-c", "import pulumi_kubernetes"]}
    )
    sdks = {stack: (cloud_sdks_imported(stack), sdks_needed(stack)) for stack in STACKS}
    text = report(measurements, processes, clouds, filesystems, resolution, imports, sdks, arguments.repeats)
    print(f"\n{text}")
    if arguments.write:
        RESULTS.write_text(text)
        print(f"written to {RESULTS.relative_to(PROJECT_DIR)}")
    if arguments.profile:
        print(profile(min(measurements, key=lambda m: abs(math.log(m.objects / GOAL_AT))).size))
    return 0


if __name__ == "__main__":
    sys.exit(main())
