"""Thin HTTP adapter over ``models.AstroWorld``: read path params, query and body, call one world
method, shape the response. Every handler is ``(world, request, params) -> SandboxResponse``.

Create and update answer 200 with the full object (Astro has no 201); delete answers 204.
``base`` (the absolute ``/astro`` root as the caller reached it) is what upload URLs are built on.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reconciler.providers.astro.sandbox.errors import BadRequest
from reconciler.providers.astro.sandbox.models import AstroWorld
from reconciler.sandbox.wire import SandboxRequest, SandboxResponse

Params = Mapping[str, str]


def _body(request: SandboxRequest) -> Any:
    try:
        return request.json()
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("The request body is not valid JSON") from None


def _int(request: SandboxRequest, name: str, default: int) -> int:
    value = request.arg(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise BadRequest(f"Invalid query parameter {name}: {value!r} is not an integer") from None


def _paging(request: SandboxRequest) -> tuple[int, int]:
    return _int(request, "offset", 0), _int(request, "limit", 20)


def base_url(request: SandboxRequest) -> str:
    host = request.headers.get("Host") or "localhost"
    return f"http://{host}/astro"


def _ok(data: Any) -> SandboxResponse:
    return SandboxResponse.json_body(data)


# -- organizations ------------------------------------------------------------------------------
def list_organizations(world: AstroWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _ok(world.list_organizations(*_paging(request)))


def get_organization(world: AstroWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _ok(world.get_organization(p["org"]))


def get_deployment_options(world: AstroWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _ok(world.deployment_options(p["org"]))


# -- workspaces ---------------------------------------------------------------------------------
def list_workspaces(world: AstroWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    offset, limit = _paging(request)
    return _ok(world.list_workspaces(p["org"], ids=request.args("workspaceIds", comma_separated=True),
                                     names=request.args("names"), sorts=request.args("sorts", comma_separated=True),
                                     offset=offset, limit=limit))


def create_workspace(world: AstroWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _ok(world.create_workspace(p["org"], _body(request)))


def get_workspace(world: AstroWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _ok(world.get_workspace(p["org"], p["workspaceId"]))


def update_workspace(world: AstroWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _ok(world.update_workspace(p["org"], p["workspaceId"], _body(request)))


def delete_workspace(world: AstroWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    world.delete_workspace(p["org"], p["workspaceId"])
    return SandboxResponse.empty(204)


# -- deployments --------------------------------------------------------------------------------
def list_deployments(world: AstroWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    offset, limit = _paging(request)
    return _ok(world.list_deployments(
        p["org"], ids=request.args("deploymentIds", comma_separated=True), names=request.args("names"),
        workspace_ids=request.args("workspaceIds", comma_separated=True),
        sorts=request.args("sorts", comma_separated=True), offset=offset, limit=limit))


def create_deployment(world: AstroWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _ok(world.create_deployment(p["org"], _body(request)))


def get_deployment(world: AstroWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _ok(world.get_deployment(p["org"], p["deploymentId"]))


def update_deployment(world: AstroWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _ok(world.update_deployment(p["org"], p["deploymentId"], _body(request)))


def delete_deployment(world: AstroWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    world.delete_deployment(p["org"], p["deploymentId"])
    return SandboxResponse.empty(204)


def override_hibernation(world: AstroWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _ok(world.override_hibernation(p["org"], p["deploymentId"], _body(request)))


def delete_hibernation_override(world: AstroWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    world.delete_hibernation_override(p["org"], p["deploymentId"])
    return SandboxResponse.empty(204)


# -- environment objects --------------------------------------------------------------------------
def list_environment_objects(world: AstroWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    offset, limit = _paging(request)
    return _ok(world.list_environment_objects(
        p["org"], workspace_id=request.arg("workspaceId"), deployment_id=request.arg("deploymentId"),
        object_types=request.args("objectType", comma_separated=True), object_key=request.arg("objectKey"),
        resolve_linked=request.arg("resolveLinked") == "true", sorts=request.args("sorts", comma_separated=True),
        offset=offset, limit=limit))


def create_environment_object(world: AstroWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _ok(world.create_environment_object(p["org"], _body(request)))


def get_environment_object(world: AstroWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _ok(world.get_environment_object(p["org"], p["objectId"]))


def update_environment_object(world: AstroWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _ok(world.update_environment_object(p["org"], p["objectId"], _body(request)))


def delete_environment_object(world: AstroWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    world.delete_environment_object(p["org"], p["objectId"])
    return SandboxResponse.empty(204)


def exclude_environment_link(world: AstroWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    """200 without a body (the API documents no response schema for it)."""
    world.exclude_environment_link(p["org"], p["objectId"], _body(request))
    return SandboxResponse.empty(200)


# -- notification channels and alerts ------------------------------------------------------------
def _filters(request: SandboxRequest, ids: str, types: str) -> dict[str, Any]:
    offset, limit = _paging(request)
    return {"ids": request.args(ids, comma_separated=True),
            "deployment_ids": request.args("deploymentIds", comma_separated=True),
            "workspace_ids": request.args("workspaceIds", comma_separated=True),
            "types": request.args(types, comma_separated=True), "entity_type": request.arg("entityType"),
            "offset": offset, "limit": limit}


def list_notification_channels(world: AstroWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _ok(world.list_notification_channels(p["org"], **_filters(request, "notificationChannelIds",
                                                                      "channelTypes")))


def create_notification_channel(world: AstroWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _ok(world.create_notification_channel(p["org"], _body(request)))


def get_notification_channel(world: AstroWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _ok(world.get_notification_channel(p["org"], p["channelId"]))


def update_notification_channel(world: AstroWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _ok(world.update_notification_channel(p["org"], p["channelId"], _body(request)))


def delete_notification_channel(world: AstroWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    world.delete_notification_channel(p["org"], p["channelId"])
    return SandboxResponse.empty(204)


def list_alerts(world: AstroWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _ok(world.list_alerts(p["org"], **_filters(request, "alertIds", "alertTypes")))


def create_alert(world: AstroWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _ok(world.create_alert(p["org"], _body(request)))


def get_alert(world: AstroWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _ok(world.get_alert(p["org"], p["alertId"]))


def update_alert(world: AstroWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _ok(world.update_alert(p["org"], p["alertId"], _body(request)))


def delete_alert(world: AstroWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    world.delete_alert(p["org"], p["alertId"])
    return SandboxResponse.empty(204)


# -- teams (IAM) ----------------------------------------------------------------------------------
def list_teams(world: AstroWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    offset, limit = _paging(request)
    return _ok(world.list_teams(p["org"], request.args("names"), offset, limit))


def create_team(world: AstroWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _ok(world.create_team(p["org"], _body(request)))


def get_team(world: AstroWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _ok(world.get_team(p["org"], p["teamId"]))


def update_team(world: AstroWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _ok(world.update_team(p["org"], p["teamId"], _body(request)))


def delete_team(world: AstroWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    world.delete_team(p["org"], p["teamId"])
    return SandboxResponse.empty(204)


def update_team_roles(world: AstroWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _ok(world.update_team_roles(p["org"], p["teamId"], _body(request)))


def list_team_members(world: AstroWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    offset, limit = _paging(request)
    return _ok(world.list_team_members(p["org"], p["teamId"], offset, limit))


def add_team_members(world: AstroWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    world.add_team_members(p["org"], p["teamId"], _body(request))
    return SandboxResponse.empty(204)


def remove_team_member(world: AstroWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    world.remove_team_member(p["org"], p["teamId"], p["memberId"])
    return SandboxResponse.empty(204)


# -- deploys ------------------------------------------------------------------------------------
def list_deploys(world: AstroWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    offset, limit = _paging(request)
    return _ok(world.list_deploys(p["org"], p["deploymentId"], offset, limit, base_url(request)))


def create_deploy(world: AstroWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _ok(world.create_deploy(p["org"], p["deploymentId"], _body(request), base_url(request)))


def get_deploy(world: AstroWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _ok(world.get_deploy(p["org"], p["deploymentId"], p["deployId"], base_url(request)))


def update_deploy(world: AstroWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _ok(world.update_deploy(p["org"], p["deploymentId"], p["deployId"], _body(request), base_url(request)))


def finalize_deploy(world: AstroWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _ok(world.finalize_deploy(p["org"], p["deploymentId"], p["deployId"], _body(request), base_url(request)))


def rollback_deploy(world: AstroWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _ok(world.rollback_deploy(p["org"], p["deploymentId"], p["deployId"], _body(request), base_url(request)))


# -- blob storage stand-in ------------------------------------------------------------------------
def put_blob(world: AstroWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    version = world.put_blob(p["org"], p["deploymentId"], p["deployId"], p["kind"], request.arg("sig"),
                             request.headers.get("x-ms-blob-type"), request.body)
    return SandboxResponse.empty(201, {"x-ms-version-id": version, "x-ms-request-server-encrypted": "true",
                                       "ETag": f'"{version}"'})
