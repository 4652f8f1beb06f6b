"""Outputs of earlier runs (docs/run-spec.md §7): which runs a run may read, by kind."""

from __future__ import annotations

from typing import Mapping, Optional, Sequence

from .names import a

REF_KINDS = {"jobs": "job", "experiments": "experiment"}
"""`outputsRefs` key -> the kind of run it lists."""


def ref_problem(key: str, name: str, run: str, kinds: Mapping[str, str], listed: Sequence[str]) -> Optional[str]:
    """What is wrong with `run` reading the outputs of run `name` listed under `key` (None when nothing is).

    `kinds`: the runs it may read (its team's), each with its kind; `listed`: the names listed before it.
    """
    if name == run:
        return "is this run itself: a run reads the outputs of earlier runs"
    if name in listed:
        return f"{name!r} is listed twice"
    if name not in kinds:
        choices = ", ".join(sorted(other for other in kinds if other != run)) or "none"
        if name.isdigit():
            return f"{name} is a Polyaxon id, which exists only inside Polyaxon: name a run of this stack ({choices})"
        if name.count(".") >= 2:
            return f"{name!r} is Polyaxon's user.project.run form, which exists only inside Polyaxon: name a run of this stack ({choices})"
        return f"no run {name!r} to read (the runs this one may read: {choices})"
    if kinds[name] != REF_KINDS[key]:
        other = next(other for other, kind in REF_KINDS.items() if kind == kinds[name])
        return f"{name!r} is {a(kinds[name])}: list it under {other}"
    return None
