"""A project's ``detail_fields`` (checklists, custom fields, custom metadata) live only in its
metadata document, one GET per project; the project list gives everything else. A refresh reads
that document only for the projects whose state or spec manages one of them, fingerprints leave
the details out, and drift and the stale-plan check still see a managed detail change. Folders
do the same with their settings document (owner, permissions)."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.errors import StalePlanError
from reconciler.providers.dataiku.provider import DATAIKU
from reconciler.providers.dataiku.resources import Project
from reconciler.providers.dataiku.resources.project import METADATA_DETAILS
from reconciler.providers.settings import resolve_settings
from reconciler.reads import read_object
from reconciler.values import fingerprint
from reconciler.sandbox import Sandbox
from reconciler.testing import SANDBOX_BASE_URL
from reconciler.workspace import Workspace

from tests.providers.dataiku.test_dataiku_list_reads import Recording

CHECKLIST = "[{title: launch, items: [{text: docs}]}]"


def _estate(specs: Path, checklists: dict[int, str] | None = None) -> None:
    lines = ["resources:"]
    for p in range(3):
        lines += [f"  dataiku_project.p{p}:", f"    key: P{p}", f"    name: Project {p}", "    tags: [t]"]
        if checklists and p in checklists:
            lines.append(f"    checklists: {checklists[p]}")
    specs.mkdir(exist_ok=True)
    (specs / "estate.yaml").write_text("\n".join(lines) + "\n")


@pytest.fixture
def estate(tmp_path):
    """``(workspace, recording, client)``: three projects applied, none managing a detail field."""
    sandbox = Sandbox()
    recording = Recording(sandbox.transport())
    _estate(tmp_path / "specs")
    ws = Workspace(specs_path=str(tmp_path / "specs"), state_location=str(tmp_path / "state.json"),
                   env=sandbox.env(SANDBOX_BASE_URL), transports={"dataiku": recording})
    assert ws.apply().ok
    session = DATAIKU.connect(resolve_settings(DATAIKU, None, sandbox.env(SANDBOX_BASE_URL)), sandbox.transport())
    yield ws, recording, session.client
    session.close()


def _metadata_reads(recording: Recording) -> list[str]:
    return sorted(p for p in recording.paths() if p.startswith("GET") and p.endswith("/metadata"))


def _edit_metadata(client, key: str, **changes) -> None:
    client.put_project_metadata(key, {**client.get_project_metadata(key), **changes})


def test_the_list_leaves_out_the_details_and_read_details_reads_only_what_is_asked(estate):
    ws, recording, _ = estate
    session = DATAIKU.connect(resolve_settings(DATAIKU, None, ws.env), ws.transports["dataiku"])
    try:
        rt = session.resource("dataiku_project")
        recording.requests.clear()
        listed = dict(rt.list(None))
        assert recording.paths() == ["GET /projects"]  # one call, with locations
        assert "GONE" not in listed
        for key in ("P0", "P1"):
            assert rt.read(key) == listed[key]  # read, like the list, leaves the details out
            whole = read_object(rt, key)
            assert set(whole) - set(listed[key]) == Project.detail_fields
            assert {k: v for k, v in whole.items() if k not in Project.detail_fields} == listed[key]
            assert fingerprint(rt, listed[key]) == fingerprint(rt, whole)
            recording.requests.clear()
            some = rt.read_details(key, listed[key], frozenset({"permissions", "variables"}))
            assert sorted(recording.paths()) == [f"GET /projects/{key}/permissions", f"GET /projects/{key}/variables"]
            assert some == {k: v for k, v in whole.items() if k not in METADATA_DETAILS}
    finally:
        session.close()


def test_a_plan_reads_no_metadata_document_when_no_detail_is_managed(estate):
    ws, recording, client = estate
    recording.requests.clear()
    assert not ws.plan().has_changes()
    assert _metadata_reads(recording) == []
    _edit_metadata(client, "P1", label="Renamed in DSS", checklists={"checklists": [{"title": "x", "items": []}]})
    changed = [c for c in ws.plan().changes if c.action.value != "no-op"]
    assert [(str(c.address), [d.path for d in c.diff]) for c in changed] == [("dataiku_project.p1", [("name",)])]
    assert [(str(d.address), d.kind) for d in ws.drift().drift] == [("dataiku_project.p1", "changed")]


def test_a_detail_declared_now_is_read_whole_and_planned(estate, tmp_path):
    ws, recording, client = estate
    _estate(tmp_path / "specs", {1: CHECKLIST})
    recording.requests.clear()
    plan = ws.plan()
    assert _metadata_reads(recording) == ["GET /projects/P1/metadata"]
    changed = [c for c in plan.changes if c.action.value != "no-op"]
    assert [(str(c.address), [d.path[0] for d in c.diff]) for c in changed] == [("dataiku_project.p1", ["checklists"])]
    assert ws.apply(plan).ok
    recording.requests.clear()
    assert not ws.plan().has_changes()
    assert _metadata_reads(recording) == ["GET /projects/P1/metadata"]  # state manages it now


def test_drift_sees_a_managed_detail_change_and_not_an_unmanaged_one(estate, tmp_path):
    ws, recording, client = estate
    _estate(tmp_path / "specs", {1: CHECKLIST})
    assert ws.apply().ok
    assert ws.drift().drift == ()
    _edit_metadata(client, "P2", checklists={"checklists": [{"title": "theirs", "items": []}]})
    assert ws.drift().drift == ()  # P2 manages no checklist: its metadata is not even read
    _edit_metadata(client, "P1", checklists={"checklists": []})
    drifted = ws.drift().drift
    assert [(str(d.address), d.kind) for d in drifted] == [("dataiku_project.p1", "changed")]


def test_fingerprints_recorded_with_the_details_are_not_taken_for_unmanaged_drift(estate, tmp_path):
    ws, _, _ = estate
    state_file = Path(ws.state_location)
    text = state_file.read_text()
    store = ws.store()
    state = store.read()
    old = {a: rs.fingerprint for a, rs in state.resources.items()}
    assert all(fp and fp.startswith("~") for fp in old.values())
    for fp in old.values():  # as an earlier version recorded them: 20 hex digits over every field
        text = text.replace(fp, "0123456789abcdef0123")
    state_file.write_text(text)
    assert ws.drift().drift == ()
    assert not ws.plan().has_changes()


def test_fingerprints_recorded_with_other_details_left_out_are_not_taken_for_unmanaged_drift(estate):
    ws, _, _ = estate
    state_file = Path(ws.state_location)
    text = state_file.read_text()
    old = {a: rs.fingerprint for a, rs in ws.store().read().resources.items()}
    for fp in old.values():  # as a version leaving out fewer fields recorded them: "~" + 19 hex digits
        text = text.replace(fp, "~0123456789abcdef012")
    state_file.write_text(text)
    assert ws.drift().drift == ()
    assert not ws.plan().has_changes()


def test_a_saved_plan_is_stale_when_a_managed_detail_changed(estate, tmp_path):
    ws, _, client = estate
    _estate(tmp_path / "specs", {1: CHECKLIST})
    assert ws.apply().ok
    (tmp_path / "specs" / "estate.yaml").write_text(
        (tmp_path / "specs" / "estate.yaml").read_text().replace("name: Project 1", "name: Project one"))
    plan = ws.plan()
    assert [str(c.address) for c in plan.actionable] == ["dataiku_project.p1"]
    meta = client.get_project_metadata("P1")
    items = meta["checklists"]["checklists"][0]["items"]
    items[0]["done"] = True
    client.put_project_metadata("P1", meta)
    with pytest.raises(StalePlanError, match="dataiku_project.p1"):
        ws.apply(plan)


def test_a_folder_s_settings_are_read_only_where_owner_or_permissions_are_managed(tmp_path):
    """Folders found by (parent, name) come from their parent's listing, and folders known by id
    are read by id (the id does not tell the parent); either way their settings are read only
    where owner or permissions are managed."""
    sandbox = Sandbox()
    recording = Recording(sandbox.transport())
    session = DATAIKU.connect(resolve_settings(DATAIKU, None, sandbox.env(SANDBOX_BASE_URL)), sandbox.transport())
    ids = {name: session.client.create_folder("ROOT", name)["id"] for name in ("Plain", "Guarded")}
    session.close()
    specs = tmp_path / "specs"
    specs.mkdir()
    estate = specs / "folders.yaml"
    estate.write_text("resources:\n"
                      "  dataiku_project_folder.plain:\n    name: Plain\n"
                      "  dataiku_project_folder.guarded:\n    name: Guarded\n"
                      "    permissions: [{group: analysts, read: true}]\n")
    ws = Workspace(specs_path=str(specs), state_location=str(tmp_path / "state.json"),
                   env=sandbox.env(SANDBOX_BASE_URL), transports={"dataiku": recording})
    settings = lambda: sorted(p for p in recording.paths() if p.endswith("/settings"))  # noqa: E731
    plan = ws.plan()
    assert [(str(c.address), c.action.value) for c in plan.changes] == [
        ("dataiku_project_folder.guarded", "update"), ("dataiku_project_folder.plain", "no-op")]
    assert settings() == [f"GET /project-folders/{ids['Guarded']}/settings"]
    assert ws.apply(plan).ok
    recording.requests.clear()
    assert not ws.plan().has_changes()
    assert settings() == [f"GET /project-folders/{ids['Guarded']}/settings"]
    estate.write_text(estate.read_text().replace("name: Plain\n", "name: Plain\n    owner: someone\n"))
    changed = [c for c in ws.plan().changes if c.action.value != "no-op"]
    assert [(str(c.address), [d.path[0] for d in c.diff]) for c in changed] == [
        ("dataiku_project_folder.plain", ["owner"])]
