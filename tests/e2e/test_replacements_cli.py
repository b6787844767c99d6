"""Replacements end to end through the CLI against the sandbox: each converges in one apply and is
followed by an empty plan. A replacement reaches what references it (DataRobot environment and its
deployment; Astro deployment and its deploy), Astro's development-mode rule replaces one way and
updates the other, ``--replace`` forces one, and ``lifecycle.create_before_destroy`` creates the
replacement first where the type allows it and is refused, before any request, where it cannot."""

from __future__ import annotations

import json

import pytest


def state_ids(proj) -> dict[str, str]:
    doc = json.loads(proj.state_file.read_text())
    return {r["address"]: r["id"] for r in doc["resources"]}


def converge(proj) -> None:
    applied = proj.cli("apply", "--auto-approve")
    assert applied.code == 0, applied.text
    again = proj.cli("plan", "--detailed-exitcode")
    assert again.code == 0, again.text


# -- DataRobot: the environment's platform changes under a deployment -----------------------------

@pytest.fixture
def datarobot(make_project):
    proj = make_project("datarobot")
    assert proj.cli("apply", "--auto-approve").code == 0
    return proj


def environments(proj) -> dict:
    return proj.sandbox.emulators["datarobot"].world._s["environments"]


def deployments(proj) -> dict:
    return proj.sandbox.emulators["datarobot"].world._s["deployments"]


def test_an_environment_replacement_replaces_its_deployment_in_the_same_apply(datarobot):
    before = state_ids(datarobot)
    datarobot.edit_spec("deployments.yaml", "platform: datarobotServerless", "platform: datarobot")
    plan = datarobot.cli("plan", "--detailed-exitcode", "--format", "json")
    assert plan.code == 2, plan.text
    changes = {c["address"]: c for c in json.loads(plan.out)["resource_changes"]}
    env, dep = changes["datarobot_prediction_environment.serverless"], changes["datarobot_deployment.house_prices"]
    assert env["actions"] == ["delete", "create"] and dep["actions"] == ["delete", "create"]
    assert "replaced because `datarobot_prediction_environment.serverless` is replaced" in dep["reason"]
    assert dep["after_unknown"] == {"prediction_environment_id": True}
    assert dep["caused_by"] == ["datarobot_prediction_environment.serverless"]
    assert changes["datarobot_deployment.churn"]["action"] == "no-op"
    text = datarobot.cli("plan")
    assert "prediction_environment_id = " in text.out and "(known after apply)" in text.out

    converge(datarobot)
    after = state_ids(datarobot)
    env_id = after["datarobot_prediction_environment.serverless"]
    assert env_id != before["datarobot_prediction_environment.serverless"]
    assert after["datarobot_deployment.house_prices"] != before["datarobot_deployment.house_prices"]
    assert after["datarobot_deployment.churn"] == before["datarobot_deployment.churn"]
    assert set(environments(datarobot)) == {env_id}  # no orphan
    assert deployments(datarobot)[after["datarobot_deployment.house_prices"]]["predictionEnvironment"]["id"] == env_id


def test_create_before_destroy_creates_the_new_environment_before_the_old_one_goes(datarobot):
    before = state_ids(datarobot)
    datarobot.edit_spec("deployments.yaml", "    supported_model_formats: [datarobot, customModel]\n",
                        "    supported_model_formats: [datarobot, customModel]\n"
                        "    lifecycle:\n      create_before_destroy: true\n")
    datarobot.edit_spec("deployments.yaml", "platform: datarobotServerless", "platform: datarobot")
    plan = datarobot.cli("plan")
    assert '+/- resource "datarobot_prediction_environment" "serverless"' in plan.out
    assert "create replacement and then destroy" in plan.out
    applied = datarobot.cli("apply", "--auto-approve")
    assert applied.code == 0, applied.text
    err = applied.err
    created = err.index("datarobot_prediction_environment.serverless: Creating")
    destroyed = err.index("datarobot_prediction_environment.serverless: Destroying")
    assert created < err.index("datarobot_deployment.house_prices: Creating") < destroyed
    assert datarobot.cli("plan", "--detailed-exitcode").code == 0
    after = state_ids(datarobot)
    assert after["datarobot_prediction_environment.serverless"] != before["datarobot_prediction_environment.serverless"]
    assert set(environments(datarobot)) == {after["datarobot_prediction_environment.serverless"]}


# -- Astro: a region change replaces the deployment and its deploy; development mode ---------------

@pytest.fixture
def astro(make_project):
    proj = make_project("astro")
    proj.monkeypatch.chdir(proj.root)
    assert proj.cli("apply", "--auto-approve").code == 0
    return proj


def astro_world(proj):
    return proj.sandbox.emulators["astro"].world


def test_a_region_change_replaces_the_deployment_and_its_deploy_in_one_apply(astro):
    before = state_ids(astro)
    seeded = set(astro_world(astro)._s["deployments"]) - {before["astro_deployment.etl"]}
    astro.edit_spec("deployments.yaml", "astro_region: us-east-1", "astro_region: eu-west-1")
    plan = astro.cli("plan", "--detailed-exitcode")
    assert plan.code == 2, plan.text
    assert "astro_deployment.etl will be replaced" in plan.out
    assert "astro_deploy.etl_dags will be replaced" in plan.out
    assert "replaced because `astro_deployment.etl` is replaced" in plan.out
    assert "Plan: 2 to add, 0 to change, 2 to destroy." in plan.out
    converge(astro)
    after = state_ids(astro)
    dep = after["astro_deployment.etl"]
    assert dep != before["astro_deployment.etl"]
    assert set(astro_world(astro)._s["deployments"]) == seeded | {dep}  # the old one is gone
    assert astro_world(astro)._s["deployments"][dep]["region"] == "eu-west-1"
    assert [d["status"] for d in astro_world(astro)._s["deploys"].values() if d["deploymentId"] == dep] == ["DEPLOYED"]
    drift = astro.cli("drift")
    assert drift.code == 0 and "has been deleted" not in drift.out


def test_development_mode_on_replaces_and_off_updates(astro):
    first = state_ids(astro)["astro_deployment.etl"]
    astro.edit_spec("deployments.yaml", "    is_cicd_enforced: true\n",
                    "    is_cicd_enforced: true\n    is_development_mode: true\n")
    plan = astro.cli("plan", "--detailed-exitcode")
    assert plan.code == 2, plan.text
    assert "astro_deployment.etl will be replaced" in plan.out
    assert "is_development_mode: Astro cannot turn development mode on for an existing deployment" in plan.out
    assert "blocked" not in plan.out
    converge(astro)
    second = state_ids(astro)["astro_deployment.etl"]
    assert second != first and astro_world(astro)._s["deployments"][second]["isDevelopmentMode"] is True

    astro.edit_spec("deployments.yaml", "is_development_mode: true", "is_development_mode: false")
    plan = astro.cli("plan", "--detailed-exitcode")
    assert "astro_deployment.etl will be updated in-place" in plan.out
    assert "Plan: 0 to add, 1 to change, 0 to destroy." in plan.out
    converge(astro)
    assert state_ids(astro)["astro_deployment.etl"] == second
    assert astro_world(astro)._s["deployments"][second]["isDevelopmentMode"] is False


def test_a_runtime_downgrade_is_blocked_exit_3_and_apply_leaves_it(astro):
    dep = state_ids(astro)["astro_deployment.etl"]
    astro_world(astro).set_runtime(dep, "12.4.0")
    plan = astro.cli("plan", "--detailed-exitcode")
    assert plan.code == 3, plan.text
    assert "astro_deployment.etl is blocked" in plan.out
    assert "Plan: 0 to add, 0 to change, 0 to destroy (1 blocked)." in plan.out
    applied = astro.cli("apply", "--auto-approve")
    assert applied.code == 0, applied.text
    assert "Astro cannot downgrade Runtime" in applied.out
    assert dep in astro_world(astro)._s["deployments"]
    assert astro_world(astro)._s["deployments"][dep]["astroRuntimeVersion"] == "12.4.0"


# -- Dataiku: --replace, and create-before-destroy refused for a unique key -----------------------

@pytest.fixture
def dataiku(make_project):
    proj = make_project("dataiku")
    assert proj.cli("apply", "--auto-approve").code == 0
    return proj


def test_replace_flag_replaces_an_unchanged_dataset(dataiku):
    assert dataiku.cli("plan", "--detailed-exitcode").code == 0
    plan = dataiku.cli("plan", "--detailed-exitcode", "--replace", "dataiku_dataset.orders")
    assert plan.code == 2, plan.text
    assert "dataiku_dataset.orders will be replaced" in plan.out
    assert "replacement requested with --replace" in plan.out
    assert "Plan: 1 to add, 0 to change, 1 to destroy." in plan.out
    applied = dataiku.cli("apply", "--auto-approve", "--replace", "dataiku_dataset.orders")
    assert applied.code == 0, applied.text
    assert "dataiku_dataset.orders: Destroying" in applied.err and "dataiku_dataset.orders: Creating" in applied.err
    assert dataiku.cli("plan", "--detailed-exitcode").code == 0
    names = [d["name"] for d in dataiku.dss().get_project("SALES").list_datasets()]
    assert names.count("orders") == 1


def test_replace_flag_names_an_unknown_address(dataiku):
    bad = dataiku.cli("plan", "--replace", "dataiku_dataset.nope")
    assert bad.code == 1
    assert "--replace dataiku_dataset.nope: the resource is in neither the specs nor the state" in bad.text
    assert "Traceback" not in bad.text


def test_create_before_destroy_is_refused_for_a_unique_project_key(make_project):
    proj = make_project("dataiku")
    proj.edit_spec("projects.yaml", "      prevent_destroy: true\n",
                   "      prevent_destroy: true\n      create_before_destroy: true\n")
    for command in ("validate", "plan"):
        result = proj.cli(command)
        assert result.code == 1, result.text
        assert "projects.yaml:" in result.text and "lifecycle.create_before_destroy" in result.text
        assert "a Dataiku project key is unique" in result.text
        assert "Traceback" not in result.text
    assert not proj.state_file.exists()


def test_replace_triggered_by_an_unknown_address_is_an_error_with_its_line(make_project):
    proj = make_project("dataiku")
    proj.edit_spec("projects.yaml", "      prevent_destroy: true\n",
                   "      prevent_destroy: true\n      replace_triggered_by: [dataiku_project.nope]\n")
    result = proj.cli("validate")
    assert result.code == 1
    assert "projects.yaml:" in result.text
    assert "lifecycle.replace_triggered_by: dataiku_project.nope is not defined in the specs" in result.text
