"""The Kubernetes objects a run's pod is given (resources, scheduling, security context).

Declared once, in snake_case; their camelCase aliases are the Kubernetes API's
own spelling, so a stack config (and a Polyaxon file, which passes them to the
pod verbatim) writes them as the API does, a Pulumi program as pulumi_kubernetes
does, and a Job manifest is their dump by alias. Values are held to what the
API server accepts, so an exported Job is never refused for them.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Optional

from pydantic import BeforeValidator, Field, ValidationInfo, model_validator

from ..declare import FileModel, Model, spelling_of
from ..enums import (
    Choice,
    SeccompProfileType,
    SelectorOperator,
    TaintEffect,
    TolerationOperator,
)
from ..limits import seccomp_problem
from .fields import (
    CliText,
    GroupId,
    LabelValue,
    ObjectName,
    QualifiedName,
    Quantity,
    ResourceName,
    TolerationSeconds,
    UserId,
    WholeNumber,
)

Weight = Annotated[WholeNumber, Field(ge=1, le=100)]
NodeSelectorMap = dict[QualifiedName, LabelValue]


class Resources(Model):
    """Requests and limits of a container, per resource, as Kubernetes quantities."""

    requests: dict[ResourceName, Quantity] = Field(default_factory=dict, description="What the container is given.")
    limits: dict[ResourceName, Quantity] = Field(default_factory=dict, description="What it may use at most.")


class Toleration(Model):
    """A taint the pod tolerates."""

    key: Optional[QualifiedName] = Field(None, description="The taint's key; none: every taint (with Exists).")
    operator: Choice[TolerationOperator] = Field(TolerationOperator.EQUAL, description="Exists or Equal.")
    value: Optional[LabelValue] = Field(None, description="The taint's value (Equal).")
    effect: Optional[Choice[TaintEffect]] = Field(None, description="The taint's effect; none: every effect.")
    toleration_seconds: Optional[TolerationSeconds] = Field(None, description="NoExecute: how long the pod stays.")

    @model_validator(mode="after")
    def _api_rules(self, info: ValidationInfo) -> "Toleration":
        if self.operator == TolerationOperator.EXISTS and self.value:
            raise ValueError("operator Exists takes no value")
        if self.key is None and self.operator != TolerationOperator.EXISTS:
            raise ValueError("a toleration without a key must use operator: Exists (it tolerates every taint)")
        if self.toleration_seconds is not None and self.effect != TaintEffect.NO_EXECUTE:
            raise ValueError(f"{self.spelled('toleration_seconds', spelling_of(info))} applies to effect NoExecute only")
        return self


class SelectorRequirement(Model):
    """A requirement on a label: its key, an operator and values."""

    key: QualifiedName = Field(description="The label.")
    operator: Choice[SelectorOperator] = Field(description="In, NotIn, Exists, DoesNotExist (and for nodes Gt, Lt).")
    values: list[CliText] = Field(default_factory=list, description="The values In and NotIn compare with.")

    @model_validator(mode="after")
    def _values(self) -> "SelectorRequirement":
        operator = self.operator
        if operator in ("In", "NotIn") and not self.values:
            raise ValueError(f"operator {operator} needs at least one value")
        if operator in ("Exists", "DoesNotExist") and self.values:
            raise ValueError(f"operator {operator} takes no values")
        if operator in ("Gt", "Lt") and (len(self.values) != 1 or not self.values[0].lstrip("-").isdigit()):
            raise ValueError(f"operator {operator} takes exactly one value, a whole number")
        return self


class LabelSelectorRequirement(SelectorRequirement):
    """A requirement on a pod's label (Gt and Lt are for node labels only)."""

    @model_validator(mode="after")
    def _no_comparison(self) -> "LabelSelectorRequirement":
        if self.operator in ("Gt", "Lt"):
            raise ValueError(f"operator {self.operator} compares node labels only: use In, NotIn, Exists or DoesNotExist")
        return self


class NodeSelectorTerm(Model):
    """Requirements a node meets together."""

    match_expressions: list[SelectorRequirement] = Field(default_factory=list, description="On node labels.")
    match_fields: list[SelectorRequirement] = Field(default_factory=list, description="On node fields.")


class NodeSelector(Model):
    """Terms of which a node meets at least one."""

    node_selector_terms: list[NodeSelectorTerm] = Field(min_length=1, description="The terms.")


class PreferredSchedulingTerm(Model):
    """A term the scheduler prefers, with its weight."""

    weight: Weight = Field(description="1 to 100.")
    preference: NodeSelectorTerm = Field(description="The term.")


class NodeAffinity(Model):
    """Nodes the pod must, or should, run on."""

    required_during_scheduling_ignored_during_execution: Optional[NodeSelector] = Field(None, description="Must.")
    preferred_during_scheduling_ignored_during_execution: list[PreferredSchedulingTerm] = Field(
        default_factory=list, description="Should."
    )


class LabelSelector(Model):
    """A selection of pods (or namespaces) by their labels."""

    match_labels: dict[QualifiedName, LabelValue] = Field(default_factory=dict, description="Labels they carry.")
    match_expressions: list[LabelSelectorRequirement] = Field(default_factory=list, description="Requirements.")


class PodAffinityTerm(Model):
    """Pods the pod must run near (or away from), by topology."""

    label_selector: Optional[LabelSelector] = Field(None, description="The pods.")
    namespaces: list[ObjectName] = Field(default_factory=list, description="Their namespaces.")
    namespace_selector: Optional[LabelSelector] = Field(None, description="Their namespaces, by label.")
    topology_key: QualifiedName = Field(description="The node label that defines near.")
    match_label_keys: list[QualifiedName] = Field(default_factory=list, description="Keys matched with the pod's.")
    mismatch_label_keys: list[QualifiedName] = Field(default_factory=list, description="Keys that must differ.")


class WeightedPodAffinityTerm(Model):
    """A pod affinity term the scheduler prefers, with its weight."""

    weight: Weight = Field(description="1 to 100.")
    pod_affinity_term: PodAffinityTerm = Field(description="The term.")


class PodAffinity(Model):
    """Pods the pod must, or should, run near (or away from)."""

    required_during_scheduling_ignored_during_execution: list[PodAffinityTerm] = Field(
        default_factory=list, description="Must."
    )
    preferred_during_scheduling_ignored_during_execution: list[WeightedPodAffinityTerm] = Field(
        default_factory=list, description="Should."
    )


class Affinity(Model):
    """Where the pod may be scheduled, relative to nodes and other pods."""

    node_affinity: Optional[NodeAffinity] = Field(None, description="By node.")
    pod_affinity: Optional[PodAffinity] = Field(None, description="Near other pods.")
    pod_anti_affinity: Optional[PodAffinity] = Field(None, description="Away from other pods.")


class Capabilities(Model):
    """Linux capabilities added to and dropped from the container's defaults."""

    add: Optional[list[CliText]] = Field(None, description="Capabilities added.")
    drop: Optional[list[CliText]] = Field(None, description="Capabilities dropped (the hardened default drops ALL).")


class SeccompProfile(Model):
    """The container's seccomp profile."""

    type: Choice[SeccompProfileType] = Field(description="RuntimeDefault, Localhost or Unconfined.")
    localhost_profile: Optional[CliText] = Field(None, description="Localhost: the profile's file on the node.")

    @model_validator(mode="after")
    def _localhost_profile(self, info: ValidationInfo) -> "SeccompProfile":
        given = {"type": self.type, "localhostProfile": self.localhost_profile}
        found = seccomp_problem(given, self.spelled("localhost_profile", spelling_of(info)))
        if found is not None:
            raise ValueError(found)
        return self


class SecurityContext(Model):
    """Fields of the container's security context replacing the hardened defaults one by one."""

    allow_privilege_escalation: Optional[bool] = Field(None, description="Hardened default: false.")
    capabilities: Optional[Capabilities] = Field(None, description="Hardened default: drop ALL.")
    privileged: Optional[bool] = Field(None, description="Run privileged (refused outside privileged namespaces).")
    read_only_root_filesystem: Optional[bool] = Field(None, description="Mount the root filesystem read-only.")
    run_as_non_root: Optional[bool] = Field(None, description="Refuse to start as root.")
    run_as_user: Optional[UserId] = Field(None, description="The user id the container runs as.")
    run_as_group: Optional[GroupId] = Field(None, description="The group id the container runs as.")
    seccomp_profile: Optional[SeccompProfile] = Field(None, description="Hardened default: RuntimeDefault.")


class OutputsRefs(Model):
    """Earlier runs whose outputs a run reads, by kind (Polyaxon's `environment.outputs`)."""

    jobs: list[CliText] = Field(default_factory=list, description="Runs of kind job.")
    experiments: list[CliText] = Field(default_factory=list, description="Runs of kind experiment.")


# --- Polyaxon's spelling of resources (files) -------------------------------------------------------


def _number(value: Any) -> Any:
    """A Polyaxon number; rendered params arrive as text (`"{{ gpus }}"` -> `"2"`)."""
    if isinstance(value, str):
        try:
            return float(Decimal(value.strip()))
        except ArithmeticError:
            raise ValueError(f"{value!r} is not a number") from None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError("must be a number")
    return float(value)


def _whole(value: Any) -> Any:
    number = _number(value)
    if number != int(number):
        raise ValueError(f"{value} is counted in whole units")
    return int(number)


Amount = Annotated[float, BeforeValidator(_number), Field(ge=0)]
WholeAmount = Annotated[int, BeforeValidator(_whole), Field(ge=0)]
"""A whole number in a Polyaxon file, where a rendered param gives it as text."""


class _Amounts(FileModel):
    requests: Optional[Amount] = None
    limits: Optional[Amount] = None


class _WholeAmounts(FileModel):
    requests: Optional[WholeAmount] = None
    limits: Optional[WholeAmount] = None


class PolyaxonResources(FileModel):
    """Polyaxon's spelling: cpu in cores, memory in MiB, gpu and tpu in devices."""

    cpu: Optional[_Amounts] = None
    memory: Optional[_Amounts] = None
    gpu: Optional[_WholeAmounts] = None
    tpu: Optional[_WholeAmounts] = None
