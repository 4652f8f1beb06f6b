"""Messages read right: an article fits the word it stands before, and the `job` command names the flag a user
is missing, not a config path."""

from __future__ import annotations

import ast

import pytest

from components.core.names import a
from conftest import PROJECT_DIR, cli


@pytest.mark.parametrize(
    "noun, said",
    [
        ("experiment", "an experiment"),
        ("job", "a job"),
        ("s3 bucket", "an s3 bucket"),
        ("gcs bucket", "a gcs bucket"),
        ("azure bucket", "an azure bucket"),
        ("existingClaim mount", "an existingClaim mount"),
        ("host_path mount", "a host_path mount"),
        ("nfs entry", "an nfs entry"),
        ("Polyaxon file", "a Polyaxon file"),
        ("user", "a user"),
    ],
)
def test_the_article_fits_the_word(noun: str, said: str) -> None:
    assert a(noun) == said


def test_no_message_template_puts_a_fixed_article_before_a_value() -> None:
    """`f"is a {kind}"` reads "is a experiment": every template leaves the article to `a()`."""
    found = []
    for path in sorted((PROJECT_DIR / "components").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.JoinedStr):
                for before, after in zip(node.values, node.values[1:]):
                    if (
                        isinstance(before, ast.Constant)
                        and isinstance(after, ast.FormattedValue)
                        and str(before.value).endswith((" a ", " an ", "(a ", "(an "))
                        or isinstance(before, ast.Constant) and str(before.value) in ("a ", "an ")
                    ):
                        found.append(f"{path.relative_to(PROJECT_DIR)}:{node.lineno}")
    assert found == []


def test_job_without_team_names_the_flag_and_the_teams() -> None:
    result = cli("job", "training", "examples/polyaxonfiles/declarations.yaml")
    assert result.returncode == 2
    assert "  - --team: required when teams are defined; one of: " in result.stderr
    assert "declarations.team" not in result.stderr


def test_a_run_listed_under_the_wrong_kind_reads_right(tmp_path) -> None:
    from conftest import problems

    found = problems(
        {
            "persistence": {"outputs": {"o": {"mountPath": "/o", "existingClaim": "o"}}},
            "runs": {
                "prep": {"image": "i:1", "kind": "experiment"},
                "train": {"image": "i:1", "outputsRefs": {"jobs": ["prep"]}},
            },
        }
    )
    assert found == ["runs.train.outputsRefs.jobs[0]: 'prep' is an experiment: list it under experiments"]
