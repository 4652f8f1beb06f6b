"""The Pulumi project on disk: `Pulumi.yaml`, its declared defaults and its stack config files.

What the Pulumi CLI reads before it starts the program, read the same way for
`render` and `job`: the project's name (the config namespace), the defaults
declared in its `config:` block, and `stackConfigDir` for `Pulumi.<stack>.yaml`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Optional

from ..conventions import REDACTED
from ..core.config.stack import config_block
from ..core.errors import ConfigError, Problem, child
from ..core.yaml_io import load_yaml

PROJECT_FILE = "Pulumi.yaml"
PROJECT_ENV = "POLYAXON_STORAGE_PROJECT"
# The checkout this package was installed from (an editable install, or running from the repository).
_SOURCE_CHECKOUT = Path(__file__).resolve().parents[2]


def stack_name(path: Path) -> str:
    """The stack a config file belongs to: `Pulumi.dev.yaml` -> `dev` (any other file: its stem)."""
    name = path.name
    if name.startswith("Pulumi.") and name.endswith(".yaml") and len(name) > len("Pulumi..yaml"):
        return name[len("Pulumi.") : -len(".yaml")]
    return path.stem


def find_project_dir(start: Optional[Path] = None) -> Path:
    """The project directory: $POLYAXON_STORAGE_PROJECT, else the nearest directory holding a
    Pulumi.yaml from `start` (the working directory) up, else the checkout this package runs from.
    """
    if os.environ.get(PROJECT_ENV):
        return Path(os.environ[PROJECT_ENV])
    here = (start or Path.cwd()).resolve()
    for directory in (here, *here.parents):
        if (directory / PROJECT_FILE).is_file():
            return directory
    return _SOURCE_CHECKOUT


@dataclass(frozen=True)
class Project:
    directory: Path

    @cached_property
    def _document(self) -> dict[str, Any]:
        path = self.directory / PROJECT_FILE
        document = load_yaml(path, "project file")
        if not isinstance(document, dict) or not isinstance(document.get("name"), str):
            raise ConfigError([Problem(str(path), "a project file is a mapping with a name: key")])
        return document

    @property
    def name(self) -> str:
        """The project's name: the namespace of its config keys."""
        return self._document["name"]

    @property
    def stacks_dir(self) -> Path:
        return self.directory / self._document.get("stackConfigDir", ".")

    def defaults(self) -> dict[str, Any]:
        """Defaults declared in the project's config block, which the Pulumi CLI applies too."""
        declared = self._document.get("config") or {}
        prefix = self.name + ":"
        return {
            key.removeprefix(prefix): spec["default"]
            for key, spec in declared.items()
            if isinstance(spec, dict) and "default" in spec
        }

    def stack_names(self) -> list[str]:
        return sorted(stack_name(path) for path in self.stacks_dir.glob("Pulumi.*.yaml"))

    def stack_file(self, target: str) -> Path:
        """A stack name (`dev` -> <stacks>/Pulumi.dev.yaml) or a path to a stack config file."""
        path = Path(target)
        if path.is_file():
            return path
        named = self.stacks_dir / f"Pulumi.{target}.yaml"
        if named.is_file():
            return named
        raise ConfigError(
            [
                Problem(
                    target,
                    f"no such stack or stack config file; stacks in {self.stacks_dir}: "
                    f"{', '.join(self.stack_names()) or 'none'}",
                )
            ]
        )

    def main_file(self) -> Path:
        """The program the Pulumi CLI runs: the project's `main` (a file, or a directory's __main__.py)."""
        main = self.directory / str(self._document.get("main", "."))
        return main / "__main__.py" if main.is_dir() else main

    def stack_config(self, path: Optional[Path]) -> "StackFile":
        """A stack config file's values by full key (`namespace:key`), over the project's declared defaults
        (those alone without a file).

        A `secure:` value is ciphertext only the Pulumi CLI can decrypt: it stands
        as REDACTED, and its key is handed over as a secret, as the CLI hands it.
        """
        defaults = {f"{self.name}:{key}": value for key, value in self.defaults().items()}
        stacked = config_block(load_yaml(path, "stack config file"), str(path)) if path else {}
        values = {**defaults, **stacked}
        secrets: list[str] = []
        return StackFile(
            values={key: _stand_in_secrets(value, key, secrets) for key, value in values.items()},
            secrets=tuple(secrets),
        )


@dataclass(frozen=True)
class StackFile:
    values: dict[str, Any]
    """Full key -> value, each `secure:` value replaced by REDACTED."""
    secrets: tuple[str, ...]
    """Where the `secure:` values were, as config paths (`polyaxon-storage:runs.train.env.TOKEN`)."""

    @property
    def secret_keys(self) -> list[str]:
        """The full keys holding a secret anywhere in their value."""
        return sorted({path.partition(".")[0].partition("[")[0] for path in self.secrets})


def _stand_in_secrets(value: Any, path: str, found: list[str]) -> Any:
    if isinstance(value, dict) and set(value) == {"secure"}:
        found.append(path)
        return REDACTED
    if isinstance(value, dict):
        return {key: _stand_in_secrets(item, child(path, str(key)), found) for key, item in value.items()}
    if isinstance(value, list):
        return [_stand_in_secrets(item, f"{path}[{index}]", found) for index, item in enumerate(value)]
    return value
