"""Every shipped stack, every team, both formats, held to what Polyaxon itself reads (docs/export.md §6):
v2 by Polyaxon 2.18's own models, 0.6 by the keys of its chart and server.

The checker is shown to refuse what Polyaxon refuses, so its verdict on the exports means something.
"""

from __future__ import annotations

import copy
import re

import pytest

from components.core.errors import ConfigError
from components.core.export import polyaxon_values
from conftest import PROJECT_DIR, STACKS
from export_support import (
    UNSERVED,
    V06,
    V2,
    polyaxon2_verdicts,
    problems_06,
    shipped_exports,
    shipped_stack,
    shipped_teams,
)


def test_every_shipped_stack_exports_both_formats_for_every_team_0_6_can_serve():
    exported = {format: [label for label, _, _ in shipped_exports(format)] for format in (V06, V2)}
    expected = []
    for name in STACKS:
        config, _ = shipped_stack(name)
        expected += [f"{name}/{team}" for team in (sorted(config.teams) if config.teams else [config.namespace])]
    assert exported == {V06: [label for label in expected if label not in UNSERVED[V06]], V2: expected}
    assert "gcp/vision" in expected and "dev/polyaxon" in expected and UNSERVED[V06] < set(expected)


def test_the_shipped_teams_0_6_cannot_serve_are_refused_at_their_csi_bucket():
    for label, config, providers, team in shipped_teams():
        if label in UNSERVED[V06]:
            with pytest.raises(ConfigError) as caught:
                polyaxon_values(config, V06, team, providers)
            (problem,) = caught.value.problems
            assert (problem.path, "Polyaxon 0.6" in problem.message) == ("persistence.data.corpus", True), label


def test_polyaxon_2_accepts_every_v2_export_of_the_shipped_stacks():
    exports = {label: values for label, values, _ in shipped_exports(V2)}
    status, verdicts = polyaxon2_verdicts(exports)
    assert verdicts == {label: None for label in exports}
    assert status == 0


def good_v2() -> dict:
    """A v2 export Polyaxon accepts: a claim store, a host path, a gcs bucket with its Secret."""
    return {
        "namespace": "team-vision",
        "artifactsStore": {
            "name": "results",
            "kind": "volume_claim",
            "schema": {"volumeClaim": "outputs-results-cd7527a9", "mountPath": "/outputs"},
            "tags": ["outputs"],
        },
        "connections": [
            {
                "name": "shards",
                "kind": "host_path",
                "schema": {"hostPath": "/mnt/shards", "mountPath": "/data/shards", "readOnly": True},
                "tags": ["data"],
            },
            {
                "name": "imagenet",
                "kind": "gcs",
                "schema": {"bucket": "gs://acme-ml-imagenet"},
                "secret": {"name": "polyaxon-gcs-vision", "mountPath": "/plx-context/.gc"},
                "tags": ["data"],
            },
        ],
    }


def broken(change) -> dict:
    values = copy.deepcopy(good_v2())
    change(values)
    return values


REFUSED = {
    "unknown kind": lambda v: v["connections"][0].update(kind="hostpath"),
    "secret without a name": lambda v: v["connections"][1]["secret"].pop("name"),
    "unknown key in a schema": lambda v: v["connections"][0]["schema"].update(hostpath="/mnt/shards"),
    "schema of another kind": lambda v: v["connections"][0].update(schema={"bucket": "gs://acme-ml-imagenet"}),
    "schema without mountPath": lambda v: v["artifactsStore"]["schema"].pop("mountPath"),
    "unknown key in a connection": lambda v: v["connections"][1].update(tag=["data"]),
    "connection without a name": lambda v: v["connections"][1].pop("name"),
    "one name twice": lambda v: v["connections"][1].update(name="shards"),
    "a connection named as the store": lambda v: v["connections"][1].update(name="results"),
    "readOnly not a boolean": lambda v: v["connections"][0]["schema"].update(readOnly=["true"]),
    "misspelled chart key": lambda v: v.update(artifactStore=v.pop("artifactsStore")),
    "no default store to fall back on when named as it": lambda v: (
        v.pop("artifactsStore"),
        v["connections"][0].update(name="default-artifacts-store"),
    ),
}


def test_the_checker_refuses_what_polyaxon_refuses():
    exports = {"good": good_v2(), "no store (the chart's default)": broken(lambda v: v.pop("artifactsStore"))}
    exports.update({label: broken(change) for label, change in REFUSED.items()})
    status, verdicts = polyaxon2_verdicts(exports)
    assert verdicts["good"] is None
    assert verdicts["no store (the chart's default)"] is None
    assert {label for label, verdict in verdicts.items() if verdict} == set(REFUSED)
    assert status == 1


def test_every_0_6_export_of_the_shipped_stacks_has_the_keys_polyaxon_0_6_reads():
    for label, values, _ in shipped_exports(V06):
        assert problems_06(values) == [], label


@pytest.mark.parametrize(
    ("change", "found"),
    [
        (lambda p: p["data"]["imagenet"].update(accessMode="ReadOnlyMany"), "data.imagenet: key 'accessMode'"),
        (lambda p: p["data"]["imagenet"].pop("existingClaim"), "data.imagenet: neither or both"),
        (lambda p: p["data"]["imagenet"].update(hostPath="/mnt"), "data.imagenet: neither or both"),
        (lambda p: p["outputs"]["raw"].update(readOnly=True), "outputs.raw: key 'readOnly'"),
        (lambda p: p["outputs"]["raw"].update(secretKey="1key"), "names no environment variable"),
        (lambda p: p["outputs"]["raw"].pop("secret"), "secret without secretKey"),
        (lambda p: p.update(logs={"mountPath": "/logs", "hostPath": "/tmp/logs", "readOnly": True}), "logs: key"),
        (lambda p: p.update(repos={"store": "gcs", "bucket": "gs://r"}), "repos: key 'store'"),
        (lambda p: p["data"].update({"Data_1": {"mountPath": "/d", "hostPath": "/tmp/d"}}), "no DNS-1123"),
        (lambda p: p["outputs"].update(imagenet={"mountPath": "/o", "hostPath": "/tmp/o"}), "'imagenet' twice"),
        (lambda p: p.update(artifacts={}), "persistence key 'artifacts'"),
    ],
)
def test_the_0_6_oracle_refuses_what_polyaxon_0_6_refuses_or_misreads(change, found):
    values = {
        "namespace": "team-vision",
        "persistence": {
            "data": {"imagenet": {"mountPath": "/data/imagenet", "existingClaim": "data-imagenet", "readOnly": True}},
            "outputs": {"raw": {"store": "gcs", "bucket": "gs://raw", "secret": "gcs", "secretKey": "raw.json"}},
        },
    }
    assert problems_06(values) == []
    change(values["persistence"])
    assert any(found in problem for problem in problems_06(values)), problems_06(values)


def test_polyaxon_2_is_pinned_whole_and_built_by_make_test():
    text = (PROJECT_DIR / "requirements-polyaxon2.txt").read_text()
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    assert "polyaxon==2.18.0" in lines
    for line in lines:
        assert re.fullmatch(r"[A-Za-z0-9_.-]+==[0-9][A-Za-z0-9.]*", line), line
    makefile = (PROJECT_DIR / "Makefile").read_text()
    (test_rule,) = [line for line in makefile.splitlines() if line.startswith("test:")]
    assert "$(POLYAXON2_VENV)/.installed" in test_rule
    assert "venv-polyaxon2" in (PROJECT_DIR / ".gitignore").read_text().splitlines()
