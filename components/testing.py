"""Testing a Pulumi program of your own offline, as `render` does: no Pulumi CLI, cluster or cloud account.

`start(project, stack, config)` points Pulumi's Python SDK at a mock engine
whose mocks answer the clouds' providers as `render` does (a GCP service
account's email, an S3 access key's secret, an Azure SAS, ...: deterministic
stand-ins, each credential marked `FAKE_CREDENTIAL`); `Engine.run(program)`
runs your program function under it and returns what it returned, and
`Engine.registrations` lists every resource it registered (secrets redacted).
`value(output)` and `is_secret(output)` read an Output outside a program.

    from components import testing

    mock = testing.start("my-project", "test", {"my-project:team": "vision"})
    runs = mock.run(build_my_program)
    assert testing.value(runs.jobs)["train"]["spec"]["backoffLimit"] == 0

`Mocks` alone is what to hand Pulumi's `pulumi.runtime.set_mocks` in a test suite of your own. A program
that reads another stack through `pulumi.StackReference` gets that stack's outputs from the mocks:
`Mocks(stacks={"acme/polyaxon-storage/gcp": StackOutputs({...}, secret=...)})`, handed to `start` in a
`RecordingMonitor`; `Engine.exported()` is what a program run under the engine exported, as such a
reference reads it.
"""

from .offline.engine import (
    Engine,
    Mocks,
    RecordingMonitor,
    Registration,
    StackOutputs,
    is_secret,
    start,
    value,
    values,
)
from .offline.fakes import FAKE_CREDENTIAL

__all__ = [
    "FAKE_CREDENTIAL",
    "Engine",
    "Mocks",
    "RecordingMonitor",
    "Registration",
    "StackOutputs",
    "is_secret",
    "start",
    "value",
    "values",
]
