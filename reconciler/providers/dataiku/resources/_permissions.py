"""Permission lists of DSS objects (projects, folders, deployer objects) in spec vocabulary.

A permission list is a *set keyed by principal* (``group`` or ``user``) whose entries carry the
platform's flags; every flag is explicit after normalization. Values of another shape (a ``(known
after apply)`` marker at plan time) pass through untouched.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import model_validator

from reconciler.providers.models import Model

PRINCIPALS = ("group", "user")


class Principal(Model):
    """Base of permission entries: exactly one of ``group`` / ``user``."""

    group: str | None = None
    user: str | None = None

    @model_validator(mode="after")
    def _one_principal(self) -> "Principal":
        if (self.group is None) == (self.user is None):
            raise ValueError("give exactly one of group or user")
        return self


def principal(entry: Mapping[str, Any]) -> tuple[str, str]:
    """``("group", "analysts")`` or ``("user", "jdoe")``; ``("", "")`` for neither."""
    for kind in PRINCIPALS:
        if entry.get(kind) is not None:
            return (kind, str(entry[kind]))
    return ("", "")


def normalize_permissions(entries: Any, flags: Iterable[str]) -> Any:
    """Principal + every flag (missing -> False), unknown keys dropped; groups then users, by name."""
    if not isinstance(entries, list):
        return entries
    flags = tuple(flags)
    out: list[Any] = []
    for entry in entries:
        if not isinstance(entry, Mapping):
            out.append(entry)
            continue
        kind, name = principal(entry)
        item: dict[str, Any] = {kind: name} if kind else {}
        for flag in flags:
            value = entry.get(flag)
            item[flag] = False if value is None else value
        out.append(item)
    return sorted(out, key=_permission_order)


def _permission_order(entry: Any) -> tuple[int, str]:
    """Groups first, then users, each by name; malformed entries last."""
    if not isinstance(entry, Mapping):
        return (2, str(entry))
    kind, name = principal(entry)
    return (PRINCIPALS.index(kind) if kind else 2, name)


def live_permissions(entries: Any, flags: Iterable[str]) -> list[dict[str, Any]]:
    """The platform's permission list in spec vocabulary: principal + known flags only."""
    flags = tuple(flags)
    out = []
    for entry in entries or []:
        if isinstance(entry, Mapping):
            kind, name = principal(entry)
            if kind:
                out.append({kind: name, **{f: bool(entry.get(f, False)) for f in flags}})
    return normalize_permissions(out, flags)


def merge_permissions(live: Any, desired: Iterable[Mapping[str, Any]], flags: Iterable[str]) -> list[dict]:
    """The list to PUT: one entry per desired principal, every flag explicit.

    An entry for a principal the platform already has starts from the live entry, so keys we do
    not model (newer flags, ``type``...) survive. Principals not desired are dropped.
    """
    flags = tuple(flags)
    by_principal = {principal(e): e for e in live or [] if isinstance(e, Mapping)}
    out = []
    for want in desired:
        kind, name = principal(want)
        entry = dict(by_principal.get((kind, name), {}))
        for other in PRINCIPALS:
            entry.pop(other, None)
        entry[kind] = name
        entry.update({f: bool(want.get(f, False)) for f in flags})
        out.append(entry)
    return out

