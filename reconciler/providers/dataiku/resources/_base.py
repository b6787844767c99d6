"""What the Dataiku resource types share: the base class, DSS's last-modified stamps, permission
sets, and the recipes a delete takes along.

Live views may carry ``last_modified = {"by": login, "on": ISO-8601}`` (from the object's
``versionTag``): ``last_modified()`` reports it for drift and ``normalize`` drops it, so it never
shows in a diff or a fingerprint. ``local_fields`` are spec options used at create / update /
delete time only (``drop_data_on_destroy``, ``run_after_apply``...): ``normalize`` drops them too.

Permission lists are *sets keyed by principal* (``group`` or ``user``) whose entries carry platform
flags; every flag is explicit after normalization. Values of another shape (a ``(known after
apply)`` marker at plan time) pass through untouched.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from typing import Any, ClassVar

from pydantic import model_validator

from reconciler.providers.base import Collateral, Live, ResourceType
from reconciler.providers.common import join_id, or_none
from reconciler.providers.dataiku.client import DataikuClient
from reconciler.providers.models import Model

MODIFIED = "last_modified"
PRINCIPALS = ("group", "user")


def modified(tag: Any) -> dict[str, Any] | None:
    """``versionTag`` -> ``{"by": login, "on": ISO-8601 UTC}`` (None when DSS gave none)."""
    if not isinstance(tag, Mapping):
        return None
    who = (tag.get("lastModifiedBy") or {}).get("login")
    when = tag.get("lastModifiedOn")
    iso = (datetime.fromtimestamp(when / 1000, tz=timezone.utc).isoformat(timespec="seconds")
           if isinstance(when, (int, float)) and when > 0 else None)
    return {"by": who, "on": iso} if who or iso else None


def recipes_using(client: DataikuClient, project: str, ref: str) -> list[Collateral]:
    """The project's recipes that read or write ``ref`` (a dataset name or managed folder id)."""
    out = []
    for recipe in or_none(lambda: client.list_recipes(project)) or []:
        refs = [item.get("ref") for side in ("inputs", "outputs")
                for role in (recipe.get(side) or {}).values() if isinstance(role, Mapping)
                for item in role.get("items", []) if isinstance(item, Mapping)]
        if ref in refs:
            name = recipe.get("name", "?")
            out.append(Collateral("dataiku_recipe", join_id(project, name), f"recipe {project}.{name}"))
    return out


class DataikuResource(ResourceType):
    """Base of the Dataiku resource types: last-modified stamps and never-compared options."""

    #: spec options used when acting, never compared (dropped by ``normalize``)
    local_fields: ClassVar[frozenset[str]] = frozenset()

    client: DataikuClient

    def last_modified(self, live: Live) -> tuple[str | None, str | None] | None:
        stamp = live.get(MODIFIED) if isinstance(live, Mapping) else None
        if not isinstance(stamp, Mapping):
            return None
        return stamp.get("by"), stamp.get("on")

    def normalize(self, attrs: Mapping[str, Any]) -> dict[str, Any]:
        out = {k: v for k, v in attrs.items() if k not in self.local_fields and k != MODIFIED}
        return self.normalize_fields(out)

    def normalize_fields(self, attrs: dict[str, Any]) -> dict[str, Any]:
        """Type-specific normalization of the compared fields (override)."""
        return attrs


# -- permission sets ---------------------------------------------------------------------------
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

