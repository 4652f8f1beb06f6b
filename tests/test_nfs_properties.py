"""Property tests of NFS entries: generated exports granted to generated teams, run through the program
under the mock engine, checked against Kubernetes' static-binding rules written out here.

A PersistentVolume binds one claim and claims are namespaced, so every namespace granted an NFS entry
needs its own PV and claim; both sides `storageClassName: ""`, the PV's claimRef naming the claim and the
claim's volumeName naming the PV, reclaim Retain, ReadOnlyMany for read-only entries, ReadWriteMany else.
"""

from __future__ import annotations

import re
import string
from collections import Counter
from typing import Any

from conftest import PROJECT_DIR
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from components import program
from components.core.containers import SHM_VOLUME
from components.offline import engine

EXAMPLES = settings(
    max_examples=25,
    deadline=None,
    phases=[phase for phase in Phase if phase is not Phase.explain],
    suppress_health_check=[HealthCheck.too_slow],
)
DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
DEFAULT_MOUNT_OPTIONS = ["nfsvers=4.1", "hard"]

entry_names = st.one_of(
    st.text(alphabet=string.ascii_lowercase + string.digits + "-", min_size=1, max_size=12).map(lambda t: t.strip("-") or "x"),
    st.sampled_from(["Data_Set.v2", "données", "a" * 70, "x.y"]),
)
namespaces = st.sampled_from(["team-a", "team-b", "shared", "ml"])
nfs_entries = st.fixed_dictionaries(
    {
        "nfs": st.fixed_dictionaries(
            {
                "server": st.sampled_from(["10.0.0.5", "nfs.internal", "fs-1.example.com"]),
                "path": st.sampled_from(["/exports/a", "/exports/b/c", "/"]),
            }
        ),
        "size": st.sampled_from(["1Gi", "500Gi", "2Ti", "10G"]),
    },
    optional={
        "readOnly": st.booleans(),
        "mountOptions": st.lists(st.sampled_from(["nfsvers=4.2", "hard", "noatime", "soft"]), min_size=1, max_size=3, unique=True),
    },
)


@st.composite
def stacks(draw: st.DrawFn) -> dict[str, Any]:
    """A catalog of NFS entries on both sides, teams granted subsets of them, a run per team."""
    data_names = draw(st.lists(entry_names, min_size=1, max_size=3, unique=True))
    outputs_names = draw(st.lists(entry_names, min_size=1, max_size=2, unique=True))
    data = {name: {**draw(nfs_entries), "mountPath": f"/data/{index}"} for index, name in enumerate(data_names)}
    outputs = {name: {**draw(nfs_entries), "mountPath": f"/outputs/{index}", "readOnly": False} for index, name in enumerate(outputs_names)}
    teams, runs = {}, {}
    for index in range(draw(st.integers(1, 3))):
        team = f"t{index}"
        teams[team] = {
            "namespace": draw(namespaces),
            "data": draw(st.lists(st.sampled_from(data_names), unique=True)),
            "outputs": draw(st.lists(st.sampled_from(outputs_names), min_size=1, unique=True)),
        }
        runs[f"run-{team}"] = {"team": team, "image": "trainer:1"}
    # Teams sharing a namespace share its existence: keep the flag the same (its default) for all.
    return {"persistence": {"data": data, "outputs": outputs}, "teams": teams, "runs": runs}


def run_stack(config: dict[str, Any]) -> tuple[list[engine.Registration], dict[str, Any]]:
    mock = engine.start("polyaxon-storage", "nfs-properties", {f"polyaxon-storage:{k}": v for k, v in config.items()})
    components = mock.run(lambda: program.main(PROJECT_DIR))
    return mock.registrations, engine.values(components.jobs)


@EXAMPLES
@given(stacks())
def test_every_namespace_granted_an_nfs_entry_gets_one_statically_bound_retained_pair(config):
    registrations, jobs = run_stack(config)
    volumes = [r.inputs for r in registrations if r.type == "kubernetes:core/v1:PersistentVolume"]
    claims = [r.inputs for r in registrations if r.type == "kubernetes:core/v1:PersistentVolumeClaim"]
    catalog = {(side, name): entry for side in ("data", "outputs") for name, entry in config["persistence"][side].items()}
    granted = {
        (team["namespace"], side, name)
        for team in config["teams"].values()
        for side in ("data", "outputs")
        for name in team[side]
    }
    assert len(volumes) == len(claims) == len(granted)
    names = [volume["metadata"]["name"] for volume in volumes]
    assert len(set(names)) == len(names) and all(DNS_LABEL.fullmatch(n) and len(n) <= 63 for n in names)
    claims_by_ref = {(claim["metadata"]["namespace"], claim["metadata"]["name"]): claim for claim in claims}
    exports = {(v["spec"]["nfs"]["server"], v["spec"]["nfs"]["path"], v["spec"]["claimRef"]["namespace"]) for v in volumes}
    for volume in volumes:
        spec = volume["spec"]
        claim = claims_by_ref[(spec["claimRef"]["namespace"], spec["claimRef"]["name"])]
        assert claim["spec"]["volumeName"] == volume["metadata"]["name"]
        assert spec["storageClassName"] == claim["spec"]["storageClassName"] == ""
        assert spec["persistentVolumeReclaimPolicy"] == "Retain"
        assert spec["capacity"]["storage"] == claim["spec"]["resources"]["requests"]["storage"]
        assert spec["accessModes"] == claim["spec"]["accessModes"]
        assert spec["accessModes"] in (["ReadOnlyMany"], ["ReadWriteMany"])
        assert bool(spec["nfs"].get("readOnly")) == (spec["accessModes"] == ["ReadOnlyMany"])
    sharing = Counter((side, name) for _, side, name in granted)
    for namespace, side, name in granted:
        entry = catalog[side, name]
        # Outputs shared by namespaces: each sees its own directory of the export, so no team reads
        # or writes another's runs; data stays shared.
        path = entry["nfs"]["path"]
        if side == "outputs" and sharing[side, name] > 1:
            path = path.rstrip("/") + "/" + namespace
        assert (entry["nfs"]["server"], path, namespace) in exports
        matching = [
            v for v in volumes
            if v["spec"]["claimRef"]["namespace"] == namespace
            and (v["spec"]["nfs"]["server"], v["spec"]["nfs"]["path"]) == (entry["nfs"]["server"], path)
            and v["spec"]["capacity"]["storage"] == entry["size"]
            and v["spec"]["mountOptions"] == entry.get("mountOptions", DEFAULT_MOUNT_OPTIONS)
            and v["spec"]["accessModes"] == (["ReadOnlyMany"] if entry.get("readOnly") else ["ReadWriteMany"])
        ]  # fmt: skip
        assert matching, (namespace, side, name)


@EXAMPLES
@given(stacks())
def test_runs_mount_their_own_namespaces_claims_read_only_where_the_entry_is(config):
    registrations, jobs = run_stack(config)
    claims = {
        (r.inputs["metadata"]["namespace"], r.inputs["metadata"]["name"])
        for r in registrations
        if r.type == "kubernetes:core/v1:PersistentVolumeClaim"
    }
    for run in config["runs"]:
        job = jobs[run]
        namespace = job["metadata"]["namespace"]
        # Every volume but /dev/shm is storage.
        volumes = [volume for volume in job["spec"]["template"]["spec"]["volumes"] if volume["name"] != SHM_VOLUME]
        for volume in volumes:
            assert "nfs" not in volume  # Pod Security restricted rejects inline NFS volumes
            claim = volume["persistentVolumeClaim"]
            assert (namespace, claim["claimName"]) in claims
        mounts = {m["name"]: m for m in job["spec"]["template"]["spec"]["containers"][0]["volumeMounts"]}
        for volume in volumes:
            assert bool(volume["persistentVolumeClaim"].get("readOnly")) == bool(mounts[volume["name"]].get("readOnly"))
