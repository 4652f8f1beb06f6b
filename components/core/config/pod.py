"""What a run's pod is given besides storage, in the Kubernetes API's spelling (run-spec.md §2-6, §10).

Scheduling values (tolerations, affinity) are checked here as the API server
checks them, so a Job the stack exports is never refused for them.
"""

from __future__ import annotations

from typing import Annotated, Literal, Optional

from pydantic import Field, model_validator

from .fields import CliText, LabelValue, ObjectName, QualifiedName, Quantity, ResourceName, Strict

Seconds = Annotated[int, Field(ge=0)]
PositiveSeconds = Annotated[int, Field(ge=1)]
Weight = Annotated[int, Field(ge=1, le=100)]
NodeSelectorMap = dict[QualifiedName, LabelValue]


class Resources(Strict):
    requests: dict[ResourceName, Quantity] = Field(default_factory=dict)
    limits: dict[ResourceName, Quantity] = Field(default_factory=dict)


class Toleration(Strict):
    key: Optional[QualifiedName] = None
    operator: Literal["Exists", "Equal"] = "Equal"
    value: Optional[LabelValue] = None
    effect: Optional[Literal["NoSchedule", "PreferNoSchedule", "NoExecute"]] = None
    tolerationSeconds: Optional[int] = None

    @model_validator(mode="after")
    def _api_rules(self) -> "Toleration":
        if self.operator == "Exists" and self.value:
            raise ValueError("operator Exists takes no value")
        if self.key is None and self.operator != "Exists":
            raise ValueError("a toleration without a key must use operator: Exists (it tolerates every taint)")
        if self.tolerationSeconds is not None and self.effect != "NoExecute":
            raise ValueError("tolerationSeconds applies to effect NoExecute only")
        return self


class _Requirement(Strict):
    key: QualifiedName
    values: list[CliText] = Field(default_factory=list)

    def _check(self, operator: str) -> None:
        if operator in ("In", "NotIn") and not self.values:
            raise ValueError(f"operator {operator} needs at least one value")
        if operator in ("Exists", "DoesNotExist") and self.values:
            raise ValueError(f"operator {operator} takes no values")
        if operator in ("Gt", "Lt") and (len(self.values) != 1 or not self.values[0].lstrip("-").isdigit()):
            raise ValueError(f"operator {operator} takes exactly one value, a whole number")


class NodeSelectorRequirement(_Requirement):
    operator: Literal["In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"]

    @model_validator(mode="after")
    def _values(self) -> "NodeSelectorRequirement":
        self._check(self.operator)
        return self


class LabelSelectorRequirement(_Requirement):
    operator: Literal["In", "NotIn", "Exists", "DoesNotExist"]

    @model_validator(mode="after")
    def _values(self) -> "LabelSelectorRequirement":
        self._check(self.operator)
        return self


class NodeSelectorTerm(Strict):
    matchExpressions: list[NodeSelectorRequirement] = Field(default_factory=list)
    matchFields: list[NodeSelectorRequirement] = Field(default_factory=list)


class NodeSelector(Strict):
    nodeSelectorTerms: list[NodeSelectorTerm] = Field(min_length=1)


class PreferredSchedulingTerm(Strict):
    weight: Weight
    preference: NodeSelectorTerm


class NodeAffinity(Strict):
    requiredDuringSchedulingIgnoredDuringExecution: Optional[NodeSelector] = None
    preferredDuringSchedulingIgnoredDuringExecution: list[PreferredSchedulingTerm] = Field(default_factory=list)


class LabelSelector(Strict):
    matchLabels: dict[QualifiedName, LabelValue] = Field(default_factory=dict)
    matchExpressions: list[LabelSelectorRequirement] = Field(default_factory=list)


class PodAffinityTerm(Strict):
    labelSelector: Optional[LabelSelector] = None
    namespaces: list[ObjectName] = Field(default_factory=list)
    namespaceSelector: Optional[LabelSelector] = None
    topologyKey: QualifiedName
    matchLabelKeys: list[QualifiedName] = Field(default_factory=list)
    mismatchLabelKeys: list[QualifiedName] = Field(default_factory=list)


class WeightedPodAffinityTerm(Strict):
    weight: Weight
    podAffinityTerm: PodAffinityTerm


class PodAffinity(Strict):
    requiredDuringSchedulingIgnoredDuringExecution: list[PodAffinityTerm] = Field(default_factory=list)
    preferredDuringSchedulingIgnoredDuringExecution: list[WeightedPodAffinityTerm] = Field(default_factory=list)


class Affinity(Strict):
    nodeAffinity: Optional[NodeAffinity] = None
    podAffinity: Optional[PodAffinity] = None
    podAntiAffinity: Optional[PodAffinity] = None


class PodDefaults(Strict):
    """What a stack or team gives each of its runs that does not set it (`runDefaults`)."""

    resources: Optional[Resources] = Field(None, description="Requests and limits, per resource and side.")
    nodeSelector: NodeSelectorMap = Field(default_factory=dict, description="Node labels runs are pinned to.")
    tolerations: list[Toleration] = Field(default_factory=list, description="Taints runs tolerate.")
    affinity: Optional[Affinity] = Field(None, description="Affinity of runs that give none.")
    imagePullSecrets: list[ObjectName] = Field(
        default_factory=list, description="Secrets, in the run's namespace, to pull images with."
    )
    labels: dict[QualifiedName, LabelValue] = Field(default_factory=dict, description="Labels of Jobs and pods.")
    annotations: dict[QualifiedName, CliText] = Field(default_factory=dict, description="Annotations of Jobs and pods.")
    ttlSecondsAfterFinished: Optional[Seconds] = Field(
        None, description="Seconds a finished Job is kept (default one week)."
    )
    activeDeadlineSeconds: Optional[PositiveSeconds] = Field(
        None, description="Seconds a Job may run before it is stopped (default none)."
    )


class OutputsRefs(Strict):
    """Earlier runs whose outputs a run reads, by kind (Polyaxon's `environment.outputs`)."""

    jobs: list[CliText] = Field(default_factory=list)
    experiments: list[CliText] = Field(default_factory=list)


LogLevel = Literal["INFO", "DEBUG", "WARN", "ERROR", "FATAL"]
RunKind = Literal["experiment", "job"]
