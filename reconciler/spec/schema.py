"""The JSON Schema (draft 2020-12) of a spec file, for editor completion (``reconciler schema``).

Built from the registry: each provider's settings model, each resource type's spec model plus
the reserved ``depends_on`` / ``lifecycle`` keys. Any field may also hold a whole-string
``${...}`` interpolation, whatever its type, so that editors do not flag ``tags: ${var.tags}``.
"""

from __future__ import annotations

import copy
import re
from typing import Any, Mapping

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from reconciler.addresses import _NAME, ADDRESS_RE  # noqa: PLC2701 - one definition of a name
from reconciler.providers.base import ProviderSpec
from reconciler.spec.interpolate import FORMS
from reconciler.spec.validate import spec_keys

DIALECT = "https://json-schema.org/draft/2020-12/schema"
_INTERPOLATION = "#/$defs/interpolation"
#: the address pattern without Python-only named groups (JSON Schema patterns are ECMA 262)
ADDRESS_PATTERN = re.sub(r"\(\?P<\w+>", "(", ADDRESS_RE.pattern)


def address_pattern(type_name: str) -> str:
    """The ``patternProperties`` key for resources of ``type_name``."""
    return f"^{re.escape(type_name)}\\.{_NAME}$"


def json_schema(registry: Mapping[str, ProviderSpec]) -> dict[str, Any]:
    """The schema of one spec file. Deterministic: same registry, same output."""
    models: list[type[BaseModel]] = []
    for provider in registry.values():
        models.append(provider.settings_model)
        models.extend(rt.spec_model for rt in provider.resource_types.values())
    models = list(dict.fromkeys(models))
    refs, top = models_json_schema([(m, "validation") for m in models])
    defs: dict[str, Any] = top.get("$defs", {})
    for d in defs.values():
        _allow_interpolation(d)

    def inline(model: type[BaseModel]) -> dict[str, Any]:
        entry = refs[(model, "validation")]
        ref = entry.get("$ref", "")
        return copy.deepcopy(defs[ref.rsplit("/", 1)[1]] if ref.startswith("#/$defs/") else entry)

    providers = {}
    for name in sorted(registry):
        schema = inline(registry[name].settings_model)
        schema.setdefault("description", f"settings of the {name} provider; each falls back to its env var")
        providers[name] = schema
    resources = {}
    for provider in sorted(registry):
        for type_name, rt in sorted(registry[provider].resource_types.items()):
            schema = inline(rt.spec_model)
            schema.setdefault("type", "object")
            schema["additionalProperties"] = False
            props = schema.setdefault("properties", {})
            props["depends_on"] = {
                "type": "array",
                "description": "addresses this resource must be applied after",
                "items": {"type": "string", "pattern": ADDRESS_PATTERN},
                "uniqueItems": True,
            }
            props["lifecycle"] = _lifecycle(spec_keys(rt.spec_model), create_first=rt.unique_key is None and not rt.data_source)
            props["for_each"] = {
                "description": "one instance per key (a map) or per string (a list), addressed "
                               "<type>.<name>[\"key\"]; each.key and each.value are usable in the block",
                "anyOf": [{"type": "object"}, {"type": "array", "items": {"type": "string"}, "uniqueItems": True},
                          {"$ref": _INTERPOLATION}],
            }
            if rt.description:
                schema["description"] = rt.description
            schema["title"] = type_name
            resources[address_pattern(type_name)] = schema
    defs["variable"] = {
        "type": "object",
        "description": "a variable declaration",
        "properties": {
            "type": {"type": "string", "description": "string, number, bool, list, map, any, list(<type>) or "
                                                      "map(<type>)"},
            "default": {"description": "the value when none is given; no default: a value must be given"},
            "description": {"type": "string"},
            "sensitive": {"type": "boolean", "description": "never printed or stored; usable only in sensitive "
                                                            "fields, provider settings and the backend block"},
            "validation": {"type": "array", "items": {
                "type": "object", "required": ["condition"], "additionalProperties": False,
                "properties": {"condition": {"type": "string", "description": "a ${...} expression of var.NAME"},
                               "message": {"type": "string"}}}},
        },
        "additionalProperties": False,
    }
    defs["interpolation"] = {
        "type": "string",
        "pattern": r"^\$\{.+\}$",
        "description": f"a value given by interpolation: {FORMS}",
    }
    return {
        "$schema": DIALECT,
        "title": "reconciler spec file",
        "description": "providers, variables, locals, resources, modules, outputs and backend; every *.yaml under "
                       "the specs directory is merged (except the files of a directory a module block uses)",
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "providers": {"type": ["object", "null"], "properties": providers, "additionalProperties": False},
            "variables": {
                "type": ["object", "null"],
                "description": "variables for ${var.NAME}: a plain default value, or a declaration with type, "
                               "default, description, sensitive and validation; values also come from "
                               "RECONCILER_VAR_NAME, --var-file and --var",
                "additionalProperties": {"anyOf": [{"$ref": "#/$defs/variable"}, {}]},
                "propertyNames": {"pattern": r"^[A-Za-z_][A-Za-z0-9_-]*$"},
            },
            "locals": {
                "type": ["object", "null"],
                "description": "named values for ${local.NAME}: any value, with ${...} expressions of variables, "
                               "other locals and functions (no resource references)",
                "propertyNames": {"pattern": r"^[A-Za-z_][A-Za-z0-9_-]*$"},
            },
            "resources": {
                "type": ["object", "null"],
                "description": "resources by address <type>.<name>",
                "patternProperties": resources,
                "additionalProperties": False,
            },
            "modules": {
                "type": ["object", "null"],
                "description": "module blocks by name: each loads a directory of spec files (its own variables are "
                               "its inputs, its outputs are read as ${module.NAME.OUTPUT}); its resources are "
                               "addressed module.NAME[KEY].<type>.<name>. A module declares no providers or backend",
                "propertyNames": {"pattern": r"^[A-Za-z_][A-Za-z0-9_-]*$"},
                "additionalProperties": {
                    "type": "object",
                    "required": ["source"],
                    "properties": {
                        "source": {"type": "string",
                                   "description": "the module's directory, relative to this file (./modules/team)"},
                        "for_each": {"description": "a map or a list of distinct strings: one module instance per "
                                                    "key, module.NAME[\"key\"]; each.key and each.value in inputs"},
                    },
                    "additionalProperties": {"description": "an input: a variable the module declares; any value, "
                                                            "${...} may reference resources and other modules' outputs"},
                },
            },
            "outputs": {
                "type": ["object", "null"],
                "description": "named values recorded in state by apply and printed by `reconciler output`",
                "propertyNames": {"pattern": r"^[A-Za-z_][A-Za-z0-9_-]*$"},
                "additionalProperties": {
                    "type": "object",
                    "required": ["value"],
                    "additionalProperties": False,
                    "properties": {
                        "value": {"description": "any value; ${...} may reference resources, locals and variables"},
                        "description": {"type": "string"},
                        "sensitive": {"type": "boolean", "description": "store only a keyed hash; never printed"},
                    },
                },
            },
            "backend": copy.deepcopy(BACKEND),
        },
        "$defs": defs,
    }


BACKEND: dict[str, Any] = {
    "type": ["object", "null"],
    "description": "where the state lives (--state and RECONCILER_STATE win over this block)",
    "properties": {
        "url": {"type": "string", "description": "a postgresql:// URL (password in PGPASSWORD or ~/.pgpass) "
                "or a state file path; may use ${env:NAME}"},
        "name": {"type": "string", "description": "the named state in the PostgreSQL database (default: default)"},
    },
    "required": ["url"],
    "additionalProperties": False,
}


def _lifecycle(fields: list[str], *, create_first: bool = True) -> dict[str, Any]:
    """The ``lifecycle:`` block; ``create_before_destroy`` only where the type allows it."""
    schema = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "prevent_destroy": {"type": "boolean", "description": "refuse to delete this resource"},
            "allow_destroy": {"type": "boolean",
                              "description": "opt in to deleting a kind whose deletion needs one (e.g. users)"},
            "create_before_destroy": {"type": "boolean",
                                      "description": "replace by creating the new object first, then deleting the "
                                                     "old one (refused for types whose natural key is unique)"},
            "replace_triggered_by": {
                "type": "array",
                "description": "addresses (or address.attribute) whose change or replacement replaces this one",
                "items": {"type": "string"},
            },
            "ignore_changes": {
                "type": "array",
                "description": "fields whose differences are ignored",
                "items": {"enum": fields},
            },
        },
    }
    if not create_first:
        del schema["properties"]["create_before_destroy"]
    return schema


_KEEP_OUTSIDE = ("title", "description", "default", "examples", "deprecated")


def _allow_interpolation(schema: dict[str, Any]) -> None:
    """Let every field value (at any depth) also be a whole-string ``${...}``, in place."""
    for key in ("properties", "patternProperties"):
        for name, sub in list(schema.get(key, {}).items()):
            schema[key][name] = _wrapped(sub)
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), dict):
            schema[key] = _wrapped(schema[key])
    for key in ("anyOf", "oneOf", "allOf", "prefixItems"):
        for sub in schema.get(key, []):
            if isinstance(sub, dict):
                _allow_interpolation(sub)


def _wrapped(sub: dict[str, Any]) -> dict[str, Any]:
    _allow_interpolation(sub)
    if sub.get("type") == "string" or not sub:
        return sub
    outer = {k: sub.pop(k) for k in _KEEP_OUTSIDE if k in sub}
    return outer | {"anyOf": [sub, {"$ref": _INTERPOLATION}]}

