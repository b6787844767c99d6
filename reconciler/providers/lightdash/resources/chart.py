"""``lightdash_chart``: a saved chart as code, keyed by its slug within a project.

The document is Lightdash's own ``ChartAsCode`` (what ``lightdash download`` writes), with our
snake_case top-level names and the platform's keys inside (``metric_query`` holds
``exploreName``, ``dimensions``, ``sorts``...): no uuids, no timestamps. ``space`` is the space's
path (``finance/q-reports``; reference ``${lightdash_space.<name>.path}``). The id is
``<projectUuid>/<chartUuid>``, so state keeps the uuid and reads go by it.

    read    GET    /projects/{p}/charts/code?ids=<uuid>     (ChartAsCode)
    create  POST   /projects/{p}/charts/{slug}/code         (upsert by slug; PromotionChanges)
    update  the same upsert, with every field (the chart is one document)
    delete  DELETE /saved/{uuid}                            (dashboards keep a tile showing nothing)

Unlike ``lightdash upload`` the space is never created on the fly (``skipSpaceCreate``): a
space that does not exist is an error naming it, not a private space nobody declared.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, ClassVar, Iterable, Mapping, Sequence

from pydantic import BaseModel, ConfigDict, Field

from reconciler.errors import NotFoundError
from reconciler.providers.base import Live, Spec
from reconciler.providers.lightdash.client import LightdashClient
from reconciler.providers.lightdash.resources import _content
from reconciler.providers.lightdash.resources._as_code import AsCode
from reconciler.providers.lightdash.resources._common import PATH_PATTERN, SLUG_PATTERN, projects_in_scope, split_id, text
from reconciler.providers.models import Model



#: chart uuids per as-code request (the API pages by 100; uuids go in the query string)
IDS_PER_CALL = 100

class ChartSpec(Model):
    """A saved chart (Lightdash content as code)."""

    model_config = ConfigDict(extra="forbid")

    project: str = Field(min_length=1, description="project uuid, e.g. ${lightdash_project.<name>.uuid}")
    slug: str = Field(pattern=SLUG_PATTERN, description="identifies the chart in the project; a new slug replaces it")
    name: str = Field(min_length=1, description="title")
    description: str | None = Field(None, description="description")
    space: str = Field(pattern=PATH_PATTERN, description="path of the space holding it: ${lightdash_space.<name>.path}")
    table_name: str = Field(min_length=1, description="the explore's base table (ChartAsCode tableName)")
    metric_query: dict[str, Any] = Field(description="ChartAsCode metricQuery: exploreName, dimensions, metrics, ...")
    chart_config: dict[str, Any] = Field(description="ChartAsCode chartConfig: {type, config}")
    table_config: dict[str, Any] | None = Field(None, description="ChartAsCode tableConfig: {columnOrder}")
    pivot_config: dict[str, Any] | None = Field(None, description="ChartAsCode pivotConfig: {columns}")


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Chart(AsCode):
    kind: ClassVar[str] = "chart"
    type_name: ClassVar[str] = "lightdash_chart"
    spec_model: ClassVar[type[BaseModel]] = ChartSpec
    description: ClassVar[str] = "A saved chart as code, keyed by slug, placed in a space by path"
    natural_key: ClassVar[tuple[str, ...]] = ("project", "slug")
    ref_fields: ClassVar[Mapping[str, str]] = {"space": "lightdash_space.path"}
    server_owned: ClassVar[frozenset[str]] = frozenset({"id", "uuid", "updated_at"})
    create_only: ClassVar[frozenset[str]] = frozenset({"project", "slug"})
    delete_note: ClassVar[str | None] = "dashboards that show the chart keep an empty tile; its scheduled deliveries go"

    client: LightdashClient

    def _as_code(self, project: str, ids: list[str]) -> list[dict]:
        return self.client.charts_as_code(project, ids)

    def _upsert(self, project: str, slug: str, body: dict) -> Any:
        return self.client.upsert_chart(project, slug, body)

    def _remove(self, uuid: str) -> None:
        self.client.delete_chart(uuid)

    def batch_key(self, object_id: str) -> Any:
        return split_id(object_id, "chart")[0]

    def read_many(self, object_ids: Sequence[str]) -> Mapping[str, Live | None]:
        """A project's charts in two calls: the summaries (slug -> uuid) and the charts as code."""
        project = split_id(object_ids[0], "chart")[0]
        try:
            summaries = self.client.charts(project)
        except NotFoundError:
            return {}
        return self._read_listed(project, [split_id(i, "chart")[1] for i in object_ids], summaries)

    def _read_listed(self, project: str, uuids: list[str], summaries: list[dict]) -> dict[str, Live | None]:
        """The charts ``uuids`` of ``project`` as code, given its chart summaries (slug -> uuid)."""
        uuid_of = {c["slug"]: c["uuid"] for c in summaries}
        try:
            docs = [doc for start in range(0, len(uuids), IDS_PER_CALL)  # URL length and page size
                    for doc in self.client.charts_as_code(project, uuids[start:start + IDS_PER_CALL])]
        except NotFoundError:
            return {}
        out: dict[str, Live | None] = {}
        for doc in docs:
            uuid = uuid_of.get(doc.get("slug"))
            if uuid in uuids:
                out[f"{project}/{uuid}"] = self._live(project, uuid, doc)
        return out

    def discover(self, scope: Mapping[str, str]) -> Iterable[tuple[str, Live]]:
        """Every chart of the projects in scope, its content as a spec would write it."""
        out = []
        for project in projects_in_scope(self.client, scope):
            ids = [f"{project}/{c['uuid']}" for c in self.client.charts(project)]
            for object_id, live in (self.read_many(ids) if ids else {}).items():
                if live is not None:
                    out.append((object_id, {**live, **{k: v for k, v in self.normalize(live).items()
                                                       if k in ("metric_query", "table_config", "pivot_config")}}))
        return out

    def find_key(self, spec: Spec) -> Any:
        """The project: its chart list answers the slug lookups of all its charts at once."""
        project, slug = spec.get("project"), spec.get("slug")
        return project if isinstance(project, str) and isinstance(slug, str) else None

    def find_many(self, specs: Sequence[Spec]) -> list[tuple[str, Live] | None]:
        project = specs[0]["project"]
        try:
            summaries = self.client.charts(project)
        except NotFoundError:
            return [None] * len(specs)
        by_slug = {c.get("slug"): c for c in summaries}
        ids = {s["slug"]: f"{project}/{by_slug[s['slug']]['uuid']}" for s in specs if s["slug"] in by_slug}
        uuids = sorted({split_id(i, "chart")[1] for i in ids.values()})
        lives = self._read_listed(project, uuids, summaries) if ids else {}  # the list just read, not again
        out: list[tuple[str, Live] | None] = []
        for spec in specs:
            live = lives.get(ids.get(spec["slug"], ""))
            out.append((live["id"], live) if live else None)
        return out

    def find(self, spec: Spec) -> tuple[str, Live] | None:
        project, slug = spec.get("project"), spec.get("slug")
        if not isinstance(project, str) or not isinstance(slug, str):
            return None
        try:
            summary = next((c for c in self.client.charts(project) if c.get("slug") == slug), None)
        except NotFoundError:
            return None
        live = self.read(f"{project}/{summary['uuid']}") if summary else None
        return (live["id"], live) if live else None

    def normalize(self, attrs: Mapping[str, Any]) -> dict[str, Any]:
        out = dict(attrs)
        if "description" in out:
            out["description"] = text(out["description"])
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
        if pick("pivot_config"):
            doc["pivotConfig"] = pick("pivot_config")
        return doc

    @staticmethod
    def _live(project: str, uuid: str, doc: Mapping[str, Any]) -> Live:
        return {"id": f"{project}/{uuid}", "uuid": uuid, "project": project, "slug": doc.get("slug"),
                "name": doc.get("name"), "description": text(doc.get("description")), "space": doc.get("spaceSlug"),
                "table_name": doc.get("tableName"), "metric_query": doc.get("metricQuery"),
                "chart_config": doc.get("chartConfig"), "table_config": doc.get("tableConfig"),
                "pivot_config": doc.get("pivotConfig"), "updated_at": doc.get("updatedAt")}
