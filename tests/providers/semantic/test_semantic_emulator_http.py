"""The semantic-model emulator over raw HTTP: statuses, FastAPI-style errors, the review state
machine, roles, the documented deploy call and its knobs, validation before side effects."""

from __future__ import annotations

import httpx
import pytest

from reconciler.sandbox import Sandbox
from tests.providers.semantic.conftest import DOMAIN

TOKEN = "sandbox-token"
API = "/semantic/api/semantic-models"
SEED = "00000000-0000-4000-8000-{:012d}".format


@pytest.fixture
def sb():
    return Sandbox(token=TOKEN)


@pytest.fixture
def http(sb):
    with httpx.Client(transport=sb.transport(), base_url="http://sandbox",
                      headers={"Authorization": f"Bearer {TOKEN}"}) as client:
        yield client


def world(sb):
    return sb.emulators["semantic"].world


def create_body(**overrides) -> dict:
    body = {"name": "customer_ltv", "description": "LTV", "domain_urn": DOMAIN,
            "sql": "SELECT customer_id, sum(amount) AS ltv FROM iceberg.raw.orders GROUP BY 1",
            "source_tables": ["iceberg.raw.orders"], "columns": [{"name": "customer_id", "type": "bigint"}],
            "target_catalog": "iceberg", "target_schema": "sales"}
    body.update(overrides)
    return body


def test_401_without_a_bearer_token(sb):
    with httpx.Client(transport=sb.transport(), base_url="http://sandbox") as client:
        response = client.get(API, headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401 and response.json() == {"detail": "Not authenticated"}
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_seeded_models_cover_every_status(http):
    page = http.get(API, params={"limit": 100}).json()
    assert page["total"] == 7
    assert [m["status"] for m in page["items"]] == ["draft", "pending_review", "approved", "rejected", "deployed",
                                                    "failed", "archived"]
    assert http.get(API, params={"status": "deployed"}).json()["items"][0]["id"] == SEED(5)
    second = http.get(API, params={"limit": 2, "offset": 2}).json()
    assert [m["id"] for m in second["items"]] == [SEED(3), SEED(4)] and second["total"] == 7
    assert http.get(API, params={"limit": 500}).status_code == 422


def test_the_review_lifecycle(http):
    created = http.post(API, json=create_body())
    assert created.status_code == 201 and created.json()["status"] == "draft"
    model_id = created.json()["id"]
    assert http.post(f"{API}/{model_id}/deploy", json={}).json() == {"detail": "Model must be approved before deployment"}
    assert http.post(f"{API}/{model_id}/submit").json()["status"] == "pending_review"
    assert http.post(f"{API}/{model_id}/submit").status_code == 409
    result = http.post(f"{API}/review/batch-approve", json={"model_ids": [model_id, SEED(1)], "review_notes": "ok"})
    assert result.json() == {"successful": [model_id], "total_processed": 2,
                             "failed": [{"model_id": SEED(1), "error": "Model is not pending review"}]}
    deployed = http.post(f"{API}/{model_id}/deploy", json={"create_schedule": True, "schedule_cron": "0 6 * * *"})
    body = deployed.json()
    assert deployed.status_code == 200 and body["status"] == "deployed" and body["message"] == "Model deployed"
    assert body["view_name"] == "iceberg.sales.customer_ltv" and body["job_id"] and body["external_id"].startswith(
        "urn:li:dataset:(urn:li:dataPlatform:trino,iceberg.sales.customer_ltv")
    assert body["dashboard"]["embed_token"].startswith("gst.")
    model = http.get(f"{API}/{model_id}").json()
    assert "embed_token" not in model["dashboard"] and model["deploy_options"]["schedule_cron"] == "0 6 * * *"
    assert http.get(f"{API}/{model_id}/deployment").json()["options"]["create_schedule"] is True
    edited = http.patch(f"{API}/{model_id}", json={"sql": "SELECT 1 AS n"}).json()
    assert edited["status"] == "draft" and edited["sql"] == "SELECT 1 AS n"
    assert http.delete(f"{API}/{model_id}").status_code == 204
    assert http.get(f"{API}/{model_id}").json()["status"] == "archived"
    assert http.delete(f"{API}/{model_id}").status_code == 404
    assert http.patch(f"{API}/{model_id}", json={"description": "x"}).status_code == 409


def test_single_reject_and_resubmit(http):
    assert http.post(f"{API}/{SEED(2)}/reject", json={"review_notes": "no"}).json()["status"] == "rejected"
    assert http.post(f"{API}/{SEED(2)}/submit").json()["status"] == "pending_review"
    assert http.post(f"{API}/{SEED(2)}/approve", json={}).json()["status"] == "approved"


@pytest.mark.parametrize("body, loc", [
    pytest.param({"create_schedule": True}, ["body"], id="schedule-without-cron"),
    pytest.param({"create_schedule": True, "schedule_cron": "61 * * * *"}, ["body"], id="bad-cron"),
    pytest.param({"create_dashboard": "maybe"}, ["body", "create_dashboard"], id="bad-bool"),
])
def test_deploy_validation_is_a_422_list(sb, http, body, loc):
    before = world(sb).snapshot()
    response = http.post(f"{API}/{SEED(3)}/deploy", json=body)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == loc and response.json()["detail"][0]["msg"]
    assert world(sb).snapshot() == before


@pytest.mark.parametrize("overrides, status", [
    pytest.param({"name": "Bad Name"}, 422, id="name-pattern"),
    pytest.param({"sql": "DROP TABLE x"}, 422, id="not-a-select"),
    pytest.param({"domain_urn": "sales"}, 422, id="domain-not-urn"),
    pytest.param({"source_tables": ["orders"]}, 422, id="table-not-qualified"),
    pytest.param({"extra": 1}, 422, id="unknown-field"),
    pytest.param({"name": "deployed_customer_ltv"}, 409, id="duplicate-view"),
])
def test_create_validation(sb, http, overrides, status):
    before = world(sb).snapshot()
    assert http.post(API, json=create_body(**overrides)).status_code == status
    assert world(sb).snapshot() == before


@pytest.mark.parametrize("patch", [
    pytest.param({"target_schema": "finance"}, id="schema"),
    pytest.param({"target_catalog": "lake"}, id="catalog"),
    pytest.param({"domain_urn": "urn:li:domain:x"}, id="domain"),
])
def test_location_fields_change_in_place_and_need_a_new_review(http, patch):
    response = http.patch(f"{API}/{SEED(5)}", json=patch)
    assert response.status_code == 200, response.text
    doc = response.json()
    assert doc["id"] == SEED(5) and doc["status"] == "draft"
    assert {k: doc[k] for k in patch} == patch


def test_a_location_change_that_collides_with_another_view_is_refused(http):
    other = http.get(f"{API}/{SEED(5)}").json()
    created = http.post(API, json=create_body(name=other["name"], target_schema="finance")).json()
    response = http.patch(f"{API}/{created['id']}", json={"target_schema": other["target_schema"],
                                                          "target_catalog": other["target_catalog"]})
    assert response.status_code == 409 and "already exists" in response.json()["detail"]


def test_roles_are_enforced(sb, http):
    world(sb).set_knobs(roles=["nx1_semantic_modeller"])
    response = http.post(f"{API}/review/batch-approve", json={"model_ids": [SEED(2)]})
    assert response.status_code == 403 and response.json() == {"detail": "Requires role nx1_semantic_admin"}
    assert http.post(f"{API}/{SEED(3)}/deploy", json={}).status_code == 403
    assert http.post(API, json=create_body()).status_code == 201


def test_failed_deploys_and_duplicate_redeploys(sb, http):
    world(sb).set_knobs(deploy_outcome="failed")
    response = http.post(f"{API}/{SEED(3)}/deploy", json={})
    assert response.status_code == 500 and response.json()["detail"].startswith("Deployment failed")
    assert http.get(f"{API}/{SEED(3)}").json()["status"] == "failed"
    world(sb).set_knobs(deploy_outcome="deployed")
    first = http.post(f"{API}/{SEED(5)}/deploy", json={}).json()["dashboard"]["dashboard_id"]
    assert first == 101  # a re-deploy updates the seeded dashboard in place
    world(sb).set_knobs(duplicate_on_redeploy=True)
    assert http.post(f"{API}/{SEED(5)}/deploy", json={}).json()["dashboard"]["dashboard_id"] != first


def test_unknown_routes_answer_fastapi_not_found(http):
    response = http.get("/semantic/api/nothing")
    assert response.status_code == 404 and response.json() == {"detail": "Not Found"}
    assert http.put(f"{API}/{SEED(1)}").status_code == 405


def test_snapshot_restore_and_env(sb):
    w = world(sb)
    snap = w.snapshot()
    w.archive(SEED(1))
    w.restore(snap)
    assert w.get_model(SEED(1))["status"] == "draft"
    with pytest.raises(ValueError):
        w.restore({})
    env = sb.env("http://h:1")
    assert env["SEMANTIC_URL"] == "http://h:1/semantic" and env["SEMANTIC_TOKEN"] == TOKEN
    assert env["SEMANTIC_AUTO_APPROVE"] == "true"  # the sandbox is a dev tenant: its explicit opt-in


def test_the_last_deployment_of_a_model(http):
    assert http.get(f"{API}/{SEED(1)}/deployment").status_code == 404
    deployment = http.get(f"{API}/{SEED(5)}/deployment").json()
    assert deployment["job_id"] == "8a1e0000-0000-4000-8000-000000000005"
    assert deployment["options"]["schedule_cron"] == "0 6 * * *"
    assert deployment["dashboard"]["embed_token"].startswith("gst.")  # minted per response, never stored
    assert "embed_token" not in http.get(f"{API}/{SEED(5)}").json()["dashboard"]
