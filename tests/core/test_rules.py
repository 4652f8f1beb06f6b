"""The mount rules of docs/mount-rules.md §1-§8, one test (or parametrized group) per rule and error.

Every test goes through the same door a user does: a stack config (plain dict of
the config keys) is planned, and the resolved run, its env or its Job manifest
is checked; or the problems it raises are.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any, Optional

import pytest
from conftest import env_of, job_of, plan, problems, run_of, storage_of

IMAGE = "python:3.12-slim"
INIT_IMAGE = "busybox:1.37.0"
EXEC = "$(POLYAXON_RUN_EXECUTION_ID)"
DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
ENV_NAME = re.compile(r"[A-Z_][A-Z0-9_]*")
STORAGE_ENV = (
    "POLYAXON_RUN_EXECUTION_ID",
    "POLYAXON_RUN_DATA_PATHS",
    "POLYAXON_DATA_PATHS",
    "POLYAXON_RUN_OUTPUTS_PATH",
)


# ---------------------------------------------------------------- config builders


def host(mount: str, path: Optional[str] = None, **keys: Any) -> dict[str, Any]:
    """A hostPath entry."""
    return {"mountPath": mount, "hostPath": path or "/srv" + mount, **keys}


def claim(mount: str, name: str, **keys: Any) -> dict[str, Any]:
    """An existingClaim entry."""
    return {"mountPath": mount, "existingClaim": name, **keys}


def bucket(store: str, url: str, **keys: Any) -> dict[str, Any]:
    """A bucket entry."""
    return {"store": store, "bucket": url, **keys}


DATA = {"data1": host("/data/1", readOnly=True), "data2": claim("/data/2", "data-2-pvc")}
OUTPUTS = {"outputs1": host("/outputs/1"), "outputs2": claim("/outputs/2", "outputs-2-pvc")}


def run(**keys: Any) -> dict[str, Any]:
    """A run with an image, plus `keys`."""
    return {"image": IMAGE, **keys}


def stack(
    data: Optional[dict] = None,
    outputs: Optional[dict] = None,
    runs: Optional[dict] = None,
    catalog: Optional[dict] = None,
    **keys: Any,
) -> dict[str, Any]:
    """A stack config: the DATA/OUTPUTS catalog (or the given sides), one run `train` by default.

    Host paths default to /srv/...; the stack allows them writable.
    """
    persistence = {
        "data": DATA if data is None else data,
        "outputs": OUTPUTS if outputs is None else outputs,
        **(catalog or {}),
    }
    return {
        "persistence": persistence,
        "runs": {"train": run()} if runs is None else runs,
        "allowedWritableHostPaths": ["/srv"],
        **keys,
    }


def one_run(data: Optional[dict] = None, outputs: Optional[dict] = None, catalog=None, **run_keys: Any):
    """A stack whose only run, `train`, has `run_keys`."""
    return stack(data, outputs, runs={"train": run(**run_keys)}, catalog=catalog)


def teams_stack(teams: dict, data=None, outputs=None, **run_keys: Any) -> dict[str, Any]:
    return {**stack(data, outputs, runs={"train": run(**run_keys)}), "teams": teams}


def storage(config: dict, name: str = "train"):
    return storage_of(run_of(config, name))


def data_names(config: dict, name: str = "train") -> list[str]:
    return [item.name for item in run_of(config, name).args.data]


def outputs_name(config: dict, name: str = "train") -> str:
    return run_of(config, name).args.outputs.name


def data_paths(config: dict, name: str = "train") -> dict[str, str]:
    return json.loads(env_of(run_of(config, name))["POLYAXON_RUN_DATA_PATHS"])


def volume_of(st, mount_path: str) -> dict[str, Any]:
    """The pod volume mounted at `mount_path`."""
    (mount,) = [m for m in st.volume_mounts if m["mountPath"] == mount_path]
    (volume,) = [v for v in st.volumes if v["name"] == mount["name"]]
    return volume


def manifest(config: dict, name: str = "train") -> dict[str, Any]:
    return job_of(config, name)


def pod(config: dict, name: str = "train") -> dict[str, Any]:
    return manifest(config, name)["spec"]["template"]["spec"]


def problem(config: dict, path: str, *words: str) -> str:
    """The problem reported at exactly `path`, checked to contain each of `words`."""
    found = problems(config)
    at = [p for p in found if p.startswith(path + ": ")]
    assert at, f"no problem at {path!r} in {found}"
    assert len(at) == 1, at
    for word in words:
        assert word in at[0], f"{word!r} not in {at[0]!r}"
    return at[0]


# ---------------------------------------------------------------- §1 the catalog


@pytest.mark.parametrize(
    "entry, words",
    [
        pytest.param({"mountPath": "/d", "readOnly": True}, ["exactly one kind"], id="zero-kinds"),
        pytest.param(host("/d", existingClaim="pvc"), ["exactly one kind", "existingClaim", "hostPath"], id="host+claim"),
        pytest.param(host("/d", store="gcs", bucket="gs://bucket-b"), ["exactly one kind", "bucket", "hostPath"], id="host+bucket"),
        pytest.param(
            claim("/d", "pvc", nfs={"server": "10.0.0.5", "path": "/x"}, size="1Gi"),
            ["exactly one kind", "existingClaim", "nfs"],
            id="claim+nfs",
        ),
    ],
)
def test_entry_is_exactly_one_kind(entry, words):
    problem(stack(data={"d": entry}), "persistence.data.d", *words)


@pytest.mark.parametrize(
    "store, url",
    [("gcs", "gs://data-bucket"), ("s3", "s3://data-bucket"), ("azure", "wasbs://data@acct.blob.core.windows.net"), ("azure", "wasb://data@acct.blob.core.windows.net")],
)
def test_bucket_with_its_store_scheme_is_accepted(store, url):
    config = stack(data={"b": bucket(store, url)})
    assert data_paths(config) == {"b": url}


@pytest.mark.parametrize(
    "store, url, right",
    [
        ("gcs", "s3://data-bucket", "gs://"),
        ("gcs", "data-bucket", "gs://"),
        ("gcs", "gs://", "gs://"),
        ("s3", "gs://data-bucket", "s3://"),
        ("azure", "gs://data-bucket", "wasbs://"),
        ("azure", "https://acct.blob.core.windows.net/data", "wasb://"),
    ],
)
def test_bucket_scheme_must_match_store(store, url, right):
    problem(stack(data={"b": bucket(store, url)}), "persistence.data.b.bucket", store, right)


@pytest.mark.parametrize(
    "entry",
    [pytest.param({"hostPath": "/h"}, id="hostPath"), pytest.param({"existingClaim": "pvc"}, id="existingClaim")],
)
def test_mount_path_is_required_for_volume_kinds(entry):
    problem(stack(data={"data_2": entry}), "persistence.data.data_2.mountPath", "required")


def test_mount_path_must_be_absolute():
    problem(stack(data={"data_2": host("data/2", "/srv/h")}), "persistence.data.data_2.mountPath", "absolute", "/data/2")


@pytest.mark.parametrize("given, normalised", [("/data/1/", "/data/1"), ("//a//b/", "/a/b"), ("/data/./1", "/data/1")])
def test_mount_path_is_normalised(given, normalised):
    config = stack(data={"d": host(given, "/srv/h")})
    assert [m["mountPath"] for m in storage(config).volume_mounts][0] == normalised
    assert data_paths(config) == {"d": normalised}


@pytest.mark.parametrize("root", ["/", "//", "/data/.."])
def test_mount_path_may_not_be_root(root):
    problem(stack(data={"d": host(root, "/srv/h")}), "persistence.data.d.mountPath", "may not be /")


@pytest.mark.parametrize(
    "data, outputs, path, other",
    [
        pytest.param(
            {"a": host("/data/1"), "b": claim("/data/1/", "pvc")}, OUTPUTS,
            "persistence.data.b.mountPath", "persistence.data.a", id="data-data",
        ),
        pytest.param(
            {"a": host("/shared")}, {"o": claim("//shared", "pvc")},
            "persistence.outputs.o.mountPath", "persistence.data.a", id="data-outputs",
        ),
        pytest.param(
            {"a": host("/outputs")}, {},
            "persistence.outputs.outputs.mountPath", "persistence.data.a", id="against-embedded-default",
        ),
    ],
)
def test_mount_path_is_unique_across_data_and_outputs(data, outputs, path, other):
    problem(stack(data=data, outputs=outputs), path, "/", other)


def test_read_only_defaults_to_false():
    config = one_run(data={"d": claim("/d", "d-pvc")}, outputs={"o": host("/o")})
    st = storage(config)
    assert all("readOnly" not in m or m["readOnly"] is False for m in st.volume_mounts)
    assert volume_of(st, "/d")["persistentVolumeClaim"] == {"claimName": "d-pvc"}
    assert volume_of(st, "/o")["hostPath"]["type"] == "DirectoryOrCreate"
    assert run_of(config, "train").args.outputs.name == "o"  # writable, so it can be the default outputs


@pytest.mark.parametrize(
    "config, path",
    [
        pytest.param(stack(data={"d": host("/d", existingclaim="pvc")}), "persistence.data.d.existingclaim", id="existingclaim"),
        pytest.param(stack(data={"d": host("/d", readonly=True)}), "persistence.data.d.readonly", id="readonly"),
        pytest.param(stack(data={"d": host("/d", secret="s")}), "persistence.data.d.secret", id="key-of-another-kind"),
        pytest.param(stack(data={"b": bucket("gcs", "gs://bucket-b", mountpath="/b")}), "persistence.data.b.mountpath", id="bucket-mountpath"),
        pytest.param(stack(catalog={"output": {}}), "persistence.output", id="catalog-key"),
        pytest.param({**stack(), "team": "a"}, "team", id="stack-key"),
        pytest.param(one_run(data_ref=["data1"]), "runs.train.data_ref", id="run-key"),
        pytest.param(one_run(persistence={"datas": ["data1"]}), "runs.train.persistence.datas", id="request-key"),
        pytest.param(
            teams_stack({"a": {"namespace": "a", "date": "*"}}, team="a"), "teams.a.date", id="team-key",
        ),
    ],
)
def test_unknown_keys_are_errors_at_their_path(config, path):
    problem(config, path, "unknown key")


def test_misspelled_kind_key_alone_is_an_error_not_an_empty_volume():
    # `existingclaim` as the only kind key: Polyaxon mounted an emptyDir here
    problem(stack(data={"d": {"mountPath": "/d", "existingclaim": "pvc"}}), "persistence.data.d", "kind")


# ---------------------------------------------------------------- §1 derived names

LONG = "a-very-long-data-set-name-that-goes-on-and-on-past-sixty-three-chars"  # 68 chars
LONG_70 = ("d" * 62) + "-alpha-1"  # 70 chars
LONG_70_TWIN = ("d" * 62) + "-alpha-2"  # same first 69 characters


@pytest.mark.parametrize(
    "names",
    [
        pytest.param(["Data_Set.v2", "data-set-v2", "data_set_v2", "DATA-SET-V2"], id="slug-alike"),
        pytest.param([LONG_70, LONG_70_TWIN, LONG], id="long"),
        pytest.param(["Data_Set.v2", "data-set-v2-" + hashlib.sha256(b"Data_Set.v2").hexdigest()[:8]], id="slug-plus-digest"),
    ],
)
def test_derived_volume_names_are_distinct_dns_labels(names):
    data = {name: host(f"/data/{index}") for index, name in enumerate(names)}
    outputs = {name: host(f"/outputs/{index}") for index, name in enumerate(names)}
    config = one_run(data=data, outputs=outputs, outputs_refs=[names[0]])
    st = storage(config)
    volume_names = [volume["name"] for volume in st.volumes]
    assert len(volume_names) == len(names) + 1
    assert len(set(volume_names)) == len(volume_names), volume_names
    for volume_name in volume_names:
        assert DNS_LABEL.fullmatch(volume_name) and len(volume_name) <= 63, volume_name
    # each volume is the entry it was derived from, and the env keeps the user's names
    for index, name in enumerate(names):
        assert volume_of(st, f"/data/{index}")["hostPath"]["path"] == f"/srv/data/{index}"
    assert list(data_paths(config)) == sorted(names)
    # deterministic: the same config gives the same names
    assert [volume["name"] for volume in storage(config).volumes] == volume_names


# ---------------------------------------------------------------- §2 the embedded default


@pytest.mark.parametrize(
    "persistence, data, outputs",
    [
        pytest.param(None, {"data": "/data"}, "/outputs", id="persistence-absent"),
        pytest.param({}, {"data": "/data"}, "/outputs", id="persistence-empty"),
        pytest.param({"outputs": {"o": host("/o")}}, {"data": "/data"}, "/o", id="data-empty"),
        pytest.param({"data": {"d": host("/d")}, "outputs": {}}, {"d": "/d"}, "/outputs", id="outputs-empty"),
    ],
)
def test_embedded_default_fills_the_missing_side(persistence, data, outputs):
    config = {"runs": {"train": run()}, "allowedWritableHostPaths": ["/srv"]}
    if persistence is not None:
        config["persistence"] = persistence
    st = storage(config)
    assert data_paths(config) == data
    assert env_of(run_of(config, "train"))["POLYAXON_RUN_OUTPUTS_PATH"] == f"{outputs}/polyaxon/train/{EXEC}"
    hosts = {m["mountPath"]: volume_of(st, m["mountPath"])["hostPath"]["path"] for m in st.volume_mounts}
    if "data" in data:
        assert hosts["/data"] == "/tmp/data"
    if outputs == "/outputs":
        assert hosts["/outputs"] == "/tmp/outputs"


# ---------------------------------------------------------------- §3 what a run asks for


@pytest.mark.parametrize(
    "request_keys",
    [
        pytest.param({"persistence": {"data": ["data2"], "outputs": "outputs2"}}, id="v0.4-top"),
        pytest.param({"environment": {"persistence": {"data": ["data2"], "outputs": "outputs2"}}}, id="v0.4-environment"),
        pytest.param({"data_refs": ["data2"], "outputs_refs": ["outputs2"]}, id="v0.5-outputs_refs"),
        pytest.param({"data_refs": ["data2"], "artifact_refs": ["outputs2"]}, id="v0.5-artifact_refs"),
        pytest.param({"environment": {"data_refs": ["data2"], "artifact_refs": ["outputs2"]}}, id="v0.5-environment"),
        pytest.param({"environment": {"data_refs": ["data2"]}, "outputs_refs": ["outputs2"]}, id="v0.5-mixed-places"),
    ],
)
def test_both_request_spellings_in_both_places(request_keys):
    config = one_run(**request_keys)
    assert data_names(config) == ["data2"]
    assert outputs_name(config) == "outputs2"  # not outputs1, the default


@pytest.mark.parametrize(
    "request_keys",
    [
        {"persistence": {"data": ["data1"]}, "data_refs": ["data1"]},
        {"environment": {"persistence": {"outputs": "outputs2"}}, "outputs_refs": ["outputs2"]},
        {"persistence": {"data": ["data1"]}, "environment": {"artifact_refs": ["outputs2"]}},
    ],
)
def test_both_spellings_in_one_run_is_an_error(request_keys):
    problem(one_run(**request_keys), "runs.train", "both", "persistence", "one spelling")


@pytest.mark.parametrize(
    "request_keys, path, first",
    [
        ({"data_refs": ["data1"], "environment": {"data_refs": ["data2"]}}, "runs.train.environment.data_refs", "runs.train.data_refs"),
        (
            {"persistence": {"data": ["data1"]}, "environment": {"persistence": {"outputs": "outputs2"}}},
            "runs.train.environment.persistence", "runs.train.persistence",
        ),
        (
            {"outputs_refs": ["outputs2"], "environment": {"outputs_refs": ["outputs2"]}},
            "runs.train.environment.outputs_refs", "runs.train.outputs_refs",
        ),
    ],
)
def test_same_request_key_twice_is_an_error(request_keys, path, first):
    problem(one_run(**request_keys), path, first, "once")


@pytest.mark.parametrize(
    "request_keys, path",
    [
        ({"outputs_refs": ["outputs2"], "artifact_refs": ["outputs2"]}, "runs.train.artifact_refs"),
        ({"outputs_refs": ["outputs2"], "environment": {"artifact_refs": ["outputs1"]}}, "runs.train.environment.artifact_refs"),
    ],
)
def test_outputs_refs_and_artifact_refs_together_is_an_error(request_keys, path):
    problem(one_run(**request_keys), path, "outputs_refs", "artifact_refs")


# ---------------------------------------------------------------- §4 teams


@pytest.mark.parametrize("namespace, expected", [(None, "polyaxon"), ("ml-jobs", "ml-jobs")])
def test_implicit_team_uses_everything_in_the_stack_namespace(namespace, expected):
    config = stack(runs={"train": run(), "other": run(outputs_refs=["outputs2"])})
    if namespace:
        config["namespace"] = namespace
    assert data_names(config) == ["data1", "data2"]
    assert outputs_name(config, "other") == "outputs2"
    assert manifest(config)["metadata"]["namespace"] == expected
    assert env_of(run_of(config, "train"))["POLYAXON_RUN_OUTPUTS_PATH"] == f"/outputs/1/{expected}/train/{EXEC}"


def test_named_team_without_teams_is_an_error():
    problem(one_run(team="vision"), "runs.train.team", "vision", "no teams are defined")


def test_unknown_team_is_an_error_listing_the_defined_ones():
    teams = {"nlp": {"namespace": "nlp", "data": "*", "outputs": "*"}}
    problem(teams_stack(teams, team="vision"), "runs.train.team", "unknown team", "vision", "nlp")


def test_run_without_team_when_teams_are_defined_is_an_error():
    teams = {"nlp": {"namespace": "nlp", "data": "*", "outputs": "*"}}
    problem(teams_stack(teams), "runs.train.team", "required", "nlp")


def test_team_runs_in_its_namespace_and_its_name_is_in_the_outputs_path():
    teams = {"nlp": {"namespace": "nlp-ns", "data": "*", "outputs": "*"}}
    config = teams_stack(teams, team="nlp")
    assert manifest(config)["metadata"]["namespace"] == "nlp-ns"
    assert env_of(run_of(config, "train"))["POLYAXON_RUN_OUTPUTS_PATH"] == f"/outputs/1/nlp/train/{EXEC}"


def test_star_grants_every_entry():
    teams = {"nlp": {"namespace": "nlp", "data": "*", "outputs": "*"}}
    assert data_names(teams_stack(teams, team="nlp")) == ["data1", "data2"]
    assert outputs_name(teams_stack(teams, team="nlp", outputs_refs=["outputs2"])) == "outputs2"


def test_grant_list_grants_exactly_those():
    teams = {"nlp": {"namespace": "nlp", "data": ["data2"], "outputs": ["outputs2"]}}
    config = teams_stack(teams, team="nlp")
    assert data_names(config) == ["data2"]
    assert outputs_name(config) == "outputs2"


def test_omitted_data_grant_grants_no_data():
    teams = {"nlp": {"namespace": "nlp", "outputs": "*"}}
    assert data_paths(teams_stack(teams, team="nlp")) == {}
    problem(teams_stack(teams, team="nlp", data_refs=["data1"]), "runs.train.data_refs[0]", "may not use", "data1")


def test_omitted_outputs_grant_grants_no_outputs():
    teams = {"nlp": {"namespace": "nlp", "data": "*"}}
    problem(teams_stack(teams, team="nlp"), "runs.train", "no writable outputs")


@pytest.mark.parametrize(
    "grants, path",
    [
        ({"data": ["data1", "nope"], "outputs": "*"}, "teams.nlp.data[1]"),
        ({"data": "*", "outputs": ["nope"]}, "teams.nlp.outputs[0]"),
    ],
)
def test_team_granting_an_unknown_entry_is_an_error(grants, path):
    problem(teams_stack({"nlp": {"namespace": "nlp", **grants}}, team="nlp"), path, "unknown", "nope")


@pytest.mark.parametrize(
    "grants, path",
    [
        ({"data": ["data1", "data2", "data1"], "outputs": "*"}, "teams.nlp.data[2]"),
        ({"data": "*", "outputs": ["outputs2", "outputs2"]}, "teams.nlp.outputs[1]"),
    ],
)
def test_team_granting_an_entry_twice_is_an_error(grants, path):
    problem(teams_stack({"nlp": {"namespace": "nlp", **grants}}, team="nlp"), path, "listed more than once")


# ---------------------------------------------------------------- §4 data volumes


def test_nothing_asked_mounts_all_granted_data_in_name_order():
    data = {"zeta": host("/z"), "alpha": host("/a"), "Mid": host("/m"), "beta": bucket("s3", "s3://beta")}
    config = one_run(data=data)
    assert data_names(config) == ["Mid", "alpha", "beta", "zeta"]
    assert env_of(run_of(config, "train"))["POLYAXON_RUN_DATA_PATHS"] == (
        '{"Mid":"/m","alpha":"/a","beta":"s3://beta","zeta":"/z"}'
    )


@pytest.mark.parametrize(
    "asked",
    [
        pytest.param(["data2", "data1"], id="given-order"),
        pytest.param(["data2"], id="subset"),
        pytest.param([], id="none"),
    ],
)
def test_data_list_mounts_exactly_those_in_the_given_order(asked):
    config = one_run(data_refs=asked)
    assert data_names(config) == asked
    assert list(data_paths(config)) == asked
    data_mounts = [m["mountPath"] for m in storage(config).volume_mounts if m["mountPath"].startswith("/data")]
    assert data_mounts == [DATA[name]["mountPath"] for name in asked]


def test_unknown_data_name_is_an_error_listing_available_names():
    message = problem(one_run(data_refs=["data1", "nope"]), "runs.train.data_refs[1]", "unknown", "'nope'", "data1, data2")
    assert "may not" not in message


def test_data_not_granted_is_an_access_error_not_unknown():
    teams = {"nlp": {"namespace": "nlp", "data": ["data1"], "outputs": "*"}}
    message = problem(teams_stack(teams, team="nlp", data_refs=["data2"]), "runs.train.data_refs[0]", "may not use", "data2", "teams.nlp.data")
    assert "unknown" not in message


def test_repeated_data_name_is_an_error():
    problem(one_run(persistence={"data": ["data1", "data1"]}), "runs.train.persistence.data[1]", "data1", "more than once")


# ---------------------------------------------------------------- §5 the outputs volume


@pytest.mark.parametrize(
    "request_keys", [{"outputs_refs": ["outputs2"]}, {"persistence": {"outputs": "outputs2"}}]
)
def test_outputs_asked_by_name(request_keys):
    config = one_run(**request_keys)
    assert outputs_name(config) == "outputs2"
    assert [m["mountPath"] for m in storage(config).volume_mounts if m["mountPath"].startswith("/outputs")] == ["/outputs/2"]


def test_unknown_outputs_name_is_an_error():
    problem(one_run(persistence={"outputs": "nope"}), "runs.train.persistence.outputs", "unknown", "nope", "outputs1, outputs2")


def test_outputs_not_granted_is_an_access_error():
    teams = {"nlp": {"namespace": "nlp", "data": "*", "outputs": ["outputs1"]}}
    message = problem(teams_stack(teams, team="nlp", outputs_refs=["outputs2"]), "runs.train.outputs_refs", "may not use", "outputs2")
    assert "unknown" not in message


def test_read_only_outputs_asked_by_name_is_an_error():
    outputs = {"ro": host("/ro", readOnly=True), "rw": host("/rw")}
    problem(one_run(outputs=outputs, outputs_refs=["ro"]), "runs.train.outputs_refs", "read-only", "rw")


@pytest.mark.parametrize("names", [[], ["outputs1", "outputs2"]])
def test_outputs_list_must_hold_exactly_one_name(names):
    problem(one_run(outputs_refs=names), "runs.train.outputs_refs", "exactly one")


def test_default_true_wins_over_name_order():
    outputs = {"alpha": host("/a"), "zeta": host("/z", default=True)}
    assert outputs_name(one_run(outputs=outputs)) == "zeta"


def test_more_than_one_default_is_a_catalog_error():
    outputs = {"a": host("/a", default=True), "b": host("/b", default=True)}
    problem(stack(outputs=outputs), "persistence.outputs", "more than one", "persistence.outputs.a", "persistence.outputs.b")


def test_default_on_a_data_entry_is_an_error():
    problem(stack(data={"d": host("/d", default=True)}), "persistence.data.d.default", "outputs")


def test_default_on_a_read_only_outputs_entry_is_an_error():
    outputs = {"ro": host("/ro", readOnly=True, default=True), "rw": host("/rw")}
    problem(stack(outputs=outputs), "persistence.outputs.ro.default", "read-only")


@pytest.mark.parametrize(
    "read_only, expected",
    [
        pytest.param(set(), "alpha", id="first-by-name"),
        pytest.param({"alpha"}, "outputs-foo", id="skip-read-only"),
        pytest.param({"alpha", "outputs-foo"}, "outputs1", id="skip-two"),
    ],
)
def test_default_outputs_is_first_writable_in_name_not_file_order(read_only, expected):
    outputs = {name: host(f"/out/{name}", readOnly=name in read_only) for name in ["zeta", "alpha", "outputs-foo", "outputs1"]}
    assert outputs_name(one_run(outputs=outputs)) == expected


def test_default_outputs_among_the_team_grants():
    teams = {"nlp": {"namespace": "nlp", "data": "*", "outputs": ["outputs2"]}}
    assert outputs_name(teams_stack(teams, team="nlp")) == "outputs2"


RANDOM_OUTPUTS = {
    "a": host("/o/a"),
    "b": claim("/o/b", "b-pvc"),
    "c": host("/o/c"),
    "ro": host("/o/ro", readOnly=True),
}
RUN_NAMES = [f"run-{index}" for index in range(40)]


def random_choices(namespace: str) -> dict[str, str]:
    config = stack(outputs=RANDOM_OUTPUTS, runs={name: run() for name in RUN_NAMES}, catalog={"outputsSelection": "random"})
    config["namespace"] = namespace
    return {item.name: item.args.outputs.name for item in plan(config).runs}


def test_random_outputs_selection_is_stable():
    assert random_choices("ml") == random_choices("ml")


def test_random_outputs_selection_uses_writable_entries_only_and_spreads():
    chosen = set(random_choices("ml").values())
    assert chosen <= {"a", "b", "c"}
    assert len(chosen) > 1


def test_random_outputs_selection_depends_on_namespace_and_run_name():
    first, second = random_choices("ml"), random_choices("vision")
    assert any(first[name] != second[name] for name in RUN_NAMES)
    assert len(set(first.values())) > 1  # the run name alone changes the choice too


def test_random_outputs_selection_is_the_same_in_every_process_whatever_its_hash_seed():
    # Python salts str hashes per process: a choice made with hash() would differ from one `pulumi preview` to
    # the next. Two processes with different PYTHONHASHSEED choose alike.
    script = (
        "import json, sys; sys.path[:0] = [sys.argv[1], sys.argv[1] + '/tests/core', sys.argv[1] + '/tests']; "
        "import test_rules; print(json.dumps(test_rules.random_choices('ml'), sort_keys=True))"
    )
    root = str(Path(__file__).resolve().parents[2])
    outputs = [
        subprocess.run(
            [sys.executable, "-c", script, root], env={**os.environ, "PYTHONHASHSEED": seed}, capture_output=True, text=True, check=True
        ).stdout
        for seed in ("1", "2")
    ]
    assert outputs[0] == outputs[1] and json.loads(outputs[0]) == random_choices("ml")


def test_the_default_outputs_entry_is_honoured_under_random_selection():
    outputs = {**RANDOM_OUTPUTS, "b": claim("/o/b", "b-pvc", default=True)}
    config = stack(outputs=outputs, runs={name: run() for name in RUN_NAMES}, catalog={"outputsSelection": "random"})
    assert {item.args.outputs.name for item in plan(config).runs} == {"b"}


@pytest.mark.parametrize("selection", ["first", "random"])
def test_no_writable_outputs_is_an_error(selection):
    outputs = {"ro": host("/ro", readOnly=True)}
    problem(one_run(outputs=outputs, catalog={"outputsSelection": selection}), "runs.train", "no writable outputs")


# ---------------------------------------------------------------- §6 what the container sees


def test_data_paths_env_is_compact_json_of_mount_paths_and_bucket_urls():
    data = {"data1": host("/data/1"), "data-gcs": bucket("gcs", "gs://data-bucket")}
    env = env_of(run_of(one_run(data=data), "train"))
    assert env["POLYAXON_RUN_DATA_PATHS"] == '{"data-gcs":"gs://data-bucket","data1":"/data/1"}'
    assert env["POLYAXON_DATA_PATHS"] == env["POLYAXON_RUN_DATA_PATHS"]


@pytest.mark.parametrize(
    "config, expected",
    [
        pytest.param(one_run(), f"/outputs/1/polyaxon/train/{EXEC}", id="hostPath"),
        pytest.param(one_run(outputs_refs=["outputs2"]), f"/outputs/2/polyaxon/train/{EXEC}", id="claim"),
        pytest.param(one_run(outputs={"o": bucket("s3", "s3://out")}), f"s3://out/polyaxon/train/{EXEC}", id="bucket"),
        pytest.param(one_run(outputs={"o": bucket("gcs", "gs://out/")}), f"gs://out/polyaxon/train/{EXEC}", id="bucket-slash"),
        pytest.param(one_run(outputs={"o": bucket("gcs", "gs://out/runs")}), f"gs://out/runs/polyaxon/train/{EXEC}", id="bucket-prefix"),
    ],
)
def test_outputs_path_env(config, expected):
    env = list(storage(config).env)
    names = [item["name"] for item in env]
    assert env[names.index("POLYAXON_RUN_OUTPUTS_PATH")]["value"] == expected
    # the execution id it expands is defined earlier in the same list, from the label the Job
    # controller puts on each of its pods: the Job's UID, one value per execution
    assert names.index("POLYAXON_RUN_EXECUTION_ID") < names.index("POLYAXON_RUN_OUTPUTS_PATH")
    assert env[names.index("POLYAXON_RUN_EXECUTION_ID")]["valueFrom"] == {
        "fieldRef": {"fieldPath": "metadata.labels['batch.kubernetes.io/controller-uid']"}
    }


def test_bucket_outputs_get_no_volume_and_no_init_container():
    config = one_run(data={"d": host("/d")}, outputs={"o": bucket("gcs", "gs://out")})
    spec = pod(config)
    assert "initContainers" not in spec
    assert [m["mountPath"] for m in spec["containers"][0]["volumeMounts"]] == ["/d", "/dev/shm"]


def test_bucket_data_gets_no_volume():
    config = one_run(data={"b": bucket("gcs", "gs://bucket-b"), "d": host("/d")})
    st = storage(config)
    assert [m["mountPath"] for m in st.volume_mounts] == ["/d", "/outputs/1"]
    assert len(st.volumes) == 2
    assert data_paths(config) == {"b": "gs://bucket-b", "d": "/d"}


def credentials(config: dict) -> dict[str, dict]:
    """The storage env items read from a secret, by env name."""
    return {item["name"]: item["valueFrom"]["secretKeyRef"] for item in storage(config).env if "secretKeyRef" in item.get("valueFrom", {})}


@pytest.mark.parametrize("name", ["data-gcs", "Data_Set.v2", "9lives"])
def test_bucket_credentials_env_comes_from_the_secret_under_a_valid_name(name):
    data = {name: bucket("gcs", "gs://data-bucket", secret="gcs-secret", secretKey="secret-key")}
    config = one_run(data=data)
    creds = credentials(config)
    assert list(creds.values()) == [{"name": "gcs-secret", "key": "secret-key"}]
    (env_name,) = creds
    assert ENV_NAME.fullmatch(env_name), env_name
    assert json.loads(env_of(run_of(config, "train"))["POLYSTORES_RUN_STORES_ACCESS_KEYS"]) == {
        "gs://data-bucket": {"store": "gcs", "secret_key": env_name}
    }


def test_every_mounted_bucket_gets_its_own_credentials():
    data = {
        "a": bucket("s3", "s3://bucket-a", secret="s3-secret", secretKey="credentials"),
        "b": bucket("azure", "wasbs://bucket-b@acct.blob.core.windows.net", secret="az-secret", secretKey="credentials"),
    }
    outputs = {"o": bucket("gcs", "gs://bucket-o", secret="gcs-secret", secretKey="key.json")}
    config = one_run(data=data, outputs=outputs)
    creds = credentials(config)
    assert sorted(ref["name"] for ref in creds.values()) == ["az-secret", "gcs-secret", "s3-secret"]
    access = json.loads(env_of(run_of(config, "train"))["POLYSTORES_RUN_STORES_ACCESS_KEYS"])
    assert {url: key["store"] for url, key in access.items()} == {"s3://bucket-a": "s3", "wasbs://bucket-b@acct.blob.core.windows.net": "azure", "gs://bucket-o": "gcs"}
    assert sorted(key["secret_key"] for key in access.values()) == sorted(creds)


@pytest.mark.parametrize(
    "data, request_keys",
    [
        pytest.param(DATA, {}, id="no-bucket"),
        pytest.param({"b": bucket("gcs", "gs://bucket-b")}, {}, id="bucket-without-secret"),
        pytest.param({"b": bucket("gcs", "gs://bucket-b", secret="s", secretKey="k"), "d": host("/d")}, {"data_refs": ["d"]}, id="bucket-not-mounted"),
    ],
)
def test_no_credentials_env_without_a_mounted_bucket_secret(data, request_keys):
    config = one_run(data=data, **request_keys)
    assert credentials(config) == {}
    assert [item["name"] for item in storage(config).env] == list(STORAGE_ENV)


@pytest.mark.parametrize(
    "keys, missing", [({"secret": "gcs-secret"}, "secretKey"), ({"secretKey": "key.json"}, "secret")]
)
def test_secret_and_secret_key_go_together(keys, missing):
    problem(stack(data={"b": bucket("gcs", "gs://bucket-b", **keys)}), f"persistence.data.b.{missing}", "secret", "secretKey")


def test_read_only_is_set_on_the_mount_and_the_claim_source():
    data = {"ro": claim("/ro", "ro-pvc", readOnly=True), "rw": claim("/rw", "rw-pvc")}
    st = storage(one_run(data=data))
    mounts = {m["mountPath"]: m for m in st.volume_mounts}
    assert mounts["/ro"]["readOnly"] is True
    assert volume_of(st, "/ro")["persistentVolumeClaim"] == {"claimName": "ro-pvc", "readOnly": True}
    assert mounts["/rw"].get("readOnly", False) is False
    assert volume_of(st, "/rw")["persistentVolumeClaim"] == {"claimName": "rw-pvc"}


@pytest.mark.parametrize("read_only, kind", [(True, "Directory"), (False, "DirectoryOrCreate")])
def test_host_path_type_follows_read_only(read_only, kind):
    st = storage(one_run(data={"d": host("/d", "/srv/d", readOnly=read_only)}))
    assert volume_of(st, "/d")["hostPath"] == {"path": "/srv/d", "type": kind}


# ---------------------------------------------------------------- §7 scheduling


def test_node_selector_is_the_union_of_mounted_entries():
    data = {
        "a": host("/a", nodeSelector={"kubernetes.io/hostname": "node-1"}),
        "b": host("/b", nodeSelector={"kubernetes.io/hostname": "node-1", "disk": "ssd"}),
        "c": host("/c", nodeSelector={"zone": "far"}),
    }
    config = one_run(data=data, data_refs=["a", "b"])
    assert pod(config)["nodeSelector"] == {"kubernetes.io/hostname": "node-1", "disk": "ssd"}


def test_no_node_selector_when_nothing_pins():
    assert "nodeSelector" not in pod(one_run())


def test_conflicting_node_selectors_are_an_error_naming_both_entries():
    data = {"a": host("/a", nodeSelector={"kubernetes.io/hostname": "node-1"})}
    outputs = {"o": host("/o", nodeSelector={"kubernetes.io/hostname": "node-2"})}
    problem(
        one_run(data=data, outputs=outputs),
        "runs.train",
        "persistence.data.a.nodeSelector",
        "persistence.outputs.o.nodeSelector",
        "node-1",
        "node-2",
    )


# ---------------------------------------------------------------- §8 errors


@pytest.mark.parametrize(
    "name", [*STORAGE_ENV, "POLYSTORES_RUN_STORES_ACCESS_KEYS", "POLYAXON_STORE_DATA_B", "POLYAXON_STORE_OUTPUTS_OTHER"]
)
def test_run_env_may_not_set_a_storage_env_name(name):
    data = {"b": bucket("gcs", "gs://bucket-b", secret="s", secretKey="k")}
    problem(one_run(data=data, env={name: "mine"}), f"runs.train.env.{name}", "polyaxon-storage")


@pytest.mark.parametrize("name", ["../escape", "a/b", "with space", ".hidden", "-dash"])
def test_run_and_team_names_must_be_path_safe(name):
    problem(stack(runs={name: run()}), f"runs.{name}", "not a usable name")
    teams = {name: {"namespace": "ns", "data": "*", "outputs": "*"}}
    problem(teams_stack(teams, team=name), f"teams.{name}", "not a usable name")


@pytest.mark.parametrize(
    "config, path, word",
    [
        (stack(data={"data_2": host("data/2", "/srv/h")}), "persistence.data.data_2.mountPath", "absolute"),
        (one_run(persistence={"outputs": "nope"}), "runs.train.persistence.outputs", "unknown"),
        (one_run(environment={"data_refs": ["data1", {"x": 1}]}), "runs.train.environment.data_refs[1]", "text"),
    ],
)
def test_errors_name_their_config_path(config, path, word):
    problem(config, path, word)


def test_several_run_problems_are_reported_at_once():
    config = stack(
        runs={
            "a": run(data_refs=["nope"], outputs_refs=["missing"]),
            "b": run(team="ghost"),
            "c": {"data_refs": ["data1"]},  # no image
        }
    )
    found = problems(config)
    for path in ["runs.a.data_refs[0]", "runs.a.outputs_refs", "runs.b.team", "runs.c.image"]:
        assert any(p.startswith(path + ": ") for p in found), (path, found)


def test_catalog_and_run_problems_are_reported_at_once():
    config = stack(
        data={"a": host("/same"), "b": host("/same")},
        runs={"x": run(team="ghost"), "y": {"data_refs": ["a"]}},
    )
    found = problems(config)
    for path in ["persistence.data.b.mountPath", "runs.x.team", "runs.y.image"]:
        assert any(p.startswith(path + ": ") for p in found), (path, found)


def test_parse_problems_from_catalog_and_runs_are_reported_at_once():
    config = stack(
        data={"d": host("/d", existingclaim="x")},
        runs={"x": run(data_ref=["d"]), "y": run(image=["not", "text"])},
    )
    found = problems(config)
    for path in ["persistence.data.d.existingclaim", "runs.x.data_ref", "runs.y.image"]:
        assert any(p.startswith(path + ": ") for p in found), (path, found)


# ---------------------------------------------------------------- the Job manifest


def test_job_runs_once_and_is_annotated_with_run_and_team():
    teams = {"nlp": {"namespace": "nlp", "data": "*", "outputs": "*"}}
    job = manifest(teams_stack(teams, team="nlp"))
    assert job["kind"] == "Job"
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"
    for annotated in (job["metadata"]["annotations"], job["spec"]["template"]["metadata"]["annotations"]):
        assert annotated["polyaxon-storage/run"] == "train"
        assert annotated["polyaxon-storage/team"] == "nlp"


HARDENED = {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}, "seccompProfile": {"type": "RuntimeDefault"}}


@pytest.mark.parametrize(
    "override, expected",
    [
        pytest.param(None, HARDENED, id="default"),
        pytest.param({"runAsNonRoot": True, "runAsUser": 1000}, {**HARDENED, "runAsNonRoot": True, "runAsUser": 1000}, id="adds"),
        pytest.param({"allowPrivilegeEscalation": True}, {**HARDENED, "allowPrivilegeEscalation": True}, id="replaces-one"),
        pytest.param(
            {"seccompProfile": {"type": "Localhost", "localhostProfile": "p.json"}},
            {**HARDENED, "seccompProfile": {"type": "Localhost", "localhostProfile": "p.json"}},
            id="replaces-seccomp",
        ),
    ],
)
def test_container_security_context_is_hardened_with_run_overrides(override, expected):
    keys = {} if override is None else {"securityContext": override}
    spec = pod(one_run(**keys))
    assert spec["containers"][0]["securityContext"] == expected
    # The init container only makes a directory on the volume: its root filesystem is read-only too.
    assert spec["initContainers"][0]["securityContext"] == {**expected, "readOnlyRootFilesystem": True}


def test_init_container_creates_the_outputs_directory_with_only_the_outputs_volume():
    spec = pod(one_run(outputs_refs=["outputs2"]))
    (init,) = spec["initContainers"]
    assert init["name"] == "prepare-outputs"
    assert init["image"] == INIT_IMAGE
    main_mounts = spec["containers"][0]["volumeMounts"]
    assert init["volumeMounts"] == [m for m in main_mounts if m["mountPath"] == "/outputs/2"]
    script = " ".join(init["command"])
    assert "mkdir -p" in script and "POLYAXON_RUN_OUTPUTS_PATH" in script
    env = {item["name"]: item for item in init["env"]}
    assert env["POLYAXON_RUN_OUTPUTS_PATH"]["value"] == f"/outputs/2/polyaxon/train/{EXEC}"
    names = [item["name"] for item in init["env"]]
    assert names.index("POLYAXON_RUN_EXECUTION_ID") < names.index("POLYAXON_RUN_OUTPUTS_PATH")


def test_run_env_comes_after_storage_env():
    spec = pod(one_run(env={"LOG_DIR": "$(POLYAXON_RUN_OUTPUTS_PATH)/logs", "A_FIRST": "1"}))
    names = [item["name"] for item in spec["containers"][0]["env"]]
    assert names[: len(STORAGE_ENV)] == list(STORAGE_ENV)
    assert names[-2:] == ["A_FIRST", "LOG_DIR"]  # after everything polyaxon-storage sets
    assert {"name": "LOG_DIR", "value": "$(POLYAXON_RUN_OUTPUTS_PATH)/logs"} in spec["containers"][0]["env"]


def test_resources_are_passed_through_as_strings():
    resources = {"requests": {"cpu": 1, "memory": "1Gi"}, "limits": {"cpu": 2.5, "nvidia.com/gpu": 1}}
    main = pod(one_run(resources=resources))["containers"][0]
    assert main["resources"] == {
        "requests": {"cpu": "1", "memory": "1Gi", "nvidia.com/gpu": "1"},
        "limits": {"cpu": "2.5", "memory": "4Gi", "nvidia.com/gpu": "1"},
    }


def test_main_container_mounts_every_volume_it_is_given():
    spec = pod(one_run())
    mounts = spec["containers"][0]["volumeMounts"]
    assert [m["mountPath"] for m in mounts] == ["/data/1", "/data/2", "/outputs/1", "/dev/shm"]
    assert sorted(v["name"] for v in spec["volumes"]) == sorted(m["name"] for m in mounts)
