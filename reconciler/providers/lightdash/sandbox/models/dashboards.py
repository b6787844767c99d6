"""Dashboards: ``POST /projects/{p}/dashboards`` (tsoa, 201), the legacy express routes
(``/dashboards/{uuidOrSlug}``), and content as code (``/projects/{p}/dashboards/code``).

Tiles are stored with uuids; chart tiles point at a chart by ``savedChartUuid``. As code, chart
tiles carry ``chartSlug`` and a ``tileSlug`` (the chart slug, ``-N`` when a chart repeats) and
filters target tiles by tile slug. Every as-code upsert of an existing dashboard is an update
(``dashboardVersionId`` + 1), as in Lightdash.
"""

from __future__ import annotations

from typing import Any

from reconciler.providers.lightdash.sandbox import payloads as p
from reconciler.providers.lightdash.sandbox.errors import NotFoundError, ParameterError, ValidateError
from reconciler.providers.lightdash.sandbox.models.charts import ChartModels, chart_kind
from reconciler.providers.lightdash.sandbox.models.core import Doc, code_path_from_ltree, copied, generate_slug
from reconciler.providers.lightdash.sandbox.models.spaces import friendly_name

TILE_TYPES = ("saved_chart", "sql_chart", "markdown", "loom", "semantic_viewer_chart")
EMPTY_FILTERS = {"dimensions": [], "metrics": [], "tableCalculations": []}


class DashboardModels(ChartModels):
    """Dashboards in all their API shapes."""

    # -- shapes -----------------------------------------------------------------------------------
    def _dashboard_basic(self, dashboard: Doc) -> Doc:
        return {"uuid": dashboard["uuid"], "name": dashboard["name"], "description": dashboard["description"],
                "updatedAt": dashboard["updatedAt"], "projectUuid": dashboard["projectUuid"],
                "updatedByUser": dict(dashboard["updatedByUser"]),
                "organizationUuid": self._s["org"]["organizationUuid"], "spaceUuid": dashboard["spaceUuid"],
                "views": dashboard["views"], "firstViewedAt": dashboard["firstViewedAt"],
                "pinnedListUuid": dashboard["pinnedListUuid"], "pinnedListOrder": dashboard["pinnedListOrder"],
                "validationErrors": []}

    def _tile_doc(self, tile: Doc) -> Doc:
        out = copied(tile)
        if tile["type"] == "saved_chart":
            chart = self._s["charts"].get(tile["properties"].get("savedChartUuid") or "")
            out["properties"].update(belongsToDashboard=False, chartName=chart["name"] if chart else None,
                                     lastVersionChartKind=chart_kind(chart["chartConfig"]) if chart else None)
            if chart:  # a tile whose chart was deleted has no slug (``chartSlug`` is never null)
                out["properties"]["chartSlug"] = chart["slug"]
        return out

    def _dashboard_doc(self, dashboard: Doc) -> Doc:
        space = self._s["spaces"][dashboard["spaceUuid"]]
        doc = self._dashboard_basic(dashboard)
        doc.pop("validationErrors")
        doc.update(slug=dashboard["slug"], dashboardVersionId=dashboard["dashboardVersionId"],
                   tiles=[self._tile_doc(t) for t in dashboard["tiles"]], filters=copied(dashboard["filters"]),
                   tabs=copied(dashboard["tabs"]), spaceName=space["name"], isPrivate=space["isPrivate"], access=[])
        return doc

    def _tile_slugs(self, dashboard: Doc) -> dict[str, str]:
        """tile uuid -> tile slug, for chart tiles (``getChartSlugForTileUuid``)."""
        slugs: dict[str, str] = {}
        by_chart: dict[str, list[str]] = {}
        for tile in dashboard["tiles"]:
            chart = self._s["charts"].get(tile["properties"].get("savedChartUuid") or "")
            if tile["type"] == "saved_chart" and chart is not None:
                by_chart.setdefault(chart["slug"], []).append(tile["uuid"])
        for chart_slug, uuids in by_chart.items():
            for i, uuid in enumerate(uuids):
                slugs[uuid] = f"{chart_slug}-{i + 1}" if len(uuids) > 1 else chart_slug
        return slugs

    def _dashboard_as_code(self, dashboard: Doc) -> Doc:
        space = self._s["spaces"][dashboard["spaceUuid"]]
        slugs = self._tile_slugs(dashboard)
        tiles = []
        for tile in dashboard["tiles"]:
            out = {k: copied(v) for k, v in tile.items() if k not in ("uuid", "properties")}
            if tile["type"] == "saved_chart":
                chart = self._s["charts"].get(tile["properties"].get("savedChartUuid") or "")
                props = {k: tile["properties"][k] for k in ("title", "hideTitle") if k in tile["properties"]}
                props["chartName"] = chart["name"] if chart else None
                if chart:  # a tile whose chart was deleted has no slug to write
                    props["chartSlug"] = chart["slug"]
                if tile["uuid"] in slugs:
                    out["tileSlug"] = slugs[tile["uuid"]]
                out["properties"] = props
            else:
                out["properties"] = copied(tile["properties"])
            tiles.append(out)
        filters = copied(dashboard["filters"])
        for rule in filters.get("dimensions", []):
            rule.pop("id", None)
            rule["tileTargets"] = {slugs[u]: t for u, t in (rule.get("tileTargets") or {}).items() if u in slugs}
        return {"name": dashboard["name"], "description": dashboard["description"],
                "updatedAt": dashboard["updatedAt"], "tiles": tiles, "filters": filters,
                "tabs": copied(dashboard["tabs"]), "slug": dashboard["slug"],
                "spaceSlug": code_path_from_ltree(space["path"]), "version": 1, "downloadedAt": self.now()}

    # -- storage helpers --------------------------------------------------------------------------
    def _dashboard(self, uuid_or_slug: str, project_uuid: str | None = None) -> Doc:
        store = self._s["dashboards"]
        found = store.get(uuid_or_slug) or next(
            (d for d in store.values() if d["slug"] == uuid_or_slug
             and (project_uuid is None or d["projectUuid"] == project_uuid)), None)
        if found is None or (project_uuid is not None and found["projectUuid"] != project_uuid):
            raise NotFoundError(f"Dashboard {uuid_or_slug} not found")
        return found

    def _stored_tiles(self, project_uuid: str, tiles: list[Doc], *, by_slug: bool) -> list[Doc]:
        """Validate tiles and give them uuids; ``by_slug``: chart tiles name their chart by ``chartSlug``."""
        out = []
        for i, tile in enumerate(tiles):
            where = f"body.tiles.${i}"
            if tile.get("type") not in TILE_TYPES:
                raise ValidateError("", {f"{where}.type": {"message": f"should be one of the following; {list(TILE_TYPES)}",
                                                           "value": tile.get("type")}})
            for key in ("x", "y", "w", "h"):
                if not isinstance(tile.get(key), (int, float)) or isinstance(tile.get(key), bool):
                    raise ValidateError("", {f"{where}.{key}": {"message": "invalid float number", "value": tile.get(key)}})
            props = dict(tile.get("properties") or {})
            if tile["type"] == "saved_chart":
                if by_slug:
                    slug = props.pop("chartSlug", None)
                    chart = next((c for c in self._s["charts"].values()
                                  if c["projectUuid"] == project_uuid and c["slug"] == slug), None)
                    if chart is None:
                        raise NotFoundError(f"Chart with slug {slug} not found")
                    props["savedChartUuid"] = chart["uuid"]
                elif props.get("savedChartUuid") is not None:
                    self._chart(props["savedChartUuid"], project_uuid)
                for derived in ("chartName", "chartSlug", "belongsToDashboard", "lastVersionChartKind"):
                    props.pop(derived, None)
            out.append({"uuid": tile.get("uuid") or self.new_uuid(), "type": tile["type"], "x": tile["x"],
                        "y": tile["y"], "w": tile["w"], "h": tile["h"], "tabUuid": tile.get("tabUuid"),
                        "properties": props})
        return out

    @staticmethod
    def _filters_by_uuid(filters: Doc | None, slug_to_uuid: dict[str, str], new_id) -> Doc:
        out = {**copied(EMPTY_FILTERS), **copied(filters or {})}
        for rule in out["dimensions"]:
            rule["id"] = rule.get("id") or new_id()
            rule["tileTargets"] = {slug_to_uuid.get(k, k): v for k, v in (rule.get("tileTargets") or {}).items()}
        return out

    def _insert_dashboard(self, project_uuid: str, space: Doc, name: str, description: str | None, slug: str,
                          tiles: list[Doc], tabs: list[Doc], filters: Doc) -> Doc:
        now = self.now()
        dashboard = {"uuid": self.new_uuid(), "projectUuid": project_uuid, "name": name, "description": description,
                     "slug": slug, "spaceUuid": space["uuid"], "tiles": tiles, "tabs": tabs, "filters": filters,
                     "dashboardVersionId": 1, "createdAt": now, "updatedAt": now, "updatedByUser": self._updated_by(),
                     "views": 0, "firstViewedAt": None, "pinnedListUuid": None, "pinnedListOrder": None}
        self._s["dashboards"][dashboard["uuid"]] = dashboard
        return dashboard

    def _placeholder_dashboard(self, project_uuid: str, slug: str, space: Doc) -> Doc:
        existing = next((d for d in self._s["dashboards"].values()
                         if d["projectUuid"] == project_uuid and d["slug"] == slug), None)
        return existing or self._insert_dashboard(project_uuid, space, friendly_name(slug), None, slug, [], [],
                                                  copied(EMPTY_FILTERS))

    def _unique_dashboard_slug(self, project_uuid: str, name: str) -> str:
        base = generate_slug(name) or self.random_suffix(5)
        taken = {d["slug"] for d in self._s["dashboards"].values() if d["projectUuid"] == project_uuid}
        slug, n = base, 0
        while slug in taken:
            n += 1
            slug = f"{base}-{n}"
        return slug

    # -- operations -------------------------------------------------------------------------------
    def list_dashboards(self, project_uuid: str) -> list[Doc]:
        """``DashboardBasicDetailsWithTileTypes`` (no slug in this list, as in 0.1366-0.1471)."""
        self._project(project_uuid)
        return [{**self._dashboard_basic(d), "tileTypes": sorted({t["type"] for t in d["tiles"]})}
                for d in self._s["dashboards"].values() if d["projectUuid"] == project_uuid]

    def create_dashboard(self, project_uuid: str, body: Any) -> Doc:
        data = p.parse(p.CreateDashboard, body)
        self._project(project_uuid)
        if data.spaceUuid:
            space = self._space(project_uuid, data.spaceUuid)
        else:
            space = next((s for s in self._s["spaces"].values() if s["projectUuid"] == project_uuid), None)
            if space is None:
                raise NotFoundError("No space found to save the dashboard in")
        tiles = self._stored_tiles(project_uuid, data.tiles, by_slug=False)
        dashboard = self._insert_dashboard(project_uuid, space, data.name, data.description,
                                           self._unique_dashboard_slug(project_uuid, data.name), tiles,
                                           [t.model_dump() for t in data.tabs],
                                           self._filters_by_uuid(data.filters, {}, self.new_uuid))
        return self._dashboard_doc(dashboard)

    def get_dashboard(self, uuid_or_slug: str, project_uuid: str | None = None) -> Doc:
        return self._dashboard_doc(self._dashboard(uuid_or_slug, project_uuid))

    def update_dashboard(self, dashboard_uuid: str, body: Any) -> Doc:
        data = p.parse(p.UpdateDashboard, body, express=True)
        dashboard = self._dashboard(dashboard_uuid)
        project_uuid = dashboard["projectUuid"]
        if data.spaceUuid is not None:
            self._space(project_uuid, data.spaceUuid)
        tiles = self._stored_tiles(project_uuid, data.tiles, by_slug=False) if data.tiles is not None else None
        if data.name is not None and not data.name.strip():
            raise ParameterError("Dashboard name cannot be empty")
        if data.name is not None:
            dashboard["name"] = data.name
        if "description" in data.model_fields_set:
            dashboard["description"] = data.description
        if data.spaceUuid is not None:
            dashboard["spaceUuid"] = data.spaceUuid
        versioned = {k for k in ("tiles", "filters", "tabs") if getattr(data, k) is not None}
        if tiles is not None:
            dashboard["tiles"] = tiles
        if data.filters is not None:
            dashboard["filters"] = self._filters_by_uuid(data.filters, {}, self.new_uuid)
        if data.tabs is not None:
            dashboard["tabs"] = [t.model_dump() for t in data.tabs]
        if versioned:
            dashboard["dashboardVersionId"] += 1
        dashboard.update(updatedAt=self.now(), updatedByUser=self._updated_by())
        return self._dashboard_doc(dashboard)

    def delete_dashboard(self, uuid_or_slug: str, project_uuid: str | None = None) -> None:
        dashboard = self._dashboard(uuid_or_slug, project_uuid)
        del self._s["dashboards"][dashboard["uuid"]]
        self._drop_schedulers_of(dashboard_uuid=dashboard["uuid"])
        for chart in self._s["charts"].values():  # charts saved in it are kept (issue #11617)
            if chart["dashboardUuid"] == dashboard["uuid"]:
                chart["dashboardUuid"] = None

    def dashboards_as_code(self, project_uuid: str, ids: list[str] | None = None, offset: int = 0) -> Doc:
        return self._as_code_page("dashboard", project_uuid, ids, offset)

    def upsert_dashboard_as_code(self, project_uuid: str, slug: str, body: Any) -> Doc:
        data = p.parse(p.DashboardAsCodeUpsert, body)
        self._project(project_uuid)
        existing = next((d for d in self._s["dashboards"].values()
                         if d["projectUuid"] == project_uuid and d["slug"] == slug), None)
        tiles = self._stored_tiles(project_uuid, data.tiles, by_slug=True)
        slug_to_uuid: dict[str, str] = {}
        for source, stored in zip(data.tiles, tiles):
            if stored["type"] == "saved_chart":
                for key in (source.get("tileSlug"), (source.get("properties") or {}).get("chartSlug")):
                    if key:
                        slug_to_uuid.setdefault(key, stored["uuid"])
        filters = self._filters_by_uuid(data.filters, slug_to_uuid, self.new_uuid)
        space, created_spaces = self.get_or_create_space(project_uuid, data.spaceSlug,
                                                         skip_create=bool(data.skipSpaceCreate),
                                                         public_create=bool(data.publicSpaceCreate))
        tabs = [t.model_dump() for t in data.tabs]
        if existing is None:
            dashboard = self._insert_dashboard(project_uuid, space, data.name, data.description, slug, tiles, tabs,
                                               filters)
            action = "create"
        else:
            dashboard = existing
            dashboard.update(name=data.name, description=data.description, spaceUuid=space["uuid"], tiles=tiles,
                             tabs=tabs, filters=filters, updatedAt=self.now(), updatedByUser=self._updated_by())
            dashboard["dashboardVersionId"] += 1
            action = "update"
        return {"charts": [], "spaces": [{"action": "create", "data": self._space_summary(s)} for s in created_spaces],
                "dashboards": [{"action": action, "data": {**self._dashboard_doc(dashboard),
                                                            "spaceSlug": data.spaceSlug,
                                                            "spacePath": data.spaceSlug}}]}
