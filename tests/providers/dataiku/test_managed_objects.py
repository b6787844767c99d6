"""``dataiku_managed_dataset`` and ``dataiku_managed_folder``: creation through DSS, identity,
what replaces, read-modify-write, drop-data opt-in."""

from __future__ import annotations

import httpx
import pytest

from reconciler.diff import compare
from reconciler.errors import ApiError, ProviderError
from reconciler.providers.base import CreatedButFailed
from reconciler.providers.dataiku.provider import DATAIKU
from reconciler.providers.settings import resolve_settings
from reconciler.reads import find_one
from reconciler.testing import SANDBOX_BASE_URL, sandbox_session

API = "/dip/publicapi"
P = "SALES"


@pytest.fixture
def world():
    sandbox, session = sandbox_session()
    session.resource("dataiku_project").create({"key": P, "name": "Sales"})
    raw = httpx.Client(transport=sandbox.transport(), base_url=f"{SANDBOX_BASE_URL}/dataiku{API}",
                       auth=(sandbox.token, ""))
    yield sandbox, session, raw
    raw.close()
    session.close()


# -- managed datasets ---------------------------------------------------------------------------
def test_managed_dataset_is_made_by_dss_from_the_connection(world):
    _, session, raw = world
    rt = session.resource("dataiku_managed_dataset")
    object_id, live = rt.create({"project": P, "name": "clean", "connection": "filesystem_managed",
                                 "format_option": "CSV_EXCEL_GZIP", "tags": ["curated"]})
    doc = raw.get(f"/projects/{P}/datasets/clean").json()
    assert doc["managed"] is True and doc["type"] == "Filesystem"
    assert doc["formatParams"]["style"] == "excel" and doc["tags"] == ["curated"]
    assert live["connection"] == "filesystem_managed"
    assert rt.normalize({"format_option": "ORC", "drop_data_on_destroy": True, "tags": []}) == {"tags": []}


def test_managed_dataset_connection_change_is_a_replace(world):
    _, session, _ = world
    rt = session.resource("dataiku_managed_dataset")
    spec = {"project": P, "name": "clean", "connection": "filesystem_managed"}
    object_id, live = rt.create(spec)
    diff = compare(rt, {**spec, "connection": "dwh"}, live)
    assert {d.top for d in diff} == {"connection"} and "connection" in rt.create_only


def test_managed_and_external_datasets_never_adopt_each_other(world):
    _, session, _ = world
    session.resource("dataiku_managed_dataset").create({"project": P, "name": "clean", "connection": "dwh"})
    session.resource("dataiku_dataset").create({"project": P, "name": "raw", "type": "PostgreSQL",
                                                "params": {"connection": "dwh", "table": "raw"}})
    assert find_one(session.resource("dataiku_dataset"), {"project": P, "name": "clean"}) is None
    assert find_one(session.resource("dataiku_managed_dataset"), {"project": P, "name": "raw"}) is None
    assert find_one(session.resource("dataiku_managed_dataset"), {"project": P, "name": "clean"})[0] == f"{P}.clean"


def test_managed_dataset_refused_by_the_connection_creates_nothing(world):
    _, session, raw = world
    with pytest.raises(ApiError, match="does not allow managed datasets"):
        session.resource("dataiku_managed_dataset").create({"project": P, "name": "x",
                                                            "connection": "filesystem_input"})
    assert raw.get(f"/projects/{P}/datasets/").json() == []


def test_managed_dataset_follow_up_failure_reports_the_id(world):
    _, session, _ = world
    rt = session.resource("dataiku_managed_dataset")
    with pytest.raises(CreatedButFailed) as info:
        rt.create({"project": P, "name": "half", "connection": "dwh", "schema_columns": [{"name": "a", "type": "text"}]})
    assert info.value.object_id == f"{P}.half" and rt.read(f"{P}.half") is not None


class Recording(httpx.BaseTransport):
    """The sandbox transport, remembering every request (the wire, not our client, is observed)."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.requests: list[httpx.Request] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.inner.handle_request(request)


@pytest.mark.parametrize("type_name, spec", [
    pytest.param("dataiku_managed_dataset", {"project": P, "name": "clean", "connection": "dwh"}, id="dataset"),
    pytest.param("dataiku_managed_folder", {"project": P, "name": "models"}, id="folder"),
])
@pytest.mark.parametrize("drop", [True, False])
def test_data_is_dropped_only_when_asked(world, type_name, spec, drop):
    sandbox, _, _ = world
    recording = Recording(sandbox.transport())
    settings = resolve_settings(DATAIKU, None, sandbox.env(SANDBOX_BASE_URL))
    session = DATAIKU.connect(settings, recording)
    rt = session.resource(type_name)
    object_id, _ = rt.create({**spec, "drop_data_on_destroy": drop})
    rt.delete(object_id, attrs={"drop_data_on_destroy": drop})
    deletes = [r for r in recording.requests if r.method == "DELETE"]
    assert [r.url.params.get("dropData") for r in deletes] == [str(drop)]
    assert rt.read(object_id) is None
    session.close()


# -- managed folders ----------------------------------------------------------------------------
def test_managed_folder_has_a_server_id_and_is_found_by_name(world):
    _, session, raw = world
    rt = session.resource("dataiku_managed_folder")
    object_id, live = rt.create({"project": P, "name": "models", "tags": ["ml"]})
    folder_id = live["id"]
    assert object_id == f"{P}.{folder_id}" and len(folder_id) == 8
    assert find_one(rt, {"project": P, "name": "models"}) == (object_id, rt.read(object_id))
    assert find_one(rt, {"project": P, "name": "other"}) is None
    assert raw.get(f"/projects/{P}/managedfolders/{folder_id}").json()["params"]["path"] == "/${projectKey}/${odbId}"


def test_two_folders_with_one_name_make_adoption_refuse(world):
    _, session, raw = world
    for _ in range(2):
        raw.post(f"/projects/{P}/managedfolders/", json={"name": "dup", "projectKey": P}).raise_for_status()
    with pytest.raises(ProviderError, match="2 dataiku_managed_folder objects have the key SALES/dup"):
        find_one(session.resource("dataiku_managed_folder"), {"project": P, "name": "dup"})


def test_rename_and_connection_change_are_updates_path_is_a_replace(world):
    _, session, raw = world
    rt = session.resource("dataiku_managed_folder")
    spec = {"project": P, "name": "models"}
    object_id, live = rt.create(spec)
    folder_id = live["id"]
    url = f"/projects/{P}/managedfolders/{folder_id}"
    doc = raw.get(url).json()
    doc["flowOptions"]["rebuildBehavior"] = "EXPLICIT"
    raw.put(url, json=doc).raise_for_status()

    renamed = {**spec, "name": "Models", "description": "files"}
    live = rt.update(object_id, live, renamed, frozenset({"name", "description"}))
    assert compare(rt, renamed, live) == ()
    after = raw.get(url).json()
    assert after["name"] == "Models" and after["flowOptions"]["rebuildBehavior"] == "EXPLICIT"
    assert {d.top for d in compare(rt, {**renamed, "path": "/other"}, live)} == {"path"}
    assert "path" in rt.create_only and "connection" not in rt.create_only


def test_managed_folder_on_a_connection_without_folders_is_refused(world):
    _, session, raw = world
    with pytest.raises(ApiError, match="does not allow managed folders"):
        session.resource("dataiku_managed_folder").create({"project": P, "name": "m", "connection": "dwh"})
    assert raw.get(f"/projects/{P}/managedfolders/").json() == []
