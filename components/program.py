"""The Pulumi program: read the stack config, plan, register the components.

`__main__.py` (under `pulumi up`) and the offline renderer both call `main()`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime.config import CONFIG, get_config, get_config_env

from .catalog import ExistingClaimEntry, HostPathEntry
from .errors import ConfigError
from .existing_claim import ExistingClaimStorage, ExistingClaimStorageArgs
from .host_path import HostPathStorage, HostPathStorageArgs
from .plan import StackPlan, plan_stack
from .resolve import NamedEntry
from .run_template import RunTemplate, RunTemplateArgs
from .stack_config import CONFIG_NAMESPACE, parse_stack_config

# Where Pulumi.yaml is; relative `polyaxonfile` paths start here.
PROJECT_DIR = Path(__file__).resolve().parent.parent
# Keys whose values Pulumi hands over as JSON text.
STRUCTURED_KEYS = ("persistence", "teams", "runs")


@dataclass(frozen=True)
class StackComponents:
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
        if name in STRUCTURED_KEYS and isinstance(raw, str):
            try:
                raw = json.loads(raw)
            except json.JSONDecodeError:
                pass  # left as text: validation reports it is not a mapping
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
    storage: dict[str, pulumi.ComponentResource] = {}
    for side, name, entry in plan.config.persistence.entries():
        item = NamedEntry(side, name, entry)
        key = f"{side}/{name}"
        if isinstance(entry, HostPathEntry):
            storage[key] = HostPathStorage(f"{side}-{name}", HostPathStorageArgs(item))
        elif isinstance(entry, ExistingClaimEntry):
            namespaces = tuple(sorted({team.namespace for team in plan.teams if name in team.granted(side)}))
            storage[key] = ExistingClaimStorage(f"{side}-{name}", ExistingClaimStorageArgs(item, namespaces))
    runs = {run.name: RunTemplate(run.name, RunTemplateArgs(run, plan.config.initImage)) for run in plan.runs}
    pulumi.export("jobs", {name: template.job for name, template in runs.items()})
    pulumi.export("storage", {key: component.volume for key, component in storage.items()})  # type: ignore[attr-defined]
    return StackComponents(storage=storage, runs=runs)
