"""The Pulumi program: read the stack config, plan, register the components.

`__main__.py` (under `pulumi up`) and the offline renderer both call `main()`.
Every config problem is found by the plan, before anything is registered;
then the components are wired through their Outputs: each cloud's identities
and credentials into the TeamNamespaces, each managed filesystem's server and
volume sources into its volumes (`mounting.py`), and a TeamNamespace's
namespace, ServiceAccounts, Secrets and Pod Security level and a volume's claim
into each RunTemplate. Wiring only: every rule is the components' (and the plan's).
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable

import pulumi

from .clouds.wiring import (
    CloudContext,
    credentials_secrets,
    register_cloud,
    service_account_annotations,
)
from .core.clouds import reported_secret_warnings, sas_expiry_warnings
from .core.config.catalog import NfsEntry
from .core.config.run import JobSettings, MountArgs, TeamBounds
from .core.config.stack import parse_stack, text_keys
from .core.errors import ConfigError
from .core.model import NamedEntry, RunPlan, StackPlan, TeamAccess
from .core.plan import plan_stack
from .core.resolve import default_outputs_candidates
from .core.stores import PROVIDER_KEYS
from .core.volumes import data_paths_value
from .k8s.nfs import NfsStorage
from .mounting import filesystems_output, register_filesystems, register_volumes, volume_secrets
from .k8s.run_template import RunTemplate
from .k8s.team_namespace import TeamNamespace

# The keys a stack is configured with: without any, it runs the embedded default and nothing else.
STRUCTURED_KEYS = frozenset({"persistence", "teams", "runs"})


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
    clouds: dict[str, Any]
    """The cloud component per store (GcsBuckets, S3Buckets, AzureBlobContainers) with buckets to create or grant."""
    filesystems: dict[tuple[str, str], Any]
    """The filesystem's component (FilestoreShare, EfsFileSystem, AzureFileShare) per (side, entry)."""
    volumes: dict[tuple[str, str, str], Any]
    """NfsStorage or CsiStorage of a managed filesystem or a CSI-mounted bucket per (namespace, side, entry)."""


@dataclass(frozen=True)
class StackConfigValues:
    """The project's config values as the CLI handed them over, and which of them are secrets."""

    values: dict[str, Any]
    """Every value in the project's namespace, keyed without it."""
    secret: frozenset[str]
    """The keys set with `pulumi config set --secret` (a secret anywhere in a structured value makes it one)."""
    others: tuple[str, ...]
    """Keys of other namespaces that name this project's settings (`old-name:runs`)."""
    providers: dict[str, str]
    """The provider settings that are set (`gcp:project`, ...), by full key."""
    secret_providers: frozenset[str]
    """The provider settings set as secrets."""

    @property
    def runs_secret(self) -> bool:
        """A run's Job derives from every key of the stack config: secret when any of them is."""
        return bool(self.secret)

    @property
    def layout_secret(self) -> bool:
        """The layout (namespaces, volumes, buckets, each team's view) derives from every key but the runs,
        which it is planned without."""
        return bool(self.secret - {"runs"})

    def layout(self, value: Any, providers: Iterable[str] = ()) -> Any:
        """A value of the layout (and of the provider settings named), as a secret Output when any of them is."""
        secret = self.layout_secret or not self.secret_providers.isdisjoint(providers)
        return pulumi.Output.secret(value) if secret and value is not None else value

    def provider(self, key: str) -> Any:
        """A provider setting (`gcp:project`), as a secret Output when it is one."""
        value = self.providers.get(key)
        return pulumi.Output.secret(value) if value is not None and key in self.secret_providers else value


def read_config(project: str) -> StackConfigValues:
    """Every value in the project's config namespace, as the Pulumi CLI hands them to the program
    (PULUMI_CONFIG), so a misspelled key is reported rather than ignored."""
    config = pulumi.Config(project)
    prefix = project + ":"
    keys = sorted(pulumi.runtime.get_config_env())
    texts = text_keys()
    values = {}
    for key in (key for key in keys if key.startswith(prefix)):
        name = key[len(prefix) :]
        raw = config.get(name)
        if name not in texts and raw is not None:
            try:
                raw = json.loads(raw)
            except (json.JSONDecodeError, RecursionError):
                pass  # left as text (no JSON, or nested past what the program reads): validation reports its type
        values[name] = raw
    providers = {}
    for key in PROVIDER_KEYS:
        namespace, _, name = key.partition(":")
        found = pulumi.Config(namespace).get(name)
        if found:
            providers[key] = found
    return StackConfigValues(
        values=values,
        secret=frozenset(name for name in values if pulumi.runtime.is_config_secret(prefix + name)),
        others=tuple(key for key in keys if not key.startswith(prefix) and key.partition(":")[2] in STRUCTURED_KEYS),
        providers=providers,
        secret_providers=frozenset(key for key in providers if pulumi.runtime.is_config_secret(key)),
    )


def main(base_dir: Path) -> StackComponents:
    """The program; `base_dir` is where relative `polyaxonfile` paths start (the project directory).

    Fails before registering anything if the config has problems.
    """
    project = pulumi.get_project()
    config = read_config(project)
    try:
        plan = plan_stack(parse_stack(config.values), base_dir, project, config.providers)
    except ConfigError as error:
        raise pulumi.RunError(error.report()) from None
    # The clock is read for this warning only, never for what is registered: previews stay stable.
    for warning in sas_expiry_warnings(plan.clouds, datetime.now(timezone.utc)):
        pulumi.log.warn(str(warning))
    for warning in reported_secret_warnings(plan.clouds, plan.mounted, config.secret_providers):
        pulumi.log.warn(str(warning))
    if not config.values.keys() & STRUCTURED_KEYS:
        found = f"; the config has {', '.join(config.others)}: was the project renamed?" if config.others else ""
        pulumi.log.warn(
            f"no {', '.join(sorted(STRUCTURED_KEYS))} under {project}: in this stack's config, so nothing of it is "
            f"configured: the embedded default catalog and no runs{found}"
        )
    return register(plan, config)


def register(plan: StackPlan, config: StackConfigValues) -> StackComponents:
    """The components of a plan; what derives from a secret config value is a secret Output."""
    for warning in plan.warnings:
        pulumi.log.warn(str(warning))
    context = CloudContext(
        deployment=f"{pulumi.get_project()}/{pulumi.get_stack()}",
        rotation=plan.config.credentials_rotation,
        workload_identity=plan.config.cluster.workload_identity,
        layout=config.layout,
        provider=config.provider,
    )
    clouds = [register_cloud(cloud, context) for cloud in plan.clouds]
    filesystems = register_filesystems(plan.mounted, context)
    namespaces = {
        namespace.name: TeamNamespace(
            namespace.name,
            {
                "namespace": config.layout(namespace.name),
                "teams": [team.name for team in namespace.teams],
                "existing": namespace.adopt,
                "pod_security": namespace.pod_security,
                "container_defaults": config.layout(dict(namespace.container_defaults)),
                **({"quota": config.layout(dict(namespace.quota))} if namespace.quota is not None else {}),
                "service_account_annotations": {
                    team.name: annotations
                    for team in namespace.teams
                    if (annotations := service_account_annotations(clouds, team.name)) is not None
                },
                "credentials": {
                    **credentials_secrets(clouds, {team.name: team for team in namespace.teams}, plan.exports.secrets),
                    **volume_secrets(filesystems, clouds, namespace.name),
                },
            },
        )
        for namespace in plan.namespaces
    }
    nfs = {}
    for namespace in plan.namespaces:
        for volume in namespace.nfs_volumes:
            entry = volume.item.entry
            assert isinstance(entry, NfsEntry)
            nfs[namespace.name, volume.item.side, volume.item.name] = NfsStorage(
                volume.volume_name,
                {
                    "server": config.layout(entry.nfs.server),
                    "path": config.layout(volume.path),
                    "size": entry.size,
                    "namespace": namespaces[namespace.name].namespace,
                    "claim_name": volume.claim_name,
                    "volume_name": volume.volume_name,
                    "read_only": entry.read_only,
                    "mount_options": list(entry.mount_options),
                },
            )
    volumes = register_volumes(filesystems, clouds, namespaces, plan.config.init_image, config.layout)
    # Each team's runs, in plan order, grouped in one pass (not one pass over every run per team).
    team_runs: dict[str, list[RunPlan]] = defaultdict(list)
    for run in plan.runs:
        team_runs[run.team.name].append(run)
    templates = {
        team.name: RunTemplate(
            team.name, _run_template_args(plan, team, team_runs[team.name], namespaces, {**nfs, **volumes}, config)
        )
        for team in plan.teams
        if team_runs[team.name]
    }
    jobs = {run.name: templates[run.team.name].job(run.name) for run in plan.runs}
    pulumi.export("jobs", jobs)
    pulumi.export(
        "teams",
        {
            team.name: _team_outputs(
                plan, team, namespaces, {run.name: jobs[run.name] for run in team_runs[team.name]}, config
            )
            for team in plan.teams
        },
    )
    pulumi.export("filesystems", filesystems_output(filesystems, volumes))
    if plan.config.exports:
        # Format -> team -> Helm values: planned from the layout and the provider settings it names.
        pulumi.export("polyaxonValues", config.layout(plan.exports.values, plan.exports.providers))
    return StackComponents(
        namespaces=namespaces,
        nfs=nfs,
        runs=templates,
        jobs=jobs,
        clouds={cloud.plan.store: cloud.component for cloud in clouds},
        filesystems=filesystems.components,
        volumes=volumes,
    )


def _run_template_args(
    plan: StackPlan,
    team: TeamAccess,
    runs: list[RunPlan],
    namespaces: dict[str, TeamNamespace],
    claims: dict[tuple[str, str, str], Any],
    config: StackConfigValues,
) -> dict[str, Any]:
    """A team's planned runs as a RunTemplate's args, wired to its namespace, ServiceAccount, Pod Security level,
    Secrets and claims (NfsStorage's, CsiStorage's)."""
    namespace = namespaces[team.namespace]
    managed = {
        access.secret for cloud in plan.clouds for access in cloud.teams if access.team.name == team.name and access.secret
    }

    # One Output per managed Secret, however many mounts name it.
    secrets: dict[str, pulumi.Output[str]] = {}

    def wired(side: str, mount: MountArgs) -> dict[str, Any]:
        args = mount.model_dump(exclude_defaults=True)
        storage = claims.get((team.namespace, side, mount.name))
        if storage is not None:
            args["claim_name"] = storage.claim_name
        if mount.secret in managed:
            if mount.secret not in secrets:
                secrets[mount.secret] = namespace.secrets.apply(lambda found, name=mount.secret: found[name])
            args["secret"] = secrets[mount.secret]
        return args

    def run_args(run: RunPlan) -> dict[str, Any]:
        args = run.args.model_dump(exclude_defaults=True, exclude={"data", "outputs"})
        return {
            **args,
            "data": [wired("data", mount) for mount in run.args.data],
            "outputs": wired("outputs", run.args.outputs),
        }

    return {
        **{name: getattr(plan.config, name) for name in JobSettings.model_fields},
        "namespace": namespace.namespace,
        "service_account": namespace.service_accounts.apply(lambda accounts: accounts[team.name]),
        "pod_security": namespace.pod_security,
        "team": team.name,
        "project": runs[0].template.project,
        "allow_privileged": team.allow_privileged,
        "allowed_writable_host_paths": list(plan.config.allowed_writable_host_paths),
        "bounds": {name: getattr(team.bounds, name) for name in TeamBounds.model_fields},
        "secret": config.runs_secret,
        "runs": {run.name: run_args(run) for run in runs},
    }


def _team_outputs(
    plan: StackPlan,
    team: TeamAccess,
    namespaces: dict[str, TeamNamespace],
    jobs: dict[str, pulumi.Output[dict]],
    config: StackConfigValues,
) -> dict[str, Any]:
    persistence = plan.config.persistence
    default_outputs = default_outputs_candidates(persistence, team)
    data = [NamedEntry("data", name, persistence.side("data")[name]) for name in team.data]
    return {
        "namespace": namespaces[team.namespace].namespace,
        "serviceAccount": namespaces[team.namespace].service_accounts.apply(lambda accounts: accounts[team.name]),
        # What POLYAXON_RUN_DATA_PATHS holds for a run that asks for nothing.
        "dataPaths": config.layout(data_paths_value(data)),
        # The entry a run that names none gets; several when outputsSelection is random.
        "defaultOutputs": config.layout(default_outputs[0] if len(default_outputs) == 1 else default_outputs),
        "jobs": jobs,
    }

