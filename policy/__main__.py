"""The polyaxon-storage policy pack: `pulumi preview --policy-pack policy` runs this file.

Pulumi runs it as `__main__` with this folder on sys.path; importing it (tests
do) only builds the list of policies: constructing a PolicyPack starts the
analyzer's gRPC server and never returns.
"""

from pulumi_policy import EnforcementLevel, PolicyPack

from polyaxon_storage_policies import (
    bucket_encryption,
    bucket_public_access_prevention,
    no_writable_host_path,
    persistent_volume_retain,
    read_only_secret_read_only_grants,
    s3_bucket_encryption,
    s3_bucket_public_access_block,
)

PACK_NAME = "polyaxon-storage"

POLICIES = [
    bucket_public_access_prevention,
    s3_bucket_public_access_block,
    bucket_encryption,
    s3_bucket_encryption,
    no_writable_host_path,
    persistent_volume_retain,
    read_only_secret_read_only_grants,
]


def serve() -> None:
    """Serve the pack to the Pulumi engine (blocks until the engine stops it)."""
    PolicyPack(
        name=PACK_NAME,
        policies=POLICIES,
        enforcement_level=EnforcementLevel.MANDATORY,
        description="Storage guardrails for polyaxon-storage stacks: private and encrypted buckets, "
        "no writable host paths outside /tmp, retained volumes, read-only credentials granted read only.",
    )


if __name__ == "__main__":
    serve()
