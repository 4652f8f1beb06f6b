"""The catalog as the Helm values of a real Polyaxon (docs/export.md): 0.6's `persistence`, v1/v2's
`artifactsStore` and `connections`, naming the Secrets of v2's credentials layout.

Pure. What an entry becomes is read from the stack's layout, never re-derived:
each team's grants, the NFS claims of its namespace, how it reaches the
buckets whose credentials the stack manages, all turned into the mount a run
of that team gets (`resolve.mount_of`). Both mappings then read only that
mount: a host path, a claim (an existing one, or the namespace's claim of an
NFS entry), or a bucket.

`polyaxon_values` exports one namespace (the `export` command, programs of
one's own); `plan_exports` every format a stack's `exports` lists for every
team, which `plan_stack` adds to the plan (the stack output `polyaxonValues`,
and the Secrets of v2's layout the program registers).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Optional, Sequence

from .clouds import run_cloud_access
from .config.catalog import (
    SIDES,
    SINGLE_NODE_MODES,
    BucketEntry,
    ExistingClaimEntry,
    Side,
    bucket_address,
    entry_path,
)
from .config.chart import chart_volume_values
from .config.run import MountArgs
from .config.stack import StackConfig
from .declare import enum_values
from .enums import ExportFormat, OutputsSelection
from .errors import ConfigError, Problem
from .layout import Layout, plan_layout
from .model import BucketCredentials, NamedEntry, PlannedExports, TeamAccess, V2CredentialsSecret
from .names import DNS_LABEL, DNS_LABEL_MAX
from .namespaces import granted_entries
from .resolve import default_outputs_candidates, mount_of
from .stores import CLOUDS
from .v2_credentials import GCS_KEY_FILE, GCS_SECRET_MOUNT_PATH, v2_credentials_secrets, v2_secret_name_problems

POLYAXON_06, POLYAXON_V2 = ExportFormat.POLYAXON_06.value, ExportFormat.POLYAXON_V2.value
FORMATS = enum_values(ExportFormat)

# --- Polyaxon 0.6 (chart polyaxon 0.6.1) ----------------------------------------------------------

DEFAULT_PERSISTENCE_06 = {
    "data": {"data": {"mountPath": "/data", "hostPath": "/tmp/data"}},
    "outputs": {"outputs": {"mountPath": "/outputs", "hostPath": "/tmp/outputs"}},
}
"""The chart's `defaultPersistence`: what 0.6 mounts for a side left empty."""
ENV_KEY_06 = re.compile(r"[-._a-zA-Z][-._a-zA-Z0-9]*")
"""What Kubernetes takes as an env name: 0.6 names the variable of a bucket's credentials after its secretKey."""

# --- Polyaxon v1/v2 (charts polyaxon and agent) ---------------------------------------------------

V2_KINDS = {"gcs": "gcs", "s3": "s3", "azure": "wasb"}
"""A bucket's connection kind, by the catalog's store."""
DEFAULT_ARTIFACTS_STORE_V2 = {
    "name": "default-artifacts-store",
    "kind": "host_path",
    "schema": {"hostPath": "/tmp/artifactsStore", "mountPath": "/artifactsStore"},
}
"""The agent chart's `defaultArtifactsStore`: its artifacts store when the values give none."""

Values = dict[str, Any]
"""The Helm values of one namespace's Polyaxon."""


def polyaxon_values(
    config: StackConfig,
    format: str,
    team: Optional[str] = None,
    providers: Mapping[str, str] = {},
    *,
    team_option: str = "team",
) -> tuple[Values, tuple[Problem, ...]]:
    """The Helm values of one namespace's Polyaxon in `format` (polyaxon-0.6 or polyaxon-v2), and the warnings.

    `config`: the parsed stack config (`parse_stack_config`). `team`: whose entries (required when the
    stack has teams; a stack without teams exports its one namespace). `providers`: the provider settings
    by full key (`gcp:project`, `aws:region`, ...), as the program plans with them. `team_option`: how
    messages name the team argument (the CLI's `--team`). Raises ConfigError with every problem: the
    stack's own, and what the format cannot express.
    """
    problems: list[Problem] = []
    if format not in FORMATS:
        problems.append(Problem("format", f"unknown format {format!r}: {' or '.join(FORMATS)}"))
    layout = plan_layout(config, providers, problems)
    access = _chosen_team(config, layout.teams, team, team_option, problems)
    if problems or access is None:
        raise ConfigError(dict.fromkeys(problems))
    facts = _Facts.of(layout)
    if format == POLYAXON_V2:
        problems.extend(v2_secret_name_problems(facts.secrets))
    values, warnings = _values(config, facts, format, access, problems)
    if problems:
        raise ConfigError(dict.fromkeys(problems))
    return values, tuple(warnings)


def plan_exports(config: StackConfig, layout: Layout, problems: list[Problem]) -> tuple[PlannedExports, list[Problem]]:
    """Every format the stack's `exports` lists, for every team, from a sound layout; what a format cannot
    express is appended to `problems`, and the warnings are returned (each once)."""
    if not config.exports:
        return PlannedExports(), []
    facts = _Facts.of(layout)
    warnings: list[Problem] = []
    values: dict[str, dict[str, Values]] = {}
    for format in dict.fromkeys(config.exports):
        values[format] = {}
        for access in layout.teams.values():
            values[format][access.name], found = _values(config, facts, format, access, problems)
            warnings.extend(found)
    secrets = facts.secrets if POLYAXON_V2 in values else ()
    problems.extend(v2_secret_name_problems(secrets))
    # A team's S3 buckets in several regions: its Secrets are named after them, aws:region the default one.
    s3_teams = [secret.team for secret in secrets if secret.store == "s3"]
    by_region = len(s3_teams) > len(set(s3_teams))
    return PlannedExports(values, secrets, ("aws:region",) if by_region else ()), list(dict.fromkeys(warnings))


def _values(
    config: StackConfig, facts: "_Facts", format: str, team: TeamAccess, problems: list[Problem]
) -> tuple[Values, list[Problem]]:
    granted = _granted(config, team, facts)
    if format == POLYAXON_06:
        return _values_06(config, team, granted, problems)
    return _values_v2(config, team, granted, facts.secrets, problems)


# --- the layout's facts ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Facts:
    claims: Mapping[str, Mapping[tuple[str, str], str]]
    """Each namespace's claims of NFS entries, managed filesystems and CSI-mounted buckets, by (side, entry)."""
    credentials: Mapping[str, Mapping[tuple[str, str], BucketCredentials]]
    """Each team's way to each managed bucket entry, by (side, entry)."""
    secrets: tuple[V2CredentialsSecret, ...]
    """Every team's Secrets in v2's layout."""

    @classmethod
    def of(cls, layout: Layout) -> "_Facts":
        return cls(
            claims={
                namespace.name: {**namespace.claim_names(), **layout.mounted.claims().get(namespace.name, {})}
                for namespace in layout.namespaces
            },
            credentials=run_cloud_access(layout.clouds).credentials,
            secrets=v2_credentials_secrets(layout.clouds),
        )


def _chosen_team(
    config: StackConfig,
    teams: Mapping[Optional[str], TeamAccess],
    team: Optional[str],
    option: str,
    problems: list[Problem],
) -> Optional[TeamAccess]:
    if config.teams is None:
        if team is not None:
            problems.append(
                Problem(
                    option,
                    f"the stack defines no teams: it exports its one namespace, {config.namespace!r}; drop {option}",
                )
            )
        return teams[None]
    defined = ", ".join(sorted(config.teams))
    if team is None:
        problems.append(Problem(option, f"required: the stack defines teams, so name the one to export: {defined}"))
    elif team not in config.teams:
        problems.append(Problem(option, f"unknown team {team!r}; defined teams: {defined}"))
    else:
        return teams[team]
    return None


@dataclass(frozen=True)
class _Granted:
    """One entry the team is granted, and the mount its runs get from the plan."""

    item: NamedEntry
    mount: MountArgs
    reached: Optional[BucketCredentials] = None
    """How the team reaches the bucket, when the stack manages its credentials."""

    @property
    def name(self) -> str:
        return self.item.name

    @property
    def side(self) -> Side:
        return self.item.side

    @property
    def path(self) -> str:
        return entry_path(self.side, self.name)

    @property
    def managed(self) -> bool:
        return isinstance(self.item.entry, BucketEntry) and self.item.entry.managed

    @property
    def csi(self) -> Optional[BucketEntry]:
        """The bucket entry, when its CSI driver mounts it."""
        entry = self.item.entry
        return entry if isinstance(entry, BucketEntry) and entry.csi else None

    @property
    def pod_identity(self) -> bool:
        """Mounted by its CSI driver with the pod's own cloud identity (its ServiceAccount's), not a Secret's."""
        return self.csi is not None and self.reached is not None and self.reached.workload_identity


def _granted(config: StackConfig, team: TeamAccess, facts: _Facts) -> list[_Granted]:
    """The team's entries, data then outputs, each by name, as its runs mount them."""
    claims = facts.claims.get(team.namespace, {})
    managed = facts.credentials.get(team.name, {})
    return [
        _Granted(item, mount_of(item, claims, managed), managed.get((item.side, item.name)))
        for item in granted_entries(config.persistence, [team])
    ]


def _grants_path(team: TeamAccess, side: Side) -> str:
    """Where a team's grants of one side are written (the implicit team is granted the whole catalog)."""
    return team.key_path(side) if team.config_path else f"persistence.{side}"


def _volume_problems(granted: Sequence[_Granted], unique: Iterable[_Granted], why: str) -> list[Problem]:
    """Pod volumes are named after their entries: DNS-1123 labels, one name per entry of `unique`."""
    problems = []
    for entry in granted:
        if entry.mount.is_volume and not (DNS_LABEL.fullmatch(entry.name) and len(entry.name) <= DNS_LABEL_MAX):
            suggestion = re.sub(r"[^a-z0-9]+", "-", entry.name.lower()).strip("-")[:DNS_LABEL_MAX] or "data"
            problems.append(
                Problem(
                    entry.path,
                    f"{entry.name!r} would name the pod volume of runs in Polyaxon (0.6 and v2 alike), and is no "
                    f"DNS-1123 label (lowercase letters, digits and '-', at most 63): rename the entry, such as "
                    f"{suggestion}",
                )
            )
    seen: dict[str, _Granted] = {}
    for entry in unique:
        first = seen.setdefault(entry.name, entry)
        if first is not entry:
            problems.append(Problem(entry.path, f"{first.path} has the same name: {why}; rename one of them"))
    return problems


# --- Polyaxon 0.6 ------------------------------------------------------------------------------------


def _values_06(
    config: StackConfig, team: TeamAccess, granted: Sequence[_Granted], problems: list[Problem]
) -> tuple[dict[str, Any], list[Problem]]:
    warnings: list[Problem] = []
    problems.extend(
        _volume_problems(
            granted,
            [entry for entry in granted if entry.mount.is_volume],
            "Polyaxon 0.6 names a run's pod volumes after their entries, data and outputs alike",
        )
    )
    persistence: dict[str, Any] = {
        key: chart_volume_values(volume) for key, volume in config.persistence.chart_volumes()
    }
    for side in SIDES:
        persistence[side] = {
            entry.name: _entry_06(team, entry, problems, warnings) for entry in granted if entry.side == side
        }
        if not persistence[side]:
            warnings.append(
                Problem(
                    _grants_path(team, side),
                    f"{team.describe()} is granted no {side} entry: Polyaxon 0.6 falls back to its "
                    f"defaultPersistence there ({side} at {DEFAULT_PERSISTENCE_06[side][side]['mountPath']} on the "
                    f"node's {DEFAULT_PERSISTENCE_06[side][side]['hostPath']})",
                )
            )
    warnings.extend(_outputs_pick_warnings_06(config, team, granted))
    return {"namespace": team.namespace, "persistence": persistence}, warnings


def _entry_06(team: TeamAccess, granted: _Granted, problems: list[Problem], warnings: list[Problem]) -> dict[str, Any]:
    """One entry as 0.6's VolumeSchema (`mountPath`, `existingClaim` | `hostPath`, `readOnly`) or StoreSchema
    (`store`, `bucket`, `secret`, `secretKey`) has it."""
    mount, entry = granted.mount, granted.item.entry
    problems.extend(_v06_problems(team, granted))
    if mount.is_volume:
        values: dict[str, Any] = {"mountPath": mount.mount_path}
        if mount.host_path is not None:
            values["hostPath"] = mount.host_path
        else:
            values["existingClaim"] = mount.claim_name
        # Given back as written, so a pasted 0.6 block round-trips: readOnly when true or spelled out.
        if mount.read_only or "read_only" in entry.model_fields_set:
            values["readOnly"] = mount.read_only
        if mount.node_selector:
            warnings.append(
                Problem(
                    f"{granted.path}.nodeSelector",
                    "dropped: Polyaxon 0.6 has no node selector per volume; pin its runs to those nodes "
                    "(the chart's nodeSelector for experiments and jobs)",
                )
            )
        return values
    values = {"store": mount.store, "bucket": mount.bucket}
    if mount.workload_identity:
        warnings.append(
            Problem(
                granted.path,
                f"is reached through workload identity, granted to {team.service_account}; Polyaxon 0.6 runs its pods under "
                "its own service account, so they get this bucket only if that account is granted it too",
            )
        )
    elif mount.secret is not None:
        values.update(secret=mount.secret, secretKey=mount.secret_key)
    return values


def _v06_problems(team: TeamAccess, granted: _Granted) -> list[Problem]:
    """What 0.6 cannot do with an entry."""
    mount, csi = granted.mount, granted.csi
    if csi is not None and (mount.pod_annotations or granted.pod_identity):
        annotations = ", ".join(f'{key}: "{value}"' for key, value in mount.pod_annotations.items())
        why = (
            f"only into pods annotated {annotations}, and Polyaxon 0.6 cannot annotate its runs' pods"
            if annotations
            else f"with the pod's own cloud identity, that of {team.service_account}, and Polyaxon 0.6 runs its pods "
            "under its own service account"
        )
        return [
            Problem(
                granted.path,
                f"its CSI driver ({CLOUDS[csi.store].bucket_csi_driver}) mounts it {why}: export this team for "
                "polyaxon-v2, or grant it an entry of the bucket without mount: csi",
            )
        ]
    if granted.managed and mount.secret_key is not None and not ENV_KEY_06.fullmatch(mount.secret_key):
        return [
            Problem(
                granted.path,
                f"its credentials are key {mount.secret_key!r} of Secret {mount.secret}, and Polyaxon 0.6 names an "
                "environment variable after the key, which must start with a letter, '-', '_' or '.': use a bucket "
                "whose name starts with a letter, or your own Secret (secret and secretKey)",
            )
        ]
    return []


def _outputs_pick_warnings_06(config: StackConfig, team: TeamAccess, granted: Sequence[_Granted]) -> list[Problem]:
    """0.6 runs that name no outputs take the first outputs key by name (the chart's toJson sorts them)."""
    outputs = sorted((entry for entry in granted if entry.side == "outputs"), key=lambda entry: entry.name)
    warnings = []
    if config.persistence.outputs_selection == OutputsSelection.RANDOM:
        warnings.append(_random_warning("Polyaxon 0.6 runs that name no outputs take the first outputs entry by name"))
    if not outputs:
        return warnings
    first = outputs[0]
    # The entry this stack's own runs default to, unless that is a random pick.
    candidates = default_outputs_candidates(config.persistence, team)
    chosen = candidates[0] if len(candidates) == 1 else None
    if first.mount.read_only:
        warnings.append(
            Problem(
                first.path,
                f"Polyaxon 0.6 runs that name no outputs write to the first outputs entry by name, {first.name!r}, "
                "which is read-only: their outputs fail; rename the entries so a writable one comes first",
            )
        )
    elif chosen is not None and chosen != first.name:
        warnings.append(
            Problem(
                entry_path("outputs", chosen),
                f"is the catalog's default outputs for {team.describe()}, but Polyaxon 0.6 runs that name no outputs "
                f"take the first by name, {first.name!r}: rename the entries so this one comes first",
            )
        )
    return warnings


def _random_warning(what: str) -> Problem:
    return Problem(
        "persistence.outputsSelection",
        f"random is not exported: {what}; runs of this stack pick by a stable hash",
    )


# --- Polyaxon v1/v2 --------------------------------------------------------------------------------


def _values_v2(
    config: StackConfig,
    team: TeamAccess,
    granted: Sequence[_Granted],
    secrets: Sequence[V2CredentialsSecret],
    problems: list[Problem],
) -> tuple[dict[str, Any], list[Problem]]:
    warnings: list[Problem] = []
    problems.extend(
        _volume_problems(granted, granted, "Polyaxon v2 connections (the artifacts store among them) need unique names")
    )
    warnings.extend(
        Problem(f"persistence.{key}", "is Polyaxon 0.6's own platform volume, which v2 has not: dropped from the v2 values")
        for key, _ in config.persistence.chart_volumes()
    )
    candidates = default_outputs_candidates(config.persistence, team)
    store_name = candidates[0] if candidates else None
    team_secrets = {
        (secret.store, bucket): secret for secret in secrets if secret.team == team.name for bucket in secret.buckets
    }
    keyed_without_export: list[str] = []
    store, connections = None, []
    for entry in granted:
        connection = _connection(team, entry, team_secrets, warnings)
        if entry.managed and entry.mount.secret is not None and POLYAXON_V2 not in config.exports:
            keyed_without_export.append(entry.path)
        if entry.side == "outputs" and entry.name == store_name:
            store = connection
        else:
            connections.append(connection)
    if keyed_without_export:
        problems.append(
            Problem(
                "exports",
                f"{', '.join(keyed_without_export)} reach their bucket with a key the stack manages, and v2 reads "
                f"it from a Secret in v2's layout, which the stack writes only with exports: [{POLYAXON_V2}]: add it",
            )
        )
    if config.persistence.outputs_selection == OutputsSelection.RANDOM:
        warnings.append(_random_warning("v2 runs write to the artifacts store"))
    values: dict[str, Any] = {"namespace": team.namespace}
    if store is not None:
        values["artifactsStore"] = store
        warnings.extend(_store_warnings(config, store_name))  # type: ignore[arg-type]
    else:
        warnings.append(
            Problem(
                _grants_path(team, "outputs"),
                f"{team.describe()} has no writable outputs entry: the agent falls back to its defaultArtifactsStore "
                f"(the node's {DEFAULT_ARTIFACTS_STORE_V2['schema']['hostPath']})",
            )
        )
        clash = next((entry for entry in granted if entry.name == DEFAULT_ARTIFACTS_STORE_V2["name"]), None)
        if clash is not None:
            problems.append(
                Problem(
                    clash.path,
                    f"has the name of the agent's defaultArtifactsStore, which {team.describe()} gets (it has no "
                    "writable outputs entry), and v2 connection names must be unique: rename it",
                )
            )
    values["connections"] = connections
    return values, warnings


def _connection(
    team: TeamAccess,
    granted: _Granted,
    secrets: Mapping[tuple[str, str], V2CredentialsSecret],
    warnings: list[Problem],
) -> dict[str, Any]:
    """One entry as a v2 connection: `name`, `kind`, `schema`, `secret`, `tags`."""
    mount = granted.mount
    schema: dict[str, Any]
    if mount.host_path is not None:
        kind, schema = "host_path", {"hostPath": mount.host_path, "mountPath": mount.mount_path}
        if mount.node_selector:
            warnings.append(
                Problem(
                    f"{granted.path}.nodeSelector",
                    "dropped: a v2 host_path connection has no node selector; operations using it must set "
                    f"environment.nodeSelector {dict(mount.node_selector)}",
                )
            )
    elif mount.claim_name is not None:
        kind, schema = "volume_claim", {"volumeClaim": mount.claim_name, "mountPath": mount.mount_path}
    else:
        kind, schema = V2_KINDS[mount.store], {"bucket": mount.bucket}  # type: ignore[index]
    if mount.is_volume and mount.read_only:
        schema["readOnly"] = True
    connection: dict[str, Any] = {"name": granted.name, "kind": kind, "schema": schema}
    if mount.pod_annotations:
        # Onto the pods of runs using it: the GCS FUSE CSI driver mounts only into annotated pods.
        connection["annotations"] = dict(mount.pod_annotations)
    secret = _connection_secret(team, granted, secrets, warnings)
    if secret is not None:
        connection["secret"] = secret
    connection["tags"] = [granted.side]
    return connection


def _connection_secret(
    team: TeamAccess,
    granted: _Granted,
    secrets: Mapping[tuple[str, str], V2CredentialsSecret],
    warnings: list[Problem],
) -> Optional[dict[str, Any]]:
    """docs/export.md §4: the Secret a bucket connection reads its credentials from, in v2's layout."""
    mount = granted.mount
    if granted.pod_identity:
        warnings.append(_run_as_team(team, granted, "is mounted by its CSI driver with the pod's own cloud identity"))
    if mount.is_volume:
        return None
    store = mount.store or ""
    if mount.workload_identity:
        warnings.append(_run_as_team(team, granted, "is reached through workload identity (no secret)"))
        if store == "azure":
            warnings.append(
                Problem(
                    granted.path,
                    "is an Azure container reached through AKS workload identity, which Polyaxon's Azure client "
                    "does not use (it reads only keys and connection strings): unproven with v2",
                )
            )
        return None
    if mount.secret is None:
        return None  # a bucket anyone may read
    if granted.managed:
        address = bucket_address(store, mount.bucket or "")
        secret = secrets[store, address.key]  # type: ignore[union-attr]
        return secret.reference()
    layout = {
        "gcs": f"{GCS_KEY_FILE} (the service-account key), mounted at {GCS_SECRET_MOUNT_PATH}",
        "s3": "AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY (and AWS_REGION), read as environment variables",
        "azure": "AZURE_ACCOUNT_NAME and AZURE_ACCOUNT_KEY or AZURE_CONNECTION_STRING, read as environment variables",
    }[store]
    warnings.append(
        Problem(
            f"{granted.path}.secret",
            f"v2 reads its credentials from Secret {mount.secret} as {layout}, not from key {mount.secret_key!r} "
            "as polystores did: that Secret must hold v2's keys",
        )
    )
    reference: dict[str, Any] = {"name": mount.secret}
    if store == "gcs":
        reference["mountPath"] = GCS_SECRET_MOUNT_PATH
    return reference


def _run_as_team(team: TeamAccess, granted: _Granted, how: str) -> Problem:
    """A bucket reached as the team's ServiceAccount: v2 operations using it must run as that account."""
    return Problem(
        granted.path,
        f"{how}: operations using it must set environment.serviceAccountName: {team.service_account}; the chart's "
        "own <release>-runs-sa is bound to nothing",
    )


def _store_warnings(config: StackConfig, name: str) -> list[Problem]:
    entry = config.persistence.side("outputs")[name]
    if isinstance(entry, ExistingClaimEntry) and entry.access_mode in SINGLE_NODE_MODES:
        return [
            Problem(
                entry_path("outputs", name, "accessMode"),
                f"{entry.access_mode} claim {entry.existing_claim!r} is the v2 artifacts store, which the agent, "
                "streams and runs all mount: they can only run on one node at a time; a store should be ReadWriteMany",
            )
        ]
    return []
