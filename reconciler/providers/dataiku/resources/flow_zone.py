"""``dataiku_flow_zone``: a zone of a project's flow, its name, colour and what it holds.

The zone id is DSS's (7 characters); the object id is ``<project>.<zone id>`` and the natural key
(project, name): DSS does not keep zone names unique, so an ambiguous name is refused by the
engine. ``GET /projects/{k}/flow/zones`` lists the zones whole (items included); the ``default``
zone, which holds whatever no other zone holds, is not a resource.

Writes follow ``dataikuapi`` 15.2 (``DSSFlowZone``): a create is ``POST …/flow/zones {name,
color}``; name and colour are saved with a PUT of the zone (``DSSFlowZoneSettings.save``);
``datasets``, ``recipes`` and ``folders`` (managed folder ids) are sets: the missing ones are
moved in with ``POST …/zones/{id}/add-items``, the ones no longer wanted are moved back to the
default zone the same way. DSS may move more objects along (the recipe writing a dataset moved
in); declare them too, or the next plan shows the difference. A delete moves the zone's objects
to the default zone.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Iterable

from pydantic import BaseModel, ConfigDict, Field

from reconciler.errors import ReconcilerError
from reconciler.providers.base import CreatedButFailed, Live, Spec
from reconciler.providers.common import as_set, join_id, or_none, split_id
from reconciler.providers.dataiku.resources._base import DataikuResource
from reconciler.providers.models import Model

DEFAULT_ZONE = "default"
#: spec field -> DSS object type of the items it lists
ITEMS = {"datasets": "DATASET", "recipes": "RECIPE", "folders": "MANAGED_FOLDER"}


class FlowZoneSpec(Model):
    """A flow zone."""

    model_config = ConfigDict(extra="forbid")

    project: str = Field(description="key of the project, usually ${dataiku_project.<name>.key}")
    name: str = Field(min_length=1, description="zone name (the adoption key within the project)")
    color: str = Field("#2ab1ac", pattern=r"^#[0-9a-fA-F]{6}$", description="colour, #RRGGBB")
    datasets: list[str] | None = Field(None, description="datasets it holds (a set); left alone when omitted")
    recipes: list[str] | None = Field(None, description="recipes it holds (a set); left alone when omitted")
    folders: list[str] | None = Field(None, description="managed folder ids it holds (a set), usually "
                                                        "${dataiku_managed_folder.<name>.id}; left alone when omitted")


def live_view(project: str, doc: Mapping[str, Any]) -> Live:
    own = [i for i in doc.get("items") or [] if isinstance(i, Mapping) and i.get("projectKey") in (None, project)]
    out: Live = {"id": doc.get("id"), "project": project, "name": doc.get("name"), "color": doc.get("color")}
    out.update({f: as_set([i.get("objectId") for i in own if i.get("objectType") == kind])
                for f, kind in ITEMS.items()})
    return out


class FlowZone(DataikuResource):
    type_name: ClassVar[str] = "dataiku_flow_zone"
    spec_model: ClassVar[type[BaseModel]] = FlowZoneSpec
    description: ClassVar[str] = "A flow zone: name, colour, and the datasets, recipes and managed folders it holds"
    natural_key: ClassVar[tuple[str, ...]] = ("project", "name")
    server_owned: ClassVar[frozenset[str]] = frozenset({"id"})
    create_only: ClassVar[frozenset[str]] = frozenset({"project"})
    ref_fields: ClassVar[Mapping[str, str]] = {"project": "dataiku_project.key"}
    container: ClassVar[str | None] = "project"
    delete_note: ClassVar[str | None] = "its datasets, recipes and folders move to the default zone"

    def read(self, object_id: str) -> Live | None:
        project, zone_id = split_id(object_id, "flow zone")
        doc = or_none(lambda: self.client.get_zone(project, zone_id))
        return live_view(project, doc) if doc is not None else None

    def container_of(self, object_id: str) -> str | None:
        return split_id(object_id, "flow zone")[0]

    def list(self, container: str | None) -> Iterable[tuple[str, Live]]:
        docs = or_none(lambda: self.client.list_zones(str(container))) or []
        return [(join_id(str(container), d["id"]), live_view(str(container), d)) for d in docs
                if d.get("id") and d["id"] != DEFAULT_ZONE]

    def create(self, spec: Spec) -> tuple[str, Live]:
        want = FlowZoneSpec.model_validate(spec)
        doc = self.client.create_zone(want.project, want.name, want.color)
        object_id = join_id(want.project, doc["id"])
        try:
            return object_id, self._save(want.project, doc["id"], spec, [f for f in ITEMS if f in spec], doc)
        except ReconcilerError as exc:
            raise CreatedButFailed(object_id, exc) from exc

    def update(self, object_id: str, live: Live, spec: Spec, changed: frozenset[str]) -> Live:
        project, zone_id = split_id(object_id, "flow zone")
        doc = self.client.get_zone(project, zone_id)
        settings = {k: spec[k] for k in ("name", "color") if k in changed and k in spec}
        if settings:
            doc = {**doc, **settings}
            self.client.put_zone(project, zone_id, doc)
        return self._save(project, zone_id, spec, [f for f in ITEMS if f in changed and f in spec], doc)

    def delete(self, object_id: str, *, attrs: Mapping[str, Any] | None = None) -> None:
        project, zone_id = split_id(object_id, "flow zone")
        or_none(lambda: self.client.delete_zone(project, zone_id))

    def normalize_fields(self, out: dict[str, Any]) -> dict[str, Any]:
        for f in ITEMS:
            if f in out and isinstance(out[f], (list, tuple)):
                out[f] = as_set(out[f])
        if isinstance(out.get("color"), str):
            out["color"] = out["color"].lower()
        return out

    def _save(self, project: str, zone_id: str, spec: Spec, fields: list[str], doc: Mapping[str, Any]) -> Live:
        """Move the items of ``fields`` in (missing ones) and out (unwanted ones); the live view."""
        have = live_view(project, doc)
        add, drop = [], []
        for f in fields:
            wanted = set(spec.get(f) or [])
            add += [{"objectType": ITEMS[f], "objectId": o} for o in sorted(wanted - set(have[f]))]
            drop += [{"objectType": ITEMS[f], "objectId": o} for o in sorted(set(have[f]) - wanted)]
        if drop:
            self.client.add_zone_items(project, DEFAULT_ZONE, drop)
        if add:
            doc = self.client.add_zone_items(project, zone_id, add)
        elif drop:
            doc = self.client.get_zone(project, zone_id)
        return live_view(project, doc)
