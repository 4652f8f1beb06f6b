"""The batch/v1 Job spec of a run (pure: a dict in the API's spelling)."""

from __future__ import annotations

from typing import Any, Sequence

from ..conventions import (
    MANAGED_BY,
    MANAGED_BY_LABEL,
    OUTPUTS_PATH_ENV,
    RUN_KEY,
    TEAM_KEY,
    TPU_VERSION_ANNOTATION,
    VISIBLE_DEVICES_ENV,
)
from .model import Mount, OutputsRef, RunPlan, RunSpec
from .names import DNS_LABEL_MAX, dns_label, label_value
from .security import container_security_context, pod_security_context
from .tracking import tracking_env
from .volumes import pod_storage

MAIN_CONTAINER = "main"
OUTPUTS_INIT_CONTAINER = "prepare-outputs"
SHM_VOLUME = "dshm"
"""/dev/shm: PyTorch's data loaders share batches through it, and runtimes give it 64 MB."""
# `mkdir -p` needs next to nothing; bounded so it fits tight namespace quotas.
INIT_RESOURCES = {"requests": {"cpu": "10m", "memory": "16Mi"}, "limits": {"cpu": "100m", "memory": "64Mi"}}


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
    limits = spec.resources.get("limits", {})
    if spec.tpu_resource in limits:
        pod_annotations[TPU_VERSION_ANNOTATION] = spec.tpu_tf_version
    container_security = container_security_context(spec.security_context)

    main: dict[str, Any] = {"name": MAIN_CONTAINER, "image": spec.image, "imagePullPolicy": spec.image_pull_policy}
    if spec.command is not None:
        main["command"] = list(spec.command)
    if spec.args is not None:
        main["args"] = list(spec.args)
    # CUDA images expose every GPU of the node unless told otherwise.
    devices = [] if spec.gpu_resource in limits else [{"name": VISIBLE_DEVICES_ENV, "value": "none"}]
    # Storage variables first, so a run's own env can use $(POLYAXON_RUN_OUTPUTS_PATH).
    main["env"] = [
        *storage.env,
        *tracking_env(spec),
        *devices,
        *({"name": name, "value": value} for name, value in sorted(spec.env.items())),
    ]
    env_from = [
        *({"secretRef": {"name": name}} for name in spec.secret_refs),
        *({"configMapRef": {"name": name}} for name in spec.config_map_refs),
    ]
    if env_from:
        main["envFrom"] = env_from
    if spec.resources:
        main["resources"] = {kind: dict(values) for kind, values in spec.resources.items()}
    main["volumeMounts"] = [*storage.volume_mounts, {"name": SHM_VOLUME, "mountPath": "/dev/shm"}]
    main["securityContext"] = container_security

    shm: dict[str, Any] = {"medium": "Memory"}
    shm_size = spec.shm_size or limits.get("memory")
    if shm_size is not None:
        # Memory-backed: it counts against the container's memory limit.
        shm["sizeLimit"] = shm_size
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
    pod_spec["volumes"] = [*storage.volumes, {"name": SHM_VOLUME, "emptyDir": shm}]
    if storage.outputs_mount is not None:
        # The run's outputs directory exists before the main container starts.
        pod_spec["initContainers"] = [
            {
                "name": OUTPUTS_INIT_CONTAINER,
                "image": spec.init_image,
                "imagePullPolicy": spec.image_pull_policy,
                "command": ["sh", "-c", f'mkdir -p "${OUTPUTS_PATH_ENV}"'],
                "env": list(storage.outputs_env),
                "volumeMounts": [storage.outputs_mount],
                "resources": INIT_RESOURCES,
                # Same identity as the main container, so it can write what this creates.
                "securityContext": {**container_security, "readOnlyRootFilesystem": True},
            }
        ]
    pod_spec["containers"] = [main]

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
