"""Config problems, each tied to the config path where it was found."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence, Union

from pydantic import ValidationError

from .pending import is_pending

Loc = Sequence[Union[str, int]]

# Pydantic puts the tag of a discriminated union into the error location;
# tags start with this marker so they can be dropped from the config path.
TAG_MARKER = "kind:"


def child(path: str, key: str) -> str:
    """The config path of `key` under `path` (a file location ends in ':')."""
    if not path:
        return key
    return f"{path} {key}" if path.endswith(":") else f"{path}.{key}"


def config_path(loc: Loc) -> str:
    """Format a location as a config path: `runs.train.data_refs[1]`."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part.startswith(TAG_MARKER) or part == "[key]":
            continue  # a union's tag, or pydantic's marker of a bad mapping key: the key itself is the path
        else:
            path = child(path, part)
    return path


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the config, and where."""

    path: str
    message: str

    def __str__(self) -> str:
        if not self.path:
            return self.message
        # A file location already ends in ':' (`train.yaml:`).
        return f"{self.path} {self.message}" if self.path.endswith(":") else f"{self.path}: {self.message}"


class ConfigError(Exception):
    """Every problem found in one pass over the config."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = list(problems)
        super().__init__(self.report())

    def report(self) -> str:
        count = len(self.problems)
        head = f"polyaxon-storage: {count} problem{'s' if count != 1 else ''} found:"
        return "\n".join([head, *(f"  - {problem}" for problem in self.problems)])


# Pydantic's messages, by error type, in the words of a stack file.
_MESSAGES = {
    "extra_forbidden": "unknown key here (check its spelling and the config reference)",
    "missing": "required key is missing",
    "string_type": "must be text",
    "string_too_short": "may not be empty",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_type": "must be a number",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "list_type": "must be a list",
    "dict_type": "must be a mapping (key: value)",
    "model_type": "must be a mapping (key: value)",
    "model_attributes_type": "must be a mapping (key: value)",
}


def problems_from_validation(error: ValidationError, prefix: Loc = ()) -> list[Problem]:
    """Turn pydantic's errors into problems with config paths, in the user's words."""
    problems = []
    for detail in error.errors(include_url=False):
        kind = detail["type"]
        if is_pending(detail.get("input")):
            # An Output where the rules need the value itself.
            message = "comes from another resource here, but the rules compute with it: give a plain value"
        elif kind in _MESSAGES:
            message = _MESSAGES[kind]
        elif kind in ("literal_error", "enum"):
            message = f"must be {detail['ctx']['expected']}"
        elif kind in ("value_error", "assertion_error"):
            message = str(detail["ctx"]["error"])
        else:
            message = detail["msg"]
        problems.append(Problem(config_path([*prefix, *detail["loc"]]), message))
    return problems
