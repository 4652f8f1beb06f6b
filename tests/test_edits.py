"""Edits never destroy data: what `pulumi up` would do to existing objects when a config value changes.

The engine deletes what leaves the program, and replaces what changes where
Kubernetes cannot update in place. So: what holds data is retained when it
leaves, and what Kubernetes will not change in place is named from that very
spec, so that a change makes a new object beside the old instead of a failing
update or a claim left Pending.
"""

from __future__ import annotations

import copy

import pytest
from conftest import rendered, write_stack

NFS = {"mountPath": "/data/images", "nfs": {"server": "10.0.0.5", "path": "/exports/images"}, "size": "2Ti", "readOnly": True}
BASE = {
    "persistence": {
        "data": {"images": NFS},
        "outputs": {"results": {"mountPath": "/outputs", "nfs": {"server": "10.0.0.6", "path": "/exports/results"}, "size": "1Ti"}},
    },
    "teams": {"vision": {"namespace": "vision", "data": "*", "outputs": "*"}, "nlp": {"namespace": "nlp", "data": "*"}},
    "runs": {"train": {"team": "vision", "image": "trainer:1"}},
}
NAMESPACE, PATCH = "kubernetes:core/v1:Namespace", "kubernetes:core/v1:NamespacePatch"
VOLUME, CLAIM = "kubernetes:core/v1:PersistentVolume", "kubernetes:core/v1:PersistentVolumeClaim"


def render_config(tmp_path, config: dict, label: str):
    """The stack `edits` rendered with `config`: one stack before and after an edit, so URNs compare."""
    directory = tmp_path / label
    directory.mkdir(exist_ok=True)
    return rendered(write_stack(directory, config, "edits"))


def by_urn(rendering, kind: str) -> dict[str, object]:
    return {r.urn.rsplit("::", 1)[-1]: r for r in rendering.registrations if r.type == kind}


def changed(path: list, value) -> dict:
    config = copy.deepcopy(BASE)
    target = config
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return config


def test_namespaces_volumes_and_claims_the_stack_creates_outlive_it(tmp_path):
    rendering = render_config(tmp_path, BASE, "base")
    for kind in (NAMESPACE, VOLUME, CLAIM):
        found = by_urn(rendering, kind)
        assert found and all(r.retain_on_delete for r in found.values()), kind
    # Nothing is protected: a rename or removal goes through, and leaves the object behind.
    assert not any(r.protect for r in rendering.registrations)


def test_adopting_the_namespace_instead_leaves_it_where_it_is(tmp_path):
    created = render_config(tmp_path, BASE, "created")
    adopted = render_config(tmp_path, changed(["teams", "vision", "existingNamespace"], True), "adopted")
    # The Namespace leaves the program (retained: the engine does not delete it); a patch labels it.
    assert "vision" in by_urn(created, NAMESPACE) and by_urn(created, NAMESPACE)["vision"].retain_on_delete
    assert "vision" not in by_urn(adopted, NAMESPACE) and "vision" in by_urn(adopted, PATCH)
    assert by_urn(adopted, PATCH)["vision"].inputs["metadata"]["name"] == "vision"


def test_renaming_a_namespace_or_removing_a_team_leaves_the_old_namespace(tmp_path):
    base = by_urn(render_config(tmp_path, BASE, "base"), NAMESPACE)
    renamed = by_urn(render_config(tmp_path, changed(["teams", "nlp", "namespace"], "language"), "renamed"), NAMESPACE)
    removed = copy.deepcopy(BASE)
    del removed["teams"]["nlp"]
    without = by_urn(render_config(tmp_path, removed, "removed"), NAMESPACE)
    assert set(base) == {"nlp", "vision"} and set(renamed) == {"language", "vision"} and set(without) == {"vision"}
    assert base["nlp"].retain_on_delete


@pytest.mark.parametrize(
    "path, value",
    [
        (["persistence", "data", "images", "size"], "3Ti"),
        (["persistence", "data", "images", "readOnly"], False),
        (["persistence", "data", "images", "nfs", "server"], "10.0.0.9"),
        (["persistence", "data", "images", "nfs", "path"], "/exports/images-v2"),
        (["persistence", "data", "images", "mountOptions"], ["nfsvers=4.2"]),
    ],
)
def test_an_nfs_change_kubernetes_cannot_apply_in_place_makes_a_new_pair_that_binds(tmp_path, path, value):
    before = render_config(tmp_path, BASE, "before")
    after = render_config(tmp_path, changed(path, value), "after")

    def images(rendering) -> tuple[set[str], set[str]]:
        volumes = {r.inputs["metadata"]["name"] for r in rendering.registrations if r.type == VOLUME and "images" in r.name}
        claims = {r.inputs["metadata"]["name"] for r in rendering.registrations if r.type == CLAIM and "images" in r.name}
        return volumes, claims

    (old_volumes, old_claims), (new_volumes, new_claims) = images(before), images(after)
    assert old_volumes.isdisjoint(new_volumes) and old_claims.isdisjoint(new_claims)
    # The run mounts the new claim, which names the new volume.
    job = after.jobs["train"]["spec"]["template"]["spec"]
    [claim] = [v["persistentVolumeClaim"]["claimName"] for v in job["volumes"] if v["name"] == "data-images"]
    assert claim in new_claims
    # Unchanged entries keep their objects.
    results = lambda rendering: {r.urn for r in rendering.registrations if "results" in r.name}  # noqa: E731
    assert results(before) == results(after)


def test_names_are_the_same_from_one_run_of_the_program_to_the_next(tmp_path):
    first, second = render_config(tmp_path, BASE, "one"), render_config(tmp_path, BASE, "one")
    assert [r.urn for r in first.registrations] == [r.urn for r in second.registrations]
    assert first.jobs == second.jobs
