"""Identities stay within their team: no team lets its runs act as another team's ServiceAccount (which holds that
team's cloud identity), through the stack config and through RunTemplate alike."""

from __future__ import annotations

from typing import Any

import pytest

from components import ComponentArgsError, RunTemplate, TeamNamespace
from components.offline import engine
from conftest import plan, problems

CATALOG = {"outputs": {"o": {"mountPath": "/outputs", "existingClaim": "o"}}}


def teams(**nlp: Any) -> dict[str, Any]:
    return {
        "persistence": CATALOG,
        "teams": {
            "vision": {"namespace": "ml", "outputs": "*"},
            "nlp": {"namespace": "ml", "outputs": "*", **nlp},
        },
        "runs": {},
    }


def test_a_team_may_not_list_another_teams_service_account():
    assert problems(teams(serviceAccounts=["trainer", "runs-vision"])) == [
        "teams.nlp.serviceAccounts[1]: 'runs-vision' is the ServiceAccount the stack makes for team 'vision': runs "
        "naming it would act as that team, with its cloud identity; list ServiceAccounts of the team's own, named "
        "otherwise (its own, runs-nlp, is always allowed)"
    ]


def test_a_team_may_list_its_own_and_accounts_of_its_own():
    planned = plan(teams(serviceAccounts=["runs-nlp", "trainer"]))
    assert {team.name for team in planned.teams} == {"vision", "nlp"}


def test_without_teams_the_prefix_of_teams_accounts_is_still_refused():
    config = {"persistence": CATALOG, "serviceAccounts": ["runs-ml"]}
    (found,) = problems(config)
    assert found.startswith("serviceAccounts[0]: 'runs-ml' is named as the stack names teams' own ServiceAccounts")


def template(bounds: dict[str, Any], service_account: Any = "runs-nlp") -> list[str]:
    mock = engine.start("isolation", "test")
    args = {
        "namespace": "ml",
        "team": "nlp",
        "service_account": service_account,
        "bounds": bounds,
        "runs": {"train": {"image": "trainer:1", "outputs": {"name": "o", "mount_path": "/outputs", "claim_name": "o"}}},
    }
    with pytest.raises(ComponentArgsError) as refused:
        mock.run(lambda: RunTemplate("nlp", args))
    assert [r for r in mock.registrations if r.custom] == []
    return [str(problem) for problem in refused.value.problems]


def test_run_template_refuses_another_teams_service_account_in_its_bounds():
    (found,) = template({"service_accounts": ["runs-vision"]})
    assert found.startswith("bounds.service_accounts[0]: 'runs-vision' is named as the stack names teams' own")


def test_run_template_refuses_it_once_its_own_service_account_resolves():
    def program() -> Any:
        namespace = TeamNamespace("ml", {"namespace": "ml", "teams": ["vision", "nlp"]})
        own = namespace.service_accounts.apply(lambda accounts: accounts["nlp"])
        return RunTemplate(
            "nlp",
            {
                "namespace": namespace.namespace,
                "team": "nlp",
                "service_account": own,
                "bounds": {"service_accounts": ["runs-vision"]},
                "runs": {"train": {"image": "trainer:1", "outputs": {"name": "o", "mount_path": "/outputs", "claim_name": "o"}}},
            },
        )

    mock = engine.start("isolation", "test")
    with pytest.raises(ComponentArgsError) as refused:
        mock.run(program)
    assert [str(p).split(":")[0] for p in refused.value.problems] == ["bounds.service_accounts[0]"]


def test_run_template_takes_its_own_service_account_in_its_bounds():
    mock = engine.start("isolation", "test")
    args = {
        "namespace": "ml",
        "service_account": "runs-nlp",
        "bounds": {"service_accounts": ["runs-nlp", "trainer"]},
        "runs": {"train": {"image": "trainer:1", "service_account": "trainer", "outputs": {"name": "o", "mount_path": "/outputs", "claim_name": "o"}}},
    }
    jobs = mock.run(lambda: engine.value(RunTemplate("nlp", args).jobs))
    assert jobs["train"]["spec"]["template"]["spec"]["serviceAccountName"] == "trainer"
