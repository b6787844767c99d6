"""The response schemas of the DataRobot seed (``/work/shared/seeds/003_*.txt``, the API reference
flattened to text), parsed from their ``Properties`` and ``Enumerated Values`` tables, and a strict
validator: every required field present, every field of the documented type (``string``,
``string,null``, ``integer``, ``number``, ``boolean``, ``[X]`` arrays, a named schema), enums
respected, no field the schema does not document.

A schema section is a line holding only its name, then its JSON example (``{``), then
``Properties¶`` and a table ``Name | Type | Required | Restrictions | Description |`` whose rows
may wrap (a restriction on one line, the description on the next). Where the flattening lost a
row's name (``string,null | true | Email address of the owner.``), it is recovered from the
schema's JSON example: the one example key the table does not name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SEEDS = Path("/work/shared/seeds")
_ROW = re.compile(r"^([A-Za-z0-9_-]+) \| ([^|]+?) \| (true|false) \|")
_NAMELESS = re.compile(r"^([^|]+?) \| (true|false) \|")  # a row whose name the flattening lost
_EXAMPLE_KEY = re.compile(r'^"([A-Za-z0-9_-]+)":')
_ENUM = re.compile(r"^([A-Za-z0-9_-]+) \| \[(.*)\] \|")
_NAME = re.compile(r"^[A-Z][A-Za-z0-9]*$")


@dataclass
class Prop:
    type: str
    required: bool
    enum: tuple[str, ...] = ()


@dataclass
class Schema:
    name: str
    props: dict[str, Prop] = field(default_factory=dict)
    example_keys: list[str] = field(default_factory=list)
    nameless: list[Prop] = field(default_factory=list)


def seed_file() -> Path | None:
    found = sorted(SEEDS.glob("003_*.txt"))
    return found[0] if found else None


def load(path: Path) -> dict[str, Schema]:
    """Every schema the seed documents, by name."""
    lines = path.read_text().splitlines()
    schemas: dict[str, Schema] = {}
    current: Schema | None = None
    section = ""
    for i, line in enumerate(lines):
        if _NAME.match(line) and i + 1 < len(lines) and lines[i + 1].startswith(("{", "[", '"')):
            current = schemas.setdefault(line, Schema(line))
            section = ""
            continue
        if current is None:
            continue
        if section == "" and (m := _EXAMPLE_KEY.match(line)):
            current.example_keys.append(m.group(1))
        elif line.startswith("Properties"):
            section = "props"
        elif line.startswith("Enumerated Values"):
            section = "enum"
        elif section == "props" and (m := _ROW.match(line)):
            current.props[m.group(1)] = Prop(m.group(2).strip(), m.group(3) == "true")
        elif section == "props" and (m := _NAMELESS.match(line)):
            current.nameless.append(Prop(m.group(1).strip(), m.group(2) == "true"))
        elif section == "enum" and (m := _ENUM.match(line)):
            prop = current.props.get(m.group(1))
            if prop is not None:
                prop.enum = tuple(v.strip() for v in m.group(2).split(","))
        elif line.startswith(("GET /", "POST /", "PATCH /", "PUT /", "DELETE /")):
            current, section = None, ""
    for schema in schemas.values():
        unnamed = [k for k in schema.example_keys if k not in schema.props]
        if len(unnamed) == len(schema.nameless):
            schema.props.update(zip(unnamed, schema.nameless))
    return schemas


def check(schemas: dict[str, Schema], name: str, value: Any, where: str = "$") -> list[str]:
    """Every way ``value`` departs from schema ``name``: missing required fields, wrong types,
    values outside an enum, undocumented fields."""
    schema = schemas[name]
    if not isinstance(value, dict):
        return [f"{where}: expected an object ({name}), got {type(value).__name__}"]
    problems = [f"{where}.{k}: not in {name}" for k in value if k not in schema.props]
    for key, prop in schema.props.items():
        if key not in value:
            if prop.required:
                problems.append(f"{where}.{key}: required by {name}, missing")
            continue
        problems += _typed(schemas, prop, value[key], f"{where}.{key}")
    return problems


def _typed(schemas: dict[str, Schema], prop: Prop, value: Any, where: str) -> list[str]:
    kind = prop.type
    nullable = ",null" in kind
    base = re.sub(r"\(.*\)$", "", kind.replace(",null", "")).strip()
    if value is None:
        return [] if nullable else [f"{where}: null where {kind} is documented"]
    if base.startswith("[") and base.endswith("]"):
        if not isinstance(value, list):
            return [f"{where}: expected an array ({kind}), got {type(value).__name__}"]
        inner = Prop(base[1:-1], True, prop.enum)
        return [p for i, item in enumerate(value) for p in _typed(schemas, inner, item, f"{where}[{i}]")]
    if base in schemas:
        return check(schemas, base, value, where)
    expected = {"string": str, "integer": int, "number": (int, float), "boolean": bool}.get(base)
    if expected is None:
        return []  # a type the seed leaves open (object, any)
    if isinstance(value, bool) and base != "boolean" or not isinstance(value, expected):
        return [f"{where}: expected {kind}, got {type(value).__name__} {value!r}"]
    if prop.enum and isinstance(value, str) and value not in prop.enum:
        return [f"{where}: {value!r} is not one of {', '.join(prop.enum)}"]
    return []
