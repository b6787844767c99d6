"""Semantic models end to end through the CLI: reviewed releases as desired state."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.conftest import TOKEN


@pytest.fixture
def semantic(make_project):
    """The example models on the sandbox, *without* the sandbox's auto-approval opt-in: reviews
    are a human step here (tests that want auto-approval set it in the specs)."""
    proj = make_project("semantic")
    proj.monkeypatch.delenv("SEMANTIC_AUTO_APPROVE")
    return proj


def test_the_sandbox_env_opts_in_to_auto_approval(make_project):
    proj = make_project("semantic")
    assert proj.cli("apply", "--auto-approve").code == 0
    assert proj.cli("plan", "--detailed-exitcode").code == 0
    statuses = {m["name"]: m["status"] for m in world(proj).list_models(status="deployed", domain_urn=None, name=None,
                                                                        limit=100, offset=0)["items"]}
    assert statuses == {"deployed_customer_ltv": "deployed", "customer_ltv": "deployed", "orders_by_day": "deployed"}


def world(proj):
    return proj.sandbox.emulators["semantic"].world


def raw(proj) -> httpx.Client:
    """An admin's HTTP client (what the portal does on their behalf)."""
    return httpx.Client(base_url=f"{proj.base_url}/semantic/api/semantic-models",
                        headers={"Authorization": f"Bearer {TOKEN}"})


def model_id(proj, name: str) -> str:
    return json.loads(proj.cli("state", "show", f"semantic_model.{name}").out)["id"]


def approve_all(proj) -> None:
    ids = [model_id(proj, "customer_ltv"), model_id(proj, "orders_by_day")]
    with raw(proj) as client:
        result = client.post("/review/batch-approve", json={"model_ids": ids, "review_notes": "LGTM"}).json()
    assert sorted(result["successful"]) == sorted(ids)


def test_pending_review_is_blocked_then_the_first_apply_after_approval_deploys(semantic):
    assert semantic.cli("plan", "--detailed-exitcode").code == 2
    applied = semantic.cli("apply", "--auto-approve")
    assert applied.code == 0, applied.text
    assert "submitted for review" in applied.text
    blocked = semantic.cli("plan", "--detailed-exitcode")
    assert blocked.code == 3, blocked.text
    assert "semantic_model.customer_ltv is blocked" in blocked.out and "pending review" in blocked.out
    assert "(2 blocked)" in blocked.out and "failed" not in blocked.text.lower()
    assert semantic.cli("apply", "--auto-approve").code == 0  # nothing to do: still waiting
    assert world(semantic).get_model(model_id(semantic, "customer_ltv"))["status"] == "pending_review"

    approve_all(semantic)
    plan = semantic.cli("plan", "--detailed-exitcode")
    assert plan.code == 2, plan.text
    assert "semantic_model.customer_ltv will be updated in-place" in plan.out and "deploy" in plan.out
    deployed = semantic.cli("apply", "--auto-approve")
    assert deployed.code == 0, deployed.text
    assert "2 changed" in deployed.out
    live = world(semantic).get_model(model_id(semantic, "customer_ltv"))
    assert live["status"] == "deployed" and live["job_id"] and live["external_id"]
    assert world(semantic).get_model(model_id(semantic, "orders_by_day"))["dashboard"] is None
    assert semantic.cli("plan", "--detailed-exitcode").code == 0
    shown = json.loads(semantic.cli("state", "show", "semantic_model.customer_ltv").out)
    assert shown["outputs"]["external_id"] == live["external_id"]


def test_a_model_edited_outside_the_tool_is_drift_and_apply_resubmits_it(semantic):
    semantic.edit_spec("models.yaml", "resources:\n", "providers:\n  semantic:\n    auto_approve: true\n"
                       "resources:\n")
    assert semantic.cli("apply", "--auto-approve").code == 0
    assert semantic.cli("plan", "--detailed-exitcode").code == 0
    ltv = model_id(semantic, "customer_ltv")
    with raw(semantic) as client:
        client.patch(f"/{ltv}", json={"sql": "SELECT customer_id, 0 AS ltv FROM iceberg.raw.orders"}).raise_for_status()
    writes = semantic.sandbox.write_count
    drift = semantic.cli("drift")
    assert drift.code == 2, drift.text
    assert "semantic_model.customer_ltv" in drift.out and "sql" in drift.out and "0 AS ltv" in drift.out
    assert "by sandbox-user" in drift.out
    assert semantic.sandbox.write_count == writes, "drift must not write"
    repaired = semantic.cli("apply", "--auto-approve")
    assert repaired.code == 0, repaired.text
    assert world(semantic).get_model(ltv)["status"] == "deployed"  # auto-approved and redeployed
    assert semantic.cli("drift").code == 0
    assert semantic.cli("plan", "--detailed-exitcode").code == 0


def test_drift_repair_without_auto_approval_waits_for_review(semantic):
    assert semantic.cli("apply", "--auto-approve").code == 0
    approve_all(semantic)
    assert semantic.cli("apply", "--auto-approve").code == 0
    ltv = model_id(semantic, "customer_ltv")
    with raw(semantic) as client:
        client.patch(f"/{ltv}", json={"description": "edited in the portal"}).raise_for_status()
    drift = semantic.cli("drift")
    assert drift.code == 2 and "description" in drift.out
    assert semantic.cli("apply", "--auto-approve").code == 0
    assert world(semantic).get_model(ltv)["status"] == "pending_review"
    assert semantic.cli("drift").code == 0
    assert semantic.cli("plan", "--detailed-exitcode").code == 3


def test_only_deploy_options_changed_redeploys_without_a_new_review(semantic):
    assert semantic.cli("apply", "--auto-approve").code == 0
    approve_all(semantic)
    assert semantic.cli("apply", "--auto-approve").code == 0
    ltv = model_id(semantic, "customer_ltv")
    job = world(semantic).get_model(ltv)["job_id"]
    semantic.edit_spec("models.yaml", 'schedule_cron: "0 6 * * *"', 'schedule_cron: "30 5 * * *"')
    plan = semantic.cli("plan", "--detailed-exitcode")
    assert plan.code == 2 and "schedule_cron" in plan.out
    assert semantic.cli("apply", "--auto-approve").code == 0
    live = world(semantic).get_model(ltv)
    assert live["status"] == "deployed" and live["deploy_options"]["schedule_cron"] == "30 5 * * *"
    assert live["job_id"] == job
    assert semantic.cli("plan", "--detailed-exitcode").code == 0


def test_a_rejected_model_is_blocked_until_its_spec_changes(semantic):
    assert semantic.cli("apply", "--auto-approve").code == 0
    ltv = model_id(semantic, "customer_ltv")
    with raw(semantic) as client:
        client.post(f"/{ltv}/reject", json={"review_notes": "use net amounts"}).raise_for_status()
    plan = semantic.cli("plan", "--detailed-exitcode")
    assert plan.code == 3 and "rejected in review (use net amounts)" in plan.out
    semantic.edit_spec("models.yaml", "SELECT customer_id, sum(amount) AS ltv",
                       "SELECT customer_id, sum(amount - refunds) AS ltv")
    assert semantic.cli("plan", "--detailed-exitcode").code == 2
    assert semantic.cli("apply", "--auto-approve").code == 0
    assert world(semantic).get_model(ltv)["status"] == "pending_review"


def test_removing_a_block_archives_the_model(semantic):
    assert semantic.cli("apply", "--auto-approve").code == 0
    orders = model_id(semantic, "orders_by_day")
    path = semantic.spec_path("models.yaml")
    text = path.read_text()
    path.write_text(text[: text.index("  semantic_model.orders_by_day:")])
    plan = semantic.cli("plan")
    assert "semantic_model.orders_by_day will be destroyed" in plan.out and "archives the model" in plan.out
    assert semantic.cli("apply", "--auto-approve").code == 0
    assert world(semantic).get_model(orders)["status"] == "archived"
    assert "semantic_model.orders_by_day" not in semantic.cli("state", "list").out


def test_an_invalid_cron_is_reported_by_validate_with_file_and_line(semantic):
    semantic.edit_spec("models.yaml", 'schedule_cron: "0 6 * * *"', 'schedule_cron: "0 25 * * *"')
    result = semantic.cli("validate")
    assert result.code == 1
    assert "models.yaml:" in result.err and "schedule_cron" in result.err and "hour field" in result.err
    assert semantic.sandbox.write_count == 0


def test_plan_and_drift_make_no_write_request(semantic):
    before = semantic.sandbox.write_count
    assert semantic.cli("plan").code == 0
    assert semantic.cli("drift").code == 0
    assert semantic.sandbox.write_count == before


def test_an_existing_model_is_adopted_not_duplicated(semantic):
    with raw(semantic) as client:
        client.post("", json={"name": "customer_ltv", "domain_urn": "urn:li:domain:sales", "target_schema": "sales",
                              "sql": "SELECT 1 AS ltv"}).raise_for_status()
    plan = semantic.cli("plan")
    assert "adopt" in plan.out
    assert semantic.cli("apply", "--auto-approve").code == 0
    names = [m["name"] for m in world(semantic).list_models(status=None, domain_urn=None, name="customer_ltv",
                                                            limit=100, offset=0)["items"]]
    assert names == ["customer_ltv"]


def test_no_credentials_in_state_plans_or_output(semantic):
    semantic.edit_spec("models.yaml", "resources:\n", "providers:\n  semantic:\n    auto_approve: true\n"
                       "resources:\n")
    planfile = semantic.root / "plan.json"
    outputs = [semantic.cli("plan", "--out", str(planfile)), semantic.cli("apply", str(planfile)),
               semantic.cli("plan", "--format", "json"), semantic.cli("drift", "--format", "json"),
               semantic.cli("state", "show", "semantic_model.customer_ltv")]
    blobs = [o.text for o in outputs] + [planfile.read_text(), semantic.state_file.read_text()]
    assert any("dashboard_id" in b for b in blobs)
    for blob in blobs:
        assert TOKEN not in blob and "gst." not in blob and "embed_token" not in blob
