"""End to end through the CLI: a flow zone, an exposed dataset and a saved model's active version
planned, applied,
changed outside reconciler with the official client, reported by ``drift`` by field, and
repaired."""

from __future__ import annotations

import pytest

pytest.importorskip("dataikuapi")

SPECS = """\
resources:
  dataiku_project.sales: {key: SALES, name: Sales}
  dataiku_dataset.orders:
    project: ${dataiku_project.sales.key}
    name: orders
    type: PostgreSQL
    params: {connection: dwh, table: orders}
  dataiku_dataset.customers:
    project: ${dataiku_project.sales.key}
    name: customers
    type: PostgreSQL
    params: {connection: dwh, table: customers}
  dataiku_flow_zone.ingest:
    project: ${dataiku_project.sales.key}
    name: Ingest
    color: "#123456"
    datasets: ["${dataiku_dataset.orders.name}", "${dataiku_dataset.customers.name}"]
  dataiku_project.ops: {key: OPS, name: Operations}
  dataiku_exposed_object.orders:
    project: ${dataiku_project.sales.key}
    name: ${dataiku_dataset.orders.name}
    target_projects: ["${dataiku_project.ops.key}"]
"""

MODEL = """\
  dataiku_saved_model.churn:
    project: ${dataiku_project.sales.key}
    name: churn
    active_version: v2
"""


@pytest.fixture
def zones(make_project):
    proj = make_project()
    (proj.specs / "flow.yaml").write_text(SPECS)
    return proj


def _apply(proj) -> None:
    applied = proj.cli("apply", "--auto-approve")
    assert applied.code == 0, applied.text


def _seed_model(proj) -> str:
    """A saved model with two versions, v1 active (made in DSS by training or an import)."""
    world = proj.sandbox.emulators["dataiku"].world
    model_id = world.create_saved_model("SALES", {"name": "churn", "savedModelType": "PROXY_MODEL"})["id"]
    for version in ("v1", "v2"):
        world.import_saved_model_version("SALES", model_id, version, set_active=version == "v1")
    return model_id


def test_zone_plan_apply_drift_repair(zones):
    first = zones.cli("plan", "--detailed-exitcode")
    assert first.code == 2 and '+ resource "dataiku_flow_zone" "ingest"' in first.out, first.text
    _apply(zones)
    assert zones.cli("plan", "--detailed-exitcode").code == 0
    flow = zones.dss().get_project("SALES").get_flow()
    [zone] = [z for z in flow.list_zones() if z.name == "Ingest"]
    assert sorted(d.name for d in zone.items) == ["customers", "orders"]

    # a colleague moves a dataset back to the default zone and recolours the zone in the UI
    zones.dss().get_project("SALES").get_dataset("customers").move_to_zone(flow.get_default_zone())
    settings = flow.get_zone(zone.id).get_settings()
    settings.color = "#ff0000"
    settings.save()
    drift = zones.cli("drift")
    assert drift.code == 2 and "dataiku_flow_zone.ingest" in drift.out, drift.text
    assert "datasets" in drift.out and "color" in drift.out
    _apply(zones)
    assert zones.cli("drift").code == 0
    zone = flow.get_zone(zone.id)
    assert zone.color == "#123456" and sorted(d.name for d in zone.items) == ["customers", "orders"]
    shared = zones.dss().get_project("OPS").list_datasets(include_shared=True)
    assert [(d["projectKey"], d["name"]) for d in shared] == [("SALES", "orders")]


def test_an_exposure_added_in_dss_is_drift_and_apply_removes_it(zones):
    _apply(zones)
    settings = zones.dss().get_project("SALES").get_settings()
    settings.add_exposed_object("DATASET", "orders", "HR")
    settings.save()
    drift = zones.cli("drift")
    assert drift.code == 2 and "dataiku_exposed_object.orders" in drift.out and "target_projects" in drift.out
    _apply(zones)
    rules = zones.dss().get_project("SALES").get_settings().get_raw()["exposedObjects"]["objects"][0]["rules"]
    assert rules == [{"targetProject": "OPS"}]


def test_saved_model_active_version_is_adopted_switched_and_repaired(zones):
    _apply(zones)
    model_id = _seed_model(zones)
    (zones.specs / "flow.yaml").write_text(SPECS + MODEL)
    plan = zones.cli("plan", "--detailed-exitcode")
    assert plan.code == 2, plan.text
    assert "dataiku_saved_model.churn" in plan.out and '"v1" -> "v2"' in plan.out, plan.out
    assert "0 to add" in plan.out and "to destroy" in plan.out and "1 to change" in plan.out
    _apply(zones)
    model = zones.dss().get_project("SALES").get_saved_model(model_id)
    assert model.get_active_version()["id"] == "v2"
    assert zones.cli("plan", "--detailed-exitcode").code == 0

    model.set_active_version("v1")  # rolled back by hand in DSS
    drift = zones.cli("drift")
    assert drift.code == 2 and "dataiku_saved_model.churn" in drift.out and "active_version" in drift.out
    _apply(zones)
    assert model.get_active_version()["id"] == "v2"

    (zones.specs / "flow.yaml").write_text(SPECS + MODEL.replace("v2", "v7"))
    blocked = zones.cli("plan")
    assert "version v7 does not exist in DSS yet (versions: v1, v2)" in blocked.out, blocked.out
