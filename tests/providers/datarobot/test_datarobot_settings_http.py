"""The settings, Use Case and Model Registry endpoints of the DataRobot emulator over raw HTTP:
the rules it enforces (status codes, the ``errors`` map naming the field), a refused request
leaving the world unchanged, and a settings job that fails leaving the settings as they were."""

from __future__ import annotations

import pytest

from tests.providers.datarobot.conftest import CHURN_XGB, HOUSE_XGB, HOUSE_XGB_PACKAGE


def _deploy(api, **extra) -> str:
    made = api.post("deployments/fromLearningModel/", json={"modelId": CHURN_XGB, "label": "churn", **extra})
    assert made.status_code == 202
    return made.json()["id"]


def _serverless(api) -> str:
    env = api.post("predictionEnvironments/", json={"name": "sl", "platform": "datarobotServerless"}).json()
    made = api.post("deployments/fromModelPackage/", json={"modelPackageId": HOUSE_XGB_PACKAGE, "label": "house",
                                                           "predictionEnvironmentId": env["id"]})
    return made.json()["id"]


@pytest.mark.parametrize("body, field", [
    pytest.param({"targetDrift": {"enabled": True, "colour": 1}}, "targetDrift.colour", id="unknown-key"),
    pytest.param({"biasAndFairness": {"protectedFeatures": ["a"], "fairnessMetricsSet": "equalParity",
                                      "fairnessThreshold": 2, "preferableTargetValue": True}},
                 "biasAndFairness.fairnessThreshold", id="threshold-range"),
    pytest.param({"associationId": {"columnNames": ["a", "b"]}}, "associationId.columnNames", id="one-column"),
    pytest.param({"predictionIntervals": {"enabled": True, "percentiles": [100]}}, "predictionIntervals",
                 id="percentile-range"),
    pytest.param({"predictionsSettings": {"minComputes": 1}}, "predictionsSettings", id="not-serverless"),
    pytest.param({}, "body", id="empty"),
])
def test_a_bad_settings_body_is_a_422_naming_the_field_and_changes_nothing(api, emulator, body, field):
    deployment = _deploy(api)
    api.get(f"deployments/{deployment}/")  # the create job lands (background progress happens per request)
    before = emulator.world.snapshot()
    answer = api.patch(f"deployments/{deployment}/settings/", json=body)
    assert answer.status_code == 422, answer.text
    assert any(key.startswith(field) for key in answer.json().get("errors", {})), answer.json()
    assert emulator.world.snapshot() == before


def test_serverless_compute_rules(api):
    deployment = _serverless(api)
    url = f"deployments/{deployment}/settings/"
    refused = api.patch(url, json={"predictionsSettings": {"resourceBundleId": "cpu.small"}})
    assert refused.status_code == 422 and "deactivate it first" in refused.json()["message"]
    assert api.patch(url, json={"predictionsSettings": {"minComputes": 2, "maxComputes": 1}}).status_code == 422
    assert api.patch(url, json={"predictionsSettings": {"maxComputes": 3}}).status_code == 202  # active is fine
    assert api.patch(f"deployments/{deployment}/status/", json={"status": "inactive"}).status_code == 202
    assert api.patch(url, json={"predictionsSettings": {"resourceBundleId": "cpu.legacy"}}).status_code == 422
    assert api.patch(url, json={"predictionsSettings": {"resourceBundleId": "cpu.small"}}).status_code == 202
    assert api.get(url).json()["predictionsSettings"] == {"resourceBundleId": "cpu.small", "minComputes": 0,
                                                          "maxComputes": 3}


def test_a_failed_settings_job_leaves_the_settings_as_they_were(api, emulator):
    deployment = _deploy(api)
    emulator.job_outcome = "fail"
    accepted = api.patch(f"deployments/{deployment}/settings/", json={"targetDrift": {"enabled": False}})
    assert accepted.status_code == 202
    job = api.get(accepted.headers["Location"].split("/api/v2/", 1)[1]).json()
    assert job["status"] == "ERROR"
    assert api.get(f"deployments/{deployment}/settings/").json()["targetDrift"] == {"enabled": True}


def test_a_settings_change_while_another_runs_is_409(api, emulator):
    deployment = _deploy(api)
    api.get(f"deployments/{deployment}/")  # the create job lands
    emulator.job_outcome = "pending"
    assert api.patch(f"deployments/{deployment}/settings/", json={"targetDrift": {"enabled": False}}).status_code == 202
    assert api.patch(f"deployments/{deployment}/settings/", json={"featureDrift": {"enabled": False}}).status_code == 409


def test_health_settings_merge_field_by_field_and_refuse_out_of_range(api, emulator):
    deployment = _deploy(api)
    url = f"deployments/{deployment}/healthSettings/"
    merged = api.patch(url, json={"dataDrift": {"driftThreshold": 0.4}}).json()
    assert merged["dataDrift"]["driftThreshold"] == 0.4 and merged["dataDrift"]["importanceThreshold"] == 0.5
    api.get(url)
    before = emulator.world.snapshot()
    for body in ({"service": {"batchCount": 0}}, {"dataDrift": {"timeInterval": "P2D"}},
                 {"accuracy": {"metric": "Precision"}}, {"customMetrics": {"warningConditions": [
                     {"metricId": "m", "compareOperator": "ge", "threshold": 1}]}}):
        answer = api.patch(url, json=body)
        assert answer.status_code == 422, body
    assert emulator.world.snapshot() == before


def test_retraining_and_accuracy_metrics_validate_what_they_name(api):
    deployment = _deploy(api)
    assert api.patch(f"deployments/{deployment}/retrainingSettings/",
                     json={"retrainingUserId": "650000000000000000000000"}).status_code == 422
    assert api.put(f"deployments/{deployment}/accuracyMetrics/", json={"data": []}).status_code == 422
    assert api.put(f"deployments/{deployment}/accuracyMetrics/", json={"data": ["Precision"]}).status_code == 422


def test_settings_of_a_deleted_deployment_are_404_and_gone(api, emulator):
    deployment = _deploy(api)
    api.patch(f"deployments/{deployment}/healthSettings/", json={"service": {"batchCount": 9}})
    assert api.delete(f"deployments/{deployment}/").status_code == 204
    assert api.get(f"deployments/{deployment}/healthSettings/").status_code == 404
    assert deployment not in emulator.world.snapshot()["settings"]


def test_registry_rules(api):
    first = api.post("modelPackages/fromLeaderboard/", json={"modelId": CHURN_XGB, "registeredModelName": "Churn"})
    assert first.status_code == 201
    registered = first.json()["registeredModelId"]
    taken = api.post("modelPackages/fromLeaderboard/", json={"modelId": CHURN_XGB, "registeredModelName": "Churn"})
    assert taken.status_code == 422 and "registeredModelName" in taken.json()["errors"]
    other_target = api.post("modelPackages/fromLeaderboard/", json={"modelId": HOUSE_XGB,
                                                                    "registeredModelId": registered})
    assert other_target.status_code == 422
    both = api.post("modelPackages/fromLeaderboard/", json={"modelId": CHURN_XGB, "registeredModelName": "X",
                                                            "registeredModelId": registered})
    assert both.status_code == 422
    assert api.delete(f"registeredModels/{registered}/").status_code == 204
    assert api.get(f"registeredModels/{registered}/").json()["isArchived"] is True
    assert api.post("modelPackages/fromLeaderboard/", json={"modelId": CHURN_XGB,
                                                            "registeredModelId": registered}).status_code == 422
    assert api.get("useCases/650000000000000000000000/").status_code == 404
