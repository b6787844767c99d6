"""The Lightdash provider end to end through the CLI against the loopback sandbox: plan, apply,
drift made with the official client (or over HTTP where the UI uses express routes the client
lacks), repair, deletes with their guards (cascades, opt-in), adoption, and no writes on plan."""

from __future__ import annotations

import json

import httpx
import pytest

lightdash_client = pytest.importorskip("lightdash_client")
from lightdash_client import AuthenticatedClient  # noqa: E402
from lightdash_client.api.organizations import create_group_in_organization  # noqa: E402
from lightdash_client.api.projects import list_charts_in_project, list_spaces_in_project, upsert_chart_as_code  # noqa: E402
from lightdash_client.api.roles_permissions import add_space_user_access, update_space  # noqa: E402
from lightdash_client.api.spaces import get_space  # noqa: E402
from lightdash_client.api.user_groups import get_group, update_group  # noqa: E402
from lightdash_client.models import (  # noqa: E402
    AddSpaceUserAccess,
    CreateGroup,
    UpdateGroupWithMembers,
    UpdateSpace,
    UpsertChartAsCodeBody,
)

from reconciler.providers.lightdash.sandbox import seed  # noqa: E402
from tests.conftest import TOKEN  # noqa: E402

P = seed.PROJECT_UUID
ERIN, CY = seed.USERS[4][0], seed.USERS[2][0]


@pytest.fixture
def project(make_project):
    return make_project("lightdash")


def ld(project) -> AuthenticatedClient:
    """The official client, as the person clicking in the UI would be."""
    return AuthenticatedClient(base_url=f"{project.base_url}/lightdash", token=TOKEN)


def ui(project) -> httpx.Client:
    """The Lightdash UI's own calls (legacy express routes the official client lacks)."""
    return httpx.Client(base_url=f"{project.base_url}/lightdash", headers={"Authorization": f"ApiKey {TOKEN}"})


def applied(project, *extra: str):
    result = project.cli("apply", "--auto-approve", *extra)
    assert result.code == 0, result.text
    return result


def state_id(project, address: str) -> str:
    return json.loads(project.cli("state", "show", address).out)["id"]


def drop_block(project, file: str, address: str) -> None:
    """Remove ``address``'s block (up to the next resource block) from a spec file."""
    path = project.spec_path(file)
    lines = path.read_text().splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.startswith(f"  {address}:"))
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("  lightdash_")), len(lines))
    path.write_text("".join(lines[:start] + lines[end:]))


REVENUE_TILE = """      - type: saved_chart
        x: 18
        y: 3
        w: 18
        h: 9
        properties:
          chartSlug: ${lightdash_chart.revenue_by_method.slug}
          title: Revenue
"""


def test_plan_apply_then_no_changes(project):
    first = project.cli("plan", "--detailed-exitcode")
    assert first.code == 2, first.text
    assert "Plan: 3 to import, 12 to add, 2 to change, 0 to destroy." in first.out
    assert "lightdash_organization_member.bob will be adopted" in first.out
    assert "(known after apply)" in first.out  # the reports space's parent path

    applied(project)
    again = project.cli("plan", "--detailed-exitcode")
    assert again.code == 0, again.text
    assert project.cli("drift").code == 0

    client = ld(project)
    spaces = {s.name: s for s in list_spaces_in_project.sync(P, client=client).results}
    assert {"Shared", "Finance", "Quarterly reports"} == set(spaces)
    reports = get_space.sync(P, spaces["Quarterly reports"].uuid, client=client).results
    assert reports.additional_properties["path"] == "finance.quarterly_reports"
    finance = get_space.sync(P, spaces["Finance"].uuid, client=client).results
    assert {a.email: a.role.value for a in finance.access if a.has_direct_access} == {
        "ann@acme.io": "admin", "bob@acme.io": "editor"}
    assert {c.slug: c.space_name for c in list_charts_in_project.sync(P, client=client).results} == {
        "orders-by-status": "Finance", "revenue-by-payment-method": "Quarterly reports"}


def test_group_membership_changed_outside_is_drift_and_repaired(project):
    applied(project)
    group_uuid = state_id(project, "lightdash_group.analysts")
    update_group.sync(group_uuid, client=ld(project), body=UpdateGroupWithMembers.from_dict(
        {"members": [{"userUuid": ERIN}]}))

    writes = project.sandbox.write_count
    drift = project.cli("drift")
    assert drift.code == 2, drift.text
    assert "lightdash_group.analysts has changed" in drift.out
    assert 'members["erin@acme.io"]' in drift.out and 'members["cy@acme.io"]' in drift.out
    assert "by ann@acme.io" in drift.out  # who and when, from the group's updatedBy
    assert project.sandbox.write_count == writes, "drift must not write"

    repaired = applied(project)
    assert "1 changed" in repaired.out
    members = get_group.sync(group_uuid, client=ld(project), include_members=10.0).results.to_dict()["members"]
    assert sorted(m["email"] for m in members) == ["bob@acme.io", "cy@acme.io", "fay@acme.io"]
    assert project.cli("drift").code == 0


def test_space_access_changed_outside_is_drift_and_repaired(project):
    applied(project)
    _, space_uuid = state_id(project, "lightdash_space.finance").split("/")
    add_space_user_access.sync(P, space_uuid, client=ld(project),
                               body=AddSpaceUserAccess.from_dict({"userUuid": CY, "spaceRole": "admin"}))
    drift = project.cli("drift")
    assert drift.code == 2, drift.text
    assert "lightdash_space.finance has changed" in drift.out
    assert "users[email=cy@acme.io]" in drift.out
    assert "lightdash_space.finance_reports" not in drift.out

    applied(project)
    space = get_space.sync(P, space_uuid, client=ld(project)).results
    assert "cy@acme.io" not in {a.email for a in space.access if a.has_direct_access}
    assert project.cli("drift").code == 0


def test_a_space_renamed_in_the_ui_is_drift_and_an_update_not_a_replace(project):
    applied(project)
    object_id = state_id(project, "lightdash_space.finance")
    update_space.sync(P, object_id.split("/")[1], client=ld(project),
                      body=UpdateSpace.from_dict({"name": "Finance (old)", "isPrivate": True}))
    drift = project.cli("drift")
    assert drift.code == 2 and 'name = "Finance" -> "Finance (old)"' in drift.out, drift.text
    plan = project.cli("plan", "--detailed-exitcode")
    assert plan.code == 2
    assert "lightdash_space.finance will be updated in-place" in plan.out
    assert "Plan: 0 to add, 1 to change, 0 to destroy." in plan.out
    applied(project)
    assert state_id(project, "lightdash_space.finance") == object_id
    assert project.cli("plan", "--detailed-exitcode").code == 0


def test_a_chart_edited_in_the_ui_is_drift_on_the_changed_fields_only(project):
    applied(project)
    _, chart_uuid = state_id(project, "lightdash_chart.orders_by_status").split("/")
    with ui(project) as http:
        chart = http.get(f"/api/v1/saved/{chart_uuid}").json()["results"]
        assert http.patch(f"/api/v1/saved/{chart_uuid}", json={"name": "Orders (UI)"}).status_code == 200
        version = {k: chart[k] for k in ("tableName", "metricQuery", "chartConfig", "tableConfig")}
        version["metricQuery"] = {**chart["metricQuery"], "limit": 25}
        assert http.post(f"/api/v1/saved/{chart_uuid}/version", json=version).status_code == 200

    drift = project.cli("drift")
    assert drift.code == 2, drift.text
    block = drift.out.split("lightdash_chart.orders_by_status has changed")[1].split("}\n")[0]
    changed = [line.split("=")[0].strip(" ~+-") for line in block.splitlines() if "=" in line]
    assert changed == ["metric_query.limit", "name"], block
    assert "Drift: 1 changed" in drift.out

    applied(project)
    assert project.cli("drift").code == 0


def test_a_chart_removed_from_the_specs_is_deleted_and_the_plan_says_so(project):
    applied(project)
    drop_block(project, "content.yaml", "lightdash_chart.revenue_by_method")
    project.edit_spec("content.yaml", REVENUE_TILE, "")
    plan = project.cli("plan", "--detailed-exitcode")
    assert plan.code == 2, plan.text
    assert "lightdash_chart.revenue_by_method will be destroyed" in plan.out
    assert "Plan: 0 to add, 1 to change, 1 to destroy." in plan.out
    applied(project)
    slugs = {c.slug for c in list_charts_in_project.sync(P, client=ld(project)).results}
    assert slugs == {"orders-by-status"}
    assert project.cli("plan", "--detailed-exitcode").code == 0


def test_deleting_a_space_that_holds_unmanaged_content_needs_allow_cascade(project):
    applied(project)
    stray = UpsertChartAsCodeBody.from_dict({
        "name": "Scratch", "slug": "scratch", "updatedAt": "2025-01-02T09:00:00.000Z", "tableName": "orders",
        "tableConfig": {"columnOrder": []}, "version": 1, "spaceSlug": "finance/quarterly-reports",
        "metricQuery": {"exploreName": "orders", "dimensions": ["orders_status"], "metrics": [], "filters": {},
                        "sorts": [], "limit": 10, "tableCalculations": []},
        "chartConfig": {"type": "table", "config": {}}})
    upsert_chart_as_code.sync(P, "scratch", client=ld(project), body=stray)
    for address in ("lightdash_space.finance_reports", "lightdash_chart.revenue_by_method"):
        drop_block(project, "content.yaml", address)
    project.edit_spec("content.yaml", REVENUE_TILE, "")

    refused = project.cli("plan")
    assert refused.code == 1
    assert "lightdash_space.finance_reports -> lightdash_chart 'scratch' (not managed by reconciler)" in refused.err
    assert "--allow-cascade" in refused.err
    assert "revenue-by-payment-method" not in refused.err  # planned for deletion too: not refused

    plan = project.cli("plan", "--allow-cascade")
    assert plan.code == 0, plan.text
    assert "also deletes lightdash_chart 'scratch'" in plan.out
    applied(project, "--allow-cascade")
    names = {s.name for s in list_spaces_in_project.sync(P, client=ld(project)).results}
    assert names == {"Shared", "Finance"}
    assert {c.slug for c in list_charts_in_project.sync(P, client=ld(project)).results} == {"orders-by-status"}


def test_a_removed_member_is_forgotten_unless_its_deletion_was_opted_into(project):
    applied(project)
    fay_uuid = state_id(project, "lightdash_organization_member.fay")
    project.edit_spec("access.yaml", "      - ${lightdash_organization_member.fay.email}\n", "      - fay@acme.io\n")
    drop_block(project, "access.yaml", "lightdash_organization_member.fay")
    plan = project.cli("plan")
    assert "deleting a member deletes the user account" in plan.out, plan.text
    applied(project)
    with ui(project) as http:
        assert http.get(f"/api/v1/org/users/{fay_uuid}").status_code == 200  # forgotten, not deleted

    # opt in (recorded in state), then remove: now the account is deleted
    project.edit_spec("access.yaml", "  lightdash_organization_member.bob:\n",
                      "  lightdash_organization_member.erin:\n    email: erin@acme.io\n    role: member\n"
                      "    lifecycle:\n      allow_destroy: true\n\n  lightdash_organization_member.bob:\n")
    applied(project)
    drop_block(project, "access.yaml", "lightdash_organization_member.erin")
    project.edit_spec("access.yaml", "      - email: erin@acme.io\n        role: interactive_viewer\n",
                      "      - email: cy@acme.io\n        role: interactive_viewer\n")
    plan = project.cli("plan")
    assert "lightdash_organization_member.erin will be destroyed" in plan.out, plan.text
    applied(project)
    with ui(project) as http:
        assert http.get(f"/api/v1/org/users/{ERIN}").status_code == 404


def test_existing_objects_are_adopted_by_natural_key_never_duplicated(project):
    # as if an earlier apply created these and died before recording them
    client = ld(project)
    create_group_in_organization.sync_detailed(client=client, body=CreateGroup.from_dict({"name": "analysts"}))
    with ui(project) as http:
        http.post(f"/api/v1/projects/{P}/spaces", json={"name": "Finance", "isPrivate": True})
    plan = project.cli("plan")
    assert "lightdash_group.analysts will be adopted" in plan.out, plan.text
    assert "lightdash_space.finance will be adopted" in plan.out
    applied(project)
    with ui(project) as http:
        groups = http.get("/api/v1/org/groups").json()["results"]["data"]
    assert sorted(g["name"] for g in groups) == ["analysts", "finance"]
    assert [s.name for s in list_spaces_in_project.sync(P, client=client).results].count("Finance") == 1
    assert project.cli("plan", "--detailed-exitcode").code == 0


def test_plan_and_drift_make_no_write_request(project):
    before = project.sandbox.write_count
    assert project.cli("plan").code == 0
    assert project.cli("drift").code == 0
    assert project.sandbox.write_count == before
    applied(project)
    before = project.sandbox.write_count
    assert project.cli("plan", "--out", str(project.root / "p.json")).code == 0
    assert project.cli("drift", "--format", "json").code == 0
    assert project.sandbox.write_count == before


def test_the_token_never_appears_in_state_plans_or_output(project):
    planfile = project.root / "plan.json"
    outputs = [project.cli(*args).text for args in (
        ("plan", "--out", str(planfile)), ("plan", "--format", "json"), ("plan", "--format", "markdown"),
        ("apply", str(planfile)), ("drift", "--format", "json"), ("state", "show", "lightdash_space.finance"))]
    for blob in outputs + [planfile.read_text(), project.state_file.read_text()]:
        assert TOKEN not in blob


def test_an_existing_estate_is_exported_then_plans_no_changes(project):
    applied(project)
    for path in project.specs.glob("lightdash/*.yaml"):
        path.unlink()
    project.state_file.unlink()
    exported = project.cli("export", "--provider", "lightdash")
    assert exported.code == 0, exported.text
    written = {p.name for p in (project.specs / "lightdash-export").glob("*.yaml")}
    assert {"lightdash_group.yaml", "lightdash_space.yaml", "lightdash_chart.yaml", "lightdash_dashboard.yaml",
            "lightdash_project_access.yaml", "lightdash_user_attribute.yaml"} <= written
    charts = (project.specs / "lightdash-export" / "lightdash_chart.yaml").read_text()
    assert "lightdash_chart.orders_by_status:" in charts and "additionalMetrics" not in charts
    assert "space: ${lightdash_space." in charts and ".path}" in charts  # placed by reference, not by pasted path
    plan = project.cli("plan", "--detailed-exitcode")
    assert plan.code == 0, plan.text


@pytest.mark.parametrize("scope, error", [
    pytest.param("project=nope", "no Lightdash project is named or has the uuid 'nope'", id="unknown-project"),
    pytest.param("space=finance", "unknown --scope key(s) space", id="unknown-key"),
])
def test_an_export_scope_naming_nothing_is_refused(project, scope, error):
    result = project.cli("export", "--provider", "lightdash", "--scope", scope)
    assert result.code == 1 and error in result.text


def test_an_export_scoped_to_a_project_by_name_plans_no_changes(project):
    applied(project)
    for path in project.specs.glob("lightdash/*.yaml"):
        path.unlink()
    project.state_file.unlink()
    exported = project.cli("export", "--provider", "lightdash", "--scope", "project=Jaffle shop")
    assert exported.code == 0, exported.text
    spaces = (project.specs / "lightdash-export" / "lightdash_space.yaml").read_text()
    assert "lightdash_space.finance_quarterly_reports:" in spaces and "parent: ${lightdash_space.finance.path}" in spaces
    assert project.cli("plan", "--detailed-exitcode").code == 0


def _journal_lines(project) -> int:
    path = project.state_file.with_name(project.state_file.name + ".journal")
    return sum(1 for line in path.read_text().splitlines() if line.strip()) if path.exists() else 0


@pytest.mark.parametrize("kill_after", [3, 8], ids=lambda n: f"after-{n}-journal-entries")
def test_sigkill_mid_apply_then_rerun_converges_without_duplicates(project, kill_after):
    import os
    import signal
    import subprocess
    import sys
    import time

    from tests.conftest import ROOT

    project.sandbox.latency_ms = 30
    proc = subprocess.Popen([sys.executable, "-m", "reconciler", "apply", "--auto-approve", "--parallelism", "1"],
                            env={**os.environ, **project.env()}, cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while _journal_lines(project) < kill_after and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.005)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        assert proc.returncode == -signal.SIGKILL, "the apply finished before it could be killed"
        deadline = time.monotonic() + 10
        while project.sandbox.in_flight and time.monotonic() < deadline:
            time.sleep(0.005)
    finally:
        project.sandbox.latency_ms = 0
        if proc.poll() is None:
            proc.kill()

    applied(project)
    with ui(project) as http:
        groups = [g["name"] for g in http.get("/api/v1/org/groups").json()["results"]["data"]]
        members = [m["email"] for m in http.get("/api/v1/org/users").json()["results"]["data"]]
        spaces = [s["name"] for s in http.get(f"/api/v1/projects/{P}/spaces").json()["results"]]
        charts = [c["slug"] for c in http.get(f"/api/v1/projects/{P}/charts").json()["results"]]
    assert sorted(groups) == ["analysts", "finance"]
    assert members.count("fay@acme.io") == 1
    assert sorted(spaces) == ["Finance", "Quarterly reports", "Shared"]
    assert sorted(charts) == ["orders-by-status", "revenue-by-payment-method"]
    assert project.cli("plan", "--detailed-exitcode").code == 0


def test_destroy_deletes_content_and_access_but_only_forgets_members_and_settings(project):
    applied(project)
    result = project.cli("destroy", "--auto-approve")
    assert result.code == 0, result.text
    assert "11 destroyed, 4 forgotten" in result.out
    with ui(project) as http:
        assert http.get("/api/v1/org/groups").json()["results"]["data"] == []
        assert [s["name"] for s in http.get(f"/api/v1/projects/{P}/spaces").json()["results"]] == ["Shared"]
        assert http.get(f"/api/v1/projects/{P}/charts").json()["results"] == []
        emails = {m["email"] for m in http.get("/api/v1/org/users").json()["results"]["data"]}
        assert {"fay@acme.io", "bob@acme.io"} <= emails  # deleting a member needs its opt-in
        assert http.get("/api/v1/org").json()["results"]["name"] == "Acme Analytics"
    assert project.cli("state", "list").out.strip() == ""
