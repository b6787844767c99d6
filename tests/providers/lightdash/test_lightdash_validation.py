"""Lightdash's post-apply check (``validation.py``) against the emulator, its job wait, and the
official client's ``validate_project``, ``get_scheduler_job_status`` and
``get_latest_validation_results`` against the emulator on a loopback socket."""

from __future__ import annotations

import pytest

from reconciler.errors import ProviderError
from reconciler.providers.lightdash.validation import check, describe, wait_for_job
from reconciler.sandbox import Sandbox, serve_in_thread
from tests.providers.lightdash.conftest import PROJECT
from tests.providers.lightdash.test_lightdash_lifecycle import CHART, DASHBOARD

lightdash_client = pytest.importorskip("lightdash_client")
from lightdash_client import AuthenticatedClient  # noqa: E402
from lightdash_client.api.projects import get_latest_validation_results, validate_project  # noqa: E402
from lightdash_client.api.schedulers import get_scheduler_job_status  # noqa: E402
from lightdash_client.models import ValidateProjectBody  # noqa: E402


def test_check_names_broken_charts_and_dashboards(session, client):
    charts, dashboards = session.resource("lightdash_chart"), session.resource("lightdash_dashboard")
    chart_id, _ = charts.create({**CHART, "metric_query": {**CHART["metric_query"], "metrics": ["orders_gone"]}})
    tile = {"type": "saved_chart", "x": 0, "y": 0, "w": 6, "h": 3, "properties": {"chartSlug": CHART["slug"]}}
    dash_id, _ = dashboards.create({**DASHBOARD, "tiles": [tile], "filters": {"dimensions": [
        {"target": {"fieldId": "customers_nope", "tableName": "customers"}, "operator": "equals", "values": ["x"]}]}})
    problems = check(client, [("lightdash_chart", chart_id), ("lightdash_group", "g-1")])
    assert len(problems) == 2, problems
    assert any("chart 'Orders by status'" in p and "'orders_gone' no longer exists" in p for p in problems)
    assert any("dashboard 'Ops'" in p and "customers_nope" in p for p in problems)
    assert check(client, [("lightdash_group", "g-1")]) == [], "no content changed: nothing validated"


def test_a_clean_project_has_no_problems(session, client):
    chart_id, _ = session.resource("lightdash_chart").create(dict(CHART))
    assert check(client, [("lightdash_chart", chart_id)]) == []


class _Jobs:
    def __init__(self, *statuses: str) -> None:
        self.statuses = list(statuses)

    def job_status(self, job_id: str) -> dict:
        return {"status": self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]}


@pytest.mark.parametrize("statuses, message", [
    pytest.param(("scheduled", "started", "completed"), None, id="completes"),
    pytest.param(("started", "error"), "ended in error", id="error"),
    pytest.param(("started",), "did not finish", id="timeout"),
])
def test_wait_for_job(statuses, message):
    slept: list[float] = []
    if message is None:
        wait_for_job(_Jobs(*statuses), "j", sleep=slept.append)
        assert slept == [0.5, 1.0]
    else:
        with pytest.raises(ProviderError, match=message):
            wait_for_job(_Jobs(*statuses), "j", timeout_s=2.0, sleep=slept.append)


@pytest.mark.parametrize("row, expected", [
    pytest.param({"source": "chart", "name": "A", "chartUuid": "c", "error": "e"}, "chart 'A' (c) is broken: e", id="chart"),
    pytest.param({"dashboardUuid": "d", "name": "B", "error": "e"}, "dashboard 'B' (d) is broken: e", id="no-source"),
    pytest.param({"source": "table", "name": "t", "error": "e"}, None, id="table"),
])
def test_describe(row, expected):
    assert describe(row) == expected


def test_official_client_validation_calls():
    sb = Sandbox(token="tok")
    server, base_url = serve_in_thread(sb)
    try:
        with AuthenticatedClient(base_url=base_url + "/lightdash", token="tok") as api:
            started = validate_project.sync(PROJECT, client=api, body=ValidateProjectBody())
            job_id = started.results.job_id
            status = get_scheduler_job_status.sync(job_id, client=api)
            assert status.results.status.value == "completed"
            latest = get_latest_validation_results.sync(PROJECT, client=api, job_id=job_id)
            assert latest.status.value == "ok" and latest.results == []
            assert get_scheduler_job_status.sync_detailed("nope", client=api).status_code == 404
    finally:
        server.shutdown()
