"""Flow zones and saved models of a project.

State: ``projects[key]["zones"] {id: {id, name, color, items, shared}}`` and
``projects[key]["savedModels"] {id: {..., activeVersion, versions {id: {id, trainDate}}}}``.
The ``default`` zone is not stored: it holds every object no other zone holds (what the client
says of it). Items are ``{objectId, objectType}`` in that key order: the client finds an object's
zone by comparing their JSON text with its own smart refs (``flow.py``). Adding an item to a zone
moves it out of the one that held it. A zone's items that no longer exist (a deleted dataset)
are dropped when it is read. Zone ids are 7 characters and saved model ids 8, from the seeded
sequence. Saved model versions are made by importing an
external (proxy) model version (``POST …/versions/{id}?setActive=``): training is not emulated.
"""

from __future__ import annotations

from typing import Any

from reconciler.providers.dataiku.sandbox.errors import IllegalArgument, NotFound
from reconciler.providers.dataiku.sandbox.models.core import FUTURE_ID_ALPHABET, ID_ALPHABET, Doc, WorldCore
from reconciler.providers.dataiku.sandbox.models.core import deep_copy as _copy
from reconciler.providers.dataiku.sandbox.payloads.common import parse
from reconciler.providers.dataiku.sandbox.payloads.zones import (
    DEFAULT_COLOR,
    DEFAULT_ZONE,
    ZONE_ITEM_TYPES,
    CreateSavedModel,
    CreateZone,
    SmartRef,
    ZoneSettings,
    saved_model_document,
    saved_model_list_item,
    saved_model_view,
    zone_document,
)


class ZonesModel(WorldCore):
    """Flow zones and saved models."""

    # -- flow zones -----------------------------------------------------------------------------
    def _zones(self, project_key: str) -> dict[str, Doc]:
        return self._project(project_key).setdefault("zones", {})

    def _exists(self, project: Doc, ref: Doc) -> bool:
        return ref["objectId"] in project.get(ZONE_ITEM_TYPES[ref["objectType"]], {})

    def _zone_view(self, project_key: str, zone_id: str) -> Doc:
        project = self._project(project_key)
        zones = self._zones(project_key)
        if zone_id == DEFAULT_ZONE:
            held = {(i["objectType"], i["objectId"]) for z in zones.values() for i in z["items"]}
            items = [{"objectId": name, "objectType": t} for t, kind in ZONE_ITEM_TYPES.items()
                     for name in project.get(kind, {}) if (t, name) not in held]
            return {"id": DEFAULT_ZONE, "name": "Default", "color": DEFAULT_COLOR, "items": items, "shared": []}
        zone = zones.get(zone_id)
        if zone is None:
            raise NotFound(f"Flow zone {zone_id} does not exist in project {project_key}")
        view = _copy(zone)
        view["items"] = [i for i in view["items"] if self._exists(project, i)]
        return view

    def list_zones(self, project_key: str) -> list[Doc]:
        return [self._zone_view(project_key, z) for z in [*self._zones(project_key), DEFAULT_ZONE]]

    def get_zone(self, project_key: str, zone_id: str) -> Doc:
        return self._zone_view(project_key, zone_id)

    def create_zone(self, project_key: str, body: Any) -> Doc:
        request = parse(CreateZone, body, "flow zone")
        zones = self._zones(project_key)
        zone_id = self._new_id(7, ID_ALPHABET, zones)
        zones[zone_id] = zone_document(zone_id, request.name, request.color)
        return self._zone_view(project_key, zone_id)

    def set_zone(self, project_key: str, zone_id: str, body: Any) -> None:
        request = parse(ZoneSettings, body, "flow zone settings")
        if zone_id == DEFAULT_ZONE:
            raise IllegalArgument("The default zone cannot be changed")
        zone = self._zones(project_key).get(zone_id)
        if zone is None:
            raise NotFound(f"Flow zone {zone_id} does not exist in project {project_key}")
        zone.update(name=request.name, color=request.color)

    def delete_zone(self, project_key: str, zone_id: str) -> None:
        if zone_id == DEFAULT_ZONE:
            raise IllegalArgument("The default zone cannot be deleted")
        if self._zones(project_key).pop(zone_id, None) is None:
            raise NotFound(f"Flow zone {zone_id} does not exist in project {project_key}")

    def add_zone_items(self, project_key: str, zone_id: str, body: Any) -> Doc:
        """Move the items of ``body`` (one smart ref or a list) into the zone (``default``: out of
        every zone). Every ref is checked before anything moves."""
        project = self._project(project_key)
        self._zone_view(project_key, zone_id)
        refs = [parse(SmartRef, b, "zone item") for b in (body if isinstance(body, list) else [body])]
        for ref in refs:
            if ref.projectKey not in (None, project_key):
                raise IllegalArgument(f"{ref.projectKey}.{ref.objectId} belongs to another project: share it instead")
            if not self._exists(project, ref.model_dump()):
                raise NotFound(f"{ref.objectType} {ref.objectId} does not exist in project {project_key}")
        moving = {(r.objectType, r.objectId) for r in refs}
        for zone in self._zones(project_key).values():
            zone["items"] = [i for i in zone["items"] if (i["objectType"], i["objectId"]) not in moving]
        if zone_id != DEFAULT_ZONE:
            self._zones(project_key)[zone_id]["items"] += [{"objectId": o, "objectType": t} for t, o in
                                                           dict.fromkeys((r.objectType, r.objectId) for r in refs)]
        return self._zone_view(project_key, zone_id)

    # -- saved models ---------------------------------------------------------------------------
    def _saved_model(self, project_key: str, model_id: str) -> Doc:
        model = self._project(project_key).setdefault("savedModels", {}).get(model_id)
        if model is None:
            raise NotFound(f"Saved model {project_key}.{model_id} does not exist")
        return model

    def list_saved_models(self, project_key: str) -> list[Doc]:
        return [saved_model_list_item(m) for m in self._project(project_key).setdefault("savedModels", {}).values()]

    def get_saved_model(self, project_key: str, model_id: str) -> Doc:
        return saved_model_view(_copy(self._saved_model(project_key, model_id)))

    def create_saved_model(self, project_key: str, body: Any) -> Doc:
        request = parse(CreateSavedModel, body, "saved model")
        models = self._project(project_key).setdefault("savedModels", {})
        model_id = self._new_id(8, ID_ALPHABET, models)
        models[model_id] = saved_model_document(model_id, project_key, request)
        return {"id": model_id}

    def delete_saved_model(self, project_key: str, model_id: str) -> None:
        self._saved_model(project_key, model_id)
        del self._project(project_key)["savedModels"][model_id]

    def list_saved_model_versions(self, project_key: str, model_id: str) -> list[Doc]:
        model = self._saved_model(project_key, model_id)
        return [{**_copy(v), "active": v["id"] == model["activeVersion"]} for v in model["versions"].values()]

    def import_saved_model_version(self, project_key: str, model_id: str, version_id: str, set_active: bool) -> None:
        model = self._saved_model(project_key, model_id)
        if not version_id or any(c not in ID_ALPHABET + FUTURE_ID_ALPHABET + "_-." for c in version_id):
            raise IllegalArgument(f"Invalid version id {version_id!r}")
        if version_id in model["versions"]:
            raise IllegalArgument(f"Version {version_id} of saved model {model_id} already exists")
        model["versions"][version_id] = {"id": version_id, "trainDate": self._now_ms()}
        if set_active or model["activeVersion"] is None:
            model["activeVersion"] = version_id

    def set_active_version(self, project_key: str, model_id: str, version_id: str) -> None:
        model = self._saved_model(project_key, model_id)
        if version_id not in model["versions"]:
            raise NotFound(f"Version {version_id} of saved model {project_key}.{model_id} does not exist")
        model["activeVersion"] = version_id
