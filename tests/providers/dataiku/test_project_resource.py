"""``dataiku_project`` against the Dataiku emulator, over HTTP."""

from __future__ import annotations

import httpx
import pytest

from reconciler.diff import compare
from reconciler.providers.base import CreatedButFailed
from reconciler.reads import find_one
from reconciler.testing import SANDBOX_BASE_URL, run_lifecycle, sandbox_session

TYPE = "dataiku_project"
API = "/dip/publicapi"


@pytest.fixture
def world():
    sandbox, session = sandbox_session()
    raw = httpx.Client(transport=sandbox.transport(), base_url=f"{SANDBOX_BASE_URL}/dataiku",
                       auth=(sandbox.token, ""))
    yield sandbox, session, raw
    raw.close()
    session.close()


CREATE = {
    "key": "SALES",
    "name": "Sales analytics",
    "description": "All about sales",
    "tags": ["finance", "prod"],
    "variables": {"standard": {"warehouse": "dwh_prod", "threshold": 14}},
    "permissions": [{"group": "analysts", "readProjectContent": True, "readDashboards": True}],
}


def test_lifecycle_metadata_permissions_variables_and_move(world):
    _, session, _ = world
    target, _ = session.resource("dataiku_project_folder").create({"name": "finance"})
    report = run_lifecycle(session, TYPE, CREATE, {
        **CREATE,
        "name": "Sales analytics (v2)",
        "short_description": "sales KPIs",
        "tags": ["prod", "kpi"],
        "variables": {"standard": {"warehouse": "dwh_prod"}, "local": {"debug": True}},
        "permissions": [{"group": "analysts", "readProjectContent": True, "writeProjectContent": True},
                        {"user": "jdoe", "admin": True}],
        "folder": target,
        "owner": "admin",
    })
    assert report.changed == {"name", "short_description", "tags", "variables", "permissions", "folder"}
    assert report.created["folder"] == "ROOT" and report.updated["folder"] == target
    assert report.created["owner"] == "admin"  # default owner: the API key's user (GET /auth/info)


def test_create_in_folder(world):
    _, session, raw = world
    folder, _ = session.resource("dataiku_project_folder").create({"name": "team"})
    key, live = session.resource(TYPE).create({"key": "INFOLDER", "name": "In a folder", "folder": folder})
    assert live["folder"] == folder
    assert raw.get(f"{API}/project-folders/locate-project/{key}").json()["id"] == folder


def test_read_of_unknown_key_is_none(world):
    _, session, _ = world
    assert session.resource(TYPE).read("NO_SUCH_PROJECT") is None


def test_find_adopts_a_project_made_outside(world):
    _, session, raw = world
    rt = session.resource(TYPE)
    made = raw.post(f"{API}/projects/", json={"projectKey": "ADOPT", "name": "Made by hand", "owner": "admin",
                                              "permissions": [], "tags": ["b", "a"]})
    assert made.status_code < 300
    found = find_one(rt, {"key": "ADOPT", "name": "Made by hand"})
    assert found is not None and found[0] == "ADOPT"
    assert compare(rt, {"key": "ADOPT", "name": "Made by hand", "tags": ["a", "b"]}, found[1]) == ()
    assert find_one(rt, {"key": "ABSENT", "name": "x"}) is None


def test_update_keeps_fields_it_does_not_manage(world):
    _, session, raw = world
    rt = session.resource(TYPE)
    key, _ = rt.create(CREATE)
    meta = raw.get(f"{API}/projects/{key}/metadata").json()
    meta["custom"] = {"kv": {"cost_center": "42"}}
    meta["checklists"] = {"checklists": [{"title": "release", "items": [{"text": "tests", "done": True}]}]}
    meta["unknownKey"] = [1, 2]
    raw.put(f"{API}/projects/{key}/metadata", json=meta).raise_for_status()
    perms = raw.get(f"{API}/projects/{key}/permissions").json()
    perms["dashboardAuthorizations"] = {"allAuthorized": True, "authorizations": []}
    perms["permissions"][0]["futureFlag"] = True
    raw.put(f"{API}/projects/{key}/permissions", json=perms).raise_for_status()
    variables = raw.get(f"{API}/projects/{key}/variables/").json()
    variables["somethingElse"] = "kept"
    raw.put(f"{API}/projects/{key}/variables/", json=variables).raise_for_status()

    spec = {**CREATE, "tags": ["new"], "permissions": [{"group": "analysts", "admin": True}],
            "variables": {"standard": {"x": 1}}}
    live = rt.update(key, rt.read(key), spec, frozenset({"tags", "permissions", "variables"}))
    assert compare(rt, spec, live) == ()

    meta = raw.get(f"{API}/projects/{key}/metadata").json()
    assert meta["custom"] == {"kv": {"cost_center": "42"}}
    assert meta["checklists"]["checklists"][0]["title"] == "release"
    assert meta["unknownKey"] == [1, 2]
    assert meta["tags"] == ["new"]
    perms = raw.get(f"{API}/projects/{key}/permissions").json()
    assert perms["dashboardAuthorizations"]["allAuthorized"] is True
    assert perms["permissions"][0]["futureFlag"] is True and perms["permissions"][0]["admin"] is True
    assert raw.get(f"{API}/projects/{key}/variables/").json()["somethingElse"] == "kept"


def test_update_touches_only_changed_documents(world):
    sandbox, session, _ = world
    rt = session.resource(TYPE)
    key, live = rt.create(CREATE)
    before = sandbox.counts["dataiku"]["writes"]
    rt.update(key, live, {**CREATE, "tags": ["only-tags"]}, frozenset({"tags"}))
    assert sandbox.counts["dataiku"]["writes"] - before == 1  # one metadata PUT, nothing else


def test_follow_up_failure_reports_the_created_key(world):
    _, session, _ = world
    rt = session.resource(TYPE)
    with pytest.raises(CreatedButFailed) as info:
        rt.create({"key": "HALF", "name": "Half made", "owner": ""})  # the permissions PUT refuses an empty owner
    assert info.value.object_id == "HALF"
    assert "owner" in str(info.value.cause)
    assert rt.read("HALF") is not None


def test_delete_is_idempotent_and_can_drop_data(world):
    _, session, _ = world
    rt = session.resource(TYPE)
    key, _ = rt.create({"key": "GONE", "name": "To delete", "drop_data_on_destroy": True})
    rt.delete(key, attrs={"drop_data_on_destroy": True})
    assert rt.read(key) is None
    rt.delete(key)
