"""Through the engine, what an apply records is what the next refresh reads, for every type.

Creates and updates build their live view from what they sent and the documents they wrote,
not from a read-back; the engine hands ``update`` only the managed fields as planned. After each
apply (a create, then an update of every case of ``test_dataiku_lifecycles``), the plan is empty
and ``drift`` sees nothing: the fingerprints recorded match what ``list``/``read`` return.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from reconciler.providers.dataiku.provider import DATAIKU
from reconciler.providers.settings import resolve_settings
from reconciler.sandbox import Sandbox
from reconciler.testing import SANDBOX_BASE_URL
from reconciler.workspace import Workspace

from tests.providers.dataiku.test_dataiku_lifecycles import CASES, P


def _write(specs: Path, type_name: str, spec: dict) -> None:
    specs.mkdir(exist_ok=True)
    (specs / "estate.yaml").write_text(yaml.safe_dump({"resources": {f"{type_name}.it": spec}}))


def _settled(ws: Workspace) -> None:
    plan = ws.plan()
    assert not plan.has_changes(), [(str(c.address), c.reason) for c in plan.changes]
    assert ws.drift().drift == ()


MEANING = {"id": "country", "label": "Country", "type": "VALUES_LIST", "values": ["FR", "DE"]}
DEPLOYMENT = {"id": "sales-prod", "published_project": P, "infra": "prod", "bundle_id": "v1"}
MORE = [
    pytest.param("dataiku_meaning", MEANING, {**MEANING, "label": "Country code", "normalization_mode": "LOWERCASE"},
                 None, id="meaning"),
    pytest.param("dataiku_deployer_deployment", DEPLOYMENT,
                 {**DEPLOYMENT, "bundle_id": "v2", "local_variables": {"env": "prod"}}, None, id="deployment"),
]


@pytest.mark.parametrize("type_name, create, update, changed", CASES + MORE)
def test_apply_records_what_the_next_refresh_reads(tmp_path, type_name, create, update, changed):
    sandbox = Sandbox()
    session = DATAIKU.connect(resolve_settings(DATAIKU, None, sandbox.env(SANDBOX_BASE_URL)), sandbox.transport())
    session.resource("dataiku_project").create({"key": P, "name": "Sales"})  # made outside the specs
    session.resource("dataiku_dataset").create({"project": P, "name": "orders", "type": "PostgreSQL",
                                                "params": {"connection": "dwh", "table": "orders"}})
    session.resource("dataiku_managed_dataset").create({"project": P, "name": "clean", "connection": "dwh"})
    if type_name == "dataiku_deployer_deployment":
        session.resource("dataiku_deployer_infra").create({"id": "prod", "stage": "Production"})
        session.resource("dataiku_deployer_project").create({"key": P, "bundles": ["v1", "v2"]})
    session.close()
    ws = Workspace(specs_path=str(tmp_path / "specs"), state_location=str(tmp_path / "state.json"),
                   env=sandbox.env(SANDBOX_BASE_URL), transports={"dataiku": sandbox.transport()})
    _write(tmp_path / "specs", type_name, create)
    assert ws.apply().ok
    _settled(ws)
    _write(tmp_path / "specs", type_name, update)
    assert ws.apply().ok
    _settled(ws)


def test_a_new_project_s_variables_and_datasets_are_written_without_reads_first(tmp_path):
    """A project created by this apply: its variables are known to be empty (no GET before the
    PUT), and nothing can be inside it yet (no dataset list in the refresh)."""
    sandbox = Sandbox()
    ws = Workspace(specs_path=str(tmp_path / "specs"), state_location=str(tmp_path / "state.json"),
                   env=sandbox.env(SANDBOX_BASE_URL), transports={"dataiku": sandbox.transport()})
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "estate.yaml").write_text(yaml.safe_dump({"resources": {
        "dataiku_project.p": {"key": "NEWPROJ", "name": "New", "variables": {"standard": {"a": 1}, "local": {}}},
        **{f"dataiku_dataset.d{i}": {"project": "${dataiku_project.p.key}", "name": f"d{i}", "type": "PostgreSQL",
                                     "params": {"connection": "dwh", "table": f"t{i}"}} for i in range(2)},
    }}))
    assert ws.apply().ok
    routes = sandbox.route_counts["dataiku"]
    assert "GET /dip/publicapi/projects/{projectKey}/variables" not in routes
    assert "GET /dip/publicapi/projects/{projectKey}/datasets" not in routes
    assert routes["PUT /dip/publicapi/projects/{projectKey}/variables"] == 1
    _settled(ws)
