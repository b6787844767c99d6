"""``dataiku_dataset`` against the Dataiku emulator, over HTTP."""

from __future__ import annotations

import httpx
import pytest

from reconciler.errors import ApiError
from reconciler.providers.base import CreatedButFailed
from reconciler.reads import find_one
from reconciler.testing import SANDBOX_BASE_URL, run_lifecycle, sandbox_session
from reconciler.values import fingerprint

TYPE = "dataiku_dataset"
API = "/dip/publicapi"
PROJECT = "SALES"


@pytest.fixture
def world():
    sandbox, session = sandbox_session()
    session.resource("dataiku_project").create({"key": PROJECT, "name": "Sales"})
    raw = httpx.Client(transport=sandbox.transport(), base_url=f"{SANDBOX_BASE_URL}/dataiku",
                       auth=(sandbox.token, ""))
    yield sandbox, session, raw
    raw.close()
    session.close()


FILES = {
    "project": PROJECT,
    "name": "raw_orders",
    "type": "Filesystem",
    "params": {"connection": "filesystem_input", "path": "/orders"},
    "format_type": "csv",
    "format_params": {"style": "excel", "separator": ",", "parseHeaderRow": True},
    "schema_columns": [{"name": "id", "type": "bigint"}, {"name": "customer", "type": "string", "maxLength": 100}],
    "tags": ["raw"],
}
SQL = {
    "project": PROJECT,
    "name": "orders",
    "type": "PostgreSQL",
    "params": {"connection": "dwh", "mode": "table", "schema": "public", "table": "orders"},
    "description": "Orders from the shop",
}


@pytest.mark.parametrize(
    "create, update, changed",
    [
        pytest.param(FILES, {**FILES, "params": {"connection": "filesystem_input", "path": "/orders/v2"},
                             "schema_columns": [*FILES["schema_columns"], {"name": "amount", "type": "double"}],
                             "tags": ["raw", "orders"], "short_description": "raw export"},
                     {"params", "schema_columns", "tags", "short_description"}, id="files-params-schema-tags"),
        pytest.param(SQL, {**SQL, "params": {**SQL["params"], "table": "orders_v2"}, "description": "v2",
                           "partitioning": {"dimensions": [{"name": "day", "type": "time", "params": {"period": "DAY"}}]},
                           "format_params": {}},
                     {"params", "description", "partitioning"}, id="sql-table-partitioning-description"),
    ],
)
def test_lifecycle(world, create, update, changed):
    _, session, _ = world
    report = run_lifecycle(session, TYPE, create, update)
    assert report.object_id == f"{PROJECT}.{create['name']}"
    assert report.changed == changed


def test_read_returns_params_as_the_platform_stores_them(world):
    # The emulator stores params verbatim (no server-added defaults), so declared == live.
    _, session, _ = world
    object_id, live = session.resource(TYPE).create(SQL)
    assert live["params"] == SQL["params"]
    assert live["schema_columns"] == [] and live["partitioning"] is None and live["tags"] == []


@pytest.mark.parametrize("object_id", ["SALES.nope", "NO_PROJECT.orders"])
def test_read_of_missing_dataset_is_none(world, object_id):
    _, session, _ = world
    assert session.resource(TYPE).read(object_id) is None


def test_find_adopts_a_dataset_made_outside(world):
    _, session, raw = world
    raw.post(f"{API}/projects/{PROJECT}/datasets/", json={
        "name": "by_hand", "projectKey": PROJECT, "type": "PostgreSQL",
        "params": {"connection": "dwh", "table": "t"}, "formatType": None, "formatParams": {},
    }).raise_for_status()
    rt = session.resource(TYPE)
    found = find_one(rt, {"project": PROJECT, "name": "by_hand", "type": "PostgreSQL"})
    assert found is not None and found[0] == f"{PROJECT}.by_hand"
    assert found[1]["params"] == {"connection": "dwh", "table": "t"}
    assert find_one(rt, {"project": PROJECT, "name": "other", "type": "PostgreSQL"}) is None


def test_update_keeps_fields_it_does_not_manage(world):
    _, session, raw = world
    rt = session.resource(TYPE)
    object_id, _ = rt.create(FILES)
    url = f"{API}/projects/{PROJECT}/datasets/{FILES['name']}"
    doc = raw.get(url).json()
    doc["flowOptions"]["rebuildBehavior"] = "EXPLICIT"
    doc["someFutureField"] = {"a": 1}
    doc["schema"]["userModified"] = True
    raw.put(url, json=doc).raise_for_status()
    meta = raw.get(f"{url}/metadata").json()
    meta["custom"] = {"kv": {"owner_team": "data"}}
    raw.put(f"{url}/metadata", json=meta).raise_for_status()

    spec = {**FILES, "params": {"connection": "filesystem_input", "path": "/x"}, "tags": ["t2"],
            "schema_columns": [{"name": "id", "type": "bigint"}]}
    live = rt.update(object_id, rt.read(object_id), spec, frozenset({"params", "tags", "schema_columns"}))

    assert live["params"]["path"] == "/x" and live["tags"] == ["t2"]
    after = raw.get(url).json()
    assert after["flowOptions"]["rebuildBehavior"] == "EXPLICIT"
    assert after["someFutureField"] == {"a": 1}
    assert after["schema"] == {"columns": [{"name": "id", "type": "bigint"}], "userModified": True}
    assert raw.get(f"{url}/metadata").json()["custom"] == {"kv": {"owner_team": "data"}}


def test_an_invalid_document_is_refused_whole_so_nothing_is_half_created(world):
    # the whole document travels in the creation POST: a bad schema fails the create itself
    _, session, _ = world
    rt = session.resource(TYPE)
    spec = {**SQL, "name": "half", "schema_columns": [{"name": "a", "type": "varchar"}]}  # not a DSS column type
    with pytest.raises(ApiError) as info:
        rt.create(spec)
    assert not isinstance(info.value, CreatedButFailed) and info.value.status == 400
    assert rt.read(f"{PROJECT}.half") is None


def test_create_sends_one_post_and_reads_nothing_back(world):
    """The POST carries the whole document: the live view is what it sent, as DSS then holds it."""
    sandbox, session, _ = world
    rt = session.resource(TYPE)
    before = sandbox.counts["dataiku"]["requests"]
    object_id, live = rt.create({**SQL, "name": "whole", "description": "d", "tags": ["b", "a"],
                                 "schema_columns": [{"name": "id", "type": "bigint"}]})
    assert sandbox.counts["dataiku"]["requests"] - before == 1
    read = rt.read(object_id)
    assert rt.normalize(live) == rt.normalize(read) and fingerprint(rt, live) == fingerprint(rt, read)


def test_delete_is_idempotent(world):
    _, session, _ = world
    rt = session.resource(TYPE)
    object_id, _ = rt.create(SQL)
    rt.delete(object_id)
    assert rt.read(object_id) is None
    rt.delete(object_id)
