"""polyaxon-storage: Polyaxon-style data and outputs storage for training jobs on Kubernetes.

The pure core (catalog, request, resolve, plan, job) decides what each run
mounts; the Pulumi shell (host_path, existing_claim, run_template, program)
registers it; `python -m components` renders it offline.
"""
