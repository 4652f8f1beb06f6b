"""The batch/v1 Job spec of a run, and its pod (pure: a dict in the API's spelling).

The containers are built in `containers`, what storage puts into the pod in `volumes`.
The stack program, the `job` command and RunTemplate all build a run's Job here,
from the run as `runs.resolve_run` resolved it.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from ..conventions import (
    MANAGED_BY,
    MANAGED_BY_LABEL,
    RUN_KEY,
    TEAM_KEY,
    TPU_VERSION_ANNOTATION,
)
from .config.run import JobSettings, JobTemplate, RunArgs
from .containers import main_container, outputs_init_container, shm_volume
from .names import DNS_LABEL_MAX, dns_label, label_value
from .security import container_security_context, pod_security_context
from .volumes import OutputsRef, pod_storage


def k8s(model: Any) -> Any:
    """A declared Kubernetes object as the API spells it, Kubernetes' own defaults left for the API server."""
    return model.model_dump(by_alias=True, exclude_defaults=True, exclude_none=True)


def job_manifest(name: str, run: RunArgs, template: JobTemplate, refs: Sequence[OutputsRef] = ()) -> dict[str, Any]:
    """The Job that executes run `name` (resolved) of `template`, mounting its data and outputs and reading
    the outputs of the earlier runs `refs`."""
    storage = pod_storage(run.data, run.outputs, template.team, name, refs, run.node_selector)
    ours = {MANAGED_BY_LABEL: MANAGED_BY, RUN_KEY: label_value(name), TEAM_KEY: label_value(template.team)}
    # Ours last: they always win over the run's own.
    labels = {**run.labels, **ours}
    annotations, pod_annotations = job_annotations(
        name, template.team, run.annotations, run.resources.limits, template.settings, storage.pod_annotations
    )
    security = container_security_context(k8s(run.security_context) if run.security_context else {})

    pod_spec: dict[str, Any] = {
        # Restarted in place up to maxRestarts times; never behind the user's back otherwise.
        "restartPolicy": "OnFailure" if run.max_restarts else "Never",
        "serviceAccountName": run.service_account or template.service_account,
        # No API token in the pod unless the run asks for one.
        "automountServiceAccountToken": bool(run.automount_service_account_token),
        "securityContext": pod_security_context(run.mounts),
    }
    if run.image_pull_secrets:
        pod_spec["imagePullSecrets"] = [{"name": secret} for secret in run.image_pull_secrets]
    if storage.node_selector:
        pod_spec["nodeSelector"] = storage.node_selector
    if run.tolerations:
        pod_spec["tolerations"] = [k8s(toleration) for toleration in run.tolerations]
    if run.affinity:
        pod_spec["affinity"] = k8s(run.affinity)
    pod_spec["volumes"] = [*storage.volumes, shm_volume(run)]
    init = outputs_init_container(run, template.settings, storage, security)
    if init is not None:
        pod_spec["initContainers"] = [init]
    pod_spec["containers"] = [main_container(name, run, template, storage, security)]

    job_spec: dict[str, Any] = {
        "backoffLimit": run.max_restarts or 0,
        "ttlSecondsAfterFinished": run.ttl_seconds_after_finished,
    }
    if run.active_deadline_seconds is not None:
        job_spec["activeDeadlineSeconds"] = run.active_deadline_seconds
    # The pod also carries what its mounts need of it (a workload identity label): over the run's own.
    pod_labels = {**run.labels, **run.pod_labels, **ours}
    job_spec["template"] = {"metadata": {"labels": pod_labels, "annotations": pod_annotations}, "spec": pod_spec}
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        # A new Job, and a new execution, at every submission (`kubectl create`).
        "metadata": {
            "generateName": generate_name(name),
            "namespace": template.namespace,
            "labels": labels,
            "annotations": annotations,
        },
        "spec": job_spec,
    }


def job_annotations(
    name: str,
    team: str,
    annotations: Mapping[str, str],
    limits: Mapping[str, str],
    settings: JobSettings,
    volumes: Mapping[str, str] = {},
) -> tuple[dict[str, str], dict[str, str]]:
    """The annotations of run `name`'s Job and of its pod: the run's own under ours (its name and team); on the
    pod also what its `volumes` need of it (the gcsfuse sidecar's), and for a TPU run (`limits` holds the TPU
    resource) the TPU's TensorFlow version."""
    ours = {RUN_KEY: name, TEAM_KEY: team}
    job = {**annotations, **ours}
    pod = {**annotations, **volumes, **ours}
    if settings.tpu_resource in limits:
        pod[TPU_VERSION_ANNOTATION] = settings.tpu_tf_version
    return job, pod


def generate_name(run: str) -> str:
    """A Job's `metadata.generateName`: `<run>-`, leaving room in 63 characters for the 5 Kubernetes adds."""
    return dns_label(run, limit=DNS_LABEL_MAX - 6) + "-"
