"""``dataiku_recipe``: a transformation of the flow, code (python, sql, r, shell...) or visual.

Id ``"<project>.<name>"``; natural key (project, name); ``project``, ``name`` and ``type`` are
create-only (DSS cannot change a recipe's type). One platform document, the ``{recipe,
payload}`` wrapper of ``GET/PUT /projects/{k}/recipes/{name}``, read-modify-written when a
field changed; keys we do not manage (engine settings, partition dependencies, ``versionTag``...)
go back untouched.

    spec field                  platform
    inputs / outputs            recipe.inputs / recipe.outputs: {role: {items: [{ref, ...}]}}
    payload / payload_file      payload (the code; for visual recipes a JSON object)
    params                      recipe.params (compared as a whole)
    code_env                    recipe.params.envSelection ({envMode: EXPLICIT_ENV, envName} or INHERIT)
    description, short_description, tags   recipe.description / shortDesc / tags

``inputs`` / ``outputs`` take a list (the ``main`` role) or ``{role: [refs]}``; a ref is a
dataset name (``PROJECT.name`` for a foreign one) or a managed folder id, usually written as a
reference (``${dataiku_dataset.orders.name}``, ``${dataiku_managed_folder.models.id}``), which
also orders the apply. An output may be ``{ref, appendMode}``; other item keys (an input's
partition ``deps``...) are not compared and keep what DSS has.
``payload_file`` is read from a file relative to the specs root (see ``_files``); the plan shows
a code change as a unified diff.

The project's recipe list lacks the code: ``list(project)`` reads each listed recipe, and a read
by id is that one GET alone (no ``container_of``). A create or an update answers with the
document its read-modify-write ended with.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, ClassVar, Iterable

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from reconciler.errors import ProviderError
from reconciler.providers.base import CreatedButFailed, Live, Spec
from reconciler.providers.common import as_set, fan_out, join_id, or_none, split_id, text
from reconciler.providers.dataiku.resources import _files
from reconciler.providers.dataiku.resources._base import MODIFIED, DataikuResource, modified
from reconciler.providers.models import Model
from reconciler.values import contains_unknown as _unknown

NAME_PATTERN = r"^[A-Za-z0-9_]+$"
CODE_TYPES = frozenset({"python", "r", "sql_script", "sql_query", "shell", "pyspark", "sparkr", "spark_scala",
                        "spark_sql_query", "hive", "impala", "julia"})
VISUAL_TYPES = frozenset({"sync", "grouping", "join", "fuzzyjoin", "geojoin", "shaker", "prepare", "sort", "distinct",
                          "window", "topn", "vstack", "split", "sampling", "pivot", "upsert", "download", "export",
                          "generate_features", "csync"})
#: recipe types whose params select a code env
ENV_TYPES = frozenset({"python", "pyspark", "r", "sparkr"})
DOC_FIELDS = ("inputs", "outputs", "params", "code_env", "description", "short_description", "tags")
#: keys of an input / output item that are compared; others (partition ``deps``...) are kept as DSS has them
COMPARED_ITEM_KEYS = ("ref", "appendMode")


class RecipeRef(Model):
    """One input or output in platform keys; other item keys (``deps``...) stay as DSS has them."""

    model_config = ConfigDict(extra="forbid")

    ref: str = Field(description="dataset name (PROJECT.name if foreign) or managed folder id")
    appendMode: bool | None = Field(None, description="outputs: append instead of overwrite (default false)")


RoleItems = list[str | RecipeRef]


class RecipeSpec(Model):
    """A recipe of the flow."""

    model_config = ConfigDict(extra="forbid")

    project: str = Field(description="key of the project holding it, usually ${dataiku_project.<name>.key}")
    name: str = Field(pattern=NAME_PATTERN, description="recipe name, unique in the project (letters, digits, _)")
    type: str = Field(description="python, sql_script, sql_query, r, shell, pyspark... or a visual type (sync, "
                                  "grouping, join, prepare, sort, distinct...); changing it replaces the recipe")
    inputs: RoleItems | dict[str, RoleItems] = Field(
        default_factory=dict, description="refs read: a list (role main) or {role: [refs]}; order is kept")
    outputs: RoleItems | dict[str, RoleItems] = Field(
        default_factory=dict, description="refs written: a list (role main) or {role: [refs]}; at least one")
    payload: str | dict[str, Any] | None = Field(
        None, description="the code (or a visual recipe's settings object); or give payload_file")
    payload_file: str | None = Field(
        None, description="file holding the payload, relative to the specs directory")
    params: dict[str, Any] | None = Field(None, description="recipe params in platform keys; compared as a whole")
    code_env: str | None = Field(None, description="code env name (python / r recipes); null inherits the project's")
    description: str | None = Field("", description="long description (Markdown)")
    short_description: str | None = Field("", description="one-line summary")
    tags: list[str] = Field(default_factory=list, description="tags (a set: order does not matter)")

    @field_validator("type")
    @classmethod
    def _known_type(cls, value: str) -> str:
        if value not in CODE_TYPES | VISUAL_TYPES and not value.startswith("CustomCode_"):
            raise ValueError(f"unknown recipe type; one of {', '.join(sorted(CODE_TYPES | VISUAL_TYPES))} "
                             "or CustomCode_<plugin recipe>")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> "RecipeSpec":
        if self.payload is not None and self.payload_file is not None:
            raise ValueError("give payload or payload_file, not both")
        if self.code_env is not None and self.type not in ENV_TYPES:
            raise ValueError(f"code_env applies to {', '.join(sorted(ENV_TYPES))} recipes, not {self.type}")
        if self.code_env is not None and "envSelection" in (self.params or {}):
            raise ValueError("give code_env or params.envSelection, not both")
        if isinstance(self.payload, dict) and self.type in CODE_TYPES:
            raise ValueError(f"the payload of a {self.type} recipe is code (a string), not an object")
        if not roles(self.outputs, outputs=True):
            raise ValueError("a recipe needs at least one output")
        return self


# -- pure helpers ---------------------------------------------------------------------------------
def _item(item: Any, outputs: bool) -> Any:
    if isinstance(item, BaseModel):
        item = item.model_dump()
    if isinstance(item, str):
        item = {"ref": item}
    if not isinstance(item, Mapping):
        return item
    out = {k: v for k, v in item.items() if v is not None and k in COMPARED_ITEM_KEYS}
    if outputs:
        out.setdefault("appendMode", False)
    else:
        out.pop("appendMode", None)
    return out


def roles(value: Any, *, outputs: bool) -> Any:
    """Spec or live roles -> ``{role: [{ref, ...}]}`` with empty roles dropped; others untouched."""
    if value is None:
        return {}
    if isinstance(value, list):
        value = {"main": value}
    if not isinstance(value, Mapping):
        return value
    out = {}
    for role, items in value.items():
        if isinstance(items, list):
            if items:
                out[role] = [_item(i, outputs) for i in items]
        else:
            out[role] = items
    return out


def _live_roles(doc: Any, outputs: bool) -> dict[str, Any]:
    if not isinstance(doc, Mapping):
        return {}
    return roles({role: value.get("items", []) for role, value in doc.items() if isinstance(value, Mapping)},
                 outputs=outputs)


def _merge_roles(live: Any, desired: Mapping[str, list[Mapping[str, Any]]]) -> dict[str, Any]:
    """Desired roles in platform form; an item keeps the live item's extra keys (by ref)."""
    live = live if isinstance(live, Mapping) else {}
    out = {}
    for role, items in desired.items():
        have = live.get(role) if isinstance(live.get(role), Mapping) else {}
        by_ref = {i.get("ref"): i for i in have.get("items", []) if isinstance(i, Mapping)}
        out[role] = {**have, "items": [{**by_ref.get(i["ref"], {}), **i} for i in items]}
    return out


def payload_value(raw: Any, recipe_type: Any) -> Any:
    """A visual recipe's JSON payload compares as an object; code stays text (``\\r\\n`` as ``\\n``)."""
    if isinstance(raw, str):
        raw = raw.replace("\r\n", "\n")
        if recipe_type in VISUAL_TYPES or (isinstance(recipe_type, str) and recipe_type.startswith("CustomCode_")
                                           and raw.lstrip().startswith("{")):
            try:
                parsed = json.loads(raw) if raw.strip() else {}
            except ValueError:
                return raw
            return parsed if isinstance(parsed, dict) else raw
    return raw


def _code_text(spec: Mapping[str, Any]) -> str | None:
    """The payload to send: inline text, a visual settings object as JSON, or the file's text."""
    if isinstance(spec.get("payload"), Mapping):
        return json.dumps(spec["payload"], indent=2, sort_keys=True)
    return _files.text_of(dict(spec), "payload", "payload_file")


def _env_selection(code_env: str | None) -> dict[str, Any]:
    return {"envMode": "EXPLICIT_ENV", "envName": code_env} if code_env else {"envMode": "INHERIT"}


def _code_env(params: Any) -> str | None:
    selection = params.get("envSelection") if isinstance(params, Mapping) else None
    if isinstance(selection, Mapping) and selection.get("envMode") == "EXPLICIT_ENV":
        return selection.get("envName")
    return None


class Recipe(DataikuResource):
    type_name: ClassVar[str] = "dataiku_recipe"
    spec_model: ClassVar[type[BaseModel]] = RecipeSpec
    description: ClassVar[str] = "A recipe (inputs, outputs, code or visual settings, params, code env)"
    natural_key: ClassVar[tuple[str, ...]] = ("project", "name")
    unique_key: ClassVar[str | None] = "a Dataiku recipe name is unique in its project"
    create_only: ClassVar[frozenset[str]] = frozenset({"project", "name", "type"})
    delete_note: ClassVar[str | None] = "its output datasets and folders stay (with their data)"
    ref_fields: ClassVar[Mapping[str, str]] = {"project": "dataiku_project.key"}

    container: ClassVar[str | None] = "project"

    def read(self, object_id: str) -> Live | None:
        project, name = split_id(object_id, "recipe")
        doc = or_none(lambda: self.client.get_recipe(project, name))
        return _live(project, doc) if doc is not None else None

    def list(self, container: str | None) -> Iterable[tuple[str, Live]]:
        """Each recipe of the project, read (the list lacks the code)."""
        listed = or_none(lambda: self.client.list_recipes(str(container))) or []
        names = [str(r["name"]) for r in listed if r.get("name")]
        found = fan_out(lambda name: self.read(join_id(str(container), name)), names)
        return [(live["id"], live) for live in found if live is not None]

    def export_view(self, live: Live) -> Live:
        """The code inline (``payload``, not ``payload_file``); a code env as ``code_env`` only."""
        out = {k: v for k, v in live.items() if k != "payload_file"}
        if out.get("type") not in ENV_TYPES:
            out.pop("code_env", None)
        elif out.get("code_env") is not None and isinstance(out.get("params"), Mapping):
            out["params"] = {k: v for k, v in out["params"].items() if k != "envSelection"}
        return out

    def create(self, spec: Spec) -> tuple[str, Live]:
        want = RecipeSpec.model_validate(spec)
        code = _code_text(spec)
        prototype = {"name": want.name, "type": want.type,
                     "inputs": _merge_roles({}, roles(want.inputs, outputs=False)),
                     "outputs": _merge_roles({}, roles(want.outputs, outputs=True))}
        settings = {"script": code} if code is not None and want.type in CODE_TYPES else {}
        name = self.client.create_recipe(want.project, prototype, settings)
        new_id = join_id(want.project, name)
        try:
            return new_id, _live(want.project, self._save(want.project, name, spec, set(spec)))
        except ProviderError as exc:
            raise CreatedButFailed(new_id, exc) from exc

    def update(self, object_id: str, live: Live, spec: Spec, changed: frozenset[str]) -> Live:
        project, name = split_id(object_id, "recipe")
        return _live(project, self._save(project, name, spec, set(changed) & set(spec)))

    def delete(self, object_id: str, *, attrs: Mapping[str, Any] | None = None) -> None:
        project, name = split_id(object_id, "recipe")
        or_none(lambda: self.client.delete_recipe(project, name))

    def normalize_fields(self, out: dict[str, Any]) -> dict[str, Any]:
        kind = out.get("type")
        for side in ("inputs", "outputs"):
            if side in out:
                out[side] = roles(out[side], outputs=side == "outputs")
        if "payload" in out:
            out["payload"] = payload_value(out["payload"], kind)
        if "payload_file" in out:
            out["payload_file"] = payload_value(_files.comparable(out["payload_file"]), kind)
        if "params" in out and out["params"] is None:
            out["params"] = {}
        if isinstance(out.get("params"), Mapping) and "code_env" in out and not _unknown(out["code_env"]):
            out["params"] = {**out["params"], "envSelection": _env_selection(out["code_env"])}
        for f in ("description", "short_description"):
            if f in out:
                out[f] = text(out[f])
        if "tags" in out:
            out["tags"] = as_set(out["tags"])
        return out

    # -- read-modify-write of the {recipe, payload} document ---------------------------------
    def _save(self, project: str, name: str, spec: Spec, fields: set[str]) -> dict[str, Any]:
        """The ``{recipe, payload}`` document with ``fields`` of ``spec`` written (PUT only if it
        changed), as it is now."""
        payload_fields = fields & {"payload", "payload_file"}
        doc_fields = [f for f in DOC_FIELDS if f in fields]
        code = _code_text(spec) if payload_fields else None
        doc = self.client.get_recipe(project, name)
        recipe = dict(doc.get("recipe") or {})
        for f in doc_fields:
            value = spec[f]
            if f in ("inputs", "outputs"):
                recipe[f] = _merge_roles(recipe.get(f), roles(value, outputs=f == "outputs"))
            elif f == "params":
                if value is not None:
                    recipe["params"] = dict(value)
            elif f == "code_env":
                recipe["params"] = {**(recipe.get("params") or {}), "envSelection": _env_selection(value)}
            elif f == "tags":
                recipe["tags"] = as_set(value)
            else:
                recipe["description" if f == "description" else "shortDesc"] = text(value)
        new = {**doc, "recipe": recipe}
        if code is not None:
            new["payload"] = code
        if new != doc:
            self.client.put_recipe(project, name, new)
        return new


def _live(project: str, doc: Mapping[str, Any]) -> Live:
    """The live view of a ``{recipe, payload}`` document."""
    recipe = doc.get("recipe") or {}
    name = str(recipe.get("name"))
    raw = doc.get("payload") if isinstance(doc.get("payload"), str) else ""
    return {
        "id": join_id(project, name),
        "project": recipe.get("projectKey") or project,
        "name": name,
        "type": recipe.get("type"),
        "inputs": _live_roles(recipe.get("inputs"), outputs=False),
        "outputs": _live_roles(recipe.get("outputs"), outputs=True),
        "payload": payload_value(raw, recipe.get("type")),
        "payload_file": _files.LiveText(raw),
        "params": recipe.get("params") or {},
        "code_env": _code_env(recipe.get("params")),
        "description": text(recipe.get("description")),
        "short_description": text(recipe.get("shortDesc")),
        "tags": as_set(recipe.get("tags")),
        MODIFIED: modified(recipe.get("versionTag")),
    }
