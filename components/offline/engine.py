"""The mock engine: a Pulumi program run by the Python SDK alone, every registration recorded.

The one module that touches `pulumi.runtime` internals (the mock monitor,
running a program function, awaiting Outputs outside one). `render`, the
tests and the benchmark all run programs through it. No Pulumi CLI, provider
plugin, cluster or cloud account is involved: what it records is what
`pulumi preview` would register.
"""

from __future__ import annotations

import asyncio
import atexit
import json
import logging
import os
import threading
import weakref
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Optional, Sequence, TypeVar

import pulumi
from pulumi.runtime import rpc
from pulumi.runtime.mocks import MockMonitor
from pulumi.runtime.settings import get_root_resource, reset_options
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from ..conventions import REDACTED
from . import fakes

SECRET_TYPE = "kubernetes:core/v1:Secret"
STACK_REFERENCE_TYPE = "pulumi:pulumi:StackReference"
T = TypeVar("T")


@dataclass(frozen=True)
class Registration:
    """One resource the program registered, as the engine received it."""

    type: str
    name: str
    parent_urn: str
    urn: str
    custom: bool
    inputs: dict[str, Any]
    """Its inputs, every secret value replaced by REDACTED."""
    id: str = ""
    """The id the mocks gave it (custom resources)."""
    dependencies: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Input property -> the URNs of the resources its value came from."""
    protect: bool = False
    retain_on_delete: bool = False
    deleted_with: str = ""
    """The URN of the resource whose deletion this one goes with (not deleted on its own then)."""
    aliases: tuple[str, ...] = ()
    """Earlier identities: a URN, or `name=..., type=..., parent=...` of an alias spec."""
    replacement_trigger: Any = None
    """A value whose change replaces the resource (ResourceOptions.replacement_trigger)."""
    secret_inputs: tuple[str, ...] = ()
    """The inputs whose value is, or holds, a secret (what the engine would keep encrypted)."""

    def summary(self) -> dict[str, Any]:
        """What `render --resources --json` prints of it (inputs as recorded: secrets redacted)."""
        return {
            "type": self.type,
            "name": self.name,
            "parent": self.parent,
            "custom": self.custom,
            "inputs": self.inputs,
            "protect": self.protect,
            "retainOnDelete": self.retain_on_delete,
            "deletedWith": self.deleted_with,
            "aliases": list(self.aliases),
        }

    @property
    def parent(self) -> str:
        """`type::name` of the parent, or empty under the stack itself."""
        if not self.parent_urn or self.parent_urn.split("::")[2].endswith("pulumi:pulumi:Stack"):
            return ""
        qualified_type, name = self.parent_urn.split("::")[2:4]
        return f"{qualified_type.split('$')[-1]}::{name}"


def redact(resource_type: str, inputs: dict[str, Any]) -> dict[str, Any]:
    """Inputs with every secret value replaced, and a Secret's data hidden whether marked secret or not."""

    def scrub(value: Any) -> Any:
        if rpc.is_rpc_secret(value):
            return REDACTED
        if isinstance(value, dict):
            return {key: scrub(item) for key, item in value.items()}
        if isinstance(value, list):
            return [scrub(item) for item in value]
        return value

    if resource_type == SECRET_TYPE:
        # Keep the keys, so the manifest still shows (and validates as) a Secret.
        inputs = dict(inputs)
        for key in ("data", "stringData"):
            value = rpc.unwrap_rpc_secret(inputs.get(key))
            if isinstance(value, dict):
                inputs[key] = {name: REDACTED for name in value}
    return scrub(inputs)


def secret_inputs(inputs: dict[str, Any]) -> tuple[str, ...]:
    """The inputs whose value is, or holds, a secret."""

    def holds(value: Any) -> bool:
        if rpc.is_rpc_secret(value):
            return True
        if isinstance(value, dict):
            return any(holds(item) for item in value.values())
        return isinstance(value, list) and any(holds(item) for item in value)

    return tuple(sorted(key for key, value in inputs.items() if holds(value)))


def _replacement_trigger(request: Any) -> Any:
    if not request.HasField("replacement_trigger"):
        return None
    from google.protobuf import (
        json_format,  # only for resources that have one: render's start-up stays lean
    )

    return json_format.MessageToDict(request.replacement_trigger)


def _alias(alias: Any) -> str:
    if alias.urn:
        return alias.urn
    spec = alias.spec
    parts = [f"{key}={value}" for key, value in (("name", spec.name), ("type", spec.type), ("parent", spec.parentUrn)) if value]
    return ", ".join(parts + (["noParent"] if spec.noParent else []))


# The mock monitor makes an event loop in each SDK worker thread it serves. Left
# open, those loops are collected during interpreter shutdown, after their file
# descriptors are gone, and print a traceback: close them just before.
_WORKER_LOOPS: "weakref.WeakSet[asyncio.AbstractEventLoop]" = weakref.WeakSet()


def _note_worker_loop() -> None:
    if threading.current_thread() is threading.main_thread():
        return
    try:
        _WORKER_LOOPS.add(asyncio.get_event_loop())
    except RuntimeError:
        pass  # this request made none (the stack's own registration)


@atexit.register
def _close_worker_loops() -> None:
    for loop in list(_WORKER_LOOPS):
        if not loop.is_running():
            loop.close()


@dataclass(frozen=True)
class StackOutputs:
    """What another stack exported, as a `pulumi.StackReference` to it reads it."""

    values: Mapping[str, Any]
    """Output name -> its value."""
    secret: frozenset[str] = frozenset()
    """The outputs that are secrets: a reference reads them as secret Outputs."""


class Mocks(pulumi.runtime.Mocks):
    """Resources get an id and their inputs as state, with the outputs their provider would compute faked
    (`fakes`); invokes the program makes get a faked answer; a StackReference reads `stacks`.

    `stacks`: the other stacks a program reads (`org/project/stack` -> what it exported).
    """

    def __init__(self, stacks: Mapping[str, StackOutputs] = {}) -> None:
        self.stacks = dict(stacks)
        self.invokes: list[tuple[str, dict[str, Any]]] = []
        """Every invoke the program made, in order: its token and its args."""

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[Optional[str], dict]:
        if args.typ == STACK_REFERENCE_TYPE:
            return args.resource_id, self._stack_reference(str(args.inputs.get("name")))
        return fakes.resource_id(args.typ, args.name), fakes.resource_outputs(args.typ, args.name, args.inputs)

    def _stack_reference(self, name: str) -> dict[str, Any]:
        if name not in self.stacks:
            known = ", ".join(sorted(self.stacks)) or "none"
            raise pulumi.RunError(
                f"StackReference {name!r}: the mock engine knows no such stack (it knows: {known}); "
                "give its outputs to the mocks (Mocks(stacks={...: StackOutputs(...)}))"
            )
        stack = self.stacks[name]
        return {"name": name, "outputs": dict(stack.values), "secretOutputNames": sorted(stack.secret)}

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict:
        self.invokes.append((args.token, dict(args.args)))
        return fakes.invoke(args.token, args.args)


class RecordingMonitor(MockMonitor):
    """A mock monitor that keeps every registration (secret values redacted) in order."""

    def __init__(self, mocks: Optional[pulumi.runtime.Mocks] = None) -> None:
        super().__init__(mocks or Mocks())
        self.registrations: list[Registration] = []

    def Invoke(self, request):  # noqa: N802 (gRPC method name)
        response = super().Invoke(request)
        _note_worker_loop()
        return response

    def RegisterResource(self, request):  # noqa: N802 (gRPC method name)
        response = super().RegisterResource(request)
        _note_worker_loop()
        if request.type != "pulumi:pulumi:Stack":
            inputs = rpc.deserialize_properties(request.object)
            self.registrations.append(
                Registration(
                    type=request.type,
                    name=request.name,
                    parent_urn=request.parent,
                    urn=response.urn,
                    custom=bool(request.custom),
                    inputs=redact(request.type, inputs),
                    id=response.id,
                    dependencies={key: tuple(value.urns) for key, value in request.propertyDependencies.items()},
                    protect=bool(request.protect),
                    retain_on_delete=bool(request.retainOnDelete),
                    deleted_with=request.deletedWith,
                    aliases=tuple(_alias(alias) for alias in request.aliases),
                    replacement_trigger=_replacement_trigger(request),
                    secret_inputs=secret_inputs(inputs),
                )
            )
        return response


class _WarningsHandler(logging.Handler):
    def __init__(self, sink: list[str]):
        super().__init__(logging.WARNING)
        self.sink = sink

    def emit(self, record: logging.LogRecord) -> None:
        self.sink.append(record.getMessage())


@dataclass
class Engine:
    """A mock engine set up for one project and stack: the SDK's global state points at it."""

    monitor: RecordingMonitor
    warnings: list[str] = field(default_factory=list)
    """What the program logged as warnings (pulumi.log.warn), in order."""

    @property
    def registrations(self) -> list[Registration]:
        return self.monitor.registrations

    @property
    def invokes(self) -> list[tuple[str, dict[str, Any]]]:
        """Every invoke the program made (its token and args), as the provider would have received it."""
        return self.monitor.mocks.invokes  # type: ignore[attr-defined]

    def run(self, program: Callable[[], T]) -> T:
        """Run `program` as the engine runs a Pulumi program, waiting for every registration."""
        results: list[T] = []
        _sync_await(run_pulumi_func(lambda: results.append(program())))
        return results[0]

    def stack_outputs(self) -> dict[str, Any]:
        """What the program exported (pulumi.export), as Outputs."""
        return dict(get_root_resource().outputs)  # type: ignore[union-attr]

    def exported(self) -> StackOutputs:
        """What the program exported, as a StackReference to its stack would read it."""
        outputs = self.stack_outputs()
        return StackOutputs(values(outputs), frozenset(name for name, output in outputs.items() if is_secret(output)))


def cli_text(value: Any) -> str:
    """A config value as the Pulumi CLI hands it to a program: text as it is, anything else as JSON."""
    return value if isinstance(value, str) else json.dumps(value)


def start(
    project: str,
    stack: str,
    config: Mapping[str, Any] = {},
    secret_keys: Sequence[str] = (),
    monitor: Optional[RecordingMonitor] = None,
) -> Engine:
    """Point the SDK at a fresh mock engine, with `config` handed over as the CLI hands it.

    `config` maps full keys (`project:key`) to values as a stack file holds
    them; `secret_keys` names those set with `--secret`.
    """
    engine = Engine(monitor or RecordingMonitor())
    logger = logging.getLogger(f"{__name__}.{id(engine)}")
    logger.propagate = False
    logger.addHandler(_WarningsHandler(engine.warnings))
    # A fresh stack resource: set_mocks keeps the one it finds, and with it what an earlier program exported.
    reset_options(project=project, stack=stack)
    pulumi.runtime.set_mocks(
        engine.monitor.mocks, project=project, stack=stack, preview=False, monitor=engine.monitor, logger=logger
    )
    # As the CLI's Python language host does: the values and the secret keys in the
    # environment, then read from there into the SDK.
    os.environ["PULUMI_CONFIG"] = json.dumps({key: cli_text(value) for key, value in config.items()})
    os.environ["PULUMI_CONFIG_SECRET_KEYS"] = json.dumps(list(secret_keys))
    pulumi.runtime.set_all_config(pulumi.runtime.get_config_env(), pulumi.runtime.get_config_secret_keys_env())
    return engine


def value(output: pulumi.Input[T]) -> Optional[T]:
    """An Output's (or any Input's) value once known (None while unknown)."""
    return values({"value": output})["value"]


def values(outputs: Mapping[str, pulumi.Input[Any]]) -> dict[str, Any]:
    """Several Outputs' values, awaited together: one turn of the event loop, not one per Output."""

    async def known(output: pulumi.Output[Any]) -> Any:
        # `future()` would walk the value for an unknown in it, as the Output did when it resolved (and so
        # says `is_known()`): a second walk of every Job spec, a fifth of all the program's (bench, 2026-12).
        value = await output.future(with_unknowns=True)
        return value if await output.is_known() else None

    async def gather() -> list[Any]:
        return await asyncio.gather(*(known(_output(output)) for output in outputs.values()))

    return dict(zip(outputs, _sync_await(gather())))


def _output(value: pulumi.Input[T]) -> pulumi.Output[T]:
    # An Output as it is: `from_input` would lift every node of its value into an Output
    # again, which cost more than the whole program for a stack's Job manifests (bench/).
    return value if isinstance(value, pulumi.Output) else pulumi.Output.from_input(value)


def dependencies(output: pulumi.Output[Any]) -> set[str]:
    """The URNs of the resources an Output's value came from."""

    async def urns() -> set[str]:
        return {await resource.urn.future() for resource in await output.resources()}

    return _sync_await(urns())


def is_secret(output: pulumi.Input[Any]) -> bool:
    """Whether an Output (or anything an Input holds) is marked secret, awaited outside a program."""
    return bool(_sync_await(_output(output).is_secret()))
