"""The components' args: TypedDicts derived from the core's declarations, and their checking.

A component's args are declared once, as a core model (`core/config/run.py`,
`core/config/components.py`, ...). From it derive:

- `typed_args(model)`: the TypedDict a Pulumi program writes, and Pulumi's
  schema analyzer reads (`pulumi.Input[...]` where the model says `Input`,
  `NotRequired` where a field has a default, its enums as enums);
- `check(...)`: the args held to the model and to the component's rules before
  anything is registered, with what comes from other resources still pending,
  and again once those values resolve, with the same messages. A problem is
  raised as `ComponentArgsError`, which Pulumi shows as a message (a
  `pulumi.RunError`), never a traceback.
"""

import re
import typing
from dataclasses import dataclass
from enum import Enum
from functools import cache
from typing import (
    Any,
    Awaitable,
    Callable,
    Generic,
    Mapping,
    NotRequired,
    Optional,
    Sequence,
    TypeVar,
    Union,
)

import pulumi
from pydantic import BaseModel

from .core.declare import Input, Model, Spelling, parse
from .core.errors import Problem
from .core.pending import Pending
from .outputs import gathered, known_output

M = TypeVar("M", bound=Model)
R = TypeVar("R")
T = TypeVar("T")


class ComponentArgsError(pulumi.RunError):
    """A component's args break its rules: every problem, each at its argument path, in one message."""

    def __init__(self, component: str, name: str, problems: Sequence[Problem]):
        self.component = component
        self.name = name
        self.problems = list(problems)
        count = len(self.problems)
        lines = [f"{component} {name!r}: {count} problem{'s' if count != 1 else ''} in its args:"]
        super().__init__("\n".join([*lines, *(f"  - {problem}" for problem in self.problems)]))


# --- the TypedDicts a program writes ---------------------------------------------------------------------------


def _plain(annotation: Any) -> Any:
    """The type a program writes for a field's annotation (validators and markers left out)."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        inner = _plain(typing.get_args(annotation)[0])
        return pulumi.Input[inner] if Input in annotation.__metadata__ else inner
    if origin is Union:
        options = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        if len(options) != 1:
            return Any  # a value of several shapes (a JSON value): the schema carries it as any
        return _plain(options[0])
    if origin in (list, tuple, Sequence):
        return list[_plain(typing.get_args(annotation)[0])]  # type: ignore[misc]
    if origin in (dict, Mapping):
        return dict[str, _plain(typing.get_args(annotation)[1])]  # type: ignore[misc]
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return typed_args(annotation)
    if isinstance(annotation, type) and issubclass(annotation, (Enum, str, bool, int, float)):
        return annotation
    return Any


DECLARED: dict[type, type[Model]] = {}
"""Each derived TypedDict's declaration (what the served schema reads descriptions and secrets from)."""


@cache
def typed_args(model: type[Model]) -> type:
    """The TypedDict of a model's fields in snake_case, optional where the field has a default."""
    fields = {}
    for name, info in model.model_fields.items():
        # pydantic keeps a field's own markers apart from its annotation.
        kind = pulumi.Input[_plain(info.annotation)] if Input in info.metadata else _plain(info.annotation)
        fields[name] = kind if info.is_required() else NotRequired[kind]  # type: ignore[valid-type]
    derived = typing.TypedDict(model.__name__, fields)  # type: ignore[operator]
    derived.__doc__ = model.__doc__
    derived.__module__ = __name__
    DECLARED[derived] = model
    return derived


# --- checking what a program hands over -----------------------------------------------------------------------


class _Leaf:
    """Where an Output or awaitable sat in a tree of args, by its index among them."""

    __slots__ = ("index",)

    def __init__(self, index: int):
        self.index = index


def _hollow(value: Any, pending: list[Any]) -> Any:
    """`value` with each Output or awaitable in it replaced by a _Leaf (the values themselves appended to `pending`,
    each once: one Output given for many args, such as a namespace, is awaited once)."""
    leaves: dict[int, _Leaf] = {}

    def hollow(value: Any) -> Any:
        if isinstance(value, (pulumi.Output, Awaitable)):
            if id(value) not in leaves:
                pending.append(value)
                leaves[id(value)] = _Leaf(len(pending) - 1)
            return leaves[id(value)]
        if isinstance(value, BaseModel):
            value = value.model_dump(exclude_unset=True)
        if isinstance(value, Mapping):
            return {key: hollow(item) for key, item in value.items()}
        if isinstance(value, (list, tuple)):
            return [hollow(item) for item in value]
        return value

    return hollow(value)


def _fill(value: Any, resolved: Sequence[Any]) -> Any:
    if isinstance(value, _Leaf):
        return resolved[value.index]
    if isinstance(value, dict):
        return {key: _fill(item, resolved) for key, item in value.items()}
    if isinstance(value, list):
        return [_fill(item, resolved) for item in value]
    return value


@dataclass(frozen=True)
class Checked(Generic[M, R]):
    """A component's args, checked: as far as they are known now, and once every Output among them resolves;
    each with what the component's rules derived from them."""

    known: M
    """The args with every value from another resource Pending."""
    derived: R
    """What the rules derived from the known args."""
    resolved: pulumi.Output[tuple[M, R]]
    """The args once every value resolves, checked again, and what the rules derived from them (secret when any
    of them is)."""
    pending: bool
    """Whether any value comes from another resource."""

    sources: Sequence[Any] = ()
    """The Outputs and awaitables among the args, by the index of their Pending stand-in."""

    def value(self, pick: Callable[[M], T]) -> pulumi.Input[T]:
        """One value of the args: as it is when known now, else an Output of it once the args are checked.

        It is secret as only the Outputs it is made of are (a namespace is not secret for a credential among the
        args); like the checked args it comes from, it depends on every resource the args' Outputs come from.
        """
        known = pick(self.known)
        made_of = [self.sources[index] for index in _pending_indexes(known)]
        if not made_of:
            return known
        checked = pulumi.Output.unsecret(self.resolved)
        return gathered(checked, *made_of).apply(lambda values: pick(values[0][0]))


def _pending_indexes(value: Any) -> list[int]:
    if isinstance(value, Pending):
        return [value.index]
    if isinstance(value, Mapping):
        return [index for item in value.values() for index in _pending_indexes(item)]
    if isinstance(value, (list, tuple)):
        return [index for item in value for index in _pending_indexes(item)]
    return []


def _parse_sound(model: type[M], values: Any) -> tuple[Optional[M], list[Problem]]:
    """The args as the model, and their problems. What is sound is still parsed, so the rules check it too
    (one mistake never hides another): the values the problems are at are left out, else the items of a
    mapping they lie in (one run of a template, one bucket)."""
    parsed, problems = parse(model, values, Spelling.ARGS)
    for depth in (None, 2):
        if parsed is not None:
            break
        sound = _copy(values)
        for problem in problems:
            _leave_out(sound, _TOKENS.findall(problem.path)[:depth])
        parsed = parse(model, sound, Spelling.ARGS)[0]
    return parsed, problems


_TOKENS = re.compile(r"\[(\d+)\]|([^.\[\]]+)")


def _copy(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {key: _copy(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_copy(item) for item in value]
    return value


def _leave_out(values: Any, tokens: list[tuple[str, str]]) -> None:
    """Remove the value at a path (its tokens) from nested mappings and lists, if it is there."""
    container = values
    for index, key in tokens[:-1]:
        container = _step(container, index, key)
        if container is None:
            return
    index, key = tokens[-1] if tokens else ("", "")
    if isinstance(container, dict) and key in container:
        del container[key]
    elif isinstance(container, list) and index and int(index) < len(container):
        del container[int(index)]


def _step(container: Any, index: str, key: str) -> Any:
    if isinstance(container, dict):
        return container.get(key)
    if isinstance(container, list) and index and int(index) < len(container):
        return container[int(index)]
    return None


def no_rules(args: Model) -> tuple[None, list[Problem]]:
    return None, []


def check(
    component: str,
    name: str,
    model: type[M],
    args: Mapping[str, Any],
    rules: Callable[[M], tuple[R, list[Problem]]] = no_rules,  # type: ignore[assignment]
) -> Checked[M, R]:
    """`args` as the component's `model`, held to it and to the component's `rules` (which derive what the
    component builds from, and find problems); raises ComponentArgsError."""
    pending: list[Any] = []
    hollow = _hollow(args, pending)

    def checked(values: Any) -> tuple[M, R]:
        parsed, problems = _parse_sound(model, values)
        derived = None
        if parsed is not None:
            derived, found = rules(parsed)
            problems = [*problems, *found]
        if problems:
            raise ComponentArgsError(component, name, problems)
        return parsed, derived  # type: ignore[return-value]

    known, derived = checked(_fill(hollow, [Pending(index) for index in range(len(pending))]))
    if not pending:
        return Checked(known, derived, known_output((known, derived)), False)
    # One Output of every value from another resource: Pulumi walks the args once (an Output per value
    # of a 200-run template cost more than the rest of the program: bench/).
    resolved = gathered(*pending).apply(lambda values: checked(_fill(hollow, values)))
    return Checked(known, derived, resolved, True, pending)
