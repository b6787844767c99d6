"""Thin HTTP adapter over ``world.DataRobotWorld``: read path params, query and body, call one
world method, shape the response (pagination envelope, 202 + absolute ``Location``, 303 for a
finished job).

Every handler is ``(world, request, params) -> SandboxResponse``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reconciler.providers.datarobot.sandbox.errors import BadRequest
from reconciler.providers.datarobot.sandbox.paging import api_url, page
from reconciler.providers.datarobot.sandbox.world import DataRobotWorld
from reconciler.sandbox.wire import SandboxRequest, SandboxResponse

Params = Mapping[str, str]


def _body(request: SandboxRequest) -> Any:
    try:
        return request.json()
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("The request body is not valid JSON") from None


def _flag(request: SandboxRequest, name: str) -> bool:
    try:
        return request.flag(name)
    except ValueError as error:
        raise BadRequest(f"Invalid query parameter {name}: {error}", {name: "expected true or false"}) from None


def _ok(data: Any, status: int = 200) -> SandboxResponse:
    return SandboxResponse.json_body(data, status)


def _accepted(request: SandboxRequest, job_id: str, body: Any = None) -> SandboxResponse:
    """202 with the absolute status URL in ``Location`` (both official consumers need it)."""
    location = api_url(request, f"status/{job_id}/")
    if body is None:
        return SandboxResponse.empty(202, {"Location": location})
    return SandboxResponse.json_body(body, 202, {"Location": location})


# -- version and async status -----------------------------------------------------------------
def get_version(world: DataRobotWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _ok(world.version())


def get_status(world: DataRobotWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    job = world.poll_job(p["statusId"])
    body = {"statusId": job["statusId"], "status": job["status"], "message": job["message"], "code": 0,
            "description": job["description"], "created": job["created"]}
    if job["status"] == "COMPLETED" and job["resultPath"]:
        return SandboxResponse.json_body(body, 303, {"Location": api_url(request, job["resultPath"])})
    return _ok(body)


# -- deployments ------------------------------------------------------------------------------
def list_deployments(world: DataRobotWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    def many(name: str) -> list[str]:  # the client sends "a,b"; the docs show repeated keys
        return request.args(name, comma_separated=True)

    items = world.list_deployments(
        search=request.arg("search"), statuses=many("status"), importances=many("importance"),
        order_by=request.arg("orderBy"), server_ids=many("defaultPredictionServerId"),
        platforms=many("predictionEnvironmentPlatform"), tag_keys=many("tagKeys"), tag_values=many("tagValues"))
    return _ok(page(request, items, default_limit=20, max_limit=100))


def create_from_learning_model(world: DataRobotWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    deployment_id, job_id = world.create_from_learning_model(_body(request))
    return _accepted(request, job_id, {"id": deployment_id})


def create_from_model_package(world: DataRobotWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    deployment_id, job_id = world.create_from_model_package(_body(request))
    return _accepted(request, job_id, {"id": deployment_id})


def get_deployment(world: DataRobotWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _ok(world.get_deployment(p["deploymentId"]))


def update_deployment(world: DataRobotWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    world.update_deployment(p["deploymentId"], _body(request))
    return SandboxResponse.empty(204)


def delete_deployment(world: DataRobotWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    _flag(request, "ignoreManagementAgent")
    world.delete_deployment(p["deploymentId"])
    return SandboxResponse.empty(204)


def change_status(world: DataRobotWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _accepted(request, world.change_status(p["deploymentId"], _body(request)))


def replace_model(world: DataRobotWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _accepted(request, world.replace_model(p["deploymentId"], _body(request)))


def validate_replacement(world: DataRobotWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _ok(world.validate_replacement(p["deploymentId"], _body(request)))


def get_capabilities(world: DataRobotWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _ok(world.capabilities(p["deploymentId"]))


def list_features(world: DataRobotWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    _flag(request, "includeNonPredictionFeatures")
    _flag(request, "forSegmentedAnalysis")
    rows = world.features(p["deploymentId"], request.arg("search"), request.arg("orderBy"))
    return _ok(page(request, rows, default_limit=50))


def list_model_history(world: DataRobotWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _ok(page(request, world.model_history(p["deploymentId"]), default_limit=100, max_limit=100))


def list_deleted(world: DataRobotWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _ok(page(request, world.list_deleted(), default_limit=20, total=False))


def erase_deleted(world: DataRobotWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _accepted(request, world.erase_deleted(_body(request)))


# -- prediction environments ------------------------------------------------------------------
def list_environments(world: DataRobotWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _ok(page(request, world.list_environments(), default_limit=100))


def create_environment(world: DataRobotWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _ok(world.create_environment(_body(request)), 201)


def get_environment(world: DataRobotWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _ok(world.get_environment(p["environmentId"]))


def update_environment(world: DataRobotWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _ok(world.update_environment(p["environmentId"], _body(request)))


def delete_environment(world: DataRobotWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    world.delete_environment(p["environmentId"])
    return SandboxResponse.empty(204)


# -- catalog ----------------------------------------------------------------------------------
def list_projects(world: DataRobotWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _ok(world.list_projects(request.arg("projectName")))


def get_project(world: DataRobotWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _ok(world.get_project(p["projectId"]))


def list_models(world: DataRobotWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _ok(world.list_models(p["projectId"], request.arg("name")))


def get_model(world: DataRobotWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _ok(world.get_model(p["projectId"], p["modelId"]))


def list_model_packages(world: DataRobotWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    items = world.list_model_packages(request.arg("modelId"), request.arg("name"))
    return _ok(page(request, items, default_limit=100))


def get_model_package(world: DataRobotWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _ok(world.get_model_package(p["modelPackageId"]))


def list_prediction_servers(world: DataRobotWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _ok(page(request, world.list_prediction_servers(), default_limit=100))


def list_compute_bundles(world: DataRobotWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    use_case = request.arg("useCases")
    allowed = ("customApplication", "customJob", "customModel", "sapAICore")
    if use_case is not None and use_case not in allowed:
        raise BadRequest(f"Invalid query parameter useCases: {use_case!r}", {"useCases": f"one of {', '.join(allowed)}"})
    return _ok(page(request, world.list_compute_bundles(use_case), default_limit=100, max_limit=100))


def get_compute_bundle(world: DataRobotWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _ok(world.get_compute_bundle(p["bundleId"]))


def get_pps_metadata(world: DataRobotWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _ok(world.pps_image_metadata())
