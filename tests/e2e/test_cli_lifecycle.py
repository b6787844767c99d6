"""End to end through the CLI against the sandbox: plan, apply, drift, delete, saved plans, destroy."""

from __future__ import annotations

import json

import pytest

from tests.conftest import TOKEN


def _writes(project) -> int:
    return project.sandbox.write_count


def test_plan_apply_then_no_changes(project):
    first = project.cli("plan", "--detailed-exitcode")
    assert first.code == 2, first.text
    assert "Plan: 6 to add, 0 to change, 0 to destroy." in first.out
    assert "+ resource \"dataiku_project\" \"sales\"" in first.out
    assert "(known after apply)" in first.out  # the folder id of a folder not yet created

    applied = project.cli("apply", "--auto-approve")
    assert applied.code == 0, applied.text
    assert "Apply complete!" in applied.out

    again = project.cli("plan", "--detailed-exitcode")
    assert again.code == 0, again.text
    assert "No changes." in again.out

    client = project.dss()
    assert {"SALES", "MARKETING"} <= set(client.list_project_keys())
    sales = client.get_project("SALES")
    assert sales.get_metadata()["label"] == "Sales analytics"
    assert sorted(sales.get_metadata()["tags"]) == ["finance", "prod"]
    assert sales.get_variables()["standard"] == {"warehouse": "dwh_prod", "refresh_hour": 6}
    assert {d["name"] for d in sales.list_datasets()} == {"orders", "customers"}


def test_out_of_band_change_is_reported_as_drift_and_repaired(project):
    assert project.cli("apply", "--auto-approve").code == 0
    meta = project.dss().get_project("SALES").get_metadata()
    meta["description"] = "changed in the UI"
    project.dss().get_project("SALES").set_metadata(meta)

    writes_before = _writes(project)
    drift = project.cli("drift")
    assert drift.code == 2, drift.text
    assert "dataiku_project.sales" in drift.out
    assert "description" in drift.out
    assert "changed in the UI" in drift.out
    assert _writes(project) == writes_before, "drift must not write"

    repaired = project.cli("apply", "--auto-approve")
    assert repaired.code == 0, repaired.text
    assert "1 changed" in repaired.out
    assert project.dss().get_project("SALES").get_metadata()["description"].startswith("Revenue, orders")
    assert project.cli("drift").code == 0


def test_removing_a_dataset_deletes_it_and_prevent_destroy_refuses(project):
    assert project.cli("apply", "--auto-approve").code == 0
    text = project.spec_path("datasets.yaml").read_text()
    start = text.index("  dataiku_dataset.customers:")
    end = text.index("  dataiku_dataset.campaign_events:")
    project.spec_path("datasets.yaml").write_text(text[:start] + text[end:])

    plan = project.cli("plan", "--detailed-exitcode")
    assert plan.code == 2
    assert "dataiku_dataset.customers will be destroyed" in plan.out
    assert "Plan: 0 to add, 0 to change, 1 to destroy." in plan.out
    assert project.cli("apply", "--auto-approve").code == 0
    assert {d["name"] for d in project.dss().get_project("SALES").list_datasets()} == {"orders"}

    # protect orders, apply (the guard is recorded in state), then drop its block: refused
    project.edit_spec("datasets.yaml", "    tags: [raw, erp]\n", "    tags: [raw, erp]\n    lifecycle:\n      prevent_destroy: true\n")
    assert project.cli("apply", "--auto-approve").code == 0
    text = project.spec_path("datasets.yaml").read_text()
    start = text.index("  dataiku_dataset.orders:")
    end = text.index("  dataiku_dataset.campaign_events:")
    project.spec_path("datasets.yaml").write_text(text[:start] + text[end:])
    refused = project.cli("plan")
    assert refused.code == 1
    assert "dataiku_dataset.orders" in refused.err and "prevent_destroy" in refused.err
    assert "Traceback" not in refused.text
    assert "orders" in {d["name"] for d in project.dss().get_project("SALES").list_datasets()}


def test_saved_plan_is_applied_exactly_and_refused_when_stale(project, tmp_path):
    planfile = tmp_path / "plan.json"
    assert project.cli("plan", "--out", str(planfile)).code == 0
    assert project.cli("apply", str(planfile)).code == 0
    assert project.cli("plan", "--detailed-exitcode").code == 0

    # a plan made, then the world changes under it: refused, naming the object
    project.edit_spec("projects.yaml", "short_description: Sales KPIs", "short_description: Sales KPIs v2")
    assert project.cli("plan", "--out", str(planfile)).code == 0
    meta = project.dss().get_project("SALES").get_metadata()
    meta["tags"] = meta["tags"] + ["manual"]
    project.dss().get_project("SALES").set_metadata(meta)
    stale = project.cli("apply", str(planfile))
    assert stale.code == 1
    assert "dataiku_project.sales" in stale.err and "changed since the plan" in stale.err

    # a plan made, then another apply bumps the state: refused by serial
    assert project.cli("plan", "--out", str(planfile)).code == 0
    assert project.cli("apply", "--auto-approve").code == 0
    again = project.cli("apply", str(planfile))
    assert again.code == 1
    assert "state changed since the plan" in again.err


def test_destroy_empties_the_state(project):
    project.edit_spec("projects.yaml", "    lifecycle:\n      prevent_destroy: true\n", "")
    assert project.cli("apply", "--auto-approve").code == 0
    result = project.cli("destroy", "--auto-approve")
    assert result.code == 0, result.text
    assert "6 destroyed" in result.out
    assert project.cli("state", "list").out.strip() == ""
    keys = project.dss().list_project_keys()
    assert "SALES" not in keys and "MARKETING" not in keys


def test_destroy_honours_prevent_destroy(project):
    assert project.cli("apply", "--auto-approve").code == 0
    result = project.cli("destroy", "--auto-approve")
    assert result.code == 1
    assert "dataiku_project.sales" in result.err
    assert "SALES" in project.dss().list_project_keys()
    # what the refusal's hint says: set prevent_destroy: false and apply (nothing else changes)
    project.edit_spec("projects.yaml", "      prevent_destroy: true\n", "      prevent_destroy: false\n")
    assert project.cli("apply", "--auto-approve").code == 0
    result = project.cli("destroy", "--auto-approve")
    assert result.code == 0, result.text
    assert "SALES" not in project.dss().list_project_keys()


def test_existing_project_is_adopted_not_duplicated(project):
    project.dss().create_project("SALES", "made by hand", "admin")
    plan = project.cli("plan")
    assert plan.code == 0
    assert "dataiku_project.sales will be adopted" in plan.out or "adopt" in plan.out
    assert project.cli("apply", "--auto-approve").code == 0
    assert project.dss().list_project_keys().count("SALES") == 1
    assert project.dss().get_project("SALES").get_metadata()["label"] == "Sales analytics"


def test_plan_and_drift_make_no_write_request(project):
    before = _writes(project)
    assert project.cli("plan").code == 0
    assert project.cli("plan", "--out", str(project.root / "p.json")).code == 0
    assert project.cli("drift").code == 0
    assert _writes(project) == before


def test_token_never_appears_in_state_plans_or_output(project):
    outputs = []
    planfile = project.root / "plan.json"
    for args in (("plan", "--out", str(planfile)), ("plan", "--format", "json"), ("plan", "--format", "markdown"),
                 ("apply", str(planfile)), ("drift", "--format", "json"), ("state", "show", "dataiku_project.sales")):
        result = project.cli(*args)
        outputs.append(result.text)
    blobs = outputs + [planfile.read_text(), project.state_file.read_text()]
    for blob in blobs:
        assert TOKEN not in blob


def test_import_adopts_an_existing_object(project):
    project.dss().create_project("MARKETING", "Marketing attribution", "admin")
    result = project.cli("import", "dataiku_project.marketing", "MARKETING")
    assert result.code == 0, result.text
    shown = json.loads(project.cli("state", "show", "dataiku_project.marketing").out)
    assert shown["id"] == "MARKETING"


@pytest.mark.parametrize("args", [
    pytest.param(("state", "show", "dataiku_project.nope"), id="show-missing"),
    pytest.param(("state", "rm", "dataiku_project.nope"), id="rm-missing"),
    pytest.param(("import", "dataiku_project.nope", "X"), id="import-undeclared"),
    pytest.param(("apply", "does-not-exist.json"), id="missing-planfile"),
    pytest.param(("plan", "--target", "not an address"), id="bad-target"),
])
def test_state_and_usage_errors_exit_1_without_traceback(project, args):
    result = project.cli(*args)
    assert result.code == 1, result.text
    assert "Traceback" not in result.text
    assert result.err.strip()


def test_state_mv_and_rm(project):
    assert project.cli("apply", "--auto-approve").code == 0
    assert project.cli("state", "mv", "dataiku_dataset.orders", "dataiku_dataset.order_lines").code == 0
    listed = project.cli("state", "list").out.split()
    assert "dataiku_dataset.order_lines" in listed and "dataiku_dataset.orders" not in listed
    assert project.cli("state", "rm", "dataiku_dataset.order_lines").code == 0
    # the object is left in place; the spec block adopts it again
    plan = project.cli("plan")
    assert "adopt" in plan.out
