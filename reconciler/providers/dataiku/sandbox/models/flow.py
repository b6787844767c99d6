"""The flow: recipes and managed folders, and the cascades between them and datasets.

State: ``projects[key]["recipes"] {name: {recipe, payload}}`` and
``projects[key]["managedFolders"] {id: doc}``. A recipe's inputs and outputs are refs to
datasets (``name``, or ``PROJECT.name`` for a foreign one) or managed folders (their id); every
ref must exist, and an object is the output of at most one recipe. Deleting a dataset or a
managed folder deletes the recipes that read or write it (seed L1542, L6724).
"""

from __future__ import annotations

import re
from typing import Any

from reconciler.providers.dataiku.sandbox.errors import IllegalArgument, NotFound
from reconciler.providers.dataiku.sandbox.models.core import Doc, WorldCore
from reconciler.providers.dataiku.sandbox.models.core import deep_copy as _copy
from reconciler.providers.dataiku.sandbox.payloads.common import ObjectMetadata, parse, taggable_defaults
from reconciler.providers.dataiku.sandbox.payloads.flow import (
    DEFAULT_FOLDER_PATH,
    ManagedFolderDocument,
    RecipeCreate,
    RecipeSettings,
    RenameManagedFolder,
    RenameObject,
    managed_folder_doc,
    normalize_roles,
    recipe_params,
    recipe_payload,
)

_FOLDER_ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
#: keys of a recipe or folder document a PUT cannot change
_SERVER_OWNED = ("projectKey", "versionTag", "creationTag")


def recipe_refs(recipe: Doc) -> tuple[list[str], list[str]]:
    """The refs a recipe reads and writes."""
    def refs(roles: Any) -> list[str]:
        if not isinstance(roles, dict):
            return []
        return [i.get("ref") for r in roles.values() if isinstance(r, dict)
                for i in r.get("items", []) if isinstance(i, dict) and i.get("ref")]

    return refs(recipe.get("inputs")), refs(recipe.get("outputs"))


def generated_recipe_name(recipe_type: str, outputs: list[str]) -> str:
    """The name DSS picks when the prototype has none: ``compute_<first output>`` (inferred)."""
    base = outputs[0].split(".")[-1] if outputs else recipe_type
    return "compute_" + re.sub(r"[^A-Za-z0-9_]", "_", base)


class FlowModel(WorldCore):
    """Recipes and managed folders of a project."""

    # -- references -----------------------------------------------------------------------------
    def _ref_exists(self, project: Doc, ref: str) -> bool:
        if ref in project["datasets"] or ref in project["managedFolders"]:
            return True
        other, dot, name = ref.partition(".")
        foreign = self._s["projects"].get(other) if dot else None
        return foreign is not None and name in foreign["datasets"]

    def _check_roles(self, project: Doc, recipe: Doc, name: str | None) -> None:
        """Every ref exists; outputs are local and not written by another recipe."""
        inputs, outputs = recipe_refs(recipe)
        for ref in inputs + outputs:
            if not self._ref_exists(project, ref):
                raise IllegalArgument(f"Recipe input or output {ref!r} is neither a dataset nor a managed folder "
                                      f"of project {project['projectKey']}")
        for ref in outputs:
            if "." in ref and ref not in project["datasets"]:
                raise IllegalArgument(f"Recipe output {ref!r} must belong to project {project['projectKey']}")
            for other_name, other in project["recipes"].items():
                if other_name != name and ref in recipe_refs(other["recipe"])[1]:
                    raise IllegalArgument(f"{ref} is already the output of recipe {other_name}")

    def _drop_recipes_using(self, project: Doc, ref: str) -> list[str]:
        doomed = [n for n, r in project["recipes"].items()
                  if ref in sum(recipe_refs(r["recipe"]), [])]
        for name in doomed:
            del project["recipes"][name]
        return doomed

    def _rename_refs(self, project: Doc, old: str, new: str) -> None:
        for record in project["recipes"].values():
            for side in ("inputs", "outputs"):
                for role in record["recipe"].get(side, {}).values():
                    for item in role.get("items", []):
                        if item.get("ref") == old:
                            item["ref"] = new

    # -- recipes --------------------------------------------------------------------------------
    def _recipe(self, project_key: str, name: str) -> Doc:
        record = self._project(project_key)["recipes"].get(name)
        if record is None:
            raise NotFound(f"Recipe {project_key}.{name} does not exist")
        return record

    def list_recipes(self, project_key: str) -> list[Doc]:
        return [_copy(r["recipe"]) for r in self._project(project_key)["recipes"].values()]

    def create_recipe(self, project_key: str, body: Any) -> Doc:
        project = self._project(project_key)
        request = parse(RecipeCreate, body, "recipe creation request")
        prototype = body["recipePrototype"]
        outputs = recipe_refs(prototype)[1]
        name = request.recipePrototype.name
        if name is None:
            base = generated_recipe_name(request.recipePrototype.type, outputs)
            name, suffix = base, 1
            while name in project["recipes"]:
                name, suffix = f"{base}_{suffix}", suffix + 1
        elif name in project["recipes"]:
            raise IllegalArgument(f"Recipe {project_key}.{name} already exists")
        if request.recipePrototype.projectKey not in (None, project_key):
            raise IllegalArgument(f"Recipe projectKey {request.recipePrototype.projectKey} does not match "
                                  f"project {project_key}")
        self._check_roles(project, prototype, name)
        creation, modified = self._tags()
        recipe = {**taggable_defaults(), **_copy(prototype)}
        recipe.update(projectKey=project_key, name=name, creationTag=creation, versionTag=modified,
                      params={**recipe_params(recipe["type"]), **(prototype.get("params") or {})},
                      inputs=normalize_roles(prototype.get("inputs", {}), outputs=False),
                      outputs=normalize_roles(prototype.get("outputs", {}), outputs=True))
        payload = recipe_payload(recipe["type"], body.get("creationSettings") or {})
        project["recipes"][name] = {"recipe": recipe, "payload": payload}
        return {"name": name, "msg": f"Created recipe {name}"}

    def get_recipe(self, project_key: str, name: str) -> Doc:
        return _copy(self._recipe(project_key, name))

    def set_recipe(self, project_key: str, name: str, body: Any) -> None:
        record = self._recipe(project_key, name)
        parse(RecipeSettings, body, "recipe settings")
        recipe = body["recipe"]
        if recipe["type"] != record["recipe"]["type"]:
            raise IllegalArgument(f"The type of recipe {name} cannot change ({record['recipe']['type']} -> "
                                  f"{recipe['type']}); create another recipe")
        self._check_roles(self._project(project_key), recipe, name)
        new = {k: _copy(v) for k, v in recipe.items() if k not in _SERVER_OWNED}
        new.update(projectKey=project_key, name=name, creationTag=record["recipe"]["creationTag"],
                   versionTag=record["recipe"]["versionTag"],
                   inputs=normalize_roles(recipe.get("inputs", {}), outputs=False),
                   outputs=normalize_roles(recipe.get("outputs", {}), outputs=True))
        record["recipe"] = new
        if body.get("payload") is not None:
            record["payload"] = body["payload"]
        self._bump(new)

    def delete_recipe(self, project_key: str, name: str) -> None:
        self._recipe(project_key, name)
        del self._project(project_key)["recipes"][name]

    def rename_recipe(self, project_key: str, body: Any) -> None:
        project = self._project(project_key)
        request = parse(RenameObject, body, "recipe rename request")
        record = self._recipe(project_key, request.oldName)
        if request.newName in project["recipes"]:
            raise IllegalArgument(f"Recipe {project_key}.{request.newName} already exists")
        del project["recipes"][request.oldName]
        record["recipe"]["name"] = request.newName
        project["recipes"][request.newName] = record
        self._bump(record["recipe"])

    def get_recipe_metadata(self, project_key: str, name: str) -> Doc:
        recipe = self._recipe(project_key, name)["recipe"]
        return {"label": name, "description": recipe.get("description", ""), "shortDesc": recipe.get("shortDesc", ""),
                "tags": list(recipe.get("tags", [])), "custom": {"kv": _copy(recipe.get("customFields", {}))},
                "checklists": _copy(recipe.get("checklists", {"checklists": []}))}

    def set_recipe_metadata(self, project_key: str, name: str, body: Any) -> None:
        record = self._recipe(project_key, name)
        metadata = parse(ObjectMetadata, body, "recipe metadata")
        recipe = record["recipe"]
        recipe.update(description=metadata.description or "", shortDesc=metadata.shortDesc or "",
                      tags=list(metadata.tags), customFields=_copy(body.get("custom", {}).get("kv", {})))
        if metadata.checklists is not None:
            recipe["checklists"] = self._stamp_checklists(body["checklists"])
        self._bump(recipe)

    # -- managed folders ------------------------------------------------------------------------
    def _managed_folder(self, project_key: str, folder_id: str) -> Doc:
        folder = self._project(project_key)["managedFolders"].get(folder_id)
        if folder is None:
            raise NotFound(f"Managed folder {project_key}.{folder_id} does not exist")
        return folder

    def _folder_connection(self, name: str) -> Doc:
        connection = self._s["connections"].get(name)
        if connection is None:
            raise IllegalArgument(f"Connection {name} does not exist")
        if not connection.get("allowManagedFolders"):
            raise IllegalArgument(f"Connection {name} does not allow managed folders")
        return connection

    def list_managed_folders(self, project_key: str) -> list[Doc]:
        return [_copy(f) for f in self._project(project_key)["managedFolders"].values()]

    def create_managed_folder(self, project_key: str, body: Any) -> Doc:
        project = self._project(project_key)
        request = parse(ManagedFolderDocument, body, "managed folder")
        if request.projectKey not in (None, project_key):
            raise IllegalArgument(f"Managed folder projectKey {request.projectKey} does not match {project_key}")
        params = _copy(body.get("params") or {"connection": "filesystem_folders"})
        if request.path is not None and "path" not in params:
            params["path"] = request.path
        params.setdefault("path", DEFAULT_FOLDER_PATH)
        connection = self._folder_connection(params["connection"])
        folder_id = self._new_id(8, _FOLDER_ID_ALPHABET, project["managedFolders"])
        doc = managed_folder_doc(project_key, folder_id, request.name, request.type or connection["type"], params)
        doc.update({k: _copy(v) for k, v in body.items()
                    if k not in ("id", "projectKey", "name", "type", "params", "path")})
        doc["creationTag"], doc["versionTag"] = self._tags()
        project["managedFolders"][folder_id] = doc
        return _copy(doc)

    def get_managed_folder(self, project_key: str, folder_id: str) -> Doc:
        return _copy(self._managed_folder(project_key, folder_id))

    def set_managed_folder(self, project_key: str, folder_id: str, body: Any) -> Doc:
        old = self._managed_folder(project_key, folder_id)
        request = parse(ManagedFolderDocument, body, "managed folder")
        params = body.get("params") or {}
        path = params.get("path", request.path)
        if path is not None and path != old["params"].get("path"):
            raise IllegalArgument("The path to the managed folder cannot be changed")
        connection = params.get("connection", old["params"]["connection"])
        self._folder_connection(connection)
        new = {k: _copy(v) for k, v in body.items() if k not in _SERVER_OWNED}
        new.update(id=folder_id, projectKey=project_key, creationTag=old["creationTag"],
                   versionTag=old["versionTag"], params={**_copy(params), "connection": connection,
                                                         "path": old["params"].get("path")})
        new.pop("path", None)
        self._project(project_key)["managedFolders"][folder_id] = new
        self._bump(new)
        return {"msg": f"Updated managed folder {folder_id}"}

    def delete_managed_folder(self, project_key: str, folder_id: str, drop_data: bool) -> None:
        """Delete the folder and the recipes that read or write it (seed L6724)."""
        self._managed_folder(project_key, folder_id)
        project = self._project(project_key)
        del project["managedFolders"][folder_id]
        self._drop_recipes_using(project, folder_id)

    def rename_managed_folder(self, project_key: str, body: Any) -> None:
        request = parse(RenameManagedFolder, body, "managed folder rename request")
        folder = self._managed_folder(project_key, request.id)
        folder["name"] = request.newName
        self._bump(folder)
