"""Unset means default, per Lightdash type: an optional field with a default, removed from its
block, goes back to that default on Lightdash (``reconciler.testing.run_unset_defaults``)."""

from __future__ import annotations

import pytest

from reconciler.testing import run_unset_defaults
from tests.providers.lightdash.conftest import ORG, PROJECT
from tests.providers.lightdash.test_lightdash_lifecycle import CHART, DASHBOARD

CASES = [
    pytest.param("lightdash_space", {"project": PROJECT, "name": "Public", "private": False, "parent": "shared"},
                 id="space-private-and-parent"),
    pytest.param("lightdash_project_access", {"project": PROJECT, "users": [{"email": "erin@acme.io", "role": "viewer"}],
                                              "groups": [{"group": "analysts", "role": "editor"}]},
                 id="project-access"),
    pytest.param("lightdash_allowed_email_domains",
                 {"organization": ORG, "email_domains": ["acme.io"], "role": "member",
                  "projects": [{"project": PROJECT, "role": "viewer"}]}, id="allowed-email-domains"),
    pytest.param("lightdash_user_attribute", {"name": "region", "users": [{"email": "bob@acme.io", "value": "EU"}],
                                              "description": "d", "default_value": "US"}, id="user-attribute"),
    pytest.param("lightdash_chart", {**CHART, "description": "d", "table_config": {"columnOrder": ["orders_count"]},
                                     "pivot_config": {"columns": ["orders_status"]}}, id="chart"),
    pytest.param("lightdash_dashboard", {**DASHBOARD, "description": "d", "tabs": [{"uuid": "t1", "name": "Main", "order": 0}],
                                         "filters": {"dimensions": [{"target": {"fieldId": "orders_status"},
                                                                     "operator": "equals", "values": ["completed"]}]}},
                 id="dashboard"),
]


@pytest.mark.parametrize("type_name, spec", CASES)
def test_removed_fields_go_back_to_their_defaults(session, type_name, spec):
    session.resource("lightdash_group").create({"name": "analysts"})
    keep = ("users",) if type_name == "lightdash_project_access" else ()
    run_unset_defaults(session, type_name, spec, keep=keep)
