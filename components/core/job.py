"""The batch/v1 Job spec of a run (pure: a dict in the API's spelling)."""

from __future__ import annotations

from typing import Any, Sequence

from ..conventions import MANAGED_BY, MANAGED_BY_LABEL, OUTPUTS_PATH_ENV, RUN_KEY, TEAM_KEY
from .model import Mount, RunPlan, RunSpec
from .names import dns_label, label_value
from .security import container_security_context, pod_security_context
from .volumes import pod_storage

MAIN_CONTAINER = "main"
OUTPUTS_INIT_CONTAINER = "prepare-outputs"
# `mkdir -p` needs next to nothing; bounded so it fits tight namespace quotas.
INIT_RESOURCES = {"requests": {"cpu": "10m", "memory": "16Mi"}, "limits": {"cpu": "100m", "memory": "64Mi"}}


def job_manifest(
    spec: RunSpec, data: Sequence[Mount], outputs: Mount, namespace: str, service_account: str
) -> dict[str, Any]:
    """The Job that executes a run in `namespace` as `service_account`, mounting `data` and `outputs`."""
    storage = pod_storage(data, outputs, spec.team, spec.name)
    labels = {MANAGED_BY_LABEL: MANAGED_BY, RUN_KEY: label_value(spec.name), TEAM_KEY: label_value(spec.team)}
    annotations = {RUN_KEY: spec.name, TEAM_KEY: spec.team}
    container_security = container_security_context(spec.security_context)

    main: dict[str, Any] = {"name": MAIN_CONTAINER, "image": spec.image, "imagePullPolicy": spec.image_pull_policy}
    if spec.command is not None:
        main["command"] = list(spec.command)
    if spec.args is not None:
        main["args"] = list(spec.args)
    # Storage variables first, so a run's own env can use $(POLYAXON_RUN_OUTPUTS_PATH).
    main["env"] = [*storage.env, *({"name": name, "value": value} for name, value in sorted(spec.env.items()))]
    if spec.resources:
        main["resources"] = {kind: dict(values) for kind, values in spec.resources.items()}
    if storage.volume_mounts:
        main["volumeMounts"] = list(storage.volume_mounts)
    main["securityContext"] = container_security

    pod_spec: dict[str, Any] = {
        "restartPolicy": "Never",
        "serviceAccountName": service_account,
        # No API token in the pod unless the run asks for one.
        "automountServiceAccountToken": spec.automount_service_account_token,
        "securityContext": pod_security_context([*data, outputs]),
    }
    if storage.node_selector:
        pod_spec["nodeSelector"] = dict(storage.node_selector)
    if storage.volumes:
        pod_spec["volumes"] = list(storage.volumes)
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

    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": dns_label(spec.name), "namespace": namespace, "labels": labels, "annotations": annotations},
        "spec": {
            "template": {"metadata": {"labels": {**spec.pod_labels, **labels}, "annotations": annotations}, "spec": pod_spec}
        },
    }


def planned_job(run: RunPlan) -> dict[str, Any]:
    """The Job of a planned run, in its team's namespace, as its team's ServiceAccount."""
    return job_manifest(run.spec, run.data, run.outputs, run.team.namespace, run.team.service_account)
