"""Helpers for the components' Outputs (shared by k8s/ and clouds/)."""

from typing import Any, Mapping

import pulumi


def mapping_output(values: Mapping[str, pulumi.Input[Any]]) -> pulumi.Output[dict[str, Any]]:
    """One Output of a mapping of Inputs, resolved together (an empty mapping too)."""
    return pulumi.Output.all(**values) if values else pulumi.Output.from_input({})
