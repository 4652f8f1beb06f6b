"""What every domain of the policy pack shares: reading resource properties, and the project's conventions.

Resource properties are read the way the engine hands them over: camelCase
names (`publicAccessPrevention`, `spec.hostPath`), wrapped by pulumi-policy in
a proxy that raises `UnknownValueError` on a value that is not known yet
(during `pulumi preview`, e.g. an id that depends on a resource not yet
created). Resource policies let it propagate: pulumi-policy then reports an
advisory "can't run policy during preview" note, and `pulumi up` checks the
resource with its real values before creating it. Stack policies skip only the
one resource whose reference is unknown, and check the rest; `pulumi up` runs
them again on the final values.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

from pulumi_policy import EnforcementLevel, ReportViolation, ResourceValidationArgs, ResourceValidationPolicy
from pulumi_policy.proxy import UnknownValueError

# The pack runs from this folder in a virtualenv of its own; the project's shared
# conventions (label keys, the host-path rule) live one level up, in components/.
_PROJECT_DIR = str(Path(__file__).resolve().parent.parent)
if _PROJECT_DIR not in sys.path:
    sys.path.append(_PROJECT_DIR)

from components import conventions  # noqa: E402

__all__ = ["conventions", "value_at", "known_value", "skipping_unknown", "as_list", "resource_policy"]


def value_at(props: Any, *path: str | int, default: Any = None) -> Any:
    """The value at `path` (keys and list indexes), or `default` when a step is missing or null.

    An unknown value on the way raises pulumi-policy's UnknownValueError.
    """
    current = props
    for step in path:
        if isinstance(step, int):
            if not isinstance(current, Sequence) or isinstance(current, str) or not -len(current) <= step < len(current):
                return default
        elif not isinstance(current, Mapping) or step not in current:
            return default
        current = current[step]
        if current is None:
            return default
    return current


def known_value(props: Any, *path: str | int) -> Any:
    """Like `value_at`, but None when the value is not known yet (preview)."""
    try:
        return value_at(props, *path)
    except UnknownValueError:
        return None


def skipping_unknown(check: Callable[..., list[Any]], *args: Any) -> list[Any]:
    """`check(*args)`, or no problem when it needs a value not known yet: `pulumi up` checks it again."""
    try:
        return check(*args)
    except UnknownValueError:
        return []


def as_list(value: Any) -> list[Any]:
    """A JSON value that may be one item or a list of them, as a list."""
    if value is None:
        return []
    if isinstance(value, (str, Mapping)):
        return [value]
    return list(value)


def resource_policy(
    name: str, description: str, checks: Mapping[str, Callable[[Mapping[str, Any]], list[str]]]
) -> ResourceValidationPolicy:
    """A policy running, on each resource, the check registered for its type.

    Mandatory until the pack applies its configured level (enforcement.json).
    """

    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        check = checks.get(args.resource_type)
        for problem in check(args.props) if check else []:
            report_violation(problem, None)

    return ResourceValidationPolicy(
        name=name, description=description, validate=validate, enforcement_level=EnforcementLevel.MANDATORY
    )
