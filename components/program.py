"""The Pulumi program: read the stack config, plan, register the components.

`__main__.py` (under `pulumi up`) and the offline renderer both call `main()`.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime.config import CONFIG, get_config, get_config_env

from .catalog import SIDES, ExistingClaimEntry, HostPathEntry, NfsEntry
from .errors import ConfigError
from .existing_claim import ExistingClaimStorage, ExistingClaimStorageArgs
from .host_path import HostPathStorage, HostPathStorageArgs
from .nfs_storage import NfsStorage, NfsStorageArgs
from .plan import StackPlan, plan_stack
from .resolve import NamedEntry, TeamAccess, data_paths_value, default_outputs_candidates
from .run_template import RunTemplate, RunTemplateArgs
from .stack_config import CONFIG_NAMESPACE, parse_stack_config
from .team_namespace import TeamNamespace, TeamNamespaceArgs

# Where Pulumi.yaml is; relative `polyaxonfile` paths start here.
PROJECT_DIR = Path(__file__).resolve().parent.parent
# Keys whose values are plain text; Pulumi hands every other value over as JSON text.
TEXT_KEYS = ("namespace", "initImage")


@dataclass(frozen=True)
class StackComponents:
    namespaces: dict[str, TeamNamespace]
    """TeamNamespace per namespace name."""
    storage: dict[str, pulumi.ComponentResource]
    """Storage component per catalog entry, keyed `<side>/<entry>`."""
    runs: dict[str, RunTemplate]
    """RunTemplate per run name."""


def read_config() -> dict[str, Any]:
    """Every value in this project's config namespace, keyed without the namespace."""
    prefix = CONFIG_NAMESPACE + ":"
    keys = sorted({key for key in [*CONFIG.get(), *get_config_env()] if key.startswith(prefix)})
    values = {}
    for key in keys:
        name, raw = key[len(prefix):], get_config(key)
        if name not in TEXT_KEYS and isinstance(raw, str):
            try:
                raw = json.loads(raw)
            except json.JSONDecodeError:
                pass  # left as text: validation reports its type
        values[name] = raw
    return values


def main() -> StackComponents:
    """The program: fails before registering anything if the config has problems."""
    try:
        plan = plan_stack(parse_stack_config(read_config()), PROJECT_DIR)
    except ConfigError as error:
        raise pulumi.RunError(error.report()) from None
    return register(plan)


def register(plan: StackPlan) -> StackComponents:
    for warning in plan.warnings:
        pulumi.log.warn(str(warning))
    namespaces = {
        namespace.name: TeamNamespace(namespace.name, TeamNamespaceArgs(namespace)) for namespace in plan.namespaces
    }
    # Namespaces granted each entry, found once for all entries (not once per entry per team).
    granted_in: dict[tuple[str, str], set[str]] = defaultdict(set)
    for team in plan.teams:
        for side in SIDES:
            for name in team.granted(side):
                granted_in[side, name].add(team.namespace)
    storage: dict[str, pulumi.ComponentResource] = {}
    for side, name, entry in plan.config.persistence.entries():
        item = NamedEntry(side, name, entry)
        granted = sorted(granted_in[side, name])
        key, resource_name = f"{side}/{name}", f"{side}-{name}"
        if isinstance(entry, HostPathEntry):
            storage[key] = HostPathStorage(resource_name, HostPathStorageArgs(item))
        elif isinstance(entry, ExistingClaimEntry):
            storage[key] = ExistingClaimStorage(resource_name, ExistingClaimStorageArgs(item, tuple(granted)))
        elif isinstance(entry, NfsEntry):
            in_namespaces = {namespace: namespaces[namespace].name for namespace in granted}
            storage[key] = NfsStorage(resource_name, NfsStorageArgs(item, in_namespaces))
    runs = {run.name: RunTemplate(run.name, RunTemplateArgs(run, plan.config.initImage)) for run in plan.runs}
    pulumi.export("jobs", {name: template.job for name, template in runs.items()})
    # Each team's runs, in plan order, grouped in one pass (not one pass over every run per team).
    team_runs: dict[str, list[str]] = defaultdict(list)
    for run in plan.runs:
        team_runs[run.team.name].append(run.name)
    pulumi.export(
        "teams", {team.name: _team_outputs(plan, team, namespaces, runs, team_runs[team.name]) for team in plan.teams}
    )
    return StackComponents(namespaces=namespaces, storage=storage, runs=runs)


def _team_outputs(
    plan: StackPlan,
    team: TeamAccess,
    namespaces: dict[str, TeamNamespace],
    runs: dict[str, RunTemplate],
    run_names: list[str],
) -> dict[str, Any]:
    persistence = plan.config.persistence
    default_outputs = default_outputs_candidates(persistence, team)
    return {
        "namespace": namespaces[team.namespace].name,
        "serviceAccount": namespaces[team.namespace].service_accounts[team.name],
        # What POLYAXON_RUN_DATA_PATHS holds for a run that asks for nothing.
        "dataPaths": data_paths_value([NamedEntry("data", name, persistence.side("data")[name]) for name in team.data]),
        # The entry a run that names none gets; several when outputsSelection is random.
        "defaultOutputs": default_outputs[0] if len(default_outputs) == 1 else default_outputs,
        "jobs": {name: runs[name].job for name in run_names},
    }
