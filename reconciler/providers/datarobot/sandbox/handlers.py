"""Thin HTTP adapter over ``models.DataRobotWorld``: read path params, query and body, call one
world method, shape the response (pagination envelope, 202 + absolute ``Location``, 303 for a
finished job).

Every handler is ``(world, request, params) -> SandboxResponse``.

Pagination: ``offset``/``limit`` in, ``{count, data, next, previous, totalCount}`` out.
``next``/``previous`` are absolute URLs (the official client follows ``next`` verbatim; the TF
provider re-applies its query string), built from the request's ``Host`` and keeping every
other query parameter. ``deletedDeployments`` has no ``totalCount`` (seed). A ``limit`` of 0 or
none means the endpoint's default page size.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

from reconciler.providers.datarobot.sandbox.errors import BadRequest
from reconciler.providers.datarobot.sandbox.models import DataRobotWorld
from reconciler.sandbox.wire import SandboxRequest, SandboxResponse

Params = Mapping[str, str]
API_ROOT = "/datarobot/api/v2"


# -- requests and responses -------------------------------------------------------------------
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


# -- pagination -------------------------------------------------------------------------------
def base_url(request: SandboxRequest) -> str:
    """``http://host:port`` the client used (the emulator's Host header; ``localhost`` if none)."""
    return f"http://{request.headers.get('Host') or 'localhost'}"


def api_url(request: SandboxRequest, path: str) -> str:
    """An absolute API URL: ``api_url(r, "status/abc/")`` -> ``http://host/datarobot/api/v2/status/abc/``."""
    return f"{base_url(request)}{API_ROOT}/{path.lstrip('/')}"


def _int_arg(request: SandboxRequest, name: str) -> int | None:
    value = request.arg(name)
    if value is None or value == "":
        return None
    try:
        number = int(value)
    except ValueError:
        raise BadRequest(f"Invalid query parameter {name}: {value!r} is not an integer",
                         {name: "value is not an integer"}) from None
    if number < 0:
        raise BadRequest(f"Invalid query parameter {name}: must be >= 0", {name: "must be >= 0"})
    return number


def page(
    request: SandboxRequest,
    items: Sequence[Any],
    *,
    default_limit: int = 100,
    max_limit: int | None = None,
    total: bool = True,
) -> dict[str, Any]:
    """One page of ``items`` for ``request`` (its ``offset``/``limit``), in DataRobot's envelope."""
    offset = _int_arg(request, "offset") or 0
    limit = _int_arg(request, "limit") or default_limit
    if max_limit is not None and limit > max_limit:
        raise BadRequest(f"Invalid query parameter limit: must be at most {max_limit}",
                         {"limit": f"must be at most {max_limit}"})
    data = list(items[offset: offset + limit])
    path = request.path if request.path.endswith("/") else request.path + "/"
    others = [(k, v) for k, values in request.query.items() if k not in ("offset", "limit") for v in values]

    def link(new_offset: int) -> str:
        query = urlencode(others + [("offset", new_offset), ("limit", limit)])
        return f"{base_url(request)}{path}?{query}"

    body: dict[str, Any] = {
        "count": len(data),
        "data": data,
        "next": link(offset + limit) if offset + limit < len(items) else None,
        "previous": link(max(0, offset - limit)) if offset > 0 else None,
    }
    if total:
        body["totalCount"] = len(items)
    return body


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


# -- deployment settings ----------------------------------------------------------------------
def get_settings(world: DataRobotWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _ok(world.get_settings(p["deploymentId"]))


def update_settings(world: DataRobotWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _accepted(request, world.update_settings(p["deploymentId"], _body(request)))


def get_health_settings(world: DataRobotWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _ok(world.get_health_settings(p["deploymentId"]))


def get_default_health_settings(world: DataRobotWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _ok(world.default_health_settings(p["deploymentId"]))


def update_health_settings(world: DataRobotWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _ok(world.update_health_settings(p["deploymentId"], _body(request)))


def get_challenger_replay(world: DataRobotWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _ok(world.get_challenger_replay(p["deploymentId"]))


def update_challenger_replay(world: DataRobotWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _ok(world.update_challenger_replay(p["deploymentId"], _body(request)))


def get_accuracy_metrics(world: DataRobotWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _ok({"data": world.get_accuracy_metrics(p["deploymentId"])})


def update_accuracy_metrics(world: DataRobotWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _ok({"data": world.update_accuracy_metrics(p["deploymentId"], _body(request))})


def get_retraining(world: DataRobotWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _ok(world.get_retraining(p["deploymentId"]))


def update_retraining(world: DataRobotWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    world.update_retraining(p["deploymentId"], _body(request))
    return _ok(world.get_retraining(p["deploymentId"]))


# -- use cases and registered models ----------------------------------------------------------
def list_use_cases(world: DataRobotWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _ok(page(request, world.list_use_cases(request.arg("search")), default_limit=100))


def create_use_case(world: DataRobotWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _ok(world.create_use_case(_body(request)), 201)


def get_use_case(world: DataRobotWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _ok(world.get_use_case(p["useCaseId"]))


def update_use_case(world: DataRobotWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _ok(world.update_use_case(p["useCaseId"], _body(request)))


def delete_use_case(world: DataRobotWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    world.delete_use_case(p["useCaseId"])
    return SandboxResponse.empty(204)


def list_registered_models(world: DataRobotWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _ok(page(request, world.list_registered_models(request.arg("search")), default_limit=100))


def get_registered_model(world: DataRobotWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _ok(world.get_registered_model(p["registeredModelId"]))


def update_registered_model(world: DataRobotWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _ok(world.update_registered_model(p["registeredModelId"], _body(request)))


def archive_registered_model(world: DataRobotWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    world.archive_registered_model(p["registeredModelId"])
    return SandboxResponse.empty(204)


def list_registered_versions(world: DataRobotWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    items = [world.counted(v) for v in world.list_versions(p["registeredModelId"])]
    return _ok(page(request, items, default_limit=100))


def get_registered_version(world: DataRobotWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _ok(world.counted(world.get_version(p["registeredModelId"], p["versionId"])))


def update_registered_version(world: DataRobotWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    doc = world.update_version(p["registeredModelId"], p["versionId"], _body(request))
    return _ok(world.counted(doc))


def create_from_leaderboard(world: DataRobotWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _ok(world.counted(world.create_from_leaderboard(_body(request))), 201)


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
