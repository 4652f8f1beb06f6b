"""The args of the Kubernetes components besides RunTemplate (config/run.py): a team namespace and an NFS volume.

Declared once: the components check their args against these, and their
served schema derives from them.
"""

from __future__ import annotations

from typing import Annotated, Optional

from pydantic import Field

from ..declare import SECRET, Input, Model
from ..enums import Access, Choice, PodSecurityLevel
from .catalog import NfsExport, NfsVolume
from .fields import CliText, Identifier, NamespaceName, ObjectName, QualifiedName, SecretKey
from .pod import Resources
from .run import Quota


class CredentialsSecretArgs(Model):
    """A Secret of bucket credentials for one team's runs, annotated as the policy pack expects."""

    team: Identifier = Field(description="The team whose runs read it (one of the namespace's teams).")
    data: Annotated[Input[dict[SecretKey, Input[CliText]]], SECRET] = Field(
        description="Key -> the credentials as text (a bucket's, as polystores reads them, or as Polyaxon v2 reads "
        "them); stored as a secret."
    )
    access: Choice[Access] = Field(
        description="read-only or read-write: what the credentials' identity is granted (annotation "
        "polyaxon-storage/access)."
    )
    identity: Input[CliText] = Field(
        description="The identity the credentials authenticate as (annotation polyaxon-storage/identity)."
    )


class TeamNamespaceArgs(Model):
    """A namespace for one or more teams' runs."""

    namespace: Input[NamespaceName] = Field(description="The namespace to create, or to adopt when existing is true.")
    teams: list[Identifier] = Field(description="Teams whose runs go there: each gets a ServiceAccount runs-<team>.")
    existing: bool = Field(
        False, description="The namespace exists already: only label it (server-side apply), never create or delete it."
    )
    pod_security: Choice[PodSecurityLevel] = Field(
        PodSecurityLevel.RESTRICTED, description="The Pod Security level enforced there."
    )
    container_defaults: Optional[Input[Resources]] = Field(
        None, description="A LimitRange giving these to every container there that does not set them."
    )
    quota: Optional[Input[Quota]] = Field(None, description="A ResourceQuota's spec.hard: what all pods there may use together.")
    service_account_annotations: dict[Identifier, Input[dict[QualifiedName, Input[CliText]]]] = Field(
        default_factory=dict, description="Team -> annotations of its ServiceAccount, such as a workload identity's."
    )
    credentials: dict[ObjectName, CredentialsSecretArgs] = Field(
        default_factory=dict,
        description="Secret name -> bucket credentials of one of the teams, kept there as an Opaque Secret.",
    )


class NfsStorageArgs(NfsExport, NfsVolume):
    """An NFS export as a PersistentVolume and the claim bound to it, in one namespace."""

    namespace: Input[NamespaceName] = Field(
        description="Namespace of the claim (claims are namespaced: one NfsStorage per namespace)."
    )
    claim_name: ObjectName = Field(description="Name of the claim runs mount.")
    volume_name: ObjectName = Field(
        description="Name of the PersistentVolume: cluster-scoped, so unique across namespaces and stacks."
    )
    read_only: bool = Field(False, description="Bind read-only (ReadOnlyMany) instead of ReadWriteMany.")
