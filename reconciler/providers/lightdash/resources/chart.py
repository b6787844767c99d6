"""``lightdash_chart``: a saved chart as code, keyed by its slug within a project.

The document is Lightdash's own ``ChartAsCode`` (what ``lightdash download`` writes), with our
snake_case top-level names and the platform's keys inside (``metric_query`` holds
``exploreName``, ``dimensions``, ``sorts``...): no uuids, no timestamps. ``space`` is the space's
path (``finance/q-reports``; reference ``${lightdash_space.<name>.path}``). The id is
``<projectUuid>/<chartUuid>``, so state keeps the uuid and reads go by it.

    list    GET    /projects/{p}/charts (slug -> uuid) + GET /projects/{p}/charts/code (paged)
    read    GET    /projects/{p}/charts/code?ids=<uuid>     (ChartAsCode)
    create  POST   /projects/{p}/charts/{slug}/code         (upsert by slug; PromotionChanges with
                                                             the chart as stored: the live view)
    update  the same upsert, with every field (the chart is one document); read back
    delete  DELETE /saved/{uuid}                            (dashboards keep a tile showing nothing)

Unlike ``lightdash upload`` the space is never created on the fly (``skipSpaceCreate``): a
space that does not exist is an error naming it, not a private space nobody declared.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, ClassVar, Mapping

from pydantic import BaseModel, ConfigDict, Field

from reconciler.providers.base import Live, Spec
from reconciler.providers.common import or_none
from reconciler.providers.lightdash.client import LightdashClient
from reconciler.providers.lightdash.resources import _content
from reconciler.providers.lightdash.resources._as_code import AsCode
from reconciler.providers.lightdash.resources._common import PATH_PATTERN, SLUG_PATTERN, nullable_text
from reconciler.providers.models import Model

#: fields export writes in their canonical form (the server's defaults left out)
CANONICAL = ("metric_query", "table_config", "pivot_config")


class ChartSpec(Model):
    """A saved chart (Lightdash content as code)."""

    model_config = ConfigDict(extra="forbid")

    project: str = Field(min_length=1, description="project uuid, e.g. ${lightdash_project.<name>.uuid}")
    slug: str = Field(pattern=SLUG_PATTERN, description="identifies the chart in the project; a new slug replaces it")
    name: str = Field(min_length=1, description="title")
    description: str | None = Field("", description="description")
    space: str = Field(pattern=PATH_PATTERN, description="path of the space holding it: ${lightdash_space.<name>.path}")
    table_name: str = Field(min_length=1, description="the explore's base table (ChartAsCode tableName)")
    metric_query: dict[str, Any] = Field(description="ChartAsCode metricQuery: exploreName, dimensions, metrics, ...")
    chart_config: dict[str, Any] = Field(description="ChartAsCode chartConfig: {type, config}")
    table_config: dict[str, Any] | None = Field(
        default_factory=dict, description="ChartAsCode tableConfig: {columnOrder}; left out: Lightdash's default order")
    pivot_config: dict[str, Any] | None = Field(
        default_factory=dict, description="ChartAsCode pivotConfig: {columns}; left out or {}: no pivot")


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Chart(AsCode):
    kind: ClassVar[str] = "chart"
    type_name: ClassVar[str] = "lightdash_chart"
    spec_model: ClassVar[type[BaseModel]] = ChartSpec
    description: ClassVar[str] = "A saved chart as code, keyed by slug, placed in a space by path"
    natural_key: ClassVar[tuple[str, ...]] = ("project", "slug")
    unique_key: ClassVar[str | None] = "a Lightdash chart slug is unique in its project"
    ref_fields: ClassVar[Mapping[str, str]] = {"space": "lightdash_space.path"}
    server_owned: ClassVar[frozenset[str]] = frozenset({"id", "uuid", "updated_at"})
    create_only: ClassVar[frozenset[str]] = frozenset({"project", "slug"})
    delete_note: ClassVar[str | None] = "dashboards that show the chart keep an empty tile; its scheduled deliveries go"
    optional: ClassVar[tuple[str, ...]] = ("description", "table_config", "pivot_config")
    created_whole: ClassVar[bool] = True

    client: LightdashClient

    def _as_code(self, project: str, ids: list[str] | None) -> list[dict]:
        return self.client.charts_as_code(project, ids)

    def _upsert(self, project: str, slug: str, body: dict) -> Any:
        return self.client.upsert_chart(project, slug, body)

    def _remove(self, uuid: str) -> None:
        self.client.delete_chart(uuid)

    def _uuids(self, project: str, slugs: list[str]) -> dict[str, str]:
        return {c["slug"]: c["uuid"] for c in or_none(lambda: self.client.charts(project)) or []}

    def export_view(self, live: Live) -> Live:
        """The metric query and table and pivot configs without the server's defaults."""
        return {**live, **{k: v for k, v in self.normalize(live).items() if k in CANONICAL}}

    def normalize(self, attrs: Mapping[str, Any]) -> dict[str, Any]:
        out = dict(attrs)
        if "description" in out:
            out["description"] = nullable_text(out["description"])
        if "metric_query" in out:
            out["metric_query"] = _content.metric_query(out["metric_query"], out.get("table_name"))
        if "table_config" in out:
            out["table_config"] = _content.table_config(out["table_config"])
        if "pivot_config" in out:
            out["pivot_config"] = _content.pivot_config(out["pivot_config"])
        return out

    # -- helpers ----------------------------------------------------------------------------------
    @staticmethod
    def _document(spec: Spec, current: Mapping[str, Any]) -> dict[str, Any]:
        """The ChartAsCode to upsert; optional fields the spec leaves out keep their current value."""
        def pick(name: str) -> Any:
            return spec[name] if name in spec else current.get(name)

        doc = {"name": spec["name"], "description": pick("description"), "slug": spec["slug"],
               "spaceSlug": spec["space"], "tableName": spec["table_name"], "metricQuery": spec["metric_query"],
               "chartConfig": spec["chart_config"],
               "tableConfig": {"columnOrder": [], **(pick("table_config") or {})},
               "version": 1, "updatedAt": _now(), "skipSpaceCreate": True}
        pivot = pick("pivot_config")
        if pivot is not None:  # {} (the default): no pivot, said explicitly so that an upsert drops one
            doc["pivotConfig"] = pivot or {"columns": []}
        return doc

    @staticmethod
    def _live(project: str, uuid: str, doc: Mapping[str, Any]) -> Live:
        return {"id": f"{project}/{uuid}", "uuid": uuid, "project": project, "slug": doc.get("slug"),
                "name": doc.get("name"), "description": nullable_text(doc.get("description")),
                "space": doc.get("spaceSlug"), "table_name": doc.get("tableName"),
                "metric_query": doc.get("metricQuery"), "chart_config": doc.get("chartConfig"),
                "table_config": doc.get("tableConfig"), "pivot_config": doc.get("pivotConfig"),
                "updated_at": doc.get("updatedAt")}
