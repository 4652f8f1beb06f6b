"""Polyaxon files (v0.x: `version: 1`, kind `experiment` or `job`), read strictly (docs/run-spec.md §1).

Every key of a v0.x file is known: it is honoured, refused with a clear error
(other kinds, distributed replicas, v1 files), or, where it is metadata or
build-only, accepted with a warning saying what was not done. A typo is an
error with its path, since it could change what is mounted.

`declarations` / `params` are rendered into `build`, `run` and `environment`
with Jinja; an undefined variable is an error naming it (Polyaxon rendered an
empty string).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Mapping, Optional, Union

from pydantic import Field, JsonValue, create_model

from ..declare import FileModel, Spelling, parse, settings_of
from ..enums import Choice, LogLevel
from ..errors import ConfigError, Problem, child
from ..yaml_io import load_yaml
from .fields import FileImageReference, ParamName
from .pod import PolyaxonResources
from .request import RefsRequest, RequestFields, StorageRequest, storage_request
from .run import RunSettings

SUPPORTED_KINDS = ("experiment", "job")
REFUSED_KINDS = {
    "group": "hyperparameter tuning (a group of experiments) is not supported: give each experiment a run of its own",
    "notebook": "notebooks are not training runs: this stack makes Jobs",
    "tensorboard": "TensorBoard servers are not training runs: this stack makes Jobs",
    "build": "image builds are not run: build the image elsewhere and name it in build.image",
    "pipeline": "pipelines are not supported: give each step a run of its own and read earlier outputs (outputs refs)",
}
V1_KINDS = ("component", "operation")
# 0.4-era distributed sections and 0.5's replicas: a run here is one pod.
DISTRIBUTED_KEYS = ("replicas", "tensorflow", "horovod", "pytorch", "mxnet", "mpi")
BUILD_ONLY_KEYS = (
    "backend",
    "dockerfile",
    "context",
    "build_steps",
    "lang_env",
    "env_vars",
    "commit",
    "branch",
    "ref",
    "nocache",
)
TEMPLATE_SECTIONS = ("build", "run", "environment")


FILE_SETTINGS = {name: declared for name, declared in settings_of(RunSettings).items() if declared.file}
"""The run settings a file's `environment` gives, by field."""
_ENVIRONMENT_TYPES = {
    key: declared.file_type or RunSettings.model_fields[name].annotation
    for name, declared in FILE_SETTINGS.items()
    for key in declared.file
}
# The environment's keys: the storage request, each run setting's file keys (with its type, the file's own
# where it spells it otherwise), and what a file may say that is refused or not used here.
_Environment = create_model(
    "_Environment",
    __base__=RefsRequest,
    index=(Optional[int], Field(None, alias="index")),
    **{key: (Optional[kind], Field(None, alias=key)) for key, kind in _ENVIRONMENT_TYPES.items()},
    **{key: (Optional[JsonValue], Field(None, alias=key)) for key in DISTRIBUTED_KEYS},
)


class _IO(FileModel):
    name: ParamName
    description: Optional[str] = None
    type: Optional[str] = None
    default: JsonValue = None
    is_optional: Optional[bool] = None
    is_list: Optional[bool] = None
    is_flag: Optional[bool] = None
    options: Optional[list[JsonValue]] = None


class _Logging(FileModel):
    level: Optional[Choice[LogLevel]] = None
    formatter: Optional[str] = None


class _Build(FileModel):
    image: Optional[FileImageReference] = None
    backend: Optional[Literal["native", "kaniko", "other"]] = None
    dockerfile: Optional[str] = None
    context: Optional[str] = None
    build_steps: Optional[list[str]] = None
    lang_env: Optional[str] = None
    env_vars: Optional[list[list[JsonValue]]] = None
    commit: Optional[str] = None
    branch: Optional[str] = None
    ref: Optional[str] = None
    nocache: Optional[bool] = None


class _Run(FileModel):
    cmd: Union[str, list[str]]


class _PolyaxonFile(FileModel):
    version: Literal[1]
    kind: Literal["experiment", "job"]
    name: Optional[str] = None
    description: Optional[str] = None
    tags: Optional[list[str]] = None
    logging: Optional[_Logging] = None
    inputs: Optional[list[_IO]] = None
    outputs: Optional[list[_IO]] = None
    declarations: Optional[dict[ParamName, JsonValue]] = None
    params: Optional[dict[ParamName, JsonValue]] = None
    backend: Optional[str] = None
    framework: Optional[str] = None
    environment: Optional[_Environment] = None
    build: Optional[_Build] = None
    run: Optional[_Run] = None


@dataclass(frozen=True)
class FileSettings:
    """The run settings the file gives, and where each was written (for messages)."""

    values: Mapping[str, Any] = field(default_factory=dict)
    """Run setting -> value (`node_selector`, `max_restarts`, ...); resources stay in Polyaxon's spelling."""
    paths: Mapping[str, str] = field(default_factory=dict)
    """Run setting -> the file's path of it (`train.yaml: environment.node_selector`)."""
    resources: Optional[PolyaxonResources] = None
    resources_path: str = ""


@dataclass(frozen=True)
class PolyaxonFile:
    path: Path
    kind: str
    name: Optional[str]
    request: StorageRequest
    settings: FileSettings
    """The run settings it gives: its environment's, its image, command and log level."""
    params: Optional[dict[str, Any]]
    """The params the file was rendered with (declarations, inputs' defaults, overrides); None when it has none."""
    warnings: tuple[Problem, ...] = ()

    @property
    def image(self) -> Optional[str]:
        """Its `build.image`."""
        return self.settings.values.get("image")

    @property
    def command(self) -> Optional[list[str]]:
        """Its `run.cmd`, run by a shell."""
        return self.settings.values.get("command")


def load_polyaxonfile(path: Path, overrides: Optional[Mapping[str, tuple[Any, str]]] = None) -> PolyaxonFile:
    """Parse a Polyaxon file, rendered with its params; every problem names the file and the key.

    `overrides`: param name -> (value, where it was given), replacing the file's value.
    """
    where = f"{path}:"
    document = load_yaml(path, "Polyaxon file")
    if not isinstance(document, dict):
        raise ConfigError([Problem(str(path), "a Polyaxon file is a mapping (version, kind, environment, ...)")])
    _check_kind(document, where)
    params, problems = _params(document, overrides or {}, where)
    rendered = dict(document)
    for section in TEMPLATE_SECTIONS:
        if section in document:
            rendered[section] = _render(document[section], params or {}, child(where, section), problems)
    parsed, found = parse(_PolyaxonFile, rendered, Spelling.CONFIG, (where,))
    problems.extend(found)
    if problems:
        raise ConfigError(problems)
    environment = parsed.environment or _Environment()
    refused = [key for key in DISTRIBUTED_KEYS if getattr(environment, key) is not None]
    if refused:
        raise ConfigError(
            Problem(child(where, f"environment.{key}"), "distributed runs are not supported: a run here is one pod")
            for key in refused
        )
    if environment.config_map_refs is not None and environment.configmap_refs is not None:
        raise ConfigError(
            [
                Problem(
                    child(where, "environment.configmap_refs"),
                    "is the old name of config_map_refs, given too; keep one",
                )
            ]
        )
    # In a Polyaxon file the request sits under environment: only.
    request = storage_request(RequestFields(environment=environment), where)
    return PolyaxonFile(
        path=path,
        kind=parsed.kind,
        name=parsed.name,
        request=request,
        settings=_settings(parsed, environment, params, where),
        params=params,
        warnings=tuple(_warnings(parsed, where)),
    )


def _check_kind(document: dict[str, Any], where: str) -> None:
    kind = document.get("kind")
    if kind in V1_KINDS:
        message = f"is a Polyaxon v1 file (kind: {kind}); polyaxon-storage reads v0.x files (version: 1, kind: experiment or job)"
        raise ConfigError([Problem(child(where, "kind"), message)])
    if kind in REFUSED_KINDS:
        raise ConfigError([Problem(child(where, "kind"), f"{kind}: {REFUSED_KINDS[kind]}")])
    if kind not in SUPPORTED_KINDS:
        shown = "is required" if kind is None else f"{kind!r} is not a Polyaxon kind"
        raise ConfigError([Problem(child(where, "kind"), f"{shown}: experiment or job")])
    if document.get("version") != 1:
        shown = "is required" if "version" not in document else f"{document['version']!r} is not supported"
        raise ConfigError([Problem(child(where, "version"), f"{shown}: Polyaxon 0.x files are version 1")])
    problems = []
    if kind == "job" and "declarations" in document:
        problems.append(Problem(child(where, "declarations"), "a job takes params, not declarations"))
    if "hptuning" in document:
        problems.append(
            Problem(child(where, "hptuning"), "is for kind group (hyperparameter tuning), which is not supported")
        )
    if problems:
        raise ConfigError(problems)


def _params(
    document: dict[str, Any], overrides: Mapping[str, tuple[Any, str]], where: str
) -> tuple[Optional[dict[str, Any]], list[Problem]]:
    """The params the file renders with: declarations or params, inputs' defaults, then the overrides."""
    problems: list[Problem] = []
    given = [key for key in ("declarations", "params") if document.get(key) is not None]
    if len(given) > 1:
        problems.append(Problem(child(where, "params"), "declarations is the old name of params, given too; keep one"))
    own = document.get(given[0]) if given else None
    inputs = document.get("inputs") or []
    if not isinstance(own, (dict, type(None))) or not isinstance(inputs, list):
        return None, problems  # the model reports the type
    params = dict(own or {})
    names = {item.get("name") for item in inputs if isinstance(item, dict)}
    for index, item in enumerate(inputs):
        if not isinstance(item, dict) or item.get("name") in params or item.get("name") in overrides:
            continue
        if "default" in item or item.get("is_optional"):
            params[item["name"]] = item.get("default")
        else:
            problems.append(
                Problem(
                    child(where, f"inputs[{index}]"), f"input {item.get('name')!r} has no default and no param gives it"
                )
            )
    if inputs:
        problems.extend(
            Problem(
                child(where, f"{given[0]}.{name}"), f"is not one of the inputs ({', '.join(sorted(map(str, names)))})"
            )
            for name in own or {}
            if name not in names
        )
    declared = set(params) | names
    for name, (value, source) in overrides.items():
        if name not in declared:
            shown = ", ".join(sorted(map(str, declared))) or "none"
            problems.append(Problem(source, f"{where.rstrip(':')} has no param {name!r} (its params: {shown})"))
        else:
            params[name] = value
    return (params if given or inputs or overrides else None), problems


def _render(value: Any, params: Mapping[str, Any], path: str, problems: list[Problem]) -> Any:
    """`value` with every templated string rendered; an undefined variable is a problem at its path."""
    if isinstance(value, dict):
        return {key: _render(item, params, child(path, str(key)), problems) for key, item in value.items()}
    if isinstance(value, list):
        return [_render(item, params, f"{path}[{index}]", problems) for index, item in enumerate(value)]
    if not isinstance(value, str) or not any(mark in value for mark in ("{{", "{%", "{#")):
        return value
    import jinja2
    from jinja2.sandbox import SandboxedEnvironment

    environment = SandboxedEnvironment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    try:
        return environment.from_string(value).render(**params)
    except jinja2.UndefinedError as error:
        shown = ", ".join(sorted(params)) or "none"
        problems.append(Problem(path, f"uses an undefined variable: {error.message} (params: {shown})"))
    except jinja2.TemplateError as error:
        problems.append(Problem(path, f"is not a valid template: {error.message}"))
    return value


def _settings(parsed: _PolyaxonFile, environment: Any, params: Optional[dict[str, Any]], where: str) -> FileSettings:
    """The run settings a file gives, each at its path in the file."""
    given: dict[str, tuple[Any, str]] = {"kind": (parsed.kind, child(where, "kind"))}
    if params is not None:
        given["params"] = (params, child(where, "params"))
    if parsed.build and parsed.build.image:
        given["image"] = (parsed.build.image, child(where, "build.image"))
    if parsed.run:
        cmd = parsed.run.cmd
        # Polyaxon ran `cmd` through a shell; a list of commands runs in sequence.
        given["command"] = (["/bin/sh", "-c", cmd if isinstance(cmd, str) else " && ".join(cmd)], child(where, "run.cmd"))
    if parsed.logging and parsed.logging.level:
        given["log_level"] = (parsed.logging.level, child(where, "logging.level"))
    for name, declared in FILE_SETTINGS.items():
        for key in declared.file:
            value = getattr(environment, key)
            if value is not None and name != "resources":
                given[name] = (value, child(where, f"environment.{key}"))
    return FileSettings(
        {name: value for name, (value, _) in given.items()},
        {name: path for name, (_, path) in given.items()},
        environment.resources,
        child(where, "environment.resources"),
    )


def _warnings(parsed: _PolyaxonFile, where: str) -> list[Problem]:
    """What the file says that is not done here."""
    unused = {
        "description": "metadata, not used here",
        "tags": "metadata, not used here",
        "backend": "not used: a run here is a Kubernetes Job",
        "framework": "not used: a run here is a Kubernetes Job",
        "outputs": "not used: outputs declarations are not checked here",
    }
    warnings = [Problem(child(where, key), why) for key, why in unused.items() if getattr(parsed, key) is not None]
    if parsed.inputs and any(item.type or item.options for item in parsed.inputs):
        warnings.append(Problem(child(where, "inputs"), "types and options of inputs are not checked here"))
    if parsed.logging and parsed.logging.formatter is not None:
        warnings.append(Problem(child(where, "logging.formatter"), "not used: only logging.level reaches the run"))
    if parsed.build:
        warnings.extend(
            Problem(child(where, f"build.{key}"), "not run: bake them into the image")
            for key in BUILD_ONLY_KEYS
            if getattr(parsed.build, key) is not None
        )
    if parsed.environment and parsed.environment.index is not None:
        warnings.append(Problem(child(where, "environment.index"), "not used: a run here is one pod"))
    return warnings
