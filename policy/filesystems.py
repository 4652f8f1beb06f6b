"""Managed filesystems and the volumes mounting them: protected and encrypted, reached from their clients only.

- Filestore instances, EFS file systems, Azure file accounts and shares are
  `protect`ed (Filestore with its deletion protection on too), and encrypted
  (EFS explicitly; a customer key, when named, is not empty);
- an EFS mount target's security groups admit TCP 2049 only, from named
  sources (never anywhere);
- an Azure account holding file shares has no public network access;
- a CSI PersistentVolume every access mode of which is read-only is mounted
  read-only by its driver too (`csi.readOnly`).
"""

from __future__ import annotations

from typing import Any, Mapping

from pulumi_policy import (
    EnforcementLevel,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

from shared import as_list, known_value, resource_policy, skipping_unknown, value_at

FILESTORE_INSTANCE = "gcp:filestore/instance:Instance"
EFS_FILE_SYSTEM = "aws:efs/fileSystem:FileSystem"
EFS_MOUNT_TARGET = "aws:efs/mountTarget:MountTarget"
SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
INGRESS_RULES = ("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "aws:ec2/securityGroupRule:SecurityGroupRule")
AZURE_STORAGE_ACCOUNT = "azure-native:storage:StorageAccount"
AZURE_FILE_SHARE = "azure-native:storage:FileShare"
FILE_STORAGE = "FileStorage"
K8S_PERSISTENT_VOLUME = "kubernetes:core/v1:PersistentVolume"
NFS_PORT = 2049
ANYWHERE = ("0.0.0.0/0", "::/0")


# --- rule: filesystems are protected and encrypted -----------------------------------------------


def _unprotected(kind: str, protect: bool) -> list[str]:
    if protect:
        return []
    return [f"protect the {kind} (ResourceOptions protect=True): it holds data an edit or pulumi destroy would delete"]


def filesystem_problems(resource_type: str, props: Mapping[str, Any], protect: bool) -> list[str]:
    """What is wrong with a filesystem: unprotected, unencrypted, or its deletion protection off."""
    if resource_type == FILESTORE_INSTANCE:
        problems = _unprotected("Filestore instance", protect)
        if value_at(props, "deletionProtectionEnabled") is not True:
            problems.append("set deletionProtectionEnabled to true on the Filestore instance: GCP refuses to delete it then")
        key = value_at(props, "kmsKeyName")
        if key is not None and not str(key).strip():
            problems.append("kmsKeyName is empty: name a Cloud KMS key, or remove it for Google-managed keys")
        return problems
    if resource_type == EFS_FILE_SYSTEM:
        problems = _unprotected("EFS file system", protect)
        if value_at(props, "encrypted") is not True:
            problems.append("set encrypted to true on the EFS file system (it cannot be turned on later)")
        return problems
    if resource_type == AZURE_STORAGE_ACCOUNT and value_at(props, "kind") == FILE_STORAGE:
        problems = _unprotected("file storage account", protect)
        if value_at(props, "encryption", "services", "file", "enabled") is False:
            problems.append("remove encryption.services.file.enabled: false; file encryption must stay on")
        return problems
    if resource_type == AZURE_FILE_SHARE:
        return _unprotected("Azure file share", protect)
    return []


def validate_filesystems(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    for problem in filesystem_problems(args.resource_type, args.props, bool(args.opts.protect)):
        report_violation(problem, None)


filesystem_protected_encrypted = ResourceValidationPolicy(
    name="filesystem-protected-encrypted",
    description="Managed filesystems are protected and encrypted: Filestore instances (with deletion protection on, "
    "a customer key not empty), EFS file systems (encrypted), Azure file storage accounts and file shares.",
    validate=validate_filesystems,
    enforcement_level=EnforcementLevel.MANDATORY,
)


# --- rule: EFS mount targets admit NFS from named clients only -------------------------------------


def _ingress_problems(where: str, rule: Mapping[str, Any]) -> list[str]:
    problems = []
    protocol = str(value_at(rule, "ipProtocol", default=value_at(rule, "protocol", default=""))).lower()
    ports = (value_at(rule, "fromPort"), value_at(rule, "toPort"))
    if protocol not in ("tcp", "6") or ports != (NFS_PORT, NFS_PORT):
        problems.append(f"{where} admits {protocol or 'any protocol'} {ports[0]}-{ports[1]}: admit TCP {NFS_PORT} only")
    sources = [
        *as_list(value_at(rule, "cidrIpv4")), *as_list(value_at(rule, "cidrIpv6")),
        *as_list(value_at(rule, "cidrBlocks")), *as_list(value_at(rule, "ipv6CidrBlocks")),
    ]  # fmt: skip
    if any(source in ANYWHERE for source in sources):
        problems.append(f"{where} admits NFS from anywhere: admit the clients' security groups or ranges only")
    return problems


def efs_group_problems(group: PolicyResource, resources: list[PolicyResource]) -> list[str]:
    """What an EFS mount target's security group admits beyond NFS from its clients."""
    names = {known_value(group.props, "id")} - {None}
    problems = []
    for index, rule in enumerate(value_at(group.props, "ingress", default=[])):
        problems += _ingress_problems(f"security group '{group.name}' ingress[{index}]", rule)
    for rule in resources:
        if rule.resource_type not in INGRESS_RULES or value_at(rule.props, "type", default="ingress") != "ingress":
            continue
        reference = known_value(rule.props, "securityGroupId")
        linked = any(dependency.urn == group.urn for dependency in rule.property_dependencies.get("securityGroupId", []))
        if linked or (reference is not None and reference in names):
            problems += _ingress_problems(f"rule '{rule.name}' of security group '{group.name}'", rule.props)
    return problems


def validate_efs_groups(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    groups = {}
    for target in args.resources:
        if target.resource_type != EFS_MOUNT_TARGET:
            continue
        for dependency in target.property_dependencies.get("securityGroups", []):
            groups[dependency.urn] = dependency
        ids = set(as_list(known_value(target.props, "securityGroups")))
        groups.update({r.urn: r for r in args.resources if r.resource_type == SECURITY_GROUP and known_value(r.props, "id") in ids})
    for group in groups.values():
        for problem in skipping_unknown(efs_group_problems, group, args.resources):
            report_violation(problem, group.urn)


efs_nfs_from_clients_only = StackValidationPolicy(
    name="efs-nfs-from-clients-only",
    description="The security groups of EFS mount targets admit TCP 2049 only, and never from anywhere "
    "(0.0.0.0/0, ::/0): from the clients' security groups or ranges.",
    validate=validate_efs_groups,
    enforcement_level=EnforcementLevel.MANDATORY,
)


# --- rule: Azure file accounts have no public network access ------------------------------------------


def azure_file_account_problems(props: Mapping[str, Any]) -> list[str]:
    if value_at(props, "kind") != FILE_STORAGE or value_at(props, "publicNetworkAccess") == "Disabled":
        return []
    return [
        'set publicNetworkAccess to "Disabled" on the file storage account: its shares are reached through a private '
        "endpoint (NFS shares have no per-user authentication)"
    ]


azure_files_private = resource_policy(
    "azure-files-private",
    "Azure file storage accounts (FileStorage) disable public network access: their shares are reached through a "
    "private endpoint only.",
    {AZURE_STORAGE_ACCOUNT: azure_file_account_problems},
)


# --- rule: CSI volumes read-only where their claims are ----------------------------------------------------


def csi_read_only_problems(props: Mapping[str, Any]) -> list[str]:
    csi = value_at(props, "spec", "csi")
    modes = list(value_at(props, "spec", "accessModes", default=[]))
    if csi is None or not modes or any(mode != "ReadOnlyMany" for mode in modes) or value_at(csi, "readOnly") is True:
        return []
    return [
        "the PersistentVolume is ReadOnlyMany but its CSI driver would mount it writable: set spec.csi.readOnly to true"
    ]


csi_volume_read_only = resource_policy(
    "csi-volume-read-only",
    "A CSI PersistentVolume whose access modes are all ReadOnlyMany is mounted read-only by its driver (csi.readOnly).",
    {K8S_PERSISTENT_VOLUME: csi_read_only_problems},
)
