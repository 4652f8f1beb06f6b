"""Reading the project's YAML files as the Pulumi CLI reads them, and writing manifests.

One reader serves stack configs, `Pulumi.yaml` and Polyaxon files: YAML 1.2
(`yes` and `no` are text), duplicate keys refused, dates kept as the text they
are (the CLI hands them over as strings), through ruamel.yaml: on libyaml's C
parser, and on ruamel's own YAML 1.2 parser for what libyaml (a YAML 1.1
parser) refuses but 1.2 allows, such as `{image: trainer:1}`. Its errors give a
line and column but never the file's text: a file named by mistake may hold
credentials. Reading is bounded (bounded_yaml.py): the file's size, the
document's depth and its values once aliases are expanded; keys are text.
Manifests are written through PyYAML's libyaml emitter, the pure-Python one
having been a third of a small stack's `render` (bench/).
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.constructor import DuplicateKeyError, SafeConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from .bounded_yaml import SLOW_PARSER_MAX_CHARS, Bound, Yaml12Resolver, compose, read_bounded
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
        text = read_bounded(path).decode("utf-8")
    except Bound as error:
        raise ConfigError([Problem(str(path), error.message(what))]) from None
    except OSError as error:
        raise ConfigError([Problem(str(path), f"cannot read the {what}: {error.strerror}")]) from None
    except UnicodeDecodeError:
        raise ConfigError([Problem(str(path), f"is not {a(what)}: it is not UTF-8 text")]) from None
    try:
        document = _load(text)
    except Bound as error:
        raise ConfigError([Problem(str(path), error.message(what))]) from None
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
    except Bound as error:
        raise ValueError(error.message("value")) from None
    except YAMLError:
        raise ValueError("is not a YAML scalar (quote it, or leave out ': ', '#' and brackets)") from None
    if isinstance(value, (dict, list)) or (isinstance(value, float) and not math.isfinite(value)):
        raise ValueError("must be a scalar: a number, true/false or text")
    return value


def _load(text: str) -> Any:
    try:
        return _bounded(_fast, text)
    except DuplicateKeyError:
        raise
    except MarkedYAMLError as error:
        if len(text) > SLOW_PARSER_MAX_CHARS:
            # Too long for the pure-Python parser to read in a few seconds: libyaml's error, and why.
            raise Bound(
                f"is not valid YAML: {_described(error)}; a {{what}} over 128 KiB is read by libyaml only, which "
                "refuses some YAML 1.2, such as ':' inside a plain value in [ ] or { }: quote such values"
            ) from None
        return _bounded(_full, text)


def _bounded(reader: YAML, text: str) -> Any:
    """The document, composed from `reader`'s events within bounded_yaml's bounds (Bound past them)."""
    events = reader.parse(text)
    try:
        node = compose(events)
    finally:
        # The reader's one parser is reset when its events end: at once, not when the garbage collector finds
        # a generator left by a refusal (the next file would be read by a parser in the middle of this one).
        events.close()
    return None if node is None else _Constructor(loader=_LOADER).construct_document(node)


# What the constructor asks of its loader: the resolver, for YAML 1.2's integers.
_LOADER = SimpleNamespace(_resolver=Yaml12Resolver())


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


_STR, _MAP, _SEQ = "tag:yaml.org,2002:str", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"


class _ManifestDumper(_Dumper):  # type: ignore[misc, valid-type]
    """Plain YAML for people and kubectl: no anchors, multi-line strings as blocks, mappings in the order built.

    Manifests are JSON values: their text, mappings and lists become nodes here directly, without the
    representer's search for each value's representer, and each scalar's implicit tag is resolved once per
    text (a 200-run stack prints some 50,000 scalars, mostly the same few hundred). What is printed is what
    the representer would print."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._resolved: dict[tuple[str, Any], str] = {}

    def ignore_aliases(self, data: Any) -> bool:
        return True

    def represent_data(self, data: Any) -> yaml.Node:
        kind = type(data)
        if kind is str:
            return yaml.ScalarNode(_STR, data, style="|" if "\n" in data else None)
        if kind is dict:
            pairs = [(self.represent_data(key), self.represent_data(value)) for key, value in data.items()]
            return yaml.MappingNode(_MAP, pairs, flow_style=False)
        if kind is list:
            return yaml.SequenceNode(_SEQ, [self.represent_data(item) for item in data], flow_style=False)
        return super().represent_data(data)

    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        if kind is not yaml.ScalarNode:
            return super().resolve(kind, value, implicit)
        key = (value, implicit)
        found = self._resolved.get(key)
        if found is None:
            found = self._resolved[key] = super().resolve(kind, value, implicit)
        return found


def to_yaml(documents: list[dict[str, Any]]) -> str:
    """Multi-document YAML, keys in the order they were built."""
    return yaml.dump_all(documents, Dumper=_ManifestDumper)
