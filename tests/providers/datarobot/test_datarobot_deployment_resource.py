"""``datarobot_deployment`` against the in-process sandbox: the lifecycle harness, the async
waits (progress, timeouts, failures), status changes, model replacement with its validation,
adoption by label (refusing ambiguity), crash recovery, and reads that never write."""

from __future__ import annotations

import pytest

from reconciler.errors import ApiError, NotFoundError, ProviderError
from reconciler.providers.base import CreatedButFailed
from reconciler.reads import find_one, list_container
from reconciler.testing import run_lifecycle
from tests.providers.datarobot.conftest import (
    CHURN_GLM,
    CHURN_GLM_PACKAGE,
    CHURN_RF,
    CHURN_XGB,
    CHURN_XGB_PACKAGE,
    HOUSE_XGB,
    HOUSE_XGB_PACKAGE,
    SERVER_EU,
    SERVER_US,
)

TYPE = "datarobot_deployment"


@pytest.fixture
def rt(session):
    return session.resource(TYPE)


def _spec(**extra) -> dict:
    return {"label": "churn", "model_id": CHURN_XGB, **extra}


def _world(sb):
    return sb.emulators["datarobot"].world


# -- the lifecycle harness ----------------------------------------------------------------------
def test_lifecycle_from_a_learning_model(session):
    report = run_lifecycle(
        session, TYPE,
        _spec(description="nightly", importance="HIGH", default_prediction_server_id=SERVER_EU),
        _spec(description=None, importance="CRITICAL", status="inactive", model_id=CHURN_GLM,
              default_prediction_server_id=SERVER_EU, replacement_reason="ACCURACY"),
    )
    assert report.changed == {"description", "importance", "status", "model_id"}
    assert report.updated["model_id"] == CHURN_GLM and report.updated["status"] == "inactive"


def test_lifecycle_from_a_model_package_in_an_environment(session):
    env_id, _ = session.resource("datarobot_prediction_environment").create(
        {"name": "serverless", "platform": "datarobotServerless"})
    report = run_lifecycle(
        session, TYPE,
        {"label": "house", "model_package_id": HOUSE_XGB_PACKAGE, "prediction_environment_id": env_id,
         "status": "inactive"},
        {"label": "house v2", "model_package_id": HOUSE_XGB_PACKAGE, "prediction_environment_id": env_id,
         "status": "active"},
    )
    assert report.created["status"] == "inactive" and report.updated["status"] == "active"
    assert report.created["prediction_environment_id"] == env_id and report.created["model_id"] == HOUSE_XGB


# -- create ------------------------------------------------------------------------------------
def test_create_waits_for_the_job_and_says_so(rt, sb, recorder, progress, fake_time):
    sb.emulators["datarobot"].job_running_polls = 2
    deployment_id, live = rt.create(_spec(importance="HIGH"))
    assert live["status"] == "active" and live["importance"] == "HIGH" and live["id"] == deployment_id
    posts = [c for c in recorder.writes()]
    assert posts == [("POST", "/datarobot/api/v2/deployments/fromLearningModel/")]
    polls = [c for c in recorder.calls if "/status/" in c[1]]
    assert len(polls) == 3 and fake_time.sleeps == [0.5, 0.75]
    assert progress[0].startswith("waiting for DataRobot's async job to finish creating deployment 'churn'")
    assert any("RUNNING" in m for m in progress[1:])


def test_a_create_datarobot_has_finished_costs_its_post_and_one_read(rt, recorder):
    """The deployment read after the POST shows the finished job (no status polls): that read is
    the live view, exactly what a read gives."""
    deployment_id, live = rt.create(_spec(status="inactive"))
    assert recorder.calls == [("POST", "/datarobot/api/v2/deployments/fromLearningModel/"),
                              ("GET", f"/datarobot/api/v2/deployments/{deployment_id}/")]
    assert live == rt.read(deployment_id) and live["status"] == "inactive"


def test_create_sends_the_learning_model_body(rt, sb):
    rt.create(_spec(description=None, status="inactive", default_prediction_server_id=SERVER_EU))
    doc = _world(sb).list_deployments()[0]
    assert doc["description"] is None and doc["status"] == "inactive"
    assert doc["defaultPredictionServer"]["id"] == SERVER_EU


def test_failed_job_reports_the_id_so_nothing_is_orphaned(rt, sb):
    sb.emulators["datarobot"].job_outcome = "fail"
    with pytest.raises(CreatedButFailed) as info:
        rt.create(_spec())
    assert "ended ERROR" in str(info.value.cause)
    assert info.value.object_id == _world(sb).list_deployments()[0]["id"]
    # the next apply re-launches it through a status change
    sb.emulators["datarobot"].job_outcome = "finish"
    live = rt.read(info.value.object_id)
    assert live["status"] == "errored" and live["has_error"] is True
    updated = rt.update(info.value.object_id, live, _spec(status="active"), frozenset({"status"}))
    assert updated["status"] == "active" and updated["has_error"] is False


def test_create_still_pending_at_the_timeout_reports_the_id(rt, sb, fake_time):
    sb.emulators["datarobot"].job_outcome = "pending"
    with pytest.raises(CreatedButFailed) as info:
        rt.create(_spec())
    assert "may still finish" in str(info.value.cause)
    assert sum(fake_time.sleeps) <= 60.0
    assert [d["id"] for d in _world(sb).list_deployments()] == [info.value.object_id]


def test_create_without_a_location_waits_on_the_deployment_itself(rt, sb, fake_time):
    """The seed documents no Location for fromLearningModel: fall back to polling the deployment."""
    emulator = sb.emulators["datarobot"]
    emulator.job_outcome = "pending"
    deployment_id, _ = rt.client.create_deployment("fromLearningModel", {"modelId": CHURN_XGB, "label": "x"})
    fake_time.on_sleep = lambda n: setattr(emulator, "job_outcome", "finish") if n == 2 else None
    live = rt._landed(deployment_id, None, "creating deployment 'x'", lambda live: live["status"] == "active")
    assert live == rt.read(deployment_id) and live["status"] == "active" and len(fake_time.sleeps) == 2


# -- update ------------------------------------------------------------------------------------
def test_update_sends_only_what_changed(rt, recorder):
    deployment_id, live = rt.create(_spec(description="a", importance="LOW"))
    recorder.clear()
    updated = rt.update(deployment_id, live, _spec(description="b", importance="LOW"), frozenset({"description"}))
    assert recorder.writes() == [("PATCH", f"/datarobot/api/v2/deployments/{deployment_id}/")]
    assert len(recorder.calls) == 2  # the read that waits out transitions, and the PATCH: no read-back
    assert updated == rt.read(deployment_id) and updated["description"] == "b"


def test_deactivate_through_the_status_job(rt, recorder, progress):
    deployment_id, live = rt.create(_spec())
    recorder.clear()
    updated = rt.update(deployment_id, live, _spec(status="inactive"), frozenset({"status"}))
    assert updated["status"] == "inactive"
    assert recorder.writes() == [("PATCH", f"/datarobot/api/v2/deployments/{deployment_id}/status/")]
    assert any("deactivating deployment 'churn'" in m for m in progress)


def test_a_status_change_already_made_elsewhere_is_accepted(rt, sb, fake_time):
    """409 "already in requested status" (a concurrent change, or our own request that landed
    before a retry) is fine when the deployment ends in the wanted status."""
    emulator = sb.emulators["datarobot"]
    deployment_id, live = rt.create(_spec())
    emulator.job_outcome = "pending"
    rt.client.change_status(deployment_id, "inactive")
    fake_time.on_sleep = lambda n: setattr(emulator, "job_outcome", "finish")
    assert rt._set_status(deployment_id, "churn", "inactive")["status"] == "inactive"
    emulator.job_outcome = "pending"
    rt.client.change_status(deployment_id, "active")  # launching, when we ask for inactive: 409
    with pytest.raises(ApiError) as info:  # ... and it lands active, not what we wanted: still an error
        rt._set_status(deployment_id, "churn", "inactive")
    assert info.value.status == 409 and rt.read(deployment_id)["status"] == "active"


def test_update_waits_out_a_transition_first(rt, sb, fake_time, progress):
    emulator = sb.emulators["datarobot"]
    deployment_id, live = rt.create(_spec())
    emulator.job_outcome = "pending"
    rt.client.change_status(deployment_id, "inactive")  # someone else is stopping it
    fake_time.on_sleep = lambda n: setattr(emulator, "job_outcome", "finish")
    updated = rt.update(deployment_id, live, _spec(status="active"), frozenset({"status"}))
    assert updated["status"] == "active"
    assert any("status stopping" in m for m in progress)


def test_model_change_is_validated_then_replaced_in_place(rt, sb, recorder):
    deployment_id, live = rt.create(_spec())
    recorder.clear()
    updated = rt.update(deployment_id, live, _spec(model_id=CHURN_GLM, replacement_reason="DATA_DRIFT"),
                        frozenset({"model_id"}))
    assert updated["id"] == deployment_id and updated["model_id"] == CHURN_GLM
    assert updated["model_package_id"] == CHURN_GLM_PACKAGE
    assert [(m, p.split(deployment_id)[1]) for m, p in recorder.writes()] == [
        ("POST", "/model/validation/"), ("PATCH", "/model/")]
    history = _world(sb).model_history(deployment_id)
    assert history[0]["replacementReason"] == "DATA_DRIFT"


def test_model_package_change_is_an_update_too(rt):
    deployment_id, live = rt.create({"label": "churn", "model_package_id": CHURN_XGB_PACKAGE})
    updated = rt.update(deployment_id, live, {"label": "churn", "model_package_id": CHURN_GLM_PACKAGE},
                        frozenset({"model_package_id"}))
    assert updated["model_id"] == CHURN_GLM


def test_failing_validation_refuses_the_replacement(rt, sb, recorder):
    deployment_id, live = rt.create(_spec())
    recorder.clear()
    with pytest.raises(ApiError, match="replacement validation failed.*targetType") as info:
        rt.update(deployment_id, live, _spec(model_id=HOUSE_XGB), frozenset({"model_id"}))
    assert "same target" in str(info.value)
    assert [m for m, _ in recorder.writes()] == ["POST"]  # only the validation
    assert rt.read(deployment_id)["model_id"] == CHURN_XGB


def test_replacing_the_model_of_an_inactive_deployment_activates_around_it(rt, recorder, progress):
    deployment_id, live = rt.create(_spec(status="inactive"))
    recorder.clear()
    spec = {"label": "churn", "model_id": CHURN_RF}  # status not managed: it must stay inactive
    updated = rt.update(deployment_id, live, spec, frozenset({"model_id"}))
    assert (updated["model_id"], updated["status"]) == (CHURN_RF, "inactive")
    kinds = [path.rstrip("/").rsplit("/", 1)[-1] for _, path in recorder.writes()]
    assert kinds == ["validation", "status", "model", "status"]
    assert any("to replace its model" in m for m in progress)


def test_replacing_and_deactivating_together_ends_inactive(rt):
    deployment_id, live = rt.create(_spec())
    updated = rt.update(deployment_id, live, _spec(model_id=CHURN_GLM, status="inactive"),
                        frozenset({"model_id", "status"}))
    assert (updated["model_id"], updated["status"]) == (CHURN_GLM, "inactive")


def test_update_of_a_vanished_deployment_is_not_found(rt):
    deployment_id, live = rt.create(_spec())
    rt.client.delete_deployment(deployment_id)
    with pytest.raises(NotFoundError):
        rt.update(deployment_id, live, _spec(label="x"), frozenset({"label"}))


# -- delete ------------------------------------------------------------------------------------
def test_delete_passes_the_option_and_is_idempotent(rt, sb, recorder):
    deployment_id, _ = rt.create(_spec())
    recorder.clear()
    rt.delete(deployment_id, attrs={"ignore_management_agent_on_destroy": True})
    assert recorder.writes() == [("DELETE", f"/datarobot/api/v2/deployments/{deployment_id}/?ignoreManagementAgent=true")]
    assert rt.read(deployment_id) is None
    assert [d["id"] for d in _world(sb).list_deleted()] == [deployment_id]
    rt.delete(deployment_id)


# -- adoption and crash recovery ---------------------------------------------------------------
def test_find_matches_the_exact_label_only(rt):
    rt.create(_spec(label="churn v2"))
    assert find_one(rt, _spec()) is None
    deployment_id, _ = rt.create(_spec())
    found = find_one(rt, _spec())
    assert found is not None and found[0] == deployment_id


def test_two_live_deployments_with_the_label_make_adoption_refuse(rt):
    first = rt.client.create_deployment("fromLearningModel", {"modelId": CHURN_XGB, "label": "churn"})[0]
    second = rt.client.create_deployment("fromLearningModel", {"modelId": CHURN_GLM, "label": "churn"})[0]
    with pytest.raises(ProviderError) as info:
        find_one(rt, _spec())
    assert first in str(info.value) and second in str(info.value)
    assert "have the key churn" in str(info.value)


def test_a_deleted_deployment_is_not_adopted(rt):
    deployment_id, _ = rt.create(_spec())
    rt.delete(deployment_id)
    assert find_one(rt, _spec()) is None


def test_an_interrupted_create_is_found_by_its_label(rt, sb):
    """A create whose POST landed but whose process died while the job was still running."""
    sb.emulators["datarobot"].job_outcome = "pending"
    deployment_id, _ = rt.client.create_deployment("fromLearningModel", {"modelId": CHURN_XGB, "label": "churn"})
    found = find_one(rt, _spec())
    assert found is not None and found[0] == deployment_id and found[1]["status"] == "launching"


# -- reads -------------------------------------------------------------------------------------
def test_list_pages_every_deployment_whole(rt, sb, recorder):
    ids = [rt.create(_spec(label=f"d{i}"))[0] for i in range(3)]
    sb.emulators["datarobot"].job_outcome = "pending"
    launching = rt.client.create_deployment("fromLearningModel", {"modelId": CHURN_XGB, "label": "d3"})[0]
    recorder.clear()
    listed = list_container(rt, None).objects
    assert recorder.calls == [("GET", "/datarobot/api/v2/deployments/?limit=100")]
    assert set(listed) == {*ids, launching} and listed[launching]["status"] == "launching"
    assert all(listed[i] == rt.read(i) for i in ids)


def test_reads_never_write(rt, recorder):
    deployment_id, _ = rt.create(_spec())
    recorder.clear()
    rt.read(deployment_id)
    rt.read("missing")
    find_one(rt, _spec())
    list(rt.list(None))
    assert recorder.writes() == []


def test_live_view_outputs(rt):
    deployment_id, live = rt.create(_spec(default_prediction_server_id=SERVER_US))
    assert live["prediction_url"].startswith("https://prediction-us.")
    assert live["project_id"] and live["model_type"].startswith("eXtreme") and live["created_at"]


def test_archived_deployments_are_blocked(rt):
    assert rt.blocked({"status": "archived"}, {}) is not None
    assert rt.blocked({"status": "inactive"}, {}) is None and rt.blocked(None, {}) is None


def test_declared_contract(rt):
    assert rt.protected and "irreversible" in rt.delete_note and "async job" in rt.wait_note
    assert rt.natural_key == ("label",)
    assert "model_id" not in rt.create_only and "model_package_id" not in rt.create_only
    assert {"default_prediction_server_id", "prediction_environment_id"} == rt.create_only
