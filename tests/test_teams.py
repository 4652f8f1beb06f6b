"""Teams on one cluster: namespaces, service accounts, NFS-backed claims, warnings."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest
from conftest import cli, plan, problems, rendered, write_stack

from components.core.containers import SHM_VOLUME
from components.offline.render import Rendering

NFS_DATA = {"mountPath": "/data/images", "nfs": {"server": "10.0.0.5", "path": "/exports/images"}, "size": "2Ti"}
TWO_TEAMS = {
    "persistence": {
        "data": {
            "images": {**NFS_DATA, "readOnly": True},
            "text": {
                "mountPath": "/data/text",
                "nfs": {"server": "10.0.0.5", "path": "/exports/text"},
                "size": "100Gi",
                "mountOptions": ["nfsvers=3", "soft"],
            },
            "scratch": {"mountPath": "/data/scratch", "hostPath": "/mnt/scratch", "nodeSelector": {"pool": "gpu"}},
        },
        "outputs": {
            "results": {"mountPath": "/outputs", "nfs": {"server": "10.0.0.6", "path": "/exports/results"}, "size": "1Ti"},
            "shared-claim": {"mountPath": "/shared", "existingClaim": "shared"},
        },
    },
    "teams": {
        "vision": {"namespace": "team-vision", "data": ["images", "scratch"], "outputs": "*"},
        "nlp": {"namespace": "team-nlp", "data": ["text"], "outputs": ["results"]},
    },
    "runs": {
        "detect": {"team": "vision", "image": "trainer:1"},
        "translate": {"team": "nlp", "image": "trainer:1"},
    },
    "allowedWritableHostPaths": ["/mnt/scratch"],
}


def rendered_config(tmp_path: Path, config: dict, stack: str = "teams") -> Rendering:
    return rendered(write_stack(tmp_path, config, stack))


def objects(rendering: Rendering, kind: str) -> dict[tuple, dict]:
    """Rendered objects of one kind, keyed (namespace, name)."""
    return {
        (document["metadata"].get("namespace"), document["metadata"]["name"]): document
        for document in rendering.kubernetes_objects()
        if document["kind"] == kind
    }


def test_each_team_gets_a_namespace_and_a_service_account(tmp_path):
    rendering = rendered_config(tmp_path, TWO_TEAMS)
    namespaces = objects(rendering, "Namespace")
    assert set(namespaces) == {(None, "team-nlp"), (None, "team-vision")}
    assert namespaces[(None, "team-nlp")]["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    # hostPath needs privileged: baseline forbids it.
    assert namespaces[(None, "team-vision")]["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "privileged"
    accounts = objects(rendering, "ServiceAccount")
    assert set(accounts) == {("team-nlp", "runs-nlp"), ("team-vision", "runs-vision")}
    assert all(account["automountServiceAccountToken"] is False for account in accounts.values())


def test_nfs_entries_become_statically_bound_volume_and_claim_per_granted_namespace(tmp_path):
    rendering = rendered_config(tmp_path, TWO_TEAMS)
    volumes = objects(rendering, "PersistentVolume")
    claims = objects(rendering, "PersistentVolumeClaim")
    # images -> vision; text -> nlp; results -> both (vision has outputs "*")
    assert sorted((namespace, stem(name)) for namespace, name in claims) == [
        ("team-nlp", "data-text"),
        ("team-nlp", "outputs-results"),
        ("team-vision", "data-images"),
        ("team-vision", "outputs-results"),
    ]
    assert len(volumes) == 4 and len({name for _, name in volumes}) == 4
    for (namespace, claim_name), claim in claims.items():
        (volume,) = [v for v in volumes.values() if v["metadata"]["name"] == claim["spec"]["volumeName"]]
        assert volume["spec"]["claimRef"] == {"namespace": namespace, "name": claim_name}
        assert volume["spec"]["storageClassName"] == "" and claim["spec"]["storageClassName"] == ""
        assert volume["spec"]["persistentVolumeReclaimPolicy"] == "Retain"
        assert volume["spec"]["accessModes"] == claim["spec"]["accessModes"]
        assert volume["spec"]["capacity"]["storage"] == claim["spec"]["resources"]["requests"]["storage"]
    by_claim = {
        (namespace, stem(name)): volumes[(None, claim["spec"]["volumeName"])]["spec"]
        for (namespace, name), claim in claims.items()
    }
    assert by_claim[("team-vision", "data-images")]["accessModes"] == ["ReadOnlyMany"]
    assert by_claim[("team-vision", "data-images")]["nfs"] == {"server": "10.0.0.5", "path": "/exports/images", "readOnly": True}
    assert by_claim[("team-nlp", "outputs-results")]["accessModes"] == ["ReadWriteMany"]
    assert by_claim[("team-nlp", "outputs-results")]["mountOptions"] == ["nfsvers=4.1", "hard"]
    assert by_claim[("team-nlp", "data-text")]["mountOptions"] == ["nfsvers=3", "soft"]
    # results is the outputs of both teams: each namespace's volume is its own directory of the export.
    assert by_claim[("team-nlp", "outputs-results")]["nfs"]["path"] == "/exports/results/team-nlp"
    assert by_claim[("team-vision", "outputs-results")]["nfs"]["path"] == "/exports/results/team-vision"


def stem(claim: str) -> str:
    """A claim name without the digest of its volume's spec: `data-text-405238df` -> `data-text`."""
    assert re.fullmatch(r".+-[0-9a-f]{8}", claim), claim
    return claim[:-9]


def test_runs_mount_the_claim_never_an_inline_nfs_volume(tmp_path):
    job = rendered_config(tmp_path, TWO_TEAMS).jobs["translate"]
    volumes = [volume for volume in job["spec"]["template"]["spec"]["volumes"] if volume["name"] != SHM_VOLUME]
    assert [(volume["name"], stem(volume["persistentVolumeClaim"]["claimName"])) for volume in volumes] == [
        ("data-text", "data-text"),
        ("outputs-results", "outputs-results"),
    ]
    assert all(set(volume) == {"name", "persistentVolumeClaim"} for volume in volumes)


def test_no_teams_job_references_another_teams_objects(tmp_path):
    rendering = rendered_config(tmp_path, TWO_TEAMS)
    claims = set(objects(rendering, "PersistentVolumeClaim"))
    accounts = set(objects(rendering, "ServiceAccount"))
    existing_claims = {"shared"}  # existingClaim entries: the platform team's, in each namespace
    for team, run in (("team-vision", "detect"), ("team-nlp", "translate")):
        job = rendering.jobs[run]
        assert job["metadata"]["namespace"] == team
        pod = job["spec"]["template"]["spec"]
        assert (team, pod["serviceAccountName"]) in accounts
        for volume in pod["volumes"]:
            if "persistentVolumeClaim" in volume:
                claim = volume["persistentVolumeClaim"]["claimName"]
                assert (team, claim) in claims or claim in existing_claims


def grant_changed(config: dict, team: str, side: str, grant) -> dict:
    changed = copy.deepcopy(config)
    changed["teams"][team][side] = grant
    return changed


def test_a_grant_change_adds_or_removes_only_that_teams_objects(tmp_path):
    before = rendered_config(tmp_path, TWO_TEAMS, "before")
    # nlp is also granted images: one more PV and claim, in nlp's namespace, nothing else.
    after = rendered_config(tmp_path, grant_changed(TWO_TEAMS, "nlp", "data", ["text", "images"]), "after")

    def registered(rendering: Rendering) -> dict[tuple, dict]:
        return {(r.type, r.name): r.inputs for r in rendering.registrations if r.type.startswith("kubernetes:")}

    old, new = registered(before), registered(after)
    added = set(new) - set(old)
    assert set(old) - set(new) == set()
    assert {kind for kind, _ in added} == {"kubernetes:core/v1:PersistentVolume", "kubernetes:core/v1:PersistentVolumeClaim"}
    claims = [new[key]["metadata"] for key in added if key[0] == "kubernetes:core/v1:PersistentVolumeClaim"]
    assert [(claim["namespace"], stem(claim["name"])) for claim in claims] == [("team-nlp", "data-images")]
    assert all(old[key] == new[key] for key in old), "objects of the other team changed"

    # Removing the grant again removes exactly those two.
    removed = rendered_config(tmp_path, TWO_TEAMS, "removed")
    assert registered(removed) == old


def test_an_existing_namespace_is_adopted_not_created(tmp_path):
    config = {"namespace": "ml", "existingNamespace": True, "runs": {"r": {"image": "i"}}}
    rendering = rendered_config(tmp_path, config)
    types = {r.type for r in rendering.registrations}
    assert "kubernetes:core/v1:NamespacePatch" in types
    assert "kubernetes:core/v1:Namespace" not in types
    (patch,) = [r for r in rendering.registrations if r.type == "kubernetes:core/v1:NamespacePatch"]
    assert patch.inputs["metadata"]["name"] == "ml"
    assert patch.inputs["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "privileged"


def test_teams_sharing_a_namespace_must_agree_on_adopting_it():
    config = copy.deepcopy(TWO_TEAMS)
    config["teams"]["nlp"].update(namespace="team-vision", existingNamespace=True)
    assert any("disagree on whether it exists" in problem for problem in problems(config))


def test_runs_that_write_no_host_path_run_as_non_root(tmp_path):
    jobs = rendered_config(tmp_path, TWO_TEAMS).jobs
    translate = jobs["translate"]["spec"]["template"]["spec"]
    assert translate["securityContext"] == {
        "runAsNonRoot": True,
        "runAsUser": 10001,
        "runAsGroup": 10001,
        "fsGroup": 10001,
        # Volumes are chowned to the group only when their root is not already.
        "fsGroupChangePolicy": "OnRootMismatch",
        "seccompProfile": {"type": "RuntimeDefault"},
    }
    # detect mounts the writable host path `scratch`, which kubelet creates owned by root.
    assert jobs["detect"]["spec"]["template"]["spec"]["securityContext"] == {"seccompProfile": {"type": "RuntimeDefault"}}


def test_a_run_that_restricted_would_reject_is_an_error():
    config = copy.deepcopy(TWO_TEAMS)
    config["runs"]["translate"]["securityContext"] = {"runAsNonRoot": False, "capabilities": {"add": ["SYS_ADMIN"]}}
    (found,) = [problem for problem in problems(config) if problem.startswith("runs.translate.securityContext")]
    assert "enforces Pod Security restricted" in found
    assert "runAsNonRoot must be true" in found and "SYS_ADMIN" in found


def warnings_of(config: dict) -> list[str]:
    return [str(warning) for warning in plan(config).warnings]


def test_host_path_grants_warn_that_the_namespace_is_privileged():
    (warning,) = [w for w in warnings_of(TWO_TEAMS) if "privileged" in w]
    assert warning.startswith("teams.vision: namespace 'team-vision' is labelled Pod Security privileged")
    assert "persistence.data.scratch" in warning


@pytest.mark.parametrize("cluster", [{"multiNode": True}, {"nodePools": ["cpu", "gpu"]}])
def test_unpinned_host_paths_on_a_multi_node_cluster_warn_once_naming_them(cluster):
    config = {
        "cluster": cluster,
        "persistence": {
            "data": {
                "a": {"mountPath": "/a", "hostPath": "/a", "readOnly": True},
                "b": {"mountPath": "/b", "hostPath": "/b", "readOnly": True},
                "pinned": {
                    "mountPath": "/p", "hostPath": "/p", "readOnly": True, "nodeSelector": {"kubernetes.io/hostname": "n1"}
                },
            },
            "outputs": {"o": {"mountPath": "/o", "existingClaim": "o"}},
        },
    }
    (warning,) = [w for w in warnings_of(config) if "not pinned" in w]
    assert "persistence.data.a, persistence.data.b" in warning
    assert "pinned" not in warning.split("are not pinned")[0].replace("persistence.data.a, persistence.data.b", "")


@pytest.mark.parametrize("cluster", [{}, {"nodePools": ["only-one"]}])
def test_a_single_node_cluster_does_not_warn_about_unpinned_host_paths(cluster):
    assert not [w for w in warnings_of({"cluster": cluster}) if "not pinned" in w]


RWO_CLAIM = {"mountPath": "/outputs/rwo", "existingClaim": "rwo", "accessMode": "ReadWriteOnce"}


def test_a_single_node_claim_used_as_outputs_by_several_runs_warns():
    config = {
        "persistence": {"outputs": {"rwo": RWO_CLAIM}},
        "runs": {"a": {"image": "i"}, "b": {"image": "i"}, "c": {"image": "i", "outputs_refs": ["rwo"]}},
    }
    (warning,) = [w for w in warnings_of(config) if "one node" in w]
    assert warning.startswith("persistence.outputs.rwo.accessMode: ReadWriteOnce claim 'rwo'")
    assert "runs a, b, c (as their outputs)" in warning


def test_a_single_node_claim_that_is_the_outputs_of_exactly_two_runs_warns():
    config = {"persistence": {"outputs": {"rwo": RWO_CLAIM}}, "runs": {"a": {"image": "i"}, "b": {"image": "i"}}}
    (warning,) = [w for w in warnings_of(config) if "one node" in w]
    assert "runs a, b (as their outputs)" in warning


def test_a_single_node_claim_that_is_the_outputs_of_one_run_does_not_warn():
    config = {"persistence": {"outputs": {"rwo": RWO_CLAIM}}, "runs": {"a": {"image": "i"}}}
    assert not [w for w in warnings_of(config) if "one node" in w]


def test_a_single_node_claim_granted_to_several_teams_in_one_namespace_warns():
    teams = {
        "a": {"namespace": "shared", "outputs": ["rwo"]},
        "b": {"namespace": "shared", "outputs": ["rwo"]},
    }
    (warning,) = [w for w in warnings_of({"persistence": {"outputs": {"rwo": RWO_CLAIM}}, "teams": teams}) if "one node" in w]
    assert "runs of teams a, b" in warning


@pytest.mark.parametrize("mode", [None, "ReadWriteMany"])
def test_shareable_claims_do_not_warn(mode):
    claim = {**RWO_CLAIM, "accessMode": mode} if mode else {k: v for k, v in RWO_CLAIM.items() if k != "accessMode"}
    config = {"persistence": {"outputs": {"rwo": claim}}, "runs": {"a": {"image": "i"}, "b": {"image": "i"}}}
    assert not [w for w in warnings_of(config) if "one node" in w]


def test_render_prints_warnings_on_stderr_and_still_renders(tmp_path):
    result = cli("render", str(write_stack(tmp_path, TWO_TEAMS)))
    assert result.returncode == 0, result.stderr
    assert "warning: teams.vision: namespace 'team-vision' is labelled Pod Security privileged" in result.stderr
    assert "warning:" not in result.stdout and "kind: Job" in result.stdout


def test_team_stacks_render_their_team_objects():
    platform = rendered("platform")
    assert {name for _, name in objects(platform, "Namespace")} == {"team-vision", "team-nlp"}
    team = rendered("team-vision")
    assert {r.type for r in team.registrations} >= {
        "kubernetes:core/v1:NamespacePatch",
        "kubernetes:core/v1:PersistentVolume",
        "kubernetes:core/v1:PersistentVolumeClaim",
        "kubernetes:core/v1:ServiceAccount",
    }
