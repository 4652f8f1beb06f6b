"""Rendering a Polyaxon file's templates (`{{ lr }}`, `{% for %}`, filters) so that rendering always ends, soon.

`render_template(text, params)` gives the rendered text, or raises TemplateProblem
whose message says in the user's words what is wrong: a syntax error, an
undefined variable, a division by zero, a template reaching for another file
(`include`, `import`, `extends`: there is no loader), or a bound passed.

How the time is bounded. Jinja's sandbox keeps a template from Python's
internals, but not from work: `{{ 'a' * 10**10 }}` or `{{ 10**10**10 }}` is one
operation in C that runs for minutes or exhausts memory, and no check between
Python steps (a signal handler, sys.settrace, a thread) runs until it returns.
So every operation that can allocate or loop more than its operands' size is
bounded *before it runs*, from its operands: the operators (intercepted through
the sandbox's binop hook), every call (the sandbox routes calls through
`Environment.call`), every filter (each wrapped), `~` and every piece of output
(the parsed template is rewritten to pass them through this module), and every
loop iteration (each `for` iterates through a counter). Each value a template
makes is then at most MAX_VALUE in size, so each step is short; each hook counts
a step and reads the clock, so the whole render stops at MAX_STEPS steps or
after MAX_SECONDS, whichever comes first (the step count keeps a render's
fate the same on a slow machine; the clock backs it up). The alternative, a
subprocess killed after a timeout, would cost a process per templated string
and still leave memory unbounded until the kill.
"""

from __future__ import annotations

import codecs
import functools
import inspect
import math
import re
import time
from contextvars import ContextVar
from typing import Any, Callable, Iterable, Iterator, Mapping, Optional

import jinja2
from jinja2 import nodes
from jinja2.ext import Extension
from jinja2.filters import FILTERS
from jinja2.sandbox import ImmutableSandboxedEnvironment, SandboxedFormatter, SecurityError
from jinja2.utils import Namespace
from jinja2.visitor import NodeTransformer
from markupsafe import EscapeFormatter, Markup

MAX_OUTPUT = 64 * 1024
"""Characters of one rendered string: it becomes a command, an argument or a setting of a pod, and a
Kubernetes object is at most 1.5 MiB in all; a `run.cmd` is rarely more than a few hundred."""
MAX_VALUE = 1024 * 1024
"""The size of any value a template makes: characters of text, items of lists and mappings (nested ones
counted whole), about the decimal digits of a number. Params are counted too when a template uses them."""
MAX_GENERATED = 1024 * 1024
"""Characters written by all output of a render, macros and `{% set %}` blocks included."""
MAX_INT_BITS = 10_000
"""About 3,000 decimal digits: below Python's 4,300-digit limit on writing a number as text, and
multiplying or dividing two such numbers takes microseconds."""
MAX_WIDTH = MAX_OUTPUT
"""Widths, lengths and counts given to filters and methods (`center`, `truncate`, `'{:>80}'`, `zfill`)."""
MAX_RANGE = 100_000
"""Numbers in one range(): Jinja's sandbox's own bound."""
MAX_NESTING = 100
"""Lists and mappings inside each other in one value (a YAML document holds at most 64)."""
MAX_STEPS = 100_000
"""Loop iterations, calls, filters and operators of one render: a template loops over its params."""
MAX_SECONDS = 2.0
"""Wall-clock time of one render, checked at every step."""


class TemplateProblem(Exception):
    """What is wrong with a template, in the user's words (the message of a Problem at its path)."""


class UndefinedVariable(TemplateProblem):
    """A template uses a variable no param gives."""


class _Bound(Exception):
    """A bound passed, raised from inside the render: its message says which."""


def render_template(text: str, params: Mapping[str, Any]) -> str:
    """`text` rendered with `params`; TemplateProblem for anything but a string of at most MAX_OUTPUT characters."""
    token = _BUDGET.set(_Budget())
    try:
        rendered = _compiled(text).render(**params)
    except TemplateProblem:
        raise
    except _Bound as error:
        raise TemplateProblem(f"cannot be rendered: {error}") from None
    except jinja2.UndefinedError as error:
        message = error.message or "a variable is undefined"
        if _UNDEFINED_NAME.search(message):
            raise UndefinedVariable(message) from None
        raise TemplateProblem(f"cannot be rendered: {message}") from None
    except jinja2.TemplateSyntaxError as error:
        raise TemplateProblem(f"is not a valid template: {error.message} (line {error.lineno})") from None
    except SecurityError as error:
        raise TemplateProblem(
            f"is not a valid template: {error} A template here reads its params, and does not change them or "
            "reach Python's internals"
        ) from None
    except ZeroDivisionError:
        raise TemplateProblem("cannot be rendered: it divides by zero") from None
    except RecursionError:
        raise TemplateProblem("cannot be rendered: it nests too deeply (a macro calling itself, or brackets inside brackets)") from None
    except MemoryError:
        raise TemplateProblem("cannot be rendered: it needs more memory than there is") from None
    except OverflowError as error:
        raise TemplateProblem(f"cannot be rendered: a number is too large ({error})") from None
    except Exception as error:  # noqa: BLE001 - every failure of a user's template is a message, never a traceback
        raise TemplateProblem(f"cannot be rendered: {_plain(error)}") from None
    finally:
        _BUDGET.reset(token)
    if len(rendered) > MAX_OUTPUT:
        raise TemplateProblem(
            f"renders to {len(rendered):,} characters, more than {MAX_OUTPUT:,}: a rendered value becomes part of "
            "the run's pod; keep it short, or put the data in a file the run reads"
        )
    return rendered


# How Jinja says a name, an attribute or an item is not there (anything else undefined is a filter's answer).
_UNDEFINED_NAME = re.compile(r"is undefined$|has no attribute|has no element")


def _plain(error: Exception) -> str:
    """An exception as words: its message, or its kind when it has none (IndexError('pop from empty list'))."""
    words = str(error.args[0]) if len(error.args) == 1 else str(error)
    return words if words and not isinstance(error, KeyError) else f"{type(error).__name__} {words}".strip()


@functools.lru_cache(maxsize=256)
def _compiled(text: str) -> jinja2.Template:
    """The template, its loops, `~` and output passing through the guard (once per text: a Polyaxon file's
    templates are rendered again for every run using it)."""
    environment = _environment()
    tree = environment.parse(text)
    tree = _Rewrite(environment.extensions[_Guard.identifier]).visit(tree)
    tree.set_environment(environment)
    return environment.from_string(tree)


# --- the budget of one render ----------------------------------------------------------------------


class _Budget:
    """The steps, time and output one render has left, and the sizes of the values it has met."""

    def __init__(self) -> None:
        self.steps = 0
        self.deadline = time.monotonic() + MAX_SECONDS
        self.generated = 0
        # id -> (value, size, nesting) of lists, tuples, sets and mappings met; the value is kept so that its id
        # is not reused. A template cannot change them (the immutable sandbox), so a size stays true.
        self._sizes: dict[int, tuple[Any, int, int]] = {}

    def step(self) -> None:
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise _Bound(
                f"it takes more than {MAX_STEPS:,} steps (loop iterations, calls, filters and operators): a template "
                "here loops over its params, not over large ranges"
            )
        if time.monotonic() > self.deadline:
            raise _Bound(f"it runs for more than {MAX_SECONDS:g} seconds")

    def size(self, value: Any) -> int:
        return self.measure(value)[0]

    def measure(self, value: Any, depth: int = 0) -> tuple[int, int]:
        """(size, nesting) of a value: characters of text, 1 + items (nested values whole) of a collection."""
        if isinstance(value, (str, bytes, bytearray)):
            return len(value), 0
        if isinstance(value, bool) or value is None or isinstance(value, float):
            return 1, 0
        if isinstance(value, int):
            return 1 + value.bit_length() // 3, 0
        if isinstance(value, range):
            return 1 + len(value), 1
        if isinstance(value, Namespace):  # changed by {% set ns.x %}: measured afresh each time
            return self._collection(list(value._Namespace__attrs.items()), depth)
        if not isinstance(value, (list, tuple, set, frozenset, dict)):
            return 1, 0
        known = self._sizes.get(id(value))
        if known is not None and known[0] is value:
            return known[1], known[2]
        items = list(value.items()) if isinstance(value, dict) else value
        size, nesting = self._collection(items, depth)
        self._sizes[id(value)] = (value, size, nesting)
        return size, nesting

    def _collection(self, items: Iterable[Any], depth: int) -> tuple[int, int]:
        if depth >= MAX_NESTING:
            raise _Bound(f"it makes a value of lists or mappings nested more than {MAX_NESTING} deep")
        size, nesting = 1, 0
        for item in items:
            item_size, item_nesting = self.measure(item, depth + 1)
            size += item_size
            nesting = max(nesting, item_nesting)
            if size > MAX_VALUE:
                break  # too large already: the caller says so
        return size, nesting + 1

    def check(self, what: str, value: Any) -> Any:
        """`value`, if it is within MAX_VALUE (and a number within MAX_INT_BITS)."""
        if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > MAX_INT_BITS:
            raise _Bound(f"{what} makes a number of more than {MAX_INT_BITS:,} bits")
        if self.size(value) > MAX_VALUE:
            raise _Bound(f"{what} makes a value larger than {_units(MAX_VALUE)}")
        return value

    def expect(self, what: str, size: float) -> None:
        """Refuse, before it runs, an operation that would make a value of `size`."""
        if size > MAX_VALUE:
            raise _Bound(f"{what} would make a value larger than {_units(MAX_VALUE)}")


def _units(size: int) -> str:
    return f"{size // (1024 * 1024)} MiB" if size % (1024 * 1024) == 0 else f"{size // 1024} KiB"


# --- operators ---------------------------------------------------------------------------------------


def _bits(value: Any) -> int:
    return abs(int(value)).bit_length() if isinstance(value, int) else 0


def _expect_binop(budget: _Budget, operator: str, left: Any, right: Any) -> None:
    """What `left <operator> right` would make, refused before it runs where it would be too large."""
    what = f"'{operator}'"
    if operator == "**" and isinstance(left, int) and isinstance(right, int) and right > 0 and abs(left) > 1:
        if math.log2(abs(left)) * right > MAX_INT_BITS:
            raise _Bound(f"{what} would make a number of more than {MAX_INT_BITS:,} bits")
    elif operator == "*":
        if isinstance(left, int) and isinstance(right, int):
            if _bits(left) + _bits(right) > MAX_INT_BITS:
                raise _Bound(f"{what} would make a number of more than {MAX_INT_BITS:,} bits")
        elif isinstance(right, int) and not isinstance(left, (int, float)):
            budget.expect(f"repeating a value with {what}", budget.size(left) * max(right, 0))
        elif isinstance(left, int) and not isinstance(right, (int, float)):
            budget.expect(f"repeating a value with {what}", budget.size(right) * max(left, 0))
    elif operator == "+" and not isinstance(left, (int, float)):
        budget.expect(f"joining values with {what}", budget.size(left) + budget.size(right))
    elif operator == "%" and isinstance(left, (str, bytes)):
        _expect_percent(budget, left, right)


_PERCENT = re.compile(r"%(?:\((?P<key>[^)]*)\))?[#0 +\-]*(?P<width>\*|\d+)?(?:\.(?P<precision>\*|\d+))?[hlL]?(?P<kind>.)", re.S)


def _expect_percent(budget: _Budget, text: Any, args: Any) -> None:
    """`text % args`: widths within MAX_WIDTH, and every use of a value counted (`'%(a)s%(a)s' % {'a': ...}`)."""
    fmt = text.decode("latin-1") if isinstance(text, bytes) else text
    values = args if isinstance(args, tuple) else (args,)
    size, index = len(fmt), 0
    for match in _PERCENT.finditer(fmt):
        if match["kind"] == "%":
            continue
        for number in (match["width"], match["precision"]):
            if number == "*":
                raise _Bound("a '*' width in %-formatting is not taken here: write the width in the format")
            if number is not None and (len(number) > 6 or int(number) > MAX_WIDTH):
                raise _Bound(f"a width or precision in %-formatting is more than {MAX_WIDTH:,}")
            size += int(number or 0)
        if match["key"] is not None and isinstance(args, Mapping):
            size += _text(budget, args.get(match["key"]))
        elif index < len(values):
            size += _text(budget, values[index])
            index += 1
    budget.expect("%-formatting", size)


class _Formatter(SandboxedFormatter):
    """str.format within bounds: every width within MAX_WIDTH, and all fields together within MAX_VALUE."""

    def __init__(self, environment: Any, budget: _Budget, **kwargs: Any) -> None:
        super().__init__(environment, **kwargs)
        self._budget, self._made = budget, 0

    def format_field(self, value: Any, format_spec: str) -> Any:
        for number in re.findall(r"\d+", format_spec):
            if len(number) > 6 or int(number) > MAX_WIDTH:
                raise _Bound(f"a width or precision in a format is more than {MAX_WIDTH:,}")
        self._made += _text(self._budget, value) + sum(int(n) for n in re.findall(r"\d+", format_spec))
        self._budget.expect("formatting", self._made)
        return super().format_field(value, format_spec)


class _EscapeFormatter(_Formatter, EscapeFormatter):
    """The same for Markup's format (text marked safe), which escapes what it formats in."""


# --- filters and methods -----------------------------------------------------------------------------


def _text(budget: _Budget, value: Any) -> int:
    """At most how long `str(value)` is: text its length, anything else its repr (quotes, commas: six times)."""
    return len(value) * (1 if isinstance(value, str) else 4) if isinstance(value, (str, bytes)) else 6 * budget.size(value)


def _length(value: Any) -> int:
    return len(value) if isinstance(value, (str, bytes)) else len(str(value))


def _count(text: Any, part: Any) -> int:
    text, part = str(text), str(part)
    return text.count(part) if part else len(text) + 1


# What a filter or method would make, from its arguments (bound by name), for those whose result can be
# many times their input: a width, a count, or one argument repeated per item or per line.
_FILTER_SIZES: dict[str, Callable[[_Budget, dict[str, Any]], float]] = {
    "center": lambda b, a: max(_length(a["value"]), _width(a["width"])),
    "indent": lambda b, a: _length(a["s"])
    + (str(a["s"]).count("\n") + 1) * (len(a["width"]) if isinstance(a["width"], str) else _width(a["width"])),
    "truncate": lambda b, a: _width(a["length"]) + _length(a["end"]),
    "wordwrap": lambda b, a: _length(a["s"]) * (1 + len(a["wrapstring"] or "\n")) + _width(a["width"]),
    "replace": lambda b, a: _length(a["s"])
    + min(_count(a["s"], a["old"]), a["count"] if isinstance(a["count"], int) and a["count"] >= 0 else math.inf)
    * _length(a["new"]),
    "join": lambda b, a: _text(b, a["value"]) + max(len(a["value"]) - 1, 0) * _length(a["d"]),
    "batch": lambda b, a: b.size(a["value"]) + _width(a["linecount"]) * (1 + b.size(a["fill_with"])),
    "slice": lambda b, a: b.size(a["value"]) + _width(a["slices"]) * (1 + b.size(a["fill_with"])),
    "tojson": lambda b, a: _nested_text(b, a["value"], a["indent"]),
    "pprint": lambda b, a: _nested_text(b, a["value"], 1),
    "urlize": lambda b, a: (_length(a["value"]) + 1) * (64 + _length(a["target"] or "") + _length(a["rel"] or "")),
    "format": lambda b, a: _format_filter(b, a["value"], a["args"], a["kwargs"]),
    "sum": lambda b, a: _numbers_only(a["start"]),
}
# Filters that take a whole sequence: a generator is made a list first (so it can be measured, and used once).
_WHOLE = {"join": "value", "batch": "value", "slice": "value", "tojson": "value", "pprint": "value"}


def _width(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        return 0 if value is None else _width(_as_int(value))
    if value > MAX_WIDTH:
        raise _Bound(f"a width, length or count of {value:,} is more than {MAX_WIDTH:,}")
    return max(value, 0)


def _as_int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _nested_text(budget: _Budget, value: Any, indent: Any) -> float:
    size, nesting = budget.measure(value)
    step = len(indent) if isinstance(indent, str) else _width(indent)
    return size * (6 + nesting * step)


def _format_filter(budget: _Budget, value: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> float:
    _expect_percent(budget, str(value), kwargs or args)
    return 0


def _numbers_only(start: Any) -> float:
    if not isinstance(start, (int, float)):
        raise _Bound("the sum filter adds numbers (lists and text are joined with join or a loop)")
    return 0


# Codecs that take time in proportion to the text. Others are Python code that may not (punycode takes
# 14 seconds for 8,000 distinct characters, and grows as their square), and no template needs them.
_CODECS = ("utf-8", "ascii", "iso8859-1", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be")


def _codec(name: Any) -> None:
    try:
        found = codecs.lookup(name).name if isinstance(name, str) else None
    except LookupError:
        found = None
    if found not in _CODECS:
        raise _Bound(f"the encoding {name!r} is not available here: use utf-8, ascii, latin-1, utf-16 or utf-32")


def _method_size(budget: _Budget, method: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> float:
    """What a method of text, bytes or a number would make, for those whose result can be many times its input."""
    owner, name = getattr(method, "__self__", None), getattr(method, "__name__", "")
    if isinstance(owner, (str, bytes)) and name in ("encode", "decode"):
        _codec(args[0] if args else kwargs.get("encoding", "utf-8"))
        return 10 * len(owner)  # an error handler such as xmlcharrefreplace writes up to 10 characters for one
    if isinstance(owner, (str, bytes)):
        if name in ("center", "ljust", "rjust", "zfill"):
            return max(len(owner), _width(args[0] if args else kwargs.get("width", 0)))
        if name == "expandtabs":
            return len(owner) + owner.count("\t" if isinstance(owner, str) else b"\t") * _width(
                args[0] if args else kwargs.get("tabsize", 8)
            )
        if name == "replace" and len(args) >= 2:
            count = args[2] if len(args) > 2 else kwargs.get("count", -1)
            found = owner.count(args[0]) if args[0] else len(owner) + 1
            return len(owner) + min(found, count if isinstance(count, int) and count >= 0 else math.inf) * len(args[1])
        if name == "join" and args:
            return budget.size(args[0]) + max(len(args[0]) - 1, 0) * len(owner)
        if name == "translate" and args and isinstance(args[0], Mapping):
            longest = max((len(v) for v in args[0].values() if isinstance(v, (str, bytes))), default=1)
            return len(owner) * max(longest, 1)
    if isinstance(owner, int) and name == "to_bytes":
        return _width(args[0] if args else kwargs.get("length", 1))
    return 0


# --- the environment ---------------------------------------------------------------------------------


class _Guard(Extension):
    """What the rewritten template calls: every loop's iterable, every `~` and every piece of output.
    (It keeps no state: the render's budget is in _BUDGET.)"""

    identifier = "polyaxon_storage.templates.guard"

    def iterate(self, iterable: Any) -> Iterator[Any]:
        budget = _BUDGET.get()
        for item in iterable:
            budget.step()
            yield item

    def concat(self, *values: Any) -> str:
        budget = _BUDGET.get()
        budget.expect("joining text with '~'", sum(_text(budget, value) for value in values))
        return budget.check("joining text with '~'", "".join(str(value) for value in values))

    def out(self, value: Any) -> str:
        budget = _BUDGET.get()
        budget.step()
        budget.expect("writing a value", _text(budget, value))
        text = str(value)
        budget.generated += len(text)
        if budget.generated > MAX_GENERATED:
            raise _Bound(
                f"it writes more than {_units(MAX_GENERATED)} of text (macros and set blocks included), where "
                f"what it renders may be at most {_units(MAX_OUTPUT)}"
            )
        return text


class _Rewrite(NodeTransformer):
    """The parsed template with its loops, `~` and output passing through the guard; no other template reached."""

    REFUSED = {
        nodes.Include: "include",
        nodes.Import: "import",
        nodes.FromImport: "from ... import",
        nodes.Extends: "extends",
    }

    def __init__(self, guard: _Guard) -> None:
        self.guard = guard

    def generic_visit(self, node: nodes.Node, *args: Any, **kwargs: Any) -> Any:
        tag = self.REFUSED.get(type(node))
        if tag is not None:
            raise TemplateProblem(
                f"is not a valid template: {{% {tag} %}} reads another template (line {node.lineno}), and a Polyaxon "
                "file's templates are rendered on their own here: write the text in place, or use a macro"
            )
        return super().generic_visit(node, *args, **kwargs)

    def visit_For(self, node: nodes.For) -> nodes.Node:
        node = self.generic_visit(node)
        node.iter = self.guard.call_method("iterate", [node.iter], lineno=node.lineno)
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Node:
        node = self.generic_visit(node)
        return self.guard.call_method("concat", node.nodes, lineno=node.lineno)

    def visit_Output(self, node: nodes.Output) -> nodes.Node:
        node = self.generic_visit(node)
        node.nodes = [
            self.guard.call_method(
                "out",
                [nodes.Const(child.data, lineno=child.lineno) if isinstance(child, nodes.TemplateData) else child],
                lineno=child.lineno,
            )
            for child in node.nodes
        ]
        return node


# What Jinja's compiled code passes to every call inside a loop or block, for pass_context functions.
_COMPILER_KEYWORDS = ("_loop_vars", "_block_vars")


class _Environment(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox (lists and mappings cannot be changed), without a loader, every operator,
    call and filter measured before it runs."""

    intercepted_binops = frozenset({"+", "-", "*", "/", "//", "%", "**"})

    def __init__(self) -> None:
        super().__init__(
            undefined=jinja2.StrictUndefined, keep_trailing_newline=True, loader=None, extensions=[_Guard]
        )
        self.globals.pop("lipsum", None)  # paragraphs of Lorem ipsum, in a Python loop of any length
        self.globals["range"] = self._range
        self.filters = {name: self._filter(name, function) for name, function in FILTERS.items()}

    @property
    def budget(self) -> _Budget:
        return _BUDGET.get()

    def _range(self, *args: int) -> range:
        numbers = range(*args)
        if len(numbers) > MAX_RANGE:
            raise _Bound(f"range() of {len(numbers):,} numbers is more than {MAX_RANGE:,}")
        return numbers

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        self.budget.step()
        _expect_binop(self.budget, operator, left, right)
        return self.budget.check(f"'{operator}'", super().call_binop(context, operator, left, right))

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        budget = __self.budget
        budget.step()
        if getattr(__obj, "__self__", None) is __self.extensions[_Guard.identifier]:
            return __obj(*args)  # without the compiler's _loop_vars and _block_vars
        for key, value in (*enumerate(args), *kwargs.items()):
            if key not in _COMPILER_KEYWORDS:
                budget.size(value)  # measured (and refused if nested too deep) before anything uses it
        if getattr(__obj, "__name__", "") == "join" and args and not isinstance(args[0], (list, tuple, str)):
            args = (list(args[0]), *args[1:])
        budget.expect(f"{getattr(__obj, '__name__', 'a call')}()", _method_size(budget, __obj, args, kwargs))
        name = getattr(__obj, "__name__", "a call")
        return budget.check(f"{name}()", super().call(__context, __obj, *args, **kwargs))

    def wrap_str_format(self, value: Any) -> Optional[Callable[..., str]]:
        wrapped = super().wrap_str_format(value)
        if wrapped is None:
            return None
        owner, is_map, budget = value.__self__, value.__name__ == "format_map", self.budget

        def bounded(*args: Any, **kwargs: Any) -> str:
            if is_map:
                if kwargs or len(args) != 1:
                    raise TypeError("format_map() takes exactly one argument")
                args, kwargs = (), args[0]
            formatter = (
                _EscapeFormatter(self, budget, escape=owner.escape) if isinstance(owner, Markup) else _Formatter(self, budget)
            )
            return budget.check("format()", type(owner)(formatter.vformat(owner, args, kwargs)))

        return functools.update_wrapper(bounded, value)

    def _filter(self, name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        signature, passed = inspect.signature(function), int(getattr(function, "jinja_pass_arg", None) is not None)
        size_of = _FILTER_SIZES.get(name)
        whole = _WHOLE.get(name)

        @functools.wraps(function)
        def bounded(*args: Any, **kwargs: Any) -> Any:
            budget = _BUDGET.get()
            budget.step()
            if whole is not None and len(args) > passed and not isinstance(args[passed], (list, tuple, str, dict)):
                args = (*args[:passed], list(args[passed]), *args[passed + 1 :])
            for value in (*args[passed:], *kwargs.values()):
                budget.size(value)
            if size_of is not None:
                bound = signature.bind(*args, **kwargs)
                bound.apply_defaults()
                budget.expect(f"the {name} filter", size_of(budget, dict(bound.arguments)))
            return budget.check(f"the {name} filter", function(*args, **kwargs))

        return bounded


@functools.lru_cache(maxsize=1)
def _environment() -> _Environment:
    """One environment for every render (Jinja's are safe to share); each render's budget is in _BUDGET."""
    return _Environment()


_BUDGET: ContextVar[_Budget] = ContextVar("polyaxon_storage_template_budget")
