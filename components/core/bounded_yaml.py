"""Bounds on reading a YAML file: how many bytes, how deep, how many values once aliases are expanded.

`yaml_io.load_yaml` reads every file a user names (stack configs, `Pulumi.yaml`,
Polyaxon files) through here, so that whatever the path holds, reading it ends
soon with the document or with a message:

- the file: a regular file (a device such as /dev/zero, a pipe or a socket is
  refused before it is opened, so nothing blocks), of which at most
  `MAX_FILE_BYTES + 1` bytes are ever read;
- the document: composed here from the parser's events, without recursion, so
  that nesting is counted before the collection is built (libyaml's own
  composer recurses in C: 100,000 `[` crash the interpreter), and every value
  is counted as it is composed, an alias by what it expands to (so an alias
  bomb is stopped after at most `MAX_NODES` values' work, not after it has
  been expanded); a mapping key is text, as JSON and the Pulumi CLI have it.

The events come from ruamel.yaml's parsers (libyaml's, or ruamel's own YAML 1.2
parser); the nodes built here are ruamel's, constructed by the caller's
constructor as ruamel would, so values read the same as before the bounds.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Optional

from ruamel.yaml.composer import ComposerError
from ruamel.yaml.events import (
    AliasEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
)
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from ruamel.yaml.resolver import VersionedResolver

# The bounds. Real configs are far inside them: the largest stack shipped in stacks/ is 2.5 KB, 77
# lines, 7 levels deep; bench/run.py's generated 200-run, 20-team, 40-volume stack is 64 KB, 6,300
# values, 7 levels deep (its biggest in-memory catalog, 4,000 runs, would be 1.1 MB and 112,000
# values). A Kubernetes pod spec written inside a run (affinity, tolerations) nests about a dozen
# levels; Polyaxon params are small JSON.
MAX_FILE_BYTES = 1024 * 1024
"""1 MiB: 16 times the 200-run stack; libyaml parses that in a fraction of a second."""
MAX_DEPTH = 64
"""Lists and mappings inside each other, aliases counted at the depth they are used. Deeper is a runaway
`[` or a generated file, never a config; and everything downstream (validation, rendering templates,
writing manifests) walks the data recursively, so this keeps it far below Python's recursion limit."""
MAX_NODES = 100_000
"""Values (scalars, lists, mappings) once aliases are expanded: 16 times the 200-run stack, about what
1 MiB of such a config holds; composing, checking and planning that many takes a second or two. An alias
repeats what its anchor holds, so ten aliases of ten aliases of ... make 10^9 values from a few lines."""
MAX_INTEGER_CHARS = 100
"""A whole number's text: Kubernetes' widest field is 64 bits (20 digits, or 66 characters as 0b...).
Python refuses to convert decimal text of more than 4,300 digits (a ValueError from deep in the
constructor), and a longer hexadecimal number would be refused when it is written out as text."""
SLOW_PARSER_MAX_CHARS = 128 * 1024
"""ruamel's pure-Python parser, which reads the YAML 1.2 libyaml refuses (`{image: trainer:1}`), reads
60 to 400 KB a second: a file larger than 128 KiB (twice the 200-run stack) is read by libyaml only."""

_TEXT_KEY_TAGS = (
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:timestamp",  # read as the text it is (yaml_io's constructor)
    "tag:yaml.org,2002:merge",  # `<<: *defaults`, which the Pulumi CLI's YAML reader also merges
)


class Yaml12Resolver(VersionedResolver):
    """YAML 1.2's core schema, the version libyaml's path in ruamel always resolved with; fixed, since
    asking for the version (ruamel looks for the loader's scanner) was most of the time of composing."""

    processing_version = (1, 2)


_RESOLVER = Yaml12Resolver()


@lru_cache(maxsize=4096)
def _scalar_tag(value: str, implicit: tuple[bool, bool]) -> Any:
    """The tag of an untagged scalar: values repeat in a config (`true`, `1`, image names), resolving does not."""
    return _RESOLVER.resolve(ScalarNode, value, implicit)


class Bound(Exception):
    """A file or document past one of the reader's bounds; `message(what)` says which, in the user's words."""

    def __init__(self, words: str, mark: Any = None):
        super().__init__(words)
        self.words = words
        self.mark = mark

    def message(self, what: str) -> str:
        where = f" (line {self.mark.line + 1}, column {self.mark.column + 1})" if self.mark is not None else ""
        return self.words.replace("{where}", where).replace("{what}", what)


def _size(limit: int) -> str:
    return f"{limit // (1024 * 1024)} MiB" if limit % (1024 * 1024) == 0 else f"{limit:,} bytes"


def read_bounded(path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of a regular file of at most `limit` bytes; OSError as `open` raises it, Bound past the limits.

    Whatever the file claims as its size (files under /proc claim 0), no more than `limit + 1` bytes are read.
    """
    mode = os.stat(path).st_mode
    if stat.S_ISDIR(mode):
        raise Bound("is a directory, not a {what}: give the path of the file")
    if not stat.S_ISREG(mode):
        raise Bound("is not a {what}: it is a device, pipe or socket, not a file; give the path of a YAML file")
    with open(path, "rb") as file:
        data = file.read(limit + 1)
    if len(data) > limit:
        raise Bound(
            f"is larger than {_size(limit)}: a {{what}} is read whole, and one this large is not a config "
            "(check the path; split a generated config into several stacks)"
        )
    return data


@dataclass
class _Open:
    """A list or mapping being composed: its node, and the values and levels found in it so far."""

    node: Node
    size: int = 1
    height: int = 1
    key: Optional[Node] = None
    pairs: list[tuple[Node, Node]] = field(default_factory=list)


# Sizes of anchors whose collection is still open: an alias to it makes a cycle, which the
# caller reports ("refers to itself through an alias"); it is counted as one value here.
_OPEN = (1, 0)


def compose(events: Iterable[Any], max_depth: int = MAX_DEPTH, max_nodes: int = MAX_NODES) -> Optional[Node]:
    """The one document of a stream of parser events, as ruamel's node graph; Bound past the bounds.

    Without recursion: the open lists and mappings are a stack, checked against `max_depth` before one
    more is opened. `total` counts every value as it is composed, an alias as the values its anchor
    holds (known once the anchor's collection is closed), and stops at `max_nodes`.
    """
    anchors: dict[Any, tuple[Node, int, int]] = {}
    stack: list[_Open] = []
    total = 0
    documents = 0
    root: Optional[Node] = None

    def count(amount: int, mark: Any) -> None:
        nonlocal total
        total += amount
        if total > max_nodes:
            raise Bound(
                f"holds more than {max_nodes:,} values once its aliases are expanded{{where}}: an alias repeats "
                "everything its anchor holds, and a {what} is never this large (an alias bomb?); write the "
                "values out, or reuse fewer",
                mark,
            )

    def deeper(levels: int, mark: Any) -> None:
        if len(stack) + levels > max_depth:
            raise Bound(
                f"nests lists and mappings more than {max_depth} deep{{where}}: a {{what}} is never this deep; "
                "look for an unclosed '[' or '{' or a runaway alias",
                mark,
            )

    def done(node: Node, size: int, height: int) -> None:
        nonlocal root
        if not stack:
            root = node
            return
        parent = stack[-1]
        parent.size += size
        parent.height = max(parent.height, height + 1)
        if isinstance(parent.node, SequenceNode):
            parent.node.value.append(node)
        elif parent.key is None:
            _check_key(node)
            parent.key = node
        else:
            parent.pairs.append((parent.key, node))
            parent.key = None

    for event in events:
        if isinstance(event, DocumentStartEvent):
            documents += 1
            if documents > 1:
                raise ComposerError(
                    "expected a single document in the stream", None, "but found another document", event.start_mark
                )
            anchors = {}
        elif isinstance(event, AliasEvent):
            if event.anchor not in anchors:
                raise ComposerError(None, None, f"found undefined alias {event.anchor!r}", event.start_mark)
            node, size, height = anchors[event.anchor]
            count(size, event.start_mark)
            deeper(height, event.start_mark)
            done(node, size, height)
        elif isinstance(event, ScalarEvent):
            count(1, event.start_mark)
            tag = event.ctag
            if tag is None or str(tag) == "!":
                tag = _scalar_tag(event.value, event.implicit)
            if len(event.value) > MAX_INTEGER_CHARS and str(tag) == "tag:yaml.org,2002:int":
                raise Bound(
                    f"has a whole number of more than {MAX_INTEGER_CHARS} characters{{where}}: no setting of a "
                    "{what} takes one (Kubernetes' widest numbers are 64 bits); quote it if it is text",
                    event.start_mark,
                )
            node = ScalarNode(tag, event.value, event.start_mark, event.end_mark, style=event.style, anchor=event.anchor)
            if event.anchor is not None:
                anchors[event.anchor] = (node, 1, 0)
            done(node, 1, 0)
        elif isinstance(event, (SequenceStartEvent, MappingStartEvent)):
            count(1, event.start_mark)
            deeper(1, event.start_mark)
            kind = SequenceNode if isinstance(event, SequenceStartEvent) else MappingNode
            tag = event.ctag
            if tag is None or str(tag) == "!":
                tag = _RESOLVER.resolve(kind, None, event.implicit)
            node = kind(tag, [], event.start_mark, None, flow_style=event.flow_style, anchor=event.anchor)
            if event.anchor is not None:
                anchors[event.anchor] = (node, *_OPEN)
            stack.append(_Open(node))
        elif isinstance(event, (SequenceEndEvent, MappingEndEvent)):
            closed = stack.pop()
            closed.node.end_mark = event.end_mark
            if isinstance(closed.node, MappingNode):
                closed.node.value = closed.pairs
            if closed.node.anchor is not None:
                anchors[closed.node.anchor] = (closed.node, closed.size, closed.height)
            done(closed.node, closed.size, closed.height)
    return root


def _check_key(node: Node) -> None:
    """A mapping key is text: JSON, and so the Pulumi CLI and Kubernetes, have no other keys."""
    if not isinstance(node, ScalarNode):
        raise Bound(
            "has a mapping key that is a list or mapping{where}: keys of a {what} are text; "
            "write the key as text, or make the list or mapping a value",
            node.start_mark,
        )
    if node.tag not in _TEXT_KEY_TAGS:
        raise Bound(
            "has a mapping key that is not text (a number, true/false or null){where}: keys of a {what} are "
            "text; quote the key, such as \"1\": rather than 1:",
            node.start_mark,
        )
