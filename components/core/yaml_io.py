"""Reading the project's YAML files and writing manifests, through libyaml.

One reader serves stack configs, `Pulumi.yaml` and Polyaxon files. PyYAML's
pure-Python loader and emitter were a third of a small stack's whole `render`
(bench/): both go through libyaml (the C extension PyYAML ships) when it is
there.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .errors import ConfigError, Problem

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def load_yaml(path: Path, what: str) -> Any:
    """A YAML file's document; an unreadable file or bad syntax is a problem at its path."""
    try:
        return yaml.load(path.read_text(), Loader=_Loader)
    except OSError as error:
        raise ConfigError([Problem(str(path), f"cannot read the {what}: {error.strerror}")]) from None
    except yaml.YAMLError as error:
        raise ConfigError([Problem(str(path), f"is not valid YAML: {error}")]) from None


class _ManifestDumper(_Dumper):  # type: ignore[misc, valid-type]
    """Plain YAML for people and kubectl: no anchors, multi-line strings as blocks."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _string(dumper: _ManifestDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_ManifestDumper.add_representer(str, _string)


def to_yaml(documents: list[dict[str, Any]]) -> str:
    """Multi-document YAML, keys in the order they were built."""
    return yaml.dump_all(documents, Dumper=_ManifestDumper, sort_keys=False, default_flow_style=False)
