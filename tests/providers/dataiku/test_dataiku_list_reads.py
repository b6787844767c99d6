"""Reads through ``list`` (``reconciler.reads``): the same live view as ``read``, in fewer calls.

A listing type reads a container's objects with one ``list`` call where the list endpoint returns
them whole (datasets, managed folders, meanings), or shares one call among them (the project
list, the plugin list, the published projects' statuses, a project's wiki), and reads the
documents holding ``detail_fields`` (``read_details``) only where they are managed. Recipes and
scenarios, whose lists lack what ``read`` needs, are read one by one, as are project folders (an
id does not tell its parent) and the single object of a container.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from reconciler.providers.dataiku.provider import DATAIKU
from reconciler.providers.settings import resolve_settings
from reconciler.reads import read_object, list_container, look_up, lookup_key, read_group, read_groups
from reconciler.sandbox import Sandbox
from reconciler.testing import SANDBOX_BASE_URL
from reconciler.values import fingerprint
from reconciler.workspace import Workspace

API = "/dip/publicapi"


class Recording(httpx.BaseTransport):
    """The sandbox transport, remembering every request (the wire, not our client, is observed)."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.requests: list[httpx.Request] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.inner.handle_request(request)

    def paths(self) -> list[str]:
        return [f"{r.method} {r.url.path.split(API, 1)[-1].rstrip('/')}" for r in self.requests]


@pytest.fixture(scope="module")
def world():
    """Two projects and objects of every batched type; ``(sandbox, session, recording)``."""
    sandbox = Sandbox()
    recording = Recording(sandbox.transport())
    session = DATAIKU.connect(resolve_settings(DATAIKU, None, sandbox.env(SANDBOX_BASE_URL)), recording)
    make = lambda type_name, spec: session.resource(type_name).create(spec)  # noqa: E731
    for key in ("SALES", "OPS"):
        make("dataiku_project", {"key": key, "name": key.title()})
    folders = [make("dataiku_project_folder", {"name": name, "owner": "admin",
                                               "permissions": [{"group": "analysts", "read": True}]})[0]
               for name in ("Finance", "Ops")]
    make("dataiku_dataset", {"project": "SALES", "name": "orders", "type": "PostgreSQL",
                             "params": {"connection": "dwh", "mode": "table", "table": "orders"},
                             "description": "All orders\nsince 2020", "short_description": "orders",
                             "tags": ["raw", "pii"], "schema_columns": [{"name": "id", "type": "bigint"}]})
    make("dataiku_dataset", {"project": "SALES", "name": "events", "type": "Filesystem",
                             "params": {"connection": "filesystem_input", "path": "/events"}, "format_type": "csv",
                             "partitioning": {"dimensions": [{"name": "day", "type": "time",
                                                              "params": {"period": "DAY"}}]}})
    make("dataiku_dataset", {"project": "OPS", "name": "tickets", "type": "PostgreSQL",
                             "params": {"connection": "dwh", "table": "tickets"}})
    make("dataiku_managed_dataset", {"project": "SALES", "name": "clean", "connection": "filesystem_managed",
                                     "format_option": "CSV_EXCEL_GZIP", "tags": ["curated"]})
    make("dataiku_managed_folder", {"project": "SALES", "name": "models", "description": "trained models"})
    make("dataiku_managed_folder", {"project": "SALES", "name": "exports", "tags": ["out"]})
    make("dataiku_meaning", {"id": "dept", "label": "Department", "type": "VALUES_LIST", "values": ["HR", "IT"]})
    make("dataiku_meaning", {"id": "code", "label": "Code", "type": "PATTERN", "pattern": "[A-Z]{3}"})
    make("dataiku_plugin", {"id": "geocoder", "settings": {"provider": "osm"}})
    make("dataiku_plugin", {"id": "googlesheets"})
    make("dataiku_deployer_infra", {"id": "prod", "stage": "Production"})
    make("dataiku_deployer_project", {"key": "SALES", "bundles": ["v1"]})
    make("dataiku_deployer_project", {"key": "OPS"})
    home, _ = make("dataiku_wiki_article", {"project": "SALES", "name": "Home", "body": "# Sales\n", "home": True})
    child, _ = make("dataiku_wiki_article", {"project": "SALES", "name": "Runbook", "tags": ["ops"],
                                             "parent": home.split(".", 1)[1], "body": "step 1\n"})
    session.articles = (home, child)  # type: ignore[attr-defined]
    session.folders = tuple(folders)  # type: ignore[attr-defined]
    yield sandbox, session, recording
    session.close()


def _ids(session, type_name: str) -> list[str]:
    """Ids of every object of a listing type in the world, and one that does not exist."""
    articles = list(session.articles)
    return {
        "dataiku_dataset": ["SALES.orders", "SALES.events", "SALES.gone"],
        "dataiku_managed_dataset": ["SALES.clean", "SALES.gone"],
        "dataiku_managed_folder": [f"SALES.{f['id']}" for f in session.client.list_managed_folders("SALES")]
        + ["SALES.zzzzzzzz"],
        "dataiku_meaning": ["dept", "code", "gone"],
        "dataiku_plugin": ["geocoder", "googlesheets", "gone"],
        "dataiku_deployer_project": ["SALES", "OPS", "GONE"],
        "dataiku_project": ["SALES", "OPS", "GONE"],
        "dataiku_project_folder": [*session.folders, "zzzzzzz"],
        "dataiku_wiki_article": articles + ["SALES.nope"],
    }[type_name]


#: listing type -> requests reading the ids of ``_ids`` makes, every detail field wanted, given
#: (ids asked, objects found)
LISTED = [
    pytest.param("dataiku_dataset", lambda asked, found: 1, id="dataset"),
    pytest.param("dataiku_managed_dataset", lambda asked, found: 1, id="managed-dataset"),
    pytest.param("dataiku_managed_folder", lambda asked, found: 1, id="managed-folder"),
    pytest.param("dataiku_meaning", lambda asked, found: 1, id="meaning"),
    pytest.param("dataiku_plugin", lambda asked, found: 1 + found, id="plugin: list + settings of each found"),
    pytest.param("dataiku_deployer_project", lambda asked, found: 1 + found,
                 id="published-project: list + settings of each found"),
    pytest.param("dataiku_wiki_article", lambda asked, found: 1 + found, id="wiki-article: wiki + each article"),
    pytest.param("dataiku_project_folder", lambda asked, found: 2 * found + (asked - found),
                 id="folder: document and settings of each (no call lists folders whole; a missing one: one 404)"),
    pytest.param("dataiku_project", lambda asked, found: 1 + 3 * found,
                 id="project: list with locations + permissions, variables, metadata of each found (5 with read)"),
]


def _read(rt, ids: list[str]) -> dict:
    """``ids`` read as a refresh reads them, every detail field wanted."""
    out = {}
    for group in read_groups(rt, ids, {i: rt.detail_fields for i in ids}):
        out.update(read_group(rt, group)[0])
    return out


@pytest.mark.parametrize("type_name, calls", LISTED)
def test_listed_reads_build_exactly_what_read_builds(world, type_name, calls):
    _, session, _ = world
    rt = session.resource(type_name)
    ids = _ids(session, type_name)
    lives = _read(rt, ids)
    for object_id in ids:
        one = read_object(rt, object_id)  # read, with every detail field
        assert lives.get(object_id) == one, object_id
        assert fingerprint(rt, lives.get(object_id)) == fingerprint(rt, one)
    assert [i for i in ids if lives.get(i) is None] == ids[-1:]  # only the missing one is missing


@pytest.mark.parametrize("type_name, calls", LISTED)
def test_listed_reads_calls_per_container(world, type_name, calls):
    _, session, recording = world
    rt = session.resource(type_name)
    ids = _ids(session, type_name)
    present = [i for i in ids if rt.read(i) is not None]
    recording.requests.clear()
    _read(rt, ids)
    assert len(recording.requests) == calls(len(ids), len(present)), recording.paths()
    assert all(r.method == "GET" for r in recording.requests)


def test_a_list_is_cheaper_than_reads_for_datasets(world):
    _, session, recording = world
    rt = session.resource("dataiku_dataset")
    recording.requests.clear()
    for object_id in ("SALES.orders", "SALES.events"):
        rt.read(object_id)
    assert recording.paths() == ["GET /projects/SALES/datasets/orders", "GET /projects/SALES/datasets/events"]
    recording.requests.clear()
    _read(rt, ["SALES.orders", "SALES.events"])
    assert recording.paths() == ["GET /projects/SALES/datasets"]


@pytest.mark.parametrize("type_name, ids, lists", [
    pytest.param("dataiku_dataset", ["SALES.orders", "SALES.events"], 1, id="dataset-same-project"),
    pytest.param("dataiku_dataset", ["SALES.orders", "OPS.tickets"], 0, id="dataset-other-project: each read"),
    pytest.param("dataiku_managed_dataset", ["SALES.clean", "SALES.raw", "OPS.clean"], 1,
                 id="managed-dataset: one project listed, the other's one object read"),
    pytest.param("dataiku_managed_folder", ["SALES.ab12cd34", "SALES.zz"], 1, id="managed-folder-same-project"),
    pytest.param("dataiku_wiki_article", ["SALES.a1", "SALES.a2", "OPS.a1"], 1, id="article"),
    pytest.param("dataiku_meaning", ["dept", "code"], 1, id="meaning-one-instance-list"),
    pytest.param("dataiku_plugin", ["geocoder", "x"], 1, id="plugin-one-instance-list"),
    pytest.param("dataiku_deployer_project", ["SALES", "OPS"], 1, id="published-project-one-deployer-list"),
    pytest.param("dataiku_deployer_infra", ["prod", "dev"], 1, id="infra-one-deployer-list"),
    pytest.param("dataiku_deployer_deployment", ["a", "b"], 1, id="deployment-one-deployer-list"),
    pytest.param("dataiku_project", ["SALES", "OPS"], 1, id="project-one-instance-list"),
    pytest.param("dataiku_project_folder", ["Ab12Cd3", "Zz98Yx7"], 0, id="folders: an id does not tell its parent"),
])
def test_reads_by_id_share_a_list_per_container(type_name, ids, lists):
    rt = DATAIKU.resource_types[type_name](None)
    groups = read_groups(rt, ids, {})
    assert sum(g.listed for g in groups) == lists
    assert sorted(i for g in groups for i in g.ids) == sorted(ids)


@pytest.mark.parametrize("type_name", [
    pytest.param("dataiku_recipe", id="recipe: the list lacks the payload"),
    pytest.param("dataiku_scenario", id="scenario: the list holds light views"),
])
def test_types_whose_list_lacks_what_read_needs_are_read_one_by_one(type_name):
    rt = DATAIKU.resource_types[type_name](None)
    groups = read_groups(rt, ["SALES.x", "SALES.y"], {})
    assert [(g.ids, g.listed) for g in groups] == [(("SALES.x",), False), (("SALES.y",), False)]


@pytest.mark.parametrize("type_name, object_id", [
    pytest.param("dataiku_dataset", "NOPE.orders", id="dataset"),
    pytest.param("dataiku_managed_dataset", "NOPE.clean", id="managed-dataset"),
    pytest.param("dataiku_managed_folder", "NOPE.ab12cd34", id="managed-folder"),
    pytest.param("dataiku_wiki_article", "NOPE.1", id="wiki-article"),
    pytest.param("dataiku_recipe", "NOPE.compute", id="recipe"),
    pytest.param("dataiku_scenario", "NOPE.NIGHTLY", id="scenario"),
])
def test_objects_of_a_deleted_project_come_back_missing(world, type_name, object_id):
    """Not an error: the refresh then looks each one up by its natural key, as after a ``read``."""
    _, session, _ = world
    rt = session.resource(type_name)
    assert list_container(rt, "NOPE").objects == {}
    assert _read(rt, [object_id]) == {object_id: None}


@pytest.mark.parametrize("list_path, get_path, key", [
    pytest.param("/projects/SALES/datasets/", "/projects/SALES/datasets/{}", lambda d: d["name"], id="datasets"),
    pytest.param("/projects/SALES/managedfolders/", "/projects/SALES/managedfolders/{}", lambda f: f["id"],
                 id="managed-folders"),
    pytest.param("/meanings/", "/meanings/{}", lambda m: m["id"], id="meanings"),
    pytest.param("/project-deployer/projects", "/project-deployer/projects/{}", lambda p: p["projectBasicInfo"]["id"],
                 id="published-projects"),
])
def test_emulator_lists_return_the_documents_get_returns(world, list_path, get_path, key):
    """What batching relies on: each listed item is the document the per-object GET returns."""
    sandbox, _, _ = world
    with httpx.Client(transport=sandbox.transport(), base_url=f"{SANDBOX_BASE_URL}/dataiku{API}",
                      auth=(sandbox.token, "")) as raw:
        listed = raw.get(list_path).json()
        assert len(listed) >= 2
        for item in listed:
            assert item == raw.get(get_path.format(key(item))).json()


def test_a_no_change_plan_reads_each_projects_datasets_with_one_call(tmp_path: Path):
    """Through the engine: 3 projects x 4 datasets; an outside edit still shows (the list is fresh)."""
    lines = ["resources:"]
    for p in range(3):
        lines += [f"  dataiku_project.p{p}:", f"    key: P{p}", f"    name: Project {p}"]
        for d in range(4):
            lines += [f"  dataiku_dataset.p{p}_d{d}:", f"    project: ${{dataiku_project.p{p}.key}}",
                      f"    name: d{d}", "    type: PostgreSQL", f"    params: {{connection: dwh, table: t{d}}}",
                      "    description: raw table", "    tags: [raw]"]
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "estate.yaml").write_text("\n".join(lines) + "\n")
    sandbox = Sandbox()
    recording = Recording(sandbox.transport())
    ws = Workspace(specs_path=str(tmp_path / "specs"), state_location=str(tmp_path / "state.json"),
                   env=sandbox.env(SANDBOX_BASE_URL), transports={"dataiku": recording})
    ws.apply()
    recording.requests.clear()
    assert not ws.plan().has_changes()
    dataset_reads = [p for p in recording.paths() if "/datasets" in p]
    assert sorted(dataset_reads) == [f"GET /projects/P{p}/datasets" for p in range(3)]
    session = DATAIKU.connect(resolve_settings(DATAIKU, None, sandbox.env(SANDBOX_BASE_URL)), sandbox.transport())
    meta = session.client.get_dataset_metadata("P1", "d2")
    session.client.put_dataset_metadata("P1", "d2", {**meta, "description": "edited in DSS"})
    session.close()
    changed = [c for c in ws.plan().changes if c.action.value != "no-op"]
    assert [str(c.address) for c in changed] == ["dataiku_dataset.p1_d2"]


@pytest.mark.parametrize("type_name, specs, found", [
    pytest.param("dataiku_dataset", [{"project": "SALES", "name": "orders"}, {"project": "SALES", "name": "clean"},
                                     {"project": "SALES", "name": "gone"}], ["SALES.orders", None, None],
                 id="dataset: the managed one is not it"),
    pytest.param("dataiku_managed_dataset", [{"project": "SALES", "name": "clean"},
                                             {"project": "SALES", "name": "orders"}], ["SALES.clean", None],
                 id="managed-dataset"),
    pytest.param("dataiku_dataset", [{"project": "NOPE", "name": "orders"}], [None], id="dataset-in-a-missing-project"),
])
def test_lookups_by_natural_key_take_one_list_call_per_project(world, type_name, specs, found):
    _, session, recording = world
    rt = session.resource(type_name)
    keys = {lookup_key(rt, s) for s in specs}
    assert len(keys) == 1
    recording.requests.clear()
    answers, _ = look_up(rt, specs, keys.pop())
    assert len(recording.requests) == 1, recording.paths()
    assert answers == [(i, rt.read(i)) if i else None for i in found]
