"""Registered models and Use Cases end to end through the CLI against the sandbox on loopback:
plan, apply, an empty plan, changes made with the official client reported by ``drift`` and
repaired by ``apply``, a new source model applied as a new version of the same registered model,
and a deployment of the registered model's latest version."""

from __future__ import annotations

import warnings

import httpx
import pytest

from tests.conftest import TOKEN

dr = pytest.importorskip("datarobot")
from datarobot.models.model_registry import RegisteredModel  # noqa: E402

CHURN_GLM = "650000000000000000000102"

SPECS = """
resources:
  datarobot_use_case.churn:
    name: Churn reduction
    description: Everything about keeping customers.

  datarobot_registered_model.churn:
    name: Churn classifier
    description: The production churn model.
    model_id: ${datarobot_learning_model.churn_xgb.id}
    version_name: xgb-2026q1

  datarobot_prediction_environment.batch:
    name: batch-scoring
    platform: aws
    managed_by: datarobot
    credential_id: "650000000000000000000e01"
    batch_jobs_priority: high
    batch_jobs_max_concurrent: 4

  datarobot_deployment.registered:
    label: Churn (registered)
    model_package_id: ${datarobot_registered_model.churn.version_id}
    default_prediction_server_id: ${datarobot_prediction_server.us.id}
"""


@pytest.fixture
def proj(make_project):
    project = make_project("datarobot")
    (project.specs / "datarobot" / "registry.yaml").write_text(SPECS)
    return project


@pytest.fixture
def official(proj):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dr.Client(endpoint=f"{proj.base_url}/datarobot/api/v2", token=TOKEN)
        yield dr


def _applied(proj) -> None:
    result = proj.cli("apply", "--auto-approve")
    assert result.code == 0, result.text


def test_plan_apply_drift_repair(proj, official):
    plan = proj.cli("plan")
    assert '+ resource "datarobot_registered_model" "churn"' in plan.out, plan.text
    assert '+ resource "datarobot_use_case" "churn"' in plan.out
    _applied(proj)
    assert proj.cli("plan", "--detailed-exitcode").code == 0

    registered = next(r for r in RegisteredModel.list() if r.name == "Churn classifier")
    use_case = next(u for u in official.UseCase.list() if u.name == "Churn reduction")
    RegisteredModel.update(registered.id, "Churn (renamed in the UI)")
    use_case.update(description="changed in the UI")

    drift = proj.cli("drift")
    assert drift.code == 2, drift.text
    assert "datarobot_registered_model.churn" in drift.out and "Churn (renamed in the UI)" in drift.out
    assert "datarobot_use_case.churn" in drift.out and "changed in the UI" in drift.out

    _applied(proj)
    assert RegisteredModel.get(registered.id).name == "Churn classifier"
    assert official.UseCase.get(use_case.id).description == "Everything about keeping customers."
    assert proj.cli("drift").code == 0


def test_a_new_source_model_is_a_new_version_and_the_deployment_follows(proj, official):
    _applied(proj)
    registered = next(r for r in RegisteredModel.list() if r.name == "Churn classifier")
    path = proj.specs / "datarobot" / "registry.yaml"
    path.write_text(path.read_text().replace("${datarobot_learning_model.churn_xgb.id}", f"'{CHURN_GLM}'")
                    .replace("xgb-2026q1", "glm-2026q2"))
    plan = proj.cli("plan")
    assert "~ resource \"datarobot_registered_model\" \"churn\"" in plan.out, plan.text
    assert "-/+" not in plan.out
    # the deployment of the latest version follows in the same apply
    assert '~ resource "datarobot_deployment" "registered"' in plan.out and "(known after apply)" in plan.out
    _applied(proj)
    versions = RegisteredModel.get(registered.id).list_versions()
    assert sorted(v.registered_model_version for v in versions) == [1, 2]
    deployment = next(d for d in official.Deployment.list() if d.label == "Churn (registered)")
    latest = max(versions, key=lambda v: v.registered_model_version)
    assert deployment.model_package["id"] == latest.id and deployment.model["id"] == CHURN_GLM
    assert proj.cli("plan", "--detailed-exitcode").code == 0


def test_batch_limits_changed_through_the_api_are_drift_and_apply_repairs(proj, official):
    _applied(proj)
    env = next(e for e in official.PredictionEnvironment.list() if e.name == "batch-scoring")
    assert (env.is_managed_by_management_agent, env.credential_id) == (True, "650000000000000000000e01")
    with httpx.Client(base_url=f"{proj.base_url}/datarobot/api/v2", headers={"Authorization": f"Token {TOKEN}"}) as api:
        # the official client has no update for environments: the raw API, as the TF provider calls it
        assert api.patch(f"predictionEnvironments/{env.id}/", json={"priority": 0}).status_code == 200
    drift = proj.cli("drift")
    assert drift.code == 2 and "batch_jobs_priority" in drift.out and "low" in drift.out, drift.text
    _applied(proj)
    assert proj.cli("drift").code == 0

    path = proj.specs / "datarobot" / "registry.yaml"
    path.write_text(path.read_text().replace("managed_by: datarobot", "managed_by: managementAgent"))
    plan = proj.cli("plan")
    assert '-/+ resource "datarobot_prediction_environment" "batch"' in plan.out, plan.text
    assert "managed_by" in plan.out
