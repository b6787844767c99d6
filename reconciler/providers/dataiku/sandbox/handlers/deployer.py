"""HTTP adapter for bundles and the project deployer (see ``handlers`` for the conventions).

Both the seed's and the client's paths are served (reference/dataiku.md §E.2): stages under
``/project-deployer/stages`` and ``/infras/stages``, infra create under ``/infras`` and
``/projects/infras``, infra settings under ``/infras/{id}/settings`` (GET/PUT) and
``/infras/{id}`` (PUT). Creates answer the new object; settings saves answer 204; the
deployment update answers a future.
"""

from __future__ import annotations

from reconciler.providers.dataiku.sandbox.handlers.common import Params, body, flag, no_content, ok
from reconciler.providers.dataiku.sandbox.models import DataikuWorld
from reconciler.sandbox.wire import SandboxRequest, SandboxResponse

W, R, S = DataikuWorld, SandboxRequest, SandboxResponse


# -- design-side bundles ----------------------------------------------------------------------
def list_exported_bundles(world: W, request: R, p: Params) -> S:
    return ok(world.list_exported_bundles(p["projectKey"]))


def get_exported_bundle(world: W, request: R, p: Params) -> S:
    return ok(world.get_exported_bundle(p["projectKey"], p["bundleId"]))


def export_bundle(world: W, request: R, p: Params) -> S:
    flag(request, "evaluateProjectStandardsChecks", True)
    bundle_id = p.get("bundleId") or request.arg("bundleId")
    return ok(world.export_bundle(p["projectKey"], bundle_id, request.arg("releaseNotes")))


def delete_exported_bundle(world: W, request: R, p: Params) -> S:
    return ok(world.delete_exported_bundle(p["projectKey"], p["bundleId"]))


def publish_bundle(world: W, request: R, p: Params) -> S:
    return ok(world.publish_bundle(p["projectKey"], p["bundleId"], request.arg("publishedProjectKey")))


# -- infras -----------------------------------------------------------------------------------
def list_stages(world: W, request: R, p: Params) -> S:
    return ok(world.list_stages())


def list_infras(world: W, request: R, p: Params) -> S:
    return ok(world.list_infras())


def create_infra(world: W, request: R, p: Params) -> S:
    return ok(world.create_infra(body(request)))


def get_infra(world: W, request: R, p: Params) -> S:
    return ok(world.get_infra(p["infraId"]))


def get_infra_settings(world: W, request: R, p: Params) -> S:
    return ok(world.get_infra_settings(p["infraId"]))


def set_infra_settings(world: W, request: R, p: Params) -> S:
    world.set_infra_settings(p["infraId"], body(request))
    return no_content()


def delete_infra(world: W, request: R, p: Params) -> S:
    world.delete_infra(p["infraId"])
    return no_content()


# -- published projects -----------------------------------------------------------------------
def list_published_projects(world: W, request: R, p: Params) -> S:
    return ok(world.list_published_projects())


def create_published_project(world: W, request: R, p: Params) -> S:
    return ok(world.create_published_project(body(request)))


def get_published_project(world: W, request: R, p: Params) -> S:
    return ok(world.get_published_project(p["projectKey"]))


def get_published_project_settings(world: W, request: R, p: Params) -> S:
    return ok(world.get_published_project_settings(p["projectKey"]))


def set_published_project_settings(world: W, request: R, p: Params) -> S:
    world.set_published_project_settings(p["projectKey"], body(request))
    return no_content()


def delete_published_project(world: W, request: R, p: Params) -> S:
    world.delete_published_project(p["projectKey"])
    return no_content()


def delete_published_bundle(world: W, request: R, p: Params) -> S:
    world.delete_published_bundle(p["projectKey"], p["bundleId"])
    return no_content()


# -- deployments ------------------------------------------------------------------------------
def list_deployments(world: W, request: R, p: Params) -> S:
    return ok(world.list_deployments())


def create_deployment(world: W, request: R, p: Params) -> S:
    flag(request, "ignoreWarnings")
    return ok(world.create_deployment(body(request)))


def get_deployment(world: W, request: R, p: Params) -> S:
    return ok(world.get_deployment(p["deploymentId"]))


def get_deployment_settings(world: W, request: R, p: Params) -> S:
    return ok(world.get_deployment_settings(p["deploymentId"]))


def set_deployment_settings(world: W, request: R, p: Params) -> S:
    flag(request, "ignoreWarnings")
    world.set_deployment_settings(p["deploymentId"], body(request))
    return no_content()


def get_deployment_status(world: W, request: R, p: Params) -> S:
    return ok(world.deployment_status(p["deploymentId"]))


def update_deployment(world: W, request: R, p: Params) -> S:
    return ok(world.update_deployment(p["deploymentId"]))


def list_deployment_updates(world: W, request: R, p: Params) -> S:
    return ok(world.list_deployment_updates(p["deploymentId"]))


def get_last_deployment_update(world: W, request: R, p: Params) -> S:
    return ok(world.get_last_deployment_update(p["deploymentId"]))


def delete_deployment(world: W, request: R, p: Params) -> S:
    world.delete_deployment(p["deploymentId"])
    return no_content()
