"""The stack config (the project's namespace: `polyaxon-storage:`), parsed once into typed models.

Each top-level key, and each run, is validated on its own, so one mistake does
not hide the others: the checks across entries, teams and runs run on every
part that is sound, and every problem is reported at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Mapping, Optional

from pydantic import Field, JsonValue, ValidationError, model_validator

from ..errors import ConfigError, Problem, child, problems_from_validation
from .catalog import Persistence, system_location_problem
from .fields import (
    AbsolutePath,
    CliText,
    EnvName,
    ExtendedResourceName,
    Grant,
    ImageReference,
    NamespaceName,
    ObjectName,
    ParamName,
    Quantity,
    QuotaKey,
    Rfc3339Time,
    Strict,
    identifier,
)
from .pod import LogLevel, OutputsRefs, PodDefaults, Resources, RunKind
from .request import RequestFields

DEFAULT_NAMESPACE = "polyaxon"
DEFAULT_INIT_IMAGE = "busybox:1.37.0"
DEFAULT_GPU_RESOURCE = "nvidia.com/gpu"
DEFAULT_TPU_RESOURCE = "cloud-tpus.google.com/v2"
DEFAULT_TPU_TF_VERSION = "1.12"
# What a namespace's teams may use beyond storage: set per team, or at the top level without teams.
TEAM_BOUNDS = ("quota", "serviceAccounts", "secretRefs", "configMapRefs")


class TeamBounds(Strict):
    quota: Optional[dict[QuotaKey, Quantity]] = Field(
        None, description="The namespace's ResourceQuota (spec.hard); teams sharing a namespace give the same."
    )
    serviceAccounts: list[ObjectName] = Field(
        default_factory=list, description="ServiceAccounts (existing, in the namespace) runs may name."
    )
    secretRefs: list[ObjectName] = Field(
        default_factory=list, description="Secrets (in the namespace) runs may load as environment."
    )
    configMapRefs: list[ObjectName] = Field(
        default_factory=list, description="ConfigMaps (in the namespace) runs may load as environment."
    )


class Team(TeamBounds):
    namespace: NamespaceName = Field(description="Namespace the team's runs go to.")
    existingNamespace: bool = Field(
        False, description="The namespace exists already: adopt it (labels only) instead of creating it."
    )
    data: Grant = Field(default_factory=list, description='Data entries the team may use, or "*".')
    outputs: Grant = Field(default_factory=list, description='Outputs entries the team may use, or "*".')
    allowPrivileged: bool = Field(
        False, description="Let runs outside restricted namespaces go beyond Pod Security baseline."
    )
    runDefaults: PodDefaults = Field(
        default_factory=PodDefaults, description="What the team's runs get unless they set it, over the stack's."
    )


class WorkloadIdentityCloud(Strict):
    teams: Optional[list[CliText]] = Field(
        None, description="The teams whose runs use it (default: every team); the others get keys."
    )


class GkeWorkloadIdentity(WorkloadIdentityCloud):
    """GKE Workload Identity: a team's ServiceAccount acts as its GCP service account (project: gcp:project)."""


class EksWorkloadIdentity(WorkloadIdentityCloud):
    """EKS: IAM roles for service accounts (the cluster's OIDC provider), or EKS Pod Identity."""

    oidcProviderArn: Optional[CliText] = Field(None, description="IRSA: the ARN of the cluster's IAM OIDC provider.")
    oidcIssuer: Optional[CliText] = Field(None, description="IRSA: the cluster's OIDC issuer URL.")
    clusterName: Optional[CliText] = Field(None, description="Pod Identity: the EKS cluster's name.")
    podIdentity: bool = Field(False, description="Use EKS Pod Identity associations instead of IRSA.")

    @model_validator(mode="after")
    def _one_mechanism(self) -> "EksWorkloadIdentity":
        if self.podIdentity:
            if self.clusterName is None or self.oidcProviderArn or self.oidcIssuer:
                raise ValueError("with podIdentity: true, give clusterName (and no oidcProviderArn or oidcIssuer)")
        elif self.clusterName is not None or not (self.oidcProviderArn and self.oidcIssuer):
            raise ValueError(
                "give oidcProviderArn and oidcIssuer (IAM roles for service accounts), "
                "or clusterName with podIdentity: true (EKS Pod Identity)"
            )
        return self


class AksWorkloadIdentity(WorkloadIdentityCloud):
    """AKS workload identity: a user-assigned identity per team, federated with its ServiceAccount."""

    oidcIssuerUrl: CliText = Field(description="The cluster's OIDC issuer URL.")
    resourceGroup: CliText = Field(description="The resource group the teams' identities are made in.")


class WorkloadIdentity(Strict):
    """Clouds whose managed buckets are reached without keys, through the cluster's workload identity."""

    gke: Optional[GkeWorkloadIdentity] = None
    eks: Optional[EksWorkloadIdentity] = None
    aks: Optional[AksWorkloadIdentity] = None


class Cluster(Strict):
    """What the stack knows of the cluster: its nodes (for host-path warnings) and its workload identity."""

    multiNode: bool = Field(False, description="The cluster has more than one node.")
    nodePools: list[CliText] = Field(default_factory=list, description="Names of the cluster's node pools.")
    workloadIdentity: WorkloadIdentity = Field(
        default_factory=WorkloadIdentity, description="Per cloud: managed buckets reached without keys."
    )

    @property
    def is_multi_node(self) -> bool:
        return self.multiNode or len(self.nodePools) > 1


class Capabilities(Strict):
    add: Optional[list[CliText]] = None
    drop: Optional[list[CliText]] = None


class SeccompProfile(Strict):
    type: Literal["RuntimeDefault", "Localhost", "Unconfined"]
    localhostProfile: Optional[CliText] = None


class SecurityContext(Strict):
    """Container security context fields a run may override (Kubernetes spelling)."""

    allowPrivilegeEscalation: Optional[bool] = None
    capabilities: Optional[Capabilities] = None
    privileged: Optional[bool] = None
    readOnlyRootFilesystem: Optional[bool] = None
    runAsNonRoot: Optional[bool] = None
    runAsUser: Optional[int] = None
    runAsGroup: Optional[int] = None
    seccompProfile: Optional[SeccompProfile] = None


class Run(RequestFields, PodDefaults):
    team: Optional[CliText] = Field(None, description="The team the run belongs to (required with teams).")
    image: Optional[ImageReference] = Field(None, description="Container image.")
    command: Optional[list[CliText]] = Field(None, description="Container entrypoint.")
    args: Optional[list[CliText]] = Field(None, description="Arguments to the entrypoint.")
    env: dict[EnvName, CliText] = Field(default_factory=dict, description="Extra environment variables.")
    securityContext: Optional[SecurityContext] = Field(
        None, description="Overrides of the hardened default container security context."
    )
    imagePullPolicy: Literal["Always", "IfNotPresent", "Never"] = Field(
        "Always", description="When the kubelet pulls the image (Always: a tag always means its current image)."
    )
    automountServiceAccountToken: bool = Field(
        False, description="Mount an API token into the pod (only for runs that call the Kubernetes API)."
    )
    polyaxonfile: Optional[CliText] = Field(
        None, description="Polyaxon file, in the project directory, the run is read from (this run's keys win)."
    )
    kind: Optional[RunKind] = Field(None, description="experiment (default) or job, as polyaxon-client sees it.")
    serviceAccountName: Optional[ObjectName] = Field(
        None, description="Run as this ServiceAccount of the team's serviceAccounts, not the team's own."
    )
    secretRefs: list[ObjectName] = Field(
        default_factory=list, description="Secrets of the team's secretRefs loaded as environment."
    )
    configMapRefs: list[ObjectName] = Field(
        default_factory=list, description="ConfigMaps of the team's configMapRefs loaded as environment."
    )
    maxRestarts: Optional[int] = Field(None, ge=0, description="Retries after a failure (default none).")
    shmSize: Optional[Quantity] = Field(None, description="Size of /dev/shm (default: the memory limit).")
    outputsRefs: Optional[OutputsRefs] = Field(None, description="Earlier runs whose outputs this run reads.")
    params: Optional[dict[ParamName, JsonValue]] = Field(
        None, description="Params (POLYAXON_PARAMS), over the Polyaxon file's."
    )
    logLevel: Optional[LogLevel] = Field(None, description="POLYAXON_LOG_LEVEL (default INFO).")


class StackConfig(TeamBounds):
    persistence: Persistence = Field(default_factory=Persistence)
    namespace: NamespaceName = Field(
        DEFAULT_NAMESPACE, description="Namespace of runs when no teams are defined (each team names its own)."
    )
    existingNamespace: bool = Field(False, description="`namespace` exists already: adopt it, do not create it.")
    allowPrivileged: bool = Field(
        False, description="Without teams: let runs outside a restricted namespace go beyond Pod Security baseline."
    )
    teams: Optional[dict[str, Team]] = None
    runs: dict[str, Run] = Field(default_factory=dict)
    cluster: Cluster = Field(default_factory=Cluster)
    runDefaults: PodDefaults = Field(
        default_factory=PodDefaults, description="What every run gets unless it or its team sets it."
    )
    defaultResources: Optional[Resources] = Field(None, description="The old name of runDefaults.resources.")
    gpuResource: ExtendedResourceName = Field(DEFAULT_GPU_RESOURCE, description="The resource a GPU is.")
    tpuResource: ExtendedResourceName = Field(DEFAULT_TPU_RESOURCE, description="The resource a TPU is.")
    tpuTfVersion: CliText = Field(DEFAULT_TPU_TF_VERSION, description="TensorFlow version of TPU runs' TPUs.")
    initImage: ImageReference = Field(DEFAULT_INIT_IMAGE, description="Image that creates the outputs directory.")
    credentialsRotation: Optional[Rfc3339Time] = Field(
        None, description="When managed credentials were last rotated: changing it replaces every key and SAS."
    )
    allowedWritableHostPaths: list[AbsolutePath] = Field(
        default_factory=list,
        description="Host paths (and everything under them) entries may mount writable, besides /tmp; "
        "the policy pack's no-writable-host-path config must list them too.",
    )


def stack_resources(config: StackConfig) -> tuple[Optional[Resources], str]:
    """The stack's default resources and where they are written (runDefaults.resources, or its old name)."""
    if config.defaultResources is not None:
        return config.defaultResources, "defaultResources"
    return config.runDefaults.resources, "runDefaults.resources"


@dataclass(frozen=True)
class ParsedStack:
    """A stack config as far as it is sound, and what is wrong with the rest."""

    config: StackConfig
    """The sound parts; a refused key or run is left at its default (absent)."""
    problems: tuple[Problem, ...] = ()
    refused: frozenset[str] = field(default_factory=frozenset)
    """Top-level keys whose value was refused (`runs` only when the runs are not a mapping)."""


def parse_stack(values: Mapping[str, Any]) -> ParsedStack:
    """Validate the raw config values (key without namespace -> value), each part on its own."""
    problems: list[Problem] = []
    sound: dict[str, Any] = {}
    refused = set()
    for key, value in values.items():
        if key not in StackConfig.model_fields:
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
    config = StackConfig.model_validate(sound)
    problems.extend(_cross_key_problems(config, values))
    return ParsedStack(config, tuple(problems), frozenset(refused))


def parse_stack_config(values: Mapping[str, Any]) -> StackConfig:
    """A sound stack config; ConfigError with every problem otherwise."""
    parsed = parse_stack(values)
    if parsed.problems:
        raise ConfigError(parsed.problems)
    return parsed.config


def _refused(part: dict[str, Any]) -> list[Problem]:
    try:
        StackConfig.model_validate(part)
    except ValidationError as error:
        return problems_from_validation(error)
    return []


def _cross_key_problems(config: StackConfig, values: Mapping[str, Any]) -> list[Problem]:
    problems = []
    if config.defaultResources is not None and config.runDefaults.resources is not None:
        problems.append(
            Problem("defaultResources", "is the old name of runDefaults.resources, which is given too; keep one")
        )
    if config.teams is not None:
        problems.extend(
            Problem(key, "is set per team (teams.<team>." + key + ") when teams are defined")
            for key in TEAM_BOUNDS
            if key in values
        )
    for kind, names in (("teams", config.teams or {}), ("runs", config.runs)):
        for name in names:
            try:
                identifier(name)
            except ValueError as error:
                problems.append(Problem(child(kind, name), str(error)))
    for index, path in enumerate(config.allowedWritableHostPaths):
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
