"""What a run asks for: its storage request, in either Polyaxon spelling.

v0.4: `persistence: {data: [names], outputs: name}`;
v0.5: `data_refs: [names]`, `outputs_refs: [name]` (`artifact_refs` is the same).
Either may sit at the run's top level or under `environment:`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from pydantic import Field

from ..declare import Model
from ..errors import ConfigError, Problem, child
from .fields import CliText

# Polyaxon's own spelling, in a stack config as in a Polyaxon file: each key's alias is its name.


class PersistenceRequest(Model):
    """The v0.4 spelling."""

    data: Optional[list[CliText]] = Field(None, alias="data", description="Data entries to mount, in this order.")
    outputs: Optional[CliText] = Field(None, alias="outputs", description="The outputs entry to mount.")


class RefsRequest(Model):
    """The v0.5 spelling, and the place both spellings may sit in."""

    persistence: Optional[PersistenceRequest] = Field(None, alias="persistence")
    data_refs: Optional[list[CliText]] = Field(None, alias="data_refs", description="Data entries to mount, in order.")
    outputs_entry: Optional[list[CliText]] = Field(
        None, alias="outputs_refs", description="Exactly one outputs entry (the outputs_refs of Polyaxon 0.5)."
    )
    artifact_refs: Optional[list[CliText]] = Field(None, alias="artifact_refs", description="Same as outputs_refs.")


class RequestFields(RefsRequest):
    """A run's request keys: at its top level, or under `environment`."""

    environment: Optional[RefsRequest] = Field(None, alias="environment")


@dataclass(frozen=True)
class StorageRequest:
    """A normalised request; `None` means nothing asked. Paths locate it for errors.

    `outputs` holds the names given (one in the v0.4 spelling; the list form
    must hold exactly one, which resolution checks with the other rules).
    """

    data: Optional[tuple[str, ...]] = None
    data_path: str = ""
    outputs: Optional[tuple[str, ...]] = None
    outputs_path: str = ""

    @property
    def is_empty(self) -> bool:
        return self.data is None and self.outputs is None


REQUEST_KEYS = {"persistence": "persistence", "data_refs": "data_refs", "outputs_refs": "outputs_entry", "artifact_refs": "artifact_refs"}
"""Each request key, as written, and its field."""


def storage_request(fields: RequestFields, path: str) -> StorageRequest:
    """Normalise the request keys found at `path`; raises ConfigError."""
    places = [(path, fields)]
    if fields.environment is not None:
        places.append((child(path, "environment"), fields.environment))
    # every (value, config path) given for each request key
    spots: dict[str, list[tuple[Any, str]]] = {}
    for place_path, place in places:
        for key, field in REQUEST_KEYS.items():
            if getattr(place, field) is not None:
                spots.setdefault(key, []).append((getattr(place, field), child(place_path, key)))

    problems = [
        Problem(given[1][1], f"is also given at {given[0][1]}; give it once")
        for given in spots.values()
        if len(given) > 1
    ]
    refs = [key for key in list(REQUEST_KEYS)[1:] if key in spots]
    if "persistence" in spots and refs:
        problems.append(
            Problem(path, f"uses both persistence (v0.4) and {', '.join(refs)} (v0.5); use one spelling")
        )
    if "outputs_refs" in spots and "artifact_refs" in spots:
        problems.append(
            Problem(
                spots["artifact_refs"][0][1],
                "artifact_refs is another name for outputs_refs, which is given too; keep one",
            )
        )
    if problems:
        raise ConfigError(problems)

    first = {key: given[0] for key, given in spots.items()}
    if "persistence" in first:
        persistence, at = first["persistence"]
        return StorageRequest(
            data=None if persistence.data is None else tuple(persistence.data),
            data_path=child(at, "data"),
            outputs=None if persistence.outputs is None else (persistence.outputs,),
            outputs_path=child(at, "outputs"),
        )

    data, data_path = first.get("data_refs", (None, ""))
    outputs, outputs_path = first.get("outputs_refs") or first.get("artifact_refs") or (None, "")
    return StorageRequest(
        data=None if data is None else tuple(data),
        data_path=data_path,
        outputs=None if outputs is None else tuple(outputs),
        outputs_path=outputs_path,
    )
