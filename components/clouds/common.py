"""What the cloud components share: their args (what a created bucket may ask for, a team's grants, the
ServiceAccount a workload identity binds to) and their per-team outputs. No SDK here."""

from typing import Any, Mapping, NotRequired, Sequence, TypedDict

import pulumi

from ..outputs import mapping_output


class CreatedBucketArgs(TypedDict):
    """What every cloud's bucket (or container) may ask for when the stack creates it."""

    create: NotRequired[bool]
    """Create it, hardened as the component says. Default false: it exists, and is only granted."""
    versioning: NotRequired[bool]
    """Keep object versions of what is created. Default true."""
    protect: NotRequired[bool]
    """What is created cannot be deleted by an edit or `pulumi destroy`. Default true."""


class GrantsArgs(TypedDict):
    """The buckets (or containers) a team is granted, by the component's keys."""

    read: NotRequired[Sequence[str]]
    """Those it reads: read-only grants (see the component for the exact roles or actions)."""
    write: NotRequired[Sequence[str]]
    """Those it reads and writes."""


class ServiceAccountBindingArgs(TypedDict):
    """The Kubernetes ServiceAccount whose pods act as the team's cloud identity (workload identity)."""

    namespace: str
    """Its namespace."""
    service_account: str
    """Its name."""


def team_outputs(
    identities: Mapping[str, pulumi.Input[str]],
    credentials: Mapping[str, pulumi.Input[Any]],
    annotations: Mapping[str, pulumi.Input[Any]],
) -> tuple[pulumi.Output[Any], pulumi.Output[Any], pulumi.Output[Any]]:
    """A cloud component's `identities`, `credentials` (secret, whatever the SDK marks) and
    `service_account_annotations`, each one Output of every team's."""
    return mapping_output(identities), pulumi.Output.secret(mapping_output(credentials)), mapping_output(annotations)
