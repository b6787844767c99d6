"""HTTP adapter for project folders and projects (metadata, permissions, variables, settings,
tags); see ``handlers`` for the conventions."""

from __future__ import annotations

from reconciler.providers.dataiku.sandbox.handlers.common import Params
from reconciler.providers.dataiku.sandbox.handlers.common import body as _body
from reconciler.providers.dataiku.sandbox.handlers.common import flag as _flag
from reconciler.providers.dataiku.sandbox.handlers.common import no_content as _no_content
from reconciler.providers.dataiku.sandbox.handlers.common import ok as _ok
from reconciler.providers.dataiku.sandbox.handlers.common import written
from reconciler.providers.dataiku.sandbox.models import ROOT, DataikuWorld
from reconciler.sandbox.wire import SandboxRequest, SandboxResponse


# -- project folders ----------------------------------------------------------------------------
def get_root_folder(world: DataikuWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _ok(world.get_folder(ROOT))


def get_folder(world: DataikuWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _ok(world.get_folder(p["folderId"]))


def create_child_folder(world: DataikuWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _ok(world.create_folder(p["folderId"], request.arg("name")))


def get_folder_settings(world: DataikuWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _ok(world.get_folder_settings(p["folderId"]))


def set_folder_settings(world: DataikuWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    world.set_folder_settings(p["folderId"], _body(request))
    return _no_content()


def move_folder(world: DataikuWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    world.move_folder(p["folderId"], request.arg("destination"))
    return _no_content()


def delete_folder(world: DataikuWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    world.delete_folder(p["folderId"])
    return _no_content()


def get_default_folder(world: DataikuWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _ok(world.default_folder_for_project_creation(p["folderId"]))


def locate_project(world: DataikuWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _ok(world.locate_project(p["projectKey"]))


def move_project(world: DataikuWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    world.move_project(p["folderId"], p["projectKey"], request.arg("destination"))
    return _no_content()


# -- projects -----------------------------------------------------------------------------------
def list_projects(world: DataikuWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    tags = request.args("tags", comma_separated=True)
    return _ok(world.list_projects(tags, _flag(request, "includeLocation")))


def create_project(world: DataikuWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _ok(world.create_project(_body(request), request.arg("projectFolderId")))


def get_project(world: DataikuWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _ok(world.get_project(p["projectKey"]))


def delete_project(world: DataikuWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    # Seed form: ?dropData=; client form: ?clearManagedDatasets=&clearOutputManagedFolders=
    # &clearJobAndScenarioLogs=&clearManagedKnowledgeBanks=&wait=. Both answer a finished future.
    drop = _flag(request, "dropData") or _flag(request, "clearManagedDatasets")
    for name in ("clearOutputManagedFolders", "clearJobAndScenarioLogs", "clearManagedKnowledgeBanks", "wait"):
        _flag(request, name)
    return written(world, world.delete_project(p["projectKey"], drop))


def get_project_metadata(world: DataikuWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _ok(world.get_project_metadata(p["projectKey"]))


def set_project_metadata(world: DataikuWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    world.set_project_metadata(p["projectKey"], _body(request))
    return _no_content()


def get_project_permissions(world: DataikuWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _ok(world.get_project_permissions(p["projectKey"]))


def set_project_permissions(world: DataikuWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    world.set_project_permissions(p["projectKey"], _body(request))
    return _no_content()


def get_project_variables(world: DataikuWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _ok(world.get_project_variables(p["projectKey"]))


def set_project_variables(world: DataikuWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    world.set_project_variables(p["projectKey"], _body(request))
    return _no_content()


def get_project_settings(world: DataikuWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _ok(world.get_project_settings(p["projectKey"]))


def set_project_settings(world: DataikuWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    world.set_project_settings(p["projectKey"], _body(request))
    return _no_content()


def get_project_tags(world: DataikuWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _ok(world.get_project_tags(p["projectKey"]))


def set_project_tags(world: DataikuWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    world.set_project_tags(p["projectKey"], _body(request))
    return _no_content()


