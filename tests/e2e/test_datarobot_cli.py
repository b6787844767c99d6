"""DataRobot end to end through the CLI against the sandbox served on loopback: plan, apply, no
changes, out-of-band changes made with the official client reported by ``drift`` and repaired by
``apply``, model changes as in-place updates (validated), adoption by label, deletions."""

from __future__ import annotations

import json
import warnings

import pytest

from tests.conftest import TOKEN

dr = pytest.importorskip("datarobot")

CHURN = "Churn scoring (prod)"
HOUSE = "House price estimates (prod)"
CHURN_GLM_PACKAGE = "650000000000000000000502"
CHURN_XGB = "650000000000000000000101"


@pytest.fixture
def proj(make_project):
    return make_project("datarobot")


@pytest.fixture
def official(proj):
    """The official client, unchanged, pointed at the sandbox (the 'UI' of these tests)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dr.Client(endpoint=f"{proj.base_url}/datarobot/api/v2", token=TOKEN)
        yield dr


def _by_label(client) -> dict:
    found: dict = {}
    for deployment in client.Deployment.list():
        found.setdefault(deployment.label, []).append(deployment)
    return found


def _applied(proj) -> None:
    result = proj.cli("apply", "--auto-approve")
    assert result.code == 0, result.text


def test_plan_apply_then_no_changes(proj, official):
    first = proj.cli("plan", "--detailed-exitcode")
    assert first.code == 2, first.text
    assert "Plan: 3 to add, 0 to change, 0 to destroy." in first.out
    assert '+ resource "datarobot_deployment" "churn"' in first.out
    assert "(known after apply)" in first.out  # the environment id of the package deployment
    assert "async job" in first.out  # the wait note
    assert CHURN_XGB in first.out  # the learning model resolved by name through its data source

    applied = proj.cli("apply", "--auto-approve")
    assert applied.code == 0, applied.text
    assert f"creating deployment {CHURN!r}" in applied.text  # progress: stderr
    assert proj.cli("plan", "--detailed-exitcode").code == 0

    deployments = _by_label(official)
    assert set(deployments) == {CHURN, HOUSE}
    churn, house = deployments[CHURN][0], deployments[HOUSE][0]
    assert (churn.status, churn.importance, churn.model["id"]) == ("active", "HIGH", CHURN_XGB)
    assert house.prediction_environment["name"] == "mlops-serverless-prod"
    assert [e.name for e in official.PredictionEnvironment.list()] == ["mlops-serverless-prod"]


def test_deactivated_and_relabelled_in_the_ui_is_drift_and_apply_repairs(proj, official):
    _applied(proj)
    churn = _by_label(official)[CHURN][0]
    churn.deactivate()
    churn.update(label="Churn (renamed in the UI)")

    writes = proj.sandbox.write_count
    drift = proj.cli("drift")
    assert drift.code == 2, drift.text
    assert "datarobot_deployment.churn" in drift.out
    assert "status" in drift.out and "inactive" in drift.out
    assert "label" in drift.out and "Churn (renamed in the UI)" in drift.out
    assert proj.sandbox.write_count == writes, "drift must not write"

    repaired = proj.cli("apply", "--auto-approve")
    assert repaired.code == 0, repaired.text
    assert "1 changed" in repaired.out
    fetched = official.Deployment.get(churn.id)
    assert (fetched.label, fetched.status) == (CHURN, "active")
    assert proj.cli("drift").code == 0


def test_model_swapped_in_the_ui_is_drift_and_apply_swaps_it_back_in_place(proj, official):
    from datarobot.utils.waiters import wait_for_async_resolution

    _applied(proj)
    churn = _by_label(official)[CHURN][0]
    rest = official.client.get_client()
    response = rest.patch(f"deployments/{churn.id}/model/", data={"modelPackageId": CHURN_GLM_PACKAGE, "reason": "OTHER"})
    wait_for_async_resolution(rest, response.headers["Location"])

    drift = proj.cli("drift")
    assert drift.code == 2 and "model_id" in drift.out, drift.text
    plan = proj.cli("plan")
    assert "datarobot_deployment.churn will be updated in-place" in plan.out
    assert "-/+" not in plan.out and "replacement validation" in plan.out
    _applied(proj)
    fetched = official.Deployment.get(churn.id)
    assert fetched.model["id"] == CHURN_XGB and fetched.id == churn.id
    assert proj.cli("drift").code == 0


def test_a_new_model_in_the_specs_replaces_the_model_not_the_deployment(proj, official):
    _applied(proj)
    churn_id = _by_label(official)[CHURN][0].id
    proj.edit_spec("deployments.yaml", "name: eXtreme Gradient Boosted Trees Classifier",
                   "name: Elastic-Net Classifier (L2 / Binomial Deviance)")
    plan = proj.cli("plan", "--detailed-exitcode")
    assert plan.code == 2
    assert "Plan: 0 to add, 1 to change, 0 to destroy." in plan.out and "model_id" in plan.out
    _applied(proj)
    fetched = official.Deployment.get(churn_id)
    assert fetched.model["type"].startswith("Elastic-Net")
    assert len(_by_label(official)[CHURN]) == 1
    assert proj.cli("plan", "--detailed-exitcode").code == 0


def test_a_replacement_that_fails_validation_fails_the_apply_cleanly(proj, official):
    _applied(proj)
    proj.edit_spec("deployments.yaml", "model_id: ${datarobot_learning_model.churn_xgb.id}",
                   "model_id: ${datarobot_learning_model.house_xgb.id}")
    result = proj.cli("apply", "--auto-approve")
    assert result.code == 1
    assert "replacement validation failed" in result.text and "Traceback" not in result.text
    assert _by_label(official)[CHURN][0].model["id"] == CHURN_XGB


def test_a_new_prediction_server_replaces_the_deployment_and_says_it_is_irreversible(proj):
    _applied(proj)
    proj.edit_spec("deployments.yaml", "url: https://prediction-us.sandbox.datarobot.example",
                   "url: https://prediction-eu.sandbox.datarobot.example")
    plan = proj.cli("plan")
    assert plan.code == 0, plan.text
    assert "default_prediction_server_id" in plan.out and "irreversible" in plan.out
    assert "1 to add, 0 to change, 1 to destroy" in plan.out


def test_an_existing_deployment_is_adopted_by_label_not_duplicated(proj, official):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        made = official.Deployment.create_from_learning_model(CHURN_XGB, CHURN, importance="LOW")
    plan = proj.cli("plan")
    assert plan.code == 0 and "adopt" in plan.out
    _applied(proj)
    deployments = _by_label(official)
    assert [d.id for d in deployments[CHURN]] == [made.id]
    assert official.Deployment.get(made.id).importance == "HIGH"


def test_two_deployments_with_the_label_make_adoption_refuse(proj, official):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = official.Deployment.create_from_learning_model(CHURN_XGB, CHURN)
        b = official.Deployment.create_from_learning_model(CHURN_XGB, CHURN)
    for command in (("plan",), ("apply", "--auto-approve")):
        result = proj.cli(*command)
        assert result.code == 1
        assert a.id in result.err and b.id in result.err and "datarobot_deployment.churn" in result.err
        assert "Traceback" not in result.text
    assert len(_by_label(official)[CHURN]) == 2


def test_a_data_source_that_matches_nothing_fails_the_plan(proj):
    proj.edit_spec("deployments.yaml", "project: House prices", "project: No such project")
    result = proj.cli("plan")
    assert result.code == 1
    assert "datarobot_learning_model.house_xgb" in result.err and "Traceback" not in result.text


def test_removing_an_environment_block_deletes_it(proj, official):
    proj.edit_spec("deployments.yaml", "  datarobot_deployment.churn:",
                   "  datarobot_prediction_environment.spare:\n    name: spare\n    platform: aws\n\n"
                   "  datarobot_deployment.churn:")
    _applied(proj)
    assert {e.name for e in official.PredictionEnvironment.list()} == {"mlops-serverless-prod", "spare"}
    proj.edit_spec("deployments.yaml", "  datarobot_prediction_environment.spare:\n    name: spare\n    platform: aws\n\n", "")
    plan = proj.cli("plan", "--detailed-exitcode")
    assert plan.code == 2 and "Plan: 0 to add, 0 to change, 1 to destroy." in plan.out
    _applied(proj)
    assert [e.name for e in official.PredictionEnvironment.list()] == ["mlops-serverless-prod"]


def _drop_house_block(proj) -> None:
    path = proj.spec_path("deployments.yaml")
    text = path.read_text()
    path.write_text(text[:text.index("  datarobot_deployment.house_prices:")])


def test_removing_a_deployment_block_deletes_it_saying_it_is_irreversible(proj, official):
    _applied(proj)
    _drop_house_block(proj)
    plan = proj.cli("plan", "--detailed-exitcode")
    assert plan.code == 2, plan.text
    assert "datarobot_deployment.house_prices will be destroyed" in plan.out and "irreversible" in plan.out
    _applied(proj)
    assert set(_by_label(official)) == {CHURN}


def test_prevent_destroy_guards_a_deployment(proj, official):
    proj.edit_spec("deployments.yaml", "    importance: MODERATE\n",
                   "    importance: MODERATE\n    lifecycle:\n      prevent_destroy: true\n")
    _applied(proj)
    _drop_house_block(proj)
    refused = proj.cli("plan")
    assert refused.code == 1 and "datarobot_deployment.house_prices" in refused.err
    assert HOUSE in _by_label(official)


def test_plan_and_drift_make_no_write_request(proj):
    before = proj.sandbox.write_count
    assert proj.cli("plan").code == 0
    assert proj.cli("drift").code == 0
    _applied(proj)
    after_apply = proj.sandbox.write_count
    assert after_apply > before
    assert proj.cli("plan", "--out", str(proj.root / "p.json")).code == 0
    assert proj.cli("drift").code == 0
    assert proj.sandbox.write_count == after_apply


def test_token_never_appears_in_state_plans_or_output(proj):
    planfile = proj.root / "plan.json"
    outputs = [proj.cli(*args).text for args in (
        ("plan", "--out", str(planfile)), ("plan", "--format", "json"), ("plan", "--format", "markdown"),
        ("apply", str(planfile)), ("drift", "--format", "json"), ("state", "show", "datarobot_deployment.churn"))]
    for blob in outputs + [planfile.read_text(), proj.state_file.read_text()]:
        assert TOKEN not in blob
        assert "dr-key-us-0001" not in blob  # the prediction server's datarobot-key (sensitive)
    state = json.loads(proj.state_file.read_text())
    assert not any(r["type"].startswith("datarobot_") and r["type"] not in
                   ("datarobot_deployment", "datarobot_prediction_environment") for r in state["resources"])


HOUSE_RIDGE_PACKAGE = "650000000000000000000602"
HOUSE_XGB_PACKAGE = "650000000000000000000601"


def _served_package(official, label: str) -> str:
    deployment = _by_label(official)[label][0]
    return official.client.get_client().get(f"deployments/{deployment.id}/").json()["modelPackage"]["id"]


def test_a_replacement_job_that_succeeds_without_replacing_fails_the_apply_and_the_change_stays(proj, official):
    """DataRobot's job says COMPLETED, but the deployment still serves the old package: the apply
    is verified, so it fails naming the field, and the state keeps what the platform holds."""
    _applied(proj)
    proj.edit_spec("deployments.yaml", "model_package_id: ${datarobot_model_package.house_xgb.id}",
                   f'model_package_id: "{HOUSE_RIDGE_PACKAGE}"')
    proj.sandbox.emulators["datarobot"].replacement_keeps_model = True

    failed = proj.cli("apply", "--auto-approve")
    assert failed.code == 1, failed.text
    assert "datarobot_deployment.house_prices" in failed.text
    assert (f"model_package_id: expected '{HOUSE_RIDGE_PACKAGE}', got '{HOUSE_XGB_PACKAGE}'") in failed.text
    assert "Traceback" not in failed.text
    assert _served_package(official, HOUSE) == HOUSE_XGB_PACKAGE
    state = json.loads(proj.state_file.read_text())
    house = next(r for r in state["resources"] if r["address"] == "datarobot_deployment.house_prices")
    assert house["attrs"]["model_package_id"] == HOUSE_XGB_PACKAGE  # what the platform holds

    assert proj.cli("drift", "--detailed-exitcode").code == 0  # nothing changed outside the tool
    plan = proj.cli("plan", "--detailed-exitcode")
    assert plan.code == 2, plan.text
    assert "Plan: 0 to add, 1 to change, 0 to destroy." in plan.out and "model_package_id" in plan.out

    proj.sandbox.emulators["datarobot"].replacement_keeps_model = False
    _applied(proj)
    assert _served_package(official, HOUSE) == HOUSE_RIDGE_PACKAGE
    assert proj.cli("plan", "--detailed-exitcode").code == 0
