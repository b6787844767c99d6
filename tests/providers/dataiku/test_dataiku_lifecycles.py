"""Every Dataiku resource type through the lifecycle harness, against the in-process sandbox."""

from __future__ import annotations

import pytest

from reconciler.providers.dataiku.provider import RESOURCE_TYPES
from reconciler.testing import run_lifecycle, sandbox_session
from tests.providers.dataiku.test_admin_resources import CASES as ADMIN_CASES
from tests.providers.dataiku.test_zones_and_saved_models import CASES as ZONE_CASES

P = "SALES"
STEP = {"name": "build", "type": "build_flowitem", "params": {"builds": [{"type": "DATASET", "itemId": "orders"}]}}
DAILY = {"type": "temporal", "name": "nightly", "params": {"frequency": "Daily", "hour": 2, "minute": 0}}


@pytest.fixture
def session():
    _, session = sandbox_session()
    session.resource("dataiku_project").create({"key": P, "name": "Sales"})
    session.resource("dataiku_dataset").create({"project": P, "name": "orders", "type": "PostgreSQL",
                                                "params": {"connection": "dwh", "mode": "table", "table": "orders"}})
    session.resource("dataiku_managed_dataset").create({"project": P, "name": "clean", "connection": "dwh"})
    yield session
    session.close()


CASES = [
    pytest.param("dataiku_project_folder", {"name": "Team"},
                 {"name": "Team A", "permissions": [{"group": "analysts", "read": True}]},
                 {"name", "permissions"}, id="project-folder"),
    pytest.param("dataiku_project", {"key": "OTHER", "name": "Other"},
                 {"key": "OTHER", "name": "Other", "checklists": [{"title": "go-live", "items": [{"text": "docs"}]}],
                  "custom_fields": {"cost_center": "42"}, "custom_metadata": {"team": "data"}},
                 {"checklists", "custom_fields", "custom_metadata"}, id="project-metadata"),
    pytest.param("dataiku_dataset",
                 {"project": P, "name": "events", "type": "S3", "params": {"connection": "s3", "path": "/events"}},
                 {"project": P, "name": "events", "type": "S3", "params": {"connection": "s3", "path": "/events/v2"},
                  "partitioning": {"dimensions": [{"name": "day", "type": "time", "params": {"period": "DAY"}}]}},
                 {"params", "partitioning"}, id="dataset"),
    pytest.param("dataiku_managed_dataset",
                 {"project": P, "name": "out", "connection": "filesystem_managed", "format_option": "PARQUET_HIVE"},
                 {"project": P, "name": "out", "connection": "filesystem_managed", "tags": ["curated"],
                  "schema_columns": [{"name": "id", "type": "bigint"}], "description": "cleaned"},
                 {"tags", "schema_columns", "description"}, id="managed-dataset"),
    pytest.param("dataiku_recipe",
                 {"project": P, "name": "compute_clean", "type": "python", "inputs": ["orders"], "outputs": ["clean"],
                  "payload": "print(1)\n"},
                 {"project": P, "name": "compute_clean", "type": "python", "inputs": {"main": ["orders"]},
                  "outputs": [{"ref": "clean", "appendMode": True}], "payload": "print(2)\n", "code_env": "py311_ml",
                  "tags": ["python"], "description": "cleans"},
                 {"outputs", "payload", "code_env", "tags", "description"}, id="code-recipe"),
    pytest.param("dataiku_recipe",
                 {"project": P, "name": "group_clean", "type": "grouping", "inputs": ["orders"], "outputs": ["clean"],
                  "payload": {"keys": [{"column": "customer_id"}]}},
                 {"project": P, "name": "group_clean", "type": "grouping", "inputs": ["orders"], "outputs": ["clean"],
                  "payload": {"keys": [{"column": "day"}], "values": []}},
                 {"payload"}, id="visual-recipe"),
    pytest.param("dataiku_managed_folder", {"project": P, "name": "models"},
                 {"project": P, "name": "Models", "tags": ["ml"], "short_description": "model files"},
                 {"name", "tags", "short_description"}, id="managed-folder"),
    pytest.param("dataiku_scenario",
                 {"project": P, "id": "NIGHTLY", "name": "Nightly", "steps": [STEP], "triggers": [DAILY]},
                 {"project": P, "id": "NIGHTLY", "name": "Nightly build", "active": True, "steps": [STEP, STEP],
                  "triggers": [{**DAILY, "params": {**DAILY["params"], "hour": 3}}],
                  "reporters": [{"messaging": {"type": "mail-scenario"}, "phase": "END"}]},
                 {"name", "active", "steps", "triggers", "reporters"}, id="scenario"),
    pytest.param("dataiku_scenario",
                 {"project": P, "id": "SCRIPTED", "name": "Scripted", "type": "custom_python", "script": "print(1)\n"},
                 {"project": P, "id": "SCRIPTED", "name": "Scripted", "type": "custom_python", "script": "print(2)\n"},
                 {"script"}, id="python-scenario"),
    pytest.param("dataiku_wiki_article", {"project": P, "name": "Home", "body": "# Home\n"},
                 {"project": P, "name": "Start here", "body": "# Home\n\nWelcome.\n", "tags": ["doc"]},
                 {"name", "body", "tags"}, id="wiki-article"),
    pytest.param("dataiku_plugin", {"id": "geocoder"},
                 {"id": "geocoder", "version": "2.1.0", "settings": {"provider": "osm"}, "code_env": "py311_ml"},
                 {"settings", "code_env"}, id="plugin-store"),
    pytest.param("dataiku_plugin",
                 {"id": "churn", "source": "git", "git_repository": "https://git.example.com/dss-plugin-churn.git",
                  "git_checkout": "v1.0.0", "version": "1.0.0"},
                 {"id": "churn", "source": "git", "git_repository": "https://git.example.com/dss-plugin-churn.git",
                  "git_checkout": "v1.1.0", "version": "1.1.0"},
                 {"version"}, id="plugin-git"),
    pytest.param("dataiku_deployer_infra", {"id": "prod", "stage": "Production"},
                 {"id": "prod", "stage": "Production", "automation_node_url": "https://automation",
                  "trust_all_ssl_certificates": True, "permissions": [{"group": "ops", "deploy": True}]},
                 {"automation_node_url", "trust_all_ssl_certificates", "permissions"}, id="deployer-infra"),
    pytest.param("dataiku_deployer_project", {"key": P, "bundles": ["v1"]},
                 {"key": P, "bundles": ["v1", "v2"], "permissions": [{"group": "ops", "read": True, "deploy": True}]},
                 {"bundles", "permissions"}, id="deployer-project"),
]


@pytest.mark.parametrize("type_name, create, update, changed", CASES)
def test_lifecycle(session, type_name, create, update, changed):
    report = run_lifecycle(session, type_name, create, update)
    assert report.changed == changed


def test_deployment_lifecycle(session):
    session.resource("dataiku_deployer_infra").create({"id": "prod", "stage": "Production"})
    session.resource("dataiku_deployer_project").create({"key": P, "bundles": ["v1", "v2"]})
    base = {"id": "sales-prod", "published_project": P, "infra": "prod", "bundle_id": "v1"}
    report = run_lifecycle(session, "dataiku_deployer_deployment", base, {
        **base, "bundle_id": "v2", "local_variables": {"env": "prod"}, "scenarios_to_activate": {"NIGHTLY": True},
        "connection_remapping": {"dwh": "dwh_prod"}, "code_env_remapping": {"py311_ml": "py311"}})
    assert report.changed == {"bundle_id", "local_variables", "scenarios_to_activate", "connection_remapping",
                              "code_env_remapping"}
    assert report.updated["health"] == "HEALTHY"


def test_meaning_lifecycle_ends_without_delete_because_dss_cannot_delete_meanings(session):
    create = {"id": "country", "label": "Country", "type": "VALUES_LIST", "values": ["FR", "DE"]}
    update = {**create, "label": "Country code", "values": ["FR", {"value": "DE", "color": "#000000"}],
              "normalization_mode": "LOWERCASE"}
    report = run_lifecycle(session, "dataiku_meaning", create, update)
    assert report.changed == {"label", "values", "normalization_mode"}
    assert "delete" not in report.steps
    meaning = session.resource("dataiku_meaning").read("country")
    assert meaning["label"] == "Country code" and meaning["normalization_mode"] == "LOWERCASE"


def test_every_registered_type_is_exercised():
    covered = {c.values[0] for c in CASES} | {"dataiku_deployer_deployment", "dataiku_meaning"}
    # the cases of test_admin_resources.py and test_zones_and_saved_models.py
    covered |= {c.values[0] for c in ADMIN_CASES + ZONE_CASES}
    covered |= {"dataiku_saved_model"}  # not created by reconciler: test_zones_and_saved_models.py
    data_sources = {name for name, rt in RESOURCE_TYPES.items() if rt.data_source}
    assert set(RESOURCE_TYPES) == covered | data_sources
    assert data_sources == {"dataiku_root_folder"}
