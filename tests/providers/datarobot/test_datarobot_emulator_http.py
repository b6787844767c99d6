"""The DataRobot emulator over raw HTTP (in-process transport): auth schemes, the version probe,
error bodies and their content type, validation before any side effect, the async contract
(202 + Location -> status -> 303), status changes, model replacement, deletion and erase."""

from __future__ import annotations

import json

import httpx
import pytest

from reconciler.sandbox import Sandbox
from tests.providers.datarobot.conftest import (
    API,
    CHURN_GLM,
    CHURN_GLM_PACKAGE,
    CHURN_XGB,
    HOUSE_XGB,
    HOUSE_XGB_PACKAGE,
    SERVER_EU,
    SERVER_US,
    TOKEN,
)


def _create(api: httpx.Client, label: str = "churn", **extra) -> tuple[str, str]:
    response = api.post("/deployments/fromLearningModel/", json={"modelId": CHURN_XGB, "label": label, **extra})
    assert response.status_code == 202, response.text
    return response.json()["id"], response.headers["Location"]


def _active(api: httpx.Client, label: str = "churn", **extra) -> str:
    deployment_id, location = _create(api, label, **extra)
    assert api.get(location).status_code == 303
    return deployment_id


def _json_error(response: httpx.Response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert isinstance(body["message"], str) and body["message"]
    return body


# -- auth and version -------------------------------------------------------------------------
@pytest.mark.parametrize("scheme", ["Token", "Bearer", "bearer"])
def test_version_probe_accepts_token_and_bearer(sb, scheme):
    client = httpx.Client(transport=sb.transport(), base_url=API, headers={"Authorization": f"{scheme} {TOKEN}"})
    body = client.get("/version/").json()
    assert body["major"] == 2 and body["versionString"].startswith("2.")


@pytest.mark.parametrize("header", [
    pytest.param(None, id="none"),
    pytest.param("Token wrong", id="wrong-token"),
    pytest.param(f"Basic {TOKEN}", id="wrong-scheme"),
    pytest.param("Token", id="scheme-only"),
])
def test_bad_credentials_get_a_json_401_that_echoes_nothing(sb, header):
    headers = {"Authorization": header} if header else {}
    response = httpx.Client(transport=sb.transport(), base_url=API, headers=headers).get("/deployments/")
    _json_error(response, 401)
    assert TOKEN not in response.text and "wrong" not in response.text
    assert sb.counts["datarobot"]["requests"] == 0


# -- error wire shape -------------------------------------------------------------------------
def test_unknown_route_and_method_answer_json(api):
    _json_error(api.get("/nothing/here/"), 404)
    response = api.put("/deployments/")
    _json_error(response, 405)
    assert "GET" in response.headers["allow"]


def test_injected_faults_carry_the_json_content_type(emulator):
    sb = Sandbox(token=TOKEN, emulators={"datarobot": emulator}, fault_rate=1.0, fault_kinds=("5xx", "429"))
    client = httpx.Client(transport=sb.transport(), base_url=API, headers={"Authorization": f"Token {TOKEN}"})
    for _ in range(5):
        response = client.post("/deployments/fromLearningModel/", json={"modelId": CHURN_XGB, "label": "x"})
        _json_error(response, response.status_code)
    assert emulator.world.list_deployments() == []  # faults strike before any side effect


def test_malformed_json_is_400(api):
    response = api.post("/deployments/fromLearningModel/", content=b"{not json",
                        headers={"Content-Type": "application/json"})
    _json_error(response, 400)


@pytest.mark.parametrize("body, field", [
    pytest.param({"label": "x"}, "modelId", id="missing-model"),
    pytest.param({"modelId": CHURN_XGB}, "label", id="missing-label"),
    pytest.param({"modelId": CHURN_XGB, "label": ""}, "label", id="empty-label"),
    pytest.param({"modelId": CHURN_XGB, "label": "x" * 513}, "label", id="label-too-long"),
    pytest.param({"modelId": CHURN_XGB, "label": "x", "description": "d" * 10001}, "description", id="description-too-long"),
    pytest.param({"modelId": CHURN_XGB, "label": "x", "importance": "URGENT"}, "importance", id="bad-importance"),
    pytest.param({"modelId": CHURN_XGB, "label": "x", "status": "paused"}, "status", id="bad-status"),
    pytest.param({"modelId": CHURN_XGB, "label": "x", "predictionThreshold": 1.5}, "predictionThreshold", id="threshold"),
    pytest.param({"modelId": CHURN_XGB, "label": "x", "colour": "red"}, "colour", id="unknown-field"),
    pytest.param({"modelId": "nope", "label": "x"}, "modelId", id="unknown-model"),
    pytest.param({"modelId": CHURN_XGB, "label": "x", "defaultPredictionServerId": "nope"},
                 "defaultPredictionServerId", id="unknown-server"),
])
def test_invalid_create_is_422_before_any_side_effect(api, emulator, body, field):
    before = emulator.world.snapshot()
    response = api.post("/deployments/fromLearningModel/", json=body)
    error = _json_error(response, 422)
    assert field in error.get("errors", {}), error
    assert emulator.world.snapshot() == before


def test_deployment_limit_is_409_before_any_side_effect(api, emulator):
    emulator.max_deployments = 1
    _active(api, "one")
    before = emulator.world.snapshot()
    _json_error(api.post("/deployments/fromLearningModel/", json={"modelId": CHURN_XGB, "label": "two"}), 409)
    assert emulator.world.snapshot() == before


# -- the async contract -----------------------------------------------------------------------
def test_create_answers_202_with_an_absolute_location_then_303_to_the_deployment(api):
    response = api.post("/deployments/fromLearningModel/",
                        json={"modelId": CHURN_XGB, "label": "churn", "importance": "HIGH"})
    assert response.status_code == 202
    deployment_id = response.json()["id"]
    location = response.headers["Location"]
    assert location.startswith("http://sandbox/datarobot/api/v2/status/") and location.endswith("/")
    poll = api.get(location)
    assert poll.status_code == 303
    assert poll.headers["Location"] == f"{API}/deployments/{deployment_id}/"
    assert poll.headers["Location"].split("/")[-2] == deployment_id  # what the client's activate() parses
    doc = api.get(f"/deployments/{deployment_id}/").json()
    assert (doc["status"], doc["importance"], doc["label"]) == ("active", "HIGH", "churn")
    assert doc["defaultPredictionServer"]["id"] == SERVER_US  # the organization's default
    assert doc["model"]["id"] == CHURN_XGB and doc["modelPackage"]["registeredModelId"]


def test_running_polls_knob_answers_running_then_finishes(api, emulator):
    emulator.job_running_polls = 2
    deployment_id, location = _create(api)
    poll = api.get(location)
    assert poll.status_code == 200 and poll.json()["status"] == "RUNNING"
    assert api.get(f"/deployments/{deployment_id}/").json()["status"] == "launching"
    assert api.get(location).json()["status"] == "RUNNING"
    assert api.get(location).status_code == 303  # its RUNNING answers used up, it resolves
    assert api.get(f"/deployments/{deployment_id}/").json()["status"] == "active"


def test_pending_jobs_stay_running_until_the_knob_changes(api, emulator):
    emulator.job_outcome = "pending"
    deployment_id, location = _create(api)
    for _ in range(3):
        assert api.get(location).json()["status"] == "RUNNING"
    emulator.job_outcome = "finish"
    # background progress: any request lets the job finish, as it would on its own on the platform
    assert api.get(f"/deployments/{deployment_id}/").json()["status"] == "active"
    assert api.get(location).status_code == 303


def test_failed_create_job_reports_error_and_leaves_an_errored_deployment(api, emulator):
    emulator.job_outcome = "fail"
    emulator.job_failure_message = "Model failed to start"
    deployment_id, location = _create(api)
    poll = api.get(location)
    assert poll.status_code == 200
    assert poll.json()["status"] == "ERROR" and poll.json()["message"] == "Model failed to start"
    doc = api.get(f"/deployments/{deployment_id}/").json()
    assert doc["status"] == "errored" and doc["hasError"] is True


def test_unknown_status_id_is_404(api):
    _json_error(api.get("/status/does-not-exist/"), 404)


def test_create_inactive_lands_inactive(api):
    deployment_id = _active(api, status="inactive")
    assert api.get(f"/deployments/{deployment_id}/").json()["status"] == "inactive"


def test_reset_restores_the_knobs(emulator):
    emulator.job_outcome, emulator.job_running_polls, emulator.max_deployments = "fail", 3, 0
    emulator.replacement_keeps_model = True
    emulator.reset()
    assert (emulator.job_outcome, emulator.job_running_polls, emulator.max_deployments) == ("finish", 0, None)
    assert emulator.replacement_keeps_model is False
    with pytest.raises(ValueError):
        emulator.job_outcome = "sometimes"


# -- status changes ---------------------------------------------------------------------------
def test_status_change_runs_through_stopping_and_409s_when_not_a_change(api, emulator):
    deployment_id = _active(api)
    _json_error(api.patch(f"/deployments/{deployment_id}/status/", json={"status": "active"}), 409)
    emulator.job_outcome = "pending"
    response = api.patch(f"/deployments/{deployment_id}/status/", json={"status": "inactive"})
    assert response.status_code == 202 and "/status/" in response.headers["Location"]
    assert api.get(f"/deployments/{deployment_id}/").json()["status"] == "stopping"
    _json_error(api.patch(f"/deployments/{deployment_id}/status/", json={"status": "active"}), 409)  # in flight
    emulator.job_outcome = "finish"
    assert api.get(response.headers["Location"]).status_code == 303
    assert api.get(f"/deployments/{deployment_id}/").json()["status"] == "inactive"


def test_failed_status_change_leaves_the_previous_status(api, emulator):
    deployment_id = _active(api)
    emulator.job_outcome = "fail"
    location = api.patch(f"/deployments/{deployment_id}/status/", json={"status": "inactive"}).headers["Location"]
    assert api.get(location).json()["status"] == "ERROR"
    assert api.get(f"/deployments/{deployment_id}/").json()["status"] == "active"


@pytest.mark.parametrize("body", [{}, {"status": "archived"}, {"status": "active", "extra": 1}, []])
def test_invalid_status_body_is_422(api, body):
    deployment_id = _active(api)
    _json_error(api.patch(f"/deployments/{deployment_id}/status/", json=body), 422)


# -- PATCH ------------------------------------------------------------------------------------
def test_patch_updates_info_and_null_description_clears_it(api):
    deployment_id = _active(api, description="first")
    response = api.patch(f"/deployments/{deployment_id}/", json={"label": "renamed", "importance": "CRITICAL"})
    assert response.status_code == 204
    doc = api.get(f"/deployments/{deployment_id}/").json()
    assert (doc["label"], doc["importance"], doc["description"]) == ("renamed", "CRITICAL", "first")
    api.patch(f"/deployments/{deployment_id}/", json={"description": None, "label": None})
    doc = api.get(f"/deployments/{deployment_id}/").json()
    assert doc["description"] is None and doc["label"] == "renamed"
    _json_error(api.patch(f"/deployments/{deployment_id}/", json={"importance": "URGENT"}), 422)
    _json_error(api.patch("/deployments/nope/", json={"label": "x"}), 404)


# -- model replacement ------------------------------------------------------------------------
def test_model_validation_passes_for_the_same_target_and_fails_otherwise(api):
    deployment_id = _active(api)
    ok = api.post(f"/deployments/{deployment_id}/model/validation/", json={"modelId": CHURN_GLM}).json()
    assert ok["status"] == "passing"
    bad = api.post(f"/deployments/{deployment_id}/model/validation/", json={"modelPackageId": HOUSE_XGB_PACKAGE}).json()
    assert bad["status"] == "failing" and bad["checks"]["targetType"]["status"] == "failing"
    same = api.post(f"/deployments/{deployment_id}/model/validation/", json={"modelId": CHURN_XGB}).json()
    assert same["checks"]["modelIsDifferent"]["status"] == "failing"
    _json_error(api.post(f"/deployments/{deployment_id}/model/validation/", json={}), 422)


def test_model_replacement_swaps_the_champion_and_records_history(api, emulator):
    deployment_id = _active(api)
    emulator.job_running_polls = 1
    response = api.patch(f"/deployments/{deployment_id}/model/",
                         json={"modelPackageId": CHURN_GLM_PACKAGE, "reason": "ACCURACY"})
    assert response.status_code == 202
    assert api.get(f"/deployments/{deployment_id}/").json()["status"] == "replacingModel"
    assert api.get(response.headers["Location"]).json()["status"] == "RUNNING"
    assert api.get(response.headers["Location"]).status_code == 303
    doc = api.get(f"/deployments/{deployment_id}/").json()
    assert (doc["status"], doc["model"]["id"], doc["modelPackage"]["id"]) == ("active", CHURN_GLM, CHURN_GLM_PACKAGE)
    history = api.get(f"/deployments/{deployment_id}/modelHistory/").json()
    assert history["totalCount"] == 2
    newest, oldest = history["data"]
    assert newest["replacementReason"] == "ACCURACY" and newest["endDate"] is None
    assert oldest["modelPackage"]["modelId"] == CHURN_XGB and oldest["endDate"] is not None


def test_a_replacement_can_complete_while_the_deployment_keeps_its_model(api, emulator):
    """The ``replacement_keeps_model`` knob: the job completes, the champion stays."""
    deployment_id = _active(api)
    emulator.replacement_keeps_model = True
    response = api.patch(f"/deployments/{deployment_id}/model/",
                         json={"modelPackageId": CHURN_GLM_PACKAGE, "reason": "ACCURACY"})
    assert api.get(response.headers["Location"]).status_code == 303  # COMPLETED
    doc = api.get(f"/deployments/{deployment_id}/").json()
    assert (doc["status"], doc["model"]["id"]) == ("active", CHURN_XGB)


@pytest.mark.parametrize("body, status", [
    pytest.param({"modelId": HOUSE_XGB, "reason": "ACCURACY"}, 422, id="fails-validation"),
    pytest.param({"modelId": CHURN_GLM}, 422, id="no-reason"),
    pytest.param({"modelId": CHURN_GLM, "modelPackageId": CHURN_GLM_PACKAGE, "reason": "OTHER"}, 422, id="both-ids"),
    pytest.param({"modelId": "nope", "reason": "OTHER"}, 422, id="unknown-model"),
])
def test_refused_replacement_changes_nothing(api, emulator, body, status):
    deployment_id = _active(api)
    before = emulator.world.snapshot()
    _json_error(api.patch(f"/deployments/{deployment_id}/model/", json=body), status)
    assert emulator.world.snapshot() == before


def test_model_replacement_needs_an_active_deployment(api):
    deployment_id = _active(api, status="inactive")
    error = _json_error(api.patch(f"/deployments/{deployment_id}/model/", json={"modelId": CHURN_GLM, "reason": "OTHER"}), 422)
    assert "active" in error["message"]


# -- delete and erase -------------------------------------------------------------------------
def test_delete_is_soft_then_erase_is_async(api):
    deployment_id = _active(api, "to-delete")
    assert api.delete(f"/deployments/{deployment_id}/", params={"ignoreManagementAgent": "True"}).status_code == 204
    _json_error(api.get(f"/deployments/{deployment_id}/"), 404)
    _json_error(api.delete(f"/deployments/{deployment_id}/"), 404)
    deleted = api.get("/deletedDeployments/").json()
    assert "totalCount" not in deleted
    assert [(d["id"], d["label"]) for d in deleted["data"]] == [(deployment_id, "to-delete")]
    _json_error(api.patch("/deletedDeployments/", json={"action": "PermanentlyErase", "deploymentIds": ["nope"]}), 422)
    erase = api.patch("/deletedDeployments/", json={"action": "PermanentlyErase", "deploymentIds": [deployment_id]})
    assert erase.status_code == 202
    done = api.get(erase.headers["Location"])
    assert done.status_code == 200 and done.json()["status"] == "COMPLETED"
    assert api.get("/deletedDeployments/").json()["data"] == []


def test_delete_aborts_a_pending_job(api, emulator):
    emulator.job_outcome = "pending"
    deployment_id, location = _create(api)
    api.delete(f"/deployments/{deployment_id}/")
    assert api.get(location).json()["status"] == "ABORTED"


def test_bad_delete_flag_is_400(api):
    deployment_id = _active(api)
    _json_error(api.delete(f"/deployments/{deployment_id}/", params={"ignoreManagementAgent": "maybe"}), 400)
    assert api.get(f"/deployments/{deployment_id}/").status_code == 200


# -- pagination and filters -------------------------------------------------------------------
def test_pagination_links_are_absolute_and_keep_the_filters(api):
    for i in range(5):
        _active(api, f"churn {i}", description="nightly")
    _active(api, "other")
    first = api.get("/deployments/", params={"search": "CHURN", "limit": 2}).json()
    assert (first["count"], first["totalCount"], first["previous"]) == (2, 5, None)
    assert first["next"].startswith("http://sandbox/datarobot/api/v2/deployments/?") and "search=CHURN" in first["next"]
    labels = [d["label"] for d in first["data"]]
    page = first
    while page["next"]:
        page = api.get(page["next"]).json()
        labels += [d["label"] for d in page["data"]]
    assert labels == [f"churn {i}" for i in range(5)]
    assert page["previous"] is not None
    assert api.get("/deployments/").json()["count"] == 6  # default page of 20


@pytest.mark.parametrize("params", [{"limit": 101}, {"limit": "x"}, {"offset": -1}])
def test_bad_paging_parameters_are_400(api, params):
    _json_error(api.get("/deployments/", params=params), 400)


def test_list_filters_and_ordering(api):
    a = _active(api, "b-label", importance="LOW")
    b = _active(api, "a-label", importance="CRITICAL", defaultPredictionServerId=SERVER_EU)
    api.patch(f"/deployments/{a}/status/", json={"status": "inactive"})
    def ids(**params):
        return [d["id"] for d in api.get("/deployments/", params=params).json()["data"]]
    assert ids(status="inactive") == [a]
    assert ids(importance=["CRITICAL", "HIGH"]) == [b]
    assert ids(importance="CRITICAL,HIGH,") == [b]  # the official client's comma-separated form
    assert ids(defaultPredictionServerId=SERVER_EU) == [b]
    assert ids(orderBy="label") == [b, a] and ids(orderBy="-label") == [a, b]
    assert ids(orderBy="importance") == [b, a]
    _json_error(api.get("/deployments/", params={"orderBy": "colour"}), 422)


# -- deployment views -------------------------------------------------------------------------
def test_capabilities_and_features(api):
    deployment_id = _active(api)
    capabilities = api.get(f"/deployments/{deployment_id}/capabilities/").json()["data"]
    assert {"name", "supported", "messages"} <= set(capabilities[0])
    features = api.get(f"/deployments/{deployment_id}/features/", params={"orderBy": "-importance", "limit": 2}).json()
    assert features["totalCount"] == 5 and [f["name"] for f in features["data"]] == ["tenure_months", "plan"]
    searched = api.get(f"/deployments/{deployment_id}/features/", params={"search": "CHARGES"}).json()
    assert [f["name"] for f in searched["data"]] == ["monthly_charges"]


# -- prediction environments ------------------------------------------------------------------
def test_prediction_environment_crud(api):
    created = api.post("/predictionEnvironments/", json={"name": "pe", "platform": "aws"})
    assert created.status_code == 201
    env = created.json()
    assert env["isDeleted"] is False and env["supportedModelFormats"] == ["datarobot", "customModel", "externalModel"]
    updated = api.patch(f"/predictionEnvironments/{env['id']}/", json={"description": "new"}).json()
    assert updated["description"] == "new" and updated["name"] == "pe"
    assert [e["id"] for e in api.get("/predictionEnvironments/").json()["data"]] == [env["id"]]
    _json_error(api.post("/predictionEnvironments/", json={"name": "x", "platform": "mars"}), 422)
    assert api.delete(f"/predictionEnvironments/{env['id']}/").status_code == 204
    _json_error(api.get(f"/predictionEnvironments/{env['id']}/"), 404)


def test_environment_in_use_cannot_be_deleted(api):
    env = api.post("/predictionEnvironments/", json={"name": "pe", "platform": "datarobotServerless"}).json()
    response = api.post("/deployments/fromModelPackage/", json={
        "modelPackageId": HOUSE_XGB_PACKAGE, "label": "house", "predictionEnvironmentId": env["id"]})
    deployment_id = response.json()["id"]
    api.get(response.headers["Location"])
    doc = api.get(f"/deployments/{deployment_id}/").json()
    assert doc["predictionEnvironment"]["id"] == env["id"] and doc["defaultPredictionServer"]["id"] is None
    assert deployment_id in _json_error(api.delete(f"/predictionEnvironments/{env['id']}/"), 409)["message"]
    api.delete(f"/deployments/{deployment_id}/")
    assert api.delete(f"/predictionEnvironments/{env['id']}/").status_code == 204


def test_environment_without_the_datarobot_format_refuses_datarobot_models(api):
    env = api.post("/predictionEnvironments/", json={"name": "pe", "platform": "aws",
                                                      "supportedModelFormats": ["externalModel"]}).json()
    response = api.post("/deployments/fromModelPackage/", json={
        "modelPackageId": HOUSE_XGB_PACKAGE, "label": "house", "predictionEnvironmentId": env["id"]})
    assert "predictionEnvironmentId" in _json_error(response, 422)["errors"]


# -- catalog ----------------------------------------------------------------------------------
def test_catalog_endpoints(api, emulator):
    assert [p["projectName"] for p in api.get("/projects/", params={"projectName": "House prices"}).json()] == ["House prices"]
    models = api.get(f"/projects/{'650000000000000000000001'}/models/", params={"name": "classifier"}).json()
    assert len(models) == 3
    assert api.get(f"/projects/650000000000000000000002/models/{HOUSE_XGB}/").json()["modelType"].startswith("eXtreme")
    _json_error(api.get(f"/projects/650000000000000000000001/models/{HOUSE_XGB}/"), 404)
    packages = api.get("/modelPackages/", params={"modelId": HOUSE_XGB}).json()
    assert [p["id"] for p in packages["data"]] == [HOUSE_XGB_PACKAGE]
    servers = api.get("/predictionServers/").json()
    assert [s["id"] for s in servers["data"]] == [SERVER_US, SERVER_EU] and servers["totalCount"] == 2
    bundles = api.get("/mlops/compute/bundles/", params={"useCases": "customJob"}).json()
    assert [b["id"] for b in bundles["data"]] == ["cpu.nano", "cpu.small"]
    assert api.get("/mlops/compute/bundles/gpu.small/").json()["hasGpu"] is True
    _json_error(api.get("/mlops/compute/bundles/", params={"useCases": "nope"}), 400)
    emulator.bundles_enabled = False
    _json_error(api.get("/mlops/compute/bundles/"), 403)
    assert api.get("/mlops/portablePredictionServerImage/metadata/").json()["hashAlgorithm"] == "SHA256"
    emulator.pps_image_available = False
    _json_error(api.get("/mlops/portablePredictionServerImage/metadata/"), 404)


# -- world lifecycle --------------------------------------------------------------------------
def test_snapshot_restore_round_trip_and_persistence(tmp_path, emulator):
    world_file = tmp_path / "world.json"
    sb = Sandbox(token=TOKEN, emulators={"datarobot": emulator}, data_file=world_file)
    client = httpx.Client(transport=sb.transport(), base_url=API, headers={"Authorization": f"Bearer {TOKEN}"})
    deployment_id = _active(client)
    snapshot = emulator.snapshot()
    json.dumps(snapshot)  # JSON-ready
    emulator.reset()
    emulator.restore(snapshot)
    assert emulator.world.get_deployment(deployment_id)["label"] == "churn"
    with pytest.raises(ValueError):
        emulator.restore({"deployments": {}})
    from reconciler.providers.datarobot.sandbox import DataRobotEmulator

    other = DataRobotEmulator()
    Sandbox(token=TOKEN, emulators={"datarobot": other}, data_file=world_file)
    assert other.world.get_deployment(deployment_id)["label"] == "churn"
