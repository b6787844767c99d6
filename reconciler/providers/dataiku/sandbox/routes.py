"""Every Dataiku operation the emulator serves: method + path pattern -> handler.

Patterns are relative to the API prefix; both ``/public/api`` (the documented base, seed L5)
and ``/dip/publicapi`` (what ``dataikuapi`` calls) are served. A trailing slash is optional on
every route (the router works on segments). Literal segments win over placeholders, so
``/project-folders/ROOT`` and ``/datasets/managed`` need no special casing.
"""

from __future__ import annotations

from reconciler.providers.dataiku.sandbox import handlers as h
from reconciler.sandbox.routing import Route

PREFIXES = ("public/api", "dip/publicapi")

_P = "/projects/{projectKey}"
_D = _P + "/datasets/{datasetName}"
_F = "/project-folders/{folderId}"

ROUTES: tuple[Route, ...] = (
    # instance
    Route("GET", "/auth/info", h.get_auth_info),
    Route("GET", "/instance-info", h.get_instance_info),
    Route("GET", "/admin/connections", h.list_connections),
    Route("GET", "/admin/connections/{name}", h.get_connection),
    # project folders
    Route("GET", "/project-folders", h.get_root_folder),
    Route("GET", _F, h.get_folder),
    Route("DELETE", _F, h.delete_folder),
    Route("POST", _F + "/children", h.create_child_folder),
    Route("GET", _F + "/settings", h.get_folder_settings),
    Route("PUT", _F + "/settings", h.set_folder_settings),
    Route("POST", _F + "/move", h.move_folder),
    Route("GET", _F + "/default-for-project-creation", h.get_default_folder),
    Route("GET", "/project-folders/locate-project/{projectKey}", h.locate_project),
    Route("POST", _F + "/projects/{projectKey}/move", h.move_project),
    # projects
    Route("GET", "/projects", h.list_projects),
    Route("POST", "/projects", h.create_project),
    Route("GET", _P, h.get_project),
    Route("DELETE", _P, h.delete_project),
    Route("GET", _P + "/metadata", h.get_project_metadata),
    Route("PUT", _P + "/metadata", h.set_project_metadata),
    Route("GET", _P + "/permissions", h.get_project_permissions),
    Route("PUT", _P + "/permissions", h.set_project_permissions),
    Route("GET", _P + "/variables", h.get_project_variables),
    Route("PUT", _P + "/variables", h.set_project_variables),
    Route("GET", _P + "/settings", h.get_project_settings),
    Route("PUT", _P + "/settings", h.set_project_settings),
    Route("GET", _P + "/tags", h.get_project_tags),
    Route("PUT", _P + "/tags", h.set_project_tags),
    Route("POST", _P + "/actions/renameDataset", h.rename_dataset),
    # datasets
    Route("GET", _P + "/datasets", h.list_datasets),
    Route("POST", _P + "/datasets", h.create_dataset),
    Route("POST", _P + "/datasets/managed", h.create_managed_dataset),
    Route("GET", _D, h.get_dataset),
    Route("PUT", _D, h.set_dataset),
    Route("DELETE", _D, h.delete_dataset),
    Route("GET", _D + "/schema", h.get_dataset_schema),
    Route("PUT", _D + "/schema", h.set_dataset_schema),
    Route("GET", _D + "/metadata", h.get_dataset_metadata),
    Route("PUT", _D + "/metadata", h.set_dataset_metadata),
    # futures
    Route("GET", "/futures", h.list_futures),
    Route("GET", "/futures/{jobId}", h.get_future),
    Route("DELETE", "/futures/{jobId}", h.abort_future),
)
