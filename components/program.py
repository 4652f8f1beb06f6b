"""The Pulumi program: read the stack config, plan, register the components.

`__main__.py` (under `pulumi up`) and the offline renderer both call `main()`.
Every config problem is found by the plan, before anything is registered;
then the components are wired through their Outputs (a TeamNamespace's
namespace and ServiceAccounts, an NfsStorage's claim) into each RunTemplate.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import pulumi

from .core.config.stack import parse_stack_config
from .core.errors import ConfigError
from .core.model import Mount, NamedEntry, RunPlan, RunSpec, StackPlan, TeamAccess
from .core.namespaces import persistent_volume_name
from .core.plan import plan_stack
from .core.resolve import default_outputs_candidates, nfs_claim_name
from .core.volumes import data_paths_value
from .k8s.nfs import NfsStorage, NfsStorageArgs
from .k8s.run_template import RunArgs, RunTemplate, RunTemplateArgs, StorageMountArgs
from .k8s.team_namespace import TeamNamespace, TeamNamespaceArgs

# Keys whose values are plain text; the CLI hands every other value over as JSON text.
TEXT_KEYS = ("namespace", "initImage")


@dataclass(frozen=True)
class StackComponents:
    namespaces: dict[str, TeamNamespace]
    """TeamNamespace per namespace name."""
    nfs: dict[tuple[str, str, str], NfsStorage]
    """NfsStorage per (namespace, side, entry)."""
    runs: dict[str, RunTemplate]
    """RunTemplate per team (of the teams that have runs)."""
    jobs: dict[str, pulumi.Output[dict[str, Any]]]
    """Job spec per run."""


def read_config(project: str) -> dict[str, Any]:
    """Every value in the project's config namespace, keyed without the namespace.

    The keys are those the Pulumi CLI hands to the program (PULUMI_CONFIG), so a
    misspelled key is reported rather than ignored.
    """
    config = pulumi.Config(project)
    prefix = project + ":"
    values = {}
    for key in sorted(key for key in pulumi.runtime.get_config_env() if key.startswith(prefix)):
        name = key[len(prefix) :]
        raw = config.get(name)
        if name not in TEXT_KEYS and raw is not None:
            try:
                raw = json.loads(raw)
            except json.JSONDecodeError:
                pass  # left as text: validation reports its type
        values[name] = raw
    return values


def main(base_dir: Path) -> StackComponents:
    """The program; `base_dir` is where relative `polyaxonfile` paths start (the project directory).

    Fails before registering anything if the config has problems.
    """
    try:
        plan = plan_stack(parse_stack_config(read_config(pulumi.get_project())), base_dir)
    except ConfigError as error:
        raise pulumi.RunError(error.report()) from None
    return register(plan)


def register(plan: StackPlan) -> StackComponents:
    for warning in plan.warnings:
        pulumi.log.warn(str(warning))
    namespaces = {
        namespace.name: TeamNamespace(
            namespace.name,
            TeamNamespaceArgs(
                namespace=namespace.name,
                teams=[team.name for team in namespace.teams],
                existing=namespace.adopt,
                pod_security=namespace.pod_security,
            ),
        )
        for namespace in plan.namespaces
    }
    nfs = {}
    for namespace in plan.namespaces:
        for item in namespace.nfs_entries:
            entry = item.entry
            volume_name = persistent_volume_name(namespace.name, item)
            nfs[namespace.name, item.side, item.name] = NfsStorage(
                volume_name,
                NfsStorageArgs(
                    server=entry.nfs.server,  # type: ignore[union-attr]
                    path=entry.nfs.path,  # type: ignore[union-attr]
                    size=entry.size,  # type: ignore[union-attr]
                    namespace=namespaces[namespace.name].namespace,
                    claim_name=nfs_claim_name(item.side, item.name),
                    volume_name=volume_name,
                    read_only=entry.read_only,
                    mount_options=list(entry.mount_options),  # type: ignore[union-attr]
                ),
            )
    # Each team's runs, in plan order, grouped in one pass (not one pass over every run per team).
    team_runs: dict[str, list[RunPlan]] = defaultdict(list)
    for run in plan.runs:
        team_runs[run.team.name].append(run)
    templates = {
        team.name: RunTemplate(team.name, _run_template_args(team, team_runs[team.name], namespaces, nfs))
        for team in plan.teams
        if team_runs[team.name]
    }
    jobs = {run.name: templates[run.team.name].job(run.name) for run in plan.runs}
    pulumi.export("jobs", jobs)
    pulumi.export(
        "teams",
        {
            team.name: _team_outputs(plan, team, namespaces, {run.name: jobs[run.name] for run in team_runs[team.name]})
            for team in plan.teams
        },
    )
    return StackComponents(namespaces=namespaces, nfs=nfs, runs=templates, jobs=jobs)


def _run_template_args(
    team: TeamAccess,
    runs: list[RunPlan],
    namespaces: dict[str, TeamNamespace],
    nfs: dict[tuple[str, str, str], NfsStorage],
) -> RunTemplateArgs:
    """A team's planned runs as RunTemplate args, wired to its namespace, ServiceAccount and NFS claims."""
    namespace = namespaces[team.namespace]

    def mount_args(mount: Mount) -> StorageMountArgs:
        args = {key: value for key, value in _fields(mount).items() if key != "side" and value not in (None, {})}
        storage = nfs.get((team.namespace, mount.side, mount.name))
        if storage is not None:
            args["claim_name"] = storage.claim_name
        return args  # type: ignore[return-value]

    def run_args(run: RunPlan) -> RunArgs:
        settings = {
            key: value
            for key, value in _fields(run.spec).items()
            if key not in ("name", "team", "init_image") and value is not None
        }
        return RunArgs(  # type: ignore[typeddict-item]
            **settings, data=[mount_args(mount) for mount in run.data], outputs=mount_args(run.outputs)
        )

    return RunTemplateArgs(
        namespace=namespace.namespace,
        service_account=namespace.service_accounts.apply(lambda accounts: accounts[team.name]),
        team=team.name,
        init_image=runs[0].spec.init_image,
        runs={run.name: run_args(run) for run in runs},
    )


def _fields(value: Mount | RunSpec) -> dict[str, Any]:
    return {field.name: getattr(value, field.name) for field in fields(value)}


def _team_outputs(
    plan: StackPlan, team: TeamAccess, namespaces: dict[str, TeamNamespace], jobs: dict[str, pulumi.Output[dict]]
) -> dict[str, Any]:
    persistence = plan.config.persistence
    default_outputs = default_outputs_candidates(persistence, team)
    return {
        "namespace": namespaces[team.namespace].namespace,
        "serviceAccount": namespaces[team.namespace].service_accounts.apply(lambda accounts: accounts[team.name]),
        # What POLYAXON_RUN_DATA_PATHS holds for a run that asks for nothing.
        "dataPaths": data_paths_value([NamedEntry("data", name, persistence.side("data")[name]) for name in team.data]),
        # The entry a run that names none gets; several when outputsSelection is random.
        "defaultOutputs": default_outputs[0] if len(default_outputs) == 1 else default_outputs,
        "jobs": jobs,
    }
