"""The offline renderer: the program run under the mock engine, and what it registered and exported."""

from __future__ import annotations

import runpy
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Optional

import pulumi

from . import engine
from .project import Project, stack_name
from .stand_ins import StoodIn, stand_in


@dataclass
class Rendering:
    stack: str
    registrations: list[engine.Registration] = field(default_factory=list)
    jobs: dict[str, dict[str, Any]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    """What the program logged as warnings, in order."""
    secrets: tuple[str, ...] = ()
    """Where the stack file holds `secure:` values: they stand as REDACTED."""
    stood_in: StoodIn = field(default_factory=lambda: StoodIn({}))
    """The values the program ran with, secrets standing as values of their fields: what is printed hides them."""

    def kubernetes_objects(self) -> list[dict[str, Any]]:
        """Every Kubernetes object the program registered, as a manifest."""
        return [
            _manifest(registration.inputs)
            for registration in self.registrations
            if registration.custom and registration.type.startswith("kubernetes:")
        ]

    def cloud_resources(self) -> list[engine.Registration]:
        """The cloud resources the program registered (buckets, filesystems, identities, grants: no Kubernetes object)."""
        return [
            registration
            for registration in self.registrations
            if registration.custom and registration.type.split(":", 1)[0] in CLOUD_PACKAGES
        ]

    def documents(self) -> list[dict[str, Any]]:
        """What `render` prints: registered Kubernetes objects, then each run's Job."""
        return [*self.kubernetes_objects(), *(self.jobs[name] for name in sorted(self.jobs))]


MANIFEST_HEAD = ("apiVersion", "kind", "metadata")
CLOUD_PACKAGES = ("gcp", "aws", "azure-native")


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


def render_program(project: Project, path: Optional[Path]) -> Rendering:
    """Run a Pulumi program of one's own (the project's `main`) under the mock engine, with a stack config
    file's values (or the project's declared defaults alone); its Jobs are the Job manifests it exports."""
    stack = project.stack_config(path)
    name = stack_name(path) if path else "offline"
    mock = engine.start(project.name, name, stack.values, stack.secret_keys)
    rendering = Rendering(stack=name, warnings=mock.warnings, secrets=stack.secrets)
    entry = project.main_file()

    def program() -> None:
        # As the Pulumi CLI runs it: from its directory, which its own imports start from.
        sys.path.insert(0, str(entry.parent))
        try:
            runpy.run_path(str(entry), run_name="__main__")
        finally:
            sys.path.remove(str(entry.parent))

    mock.run(program)
    rendering.jobs = dict(_jobs_in(engine.values(mock.stack_outputs()), ""))
    rendering.registrations = sorted(mock.registrations, key=lambda registration: (registration.type, registration.name))
    return rendering


def _jobs_in(value: Any, path: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every Job manifest in exported values, by where it is (`jobs.resnet50`)."""
    if isinstance(value, dict) and value.get("kind") == "Job" and value.get("apiVersion") == "batch/v1":
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _jobs_in(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _jobs_in(item, f"{path}[{index}]")


def render(project: Project, path: Path) -> Rendering:
    """Run the program for one stack config file under the mock engine."""
    # Deferred: `job` and the CLI's error paths need none of the components' imports.
    from ..program import main

    stack = project.stack_config(path)
    stood_in = stand_in(project, stack)
    mock = engine.start(project.name, stack_name(path), stood_in.values, stack.secret_keys)
    rendering = Rendering(stack=stack_name(path), warnings=mock.warnings, secrets=stack.secrets, stood_in=stood_in)

    def program() -> None:
        components = main(project.directory)
        rendering.jobs = engine.values(components.jobs)

    try:
        mock.run(program)
    except pulumi.RunError as error:
        raise pulumi.RunError(stood_in.hide(str(error))) from None
    # Registration order depends on scheduling: sort for stable output.
    rendering.registrations = sorted(mock.registrations, key=lambda registration: (registration.type, registration.name))
    return rendering
