"""Every row of the limits table (core/limits.py) is applied where its value enters, through both doors: the
stack config and the components' args. Values are generated at and within each limit (accepted: no problem at
the value's path) and beyond it (refused there, before anything is registered)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from components import ComponentArgsError, RunTemplate, TeamNamespace
from components.core.errors import ConfigError
from components.core.limits import LIMITS, whole_number_problem
from components.core.security import NON_ROOT_POD_SECURITY_CONTEXT
from components.offline import engine
from conftest import job_of, plan, problems

PROPERTIES = settings(max_examples=200, deadline=None)
OUTPUTS = {"name": "o", "mount_path": "/outputs", "claim_name": "o"}
CATALOG = {"outputs": {"o": {"mountPath": "/outputs", "existingClaim": "o"}}}
INT32, INT64 = 2**31 - 1, 2**63 - 1
ANNOTATIONS = 256 * 1024


@dataclass(frozen=True)
class Case:
    """How one row's value enters: at (or within) the limit, beyond it, and where it is written in each door."""

    within: st.SearchStrategy[Any]
    beyond: st.SearchStrategy[Any]
    stack: Callable[[Any], tuple[dict[str, Any], str]]
    """The stack config holding the value, and the value's config path."""
    component: Callable[[Any], tuple[Callable[[], Any], str]]
    """A program making the component that takes the value, and the value's argument path."""


def numbers(low: int, high: int) -> tuple[st.SearchStrategy[int], st.SearchStrategy[int]]:
    within = st.one_of(st.just(low), st.just(high), st.integers(low, high))
    beyond = st.one_of(st.just(low - 1), st.just(high + 1), st.integers(max_value=low - 1), st.integers(min_value=high + 1))
    return within, beyond


def run_stack(privileged: bool = False, **run: Any) -> dict[str, Any]:
    """A stack of one run `train`; `privileged`: in a namespace where root is allowed."""
    catalog = CATALOG
    keys: dict[str, Any] = {}
    if privileged:
        catalog = {**CATALOG, "data": {"host": {"mountPath": "/host", "hostPath": "/srv/host", "readOnly": True}}}
        keys["allowPrivileged"] = True
    return {"persistence": catalog, "runs": {"train": {"image": "trainer:1", **run}}, **keys}


def template(privileged: bool = False, name: str = "train", **run: Any) -> Callable[[], Any]:
    args: dict[str, Any] = {
        "namespace": "ml",
        "service_account": "runs-ml",
        "runs": {name: {"image": "trainer:1", "outputs": OUTPUTS, **run}},
    }
    if privileged:
        args.update(pod_security="privileged", allow_privileged=True)
    return lambda: RunTemplate("ml", args)


def annotations(total: int, character: str, count: int) -> dict[str, str]:
    """`count` annotations of exactly `total` bytes of keys and values (UTF-8), values of `character`."""
    keys = [f"example.com/a{index}" for index in range(count)]
    room = total - sum(len(key) for key in keys)
    width = len(character.encode())
    values = [character * (room // count // width)] * count
    values[-1] += "a" * (room - sum(len(value.encode()) for value in values))
    return dict(zip(keys, values))


# What polyaxon-storage adds to a run's pod annotations, measured on the Jobs it makes (not computed from the code).
STACK_OURS = sum(len(k.encode()) + len(v.encode()) for k, v in job_of(run_stack(), "train")["spec"]["template"]["metadata"]["annotations"].items())


def _template_ours() -> int:
    mock = engine.start("limits", "test")
    jobs = mock.run(lambda: engine.value(template()().jobs))
    pod = jobs["train"]["spec"]["template"]["metadata"]["annotations"]
    return sum(len(k.encode()) + len(v.encode()) for k, v in pod.items())


TEMPLATE_OURS = _template_ours()
annotation_sizes = st.tuples(st.booleans(), st.sampled_from(["a", "é", "€", "😀"]), st.integers(1, 8))


# Written out here from the sources, independently of the table (limits.py cites them): each whole number's range.
RANGES = {
    "backoffLimit": (0, INT32),
    "ttlSecondsAfterFinished": (0, INT32),
    "activeDeadlineSeconds": (1, INT64 // 10**9),  # the Job controller's time.Duration of seconds
    "runAsUser": (0, INT32),
    "runAsGroup": (0, INT32),
    "tolerationSeconds": (-(2**63), INT64),
}


def whole(row: str, stack_key: str, args_key: str, privileged: bool = False, nest: Callable[[str, Any], dict] = lambda key, value: {key: value}) -> Case:
    within, beyond = numbers(*RANGES[row])
    return Case(
        within,
        beyond,
        lambda value: (run_stack(privileged, **nest(stack_key, value)), "runs.train." + _path(nest(stack_key, value))),
        lambda value: (template(privileged, **nest(args_key, value)), "runs.train." + _path(nest(args_key, value))),
    )


def _path(value: Any) -> str:
    """The path of the one leaf of a nested mapping (and list of one item)."""
    if isinstance(value, dict):
        ((key, item),) = value.items()
        inner = _path(item)
        return key + ("" if not inner else inner if inner.startswith("[") else "." + inner)
    if isinstance(value, list):
        return "[0]" + ("." + _path(value[0]) if isinstance(value[0], dict) else "")
    return ""


def secured(stack_key: str, args_key: str) -> Callable[[str, Any], dict]:
    return lambda key, value: (
        {"securityContext": {stack_key: value}} if key == stack_key else {"security_context": {args_key: value}}
    )


def tolerated(key: str, value: Any) -> dict:
    seconds = "tolerationSeconds" if key == "tolerations" else "toleration_seconds"
    return {"tolerations": [{"key": "spot", "operator": "Exists", "effect": "NoExecute", seconds: value}]}


profiles = st.text(alphabet="abcdefgh/-_.", min_size=1, max_size=20).filter(
    lambda p: not p.startswith("/") and ".." not in p.split("/") and "" not in p.split("/")
)


def seccomp(key: str, value: dict[str, Any]) -> dict:
    if key == "stack":
        return {"securityContext": {"seccompProfile": value}}
    return {"security_context": {"seccomp_profile": {("localhost_profile" if k == "localhostProfile" else k): v for k, v in value.items()}}}


def quota_case() -> Case:
    whole_counts = st.one_of(st.integers(0, 10**6).map(str), st.integers(1, 999).map(lambda n: f"{n}k"))
    fractions = st.one_of(st.integers(0, 10**6).map(lambda n: f"{n}.5"), st.integers(1, 999).map(lambda n: f"{n}500m"))
    return Case(
        whole_counts,
        fractions,
        lambda value: ({"persistence": CATALOG, "quota": {"pods": value}}, "quota.pods"),
        lambda value: (lambda: TeamNamespace("ml", {"namespace": "ml", "teams": ["ml"], "quota": {"pods": value}}), "quota.pods"),
    )


def secret_key_case() -> Case:
    keys = st.text(alphabet="abcXYZ019-_.", min_size=1, max_size=253).filter(lambda k: k not in (".", "..") and not k.startswith(".."))
    too_long = st.integers(254, 400).map(lambda n: "k" * n)
    bad = st.sampled_from(["key json", "keys/key.json", "..", ".", "..key", "ké"])
    bucket = lambda value: {"store": "gcs", "bucket": "gs://acme-data", "secret": "gcs", "secretKey": value}  # noqa: E731
    mount = lambda value: {"name": "b", "store": "gcs", "bucket": "gs://acme-data", "secret": "gcs", "secret_key": value}  # noqa: E731
    return Case(
        keys,
        too_long | bad,
        lambda value: ({"persistence": {**CATALOG, "data": {"b": bucket(value)}}}, "persistence.data.b.secretKey"),
        lambda value: (template(data=[mount(value)]), "runs.train.data[0].secret_key"),
    )


def time_case() -> Case:
    inside = st.sampled_from(["0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "0001-01-01T00:59:00-00:59", "9999-12-31T12:00:00+11:00", "2026-06-30"])
    outside = st.sampled_from(["0001-01-01T00:00:00+00:01", "9999-12-31T23:30:00-01:00", "0001-01-01T12:00:00+13:00"])
    return Case(
        inside,
        outside,
        lambda value: ({"persistence": CATALOG, "credentialsRotation": value}, "credentialsRotation"),
        lambda value: (_gcs(value), "rotation"),
    )


def _gcs(rotation: str) -> Callable[[], Any]:
    from components.clouds.gcp import GcsBuckets

    return lambda: GcsBuckets("gcs", {"project": "acme", "buckets": {"acme-data": {}}, "rotation": rotation})


CASES: dict[str, Case] = {
    "backoffLimit": whole("backoffLimit", "maxRestarts", "max_restarts"),
    "ttlSecondsAfterFinished": whole("ttlSecondsAfterFinished", "ttlSecondsAfterFinished", "ttl_seconds_after_finished"),
    "activeDeadlineSeconds": whole("activeDeadlineSeconds", "activeDeadlineSeconds", "active_deadline_seconds"),
    "runAsUser": whole("runAsUser", "runAsUser", "run_as_user", True, secured("runAsUser", "run_as_user")),
    "runAsGroup": whole("runAsGroup", "runAsGroup", "run_as_group", True, secured("runAsGroup", "run_as_group")),
    "tolerationSeconds": Case(
        *numbers(*RANGES["tolerationSeconds"]),
        lambda value: (run_stack(**tolerated("tolerations", value)), "runs.train.tolerations[0].tolerationSeconds"),
        lambda value: (template(**tolerated("args", value)), "runs.train.tolerations[0].toleration_seconds"),
    ),
    "seccompLocalhostProfile": Case(
        st.one_of(profiles.map(lambda p: {"type": "Localhost", "localhostProfile": p}), st.just({"type": "RuntimeDefault"})),
        st.one_of(
            st.just({"type": "Localhost"}),
            st.just({"type": "Localhost", "localhostProfile": ""}),
            profiles.map(lambda p: {"type": "Localhost", "localhostProfile": "/" + p}),
            profiles.map(lambda p: {"type": "RuntimeDefault", "localhostProfile": p}),
        ),
        lambda value: (run_stack(**seccomp("stack", value)), "runs.train.securityContext.seccompProfile"),
        lambda value: (template(**seccomp("args", value)), "runs.train.security_context.seccomp_profile"),
    ),
    "annotationsSize": Case(
        annotation_sizes.map(lambda drawn: (False, *drawn[1:])),
        annotation_sizes.map(lambda drawn: (True, *drawn[1:])),
        lambda drawn: (run_stack(annotations=annotations(ANNOTATIONS - STACK_OURS + drawn[0], *drawn[1:])), "runs.train.annotations"),
        lambda drawn: (template(annotations=annotations(ANNOTATIONS - TEMPLATE_OURS + drawn[0], *drawn[1:])), "runs.train.annotations"),
    ),
    "labelValue": Case(
        st.integers(1, 63).map(lambda n: "v" * n),
        st.integers(64, 300).map(lambda n: "v" * n) | st.sampled_from(["-v", "v-", "v v", "vé"]),
        lambda value: (run_stack(labels={"app": value}), "runs.train.labels.app"),
        lambda value: (template(labels={"app": value}), "runs.train.labels.app"),
    ),
    "quotaCount": quota_case(),
    "pathComponent": Case(
        st.integers(1, 255).map(lambda n: "r" * n),
        st.integers(256, 600).map(lambda n: "r" * n),
        lambda name: ({"persistence": CATALOG, "runs": {name: {"image": "trainer:1"}}}, f"runs.{name}"),
        lambda name: (template(name=name), f"runs.{name}"),
    ),
    "pathComponent/mountPath": Case(
        st.integers(1, 255).map(lambda n: "/data/" + "d" * n),
        st.integers(256, 600).map(lambda n: "/data/" + "d" * n),
        lambda path: ({"persistence": {**CATALOG, "data": {"d": {"mountPath": path, "existingClaim": "d"}}}}, "persistence.data.d.mountPath"),
        lambda path: (template(data=[{"name": "d", "mount_path": path, "claim_name": "d"}]), "runs.train.data[0].mount_path"),
    ),
    "noNul/mountPath": Case(
        st.text(alphabet="abc", min_size=1, max_size=10).map(lambda name: "/data/" + name),
        st.text(alphabet="abc", max_size=10).map(lambda name: "/data/" + name + "\x00"),
        lambda path: ({"persistence": {**CATALOG, "data": {"d": {"mountPath": path, "existingClaim": "d"}}}}, "persistence.data.d.mountPath"),
        lambda path: (template(data=[{"name": "d", "mount_path": path, "claim_name": "d"}]), "runs.train.data[0].mount_path"),
    ),
    "noNul/env": Case(
        st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=20),
        st.text(max_size=10).map(lambda text: text + "\x00"),
        lambda value: (run_stack(env={"TOKEN": value}), "runs.train.env.TOKEN"),
        lambda value: (template(env={"TOKEN": value}), "runs.train.env.TOKEN"),
    ),
    "noNul": Case(
        st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=20),
        st.tuples(st.text(max_size=10), st.text(max_size=10)).map(lambda parts: parts[0] + "\x00" + parts[1]),
        lambda value: (run_stack(args=[value]), "runs.train.args[0]"),
        lambda value: (template(args=[value]), "runs.train.args[0]"),
    ),
    "imageAscii": Case(
        st.sampled_from(["trainer:1", "ghcr.io/acme/trainer:1.0", "registry:5000/team/image@sha256:" + "a" * 64]),
        st.tuples(st.sampled_from(["trainer:1", "ghcr.io/acme/trainer"]), st.characters(min_codepoint=128, blacklist_categories=("Cs",))).map("".join),
        lambda value: (run_stack(image=value), "runs.train.image"),
        lambda value: (template(image=value), "runs.train.image"),
    ),
    "secretKey": secret_key_case(),
    "rfc3339": time_case(),
}
NOT_SETTABLE = {"fsGroup"}
"""Rows no input sets: the stack sets them itself (held to the table below)."""


def test_every_row_of_the_table_is_applied_through_both_doors():
    assert {case.partition("/")[0] for case in CASES} | NOT_SETTABLE == set(LIMITS)


def stack_paths(config: dict[str, Any]) -> list[str]:
    try:
        plan(config)
    except ConfigError as error:
        return [problem.path for problem in error.problems]
    return []


def component_paths(program: Callable[[], Any]) -> list[str]:
    mock = engine.start("limits", "test")
    try:
        mock.run(program)
    except ComponentArgsError as error:
        assert [r for r in mock.registrations if r.custom] == []
        return [problem.path for problem in error.problems]
    return []


@PROPERTIES
@given(st.sampled_from(sorted(CASES)), st.booleans(), st.data())
def test_values_within_each_limit_are_accepted_and_beyond_refused_through_the_stack_config(row, beyond, data):
    case = CASES[row]
    value = data.draw(case.beyond if beyond else case.within)
    config, path = case.stack(value)
    assert (path in stack_paths(config)) == beyond, (row, value)


@PROPERTIES
@given(st.sampled_from(sorted(CASES)), st.booleans(), st.data())
def test_values_within_each_limit_are_accepted_and_beyond_refused_through_the_components(row, beyond, data):
    case = CASES[row]
    value = data.draw(case.beyond if beyond else case.within)
    program, path = case.component(value)
    assert (path in component_paths(program)) == beyond, (row, value)


def test_what_the_stack_sets_itself_is_within_the_table_and_no_input_sets_it():
    assert whole_number_problem("fsGroup", NON_ROOT_POD_SECURITY_CONTEXT["fsGroup"]) is None
    assert "runs.train.securityContext.fsGroup: unknown key here" in "\n".join(problems(run_stack(securityContext={"fsGroup": 2**40})))


@pytest.mark.parametrize("row", ["backoffLimit", "ttlSecondsAfterFinished", "activeDeadlineSeconds"])
def test_the_highest_value_reaches_the_job_as_given(row):
    key = {"backoffLimit": "maxRestarts"}.get(row, row)
    spec = job_of(run_stack(**{key: RANGES[row][1]}), "train")["spec"]
    assert spec[row] == RANGES[row][1]
