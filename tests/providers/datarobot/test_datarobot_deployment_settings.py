"""``datarobot_deployment`` settings blocks against the in-process sandbox: the lifecycle harness
with every block, blocks managed only when declared (read only then), an empty block back to the
defaults, the resource-bundle change made on an inactive deployment (and said in the plan), and
the canonical form ``normalize`` gives a block."""

from __future__ import annotations

import pytest

from reconciler.providers.base import CreatedButFailed
from reconciler.reads import read_object
from reconciler.testing import run_lifecycle
from tests.providers.datarobot.conftest import CHURN_XGB, HOUSE_XGB_PACKAGE

TYPE = "datarobot_deployment"
OWNER = "650000000000000000000f01"
DATASET = "650000000000000000000d01"

EVERY_BLOCK = {
    "association_id": {"column_names": ["customer_id"], "required_in_prediction_requests": True},
    "drift_tracking": {"target_drift": False},
    "predictions_data_collection": {"enabled": True},
    "prediction_warning": {"enabled": True, "custom_boundaries": {"lower": 0.0, "upper": 1.0}},
    "prediction_intervals": {"enabled": True, "percentiles": [80]},
    "segment_analysis": {"enabled": True, "attributes": ["region", "plan"]},
    "challenger_models": {"enabled": True},
    "challenger_replay": {"enabled": True, "schedule": {"minute": [0], "hour": [2, 14]}},
    "bias_and_fairness": {"protected_features": ["region"], "fairness_metrics_set": "equalParity",
                          "fairness_threshold": 0.8, "preferable_target_value": True},
    "health": {"service": {"batch_count": 10}, "data_drift": {"drift_threshold": 0.2, "time_interval": "P30D"},
               "custom_metrics": {"warning_conditions": [{"metric_id": "m1", "compare_operator": "gt",
                                                          "threshold": 3}]}},
    "accuracy_metrics": ["AUC", "LogLoss"],
    "retraining": {"retraining_user_id": OWNER, "dataset_id": DATASET},
}


@pytest.fixture
def rt(session):
    return session.resource(TYPE)


def _world(sb):
    return sb.emulators["datarobot"].world


def test_lifecycle_with_every_block(session):
    create = {"label": "churn", "model_id": CHURN_XGB, **EVERY_BLOCK}
    update = {**create, "drift_tracking": {}, "segment_analysis": {"enabled": False},
              "health": {"accuracy": {"metric": "AUC", "measurement": "value"}},
              "accuracy_metrics": ["AUC"], "retraining": {}, "challenger_replay": {}}
    report = run_lifecycle(session, TYPE, create, update)
    assert report.changed == {"drift_tracking", "segment_analysis", "health", "accuracy_metrics", "retraining",
                              "challenger_replay"}


def test_the_official_settings_documents_hold_what_was_declared(session, sb, rt):
    object_id, _ = rt.create({"label": "churn", "model_id": CHURN_XGB, **EVERY_BLOCK})
    world = _world(sb)
    settings = world.get_settings(object_id)
    assert settings["targetDrift"] == {"enabled": False} and settings["featureDrift"] == {"enabled": True}
    assert settings["predictionWarning"]["customBoundaries"] == {"upper": 1.0, "lower": 0.0}
    health = world.get_health_settings(object_id)
    assert health["service"] == {"batchCount": 10}
    assert health["dataDrift"]["driftThreshold"] == 0.2 and health["dataDrift"]["importanceThreshold"] == 0.5
    assert world.get_retraining(object_id)["dataset"]["id"] == DATASET


def test_undeclared_blocks_are_never_read(session, recorder, rt):
    object_id, _ = rt.create({"label": "churn", "model_id": CHURN_XGB})
    recorder.clear()
    read_object(rt, object_id, frozenset({"health"}))
    paths = [path for _, path in recorder.calls]
    assert any("/healthSettings/" in p for p in paths)
    assert not any("/settings/" in p or "/accuracyMetrics/" in p or "/retrainingSettings/" in p for p in paths)
    recorder.clear()
    read_object(rt, object_id, frozenset())
    assert [p for _, p in recorder.calls] == [f"/datarobot/api/v2/deployments/{object_id}/"]


def test_blocks_left_out_are_not_written(session, recorder, rt):
    recorder.clear()
    rt.create({"label": "churn", "model_id": CHURN_XGB, "challenger_models": {"enabled": True}})
    written = [path for _, path in recorder.writes()]
    assert any(p.endswith("/settings/") for p in written)
    assert not any("healthSettings" in p or "accuracyMetrics" in p or "retraining" in p for p in written)


@pytest.mark.parametrize("name, declared, expected", [
    pytest.param("drift_tracking", {}, {"target_drift": True, "feature_drift": True}, id="empty-block-defaults"),
    pytest.param("segment_analysis", {"enabled": True, "attributes": ["b", "a", "b"]},
                 {"enabled": True, "attributes": ["a", "b"]}, id="set-like-list-sorted"),
    pytest.param("health", {"service": {"batch_count": 2}},
                 {"batch_count": 2}, id="health-sub-block"),
    pytest.param("accuracy_metrics", ["LogLoss", "AUC"], ["AUC", "LogLoss"], id="metrics-a-set"),
])
def test_normalize_gives_a_block_its_canonical_form(rt, name, declared, expected):
    out = rt.normalize({name: declared})[name]
    if name == "health":
        assert out["service"] == expected and out["data_drift"]["drift_threshold"] == 0.15
    else:
        assert out == expected


def test_a_resource_bundle_change_deactivates_the_deployment_around_it(session, sb, rt, progress):
    env = _world(sb).create_environment({"name": "serverless", "platform": "datarobotServerless"})
    spec = {"label": "house", "model_package_id": HOUSE_XGB_PACKAGE, "prediction_environment_id": env["id"],
            "predictions": {"min_computes": 1, "max_computes": 2}}
    object_id, live = rt.create(spec)
    assert live["status"] == "active" and not any("deactivating" in m for m in progress)
    before = read_object(rt, object_id, frozenset({"predictions"}))
    want = {**spec, "predictions": {"resource_bundle_id": "cpu.medium", "min_computes": 1, "max_computes": 2}}
    notes = rt.update_notes(before, want, frozenset({"predictions"}))
    assert notes and "deactivated" in notes[0]
    updated = rt.update(object_id, before, want, frozenset({"predictions"}))
    assert updated["status"] == "active"
    assert any("deactivating deployment 'house'" in m for m in progress)
    assert _world(sb).get_settings(object_id)["predictionsSettings"]["resourceBundleId"] == "cpu.medium"
    again = read_object(rt, object_id, frozenset({"predictions"}))
    assert rt.update_notes(again, {**want, "predictions": {"max_computes": 3, "resource_bundle_id": "cpu.medium"}},
                           frozenset({"predictions"})) == ()


def test_predictions_settings_on_a_deployment_that_is_not_serverless_fail_after_create(session, rt):
    with pytest.raises(CreatedButFailed) as failed:
        rt.create({"label": "churn", "model_id": CHURN_XGB, "predictions": {}})
    assert "Serverless" in str(failed.value.cause)


@pytest.mark.parametrize("schedule, message", [
    pytest.param({"minute": [60], "hour": [1]}, "minute: 60 is out of range (0..59)", id="minute-range"),
    pytest.param({"minute": [0], "hour": ["noon"]}, "hour: 'noon' is not allowed", id="word"),
    pytest.param({"minute": [], "hour": [1]}, "at least 1 item", id="empty"),
])
def test_a_replay_schedule_out_of_range_is_refused(schedule, message):
    from pydantic import ValidationError

    from reconciler.providers.datarobot.resources.deployment import DeploymentSpec
    with pytest.raises(ValidationError, match=message.replace("(", r"\(").replace(")", r"\)")):
        DeploymentSpec.model_validate({"label": "x", "model_id": "m",
                                       "challenger_replay": {"enabled": True, "schedule": schedule}})
