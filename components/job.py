"""The batch/v1 Job spec of a planned run (pure: a dict in the API's spelling)."""

from __future__ import annotations

from typing import Any, Optional

import yaml

from .names import dns_label, label_value
from .plan import RunPlan
from .security import container_security_context, pod_security_context

MAIN_CONTAINER = "main"
OUTPUTS_INIT_CONTAINER = "prepare-outputs"
MANAGED_BY = "polyaxon-storage"
RUN_KEY = "polyaxon-storage/run"
TEAM_KEY = "polyaxon-storage/team"
# `mkdir -p` needs next to nothing; bounded so it fits tight namespace quotas.
INIT_RESOURCES = {"requests": {"cpu": "10m", "memory": "16Mi"}, "limits": {"cpu": "100m", "memory": "64Mi"}}


def job_manifest(run: RunPlan, init_image: str) -> dict[str, Any]:
    """The Job that executes `run` in its team's namespace."""
    storage = run.storage
    labels = {
        "app.kubernetes.io/managed-by": MANAGED_BY,
        RUN_KEY: label_value(run.name),
        TEAM_KEY: label_value(run.team.name),
    }
    annotations = {RUN_KEY: run.name, TEAM_KEY: run.team.name}
    container_security = container_security_context(run.security_context)

    main: dict[str, Any] = {"name": MAIN_CONTAINER, "image": run.image, "imagePullPolicy": run.image_pull_policy}
    if run.command is not None:
        main["command"] = list(run.command)
    if run.args is not None:
        main["args"] = list(run.args)
    # Storage variables first, so a run's own env can use $(POLYAXON_RUN_OUTPUTS_PATH).
    main["env"] = [*storage.env, *({"name": name, "value": value} for name, value in sorted(run.env.items()))]
    resources = {
        kind: {name: str(value) for name, value in getattr(run.resources, kind).items()}
        for kind in ("requests", "limits")
        if getattr(run.resources, kind)
    }
    if resources:
        main["resources"] = resources
    if storage.volume_mounts:
        main["volumeMounts"] = list(storage.volume_mounts)
    main["securityContext"] = container_security

    pod_spec: dict[str, Any] = {
        "restartPolicy": "Never",
        "serviceAccountName": run.team.service_account,
        # No API token in the pod unless the run asks for one.
        "automountServiceAccountToken": run.service_account_token,
        "securityContext": pod_security_context(storage),
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
                "image": init_image,
                "imagePullPolicy": run.image_pull_policy,
                "command": ["sh", "-c", 'mkdir -p "$POLYAXON_RUN_OUTPUTS_PATH"'],
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
        "metadata": {
            "name": dns_label(run.name),
            "namespace": run.team.namespace,
            "labels": labels,
            "annotations": annotations,
        },
        "spec": {"template": {"metadata": {"labels": labels, "annotations": annotations}, "spec": pod_spec}},
    }


# libyaml's emitter when PyYAML has it: the pure-Python one dominated the program's time (bench/).
_SafeDumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _ManifestDumper(_SafeDumper):  # type: ignore[misc, valid-type]
    """Plain YAML for people and kubectl: no anchors, multi-line strings as blocks."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _string(dumper: _ManifestDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_ManifestDumper.add_representer(str, _string)


def to_yaml(documents: list[dict[str, Any]]) -> str:
    """Multi-document YAML, keys in the order they were built."""
    return yaml.dump_all(documents, Dumper=_ManifestDumper, sort_keys=False, default_flow_style=False)
