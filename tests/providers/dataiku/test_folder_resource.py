"""``dataiku_project_folder`` against the Dataiku emulator, over HTTP."""

from __future__ import annotations

import httpx
import pytest

from reconciler.errors import ApiError
from reconciler.reads import find_one
from reconciler.testing import SANDBOX_BASE_URL, run_lifecycle, sandbox_session

TYPE = "dataiku_project_folder"
API = "/dip/publicapi"


@pytest.fixture
def world():
    sandbox, session = sandbox_session()
    raw = httpx.Client(transport=sandbox.transport(), base_url=f"{SANDBOX_BASE_URL}/dataiku",
                       auth=(sandbox.token, ""))
    yield sandbox, session, raw
    raw.close()
    session.close()


def test_lifecycle_rename_move_and_permissions(world):
    _, session, _ = world
    rt = session.resource(TYPE)
    target_id, _ = rt.create({"name": "platform"})
    report = run_lifecycle(
        session, TYPE,
        {"name": "team_a", "permissions": [{"group": "analysts", "read": True}]},
        {"name": "team_a_renamed", "parent": target_id, "owner": "admin",
         "permissions": [{"group": "analysts", "read": True, "writeContents": True}, {"user": "jdoe", "admin": True}]},
    )
    assert report.changed == {"name", "parent", "permissions"}
    assert report.updated["parent"] == target_id
    assert report.created["parent"] == "ROOT"
    assert rt.read(target_id)["name"] == "platform"


def test_read_of_unknown_id_is_none(world):
    _, session, _ = world
    assert session.resource(TYPE).read("NoSuch1") is None


def test_find_adopts_by_parent_and_name(world):
    _, session, raw = world
    rt = session.resource(TYPE)
    parent = raw.post(f"{API}/project-folders/ROOT/children", params={"name": "outer"}).json()["id"]
    inner = raw.post(f"{API}/project-folders/{parent}/children", params={"name": "inner"}).json()["id"]
    raw.post(f"{API}/project-folders/ROOT/children", params={"name": "inner"})  # same name, other parent

    found = find_one(rt, {"name": "inner", "parent": parent})
    assert found is not None and found[0] == inner
    assert found[1]["parent"] == parent and found[1]["name"] == "inner"
    assert find_one(rt, {"name": "nope", "parent": parent}) is None
    assert find_one(rt, {"name": "inner", "parent": "NoSuch1"}) is None


def test_settings_read_modify_write_keeps_unknown_keys(world):
    _, session, raw = world
    rt = session.resource(TYPE)
    folder_id, _ = rt.create({"name": "f1", "permissions": [{"group": "g1", "read": True}]})
    settings = raw.get(f"{API}/project-folders/{folder_id}/settings").json()
    settings["someFutureSetting"] = {"keep": "me"}
    settings["permissions"][0]["futureFlag"] = True
    assert raw.put(f"{API}/project-folders/{folder_id}/settings", json=settings).status_code < 300

    live = rt.update(folder_id, rt.read(folder_id),
                     {"name": "f2", "permissions": [{"group": "g1", "read": True, "admin": True}]},
                     frozenset({"name", "permissions"}))

    assert live["name"] == "f2"
    after = raw.get(f"{API}/project-folders/{folder_id}/settings").json()
    assert after["someFutureSetting"] == {"keep": "me"}
    assert after["permissions"] == [{"group": "g1", "read": True, "writeContents": False, "admin": True,
                                     "futureFlag": True}]


def test_delete_of_non_empty_folder_raises_and_keeps_it(world):
    _, session, _ = world
    rt = session.resource(TYPE)
    outer, _ = rt.create({"name": "outer"})
    rt.create({"name": "inner", "parent": outer})
    with pytest.raises(ApiError):
        rt.delete(outer)
    assert rt.read(outer) is not None
