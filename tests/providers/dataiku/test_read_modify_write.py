"""Every update is read-modify-write: a field the platform document carries that reconciler does
not manage survives an update of each type (the document is first given such a field by hand)."""

from __future__ import annotations

import httpx
import pytest

from reconciler.diff import compare
from reconciler.testing import SANDBOX_BASE_URL, sandbox_session

API = "/dip/publicapi"
P = "SALES"
EXTRA = {"addedByHand": {"kept": True}}


@pytest.fixture
def world():
    sandbox, session = sandbox_session()
    session.resource("dataiku_project").create({"key": P, "name": "Sales"})
    session.resource("dataiku_dataset").create({"project": P, "name": "orders", "type": "PostgreSQL",
                                                "params": {"connection": "dwh", "table": "orders"}})
    session.resource("dataiku_deployer_infra").create({"id": "prod", "stage": "Production"})
    raw = httpx.Client(transport=sandbox.transport(), base_url=f"{SANDBOX_BASE_URL}/dataiku{API}",
                       auth=(sandbox.token, ""))
    yield session, raw
    raw.close()
    session.close()


def _doc_path(type_name: str, object_id: str, live: dict) -> tuple[str, str, str | None]:
    """(GET path, PUT path / method, key of the sub-document holding the fields) of the object."""
    local = object_id.split(".", 1)[-1]
    return {
        "dataiku_managed_dataset": (f"/projects/{P}/datasets/{local}", "PUT", None),
        "dataiku_recipe": (f"/projects/{P}/recipes/{local}", "PUT", "recipe"),
        "dataiku_scenario": (f"/projects/{P}/scenarios/{local}", "PUT", None),
        "dataiku_managed_folder": (f"/projects/{P}/managedfolders/{local}", "PUT", None),
        "dataiku_wiki_article": (f"/projects/{P}/wiki/{local}", "PUT", "article"),
        "dataiku_meaning": (f"/meanings/{object_id}", "PUT", None),
        "dataiku_plugin": (f"/plugins/{object_id}/settings", "POST", None),
        "dataiku_deployer_infra": (f"/project-deployer/infras/{object_id}/settings", "PUT", None),
        "dataiku_deployer_project": (f"/project-deployer/projects/{object_id}/settings", "PUT", None),
        "dataiku_deployer_deployment": (f"/project-deployer/deployments/{object_id}/settings", "PUT", None),
    }[type_name]


CASES = [
    pytest.param("dataiku_managed_dataset", {"project": P, "name": "out", "connection": "dwh"},
                 {"tags": ["curated"]}, id="managed-dataset"),
    pytest.param("dataiku_recipe", {"project": P, "name": "r", "type": "sync", "inputs": ["orders"],
                                    "outputs": ["out2"]}, {"tags": ["t"]}, id="recipe"),
    pytest.param("dataiku_scenario", {"project": P, "id": "S", "name": "S"}, {"active": True}, id="scenario"),
    pytest.param("dataiku_managed_folder", {"project": P, "name": "models"}, {"tags": ["ml"]}, id="managed-folder"),
    pytest.param("dataiku_wiki_article", {"project": P, "name": "Home", "body": "a"}, {"body": "b"},
                 id="wiki-article"),
    pytest.param("dataiku_meaning", {"id": "m", "label": "M", "type": "DECLARATIVE"}, {"label": "Meaning"},
                 id="meaning"),
    pytest.param("dataiku_plugin", {"id": "geocoder"}, {"settings": {"k": 1}}, id="plugin"),
    pytest.param("dataiku_deployer_infra", {"id": "qa", "stage": "Test"}, {"automation_node_url": "https://qa"},
                 id="deployer-infra"),
    pytest.param("dataiku_deployer_project", {"key": P}, {"owner": "ops"}, id="deployer-project"),
    pytest.param("dataiku_deployer_deployment",
                 {"id": "d", "published_project": "PUB", "infra": "prod", "bundle_id": "v1"},
                 {"local_variables": {"env": "prod"}}, id="deployment"),
]


@pytest.mark.parametrize("type_name, spec, change", CASES)
def test_unmanaged_fields_survive_an_update(world, type_name, spec, change):
    session, raw = world
    if type_name == "dataiku_recipe":
        session.resource("dataiku_managed_dataset").create({"project": P, "name": "out2", "connection": "dwh"})
    if type_name == "dataiku_deployer_deployment":
        session.resource("dataiku_deployer_project").create({"key": "PUB", "design_project": P, "bundles": ["v1"]})
    rt = session.resource(type_name)
    object_id, live = rt.create(spec)
    get_path, method, sub = _doc_path(type_name, object_id, live)
    doc = raw.get(get_path).json()
    (doc[sub] if sub else doc).update(EXTRA)
    raw.request(method, get_path, json=doc).raise_for_status()

    wanted = {**spec, **change}
    new = rt.update(object_id, rt.read(object_id), wanted, frozenset(change))
    assert compare(rt, wanted, new) == ()
    after = raw.get(get_path).json()
    assert (after[sub] if sub else after)["addedByHand"] == {"kept": True}
