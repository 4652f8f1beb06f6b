"""Polyaxon v2's credentials layout (docs/export.md §4): each team's keys to its managed buckets, in Secrets
holding what v2 reads (variables or a key file), not polystores' JSON by bucket.

Pure. Named and described here from the clouds' plan. The program fills each
from the same cloud component output as the team's own credentials Secret
(`<store>-credentials-<team>`), through the same TeamNamespace `credentials`:
they share its annotations, change with it at a rotation, and go with a
revoked grant.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Mapping, Optional, Sequence

from .errors import Problem
from .model import CloudPlan, V2CredentialsSecret
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
                "keys": V2_KEYS[cloud.store],
            }
            if cloud.store == "gcs":
                found.append(
                    V2CredentialsSecret(
                        dns_label(team.name, prefix="polyaxon-gcs-"),
                        buckets=tuple(grant.bucket for grant in access.grants),
                        key_file=True,
                        mount_path=GCS_SECRET_MOUNT_PATH,
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
