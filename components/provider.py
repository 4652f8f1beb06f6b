"""Serving the components to programs in other languages (TypeScript, Go, YAML, ...).

Pulumi's component provider infers the package schema from the components'
annotations; this completes it from the components' declarations (each
property's description, credentials marked secret), and reports bad args per
property path (`InputPropertiesError`) rather than as a traceback. The plugin
(`plugin/PulumiPlugin.yaml`) runs `main()`.
"""

import inspect
import json
import re
import sys
import typing
from importlib import metadata
from typing import Any, Optional, Union

import pulumi
from pulumi.errors import InputPropertiesError
from pulumi.provider.experimental.component import ComponentProvider
from pulumi.provider.server import ComponentInitError
from pydantic import BaseModel

from .args import DECLARED, ComponentArgsError
from .core.declare import Model, is_secret

PACKAGE = "polyaxon-storage"
VERSION = metadata.version(PACKAGE)


def public_components() -> list[type[pulumi.ComponentResource]]:
    """Every component the package exports (loading each cloud's SDK)."""
    import components

    exported = [getattr(components, name) for name in components.__all__]
    return [item for item in exported if inspect.isclass(item) and issubclass(item, pulumi.ComponentResource)]


def _camel(name: str) -> str:
    first, *rest = name.split("_")
    return first + "".join(part[:1].upper() + part[1:] for part in rest)


class PolyaxonStorageProvider(ComponentProvider):
    """The components, served with a schema completed from their declarations."""

    def __init__(self, components: Optional[list[type[pulumi.ComponentResource]]] = None, version: str = VERSION):
        components = components or public_components()
        super().__init__(components, PACKAGE, None, version)
        self._args = {
            component.__name__: DECLARED[inspect.get_annotations(component.__init__)["args"]] for component in components
        }
        schema = json.loads(self.schema)  # type: ignore[has-type]
        classes = {component.__name__: component for component in components}
        for token, resource in schema["resources"].items():
            name = token.rsplit(":", 1)[1]
            _complete(resource["inputProperties"], self._args[name])
            for output in getattr(classes[name], "secret_outputs", ()):
                resource["properties"][_camel(output)]["secret"] = True
        declared = {model.__name__: model for model in DECLARED.values()}
        for token, kind in schema["types"].items():
            model = declared.get(token.rsplit(":", 1)[1])
            if model is not None:
                _complete(kind["properties"], model)
        self.schema = json.dumps(schema)

    def construct(self, name: str, resource_type: str, inputs: Any, options: Optional[pulumi.ResourceOptions] = None) -> Any:
        try:
            return super().construct(name, resource_type, inputs, options)
        except ComponentInitError as error:
            if not isinstance(error.inner, ComponentArgsError):
                raise
            model = self._args[resource_type.rsplit(":", 1)[1]]
            raise InputPropertiesError(
                str(error.inner),
                [{"property_path": schema_path(model, problem.path), "reason": problem.message} for problem in error.inner.problems],
            ) from None


def _complete(properties: dict[str, Any], model: type[Model]) -> None:
    """Each property's description from its declaration, and `secret` where it holds credentials."""
    for name, info in model.model_fields.items():
        found = properties.get(_camel(name))
        if found is None:
            continue
        found["description"] = found.get("description") or info.description
        if is_secret(info):
            found["secret"] = True


_TOKEN = re.compile(r"\[\d+\]|[^.\[\]]+")


def schema_path(model: type[Model], path: str) -> str:
    """An args path (`runs.train.data[1].mount_path`) in the schema's names (`runs.train.data[1].mountPath`):
    field names camelCased, keys of a mapping and list indexes kept."""
    annotation: Any = model
    parts = []
    for token in _TOKEN.findall(path):
        if token.startswith("["):
            parts[-1] += token
            annotation = _inner(annotation, 0)
        elif isinstance(annotation, type) and issubclass(annotation, BaseModel) and token in annotation.model_fields:
            parts.append(_camel(token))
            annotation = _bare(annotation.model_fields[token].annotation)
        else:
            parts.append(token)
            annotation = _inner(annotation, 1)
    return ".".join(parts)


def _bare(annotation: Any) -> Any:
    """An annotation without Optional and validators."""
    while typing.get_origin(annotation) in (typing.Annotated, Union):
        annotation = next(arg for arg in typing.get_args(annotation) if arg is not type(None))
    return annotation


def _inner(annotation: Any, position: int) -> Any:
    """A container annotation's items (0: a list's; 1: a mapping's values), optional and validators left out."""
    arguments = typing.get_args(_bare(annotation))
    return _bare(arguments[min(position, len(arguments) - 1)]) if arguments else Any


def main() -> None:
    """The plugin's entry point: serve the components to the Pulumi engine."""
    from pulumi.provider import main as serve

    serve(PolyaxonStorageProvider(), sys.argv[1:])
