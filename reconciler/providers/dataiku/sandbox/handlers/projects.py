"""Thin HTTP adapter over ``models.DataikuWorld``: read path params, query and body, call one
model method, shape the response.

Every handler is ``(world, request, params) -> SandboxResponse``; ``params`` are the route's
placeholders, already URL-decoded. Status codes follow the seed, except that a JSON body is
returned wherever the official client parses one (reference/dataiku.md §A.7), even where the
seed documents 204.
"""

from __future__ import annotations

from reconciler.providers.dataiku.sandbox.models import ROOT, DataikuWorld
from reconciler.providers.dataiku.sandbox.handlers.common import Params
from reconciler.providers.dataiku.sandbox.handlers.common import body as _body
from reconciler.providers.dataiku.sandbox.handlers.common import flag as _flag
from reconciler.providers.dataiku.sandbox.handlers.common import no_content as _no_content
from reconciler.providers.dataiku.sandbox.handlers.common import ok as _ok
from reconciler.sandbox.wire import SandboxRequest, SandboxResponse


# -- instance -----------------------------------------------------------------------------------
def get_auth_info(world: DataikuWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _ok(world.auth_info(_flag(request, "withSecrets")))


def get_instance_info(world: DataikuWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _ok(world.instance_info())


def list_connections(world: DataikuWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _ok(world.list_connections())


def get_connection(world: DataikuWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _ok(world.get_connection(p["name"]))


def list_code_envs(world: DataikuWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _ok(world.list_code_envs())


def get_code_env(world: DataikuWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _ok(world.get_code_env(p["envLang"], p["envName"]))


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
    return _ok(world.delete_project(p["projectKey"], drop))


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


# -- datasets -----------------------------------------------------------------------------------
def list_datasets(world: DataikuWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    tags = request.args("tags", comma_separated=True)
    return _ok(world.list_datasets(p["projectKey"], tags, _flag(request, "foreign")))


def create_dataset(world: DataikuWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    world.create_dataset(p["projectKey"], _body(request))
    return _ok({})


def create_managed_dataset(world: DataikuWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _ok(world.create_managed_dataset(p["projectKey"], _body(request)))


def get_dataset(world: DataikuWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _ok(world.get_dataset(p["projectKey"], p["datasetName"]))


def set_dataset(world: DataikuWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    world.set_dataset(p["projectKey"], p["datasetName"], _body(request))
    return _ok({})


def delete_dataset(world: DataikuWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    world.delete_dataset(p["projectKey"], p["datasetName"], _flag(request, "dropData"))
    return _no_content()


def rename_dataset(world: DataikuWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    world.rename_dataset(p["projectKey"], _body(request))
    return _no_content()


def get_dataset_schema(world: DataikuWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _ok(world.get_dataset_schema(p["projectKey"], p["datasetName"]))


def set_dataset_schema(world: DataikuWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    world.set_dataset_schema(p["projectKey"], p["datasetName"], _body(request))
    return _ok({})


def get_dataset_metadata(world: DataikuWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _ok(world.get_dataset_metadata(p["projectKey"], p["datasetName"]))


def set_dataset_metadata(world: DataikuWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    world.set_dataset_metadata(p["projectKey"], p["datasetName"], _body(request))
    return _ok({})


# -- futures ------------------------------------------------------------------------------------
def list_futures(world: DataikuWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _ok(world.list_futures())


def get_future(world: DataikuWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    return _ok(world.get_future(p["jobId"], _flag(request, "peek")))


def abort_future(world: DataikuWorld, request: SandboxRequest, p: Params) -> SandboxResponse:
    world.abort_future(p["jobId"])
    return _ok({})
