"""The offline renderer: run the program under Pulumi's mock engine and collect what it registers.

No Pulumi CLI, provider plugin, cluster or cloud account is involved: the mock
monitor records every registration, so what is printed is what
`pulumi preview` would register.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import pulumi
from pulumi.runtime import rpc
from pulumi.runtime.mocks import MockMonitor
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from .errors import ConfigError, Problem, load_yaml
from .program import PROJECT_DIR, StackComponents, main
from .stack_config import CONFIG_NAMESPACE, stack_values

STACKS_DIR = PROJECT_DIR / "stacks"
REDACTED = "<redacted>"


@dataclass(frozen=True)
class Registration:
    type: str
    name: str
    parent_urn: str
    urn: str
    custom: bool
    inputs: dict[str, Any]

    @property
    def parent(self) -> str:
        """`type::name` of the parent, or empty under the stack itself."""
        if not self.parent_urn or self.parent_urn.split("::")[2].endswith("pulumi:pulumi:Stack"):
            return ""
        qualified_type, name = self.parent_urn.split("::")[2:4]
        return f"{qualified_type.split('$')[-1]}::{name}"


@dataclass
class Rendering:
    stack: str
    registrations: list[Registration] = field(default_factory=list)
    jobs: dict[str, dict[str, Any]] = field(default_factory=dict)
    # What the program logged as warnings (pulumi.log.warn), in order.
    warnings: list[str] = field(default_factory=list)

    def kubernetes_objects(self) -> list[dict[str, Any]]:
        """Every Kubernetes object the program registered, as a manifest."""
        return [
            _manifest(registration.inputs)
            for registration in self.registrations
            if registration.custom and registration.type.startswith("kubernetes:")
        ]

    def documents(self) -> list[dict[str, Any]]:
        """What `render` prints: registered Kubernetes objects, then each run's Job."""
        return [*self.kubernetes_objects(), *(self.jobs[name] for name in sorted(self.jobs))]


MANIFEST_HEAD = ("apiVersion", "kind", "metadata")


def _manifest(inputs: dict[str, Any]) -> dict[str, Any]:
    """Registered inputs in the usual manifest order: apiVersion, kind, metadata, then the rest."""

    def ordered(value: Any) -> Any:
        if isinstance(value, dict):
            return {key: ordered(value[key]) for key in sorted(value)}
        if isinstance(value, list):
            return [ordered(item) for item in value]
        return value

    head = [key for key in MANIFEST_HEAD if key in inputs]
    rest = sorted(key for key in inputs if key not in MANIFEST_HEAD)
    return {key: ordered(inputs[key]) for key in head + rest}


class _WarningsHandler(logging.Handler):
    def __init__(self, sink: list[str]):
        super().__init__(logging.WARNING)
        self.sink = sink

    def emit(self, record: logging.LogRecord) -> None:
        self.sink.append(record.getMessage())


class _Mocks(pulumi.runtime.Mocks):
    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[Optional[str], dict]:
        return f"{args.name}-id", args.inputs

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict:
        return {}


class _RecordingMonitor(MockMonitor):
    def __init__(self) -> None:
        super().__init__(_Mocks())
        self.registrations: list[Registration] = []

    def RegisterResource(self, request):  # noqa: N802 (gRPC method name)
        response = super().RegisterResource(request)
        if request.type != "pulumi:pulumi:Stack":
            self.registrations.append(
                Registration(
                    type=request.type,
                    name=request.name,
                    parent_urn=request.parent,
                    urn=response.urn,
                    custom=bool(request.custom),
                    inputs=redact(request.type, rpc.deserialize_properties(request.object)),
                )
            )
        return response


def redact(resource_type: str, inputs: dict[str, Any]) -> dict[str, Any]:
    """Inputs with every secret value replaced, and a Secret's data hidden."""

    def scrub(value: Any) -> Any:
        if rpc.is_rpc_secret(value):
            return REDACTED
        if isinstance(value, dict):
            return {key: scrub(item) for key, item in value.items()}
        if isinstance(value, list):
            return [scrub(item) for item in value]
        return value

    if resource_type == "kubernetes:core/v1:Secret":
        # Keep the keys, so the manifest still shows (and validates as) a Secret.
        inputs = dict(inputs)
        for key in ("data", "stringData"):
            value = rpc.unwrap_rpc_secret(inputs.get(key))
            if isinstance(value, dict):
                inputs[key] = {name: REDACTED for name in value}
    return scrub(inputs)


def stack_file(target: str) -> Path:
    """A stack name (`dev` -> stacks/Pulumi.dev.yaml) or a path to a stack config file."""
    path = Path(target)
    if path.is_file():
        return path
    named = STACKS_DIR / f"Pulumi.{target}.yaml"
    if named.is_file():
        return named
    known = sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in STACKS_DIR.glob("Pulumi.*.yaml"))
    raise ConfigError(
        [Problem(target, f"no such stack or stack config file; stacks in {STACKS_DIR}: {', '.join(known) or 'none'}")]
    )


def stack_name(path: Path) -> str:
    name = path.name
    return name[len("Pulumi.") : -len(".yaml")] if name.startswith("Pulumi.") and name.endswith(".yaml") else path.stem


def project_defaults() -> dict[str, Any]:
    """Defaults declared in Pulumi.yaml's config block, which the Pulumi CLI applies too."""
    declared = (load_yaml(PROJECT_DIR / "Pulumi.yaml", "project file") or {}).get("config") or {}
    return {
        key.removeprefix(CONFIG_NAMESPACE + ":"): spec["default"]
        for key, spec in declared.items()
        if isinstance(spec, dict) and "default" in spec
    }


def read_stack_file(path: Path) -> dict[str, Any]:
    """This project's config values from a stack config file, with the project's defaults."""
    return {**project_defaults(), **stack_values(load_yaml(path, "stack config file"), str(path))}


def resolved_jobs(components: StackComponents) -> dict[str, dict[str, Any]]:
    """Every run's Job spec, once known (none while any is unknown); call it inside the program.

    Each `RunTemplate.job` resolves to a plain dict, so each is awaited as it is:
    `Output.from_input` over them would lift every manifest into Outputs again,
    node by node, which cost more than the rest of the program (see bench/).
    """

    async def gather() -> dict[str, dict[str, Any]]:
        jobs = {name: await template.job.future() for name, template in components.runs.items()}
        return {} if any(job is None for job in jobs.values()) else jobs

    return _sync_await(gather())


def render(path: Path) -> Rendering:
    """Run the program for one stack config under the mock engine."""
    values = read_stack_file(path)
    rendering = Rendering(stack=stack_name(path))
    monitor = _RecordingMonitor()
    # The mock engine hands what the program logs to this logger.
    logger = logging.getLogger(f"{__name__}.{id(rendering)}")
    logger.propagate = False
    logger.addHandler(_WarningsHandler(rendering.warnings))
    pulumi.runtime.set_mocks(
        monitor.mocks, project=CONFIG_NAMESPACE, stack=rendering.stack, preview=False, monitor=monitor, logger=logger
    )
    # As the Pulumi CLI does: structured values reach the program as JSON text.
    pulumi.runtime.set_all_config(
        {
            f"{CONFIG_NAMESPACE}:{key}": value if isinstance(value, str) else json.dumps(value)
            for key, value in values.items()
        }
    )

    def program() -> None:
        rendering.jobs.update(resolved_jobs(main()))

    _sync_await(run_pulumi_func(program))
    # Registration order depends on scheduling: sort for stable output.
    rendering.registrations.extend(sorted(monitor.registrations, key=lambda r: (r.type, r.name)))
    return rendering
