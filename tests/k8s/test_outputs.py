"""The components' Output helpers, and how the offline engine awaits Outputs: what they gather keeps the secrecy,
the dependencies and the unknowns of what it is made of, and an Output's resolved value is passed on whole, not
rebuilt node by node."""

from __future__ import annotations

import asyncio
from typing import Any

import pulumi
import pulumi_kubernetes as kubernetes
import pytest
from pulumi.output import UNKNOWN

from components import ComponentArgsError, CsiStorage
from components.offline import engine
from components.outputs import gathered, mapping_output, whole_output

SPEC = {"containers": [{"name": "train", "env": [{"name": "A", "value": "1"}]}]}


def test_an_outputs_resolved_value_is_passed_on_whole() -> None:
    mock = engine.start("outputs", "test")

    def program() -> tuple[Any, pulumi.Output[Any], pulumi.Output[Any]]:
        spec = pulumi.Output.from_input("t").apply(lambda _: SPEC)
        return SPEC, gathered(spec, "x"), mapping_output({"job": spec})

    spec, listed, mapped = mock.run(program)
    found = engine.values({"listed": listed, "mapped": mapped})
    assert found["listed"][0] is spec and found["listed"][1] == "x"
    assert found["mapped"]["job"] is spec


def test_outputs_inside_a_plain_value_are_still_resolved() -> None:
    mock = engine.start("outputs", "test")

    def program() -> pulumi.Output[Any]:
        return mapping_output({"team": {"clientID": pulumi.Output.from_input("id").apply(str.upper)}, "empty": {}})

    assert engine.value(mock.run(program)) == {"team": {"clientID": "ID"}, "empty": {}}
    assert engine.value(mock.run(lambda: mapping_output({}))) == {}


def test_what_is_gathered_is_secret_and_depends_on_what_it_is_made_of() -> None:
    mock = engine.start("outputs", "test")

    def program() -> tuple[pulumi.Output[Any], pulumi.Output[Any]]:
        made = kubernetes.core.v1.ConfigMap("made", metadata={"name": "made"})
        token = pulumi.Output.secret({"key": "s3cr3t"})
        return gathered(made.metadata.name, "plain"), mapping_output({"name": made.metadata.name, "token": token})

    listed, mapped = mock.run(program)
    assert not engine.is_secret(listed) and engine.is_secret(mapped)
    [urn] = [r.urn for r in mock.registrations if r.type == "kubernetes:core/v1:ConfigMap"]
    assert engine.dependencies(listed) == engine.dependencies(mapped) == {urn}
    assert engine.value(mapped) == {"name": "made", "token": {"key": "s3cr3t"}}


def test_an_unknown_value_leaves_what_is_gathered_unknown() -> None:
    mock = engine.start("outputs", "test")
    seen: list[Any] = []

    def program() -> pulumi.Output[Any]:
        loop = asyncio.get_event_loop()
        value, known = loop.create_future(), loop.create_future()
        value.set_result(None)
        known.set_result(False)
        unknown: pulumi.Output[Any] = pulumi.Output(set(), value, known)
        return gathered(unknown, "x").apply(lambda found: seen.append(found))

    gathered_output = mock.run(program)
    assert engine.value(gathered_output) is None
    assert seen == []


def test_a_value_holding_an_unknown_is_awaited_as_unknown() -> None:
    """What `render` prints for an Output whose value holds an unknown (a preview's): nothing, not the unknown."""
    mock = engine.start("outputs", "test")

    def program() -> tuple[pulumi.Output[Any], pulumi.Output[Any]]:
        holding = pulumi.Output.from_input("x").apply(lambda _: {"metadata": {"name": UNKNOWN}})
        return holding, pulumi.Output.from_input("x").apply(lambda _: {"metadata": {"name": "train"}})

    holding, known = mock.run(program)
    assert engine.values({"holding": holding, "known": known}) == {"holding": None, "known": {"metadata": {"name": "train"}}}


def test_whole_output_leaves_an_output_and_a_plain_value_as_they_are() -> None:
    mock = engine.start("outputs", "test")

    def program() -> tuple[pulumi.Output[Any], pulumi.Output[Any]]:
        output = pulumi.Output.from_input("ml")
        assert whole_output(output) is output
        return whole_output(output), whole_output(SPEC)

    output, plain = mock.run(program)
    assert engine.value(output) == "ml"
    assert engine.value(plain) is SPEC


def test_an_output_inside_an_args_resolved_value_is_refused_at_its_path() -> None:
    mock = engine.start("outputs", "test")

    def program() -> pulumi.Output[Any]:
        attributes = pulumi.Output.from_input("b").apply(lambda name: {"bucketName": pulumi.Output.from_input(name)})
        args = {"namespace": "ml", "claim_name": "c", "volume_name": "v", "read_only": True, "size": "1Ti",
                "driver": "gcsfuse.csi.storage.gke.io", "volume_handle": "b", "volume_attributes": attributes}  # fmt: skip
        return CsiStorage("c", args).claim_name

    with pytest.raises(ComponentArgsError) as refused:
        engine.value(mock.run(program))
    assert str(refused.value) == "CsiStorage 'c': 1 problem in its args:\n  - volume_attributes.bucketName: must be text"
