"""Polyaxon 0.6's `persistence.logs`, `repos` and `upload` in the catalog (docs/export.md §2, §7), and the stack
key `exports`: a real 0.6 chart block pastes whole and round-trips, runs never mount the platform's
volumes, and each rule is the catalog's."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from conftest import plan, problems
from export_support import V06, V2, export, job_of

# A Polyaxon 0.6 chart's `persistence`, as its Helm reference documents it: the platform's volumes,
# data and outputs on host paths, claims and buckets of the three stores.
CHART_BLOCK: dict[str, Any] = {
    "logs": {"mountPath": "/polyaxon-logs", "hostPath": "/tmp/logs"},
    "repos": {"mountPath": "/polyaxon-repos", "existingClaim": "polyaxon-repos", "subPath": "polyaxon/repos"},
    "upload": {"mountPath": "/polyaxon-upload", "hostPath": "/tmp/upload"},
    "data": {
        "data1": {"mountPath": "/data/1", "hostPath": "/path/to/data", "readOnly": True},
        "data2": {"mountPath": "/data/2", "existingClaim": "data-2-pvc"},
        "data-foo": {"mountPath": "/data/foo", "existingClaim": "data-foo-pvc"},
        "data-gcs3": {"store": "gcs", "bucket": "gs://data-bucket", "secret": "secret-name", "secretKey": "secret-key"},
        "data-s3": {"store": "s3", "bucket": "s3://data-bucket", "secret": "secret-name", "secretKey": "secret-key"},
        "data-azure": {
            "store": "azure",
            "bucket": "wasbs://data-container@account.blob.core.windows.net/",
            "secret": "secret-name",
            "secretKey": "secret-key",
        },
    },
    "outputs": {
        "outputs1": {"mountPath": "/outputs/1", "hostPath": "/path/to/outputs", "readOnly": True},
        "outputs2": {"mountPath": "/outputs/2", "existingClaim": "outputs-2-pvc"},
        "outputs-foo": {"mountPath": "/outputs/foo", "existingClaim": "outputs-foo-pvc"},
        "outputs-gcs3": {"store": "gcs", "bucket": "gs://outputs-bucket", "secret": "secret-name", "secretKey": "secret-key"},
        "outputs-s3": {"store": "s3", "bucket": "s3://outputs-bucket", "secret": "secret-name", "secretKey": "secret-key"},
    },
}
LOGS_IN_A_BUCKET = {"store": "s3", "bucket": "s3://polyaxon-logs", "secret": "logs-secret", "secretKey": "logs.json"}


def stack(persistence: dict[str, Any], **keys: Any) -> dict[str, Any]:
    return {
        "namespace": "polyaxon",
        "persistence": persistence,
        "runs": {"train": {"image": "trainer:1"}},
        **keys,
    }


def test_a_0_6_chart_block_pastes_into_a_stack_unchanged_and_round_trips_through_the_0_6_export():
    values, warnings = export(stack(copy.deepcopy(CHART_BLOCK)), V06)
    assert values == {"namespace": "polyaxon", "persistence": CHART_BLOCK}
    # the first outputs key by name, outputs-foo, is what the stack's runs default to as well
    assert warnings == []


def test_logs_in_a_bucket_round_trip():
    values, _ = export(stack({**CHART_BLOCK, "logs": LOGS_IN_A_BUCKET}), V06)
    assert values["persistence"]["logs"] == LOGS_IN_A_BUCKET


def test_the_platforms_volumes_are_mounted_in_no_run_and_the_stack_says_so():
    config = stack(copy.deepcopy(CHART_BLOCK))
    volume_mounts = job_of(config, "train")["spec"]["template"]["spec"]["containers"][0]["volumeMounts"]
    assert {mount["mountPath"] for mount in volume_mounts} == {"/data/1", "/data/2", "/data/foo", "/outputs/foo", "/dev/shm"}
    assert [str(warning) for warning in plan(config).warnings if "platform" in str(warning)] == [
        f"persistence.{key}: is Polyaxon 0.6's own platform volume: kept for `polyaxon-storage export --format "
        "polyaxon-0.6`, mounted in no run of this stack"
        for key in ("logs", "repos", "upload")
    ]


def test_v2_drops_the_platforms_volumes_with_a_warning_each():
    values, warnings = export(stack(copy.deepcopy(CHART_BLOCK)), V2)
    names = {c["name"] for c in [values["artifactsStore"], *values["connections"]]}
    assert not names & {"logs", "repos", "upload"}
    assert [w for w in warnings if "platform" in w] == [
        f"persistence.{key}: is Polyaxon 0.6's own platform volume, which v2 has not: dropped from the v2 values"
        for key in ("logs", "repos", "upload")
    ]


def test_a_volume_given_only_its_mount_path_is_the_host_path_there_as_the_chart_mounts_it():
    config = stack({"upload": {"mountPath": "/tmp/upload"}})
    assert export(config, V06)[0]["persistence"]["upload"] == {"mountPath": "/tmp/upload"}
    assert problems(stack({"upload": {"mountPath": "/polyaxon-upload"}})) == [
        "persistence.upload.mountPath: /polyaxon-upload would be mounted writable, and only host paths under /tmp or "
        "allowedWritableHostPaths may be (the policy pack's no-writable-host-path rule): set readOnly: true, or add "
        "the path to allowedWritableHostPaths and to the pack's config"
    ]


@pytest.mark.parametrize(
    ("persistence", "expected"),
    [
        (
            {"data": {"d": {"mountPath": "/d", "existingClaim": "d", "subPath": "x"}}},
            "persistence.data.d.subPath: unknown key here (check its spelling and the config reference)",
        ),
        (
            {"logs": {"mountPath": "/logs", "hostPath": "/tmp/logs", "subPath": "/abs"}},
            "persistence.logs.subPath: '/abs' is not a directory inside the volume: write it relative, without '..'",
        ),
        (
            {"repos": {"mountPath": "/repos", "existingClaim": "r", "subPath": "a/../.."}},
            "persistence.repos.subPath: 'a/../..' is not a directory inside the volume: write it relative, without '..'",
        ),
        (
            {"repos": {"store": "gcs", "bucket": "gs://repos"}},
            "persistence.repos: is a volume in Polyaxon 0.6's chart (only logs may be a store): give mountPath and "
            "existingClaim or hostPath",
        ),
        (
            {"logs": {"mountPath": "/logs", "store": "gcs", "bucket": "gs://logs"}},
            "persistence.logs: is a volume (mountPath) or a store (store, bucket), not both: keep one",
        ),
        (
            {"upload": {"mountPath": "/upload", "existingClaim": "u", "hostPath": "/tmp/u"}},
            "persistence.upload: give existingClaim or hostPath, not both: the chart mounts the claim and ignores hostPath",
        ),
        (
            {"logs": {"mountPath": "/logs", "hostPath": "/var/log/polyaxon"}},
            "persistence.logs.hostPath: /var/log/polyaxon would be mounted writable, and only host paths under /tmp or "
            "allowedWritableHostPaths may be (the policy pack's no-writable-host-path rule): set readOnly: true, or "
            "add the path to allowedWritableHostPaths and to the pack's config",
        ),
        (
            {"logs": {"mountPath": "/logs", "hostPath": "/var/lib/kubelet/logs"}},
            "persistence.logs.hostPath: /var/lib/kubelet/logs would show the run /var/lib/kubelet: the node's kernel, "
            "devices, kubelet or container runtime, even read-only; mount the data from elsewhere",
        ),
        (
            {"logs": {"mountPath": "/etc/logs", "existingClaim": "l"}},
            "persistence.logs.mountPath: /etc/logs would cover the container's /etc; mount the volume elsewhere, such as /data",
        ),
        (
            {"data": {"d": {"mountPath": "/shared", "existingClaim": "d"}}, "repos": {"mountPath": "/shared", "existingClaim": "r"}},
            "persistence.repos.mountPath: /shared is already the mountPath of persistence.data.d; every volume needs a "
            "directory of its own, not inside another's, since a run mounts data and outputs together, and Polyaxon "
            "0.6's logs, repos and upload share their rules",
        ),
        (
            {"data": {"d": {"mountPath": "/shared", "existingClaim": "d"}}, "logs": {"mountPath": "/shared/logs", "existingClaim": "l"}},
            "persistence.logs.mountPath: /shared/logs lies under /shared, the mountPath of persistence.data.d; every "
            "volume needs a directory of its own, not inside another's, since a run mounts data and outputs together, "
            "and Polyaxon 0.6's logs, repos and upload share their rules",
        ),
        (
            {"upload": {"mountPath": "/var/run/upload", "existingClaim": "u"}},
            "persistence.upload.mountPath: /var/run/upload would cover the container's /var/run; mount the volume "
            "elsewhere, such as /data",
        ),
        (
            {"logs": {"store": "gcs", "bucket": "s3://logs"}},
            "persistence.logs.bucket: 's3://logs' does not match store gcs: write it as gs://<bucket>",
        ),
        (
            {"logs": {"store": "gcs", "bucket": "gs://logs", "secret": "logs"}},
            "persistence.logs.secretKey: secret and secretKey go together: name the secret and the key holding the "
            "credentials",
        ),
        (
            {"logs": {"store": "gcs", "bucket": "gs://logs", "create": True}},
            "persistence.logs.create: unknown key here (check its spelling and the config reference)",
        ),
    ],
)
def test_each_rule_of_the_platforms_volumes_is_a_problem_at_its_path(persistence, expected):
    assert problems(stack(persistence, allowedWritableHostPaths=["/srv"])) == [expected]


def test_an_allowed_writable_host_path_is_allowed_for_logs_too():
    config = stack({"logs": {"mountPath": "/logs", "hostPath": "/srv/logs"}}, allowedWritableHostPaths=["/srv"])
    assert export(config, V06)[0]["persistence"]["logs"] == {"mountPath": "/logs", "hostPath": "/srv/logs"}


def test_exports_lists_known_formats_only():
    assert problems(stack({}, exports=["polyaxon-0.6", "polyaxon-1.0"])) == [
        "exports[1]: must be 'polyaxon-0.6' or 'polyaxon-v2'"
    ]
    assert plan(stack({}, exports=["polyaxon-0.6", "polyaxon-v2"])).config.exports == ["polyaxon-0.6", "polyaxon-v2"]
