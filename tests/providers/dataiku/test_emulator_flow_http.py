"""The Dataiku emulator's flow, orchestration, instance and deployer endpoints over raw HTTP:
both prefixes, statuses and bodies, validation before any side effect, futures, guards."""

from __future__ import annotations

import json

import httpx
import pytest

from reconciler.providers.dataiku.sandbox import DataikuEmulator
from reconciler.sandbox import Sandbox

TOKEN = "sandbox-token"
NOT_FOUND = "com.dataiku.dip.exceptions.NotFoundException"
ILLEGAL = "com.dataiku.dip.exceptions.DSSIllegalArgumentException"


@pytest.fixture
def sb() -> Sandbox:
    return Sandbox(token=TOKEN, emulators={"dataiku": DataikuEmulator(pending_polls=2)})


def _api(sb: Sandbox, prefix: str = "/dataiku/dip/publicapi") -> httpx.Client:
    return httpx.Client(transport=sb.transport(), base_url=f"http://sandbox{prefix}", auth=(TOKEN, ""))


@pytest.fixture
def api(sb) -> httpx.Client:
    client = _api(sb)
    client.post("/projects/", content=json.dumps({"projectKey": "P", "name": "P", "owner": "admin"}))
    client.post("/projects/P/datasets/", content=json.dumps(
        {"name": "orders", "projectKey": "P", "type": "PostgreSQL", "params": {"connection": "dwh", "table": "o"}}))
    client.post("/projects/P/datasets/managed", content=json.dumps(
        {"name": "out", "creationSettings": {"connectionId": "dwh"}}))
    return client


def _error(response: httpx.Response, status: int, error_type: str = ILLEGAL) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["errorType"] == error_type and body["message"]
    return body["detailedMessage"]


def _recipe(api: httpx.Client, name: str = "r", **prototype) -> httpx.Response:
    body = {"recipePrototype": {"name": name, "type": "python",
                                "inputs": {"main": {"items": [{"ref": "orders"}]}},
                                "outputs": {"main": {"items": [{"ref": "out"}]}}, **prototype},
            "creationSettings": {"script": "print(1)"}}
    return api.post("/projects/P/recipes/", content=json.dumps(body))


# -- recipes ------------------------------------------------------------------------------------
@pytest.mark.parametrize("prefix", ["/dataiku/dip/publicapi", "/dataiku/public/api"])
def test_recipe_round_trip_on_both_prefixes(sb, api, prefix):
    other = _api(sb, prefix)
    assert _recipe(other).json() == {"name": "r", "msg": "Created recipe r"}
    doc = other.get("/projects/P/recipes/r").json()
    assert doc["payload"] == "print(1)" and doc["recipe"]["outputs"]["main"]["items"] == [
        {"ref": "out", "appendMode": False}]
    doc["recipe"]["unknownKey"] = {"kept": 1}
    doc["payload"] = "print(2)"
    response = other.put("/projects/P/recipes/r", content=json.dumps(doc))
    assert response.status_code == 200 and response.json() == {}  # the client parses a body
    again = other.get("/projects/P/recipes/r").json()
    assert again["recipe"]["unknownKey"] == {"kept": 1} and again["recipe"]["versionTag"]["versionNumber"] == 1
    assert other.delete("/projects/P/recipes/r").status_code == 204
    _error(other.get("/projects/P/recipes/r"), 404, NOT_FOUND)


@pytest.mark.parametrize("prototype, message", [
    pytest.param({"type": "pandas"}, "unknown recipe type", id="unknown-type"),
    pytest.param({"outputs": {}}, "at least one output", id="no-output"),
    pytest.param({"name": "bad name"}, "must match", id="bad-name"),
    pytest.param({"inputs": {"main": {"items": [{"ref": "missing"}]}}}, "neither a dataset", id="missing-input"),
    pytest.param({"outputs": {"main": {"items": [{"ref": "OTHER.x"}]}}}, "neither a dataset", id="foreign-output"),
])
def test_recipe_create_validates_before_anything_changes(api, prototype, message):
    assert message in _error(_recipe(api, **prototype), 400)
    assert api.get("/projects/P/recipes/").json() == []


def test_recipe_type_cannot_change_and_duplicates_are_refused(api):
    _recipe(api)
    assert "already exists" in _error(_recipe(api), 400)
    doc = api.get("/projects/P/recipes/r").json()
    doc["recipe"]["type"] = "r"
    assert "cannot change" in _error(api.put("/projects/P/recipes/r", content=json.dumps(doc)), 400)


def test_dataset_delete_cascades_to_recipes_and_rename_follows(api):
    _recipe(api)
    api.post("/projects/P/actions/renameDataset", content=json.dumps({"oldName": "orders", "newName": "orders2"}))
    assert api.get("/projects/P/recipes/r").json()["recipe"]["inputs"]["main"]["items"][0]["ref"] == "orders2"
    api.delete("/projects/P/datasets/orders2")
    assert api.get("/projects/P/recipes/").json() == []


# -- managed folders ----------------------------------------------------------------------------
def test_managed_folder_seed_and_client_forms(api):
    seed = api.post("/projects/P/managedfolders", content=json.dumps({"name": "a", "path": "/custom/a"})).json()
    client = api.post("/projects/P/managedfolders/", content=json.dumps(
        {"name": "b", "projectKey": "P", "type": None, "params": {"connection": "filesystem_folders",
                                                                    "path": "/${projectKey}/${odbId}"}})).json()
    assert seed["params"] == {"connection": "filesystem_folders", "path": "/custom/a"}
    assert client["type"] == "Filesystem" and len(client["id"]) == 8 and client["id"] != seed["id"]
    doc = api.get(f"/projects/P/managedfolders/{seed['id']}").json()
    doc["description"] = "d"
    saved = api.put(f"/projects/P/managedfolders/{seed['id']}", content=json.dumps(doc))
    assert saved.status_code == 200 and "msg" in saved.json()
    doc["params"]["path"] = "/moved"
    assert "cannot be changed" in _error(api.put(f"/projects/P/managedfolders/{seed['id']}", content=json.dumps(doc)),
                                         400)
    deleted = api.delete(f"/projects/P/managedfolders/{seed['id']}", params={"dropData": "True"})
    assert deleted.status_code == 200 and deleted.json() == {}


# -- scenarios and runs -------------------------------------------------------------------------
def test_scenario_run_is_pending_until_polled(api):
    created = api.post("/projects/P/scenarios/", content=json.dumps({"name": "Nightly build", "type": "step_based",
                                                                     "params": {}})).json()
    assert created == {"id": "NIGHTLY_BUILD"}
    fire = api.post("/projects/P/scenarios/NIGHTLY_BUILD/run", content=json.dumps({"p": 1})).json()
    assert fire["trigger"]["id"] == "manual" and fire["cancelled"] is False and fire["params"] == {"p": 1}
    query = {"triggerId": "manual", "triggerRunId": fire["runId"]}
    first = api.get("/projects/P/scenarios/NIGHTLY_BUILD/get-run-for-trigger", params=query).json()
    assert "result" not in first["scenarioRun"]
    assert api.get("/projects/P/scenarios/").json()[0]["running"] is True
    api.get("/projects/P/scenarios/NIGHTLY_BUILD/get-run-for-trigger", params=query)
    done = api.get("/projects/P/scenarios/NIGHTLY_BUILD/get-run-for-trigger", params=query).json()
    assert done["scenarioRun"]["result"]["outcome"] == "SUCCESS"
    assert api.get("/projects/P/scenarios/NIGHTLY_BUILD/get-run-for-trigger",
                   params={"triggerId": "manual", "triggerRunId": "nope"}).json() == {}
    assert api.delete("/projects/P/scenarios/NIGHTLY_BUILD").json() == {
        "message": "Deleted scenario NIGHTLY_BUILD from project P"}


@pytest.mark.parametrize("body, message", [
    pytest.param({"name": "x", "type": "bash"}, "scenario type must be one of", id="bad-type"),
    pytest.param({"id": "a b", "name": "x"}, "must match", id="bad-id"),
    pytest.param({"name": "x", "triggers": [{"params": {}}]}, "type", id="trigger-without-type"),
])
def test_scenario_validation(api, body, message):
    assert message in _error(api.post("/projects/P/scenarios/", content=json.dumps(body)), 400)
    assert api.get("/projects/P/scenarios/").json() == []


def test_scenario_light_and_payload(api):
    api.post("/projects/P/scenarios/", content=json.dumps({"id": "S", "name": "S", "type": "custom_python"}))
    api.put("/projects/P/scenarios/S/light", content=json.dumps({"active": True, "tags": ["t"]}))
    light = api.get("/projects/P/scenarios/S/light").json()
    assert light["active"] is True and light["tags"] == ["t"]
    api.put("/projects/P/scenarios/S/payload", content=json.dumps({"script": "print(1)"}))
    assert api.get("/projects/P/scenarios/S/payload").json() == {"script": "print(1)", "extension": "py"}


# -- wiki ---------------------------------------------------------------------------------------
def test_wiki_taxonomy_must_list_every_article_once(api):
    a = api.post("/projects/P/wiki/", content=json.dumps({"projectKey": "P", "id": "Seed form", "parent": None}))
    assert a.json()["article"]["name"] == "Seed form"
    wiki = api.get("/projects/P/wiki/").json()
    wiki["taxonomy"] = []
    assert "missing" in _error(api.put("/projects/P/wiki/", content=json.dumps(wiki)), 400)
    assert "already exists" in _error(api.post("/projects/P/wiki/", content=json.dumps({"name": "Seed form"})), 400)
    _error(api.post("/projects/P/wiki/", content=json.dumps({"name": "x", "parent": "nope"})), 404, NOT_FOUND)


# -- meanings and plugins -----------------------------------------------------------------------
def test_meaning_seed_form_is_stored_in_the_client_form(api):
    created = api.post("/meanings", content=json.dumps({"id": "m", "label": "M", "type": "VALUES_LIST",
                                                         "values": ["a", "b"]}))
    assert created.status_code == 204
    assert api.get("/meanings/m").json()["entries"] == [{"value": "a"}, {"value": "b"}]
    doc = api.get("/meanings/m").json()
    doc["type"] = "PATTERN"
    doc["pattern"] = "x"
    assert "cannot change" in _error(api.put("/meanings/m", content=json.dumps(doc)), 400)
    assert api.delete("/meanings/m").status_code == 405  # DSS has no delete for meanings


def test_plugin_install_is_a_future_polled_to_completion(api):
    state = api.post("/plugins/actions/installFromStore", content=json.dumps({"pluginId": "geocoder"})).json()
    assert state["hasResult"] is False and state["alive"] is True
    assert [f["jobId"] for f in api.get("/futures/").json()] == [state["jobId"]]
    assert api.get(f"/futures/{state['jobId']}", params={"peek": "True"}).json()["hasResult"] is False
    api.get(f"/futures/{state['jobId']}", params={"peek": "False"})
    done = api.get(f"/futures/{state['jobId']}", params={"peek": "False"}).json()
    assert done["hasResult"] is True and done["result"]["pluginId"] == "geocoder"
    assert api.get("/futures/").json() == []
    assert "already installed" in _error(api.post("/plugins/actions/installFromStore",
                                                  content=json.dumps({"pluginId": "geocoder"})), 400)


def test_plugin_seed_update_from_git_path(api):
    api.post("/plugins/actions/installFromGit", content=json.dumps({"gitRepositoryUrl": "https://g/x/foo.git",
                                                                    "gitCheckout": "1.0"}))
    api.post("/plugins/actions/updateFromGit", content=json.dumps({"gitRepositoryUrl": "https://g/x/foo.git",
                                                                   "gitCheckout": "v2.0"}))
    assert {p["id"]: p["version"] for p in api.get("/plugins/").json()} == {"foo": "2.0"}


# -- bundles and the deployer -------------------------------------------------------------------
def test_deployer_paths_of_the_seed_and_the_client(api):
    assert api.get("/project-deployer/stages").json() == api.get("/project-deployer/infras/stages").json()
    seed = api.post("/project-deployer/projects/infras", content=json.dumps(
        {"id": "i1", "stage": "Test", "automationNodeUrl": "http://a", "apiKey": "secret"})).json()
    assert seed["adminApiKey"] == "secret"  # returned in clear, as the seed documents (L13271)
    assert api.post("/project-deployer/infras/i1").json()["infraBasicInfo"]["id"] == "i1"  # seed: "get" is a POST
    settings = api.get("/project-deployer/infras/i1/settings").json()
    settings["trustAllSSLCertificates"] = True
    assert api.put("/project-deployer/infras/i1", content=json.dumps(settings)).status_code == 204
    assert "Unknown stage" in _error(api.post("/project-deployer/infras", content=json.dumps(
        {"id": "i2", "stage": "Staging"})), 400)
    settings["stage"] = "Production"
    assert "cannot change" in _error(api.put("/project-deployer/infras/i1/settings", content=json.dumps(settings)), 400)


def test_bundle_export_publish_and_deployment_guards(api):
    api.put("/projects/P/bundles/exported/", params={"bundleId": "v1"})  # the seed's form
    assert "already exists" in _error(api.put("/projects/P/bundles/exported/v1"), 400)
    published = api.post("/projects/P/bundles/v1/publish", params={"publishedProjectKey": "PUB"}).json()
    assert published["publishedProjectKey"] == "PUB"
    api.post("/project-deployer/infras", content=json.dumps({"id": "prod", "stage": "Production"}))
    body = {"deploymentId": "d", "publishedProjectKey": "PUB", "infraId": "prod", "bundleId": "v1"}
    created = api.post("/project-deployer/deployments", params={"ignoreWarnings": "False"}, content=json.dumps(body))
    assert created.json()["deployedProjectKey"] == "PUB"
    assert "already exists" in _error(api.post("/project-deployer/deployments", content=json.dumps(body)), 400)
    _error(api.get("/project-deployer/deployments/d/last-update"), 404, NOT_FOUND)  # never updated yet
    assert api.get("/project-deployer/deployments/d/status").json()["health"] == "UNKNOWN"
    for path in ("/project-deployer/infras/prod", "/project-deployer/projects/PUB",
                 "/project-deployer/projects/PUB/bundles/v1"):
        assert "used by deployment" in _error(api.delete(path), 400)
    update = api.post("/project-deployer/deployments/d/actions/update").json()
    assert update["hasResult"] is False
    assert api.get("/project-deployer/deployments/d/last-update").json()["bundleId"] == "v1"
    settings = api.get("/project-deployer/deployments/d/settings").json()
    settings["infraId"] = "other"
    assert "cannot change" in _error(api.put("/project-deployer/deployments/d/settings",
                                             content=json.dumps(settings)), 400)
