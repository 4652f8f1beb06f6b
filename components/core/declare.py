"""How a concept is declared once: a pydantic model whose other forms derive from it.

Each concept (a run, a mount, a team's defaults, a component's args) is one
`Model`: fields in snake_case, as a Pulumi program writes them; the stack
config's camelCase spelling is their alias (`mount_path` is `mountPath`), so
one model validates both doors (`parse`), and every problem is reported in the
spelling of the door it came through. What else derives from a field is said
on the field itself:

- `Input[T]`: a value that can come from another resource. A component checks
  its args before it registers anything, with such values still `PENDING`, and
  again when they resolve; the served schema carries it as an input.
- `Setting(...)`: a run setting and how it combines across layers (run,
  Polyaxon file, team, stack); `settings.py` derives the layering from it, and
  `polyaxonfile.py` the file's spelling.
- `SECRET`: a credential, marked secret in the served schema.

Enumerations are string-valued `Enum`s (the schema carries them as enums) that
models keep as their plain values.
"""

from __future__ import annotations

import typing
from dataclasses import dataclass
from enum import Enum
from functools import cache
from typing import Any, Mapping, Optional, TypeVar, Union

from pydantic import BaseModel, ConfigDict, ValidationError, WrapValidator
from pydantic.alias_generators import to_camel
from pydantic.fields import FieldInfo

from .errors import Loc, Problem, problems_from_validation
from .pending import is_pending

T = TypeVar("T")


def _pending_or(value: Any, handler: Any) -> Any:
    return value if is_pending(value) else handler(value)


class Input:
    """`Input[T]`: a value that can come from another resource (a `pulumi.Input` in a component's args)."""

    def __class_getitem__(cls, item: Any) -> Any:
        return typing.Annotated[item, WrapValidator(_pending_or), cls]


class _SecretMark:
    def __repr__(self) -> str:
        return "SECRET"


SECRET = _SecretMark()
"""Marks a field holding credentials: the served schema marks it secret."""


class Combine(Enum):
    """How a run setting combines across the places that give it, most specific first."""

    FIRST = "the most specific place that gives it"
    UNION = "every place's items, each once"
    MERGED = "every place's keys, the most specific winning"
    SELECTOR = "the union of node labels, a label pinned two ways being a problem"
    RESOURCES = "per resource and side, held to the API server's rules"
    ALLOWED = "every place's items, each in the team's list of the same name"


@dataclass(frozen=True)
class Setting:
    """A run setting: how it combines, and its keys in a Polyaxon file's `environment` (none: not there)."""

    combine: Combine
    file: tuple[str, ...] = ()
    """The file's keys for it, the first canonical (`config_map_refs`, then its old name `configmap_refs`)."""
    file_type: Any = None
    """The file's own type for it, when the file spells it otherwise (Polyaxon's resources)."""
    allowed_by: str = ""
    """ALLOWED: the team's list (a TeamBounds field) that closes it."""


def setting(combine: Combine, *file: str, file_type: Any = None, allowed_by: str = "") -> Setting:
    return Setting(combine, tuple(file), file_type, allowed_by)


class Spelling(Enum):
    """The door a value came through, and so how its keys are spelled in messages."""

    CONFIG = "camelCase keys of a stack config"
    ARGS = "snake_case args of a Pulumi program"


class Model(BaseModel):
    """Base of every declared concept: unknown keys and loose types are errors; enumerations are plain values."""

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        frozen=True,
        alias_generator=to_camel,
        # A stack config's spelling unless `parse` says otherwise: a snake_case key there is a typo.
        validate_by_alias=True,
        validate_by_name=False,
        use_enum_values=True,
        # Defaults go through their validators too, so an enumeration's default is its value.
        validate_default=True,
        # A model's validator is built when it is first used: a stack that uses no cloud or Polyaxon file
        # never builds theirs.
        defer_build=True,
    )

    @classmethod
    def spelled(cls, field: str, spelling: Spelling) -> str:
        """A field's key in one spelling."""
        return _config_key(cls, field) if spelling is Spelling.CONFIG else field


@cache
def _config_key(model: type[Model], field: str) -> str:
    # Asked for each setting of each run: pydantic's `model_fields` is a descriptor, slower than the cache.
    return model.model_fields[field].alias or field


class FileModel(Model):
    """A model of a Polyaxon file, whose keys are Polyaxon's own snake_case (what it nests is still
    in the Kubernetes API's spelling, as Polyaxon passed it to the pod)."""

    model_config = ConfigDict(alias_generator=None)


def parse(model: type[Model], values: Any, spelling: Spelling, at: Loc = ()) -> tuple[Optional[Any], list[Problem]]:
    """`values` as a `model`, through one door; or every problem found, each at its path under `at`."""
    try:
        return (
            model.model_validate(
                values,
                by_alias=spelling is Spelling.CONFIG,
                by_name=spelling is Spelling.ARGS,
                context={"spelling": spelling},
            ),
            [],
        )
    except ValidationError as error:
        return None, problems_from_validation(error, at)


def spelling_of(info: Any) -> Spelling:
    """The spelling a validator is running under (a pydantic ValidationInfo)."""
    context = getattr(info, "context", None) or {}
    return context.get("spelling", Spelling.CONFIG)


def field_setting(info: FieldInfo) -> Optional[Setting]:
    return next((item for item in info.metadata if isinstance(item, Setting)), None)


def settings_of(model: type[Model]) -> dict[str, Setting]:
    """The run settings a model declares, by field name."""
    found = {}
    for name, info in model.model_fields.items():
        declared = field_setting(info)
        if declared is not None:
            found[name] = declared
    return found


def is_secret(info: FieldInfo) -> bool:
    return SECRET in info.metadata or SECRET in _annotated_marks(info.annotation)


def _annotated_marks(annotation: Any) -> tuple[Any, ...]:
    if typing.get_origin(annotation) is Union:
        return tuple(mark for arg in typing.get_args(annotation) for mark in _annotated_marks(arg))
    if typing.get_origin(annotation) is typing.Annotated:
        return annotation.__metadata__
    return ()


def given(model: BaseModel) -> Mapping[str, Any]:
    """The fields a model was given (not left at their defaults), by name."""
    return {name: getattr(model, name) for name in model.model_fields_set}


def enum_values(enum: type[Enum]) -> tuple[str, ...]:
    return tuple(str(member.value) for member in enum)
