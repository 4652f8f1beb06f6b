"""Resources a run's container gets: quantities parsed as Kubernetes parses them, and held to what the
API server enforces (docs/run-spec.md §2), with defaults that never break those rules."""

from __future__ import annotations

from decimal import Decimal

import pytest
from conftest import job_of, problems
from kubernetes.utils.quantity import parse_quantity as client_parse

from components.core.resources import parse_quantity

IMAGE = "trainer:1"
OUTPUTS = {"outputs": {"o": {"mountPath": "/o", "existingClaim": "o"}}}


def stack(resources=None, defaults=None) -> dict:
    run = {"image": IMAGE, **({"resources": resources} if resources is not None else {})}
    config = {"persistence": OUTPUTS, "runs": {"train": run}}
    if defaults is not None:
        config["defaultResources"] = defaults
    return config


def resources_of(config: dict) -> dict:
    return job_of(config, "train")["spec"]["template"]["spec"]["containers"][0].get("resources", {})


@pytest.mark.parametrize(
    "text, value",
    [("500m", "0.5"), ("2", "2"), ("2Gi", str(2 * 1024**3)), ("1e3", "1000"), ("1.5", "1.5"), ("0", "0"), ("3k", "3000")],
)
def test_quantities_mean_what_kubernetes_makes_of_them(text, value):
    assert parse_quantity(text) == Decimal(value) == client_parse(text)


@pytest.mark.parametrize(
    "text, words",
    [
        ("-1", "is negative"),
        ("lots", "is not a Kubernetes quantity"),
        ("1 Gi", "is not a Kubernetes quantity"),
        (" 1", "is not a Kubernetes quantity"),
        ("", "is not a Kubernetes quantity"),
        ("NaN", "is not a Kubernetes quantity"),
        ("Infinity", "is not a Kubernetes quantity"),
        ("2K", "K is no quantity suffix"),
        ("2ki", "is not a Kubernetes quantity"),
    ],
)
def test_what_the_api_server_refuses_is_no_quantity(text, words):
    with pytest.raises(ValueError, match=words):
        parse_quantity(text)


@pytest.mark.parametrize(
    "resources, path, words",
    [
        ({"requests": {"cpu": "-1"}}, "runs.train.resources.requests.cpu", "'-1' is negative"),
        ({"limits": {"memory": "lots"}}, "runs.train.resources.limits.memory", "'lots' is not a Kubernetes quantity"),
        ({"requests": {"cpu": True}}, "runs.train.resources.requests.cpu", "must be a quantity"),
        ({"requests": {"banana": "1"}}, "runs.train.resources.requests.banana", "unknown resource 'banana'"),
        ({"requests": {"gpu": 1}}, "runs.train.resources.requests.gpu", "named by its domain, such as nvidia.com/gpu"),
        ({"limits": {"foo.kubernetes.io/x": 1}}, "runs.train.resources.limits.foo.kubernetes.io/x", "kubernetes.io domain"),
        ({"limits": {"nvidia.com/gpu": 0.5}}, "runs.train.resources.limits.nvidia.com/gpu", "whole units, not 0.5"),
        (
            {"requests": {"cpu": "4"}, "limits": {"cpu": "2"}},
            "runs.train.resources.requests.cpu",
            "4 may not exceed the limit 2 (runs.train.resources.limits.cpu)",
        ),
        (
            {"requests": {"nvidia.com/gpu": 1}, "limits": {"nvidia.com/gpu": 2}},
            "runs.train.resources.requests.nvidia.com/gpu",
            "1 must equal the limit 2",
        ),
    ],
)
def test_a_runs_resources_the_api_server_would_refuse_are_an_error_at_their_path(resources, path, words):
    [found] = problems(stack(resources))
    assert found.startswith(f"{path}: ") and words in found, found


def test_numbers_are_quantities_and_huge_pages_and_ephemeral_storage_are_resources():
    resources = {"requests": {"cpu": 0.5, "ephemeral-storage": "10Gi"}, "limits": {"hugepages-2Mi": "1Gi", "cpu": 1}}
    # memory: the built-in defaults, as the run sets none
    assert resources_of(stack(resources)) == {
        "requests": {"cpu": "0.5", "ephemeral-storage": "10Gi", "hugepages-2Mi": "1Gi", "memory": "2Gi"},
        "limits": {"cpu": "1", "hugepages-2Mi": "1Gi", "memory": "4Gi"},
    }


@pytest.mark.parametrize("side, other", [("requests", "limits"), ("limits", "requests")])
def test_a_gpu_given_on_one_side_is_the_other_side_too(side, other):
    resources = resources_of(stack({side: {"nvidia.com/gpu": 2}}))
    assert (resources[side]["nvidia.com/gpu"], resources[other]["nvidia.com/gpu"]) == ("2", "2")


def test_defaults_fill_each_missing_side_and_never_break_a_rule():
    defaults = {"requests": {"cpu": "1", "memory": "2Gi"}, "limits": {"cpu": "2", "memory": "4Gi", "nvidia.com/gpu": 1}}
    resources = {"requests": {"cpu": "8", "memory": "1Gi"}, "limits": {"nvidia.com/gpu": 2}}
    # cpu: the default limit 2 is below the run's request 8: left out, and so is the built-in one;
    # the limit is the request. memory: 1Gi <= 4Gi: applied.
    # gpu: the run's limit sets its request; the default (1) would differ: left out.
    assert resources_of(stack(resources, defaults)) == {
        "requests": {"cpu": "8", "memory": "1Gi", "nvidia.com/gpu": "2"},
        "limits": {"cpu": "8", "memory": "4Gi", "nvidia.com/gpu": "2"},
    }


def test_defaults_the_api_server_would_refuse_are_an_error_once_at_their_path():
    defaults = {"requests": {"cpu": "4"}, "limits": {"cpu": "2", "nvidia.com/gpu": 0.5}}
    config = stack(None, defaults)
    config["runs"]["other"] = {"image": IMAGE}
    assert problems(config) == [
        "defaultResources.requests.cpu: 4 may not exceed the limit 2 (defaultResources.limits.cpu)",
        "defaultResources.limits.nvidia.com/gpu: nvidia.com/gpu is counted in whole units, not 0.5",
    ]
