"""A small validator of JSON values against the OpenAPI 3.0 schemas of Lightdash's published spec
(``/work/shared/reference/lightdash/openapi-subset-*.json``, or the copy the tests find), for the
emulator's conformance tests. It knows what tsoa generates: ``$ref``, ``allOf``, ``anyOf``,
``oneOf``, ``nullable``, ``enum``, ``type``, ``properties``, ``required``, ``items`` and
``additionalProperties``; an empty schema (``AnyType``) takes anything. ``format`` is not checked.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

REFERENCE = Path("/work/shared/reference/lightdash")
SPECS = ("openapi-subset-v0.1471.0.json", "openapi-subset-v0.1788.2.json")
METHODS = ("get", "post", "put", "patch", "delete")


@lru_cache(maxsize=None)
def spec(name: str) -> dict[str, Any]:
    return json.loads((REFERENCE / name).read_text())


def available() -> bool:
    return all((REFERENCE / name).exists() for name in SPECS)


def shape(path: str) -> str:
    return re.sub(r"\{[^}]*\}", "{}", path)


def operation(method: str, pattern: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """(spec, operation) of the first published spec that has ``method pattern``, or None."""
    for name in SPECS:
        doc = spec(name)
        for path, ops in doc["paths"].items():
            if shape(path) == shape(pattern) and method.lower() in ops:
                return doc, ops[method.lower()]
    return None


def response_schema(doc: dict[str, Any], op: dict[str, Any], status: int) -> dict[str, Any] | None:
    responses = op.get("responses", {})
    chosen = responses.get(str(status)) or (responses.get("default") if status >= 400 else None)
    if chosen is None:
        return None
    return ((chosen.get("content") or {}).get("application/json") or {}).get("schema", {})


def _resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        extra = {k: v for k, v in schema.items() if k != "$ref"}
        schema = {**doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]], **extra}
    return schema


def _type_ok(kind: str, value: Any) -> bool:
    return {"object": isinstance(value, dict), "array": isinstance(value, list), "string": isinstance(value, str),
            "boolean": isinstance(value, bool),
            "number": isinstance(value, (int, float)) and not isinstance(value, bool),
            "integer": isinstance(value, int) and not isinstance(value, bool)}.get(kind, True)


def errors(doc: dict[str, Any], schema: dict[str, Any], value: Any, where: str = "$", *,
           optional: bool = False, nulls: list[str] | None = None) -> list[str]:
    """What in ``value`` does not conform to ``schema`` (empty: it conforms).

    ``null`` in an *optional* property the schema does not mark nullable is the schema's
    imprecision, not an error: tsoa writes TypeScript's ``description?: string`` as a non-nullable
    optional string, while Lightdash answers the database's ``null`` there. Such places are added
    to ``nulls`` (when given) so a test can count them."""
    schema = _resolve(doc, schema)
    if value is None and optional and not schema.get("nullable") and _constraining(schema):
        if nulls is not None:
            nulls.append(where)
        return []
    if value is None:
        if schema.get("nullable") or None in (schema.get("enum") or []) or not _constraining(schema):
            return []
        if "allOf" in schema and all(_resolve(doc, s).get("nullable") for s in schema["allOf"]):
            return []
        return [f"{where}: null where the schema allows none"]
    out: list[str] = []
    for sub in schema.get("allOf", []):
        out += errors(doc, sub, value, where, nulls=nulls)
    for key in ("anyOf", "oneOf"):
        if key in schema:
            tries = [errors(doc, sub, value, where, nulls=nulls) for sub in schema[key]]
            if all(tries):
                best = min(tries, key=len)
                out.append(f"{where}: matches none of {key} (closest: {'; '.join(best[:3])})")
    kind = schema.get("type")
    if kind and not _type_ok(kind, value):
        return out + [f"{where}: {type(value).__name__} is not {kind}"]
    if "enum" in schema and value not in schema["enum"]:
        out.append(f"{where}: {value!r} is not one of {schema['enum']}")
    if isinstance(value, dict) and (kind == "object" or "properties" in schema):
        for name in schema.get("required", []):
            if name not in value:
                out.append(f"{where}.{name}: required, missing")
        props = schema.get("properties", {})
        required = set(schema.get("required", []))
        extra = schema.get("additionalProperties")
        for name, item in value.items():
            if name in props:
                out += errors(doc, props[name], item, f"{where}.{name}", optional=name not in required, nulls=nulls)
            elif isinstance(extra, dict):
                out += errors(doc, extra, item, f"{where}.{name}", nulls=nulls)
    if isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            out += errors(doc, schema["items"], item, f"{where}[{index}]", nulls=nulls)
    return out


def _constraining(schema: dict[str, Any]) -> bool:
    return any(k in schema for k in ("type", "properties", "allOf", "anyOf", "oneOf", "enum", "items", "required"))
