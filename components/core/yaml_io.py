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


def to_yaml(documents: list[dict[str, Any]]) -> str:
    """Multi-document YAML for people and kubectl: keys in the order they were built, no anchors,
    multi-line text as blocks.

    Manifests are JSON values, so they go to PyYAML's (libyaml's) emitter as events, made here in one walk:
    PyYAML's representer and serializer would build a node per value, then ask the resolver twice per
    scalar, and a 200-run stack prints some 50,000 scalars, mostly the same few hundred texts, each made an
    event and resolved once here. The same text in under half the time (0.06 s against 0.15 s of CPU, bench
    stack, 2026-12); tests/core/test_yaml_io.py holds it to what PyYAML's own dumper prints."""
    resolver = yaml.resolver.Resolver()
    representer = yaml.SafeDumper(None)
    # One event per distinct scalar, appended wherever it is printed (the emitter keeps no identities).
    scalars: dict[tuple[str, str], yaml.ScalarEvent] = {}
    texts: dict[str, yaml.ScalarEvent] = {}
    mapping_start = yaml.MappingStartEvent(None, _MAP, True, flow_style=False)
    sequence_start = yaml.SequenceStartEvent(None, _SEQ, True, flow_style=False)
    mapping_end, sequence_end = yaml.MappingEndEvent(), yaml.SequenceEndEvent()
    events: list[yaml.Event] = [yaml.StreamStartEvent()]
    append = events.append

    def scalar(tag: str, text: str, style: Any) -> yaml.ScalarEvent:
        event = scalars.get((tag, text))
        if event is None:
            # (read back as `tag` when plain, when quoted): what decides whether the emitter quotes it.
            implicit = (resolver.resolve(yaml.ScalarNode, text, (True, False)) == tag, tag == _STR)
            event = scalars[tag, text] = yaml.ScalarEvent(None, tag, implicit, text, style=style)
        return event

    def walk(value: Any) -> None:
        kind = type(value)
        if kind is str:
            event = texts.get(value)
            if event is None:
                event = texts[value] = scalar(_STR, value, "|" if "\n" in value else None)
            append(event)
        elif kind is dict:
            append(mapping_start)
            for key, item in value.items():
                walk(key)
                walk(item)
            append(mapping_end)
        elif kind is list:
            append(sequence_start)
            for item in value:
                walk(item)
            append(sequence_end)
        else:
            node = representer.represent_data(value)
            append(scalar(node.tag, node.value, node.style))

    for document in documents:
        append(yaml.DocumentStartEvent(explicit=False))
        walk(document)
        append(yaml.DocumentEndEvent(explicit=False))
    append(yaml.StreamEndEvent())
    return yaml.emit(events, Dumper=_Dumper)
