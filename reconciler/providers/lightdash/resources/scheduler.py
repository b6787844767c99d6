"""``lightdash_scheduler``: a scheduled delivery of a chart or a dashboard (what goes to whom, by
email or Slack, when, in what format).

The chart or dashboard is named by its slug in the project (reference
``${lightdash_chart.<name>.slug}`` so it is applied first); a scheduler cannot move to another
one, so changing ``project``, ``chart`` or ``dashboard`` replaces it. The id is
``<projectUuid>/<schedulerUuid>``; the natural key is (project, chart, dashboard, name), which
Lightdash does not keep unique: adopting a name two deliveries of one chart share is refused.

    list    GET   /projects/{p}/charts + GET /saved/{chartUuid}/schedulers each (express), and
                  GET /projects/{p}/dashboards + GET /dashboards/{dashboardUuid}/schedulers each
    read    GET   /schedulers/{uuid}, then the chart's or dashboard's slug (GET /saved/{uuid} or
                  GET /dashboards/{uuid})
    create  POST  /saved/{chartUuid}/schedulers or /dashboards/{dashboardUuid}/schedulers
    update  PATCH /schedulers/{uuid} with every field and the whole target list (kept targets carry
                  their uuid; the others are deleted), then PATCH /schedulers/{uuid}/enabled when
                  ``enabled`` changes (the PATCH does not change it)
    delete  DELETE /schedulers/{uuid}

Targets are a set of ``{type: email, recipient}`` and ``{type: slack, channel}`` entries. A
``csv``/``xlsx`` delivery's ``options`` default to ``{formatted: true, limit: table}``.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Iterable, Literal, Mapping, Union

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from reconciler.errors import ApiError, ProviderError
from reconciler.providers.base import Live, ResourceType, Spec
from reconciler.providers.common import fan_out, join_id, or_none, split_id
from reconciler.providers.lightdash.client import LightdashClient
from reconciler.providers.lightdash.cron import ALLOWED, cron_error, timezone_error
from reconciler.providers.lightdash.resources._common import EMAIL_PATTERN
from reconciler.providers.models import Model

Format = Literal["csv", "xlsx", "image", "gsheets"]
#: the options keys each format takes, and the defaults Lightdash's UI sends
OPTION_KEYS: dict[str, frozenset[str]] = {
    "csv": frozenset({"formatted", "limit", "asAttachment"}),
    "xlsx": frozenset({"formatted", "limit", "asAttachment"}),
    "image": frozenset({"withPdf", "pagePerTab"}),
    "gsheets": frozenset({"gdriveId", "gdriveName", "gdriveOrganizationName", "url", "tabName"}),
}
TABLE_DEFAULTS = {"formatted": True, "limit": "table"}


class EmailTarget(Model):
    model_config = ConfigDict(extra="forbid")

    type: Literal["email"] = Field(description="email")
    recipient: str = Field(pattern=EMAIL_PATTERN, description="the address the delivery is mailed to")


class SlackTarget(Model):
    model_config = ConfigDict(extra="forbid")

    type: Literal["slack"] = Field(description="slack")
    channel: str = Field(min_length=1, description="the Slack channel (its id, e.g. C0123ABCD) or user id")


Target = Annotated[Union[EmailTarget, SlackTarget], Field(discriminator="type")]


class SchedulerSpec(Model):
    """A scheduled delivery of one chart or one dashboard."""

    model_config = ConfigDict(extra="forbid")

    project: str = Field(min_length=1, description="project uuid, e.g. ${lightdash_project.<name>.uuid}")
    chart: str = Field("", description="slug of the chart delivered: ${lightdash_chart.<name>.slug} "
                                       "(exactly one of chart and dashboard)")
    dashboard: str = Field("", description="slug of the dashboard delivered: ${lightdash_dashboard.<name>.slug}")
    name: str = Field(min_length=1, description="the delivery's name")
    cron: str = Field(description="when, as five-field cron in the delivery's time zone, e.g. '0 9 * * 1-5'")
    timezone: str | None = Field(None, description="IANA time zone (e.g. Europe/London); none: the project's "
                                                   "scheduler time zone")
    format: Format = Field(description="csv, xlsx, image (a screenshot, optionally a PDF) or gsheets")
    options: dict[str, Any] = Field(
        default_factory=dict,
        description="the format's options: csv/xlsx {formatted, limit: table|all|<rows>, asAttachment}; "
                    "image {withPdf, pagePerTab}; gsheets {gdriveId, gdriveName, gdriveOrganizationName, url}")
    message: str | None = Field("", description="text sent with the delivery")
    include_links: bool = Field(True, description="include a link back to Lightdash")
    targets: list[Target] = Field(default_factory=list,
                                  description="who receives it: [{type: email, recipient}] and [{type: slack, channel}]")
    filters: list[dict[str, Any]] = Field(
        default_factory=list,
        description="dashboard deliveries only: dashboard filter overrides (Lightdash's SchedulerFilterRule: "
                    "{id, target: {fieldId, tableName}, operator, values})")
    enabled: bool = Field(True, description="false pauses the delivery")

    @field_validator("cron")
    @classmethod
    def _cron(cls, value: str) -> str:
        problem = cron_error(value)
        if problem:
            raise ValueError(f"invalid cron: {problem}; allowed: {ALLOWED}")
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str | None) -> str | None:
        problem = timezone_error(value) if value is not None else None
        if problem:
            raise ValueError(problem)
        return value

    @model_validator(mode="after")
    def _one_target_and_options(self) -> "SchedulerSpec":
        if bool(self.chart) == bool(self.dashboard):
            raise ValueError("give exactly one of chart (a chart's slug) and dashboard (a dashboard's slug)")
        if self.filters and not self.dashboard:
            raise ValueError("filters apply to a dashboard's delivery only")
        unknown = sorted(set(self.options) - OPTION_KEYS[self.format])
        if unknown:
            raise ValueError(f"options {unknown} are not {self.format} options; allowed: "
                             f"{', '.join(sorted(OPTION_KEYS[self.format]))}")
        limit = self.options.get("limit", "table")
        if self.format in ("csv", "xlsx") and not (limit in ("table", "all") or (isinstance(limit, int) and limit > 0)):
            raise ValueError(f"options.limit {limit!r} is not table, all or a number of rows")
        return self


def _options(fmt: Any, options: Any) -> Any:
    if fmt in ("csv", "xlsx") and isinstance(options, Mapping):
        return {**TABLE_DEFAULTS, **options}
    return dict(options) if isinstance(options, Mapping) else ({} if options is None else options)


def _target_key(target: Mapping[str, Any]) -> tuple[str, str]:
    return (str(target.get("type")), str(target.get("recipient") or target.get("channel")))


def normalize_targets(targets: Any) -> Any:
    """A set of targets: one per (type, address), sorted."""
    if targets is None:
        return []
    if not isinstance(targets, (list, tuple)) or not all(isinstance(t, Mapping) for t in targets):
        return targets
    unique = {_target_key(t): dict(t) for t in targets}
    return [unique[k] for k in sorted(unique)]


def _wire_targets(targets: list[Mapping[str, Any]], current: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The PATCH/POST target list: a desired target that exists keeps its uuid."""
    existing: dict[tuple[str, str], str] = {}
    for row in current:
        if "schedulerEmailTargetUuid" in row:
            existing[("email", row["recipient"])] = row["schedulerEmailTargetUuid"]
        elif "schedulerSlackTargetUuid" in row:
            existing[("slack", row["channel"])] = row["schedulerSlackTargetUuid"]
    out = []
    for target in normalize_targets(targets):
        key = _target_key(target)
        if key[0] == "email":
            row = {"recipient": key[1]}
            uuid_key = "schedulerEmailTargetUuid"
        else:
            row = {"channel": key[1]}
            uuid_key = "schedulerSlackTargetUuid"
        if key in existing:
            row[uuid_key] = existing[key]
        out.append(row)
    return out


class Scheduler(ResourceType):
    type_name: ClassVar[str] = "lightdash_scheduler"
    spec_model: ClassVar[type[BaseModel]] = SchedulerSpec
    description: ClassVar[str] = "A scheduled delivery of a chart or dashboard by email or Slack"
    natural_key: ClassVar[tuple[str, ...]] = ("project", "chart", "dashboard", "name")
    server_owned: ClassVar[frozenset[str]] = frozenset({"id", "uuid", "created_by", "updated_at"})
    create_only: ClassVar[frozenset[str]] = frozenset({"project", "chart", "dashboard"})
    ref_fields: ClassVar[Mapping[str, str]] = {"chart": "lightdash_chart.slug",
                                               "dashboard": "lightdash_dashboard.slug"}
    container: ClassVar[str | None] = "project"

    client: LightdashClient

    # -- reads ------------------------------------------------------------------------------------
    def read(self, object_id: str) -> Live | None:
        project, uuid = split_id(object_id, "<projectUuid>/<schedulerUuid>", sep="/")
        doc = or_none(lambda: self.client.scheduler(uuid))
        if doc is None:
            return None
        if doc.get("savedChartUuid"):
            target = or_none(lambda: self.client.saved_chart(doc["savedChartUuid"], project))
            return self._live(project, doc, chart=target["slug"]) if target else None
        target = or_none(lambda: self.client.dashboard(doc["dashboardUuid"], project))
        return self._live(project, doc, dashboard=target["slug"]) if target else None

    def container_of(self, object_id: str) -> str | None:
        return object_id.split("/", 1)[0]

    def list(self, container: str | None) -> Iterable[tuple[str, Live]]:
        project = str(container)
        try:
            charts = [(c["uuid"], c["slug"]) for c in self.client.charts(project)]
            dashboards = [(d["uuid"], d.get("slug") or self._dashboard_slug(project, d["uuid"]))
                          for d in self.client.dashboards(project)]
        except ApiError as exc:
            if exc.status == 404:
                return []
            raise
        found = fan_out(lambda item: [self._live(project, s, chart=item[1])
                                      for s in self.client.schedulers_of("saved", item[0])], charts)
        found += fan_out(lambda item: [self._live(project, s, dashboard=item[1])
                                       for s in self.client.schedulers_of("dashboards", item[0])], dashboards)
        return [(live["id"], live) for batch in found for live in batch]

    def _dashboard_slug(self, project: str, uuid: str) -> str:
        return self.client.dashboard(uuid, project)["slug"]

    # -- writes -----------------------------------------------------------------------------------
    def create(self, spec: Spec) -> tuple[str, Live]:
        want = SchedulerSpec.model_validate(spec)
        kind, uuid = self._target(want)
        body = {**self._body(want, [], create=True), "enabled": want.enabled}
        doc = self.client.create_scheduler(kind, uuid, body)
        live = self._live(want.project, doc, chart=want.chart, dashboard=want.dashboard)
        return live["id"], live

    def update(self, object_id: str, live: Live, spec: Spec, changed: frozenset[str]) -> Live:
        project, uuid = split_id(object_id, "<projectUuid>/<schedulerUuid>", sep="/")
        want = SchedulerSpec.model_validate(spec)
        current = self.client.scheduler(uuid)
        doc = self.client.update_scheduler(uuid, self._body(want, current.get("targets") or []))
        if bool(doc.get("enabled", True)) != want.enabled:
            doc = self.client.set_scheduler_enabled(uuid, want.enabled)
        return self._live(project, doc, chart=want.chart, dashboard=want.dashboard)

    def delete(self, object_id: str, *, attrs: Mapping[str, Any] | None = None) -> None:
        _, uuid = split_id(object_id, "<projectUuid>/<schedulerUuid>", sep="/")
        or_none(lambda: self.client.delete_scheduler(uuid))

    def normalize(self, attrs: Mapping[str, Any]) -> dict[str, Any]:
        out = dict(attrs)
        for key in ("chart", "dashboard", "message"):
            if key in out and out[key] is None:
                out[key] = ""
        if "options" in out:
            out["options"] = _options(out.get("format"), out["options"])
        if "targets" in out:
            out["targets"] = normalize_targets(out["targets"])
        if "filters" in out and out["filters"] is None:
            out["filters"] = []
        return out

    def last_modified(self, live: Live) -> tuple[str | None, str | None] | None:
        return None, live.get("updated_at")

    # -- wire -------------------------------------------------------------------------------------
    def _target(self, want: SchedulerSpec) -> tuple[str, str]:
        """(``saved`` or ``dashboards``, uuid) of the chart or dashboard delivered."""
        slug, kind, what = ((want.chart, "saved", "chart") if want.chart else (want.dashboard, "dashboards", "dashboard"))
        read = self.client.saved_chart if kind == "saved" else self.client.dashboard
        doc = or_none(lambda: read(slug, want.project))
        if doc is None:
            raise ProviderError(f"no Lightdash {what} has the slug {slug!r} in project {want.project}",
                                hint=f"create it (lightdash_{what}) and reference it: ${{lightdash_{what}.<name>.slug}}")
        return kind, doc["uuid"]

    @staticmethod
    def _body(want: SchedulerSpec, current_targets: list[Mapping[str, Any]], *, create: bool = False) -> dict[str, Any]:
        body: dict[str, Any] = {
            "name": want.name, "message": want.message or "", "format": want.format, "cron": want.cron,
            "timezone": want.timezone, "options": _options(want.format, want.options),
            "includeLinks": want.include_links,
            "targets": _wire_targets([t.model_dump() for t in want.targets], current_targets),
        }
        if want.dashboard:
            body["filters"] = want.filters
        if want.timezone is None and create:  # left out: the project's; an update sends null to clear it
            body.pop("timezone")
        return body

    @staticmethod
    def _live(project: str, doc: Mapping[str, Any], *, chart: str = "", dashboard: str = "") -> Live:
        targets = [{"type": "email", "recipient": t["recipient"]} if "recipient" in t
                   else {"type": "slack", "channel": t.get("channel")} for t in doc.get("targets") or []]
        uuid = doc["schedulerUuid"]
        return {"id": join_id(project, uuid, sep="/"), "uuid": uuid, "project": project,
                "chart": chart if doc.get("savedChartUuid") else "",
                "dashboard": dashboard if doc.get("dashboardUuid") else "",
                "name": doc.get("name"), "cron": doc.get("cron"), "timezone": doc.get("timezone"),
                "format": doc.get("format"), "options": dict(doc.get("options") or {}),
                "message": doc.get("message") or "", "include_links": bool(doc.get("includeLinks", True)),
                "targets": normalize_targets(targets), "filters": list(doc.get("filters") or []),
                "enabled": bool(doc.get("enabled", True)), "created_by": doc.get("createdBy"),
                "updated_at": doc.get("updatedAt")}
