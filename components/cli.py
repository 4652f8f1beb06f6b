"""`python -m components render|job`: the offline renderer's command line."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Optional, Sequence

import pulumi

from .errors import ConfigError
from .job import job_manifest, to_yaml
from .plan import checked_teams, plan_run
from .program import PROJECT_DIR
from .stack_config import Run, parse_stack_config
from .render import read_stack_file, render, stack_file

EXIT_BAD_INPUT = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m components",
        description="Render polyaxon-storage stacks offline, under Pulumi's mock engine.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    render_cmd = commands.add_parser(
        "render", help="print every Kubernetes object and Job spec a stack registers, as YAML"
    )
    render_cmd.add_argument("target", help="stack name (stacks/Pulumi.<name>.yaml) or path to a stack config file")
    render_cmd.add_argument(
        "--resources", action="store_true", help="print a table of every Pulumi resource (type, name, parent) instead"
    )
    job_cmd = commands.add_parser("job", help="print the Job spec of one Polyaxon file against a stack's catalog")
    job_cmd.add_argument("target", help="stack name or path to a stack config file")
    job_cmd.add_argument("polyaxonfile", help="path to the Polyaxon file")
    job_cmd.add_argument("--team", help="the team the run belongs to (required when the stack defines teams)")
    job_cmd.add_argument("--name", help="run name (default: the file name without its extension)")
    return parser


def _render(target: str, resources: bool) -> str:
    rendering = render(stack_file(target))
    for warning in rendering.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if not resources:
        return to_yaml(rendering.documents())
    rows = [("TYPE", "NAME", "PARENT")] + [
        (registration.type, registration.name, registration.parent or "-")
        for registration in rendering.registrations
    ]
    widths = [max(len(row[column]) for row in rows) for column in range(2)]
    return "".join(f"{row[0]:<{widths[0]}}  {row[1]:<{widths[1]}}  {row[2]}\n" for row in rows)


def _job(target: str, polyaxonfile: str, team: Optional[str], name: Optional[str]) -> str:
    config = parse_stack_config(read_stack_file(stack_file(target)))
    teams = checked_teams(config)
    path = Path(polyaxonfile).resolve()
    run_name = name or path.stem
    run = Run.model_validate({"team": team, "polyaxonfile": str(path)})
    plan = plan_run(config.persistence, teams, run_name, run, run_name, PROJECT_DIR, config.defaultResources)
    return to_yaml([job_manifest(plan, config.initImage)])


def run(argv: Optional[Sequence[str]] = None) -> int:
    arguments = _parser().parse_args(argv)
    try:
        if arguments.command == "render":
            output = _render(arguments.target, arguments.resources)
        else:
            output = _job(arguments.target, arguments.polyaxonfile, arguments.team, arguments.name)
    except ConfigError as error:
        print(error.report(), file=sys.stderr)
        return EXIT_BAD_INPUT
    except pulumi.RunError as error:
        print(error, file=sys.stderr)
        return EXIT_BAD_INPUT
    sys.stdout.write(output)
    return 0
