"""Kubernetes quantities (`500m`, `2Gi`, `1e3`): their value, or a refusal in the user's words.

The grammar (Kubernetes' `resource.Quantity`):

    <quantity> ::= <number> <suffix>
    <number>   ::= [+|-] (<digits> [. [<digits>]] | . <digits>) [(e|E) [+|-] <digits>]
    <suffix>   ::= Ki | Mi | Gi | Ti | Pi | Ei              powers of 1024
                 | n | u | m | "" | k | M | G | T | P | E   powers of 1000

read exactly as the Kubernetes Python client reads it
(`kubernetes.utils.quantity.parse_quantity`, which tests/core/test_quantity.py
holds this module to), so that the client is not imported for it (a fifth of
`render`'s start-up). Like the client, which reads the number with Python's
`Decimal`, it takes digits of any script (`١٢` is 12), ignores underscores
(`1_000`), and lets an exponent stand before a suffix (`1e3Ki`). On top of the
client, it refuses what the API server refuses and the client lets through:
empty text, spaces, a bare `K` suffix, values that are negative or not finite.
"""

from __future__ import annotations

import re
from decimal import Decimal, DecimalException

# Suffix -> (base, power).
_BINARY = {"Ki": 1, "Mi": 2, "Gi": 3, "Ti": 4, "Pi": 5, "Ei": 6}
_DECIMAL = {"n": -3, "u": -2, "m": -1, "k": 1, "M": 2, "G": 3, "T": 4, "P": 5, "E": 6}
# `\d` is a decimal digit of any script (Unicode category Nd), as `Decimal` reads them.
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def parse_quantity(text: str) -> Decimal:
    """A quantity's value; ValueError, in the user's words, when the API server would refuse it."""
    if not text or any(character.isspace() for character in text):
        raise _no_quantity(text)
    if text.endswith("K"):
        raise ValueError(f"{text!r}: K is no quantity suffix; write k (1000) or Ki (1024)")
    number, base, power = text, 0, 0
    if text[-2:] in _BINARY:
        number, base, power = text[:-2], 1024, _BINARY[text[-2:]]
    elif text[-1] in _DECIMAL:
        number, base, power = text[:-1], 1000, _DECIMAL[text[-1]]
    number = number.replace("_", "")  # as Decimal does, wherever they stand
    if not _NUMBER.fullmatch(number):
        raise _no_quantity(text)
    try:
        value = Decimal(number)
        if base:
            # As the client computes it, in the current decimal context (28 digits by default).
            value = value * base ** Decimal(power)
    except DecimalException:  # an exponent beyond Decimal's bounds, or a product beyond them
        raise _no_quantity(text) from None
    if not value.is_finite():  # a context that does not trap overflow
        raise _no_quantity(text)
    if value < 0:
        raise ValueError(f"{text!r} is negative; a quantity is zero or more")
    return value


def _no_quantity(text: str) -> ValueError:
    return ValueError(
        f"{text!r} is not a Kubernetes quantity (a number with an optional suffix, such as 500m, 2Gi or 1e3)"
    )
