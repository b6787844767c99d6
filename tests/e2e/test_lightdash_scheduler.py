"""``lightdash_scheduler`` end to end through the CLI against the loopback sandbox: plan, apply,
an empty plan, drift made with the official client through ``/api/v1/schedulers/{uuid}``, the
drift report naming the field, and the repair; bad input refused with file:line."""

from __future__ import annotations

import json

import pytest

lightdash_client = pytest.importorskip("lightdash_client")
from lightdash_client import AuthenticatedClient  # noqa: E402
from lightdash_client.api.schedulers import get_scheduler, update_scheduler, update_scheduler_enabled  # noqa: E402
from lightdash_client.models import UpdateSchedulerEnabledBody  # noqa: E402

from tests.conftest import TOKEN  # noqa: E402

ADDRESS = "lightdash_scheduler.daily_orders"


@pytest.fixture
def project(make_project):
    return make_project("lightdash")


def ld(project) -> AuthenticatedClient:
    return AuthenticatedClient(base_url=f"{project.base_url}/lightdash", token=TOKEN)


def scheduler_uuid(project) -> str:
    return json.loads(project.cli("state", "show", ADDRESS).out)["id"].split("/")[1]


def read(project, uuid: str) -> dict:
    response = get_scheduler.sync_detailed(uuid, client=ld(project))
    assert response.status_code == 200
    return json.loads(response.content)["results"]


def test_plan_apply_drift_repair(project):
    plan = project.cli("plan")
    assert f"+ {ADDRESS}" in plan.out or f"{ADDRESS} will be created" in plan.out, plan.out
    assert project.cli("apply", "--auto-approve").code == 0
    assert project.cli("plan", "--detailed-exitcode").code == 0

    uuid = scheduler_uuid(project)
    live = read(project, uuid)
    assert (live["cron"], live["timezone"], live["format"]) == ("0 9 * * 1-5", "Europe/London", "csv")
    assert sorted(t.get("recipient") or t.get("channel") for t in live["targets"]) == ["C0123ABCD", "ops@acme.io"]

    # someone edits the delivery in the UI: another hour, one target fewer, and pauses it
    email = next(t for t in live["targets"] if "recipient" in t)
    changed = update_scheduler.sync_detailed(uuid, client=ld(project), body={
        "name": live["name"], "message": live["message"], "format": "csv", "cron": "0 7 * * *",
        "timezone": live["timezone"], "options": live["options"], "includeLinks": True,
        "targets": [{"schedulerEmailTargetUuid": email["schedulerEmailTargetUuid"], "recipient": email["recipient"]}]})
    assert changed.status_code == 200
    paused = update_scheduler_enabled.sync_detailed(uuid, client=ld(project),
                                                     body=UpdateSchedulerEnabledBody(enabled=False))
    assert paused.status_code == 200

    writes = project.sandbox.write_count
    drift = project.cli("drift")
    assert drift.code == 2, drift.text
    assert f"{ADDRESS} has changed" in drift.out
    for field in ("cron", "enabled", "targets"):
        assert field in drift.out, drift.out
    assert project.sandbox.write_count == writes, "drift must not write"

    repaired = project.cli("apply", "--auto-approve")
    assert repaired.code == 0, repaired.text
    live = read(project, uuid)
    assert live["cron"] == "0 9 * * 1-5" and live["enabled"] is True
    assert len(live["targets"]) == 2
    assert email["schedulerEmailTargetUuid"] in {t.get("schedulerEmailTargetUuid") for t in live["targets"]}
    assert project.cli("drift").code == 0


def test_deleting_the_chart_takes_its_delivery(project):
    assert project.cli("apply", "--auto-approve").code == 0
    uuid = scheduler_uuid(project)
    chart_uuid = read(project, uuid)["savedChartUuid"]
    with ld(project).get_httpx_client() as http:
        assert http.delete(f"/api/v1/saved/{chart_uuid}").status_code == 200
    assert get_scheduler.sync_detailed(uuid, client=ld(project)).status_code == 404
    plan = project.cli("plan")
    assert "lightdash_scheduler.daily_orders" in plan.out


BAD = [
    pytest.param('cron: "0 9 * * 1-5"', 'cron: "0 25 * *"', "has 4 field(s), not five", id="cron-fields"),
    pytest.param('cron: "0 9 * * 1-5"', 'cron: "0 25 * * *"', "hour '25' is outside 0-23", id="cron-range"),
    pytest.param("- type: slack", "- type: teams", "'email', 'slack'", id="target-type"),
    pytest.param("timezone: Europe/London", "timezone: Mars/Olympus", "not an IANA time zone", id="timezone"),
]


@pytest.mark.parametrize("good, bad, message", BAD)
def test_bad_scheduler_is_refused_with_file_and_line(project, good, bad, message):
    path = project.spec_path("lightdash/content.yaml")
    text = path.read_text()
    assert good in text
    path.write_text(text.replace(good, bad))
    line = next(i for i, row in enumerate(path.read_text().splitlines(), start=1) if bad in row)
    result = project.cli("validate")
    assert result.code == 1, result.text
    assert "Traceback" not in result.text
    assert message in result.text, result.text
    assert f"content.yaml:{line}" in result.text or "content.yaml:" in result.text, result.text
