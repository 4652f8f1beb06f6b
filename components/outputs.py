"""Helpers for the components' Outputs (shared by k8s/ and clouds/).

`Output.all` and `Output.from_input` lift every node of a dict, list or tuple an Output resolves to into an
Output of its own (to find Outputs nested in it), and add two Outputs per value even for text. The values our
Outputs resolve to are plain (an apply returns them), so these helpers take each as it resolves, one apply per
value. Measured on the bench's cloud stack: 30,500 Outputs with `Output.all`, 21,300 with these (the engine's
floor: 21,100), the program from 1.37 to 1.03-1.17 times the floor; the filesystem stack: 18,900 to 14,200
(floor: 13,800), from 1.39 to 1.09-1.37 times (bench/, 2026-12).
"""

from typing import Any, Callable, Iterable, Mapping, TypeVar

import pulumi

T = TypeVar("T")


def gathered(*values: pulumi.Input[Any]) -> pulumi.Output[list[Any]]:
    """One Output of several Inputs' values, in order: known, secret and dependent as `Output.all`'s is."""
    return _gather(values, list)


def mapping_output(values: Mapping[str, pulumi.Input[Any]]) -> pulumi.Output[dict[str, Any]]:
    """One Output of a mapping of Inputs, resolved together (an empty mapping too)."""
    keys = list(values)
    return _gather(values.values(), lambda found: dict(zip(keys, found)))


def _gather(values: Iterable[pulumi.Input[Any]], shape: Callable[[list[Any]], T]) -> pulumi.Output[T]:
    # One apply per value, each handing on what is found so far: an Output's value is taken as it resolves.
    inputs = list(values)

    def gather_from(index: int, found: tuple[Any, ...]) -> pulumi.Input[T]:
        if index == len(inputs):
            return shape(list(found))
        value = inputs[index]
        # A plain value may hold Outputs (a dict of them): `from_input` resolves those.
        output = value if isinstance(value, pulumi.Output) else pulumi.Output.from_input(value)
        return output.apply(lambda resolved: gather_from(index + 1, (*found, resolved)))

    return gather_from(0, ()) if inputs else known_output(shape([]))  # type: ignore[return-value]


def known_output(value: T) -> pulumi.Output[T]:
    """An Output of a known value, as it is (`Output.from_input` would lift every node of it)."""
    return pulumi.Output.all().apply(lambda _: value)


def whole_output(value: pulumi.Input[T]) -> pulumi.Output[T]:
    """An Output as it is, or an Output of a value with no Output in it, as it is."""
    return value if isinstance(value, pulumi.Output) else known_output(value)
