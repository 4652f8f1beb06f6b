"""The polyaxon-storage policy pack: `pulumi preview --policy-pack policy` runs this file.

Policies live by domain (buckets.py, workloads.py, credentials.py,
filesystems.py, sharing shared.py); each one's enforcement level comes from enforcement.json
(mandatory, advisory or disabled), and a stack can still override it with
`--policy-pack-config`. Pulumi runs this file as `__main__` with this folder on
sys.path; importing it (tests do) only builds the list of policies:
constructing a PolicyPack starts the analyzer's gRPC server and never returns.
"""

import json
from pathlib import Path

from pulumi_policy import EnforcementLevel, Policy, PolicyPack

from buckets import bucket_encryption, bucket_public_access_prevention, s3_bucket_encryption, s3_bucket_public_access_block
from credentials import read_only_secret_read_only_grants
from filesystems import azure_files_private, csi_volume_read_only, efs_nfs_from_clients_only, filesystem_protected_encrypted
from workloads import no_writable_host_path, persistent_volume_retain

PACK_NAME = "polyaxon-storage"
LEVELS_FILE = Path(__file__).resolve().parent / "enforcement.json"

POLICIES: list[Policy] = [
    bucket_public_access_prevention,
    s3_bucket_public_access_block,
    bucket_encryption,
    s3_bucket_encryption,
    no_writable_host_path,
    persistent_volume_retain,
    read_only_secret_read_only_grants,
    filesystem_protected_encrypted,
    efs_nfs_from_clients_only,
    azure_files_private,
    csi_volume_read_only,
]


def configured_levels(path: Path = LEVELS_FILE) -> dict[str, EnforcementLevel]:
    """Each policy's enforcement level, from the pack's config; every policy listed, nothing else."""
    levels = json.loads(path.read_text())
    names = {policy.name for policy in POLICIES}
    if set(levels) != names:
        raise ValueError(
            f"{path}: list every policy once; missing {sorted(names - set(levels))}, unknown {sorted(set(levels) - names)}"
        )
    return {name: EnforcementLevel(level) for name, level in levels.items()}


def serve(levels_file: Path = LEVELS_FILE) -> None:
    """Serve the pack to the Pulumi engine (blocks until the engine stops it)."""
    levels = configured_levels(levels_file)
    for policy in POLICIES:
        policy.enforcement_level = levels[policy.name]
    PolicyPack(
        name=PACK_NAME,
        policies=POLICIES,
        enforcement_level=EnforcementLevel.MANDATORY,
        description="Storage guardrails for polyaxon-storage stacks: private and encrypted buckets, protected and "
        "encrypted filesystems reached from their clients only, no writable host paths outside /tmp, retained "
        "volumes, read-only CSI volumes, read-only credentials granted read only.",
    )


if __name__ == "__main__":
    serve()
