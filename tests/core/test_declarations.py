"""One declaration per concept: the stack config's spelling, the component args, the layering of settings and
the Polyaxon-file mapping all derive from the run's models, and agree."""

from __future__ import annotations

from conftest import job_of
from pydantic.alias_generators import to_camel

from components import RunTemplate
from components.args import typed_args
from components.core.config.polyaxonfile import FILE_SETTINGS, _Environment
from components.core.config.run import (
    RunArgs,
    RunDefaults,
    RunSettings,
    RunTemplateArgs,
)
from components.core.config.stack import Run, StackConfig, Team
from components.core.declare import Spelling, settings_of
from components.core.settings import RUN_SETTINGS
from components.offline import engine

# Where the stack's spelling is not the camelCase of the field: Kubernetes' own name of it.
RENAMED = {"service_account": "serviceAccountName"}


def test_every_run_setting_says_how_it_combines_and_the_layering_knows_them_all():
    assert set(settings_of(RunSettings)) == set(RunSettings.model_fields)
    assert set(RUN_SETTINGS) == set(settings_of(RunArgs)) >= set(RunSettings.model_fields)
    assert set(settings_of(RunDefaults)) == set(RunDefaults.model_fields)


def test_the_stack_spells_each_run_setting_as_the_camelcase_of_its_field():
    for name in RunSettings.model_fields:
        assert Run.spelled(name, Spelling.CONFIG) == RENAMED.get(name, to_camel(name)), name
    for model in (StackConfig, Team):
        for name, info in model.model_fields.items():
            assert info.alias == to_camel(name), (model.__name__, name)


def test_run_template_args_are_the_run_models_fields_in_snake_case():
    for model in (RunArgs, RunTemplateArgs, RunDefaults):
        derived = typed_args(model)
        assert set(derived.__annotations__) == set(model.model_fields)
        assert derived.__required_keys__ == {name for name, info in model.model_fields.items() if info.is_required()}


def test_a_polyaxon_files_environment_holds_exactly_the_settings_that_have_a_file_key():
    environment = set(_Environment.model_fields) - {"persistence", "data_refs", "outputs_entry", "artifact_refs", "index"}
    distributed = {"replicas", "tensorflow", "horovod", "pytorch", "mxnet", "mpi"}
    assert environment - distributed == {key for declared in FILE_SETTINGS.values() for key in declared.file}


def test_one_run_written_in_the_stack_and_as_run_template_args_makes_the_same_job():
    """The two doors, each spelled by hand: what the stack config says in camelCase, a program says in snake_case."""
    stack_run = {
        "image": "trainer:1",
        "command": ["python", "train.py"],
        "env": {"EPOCHS": "3"},
        "resources": {"requests": {"cpu": "2"}, "limits": {"cpu": "2", "memory": "8Gi"}},
        "nodeSelector": {"pool": "gpu"},
        "tolerations": [{"key": "gpu", "operator": "Exists", "effect": "NoSchedule"}],
        "imagePullSecrets": ["registry"],
        "labels": {"tier": "gold"},
        "annotations": {"owner": "vision"},
        "ttlSecondsAfterFinished": 3600,
        "activeDeadlineSeconds": 7200,
        "securityContext": {"readOnlyRootFilesystem": True},
        "imagePullPolicy": "IfNotPresent",
        "maxRestarts": 3,
        "shmSize": "1Gi",
        "params": {"lr": 0.1},
        "logLevel": "DEBUG",
        "kind": "job",
        "outputs_refs": ["o"],
        "data_refs": ["d"],
    }
    args_run = {
        "image": "trainer:1",
        "command": ["python", "train.py"],
        "env": {"EPOCHS": "3"},
        "resources": {"requests": {"cpu": "2"}, "limits": {"cpu": "2", "memory": "8Gi"}},
        "node_selector": {"pool": "gpu"},
        "tolerations": [{"key": "gpu", "operator": "Exists", "effect": "NoSchedule"}],
        "image_pull_secrets": ["registry"],
        "labels": {"tier": "gold"},
        "annotations": {"owner": "vision"},
        "ttl_seconds_after_finished": 3600,
        "active_deadline_seconds": 7200,
        "security_context": {"read_only_root_filesystem": True},
        "image_pull_policy": "IfNotPresent",
        "max_restarts": 3,
        "shm_size": "1Gi",
        "params": {"lr": 0.1},
        "log_level": "DEBUG",
        "kind": "job",
        "outputs": {"name": "o", "mount_path": "/o", "claim_name": "o-claim"},
        "data": [{"name": "d", "mount_path": "/d", "claim_name": "d-claim"}],
    }
    config = {
        "namespace": "ml",
        "persistence": {"data": {"d": {"mountPath": "/d", "existingClaim": "d-claim"}}, "outputs": {"o": {"mountPath": "/o", "existingClaim": "o-claim"}}},
        "runs": {"train": stack_run},
    }
    mock = engine.start("polyaxon-storage", "test")
    template = mock.run(lambda: RunTemplate("ml", {"namespace": "ml", "service_account": "runs-ml", "runs": {"train": args_run}}))
    assert engine.value(template.jobs)["train"] == job_of(config, "train")
