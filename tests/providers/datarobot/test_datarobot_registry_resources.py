"""``datarobot_registered_model`` and ``datarobot_use_case`` against the in-process sandbox: the
lifecycle harness, unset means default, a changed source model as a new version under the same
registered model (name, description and version name in place), archive as delete, and a
registered model version deployed by ``datarobot_deployment``."""

from __future__ import annotations

from reconciler.reads import find_one
from reconciler.testing import run_lifecycle, run_unset_defaults
from tests.providers.datarobot.conftest import CHURN_GLM, CHURN_RF, CHURN_XGB, SERVER_US

REGISTERED = "datarobot_registered_model"


def test_use_case_lifecycle(session):
    report = run_lifecycle(session, "datarobot_use_case", {"name": "churn", "description": "first"},
                           {"name": "churn reduction", "description": "second"})
    assert report.changed == {"name", "description"}


def test_use_case_unset_defaults(session):
    run_unset_defaults(session, "datarobot_use_case", {"name": "churn", "description": "d"})


def test_registered_model_lifecycle_in_place(session):
    report = run_lifecycle(session, REGISTERED,
                           {"name": "Churn", "description": "first", "model_id": CHURN_XGB, "version_name": "v1"},
                           {"name": "Churn models", "description": "second", "model_id": CHURN_XGB,
                            "version_name": "v1 (champion)"})
    assert report.changed == {"name", "description", "version_name"}


def test_registered_model_unset_defaults(session):
    run_unset_defaults(session, REGISTERED, {"name": "Churn", "description": "d", "model_id": CHURN_XGB})


def test_a_new_source_model_is_a_new_version_of_the_same_registered_model(session, sb):
    rt = session.resource(REGISTERED)
    object_id, first = rt.create({"name": "Churn", "model_id": CHURN_XGB, "version_name": "xgb"})
    assert first["version_number"] == 1
    updated = rt.update(object_id, first, {"name": "Churn", "model_id": CHURN_GLM, "version_name": "glm"},
                        frozenset({"model_id", "version_name"}))
    assert (updated["id"], updated["version_number"], updated["model_id"]) == (object_id, 2, CHURN_GLM)
    assert updated["version_name"] == "glm"
    again = rt.read(object_id)
    assert again["version_id"] == updated["version_id"] and again["version_id"] != first["version_id"]
    world = sb.emulators["datarobot"].world
    assert [v["registeredModelVersion"] for v in world.list_versions(object_id)] == [2, 1]


def test_a_version_is_deployable_and_archive_reads_as_gone(session):
    rt = session.resource(REGISTERED)
    object_id, live = rt.create({"name": "Churn", "model_id": CHURN_RF})
    deployments = session.resource("datarobot_deployment")
    deployment_id, deployed = deployments.create({"label": "rf", "model_package_id": live["version_id"],
                                                  "default_prediction_server_id": SERVER_US})
    assert deployed["model_package_id"] == live["version_id"] and deployed["model_id"] == CHURN_RF
    rt.delete(object_id)
    assert rt.read(object_id) is None
    assert find_one(rt, {"name": "Churn"}) is None
    rt.delete(object_id)  # already archived: not an error


def test_prediction_environment_with_batch_limits_and_managed_by(session):
    report = run_lifecycle(
        session, "datarobot_prediction_environment",
        {"name": "edge", "platform": "aws", "managed_by": "datarobot", "credential_id": "650000000000000000000e01",
         "datastore_id": "650000000000000000000e02", "batch_jobs_priority": "high", "batch_jobs_max_concurrent": 4},
        {"name": "edge", "platform": "aws", "managed_by": "datarobot", "credential_id": "650000000000000000000e01",
         "datastore_id": "650000000000000000000e02", "batch_jobs_priority": "low", "batch_jobs_max_concurrent": 8})
    assert report.changed == {"batch_jobs_priority", "batch_jobs_max_concurrent"}
    rt = session.resource("datarobot_prediction_environment")
    assert {"managed_by", "credential_id", "datastore_id"} <= rt.create_only


def test_prediction_environment_refuses_a_credential_on_a_self_managed_one():
    from pydantic import ValidationError

    from reconciler.providers.datarobot.resources.prediction_environment import PredictionEnvironmentSpec
    import pytest
    with pytest.raises(ValidationError, match="credential_id and datastore_id apply only"):
        PredictionEnvironmentSpec.model_validate({"name": "e", "platform": "aws", "credential_id": "x"})
    with pytest.raises(ValidationError, match="exactly when managed_by"):
        PredictionEnvironmentSpec.model_validate({"name": "e", "platform": "aws", "managed_by": "datarobot",
                                                  "is_managed_by_management_agent": False})
