"""Typed variables: declarations, the values given from outside the specs, and their checks.

Owns: reading a ``variables:`` entry as a declaration (``type``, ``default``, ``description``,
``sensitive``, ``validation``) or as a plain default (``stage: prod``), the type language
(``string``, ``number``, ``bool``, ``list``, ``map``, ``any``, ``list(T)``, ``map(T)``), gathering the
values given from outside (``RECONCILER_VAR_NAME``, ``--var-file FILE``, ``--var NAME=VALUE``, in
that order of precedence, the last one winning; a stack's values, ``spec.stacks``, rank below
all three), converting text to a declared type, and saying
what is wrong naming where the value came from. It never shows a sensitive value.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from reconciler.errors import Location, SpecError, SpecValidationError
from reconciler.spec.functions import is_number, kind

ENV_PREFIX = "RECONCILER_VAR_"
DECLARATION_KEYS = ("type", "default", "description", "sensitive", "validation")
VALIDATION_KEYS = ("condition", "message")
TYPES = "string, number, bool, list, map, any, list(<type>) or map(<type>)"
_TYPE_RE = re.compile(r"^\s*(?:(?P<outer>list|map)\s*\(\s*(?P<inner>.+?)\s*\)|(?P<simple>string|number|bool|list|map|any))\s*$")
HIDDEN = "(sensitive value)"


@dataclass(frozen=True)
class VarType:
    """A variable's type: ``kind`` is ``string|number|bool|list|map|any``; ``item`` for lists / maps."""

    kind: str
    item: "VarType | None" = None

    def __str__(self) -> str:
        if self.item is not None and self.item.kind != "any":
            return f"{self.kind}({self.item})"
        return self.kind

    def describe(self) -> str:
        names = {"string": "a string", "number": "a number", "bool": "true or false", "any": "any value",
                 "list": "a list", "map": "a map"}
        text = names[self.kind]
        if self.item is not None and self.item.kind != "any":
            inner = self.item.describe().removeprefix("a ").removeprefix("an ")
            text += f" of {inner}s" if self.item.kind in ("string", "number", "list", "map") else f" of ({inner})"
        return text


ANY = VarType("any")


def parse_type(text: Any) -> VarType:
    """``list(string)`` → ``VarType("list", VarType("string"))``; ``ValueError`` saying what is allowed."""
    if not isinstance(text, str) or not (m := _TYPE_RE.match(text)):
        raise ValueError(f"type {text!r} is not a type; allowed: {TYPES}")
    if m["simple"]:
        return VarType(m["simple"], ANY if m["simple"] in ("list", "map") else None)
    return VarType(m["outer"], parse_type(m["inner"]))


def conforms(value: Any, vtype: VarType) -> bool:
    """Whether ``value`` (plain data) is of ``vtype``."""
    k = vtype.kind
    if value is None or k == "any":
        return True
    if k == "string":
        return isinstance(value, str)
    if k == "number":
        return is_number(value)
    if k == "bool":
        return isinstance(value, bool)
    if k == "list":
        return isinstance(value, list) and all(conforms(v, vtype.item or ANY) for v in value)
    return isinstance(value, dict) and all(conforms(v, vtype.item or ANY) for v in value.values())


def from_text(text: str, vtype: VarType) -> Any:
    """A value given as text (``--var``, an environment variable) as ``vtype``: a number or bool
    parsed, a list or map read as YAML / JSON flow text (``[a, b]``, ``{"k": "v"}``); ``ValueError``."""
    k = vtype.kind
    if k in ("string", "any"):
        return text
    if k == "number":
        try:
            return int(text)
        except ValueError:
            try:
                return float(text)
            except ValueError:
                raise ValueError(f"expected a number, got {text!r}") from None
    if k == "bool":
        if text in ("true", "false"):
            return text == "true"
        raise ValueError(f"expected true or false, got {text!r}")
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        raise ValueError(f"expected {vtype.describe()} written as YAML or JSON (e.g. [a, b] or {{k: v}}), "
                         f"got {text!r}") from None


@dataclass(frozen=True)
class Validation:
    """One rule: ``condition`` (a ``${...}`` text over ``var.NAME``) and its ``message``."""

    condition: Any
    message: str
    location: Location


@dataclass
class Declaration:
    """A declared variable. ``default`` is meaningful when ``has_default``."""

    name: str
    location: Location
    vtype: VarType = ANY
    default: Any = None
    has_default: bool = False
    description: str = ""
    sensitive: bool = False
    validations: list[Validation] = field(default_factory=list)


@dataclass(frozen=True)
class Given:
    """A value given from outside the specs: ``source`` says where (for messages); ``text`` when
    it came as text to be converted to the declared type."""

    name: str
    value: Any
    source: str
    text: bool
    location: Location | None = None


def is_declaration(value: Any) -> bool:
    """A ``variables:`` entry is a declaration when it is a mapping whose keys are all declaration
    keys and include ``type`` or ``default`` (otherwise it is a plain default value)."""
    return (isinstance(value, dict) and bool(value) and set(value) <= set(DECLARATION_KEYS)
            and bool({"type", "default", "description"} & set(value)))


def given_values(var_args: Sequence[str], var_files: Sequence[str], env: Mapping[str, str]) -> list[Given]:
    """Every value given from outside, lowest precedence first: environment, files, ``--var``.
    Raises ``SpecError`` for a malformed ``--var`` or an unreadable / malformed file."""
    out = [Given(key.removeprefix(ENV_PREFIX), value, f"environment variable {key}", True)
           for key, value in sorted(env.items()) if key.startswith(ENV_PREFIX) and len(key) > len(ENV_PREFIX)]
    for file in var_files:
        out.extend(_file_values(file))
    for arg in var_args:
        name, sep, value = arg.partition("=")
        if not sep or not name.strip():
            raise SpecValidationError(f"--var {arg!r}: expected NAME=VALUE", hint="e.g. --var stage=prod")
        out.append(Given(name.strip(), value, f"--var {name.strip()}", True))
    return out


def _file_values(file: str) -> list[Given]:
    from reconciler.spec.yamlsource import parse_document  # (the one YAML reader)

    path = Path(file)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SpecError(f"--var-file {file}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(f"--var-file {file}: cannot read it: {getattr(exc, 'strerror', None) or exc}") from None
    doc, problems = parse_document(file, text)
    if problems:
        raise problems[0]
    if doc.data is None:
        return []
    if not isinstance(doc.data, dict):
        raise SpecValidationError(f"a variable file must be a mapping of NAME: value, got {kind(doc.data)}",
                                  location=doc.location_of(()))
    return [Given(name, value, f"--var-file {file}", False, doc.location_of((name,)))
            for name, value in doc.data.items()]


def show(value: Any, sensitive: bool) -> str:
    """A value for a message (never a sensitive one)."""
    if sensitive:
        return HIDDEN
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 60 else text[:57] + "..."
