"""examples/polyaxon-agent: Polyaxon's agent chart, once per team, with the `polyaxonValues` of a
polyaxon-storage stack read through a StackReference; run under the mock engine, the platform's stack
run by the program itself (docs/export.md §1)."""

from __future__ import annotations

import runpy

from components import program, testing
from components.conventions import REDACTED
from components.core.export import polyaxon_values
from components.offline.project import Project
from conftest import PROJECT, PROJECT_DIR, cli
from export_support import shipped_stack

EXAMPLE = PROJECT_DIR / "examples" / "polyaxon-agent"
AGENT = Project(EXAMPLE)
RELEASE = "kubernetes:helm.sh/v3:Release"
PLATFORM = "acme/polyaxon-storage/gcp"


def platform_outputs(stack: str, secret: tuple[str, ...] = ()) -> testing.StackOutputs:
    """What the program exports for a shipped stack (`secret`: keys set with --secret), as a reference reads it."""
    config = PROJECT.stack_config(PROJECT.stack_file(stack))
    mock = testing.start(PROJECT.name, stack, config.values, [f"{PROJECT.name}:{key}" for key in secret])
    mock.run(lambda: program.main(PROJECT_DIR))
    return mock.exported()


def run_agents(outputs: testing.StackOutputs) -> testing.Engine:
    """The example, with its declared defaults, reading `outputs` as the platform's stack."""
    monitor = testing.RecordingMonitor(testing.Mocks(stacks={PLATFORM: outputs}))
    mock = testing.start(AGENT.name, "dev", AGENT.stack_config(None).values, monitor=monitor)
    mock.run(lambda: runpy.run_path(str(AGENT.main_file()), run_name="__main__"))
    return mock


def releases(mock: testing.Engine) -> dict[str, testing.Registration]:
    return {r.name: r for r in mock.registrations if r.type == RELEASE}


def test_each_team_gets_the_agent_chart_in_its_namespace_with_exactly_its_v2_export():
    outputs = platform_outputs("gcp")
    found = releases(run_agents(outputs))
    assert set(found) == {"agent-nlp", "agent-vision"}
    config, providers = shipped_stack("gcp")
    for team in ("nlp", "vision"):
        inputs = found[f"agent-{team}"].inputs
        expected = polyaxon_values(config, "polyaxon-v2", team, providers)[0]
        assert inputs["values"] == expected == outputs.values["polyaxonValues"]["polyaxon-v2"][team]
        assert inputs["namespace"] == f"team-{team}" == expected["namespace"]
        assert (inputs["chart"], inputs["version"], inputs["repositoryOpts"]) == (
            "agent",
            "2.18.0",
            {"repo": "https://charts.polyaxon.com"},
        )
        assert found[f"agent-{team}"].secret_inputs == ()


def test_the_values_stay_secret_when_the_platforms_are():
    outputs = platform_outputs("gcp", secret=("persistence",))
    assert outputs.secret == {"polyaxonValues", "jobs", "teams"}
    for registration in releases(run_agents(outputs)).values():
        assert {"values", "namespace"} <= set(registration.secret_inputs)
        assert registration.inputs["values"] == REDACTED


def test_without_the_platforms_outputs_render_says_so():
    result = cli("render", "--program", str(EXAMPLE))
    assert (result.returncode, result.stdout) == (2, "")
    assert "Traceback" not in result.stderr
    assert f"StackReference {PLATFORM!r}: the mock engine knows no such stack" in result.stderr
