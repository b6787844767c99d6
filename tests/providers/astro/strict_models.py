"""Strict validation of JSON documents against ``astro-platform-api`` 1.1.1's models.

The client's ``from_dict`` checks required keys and enums but keeps unknown keys (in
``additional_properties``) and takes any JSON type for ``str``/``int``/``bool`` fields. This
walker reads the same attrs models and checks more: every required key present, no key the model
does not declare (except on the free-form maps, which are models without fields), and each value
of the declared type (``datetime`` fields: RFC 3339 strings; enums: one of their values; no
``null`` unless the type allows ``None``). JSON keys come from each model's ``to_dict`` source.

One correction: an enum whose single value holds spaces (``PatternMatchEntityType`` is
``"DAG_ID TASK_ID"``, ``PatternMatchOperatorType`` ``"IS IS_NOT INCLUDES EXCLUDES"``) is read as
the space-separated list it stands for: the generator joined the published enum into one value,
which the client then cannot parse (see the emulator's ``models/alerting.py``).
"""

from __future__ import annotations

import datetime
import enum
import inspect
import re
import types
import typing
from functools import cache
from typing import Any

import attrs
from astro_platform_api_client import models as M
from astro_platform_api_client.types import Unset

_KEY = re.compile(r'(?:field_dict\["(\w+)"\] = (\w+))|(?:"(\w+)": (\w+),)')


@cache
def _keys(cls: type) -> dict[str, str]:
    """JSON key -> attribute name, from ``cls.to_dict``."""
    out: dict[str, str] = {}
    for m in _KEY.finditer(inspect.getsource(cls.to_dict)):
        key, attr = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
        out[key] = attr
    return out


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls, localns=vars(M))  # (globals: the class's own module)


def validate(model: type, doc: Any, path: str = "$") -> list[str]:
    """Every way ``doc`` breaks ``model`` (empty: it conforms)."""
    return _check(model, doc, path)


def _check(tp: Any, value: Any, path: str) -> list[str]:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(tp) if a is not Unset]
        if value is None and type(None) in options:
            return []
        options = [a for a in options if a is not type(None)]
        results = [_check(a, value, path) for a in options]
        return [] if any(not r for r in results) else min(results, key=len)
    if tp is Any:
        return []
    if value is None:
        return [f"{path}: null where {getattr(tp, '__name__', tp)} is expected"]
    if origin is list:
        if not isinstance(value, list):
            return [f"{path}: expected a list, got {type(value).__name__}"]
        (item,) = typing.get_args(tp)
        return [e for i, v in enumerate(value) for e in _check(item, v, f"{path}[{i}]")]
    if origin is dict:
        if not isinstance(value, dict):
            return [f"{path}: expected an object, got {type(value).__name__}"]
        return [e for k, v in value.items() for e in _check(typing.get_args(tp)[1], v, f"{path}.{k}")]
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        allowed = [m.value for m in tp]
        if len(allowed) == 1 and " " in allowed[0]:
            allowed = allowed[0].split()
        return [] if value in allowed else [f"{path}: {value!r} is not one of {allowed}"]
    if tp is datetime.datetime:
        if not isinstance(value, str):
            return [f"{path}: expected an RFC 3339 string, got {type(value).__name__}"]
        try:
            datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return [f"{path}: {value!r} is not an RFC 3339 time"]
        return []
    if tp is bool:
        return [] if isinstance(value, bool) else [f"{path}: expected a boolean, got {value!r}"]
    if tp is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
        return [] if ok else [f"{path}: expected an integer, got {value!r}"]
    if tp is float:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        return [] if ok else [f"{path}: expected a number, got {value!r}"]
    if tp is str:
        return [] if isinstance(value, str) else [f"{path}: expected a string, got {value!r}"]
    if attrs.has(tp):
        return _check_model(tp, value, path)
    raise TypeError(f"{path}: no rule for type {tp!r}")


def _check_model(cls: type, value: Any, path: str) -> list[str]:
    if not isinstance(value, dict):
        return [f"{path}: expected a {cls.__name__} object, got {type(value).__name__}"]
    hints = _hints(cls)
    fields = [f for f in attrs.fields(cls) if f.name != "additional_properties"]
    if not fields:  # a free-form map (headers, labels, connection extra)
        return _check(hints["additional_properties"], value, path)
    keys = _keys(cls)
    errors = [f"{path}: unknown key {k!r} (not in {cls.__name__})" for k in value if k not in keys]
    required = {f.name for f in fields if f.default is attrs.NOTHING}
    for key, attr in keys.items():
        if key not in value:
            if attr in required:
                errors.append(f"{path}: missing required key {key!r} of {cls.__name__}")
            continue
        errors += _check(hints[attr], value[key], f"{path}.{key}")
    return errors
