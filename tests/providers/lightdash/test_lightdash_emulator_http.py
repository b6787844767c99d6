"""The Lightdash emulator over raw HTTP (in-process transport): envelopes, status codes, errors,
pagination, the express routes the official client lacks, cascades, slugs and persistence."""

from __future__ import annotations

import httpx
import pytest

from reconciler.providers.lightdash.sandbox import seed
from reconciler.sandbox import Sandbox

P = seed.PROJECT_UUID
SHARED = seed.SHARED_SPACE_UUID
BOB, CY, DAN, ERIN = (u[0] for u in seed.USERS[1:])
CHART = {"name": "Orders", "tableName": "orders",
         "metricQuery": {"exploreName": "orders", "dimensions": ["orders_status"], "metrics": ["orders_count"]},
         "chartConfig": {"type": "table", "config": {}}, "tableConfig": {"columnOrder": []}}


@pytest.fixture
def sb() -> Sandbox:
    return Sandbox(token="s3cr3t-42")


@pytest.fixture
def http(sb):
    with httpx.Client(transport=sb.transport(), base_url="http://sandbox/lightdash",
                      headers={"Authorization": "ApiKey s3cr3t-42"}) as client:
        yield client


def results(response: httpx.Response):
    assert response.json()["status"] == "ok", response.text
    return response.json().get("results")


def error(response: httpx.Response) -> dict:
    doc = response.json()
    assert doc["status"] == "error"
    return doc["error"]


def make_chart(http, slug="orders", space="shared", **metric) -> dict:
    body = {"name": slug.title(), "slug": slug, "updatedAt": "2025-01-02T09:00:00.000Z", "tableName": "orders",
            "tableConfig": {"columnOrder": []}, "version": 1, "spaceSlug": space,
            "metricQuery": {"exploreName": "orders", "dimensions": ["orders_status"], **metric},
            "chartConfig": {"type": "table", "config": {}}}
    response = http.post(f"/api/v1/projects/{P}/charts/{slug}/code", json=body)
    assert response.status_code == 200, response.text
    return results(response)["charts"][0]


# -- auth -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("headers, message", [
    pytest.param({}, "Failed to authorize user", id="no-header"),
    pytest.param({"Authorization": "ApiKey wrong"}, "Personal access token is not recognised", id="wrong-token"),
    pytest.param({"Authorization": "Token s3cr3t-42"}, "Failed to authorize user", id="wrong-scheme"),
])
def test_unauthenticated_requests_get_lightdash_401(sb, headers, message):
    with httpx.Client(transport=sb.transport(), base_url="http://sandbox/lightdash") as client:
        response = client.get("/api/v1/org", headers=headers)
    assert response.status_code == 401
    assert error(response) == {"statusCode": 401, "name": "AuthorizationError", "message": message, "data": {}}
    assert "s3cr3t-42" not in response.text


def test_a_service_account_bearer_token_and_the_public_health_check(sb):
    with httpx.Client(transport=sb.transport(), base_url="http://sandbox/lightdash") as client:
        assert client.get("/api/v1/org", headers={"Authorization": "Bearer s3cr3t-42"}).status_code == 200
        health = client.get("/api/v1/health")
    assert health.status_code == 200 and results(health)["version"] == seed.API_VERSION


def test_unknown_routes_and_methods(http):
    missing = http.get("/api/v1/nope")
    assert missing.status_code == 404 and error(missing)["name"] == "NotFoundError"
    wrong = http.put("/api/v1/org")
    assert wrong.status_code == 405 and set(wrong.headers["Allow"].split(", ")) == {"GET", "PATCH"}


# -- envelopes and status codes ---------------------------------------------------------------------
@pytest.mark.parametrize("method, path, payload, status, has_results", [
    pytest.param("PATCH", "/api/v1/org", {"name": "Acme"}, 200, False, id="org-patch-empty-results"),
    pytest.param("POST", "/api/v1/org/groups", {"name": "g"}, 201, True, id="group-create-201"),
    pytest.param("POST", "/api/v1/invite-links", {"email": "x@acme.io"}, 201, True, id="invite-201"),
    pytest.param("POST", f"/api/v1/projects/{P}/access", {"email": "cy@acme.io", "role": "viewer", "sendEmail": False},
                 200, False, id="grant-200-empty"),
    pytest.param("POST", f"/api/v1/projects/{P}/spaces", {"name": "S"}, 200, True, id="space-create-200"),
    pytest.param("POST", f"/api/v1/projects/{P}/dashboards", {"name": "D", "tiles": [], "tabs": []}, 201, True,
                 id="dashboard-create-201"),
    pytest.param("DELETE", f"/api/v1/projects/{P}/spaces/{SHARED}", None, 200, False, id="space-delete-200"),
])
def test_status_codes_and_envelopes(http, method, path, payload, status, has_results):
    response = http.request(method, path, json=payload)
    assert response.status_code == status, response.text
    assert response.json()["status"] == "ok"
    assert ("results" in response.json()) is has_results


def test_group_member_and_group_access_removal_answer_200_then_204(http):
    group = results(http.post("/api/v1/org/groups", json={"name": "g"}))["uuid"]
    assert http.put(f"/api/v1/groups/{group}/members/{BOB}").status_code == 201
    again = http.put(f"/api/v1/groups/{group}/members/{BOB}")
    assert again.status_code == 204 and again.content == b""
    assert http.delete(f"/api/v1/groups/{group}/members/{BOB}").status_code == 200
    assert http.delete(f"/api/v1/groups/{group}/members/{BOB}").status_code == 204
    assert http.post(f"/api/v1/groups/{group}/projects/{P}", json={"role": "viewer"}).status_code == 200
    assert http.delete(f"/api/v1/groups/{group}/projects/{P}").status_code == 200
    assert http.delete(f"/api/v1/groups/{group}/projects/{P}").status_code == 204


# -- validation -------------------------------------------------------------------------------------
@pytest.mark.parametrize("path, payload, fields", [
    pytest.param("/api/v1/org/groups", {"members": [{"userUuid": 3}]}, {"body.name", "body.members.$0.userUuid"},
                 id="group-missing-name-and-bad-member"),
    pytest.param(f"/api/v1/projects/{P}/spaces", {"name": "S", "isPrivate": "yes"}, {"body.isPrivate"}, id="space-bool"),
    pytest.param(f"/api/v1/projects/{P}/spaces/{SHARED}/share", {"userUuid": BOB, "spaceRole": "owner"},
                 {"body.spaceRole"}, id="space-role-enum"),
    pytest.param("/api/v1/org/attributes", {"name": "a"}, {"body.attributeDefault", "body.users", "body.groups"},
                 id="attribute-required"),
    pytest.param(f"/api/v1/projects/{P}/charts/x/code", {"name": "x"},
                 {"body.slug", "body.updatedAt", "body.tableName", "body.tableConfig", "body.version", "body.spaceSlug",
                  "body.metricQuery", "body.chartConfig"}, id="chart-as-code-required"),
])
def test_tsoa_validation_is_422_naming_every_failing_field(http, path, payload, fields):
    response = http.post(path, json=payload)
    assert response.status_code == 422
    err = error(response)
    assert err["name"] == "ValidateError" and err["message"] == ""
    assert set(err["data"]) == fields


def test_validation_happens_before_any_side_effect(http, sb):
    world = sb.emulators["lightdash"].world
    before = world.snapshot()
    assert http.post("/api/v1/org/groups", json={"name": "ok", "members": [{"userUuid": "ghost"}]}).status_code == 400
    assert http.patch("/api/v1/org/allowedEmailDomains",
                      json={"emailDomains": ["acme.io", "gmail.com"], "role": "viewer", "projects": []}).status_code == 400
    assert http.post(f"/api/v1/projects/{P}/spaces", json={"name": "S", "access": [{"userUuid": "ghost", "role": "viewer"}]}
                     ).status_code == 404
    before.pop("counter"), world._s.pop("counter")  # ids drawn are not side effects
    assert world.snapshot() == {**before}


def test_query_numbers_are_validated(http):
    response = http.get("/api/v1/org/users", params={"page": "one", "pageSize": 2})
    assert response.status_code == 422 and set(error(response)["data"]) == {"page"}


# -- pagination -------------------------------------------------------------------------------------
def test_members_and_groups_paginate_only_when_asked(http):
    for n in range(5):
        http.post("/api/v1/org/groups", json={"name": f"g{n}"})
    page = results(http.get("/api/v1/org/groups", params={"page": 2, "pageSize": 2}))
    assert [g["name"] for g in page["data"]] == ["g2", "g3"]
    assert page["pagination"] == {"page": 2, "pageSize": 2, "totalResults": 5, "totalPageCount": 3}
    assert "pagination" not in results(http.get("/api/v1/org/groups"))
    members = results(http.get("/api/v1/org/users", params={"page": 3, "pageSize": 2, "includeGroups": 5}))
    assert len(members["data"]) == 1 and members["data"][0]["groups"] == []


def test_v2_content_pages_and_filters(http):
    for n in range(3):
        make_chart(http, f"c{n}")
    space = results(http.post(f"/api/v1/projects/{P}/spaces", json={"name": "Other", "isPrivate": False}))
    make_chart(http, "elsewhere", space="other")
    first = results(http.get("/api/v2/content", params={"projectUuids": P, "spaceUuids": SHARED,
                                                        "contentTypes": "chart", "pageSize": 2}))
    assert [c["slug"] for c in first["data"]] == ["c0", "c1"]
    assert first["pagination"] == {"page": 1, "pageSize": 2, "totalResults": 3, "totalPageCount": 2}
    other = results(http.get("/api/v2/content", params={"spaceUuids": space["uuid"], "contentTypes": "chart"}))
    assert [c["slug"] for c in other["data"]] == ["elsewhere"]


# -- spaces ----------------------------------------------------------------------------------------
def test_space_slugs_paths_and_collisions(http):
    first = results(http.post(f"/api/v1/projects/{P}/spaces", json={"name": "Sales & Ops"}))
    second = results(http.post(f"/api/v1/projects/{P}/spaces", json={"name": "Sales & Ops"}))
    assert first["slug"] == "sales-ops" and first["path"] == "sales_ops"
    assert second["slug"].startswith("sales-ops-") and len(second["slug"]) == len("sales-ops-") + 10
    child = results(http.post(f"/api/v1/projects/{P}/spaces", json={"name": "EU", "parentSpaceUuid": first["uuid"]}))
    assert child["path"] == "sales_ops.eu" and child["isPrivate"] is True
    renamed = results(http.patch(f"/api/v1/projects/{P}/spaces/{first['uuid']}", json={"name": "Revenue"}))
    assert (renamed["name"], renamed["slug"], renamed["path"]) == ("Revenue", "sales-ops", "sales_ops")
    assert [c["name"] for c in results(http.get(f"/api/v1/projects/{P}/spaces/{first['uuid']}"))["childSpaces"]] == ["EU"]


def test_space_access_lists_direct_and_inherited_rows(http):
    private = results(http.post(f"/api/v1/projects/{P}/spaces", json={"name": "Private", "isPrivate": True}))
    group = results(http.post("/api/v1/org/groups", json={"name": "g", "members": [{"userUuid": ERIN}]}))["uuid"]
    http.post(f"/api/v1/projects/{P}/spaces/{private['uuid']}/group/share", json={"groupUuid": group, "spaceRole": "editor"})
    space = results(http.get(f"/api/v1/projects/{P}/spaces/{private['uuid']}"))
    rows = {a["email"]: (a["role"], a["hasDirectAccess"], a.get("inheritedFrom")) for a in space["access"]}
    assert rows["ann@acme.io"] == ("admin", True, None)  # the creator
    assert rows["erin@acme.io"] == ("editor", False, "space_group")
    assert "bob@acme.io" not in rows  # private: a project role does not open it
    public = results(http.get(f"/api/v1/projects/{P}/spaces/{SHARED}"))
    shared = {a["email"]: (a["role"], a["hasDirectAccess"], a.get("inheritedFrom")) for a in public["access"]}
    assert shared["bob@acme.io"] == ("editor", False, "organization")
    assert "erin@acme.io" not in shared  # a plain member with no project grant


def test_deleting_a_space_takes_children_charts_and_dashboards(http):
    parent = results(http.post(f"/api/v1/projects/{P}/spaces", json={"name": "Parent"}))
    results(http.post(f"/api/v1/projects/{P}/spaces", json={"name": "Kid", "parentSpaceUuid": parent["uuid"]}))
    make_chart(http, "in-kid", space="parent/kid")
    outside = make_chart(http, "outside")
    http.post(f"/api/v1/projects/{P}/dashboards/dash/code", json={
        "name": "Dash", "slug": "dash", "updatedAt": "2025-01-02T09:00:00.000Z", "tabs": [], "version": 1,
        "spaceSlug": "parent", "tiles": [], "filters": {}})
    assert http.delete(f"/api/v1/projects/{P}/spaces/{parent['uuid']}").status_code == 200
    assert [s["name"] for s in results(http.get(f"/api/v1/projects/{P}/spaces"))] == ["Shared"]
    assert [c["slug"] for c in results(http.get(f"/api/v1/projects/{P}/charts"))] == ["outside"]
    assert results(http.get(f"/api/v1/projects/{P}/dashboards")) == []
    assert outside["action"] == "create"


def _move(http, uuid, target, kind="space", **item):
    return http.post(f"/api/v2/content/{P}/move", json={
        "item": {"uuid": uuid, "contentType": kind, **item}, "action": {"type": "move", "targetSpaceUuid": target}})


def test_v2_move_keeps_a_space_its_uuid_children_and_content(http):
    parent = results(http.post(f"/api/v1/projects/{P}/spaces", json={"name": "Parent"}))
    kid = results(http.post(f"/api/v1/projects/{P}/spaces", json={"name": "Kid", "parentSpaceUuid": parent["uuid"]}))
    chart = make_chart(http, "in-parent", space="parent")
    moved = _move(http, parent["uuid"], SHARED)
    assert moved.status_code == 200 and moved.json() == {"status": "ok"}
    doc = results(http.get(f"/api/v1/projects/{P}/spaces/{parent['uuid']}"))
    assert (doc["parentSpaceUuid"], doc["path"], doc["slug"]) == (SHARED, "shared.parent", "parent")
    assert [q["uuid"] for q in doc["queries"]] == [chart["data"]["uuid"]]
    assert results(http.get(f"/api/v1/projects/{P}/spaces/{kid['uuid']}"))["path"] == "shared.parent.kid"
    assert _move(http, parent["uuid"], None).status_code == 200  # to the top level
    doc = results(http.get(f"/api/v1/projects/{P}/spaces/{parent['uuid']}"))
    assert (doc["parentSpaceUuid"], doc["path"]) == (None, "parent")
    assert results(http.get(f"/api/v1/projects/{P}/spaces/{kid['uuid']}"))["path"] == "parent.kid"


def test_v2_move_of_a_chart_into_another_space(http):
    chart = make_chart(http, "mover")
    other = results(http.post(f"/api/v1/projects/{P}/spaces", json={"name": "Other"}))
    assert _move(http, chart["data"]["uuid"], other["uuid"], kind="chart", source="dbt_explore").status_code == 200
    assert [q["uuid"] for q in results(http.get(f"/api/v1/projects/{P}/spaces/{other['uuid']}"))["queries"]] == [
        chart["data"]["uuid"]]


@pytest.mark.parametrize("mutate, status, message", [
    pytest.param(lambda b, ids: b["action"].update(type="delete"), 400, "Invalid action type", id="not-a-move"),
    pytest.param(lambda b, ids: b["action"].update(targetSpaceUuid=ids["kid"]), 400, "itself or one of its child",
                 id="into-own-child"),
    pytest.param(lambda b, ids: b["action"].update(targetSpaceUuid=ids["parent"]), 400, "itself", id="into-itself"),
    pytest.param(lambda b, ids: b["action"].update(targetSpaceUuid="nope"), 404, "does not exist",
                 id="unknown-target"),
    pytest.param(lambda b, ids: b["item"].update(uuid="nope"), 404, "does not exist", id="unknown-space"),
    pytest.param(lambda b, ids: b["item"].update(contentType="chart"), 422, "", id="chart-without-source"),
    pytest.param(lambda b, ids: b.pop("action"), 422, "", id="no-action"),
])
def test_v2_move_refusals_change_nothing(sb, http, mutate, status, message):
    parent = results(http.post(f"/api/v1/projects/{P}/spaces", json={"name": "Parent"}))
    kid = results(http.post(f"/api/v1/projects/{P}/spaces", json={"name": "Kid", "parentSpaceUuid": parent["uuid"]}))
    body = {"item": {"uuid": parent["uuid"], "contentType": "space"}, "action": {"type": "move", "targetSpaceUuid": SHARED}}
    mutate(body, {"parent": parent["uuid"], "kid": kid["uuid"]})
    before = sb.emulators["lightdash"].world.snapshot()
    response = http.post(f"/api/v2/content/{P}/move", json=body)
    assert response.status_code == status, response.text
    assert message in error(response)["message"]
    assert sb.emulators["lightdash"].world.snapshot() == before


# -- saved charts: express routes and as code --------------------------------------------------------
def test_legacy_chart_routes(http):
    created = results(http.post(f"/api/v1/projects/{P}/saved", json={**CHART, "spaceUuid": SHARED}))
    twin = results(http.post(f"/api/v1/projects/{P}/saved", json=CHART))
    assert (created["slug"], twin["slug"]) == ("orders", "orders-1")
    assert created["metricQuery"]["limit"] == 500 and created["metricQuery"]["customDimensions"] == []
    by_slug = results(http.get("/api/v1/saved/orders", params={"projectUuid": P}))
    assert by_slug["uuid"] == created["uuid"]
    patched = results(http.patch(f"/api/v1/saved/{created['uuid']}", json={"name": "Orders 2"}))
    assert patched["name"] == "Orders 2" and patched["slug"] == "orders"
    versioned = results(http.post(f"/api/v1/saved/{created['uuid']}/version",
                                  json={**CHART, "metricQuery": {**CHART["metricQuery"], "limit": 5}}))
    assert versioned["metricQuery"]["limit"] == 5
    assert len(results(http.get(f"/api/v1/saved/{created['uuid']}/history"))["history"]) == 2
    bad = http.post(f"/api/v1/projects/{P}/saved", json={"name": "x"})
    assert bad.status_code == 400 and error(bad)["name"] == "ParameterError"
    assert http.delete(f"/api/v1/saved/{created['uuid']}").status_code == 200
    assert http.get(f"/api/v1/saved/{created['uuid']}").status_code == 404


def test_chart_upsert_actions_and_server_defaults(http):
    assert make_chart(http, "a")["action"] == "create"
    assert make_chart(http, "a")["action"] == "no changes"
    assert make_chart(http, "a", limit=5)["action"] == "update"
    code = results(http.get(f"/api/v1/projects/{P}/charts/code", params={"ids": "a"}))["charts"][0]
    assert code["metricQuery"] == {"exploreName": "orders", "dimensions": ["orders_status"], "metrics": [],
                                   "filters": {}, "sorts": [], "limit": 5, "tableCalculations": [],
                                   "additionalMetrics": [], "customDimensions": [], "metricOverrides": {}}
    assert "downloadedAt" in code and "uuid" not in code and code["version"] == 1
    skipped = http.post(f"/api/v1/projects/{P}/charts/b/code", json={
        "name": "B", "slug": "b", "updatedAt": "2025-01-02T09:00:00.000Z", "tableName": "orders",
        "tableConfig": {"columnOrder": []}, "version": 1, "spaceSlug": "nowhere", "skipSpaceCreate": True,
        "metricQuery": {}, "chartConfig": {"type": "table"}})
    assert skipped.status_code == 404 and error(skipped)["message"] == "Space nowhere does not exist, skipping creation"


def test_a_chart_of_an_unknown_explore_is_saved_with_a_validation_error(http):
    make_chart(http, "ghost")
    body = http.post(f"/api/v1/projects/{P}/saved", json={**CHART, "tableName": "gone"})
    assert body.status_code == 200
    summaries = {c["slug"]: c["validationErrors"] for c in results(http.get(f"/api/v1/projects/{P}/charts"))}
    assert summaries["ghost"] == [] and "does not exist" in summaries["orders"][0]["error"]


def test_deleting_a_chart_leaves_an_empty_tile(http):
    chart = make_chart(http, "a")
    created = http.post(f"/api/v1/projects/{P}/dashboards", json={"name": "D", "tabs": [], "tiles": [
        {"type": "saved_chart", "x": 0, "y": 0, "w": 6, "h": 3, "properties": {"savedChartUuid": chart["data"]["uuid"]}}]})
    dashboard = results(created)
    assert dashboard["tiles"][0]["properties"]["chartSlug"] == "a"
    http.delete(f"/api/v1/saved/{chart['data']['uuid']}")
    tile = results(http.get(f"/api/v1/dashboards/{dashboard['slug']}"))["tiles"][0]
    assert tile["properties"]["savedChartUuid"] is None


def test_dashboard_express_routes_version_the_layout(http):
    dashboard = results(http.post(f"/api/v1/projects/{P}/dashboards", json={"name": "Ops", "tabs": [], "tiles": []}))
    assert dashboard["dashboardVersionId"] == 1
    renamed = results(http.patch(f"/api/v1/dashboards/{dashboard['uuid']}", json={"name": "Ops 2"}))
    assert renamed["dashboardVersionId"] == 1
    tiled = results(http.patch(f"/api/v1/dashboards/{dashboard['uuid']}", json={"tiles": [
        {"type": "markdown", "x": 0, "y": 0, "w": 6, "h": 3, "properties": {"title": "t", "content": "c"}}]}))
    assert tiled["dashboardVersionId"] == 2 and tiled["tiles"][0]["uuid"]
    bad = http.patch(f"/api/v1/dashboards/{dashboard['uuid']}", json={"tiles": [{"type": "video", "x": 0, "y": 0,
                                                                                     "w": 1, "h": 1}]})
    assert bad.status_code == 422 and "body.tiles.$0.type" in error(bad)["data"]
    assert http.delete(f"/api/v1/dashboards/ops").status_code == 200
    assert http.get(f"/api/v1/dashboards/{dashboard['uuid']}").status_code == 404


def test_dashboards_as_code_rekey_tiles_and_filters_by_slug(http):
    make_chart(http, "a")
    payload = {"name": "D", "slug": "d", "updatedAt": "2025-01-02T09:00:00.000Z", "tabs": [], "version": 1,
               "spaceSlug": "shared",
               "tiles": [{"type": "saved_chart", "x": 0, "y": 0, "w": 6, "h": 3, "properties": {"chartSlug": "a"}},
                         {"type": "saved_chart", "x": 6, "y": 0, "w": 6, "h": 3, "properties": {"chartSlug": "a"}}],
               "filters": {"dimensions": [{"target": {"fieldId": "orders_status", "tableName": "orders"},
                                           "operator": "equals", "values": ["x"],
                                           "tileTargets": {"a": {"fieldId": "orders_status", "tableName": "orders"}}}]}}
    changes = results(http.post(f"/api/v1/projects/{P}/dashboards/d/code", json=payload))
    assert changes["dashboards"][0]["action"] == "create"
    stored = results(http.get("/api/v1/dashboards/d"))
    assert stored["filters"]["dimensions"][0]["id"]
    assert list(stored["filters"]["dimensions"][0]["tileTargets"]) == [stored["tiles"][0]["uuid"]]
    code = results(http.get(f"/api/v1/projects/{P}/dashboards/code", params={"ids": stored["uuid"]}))["dashboards"][0]
    assert [t["tileSlug"] for t in code["tiles"]] == ["a-1", "a-2"]
    assert list(code["filters"]["dimensions"][0]["tileTargets"]) == ["a-1"]
    assert "id" not in code["filters"]["dimensions"][0]


def test_dashboard_listing_has_no_slug_but_tile_types(http):
    http.post(f"/api/v1/projects/{P}/dashboards", json={"name": "Ops", "tabs": [], "tiles": [
        {"type": "markdown", "x": 0, "y": 0, "w": 6, "h": 3, "properties": {"title": "t", "content": "c"}}]})
    [row] = results(http.get(f"/api/v1/projects/{P}/dashboards"))
    assert "slug" not in row and row["tileTypes"] == ["markdown"]


# -- persistence ------------------------------------------------------------------------------------
def test_a_persisted_world_survives_a_new_sandbox(tmp_path):
    data = tmp_path / "world.json"
    first = Sandbox(token="s3cr3t-42", data_file=data)
    with httpx.Client(transport=first.transport(), base_url="http://sandbox/lightdash",
                      headers={"Authorization": "ApiKey s3cr3t-42"}) as http:
        group = results(http.post("/api/v1/org/groups", json={"name": "kept"}))["uuid"]
    second = Sandbox(token="s3cr3t-42", data_file=data)
    with httpx.Client(transport=second.transport(), base_url="http://sandbox/lightdash",
                      headers={"Authorization": "ApiKey s3cr3t-42"}) as http:
        assert results(http.get(f"/api/v1/groups/{group}"))["name"] == "kept"


def test_every_read_route_answers_over_raw_http(http):
    group = results(http.post("/api/v1/org/groups", json={"name": "g", "members": [{"userUuid": BOB}]}))["uuid"]
    http.post(f"/api/v1/projects/{P}/access", json={"email": "cy@acme.io", "role": "viewer", "sendEmail": False})
    chart = make_chart(http, "a")["data"]["uuid"]
    dashboard = results(http.post(f"/api/v1/projects/{P}/dashboards", json={"name": "D", "tabs": [], "tiles": []}))
    http.post("/api/v1/org/attributes", json={"name": "r", "attributeDefault": None, "users": [], "groups": []})
    paths = ["/api/v1/health", "/api/v1/user", "/api/v1/org", "/api/v1/org/allowedEmailDomains", "/api/v1/org/projects",
             f"/api/v1/projects/{P}", f"/api/v1/projects/{P}/explores", f"/api/v1/projects/{P}/explores/orders",
             "/api/v1/org/users", f"/api/v1/org/users/{BOB}", "/api/v1/org/users/email/BOB@acme.io",
             "/api/v1/org/groups", f"/api/v1/groups/{group}", f"/api/v1/groups/{group}/members",
             f"/api/v1/projects/{P}/access", f"/api/v1/projects/{P}/user/{CY}", f"/api/v1/projects/{P}/groupAccesses",
             f"/api/v1/projects/{P}/spaces", f"/api/v1/projects/{P}/spaces/{SHARED}", "/api/v1/org/attributes",
             f"/api/v1/projects/{P}/charts", f"/api/v1/projects/{P}/chart-summaries", f"/api/v1/saved/{chart}",
             f"/api/v1/saved/{chart}/history", f"/api/v1/projects/{P}/dashboards", f"/api/v1/dashboards/{dashboard['uuid']}",
             f"/api/v1/projects/{P}/charts/code", f"/api/v1/projects/{P}/dashboards/code", "/api/v2/content"]
    answers = {path: http.get(path) for path in paths}
    assert {path: r.status_code for path, r in answers.items() if r.status_code != 200} == {}
    assert results(answers["/api/v1/org/users/email/BOB@acme.io"])["userUuid"] == BOB
    assert results(answers[f"/api/v1/projects/{P}/user/{CY}"])["role"] == "viewer"
    assert [m["email"] for m in results(answers[f"/api/v1/groups/{group}/members"])] == ["bob@acme.io"]


def test_every_update_and_delete_route_answers_over_raw_http(http):
    group = results(http.post("/api/v1/org/groups", json={"name": "g"}))["uuid"]
    invited = results(http.post("/api/v1/invite-links", json={"email": "temp@acme.io"}))["userUuid"]
    http.post(f"/api/v1/projects/{P}/access", json={"email": "cy@acme.io", "role": "viewer", "sendEmail": False})
    http.post(f"/api/v1/groups/{group}/projects/{P}", json={"role": "viewer"})
    http.post(f"/api/v1/projects/{P}/spaces/{SHARED}/share", json={"userUuid": CY, "spaceRole": "viewer"})
    http.post(f"/api/v1/projects/{P}/spaces/{SHARED}/group/share", json={"groupUuid": group, "spaceRole": "viewer"})
    attribute = results(http.post("/api/v1/org/attributes", json={"name": "r", "attributeDefault": None,
                                                                   "users": [], "groups": []}))["uuid"]
    calls = [
        ("PATCH", f"/api/v1/org/users/{CY}", {"role": "editor"}),
        ("PATCH", f"/api/v1/groups/{group}", {"name": "g2"}),
        ("PATCH", f"/api/v1/projects/{P}/access/{CY}", {"role": "editor"}),
        ("PATCH", f"/api/v1/groups/{group}/projects/{P}", {"role": "editor"}),
        ("PUT", f"/api/v1/org/attributes/{attribute}", {"name": "r", "attributeDefault": "x", "users": [], "groups": []}),
        ("DELETE", f"/api/v1/projects/{P}/access/{CY}", None),
        ("DELETE", f"/api/v1/projects/{P}/spaces/{SHARED}/share/{CY}", None),
        ("DELETE", f"/api/v1/projects/{P}/spaces/{SHARED}/group/share/{group}", None),
        ("DELETE", f"/api/v1/org/attributes/{attribute}", None),
        ("DELETE", f"/api/v1/groups/{group}", None),
        ("DELETE", f"/api/v1/org/user/{invited}", None),
    ]
    statuses = {f"{m} {p}": http.request(m, p, json=b).status_code for m, p, b in calls}
    assert {k: v for k, v in statuses.items() if v != 200} == {}
    assert results(http.get(f"/api/v1/org/users/{CY}"))["role"] == "editor"
    assert results(http.get(f"/api/v1/projects/{P}/access")) == []
    assert results(http.get("/api/v1/org/groups"))["data"] == []
    assert http.get(f"/api/v1/org/users/{invited}").status_code == 404
