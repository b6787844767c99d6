"""What the Dataiku resource types share: the base class, DSS's last-modified stamps and the
recipes a delete takes along.

Live views may carry ``last_modified = {"by": login, "on": ISO-8601}`` (from the object's
``versionTag``): ``last_modified()`` reports it for drift and ``normalize`` drops it, so it never
shows in a diff or a fingerprint. ``local_fields`` are spec options used at create / update /
delete time only (``drop_data_on_destroy``, ``run_after_apply``...): ``normalize`` drops them too.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any, ClassVar

from reconciler.providers.base import Collateral, Live, ResourceType
from reconciler.providers.common import join_id, or_none
from reconciler.providers.dataiku.client import DataikuClient

MODIFIED = "last_modified"


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
