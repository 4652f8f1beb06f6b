"""The batch/v1 Job spec of a run, and its pod (pure: a dict in the API's spelling).

The containers are built in `containers`, what storage puts into the pod in `volumes`.
"""

from __future__ import annotations

from typing import Any, Sequence

from ..conventions import MANAGED_BY, MANAGED_BY_LABEL, RUN_KEY, TEAM_KEY, TPU_VERSION_ANNOTATION
from .containers import main_container, outputs_init_container, shm_volume
from .model import Mount, OutputsRef, RunPlan, RunSpec
from .names import DNS_LABEL_MAX, dns_label, label_value
from .security import container_security_context, pod_security_context
from .volumes import pod_storage


def job_manifest(
    spec: RunSpec,
    data: Sequence[Mount],
    outputs: Mount,
    namespace: str,
    service_account: str,
    refs: Sequence[OutputsRef] = (),
) -> dict[str, Any]:
    """The Job that executes a run in `namespace` as `service_account` (unless the run names its own),
    mounting `data` and `outputs`, and reading the outputs of the earlier runs `refs`."""
    storage = pod_storage(data, outputs, spec.team, spec.name, refs, spec.node_selector)
    ours = {MANAGED_BY_LABEL: MANAGED_BY, RUN_KEY: label_value(spec.name), TEAM_KEY: label_value(spec.team)}
    # Ours last: they always win over the run's own.
    labels = {**spec.labels, **ours}
    annotations = {**spec.annotations, RUN_KEY: spec.name, TEAM_KEY: spec.team}
    pod_annotations = dict(annotations)
    if spec.tpu_resource in spec.resources.get("limits", {}):
        pod_annotations[TPU_VERSION_ANNOTATION] = spec.tpu_tf_version
    security = container_security_context(spec.security_context)

    pod_spec: dict[str, Any] = {
        # Restarted in place up to maxRestarts times; never behind the user's back otherwise.
        "restartPolicy": "OnFailure" if spec.max_restarts else "Never",
        "serviceAccountName": spec.service_account or service_account,
        # No API token in the pod unless the run asks for one.
        "automountServiceAccountToken": spec.automount_service_account_token,
        "securityContext": pod_security_context([*data, outputs]),
    }
    if spec.image_pull_secrets:
        pod_spec["imagePullSecrets"] = [{"name": name} for name in spec.image_pull_secrets]
    if storage.node_selector:
        pod_spec["nodeSelector"] = storage.node_selector
    if spec.tolerations:
        pod_spec["tolerations"] = [dict(toleration) for toleration in spec.tolerations]
    if spec.affinity:
        pod_spec["affinity"] = dict(spec.affinity)
    pod_spec["volumes"] = [*storage.volumes, shm_volume(spec)]
    init = outputs_init_container(spec, storage, security)
    if init is not None:
        pod_spec["initContainers"] = [init]
    pod_spec["containers"] = [main_container(spec, storage, security)]

    job_spec: dict[str, Any] = {
        "backoffLimit": spec.max_restarts or 0,
        "ttlSecondsAfterFinished": spec.ttl_seconds_after_finished,
    }
    if spec.active_deadline_seconds is not None:
        job_spec["activeDeadlineSeconds"] = spec.active_deadline_seconds
    # The pod also carries what its mounts need of it (a workload identity label): over the run's own.
    pod_labels = {**spec.labels, **spec.pod_labels, **ours}
    job_spec["template"] = {"metadata": {"labels": pod_labels, "annotations": pod_annotations}, "spec": pod_spec}
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        # A new Job, and a new execution, at every submission (`kubectl create`).
        "metadata": {
            "generateName": generate_name(spec.name),
            "namespace": namespace,
            "labels": labels,
            "annotations": annotations,
        },
        "spec": job_spec,
    }


def generate_name(run: str) -> str:
    """A Job's `metadata.generateName`: `<run>-`, leaving room in 63 characters for the 5 Kubernetes adds."""
    return dns_label(run, limit=DNS_LABEL_MAX - 6) + "-"


def planned_job(run: RunPlan) -> dict[str, Any]:
    """The Job of a planned run, in its team's namespace, as its team's ServiceAccount."""
    return job_manifest(run.spec, run.data, run.outputs, run.team.namespace, run.team.service_account, run.refs)
