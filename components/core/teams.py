"""Teams and what each may use (docs/mount-rules.md §4): the grants, and a run's team."""

from __future__ import annotations

from typing import Optional

from .config.catalog import SIDES, Persistence, Side
from .config.stack import StackConfig
from .errors import Problem
from .model import TeamAccess


def team_access(config: StackConfig, problems: list[Problem]) -> dict[Optional[str], TeamAccess]:
    """Each team's access, keyed by team name (None: the implicit team); grant problems are appended."""
    persistence = config.persistence
    if config.teams is None:
        namespace = config.namespace
        everything = {side: tuple(sorted(persistence.side(side))) for side in SIDES}
        # The implicit team's bounds sit at the top level (the stack's runDefaults apply to it as to any team).
        return {
            None: TeamAccess(
                namespace,
                namespace,
                everything["data"],
                everything["outputs"],
                allow_privileged=config.allow_privileged,
                bounds=config,
            )
        }
    access: dict[Optional[str], TeamAccess] = {}
    for name, team in sorted(config.teams.items()):
        path = f"teams.{name}"
        grants = {side: _granted(persistence, side, getattr(team, side), f"{path}.{side}", problems) for side in SIDES}
        access[name] = TeamAccess(
            name,
            team.namespace,
            grants["data"],
            grants["outputs"],
            path,
            allow_privileged=team.allow_privileged,
            run_defaults=team.run_defaults,
            bounds=team,
        )
    return access


def _granted(persistence: Persistence, side: Side, grant: object, path: str, problems: list[Problem]) -> tuple[str, ...]:
    available = persistence.side(side)
    if grant == "*":
        return tuple(sorted(available))
    assert isinstance(grant, list)
    for index, name in enumerate(grant):
        if name not in available:
            problems.append(
                Problem(f"{path}[{index}]", f"unknown {side} entry {name!r}; the catalog has: {', '.join(sorted(available))}")
            )
        elif grant.index(name) != index:
            problems.append(Problem(f"{path}[{index}]", f"{name!r} is listed more than once"))
    return tuple(sorted(set(grant) & set(available)))


def run_team(
    teams: dict[Optional[str], TeamAccess], team: Optional[str], path: str, problems: list[Problem]
) -> Optional[TeamAccess]:
    """The team a run names (the implicit one when there are no teams), or a problem at `path`."""
    if team in teams:
        return teams[team]
    defined = ", ".join(str(name) for name in teams)
    if None in teams:
        problems.append(Problem(path, f"names team {team!r}, but no teams are defined; define teams or drop it"))
    elif team is None:
        problems.append(Problem(path, f"required when teams are defined; one of: {defined}"))
    else:
        problems.append(Problem(path, f"unknown team {team!r}; defined teams: {defined}"))
    return None
