"""Helpers for the components' Outputs (shared by k8s/ and clouds/)."""

from typing import Any, Mapping, TypeVar

import pulumi

T = TypeVar("T")


def mapping_output(values: Mapping[str, pulumi.Input[Any]]) -> pulumi.Output[dict[str, Any]]:
    """One Output of a mapping of Inputs, resolved together (an empty mapping too)."""
    return pulumi.Output.all(**values) if values else pulumi.Output.from_input({})


def known_output(value: T) -> pulumi.Output[T]:
    """An Output of a known value, as it is: `Output.from_input` would walk it and lift every node of it into
    an Output again (for a template's Job manifests, more than the rest of the program: bench/)."""
    return pulumi.Output.all().apply(lambda _: value)
