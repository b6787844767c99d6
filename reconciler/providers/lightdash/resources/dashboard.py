"""``lightdash_dashboard``: a dashboard as code, keyed by its slug within a project.

The document is Lightdash's ``DashboardAsCode`` (snake_case at the top, the platform's keys
inside): tiles reference charts by ``properties.chartSlug`` (reference
``${lightdash_chart.<name>.slug}`` so the charts are applied first), filters target tiles by
tile slug, and there are no uuids. ``space`` is the space's path. The id is
``<projectUuid>/<dashboardUuid>``. Plans show tiles keyed by tile slug and filters keyed by
field id, with server-added keys (``chartName``, ``tabUuid: null``, default titles) ignored.

    list    GET    /projects/{p}/dashboards/code (paged) + GET /api/v2/content (slug -> uuid; on a
            server without it, GET /dashboards/{slug}?projectUuid= each)
    read    GET    /projects/{p}/dashboards/code?ids=<uuid>   (DashboardAsCode)
    create  POST   /projects/{p}/dashboards/{slug}/code       (upsert; the charts must exist); read back
    update  the same upsert with the whole document (each one is a new dashboard version); read back
    delete  DELETE /dashboards/{uuid}                         (its charts are kept)
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, ClassVar, Literal, Mapping

from pydantic import BaseModel, ConfigDict, Field

from reconciler.errors import ApiError
from reconciler.providers.base import Live, Spec
from reconciler.providers.common import or_none
from reconciler.providers.lightdash.client import LightdashClient
from reconciler.providers.lightdash.resources import _content
from reconciler.providers.lightdash.resources._as_code import AsCode
from reconciler.providers.lightdash.resources._common import PATH_PATTERN, SLUG_PATTERN, nullable_text
from reconciler.providers.models import Model


class Tile(Model):
    """A dashboard tile as code: position, size, and the platform's ``properties``."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["saved_chart", "markdown", "loom"] = Field(description="saved_chart, markdown or loom")
    x: int = Field(ge=0, description="column (the grid is 36 wide)")
    y: int = Field(ge=0, description="row")
    w: int = Field(gt=0, description="width in columns")
    h: int = Field(gt=0, description="height in rows")
    tabUuid: str | None = Field(None, description="the tab (its uuid in tabs) the tile is on")
    tileSlug: str | None = Field(None, description="as Lightdash computes it (ignored when comparing)")
    properties: dict[str, Any] = Field(
        description="saved_chart: {chartSlug, title?, hideTitle?}; markdown: {title, content}; loom: {title, url}")


class DashboardTab(Model):
    model_config = ConfigDict(extra="forbid")

    uuid: str = Field(min_length=1, description="the tab's id (any string; tiles name it in tabUuid)")
    name: str = Field(description="tab title")
    order: int = Field(description="position")


class DashboardSpec(Model):
    """A dashboard (Lightdash content as code)."""

    model_config = ConfigDict(extra="forbid")

    project: str = Field(min_length=1, description="project uuid, e.g. ${lightdash_project.<name>.uuid}")
    slug: str = Field(pattern=SLUG_PATTERN, description="identifies the dashboard in the project; a new slug replaces it")
    name: str = Field(min_length=1, description="title")
    description: str | None = Field("", description="description")
    space: str = Field(pattern=PATH_PATTERN, description="path of the space holding it: ${lightdash_space.<name>.path}")
    tiles: list[Tile] = Field(default_factory=list, description="the tiles (order does not matter for layout)")
    tabs: list[DashboardTab] = Field(default_factory=list, description="tabs [{uuid, name, order}]")
    filters: dict[str, Any] | None = Field(
        default_factory=dict,
        description="DashboardAsCode filters: {dimensions, metrics, tableCalculations}; tileTargets by tile slug; "
                    "left out: none")


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Dashboard(AsCode):
    kind: ClassVar[str] = "dashboard"
    type_name: ClassVar[str] = "lightdash_dashboard"
    spec_model: ClassVar[type[BaseModel]] = DashboardSpec
    description: ClassVar[str] = "A dashboard as code, keyed by slug; tiles reference charts by slug"
    natural_key: ClassVar[tuple[str, ...]] = ("project", "slug")
    unique_key: ClassVar[str | None] = "a Lightdash dashboard slug is unique in its project"
    ref_fields: ClassVar[Mapping[str, str]] = {"space": "lightdash_space.path"}
    server_owned: ClassVar[frozenset[str]] = frozenset({"id", "uuid", "updated_at"})
    create_only: ClassVar[frozenset[str]] = frozenset({"project", "slug"})
    delete_note: ClassVar[str | None] = "its charts are kept; its scheduled deliveries go"
    optional: ClassVar[tuple[str, ...]] = ("description", "tiles", "tabs", "filters")

    client: LightdashClient

    def _as_code(self, project: str, ids: list[str] | None) -> list[dict]:
        return self.client.dashboards_as_code(project, ids)

    def _upsert(self, project: str, slug: str, body: dict) -> Any:
        return self.client.upsert_dashboard(project, slug, body)

    def _remove(self, uuid: str) -> None:
        self.client.delete_dashboard(uuid)

    def _uuids(self, project: str, slugs: list[str]) -> dict[str, str]:
        """From one paged v2 content list, or, on a server without ``/api/v2/content`` (before
        ~0.1788), each dashboard's own document (an older server may match a slug in another
        project: those are left out)."""
        try:
            return {i["slug"]: i["uuid"] for i in self.client.content(project, ["dashboard"]) if i.get("slug")}
        except ApiError as exc:
            if exc.status != 404:
                raise
        docs = [or_none(lambda s=slug: self.client.dashboard(s, project)) for slug in slugs]
        return {d["slug"]: d["uuid"] for d in docs if d and d.get("projectUuid") == project}

    @staticmethod
    def export_view(live: Live) -> Live:
        """Tiles and filters as a spec writes them (without the server's derived keys)."""
        return {**live, "tiles": _content.spec_tiles(live["tiles"]), "filters": _content.spec_filters(live["filters"])}

    def normalize(self, attrs: Mapping[str, Any]) -> dict[str, Any]:
        out = dict(attrs)
        if "description" in out:
            out["description"] = nullable_text(out["description"])
        if "tiles" in out:
            out["tiles"] = _content.tiles(out["tiles"])
        if "tabs" in out:
            out["tabs"] = _content.tabs(out["tabs"])
        if "filters" in out:
            out["filters"] = _content.filters(out["filters"])
        return out

    @staticmethod
    def _document(spec: Spec, current: Mapping[str, Any]) -> dict[str, Any]:
        """The DashboardAsCode to upsert; optional fields the spec leaves out keep their current value."""
        def pick(name: str, default: Any) -> Any:
            value = spec[name] if name in spec else current.get(name)
            return default if value is None else value

        filters = {"dimensions": [], "metrics": [], "tableCalculations": [], **pick("filters", {})}
        return {"name": spec["name"], "description": pick("description", None), "slug": spec["slug"],
                "spaceSlug": spec["space"], "tiles": pick("tiles", []), "tabs": pick("tabs", []),
                "filters": filters, "version": 1, "updatedAt": _now(), "skipSpaceCreate": True}

    @staticmethod
    def _live(project: str, uuid: str, doc: Mapping[str, Any]) -> Live:
        return {"id": f"{project}/{uuid}", "uuid": uuid, "project": project, "slug": doc.get("slug"),
                "name": doc.get("name"), "description": nullable_text(doc.get("description")),
                "space": doc.get("spaceSlug"), "tiles": doc.get("tiles") or [], "tabs": doc.get("tabs") or [],
                "filters": doc.get("filters") or {}, "updated_at": doc.get("updatedAt")}
