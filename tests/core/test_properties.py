"""Property-based tests of mount resolution against docs/mount-rules.md.

The strategies build stack configs that are valid by the contract: a catalog
(data and outputs entries of every kind, odd names, mountPaths none in another's, node
selectors that never conflict), optional teams with grants, and runs whose
requests only name what their team may use, in every spelling. Every such
config must plan; the properties are then checked on the Job each run becomes,
the way the kubelet would read it: environment values are expanded with
Kubernetes' `$(VAR)` rules before they are compared.

Unknown names are injected into otherwise valid configs to check that the
error points at the request key that holds them.
"""

from __future__ import annotations

import json
import random
import re
import string
from dataclasses import dataclass, replace
from typing import Any, Callable, Iterator, Optional

from conftest import plan
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from components.core.containers import MAIN_CONTAINER, OUTPUTS_INIT_CONTAINER
from components.core.errors import ConfigError

# --- the contract's vocabulary, written out independently of components/ -----

DATA_PATHS = "POLYAXON_RUN_DATA_PATHS"
LEGACY_DATA_PATHS = "POLYAXON_DATA_PATHS"
OUTPUTS_PATH = "POLYAXON_RUN_OUTPUTS_PATH"
STORES_ACCESS_KEYS = "POLYSTORES_RUN_STORES_ACCESS_KEYS"
# §2: what an empty side of the catalog means.
EMBEDDED_DEFAULT = {
    "data": {"data": {"mountPath": "/data", "hostPath": "/tmp/data"}},
    "outputs": {"outputs": {"mountPath": "/outputs", "hostPath": "/tmp/outputs"}},
}
# §1: a bucket URL's scheme matches its store.
BUCKET_SCHEMES = {"gcs": ("gs://",), "s3": ("s3://",), "azure": ("wasbs://", "wasb://")}
# §3: the ways a run names its outputs (v0.4 `persistence:`, v0.5 lists).
SPELLINGS = ("persistence", "outputs_refs", "artifact_refs")
# §7: every hostPath entry pins a subset of these, so selectors never conflict.
NODE_LABELS = {"topology.kubernetes.io/zone": "zone-a", "disktype": "ssd", "example.com/rack": "r7"}

DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
LABEL_VALUE = re.compile(r"([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?")
ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
IMAGE = "busybox:1.37.0"

# Modest, so the file runs in seconds; shrinking stays on, the slow explain phase off.
EXAMPLES = settings(max_examples=50, deadline=None, phases=[phase for phase in Phase if phase is not Phase.explain])


# --- names --------------------------------------------------------------------

LOWER_ALNUM = string.ascii_lowercase + string.digits
ALNUM = string.ascii_letters + string.digits

#: DNS-1123 labels of up to 16 characters: namespaces, bucket names, names valid as they are.
dns_labels = st.text(alphabet=LOWER_ALNUM + "-", min_size=1, max_size=16).map(lambda text: text.strip("-") or "0")
# Pieces of text that matter to Kubernetes names, JSON and `$(VAR)` expansion.
ODD_PIECES = ["a", "B", "0", "_", ".", "-", " ", "é", "$", "$$", "$(", ")", "$(HOME)"]
#: Short texts made of those pieces, such as `a$$b` or `$(HOME).-`.
odd_texts = st.lists(st.sampled_from(ODD_PIECES), min_size=1, max_size=5).map("".join)

#: Catalog entry names: the user's identifiers, anything a YAML key can be.
entry_names = st.one_of(
    dns_labels,  # data1, data-foo: already valid Kubernetes names
    st.sampled_from(["Data_Set.v2", "data.set", "DATA", "données", "数据", "-data-", "data--1", "1"]),
    odd_texts,
    st.text(min_size=1, max_size=10),  # any unicode
    st.text(alphabet=string.ascii_lowercase + "-_", min_size=64, max_size=90),  # too long for a label
)

#: Team and run names (the stack config allows letters, digits, '_', '.', '-' after a letter or digit).
identifiers = st.one_of(
    st.tuples(st.sampled_from(ALNUM), st.text(alphabet=ALNUM + "_.-", max_size=12)).map("".join),
    st.text(alphabet=LOWER_ALNUM + "-", min_size=63, max_size=75).map(lambda text: "r" + text),
)

#: Claim and secret names (DNS-1123 subdomains).
object_names = st.lists(dns_labels, min_size=1, max_size=2).map(".".join)
#: Namespaces a stack may create: not Kubernetes' own, which it refuses.
namespaces = dns_labels.filter(lambda name: name not in ("default", "kube-system", "kube-public", "kube-node-lease"))

#: One directory name in a mountPath or bucket path ('.' and '..' excluded: they normalise away).
path_segments = st.one_of(st.text(alphabet=LOWER_ALNUM + "-_.", min_size=1, max_size=8), odd_texts).filter(
    lambda segment: segment.strip(".") != ""
)

#: Where a container keeps what it runs on: no volume goes there.
CONTAINER_SYSTEM = ("/etc", "/proc", "/sys", "/dev", "/run", "/var/run", "/var/lib/kubelet")


def nested(path: str, other: str) -> bool:
    """One path is the other, or lies under it."""
    return path == other or path.startswith(other.rstrip("/") + "/") or other.startswith(path.rstrip("/") + "/")


#: Normalised absolute mountPaths, never at, in or over the embedded defaults or what a container runs on.
mount_paths = (
    st.lists(path_segments, min_size=1, max_size=3)
    .map(lambda segments: "/" + "/".join(segments))
    .filter(lambda path: not any(nested(path, location) for location in ("/data", "/outputs", *CONTAINER_SYSTEM)))
)


@st.composite
def bucket_urls(draw, store: str) -> str:
    """A URL with the store's scheme, a bucket, maybe a path and a trailing slash."""
    scheme = draw(st.sampled_from(BUCKET_SCHEMES[store]))
    path = draw(st.lists(path_segments, max_size=2))
    trailing = "/" if draw(st.booleans()) else ""
    return scheme + "/".join([draw(dns_labels), *path]) + trailing


# --- the catalog ----------------------------------------------------------------


@st.composite
def catalog_entries(draw, mount_path: str) -> dict[str, Any]:
    """One entry of any kind; volume kinds are mounted at `mount_path`."""
    kind = draw(st.sampled_from(["hostPath", "existingClaim", "bucket"]))
    if kind == "bucket":
        store = draw(st.sampled_from(sorted(BUCKET_SCHEMES)))
        entry: dict[str, Any] = {"store": store, "bucket": draw(bucket_urls(store))}
        if draw(st.booleans()):
            entry["secret"] = draw(object_names)
            entry["secretKey"] = draw(st.sampled_from(["key.json", "secret-key", "AWS_SECRET_ACCESS_KEY"]))
    else:
        # A trailing slash is normalised away (§1).
        entry = {"mountPath": mount_path + ("/" if draw(st.booleans()) else "")}
        if kind == "hostPath":
            entry["hostPath"] = "/srv" + mount_path
            labels = draw(st.lists(st.sampled_from(sorted(NODE_LABELS)), unique=True))
            if labels:
                entry["nodeSelector"] = {label: NODE_LABELS[label] for label in labels}
        else:
            entry["existingClaim"] = draw(object_names)
    read_only = draw(st.sampled_from([None, False, True]))  # None: left to the default (false)
    if read_only is not None:
        entry["readOnly"] = read_only
    return entry


@dataclass(frozen=True)
class Catalog:
    """The `persistence` block as written, and what it means once defaults apply."""

    data: dict[str, dict[str, Any]]
    outputs: dict[str, dict[str, Any]]
    selection: Optional[str]  # outputsSelection, None when not written

    def config(self) -> dict[str, Any]:
        block: dict[str, Any] = {"data": self.data, "outputs": self.outputs}
        if self.selection is not None:
            block["outputsSelection"] = self.selection
        return block

    def side(self, side: str) -> dict[str, dict[str, Any]]:
        """The entries a side holds, the embedded default when it is empty."""
        return getattr(self, side) or EMBEDDED_DEFAULT[side]

    def names(self, side: str) -> list[str]:
        return sorted(self.side(side))

    def entry(self, side: str, name: str) -> dict[str, Any]:
        return self.side(side)[name]

    def is_volume(self, side: str, name: str) -> bool:
        return "mountPath" in self.entry(side, name)

    def location(self, side: str, name: str) -> str:
        """What the run sees: the normalised mountPath, or the bucket URL as written."""
        entry = self.entry(side, name)
        return entry["mountPath"].rstrip("/") if "mountPath" in entry else entry["bucket"]

    def read_only(self, side: str, name: str) -> bool:
        return self.entry(side, name).get("readOnly", False)

    def writable_outputs(self) -> list[str]:
        return [name for name in self.names("outputs") if not self.read_only("outputs", name)]


@st.composite
def catalogs(draw) -> Catalog:
    """Up to four data and three outputs entries, no mountPath in another's, some outputs writable."""
    data_names = draw(st.lists(entry_names, max_size=4, unique=True))
    outputs_names = draw(st.lists(entry_names, max_size=3, unique=True))
    count = len(data_names) + len(outputs_names)
    # A run mounts data and outputs together: no mountPath is another's or lies under it.
    paths = iter(draw(st.lists(mount_paths, min_size=count, max_size=count, unique_by=lambda path: path.split("/")[1])))
    data = {name: draw(catalog_entries(next(paths))) for name in data_names}
    outputs = {name: draw(catalog_entries(next(paths))) for name in outputs_names}
    if outputs and all(entry.get("readOnly") for entry in outputs.values()):
        # A run must be able to write somewhere: keep one outputs entry writable.
        outputs[draw(st.sampled_from(outputs_names))].pop("readOnly")
    return Catalog(data, outputs, draw(st.sampled_from([None, "first", "random"])))


# --- teams ------------------------------------------------------------------------


def grants(names: list[str]) -> st.SearchStrategy[Any]:
    """A team's grant on one side: omitted (None), "*", or a list in any order."""
    return st.one_of(st.none(), st.just("*"), st.lists(st.sampled_from(names), unique=True))


@st.composite
def team_configs(draw, catalog: Catalog) -> dict[str, Any]:
    """A team whose outputs grant includes at least one writable entry."""
    team: dict[str, Any] = {"namespace": draw(namespaces)}
    data = draw(grants(catalog.names("data")))
    if data is not None:
        team["data"] = data
    outputs = draw(grants(catalog.names("outputs")))
    if outputs == "*":
        team["outputs"] = "*"
    else:
        writable = draw(st.sampled_from(catalog.writable_outputs()))
        team["outputs"] = draw(st.permutations(sorted({writable, *(outputs or [])})))
    return team


def granted(catalog: Catalog, teams: Optional[dict[str, Any]], team: Optional[str], side: str) -> list[str]:
    """The entries of `side` a run of `team` may use, in name order (§4)."""
    if teams is None:
        return catalog.names(side)
    grant = teams[team].get(side, [])
    return catalog.names(side) if grant == "*" else sorted(grant)


# --- runs and their requests ----------------------------------------------------------


@dataclass(frozen=True)
class Request:
    """A run's storage request; None means nothing asked."""

    data: Optional[tuple[str, ...]]
    outputs: Optional[str]
    spelling: str  # one of SPELLINGS
    data_in_environment: bool  # under `environment:` rather than at the run's top level
    outputs_in_environment: bool  # (v0.5 keys may sit in different places; v0.4 uses the data flag)

    def _places(self, side: str) -> tuple[bool, str]:
        if self.spelling == "persistence":
            return self.data_in_environment, f"persistence.{side}"
        if side == "data":
            return self.data_in_environment, "data_refs"
        return self.outputs_in_environment, self.spelling

    def keys(self) -> dict[str, Any]:
        """The request as a run's config keys."""
        keys: dict[str, Any] = {}
        for side, value in (("data", self.data), ("outputs", self.outputs)):
            if value is None:
                continue
            in_environment, key = self._places(side)
            value = list(value) if side == "data" else value if self.spelling == "persistence" else [value]
            target = keys.setdefault("environment", {}) if in_environment else keys
            *parents, leaf = key.split(".")
            for parent in parents:
                target = target.setdefault(parent, {})
            target[leaf] = value
        return keys

    def key_path(self, run: str, side: str) -> str:
        """The config path of the key holding `side`'s request."""
        in_environment, key = self._places(side)
        return f"runs.{run}." + ("environment." if in_environment else "") + key


@st.composite
def requests(draw, data: list[str], writable_outputs: list[str]) -> Request:
    """Nothing, a subset of `data` in any order, and/or one of `writable_outputs`, in any spelling."""
    asked = draw(st.none() | (st.lists(st.sampled_from(data), unique=True) if data else st.just([])))
    return Request(
        data=None if asked is None else tuple(asked),
        outputs=draw(st.none() | st.sampled_from(writable_outputs)),
        spelling=draw(st.sampled_from(SPELLINGS)),
        data_in_environment=draw(st.booleans()),
        outputs_in_environment=draw(st.booleans()),
    )


@dataclass(frozen=True)
class RunCase:
    name: str
    team: Optional[str]
    request: Request


@dataclass(frozen=True)
class Scenario:
    """A stack config valid by the contract, with what each run may use."""

    catalog: Catalog
    teams: Optional[dict[str, Any]]
    namespace: Optional[str]
    runs: tuple[RunCase, ...]

    def config(self) -> dict[str, Any]:
        # Generated host paths are under /srv, allowed writable.
        config: dict[str, Any] = {"persistence": self.catalog.config(), "runs": {}, "allowedWritableHostPaths": ["/srv"]}
        if self.teams is not None:
            config["teams"] = self.teams
        if self.namespace is not None:
            config["namespace"] = self.namespace
        for case in self.runs:
            run = {"image": IMAGE, **case.request.keys()}
            if case.team is not None:
                run["team"] = case.team
            config["runs"][case.name] = run
        return config

    def run(self, name: str) -> RunCase:
        return next(case for case in self.runs if case.name == name)

    def granted(self, case: RunCase, side: str) -> list[str]:
        return granted(self.catalog, self.teams, case.team, side)

    def expected_data(self, case: RunCase) -> list[str]:
        """§4: the names asked for, in that order; nothing asked: everything granted, in name order."""
        return self.granted(case, "data") if case.request.data is None else list(case.request.data)

    def outputs_candidates(self, case: RunCase) -> list[str]:
        """§5: the outputs entries this run may end up with."""
        if case.request.outputs is not None:
            return [case.request.outputs]
        writable = [name for name in self.granted(case, "outputs") if not self.catalog.read_only("outputs", name)]
        return writable if self.catalog.selection == "random" else writable[:1]

    def with_run(self, case: RunCase) -> Scenario:
        return replace(self, runs=tuple(case if other.name == case.name else other for other in self.runs))


@st.composite
def scenarios(draw) -> Scenario:
    catalog = draw(catalogs())
    teams = draw(st.none() | st.dictionaries(identifiers, team_configs(catalog), min_size=1, max_size=2))
    namespace = draw(st.none() | namespaces) if teams is None else None  # §4: namespace only without teams
    runs = []
    for name in draw(st.lists(identifiers, min_size=1, max_size=2, unique=True)):
        team = None if teams is None else draw(st.sampled_from(sorted(teams)))
        writable = [n for n in granted(catalog, teams, team, "outputs") if not catalog.read_only("outputs", n)]
        request = draw(requests(granted(catalog, teams, team, "data"), writable))
        runs.append(RunCase(name, team, request))
    return Scenario(catalog, teams, namespace, tuple(runs))


# --- reading a pod the way Kubernetes does ----------------------------------------------


def expand(value: str, lookup: Callable[[str], Optional[str]]) -> str:
    """Kubernetes' expansion of an env value (k8s third_party/forked/golang/expansion).

    `$$` is an escaped `$`; `$(NAME)` becomes `lookup(NAME)`, or stays as it is
    when that is None; any other `$` is kept with the byte after it. Like the Go
    original this walks UTF-8 bytes, and turns that byte into a rune of its own.
    """
    raw, out, cursor = value.encode(), bytearray(), 0
    while cursor < len(raw):
        if raw[cursor] != ord("$") or cursor + 1 == len(raw):
            out.append(raw[cursor])
            cursor += 1
            continue
        following = raw[cursor + 1]
        close = raw.find(b")", cursor + 2)
        if following == ord("$"):
            out += b"$"
            cursor += 2
        elif following == ord("(") and close >= 0:
            name = raw[cursor + 2 : close].decode()
            found = lookup(name)
            out += (f"$({name})" if found is None else found).encode()
            cursor = close + 1
        else:
            out += b"$" + chr(following).encode()
            cursor += 2
    return out.decode(errors="surrogateescape")


def references(value: str) -> list[str]:
    """The variable names `value` refers to with `$(NAME)`."""
    names: list[str] = []
    expand(value, lambda name: names.append(name))  # type: ignore[func-returns-value]
    return names


def seen_env(container: dict[str, Any]) -> dict[str, str]:
    """The environment the container's process sees. A `valueFrom` value is a placeholder."""
    env: dict[str, str] = {}
    for variable in container.get("env", []):
        if "value" in variable:
            env[variable["name"]] = expand(variable["value"], env.get)
        else:
            env[variable["name"]] = f"<{variable['name']} from {next(iter(variable['valueFrom']))}>"
    return env


def containers(pod: dict[str, Any]) -> list[dict[str, Any]]:
    return [*pod.get("initContainers", []), *pod["containers"]]


def container(pod: dict[str, Any], name: str) -> dict[str, Any]:
    return next(item for item in containers(pod) if item["name"] == name)


@dataclass(frozen=True)
class PlannedRun:
    """One run of a scenario and the Job it became."""

    scenario: Scenario
    case: RunCase
    job: dict[str, Any]
    # What the plan resolved: its data names, and the outputs entry it chose.
    resolved_data: tuple[str, ...]
    chosen_outputs: str

    @property
    def catalog(self) -> Catalog:
        return self.scenario.catalog

    @property
    def pod(self) -> dict[str, Any]:
        return self.job["spec"]["template"]["spec"]

    @property
    def main(self) -> dict[str, Any]:
        return container(self.pod, MAIN_CONTAINER)

    @property
    def mounts(self) -> list[dict[str, Any]]:
        """The storage mounts: every mount of the main container but /dev/shm."""
        return [mount for mount in self.main.get("volumeMounts", []) if mount["mountPath"] != "/dev/shm"]

    @property
    def env(self) -> dict[str, str]:
        return seen_env(self.main)

    def mounts_at(self, path: str) -> list[dict[str, Any]]:
        return [mount for mount in self.mounts if mount["mountPath"] == path]

    def data_paths(self) -> dict[str, str]:
        """POLYAXON_RUN_DATA_PATHS as the container's process parses it (key order kept)."""
        return json.loads(self.env[DATA_PATHS])

    def holds_outputs(self, name: str) -> bool:
        """Whether the pod is consistent with `name` being its one outputs location (§5, §6)."""
        base = self.catalog.location("outputs", name).rstrip("/")
        if not self.env[OUTPUTS_PATH].startswith(base + "/"):
            return False
        if not self.catalog.is_volume("outputs", name):
            return True
        volumes = {volume["name"] for volume in self.pod.get("volumes", [])}
        mounts = self.mounts_at(base)
        return len(mounts) == 1 and not mounts[0].get("readOnly", False) and mounts[0]["name"] in volumes

    def outputs(self) -> list[str]:
        """The candidate outputs entries the pod is consistent with."""
        return [name for name in self.scenario.outputs_candidates(self.case) if self.holds_outputs(name)]


def planned(scenario: Scenario) -> Iterator[PlannedRun]:
    """Plan the scenario (it is valid, so it must plan) and yield each run's Job."""
    try:
        stack = plan(scenario.config())
    except ConfigError as error:
        raise AssertionError(f"a config valid by the contract did not plan:\n{error}") from None
    assert sorted(run.name for run in stack.runs) == sorted(case.name for case in scenario.runs)
    for run in stack.runs:
        job = run.job()
        data = tuple(item.name for item in run.args.data)
        yield PlannedRun(scenario, scenario.run(run.name), job, data, run.args.outputs.name)


def mounted_entries(run: PlannedRun) -> list[tuple[str, str]]:
    """(side, name) of every entry the run mounts: its data, then its outputs."""
    return [("data", name) for name in run.scenario.expected_data(run.case)] + [("outputs", run.chosen_outputs)]


# --- properties of every planned run ----------------------------------------------------


@EXAMPLES
@given(scenarios())
def test_volume_names_are_unique_dns_labels_and_mount_paths_are_unique(scenario: Scenario) -> None:
    for run in planned(scenario):
        volumes = [volume["name"] for volume in run.pod.get("volumes", [])]
        assert len(set(volumes)) == len(volumes), volumes
        for name in volumes:
            assert DNS_LABEL.fullmatch(name) and len(name) <= 63, name
        for item in containers(run.pod):
            paths = [mount["mountPath"] for mount in item.get("volumeMounts", [])]
            assert len(set(paths)) == len(paths), paths
            assert {mount["name"] for mount in item.get("volumeMounts", [])} <= set(volumes)


@EXAMPLES
@given(scenarios())
def test_job_names_and_labels_are_valid_and_jobs_do_not_collide(scenario: Scenario) -> None:
    jobs = [(run.job["metadata"]["namespace"], run.job["metadata"]["generateName"]) for run in planned(scenario)]
    assert len(set(jobs)) == len(jobs), jobs
    for run in planned(scenario):
        # Kubernetes appends 5 characters; the Job's name must stay a DNS label.
        prefix = run.job["metadata"]["generateName"]
        assert prefix.endswith("-") and DNS_LABEL.fullmatch(prefix + "x2b4c") and len(prefix) + 5 <= 63, prefix
        for value in run.job["metadata"]["labels"].values():
            assert LABEL_VALUE.fullmatch(value) and len(value) <= 63, value


@EXAMPLES
@given(scenarios())
def test_each_run_has_exactly_one_writable_outputs_location(scenario: Scenario) -> None:
    for run in planned(scenario):
        chosen = run.outputs()
        assert chosen, (
            f"{OUTPUTS_PATH}={run.env[OUTPUTS_PATH]!r} and mounts {run.mounts} match none of "
            f"{run.scenario.outputs_candidates(run.case)}"
        )
        # No other outputs entry is mounted next to the chosen one.
        outputs_mounts = [
            mount
            for name in run.catalog.names("outputs")
            if run.catalog.is_volume("outputs", name)
            for mount in run.mounts_at(run.catalog.location("outputs", name))
        ]
        assert len(outputs_mounts) == (1 if run.catalog.is_volume("outputs", chosen[0]) else 0), outputs_mounts
        # A bucket is never mounted: only the volume-kind data entries and outputs entry are.
        volume_data = [name for name in scenario.expected_data(run.case) if run.catalog.is_volume("data", name)]
        assert len(run.mounts) == len(volume_data) + len(outputs_mounts)
        # The directory is created (volume kinds) at the same path the main container gets.
        if outputs_mounts:
            init = container(run.pod, OUTPUTS_INIT_CONTAINER)
            assert seen_env(init)[OUTPUTS_PATH] == run.env[OUTPUTS_PATH]
            assert init["volumeMounts"] == outputs_mounts


@EXAMPLES
@given(scenarios())
def test_data_paths_describe_the_mounted_data(scenario: Scenario) -> None:
    for run in planned(scenario):
        expected = {name: run.catalog.location("data", name) for name in scenario.expected_data(run.case)}
        # Compared as the container's process parses it, key order included.
        assert list(run.data_paths().items()) == list(expected.items()), run.main["env"]
        assert run.env[LEGACY_DATA_PATHS] == run.env[DATA_PATHS]
        for name, path in expected.items():
            if run.catalog.is_volume("data", name):
                mounts = run.mounts_at(path)
                assert len(mounts) == 1, (name, path, run.mounts)
                assert mounts[0].get("readOnly", False) == run.catalog.read_only("data", name)


@EXAMPLES
@given(scenarios())
def test_mounted_data_is_what_was_asked_or_everything_granted_in_name_order(scenario: Scenario) -> None:
    for run in planned(scenario):
        # Asked: those, in the order given. Nothing asked: all the team may use, in name order.
        expected = scenario.expected_data(run.case)
        assert list(run.resolved_data) == expected
        volumes = [name for name in expected if run.catalog.is_volume("data", name)]
        data_paths = {run.catalog.location("data", name) for name in run.catalog.names("data")}
        mounted = [mount["mountPath"] for mount in run.mounts if mount["mountPath"] in data_paths]
        assert mounted == [run.catalog.location("data", name) for name in volumes]


@EXAMPLES
@given(scenarios())
def test_env_names_are_valid_unique_and_references_are_defined_earlier(scenario: Scenario) -> None:
    for run in planned(scenario):
        for item in containers(run.pod):
            defined: list[str] = []
            for variable in item.get("env", []):
                assert ENV_NAME.fullmatch(variable["name"]), variable["name"]
                assert variable["name"] not in defined, (item["name"], variable["name"])
                undefined = [name for name in references(variable.get("value", "")) if name not in defined]
                assert not undefined, (item["name"], variable, undefined)
                defined.append(variable["name"])


@EXAMPLES
@given(scenarios())
def test_node_selector_is_the_union_of_the_mounted_host_paths(scenario: Scenario) -> None:
    for run in planned(scenario):
        expected: dict[str, str] = {}
        for side, name in mounted_entries(run):
            expected.update(run.catalog.entry(side, name).get("nodeSelector", {}))
        assert run.pod.get("nodeSelector", {}) == expected


@EXAMPLES
@given(scenarios())
def test_mounted_buckets_with_a_secret_get_their_credentials(scenario: Scenario) -> None:
    for run in planned(scenario):
        env = {variable["name"]: variable for variable in run.main["env"]}
        buckets = [run.catalog.entry(side, name) for side, name in mounted_entries(run)]
        buckets = [entry for entry in buckets if "secret" in entry]
        for entry in buckets:
            source = {"secretKeyRef": {"name": entry["secret"], "key": entry["secretKey"]}}
            assert any(variable.get("valueFrom") == source for variable in env.values()), (entry, env)
            if [other["bucket"] for other in buckets].count(entry["bucket"]) > 1:
                continue  # one URL, several credentials: the access keys can name only one
            access_keys = json.loads(run.env[STORES_ACCESS_KEYS])  # as polystores reads it
            assert entry["bucket"] in access_keys, (entry["bucket"], access_keys)
            access_key = access_keys[entry["bucket"]]
            assert access_key["store"] == entry["store"]
            assert env[access_key["secret_key"]]["valueFrom"] == source


def shuffled(value: Any, rng: random.Random) -> Any:
    """`value` with every mapping's keys in another order (lists keep theirs)."""
    if not isinstance(value, dict):
        return value
    keys = list(value)
    rng.shuffle(keys)
    return {key: shuffled(value[key], rng) for key in keys}


@EXAMPLES
@given(scenarios(), st.randoms(use_true_random=False))
def test_resolution_is_deterministic_and_ignores_key_order(scenario: Scenario, rng: random.Random) -> None:
    first = [run.job for run in planned(scenario)]
    assert [run.job for run in planned(scenario)] == first
    # Pulumi hands structured config over as JSON objects whose key order is not kept.
    assert [run.job() for run in plan(shuffled(scenario.config(), rng)).runs] == first


# --- properties of requests that name an entry not in the catalog ------------------------


def assert_points_at(scenario: Scenario, key_path: str, index: int, name: str) -> None:
    """Planning fails, and every problem is at the request key (or its item) and names `name`."""
    try:
        plan(scenario.config())
    except ConfigError as error:
        problems = error.problems
    else:
        raise AssertionError(f"{name!r} is not in the catalog, yet the config planned")
    assert problems
    for problem in problems:
        assert problem.path in (key_path, f"{key_path}[{index}]"), (str(problem), key_path)
        assert "unknown" in problem.message and repr(name) in problem.message, str(problem)


@EXAMPLES
@given(scenarios(), st.data())
def test_an_unknown_data_name_is_reported_at_the_request_key(scenario: Scenario, data: st.DataObject) -> None:
    case = data.draw(st.sampled_from(scenario.runs))
    unknown = data.draw(entry_names.filter(lambda name: name not in scenario.catalog.side("data")))
    asked = list(case.request.data or [])
    index = data.draw(st.integers(0, len(asked)))
    request = replace(case.request, data=(*asked[:index], unknown, *asked[index:]))
    broken = scenario.with_run(replace(case, request=request))
    assert_points_at(broken, request.key_path(case.name, "data"), index, unknown)


@EXAMPLES
@given(scenarios(), st.data())
def test_an_unknown_outputs_name_is_reported_at_the_request_key(scenario: Scenario, data: st.DataObject) -> None:
    case = data.draw(st.sampled_from(scenario.runs))
    unknown = data.draw(entry_names.filter(lambda name: name not in scenario.catalog.side("outputs")))
    request = replace(case.request, outputs=unknown)
    broken = scenario.with_run(replace(case, request=request))
    assert_points_at(broken, request.key_path(case.name, "outputs"), 0, unknown)
