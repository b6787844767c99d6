"""semantic_model: lifecycle, the review lifecycle as plan input, deploy options, adoption."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from reconciler.diff import compare
from reconciler.errors import ApiError, ProviderError
from reconciler.providers.base import CreatedButFailed
from reconciler.reads import find_one, look_up, lookup_key
from reconciler.providers.semantic.resources.model import (
    SemanticModel,
    SemanticModelSpec,
    compose_description,
    deploy_options,
    live_deploy,
    split_description,
)
from reconciler.testing import run_lifecycle
from tests.providers.semantic.conftest import DOMAIN, model_spec

DAILY = {"create_schedule": True, "schedule_cron": "0 6 * * *"}
FULL_DAILY = {"create_schedule": True, "schedule_cron": "0 6 * * *", "register_in_datahub": True,
              "add_lineage": True, "create_dashboard": True}


def test_lifecycle_without_deploy(semantic):
    report = run_lifecycle(semantic.session, "semantic_model", model_spec(),
                           model_spec(description="LTV v2", sql=model_spec()["sql"] + " HAVING sum(amount) > 0"))
    assert report.created["status"] == "pending_review" and report.updated["status"] == "pending_review"


def test_lifecycle_with_deploy_waits_for_review(semantic):
    """Without auto-approval, the deploy options are requested (recorded with the submission)."""
    report = run_lifecycle(semantic.session, "semantic_model", model_spec(deploy=DAILY),
                           model_spec(deploy={"create_dashboard": False}))
    assert report.updated["deploy"]["create_dashboard"] is False and report.updated["job_id"] is None


def test_lifecycle_with_auto_approve_deploys(semantic):
    session = semantic.connect(auto_approve=True)
    report = run_lifecycle(session, "semantic_model", model_spec(deploy=DAILY),
                           model_spec(deploy={"create_dashboard": False, "register_in_datahub": False}))
    assert report.created["status"] == "deployed" and report.created["job_id"]
    assert report.created["dashboard_id"] and report.created["view_name"] == "iceberg.sales.customer_ltv"
    assert report.updated["external_id"] is None and report.updated["dashboard_id"] is None


@pytest.mark.parametrize("auto_approve, deploy", [(True, DAILY), (True, None), (False, DAILY), (False, None)])
def test_create_builds_its_live_view_from_the_answers_as_read_would(semantic, auto_approve, deploy):
    session = semantic.connect(auto_approve=auto_approve)
    rt = session.resource("semantic_model")
    before = semantic.sandbox.counts["semantic"]["requests"]
    object_id, live = rt.create(model_spec(deploy=deploy))
    sent = semantic.sandbox.counts["semantic"]["requests"] - before
    read = rt.read(object_id)
    moving = ("updated_at", "updated_by")
    assert {k: v for k, v in live.items() if k not in moving} == {k: v for k, v in read.items() if k not in moving}
    # create, submit[, approve[, deploy]]: no read-back once the answers tell the whole model
    assert sent == 2 + (auto_approve + (auto_approve and deploy is not None))


def test_pending_review_is_blocked_then_the_first_update_after_approval_deploys(semantic):
    rt = semantic.rt
    want = model_spec(deploy=DAILY)
    model_id, live = rt.create(want)
    assert live["status"] == "pending_review" and compare(rt, want, live) == ()
    assert "pending review" in rt.blocked(live, want)
    semantic.approve(model_id)
    live = rt.read(model_id)
    assert live["deploy"] is None and rt.blocked(live, want) is None
    assert {d.top for d in compare(rt, want, live)} == {"deploy"}
    deployed = rt.update(model_id, live, want, frozenset({"deploy"}))
    assert deployed["status"] == "deployed" and deployed["deploy"] == FULL_DAILY and compare(rt, want, deployed) == ()
    assert deployed["airflow_url"].endswith("semantic_customer_ltv_refresh")


def test_a_deploy_option_change_redeploys_without_review_and_keeps_ids(semantic):
    session = semantic.connect(auto_approve=True)
    rt = session.resource("semantic_model")
    model_id, live = rt.create(model_spec(deploy=DAILY))
    ids = (live["job_id"], live["dashboard_id"])
    want = model_spec(deploy={**DAILY, "schedule_cron": "0 7 * * *"})
    assert {d.top for d in compare(rt, want, live)} == {"deploy"}
    live = rt.update(model_id, live, want, frozenset({"deploy"}))
    assert live["status"] == "deployed" and live["deploy"]["schedule_cron"] == "0 7 * * *"
    assert (live["job_id"], live["dashboard_id"]) == ids
    assert live["review_notes"].startswith("approved automatically")


def test_an_sql_change_goes_back_through_review(semantic):
    rt = semantic.rt
    model_id = "00000000-0000-4000-8000-000000000005"  # seeded, deployed
    live = rt.read(model_id)
    want = {**_seeded_spec(live), "sql": "SELECT 1 AS n"}
    assert {d.top for d in compare(rt, want, live)} == {"sql"}
    assert rt.blocked(live, want) is None
    new = rt.update(model_id, live, want, frozenset({"sql"}))
    assert new["status"] == "pending_review" and new["sql"] == "SELECT 1 AS n"
    assert new["deploy"] == live["deploy"]  # still requested: nothing to plan until the review
    assert compare(rt, want, new) == () and "pending review" in rt.blocked(new, want)


def _seeded_spec(live: dict) -> dict:
    return {k: live[k] for k in ("name", "description", "domain", "sql", "columns", "source_tables",
                                 "target_catalog", "target_schema", "deploy")}


@pytest.mark.parametrize("seed, status, blocked", [
    pytest.param(1, "draft", None, id="draft-apply-submits"),
    pytest.param(2, "pending_review", "pending review", id="pending"),
    pytest.param(3, "approved", None, id="approved-apply-deploys"),
    pytest.param(4, "rejected", "rejected in review (Needs a primary key)", id="rejected"),
    pytest.param(5, "deployed", None, id="deployed"),
    pytest.param(6, "failed", "the last deploy failed (Trino: table iceberg.raw.inventory", id="failed"),
])
def test_blocked_by_review_status_when_the_content_is_unchanged(semantic, seed, status, blocked):
    live = semantic.rt.read(f"00000000-0000-4000-8000-{seed:012d}")
    assert live["status"] == status
    reason = semantic.rt.blocked(live, _seeded_spec(live))
    assert (reason is None) if blocked is None else (blocked in reason)


def test_archived_models_read_as_gone(semantic):
    assert semantic.rt.read("00000000-0000-4000-8000-000000000007") is None


def test_a_rejected_model_is_resubmitted_when_its_content_changes(semantic):
    rt = semantic.rt
    model_id = "00000000-0000-4000-8000-000000000004"
    live = rt.read(model_id)
    want = {**_seeded_spec(live), "sql": "SELECT customer_id FROM iceberg.raw.orders"}
    assert rt.blocked(live, want) is None
    assert rt.update(model_id, live, want, frozenset({"sql"}))["status"] == "pending_review"


def test_draft_with_requested_deploy_is_submitted(semantic):
    rt = semantic.rt
    model_id = "00000000-0000-4000-8000-000000000001"
    live = rt.read(model_id)
    want = {**_seeded_spec(live), "deploy": DAILY}
    assert {d.top for d in compare(rt, want, live)} == {"deploy"}
    new = rt.update(model_id, live, want, frozenset({"deploy"}))
    assert new["status"] == "pending_review" and compare(rt, want, new) == ()


def test_find_adopts_by_domain_and_name_and_ignores_archived(semantic):
    rt = semantic.rt
    found = find_one(rt, {"name": "deployed_customer_ltv", "domain": DOMAIN})
    assert found[0] == "00000000-0000-4000-8000-000000000005"
    assert find_one(rt, {"name": "archived_legacy_kpis", "domain": DOMAIN}) is None
    assert find_one(rt, {"name": "deployed_customer_ltv", "domain": "urn:li:domain:other"}) is None


def test_crash_recovery_finds_the_model_not_a_duplicate(semantic):
    """A create whose answer was lost: the next plan finds the model by (domain, name)."""
    semantic.client.create_model({"name": "customer_ltv", "domain_urn": DOMAIN, "sql": "SELECT 1",
                                  "target_schema": "sales"})
    found = find_one(semantic.rt, model_spec())
    assert found is not None and found[1]["status"] == "draft"
    with pytest.raises(ApiError, match="already exists") as err:
        semantic.rt.create(model_spec())  # the service refuses a duplicate view
    assert err.value.status == 409


def test_a_failed_deploy_after_create_records_the_model(semantic):
    session = semantic.connect(auto_approve=True)
    semantic.world.set_knobs(deploy_outcome="failed")
    with pytest.raises(CreatedButFailed) as err:
        session.resource("semantic_model").create(model_spec(deploy=DAILY))
    assert "Deployment failed" in str(err.value.cause)
    live = session.resource("semantic_model").read(err.value.object_id)
    assert live["status"] == "failed" and "the last deploy failed" in semantic.rt.blocked(live, model_spec(deploy=DAILY))


def test_auto_approve_without_admin_role_fails_clearly(semantic):
    semantic.world.set_knobs(roles=["nx1_semantic_modeller"])
    with pytest.raises(CreatedButFailed) as err:
        semantic.connect(auto_approve=True).resource("semantic_model").create(model_spec(deploy=DAILY))
    assert "Requires role nx1_semantic_admin" in str(err.value.cause)


def test_the_embed_token_never_reaches_a_live_view(semantic):
    session = semantic.connect(auto_approve=True)
    model_id, live = session.resource("semantic_model").create(model_spec(deploy=DAILY))
    assert "gst." not in json.dumps(live) and "embed" not in json.dumps(live)
    assert "gst." in json.dumps(semantic.client.http.json("GET", f"/api/semantic-models/{model_id}/deployment"))


def test_requested_options_are_recorded_with_the_submission(semantic):
    model_id, _ = semantic.rt.create(model_spec(deploy=DAILY))
    raw = semantic.client.get_model(model_id)["description"]
    assert raw.startswith("Lifetime value\n\n[reconciler deploy {") and split_description(raw)[1] == FULL_DAILY


@pytest.mark.parametrize("text, options, expected", [
    pytest.param("Lifetime value", None, "Lifetime value", id="no-deploy"),
    pytest.param("", {"create_dashboard": False}, '[reconciler deploy {"add_lineage":true,"create_dashboard":false,'
                 '"create_schedule":false,"register_in_datahub":true,"schedule_cron":null}]', id="empty-text"),
    pytest.param("x  \n", {}, 'x\n\n[reconciler deploy {"add_lineage":true,"create_dashboard":true,'
                 '"create_schedule":false,"register_in_datahub":true,"schedule_cron":null}]', id="defaults-filled"),
])
def test_compose_description(text, options, expected):
    composed = compose_description(text, options)
    assert composed == expected
    assert split_description(composed) == (text.rstrip(), deploy_options(options) if options is not None else None)


@pytest.mark.parametrize("doc, expected", [
    pytest.param({"status": "deployed", "deploy_options": {"a": 1}, "description": "[reconciler deploy {\"b\":2}]"},
                 {"a": 1}, id="deployed-reads-what-is-deployed"),
    pytest.param({"status": "approved", "deploy_options": {"a": 1}}, None, id="approved-reads-undeployed"),
    pytest.param({"status": "draft", "deploy_options": {"a": 1}}, None, id="draft-reads-undeployed"),
    pytest.param({"status": "pending_review", "description": "t\n\n[reconciler deploy {\"b\":2}]"}, {"b": 2},
                 id="pending-reads-requested"),
    pytest.param({"status": "pending_review", "description": "t", "deploy_options": {"a": 1}}, {"a": 1},
                 id="pending-without-request-reads-deployed"),
    pytest.param({"status": "rejected", "description": "t [reconciler deploy {broken]"}, None, id="broken-marker"),
])
def test_live_deploy(doc, expected):
    assert live_deploy(doc) == expected


@pytest.mark.parametrize("attrs, expected", [
    pytest.param({"source_tables": ["b.c.d", "a.b.c", "a.b.c"]}, {"source_tables": ["a.b.c", "b.c.d"]}, id="tables-set"),
    pytest.param({"columns": [{"name": "a", "type": None}]}, {"columns": [{"name": "a"}]}, id="column-nulls"),
    pytest.param({"sql": "SELECT 1\n"}, {"sql": "SELECT 1"}, id="sql-trailing-newline"),
    pytest.param({"deploy": {"create_schedule": False, "schedule_cron": "0 6 * * *"}},
                 {"deploy": {"create_schedule": False, "schedule_cron": None, "register_in_datahub": True,
                             "add_lineage": True, "create_dashboard": True}}, id="deploy-defaults-cron-unused"),
    pytest.param({"deploy": None}, {"deploy": None}, id="not-deployed"),
    pytest.param({"description": None, "updated_at": "t", "error": "e"}, {"description": ""}, id="noise"),
])
def test_normalize(attrs, expected):
    assert SemanticModel(None).normalize(attrs) == expected


@pytest.mark.parametrize("overrides, message", [
    pytest.param({"deploy": {"create_schedule": True}}, "schedule_cron is required", id="schedule-without-cron"),
    pytest.param({"deploy": {"create_schedule": True, "schedule_cron": "0 25 * * *"}}, "hour field",
                 id="bad-cron"),
    pytest.param({"deploy": {"schedule": "daily"}}, "Extra inputs", id="unknown-option"),
    pytest.param({"name": "Customer LTV"}, "pattern", id="bad-name"),
    pytest.param({"domain": "sales"}, "pattern", id="domain-not-urn"),
])
def test_spec_validation(overrides, message):
    with pytest.raises(ValidationError, match=message):
        SemanticModelSpec.model_validate(model_spec(**overrides))


def test_nothing_replaces_a_model():
    assert SemanticModel.create_only == frozenset()
    assert {"external_id", "job_id", "airflow_url", "dashboard_id"} <= SemanticModel.server_owned


def test_lifecycle_moving_the_view_keeps_the_model(semantic):
    """``target_schema``, ``target_catalog`` and ``domain`` change in place: same id, back to review."""
    report = run_lifecycle(semantic.session, "semantic_model", model_spec(),
                           model_spec(target_schema="finance", target_catalog="lake",
                                      domain="urn:li:domain:finance"))
    assert report.changed == {"target_schema", "target_catalog", "domain"}
    assert report.updated["status"] in ("pending_review", "approved", "deployed")


def test_update_never_approves_without_the_opt_in(semantic):
    rt = semantic.rt
    model_id, live = rt.create(model_spec(deploy=DAILY))
    rt.update(model_id, live, model_spec(deploy=DAILY, sql="SELECT 2 AS n"), frozenset({"sql"}))
    assert semantic.client.get_model(model_id)["status"] == "pending_review"
    with pytest.raises(ProviderError):
        semantic.client.deploy(model_id, {})


def test_one_list_answers_the_lookups_of_several_models(semantic):
    session = semantic.connect()
    rt = session.resource("semantic_model")
    object_id, _ = rt.create(model_spec())
    specs = [model_spec(), model_spec(name="not_there"), model_spec(domain="urn:li:domain:other")]
    keys = {lookup_key(rt, s) for s in specs}
    assert keys == {("list", None)}
    answers, listing = look_up(rt, specs, ("list", None))
    assert answers == [find_one(rt, s) for s in specs]
    assert answers[0][0] == object_id and object_id in listing.objects
