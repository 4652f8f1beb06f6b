"""One mistake never hides another, across the stages a stack config goes through (parse -> catalog -> teams ->
runs): each test combines mistakes of two different stages, or of two units of one stage, and expects every one
of them at once, each at its path, and nothing made up by the first (a grant or a request naming an entry that
holds a mistake is no second problem)."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import plan, problems

IMAGE = "trainer:1"
CATALOG = {
    "data": {"d": {"mountPath": "/data", "existingClaim": "d"}},
    "outputs": {"o": {"mountPath": "/outputs", "existingClaim": "o"}},
}


def paths(config: dict[str, Any]) -> list[str]:
    """The config path of every problem, sorted."""
    return sorted(problem.split(": ")[0] for problem in problems(config))


def catalog(**data: Any) -> dict[str, Any]:
    return {"data": {**CATALOG["data"], **data}, "outputs": CATALOG["outputs"]}


BAD_ENTRY = {"mountPath": "/data/bad", "existingClaim": "Not_A_Claim"}
"""An entry refused when the config is parsed (its claim name)."""


def test_a_refused_entry_hides_no_catalog_rule_of_another_entry():
    config = {"persistence": catalog(bad=BAD_ENTRY, etc={"mountPath": "/data/../etc", "existingClaim": "e"})}
    found = problems(config)
    assert sorted(p.split(": ")[0] for p in found) == [
        "persistence.data.bad.existingClaim",
        "persistence.data.etc.mountPath",
    ], found
    assert any("/etc would cover the container's /etc" in p for p in found), found


def test_a_refused_entry_hides_no_grant_of_an_entry_that_does_not_exist():
    config = {
        "persistence": catalog(bad=BAD_ENTRY),
        "teams": {"vision": {"namespace": "vision", "data": ["bad", "nope"], "outputs": ["o"]}},
    }
    # Granting the refused entry is no second problem: it exists.
    assert paths(config) == ["persistence.data.bad.existingClaim", "teams.vision.data[1]"]


def test_a_refused_entry_hides_no_run_request_and_a_request_naming_it_is_no_second_problem():
    config = {
        "persistence": catalog(bad=BAD_ENTRY),
        "runs": {
            "unknown": {"image": IMAGE, "data_refs": ["dta"]},
            "names-it": {"image": IMAGE, "data_refs": ["bad", "dta"]},
            "sound": {"image": IMAGE, "data_refs": ["d"]},
        },
    }
    assert paths(config) == [
        "persistence.data.bad.existingClaim",
        "runs.names-it.data_refs[1]",
        "runs.unknown.data_refs[0]",
    ]


def test_a_refused_entry_hides_no_setting_of_a_run_naming_it():
    config = {
        "persistence": catalog(bad=BAD_ENTRY),
        "runs": {"train": {"image": IMAGE, "data_refs": ["bad"], "shmSize": "0"}},
    }
    assert paths(config) == ["persistence.data.bad.existingClaim", "runs.train.shmSize"]


@pytest.mark.parametrize(
    "request_keys, at",
    [
        ({"data_refs": ["dta"]}, "runs.train.data_refs[0]"),
        ({"environment": {"persistence": {"data": ["dta"]}}}, "runs.train.environment.persistence.data[0]"),
    ],
    ids=["v0.5", "v0.4"],
)
def test_a_run_refused_for_its_settings_still_has_its_request_checked(request_keys, at):
    config = {"persistence": CATALOG, "runs": {"train": {"image": IMAGE, "maxRestarts": -1, **request_keys}}}
    assert paths(config) == sorted([at, "runs.train.maxRestarts"])


def test_a_run_refused_for_its_settings_still_names_a_team_that_exists():
    config = {
        "persistence": CATALOG,
        "teams": {"vision": {"namespace": "vision", "data": "*", "outputs": "*"}},
        "runs": {"train": {"team": "nlp", "image": IMAGE, "maxRestarts": -1}},
    }
    assert paths(config) == ["runs.train.maxRestarts", "runs.train.team"]


def test_a_catalog_side_that_is_no_mapping_hides_nothing_of_the_other_side_and_stands_for_nothing():
    config = {
        "persistence": {"data": "oops", "outputs": {"o": {"mountPath": "/data/o", "existingClaim": "o"}}},
        "teams": {"vision": {"namespace": "vision", "data": ["d"], "outputs": ["o", "nope"]}},
        "runs": {"train": {"team": "vision", "image": IMAGE, "data_refs": ["d"], "outputs_refs": ["o"], "maxRestarts": -1}},
    }
    # No "unknown data entry 'd'", nor a clash of /data/o with the default data entry (/data): the data side
    # is not known, and the embedded default does not stand for it.
    assert paths(config) == ["persistence.data", "runs.train.maxRestarts", "teams.vision.outputs[1]"]


def test_a_catalog_that_is_no_mapping_makes_up_no_unknown_entry_and_hides_no_run_setting():
    config = {
        "persistence": "oops",
        "teams": {"vision": {"namespace": "vision", "data": ["d"], "outputs": "*"}},
        "runs": {"train": {"team": "vision", "image": IMAGE, "data_refs": ["d"], "shmSize": "0"}},
    }
    assert paths(config) == ["persistence", "runs.train.shmSize"]


def test_a_refused_team_hides_no_run_of_another_team_and_its_own_runs_are_still_checked():
    config = {
        "persistence": CATALOG,
        "teams": {
            "broken": {"namespace": "Not A Namespace", "data": "*", "outputs": "*"},
            "vision": {"namespace": "vision", "data": "*", "outputs": "*"},
        },
        "runs": {
            "theirs": {"team": "broken", "image": "Not An Image"},
            "ours": {"team": "vision", "image": IMAGE, "data_refs": ["dta"]},
        },
    }
    # No "unknown team" for the run of the refused team: the team exists, and holds a mistake.
    assert paths(config) == ["runs.ours.data_refs[0]", "runs.theirs.image", "teams.broken.namespace"]


def test_a_refused_team_hides_no_grant_of_its_own():
    config = {
        "persistence": CATALOG,
        "teams": {"broken": {"namespace": "Not A Namespace", "data": ["d", "nope"], "outputs": "*"}},
        "runs": {"train": {"team": "broken", "image": IMAGE}},
    }
    assert paths(config) == ["teams.broken.data[1]", "teams.broken.namespace"]


def test_a_refused_team_named_by_workload_identity_is_no_second_problem():
    config = {
        "persistence": CATALOG,
        "teams": {"broken": {"namespace": "Not A Namespace", "data": "*", "outputs": "*"}},
        "cluster": {"workloadIdentity": {"gke": {"teams": ["broken", "ghost"]}}},
    }
    assert paths(config) == ["cluster.workloadIdentity.gke.teams[1]", "teams.broken.namespace"]


def test_a_refused_run_read_by_another_run_is_no_second_problem():
    config = {
        "persistence": CATALOG,
        "runs": {
            "prep": {"image": IMAGE, "maxRestarts": "twice"},
            "train": {"image": IMAGE, "outputsRefs": {"experiments": ["prep", "ghost"]}},
        },
    }
    assert paths(config) == ["runs.prep.maxRestarts", "runs.train.outputsRefs.experiments[1]"]


@pytest.mark.parametrize(
    "key, value",
    [
        ("runDefaults", {"ttlSecondsAfterFinished": -1}),
        ("cluster", {"multiNode": "yes"}),
        ("credentialsRotation", "next year"),
        ("allowedWritableHostPaths", "/mnt"),
    ],
)
def test_a_refused_top_level_key_hides_no_run_check(key, value):
    config = {"persistence": CATALOG, key: value, "runs": {"train": {"image": IMAGE, "data_refs": ["dta"]}}}
    found = paths(config)
    assert "runs.train.data_refs[0]" in found and any(path.startswith(key) for path in found), found


def test_a_refused_cluster_makes_up_no_problem_of_how_teams_reach_the_clouds():
    azure = {
        "store": "azure",
        "bucket": "wasbs://data@acmeml.blob.core.windows.net/",
        "create": True,
        "resourceGroup": "rg",
        "location": "westeurope",
    }
    config = {
        "persistence": {**CATALOG, "data": {"d": azure}},
        "cluster": {"workloadIdentity": {"aks": {"oidcIssuerUrl": "https://oidc", "resourceGroup": "rg", "tema": ["x"]}}},
    }
    # Not "sasExpiry: required": with workload identity (what the stack was told) no SAS is signed.
    providers = {"azure-native:location": "westeurope", "azure-native:subscriptionId": "s"}
    assert [p.split(": ")[0] for p in problems(config, providers=providers)] == ["cluster.workloadIdentity.aks.tema"]


def test_a_refused_namespace_hides_no_run_check():
    config = {"persistence": CATALOG, "namespace": "Not A Namespace", "runs": {"train": {"image": IMAGE, "data_refs": ["dta"]}}}
    assert paths(config) == ["namespace", "runs.train.data_refs[0]"]


def test_a_misspelt_existing_namespace_hides_no_run_check_and_adds_no_problem_of_its_own():
    config = {
        "persistence": CATALOG,
        "namespace": "default",
        "existingNamespace": "yes",
        "runs": {"train": {"image": IMAGE, "data_refs": ["dta"]}},
    }
    # Not "default is a namespace the cluster has already": the stack says it exists, in the wrong type.
    assert paths(config) == ["existingNamespace", "runs.train.data_refs[0]"]


def test_a_bad_run_name_and_a_mistake_inside_that_run_are_both_reported():
    config = {"persistence": CATALOG, "runs": {"bad name": {"image": IMAGE, "maxRestarts": -1}}}
    assert paths(config) == ["runs.bad name", "runs.bad name.maxRestarts"]


def test_a_sound_stack_plans_with_nothing_left_out():
    planned = plan({"persistence": catalog(extra={"mountPath": "/extra", "existingClaim": "x"}), "runs": {"r": {"image": IMAGE}}})
    (run,) = planned.runs
    assert [mount.name for mount in run.args.data] == ["d", "extra"]


def test_a_host_path_entrys_node_selector_is_held_to_the_api_servers_label_rules():
    entry = {"mountPath": "/data/x", "hostPath": "/srv/x", "readOnly": True, "nodeSelector": {"pool": "gpu nodes", "bad key!": "a"}}
    assert paths({"persistence": catalog(x=entry)}) == ["persistence.data.x.nodeSelector.bad key!", "persistence.data.x.nodeSelector.pool"]
