"""The Dataiku emulator over raw HTTP (httpx through the in-process transport): both API
prefixes, auth, error bodies and statuses, guards, round-trips, version tags."""

from __future__ import annotations

import base64
import json

import httpx
import pytest

from reconciler.providers.dataiku.sandbox import DataikuEmulator
from reconciler.sandbox import Sandbox

TOKEN = "sandbox-token"
NOT_FOUND = "com.dataiku.dip.exceptions.NotFoundException"
ILLEGAL = "com.dataiku.dip.exceptions.DSSIllegalArgumentException"
CLIENT_PREFIX = "/dataiku/dip/publicapi"
SEED_PREFIX = "/dataiku/public/api"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        self.now += 1.0
        return self.now


@pytest.fixture
def sb() -> Sandbox:
    return Sandbox(token=TOKEN, emulators={"dataiku": DataikuEmulator(seed=0, clock=FakeClock())})


def _client(sb: Sandbox, prefix: str = CLIENT_PREFIX, **kwargs) -> httpx.Client:
    kwargs.setdefault("auth", (TOKEN, ""))
    return httpx.Client(transport=sb.transport(), base_url=f"http://sandbox{prefix}", **kwargs)


@pytest.fixture
def api(sb: Sandbox) -> httpx.Client:
    return _client(sb)


def _raw(body: object) -> bytes:
    """A JSON body sent as dataikuapi sends it: no Content-Type."""
    return json.dumps(body).encode()


def _project(api: httpx.Client, key: str = "SALES", **extra) -> dict:
    body = {"projectKey": key, "name": f"{key} name", "owner": "admin", **extra}
    response = api.post("/projects/", content=_raw(body))
    assert response.status_code == 200, response.text
    return response.json()


def _dataset(api: httpx.Client, project: str = "SALES", name: str = "orders", **extra) -> None:
    body = {"name": name, "projectKey": project, "type": "PostgreSQL",
            "params": {"connection": "dwh", "mode": "table", "table": name}, **extra}
    response = api.post(f"/projects/{project}/datasets/", content=_raw(body))
    assert response.status_code == 200, response.text
    assert response.json() == {}


def _error(response: httpx.Response, status: int, error_type: str) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["errorType"] == error_type
    assert body["message"] and body["detailedMessage"]
    return body["detailedMessage"]


# -- transport, prefixes, headers, auth ------------------------------------------------------
@pytest.mark.parametrize("prefix", [CLIENT_PREFIX, SEED_PREFIX])
@pytest.mark.parametrize("path", ["/projects/", "/projects", "//projects//"])
def test_both_prefixes_and_any_slashes(sb, prefix, path):
    api = _client(sb, prefix)
    _project(api, "P1")
    url = f"http://sandbox{prefix}{path}".replace(prefix, prefix.replace("/", "//"))  # '//' everywhere too
    assert [p["projectKey"] for p in api.get(url).json()] == ["P1"]


def test_dss_headers_on_every_response(sb, api):
    responses = [api.get("/projects/"), api.get("/projects/NOPE"), _client(sb, auth=None).get("/projects/")]
    for response in responses:
        assert response.headers["DSS-API-Version"] == "1"
        assert response.headers["DSS-Version"].startswith("13.")
        assert response.headers["Content-Type"] == "application/json"


def _basic(user: str, password: str = "") -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


@pytest.mark.parametrize(
    ("headers", "accepted"),
    [
        pytest.param(_basic(TOKEN), True, id="basic-key-empty-password"),
        pytest.param(_basic(TOKEN, "ignored"), True, id="basic-password-ignored"),
        pytest.param({"Authorization": f"Bearer {TOKEN}"}, True, id="bearer"),
        pytest.param({"X-DKU-APITicket": TOKEN}, True, id="api-ticket"),
        pytest.param({}, False, id="none"),
        pytest.param(_basic("wrong-key"), False, id="basic-wrong-key"),
        pytest.param({"Authorization": "Basic !!!notbase64"}, False, id="basic-garbage"),
        pytest.param({"Authorization": "Bearer wrong"}, False, id="bearer-wrong"),
        pytest.param({"Authorization": f"Token {TOKEN}"}, False, id="other-scheme"),
    ],
)
def test_auth(sb, headers, accepted):
    response = _client(sb, auth=None).get("/projects/", headers=headers)
    if accepted:
        assert response.status_code == 200
    else:
        message = _error(response, 401, "com.dataiku.dip.exceptions.NotAuthenticatedException")
        assert message.startswith(("No API key was provided", "The API key is not valid"))
        assert TOKEN not in response.text and "wrong-key" not in response.text
    assert sb.counts["dataiku"]["requests"] == int(accepted)


@pytest.mark.parametrize(
    ("method", "path", "status", "error_type"),
    [
        pytest.param("GET", "/no/such/endpoint", 404, NOT_FOUND, id="unknown-endpoint"),
        pytest.param("PATCH", "/projects/", 405, "com.dataiku.dip.exceptions.MethodNotAllowedException",
                     id="wrong-method"),
        pytest.param("GET", "/projects/NOPE", 404, NOT_FOUND, id="missing-project"),
        pytest.param("GET", "/projects/NOPE/datasets/", 404, NOT_FOUND, id="datasets-of-missing-project"),
        pytest.param("GET", "/project-folders/nope", 404, NOT_FOUND, id="missing-folder"),
        pytest.param("GET", "/futures/nope", 404, NOT_FOUND, id="missing-future"),
        pytest.param("GET", "/admin/connections/nope", 404, NOT_FOUND, id="missing-connection"),
    ],
)
def test_error_statuses_and_bodies(api, method, path, status, error_type):
    _error(api.request(method, path), status, error_type)


# -- instance ---------------------------------------------------------------------------------
def test_instance_endpoints(api):
    info = api.get("/auth/info", params={"withSecrets": "False"}).json()
    assert info["authIdentifier"] == "admin" and "secrets" not in info
    assert api.get("/auth/info", params={"withSecrets": "True"}).json()["secrets"] == []
    assert api.get("/instance-info").json()["nodeType"] == "DESIGN"
    connections = api.get("/admin/connections/").json()
    assert {"dwh", "filesystem_managed", "filesystem_input", "filesystem_folders"} <= set(connections)
    assert connections["dwh"]["type"] == "PostgreSQL"
    assert api.get("/admin/connections/dwh").json() == connections["dwh"]


# -- project folders --------------------------------------------------------------------------
def test_root_folder_both_forms(api):
    assert api.get("/project-folders/").json() == api.get("/project-folders/ROOT").json() == {
        "id": "ROOT", "name": None, "parentId": None, "childrenIds": [], "projectKeys": []}


def _folder(api: httpx.Client, name: str, parent: str = "ROOT") -> dict:
    response = api.post(f"/project-folders/{parent}/children", params={"name": name})
    assert response.status_code == 200, response.text
    return response.json()


def test_folder_ids_are_seeded_and_stable():
    def ids(seed: int) -> list[str]:
        api = _client(Sandbox(seed=seed))
        return [_folder(api, n)["id"] for n in ("a", "b")]

    first = ids(0)
    assert first[0] == "mnUVKOK"  # documented in COVERAGE.md
    assert first == ids(0)
    assert first != ids(1)
    assert all(len(i) == 7 and i.isalnum() for i in first)


def test_folder_create_and_tree(api):
    team = _folder(api, "Team A")
    sub = _folder(api, "Sub", team["id"])
    assert team == {"id": team["id"], "name": "Team A", "parentId": "ROOT", "childrenIds": [], "projectKeys": []}
    assert api.get(f"/project-folders/{team['id']}").json()["childrenIds"] == [sub["id"]]
    assert api.get("/project-folders/ROOT").json()["childrenIds"] == [team["id"]]
    assert api.get(f"/project-folders/{sub['id']}/default-for-project-creation").json()["id"] == sub["id"]


def test_folder_settings_round_trip_and_rename(api):
    folder = _folder(api, "Team")
    settings = api.get(f"/project-folders/{folder['id']}/settings").json()
    assert settings == {"name": "Team", "owner": "admin", "permissions": []}
    settings.update(name="Renamed", permissions=[{"group": "ds", "read": True, "writeContents": False, "admin": False}],
                    futureField={"kept": True})
    assert api.put(f"/project-folders/{folder['id']}/settings", content=_raw(settings)).status_code == 204
    assert api.get(f"/project-folders/{folder['id']}/settings").json() == settings
    assert api.get(f"/project-folders/{folder['id']}").json()["name"] == "Renamed"


def test_folder_guards(api, sb):
    a = _folder(api, "A")
    b = _folder(api, "B", a["id"])
    _folder(api, "Taken")
    _project(api, "INSIDE")
    api.post(f"/project-folders/ROOT/projects/INSIDE/move", params={"destination": b["id"]})
    cases = [
        (api.post("/project-folders/ROOT/children"), 400, "name"),
        (api.post("/project-folders/ROOT/children", params={"name": "A"}), 400, "already exists"),
        (api.post("/project-folders/nope/children", params={"name": "x"}), 404, "nope"),
        (api.delete(f"/project-folders/{a['id']}"), 400, "not empty"),
        (api.delete(f"/project-folders/{b['id']}"), 400, "1 project"),
        (api.delete("/project-folders/ROOT"), 400, "root"),
        (api.post(f"/project-folders/{a['id']}/move", params={"destination": b["id"]}), 400, "sub-folders"),
        (api.post(f"/project-folders/{a['id']}/move", params={"destination": a["id"]}), 400, "itself"),
        (api.post(f"/project-folders/{a['id']}/move"), 400, "destination"),
        (api.post("/project-folders/ROOT/move", params={"destination": a["id"]}), 400, "root"),
        (api.post(f"/project-folders/{a['id']}/move", params={"destination": "nope"}), 404, "nope"),
        (api.put(f"/project-folders/{a['id']}/settings", content=_raw({"name": "Taken"})), 400, "already exists"),
        (api.put(f"/project-folders/{a['id']}/settings", content=_raw({"name": ""})), 400, "name"),
        (api.put(f"/project-folders/{a['id']}/settings", content=b"not json"), 400, "JSON"),
        (api.put("/project-folders/ROOT/settings", content=_raw({"name": "x", "permissions": []})), 400, "root"),
        (api.post(f"/project-folders/{a['id']}/projects/INSIDE/move", params={"destination": "ROOT"}), 400, "not in"),
    ]
    for response, status, fragment in cases:
        message = _error(response, status, ILLEGAL if status == 400 else NOT_FOUND)
        assert fragment.lower() in message.lower(), message
    # nothing moved, renamed or deleted by the refused calls
    assert api.get(f"/project-folders/{a['id']}").json()["childrenIds"] == [b["id"]]
    assert api.get(f"/project-folders/{b['id']}").json()["projectKeys"] == ["INSIDE"]
    assert api.get(f"/project-folders/{a['id']}").json()["name"] == "A"


def test_folder_move_and_delete(api):
    a, b = _folder(api, "A"), _folder(api, "B")
    assert api.post(f"/project-folders/{b['id']}/move", params={"destination": a["id"]}).status_code == 204
    assert api.get(f"/project-folders/{b['id']}").json()["parentId"] == a["id"]
    assert api.get("/project-folders/ROOT").json()["childrenIds"] == [a["id"]]
    assert api.delete(f"/project-folders/{b['id']}").status_code == 204
    assert api.delete(f"/project-folders/{a['id']}").status_code == 204
    assert api.get("/project-folders/ROOT").json()["childrenIds"] == []


# -- projects ---------------------------------------------------------------------------------
def test_create_project_seed_form_into_folder(api):
    folder = _folder(api, "Team")
    seed_api_body = {"projectKey": "PKEY1", "name": "My project", "owner": "admin"}
    response = api.post("/projects", params={"projectFolderId": folder["id"]}, content=_raw(seed_api_body))
    assert response.status_code == 200
    assert response.json()["projectKey"] == "PKEY1"
    assert api.get("/project-folders/locate-project/PKEY1").json()["id"] == folder["id"]
    summary = api.get("/projects/PKEY1").json()
    assert (summary["name"], summary["ownerLogin"]) == ("My project", "admin")


def test_create_project_client_form_fills_sub_documents(api):
    _project(api, "P", description="about", tags=["t1"], settings=None,
             permissions=[{"group": "analysts", "readProjectContent": True}])
    metadata = api.get("/projects/P/metadata").json()
    assert (metadata["label"], metadata["description"], metadata["tags"]) == ("P name", "about", ["t1"])
    assert metadata["custom"] == {"kv": {}}
    permissions = api.get("/projects/P/permissions").json()
    assert permissions["owner"] == "admin"
    assert permissions["permissions"] == [{"group": "analysts", "readProjectContent": True}]
    assert api.get("/projects/P/variables/").json() == {"standard": {}, "local": {}}
    settings = api.get("/projects/P/settings").json()
    assert settings["settings"]["codeEnvs"]["python"]["useBuiltinEnv"] is True
    assert settings["exposedObjects"] == {"objects": []}


@pytest.mark.parametrize(
    ("body", "status", "fragment"),
    [
        pytest.param({"projectKey": "BAD-KEY", "name": "x", "owner": "admin"}, 400, "must match", id="bad-key"),
        pytest.param({"projectKey": "", "name": "x"}, 400, "must match", id="empty-key"),
        pytest.param({"name": "x", "owner": "admin"}, 400, "projectKey", id="missing-key"),
        pytest.param({"projectKey": "P", "owner": "admin"}, 400, "name", id="missing-name"),
        pytest.param({"projectKey": "P", "name": "x", "tags": "t"}, 400, "tags", id="tags-not-a-list"),
        pytest.param({"projectKey": "P", "name": "x", "permissions": [{"readProjectContent": True}]}, 400,
                     "group", id="permission-without-principal"),
        pytest.param(None, 400, "empty body", id="no-body"),
        pytest.param(["P"], 400, "JSON list", id="array-body"),
    ],
)
def test_create_project_validation(api, body, status, fragment):
    response = api.post("/projects/", content=b"" if body is None else _raw(body))
    assert fragment in _error(response, status, ILLEGAL)
    assert api.get("/projects/").json() == []


def test_create_project_duplicate_and_missing_folder(api):
    _project(api, "P")
    assert "already exists" in _error(api.post("/projects/", content=_raw({"projectKey": "P", "name": "again"})),
                                      400, ILLEGAL)
    _error(api.post("/projects/", params={"projectFolderId": "nope"},
                    content=_raw({"projectKey": "Q", "name": "q"})), 404, NOT_FOUND)
    assert [p["projectKey"] for p in api.get("/projects/").json()] == ["P"]


def test_list_projects_tags_and_location(api):
    folder = _folder(api, "Team")
    _project(api, "A", tags=["x"])
    _project(api, "B", tags=["y"])
    _project(api, "C")
    api.post(f"/project-folders/ROOT/projects/B/move", params={"destination": folder["id"]})

    def keys(params):
        return [p["projectKey"] for p in api.get("/projects/", params=params).json()]

    assert keys([("tags", "x"), ("tags", "y")]) == ["A", "B"]
    assert keys({"tags": "x,y"}) == ["A", "B"]
    assert keys({"tags": "y"}) == ["B"]
    listed = api.get("/projects/", params={"includeLocation": "True"}).json()
    located = {p["projectKey"]: p["projectLocation"] for p in listed}
    assert located["B"] == {"projectFolderId": folder["id"], "path": "/Team"}
    assert located["A"]["path"] == "/"
    assert "projectLocation" not in api.get("/projects/").json()[0]


def test_project_metadata_full_replace_round_trips_unknown_fields(api):
    _project(api, "P", tags=["old"])
    metadata = api.get("/projects/P/metadata").json()
    new = {"label": "New label", "tags": ["a", "b"], "custom": {"kv": {"k": [1, 2]}}, "futureField": {"x": 1}}
    assert api.put("/projects/P/metadata", content=_raw(new)).status_code == 204
    assert api.get("/projects/P/metadata").json() == new  # replaced wholesale: description etc. gone
    assert metadata["description"] == ""
    summary = api.get("/projects/P").json()
    assert (summary["name"], summary["tags"], summary["versionTag"]["versionNumber"]) == ("New label", ["a", "b"], 1)
    _error(api.put("/projects/P/metadata", content=_raw({"tags": [1]})), 400, ILLEGAL)
    assert api.get("/projects/P/metadata").json() == new


def test_project_permissions_stored_verbatim(api):
    _project(api, "P")
    permissions = api.get("/projects/P/permissions").json()
    permissions["permissions"] = [
        {"group": "analysts", "readProjectContent": True, "writeProjectContent": False},
        {"user": "bob", "admin": True, "someNewFlag": True},
    ]
    permissions["owner"] = "bob"
    assert api.put("/projects/P/permissions", content=_raw(permissions)).status_code == 204
    assert api.get("/projects/P/permissions").json() == permissions
    assert api.get("/projects/P").json()["ownerLogin"] == "bob"
    for bad in ({"permissions": []}, {"owner": "x", "permissions": [{"group": "g", "user": "u"}]}):
        _error(api.put("/projects/P/permissions", content=_raw(bad)), 400, ILLEGAL)
    assert api.get("/projects/P/permissions").json() == permissions


def test_project_variables_keep_both_keys(api):
    _project(api, "P")
    assert api.put("/projects/P/variables/", content=_raw({"standard": {"env": "prod", "n": 14}})).status_code == 204
    assert api.get("/projects/P/variables").json() == {"standard": {"env": "prod", "n": 14}, "local": {}}
    _error(api.put("/projects/P/variables", content=_raw({"standard": [1]})), 400, ILLEGAL)


def test_project_settings_round_trip(api):
    _project(api, "P")
    settings = api.get("/projects/P/settings").json()
    settings["settings"]["codeEnvs"]["python"] = {"useBuiltinEnv": False, "envName": "py311", "mode": "EXPLICIT_ENV"}
    settings["unknownBlock"] = {"a": 1}
    assert api.put("/projects/P/settings", content=_raw(settings)).status_code == 204
    assert api.get("/projects/P/settings").json() == settings
    _error(api.put("/projects/P/settings", content=_raw({"exposedObjects": {"objects": 3}})), 400, ILLEGAL)


def test_project_tag_definitions(api):
    _project(api, "P")
    assert api.get("/projects/P/tags").json() == {"tags": {}}
    tags = {"tags": {"pg": {"color": "#a088bd"}}}
    assert api.put("/projects/P/tags", content=_raw(tags)).status_code == 204
    assert api.get("/projects/P/tags").json() == tags


@pytest.mark.parametrize(
    "params",
    [
        pytest.param({"dropData": "false"}, id="seed-form"),
        pytest.param({"clearManagedDatasets": "False", "clearOutputManagedFolders": "False",
                      "clearJobAndScenarioLogs": "True", "clearManagedKnowledgeBanks": "False", "wait": "True"},
                     id="client-form"),
        pytest.param({}, id="no-params"),
    ],
)
def test_delete_project_returns_finished_future_and_cascades(api, params):
    folder = _folder(api, "Team")
    api.post("/projects/", params={"projectFolderId": folder["id"]},
             content=_raw({"projectKey": "P", "name": "p", "owner": "admin"}))
    _dataset(api, "P", "orders")
    response = api.delete("/projects/P", params=params)
    assert response.status_code == 200
    future = response.json()
    assert future["hasResult"] is True and future["result"]["anyMessage"] is False
    assert api.get(f"/futures/{future['jobId']}").json() == future
    assert api.get("/futures/").json() == []
    _error(api.get("/projects/P"), 404, NOT_FOUND)
    _error(api.get("/projects/P/datasets/orders"), 404, NOT_FOUND)
    assert api.get(f"/project-folders/{folder['id']}").json()["projectKeys"] == []
    assert api.delete(f"/futures/{future['jobId']}").json() == {}


def test_delete_project_rejects_malformed_flag(api):
    _project(api, "P")
    _error(api.delete("/projects/P", params={"dropData": "perhaps"}), 400, ILLEGAL)
    assert api.get("/projects/P").status_code == 200


# -- datasets ---------------------------------------------------------------------------------
def test_dataset_document_has_defaults(api):
    _project(api, "P")
    _dataset(api, "P", "orders")
    doc = api.get("/projects/P/datasets/orders").json()
    assert doc["projectKey"] == "P" and doc["name"] == "orders" and doc["type"] == "PostgreSQL"
    assert doc["managed"] is False
    assert doc["schema"]["columns"] == [] and doc["partitioning"]["dimensions"] == []
    assert doc["formatParams"] == {} and doc["tags"] == [] and doc["description"] == ""
    assert doc["versionTag"]["versionNumber"] == 0
    assert doc["creationTag"]["lastModifiedBy"]["login"] == "admin"


def test_dataset_put_round_trips_unknown_fields_and_bumps_version(api):
    _project(api, "P")
    _dataset(api, "P", "orders")
    doc = api.get("/projects/P/datasets/orders").json()
    doc["params"]["table"] = "orders_v2"
    doc["undocumented"] = {"nested": [1, {"a": None}]}
    doc["name"] = "hijack"  # server-owned: ignored
    doc["projectKey"] = "OTHER"
    doc["versionTag"] = {"versionNumber": 99}
    response = api.put("/projects/P/datasets/orders", content=_raw(doc))
    assert response.status_code == 200 and response.json() == {}
    after = api.get("/projects/P/datasets/orders").json()
    assert after["params"]["table"] == "orders_v2"
    assert after["undocumented"] == {"nested": [1, {"a": None}]}
    assert (after["name"], after["projectKey"]) == ("orders", "P")
    assert after["versionTag"]["versionNumber"] == 1
    assert after["versionTag"]["lastModifiedOn"] > after["creationTag"]["lastModifiedOn"]
    assert after["creationTag"] == doc["creationTag"]
    api.put("/projects/P/datasets/orders", content=_raw(after))
    assert api.get("/projects/P/datasets/orders").json()["versionTag"]["versionNumber"] == 2


def test_dataset_put_null_keeps_structural_defaults(api):
    _project(api, "P")
    _dataset(api, "P", "orders")
    api.put("/projects/P/datasets/orders", content=_raw({"type": "PostgreSQL", "schema": None, "params": {}}))
    doc = api.get("/projects/P/datasets/orders").json()
    assert doc["schema"]["columns"] == [] and doc["partitioning"]["dimensions"] == []


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        pytest.param({"type": "PostgreSQL", "schema": {"columns": [{"name": "a", "type": "varchar"}]}},
                     "unknown column type", id="bad-column-type"),
        pytest.param({"type": ""}, "type", id="empty-type"),
        pytest.param({"params": {}}, "type", id="missing-type"),
        pytest.param({"type": "PostgreSQL", "params": []}, "params", id="params-not-object"),
        pytest.param({"type": "PostgreSQL", "partitioning": {"dimensions": {}}}, "dimensions", id="bad-dimensions"),
    ],
)
def test_dataset_put_validated_before_any_change(api, body, fragment):
    _project(api, "P")
    _dataset(api, "P", "orders")
    before = api.get("/projects/P/datasets/orders").json()
    assert fragment in _error(api.put("/projects/P/datasets/orders", content=_raw(body)), 400, ILLEGAL)
    assert api.get("/projects/P/datasets/orders").json() == before


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        pytest.param({"name": "orders", "type": "PostgreSQL"}, "already exists", id="duplicate"),
        pytest.param({"name": "bad name", "type": "PostgreSQL"}, "must match", id="bad-name"),
        pytest.param({"type": "PostgreSQL"}, "name", id="missing-name"),
        pytest.param({"name": "x", "projectKey": "OTHER", "type": "PostgreSQL"}, "does not match", id="other-project"),
    ],
)
def test_dataset_create_validation(api, body, fragment):
    _project(api, "P")
    _dataset(api, "P", "orders")
    assert fragment in _error(api.post("/projects/P/datasets/", content=_raw(body)), 400, ILLEGAL)
    assert [d["name"] for d in api.get("/projects/P/datasets/").json()] == ["orders"]


def test_dataset_list_filters_tags_and_foreign(api):
    _project(api, "P")
    _project(api, "OTHER")
    _dataset(api, "P", "a", tags=["x"])
    _dataset(api, "P", "b", tags=["y"])
    _dataset(api, "P", "c")
    _dataset(api, "OTHER", "shared")

    def names(project="P", params=None):
        return [d["name"] for d in api.get(f"/projects/{project}/datasets/", params=params).json()]

    assert names() == ["a", "b", "c"]
    assert names(params=[("tags", "x"), ("tags", "y"), ("foreign", "False")]) == ["a", "b"]
    assert names(params={"tags": "x,y"}) == ["a", "b"]
    settings = api.get("/projects/OTHER/settings").json()
    settings["exposedObjects"]["objects"].append(
        {"type": "DATASET", "localName": "shared", "rules": [{"targetProject": "P"}]})
    api.put("/projects/OTHER/settings", content=_raw(settings))
    assert names(params={"foreign": "true"}) == ["a", "b", "c", "shared"]
    assert names(params={"foreign": "false"}) == ["a", "b", "c"]
    full = api.get("/projects/P/datasets/").json()[0]
    assert full == api.get("/projects/P/datasets/a").json()  # the list holds whole documents


def test_dataset_schema(api):
    _project(api, "P")
    _dataset(api, "P", "orders")
    schema = {"columns": [{"name": "id", "type": "bigint"}, {"name": "label", "type": "string", "maxLength": -1}],
              "userModified": True}
    response = api.put("/projects/P/datasets/orders/schema", content=_raw(schema))
    assert response.status_code == 200 and response.json() == {}
    assert api.get("/projects/P/datasets/orders/schema").json() == schema
    doc = api.get("/projects/P/datasets/orders").json()
    assert doc["schema"] == schema and doc["versionTag"]["versionNumber"] == 1
    _error(api.put("/projects/P/datasets/orders/schema", content=_raw({"columns": [{"type": "int"}]})), 400, ILLEGAL)


def test_dataset_metadata_lives_on_the_document(api):
    _project(api, "P")
    _dataset(api, "P", "orders", description="d0")
    metadata = api.get("/projects/P/datasets/orders/metadata").json()
    assert metadata["label"] == "orders" and metadata["description"] == "d0"
    metadata.update(description="Orders table", shortDesc="orders", tags=["finance"],
                    custom={"kv": {"owner": "team"}}, extraKey=[1])
    response = api.put("/projects/P/datasets/orders/metadata", content=_raw(metadata))
    assert response.status_code == 200 and response.json() == {}
    assert api.get("/projects/P/datasets/orders/metadata").json() == metadata
    doc = api.get("/projects/P/datasets/orders").json()
    assert (doc["description"], doc["shortDesc"], doc["tags"], doc["customFields"]) == (
        "Orders table", "orders", ["finance"], {"owner": "team"})
    assert doc["versionTag"]["versionNumber"] == 1
    # and the other way round: a settings PUT changes what metadata shows
    doc["tags"] = ["ops"]
    api.put("/projects/P/datasets/orders", content=_raw(doc))
    assert api.get("/projects/P/datasets/orders/metadata").json()["tags"] == ["ops"]


def test_dataset_delete_and_rename(api):
    _project(api, "P")
    _dataset(api, "P", "orders")
    rename = api.post("/projects/P/actions/renameDataset", content=_raw({"oldName": "orders", "newName": "sales"}))
    assert rename.status_code == 204
    assert api.get("/projects/P/datasets/sales").json()["name"] == "sales"
    _error(api.get("/projects/P/datasets/orders"), 404, NOT_FOUND)
    assert api.delete("/projects/P/datasets/sales", params={"dropData": "true"}).status_code == 204
    _error(api.delete("/projects/P/datasets/sales"), 404, NOT_FOUND)
    _error(api.get("/projects/P/datasets/sales/metadata"), 404, NOT_FOUND)


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        pytest.param({"connectionId": "filesystem_managed", "specificSettings": {"formatOptionId": "PARQUET_HIVE"}},
                     {"type": "Filesystem", "formatType": "parquet"}, id="fs-parquet"),
        pytest.param({"connectionId": "filesystem_managed"}, {"type": "Filesystem", "formatType": "csv"},
                     id="fs-default"),
        pytest.param({"connectionId": "dwh"}, {"type": "PostgreSQL"}, id="sql"),
    ],
)
def test_managed_dataset(api, settings, expected):
    _project(api, "P")
    response = api.post("/projects/P/datasets/managed", content=_raw({"name": "out", "creationSettings": settings}))
    assert response.status_code == 200
    doc = api.get("/projects/P/datasets/out").json()
    assert response.json() == doc
    assert doc["managed"] is True and doc["params"]["connection"] == settings["connectionId"]
    assert {k: doc[k] for k in expected} == expected


@pytest.mark.parametrize(
    ("settings", "fragment"),
    [
        pytest.param({"connectionId": "nope"}, "does not exist", id="unknown-connection"),
        pytest.param({"connectionId": "filesystem_input"}, "does not allow", id="connection-refuses"),
        pytest.param({"connectionId": "filesystem_managed", "specificSettings": {"formatOptionId": "XLS"}},
                     "formatOptionId", id="unknown-format"),
        pytest.param({"connectionId": "dwh", "partitioningOptionId": "copy:dataset:missing"},
                     "partitioningOptionId", id="bad-partitioning-copy"),
        pytest.param({}, "connectionId", id="no-connection"),
    ],
)
def test_managed_dataset_validation(api, settings, fragment):
    _project(api, "P")
    response = api.post("/projects/P/datasets/managed", content=_raw({"name": "out", "creationSettings": settings}))
    assert fragment in _error(response, 400, ILLEGAL)
    assert api.get("/projects/P/datasets/").json() == []


def test_managed_dataset_copies_partitioning(api):
    _project(api, "P")
    day = {"name": "day", "type": "time", "params": {"period": "DAY"}}
    _dataset(api, "P", "src", partitioning={"dimensions": [day]})
    api.post("/projects/P/datasets/managed", content=_raw(
        {"name": "out", "creationSettings": {"connectionId": "dwh", "partitioningOptionId": "copy:dataset:src"}}))
    assert api.get("/projects/P/datasets/out").json()["partitioning"]["dimensions"][0]["name"] == "day"


# -- sandbox integration ----------------------------------------------------------------------
def test_reads_are_not_writes(sb, api):
    _project(api, "P")
    before = sb.write_count
    api.get("/projects/")
    api.get("/projects/P/metadata")
    api.get("/project-folders/ROOT")
    assert sb.write_count == before == 1


def test_path_segments_are_url_decoded(api):
    _project(api, "P")
    _dataset(api, "P", "my_ds")
    assert api.get("/projects/P/datasets/my%5Fds").json()["name"] == "my_ds"
    folder = _folder(api, "Team A/B")  # a name with a slash travels in the query string
    assert api.get(f"/project-folders/{folder['id']}").json()["name"] == "Team A/B"
