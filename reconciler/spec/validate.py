"""Checking a body against a pydantic model, with messages a user can act on.

Owns: running the model, mapping pydantic's error locations back to the user's data, and
wording each error (``field 'tags': expected a list of strings, got 'finance'``). It never
shows a value that came from the environment or a sensitive field.
"""

from __future__ import annotations

import difflib
import enum
import types
import typing
from dataclasses import dataclass
from typing import Any, Iterable

from pydantic import BaseModel, ValidationError

AttrPath = tuple[Any, ...]
HIDDEN = "(hidden value)"


@dataclass(frozen=True)
class Issue:
    """One problem in a body: where (``path`` into the data), what, and what to do."""

    path: AttrPath
    message: str
    hint: str | None = None


def spec_keys(model: type[BaseModel]) -> list[str]:
    """The keys a spec body may use for ``model``, in declaration order (aliases win)."""
    keys = []
    for name, info in model.model_fields.items():
        alias = info.validation_alias if isinstance(info.validation_alias, str) else info.alias
        keys.append(alias or name)
    return keys


def path_str(path: AttrPath) -> str:
    """``("permissions", 0, "group")`` -> ``permissions[0].group``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def check(
    model: type[BaseModel],
    data: Any,
    *,
    skip: Iterable[AttrPath] = (),
    hide: Iterable[AttrPath] = (),
    ignore_types: frozenset[str] = frozenset(),
) -> list[Issue]:
    """Validate ``data`` with ``model``; return the issues (none when valid).

    Errors at or under a path in ``skip`` are dropped (values not known yet, e.g. references);
    values at or under a path in ``hide`` are never shown; pydantic error types in
    ``ignore_types`` are dropped (``missing`` for provider settings that fall back to env vars).
    """
    try:
        model.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
    else:
        return []
    skip, hide = list(skip), list(hide)
    issues: dict[AttrPath, list[Issue]] = {}
    seen_union: set[AttrPath] = set()
    for err in errors:
        if err["type"] in ignore_types:
            continue
        path, exact = _data_path(data, err["loc"], err["type"])
        if any(_under(path, s) for s in skip):
            continue
        if not exact:  # one error per union member: report the field once
            if path in seen_union:
                continue
            seen_union.add(path)
        # hidden when the value shown is, or contains, a hidden one (an error about a whole block
        # would otherwise print the secrets inside it)
        hidden = any(_under(path, h) or _under(h, path) for h in hide)
        issues.setdefault(path, []).append(_issue(model, path, err, exact, hidden))
    return [i for group in issues.values() for i in group]


def _under(path: AttrPath, prefix: AttrPath) -> bool:
    return path[: len(prefix)] == tuple(prefix)


def _data_path(data: Any, loc: tuple, err_type: str) -> tuple[AttrPath, bool]:
    """Map pydantic's ``loc`` onto keys/indexes that exist in ``data``; False if any were tags."""
    cur, out, exact = data, [], True
    for i, el in enumerate(loc):
        if isinstance(cur, dict) and el in cur:
            out.append(el)
            cur = cur[el]
        elif isinstance(cur, list) and isinstance(el, int) and 0 <= el < len(cur):
            out.append(el)
            cur = cur[el]
        elif err_type == "missing" and i == len(loc) - 1 and isinstance(cur, dict):
            out.append(el)
        else:
            exact = False  # a union member's tag ('str', 'list[str]'...) or a function wrapper
    return tuple(out), exact


def _issue(model: type[BaseModel], path: AttrPath, err: dict, exact: bool, hidden: bool) -> Issue:
    kind, msg = err["type"], err["msg"]
    where = f"field '{path_str(path)}'" if path else "the body"
    got = HIDDEN if hidden else _show(err.get("input"))
    annotation = annotation_at(model, path)
    if kind == "extra_forbidden":
        parent = _model_of(annotation_at(model, path[:-1]))
        allowed = spec_keys(parent) if parent else []
        text = f"{where} is not allowed"
        if allowed:
            text += f"; allowed fields: {', '.join(allowed)}"
        close = difflib.get_close_matches(str(path[-1]), allowed, n=1)
        return Issue(path, text, f"did you mean '{close[0]}'?" if close else None)
    if kind == "missing":
        expected = describe(annotation)
        return Issue(path, f"{where} is required" + (f" ({expected})" if expected else ""))
    expected = describe(annotation)
    if kind.endswith(("_type", "_parsing")) or kind in ("literal_error", "enum") or not exact:
        if not expected:
            expected = msg.removeprefix("Input should be ") if msg.startswith("Input should be ") else "another value"
        return Issue(path, f"{where}: expected {expected}, got {got}")
    if msg.startswith("Input should be "):
        return Issue(path, f"{where}: expected {msg.removeprefix('Input should be ')}, got {got}")
    msg = msg.removeprefix("Value error, ").removeprefix("Assertion failed, ")
    return Issue(path, f"{where}: {msg[:1].lower()}{msg[1:]}, got {got}")


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


# -- reading annotations --------------------------------------------------------------------------


def _unwrap(annotation: Any) -> Any:
    """Strip ``Annotated`` and ``Optional``."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
            continue
        if origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(args) == 1:
                annotation = args[0]
                continue
        return annotation


def _model_of(annotation: Any) -> type[BaseModel] | None:
    annotation = _unwrap(annotation)
    return annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None


def annotation_at(model: type[BaseModel], path: AttrPath) -> Any:
    """The annotation of the value at ``path`` under ``model``, or None if it cannot be told."""
    annotation: Any = model
    for el in path:
        annotation = _unwrap(annotation)
        origin = typing.get_origin(annotation)
        args = typing.get_args(annotation)
        sub = _model_of(annotation)
        if sub is not None and isinstance(el, str):
            field = next((f for n, f in sub.model_fields.items() if el in (n, f.alias, f.validation_alias)), None)
            if field is None:
                return None
            annotation = field.annotation
        elif origin in (list, set, frozenset, tuple, typing.Sequence) and isinstance(el, int) and args:
            annotation = args[0]
        elif origin in (dict, typing.Mapping) and len(args) == 2:
            annotation = args[1]
        else:
            return None
    return annotation


_NAMES = {str: ("a string", "strings"), int: ("an integer", "integers"), float: ("a number", "numbers"),
          bool: ("true or false", "booleans")}


def describe(annotation: Any, plural: bool = False) -> str | None:
    """Say what a value of ``annotation`` looks like: ``a list of strings``; None if unsure."""
    if annotation is None:
        return None
    annotation = _unwrap(annotation)
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if annotation in _NAMES:
        return _NAMES[annotation][plural]
    if origin is typing.Literal:
        return "one of " + ", ".join(repr(a) for a in args)
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return "one of " + ", ".join(repr(m.value) for m in annotation)
    if _model_of(annotation) is not None or origin in (dict, typing.Mapping) or annotation is dict:
        return "mappings" if plural else "a mapping"
    if origin in (list, set, frozenset, tuple, typing.Sequence) or annotation is list:
        inner = describe(args[0], plural=True) if args else None
        text = f"a list of {inner}" if inner else "a list"
        if inner and inner.startswith("one of"):
            text = f"a list of values, each {inner}"
        return "lists" if plural else text
    if origin in (typing.Union, types.UnionType):
        parts = [describe(a, plural) for a in args if a is not type(None)]
        return " or ".join(parts) if all(parts) else None
    return None
