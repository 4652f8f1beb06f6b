"""The stack config (namespace `polyaxon-storage:`), parsed once into typed models."""

from __future__ import annotations

import json
import re
from typing import Annotated, Any, Literal, Mapping, Optional, Union

from pydantic import AfterValidator, Field, StrictFloat, StrictInt, StrictStr, ValidationError

from ..errors import ConfigError, Problem, problems_from_validation
from ..names import DNS_LABEL, ENV_NAME
from .catalog import AbsolutePath, Persistence, Strict
from .request import RequestFields

DEFAULT_NAMESPACE = "polyaxon"
DEFAULT_INIT_IMAGE = "busybox:1.37.0"
# Team and run names appear in paths and labels: keep them path-safe.
IDENTIFIER = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


def _namespace(value: str) -> str:
    if not DNS_LABEL.fullmatch(value) or len(value) > 63:
        raise ValueError(f"{value!r} is not a valid namespace name (lowercase letters, digits and '-', at most 63)")
    return value


def _env_name(value: str) -> str:
    if not ENV_NAME.fullmatch(value):
        raise ValueError(f"{value!r} is not a valid environment variable name ([A-Za-z_][A-Za-z0-9_]*)")
    return value


NamespaceName = Annotated[str, AfterValidator(_namespace)]
EnvName = Annotated[str, AfterValidator(_env_name)]
Quantity = Union[StrictStr, StrictInt, StrictFloat]
Grant = Union[Literal["*"], list[str]]


class Team(Strict):
    namespace: NamespaceName = Field(description="Namespace the team's runs go to.")
    existingNamespace: bool = Field(
        False, description="The namespace exists already: adopt it (labels only) instead of creating it."
    )
    data: Grant = Field(default_factory=list, description='Data entries the team may use, or "*".')
    outputs: Grant = Field(default_factory=list, description='Outputs entries the team may use, or "*".')


class Cluster(Strict):
    """What the stack knows of the cluster's nodes (for host-path warnings)."""

    multiNode: bool = Field(False, description="The cluster has more than one node.")
    nodePools: list[str] = Field(default_factory=list, description="Names of the cluster's node pools.")

    @property
    def is_multi_node(self) -> bool:
        return self.multiNode or len(self.nodePools) > 1


class Resources(Strict):
    requests: dict[str, Quantity] = Field(default_factory=dict)
    limits: dict[str, Quantity] = Field(default_factory=dict)

    def over(self, default: Optional["Resources"]) -> "Resources":
        """These resources, each missing one taken from `default`."""
        if default is None:
            return self
        return Resources(requests={**default.requests, **self.requests}, limits={**default.limits, **self.limits})


class Capabilities(Strict):
    add: Optional[list[str]] = None
    drop: Optional[list[str]] = None


class SeccompProfile(Strict):
    type: Literal["RuntimeDefault", "Localhost", "Unconfined"]
    localhostProfile: Optional[str] = None


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


class Run(RequestFields):
    team: Optional[str] = Field(None, description="The team the run belongs to (required with teams).")
    image: Optional[str] = Field(None, min_length=1, description="Container image.")
    command: Optional[list[str]] = Field(None, description="Container entrypoint.")
    args: Optional[list[str]] = Field(None, description="Arguments to the entrypoint.")
    env: dict[EnvName, str] = Field(default_factory=dict, description="Extra environment variables.")
    resources: Optional[Resources] = Field(None, description="Requests and limits, over defaultResources.")
    securityContext: Optional[SecurityContext] = Field(
        None, description="Overrides of the hardened default container security context."
    )
    imagePullPolicy: Literal["Always", "IfNotPresent", "Never"] = Field(
        "Always", description="When the kubelet pulls the image (Always: a tag always means its current image)."
    )
    automountServiceAccountToken: bool = Field(
        False, description="Mount an API token into the pod (only for runs that call the Kubernetes API)."
    )
    polyaxonfile: Optional[str] = Field(
        None, description="Polyaxon file to read the storage request (and image, command) from."
    )


class StackConfig(Strict):
    persistence: Persistence = Field(default_factory=Persistence)
    namespace: NamespaceName = Field(
        DEFAULT_NAMESPACE, description="Namespace of runs when no teams are defined (each team names its own)."
    )
    existingNamespace: bool = Field(False, description="`namespace` exists already: adopt it, do not create it.")
    teams: Optional[dict[str, Team]] = None
    runs: dict[str, Run] = Field(default_factory=dict)
    cluster: Cluster = Field(default_factory=Cluster)
    defaultResources: Optional[Resources] = Field(
        None, description="Requests and limits of every run, for each one the run does not set."
    )
    initImage: str = Field(DEFAULT_INIT_IMAGE, min_length=1, description="Image that creates the outputs directory.")
    allowedWritableHostPaths: list[AbsolutePath] = Field(
        default_factory=list,
        description="Host paths (and everything under them) entries may mount writable, besides /tmp; "
        "the policy pack's no-writable-host-path config must list them too.",
    )


def parse_stack_config(values: Mapping[str, Any]) -> StackConfig:
    """Validate the raw config values (key without namespace -> value)."""
    try:
        # Pulumi hands structured config to the program as JSON; validate it as such.
        config = StackConfig.model_validate_json(json.dumps(dict(values), default=str))
    except ValidationError as error:
        raise ConfigError(problems_from_validation(error)) from None
    problems = [
        Problem(f"{kind}.{name}", f"{name!r} is not a usable name: use letters, digits, '_', '.' and '-'")
        for kind, names in (("teams", config.teams or {}), ("runs", config.runs))
        for name in names
        if not IDENTIFIER.fullmatch(name)
    ]
    if problems:
        raise ConfigError(problems)
    return config


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
