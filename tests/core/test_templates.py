"""The template evaluator of Polyaxon files: normal templates render as before; anything else is a message
(never a traceback), and no template runs long or fills memory, however it is written."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from components.core import templates
from components.core.config.polyaxonfile import load_polyaxonfile
from components.core.errors import ConfigError
from components.core.templates import MAX_OUTPUT, TemplateProblem, UndefinedVariable, render_template
from conftest import PROJECT_DIR

PARAMS = {"lr": 0.01, "epochs": 10, "layers": [64, 128], "opts": {"momentum": 0.9, "nesterov": True}, "name": "resnet"}


def problem(text: str, params: dict[str, Any] = PARAMS) -> str:
    with pytest.raises(TemplateProblem) as caught:
        render_template(text, params)
    return str(caught.value)


# --- what users write renders as it did -----------------------------------------------------------


@pytest.mark.parametrize(
    "text, rendered",
    [
        ("python train.py --lr={{ lr }}", "python train.py --lr=0.01"),
        ("{{ lr * 10 }} {{ epochs // 3 }} {{ epochs % 3 }} {{ 2 ** 10 }} {{ epochs - 1 }} {{ epochs / 4 }}", "0.1 3 1 1024 9 2.5"),
        ("{{ name|upper }} {{ name|replace('net', 'NET') }} {{ missing|default('x') }} {{ lr|round(1) }}", "RESNET resNET x 0.0"),
        ("{{ layers|join(',') }} {{ layers|length }} {{ layers|first }} {{ opts|tojson }}", '64,128 2 64 {"momentum": 0.9, "nesterov": true}'),
        ("{% for size in layers %}--layer={{ size }}{% if not loop.last %} {% endif %}{% endfor %}", "--layer=64 --layer=128"),
        ("{% for key, value in opts|dictsort %}--{{ key }}={{ value }} {% endfor %}", "--momentum=0.9 --nesterov=True "),
        ("{% if epochs > 5 %}long{% elif epochs > 1 %}short{% else %}one{% endif %}", "long"),
        ("{% macro flag(n, v) %}--{{ n }}={{ v }}{% endmacro %}{{ flag('lr', lr) }} {{ flag('epochs', epochs) }}", "--lr=0.01 --epochs=10"),
        ("{% set ns = namespace(total=0) %}{% for l in layers %}{% set ns.total = ns.total + l %}{% endfor %}{{ ns.total }}", "192"),
        ("{{ name ~ '-' ~ epochs }} {{ '%s:%03d'|format(name, epochs) }} {{ '{}/{:>4}'.format(name, epochs) }}", "resnet-10 resnet:010 resnet/  10"),
        ("{{ layers|map('string')|map('upper')|join }} {{ range(3)|list }} {{ layers|sum }}", "64128 [0, 1, 2] 192"),
        ("{{ 10**10**10 }}", "1" + "0" * 100),  # Jinja's ** is left-associative: (10**10)**10
        ("{{ name.encode('utf-8')|length }} {{ ('<b>{}</b>'|safe).format('<i>') }}", "6 <b>&lt;i&gt;</b>"),
        ("{# a comment #}echo {{ 'a' * 3 }}\n", "echo aaa\n"),  # the trailing newline is kept
    ],
)  # fmt: skip
def test_normal_templates_render(text, rendered):
    assert render_template(text, PARAMS) == rendered


# --- every failure is a message in the user's words ---------------------------------------------


@pytest.mark.parametrize(
    "text, words",
    [
        pytest.param("{{ 1/0 }}", "cannot be rendered: it divides by zero", id="division-by-zero"),
        pytest.param("{{ epochs // 0 }}", "it divides by zero", id="floor-division-by-zero"),
        pytest.param("{{ 1 + 'a' }}", "cannot be rendered: unsupported operand type(s) for +: 'int' and 'str'", id="type-error"),
        pytest.param("{{ 'abc'.index('z') }}", "cannot be rendered: substring not found", id="value-error"),
        pytest.param("{{ '{1}'.format('a') }}", "cannot be rendered: tuple index out of range", id="index-error"),
        pytest.param("{{ {'a': 1}['b'] + 1 }}", "has no attribute 'b'", id="undefined-item-in-arithmetic"),
        pytest.param("{{ []|random }}", "cannot be rendered: No random item, sequence was empty.", id="empty-random"),
        pytest.param("{{ [].pop() }}", "is not a valid template: access to attribute 'pop' of 'list' object is unsafe. A template here reads its params, and does not change them", id="pop"),
        pytest.param("{{ layers.append(1) }}", "'append' of 'list' object is unsafe", id="append-to-a-param"),
        pytest.param("{{ ''.__class__.__mro__ }}", "is not a valid template", id="dunder"),
        pytest.param("{{ lr }", "is not a valid template: unexpected '}' (line 1)", id="syntax"),
        pytest.param("{{ lr|nosuchfilter }}", "is not a valid template: No filter named 'nosuchfilter'.", id="unknown-filter"),
        pytest.param("{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}", "cannot be rendered: it nests too deeply", id="endless-recursion"),
        pytest.param("{{ " + "(" * 5000 + "1" + ")" * 5000 + " }}", "it nests too deeply", id="deep-brackets"),
        pytest.param("{{ lipsum(5) }}", "'lipsum' is undefined", id="no-lipsum"),
    ],
)  # fmt: skip
def test_a_failing_template_is_a_message(text, words):
    assert words in problem(text)


@pytest.mark.parametrize("tag", ["{% include 'other.yaml' %}", "{% import 'm.j2' as m %}", "{% from 'm.j2' import f %}", "{% extends 'base.j2' %}"])
def test_a_template_cannot_reach_another_file(tag):
    found = problem("echo " + tag)
    assert found.startswith("is not a valid template: {% ") and "reads another template (line 1)" in found, found
    assert "rendered on their own here: write the text in place, or use a macro" in found


def test_an_undefined_variable_is_told_apart_from_other_failures():
    with pytest.raises(UndefinedVariable, match="'learning_rate' is undefined"):
        render_template("{{ learning_rate }}", PARAMS)
    with pytest.raises(UndefinedVariable, match="has no attribute 'dampening'"):
        render_template("{{ opts.dampening }}", PARAMS)


# --- bounded: every template ends soon, and makes nothing large ----------------------------------

RENDER_IN_A_PROCESS = """
import json, sys, time
from components.core.templates import TemplateProblem, render_template
started = time.monotonic()
try:
    result = "rendered " + str(len(render_template(sys.argv[1], json.loads(sys.argv[2]))))
except TemplateProblem as error:
    result = str(error)
print(json.dumps([result, time.monotonic() - started]))
"""


def render_in_a_process(text: str, params: dict[str, Any] = PARAMS) -> tuple[str, float]:
    """(message, seconds) of rendering in a process of its own: a template that hangs or fills memory fails the
    test after 20 seconds instead of hanging the run."""
    result = subprocess.run(
        [sys.executable, "-c", RENDER_IN_A_PROCESS, text, json.dumps(params)],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=20,
    )
    assert result.returncode == 0 and not result.stderr, result.stderr[-2000:]
    message, seconds = json.loads(result.stdout)
    return message, seconds


@pytest.mark.parametrize(
    "text, words",
    [
        pytest.param("{{ range(10**9)|list }}", "range() of 1,000,000,000 numbers is more than 100,000", id="huge-range"),
        pytest.param("{{ 10 ** (10 ** 10) }}", "'**' would make a number of more than 10,000 bits", id="huge-power"),
        pytest.param("{{ 'a' * 10**10 }}", "repeating a value with '*' would make a value larger than 1 MiB", id="huge-string"),
        pytest.param("{{ [0] * 10**9 }}", "would make a value larger than 1 MiB", id="huge-list"),
        pytest.param("{{ (10**3000) * (10**3000) }}", "'*' would make a number of more than 10,000 bits", id="huge-product"),
        pytest.param("{{ 'a'|center(10**9) }}", "a width, length or count of 1,000,000,000 is more than 65,536", id="center-filter"),
        pytest.param("{{ 'a'.ljust(10**9) }}", "is more than 65,536", id="ljust-method"),
        pytest.param("{{ (1).to_bytes(10**9, 'big') }}", "is more than 65,536", id="to-bytes"),
        pytest.param("{{ '{:>1000000000}'.format(1) }}", "a width or precision in a format is more than 65,536", id="format-width"),
        pytest.param("{{ '{0}{0}{0}{0}'.format('a' * 500000) }}", "formatting would make a value larger than 1 MiB", id="format-repeats"),
        pytest.param("{{ '%1000000000d' % 1 }}", "a width or precision in %-formatting is more than 65,536", id="percent-width"),
        pytest.param("{{ '%(a)s%(a)s%(a)s' % {'a': 'x' * 400000} }}", "%-formatting would make a value larger", id="percent-repeats"),
        pytest.param("{{ ('a' * 1000).replace('a', 'b' * 10000) }}", "would make a value larger than 1 MiB", id="replace-method"),
        pytest.param("{{ ('a' * 1000)|replace('a', 'b' * 10000) }}", "the replace filter would make a value larger", id="replace-filter"),
        pytest.param("{{ range(1000)|join('x' * 10000) }}", "the join filter would make a value larger than 1 MiB", id="join-filter"),
        pytest.param("{{ ('x' * 10000).join(range(1000)|map('string')) }}", "join() would make a value larger", id="join-method"),
        pytest.param("{{ ('\t' * 1000).expandtabs(60000) }}", "expandtabs() would make a value larger", id="expandtabs"),
        pytest.param("{{ ('a\n' * 10000)|indent(60000) }}", "the indent filter would make a value larger", id="indent"),
        pytest.param("{{ range(100)|tojson(indent=60000) }}", "the tojson filter would make a value larger", id="tojson-indent"),
        pytest.param("{{ [[1]] * 10 | sum(start=[]) }}", "the sum filter adds numbers", id="quadratic-sum"),
        pytest.param("{{ 'abc'.encode('punycode') }}", "the encoding 'punycode' is not available here", id="slow-codec"),
        pytest.param(
            "{% set ns = namespace(s='a') %}{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
            "joining text with '~' would make a value larger than 1 MiB", id="doubling-concatenation",
        ),
        pytest.param(
            "{% set ns = namespace(s=[0]) %}{% for i in range(64) %}{% set ns.s = ns.s + ns.s %}{% endfor %}",
            "joining values with '+' would make a value larger than 1 MiB", id="doubling-list",
        ),
        pytest.param(
            "{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}",
            "it takes more than 100,000 steps (loop iterations, calls, filters and operators)", id="nested-loops",
        ),
        pytest.param(
            "{% macro m() %}{% for i in range(1000) %}" + "x" * 2000 + "{% endfor %}{% endmacro %}{{ m() }}",
            "it writes more than 1 MiB of text (macros and set blocks included)", id="macro-output",
        ),
        pytest.param(
            "{% set ns = namespace(x=[]) %}{% for i in range(200) %}{% set ns.x = [ns.x] %}{% endfor %}{{ ns.x }}",
            "nested more than 100 deep", id="deep-value",
        ),
        pytest.param(
            "{% set big = 'a' * 1000000 %}{% for i in range(100000) %}{% if big == big ~ '' %}{% endif %}{% endfor %}",
            "it runs for more than 2 seconds", id="wall-clock",
        ),
    ],
)  # fmt: skip
def test_a_template_that_would_run_long_or_fill_memory_is_stopped_soon(text, words):
    message, seconds = render_in_a_process(text)
    assert message.startswith("cannot be rendered: ") and words in message, message
    assert seconds < 10, seconds  # coarse: the bounds are a few seconds at most; a broken one is minutes


def test_output_up_to_64_kib_is_rendered_and_longer_is_a_problem():
    assert MAX_OUTPUT == 64 * 1024
    assert len(render_template("{{ 'x' * n }}", {"n": MAX_OUTPUT})) == MAX_OUTPUT
    assert problem("{{ 'x' * n }}", {"n": MAX_OUTPUT + 1}).startswith(
        "renders to 65,537 characters, more than 65,536: a rendered value becomes part of the run's pod"
    )


def test_values_up_to_the_bounds_are_made():
    assert render_template("{{ ('a' * 1048576)|length }}", {}) == "1048576"  # 1 MiB of text
    assert "larger than 1 MiB" in problem("{{ ('a' * 1048577)|length }}", {})
    assert render_template("{{ (2 ** 9999)|string|length }}", {}) == "3010"  # a number of 10,000 bits
    assert "more than 10,000 bits" in problem("{{ 2 ** 10000 }}", {})
    assert render_template("{{ range(100000)|length }}", {}) == "100000"
    assert "more than 100,000" in problem("{{ range(100001)|length }}", {})
    assert len(render_template("{{ 'a'|center(65536) }}", {})) == 65536


def test_params_heavier_than_a_value_may_be_read_but_not_written_whole():
    heavy = {"shards": ["x" * 1000] * 2000}  # 2 MB through aliases in YAML
    assert render_template("{{ shards|length }} {{ shards[0]|length }}", heavy) == "2000 1000"
    assert "writing a value would make a value larger than 1 MiB" in problem("{{ shards }}", heavy)


# Risky pieces of templates, combined at random: whatever comes out is text within bounds or a message.
numbers = st.sampled_from(["0", "1", "-1", "7", "64", "65536", "10**6", "10**9", "10**100", "2**64", "(10**3000)", "0.5", "1e308"])
values = st.sampled_from(["'a'", "'ab\\n\\t'", "[1, 2]", "name", "layers", "opts", "range(10)", "(1, 'x')", "''", "lr"])
expressions = st.recursive(
    st.one_of(numbers, values),
    lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from(["*", "**", "+", "-", "//", "/", "%", "~"]), inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        st.tuples(inner, st.sampled_from(["center", "indent", "truncate", "batch", "slice", "join", "wordwrap", "tojson", "int", "string", "list", "sum", "format", "replace"]), st.lists(inner, max_size=2)).map(
            lambda t: f"({t[0]}|{t[1]}({', '.join(t[2])}))"
        ),
        st.tuples(inner, st.sampled_from(["center", "ljust", "zfill", "expandtabs", "replace", "join", "format", "split", "to_bytes"]), st.lists(inner, max_size=2)).map(
            lambda t: f"({t[0]}).{t[1]}({', '.join(t[2])})"
        ),
        st.tuples(inner, inner).map(lambda t: f"[{t[0]}, {t[1]}]"),
    ),
    max_leaves=6,
)
template_texts = st.one_of(
    expressions.map(lambda e: "{{ " + e + " }}"),
    st.tuples(expressions, expressions).map(lambda t: "{% for x in " + t[0] + " %}{{ " + t[1] + " }}{% endfor %}"),
    st.tuples(expressions, expressions).map(
        lambda t: "{% set ns = namespace(v=" + t[0] + ") %}{% for i in range(40) %}{% set ns.v = " + t[1].replace("name", "ns.v") + " %}{% endfor %}{{ ns.v }}"
    ),
)


@settings(max_examples=300, deadline=None)
@given(template_texts)
def test_any_template_is_text_within_bounds_or_a_message_soon(text):
    started = time.monotonic()
    try:
        rendered = render_template(text, PARAMS)
    except TemplateProblem as error:
        assert str(error) and "Traceback" not in str(error)
    else:
        assert isinstance(rendered, str) and len(rendered) <= MAX_OUTPUT
    assert time.monotonic() - started < templates.MAX_SECONDS + 1, text


# --- through a Polyaxon file: a problem at the template's path ---------------------------------------


def polyaxon_problems(tmp_path: Path, run: Any, environment: Any = None) -> list[str]:
    document: dict[str, Any] = {"version": 1, "kind": "experiment", "params": {"lr": 0.01}, "run": run}
    if environment is not None:
        document["environment"] = environment
    path = tmp_path / "polyaxonfile.yaml"
    path.write_text(yaml.safe_dump(document))
    with pytest.raises(ConfigError) as caught:
        load_polyaxonfile(path)
    return [str(found) for found in caught.value.problems]


def test_every_failing_template_of_a_file_is_a_problem_at_its_path(tmp_path):
    found = polyaxon_problems(
        tmp_path,
        {"cmd": ["python train.py --lr={{ lr / 0 }}", "{% include 'setup.sh' %}"]},
        {"annotations": {"pool": "{{ 'a' * 10**10 }}", "team": "{{ teem }}"}},
    )
    path = tmp_path / "polyaxonfile.yaml"
    assert sorted(found) == sorted(
        [
            f"{path}: run.cmd[0]: cannot be rendered: it divides by zero",
            f"{path}: run.cmd[1]: is not a valid template: {{% include %}} reads another template (line 1), and a "
            "Polyaxon file's templates are rendered on their own here: write the text in place, or use a macro",
            f"{path}: environment.annotations.pool: cannot be rendered: repeating a value with '*' would make a "
            "value larger than 1 MiB",
            f"{path}: environment.annotations.team: uses an undefined variable: 'teem' is undefined (params: lr)",
        ]
    )


def test_a_files_template_renders_with_its_params(tmp_path):
    path = tmp_path / "polyaxonfile.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "version": 1,
                "kind": "experiment",
                "params": {"lr": 0.01, "layers": [64, 128]},
                "build": {"image": "trainer:1"},
                "run": {"cmd": "train {% for l in layers %}--layer={{ l }} {% endfor %}--lr={{ '%.3f'|format(lr) }}"},
            }
        )
    )
    assert load_polyaxonfile(path).command == ["/bin/sh", "-c", "train --layer=64 --layer=128 --lr=0.010"]
