"""Our Kubernetes quantity parser (components.core.quantity) held to the Kubernetes Python client's.

Oracle: `kubernetes.utils.quantity.parse_quantity`. Ours accepts exactly what it
accepts, with the same value (and the same Decimal: digits and exponent), less
the documented extra refusals of what the API server refuses: empty text,
whitespace, a bare `K` suffix, negative values, values that are not finite.
Each refusal's message is the one `components.core.resources` has always given.
"""

from __future__ import annotations

import decimal
import json
import re
import subprocess
import sys
import unicodedata
from decimal import Decimal
from typing import Optional

import pytest
from conftest import PROJECT_DIR
from hypothesis import example, given, settings
from hypothesis import strategies as st
from kubernetes.utils.quantity import parse_quantity as client_parse

from components.core.quantity import parse_quantity

EXAMPLES = settings(max_examples=500, deadline=None)

BINARY_SUFFIXES = ["Ki", "Mi", "Gi", "Ti", "Pi", "Ei"]
DECIMAL_SUFFIXES = ["n", "u", "m", "", "k", "M", "G", "T", "P", "E"]
SUFFIXES = BINARY_SUFFIXES + DECIMAL_SUFFIXES
# Characters quantities are made of, and near misses: a bare K, lower-case binary prefixes, the
# separators Decimal ignores or reads, digits of other scripts (and numerals that are no digits),
# whitespace of several kinds.
ALPHABET = "0123456789.+-eEiKnumkMGTP" + "_" + "١٢٣٤٥٦٧٨٩٠" + "𝟏𝟐" + "²½①Ⅻ" + " \t\n\u00a0\u2003" + "xIBbfayN,"


def client(text: str) -> Optional[Decimal]:
    """The client's value, or None when it refuses the text."""
    try:
        return client_parse(text)
    except ValueError:
        return None


def ours(text: str) -> tuple[Optional[Decimal], str]:
    """Our value (or None) and our message (or "")."""
    try:
        return parse_quantity(text), ""
    except ValueError as error:
        return None, str(error)


def expected_refusal(text: str, value: Optional[Decimal]) -> str:
    """The message we owe for `text`, given the client's value of it ("" when we owe its value)."""
    shown = f"{text!r} is not a Kubernetes quantity (a number with an optional suffix, such as 500m, 2Gi or 1e3)"
    if not text or any(character.isspace() for character in text):
        return shown
    if text.endswith("K"):
        return f"{text!r}: K is no quantity suffix; write k (1000) or Ki (1024)"
    if value is None or not value.is_finite():
        return shown
    if value < 0:
        return f"{text!r} is negative; a quantity is zero or more"
    return ""


def assert_agrees(text: str) -> None:
    expected, (value, message) = client(text), ours(text)
    assert message == expected_refusal(text, expected)
    if not message:
        assert value == expected
        assert value.as_tuple() == expected.as_tuple()  # type: ignore[union-attr]


# --- strategies ----------------------------------------------------------------------------------

digits = st.text(alphabet="0123456789", min_size=1, max_size=30)  # leading zeros included
#: <digits> | <digits>. | <digits>.<digits> | .<digits>
mantissas = st.one_of(
    digits,
    digits.map(lambda d: d + "."),
    st.tuples(digits, digits).map(".".join),
    digits.map(lambda d: "." + d),
)
signs = st.sampled_from(["", "+", "-"])
exponents = st.one_of(
    st.just(""),
    st.tuples(st.sampled_from("eE"), signs, st.integers(0, 40).map(str)).map("".join),
    # Beyond what Decimal holds, or what a suffix may multiply.
    st.tuples(st.sampled_from("eE"), signs, st.sampled_from(["999999", "1000000", "999999999999999999", "9" * 30])).map(
        "".join
    ),
)

#: What the grammar allows: a signed number, an optional exponent and any suffix (the client takes both).
valid_quantities = st.tuples(signs, mantissas, exponents, st.sampled_from(SUFFIXES)).map("".join)

#: Numbers in digits of one other script (Arabic-Indic, Devanagari, mathematical bold, fullwidth).
foreign_digits = st.tuples(
    st.sampled_from(["٠", "०", "𝟎", "０"]), st.lists(st.integers(0, 9), min_size=1, max_size=6), st.sampled_from(SUFFIXES)
).map(lambda parts: "".join(chr(ord(parts[0]) + digit) for digit in parts[1]) + parts[2])

#: Very long digit strings, with and without a suffix.
long_numbers = st.tuples(st.integers(50, 3000), st.sampled_from(["9", "1", "0"]), st.sampled_from(SUFFIXES)).map(
    lambda parts: parts[1] * parts[0] + parts[2]
)


@st.composite
def mutated_quantities(draw) -> str:
    """A valid quantity with one character inserted, replaced or removed: junk suffixes, double signs,
    spaces, empty parts ('.', 'e3', '1e'), second decimal points ('1.2.3')."""
    text = draw(valid_quantities)
    where = draw(st.integers(0, len(text)))
    character = draw(st.sampled_from(ALPHABET))
    change = draw(st.sampled_from(["insert", "replace", "remove"]))
    if change == "insert" or where == len(text):
        return text[:where] + character + text[where:]
    if change == "replace":
        return text[:where] + character + text[where + 1 :]
    return text[:where] + text[where + 1 :]


#: Near misses and junk: short strings over the alphabet, any text at all, and texts ending in
#: suffix-like letters.
junk = st.one_of(
    st.text(alphabet=ALPHABET, max_size=12),
    st.text(max_size=8),
    st.tuples(st.text(alphabet="0123456789.+-eE_", max_size=6), st.text(alphabet="iKnumkMGTPEBb", max_size=3)).map(
        "".join
    ),
)


# --- properties ----------------------------------------------------------------------------------


@EXAMPLES
@given(valid_quantities)
@example("1e3Ki")  # an exponent and a suffix: the client takes both
@example("-0")  # negative zero is zero
@example("9e999999k")  # the product overflows Decimal
@example("1e999999999999999999999999")  # an exponent beyond Decimal's
@example("1e-999999999n")  # underflows to zero
@example("-1e-999999999n")  # ... to negative zero
def test_valid_quantities_have_the_clients_value(text):
    assert_agrees(text)


@EXAMPLES
@given(st.one_of(mutated_quantities(), junk, foreign_digits, long_numbers))
@example("")
@example(".")
@example("e3")
@example("1e")
@example("1.2.3")
@example("++1")
@example("+-1")
@example("1 Gi")
@example(" 2K")  # whitespace is told before the K
@example("1Gi ")
@example("2ki")
@example("1mi")
@example("1KK")
@example("Ki")
@example("NaN")
@example("-Infinity")
@example("sNaNk")
@example("_1_Gi")
@example("١_٢k")
def test_near_misses_are_refused_as_the_client_refuses_them(text):
    assert_agrees(text)


def test_a_digit_to_us_is_a_digit_to_the_client_in_every_script():
    # Every assigned code point alone (unassigned and private-use ones have no digit value to either):
    # a decimal digit of any script is a number to both, anything else to neither.
    disagree = []
    for code in range(sys.maxunicode + 1):
        text = chr(code)
        if unicodedata.category(text) in ("Cn", "Co", "Cs"):
            continue
        if (client(text) is not None and not text.isspace()) != (ours(text)[0] is not None):
            disagree.append(f"U+{code:04X}")
    assert disagree == []


# --- examples ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, value",
    [
        ("500m", "0.5"),
        ("2Gi", str(2 * 1024**3)),
        ("1Ki", "1024"),
        ("1Ei", str(1024**6)),
        ("1E", "1e18"),  # E alone is exa, not an exponent
        ("1e3", "1000"),
        ("1E-3", "0.001"),
        ("1.5e+2", "150"),
        ("100n", "1e-7"),
        ("3u", "0.000003"),
        ("3k", "3000"),
        ("5P", "5e15"),
        ("+1", "1"),
        ("007", "7"),
        (".5", "0.5"),
        ("5.", "5"),
        ("0", "0"),
        ("-0", "0"),
        # The client reads the number with Decimal, and so do we: the API server would refuse these.
        ("1e3Ki", "1024000"),
        ("1_000", "1000"),
        ("١٢Mi", str(12 * 1024**2)),
    ],
)
def test_quantities_mean_what_the_client_makes_of_them(text, value):
    assert parse_quantity(text) == Decimal(value) == client_parse(text)


@pytest.mark.parametrize(
    "text, words",
    [
        ("", "'' is not a Kubernetes quantity (a number with an optional suffix, such as 500m, 2Gi or 1e3)"),
        (" 1", "is not a Kubernetes quantity"),
        ("1\u00a0Gi", "is not a Kubernetes quantity"),
        ("1 K", "'1 K' is not a Kubernetes quantity"),
        ("2K", "'2K': K is no quantity suffix; write k (1000) or Ki (1024)"),
        ("-2K", "K is no quantity suffix"),
        ("-1", "'-1' is negative; a quantity is zero or more"),
        ("-1Ki", "is negative"),
        ("-Infinity", "is not a Kubernetes quantity"),
        ("NaN", "is not a Kubernetes quantity"),
        ("2ki", "is not a Kubernetes quantity"),
        ("2Kb", "is not a Kubernetes quantity"),
        ("1.2.3", "is not a Kubernetes quantity"),
        ("1e", "is not a Kubernetes quantity"),
        ("e3", "is not a Kubernetes quantity"),
        (".", "is not a Kubernetes quantity"),
        ("--1", "is not a Kubernetes quantity"),
        ("0x10", "is not a Kubernetes quantity"),
        ("²", "is not a Kubernetes quantity"),
        ("9e999999k", "is not a Kubernetes quantity"),
    ],
)
def test_what_the_api_server_refuses_is_no_quantity(text, words):
    with pytest.raises(ValueError, match=re.escape(words)):
        parse_quantity(text)


def test_an_overflow_is_refused_even_where_decimal_does_not_trap_it():
    # The product is computed in the current decimal context, as the client computes it.
    with decimal.localcontext(traps=[decimal.InvalidOperation]):
        assert client_parse("9e999999k") == Decimal("Infinity")
        assert ours("9e999999k")[1].startswith("'9e999999k' is not a Kubernetes quantity")
        assert ours("-9e999999k")[1].startswith("'-9e999999k' is not a Kubernetes quantity")


def test_reading_a_quantity_loads_no_kubernetes_client():
    script = (
        "import json, sys\n"
        "from components.core.resources import parse_quantity\n"
        "parse_quantity('1Gi')\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in ('kubernetes', 'pulumi'))))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=PROJECT_DIR, capture_output=True, text=True, check=True
    )
    assert json.loads(result.stdout) == []
