"""Project folders and projects (metadata, permissions, variables, settings, tag definitions).

State: ``folders {id: {id, parentId, childrenIds, projectKeys, settings}}`` (ROOT always
present) and ``projects {key: {projectKey, folderId, metadata, permissions, variables, settings,
tagDefinitions, creationTag, versionTag, <object families>}}``. A project owns its datasets,
recipes, managed folders, scenarios, wiki and exported bundles: deleting it takes them all.
"""

from __future__ import annotations

from typing import Any

from reconciler.providers.dataiku.sandbox.errors import IllegalArgument, NotFound
from reconciler.providers.dataiku.sandbox.models.core import ID_ALPHABET, Doc, WorldCore, deep_merge
from reconciler.providers.dataiku.sandbox.models.core import deep_copy as _copy
from reconciler.providers.dataiku.sandbox.payloads.common import ObjectMetadata, parse, version_tag
from reconciler.providers.dataiku.sandbox.payloads.projects import (
    FolderSettings,
    ProjectCreate,
    ProjectPermissions,
    ProjectVariables,
    TagDefinitions,
    folder_settings,
    project_metadata,
    project_permissions,
    project_settings,
)
from reconciler.providers.dataiku.sandbox.seed import ADMIN

ROOT = "ROOT"


def project_collections() -> dict[str, Any]:
    """The object families a new project holds, empty."""
    return {
        "datasets": {},
        "recipes": {},
        "managedFolders": {},
        "scenarios": {},
        "wiki": {"homeArticleId": None, "taxonomy": [], "articles": {}, "articleCounter": 0},
        "exportedBundles": {},
        "zones": {},
        "savedModels": {},
    }


class ProjectsModel(WorldCore):
    """Project folders and projects."""

    # -- project folders ------------------------------------------------------------------------
    @staticmethod
    def _folder_record(folder_id: str, parent_id: str | None, settings: Doc) -> Doc:
        return {"id": folder_id, "parentId": parent_id, "childrenIds": [], "projectKeys": [], "settings": settings}

    def _folder(self, folder_id: str) -> Doc:
        folder = self._s["folders"].get(folder_id)
        if folder is None:
            raise NotFound(f"Project folder {folder_id} does not exist")
        return folder

    @staticmethod
    def _folder_view(folder: Doc) -> Doc:
        return {
            "id": folder["id"],
            "name": folder["settings"].get("name"),
            "parentId": folder["parentId"],
            "childrenIds": list(folder["childrenIds"]),
            "projectKeys": list(folder["projectKeys"]),
        }

    def _folder_path(self, folder: Doc) -> str:
        names: list[str] = []
        while folder["parentId"] is not None:
            names.append(str(folder["settings"].get("name")))
            folder = self._s["folders"][folder["parentId"]]
        return "/" + "/".join(reversed(names))

    def _descendants(self, folder_id: str) -> set[str]:
        found: set[str] = set()
        stack = list(self._s["folders"][folder_id]["childrenIds"])
        while stack:
            child = stack.pop()
            found.add(child)
            stack.extend(self._s["folders"][child]["childrenIds"])
        return found

    def _check_sibling_name(self, parent: Doc, name: str, exclude: str | None = None) -> None:
        for child_id in parent["childrenIds"]:
            if child_id != exclude and self._s["folders"][child_id]["settings"].get("name") == name:
                raise IllegalArgument(
                    f"A project folder named '{name}' already exists in {self._folder_path(parent)}"
                )

    def get_folder(self, folder_id: str) -> Doc:
        return self._folder_view(self._folder(folder_id))

    def create_folder(self, parent_id: str, name: str | None) -> Doc:
        if name is None or not name.strip():
            raise IllegalArgument("Missing parameter 'name' for the new project folder")
        parent = self._folder(parent_id)
        self._check_sibling_name(parent, name)
        folder_id = self._new_id(7, ID_ALPHABET, self._s["folders"])
        self._s["folders"][folder_id] = self._folder_record(folder_id, parent_id, folder_settings(name))
        parent["childrenIds"].append(folder_id)
        return self.get_folder(folder_id)

    def get_folder_settings(self, folder_id: str) -> Doc:
        return _copy(self._folder(folder_id)["settings"])

    def set_folder_settings(self, folder_id: str, body: Any) -> None:
        folder = self._folder(folder_id)
        if folder_id == ROOT:
            if isinstance(body, dict) and body.get("name") is not None:
                raise IllegalArgument("The root project folder cannot be renamed")
            parse(FolderSettings, {**body, "name": ROOT} if isinstance(body, dict) else body, "project folder settings")
        else:
            settings = parse(FolderSettings, body, "project folder settings")
            self._check_sibling_name(self._s["folders"][folder["parentId"]], settings.name, exclude=folder_id)
        folder["settings"] = _copy(body)

    def move_folder(self, folder_id: str, destination: str | None) -> None:
        if not destination:
            raise IllegalArgument("Missing parameter 'destination'")
        folder = self._folder(folder_id)
        if folder_id == ROOT:
            raise IllegalArgument("The root project folder cannot be moved")
        target = self._folder(destination)
        if destination == folder_id or destination in self._descendants(folder_id):
            raise IllegalArgument(
                f"Cannot move project folder {folder_id} into itself or one of its sub-folders ({destination})"
            )
        if folder["parentId"] == destination:
            return
        self._check_sibling_name(target, folder["settings"].get("name"), exclude=folder_id)
        self._s["folders"][folder["parentId"]]["childrenIds"].remove(folder_id)
        target["childrenIds"].append(folder_id)
        folder["parentId"] = destination

    def delete_folder(self, folder_id: str) -> None:
        folder = self._folder(folder_id)
        if folder_id == ROOT:
            raise IllegalArgument("The root project folder cannot be deleted")
        if folder["childrenIds"] or folder["projectKeys"]:
            raise IllegalArgument(
                f"Project folder {folder_id} is not empty: it holds {len(folder['childrenIds'])} sub-folder(s) "
                f"and {len(folder['projectKeys'])} project(s); move or delete them first"
            )
        self._s["folders"][folder["parentId"]]["childrenIds"].remove(folder_id)
        del self._s["folders"][folder_id]

    def default_folder_for_project_creation(self, folder_id: str) -> Doc:
        return self.get_folder(folder_id)

    def locate_project(self, project_key: str) -> Doc:
        return self.get_folder(self._project(project_key)["folderId"])

    def move_project(self, folder_id: str, project_key: str, destination: str | None) -> None:
        if not destination:
            raise IllegalArgument("Missing parameter 'destination'")
        folder = self._folder(folder_id)
        project = self._project(project_key)
        target = self._folder(destination)
        if project["folderId"] != folder_id:
            raise IllegalArgument(f"Project {project_key} is not in project folder {folder_id}")
        folder["projectKeys"].remove(project_key)
        target["projectKeys"].append(project_key)
        project["folderId"] = destination

    def _summary(self, project: Doc, include_location: bool = False) -> Doc:
        metadata, permissions = project["metadata"], project["permissions"]
        summary = {
            "projectKey": project["projectKey"],
            "name": metadata.get("label") or project["projectKey"],
            "shortDesc": metadata.get("shortDesc") or "",
            "description": metadata.get("description") or "",
            "tags": list(metadata.get("tags") or []),
            "ownerLogin": permissions.get("owner"),
            "versionTag": _copy(project["versionTag"]),
            "creationTag": _copy(project["creationTag"]),
        }
        if include_location:
            folder = self._s["folders"][project["folderId"]]
            summary["projectLocation"] = {"projectFolderId": folder["id"], "path": self._folder_path(folder)}
        return summary

    def list_projects(self, tags: list[str], include_location: bool) -> list[Doc]:
        wanted = set(tags)
        return [
            self._summary(p, include_location)
            for p in self._s["projects"].values()
            if not wanted or wanted & set(p["metadata"].get("tags") or [])
        ]

    def create_project(self, body: Any, folder_id: str | None) -> Doc:
        request = parse(ProjectCreate, body, "project creation request")
        folder = self._folder(folder_id or ROOT)
        key = request.projectKey
        if key in self._s["projects"]:
            raise IllegalArgument(f"Project {key} already exists")
        owner = request.owner or ADMIN["login"]
        permissions = request.permissions or []
        parse(ProjectPermissions, {"owner": owner, "permissions": permissions}, "project permissions")
        now = self._now_ms()
        project = {
            "projectKey": key,
            "folderId": folder["id"],
            "metadata": project_metadata(request.name, request.description, request.tags or []),
            "permissions": project_permissions(owner, _copy(permissions)),
            "variables": {"standard": {}, "local": {}},
            "settings": deep_merge(project_settings(), _copy(request.settings or {})),
            "tagDefinitions": {"tags": {}},
            "creationTag": version_tag(0, now),
            "versionTag": version_tag(0, now),
            **project_collections(),
        }
        self._s["projects"][key] = project
        folder["projectKeys"].append(key)
        return self._summary(project)

    def get_project(self, project_key: str) -> Doc:
        return self._summary(self._project(project_key))

    def delete_project(self, project_key: str, drop_data: bool) -> Doc:
        project = self._project(project_key)
        self._s["folders"][project["folderId"]]["projectKeys"].remove(project_key)
        del self._s["projects"][project_key]
        return self._future({"messages": [], "anyMessage": False, "success": True, "warning": False, "error": False})

    def _get_part(self, project_key: str, part: str) -> Doc:
        return _copy(self._project(project_key)[part])

    def _set_part(self, project_key: str, part: str, value: Doc) -> None:
        project = self._project(project_key)
        project[part] = _copy(value)
        self._bump(project)

    def get_project_metadata(self, project_key: str) -> Doc:
        return self._get_part(project_key, "metadata")

    def set_project_metadata(self, project_key: str, body: Any) -> None:
        self._project(project_key)
        metadata = parse(ObjectMetadata, body, "project metadata")
        body = _copy(body)
        if metadata.checklists is not None:
            body["checklists"] = self._stamp_checklists(body["checklists"])
        self._set_part(project_key, "metadata", body)

    def get_project_permissions(self, project_key: str) -> Doc:
        return self._get_part(project_key, "permissions")

    def set_project_permissions(self, project_key: str, body: Any) -> None:
        self._project(project_key)
        parse(ProjectPermissions, body, "project permissions")
        self._set_part(project_key, "permissions", body)

    def get_project_variables(self, project_key: str) -> Doc:
        return self._get_part(project_key, "variables")

    def set_project_variables(self, project_key: str, body: Any) -> None:
        self._project(project_key)
        parse(ProjectVariables, body, "project variables")
        variables = {**body, "standard": body.get("standard", {}), "local": body.get("local", {})}
        self._set_part(project_key, "variables", variables)

    def get_project_settings(self, project_key: str) -> Doc:
        return self._get_part(project_key, "settings")

    def set_project_settings(self, project_key: str, body: Any) -> None:
        self._project(project_key)
        if not isinstance(body, dict) or not isinstance(body.get("settings", {}), dict):
            raise IllegalArgument("Invalid project settings: expected a JSON object with a 'settings' object")
        exposed = body.get("exposedObjects", {"objects": []})
        if not isinstance(exposed, dict) or not isinstance(exposed.get("objects", []), list):
            raise IllegalArgument("Invalid project settings: exposedObjects.objects must be a list")
        self._set_part(project_key, "settings", body)

    def get_project_tags(self, project_key: str) -> Doc:
        return self._get_part(project_key, "tagDefinitions")

    def set_project_tags(self, project_key: str, body: Any) -> None:
        self._project(project_key)
        parse(TagDefinitions, body, "project tags")
        self._set_part(project_key, "tagDefinitions", body)
