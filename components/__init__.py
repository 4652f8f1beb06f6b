"""polyaxon-storage: Polyaxon-style data and outputs storage for training jobs on Kubernetes.

The public API, for Pulumi programs of your own:

- components: `TeamNamespace`, `NfsStorage`, `CsiStorage`, `SharedDirectories`,
  `RunTemplate` (with their args: `TeamNamespaceArgs`, `CredentialsSecretArgs`,
  `NfsStorageArgs`, `CsiStorageArgs`, `SharedDirectoriesArgs`,
  `RunTemplateArgs`, `RunArgs`, `MountArgs`), each checking its args before it
  registers anything and raising `ComponentArgsError` with every problem;
- cloud components, each loading its cloud's SDK only when first used:
  `GcsBuckets`, `S3Buckets`, `AzureBlobContainers` (with `GcsBucketsArgs`,
  `S3BucketsArgs`, `AzureBlobContainersArgs` and the types inside them), and
  the managed filesystems `FilestoreShare`, `EfsFileSystem`, `AzureFileShare`
  (with their args and `DirectoryArgs`);
- the enumerations their args take: `PodSecurityLevel`, `Access`, `RunKind`,
  `Store`, `ImagePullPolicy`, `LogLevel`, `FilestoreTier`, `FilesystemProtocol`,
  `ConnectMode`, `EfsPerformanceMode`, `EfsThroughputMode`, `EfsTransition`
  (and `ExportFormat`, which `polyaxon_values` takes);
- the pure core: `parse_stack` and `plan_stack` (a stack config's values to a
  plan, every problem at once: `plan_stack(parse_stack(values), base_dir, project)`),
  `parse_stack_config` (the parsed config alone), `polyaxon_values` (a parsed
  config to the Helm values of a real Polyaxon, 0.6 or v2, and its warnings),
  `ConfigError`;
- `components.testing`: Pulumi mocks that answer the clouds' providers as
  `render` does, for testing a program of your own.

Layers: `core/` (pure, never imports pulumi), `k8s/` and `clouds/` (Pulumi
components), `program.py` (config -> plan -> components), `offline/` (the mock
engine, `render`, the CLI). Names are loaded on first use, so importing the
core or the shared `conventions` (as the policy pack does) loads no Pulumi SDK.
"""

from importlib import import_module
from typing import Any

_EXPORTS = {
    "TeamNamespace": "components.k8s.team_namespace",
    "TeamNamespaceArgs": "components.k8s.team_namespace",
    "CredentialsSecretArgs": "components.k8s.team_namespace",
    "NfsStorage": "components.k8s.nfs",
    "NfsStorageArgs": "components.k8s.nfs",
    "RunTemplate": "components.k8s.run_template",
    "RunTemplateArgs": "components.k8s.run_template",
    "RunArgs": "components.k8s.run_template",
    "MountArgs": "components.k8s.run_template",
    "ComponentArgsError": "components.args",
    "GcsBuckets": "components.clouds.gcp",
    "GcsBucketsArgs": "components.clouds.gcp",
    "GcsBucketArgs": "components.clouds.gcp",
    "GcsTeamArgs": "components.clouds.gcp",
    "ServiceAccountBindingArgs": "components.clouds.common",
    "CreatedBucketArgs": "components.clouds.common",
    "GrantsArgs": "components.clouds.common",
    "S3Buckets": "components.clouds.aws",
    "S3BucketsArgs": "components.clouds.aws",
    "S3BucketArgs": "components.clouds.aws",
    "AwsTeamArgs": "components.clouds.aws",
    "EksBindingArgs": "components.clouds.aws",
    "AzureBlobContainers": "components.clouds.azure",
    "AzureBlobContainersArgs": "components.clouds.azure",
    "AzureContainerArgs": "components.clouds.azure",
    "AzureTeamArgs": "components.clouds.azure",
    "AksBindingArgs": "components.clouds.azure",
    "CsiStorage": "components.k8s.csi",
    "CsiStorageArgs": "components.k8s.csi",
    "SharedDirectories": "components.k8s.directories",
    "SharedDirectoriesArgs": "components.k8s.directories",
    "FilestoreShare": "components.clouds.filestore",
    "FilestoreShareArgs": "components.clouds.filestore",
    "DirectoryArgs": "components.clouds.common",
    "EfsFileSystem": "components.clouds.efs",
    "EfsFileSystemArgs": "components.clouds.efs",
    "AzureFileShare": "components.clouds.azure_files",
    "AzureFileShareArgs": "components.clouds.azure_files",
    "PodSecurityLevel": "components.core.enums",
    "Access": "components.core.enums",
    "RunKind": "components.core.enums",
    "Store": "components.core.enums",
    "ImagePullPolicy": "components.core.enums",
    "LogLevel": "components.core.enums",
    "FilestoreTier": "components.core.enums",
    "FilesystemProtocol": "components.core.enums",
    "ConnectMode": "components.core.enums",
    "EfsPerformanceMode": "components.core.enums",
    "EfsThroughputMode": "components.core.enums",
    "EfsTransition": "components.core.enums",
    "ExportFormat": "components.core.enums",
    "parse_stack": "components.core.config.stack",
    "parse_stack_config": "components.core.config.stack",
    "plan_stack": "components.core.plan",
    "polyaxon_values": "components.core.export",
    "ConfigError": "components.core.errors",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'components' has no attribute {name!r}")
    return getattr(import_module(_EXPORTS[name]), name)


def __dir__() -> list[str]:
    return __all__
