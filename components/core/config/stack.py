"""The stack config (the project's namespace: `polyaxon-storage:`), parsed once into typed models.

Each top-level key, and each run, is validated on its own, so one mistake does
not hide the others: the checks across entries, teams and runs run on every
part that is sound, and every problem is reported at once.
"""

from __future__ import annotations

import typing
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional, TypeVar, Union

from pydantic import Field, ValidationError, ValidationInfo, model_validator

from ..declare import Model, Spelling, spelling_of
from ..enums import Choice, ExportFormat
from ..errors import ConfigError, Problem, child, problems_from_validation
from ..mounts import system_location_problem
from .catalog import SIDES, Persistence
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

M = TypeVar("M", bound=Model)
DEFAULT_NAMESPACE = "polyaxon"
IMPLICIT_TEAM_KEYS = (*TeamBounds.model_fields, *PodAllowances.model_fields, "namespace", "existing_namespace")
"""What each team sets for its own runs, and the top level for the one implicit team when none are defined:
with teams, the top-level ones would silently govern nothing."""


class TeamGrants(Model):
    """The catalog entries a team may use."""

    data: Grant = Field(default_factory=list, description='Data entries the team may use, or "*".')
    outputs: Grant = Field(default_factory=list, description='Outputs entries the team may use, or "*".')


class Team(TeamGrants, TeamBounds, PodAllowances):
    """A team: its namespace, the catalog entries it may use, and what its runs get and may name."""

    namespace: NamespaceName = Field(description="Namespace the team's runs go to.")
    existing_namespace: bool = Field(
        False, description="The namespace exists already: adopt it (labels only) instead of creating it."
    )
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


class RunStorage(RequestFields):
    """What a run asks of the catalog: its team, and its storage request."""

    team: Optional[CliText] = Field(None, description="The team the run belongs to (required with teams).")


class Run(RunStorage, RunSettings):
    """A run of the stack: its settings, its team, and its storage request or Polyaxon file."""

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
class RefusedEntries:
    """Catalog entries refused for mistakes of their own: they exist, but hold a mistake. A side that is no
    mapping refuses every name of it."""

    entries: frozenset[tuple[str, str]] = frozenset()
    """By (side, name)."""
    sides: frozenset[str] = frozenset()

    def __contains__(self, item: object) -> bool:
        return item in self.entries or (isinstance(item, tuple) and item[0] in self.sides)

    def on(self, side: str) -> bool:
        """Whether an entry of `side` is refused."""
        return side in self.sides or any(refused == side for refused, _ in self.entries)


@dataclass(frozen=True)
class Refusals:
    """What of a stack config was refused for mistakes of its own: the stages after parsing check what is sound
    of it, and make up no problem for what is not."""

    keys: frozenset[str] = frozenset()
    """Top-level keys whose whole value was refused (`persistence` only when it is no mapping: then both its
    sides are refused entries)."""
    entries: RefusedEntries = field(default_factory=RefusedEntries)
    """Catalog entries (or sides) refused on their own."""
    teams: Mapping[str, Optional[TeamGrants]] = field(default_factory=dict)
    """Teams refused on their own, each with its grants when those are sound (still held to the catalog)."""
    runs: Mapping[str, Optional[RunStorage]] = field(default_factory=dict)
    """Runs refused on their own, each with its team and storage request when those are sound and the run has
    no Polyaxon file (still held to its team's grants)."""

    @property
    def layout_whole(self) -> bool:
        """Nothing the layout is planned from (every key but the runs) was refused."""
        return not (self.keys or self.entries.entries or self.entries.sides or self.teams)


@dataclass(frozen=True)
class ParsedStack:
    """A stack config as far as it is sound, and what is wrong with the rest."""

    config: StackConfig
    """The sound parts; a refused key, entry, team or run is left out (a key at its default)."""
    problems: tuple[Problem, ...] = ()
    refusals: Refusals = field(default_factory=Refusals)

    @property
    def refused(self) -> frozenset[str]:
        """Top-level keys whose whole value was refused."""
        return self.refusals.keys


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
    """Validate the raw config values (key without namespace -> value); every problem is found, and what is
    sound is kept: a mistake refuses only its unit (a catalog entry, a team, a run, else its top-level key),
    so the checks across entries, teams and runs still run on everything else."""
    problems: list[Problem] = []
    sound: dict[str, Any] = {}
    for key, value in values.items():
        if key in STACK_KEYS:
            sound[key] = _copy(value)
        else:
            problems.append(Problem(key, "unknown key here (check its spelling and the config reference)"))
    config, errors = _validated(sound)
    if errors is not None:
        problems.extend(problems_from_validation(errors))
    units: set[tuple[Any, ...]] = set()
    while errors is not None:
        found = {_unit(detail["loc"]) for detail in errors.errors(include_url=False)} - units
        if not found:
            break  # nothing more to leave out (cannot happen: every unit's defaults are sound)
        units |= found
        for unit in found:
            _drop(sound, unit)
        config, errors = _validated(sound)
    config = config or StackConfig()
    problems.extend(_cross_key_problems(config, values))
    refused = frozenset(unit[0] for unit in units if len(unit) == 1)
    stand_ins = {}
    for key in refused & STAND_INS.keys():
        value = STAND_INS[key](values[key])
        if value is not None:
            stand_ins[STACK_KEYS[key]] = value
    refusals = Refusals(
        refused,
        RefusedEntries(
            frozenset((unit[1], unit[2]) for unit in units if unit[0] == "persistence" and len(unit) == 3),
            frozenset(side for side in SIDES if "persistence" in refused or ("persistence", side) in units),
        ),
        {unit[1]: _part(TeamGrants, values["teams"][unit[1]]) for unit in units if unit[0] == "teams" and len(unit) == 2},
        {unit[1]: _storage(values["runs"][unit[1]]) for unit in units if unit[0] == "runs" and len(unit) == 2},
    )
    return ParsedStack(config.model_copy(update=stand_ins), tuple(problems), refusals)


STAND_INS = {
    "namespace": lambda value: value if isinstance(value, str) else None,
    "existingNamespace": lambda value: True,
}
"""What a refused top-level key stands as while the rest is checked, so that its mistake makes up no other:
a namespace as the text written; existingNamespace as true (the stack was told the namespace exists)."""


def _storage(run: Any) -> Optional[RunStorage]:
    """A refused run's team and request, when sound (a run with a Polyaxon file has its request there)."""
    return None if isinstance(run, dict) and "polyaxonfile" in run else _part(RunStorage, run)


def _part(model: type[M], value: Any) -> Optional[M]:
    """The keys of `model` in a refused unit's value, if they are sound on their own."""
    if not isinstance(value, dict):
        return None
    keys = {model.spelled(name, Spelling.CONFIG) for name in model.model_fields}
    try:
        return model.model_validate(
            {key: item for key, item in value.items() if key in keys},
            by_alias=True,
            by_name=False,
            context={"spelling": Spelling.CONFIG},
        )
    except ValidationError:
        return None


def _validated(values: dict[str, Any]) -> tuple[Optional[StackConfig], Optional[ValidationError]]:
    try:
        return StackConfig.model_validate(values, by_alias=True, by_name=False, context={"spelling": Spelling.CONFIG}), None
    except ValidationError as error:
        return None, error


def _unit(loc: tuple[Any, ...]) -> tuple[Any, ...]:
    """The part of the config a mistake at `loc` refuses: its catalog entry, team or run; else its key under
    persistence (a side that is no mapping: that side); else its top-level key."""
    key = loc[0]
    if key == "persistence" and len(loc) >= 2:
        return loc[:3] if loc[1] in SIDES and len(loc) >= 3 else loc[:2]
    if key in ("teams", "runs") and len(loc) >= 2:
        return loc[:2]
    return loc[:1]


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _copy(item) for key, item in value.items()}
    return value


def _drop(values: dict[str, Any], unit: tuple[Any, ...]) -> None:
    container: Any = values
    for key in unit[:-1]:
        container = container.get(key) if isinstance(container, dict) else None
    if isinstance(container, dict):
        container.pop(unit[-1], None)


def parse_stack_config(values: Mapping[str, Any]) -> StackConfig:
    """A sound stack config; ConfigError with every problem otherwise."""
    parsed = parse_stack(values)
    if parsed.problems:
        raise ConfigError(parsed.problems)
    return parsed.config


def _cross_key_problems(config: StackConfig, values: Mapping[str, Any]) -> list[Problem]:
    """Rules across the top-level keys, on the values as given (a refused key, team or run is still held to
    them)."""
    problems = []
    if values.get("defaultResources") is not None and _given(values, "runDefaults", "resources"):
        problems.append(
            Problem("defaultResources", "is the old name of runDefaults.resources, which is given too; keep one")
        )
    if values.get("teams") is not None:
        problems.extend(
            Problem(key, "is set per team (teams.<team>." + key + ") when teams are defined")
            for key in (StackConfig.spelled(field, Spelling.CONFIG) for field in IMPLICIT_TEAM_KEYS)
            if key in values
        )
    for kind in ("teams", "runs"):
        names = values.get(kind)
        for name in names if isinstance(names, dict) else ():
            try:
                identifier(name)
            except ValueError as error:
                problems.append(Problem(child(kind, name), str(error)))
    for index, path in enumerate(config.allowed_writable_host_paths):
        system = system_location_problem(path)
        if system is not None:
            problems.append(Problem(f"allowedWritableHostPaths[{index}]", f"{system}: no run may write there"))
    return problems


def _given(values: Mapping[str, Any], key: str, inner: str) -> bool:
    part = values.get(key)
    return isinstance(part, dict) and part.get(inner) is not None


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
