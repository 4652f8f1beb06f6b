"""Polyaxon v2's credentials layout (export.md §4): each team's keys to its managed buckets, in Secrets
holding what v2 reads (variables or a key file), not polystores' JSON by bucket.

Pure. Named and described here from the clouds' plan. The program fills each
from the same cloud component output as the team's own credentials Secret
(`<store>-credentials-<team>`), through the same TeamNamespace `credentials`:
they share its annotations, change with it at a rotation, and go with a
revoked grant.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Mapping, Optional, Sequence

from .errors import Problem
from .model import CloudPlan
from .names import DNS_LABEL_MAX, digest, dns_label

GCS_SECRET_MOUNT_PATH = "/plx-context/.gc"
"""Where v2 mounts a GCS connection's Secret: its clients read `gc-secret.json` there."""
GCS_KEY_FILE = "gc-secret.json"
V2_KEYS: Mapping[str, tuple[str, ...]] = {
    "gcs": (GCS_KEY_FILE,),
    "s3": ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION"),
    "azure": ("AZURE_ACCOUNT_NAME", "AZURE_CONNECTION_STRING"),
}
"""The keys of a store's Secret in v2's layout: what v2's clients read."""


@dataclass(frozen=True)
class V2CredentialsSecret:
    """A Secret in v2's layout: one team's key to some of its managed buckets on one store."""

    name: str
    namespace: str
    team: str
    store: str
    access: str
    """read-only or read-write: the team's access on the store, as its credentials Secret there is annotated."""
    buckets: tuple[str, ...]
    """The buckets (address keys) whose connections name this Secret."""
    region: Optional[str] = None
    """s3: the region of those buckets (AWS_REGION)."""

    @property
    def keys(self) -> tuple[str, ...]:
        return V2_KEYS[self.store]

    @property
    def mount_path(self) -> Optional[str]:
        """gcs: connections mount the Secret there (v2's clients read the key file); else it becomes envFrom."""
        return GCS_SECRET_MOUNT_PATH if self.store == "gcs" else None

    def reference(self) -> dict[str, Any]:
        """The connection's `secret`."""
        return {"name": self.name, **({"mountPath": self.mount_path} if self.mount_path else {})}

    def data(self, files: Mapping[str, str]) -> dict[str, str]:
        """Its keys, from the team's credentials by bucket (a cloud component's `credentials[team]`): gcs, the
        service-account key file itself; s3 and azure, the keys of the bucket's JSON file, which are v2's.
        Its buckets share one key (gcs, s3: the team's; azure: one container's SAS), so the first one's serves."""
        text = files[self.buckets[0]]
        if self.store == "gcs":
            return {GCS_KEY_FILE: text}
        found = json.loads(text)
        return {key: found[key] for key in self.keys}


def v2_credentials_secrets(clouds: Sequence[CloudPlan]) -> tuple[V2CredentialsSecret, ...]:
    """Every team's Secrets in v2's layout, for the buckets it reaches with keys (none with workload identity).

    gcs: `polyaxon-gcs-<team>`; s3: `polyaxon-s3-<team>`, or one per region (`polyaxon-s3-<team>-<region>`)
    when its buckets are in several; azure: one per container, `polyaxon-wasb-<team>-<digest>`.
    """
    found: list[V2CredentialsSecret] = []
    for cloud in clouds:
        buckets = {bucket.address.key: bucket for bucket in cloud.buckets}
        for access in cloud.teams:
            if access.workload_identity:
                continue
            team = access.team
            common: dict[str, Any] = {
                "namespace": team.namespace,
                "team": team.name,
                "store": cloud.store,
                # One identity holds every grant of the team on the store: its key is as strong as the strongest.
                "access": access.access,
            }
            if cloud.store == "gcs":
                found.append(
                    V2CredentialsSecret(
                        dns_label(team.name, prefix="polyaxon-gcs-"),
                        buckets=tuple(grant.bucket for grant in access.grants),
                        **common,
                    )
                )
            elif cloud.store == "s3":
                regions: dict[Optional[str], list[str]] = defaultdict(list)
                for grant in access.grants:
                    regions[buckets[grant.bucket].region].append(grant.bucket)
                for region, members in sorted(regions.items(), key=lambda item: item[0] or ""):
                    name = team.name if len(regions) == 1 else f"{team.name}-{region}"
                    found.append(
                        V2CredentialsSecret(
                            dns_label(name, prefix="polyaxon-s3-"), buckets=tuple(members), region=region, **common
                        )
                    )
            else:
                stem = dns_label(team.name, prefix="polyaxon-wasb-", limit=DNS_LABEL_MAX - 9)
                found.extend(
                    V2CredentialsSecret(f"{stem}-{digest(grant.bucket)}", buckets=(grant.bucket,), **common)
                    for grant in access.grants
                )
    return tuple(found)


def v2_secret_name_problems(secrets: Sequence[V2CredentialsSecret]) -> list[Problem]:
    """Two teams' Secrets in v2's layout may not share a name in one namespace."""
    seen: dict[tuple[str, str], V2CredentialsSecret] = {}
    problems = []
    for secret in secrets:
        first = seen.setdefault((secret.namespace, secret.name), secret)
        if first is not secret:
            problems.append(
                Problem(
                    f"teams.{secret.team}",
                    f"its v2 credentials Secret for {secret.store} would be {secret.name!r}, in namespace "
                    f"{secret.namespace!r}, like team {first.team!r}'s for {first.store}: rename one of the teams",
                )
            )
    return problems
