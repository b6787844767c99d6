"""The deployment-settings endpoints of the DataRobot emulator driven by the official client
(``datarobot`` 3.20.0), unchanged, over a loopback socket: every ``get_*_settings`` /
``update_*_settings`` call the client has for what ``datarobot_deployment`` manages, the client
parsing every answer (and waiting on the 202 + Location of ``PATCH .../settings/``), and the
emulator refusing a bad body with a 422 the client raises."""

from __future__ import annotations

import warnings

import pytest

dr = pytest.importorskip("datarobot")
from datarobot.errors import ClientError  # noqa: E402

from reconciler.sandbox import Sandbox, serve_in_thread  # noqa: E402
from tests.providers.datarobot.conftest import CHURN_XGB, HOUSE_XGB_PACKAGE, SERVER_US  # noqa: E402

TOKEN = "official-client-token"
OWNER = "650000000000000000000f01"
DATASET = "650000000000000000000d01"


@pytest.fixture(scope="module")
def served():
    sb = Sandbox(token=TOKEN)
    server, base_url = serve_in_thread(sb)
    yield sb, base_url + "/datarobot/api/v2"
    server.shutdown()


@pytest.fixture(autouse=True)
def client(served):
    sb, endpoint = served
    sb.reset()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield dr.Client(endpoint=endpoint, token=TOKEN)


@pytest.fixture
def deployment():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # create_from_learning_model is deprecated since 3.8
        return dr.Deployment.create_from_learning_model(CHURN_XGB, "churn", default_prediction_server_id=SERVER_US)


def test_settings_document_blocks_round_trip(deployment):
    assert deployment.get_drift_tracking_settings() == {"target_drift": {"enabled": True},
                                                        "feature_drift": {"enabled": True}}
    deployment.update_drift_tracking_settings(target_drift_enabled=False, feature_drift_enabled=False)
    assert deployment.get_drift_tracking_settings()["target_drift"] == {"enabled": False}

    deployment.update_association_id_settings(column_names=["customer_id"], required_in_prediction_requests=True)
    assert deployment.get_association_id_settings()["column_names"] == ["customer_id"]

    deployment.update_predictions_data_collection_settings(True)
    assert deployment.get_predictions_data_collection_settings() == {"enabled": True}

    deployment.update_prediction_warning_settings(True, use_default_boundaries=False, lower_boundary=0.5,
                                                  upper_boundary=9.5)
    assert deployment.get_prediction_warning_settings() == {"enabled": True,
                                                            "custom_boundaries": {"upper": 9.5, "lower": 0.5}}
    deployment.update_prediction_warning_settings(True, use_default_boundaries=True)
    assert "custom_boundaries" not in deployment.get_prediction_warning_settings()  # null, dropped by the client

    deployment.update_segment_analysis_settings(True, ["region"])
    assert deployment.get_segment_analysis_settings() == {"enabled": True, "attributes": ["region"]}

    deployment.update_challenger_models_settings(True)
    assert deployment.get_challenger_models_settings() == {"enabled": True}

    assert deployment.get_bias_and_fairness_settings() is None
    deployment.update_bias_and_fairness_settings(["region"], "equalParity", 0.8, True)
    assert deployment.get_bias_and_fairness_settings()["fairness_threshold"] == 0.8

    assert deployment.get_prediction_intervals_settings() == {"enabled": False, "percentiles": []}


def test_health_settings_and_their_defaults(deployment):
    assert deployment.get_health_settings() == deployment.get_default_health_settings()
    answered = deployment.update_health_settings(service={"batch_count": 7},
                                                 data_drift={"drift_threshold": 0.3, "time_interval": "P30D"})
    assert answered["service"] == {"batch_count": 7}
    got = deployment.get_health_settings()
    assert got["data_drift"]["drift_threshold"] == 0.3 and got["data_drift"]["importance_threshold"] == 0.5
    with pytest.raises(ClientError) as info:
        deployment.update_health_settings(data_drift={"drift_threshold": 3})
    assert info.value.status_code == 422


def test_challenger_replay_accuracy_metrics_and_retraining(deployment):
    assert deployment.get_challenger_replay_settings() == {"enabled": False}
    deployment.update_challenger_replay_settings(True)
    assert deployment.get_challenger_replay_settings() == {"enabled": True}
    schedule = {"minute": [0], "hour": [2], "day_of_month": ["*"], "month": ["*"], "day_of_week": [1, 3]}
    deployment.update_challenger_replay_settings(True, schedule=schedule)
    assert deployment.get_challenger_replay_settings() == {"enabled": True, "schedule": schedule}

    assert "LogLoss" in deployment.get_accuracy_metrics_settings()
    assert deployment.update_accuracy_metrics_settings(["AUC", "F1"]) == ["AUC", "F1"]
    assert deployment.get_accuracy_metrics_settings() == ["AUC", "F1"]

    deployment.update_retraining_settings(retraining_user_id=OWNER, dataset_id=DATASET)
    settings = deployment.get_retraining_settings()
    assert settings["retraining_user"] == {"id": OWNER, "username": "mlops@example.com"}
    assert settings["dataset"]["id"] == DATASET
    deployment.update_retraining_settings(dataset_id=None)
    assert "dataset" not in deployment.get_retraining_settings()
    with pytest.raises(ClientError) as info:
        deployment.update_retraining_settings(dataset_id="650000000000000000000000")
    assert info.value.status_code == 422


def test_a_bad_settings_body_is_a_422_and_changes_nothing(deployment):
    with pytest.raises(ClientError) as info:
        deployment.update_bias_and_fairness_settings(["region"], "equalParity", 1.5, True)
    assert info.value.status_code == 422
    assert deployment.get_bias_and_fairness_settings() is None


def test_serverless_compute_bundle_changes_only_on_an_inactive_deployment():
    env = dr.PredictionEnvironment.create(name="serverless", platform="datarobotServerless")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        deployment = dr.Deployment.create_from_registered_model_version(
            HOUSE_XGB_PACKAGE, "house", prediction_environment_id=env.id)
    session = dr.client.get_client()
    url = f"deployments/{deployment.id}/settings/"
    assert session.get(url).json()["predictionsSettings"] == {"resourceBundleId": None, "minComputes": 0,
                                                               "maxComputes": 1}
    with pytest.raises(ClientError) as info:
        session.patch(url, json={"predictionsSettings": {"resourceBundleId": "cpu.small"}})
    assert info.value.status_code == 422 and "deactivate it first" in str(info.value)
    deployment.deactivate()
    response = session.patch(url, json={"predictionsSettings": {"resourceBundleId": "cpu.small", "maxComputes": 2}})
    assert response.status_code == 202
    dr.utils.waiters.wait_for_async_resolution(session, response.headers["Location"])
    assert session.get(url).json()["predictionsSettings"]["resourceBundleId"] == "cpu.small"
