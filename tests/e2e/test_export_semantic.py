"""``reconciler export --provider semantic`` against the sandbox: the seeded models (one per review
status) and one made and deployed over raw HTTP (no spec folder) become specs, adopted so that
the first plan shows no change (models waiting on a reviewer show as blocked, nothing to apply);
multi-line SQL is written as a block; the dashboard's embed token never lands anywhere;
deterministic; already managed models are skipped; ``--scope`` by domain and status."""

from __future__ import annotations

import shutil

import httpx
import pytest
import yaml

from tests.conftest import TOKEN

SQL = "SELECT date_trunc('week', paid_at) AS week, sum(amount) AS revenue\nFROM iceberg.raw.payments\nGROUP BY 1\n"
SEEDED = ["sales_approved_revenue_by_region", "sales_deployed_customer_ltv", "sales_draft_orders_summary",
          "sales_failed_inventory_snapshot", "sales_pending_customer_churn", "sales_rejected_raw_dump"]
WEEKLY = {
    "name": "weekly_revenue",
    "description": "Revenue per week",
    "domain": "urn:li:domain:finance",
    "sql": SQL,
    "columns": [{"name": "week", "type": "date", "description": "Monday of the week"},
                {"name": "revenue", "type": "double"}],
    "source_tables": ["iceberg.raw.payments"],
    "target_schema": "finance",
    "deploy": {"create_schedule": True, "schedule_cron": "0 7 * * 1", "add_lineage": False},
}


@pytest.fixture
def proj(make_project):
    return make_project()  # variables.yaml only: nothing is managed yet


def _seed(proj) -> str:
    """A model authored in the portal, approved and deployed by an admin; returns the embed token
    the deploy answered with (a credential: it must never be exported)."""
    with httpx.Client(base_url=f"{proj.base_url}/semantic/api/semantic-models",
                      headers={"Authorization": f"Bearer {TOKEN}"}) as api:
        made = api.post("/", json={"name": "weekly_revenue", "description": "Revenue per week",
                                   "domain_urn": "urn:li:domain:finance", "sql": SQL,
                                   "columns": WEEKLY["columns"], "source_tables": ["iceberg.raw.payments"],
                                   "target_schema": "finance"})
        assert made.status_code in (200, 201), made.text
        model = made.json()["id"]
        assert api.post(f"/{model}/submit").status_code == 200
        assert api.post(f"/{model}/approve", json={"review_notes": "LGTM"}).status_code == 200
        deployed = api.post(f"/{model}/deploy", json={"create_schedule": True, "schedule_cron": "0 7 * * 1",
                                                      "add_lineage": False})
        assert deployed.status_code == 200, deployed.text
    return deployed.json()["dashboard"]["embed_token"]


def _export(proj, *args: str, out: str = "semantic-export") -> dict[str, str]:
    result = proj.cli("export", "--provider", "semantic", *args)
    assert result.code == 0, result.text
    return {p.name: p.read_text() for p in sorted((proj.specs / out).iterdir())}


def _models(files: dict[str, str]) -> dict[str, dict]:
    return {a.split(".", 1)[1]: attrs for a, attrs in yaml.safe_load(files["semantic_model.yaml"])["resources"].items()}


def test_export_writes_every_model_and_the_first_plan_changes_nothing(proj):
    embed_token = _seed(proj)
    writes = proj.sandbox.write_count
    files = _export(proj)
    assert proj.sandbox.write_count == writes  # export only reads the platform

    assert list(files) == ["semantic_model.yaml"]
    models = _models(files)
    assert sorted(models) == sorted([*SEEDED, "finance_weekly_revenue"])  # the archived model is gone
    assert models["finance_weekly_revenue"] == WEEKLY
    assert models["sales_deployed_customer_ltv"]["deploy"] == {"create_schedule": True, "schedule_cron": "0 6 * * *"}
    assert "deploy" not in models["sales_approved_revenue_by_region"]  # approved, not deployed: the user decides
    assert "sql: |\n      SELECT date_trunc('week', paid_at)" in files["semantic_model.yaml"]

    plan = proj.cli("plan", "--detailed-exitcode")
    assert plan.code == 3, plan.text  # nothing to apply; two models wait on a human
    assert "Plan: 0 to add, 0 to change, 0 to destroy (2 blocked)." in plan.out
    assert "rejected in review" in plan.out and "the last deploy failed" in plan.out
    assert proj.cli("drift", "--detailed-exitcode").code == 0

    written = files["semantic_model.yaml"] + proj.state_file.read_text()
    assert embed_token not in written and TOKEN not in written and "embed_token" not in written


def test_a_status_scope_leaves_out_the_models_waiting_on_review_and_the_plan_is_empty(proj):
    _seed(proj)
    models = _models(_export(proj, "--scope", "status=deployed, approved,draft"))
    assert sorted(models) == ["finance_weekly_revenue", "sales_approved_revenue_by_region",
                              "sales_deployed_customer_ltv", "sales_draft_orders_summary"]
    plan = proj.cli("plan", "--detailed-exitcode")
    assert plan.code == 0, plan.text
    assert "No changes" in plan.out


def test_the_exported_specs_manage_the_models(proj):
    _seed(proj)
    _export(proj, "--scope", "domain=finance")
    path = proj.specs / "semantic-export" / "semantic_model.yaml"
    path.write_text(path.read_text().replace("add_lineage: false", "add_lineage: true"))
    plan = proj.cli("plan", "--detailed-exitcode")
    assert plan.code == 2, plan.text
    assert "semantic_model.finance_weekly_revenue will be updated in-place" in plan.out
    assert proj.cli("apply", "--auto-approve").code == 0  # a re-deploy with the new options, no new review
    assert proj.cli("plan", "--detailed-exitcode").code == 0


def test_exporting_the_same_world_twice_gives_identical_files(proj):
    _seed(proj)
    first = _export(proj)

    proj.sandbox.reset()  # a fresh copy of the same world
    shutil.rmtree(proj.specs / "semantic-export")
    proj.state_file.unlink()
    _seed(proj)
    assert _export(proj) == first


def test_models_already_managed_are_skipped(proj):
    _seed(proj)
    assert list(_models(_export(proj, "--scope", "domain=urn:li:domain:finance"))) == ["finance_weekly_revenue"]
    rest = _models(_export(proj, "--out", str(proj.specs / "rest"), out="rest"))
    assert sorted(rest) == SEEDED
    assert proj.cli("drift", "--detailed-exitcode").code == 0

    again = proj.cli("export", "--provider", "semantic", "--out", str(proj.specs / "again"))
    assert again.code == 0 and "Nothing to export" in again.out


@pytest.mark.parametrize(("scope", "message"), [
    pytest.param("project=x", "unknown --scope key(s) project", id="unknown-key"),
    pytest.param("status=archived", "status archived cannot be exported", id="archived"),
    pytest.param("status=,", "status (empty) cannot be exported", id="empty-status"),
])
def test_a_wrong_scope_is_refused(proj, scope, message):
    result = proj.cli("export", "--provider", "semantic", "--scope", scope)
    assert result.code == 1
    assert message in result.err
    assert not (proj.specs / "semantic-export").exists()
