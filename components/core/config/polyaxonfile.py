"""Reading a run's storage request, image and command from a Polyaxon file.

Only the parts this project acts on are read: the storage request under
`environment:` (either spelling), `build.image` and `run.cmd`. The rest of a
Polyaxon file (declarations, hptuning, resources, ...) is left alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Union

from pydantic import BaseModel, ConfigDict, ValidationError

from ..errors import ConfigError, Problem, problems_from_validation
from ..yaml_io import load_yaml
from .request import RefsRequest, RequestFields, StorageRequest, storage_request


class _Lenient(BaseModel):
    # Polyaxon files carry many sections this project does not read.
    model_config = ConfigDict(extra="ignore", strict=True, frozen=True)


class _Build(_Lenient):
    image: Optional[str] = None


class _RunSection(_Lenient):
    cmd: Union[str, list[str], None] = None


class _Environment(RefsRequest):
    model_config = ConfigDict(extra="ignore")


class _PolyaxonFile(_Lenient):
    environment: Optional[_Environment] = None
    build: Optional[_Build] = None
    run: Optional[_RunSection] = None


@dataclass(frozen=True)
class PolyaxonFile:
    request: StorageRequest
    image: Optional[str]
    command: Optional[list[str]]


def load_polyaxonfile(path: Path) -> PolyaxonFile:
    """Parse a Polyaxon file; every problem names the file and the key."""
    where = f"{path}:"
    document = load_yaml(path, "Polyaxon file")
    if not isinstance(document, dict):
        raise ConfigError([Problem(str(path), "a Polyaxon file is a mapping (version, kind, environment, ...)")])
    try:
        parsed = _PolyaxonFile.model_validate(document)
    except ValidationError as error:
        raise ConfigError(problems_from_validation(error, (where,))) from None
    environment = parsed.environment or _Environment()
    # In a Polyaxon file the request sits under environment: only.
    request = storage_request(RequestFields(environment=environment), where)
    cmd = parsed.run.cmd if parsed.run else None
    # Polyaxon ran `cmd` through a shell; a list of commands runs in sequence.
    command = None if cmd is None else ["/bin/sh", "-c", cmd if isinstance(cmd, str) else " && ".join(cmd)]
    return PolyaxonFile(request=request, image=parsed.build.image if parsed.build else None, command=command)
