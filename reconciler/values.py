"""Plain values every stage shares: unknowns, field-level differences, fingerprints, path walking.

The bottom of the engine: it imports nothing of reconciler but errors, so that load, refresh,
plan, apply and render can all speak of the same values without importing each other.

- ``Unknown``: a value known only after apply (a reference to a server-generated attribute);
  ``contains_unknown`` finds one at any depth; ``encode_value`` / ``decode_value`` give it a
  JSON form (``{"$unknown": "${type.name.attr}"}``).
- ``DiffItem`` / ``Diff``: one field-level difference, and a tuple of them.
- ``fingerprint``: a short stable hash of a live object's normalized form (stale-plan checks
  and drift); ``comparable`` says whether two fingerprints were computed alike.
- ``descend``: an attribute followed down a path of keys and list indexes (``${x.y.params.a}``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from reconciler.errors import ReferenceError_

UNKNOWN_KEY = "$unknown"
SENSITIVE_MASK = "(sensitive value)"


@dataclass(frozen=True)
class Unknown:
    """A value known only after apply (a reference to a server-generated attribute)."""

    expr: str

    def to_json(self) -> dict[str, str]:
        return {UNKNOWN_KEY: self.expr}

    def __str__(self) -> str:
        return "(known after apply)"


def contains_unknown(value: Any) -> bool:
    """Whether ``value`` is or holds (in dicts, lists, tuples) an ``Unknown``."""
    if isinstance(value, Unknown):
        return True
    if isinstance(value, dict):
        return any(contains_unknown(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(contains_unknown(v) for v in value)
    return False


def encode_value(value: Any) -> Any:
    """``value`` with every ``Unknown`` (at any depth) in its JSON form."""
    if isinstance(value, Unknown):
        return value.to_json()
    if isinstance(value, dict):
        return {k: encode_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [encode_value(v) for v in value]
    return value


def decode_value(value: Any) -> Any:
    """Inverse of ``encode_value``."""
    if isinstance(value, dict):
        if set(value) == {UNKNOWN_KEY}:
            return Unknown(value[UNKNOWN_KEY])
        return {k: decode_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decode_value(v) for v in value]
    return value


@dataclass(frozen=True)
class DiffItem:
    """One field-level difference. ``op`` is ``add`` | ``remove`` | ``change``.

    ``path`` is a tuple of keys / list indexes from the resource root; an element of a list
    diffed by identity appears as ``"[group=analysts]"`` and a set member as ``'["finance"]'``.
    """

    op: str
    path: tuple[str | int, ...]
    old: Any = None
    new: Any = None

    @property
    def top(self) -> str:
        return str(self.path[0]) if self.path else ""

    def path_str(self) -> str:
        out = ""
        for part in self.path:
            if isinstance(part, int):
                out += f"[{part}]"
            elif part.startswith("[") or not out:
                out += part
            else:
                out += f".{part}"
        return out

    def to_json(self) -> dict[str, Any]:
        return {"op": self.op, "path": list(self.path), "old": encode_value(self.old), "new": encode_value(self.new)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "DiffItem":
        return cls(data["op"], tuple(data["path"]), decode_value(data.get("old")), decode_value(data.get("new")))


Diff = tuple[DiffItem, ...]


class Normalizing(Protocol):
    """What ``fingerprint`` needs of a resource type."""

    detail_fields: frozenset[str]

    def normalize(self, attrs: Mapping[str, Any]) -> dict[str, Any]: ...


#: how the fingerprint of a type with ``detail_fields`` starts: it leaves them out, and names which
#: (three hex digits of their hash follow), so that one recorded with other fields left out (or
#: none: 20 hex digits) compares with none of these
DETAILS_LEFT_OUT = "~"


def fingerprint(rt: Normalizing, live: Mapping[str, Any] | None) -> str | None:
    """A short stable hash of ``live``'s normalized form, ``detail_fields`` left out (an object
    listed without them and one read whole fingerprint alike); None for no object."""
    if live is None:
        return None
    view = rt.normalize(live)
    if rt.detail_fields:
        view = {k: v for k, v in view.items() if k not in rt.detail_fields}
    text = json.dumps(view, sort_keys=True, default=str, separators=(",", ":"))
    digest = hashlib.sha256(text.encode()).hexdigest()
    if not rt.detail_fields:
        return digest[:20]
    left_out = hashlib.sha256(",".join(sorted(rt.detail_fields)).encode()).hexdigest()[:3]
    return DETAILS_LEFT_OUT + left_out + digest[:16]


def comparable(a: str | None, b: str | None) -> bool:
    """Whether fingerprints ``a`` and ``b`` were computed alike (the same fields left out)."""
    if a is None or b is None:
        return False
    if a.startswith(DETAILS_LEFT_OUT) or b.startswith(DETAILS_LEFT_OUT):
        return a[:4] == b[:4]
    return True


def descend(value: Any, target: object, attr: tuple[str, ...]) -> Any:
    """``value`` (the attribute ``attr[0]`` of ``target``) followed down ``attr[1:]`` (keys and
    list indexes); ``ReferenceError_`` naming ``target`` when the path does not exist."""
    for part in attr[1:]:
        if isinstance(value, Mapping) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            raise ReferenceError_(
                f"${{{target}.{'.'.join(attr)}}}: {target} has no attribute path {'.'.join(attr)}",
                address=str(target),
            )
    return value
