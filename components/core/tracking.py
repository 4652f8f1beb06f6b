"""What polyaxon-client 0.6 reads to run in a Job, offline (docs/run-spec.md §8-9).

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
from .config.run import JobTemplate, RunArgs
from .enums import LogLevel, RunKind
from .volumes import literal


def params_json(params: Optional[Mapping[str, Any]]) -> str:
    """POLYAXON_PARAMS: the params as compact JSON, `null` when there are none."""
    return json.dumps(None if params is None else dict(params), separators=(",", ":"), sort_keys=True)


def run_info(name: str, run: RunArgs, template: JobTemplate) -> tuple[str, dict[str, str]]:
    """The INFO variable a run's tracker reads, and its value: Polyaxon's names of the project and the run.

    `<team>.<project>` is Polyaxon's `<user>.<project>`; a job's name has Polyaxon's `jobs` part,
    which the client reads as the job's type.
    """
    project = f"{template.team}.{template.project}"
    if run.kind == RunKind.JOB:
        return JOB_INFO_ENV, {"project_name": project, "job_name": f"{project}.jobs.{name}"}
    return EXPERIMENT_INFO_ENV, {"project_name": project, "experiment_name": f"{project}.{name}"}


def tracking_env(name: str, run: RunArgs, template: JobTemplate) -> list[dict[str, str]]:
    """The variables polyaxon-client needs, each value as Kubernetes passes it on (`$` escaped)."""
    info_name, info = run_info(name, run, template)
    params = params_json(run.params)
    values = {
        IS_MANAGED_ENV: "true",
        IS_OFFLINE_ENV: "true",
        info_name: json.dumps(info, separators=(",", ":")),
        LOG_LEVEL_ENV: run.log_level or LogLevel.INFO.value,
        PARAMS_ENV: params,
        # Clients before 0.5 read the params under their old name.
        DECLARATIONS_ENV: params,
    }
    return [{"name": name, "value": literal(value)} for name, value in values.items()]
