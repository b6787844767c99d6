"""Moving a Lightdash space end to end through the CLI: a new ``parent`` (or none) is an in-place
move through the v2 content API, converging in one apply with an empty plan after it; the space
keeps its uuid, its shares and its charts (read with the official client)."""

from __future__ import annotations

import json

import pytest

lightdash_client = pytest.importorskip("lightdash_client")
from lightdash_client import AuthenticatedClient  # noqa: E402
from lightdash_client.api.projects import list_charts_in_project  # noqa: E402
from lightdash_client.api.spaces import get_space  # noqa: E402

from reconciler.providers.lightdash.sandbox import seed  # noqa: E402
from tests.conftest import TOKEN  # noqa: E402

P = seed.PROJECT_UUID
PARENT = "    parent: ${lightdash_space.finance.path}\n"
OPS = """
  lightdash_space.operations:
    project: ${lightdash_project.jaffle.uuid}
    name: Operations
    private: false
"""


@pytest.fixture
def project(make_project):
    proj = make_project("lightdash")
    proj.spec_path("content.yaml").write_text(proj.spec_path("content.yaml").read_text() + OPS)
    applied = proj.cli("apply", "--auto-approve")
    assert applied.code == 0, applied.text
    return proj


def reports(project) -> tuple[str, dict]:
    """The reports space's uuid (from state) and its document, read with the official client."""
    _, uuid = json.loads(project.cli("state", "show", "lightdash_space.finance_reports").out)["id"].split("/")
    client = AuthenticatedClient(base_url=f"{project.base_url}/lightdash", token=TOKEN)
    doc = get_space.sync(P, uuid, client=client).results
    assert doc is not None, f"space {uuid} is gone"
    charts = list_charts_in_project.sync(P, client=client).results
    return uuid, {"path": doc.additional_properties["path"], "queries": sorted(q.uuid for q in doc.queries),
                  "groups": sorted(g.group_name for g in doc.groups_access),
                  "in_space": sorted(c.uuid for c in charts if c.space_uuid == uuid)}


def move(project, new_parent: str) -> None:
    """Set the reports space's ``parent`` line (``""``: remove it), plan (an update, no replace),
    apply, and check that the next plan is empty."""
    path = project.spec_path("content.yaml")
    lines = path.read_text().splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.startswith("  lightdash_space.finance_reports:"))
    end = next(i for i in range(start + 1, len(lines)) if lines[i].startswith("  lightdash_"))
    body = [line for line in lines[start + 1:end] if not line.startswith("    parent:")]
    if new_parent:
        body.insert(2, new_parent)
    path.write_text("".join(lines[:start + 1] + body + lines[end:]))

    plan = project.cli("plan", "--detailed-exitcode")
    assert plan.code == 2, plan.text
    assert "lightdash_space.finance_reports will be updated in-place" in plan.out, plan.out
    assert "Plan: 0 to add, 1 to change, 0 to destroy." in plan.out, plan.out
    applied = project.cli("apply", "--auto-approve")
    assert applied.code == 0, applied.text
    again = project.cli("plan", "--detailed-exitcode")
    assert again.code == 0, again.text


def test_a_space_moves_under_another_parent_and_to_the_top_keeping_uuid_and_charts(project):
    uuid, before = reports(project)
    assert before["path"] == "finance.quarterly_reports" and len(before["queries"]) == 1
    assert before["in_space"] == before["queries"]

    move(project, "    parent: ${lightdash_space.operations.path}\n")
    same, after = reports(project)
    assert same == uuid and after == {**before, "path": "operations.quarterly_reports"}

    move(project, "")  # parent removed: the top level
    same, after = reports(project)
    assert same == uuid and after == {**before, "path": "quarterly_reports"}

    move(project, PARENT)  # and back where it started
    same, after = reports(project)
    assert same == uuid and after == before
    assert project.cli("drift").code == 0


def test_an_empty_parent_is_the_top_level_too(project):
    uuid, before = reports(project)
    move(project, '    parent: ""\n')
    same, after = reports(project)
    assert same == uuid and after["path"] == "quarterly_reports" and after["queries"] == before["queries"]


def test_a_move_under_a_space_created_in_the_same_apply(project):
    uuid, before = reports(project)
    path = project.spec_path("content.yaml")
    path.write_text(path.read_text() + OPS.replace("operations", "archive").replace("Operations", "Archive"))
    lines = path.read_text().splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if line == PARENT)
    lines[at] = "    parent: ${lightdash_space.archive.path}\n"
    path.write_text("".join(lines))

    plan = project.cli("plan", "--detailed-exitcode")
    assert plan.code == 2, plan.text
    assert "Plan: 1 to add, 1 to change, 0 to destroy." in plan.out, plan.out
    assert "(known after apply)" in plan.out
    applied = project.cli("apply", "--auto-approve")
    assert applied.code == 0, applied.text
    assert project.cli("plan", "--detailed-exitcode").code == 0
    same, after = reports(project)
    assert same == uuid and after == {**before, "path": "archive.quarterly_reports"}
