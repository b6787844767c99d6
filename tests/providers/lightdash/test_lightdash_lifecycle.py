"""Every Lightdash resource type through the lifecycle harness (create, read, find, update,
delete) against the in-process sandbox."""

from __future__ import annotations

import pytest

from reconciler.testing import run_lifecycle
from tests.providers.lightdash.conftest import ORG, PROJECT

CHART = {
    "project": PROJECT, "slug": "orders-by-status", "name": "Orders by status", "space": "shared",
    "table_name": "orders",
    "metric_query": {"exploreName": "orders", "dimensions": ["orders_status"], "metrics": ["orders_count"],
                     "sorts": [{"fieldId": "orders_count", "descending": True}]},
    "chart_config": {"type": "cartesian", "config": {"layout": {"xField": "orders_status", "yField": ["orders_count"]},
                                                     "eChartsConfig": {"series": [{"type": "bar"}]}}},
}
DASHBOARD = {
    "project": PROJECT, "slug": "ops", "name": "Ops", "space": "shared",
    "tiles": [{"type": "markdown", "x": 0, "y": 0, "w": 36, "h": 3, "properties": {"title": "Read me", "content": "Hi"}}],
}

CASES = [
    pytest.param("lightdash_group", {"name": "analysts", "members": ["bob@acme.io"]},
                 {"name": "analysts", "members": ["bob@acme.io", "CY@acme.io"]}, id="group"),
    pytest.param("lightdash_organization_member", {"email": "new.hire@acme.io", "role": "viewer"},
                 {"email": "new.hire@acme.io", "role": "editor"}, id="organization_member"),
    pytest.param("lightdash_project_access",
                 {"project": PROJECT, "users": [{"email": "erin@acme.io", "role": "viewer"}]},
                 {"project": PROJECT, "users": [{"email": "erin@acme.io", "role": "editor"},
                                                {"email": "cy@acme.io", "role": "viewer"}]}, id="project_access"),
    pytest.param("lightdash_space", {"project": PROJECT, "name": "Finance", "users": [{"email": "bob@acme.io", "role": "editor"}]},
                 {"project": PROJECT, "name": "Finance (FY25)", "private": False,
                  "users": [{"email": "cy@acme.io", "role": "viewer"}]}, id="space"),
    pytest.param("lightdash_allowed_email_domains", {"organization": ORG, "email_domains": ["acme.io"]},
                 {"organization": ORG, "email_domains": ["acme.io", "acme.co.uk"], "role": "member",
                  "projects": [{"project": PROJECT, "role": "viewer"}]}, id="allowed_email_domains"),
    pytest.param("lightdash_user_attribute", {"name": "region", "users": [{"email": "bob@acme.io", "value": "EU"}]},
                 {"name": "region", "description": "row-level security", "default_value": "US",
                  "users": [{"email": "bob@acme.io", "value": "APAC"}]}, id="user_attribute"),
    pytest.param("lightdash_chart", CHART, {**CHART, "name": "Orders by status (weekly)",
                                            "metric_query": {**CHART["metric_query"], "limit": 100}}, id="chart"),
    pytest.param("lightdash_dashboard", DASHBOARD,
                 {**DASHBOARD, "tiles": [{**DASHBOARD["tiles"][0], "w": 18}]}, id="dashboard"),
]


@pytest.mark.parametrize("type_name, create, update", CASES)
def test_lifecycle(session, type_name, create, update):
    report = run_lifecycle(session, type_name, create, update)
    assert report.steps[-1] == "delete again"


def test_the_settings_singleton_passes_the_harness_without_delete_steps(session):
    """``lightdash_organization_settings`` cannot be deleted (``deletable = False``: the engine only
    forgets it), so the harness stops after the update; the object is still there."""
    report = run_lifecycle(session, "lightdash_organization_settings",
                           {"organization": ORG, "name": "Acme", "chart_colors": ["#112233"]},
                           {"organization": ORG, "name": "Acme Inc", "default_project": PROJECT})
    assert report.steps[-1] == "compare after update" and report.changed == {"name"}
    assert session.resource("lightdash_organization_settings").read(ORG)["name"] == "Acme Inc"
