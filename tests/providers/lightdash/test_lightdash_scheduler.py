"""``lightdash_scheduler``: the lifecycle harness (a chart's and a dashboard's delivery), unset
means default, the spec's rules, the emulator over raw HTTP, and the official client's scheduler
calls against the emulator on a loopback socket."""

from __future__ import annotations

import json

import httpx
import pytest
from pydantic import ValidationError

from reconciler.providers.lightdash.resources.scheduler import SchedulerSpec, normalize_targets
from reconciler.providers.lightdash.sandbox import seed
from reconciler.sandbox import Sandbox, serve_in_thread
from reconciler.testing import run_lifecycle, run_unset_defaults
from tests.providers.lightdash.conftest import PROJECT
from tests.providers.lightdash.test_lightdash_lifecycle import CHART, DASHBOARD

lightdash_client = pytest.importorskip("lightdash_client")
from lightdash_client import AuthenticatedClient  # noqa: E402
from lightdash_client.api.schedulers import (  # noqa: E402
    delete_scheduler,
    get_scheduler,
    update_scheduler,
    update_scheduler_enabled,
)
from lightdash_client.models import UpdateSchedulerEnabledBody  # noqa: E402

CHART_DELIVERY = {"project": PROJECT, "chart": CHART["slug"], "name": "Daily orders", "cron": "0 9 * * 1-5",
                  "format": "csv", "targets": [{"type": "email", "recipient": "ops@acme.io"},
                                               {"type": "slack", "channel": "C0123"}]}
DASHBOARD_DELIVERY = {"project": PROJECT, "dashboard": DASHBOARD["slug"], "name": "Weekly ops", "cron": "0 8 * * MON",
                      "format": "image", "targets": [{"type": "email", "recipient": "ops@acme.io"}]}


@pytest.fixture
def content(session):
    session.resource("lightdash_chart").create(dict(CHART))
    session.resource("lightdash_dashboard").create(dict(DASHBOARD))


@pytest.mark.parametrize("create, update", [
    pytest.param(CHART_DELIVERY, {**CHART_DELIVERY, "cron": "30 7 * * *", "timezone": "Europe/London",
                                  "enabled": False, "options": {"limit": "all"},
                                  "targets": [{"type": "email", "recipient": "cfo@acme.io"}]}, id="chart"),
    pytest.param(DASHBOARD_DELIVERY, {**DASHBOARD_DELIVERY, "message": "Ops this week", "include_links": False,
                                      "options": {"withPdf": True},
                                      "filters": [{"id": "f1", "target": {"fieldId": "orders_status", "tableName": "orders"},
                                                   "operator": "equals", "values": ["completed"]}]}, id="dashboard"),
])
def test_lifecycle(session, content, create, update):
    report = run_lifecycle(session, "lightdash_scheduler", create, update)
    assert report.steps[-1] == "delete again"


def test_unset_means_default(session, content):
    run_unset_defaults(session, "lightdash_scheduler",
                       {**DASHBOARD_DELIVERY, "timezone": "America/New_York", "message": "m", "include_links": False,
                        "options": {"withPdf": True}, "enabled": False,
                        "filters": [{"id": "f1", "target": {"fieldId": "orders_status", "tableName": "orders"},
                                     "operator": "equals", "values": ["completed"]}]})


def test_an_update_keeps_the_uuid_of_a_target_it_keeps(session, content, world):
    rt = session.resource("lightdash_scheduler")
    object_id, _ = rt.create(dict(CHART_DELIVERY))
    uuid = object_id.split("/")[1]
    kept = next(t for t in world.get_scheduler(uuid)["targets"] if "recipient" in t)["schedulerEmailTargetUuid"]
    rt.update(object_id, {}, {**CHART_DELIVERY, "targets": [{"type": "email", "recipient": "ops@acme.io"},
                                                            {"type": "email", "recipient": "cfo@acme.io"}]},
              frozenset({"targets"}))
    targets = world.get_scheduler(uuid)["targets"]
    assert kept in {t.get("schedulerEmailTargetUuid") for t in targets}
    assert sorted(t.get("recipient") for t in targets) == ["cfo@acme.io", "ops@acme.io"]


def test_a_missing_chart_is_named(session):
    with pytest.raises(Exception, match="no Lightdash chart has the slug 'orders-by-status'"):
        session.resource("lightdash_scheduler").create(dict(CHART_DELIVERY))


@pytest.mark.parametrize("change, message", [
    pytest.param({"cron": "every day"}, "invalid cron", id="cron"),
    pytest.param({"cron": "0 9 * * 8"}, "day of week '8' is outside 0-7", id="cron-dow"),
    pytest.param({"timezone": "Europe/Atlantis"}, "not an IANA time zone", id="timezone"),
    pytest.param({"targets": [{"type": "teams", "webhook": "https://x"}]}, "'email', 'slack'", id="target-type"),
    pytest.param({"dashboard": "ops"}, "exactly one of chart", id="both-targets"),
    pytest.param({"chart": ""}, "exactly one of chart", id="no-target"),
    pytest.param({"filters": [{"id": "f"}]}, "dashboard's delivery only", id="filters-on-chart"),
    pytest.param({"options": {"withPdf": True}}, "are not csv options", id="options"),
    pytest.param({"options": {"limit": "some"}}, "is not table, all or a number", id="limit"),
])
def test_spec_rules(change, message):
    with pytest.raises(ValidationError, match=message):
        SchedulerSpec.model_validate({**CHART_DELIVERY, **change})


@pytest.mark.parametrize("given, expected", [
    pytest.param(None, [], id="none"),
    pytest.param([{"type": "slack", "channel": "C1"}, {"type": "email", "recipient": "a@x.io"},
                  {"type": "slack", "channel": "C1"}],
                 [{"type": "email", "recipient": "a@x.io"}, {"type": "slack", "channel": "C1"}], id="sorted-set"),
])
def test_targets_are_a_set(given, expected):
    assert normalize_targets(given) == expected


# -- the emulator over raw HTTP -----------------------------------------------------------------------
@pytest.fixture
def http():
    sb = Sandbox(token="t")
    with httpx.Client(transport=sb.transport(), base_url="http://sandbox/lightdash",
                      headers={"Authorization": "ApiKey t"}) as client:
        yield client


def _chart(http) -> str:
    body = {"name": "Orders", "tableName": "orders", "metricQuery": {"exploreName": "orders", "dimensions": ["orders_status"]},
            "chartConfig": {"type": "table", "config": {}}, "tableConfig": {"columnOrder": []}}
    return http.post(f"/api/v1/projects/{seed.PROJECT_UUID}/saved", json=body).json()["results"]["uuid"]


SCHEDULER = {"name": "Daily", "format": "csv", "cron": "0 9 * * *", "options": {"formatted": True, "limit": "table"},
             "enabled": True, "includeLinks": True, "targets": [{"recipient": "ops@acme.io"}, {"channel": "C0123"}]}


def test_emulator_scheduler_routes(http):
    chart = _chart(http)
    created = http.post(f"/api/v1/saved/{chart}/schedulers", json=SCHEDULER)
    assert created.status_code == 200, created.text
    doc = created.json()["results"]
    assert doc["savedChartUuid"] == chart and doc["dashboardUuid"] is None and doc["createdBy"] == seed.ADMIN_UUID
    assert {"schedulerEmailTargetUuid", "schedulerSlackTargetUuid"} <= {k for t in doc["targets"] for k in t}
    uuid = doc["schedulerUuid"]
    assert [s["schedulerUuid"] for s in http.get(f"/api/v1/saved/{chart}/schedulers").json()["results"]] == [uuid]

    slack = next(t for t in doc["targets"] if "channel" in t)
    patched = http.patch(f"/api/v1/schedulers/{uuid}", json={**SCHEDULER, "enabled": False, "cron": "0 7 * * *",
                                                             "targets": [{**slack, "channel": "C999"}]})
    assert patched.status_code == 200
    after = patched.json()["results"]
    assert after["enabled"] is True, "PATCH does not change enabled"
    assert after["targets"] == [{**slack, "channel": "C999", "updatedAt": after["targets"][0]["updatedAt"]}]
    assert http.patch(f"/api/v1/schedulers/{uuid}/enabled", json={"enabled": False}).json()["results"]["enabled"] is False
    assert http.patch(f"/api/v1/schedulers/{uuid}/enabled", json={}).status_code == 422

    for bad, text in ((("cron", "0 9 * *"),), "Invalid cron"), ((("timezone", "Nowhere/X"),), "Invalid timezone"), \
                     ((("format", "pdf"),), "Invalid scheduler format"):
        response = http.post(f"/api/v1/saved/{chart}/schedulers", json={**SCHEDULER, **dict(bad)})
        assert response.status_code == 400 and text in response.json()["error"]["message"]
    unknown_target = http.post(f"/api/v1/saved/{chart}/schedulers", json={**SCHEDULER, "targets": [{"webhook": "x"}]})
    assert unknown_target.status_code == 400

    assert http.delete(f"/api/v1/schedulers/{uuid}").json() == {"status": "ok"}
    assert http.get(f"/api/v1/schedulers/{uuid}").status_code == 404


def test_deleting_a_dashboard_deletes_its_schedulers(http):
    created = http.post(f"/api/v1/projects/{seed.PROJECT_UUID}/dashboards",
                        json={"name": "Ops", "tiles": [], "tabs": []}).json()["results"]
    doc = http.post(f"/api/v1/dashboards/{created['uuid']}/schedulers",
                    json={**SCHEDULER, "format": "image", "options": {}, "filters": []}).json()["results"]
    assert doc["dashboardUuid"] == created["uuid"] and doc["savedChartUuid"] is None
    assert http.delete(f"/api/v1/dashboards/{created['uuid']}").status_code == 200
    assert http.get(f"/api/v1/schedulers/{doc['schedulerUuid']}").status_code == 404


# -- the official client ------------------------------------------------------------------------------
def test_official_client_scheduler_calls():
    sb = Sandbox(token="tok")
    server, base_url = serve_in_thread(sb)
    try:
        with httpx.Client(base_url=base_url + "/lightdash", headers={"Authorization": "ApiKey tok"}) as ui:
            chart = _chart(ui)
            uuid = ui.post(f"/api/v1/saved/{chart}/schedulers", json=SCHEDULER).json()["results"]["schedulerUuid"]
        with AuthenticatedClient(base_url=base_url + "/lightdash", token="tok") as client:
            got = get_scheduler.sync_detailed(uuid, client=client)
            assert got.status_code == 200 and json.loads(got.content)["results"]["name"] == "Daily"
            updated = update_scheduler.sync_detailed(uuid, client=client, body={**SCHEDULER, "name": "Daily 2"})
            assert updated.status_code == 200 and json.loads(updated.content)["results"]["name"] == "Daily 2"
            # the client documents 201 for these (the decorator's), Lightdash answers 200: parsed is None
            enabled = update_scheduler_enabled.sync_detailed(uuid, client=client,
                                                              body=UpdateSchedulerEnabledBody(enabled=False))
            assert enabled.status_code == 200 and json.loads(enabled.content)["results"]["enabled"] is False
            deleted = delete_scheduler.sync_detailed(uuid, client=client)
            assert deleted.status_code == 200 and deleted.parsed is None
            assert get_scheduler.sync_detailed(uuid, client=client).status_code == 404
    finally:
        server.shutdown()
