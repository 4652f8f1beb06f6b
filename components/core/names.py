"""Kubernetes and environment names derived from the user's identifiers.

A name that is already valid is kept as it is; any other is slugged and given
a short digest of the original, so derived names are deterministic and two
different identifiers never share one.
"""

from __future__ import annotations

import hashlib
import re

DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
DNS_LABEL_MAX = 63
ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
LABEL_VALUE = re.compile(r"([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?")
LABEL_VALUE_MAX = 63
# Identifiers that map onto environment names without loss: `data-gcs` -> DATA_GCS.
_ENV_CLEAN = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
# A name kept as it is never ends like a derived one (`-` or `_` and a digest),
# so a kept name and a derived name cannot coincide.
_DIGEST_ENDING = re.compile(r"[-_.][0-9a-fA-F]{8}$")


def _kept(candidate: str, valid: re.Pattern, limit: int) -> bool:
    return bool(valid.fullmatch(candidate)) and len(candidate) <= limit and not _DIGEST_ENDING.search(candidate)


def digest(text: str, length: int = 8) -> str:
    """A short, stable digest of `text`."""
    return hashlib.sha256(text.encode()).hexdigest()[:length]


def dns_label(name: str, prefix: str = "", limit: int = DNS_LABEL_MAX) -> str:
    """A DNS-1123 label (volume, claim, Job names) for `prefix + name`, at most `limit` long."""
    candidate = prefix + name
    if _kept(candidate, DNS_LABEL, limit):
        return candidate
    suffix = digest(name)
    room = limit - len(prefix) - len(suffix) - 1
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:room].strip("-")
    # Always `<slug>-<digest>`, a shape no kept name has.
    return f"{prefix}{slug or 'x'}-{suffix}"


def env_name(name: str, prefix: str) -> str:
    """An environment variable name (`[A-Z_][A-Z0-9_]*`) for an identifier."""
    if _kept(name, _ENV_CLEAN, len(name)):
        return prefix + name.upper().replace("-", "_")
    slug = re.sub(r"[^A-Z0-9]+", "_", name.upper()).strip("_")
    return f"{prefix}{slug or 'X'}_{digest(name).upper()}"


def label_value(text: str) -> str:
    """A Kubernetes label value for `text` (annotations keep the original)."""
    if _kept(text, LABEL_VALUE, LABEL_VALUE_MAX):
        return text
    suffix = digest(text)
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", text)
    slug = re.sub(r"^[^A-Za-z0-9]+", "", slug)[: LABEL_VALUE_MAX - len(suffix) - 1]
    slug = re.sub(r"[^A-Za-z0-9]+$", "", slug)
    return f"{slug or 'x'}-{suffix}"


def a(noun: str) -> str:
    """`noun` with its indefinite article, as it is read aloud: an experiment, a job, an s3 bucket, a gcs bucket.

    An abbreviation read letter by letter (a digit in it, or no vowel) takes `an` when its first letter's name
    starts with a vowel sound (f, h, l, m, n, r, s, x).
    """
    word = noun.split(" ", 1)[0]
    spelled = any(character.isdigit() for character in word) or not any(vowel in word.lower() for vowel in "aeiouy")
    first = word[:1].lower()
    return f"{'an' if first in ('fhlmnrsx' if spelled else 'aeio') else 'a'} {noun}"
