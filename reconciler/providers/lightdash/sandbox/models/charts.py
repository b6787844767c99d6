"""Saved charts: the legacy express routes (``/projects/{p}/saved``, ``/saved/{uuidOrSlug}``), the
chart lists, content as code (``/projects/{p}/charts/code``, ``/charts/{slug}/code``) and the v2
content list.

The server fills defaults into what it stores, as Lightdash does when it rebuilds a chart from
its tables: every ``metricQuery`` list and map that was left out comes back empty, ``limit``
defaults to 500 (``payloads.with_server_defaults``), ``tableConfig`` to ``{columnOrder: []}``,
and a ``pivotConfig`` without columns is dropped. Chart slugs are unique per project (``-1``,
``-2`` on collision; the 2026 rule).
"""

from __future__ import annotations

import re
from typing import Any

from reconciler.providers.lightdash.sandbox import payloads as p
from reconciler.providers.lightdash.sandbox.errors import NotFoundError, ParameterError
from reconciler.providers.lightdash.sandbox.models.core import Doc, code_path_from_ltree, copied, generate_slug
from reconciler.providers.lightdash.sandbox.models.spaces import SpaceModels

UUID_RE = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"


def chart_kind(chart_config: dict[str, Any]) -> str:
    """The ``chartKind`` Lightdash derives from a chart's config (list views show it)."""
    kind = chart_config.get("type")
    if kind == "cartesian":
        config = chart_config.get("config") or {}
        series = (config.get("eChartsConfig") or {}).get("series") or [{}]
        first = series[0].get("type", "bar")
        if first == "bar":
            return "horizontal_bar" if (config.get("layout") or {}).get("flipAxes") else "vertical_bar"
        return "area" if first == "line" and series[0].get("areaStyle") else first
    return kind if kind in ("table", "big_number", "pie", "funnel", "custom", "treemap", "gauge") else "table"


class ChartModels(SpaceModels):
    """Saved charts in all their API shapes."""

    max_downloads = 100  # contentAsCode.maxDownloads: page size of the as-code lists

    # -- shapes -----------------------------------------------------------------------------------
    def _chart_summary(self, chart: Doc) -> Doc:
        space = self._s["spaces"][chart["spaceUuid"]]
        dashboard = self._s["dashboards"].get(chart["dashboardUuid"] or "")
        explores = self._s["projects"][chart["projectUuid"]]["explores"]
        errors = [] if chart["tableName"] in explores else [
            {"validationId": 1, "createdAt": chart["updatedAt"],
             "error": f"Explore \"{chart['tableName']}\" does not exist"}]
        return {"uuid": chart["uuid"], "name": chart["name"], "description": chart["description"],
                "spaceUuid": space["uuid"], "spaceName": space["name"], "projectUuid": chart["projectUuid"],
                "organizationUuid": self._s["org"]["organizationUuid"], "pinnedListUuid": chart["pinnedListUuid"],
                "pinnedListOrder": chart["pinnedListOrder"], "dashboardUuid": chart["dashboardUuid"],
                "dashboardName": dashboard["name"] if dashboard else None, "slug": chart["slug"],
                "source": "dbt_explore", "chartKind": chart_kind(chart["chartConfig"]),
                "chartType": chart["chartConfig"].get("type", "table"), "updatedAt": chart["updatedAt"],
                "updatedByUser": dict(chart["updatedByUser"]), "views": chart["views"],
                "firstViewedAt": chart["firstViewedAt"], "validationErrors": errors}

    def _saved_chart(self, chart: Doc) -> Doc:
        """``SavedChart`` (and ``SavedChartDAO``): the full chart as the legacy routes return it."""
        space = self._s["spaces"][chart["spaceUuid"]]
        dashboard = self._s["dashboards"].get(chart["dashboardUuid"] or "")
        doc = {"uuid": chart["uuid"], "projectUuid": chart["projectUuid"],
               "organizationUuid": self._s["org"]["organizationUuid"], "name": chart["name"],
               "description": chart["description"], "slug": chart["slug"], "spaceUuid": space["uuid"],
               "spaceName": space["name"], "dashboardUuid": chart["dashboardUuid"],
               "dashboardName": dashboard["name"] if dashboard else None, "tableName": chart["tableName"],
               "metricQuery": copied(chart["metricQuery"]), "chartConfig": copied(chart["chartConfig"]),
               "tableConfig": copied(chart["tableConfig"]),
               "colorPalette": list(self._s["org"]["chartColors"] or ["#5470c6", "#fc8452", "#91cc75"]),
               "updatedAt": chart["updatedAt"], "updatedByUser": dict(chart["updatedByUser"]),
               "pinnedListUuid": chart["pinnedListUuid"], "pinnedListOrder": chart["pinnedListOrder"],
               "isPrivate": space["isPrivate"], "access": [], "views": chart["views"],
               "firstViewedAt": chart["firstViewedAt"]}
        if chart["pivotConfig"] is not None:
            doc["pivotConfig"] = copied(chart["pivotConfig"])
        return doc

    def _chart_as_code(self, chart: Doc) -> Doc:
        space = self._s["spaces"][chart["spaceUuid"]]
        doc = {"name": chart["name"], "description": chart["description"], "tableName": chart["tableName"],
               "updatedAt": chart["updatedAt"], "metricQuery": copied(chart["metricQuery"]),
               "chartConfig": copied(chart["chartConfig"]), "slug": chart["slug"],
               "tableConfig": copied(chart["tableConfig"]), "spaceSlug": code_path_from_ltree(space["path"]),
               "version": 1, "downloadedAt": self.now()}
        if chart["pivotConfig"] is not None:
            doc["pivotConfig"] = copied(chart["pivotConfig"])
        if chart["dashboardUuid"] and chart["dashboardUuid"] in self._s["dashboards"]:
            doc["dashboardSlug"] = self._s["dashboards"][chart["dashboardUuid"]]["slug"]
        return doc

    # -- storage helpers --------------------------------------------------------------------------
    def _chart(self, uuid_or_slug: str, project_uuid: str | None = None) -> Doc:
        charts = self._s["charts"]
        chart = charts.get(uuid_or_slug)
        if chart is None:
            chart = next((c for c in charts.values() if c["slug"] == uuid_or_slug
                          and (project_uuid is None or c["projectUuid"] == project_uuid)), None)
        if chart is None or (project_uuid is not None and chart["projectUuid"] != project_uuid):
            raise NotFoundError(f"Saved chart {uuid_or_slug} not found")
        return chart

    def _unique_chart_slug(self, project_uuid: str, name: str) -> str:
        base = generate_slug(name) or self.random_suffix(5)
        taken = {c["slug"] for c in self._s["charts"].values() if c["projectUuid"] == project_uuid}
        slug, n = base, 0
        while slug in taken:
            n += 1
            slug = f"{base}-{n}"
        return slug

    @staticmethod
    def _versioned(data: Any) -> Doc:
        """The versioned part of a chart, with the server's defaults filled in."""
        pivot = data.pivotConfig if data.pivotConfig and data.pivotConfig.get("columns") else None
        return {"tableName": data.tableName, "metricQuery": p.with_server_defaults(data.metricQuery, data.tableName),
                "chartConfig": copied(data.chartConfig),
                "tableConfig": {"columnOrder": [], **copied(dict(data.tableConfig))}, "pivotConfig": copied(pivot)}

    def _insert_chart(self, project_uuid: str, slug: str, name: str, description: str | None, space: Doc,
                      versioned: Doc, dashboard_uuid: str | None = None) -> Doc:
        now = self.now()
        chart = {"uuid": self.new_uuid(), "projectUuid": project_uuid, "name": name, "description": description,
                 "slug": slug, "spaceUuid": space["uuid"], "dashboardUuid": dashboard_uuid, **versioned,
                 "createdAt": now, "updatedAt": now, "updatedByUser": self._updated_by(), "views": 0,
                 "firstViewedAt": None, "pinnedListUuid": None, "pinnedListOrder": None, "versions": []}
        chart["versions"].append({"versionUuid": self.new_uuid(), "createdAt": now, "createdBy": self._updated_by()})
        self._s["charts"][chart["uuid"]] = chart
        return chart

    def _new_version(self, chart: Doc, versioned: Doc) -> None:
        now = self.now()
        chart.update(versioned, updatedAt=now, updatedByUser=self._updated_by())
        chart["versions"].append({"versionUuid": self.new_uuid(), "createdAt": now, "createdBy": self._updated_by()})

    def _delete_content_in(self, space_uuids: set[str]) -> None:
        for dash in [d for d in self._s["dashboards"].values() if d["spaceUuid"] in space_uuids]:
            del self._s["dashboards"][dash["uuid"]]
            self._drop_schedulers_of(dashboard_uuid=dash["uuid"])
        doomed = [c["uuid"] for c in self._s["charts"].values() if c["spaceUuid"] in space_uuids]
        for uuid in doomed:
            self._drop_chart(uuid)

    def _drop_chart(self, chart_uuid: str) -> None:
        del self._s["charts"][chart_uuid]
        self._drop_schedulers_of(chart_uuid=chart_uuid)
        for dash in self._s["dashboards"].values():  # tiles stay, pointing at nothing (inferred)
            for tile in dash["tiles"]:
                if tile["properties"].get("savedChartUuid") == chart_uuid:
                    tile["properties"]["savedChartUuid"] = None

    # -- legacy express routes --------------------------------------------------------------------
    def list_charts(self, project_uuid: str) -> list[Doc]:
        self._project(project_uuid)
        return [self._chart_summary(c) for c in self._s["charts"].values() if c["projectUuid"] == project_uuid]

    def list_chart_summaries(self, project_uuid: str, exclude_in_dashboards: bool = False) -> list[Doc]:
        keep = ("uuid", "name", "description", "spaceUuid", "spaceName", "projectUuid", "organizationUuid",
                "pinnedListUuid", "dashboardUuid", "dashboardName", "slug", "source", "chartKind", "chartType")
        rows = [c for c in self.list_charts(project_uuid) if not (exclude_in_dashboards and c["dashboardUuid"])]
        return [{k: row[k] for k in keep} for row in rows]

    def create_saved_chart(self, project_uuid: str, body: Any) -> Doc:
        data = p.parse(p.CreateSavedChart, body, express=True)
        self._project(project_uuid)
        if data.spaceUuid:
            space = self._space(project_uuid, data.spaceUuid)
        else:
            space = next((s for s in self._s["spaces"].values() if s["projectUuid"] == project_uuid), None)
            if space is None:
                raise NotFoundError("No space found to save the chart in")
        chart = self._insert_chart(project_uuid, self._unique_chart_slug(project_uuid, data.name), data.name,
                                   data.description, space, self._versioned(data))
        return self._saved_chart(chart)

    def get_saved_chart(self, uuid_or_slug: str, project_uuid: str | None = None) -> Doc:
        return self._saved_chart(self._chart(uuid_or_slug, project_uuid))

    def update_saved_chart(self, chart_uuid: str, body: Any) -> Doc:
        data = p.parse(p.UpdateSavedChart, body, express=True)
        chart = self._chart(chart_uuid)
        if data.spaceUuid is not None:
            self._space(chart["projectUuid"], data.spaceUuid)
            chart["spaceUuid"] = data.spaceUuid
        if data.name is not None:
            if not data.name.strip():
                raise ParameterError("Chart name cannot be empty")
            chart["name"] = data.name
        if "description" in data.model_fields_set:
            chart["description"] = data.description
        chart["updatedAt"] = self.now()
        return self._saved_chart(chart)

    def create_chart_version(self, chart_uuid: str, body: Any) -> Doc:
        data = p.parse(p.CreateSavedChartVersion, body, express=True)
        chart = self._chart(chart_uuid)
        self._new_version(chart, self._versioned(data))
        return self._saved_chart(chart)

    def chart_history(self, chart_uuid: str) -> Doc:
        chart = self._chart(chart_uuid)
        return {"history": [dict(v, chartUuid=chart["uuid"]) for v in reversed(chart["versions"])]}

    def delete_saved_chart(self, uuid_or_slug: str, project_uuid: str | None = None) -> None:
        self._drop_chart(self._chart(uuid_or_slug, project_uuid)["uuid"])

    # -- content as code --------------------------------------------------------------------------
    def _slugs_for(self, kind: str, ids: list[str] | None) -> list[str] | None:
        """``convertIdsToSlugs``: uuids become the slugs they name, slugs stay."""
        if ids is None:
            return None
        store = self._s["charts" if kind == "chart" else "dashboards"]
        slugs = [store[i]["slug"] for i in ids if re.match(UUID_RE, i, re.I) and i in store]
        return slugs + [i for i in ids if not re.match(UUID_RE, i, re.I)]

    def _as_code_page(self, kind: str, project_uuid: str, ids: list[str] | None, offset: int) -> Doc:
        self._project(project_uuid)
        plural = "charts" if kind == "chart" else "dashboards"
        slugs = self._slugs_for(kind, ids)
        if slugs is not None and not slugs:
            return {plural: [], "missingIds": list(ids or []), "total": 0, "offset": 0}
        items = [x for x in self._s[plural].values()
                 if x["projectUuid"] == project_uuid and (slugs is None or x["slug"] in slugs)]
        end = min(offset + self.max_downloads, len(items))
        page = items[offset:end]
        missing = [i for i in ids or [] if not any(i in (x["uuid"], x["slug"]) for x in items)]
        shape = self._chart_as_code if kind == "chart" else self._dashboard_as_code
        return {plural: [shape(x) for x in page], "missingIds": missing, "total": len(items), "offset": end}

    def charts_as_code(self, project_uuid: str, ids: list[str] | None = None, offset: int = 0) -> Doc:
        return self._as_code_page("chart", project_uuid, ids, offset)

    def upsert_chart_as_code(self, project_uuid: str, slug: str, body: Any) -> Doc:
        data = p.parse(p.ChartAsCodeUpsert, body)
        self._project(project_uuid)
        for name in ("metricQuery", "chartConfig"):  # AnyType to tsoa; the service needs objects (inferred)
            if not isinstance(getattr(data, name), dict):
                raise ParameterError(f"Chart as code {name} must be an object")
        existing = next((c for c in self._s["charts"].values()
                         if c["projectUuid"] == project_uuid and c["slug"] == slug), None)
        space, created_spaces = self.get_or_create_space(project_uuid, data.spaceSlug,
                                                         skip_create=bool(data.skipSpaceCreate),
                                                         public_create=bool(data.publicSpaceCreate))
        versioned = self._versioned(data)
        if existing is None:
            dashboard_uuid = None
            if data.dashboardSlug:
                dashboard_uuid = self._placeholder_dashboard(project_uuid, data.dashboardSlug, space)["uuid"]
            chart = self._insert_chart(project_uuid, slug, data.name, data.description, space, versioned,
                                       dashboard_uuid)
            action = "create"
        else:
            chart = existing
            current = {k: chart[k] for k in versioned} | {"name": chart["name"], "description": chart["description"],
                                                          "spaceUuid": chart["spaceUuid"]}
            wanted = versioned | {"name": data.name, "description": data.description, "spaceUuid": space["uuid"]}
            action = "no changes" if current == wanted else "update"
            if action == "update":
                chart.update(name=data.name, description=data.description, spaceUuid=space["uuid"])
                self._new_version(chart, versioned)
        promoted = {**self._saved_chart(chart), "oldUuid": chart["uuid"], "spaceSlug": data.spaceSlug,
                    "spacePath": data.spaceSlug}
        return {"charts": [{"action": action, "data": promoted}],
                "spaces": [{"action": "create", "data": self._space_summary(s)} for s in created_spaces],
                "dashboards": []}

    def _placeholder_dashboard(self, project_uuid: str, slug: str, space: Doc) -> Doc:  # pragma: no cover
        raise NotImplementedError

    def _dashboard_as_code(self, dashboard: Doc) -> Doc:  # pragma: no cover - provided by DashboardModels
        raise NotImplementedError

    # -- v2 content -------------------------------------------------------------------------------
    def list_content(self, *, project_uuids: list[str], space_uuids: list[str], content_types: list[str],
                     page: int, page_size: int, search: str | None = None) -> Doc:
        org = self._s["org"]
        rows = []
        kinds = content_types or ["chart", "dashboard", "space"]
        for kind, store in (("chart", "charts"), ("dashboard", "dashboards"), ("space", "spaces")):
            if kind not in kinds:
                continue
            for item in self._s[store].values():
                space_uuid = item["uuid"] if kind == "space" else item["spaceUuid"]
                if project_uuids and item["projectUuid"] not in project_uuids:
                    continue
                if space_uuids and space_uuid not in space_uuids:
                    continue
                if search and search.lower() not in item["name"].lower():
                    continue
                rows.append(self._content_row(kind, item, org))
        start = (page - 1) * page_size
        return {"data": rows[start:start + page_size],
                "pagination": {"page": page, "pageSize": page_size, "totalResults": len(rows),
                               "totalPageCount": -(-len(rows) // page_size) if rows else 0}}

    def _content_row(self, kind: str, item: Doc, org: Doc) -> Doc:
        project = self._s["projects"][item["projectUuid"]]
        space = item if kind == "space" else self._s["spaces"][item["spaceUuid"]]
        who = item.get("updatedByUser") or self._updated_by()
        person = {"uuid": who["userUuid"], "firstName": who["firstName"], "lastName": who["lastName"]}
        row = {"contentType": kind, "uuid": item["uuid"], "slug": item["slug"], "name": item["name"],
               "description": item.get("description"), "createdAt": item["createdAt"], "createdBy": person,
               "lastUpdatedAt": item.get("updatedAt", item["createdAt"]), "lastUpdatedBy": person,
               "project": {"uuid": project["projectUuid"], "name": project["name"]},
               "organization": {"uuid": org["organizationUuid"], "name": org["name"]},
               "space": {"uuid": space["uuid"], "name": space["name"]}, "pinnedList": None,
               "views": item.get("views", 0), "firstViewedAt": item.get("firstViewedAt")}
        if kind == "chart":
            row.update(source="dbt_explore", chartKind=chart_kind(item["chartConfig"]), dashboard=None)
        if kind == "space":
            row.update(path=code_path_from_ltree(item["path"]), isPrivate=item["isPrivate"])
        return row

