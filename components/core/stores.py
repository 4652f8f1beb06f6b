"""The clouds a bucket or a managed filesystem can live in: one entry each, holding everything the package knows
of it by name.

Adding a cloud is adding its entry here, its component modules (`components/clouds/`,
with the fakes `render` answers its provider with) and its plan rules. Pure:
the entry names the modules, never imports them, so a stack that uses no
bucket or filesystem of a cloud never loads that cloud's SDK.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Optional


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
    bucket_csi_driver: str
    """The CSI driver mounting its buckets as directories (`mount: csi`)."""
    filesystem: str
    """The catalog's `filesystem` of the shared filesystem it creates."""
    filesystem_module: str
    """The module of its filesystem's component (its SDK again, and nothing of its buckets')."""
    filesystem_component: str
    """Its filesystem's component class."""
    filesystem_csi_driver: str
    """The CSI driver attaching its filesystem (`attach: csi`)."""
    csi_pod_annotation: Optional[tuple[str, str]] = None
    """The annotation a pod mounting its buckets through CSI carries (GKE injects the gcsfuse sidecar for it)."""
    reported: Mapping[str, str] = field(default_factory=dict)
    """Where its provider reports each of its settings in plain text, a secret one too."""


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
    bucket_csi_driver="gcsfuse.csi.storage.gke.io",
    filesystem="filestore",
    filesystem_module="components.clouds.filestore",
    filesystem_component="FilestoreShare",
    filesystem_csi_driver="filestore.csi.storage.gke.io",
    csi_pod_annotation=("gke-gcsfuse/volumes", "true"),
    reported={
        "gcp:project": "in the ids of what it creates (projects/<project>/...) and in service account emails",
        "gcp:region": "as the region of what it creates",
    },
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
    bucket_csi_driver="s3.csi.aws.com",
    filesystem="efs",
    filesystem_module="components.clouds.efs",
    filesystem_component="EfsFileSystem",
    filesystem_csi_driver="efs.csi.aws.com",
    reported={
        "aws:region": "as the region of each resource it creates; EFS DNS names and Mountpoint's mount options carry it too"
    },
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
    bucket_csi_driver="blob.csi.azure.com",
    filesystem="azurefiles",
    filesystem_module="components.clouds.azure_files",
    filesystem_component="AzureFileShare",
    filesystem_csi_driver="file.csi.azure.com",
    reported={
        "azure-native:location": "as the location of each resource it creates",
        "azure-native:subscriptionId": "in the ids of what it creates (/subscriptions/<id>/...)",
    },
)

CLOUDS: dict[str, Cloud] = {cloud.store: cloud for cloud in (GCS, S3, AZURE)}
"""Every cloud, by its store, in the order the stack plans and registers them."""
BY_PROVIDER: dict[str, Cloud] = {cloud.provider: cloud for cloud in CLOUDS.values()}
FILESYSTEMS: dict[str, Cloud] = {cloud.filesystem: cloud for cloud in CLOUDS.values()}
"""The cloud of each managed filesystem, by the catalog's `filesystem`."""
PROVIDER_KEYS: tuple[str, ...] = tuple(key for cloud in CLOUDS.values() for key in cloud.settings)
"""The standard provider settings the program reads (pulumi.Config("gcp").get("project"), ...)."""
BUCKET_SCHEMES: dict[str, tuple[str, ...]] = {cloud.store: cloud.schemes for cloud in CLOUDS.values()}
"""A bucket URL's scheme must match its store."""
