"""The pack as a whole: its policies and their levels, what it serves, and this project's stacks against it."""

from __future__ import annotations

import importlib.util
import json
import re
from importlib.metadata import version
from typing import Any, Optional

import pytest
import yaml
from pulumi_policy import EnforcementLevel, Policy, PolicyResource, StackValidationPolicy
from pulumi.runtime.proto import analyzer_pb2
from pulumi_policy import policy as policy_sdk

from conftest import PROJECT_DIR, STACKS, rendered, write_stack
from policy_support import POLICY_DIR, PV, check_resource, check_stack, plain, policy_resources, resource

JOB = "kubernetes:batch/v1:Job"


def load_pack_main():
    """policy/__main__.py imported under another name: it builds its list and serves nothing."""
    spec = importlib.util.spec_from_file_location("polyaxon_storage_policy_pack", POLICY_DIR / "__main__.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def violations(resources: list[PolicyResource], config: Optional[dict] = None) -> list[tuple[str, str, str]]:
    """(policy, resource name, message) for every violation the pack finds among `resources`."""
    pack = load_pack_main()
    by_urn = {r.urn: r.name for r in resources}
    found = []
    for policy in pack.POLICIES:
        if isinstance(policy, StackValidationPolicy):
            found += [(policy.name, by_urn[urn], message) for message, urn in check_stack(policy, *resources)]
        else:
            policy_config = (config or {}).get(policy.name)
            found += [
                (policy.name, r.name, message)
                for r in resources
                for message in check_resource(policy, r.resource_type, r.props, policy_config, r.opts.protect)
            ]
    return found


def stack_resources(stack: str) -> list[PolicyResource]:
    """What a stack registers, and each Job it exports as the resource it becomes once submitted."""
    rendering = rendered(stack)
    jobs = [resource(JOB, name, job) for name, job in sorted(rendering.jobs.items())]
    return policy_resources(rendering.registrations) + jobs


@pytest.mark.parametrize("stack", STACKS)
def test_every_stack_and_every_job_it_exports_passes_the_pack(stack):
    resources = stack_resources(stack)
    assert [r for r in resources if r.resource_type == JOB], f"{stack} exports no Job"
    assert violations(resources) == []


@pytest.mark.parametrize("stack", STACKS)
def test_the_pack_inspects_every_job_and_volume_of_every_stack(stack):
    """The same stack, each Job writing /var/lib/data and each PersistentVolume deleted with its claim:
    the pack now flags every one of them, so the passing test above checked them all."""
    resources = stack_resources(stack)
    broken = []
    for found in resources:
        props = plain(found.props)
        if found.resource_type == JOB:
            pod = props["spec"]["template"]["spec"]
            pod.setdefault("volumes", []).append({"name": "host-var", "hostPath": {"path": "/var/lib/data"}})
            pod["containers"][0].setdefault("volumeMounts", []).append({"name": "host-var", "mountPath": "/var-data"})
        elif found.resource_type == PV:
            props["spec"]["persistentVolumeReclaimPolicy"] = "Delete"
        broken.append(resource(found.resource_type, found.name, props, urn=found.urn, protect=found.opts.protect))
    flagged = {(policy, name) for policy, name, _ in violations(broken)}
    expected = {("no-writable-host-path", r.name) for r in resources if r.resource_type == JOB}
    expected |= {("persistent-volume-retain", r.name) for r in resources if r.resource_type == PV}
    assert flagged == expected


def test_a_stack_allowing_a_writable_host_path_needs_the_same_allowance_in_the_packs_config(tmp_path):
    stack = write_stack(
        tmp_path,
        {
            "persistence": {"data": {"cache": {"mountPath": "/cache", "hostPath": "/mnt/cache/shards"}}},
            "allowedWritableHostPaths": ["/mnt/cache"],
            "runs": {"train": {"image": "trainer:1"}},
        },
    )
    resources = stack_resources(str(stack))
    [(policy, name, message)] = violations(resources)
    assert (policy, name) == ("no-writable-host-path", "train") and "/mnt/cache/shards" in message
    allowance = {"no-writable-host-path": {"allowedWritableHostPaths": ["/mnt/cache"]}}
    assert violations(resources, allowance) == []


def test_pack_lists_every_policy_of_every_domain_once():
    pack = load_pack_main()
    defined = [
        value
        for module in ("buckets", "workloads", "credentials", "filesystems")
        for value in vars(importlib.import_module(module)).values()
        if isinstance(value, Policy)
    ]
    assert len({policy.name for policy in pack.POLICIES}) == len(pack.POLICIES)
    assert sorted(map(id, pack.POLICIES)) == sorted(map(id, defined))


def test_each_policys_enforcement_level_comes_from_the_packs_config(tmp_path):
    pack = load_pack_main()
    levels = json.loads((POLICY_DIR / "enforcement.json").read_text())
    assert pack.configured_levels() == {name: EnforcementLevel(level) for name, level in levels.items()}
    advisory = {**levels, "persistent-volume-retain": "advisory"}
    (tmp_path / "levels.json").write_text(json.dumps(advisory))
    assert pack.configured_levels(tmp_path / "levels.json")["persistent-volume-retain"] is EnforcementLevel.ADVISORY


@pytest.mark.parametrize(
    "change, words",
    [
        (lambda levels: levels.pop("bucket-encryption"), "missing ['bucket-encryption']"),
        (lambda levels: levels.update({"no-such-policy": "mandatory"}), "unknown ['no-such-policy']"),
    ],
)
def test_a_levels_file_that_does_not_list_every_policy_once_stops_the_pack(tmp_path, change, words):
    pack = load_pack_main()
    levels: dict[str, Any] = json.loads((POLICY_DIR / "enforcement.json").read_text())
    change(levels)
    (tmp_path / "levels.json").write_text(json.dumps(levels))
    with pytest.raises(ValueError, match=re.escape(words)):
        pack.configured_levels(tmp_path / "levels.json")


def test_pack_serves_every_policy_at_its_configured_level(monkeypatch, tmp_path):
    """Run the real PolicyPack constructor; stop its server at once and ask it what it serves."""
    configured = json.loads((POLICY_DIR / "enforcement.json").read_text())
    configured["persistent-volume-retain"] = "advisory"
    (tmp_path / "levels.json").write_text(json.dumps(configured))
    servicers = []
    add_servicer = policy_sdk.analyzer_pb2_grpc.add_AnalyzerServicer_to_server

    def capture(servicer, server):
        servicers.append(servicer)
        add_servicer(servicer, server)

    def stop(_seconds):
        raise KeyboardInterrupt

    monkeypatch.setattr(policy_sdk.analyzer_pb2_grpc, "add_AnalyzerServicer_to_server", capture)
    monkeypatch.setattr(policy_sdk, "time", type("Clock", (), {"sleep": staticmethod(stop)}))
    pack = load_pack_main()
    for policy in pack.POLICIES:  # serve() sets each level: put them back afterwards
        monkeypatch.setattr(policy, "enforcement_level", policy.enforcement_level)
    pack.serve(tmp_path / "levels.json")
    info = servicers[0].GetAnalyzerInfo(None, None)
    assert info.name == "polyaxon-storage"
    assert sorted(p.name for p in info.policies) == sorted(p.name for p in pack.POLICIES)
    assert {p.name: analyzer_pb2.EnforcementLevel.Name(p.enforcementLevel).lower() for p in info.policies} == configured
    host_path = next(p for p in info.policies if p.name == "no-writable-host-path")
    assert set(host_path.configSchema.properties) == {"allowedWritableHostPaths", "allowWritableHostPaths"}


def test_policy_requirements_pin_exact_versions():
    lines = [line.strip() for line in (POLICY_DIR / "requirements.txt").read_text().splitlines()]
    pins = dict(line.split("==") for line in lines if line and not line.startswith("#"))
    assert all(re.fullmatch(r"[A-Za-z0-9._-]+==\d+(\.\d+)*", f"{name}=={pin}") for name, pin in pins.items())
    assert pins == {"pulumi": "3.272.0", "pulumi-policy": "1.21.0"}
    project = dict(line.split("==") for line in (PROJECT_DIR / "requirements.txt").read_text().split() if "==" in line)
    assert pins["pulumi"] == project["pulumi"]
    assert "pulumi-policy==1.21.0" in (PROJECT_DIR / "requirements-test.txt").read_text().split()
    assert version("pulumi-policy") == pins["pulumi-policy"] and version("pulumi") == pins["pulumi"]


def test_pulumi_policy_yaml_runs_python_in_a_venv():
    manifest = yaml.safe_load((POLICY_DIR / "PulumiPolicy.yaml").read_text())
    assert manifest["runtime"]["name"] == "python"
    assert manifest["runtime"]["options"]["virtualenv"] == "venv"
    assert manifest["description"].strip()


def broken(resources: list[PolicyResource], resource_type: str, name: str, change) -> list[PolicyResource]:
    """`resources` with one resource's properties changed by `change`."""
    copies = []
    for found in resources:
        props = plain(found.props)
        if (found.resource_type, found.name) == (resource_type, name):
            change(props)
        copies.append(resource(found.resource_type, found.name, props, urn=found.urn, protect=found.opts.protect))
    return copies


def read_only(props: dict) -> None:
    props["metadata"]["annotations"]["polyaxon-storage/access"] = "read-only"


def add_put_object(props: dict) -> None:
    document = json.loads(props["policy"])
    document["Statement"][-1]["Action"].append("s3:PutObject")
    props["policy"] = json.dumps(document)


CONTRIBUTOR = "ba92f5b4-2d11-453d-a403-e96b0029c9fe"

# Per cloud stack: one resource broken at a time, and the (policy, resource) the pack must then flag.
VIOLATIONS = [
    # The workload-identity team is read-only: granting it write on the bucket it reads is caught.
    ("gcp", "gcp:storage/bucketIAMMember:BucketIAMMember", "gcs/nlp/acme-ml-imagenet/objectViewer",
     lambda props: props.update(role="roles/storage.objectUser"), "read-only-secret-read-only-grants"),
    # Key mode: a Secret said to be read-only while its identity writes results.
    ("gcp", "kubernetes:core/v1:Secret", "team-vision/gcs-credentials-vision", read_only, "read-only-secret-read-only-grants"),
    ("gcp", "gcp:storage/bucket:Bucket", "gcs/acme-ml-results",
     lambda props: props.update(publicAccessPrevention="inherited"), "bucket-public-access-prevention"),
    ("aws", "aws:iam/rolePolicy:RolePolicy", "s3/nlp", add_put_object, "read-only-secret-read-only-grants"),
    ("aws", "kubernetes:core/v1:Secret", "team-vision/s3-credentials-vision", read_only, "read-only-secret-read-only-grants"),
    ("aws", "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "s3/acme-ml-results",
     lambda props: props.update(restrictPublicBuckets=False), "s3-bucket-public-access-block"),
    ("aws", "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "s3/acme-ml-imagenet",
     lambda props: props.update(rules=[]), "s3-bucket-encryption"),
    ("azure", "azure-native:authorization:RoleAssignment", "azure/nlp/acmemldata/imagenet",
     lambda props: props.update(roleDefinitionId=props["roleDefinitionId"].rsplit("/", 1)[0] + "/" + CONTRIBUTOR),
     "read-only-secret-read-only-grants"),
    ("azure", "azure-native:storage:StorageAccount", "azure/acmemldata",
     lambda props: props.update(minimumTlsVersion="TLS1_0"), "bucket-encryption"),
    ("azure", "azure-native:storage:BlobContainer", "azure/acmemldata/results",
     lambda props: props.update(publicAccess="Blob"), "bucket-public-access-prevention"),
]  # fmt: skip


@pytest.mark.parametrize("stack, resource_type, name, change, policy", VIOLATIONS, ids=lambda v: v if isinstance(v, str) else "")
def test_a_violating_variant_of_each_clouds_resources_fails_the_pack(stack, resource_type, name, change, policy):
    resources = stack_resources(stack)
    assert (resource_type, name) in {(r.resource_type, r.name) for r in resources}
    flagged = {found for found, _, _ in violations(broken(resources, resource_type, name, change))}
    assert flagged == {policy}


def unprotected(resources: list[PolicyResource], resource_type: str, name: str) -> list[PolicyResource]:
    """`resources` with one resource no longer protected."""
    return [
        resource(r.resource_type, r.name, plain(r.props), urn=r.urn, protect=r.opts.protect and (r.resource_type, r.name) != (resource_type, name))
        for r in resources
    ]


# Per filesystem stack: one resource broken at a time (found by its name's start), and the policy that must flag it.
FILESYSTEM_VIOLATIONS = [
    ("gcp-files", "gcp:filestore/instance:Instance", "ml-checkpoints",
     lambda props: props.update(deletionProtectionEnabled=False), "filesystem-protected-encrypted"),
    ("aws-files", "aws:efs/fileSystem:FileSystem", "ml-checkpoints", lambda props: props.update(encrypted=False),
     "filesystem-protected-encrypted"),
    ("aws-files", "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "ml-checkpoints/nfs/",
     lambda props: props.update(toPort=2050), "efs-nfs-from-clients-only"),
    ("aws-files", "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "ml-checkpoints/nfs/",
     lambda props: props.update(referencedSecurityGroupId=None, cidrIpv4="0.0.0.0/0"), "efs-nfs-from-clients-only"),
    ("azure-files", "azure-native:storage:StorageAccount", "acmemlcheckpoints",
     lambda props: props.update(publicNetworkAccess="Enabled"), "azure-files-private"),
    ("gcp-files", PV, "team-nlp-data-corpus-", lambda props: props["spec"]["csi"].update(readOnly=False), "csi-volume-read-only"),
]  # fmt: skip


def named(resources: list[PolicyResource], resource_type: str, start: str) -> str:
    (name,) = [r.name for r in resources if r.resource_type == resource_type and r.name.startswith(start)]
    return name


@pytest.mark.parametrize("stack, resource_type, start, change, policy", FILESYSTEM_VIOLATIONS, ids=lambda v: v if isinstance(v, str) else "")
def test_a_violating_variant_of_each_filesystem_fails_the_pack(stack, resource_type, start, change, policy):
    resources = stack_resources(stack)
    flagged = {found for found, _, _ in violations(broken(resources, resource_type, named(resources, resource_type, start), change))}
    assert flagged == {policy}


@pytest.mark.parametrize(
    "stack, resource_type, start",
    [
        ("gcp-files", "gcp:filestore/instance:Instance", "ml-checkpoints"),
        ("aws-files", "aws:efs/fileSystem:FileSystem", "ml-checkpoints"),
        ("azure-files", "azure-native:storage:StorageAccount", "acmemlcheckpoints"),
        ("azure-files", "azure-native:storage:FileShare", "acmemlcheckpoints/"),
    ],
)
def test_an_unprotected_filesystem_fails_the_pack(stack, resource_type, start):
    resources = stack_resources(stack)
    name = named(resources, resource_type, start)
    assert [(policy, found) for policy, found, _ in violations(unprotected(resources, resource_type, name))] == [
        ("filesystem-protected-encrypted", name)
    ]
