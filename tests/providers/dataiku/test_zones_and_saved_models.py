"""``dataiku_flow_zone`` and ``dataiku_saved_model`` (the active-version pointer): the lifecycle
harness, their rules, and the emulator's zone and saved-model endpoints driven by the official
client (``dataikuapi`` 15.2) over a socket."""

from __future__ import annotations

import pytest

from reconciler.diff import compare
from reconciler.errors import ProviderError
from reconciler.providers.base import CreatedButFailed
from reconciler.testing import run_lifecycle, run_unset_defaults, sandbox_session

dataikuapi = pytest.importorskip("dataikuapi")
from dataikuapi.utils import DataikuException  # noqa: E402

from reconciler.sandbox import Sandbox, serve_in_thread  # noqa: E402

P = "SALES"
PY = {"project": P, "name": "compute_clean", "type": "python", "inputs": ["orders"], "outputs": ["clean"],
      "payload": "print(1)\n"}


def _seed_model(sandbox, versions=("v1", "v2")) -> str:
    """A saved model with external versions, made as the client would (create, import versions)."""
    world = sandbox.emulators["dataiku"].world
    model_id = world.create_saved_model(P, {"name": "churn", "savedModelType": "PROXY_MODEL"})["id"]
    for v in versions:
        world.import_saved_model_version(P, model_id, v, set_active=v == versions[0])
    return model_id


@pytest.fixture
def world():
    sandbox, session = sandbox_session()
    session.resource("dataiku_project").create({"key": P, "name": "Sales"})
    for name in ("orders", "clean"):
        session.resource("dataiku_dataset").create({"project": P, "name": name, "type": "PostgreSQL",
                                                    "params": {"connection": "dwh", "table": name}})
    session.resource("dataiku_recipe").create(PY)
    session.resource("dataiku_project").create({"key": "OPS", "name": "Ops"})
    session.resource("dataiku_project").create({"key": "HR", "name": "HR"})
    yield sandbox, session
    session.close()


CASES = [
    pytest.param("dataiku_flow_zone", {"project": P, "name": "Ingest", "datasets": ["orders"]},
                 {"project": P, "name": "Ingestion", "color": "#ff0000", "datasets": ["clean"],
                  "recipes": ["compute_clean"]},
                 {"name", "color", "datasets", "recipes"}, id="flow-zone"),
    pytest.param("dataiku_exposed_object", {"project": P, "name": "orders", "target_projects": ["OPS"]},
                 {"project": P, "name": "orders", "target_projects": ["OPS", "HR"]},
                 {"target_projects"}, id="exposed-object"),
]


@pytest.mark.parametrize("type_name, create, update, changed", CASES)
def test_lifecycle(world, type_name, create, update, changed):
    _, session = world
    report = run_lifecycle(session, type_name, create, update)
    assert report.changed == changed


def test_flow_zone_unset_defaults(world):
    _, session = world
    run_unset_defaults(session, "dataiku_flow_zone", {"project": P, "name": "z", "color": "#000000"})


def test_moving_an_object_takes_it_out_of_its_zone_and_delete_returns_items_to_default(world):
    _, session = world
    rt = session.resource("dataiku_flow_zone")
    a_id, _ = rt.create({"project": P, "name": "A", "datasets": ["orders", "clean"]})
    b_id, _ = rt.create({"project": P, "name": "B", "datasets": ["clean"]})
    assert rt.read(a_id)["datasets"] == ["orders"]
    assert compare(rt, {"project": P, "name": "B", "datasets": ["clean"]}, rt.read(b_id)) == ()
    rt.delete(a_id)
    default = session.client.get_zone(P, "default")
    assert {"objectType": "DATASET", "objectId": "orders"} in default["items"]
    assert [z["name"] for _, z in rt.list(P)] == ["B"]
    with pytest.raises(CreatedButFailed, match="DATASET nope does not exist"):  # the zone exists: kept in state
        rt.create({"project": P, "name": "C", "datasets": ["nope"]})


def test_an_exposed_dataset_is_a_foreign_dataset_of_its_targets_and_other_exposures_stay(world):
    _, session = world
    settings = session.client.get_project_settings(P)
    settings["exposedObjects"]["objects"].append({"type": "DATASET", "localName": "clean",
                                                  "rules": [{"targetProject": "HR", "appearOnFlow": True}]})
    session.client.put_project_settings(P, settings)
    rt = session.resource("dataiku_exposed_object")
    object_id, live = rt.create({"project": P, "name": "orders", "target_projects": ["OPS"]})
    assert object_id == f"{P}.DATASET.orders" and live["target_projects"] == ["OPS"]
    assert [d["name"] for d in session.client.list_datasets("OPS")] == []
    foreign = session.client._json("GET", f"/dip/publicapi/projects/OPS/datasets/", params={"foreign": "true"})
    assert [(d["projectKey"], d["name"]) for d in foreign] == [(P, "orders")]
    assert sorted(i for i, _ in rt.list(P)) == [f"{P}.DATASET.clean", f"{P}.DATASET.orders"]
    rt.delete(object_id)
    assert [e["localName"] for e in session.client.get_project_settings(P)["exposedObjects"]["objects"]] == ["clean"]
    assert rt.read(object_id) is None


def test_saved_model_active_version_is_an_in_place_update(world):
    sandbox, session = world
    model_id = _seed_model(sandbox)
    rt = session.resource("dataiku_saved_model")
    [(object_id, live)] = list(rt.list(P))
    assert object_id == f"{P}.{model_id}" and live["active_version"] == "v1" and live["versions"] == ["v1", "v2"]
    assert rt.replace_rule("active_version", "v1", "v2") is None
    assert rt.blocked(live, {"active_version": "v9"}) == "version v9 does not exist in DSS yet (versions: v1, v2)"
    after = rt.update(object_id, live, {"project": P, "name": "churn", "active_version": "v2"},
                      frozenset({"active_version"}))
    assert after["active_version"] == "v2"
    assert compare(rt, {"project": P, "name": "churn", "active_version": "v2"}, rt.read(object_id)) == ()
    with pytest.raises(ProviderError, match="does not exist in project"):
        rt.create({"project": P, "name": "other", "active_version": "v1"})
    assert rt.deletable is False


# -- the official client ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def served():
    sb = Sandbox(token="sandbox-token")
    server, base_url = serve_in_thread(sb)
    yield sb, base_url
    server.shutdown()


@pytest.fixture
def project(served):
    sandbox, base_url = served
    sandbox.reset()
    client = dataikuapi.DSSClient(base_url + "/dataiku", "sandbox-token")
    project = client.create_project(P, "Sales", "admin")
    project.create_dataset("orders", "PostgreSQL", params={"connection": "dwh", "table": "orders"})
    return project


def test_official_client_flow_zones(project):
    flow = project.get_flow()
    zone = flow.create_zone("Ingest", color="#123456")
    dataset = project.get_dataset("orders")
    zone.add_item(dataset)
    assert [d.name for d in flow.get_zone(zone.id).items] == ["orders"]
    assert flow.get_zone_of_object(dataset).id == zone.id
    settings = zone.get_settings()
    settings.name = "Ingestion"
    settings.save()
    assert {z.name for z in flow.list_zones()} == {"Ingestion", "Default"}
    dataset.move_to_zone(flow.get_default_zone())
    assert flow.get_zone(zone.id).items == []
    zone.delete()
    with pytest.raises(DataikuException, match="NotFoundException"):
        flow.get_zone(zone.id)


def test_official_client_saved_models(project, served):
    sandbox, _ = served
    model_id = _seed_model(sandbox)
    assert [m["id"] for m in project.list_saved_models()] == [model_id]
    model = project.get_saved_model(model_id)
    assert model.get_active_version()["id"] == "v1"
    model.set_active_version("v2")
    assert model.get_active_version()["id"] == "v2"
    assert model.get_settings().get_raw()["activeVersion"] == "v2"
    with pytest.raises(DataikuException, match="NotFoundException"):
        model.set_active_version("v9")
    created = project.create_mlflow_pyfunc_model("scorer", "BINARY_CLASSIFICATION")
    assert created.list_versions() == []


def test_official_client_exposed_objects(project):
    other = project.client.create_project("OPS", "Ops", "admin")
    settings = project.get_settings()
    settings.add_exposed_object("DATASET", "orders", "OPS")
    settings.save()
    shared = other.list_datasets(include_shared=True)
    assert [(d["projectKey"], d["name"]) for d in shared] == [(P, "orders")]
    assert project.get_settings().get_raw()["exposedObjects"]["objects"][0]["rules"] == [{"targetProject": "OPS"}]
