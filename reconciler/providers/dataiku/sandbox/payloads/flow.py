"""The flow: recipes and managed folders, their request bodies and the documents a new one starts
with (recipe params and payload, managed folder document).

Every nested key the official client indexes into is present (``partitioning.dimensions``,
``params.envSelection``...). The rules that are inferred rather than documented are listed in
COVERAGE.md.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import Field, field_validator, model_validator

from reconciler.providers.dataiku.sandbox.payloads.common import OBJECT_NAME_RE, _Payload, taggable_defaults

Doc = dict[str, Any]

#: recipe types the sandbox knows (code, then visual); ``CustomCode_*`` plugin recipes also pass
CODE_RECIPE_TYPES = frozenset({"python", "r", "sql_script", "sql_query", "shell", "pyspark", "sparkr",
                               "spark_scala", "spark_sql_query", "hive", "impala", "julia"})
VISUAL_RECIPE_TYPES = frozenset({"sync", "grouping", "join", "fuzzyjoin", "geojoin", "shaker", "prepare", "sort",
                                 "distinct", "window", "topn", "vstack", "split", "sampling", "pivot", "upsert",
                                 "download", "export", "generate_features", "csync"})


def _object_name(value: str | None, what: str) -> str | None:
    if value is not None and not OBJECT_NAME_RE.match(value):
        raise ValueError(f"{what} {value!r} must match [A-Za-z0-9_]+")
    return value


# -- recipes ----------------------------------------------------------------------------------
class RoleItem(_Payload):
    ref: str = Field(min_length=1)


class Role(_Payload):
    items: list[RoleItem] = []


class RecipeDocument(_Payload):
    """The ``recipe`` part of a recipe (prototype on create, definition on update)."""

    projectKey: str | None = None
    name: str | None = None
    type: str = Field(min_length=1)
    params: dict[str, Any] | None = None
    inputs: dict[str, Role] = {}
    outputs: dict[str, Role] = {}
    tags: list[str] = []

    @field_validator("name")
    @classmethod
    def _name(cls, value: str | None) -> str | None:
        return _object_name(value, "recipe name")

    @field_validator("type")
    @classmethod
    def _type(cls, value: str) -> str:
        if value not in CODE_RECIPE_TYPES | VISUAL_RECIPE_TYPES and not value.startswith("CustomCode_"):
            known = ", ".join(sorted(CODE_RECIPE_TYPES | VISUAL_RECIPE_TYPES))
            raise ValueError(f"unknown recipe type {value!r} (one of {known}, or CustomCode_<plugin>)")
        return value

    @model_validator(mode="after")
    def _has_output(self) -> "RecipeDocument":
        if not any(role.items for role in self.outputs.values()):
            raise ValueError("a recipe needs at least one output")
        return self


class RecipeCreate(_Payload):
    recipePrototype: RecipeDocument
    creationSettings: dict[str, Any] = {}


class RecipeSettings(_Payload):
    """``PUT /recipes/{name}``: the ``{recipe, payload}`` wrapper the GET returned."""

    recipe: RecipeDocument
    payload: str | None = None


class RenameObject(_Payload):
    """``renameRecipe`` ``{oldName, newName}``."""

    oldName: str = Field(min_length=1)
    newName: str

    @field_validator("newName")
    @classmethod
    def _name(cls, value: str) -> str:
        return _object_name(value, "recipe name") or value


#: recipe types whose params hold a code env selection
_ENV_TYPES = {"python": "PYTHON", "pyspark": "PYTHON", "r": "R", "sparkr": "R"}


def recipe_params(recipe_type: str) -> Doc:
    """The params DSS gives a new recipe of ``recipe_type`` (engine and env selection)."""
    params: Doc = {"containerSelection": {"containerMode": "INHERIT"}}
    if recipe_type in _ENV_TYPES:
        params["envSelection"] = {"envMode": "INHERIT"}
    if recipe_type not in CODE_RECIPE_TYPES:
        params = {"engineParams": {}, "forcedEngine": None}
    return params


def recipe_payload(recipe_type: str, creation_settings: Doc) -> str:
    """The payload a new recipe starts with: the script given, else an empty one."""
    for key in ("script", "payload", "rawPayload"):
        value = creation_settings.get(key)
        if isinstance(value, str):
            return value
    if recipe_type == "grouping" and isinstance(creation_settings.get("groupKey"), str):
        return json.dumps({"keys": [{"column": creation_settings["groupKey"]}], "values": []})
    return "" if recipe_type in CODE_RECIPE_TYPES else "{}"


def normalize_roles(roles: Doc, outputs: bool) -> Doc:
    """``{role: {items: [...]}}`` with ``deps`` on inputs and ``appendMode`` on outputs filled in."""
    out = {}
    for role, value in roles.items():
        items = []
        for item in value.get("items", []):
            item = dict(item)
            if outputs:
                item.setdefault("appendMode", False)
            else:
                item.setdefault("deps", [])
            items.append(item)
        out[role] = {**value, "items": items}
    return out


# -- managed folders --------------------------------------------------------------------------
class FolderParams(_Payload):
    connection: str = Field(min_length=1)
    path: str | None = None


class ManagedFolderDocument(_Payload):
    """A managed folder as POSTed (client form ``params``; seed form top-level ``path``) or PUT."""

    name: str
    projectKey: str | None = None
    type: str | None = None
    params: FolderParams | None = None
    path: str | None = None
    tags: list[str] = []

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("a managed folder name cannot be blank")
        return value


class RenameManagedFolder(_Payload):
    id: str = Field(min_length=1)
    newName: str

    @field_validator("newName")
    @classmethod
    def _name(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("the new name cannot be made of whitespaces only")
        return value


DEFAULT_FOLDER_PATH = "/${projectKey}/${odbId}"


def managed_folder_doc(project_key: str, folder_id: str, name: str, folder_type: str, params: Doc) -> Doc:
    return {
        "projectKey": project_key,
        "id": folder_id,
        "name": name,
        "type": folder_type,
        "params": params,
        "partitioning": {"ignoreNonMatchingFile": False, "considerMissingRequestedPartitionsAsEmpty": False,
                         "dimensions": []},
        "flowOptions": {"virtualizable": False, "rebuildBehavior": "NORMAL"},
        "metrics": {"probes": [], "engineConfig": {}, "displayedState": {"columns": [], "metrics": []}},
        **taggable_defaults(),
    }
