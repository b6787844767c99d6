"""``LightdashClient``: error rendering, not-found detection, pagination, the directory cache and
authentication, against the in-process sandbox (no mocks of our own client)."""

from __future__ import annotations

import json

import httpx
import pytest

from reconciler.errors import ApiError, NotFoundError, ProviderError
from reconciler.providers.lightdash.client import error_message, error_name, is_not_found
from reconciler.providers.lightdash.provider import auth_scheme
from tests.providers.lightdash.conftest import PROJECT


def response(status: int, body) -> httpx.Response:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return httpx.Response(status, content=content, request=httpx.Request("GET", "http://x/api/v1/y"))


def envelope(status: int, name: str, message: str, data=None) -> dict:
    return {"status": "error", "error": {"statusCode": status, "name": name, "message": message, "data": data or {}}}


@pytest.mark.parametrize("status, body, expected", [
    pytest.param(404, envelope(404, "NotFoundError", "No group found"), "NotFoundError: No group found", id="envelope"),
    pytest.param(422, envelope(422, "ValidateError", "", {"body.role": {"message": "should be one of the following; "
                                                                        "['viewer']", "value": "owner"}}),
                 "ValidateError: body.role should be one of the following; ['viewer'] (got 'owner')", id="validate"),
    pytest.param(422, envelope(422, "ValidateError", "", {"body.name": {"message": "'name' is required"}}),
                 "ValidateError: body.name 'name' is required", id="validate-missing"),
    pytest.param(500, envelope(500, "UnexpectedServerError", ""), "UnexpectedServerError: no message", id="no-message"),
    pytest.param(502, b"<html>bad gateway</html>", "<html>bad gateway</html>", id="not-json"),
    pytest.param(400, {"message": "plain"}, "plain", id="other-json"),
])
def test_error_message(status, body, expected):
    assert error_message(response(status, body)) == expected


@pytest.mark.parametrize("status, body, expected", [
    pytest.param(404, envelope(404, "NotFoundError", "x"), True, id="lightdash-404"),
    pytest.param(404, envelope(404, "NotExistsError", "x"), True, id="not-exists"),
    pytest.param(404, b"Not Found", False, id="bare-404-wrong-url"),
    pytest.param(409, envelope(409, "AlreadyExistsError", "x"), False, id="conflict"),
])
def test_is_not_found(status, body, expected):
    assert is_not_found(response(status, body)) is expected


@pytest.mark.parametrize("token, scheme", [
    pytest.param("ldpat_0123", "ApiKey", id="personal-access-token"),
    pytest.param("0123456789abcdef", "ApiKey", id="legacy-token"),
    pytest.param("ldsvc_abc", "Bearer", id="service-account"),
])
def test_auth_scheme(token, scheme):
    assert auth_scheme(token) == scheme


def test_api_errors_carry_the_lightdash_name_and_never_the_token(client, sandbox):
    client.create_group("analysts", [])
    with pytest.raises(ApiError) as info:
        client.create_group("analysts", [])
    assert info.value.status == 409 and error_name(info.value) == "AlreadyExistsError"
    assert "Group name already exists" in str(info.value)
    with pytest.raises(NotFoundError):
        client.group("00000000-0000-4000-8000-000000000000")
    assert sandbox.token not in str(info.value) and sandbox.token not in repr(client.http)


def test_members_and_groups_follow_every_page(client, world):
    for n in range(130):
        world._s["users"][f"u{n}"] = {**world.caller, "userUuid": f"u{n}", "email": f"user{n}@acme.io", "role": "viewer"}
    members = client.members()
    assert len(members) == 135 and len({m["userUuid"] for m in members}) == 135
    for n in range(105):
        client.create_group(f"g{n:03}", [])
    assert len(client.groups()) == 105


def test_content_as_code_follows_offset_and_total(client, world):
    world.max_downloads = 2
    for n in range(5):
        client.upsert_chart(PROJECT, f"c{n}", {
            "name": f"C{n}", "slug": f"c{n}", "updatedAt": "2025-01-02T09:00:00.000Z", "tableName": "orders",
            "tableConfig": {"columnOrder": []}, "version": 1, "spaceSlug": "shared",
            "metricQuery": {}, "chartConfig": {"type": "table"}})
    assert [c["slug"] for c in client.charts_as_code(PROJECT)] == [f"c{n}" for n in range(5)]
    assert [c["slug"] for c in client.charts_as_code(PROJECT, ["c4", "c0"])] == ["c0", "c4"]


def test_the_directory_cache_is_dropped_by_the_clients_own_writes(client, sandbox):
    before = sandbox.counts["lightdash"]["requests"]
    client.members(), client.members(), client.groups(), client.groups()
    assert sandbox.counts["lightdash"]["requests"] - before == 2  # one listing each, then cached
    client.invite("new@acme.io", "viewer", "2030-01-01T00:00:00.000Z")
    assert client.member_by_email("NEW@acme.io") is not None  # re-listed after the write


def test_writes_outside_the_directory_keep_it_and_concurrent_callers_share_one_listing(client, sandbox):
    from concurrent.futures import ThreadPoolExecutor

    before = sandbox.counts["lightdash"]["requests"]
    with ThreadPoolExecutor(8) as pool:
        assert len(set(map(len, pool.map(lambda _: client.groups(), range(8))))) == 1
    client.create_space(PROJECT, {"name": "Finance"})
    client.groups()
    assert sandbox.counts["lightdash"]["requests"] - before == 2  # one listing, one write
    client.create_group("analysts", [])
    assert client.group_uuid("analysts")  # a group write drops the group directory


def test_groups_this_client_wrote_are_translated_from_the_writes_answers(client, sandbox, world):
    group = client.create_group("analysts", [])["uuid"]
    before = sandbox.counts["lightdash"]["requests"]
    assert client.group_uuid("analysts") == group and client.group_name(group) == "analysts"
    client.update_group(group, {"name": "finance"})
    assert client.group_uuid("finance") == group and client.group_name(group) == "finance"
    assert sandbox.counts["lightdash"]["requests"] - before == 1  # the rename; no listing
    with pytest.raises(ProviderError, match="no Lightdash group is named 'analysts'"):
        client.group_uuid("analysts")  # the old name: listed, and not there
    client.delete_group(group)
    with pytest.raises(ProviderError, match="no Lightdash group is named 'finance'"):
        client.group_uuid("finance")


def test_a_missing_member_or_group_is_named(client):
    with pytest.raises(ProviderError, match="no member of the Lightdash organization has the email 'x@y.io'"):
        client.user_uuid("x@y.io")
    with pytest.raises(ProviderError, match="no Lightdash group is named 'nobody'"):
        client.group_uuid("nobody")


def test_a_group_with_many_members_is_read_page_by_page(client, world, monkeypatch):
    from reconciler.providers.lightdash import client as client_module

    monkeypatch.setattr(client_module, "MEMBER_PAGE", 2)
    uuids = [u for u in world._s["users"]][:5]
    created = client.create_group("big", uuids)
    group = client.group(created["uuid"])
    assert group["memberUuids"] == uuids and len(group["members"]) == 5
