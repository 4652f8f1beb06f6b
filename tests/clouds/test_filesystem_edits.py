"""Edits never lose a managed filesystem's data: every edit of an input its provider replaces the resource for
meets a protected resource, which stops `pulumi up` (docs/managed-storage.md §3, docs/edits.md).

Under the mock engine: the stack is rendered before and after the edit. A replacing input that changes while the
resource keeps its URN is an update the engine turns into a replacement, and a renamed filesystem is a new URN and
the old one's deletion; either way the resource must be protected before and after.
"""

from __future__ import annotations

import copy

import pytest

from cloud_support import PROVIDERS
from conftest import rendered, write_stack

FILESTORE = {"filesystem": "filestore", "create": True, "name": "ml-work", "mountPath": "/work", "size": "1Ti",
             "tier": "ZONAL", "location": "europe-west1-b", "network": "ml-vpc", "clients": ["10.8.0.0/14"]}  # fmt: skip
EFS = {"filesystem": "efs", "create": True, "name": "ml-work", "mountPath": "/work", "vpcId": "vpc-1",
       "subnets": ["subnet-a", "subnet-b"], "clients": ["sg-0123456789abcdef0"]}  # fmt: skip
AZURE_FILES = {"filesystem": "azurefiles", "create": True, "name": "work", "account": "acmework", "mountPath": "/work",
               "resourceGroup": "rg-ml", "subnetId": "/subnets/storage", "size": "1Ti"}  # fmt: skip
BASES = {"filestore": FILESTORE, "efs": EFS, "azurefiles": AZURE_FILES}
INSTANCE, FILE_SYSTEM = "gcp:filestore/instance:Instance", "aws:efs/fileSystem:FileSystem"
ACCOUNT, SHARE = "azure-native:storage:StorageAccount", "azure-native:storage:FileShare"


def config(entry: dict) -> dict:
    return {
        "persistence": {"outputs": {"work": entry}},
        "teams": {"vision": {"namespace": "team-vision", "outputs": "*"}, "nlp": {"namespace": "team-nlp", "outputs": "*"}},
        "runs": {"train": {"team": "vision", "image": "trainer:1"}},
    }


def render(tmp_path, entry: dict, label: str, providers: dict = PROVIDERS):
    """One stack (`edits`) before and after an edit, so URNs compare."""
    directory = tmp_path / label
    directory.mkdir(exist_ok=True)
    return rendered(write_stack(directory, config(entry), "edits", providers))


def of_type(rendering, kind: str) -> dict:
    return {r.urn: r for r in rendering.registrations if r.type == kind}


# (filesystem, the edit of its entry or of a provider setting, the resource it replaces, the input it replaces it for)
REPLACING = [
    ("filestore", {"location": "europe-west1-c"}, INSTANCE, "location"),
    ("filestore", {"tier": "BASIC_HDD"}, INSTANCE, "tier"),
    ("filestore", {"protocol": "NFS_V4_1"}, INSTANCE, "protocol"),
    ("filestore", {"network": "other-vpc"}, INSTANCE, "networks"),
    ("filestore", {"connectMode": "PRIVATE_SERVICE_ACCESS"}, INSTANCE, "networks"),
    ("filestore", {"share": "work_v2"}, INSTANCE, "fileShares"),
    ("filestore", {"kmsKey": "projects/acme-ml/locations/europe-west1/keyRings/r/cryptoKeys/k"}, INSTANCE, "kmsKeyName"),
    ("filestore", {"gcp:project": "acme-ml-2"}, INSTANCE, "project"),
    ("efs", {"kmsKey": "arn:aws:kms:eu-west-1:123456789012:key/k"}, FILE_SYSTEM, "kmsKeyId"),
    ("efs", {"performanceMode": "maxIO"}, FILE_SYSTEM, "performanceMode"),
    ("efs", {"aws:region": "eu-central-1"}, FILE_SYSTEM, "region"),
    ("azurefiles", {"resourceGroup": "rg-other"}, ACCOUNT, "resourceGroupName"),
    ("azurefiles", {"resourceGroup": "rg-other"}, SHARE, "resourceGroupName"),
    ("azurefiles", {"location": "northeurope"}, ACCOUNT, "location"),
    ("azurefiles", {"protocol": "smb"}, SHARE, "enabledProtocols"),
]


def edited(kind: str, edit: dict) -> tuple[dict, dict]:
    """The entry and the provider settings after an edit (a key with ':' is a provider setting)."""
    entry = copy.deepcopy(BASES[kind])
    providers = dict(PROVIDERS)
    for key, value in edit.items():
        (providers if ":" in key else entry)[key] = value
    return entry, providers


@pytest.mark.parametrize("kind, edit, resource_type, replaced", REPLACING, ids=lambda v: v if isinstance(v, str) else None)
def test_a_replacing_edit_meets_the_protected_resource_which_stops_it(tmp_path, kind, edit, resource_type, replaced):
    before = of_type(render(tmp_path, BASES[kind], "before"), resource_type)
    entry, providers = edited(kind, edit)
    after = of_type(render(tmp_path, entry, "after", providers), resource_type)
    assert before.keys() == after.keys(), "the edit renamed the resource: it would be a new one"
    ((urn, old),) = before.items()
    new = after[urn]
    assert old.inputs.get(replaced) != new.inputs.get(replaced)
    assert old.protect and new.protect


# (filesystem, the edit renaming what holds its data, the resources whose URN it changes)
RENAMING = [
    ("filestore", {"name": "ml-work-2"}, {INSTANCE}),
    ("efs", {"name": "ml-work-2"}, {FILE_SYSTEM}),
    ("azurefiles", {"account": "acmework2"}, {ACCOUNT, SHARE}),
    ("azurefiles", {"name": "work-2"}, {SHARE}),
]


@pytest.mark.parametrize("kind, edit, resource_types", RENAMING, ids=lambda v: v if isinstance(v, str) else None)
def test_renaming_a_filesystem_deletes_a_protected_resource_which_stops_the_edit(tmp_path, kind, edit, resource_types):
    before = render(tmp_path, BASES[kind], "before")
    entry, providers = edited(kind, edit)
    after = render(tmp_path, entry, "after", providers)
    for resource_type in resource_types:
        gone = of_type(before, resource_type).keys() - of_type(after, resource_type).keys()
        assert gone and all(of_type(before, resource_type)[urn].protect for urn in gone)


def test_renaming_the_entry_keeps_the_filesystem(tmp_path):
    before = render(tmp_path, FILESTORE, "before")
    directory = tmp_path / "after"
    directory.mkdir()
    renamed = config(FILESTORE)
    renamed["persistence"]["outputs"] = {"checkpoints": FILESTORE}
    after = rendered(write_stack(directory, renamed, "edits", PROVIDERS))
    assert of_type(before, INSTANCE).keys() == of_type(after, INSTANCE).keys()


@pytest.mark.parametrize("kind", sorted(BASES))
def test_protect_false_opts_out_and_filestores_deletion_protection_follows(tmp_path, kind):
    protected = [r for r in render(tmp_path, BASES[kind], "on").registrations if r.protect]
    assert protected
    off = render(tmp_path, {**BASES[kind], "protect": False}, "off")
    assert not any(r.protect for r in off.registrations)
    if kind == "filestore":
        ((instance,),) = [of_type(off, INSTANCE).values()]
        assert instance.inputs["deletionProtectionEnabled"] is False and "deletionProtectionReason" not in instance.inputs
        ((instance,),) = [of_type(render(tmp_path, FILESTORE, "on"), INSTANCE).values()]
        assert instance.inputs["deletionProtectionEnabled"] is True


# In place: the provider updates these without replacing anything.
IN_PLACE = [
    ("filestore", {"size": "1280Gi"}, INSTANCE, "fileShares"),
    ("filestore", {"clients": ["10.8.0.0/14", "10.12.0.0/14"]}, INSTANCE, "fileShares"),
    ("efs", {"throughputMode": "elastic"}, FILE_SYSTEM, "throughputMode"),
    ("efs", {"lifecycle": "AFTER_30_DAYS"}, FILE_SYSTEM, "lifecyclePolicies"),
    ("azurefiles", {"size": "2Ti"}, SHARE, "shareQuota"),
]


@pytest.mark.parametrize("kind, edit, resource_type, changed", IN_PLACE, ids=lambda v: v if isinstance(v, str) else None)
def test_an_edit_the_provider_applies_in_place_keeps_the_resource(tmp_path, kind, edit, resource_type, changed):
    before = of_type(render(tmp_path, BASES[kind], "before"), resource_type)
    entry, providers = edited(kind, edit)
    after = of_type(render(tmp_path, entry, "after", providers), resource_type)
    assert before.keys() == after.keys()
    ((urn, old),) = before.items()
    assert old.inputs.get(changed) != after[urn].inputs.get(changed)


def test_a_new_grant_keeps_every_volume_and_runs_a_new_directory_job(tmp_path):
    one = config(FILESTORE)
    one["teams"].pop("nlp")
    directory = tmp_path / "one"
    directory.mkdir()
    before = rendered(write_stack(directory, one, "edits", PROVIDERS))
    after = render(tmp_path, FILESTORE, "two")
    volumes = lambda rendering: {r.urn: r.inputs for r in rendering.registrations if r.type.endswith(("PersistentVolume", "PersistentVolumeClaim"))}  # noqa: E731
    kept = volumes(before)
    assert all(volumes(after)[urn] == inputs for urn, inputs in kept.items())
    jobs = lambda rendering: {r.inputs["metadata"]["name"] for r in rendering.registrations if r.type == "kubernetes:batch/v1:Job"}  # noqa: E731
    assert jobs(before).isdisjoint(jobs(after))


# What holds each filesystem's data: what `protect` and `retainOnDelete` apply to.
HOLDERS = {"filestore": {INSTANCE}, "efs": {FILE_SYSTEM}, "azurefiles": {ACCOUNT, SHARE}}


@pytest.mark.parametrize("kind", sorted(BASES))
def test_retain_on_delete_keeps_the_storage_in_the_cloud_when_it_leaves_the_stack(tmp_path, kind):
    def retained(rendering) -> set[str]:
        return {r.type for r in rendering.registrations if r.retain_on_delete and not r.type.startswith("kubernetes:")}

    assert retained(render(tmp_path, BASES[kind], "default")) == set()
    kept = render(tmp_path, {**BASES[kind], "retainOnDelete": True, "protect": False}, "retained")
    # Only what holds the data: its network access, access points and directory Job still go when they leave.
    assert retained(kept) == HOLDERS[kind]
    assert not any(r.protect for r in kept.registrations)
