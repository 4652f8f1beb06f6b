"""What polyaxon-client 0.6 reads to run in a Job, offline (run-spec.md §8-9).

A training script written for Polyaxon (`Experiment()`, `get_data_paths()`,
`get_params()`) runs unchanged: the client is told it is managed (or it
refuses to give paths), offline (or it calls an API server that is not
there), and who it is, in Polyaxon's dotted names.
"""

from __future__ import annotations

import json
from typing import Any, Mapping, Optional

from ..conventions import (
    DECLARATIONS_ENV,
    EXPERIMENT_INFO_ENV,
    IS_MANAGED_ENV,
    IS_OFFLINE_ENV,
    JOB_INFO_ENV,
    LOG_LEVEL_ENV,
    PARAMS_ENV,
)
from .model import RunSpec
from .volumes import literal


def params_json(params: Optional[Mapping[str, Any]]) -> str:
    """POLYAXON_PARAMS: the params as compact JSON, `null` when there are none."""
    return json.dumps(None if params is None else dict(params), separators=(",", ":"), sort_keys=True)


def run_info(spec: RunSpec) -> tuple[str, dict[str, str]]:
    """The INFO variable a run's tracker reads, and its value: Polyaxon's names of the project and the run.

    `<team>.<project>` is Polyaxon's `<user>.<project>`; a job's name has Polyaxon's `jobs` part,
    which the client reads as the job's type.
    """
    project = f"{spec.team}.{spec.project}"
    if spec.kind == "job":
        return JOB_INFO_ENV, {"project_name": project, "job_name": f"{project}.jobs.{spec.name}"}
    return EXPERIMENT_INFO_ENV, {"project_name": project, "experiment_name": f"{project}.{spec.name}"}


def tracking_env(spec: RunSpec) -> list[dict[str, str]]:
    """The variables polyaxon-client needs, each value as Kubernetes passes it on (`$` escaped)."""
    info_name, info = run_info(spec)
    params = params_json(spec.params)
    values = {
        IS_MANAGED_ENV: "true",
        IS_OFFLINE_ENV: "true",
        info_name: json.dumps(info, separators=(",", ":")),
        LOG_LEVEL_ENV: spec.log_level,
        PARAMS_ENV: params,
        # Clients before 0.5 read the params under their old name.
        DECLARATIONS_ENV: params,
    }
    return [{"name": name, "value": literal(value)} for name, value in values.items()]
