"""Request payloads of the flow: recipes, managed folders, scenarios and wiki articles.

Same rules as ``payloads``: the models only check a body (types, required fields, name rules);
the world stores the caller's JSON, so unknown fields round-trip.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import Field, field_validator, model_validator

from reconciler.providers.dataiku.sandbox.payloads.projects import OBJECT_NAME_RE, _Payload

#: recipe types the sandbox knows (code, then visual); ``CustomCode_*`` plugin recipes also pass
CODE_RECIPE_TYPES = frozenset({"python", "r", "sql_script", "sql_query", "shell", "pyspark", "sparkr",
                               "spark_scala", "spark_sql_query", "hive", "impala", "julia"})
VISUAL_RECIPE_TYPES = frozenset({"sync", "grouping", "join", "fuzzyjoin", "geojoin", "shaker", "prepare", "sort",
                                 "distinct", "window", "topn", "vstack", "split", "sampling", "pivot", "upsert",
                                 "download", "export", "generate_features", "csync"})
SCENARIO_TYPES = ("step_based", "custom_python")
#: scenario and step ids: letters, digits, underscores (DSS derives them from names that way)
SCENARIO_ID_RE = re.compile(r"^[A-Za-z0-9_]+$")


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


# -- scenarios --------------------------------------------------------------------------------
class ScenarioStep(_Payload):
    id: str | None = None
    name: str | None = None
    type: str = Field(min_length=1)
    params: dict[str, Any] = {}


class ScenarioTrigger(_Payload):
    id: str | None = None
    type: str = Field(min_length=1)
    active: bool = True
    params: dict[str, Any] = {}


class ScenarioParams(_Payload):
    steps: list[ScenarioStep] = []


class ScenarioDocument(_Payload):
    """A scenario as POSTed (``id`` optional: derived from the name) or PUT."""

    id: str | None = None
    name: str = Field(min_length=1)
    type: str = "step_based"
    active: bool = False
    params: ScenarioParams = ScenarioParams()
    triggers: list[ScenarioTrigger] = []
    reporters: list[dict[str, Any]] = []
    tags: list[str] = []

    @field_validator("id")
    @classmethod
    def _id(cls, value: str | None) -> str | None:
        if value is not None and not SCENARIO_ID_RE.match(value):
            raise ValueError(f"scenario id {value!r} must match [A-Za-z0-9_]+")
        return value

    @field_validator("type")
    @classmethod
    def _type(cls, value: str) -> str:
        if value not in SCENARIO_TYPES:
            raise ValueError(f"scenario type must be one of {', '.join(SCENARIO_TYPES)}")
        return value


class ScenarioLight(_Payload):
    """``PUT /scenarios/{id}/light``: only these fields may change."""

    active: bool | None = None
    description: str | None = None
    shortDesc: str | None = None
    tags: list[str] | None = None


class ScenarioPayload(_Payload):
    script: str


# -- wiki -------------------------------------------------------------------------------------
class TaxonomyNode(_Payload):
    id: str = Field(min_length=1)
    children: list["TaxonomyNode"] = []


class WikiSettings(_Payload):
    homeArticleId: str | None = None
    taxonomy: list[TaxonomyNode] = []


class ArticleCreate(_Payload):
    """Client form ``{projectKey, name, parent}``; seed form ``{projectKey, id, parent}``."""

    projectKey: str | None = None
    name: str | None = None
    id: str | None = None
    parent: str | None = None

    @model_validator(mode="after")
    def _named(self) -> "ArticleCreate":
        name = self.name if self.name is not None else self.id
        if name is None or not name.strip():
            raise ValueError("an article needs a name")
        return self


class ArticleMetadata(_Payload):
    name: str = Field(min_length=1)
    tags: list[str] = []


class ArticleWithPayload(_Payload):
    article: ArticleMetadata
    payload: str | None = None
