"""``dataiku_wiki_article`` (body files, parent moves, home page) and the metadata a project
gained (checklists, custom fields, who changed it last)."""

from __future__ import annotations

import httpx
import pytest

from reconciler.diff import compare
from reconciler.providers.dataiku.resources import Project, WikiArticle
from reconciler.reads import find_one
from reconciler.testing import SANDBOX_BASE_URL, sandbox_session

API = "/dip/publicapi"
P = "SALES"


@pytest.fixture
def world(tmp_path, monkeypatch):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "home.md").write_text("# Home\n\nWelcome.\n")
    monkeypatch.setenv("RECONCILER_SPECS", str(tmp_path))
    sandbox, session = sandbox_session()
    session.resource("dataiku_project").create({"key": P, "name": "Sales"})
    raw = httpx.Client(transport=sandbox.transport(), base_url=f"{SANDBOX_BASE_URL}/dataiku{API}",
                       auth=(sandbox.token, ""))
    yield tmp_path, session, raw
    raw.close()
    session.close()


# -- wiki ---------------------------------------------------------------------------------------
def test_article_body_from_a_file_and_its_place_in_the_tree(world):
    root, session, raw = world
    rt = session.resource("dataiku_wiki_article")
    home_id, home = rt.create({"project": P, "name": "Home", "body_file": "docs/home.md", "home": True})
    child_spec = {"project": P, "name": "Runbook", "parent": home["id"], "body": "steps"}
    child_id, child = rt.create(child_spec)
    assert raw.get(f"/projects/{P}/wiki/").json()["taxonomy"] == [
        {"id": home["id"], "children": [{"id": child["id"], "children": []}]}]
    assert raw.get(f"/projects/{P}/wiki/{home['id']}").json()["payload"] == "# Home\n\nWelcome.\n"
    assert compare(rt, {"project": P, "name": "Home", "body_file": "docs/home.md", "home": True}, home) == ()

    (root / "docs" / "home.md").write_text("# Home\n\nWelcome, team.\n")
    assert [d.top for d in compare(rt, {"project": P, "name": "Home", "body_file": "docs/home.md"},
                                   rt.read(home_id))] == ["body_file"]

    moved = {**child_spec, "parent": None}
    child = rt.update(child_id, child, moved, frozenset({"parent"}))
    assert child["parent"] is None and compare(rt, moved, child) == ()
    assert [n["id"] for n in raw.get(f"/projects/{P}/wiki/").json()["taxonomy"]] == [home["id"], child["id"]]


def test_article_is_found_by_name_and_renamed_in_place(world):
    _, session, raw = world
    made = raw.post(f"/projects/{P}/wiki/", json={"projectKey": P, "name": "Notes", "parent": None}).json()
    rt = session.resource("dataiku_wiki_article")
    found = find_one(rt, {"project": P, "name": "Notes"})
    assert found is not None and found[0] == f"{P}.{made['article']['id']}"
    live = rt.update(found[0], found[1], {"project": P, "name": "Team notes"}, frozenset({"name"}))
    assert live["name"] == "Team notes" and live["id"] == made["article"]["id"]
    assert find_one(rt, {"project": P, "name": "Notes"}) is None


def test_home_flag_moves_the_home_page(world):
    _, session, raw = world
    rt = session.resource("dataiku_wiki_article")
    first_id, first = rt.create({"project": P, "name": "First"})
    second_id, second = rt.create({"project": P, "name": "Second", "home": True})
    assert raw.get(f"/projects/{P}/wiki/").json()["homeArticleId"] == second["id"]
    rt.update(second_id, second, {"project": P, "name": "Second", "home": False}, frozenset({"home"}))
    assert raw.get(f"/projects/{P}/wiki/").json()["homeArticleId"] is None
    assert WikiArticle(None).normalize({"home": None, "tags": ["b", "a"]}) == {"tags": ["a", "b"]}


def test_deleting_an_article_moves_its_children_up(world):
    _, session, raw = world
    rt = session.resource("dataiku_wiki_article")
    parent_id, parent = rt.create({"project": P, "name": "Parent"})
    _, child = rt.create({"project": P, "name": "Child", "parent": parent["id"]})
    rt.delete(parent_id)
    assert raw.get(f"/projects/{P}/wiki/").json()["taxonomy"] == [{"id": child["id"], "children": []}]
    rt.delete(parent_id)


# -- project metadata ---------------------------------------------------------------------------
def test_checklists_keep_what_dss_added(world):
    _, session, raw = world
    rt = session.resource("dataiku_project")
    spec = {"key": P, "name": "Sales", "checklists": [{"title": "go-live", "items": [{"text": "docs"},
                                                                                     {"text": "tests"}]}]}
    live = rt.update(P, rt.read(P), spec, frozenset({"checklists"}))
    stored = raw.get(f"/projects/{P}/metadata").json()["checklists"]["checklists"][0]
    checklist_id, created = stored["id"], stored["items"][0]["createdOn"]
    assert compare(rt, spec, live) == ()

    done = {**spec, "checklists": [{"title": "go-live", "items": [{"text": "docs", "done": True},
                                                                  {"text": "tests"}]}]}
    live = rt.update(P, live, done, frozenset({"checklists"}))
    stored = raw.get(f"/projects/{P}/metadata").json()["checklists"]["checklists"][0]
    assert stored["id"] == checklist_id and stored["items"][0]["createdOn"] == created
    assert stored["items"][0]["done"] is True and compare(rt, done, live) == ()


def test_custom_fields_and_metadata(world):
    _, session, raw = world
    rt = session.resource("dataiku_project")
    spec = {"key": P, "name": "Sales", "custom_fields": {"cost_center": "42"}, "custom_metadata": {"team": "data"}}
    live = rt.update(P, rt.read(P), spec, frozenset({"custom_fields", "custom_metadata"}))
    metadata = raw.get(f"/projects/{P}/metadata").json()
    assert metadata["customFields"] == {"cost_center": "42"} and metadata["custom"] == {"kv": {"team": "data"}}
    assert compare(rt, spec, live) == ()


def test_last_modified_names_who_and_when(world):
    _, session, _ = world
    rt = session.resource("dataiku_project")
    who, when = rt.last_modified(rt.read(P))
    assert who == "admin" and when is not None and when.endswith("+00:00")
    assert "last_modified" not in rt.normalize(rt.read(P))  # never diffed, never in a fingerprint


@pytest.mark.parametrize("attrs, expected", [
    pytest.param({"checklists": None}, {"checklists": []}, id="no-checklists"),
    pytest.param({"checklists": [{"title": "t", "id": "x", "items": [{"text": "a", "createdOn": 1}]}]},
                 {"checklists": [{"title": "t", "items": [{"text": "a", "done": False}]}]}, id="stamps-dropped"),
    pytest.param({"custom_fields": None, "custom_metadata": None}, {"custom_fields": {}, "custom_metadata": {}},
                 id="custom-none-is-empty"),
])
def test_project_normalize(attrs, expected):
    assert Project(None).normalize(attrs) == expected
