"""Batched reads (``batch_key`` / ``read_many``): the same live view as ``read``, in fewer calls.

A batched type reads a container's objects through the list endpoint that returns them whole
(datasets, managed folders, meanings) or shares one call among them (the plugin list, the
published projects' statuses, a project's wiki); what the list lacks is still read per object.
The refresh runs one ``read_many`` per (type, container) and layer.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from reconciler.providers.base import ResourceType
from reconciler.providers.dataiku.provider import DATAIKU
from reconciler.providers.settings import resolve_settings
from reconciler.values import fingerprint
from reconciler.sandbox import Sandbox
from reconciler.testing import SANDBOX_BASE_URL
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
    """Ids of every object of a batched type in the world, and one that does not exist."""
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


#: batched type -> calls one ``read_many`` of a container makes, given (ids asked, objects found)
BATCHED = [
    pytest.param("dataiku_dataset", lambda asked, found: 1, id="dataset"),
    pytest.param("dataiku_managed_dataset", lambda asked, found: 1, id="managed-dataset"),
    pytest.param("dataiku_managed_folder", lambda asked, found: 1, id="managed-folder"),
    pytest.param("dataiku_meaning", lambda asked, found: 1, id="meaning"),
    pytest.param("dataiku_plugin", lambda asked, found: 1 + found, id="plugin: list + settings of each found"),
    pytest.param("dataiku_deployer_project", lambda asked, found: 1 + found,
                 id="published-project: list + settings of each found"),
    pytest.param("dataiku_wiki_article", lambda asked, found: 1 + asked, id="wiki-article: wiki + each article"),
    pytest.param("dataiku_project_folder", lambda asked, found: 2 * found + (asked - found),
                 id="folder: document and settings of each (no call lists folders whole; a missing one: one 404)"),
    pytest.param("dataiku_project", lambda asked, found: 1 + 3 * found,
                 id="project: list with locations + metadata, permissions, variables of each found (5 with read)"),
]


@pytest.mark.parametrize("type_name, calls", BATCHED)
def test_read_many_builds_exactly_what_read_builds(world, type_name, calls):
    _, session, _ = world
    rt = session.resource(type_name)
    ids = _ids(session, type_name)
    lives = rt.read_many(ids)
    for object_id in ids:
        one = rt.read(object_id)
        assert lives.get(object_id) == one, object_id
        assert fingerprint(rt, lives.get(object_id)) == fingerprint(rt, one)
    assert [i for i in ids if lives.get(i) is None] == ids[-1:]  # only the missing one is missing


@pytest.mark.parametrize("type_name, calls", BATCHED)
def test_read_many_calls_per_container(world, type_name, calls):
    _, session, recording = world
    rt = session.resource(type_name)
    ids = _ids(session, type_name)
    present = [i for i in ids if rt.read(i) is not None]
    assert len({rt.batch_key(i) for i in ids}) == 1
    recording.requests.clear()
    rt.read_many(ids)
    assert len(recording.requests) == calls(len(ids), len(present)), recording.paths()
    assert all(r.method == "GET" for r in recording.requests)


def test_read_many_is_cheaper_than_read_for_datasets(world):
    _, session, recording = world
    rt = session.resource("dataiku_dataset")
    recording.requests.clear()
    for object_id in ("SALES.orders", "SALES.events"):
        rt.read(object_id)
    assert recording.paths() == ["GET /projects/SALES/datasets/orders", "GET /projects/SALES/datasets/orders/metadata",
                                 "GET /projects/SALES/datasets/events", "GET /projects/SALES/datasets/events/metadata"]
    recording.requests.clear()
    rt.read_many(["SALES.orders", "SALES.events"])
    assert recording.paths() == ["GET /projects/SALES/datasets"]


@pytest.mark.parametrize("type_name, a, b, same", [
    pytest.param("dataiku_dataset", "SALES.orders", "SALES.events", True, id="dataset-same-project"),
    pytest.param("dataiku_dataset", "SALES.orders", "OPS.tickets", False, id="dataset-other-project"),
    pytest.param("dataiku_managed_dataset", "SALES.clean", "OPS.clean", False, id="managed-dataset-other-project"),
    pytest.param("dataiku_managed_folder", "SALES.ab12cd34", "SALES.zz", True, id="managed-folder-same-project"),
    pytest.param("dataiku_wiki_article", "SALES.a1", "OPS.a1", False, id="article-other-project"),
    pytest.param("dataiku_meaning", "dept", "code", True, id="meaning-one-instance-list"),
    pytest.param("dataiku_plugin", "geocoder", "x", True, id="plugin-one-instance-list"),
    pytest.param("dataiku_deployer_project", "SALES", "OPS", True, id="published-project-one-deployer-list"),
    pytest.param("dataiku_project", "SALES", "OPS", True, id="project-one-instance-list"),
    pytest.param("dataiku_project_folder", "Ab12Cd3", "Zz98Yx7", True, id="folders-side-by-side"),
])
def test_batch_key_is_the_container(type_name, a, b, same):
    rt = DATAIKU.resource_types[type_name](None)
    assert (rt.batch_key(a) == rt.batch_key(b)) is same
    assert rt.batch_key(a) is not None


@pytest.mark.parametrize("type_name", [
    pytest.param("dataiku_recipe", id="recipe: the list lacks the payload"),
    pytest.param("dataiku_scenario", id="scenario: the list holds light views"),
    pytest.param("dataiku_deployer_infra", id="infra: the list holds statuses, not settings"),
    pytest.param("dataiku_deployer_deployment", id="deployment: the list lacks settings and health"),
])
def test_types_whose_list_lacks_what_read_needs_are_read_one_by_one(type_name):
    cls = DATAIKU.resource_types[type_name]
    assert cls.read_many is ResourceType.read_many and cls(None).batch_key("SALES.x") is None


@pytest.mark.parametrize("type_name, object_id", [
    pytest.param("dataiku_dataset", "NOPE.orders", id="dataset"),
    pytest.param("dataiku_managed_dataset", "NOPE.clean", id="managed-dataset"),
    pytest.param("dataiku_managed_folder", "NOPE.ab12cd34", id="managed-folder"),
    pytest.param("dataiku_wiki_article", "NOPE.1", id="wiki-article"),
])
def test_objects_of_a_deleted_project_come_back_missing(world, type_name, object_id):
    """Not an error: the refresh then looks each one up by its natural key, as after a ``read``."""
    _, session, _ = world
    assert session.resource(type_name).read_many([object_id]).get(object_id) is None


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


@pytest.mark.parametrize("type_name, specs", [
    pytest.param("dataiku_dataset", [{"project": "SALES", "name": "orders"}, {"project": "SALES", "name": "clean"},
                                     {"project": "SALES", "name": "gone"}], id="dataset: the managed one is not it"),
    pytest.param("dataiku_managed_dataset", [{"project": "SALES", "name": "clean"},
                                             {"project": "SALES", "name": "orders"}], id="managed-dataset"),
    pytest.param("dataiku_dataset", [{"project": "NOPE", "name": "orders"}], id="dataset-in-a-missing-project"),
])
def test_find_many_finds_what_find_finds_with_one_list_call(world, type_name, specs):
    _, session, recording = world
    rt = session.resource(type_name)
    assert len({rt.find_key(s) for s in specs}) == 1
    one_by_one = [rt.find(s) for s in specs]
    recording.requests.clear()
    assert rt.find_many(specs) == one_by_one
    assert len(recording.requests) == 1, recording.paths()
