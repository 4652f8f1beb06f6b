"""Secret values standing as values of their fields, so `render` and `job` accept what `pulumi up` would.

A `secure:` value is ciphertext only the Pulumi CLI can decrypt: it stands as
REDACTED. Where REDACTED is no value of its field (a namespace, a claim, a
path, a bucket URL), the stack would be refused for what the CLI would have
decrypted into a good value; there it stands instead as the first of a few
placeholders the stack accepts at that place, each made of a token
`redacted-<digest of its path>` (10 digits: a name ending in 8 would be digested again), and everything `render` and `job` print shows
REDACTED where the token would be. The secret is never known, so nothing of it
is printed; names derived from a placeholder (a volume's, say) are derived
from the placeholder, never from the secret.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any, Mapping

from ..conventions import REDACTED
from ..core.config.stack import namespace_values, parse_stack
from ..core.errors import ConfigError
from ..core.names import digest
from ..core.plan import plan_stack
from ..core.stores import PROVIDER_KEYS
from .project import Project, StackFile


@dataclass(frozen=True)
class StoodIn:
    """A stack file's values with every secret standing as a value of its field, and the tokens to hide."""

    values: dict[str, Any]
    tokens: tuple[str, ...] = ()

    def hide(self, text: str) -> str:
        """`text` with every placeholder's token printed as REDACTED."""
        for token in self.tokens:
            text = text.replace(token, REDACTED)
        return text


def placeholders(token: str) -> tuple[str, ...]:
    """What a secret may stand as, in order: a name (namespace, object, label value, image), an absolute path,
    and a bucket URL of each store."""
    account = token.replace("-", "")
    return (
        token,
        f"/{token}",
        f"gs://{token}",
        f"s3://{token}",
        f"wasbs://{token}@{account}.blob.core.windows.net/",
    )


def stand_in(project: Project, stack: StackFile) -> StoodIn:
    """The stack file's values, each secret of the project's config that REDACTED is no value for standing as
    the first placeholder the stack accepts there (the other secrets stay REDACTED)."""
    values = dict(stack.values)
    prefix = f"{project.name}:"
    if not any(path.startswith(prefix) for path in stack.secrets):
        return StoodIn(values)  # nothing to stand in: the stack is not planned an extra time
    tokens = []
    refused = _problem_paths(project, values)
    for path, location in zip(stack.secrets, stack.locations):
        where = path.removeprefix(prefix)
        if not path.startswith(prefix) or not _at(refused, where):
            continue
        token = f"redacted-{digest(path, 10)}"
        for placeholder in placeholders(token):
            trial = _with(values, location, placeholder)
            found = _problem_paths(project, trial)
            if not _at(found, where):
                values, refused = trial, found
                tokens.append(token)
                break
    return StoodIn(values, tuple(tokens))


def _problem_paths(project: Project, values: Mapping[str, Any]) -> list[str]:
    """Where the stack's plan finds problems (config paths)."""
    providers = {key: str(value) for key, value in values.items() if key in PROVIDER_KEYS}
    try:
        plan_stack(parse_stack(namespace_values(values, project.name)), project.directory, project.name, providers)
    except ConfigError as error:
        return [problem.path for problem in error.problems]
    return []


def _at(paths: list[str], where: str) -> bool:
    """Whether a problem is at `where` (a config path) or under it."""
    return any(path == where or path.startswith((f"{where}.", f"{where}[")) for path in paths)


def _with(values: Mapping[str, Any], location: tuple[Any, ...], value: Any) -> dict[str, Any]:
    """A copy of the values with the one at `location` (full key, then keys and indexes) replaced."""
    changed = copy.deepcopy(dict(values))
    container: Any = changed
    for step in location[:-1]:
        container = container[step]
    container[location[-1]] = value
    return changed
