"""SharedDirectories: directories of a shared filesystem, each owned by the runs' user, made by a one-shot Job."""

from typing import Optional

import pulumi
import pulumi_kubernetes as kubernetes

from ..args import check, typed_args
from ..conventions import MANAGED_BY, MANAGED_BY_LABEL
from ..core.config import components
from ..core.containers import INIT_RESOURCES
from ..core.filesystems import directories_script

SharedDirectoriesArgs = typed_args(components.SharedDirectoriesArgs)
MOUNT_PATH = "/filesystem"
BACKOFF_LIMIT = 2
# Root, with the two capabilities it needs on a filesystem whose root only root writes: to give a directory away
# (CHOWN), and to set the mode of one given away already when the Job runs again (FOWNER).
CAPABILITIES = ["CHOWN", "FOWNER"]


class SharedDirectories(pulumi.ComponentResource):
    """Directories of a shared filesystem (a namespace's own, below its root), each owned by the runs' user and
    group with mode 0750, made by a one-shot Job that mounts the root by NFS.

    `pulumi up` waits for the Job to complete (the Kubernetes provider awaits
    Jobs), so volumes mounting those directories are used once they exist. The
    Job is idempotent (`mkdir -p`; the mode and owner of the directories it
    names only, never recursively) and named by its caller after what it
    makes: new directories run a new Job, and nothing else changes a Job's
    spec. It runs as root, with CHOWN and FOWNER only, in a namespace whose Pod
    Security level admits that (baseline); a failed Job is replaced on the next
    `pulumi up`.
    """

    job_name: pulumi.Output[str]
    """The Job's name, once it has completed."""

    def __init__(self, name: str, args: SharedDirectoriesArgs, opts: Optional[pulumi.ResourceOptions] = None):  # type: ignore[valid-type]
        super().__init__("polyaxon-storage:index:SharedDirectories", name, None, opts)
        checked = check(
            "SharedDirectories", name, components.SharedDirectoriesArgs, args, components.shared_directories_problems
        )
        spec = checked.known
        labels = {MANAGED_BY_LABEL: MANAGED_BY}
        job = kubernetes.batch.v1.Job(
            name,
            metadata=kubernetes.meta.v1.ObjectMetaArgs(
                name=spec.job_name,
                namespace=checked.value(lambda args: args.namespace),
                labels=labels,
                # A Job that failed (an unreachable server, say) is replaced by the next `pulumi up`, not awaited again.
                annotations={"pulumi.com/replaceUnready": "true"},
            ),
            spec=kubernetes.batch.v1.JobSpecArgs(
                backoff_limit=BACKOFF_LIMIT,
                ttl_seconds_after_finished=spec.ttl_seconds_after_finished,
                template=kubernetes.core.v1.PodTemplateSpecArgs(
                    metadata=kubernetes.meta.v1.ObjectMetaArgs(labels=labels),
                    spec=kubernetes.core.v1.PodSpecArgs(
                        restart_policy="Never",
                        automount_service_account_token=False,
                        security_context=kubernetes.core.v1.PodSecurityContextArgs(
                            seccomp_profile=kubernetes.core.v1.SeccompProfileArgs(type="RuntimeDefault")
                        ),
                        volumes=[
                            kubernetes.core.v1.VolumeArgs(
                                name="filesystem",
                                nfs=kubernetes.core.v1.NFSVolumeSourceArgs(
                                    server=checked.value(lambda args: args.server),
                                    path=checked.value(lambda args: args.path),
                                ),
                            )
                        ],
                        containers=[
                            kubernetes.core.v1.ContainerArgs(
                                name="make-directories",
                                image=spec.image,
                                image_pull_policy="Always",
                                command=["sh", "-c", directories_script(MOUNT_PATH, spec.owner, spec.mode), "sh", *spec.directories],
                                volume_mounts=[kubernetes.core.v1.VolumeMountArgs(name="filesystem", mount_path=MOUNT_PATH)],
                                resources=kubernetes.core.v1.ResourceRequirementsArgs(**INIT_RESOURCES),
                                security_context=kubernetes.core.v1.SecurityContextArgs(
                                    run_as_user=0,
                                    run_as_group=0,
                                    run_as_non_root=False,
                                    allow_privilege_escalation=False,
                                    read_only_root_filesystem=True,
                                    capabilities=kubernetes.core.v1.CapabilitiesArgs(drop=["ALL"], add=CAPABILITIES),
                                    seccomp_profile=kubernetes.core.v1.SeccompProfileArgs(type="RuntimeDefault"),
                                ),
                            )
                        ],
                    ),
                ),
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.job_name = job.metadata.name  # type: ignore[attr-defined]
        self.register_outputs({"jobName": self.job_name})
