"""Buckets the stack creates or manages credentials for: what each cloud gets, who is granted what, and how.

Pure (docs/clouds.md §1-6): from the catalog, the teams, the cluster's workload
identity and the provider settings (`gcp:project`, ...) to one CloudPlan per
store, every problem at its config path. The Pulumi components in
`components/clouds/` register what a CloudPlan says.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Iterable, Mapping, Optional, Sequence

from .config.catalog import BucketAddress, BucketEntry, Side, bucket_address, entry_path
from .config.stack import StackConfig, WorkloadIdentityCloud
from .errors import Problem
from .model import (
    BucketCredentials,
    CloudGrant,
    CloudPlan,
    MountedStoragePlan,
    PlannedBucket,
    TeamAccess,
    TeamCloudAccess,
)
from .limits import LIMITS
from .names import a, digest, dns_label
from .stores import CLOUDS, FILESYSTEMS

WORKLOAD_IDENTITY_KEYS = {store: cloud.workload_identity for store, cloud in CLOUDS.items()}
"""The key of cluster.workloadIdentity for each store."""
DEFAULT_LOCATION_KEYS = {store: cloud.location_key for store, cloud in CLOUDS.items() if cloud.location_key}
"""Where a created bucket (gcs) or storage account (azure) goes when its entry gives no location."""
AKS_USE_LABEL = "azure.workload.identity/use"
"""The pod label AKS's workload identity webhook looks for."""
AKS_CLIENT_ID_ANNOTATION = "azure.workload.identity/client-id"
"""The ServiceAccount annotation naming the identity its pods act as (and the Azure Blob CSI driver mounts with)."""
SAS_WARNING_DAYS = 30
# Cloud identity names: the strictest rules of the three (GCP service account ids, 6 to 30 characters).
IDENTITY_NAME_MAX = 30
IDENTITY_PREFIX = "px-"


def credentials_secret_name(store: str, team: str) -> str:
    """The Secret of a team's credentials for one store, in its namespace: `<store>-credentials-<team>`."""
    return dns_label(team, prefix=f"{store}-credentials-")


def credentials_key(address: BucketAddress) -> str:
    """The key of a team's Secret holding one bucket's credentials (a valid Secret key for any bucket: one
    too long for a key, an S3 bucket's of before 2018, is cut and given a digest of it)."""
    key = address.key.replace("/", ".") + ".json"
    room = LIMITS["secretKey"].size or len(key)
    return key if len(key) <= room else f"{key[: room - len('-.json') - 8]}-{digest(address.key)}.json"


def identity_name(deployment: str, team: str) -> str:
    """A team's cloud identity (GCP service account id, IAM user or role, Azure identity) in one deployment.

    `deployment` is `<project>/<stack>`: stacks sharing a cloud account never share an identity.
    Valid on every cloud: a letter first, then lowercase letters, digits and '-', at most 30.
    """
    suffix = digest(f"{deployment}/{team}", 6)
    slug = re.sub(r"[^a-z0-9]+", "-", team.lower()).strip("-")
    room = IDENTITY_NAME_MAX - len(IDENTITY_PREFIX) - len(suffix) - 1
    slug = slug[:room].strip("-")
    return f"{IDENTITY_PREFIX}{slug}-{suffix}" if slug else f"{IDENTITY_PREFIX}{suffix}"


# --- the plan ----------------------------------------------------------------------------------------


def plan_clouds(
    config: StackConfig,
    teams: Sequence[TeamAccess],
    providers: Mapping[str, str],
    problems: list[Problem],
    refused_teams: frozenset[str] = frozenset(),
    modes_known: bool = True,
) -> tuple[CloudPlan, ...]:
    """One CloudPlan per store with managed buckets; the problems found are appended (`refused_teams`: teams
    refused for mistakes of their own, which cluster.workloadIdentity may still name; without `modes_known`,
    `cluster` was refused: how teams reach the clouds, keys or workload identity, is not known, and what
    depends on it is not checked)."""
    problems.extend(_workload_identity_problems(config, refused_teams))
    by_store: dict[str, dict[str, list[tuple[Side, str, BucketEntry, BucketAddress]]]] = defaultdict(dict)
    for side, name, entry in config.persistence.entries():
        if isinstance(entry, BucketEntry) and entry.managed:
            address = bucket_address(entry.store, entry.bucket)
            if address is not None:  # else the catalog says why
                by_store[entry.store].setdefault(address.key, []).append((side, name, entry, address))
    clouds = []
    for store in CLOUDS:
        if store not in by_store:
            continue
        buckets = tuple(_planned_bucket(entries, providers, problems) for entries in by_store[store].values())
        if store == "azure":
            problems.extend(_account_problems(by_store[store].values(), providers))
        access = tuple(
            found for team in teams if (found := _team_access(config, store, team, buckets)) is not None
        )
        settings = _settings(store, config, buckets, access, providers, problems)
        if modes_known:
            problems.extend(_sas_expiry_problems(buckets, access))
        clouds.append(CloudPlan(store, buckets, access, settings))
    return tuple(clouds)


def _planned_bucket(
    entries: list[tuple[Side, str, BucketEntry, BucketAddress]], providers: Mapping[str, str], problems: list[Problem]
) -> PlannedBucket:
    """One bucket, from the entries naming it: created by at most one, one SAS expiry, one resource group.

    Its entries are listed creator first: messages about the bucket point there.
    """
    entries = sorted(entries, key=lambda found: not found[2].create)
    creators = [(side, name, entry) for side, name, entry, _ in entries if entry.create]
    for side, name, _ in creators[1:]:
        problems.append(
            Problem(
                entry_path(side, name, "create"),
                f"{entries[0][3].key} is created by {entry_path(*creators[0][:2])} already; create it from one entry",
            )
        )
    for option in ("sas_expiry", "resource_group"):
        problems.extend(_disagreements(entries, option))
    _, _, first, address = entries[0]
    creator = creators[0][2] if creators else None
    region = (creator.region if creator else None) or providers.get("aws:region")
    return PlannedBucket(
        address=address,
        entries=tuple((side, name) for side, name, _, _ in entries),
        create=creator is not None,
        location=(creator.location or providers.get(DEFAULT_LOCATION_KEYS.get(address.store, ""))) if creator else None,
        region=region if address.store == "s3" else None,
        resource_group=next((entry.resource_group for *_, entry, _ in entries if entry.resource_group), None),
        versioning=creator.keeps_versions if creator else True,
        protect=creator.protected if creator else True,
        retain_on_delete=creator.retained if creator else False,
        kms_key=creator.kms_key if creator else None,
        sas_expiry=next((entry.sas_expiry for *_, entry, _ in entries if entry.sas_expiry), None),
    )


OPTION_KEYS = {"sas_expiry": "sasExpiry", "resource_group": "resourceGroup", "location": "location",
               "versioning": "versioning", "protect": "protect", "retain_on_delete": "retainOnDelete"}  # fmt: skip


def _disagreements(
    entries: Iterable[tuple[Side, str, BucketEntry, BucketAddress]],
    option: str,
    what: str = "",
    default: Any = None,
) -> list[Problem]:
    """Entries naming one bucket (or account) that set `option` to different values (`default` where unset)."""
    first: Optional[tuple[str, Any]] = None
    found = []
    for side, name, entry, address in entries:
        value = getattr(entry, option)
        value = default if value is None else value
        if value is None:
            continue
        if first is None:
            first = (entry_path(side, name), value)
        elif value != first[1]:
            found.append(
                Problem(
                    entry_path(side, name, OPTION_KEYS[option]),
                    f"{what or address.key} has {OPTION_KEYS[option]} {first[1]!r} in {first[0]}; give it once, the same",
                )
            )
    return found


def _account_problems(
    buckets: Iterable[list[tuple[Side, str, BucketEntry, BucketAddress]]], providers: Mapping[str, str]
) -> list[Problem]:
    """Containers of one Azure storage account: one resource group, and an account the stack creates is
    created with every container of it, alike."""
    accounts: dict[str, list[tuple[Side, str, BucketEntry, BucketAddress]]] = defaultdict(list)
    for entries in buckets:
        for found in entries:
            accounts[found[3].account or ""].append(found)
    problems = []
    for account, entries in sorted(accounts.items()):
        what = f"storage account {account}"
        problems.extend(_disagreements(entries, "resource_group", what))
        creators = [found for found in entries if found[2].create]
        if not creators:
            continue
        problems.extend(_disagreements(creators, "location", what, providers.get(DEFAULT_LOCATION_KEYS["azure"])))
        for option, default in (("versioning", True), ("protect", True), ("retain_on_delete", False)):
            problems.extend(_disagreements(creators, option, what, default))
        problems.extend(
            Problem(
                entry_path(side, name, "create"),
                f"{what} is created by {entry_path(*creators[0][:2])}, with its containers: add create: true here too",
            )
            for side, name, entry, _ in entries
            if not entry.create
        )
    return problems


def _workload_identity(config: StackConfig, store: str) -> Optional[WorkloadIdentityCloud]:
    return getattr(config.cluster.workload_identity, WORKLOAD_IDENTITY_KEYS[store])


def _team_access(
    config: StackConfig, store: str, team: TeamAccess, buckets: Sequence[PlannedBucket]
) -> Optional[TeamCloudAccess]:
    writable: dict[str, bool] = {}
    for bucket in buckets:
        for side, name in bucket.entries:
            if name in team.granted(side):
                entry = config.persistence.side(side)[name]
                writable[bucket.address.key] = writable.get(bucket.address.key, False) or not entry.read_only
    if not writable:
        return None
    wanted = _workload_identity(config, store)
    keyless = wanted is not None and (wanted.teams is None or team.name in wanted.teams)
    return TeamCloudAccess(
        team=team,
        grants=tuple(CloudGrant(key, writable[key]) for key in sorted(writable)),
        secret=None if keyless else credentials_secret_name(store, team.name),
    )


def _settings(
    store: str,
    config: StackConfig,
    buckets: Sequence[PlannedBucket],
    teams: Sequence[TeamCloudAccess],
    providers: Mapping[str, str],
    problems: list[Problem],
) -> dict[str, str]:
    """The provider settings a store's resources need; each missing one is a problem naming its key."""
    needed: dict[str, str] = {}
    first = entry_path(*buckets[0].entries[0])
    problems.extend(
        Problem(
            entry_path(*bucket.entries[0], "location"),
            f"required with create: true: where {bucket.address.key} goes (such as EU or europe-west1); or set "
            f"{DEFAULT_LOCATION_KEYS[store]} (pulumi config set {DEFAULT_LOCATION_KEYS[store]} <location>)",
        )
        for bucket in buckets
        if bucket.create and bucket.location is None and store in DEFAULT_LOCATION_KEYS
    )
    if store == "gcs":
        needed["gcp:project"] = f"{first} has credentials the stack manages in a GCP project"
    elif store == "s3":
        needed["aws:region"] = f"{first} has credentials the stack manages with AWS IAM"
    else:
        aks = config.cluster.workload_identity.aks
        if aks is not None and any(team.workload_identity for team in teams):
            why = "cluster.workloadIdentity.aks makes an identity per team and grants it roles on the containers"
            needed["azure-native:location"] = why
            needed["azure-native:subscriptionId"] = why
    for key, why in needed.items():
        if not providers.get(key):
            problems.append(Problem(key, f"required: {why}; set it with pulumi config set {key} <value>"))
    return {key: providers[key] for key in needed if providers.get(key)}


def _sas_expiry_problems(buckets: Sequence[PlannedBucket], teams: Sequence[TeamCloudAccess]) -> list[Problem]:
    """Azure containers granted in key mode need a SAS expiry (never the clock: previews stay stable)."""
    keyed = {grant.bucket for team in teams if not team.workload_identity for grant in team.grants}
    return [
        Problem(
            entry_path(*bucket.entries[0], "sasExpiry"),
            "required: teams reach this container with a SAS in their Secret, and a SAS expires; give the time "
            "(RFC 3339, such as 2026-12-31T00:00:00Z)",
        )
        for bucket in buckets
        if bucket.address.store == "azure" and bucket.address.key in keyed and bucket.sas_expiry is None
    ]


def _workload_identity_problems(config: StackConfig, refused_teams: frozenset[str]) -> list[Problem]:
    problems = []
    for store, key in WORKLOAD_IDENTITY_KEYS.items():
        wanted = _workload_identity(config, store)
        if wanted is None or wanted.teams is None:
            continue
        path = f"cluster.workloadIdentity.{key}.teams"
        if config.teams is None and not refused_teams:
            problems.append(Problem(path, "names teams, but no teams are defined; drop it (the stack's runs use it)"))
            continue
        for index, team in enumerate(wanted.teams):
            if team not in (config.teams or {}) and team not in refused_teams:
                problems.append(Problem(f"{path}[{index}]", f"unknown team {team!r}; defined teams: {', '.join(config.teams or {})}"))
    return problems


# --- what the plan means for runs -------------------------------------------------------------------


@dataclass(frozen=True)
class RunCloudAccess:
    """What the clouds' plan gives each team's runs."""

    credentials: Mapping[str, Mapping[tuple[str, str], BucketCredentials]] = field(default_factory=dict)
    """Team -> how its runs reach each managed entry it is granted, by (side, entry)."""
    pod_labels: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    """Team -> the labels its pods need (AKS workload identity's, for teams reaching Azure without keys)."""


def run_cloud_access(clouds: Sequence[CloudPlan]) -> RunCloudAccess:
    credentials: dict[str, dict[tuple[str, str], BucketCredentials]] = defaultdict(dict)
    labels: dict[str, dict[str, str]] = {}
    for cloud in clouds:
        buckets = {bucket.address.key: bucket for bucket in cloud.buckets}
        for access in cloud.teams:
            if cloud.store == "azure" and access.workload_identity:
                labels[access.team.name] = {AKS_USE_LABEL: "true"}
            for grant in access.grants:
                bucket = buckets[grant.bucket]
                reached = BucketCredentials(
                    access.secret, None if access.secret is None else credentials_key(bucket.address)
                )
                for side, name in bucket.entries:
                    if name in access.team.granted(side):
                        credentials[access.team.name][side, name] = reached
    return RunCloudAccess(dict(credentials), labels)


def cloud_warnings(config: StackConfig, clouds: Sequence[CloudPlan]) -> list[Problem]:
    """What the clouds' plan allows but a platform engineer should hear about."""
    warnings = []
    planned = {cloud.store: cloud for cloud in clouds}
    for store, key in WORKLOAD_IDENTITY_KEYS.items():
        if _workload_identity(config, store) is None:
            continue
        users = [access.team.name for access in planned[store].teams if access.workload_identity] if store in planned else []
        if not users:
            warnings.append(
                Problem(
                    f"cluster.workloadIdentity.{key}",
                    f"no team is granted {a(store + ' bucket')} with managed credentials, so nothing uses it",
                )
            )
        elif store == "azure" and (readers := _url_readers(config, planned[store])):
            warnings.append(
                Problem(
                    f"cluster.workloadIdentity.{key}",
                    f"teams {', '.join(readers)} reach Azure containers through AKS workload identity, which Azure SDK "
                    "clients use but polystores does not (it reads only keys and connection strings): their runs "
                    "need an Azure SDK client for those containers",
                )
            )
    return warnings


def _url_readers(config: StackConfig, cloud: CloudPlan) -> list[str]:
    """The teams with workload identity granted a container their runs reach through its URL (not mounted by CSI)."""
    found = []
    for access in cloud.teams:
        if access.workload_identity and any(
            name in access.team.granted(side) and not getattr(config.persistence.side(side)[name], "csi", False)
            for bucket in cloud.buckets
            for side, name in bucket.entries
        ):
            found.append(access.team.name)
    return found


def sas_expiry_warnings(clouds: Sequence[CloudPlan], now: datetime) -> list[Problem]:
    """SAS expiries within 30 days of `now`, or past. The clock is read for this warning only."""
    warnings = []
    for cloud in clouds:
        keyed = {grant.bucket for access in cloud.teams if not access.workload_identity for grant in access.grants}
        for bucket in cloud.buckets:
            if bucket.sas_expiry is None or bucket.address.key not in keyed:
                continue
            left = datetime.fromisoformat(bucket.sas_expiry) - now
            if left < timedelta(days=SAS_WARNING_DAYS):
                when = "has expired" if left <= timedelta(0) else f"expires in {left.days} days"
                warnings.append(
                    Problem(
                        entry_path(*bucket.entries[0], "sasExpiry"),
                        f"the SAS of {bucket.address.key} in the teams' Secrets {when} ({bucket.sas_expiry}): set a "
                        "later sasExpiry and run pulumi up",
                    )
                )
    return warnings


def reported_secret_warnings(
    clouds: Sequence[CloudPlan], mounted: MountedStoragePlan, secret: Iterable[str]
) -> list[Problem]:
    """Provider settings set as secrets that a cloud the stack creates resources in reports in plain text anyway:
    the state shows them whatever the config says."""
    used = {cloud.store for cloud in clouds} | {
        FILESYSTEMS[plan.item.entry.filesystem].store for plan in mounted.filesystems  # type: ignore[union-attr]
    }
    return [
        Problem(
            key,
            f"is set as a secret, but the {CLOUDS[store].provider} provider reports it in plain text "
            f"({CLOUDS[store].reported[key]}), and Pulumi encrypts no resource id and no value a provider computes: "
            "whoever reads the stack's state reads it",
        )
        for store in CLOUDS
        if store in used
        for key in CLOUDS[store].settings
        if key in secret
    ]
