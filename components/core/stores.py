"""The clouds a bucket can live in: one entry each, holding everything the package knows of it by name.

Adding a cloud is adding its entry here, its component module (`components/clouds/`,
with the fakes `render` answers its provider with) and its plan rules. Pure:
the entry names the modules, never imports them, so a stack that uses no
bucket of a cloud never loads that cloud's SDK.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional


@dataclass(frozen=True)
class Cloud:
    store: str
    """The catalog's `store` for its buckets."""
    schemes: tuple[str, ...]
    """The URL schemes of its buckets."""
    provider: str
    """Its Pulumi provider: the type prefix of its resources, and its config namespace (`gcp:project`)."""
    settings: tuple[str, ...]
    """The provider settings the stack reads for it, by full key."""
    location_key: Optional[str]
    """Where a bucket (or storage account) it creates goes when its entry names no place."""
    workload_identity: str
    """Its cluster's key under `cluster.workloadIdentity`."""
    sdk: str
    """The Pulumi SDK's top-level module."""
    extra: str
    """The extra of the `polyaxon-storage` package that installs that SDK."""
    module: str
    """The module of its component (and of the fakes render answers its provider with)."""
    component: str
    """Its component class."""
    bucket_word: str
    """What its buckets are called, for messages."""


GCS = Cloud(
    store="gcs",
    schemes=("gs://",),
    provider="gcp",
    settings=("gcp:project", "gcp:region"),
    location_key="gcp:region",
    workload_identity="gke",
    sdk="pulumi_gcp",
    extra="gcp",
    module="components.clouds.gcp",
    component="GcsBuckets",
    bucket_word="bucket",
)
S3 = Cloud(
    store="s3",
    schemes=("s3://",),
    provider="aws",
    settings=("aws:region",),
    location_key=None,
    workload_identity="eks",
    sdk="pulumi_aws",
    extra="aws",
    module="components.clouds.aws",
    component="S3Buckets",
    bucket_word="bucket",
)
AZURE = Cloud(
    store="azure",
    schemes=("wasbs://", "wasb://"),
    provider="azure-native",
    settings=("azure-native:location", "azure-native:subscriptionId"),
    location_key="azure-native:location",
    workload_identity="aks",
    sdk="pulumi_azure_native",
    extra="azure",
    module="components.clouds.azure",
    component="AzureBlobContainers",
    bucket_word="container",
)

CLOUDS: dict[str, Cloud] = {cloud.store: cloud for cloud in (GCS, S3, AZURE)}
"""Every cloud, by its store, in the order the stack plans and registers them."""
BY_PROVIDER: dict[str, Cloud] = {cloud.provider: cloud for cloud in CLOUDS.values()}
PROVIDER_KEYS: tuple[str, ...] = tuple(key for cloud in CLOUDS.values() for key in cloud.settings)
"""The standard provider settings the program reads (pulumi.Config("gcp").get("project"), ...)."""
BUCKET_SCHEMES: dict[str, tuple[str, ...]] = {cloud.store: cloud.schemes for cloud in CLOUDS.values()}
"""A bucket URL's scheme must match its store."""
