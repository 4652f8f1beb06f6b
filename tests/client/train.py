"""A Polyaxon 0.6 training script that prints, as JSON, what the client reads from its run's environment.

Usage: train.py experiment|job
"""

import json
import sys

from polyaxon_client.tracking import Experiment, Job, get_data_paths, get_outputs_path, get_outputs_refs_paths

if sys.argv[1:] == ["experiment"]:
    experiment = Experiment()
    experiment.log_metrics(loss=0.1)  # offline (POLYAXON_IS_OFFLINE): a no-op, nothing sent or written
    run, params, ids = experiment, experiment.get_params(), {"experiment_id": experiment.experiment_id}
elif sys.argv[1:] == ["job"]:
    job = Job()
    # Job has no metrics nor params in 0.6: Experiment's static get_params is the client's one reader of POLYAXON_PARAMS.
    run, params, ids = job, Experiment.get_params(), {"job_id": job.job_id, "job_type": job.job_type}
else:
    sys.exit(__doc__.splitlines()[-1])

print(
    json.dumps(
        {
            "data_paths": get_data_paths(),
            "outputs_path": get_outputs_path(),
            "params": params,
            "refs": get_outputs_refs_paths(),
            "project": run.project,
            "username": run.username,
            "project_name": run.project_name,
            **ids,
        }
    )
)
