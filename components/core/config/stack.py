"""The stack config (the project's namespace: `polyaxon-storage:`), parsed once into typed models.

Each top-level key, and each run, is validated on its own, so one mistake does
not hide the others: the checks across entries, teams and runs run on every
part that is sound, and every problem is reported at once.
"""

from __future__ import annotations

import typing
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional, Union

from pydantic import Field, ValidationInfo, model_validator

from ..declare import Model, Spelling, parse, spelling_of
from ..enums import Choice, ExportFormat
from ..errors import ConfigError, Problem, child
from ..mounts import system_location_problem
from .catalog import Persistence
from .fields import CliText, Grant, NamespaceName, Rfc3339Time, identifier
from .pod import Resources
from .request import RequestFields
from .run import (
    JobSettings,
    PodAllowances,
    RunDefaults,
    RunSettings,
    TeamBounds,
    WritableHostPaths,
)

DEFAULT_NAMESPACE = "polyaxon"
TEAM_BOUNDS = tuple(TeamBounds.model_fields)
"""What a namespace's teams may use beyond storage: set per team, or at the top level without teams."""


class Team(TeamBounds, PodAllowances):
    """A team: its namespace, the catalog entries it may use, and what its runs get and may name."""

    namespace: NamespaceName = Field(description="Namespace the team's runs go to.")
    existing_namespace: bool = Field(
        False, description="The namespace exists already: adopt it (labels only) instead of creating it."
    )
    data: Grant = Field(default_factory=list, description='Data entries the team may use, or "*".')
    outputs: Grant = Field(default_factory=list, description='Outputs entries the team may use, or "*".')
    run_defaults: RunDefaults = Field(
        default_factory=RunDefaults, description="What the team's runs get unless they set it, over the stack's."
    )


class WorkloadIdentityCloud(Model):
    teams: Optional[list[CliText]] = Field(
        None, description="The teams whose runs use it (default: every team); the others get keys."
    )


class GkeWorkloadIdentity(WorkloadIdentityCloud):
    """GKE Workload Identity: a team's ServiceAccount acts as its GCP service account (project: gcp:project)."""


class EksWorkloadIdentity(WorkloadIdentityCloud):
    """EKS: IAM roles for service accounts (the cluster's OIDC provider), or EKS Pod Identity."""

    oidc_provider_arn: Optional[CliText] = Field(None, description="IRSA: the ARN of the cluster's IAM OIDC provider.")
    oidc_issuer: Optional[CliText] = Field(None, description="IRSA: the cluster's OIDC issuer URL.")
    cluster_name: Optional[CliText] = Field(None, description="Pod Identity: the EKS cluster's name.")
    pod_identity: bool = Field(False, description="Use EKS Pod Identity associations instead of IRSA.")

    @model_validator(mode="after")
    def _one_mechanism(self, info: ValidationInfo) -> "EksWorkloadIdentity":
        key = lambda field: self.spelled(field, spelling_of(info))  # noqa: E731
        arn, issuer, cluster, pod = (key(f) for f in ("oidc_provider_arn", "oidc_issuer", "cluster_name", "pod_identity"))
        if self.pod_identity:
            if self.cluster_name is None or self.oidc_provider_arn or self.oidc_issuer:
                raise ValueError(f"with {pod}: true, give {cluster} (and no {arn} or {issuer})")
        elif self.cluster_name is not None or not (self.oidc_provider_arn and self.oidc_issuer):
            raise ValueError(
                f"give {arn} and {issuer} (IAM roles for service accounts), "
                f"or {cluster} with {pod}: true (EKS Pod Identity)"
            )
        return self


class AksWorkloadIdentity(WorkloadIdentityCloud):
    """AKS workload identity: a user-assigned identity per team, federated with its ServiceAccount."""

    oidc_issuer_url: CliText = Field(description="The cluster's OIDC issuer URL.")
    resource_group: CliText = Field(description="The resource group the teams' identities are made in.")


class WorkloadIdentity(Model):
    """Clouds whose managed buckets are reached without keys, through the cluster's workload identity."""

    gke: Optional[GkeWorkloadIdentity] = None
    eks: Optional[EksWorkloadIdentity] = None
    aks: Optional[AksWorkloadIdentity] = None


class Cluster(Model):
    """What the stack knows of the cluster: its nodes (for host-path warnings) and its workload identity."""

    multi_node: bool = Field(False, description="The cluster has more than one node.")
    node_pools: list[CliText] = Field(default_factory=list, description="Names of the cluster's node pools.")
    workload_identity: WorkloadIdentity = Field(
        default_factory=WorkloadIdentity, description="Per cloud: managed buckets reached without keys."
    )

    @property
    def is_multi_node(self) -> bool:
        return self.multi_node or len(self.node_pools) > 1


class Run(RequestFields, RunSettings):
    """A run of the stack: its settings, its team, and its storage request or Polyaxon file."""

    team: Optional[CliText] = Field(None, description="The team the run belongs to (required with teams).")
    polyaxonfile: Optional[CliText] = Field(
        None, description="Polyaxon file, in the project directory, the run is read from (this run's keys win)."
    )


class StackConfig(TeamBounds, JobSettings, PodAllowances, WritableHostPaths):
    persistence: Persistence = Field(default_factory=Persistence)
    namespace: NamespaceName = Field(
        DEFAULT_NAMESPACE, description="Namespace of runs when no teams are defined (each team names its own)."
    )
    existing_namespace: bool = Field(False, description="`namespace` exists already: adopt it, do not create it.")
    teams: Optional[dict[str, Team]] = None
    runs: dict[str, Run] = Field(default_factory=dict)
    cluster: Cluster = Field(default_factory=Cluster)
    run_defaults: RunDefaults = Field(
        default_factory=RunDefaults, description="What every run gets unless it or its team sets it."
    )
    default_resources: Optional[Resources] = Field(None, description="The old name of runDefaults.resources.")
    credentials_rotation: Optional[Rfc3339Time] = Field(
        None, description="When managed credentials were last rotated: changing it replaces every key and SAS."
    )
    exports: list[Choice[ExportFormat]] = Field(
        default_factory=list,
        description="Polyaxon deployments whose Helm values the stack outputs (polyaxonValues): polyaxon-0.6, "
        "polyaxon-v2; polyaxon-v2 also writes each team's credentials in v2's layout.",
    )


def stack_resources(config: StackConfig) -> tuple[Optional[Resources], str]:
    """The stack's default resources and where they are written (runDefaults.resources, or its old name)."""
    if config.default_resources is not None:
        return config.default_resources, "defaultResources"
    return config.run_defaults.resources, "runDefaults.resources"


@dataclass(frozen=True)
class ParsedStack:
    """A stack config as far as it is sound, and what is wrong with the rest."""

    config: StackConfig
    """The sound parts; a refused key or run is left at its default (absent)."""
    problems: tuple[Problem, ...] = ()
    refused: frozenset[str] = field(default_factory=frozenset)
    """Top-level keys whose value was refused (`runs` only when the runs are not a mapping)."""


STACK_KEYS = {StackConfig.spelled(name, Spelling.CONFIG): name for name in StackConfig.model_fields}
"""Each top-level key of a stack config, as written, and its field."""


def text_keys() -> frozenset[str]:
    """The keys whose values are text: the CLI hands those over as they are, every other value as JSON text."""
    return frozenset(key for key, name in STACK_KEYS.items() if _is_text(StackConfig.model_fields[name].annotation))


def _is_text(annotation: Any) -> bool:
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _is_text(typing.get_args(annotation)[0])
    if origin is Union:
        return all(_is_text(arg) for arg in typing.get_args(annotation) if arg is not type(None))
    return annotation is str


def parse_stack(values: Mapping[str, Any]) -> ParsedStack:
    """Validate the raw config values (key without namespace -> value), each part on its own."""
    problems: list[Problem] = []
    sound: dict[str, Any] = {}
    refused = set()
    for key, value in values.items():
        if key not in STACK_KEYS:
            problems.append(Problem(key, "unknown key here (check its spelling and the config reference)"))
        elif key == "runs" and isinstance(value, dict):
            sound["runs"] = {}
            for name, run in value.items():
                found = _refused({"runs": {name: run}})
                if not found:
                    sound["runs"][name] = run
                problems.extend(found)
        else:
            found = _refused({key: value})
            if found:
                refused.add(key)
            else:
                sound[key] = value
            problems.extend(found)
    config, _ = parse(StackConfig, sound, Spelling.CONFIG)
    problems.extend(_cross_key_problems(config, values))
    return ParsedStack(config, tuple(problems), frozenset(refused))


def parse_stack_config(values: Mapping[str, Any]) -> StackConfig:
    """A sound stack config; ConfigError with every problem otherwise."""
    parsed = parse_stack(values)
    if parsed.problems:
        raise ConfigError(parsed.problems)
    return parsed.config


def _refused(part: dict[str, Any]) -> list[Problem]:
    return parse(StackConfig, part, Spelling.CONFIG)[1]


def _cross_key_problems(config: StackConfig, values: Mapping[str, Any]) -> list[Problem]:
    problems = []
    if config.default_resources is not None and config.run_defaults.resources is not None:
        problems.append(
            Problem("defaultResources", "is the old name of runDefaults.resources, which is given too; keep one")
        )
    if config.teams is not None:
        bounds = [StackConfig.spelled(field, Spelling.CONFIG) for field in TEAM_BOUNDS]
        problems.extend(
            Problem(key, "is set per team (teams.<team>." + key + ") when teams are defined")
            for key in bounds
            if key in values
        )
    for kind, names in (("teams", config.teams or {}), ("runs", config.runs)):
        for name in names:
            try:
                identifier(name)
            except ValueError as error:
                problems.append(Problem(child(kind, name), str(error)))
    for index, path in enumerate(config.allowed_writable_host_paths):
        system = system_location_problem(path)
        if system is not None:
            problems.append(Problem(f"allowedWritableHostPaths[{index}]", f"{system}: no run may write there"))
    return problems


def config_block(document: Any, source: str) -> dict[str, Any]:
    """The `config:` block of a parsed `Pulumi.<stack>.yaml`: full keys (`namespace:key`) to values."""
    if document is None:
        return {}
    if not isinstance(document, dict):
        raise ConfigError([Problem(source, "a stack config file is a mapping with a config: key")])
    config = document.get("config") or {}
    if not isinstance(config, dict):
        raise ConfigError([Problem(f"{source}: config", "must be a mapping of keys to values")])
    return {str(key): value for key, value in config.items()}


def namespace_values(config: Mapping[str, Any], namespace: str) -> dict[str, Any]:
    """The values of one config namespace (the project's name), keyed without it."""
    prefix = namespace + ":"
    return {key[len(prefix) :]: value for key, value in config.items() if key.startswith(prefix)}
