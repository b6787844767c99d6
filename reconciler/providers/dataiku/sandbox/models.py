"""The Dataiku DSS world in memory: project folders, projects (metadata, permissions,
variables, settings, tag definitions), datasets, connections and futures.

One method per API operation. Every method validates its whole input before changing
anything and raises ``errors.DSSError`` subclasses; it returns plain JSON-ready data that the
caller may keep (copies, never live state). No HTTP here.

State is one JSON-ready dict (so ``snapshot``/``restore`` are copies):

    connections  {name: connection}
    folders      {id: {id, parentId, childrenIds, projectKeys, settings}}     ROOT always present
    projects     {key: {projectKey, folderId, metadata, permissions, variables, settings,
                        tagDefinitions, creationTag, versionTag,
                        datasets: {name: {doc, metadataExtra}}}}
    futures      {jobId: future state}   (every task completes at once: hasResult true)
    idCounter    ids are drawn from random.Random(f"{seed}:{counter}"): stable given the seed
"""

from __future__ import annotations

import copy
import random
import string
import time
from collections.abc import Callable, Mapping
from typing import Any

from reconciler.providers.dataiku.sandbox import documents as docs
from reconciler.providers.dataiku.sandbox.errors import IllegalArgument, NotFound
from reconciler.providers.dataiku.sandbox.payloads import (
    DatasetDocument,
    DatasetSchema,
    FolderSettings,
    ManagedDatasetCreate,
    ObjectMetadata,
    ProjectCreate,
    ProjectPermissions,
    ProjectVariables,
    RenameDataset,
    TagDefinitions,
    parse,
)

ROOT = "ROOT"
_FOLDER_ID_ALPHABET = string.ascii_letters + string.digits
_FUTURE_ID_ALPHABET = string.ascii_lowercase + string.digits
_MAX_FUTURES = 1000
_STATE_KEYS = ("connections", "folders", "projects", "futures", "idCounter")

Doc = dict[str, Any]


def _copy(value: Any) -> Any:
    return copy.deepcopy(value)


class DataikuWorld:
    """An in-memory DSS design node with one user (``admin``) and seeded connections."""

    def __init__(self, seed: int = 0, clock: Callable[[], float] = time.time) -> None:
        self.seed = seed
        self._clock = clock
        self._s: dict[str, Any] = {}
        self.reset()

    # -- lifecycle ------------------------------------------------------------------------------
    def reset(self) -> None:
        self._s = {
            "connections": docs.seeded_connections(),
            "folders": {ROOT: self._folder_record(ROOT, None, docs.folder_settings(None))},
            "projects": {},
            "futures": {},
            "idCounter": 0,
        }

    def snapshot(self) -> dict[str, Any]:
        return _copy(self._s)

    def restore(self, data: Mapping[str, Any]) -> None:
        missing = [k for k in _STATE_KEYS if k not in data]
        if missing or ROOT not in data.get("folders", {}):
            raise ValueError(f"not a Dataiku sandbox snapshot (missing {missing or ['folders.ROOT']})")
        self._s = _copy(dict(data))

    # -- helpers --------------------------------------------------------------------------------
    def _now_ms(self) -> int:
        return int(self._clock() * 1000)

    def _new_id(self, length: int, alphabet: str, taken: Mapping[str, Any]) -> str:
        while True:
            self._s["idCounter"] += 1
            rng = random.Random(f"{self.seed}:{self._s['idCounter']}")
            candidate = "".join(rng.choice(alphabet) for _ in range(length))
            if candidate not in taken:
                return candidate

    def _bump(self, holder: Doc) -> None:
        tag = holder["versionTag"]
        holder["versionTag"] = docs.tag(tag["versionNumber"] + 1, self._now_ms())

    def _future(self, result: Any) -> Doc:
        futures = self._s["futures"]
        job_id = self._new_id(8, _FUTURE_ID_ALPHABET, futures)
        state = {"jobId": job_id, "hasResult": True, "result": result, "aborted": False, "alive": False,
                 "owner": docs.ADMIN["login"], "runningTime": 0, "progress": []}
        futures[job_id] = state
        while len(futures) > _MAX_FUTURES:
            futures.pop(next(iter(futures)))
        return _copy(state)

    # -- instance -------------------------------------------------------------------------------
    def auth_info(self, with_secrets: bool) -> Doc:
        return docs.auth_info(with_secrets)

    def instance_info(self) -> Doc:
        return docs.instance_info()

    def list_connections(self) -> dict[str, Doc]:
        return _copy(self._s["connections"])

    def get_connection(self, name: str) -> Doc:
        connection = self._s["connections"].get(name)
        if connection is None:
            raise NotFound(f"Connection {name} does not exist")
        return _copy(connection)

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
        folder_id = self._new_id(7, _FOLDER_ID_ALPHABET, self._s["folders"])
        self._s["folders"][folder_id] = self._folder_record(folder_id, parent_id, docs.folder_settings(name))
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

    # -- projects -------------------------------------------------------------------------------
    def _project(self, project_key: str) -> Doc:
        project = self._s["projects"].get(project_key)
        if project is None:
            raise NotFound(f"Project {project_key} does not exist")
        return project

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
        owner = request.owner or docs.ADMIN["login"]
        permissions = request.permissions or []
        parse(ProjectPermissions, {"owner": owner, "permissions": permissions}, "project permissions")
        now = self._now_ms()
        project = {
            "projectKey": key,
            "folderId": folder["id"],
            "metadata": docs.project_metadata(request.name, request.description, request.tags or []),
            "permissions": docs.project_permissions(owner, _copy(permissions)),
            "variables": {"standard": {}, "local": {}},
            "settings": docs.deep_merge(docs.project_settings(), _copy(request.settings or {})),
            "tagDefinitions": {"tags": {}},
            "creationTag": docs.tag(0, now),
            "versionTag": docs.tag(0, now),
            "datasets": {},
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
        parse(ObjectMetadata, body, "project metadata")
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

    # -- datasets -------------------------------------------------------------------------------
    def _dataset(self, project_key: str, name: str) -> Doc:
        record = self._project(project_key)["datasets"].get(name)
        if record is None:
            raise NotFound(f"Dataset {project_key}.{name} does not exist")
        return record

    @staticmethod
    def _dataset_doc(body: Doc) -> Doc:
        """Defaults, then the caller's fields (``None`` never erases a structural default)."""
        doc = docs.dataset_defaults()
        for key, value in body.items():
            if key in docs.DATASET_SERVER_OWNED:
                continue
            if value is None and isinstance(doc.get(key), (dict, list)):
                continue
            doc[key] = _copy(value)
        return doc

    def list_datasets(self, project_key: str, tags: list[str], foreign: bool) -> list[Doc]:
        project = self._project(project_key)
        found = [record["doc"] for record in project["datasets"].values()]
        if foreign:
            for other in self._s["projects"].values():
                if other is project:
                    continue
                for exposed in other["settings"].get("exposedObjects", {}).get("objects", []):
                    shared = exposed.get("type") == "DATASET" and any(
                        rule.get("targetProject") == project_key for rule in exposed.get("rules", [])
                    )
                    if shared and exposed.get("localName") in other["datasets"]:
                        found.append(other["datasets"][exposed["localName"]]["doc"])
        wanted = set(tags)
        return [_copy(d) for d in found if not wanted or wanted & set(d.get("tags") or [])]

    def _check_new_dataset(self, project: Doc, name: str) -> None:
        if name in project["datasets"]:
            raise IllegalArgument(f"Dataset {project['projectKey']}.{name} already exists")

    def _insert_dataset(self, project: Doc, doc: Doc) -> Doc:
        now = self._now_ms()
        doc.update(projectKey=project["projectKey"], creationTag=docs.tag(0, now), versionTag=docs.tag(0, now))
        project["datasets"][doc["name"]] = {"doc": doc, "metadataExtra": {}}
        return _copy(doc)

    def create_dataset(self, project_key: str, body: Any) -> Doc:
        project = self._project(project_key)
        request = parse(DatasetDocument, body, "dataset")
        if request.name is None:
            raise IllegalArgument("Invalid dataset: name: Field required")
        if request.projectKey not in (None, project_key):
            raise IllegalArgument(f"Dataset projectKey {request.projectKey} does not match project {project_key}")
        self._check_new_dataset(project, request.name)
        doc = self._dataset_doc(body)
        doc["name"] = request.name
        return self._insert_dataset(project, doc)

    def create_managed_dataset(self, project_key: str, body: Any) -> Doc:
        project = self._project(project_key)
        request = parse(ManagedDatasetCreate, body, "managed dataset creation request")
        settings = request.creationSettings
        connection = self._s["connections"].get(settings.connectionId)
        if connection is None:
            raise IllegalArgument(f"Connection {settings.connectionId} does not exist")
        if not connection.get("allowManagedDatasets"):
            raise IllegalArgument(f"Connection {settings.connectionId} does not allow managed datasets")
        format_option = settings.specificSettings.get("formatOptionId")
        if format_option is not None and format_option not in docs.FORMAT_OPTIONS:
            raise IllegalArgument(
                f"Unknown formatOptionId {format_option!r} (one of {', '.join(docs.FORMAT_OPTIONS)})"
            )
        partitioning = None
        if settings.partitioningOptionId:
            kind, _, source = settings.partitioningOptionId.partition(":dataset:")
            if kind != "copy" or source not in project["datasets"]:
                raise IllegalArgument(f"Invalid partitioningOptionId {settings.partitioningOptionId!r}")
            partitioning = _copy(project["datasets"][source]["doc"]["partitioning"])
        self._check_new_dataset(project, request.name)
        doc = self._dataset_doc(docs.managed_dataset_fields(project_key, request.name, connection, format_option))
        doc["name"] = request.name
        if partitioning is not None:
            doc["partitioning"] = partitioning
        return self._insert_dataset(project, doc)

    def get_dataset(self, project_key: str, name: str) -> Doc:
        return _copy(self._dataset(project_key, name)["doc"])

    def set_dataset(self, project_key: str, name: str, body: Any) -> None:
        record = self._dataset(project_key, name)
        parse(DatasetDocument, body, "dataset")
        old = record["doc"]
        doc = self._dataset_doc(body)
        doc.update(projectKey=project_key, name=name, creationTag=old["creationTag"], versionTag=old["versionTag"])
        record["doc"] = doc
        self._bump(doc)

    def delete_dataset(self, project_key: str, name: str, drop_data: bool) -> None:
        self._dataset(project_key, name)
        del self._s["projects"][project_key]["datasets"][name]

    def rename_dataset(self, project_key: str, body: Any) -> None:
        project = self._project(project_key)
        request = parse(RenameDataset, body, "dataset rename request")
        record = self._dataset(project_key, request.oldName)
        if request.newName == request.oldName:
            raise IllegalArgument(f"Dataset {project_key}.{request.oldName} is already named so")
        self._check_new_dataset(project, request.newName)
        del project["datasets"][request.oldName]
        record["doc"]["name"] = request.newName
        project["datasets"][request.newName] = record
        self._bump(record["doc"])

    def get_dataset_schema(self, project_key: str, name: str) -> Doc:
        return _copy(self._dataset(project_key, name)["doc"]["schema"])

    def set_dataset_schema(self, project_key: str, name: str, body: Any) -> None:
        record = self._dataset(project_key, name)
        parse(DatasetSchema, body, "dataset schema")
        record["doc"]["schema"] = _copy(body)
        self._bump(record["doc"])

    def get_dataset_metadata(self, project_key: str, name: str) -> Doc:
        record = self._dataset(project_key, name)
        return _copy(docs.metadata_of(record["doc"], record["metadataExtra"]))

    def set_dataset_metadata(self, project_key: str, name: str, body: Any) -> None:
        record = self._dataset(project_key, name)
        metadata = parse(ObjectMetadata, body, "dataset metadata")
        if not isinstance(metadata.custom.get("kv", {}), dict):
            raise IllegalArgument("Invalid dataset metadata: custom.kv must be an object")
        if metadata.checklists is not None and not isinstance(metadata.checklists.get("checklists", []), list):
            raise IllegalArgument("Invalid dataset metadata: checklists.checklists must be a list")
        doc = record["doc"]
        doc["description"] = metadata.description or ""
        doc["shortDesc"] = metadata.shortDesc or ""
        doc["tags"] = list(metadata.tags)
        doc["customFields"] = _copy(metadata.custom.get("kv", {}))
        if metadata.checklists is not None:
            doc["checklists"] = _copy(metadata.checklists)
        known = {"label", "description", "shortDesc", "tags", "custom", "checklists"}
        record["metadataExtra"] = {k: _copy(v) for k, v in body.items() if k not in known}
        self._bump(doc)

    # -- futures --------------------------------------------------------------------------------
    def list_futures(self) -> list[Doc]:
        return [_copy(f) for f in self._s["futures"].values() if not f["hasResult"]]

    def get_future(self, job_id: str) -> Doc:
        future = self._s["futures"].get(job_id)
        if future is None:
            raise NotFound(f"Future {job_id} does not exist")
        return _copy(future)

    def abort_future(self, job_id: str) -> None:
        self.get_future(job_id)
