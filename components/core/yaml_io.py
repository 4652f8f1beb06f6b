"""Reading the project's YAML files as the Pulumi CLI reads them, and writing manifests.

One reader serves stack configs, `Pulumi.yaml` and Polyaxon files: YAML 1.2
(`yes` and `no` are text), duplicate keys refused, dates kept as the text they
are (the CLI hands them over as strings), through ruamel.yaml: on libyaml's C
parser, and on ruamel's own YAML 1.2 parser for what libyaml (a YAML 1.1
parser) refuses but 1.2 allows, such as `{image: trainer:1}`. Its errors give a
line and column but never the file's text: a file named by mistake may hold
credentials. Manifests are written through PyYAML's
libyaml emitter, the pure-Python one having been a third of a small stack's
`render` (bench/).
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.constructor import DuplicateKeyError, SafeConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from .errors import ConfigError, Problem, child
from .names import a


class _Constructor(SafeConstructor):
    """YAML 1.2's core schema as the Pulumi CLI reads it: a date is the text it is written as."""


_Constructor.add_constructor("tag:yaml.org,2002:timestamp", SafeConstructor.construct_yaml_str)


def _reader(pure: bool) -> YAML:
    reader = YAML(typ="safe", pure=pure)
    reader.Constructor = _Constructor
    return reader


_fast, _full = _reader(pure=False), _reader(pure=True)
_QUOTED = re.compile(r"(['\"])(.*?)\1")


def _without_text(message: str) -> str:
    """A parser's message with the quoted pieces of the file left out, save YAML's own syntax (`','`, `'<stream end>'`)."""
    return _QUOTED.sub(lambda quoted: quoted[0] if len(quoted[2]) <= 3 or quoted[2].startswith("<") else "…", message)


def load_yaml(path: Path, what: str) -> Any:
    """A YAML file's one document, as JSON-like data; anything else is a problem at its path."""
    try:
        text = path.read_bytes().decode("utf-8")
    except OSError as error:
        raise ConfigError([Problem(str(path), f"cannot read the {what}: {error.strerror}")]) from None
    except UnicodeDecodeError:
        raise ConfigError([Problem(str(path), f"is not {a(what)}: it is not UTF-8 text")]) from None
    try:
        document = _load(text)
    except DuplicateKeyError as error:
        mark = error.problem_mark
        raise ConfigError(
            [Problem(str(path), f"gives one key twice in a mapping, at line {mark.line + 1}, column {mark.column + 1}")]
        ) from None
    except MarkedYAMLError as error:
        raise ConfigError([Problem(str(path), f"is not valid YAML: {_described(error)}")]) from None
    except (YAMLError, RecursionError):
        raise ConfigError([Problem(str(path), "is not valid YAML")]) from None
    problems = list(_not_json(document, str(path) + ":", set()))
    if problems:
        raise ConfigError(problems)
    return document


def load_scalar(text: str) -> Any:
    """A value given on a command line, read as a YAML 1.2 scalar (`0.01`, `true`, `text`); ValueError otherwise."""
    try:
        value = _load(text)
    except YAMLError:
        raise ValueError("is not a YAML scalar (quote it, or leave out ': ', '#' and brackets)") from None
    if isinstance(value, (dict, list)) or (isinstance(value, float) and not math.isfinite(value)):
        raise ValueError("must be a scalar: a number, true/false or text")
    return value


def _load(text: str) -> Any:
    try:
        return _fast.load(text)
    except DuplicateKeyError:
        raise
    except MarkedYAMLError:
        return _full.load(text)


def _described(error: MarkedYAMLError) -> str:
    """What is wrong and where, without the file's text (quoted pieces of it are left out, save syntax)."""
    words = " ".join(_without_text(part) for part in (error.context, error.problem) if part)
    mark = error.problem_mark or error.context_mark
    return f"{words} (line {mark.line + 1}, column {mark.column + 1})" if mark else words


def _not_json(value: Any, path: str, seen: set[int]) -> list[Problem]:
    """Where a document holds what JSON, and so the Pulumi CLI, cannot carry."""
    if isinstance(value, (dict, list)):
        if id(value) in seen:
            return [Problem(path, "refers to itself through an alias")]
        seen = seen | {id(value)}
        items = value.items() if isinstance(value, dict) else enumerate(value)
        return [problem for key, item in items for problem in _not_json(item, _at(path, key), seen)]
    if isinstance(value, float) and not math.isfinite(value):
        return [Problem(path, "is not a finite number")]
    if value is None or isinstance(value, (str, int, float, bool)):
        return []
    return [Problem(path, "holds a value that is not text, a number, true/false, a list or a mapping")]


def _at(path: str, key: Any) -> str:
    return f"{path}[{key}]" if isinstance(key, int) and not isinstance(key, bool) else child(path, str(key))


_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _ManifestDumper(_Dumper):  # type: ignore[misc, valid-type]
    """Plain YAML for people and kubectl: no anchors, multi-line strings as blocks."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _string(dumper: _ManifestDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_ManifestDumper.add_representer(str, _string)


def to_yaml(documents: list[dict[str, Any]]) -> str:
    """Multi-document YAML, keys in the order they were built."""
    return yaml.dump_all(documents, Dumper=_ManifestDumper, sort_keys=False, default_flow_style=False)
