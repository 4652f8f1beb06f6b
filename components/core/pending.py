"""The stand-in for a value another resource gives, while it is not known yet."""

from __future__ import annotations

from typing import Any


class Pending:
    """A value another resource gives, not known yet: the rules that need it wait until it resolves.

    `index` tells apart the values of one component's args (which Output each stands for).
    """

    __slots__ = ("index",)

    def __init__(self, index: int = -1):
        self.index = index

    def __repr__(self) -> str:
        return "PENDING"


PENDING = Pending()
"""A value not known yet, of no component's args (what a Polyaxon file that failed to load would give)."""


def is_pending(value: Any) -> bool:
    return isinstance(value, Pending)
