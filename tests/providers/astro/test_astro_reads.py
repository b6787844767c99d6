"""Reads through the engine (``reconciler.reads``) for the Astro types: batched reads by id give
what ``read`` gives, in one list call per container; lookups by natural key find what the lists
hold; and the requests each costs."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from reconciler import reads
from reconciler.values import fingerprint
from tests.providers.astro.conftest import deployment_spec, make_deployment

API = "/platform/v1beta1/organizations/{org}"
LEGACY = "cld0000000000000000000001"


def routes(astro) -> dict[str, int]:
    return astro.sandbox.route_counts.get("astro", {})


@pytest.mark.parametrize("type_name, listed_route", [
    pytest.param("astro_workspace", f"GET {API}/workspaces", id="workspaces"),
    pytest.param("astro_deployment", f"GET {API}/deployments", id="deployments"),
])
def test_reads_by_id_are_one_list_and_equal_read(astro, type_name, listed_route):
    make_deployment(astro)
    rt = astro.rt(type_name)
    ids = [object_id for object_id, _ in reads.discover(rt, [None])]
    assert len(ids) >= 2
    before = routes(astro).get(listed_route, 0)
    groups = reads.read_groups(rt, [*ids, "does-not-exist"], {})
    assert len(groups) == 1
    found, _ = reads.read_group(rt, groups[0])
    assert routes(astro).get(listed_route, 0) == before + 1
    assert found["does-not-exist"] is None
    for object_id in ids:
        single = rt.read(object_id)
        assert found[object_id] == single and fingerprint(rt, found[object_id]) == fingerprint(rt, single)


def test_deploys_are_read_one_deploy_list_per_deployment(astro):
    rt = astro.rt("astro_deploy")
    dep = make_deployment(astro)
    groups = reads.read_groups(rt, [LEGACY, dep, "cld-gone"], {})
    assert sorted(g.ids for g in groups) == sorted([(LEGACY,), (dep,), ("cld-gone",)])  # each alone
    before = dict(routes(astro))
    found = {k: v for g in groups for k, v in reads.read_group(rt, g)[0].items()}
    after = routes(astro)
    assert {k: after[k] - before.get(k, 0) for k in after if after[k] != before.get(k, 0)} == {
        f"GET {API}/deployments/{{deploymentId}}/deploys": 3}
    assert found == {LEGACY: rt.read(LEGACY), dep: rt.read(dep), "cld-gone": None}


@pytest.mark.parametrize("type_name", ["astro_workspace", "astro_deployment"])
def test_every_listed_object_is_found_by_its_natural_key(astro, type_name):
    make_deployment(astro)
    rt = astro.rt(type_name)
    for object_id, live in reads.discover(rt, [None]):
        assert reads.find_one(rt, {k: live[k] for k in rt.natural_key})[0] == object_id
    missing = {**{k: "x" for k in rt.natural_key}, rt.natural_key[-1]: "no_such_object_anywhere"}
    assert reads.find_one(rt, missing) is None


def test_concurrent_creates_ask_for_deployment_options_once(astro):
    rt = astro.rt("astro_deployment")
    specs = [{k: v for k, v in deployment_spec(name=f"etl-{i}").items() if k != "astro_runtime_version"}
             for i in range(8)]
    astro.sandbox.latency_ms = 50  # every create is in flight before the first answer comes back
    with ThreadPoolExecutor(max_workers=8) as pool:
        created = list(pool.map(rt.create, specs))
    assert {live["astro_runtime_version"] for _, live in created} == {"12.4.0"}
    assert routes(astro)[f"GET {API}/deployment-options"] == 1
