"""Scheduled deliveries (``SchedulerAndTargets``): created on a chart or a dashboard (the express
routes ``POST /saved/{chartUuid}/schedulers`` and ``POST /dashboards/{dashboardUuid}/schedulers``,
which also list them), read, updated, enabled and deleted through ``/schedulers/{uuid}`` (tsoa).

Targets are email (``{recipient}``) and Slack (``{channel}``) rows with their own uuids. A PATCH's
``targets`` is the whole new list: an entry with a target uuid of this scheduler updates it, one
without is created, and the ones left out are deleted (``SchedulerModel.updateScheduler``).
``enabled`` changes only through ``PATCH /schedulers/{uuid}/enabled``. Deleting a chart or a
dashboard deletes its schedulers (a foreign key cascade in Lightdash's database).

Checks beyond the body's shape (400 ``ParameterError``, inferred from ``SchedulerService``): a
five-field cron, an IANA time zone, a format of ``csv``/``xlsx``/``image``/``gsheets``, filters
only on a dashboard's scheduler.
"""

from __future__ import annotations

from typing import Any

from reconciler.providers.lightdash.cron import cron_error, timezone_error
from reconciler.providers.lightdash.sandbox.errors import NotFoundError, ParameterError
from reconciler.providers.lightdash.sandbox.models.core import Doc, copied
from reconciler.providers.lightdash.sandbox.models.dashboards import DashboardModels

FORMATS = ("csv", "xlsx", "image", "gsheets")
#: the optional keys a scheduler keeps when they are given (alerts, dashboard deliveries)
OPTIONAL = ("thresholds", "notificationFrequency", "customViewportWidth", "selectedTabs")


class SchedulerModels(DashboardModels):
    """Scheduled deliveries of charts and dashboards."""

    # -- shapes -----------------------------------------------------------------------------------
    def _scheduler_doc(self, scheduler: Doc) -> Doc:
        doc = {k: copied(v) for k, v in scheduler.items() if k != "targets" and v is not None}
        doc["savedChartUuid"] = scheduler["savedChartUuid"]
        doc["dashboardUuid"] = scheduler["dashboardUuid"]
        doc["targets"] = [copied(t) for t in scheduler["targets"]]
        return doc

    def _scheduler(self, scheduler_uuid: str) -> Doc:
        scheduler = self._s["schedulers"].get(scheduler_uuid)
        if scheduler is None:
            raise NotFoundError(f"Scheduler with uuid {scheduler_uuid} does not exist")
        return scheduler

    # -- validation -------------------------------------------------------------------------------
    def _checked(self, body: Any, *, dashboard: bool, current: Doc | None = None) -> Doc:
        """The scheduler fields of a create or PATCH body, checked; ``current`` supplies what a
        PATCH leaves out."""
        if not isinstance(body, dict):
            raise ParameterError("Request body must be a JSON object")
        current = current or {}
        merged = {**current, **{k: v for k, v in body.items() if k in (
            "name", "message", "format", "cron", "timezone", "options", "includeLinks", "filters", *OPTIONAL)}}
        name = merged.get("name")
        if not isinstance(name, str) or not name.strip():
            raise ParameterError("Scheduler name is required")
        if merged.get("format") not in FORMATS:
            raise ParameterError(f"Invalid scheduler format {merged.get('format')!r}; expected one of {', '.join(FORMATS)}")
        cron = merged.get("cron")
        problem = cron_error(cron) if isinstance(cron, str) else "cron is required"
        if problem:
            raise ParameterError(f"Invalid cron expression: {problem}")
        timezone = merged.get("timezone")
        if timezone is not None and (not isinstance(timezone, str) or timezone_error(timezone)):
            raise ParameterError(f"Invalid timezone {timezone!r}")
        if not isinstance(merged.get("options", {}), dict):
            raise ParameterError("Scheduler options must be an object")
        if merged.get("filters") is not None and (not dashboard or not isinstance(merged["filters"], list)):
            raise ParameterError("Scheduler filters are a list, and only on a dashboard's scheduler")
        if "message" in merged and merged["message"] is not None and not isinstance(merged["message"], str):
            raise ParameterError("Scheduler message must be a string")
        targets = body.get("targets", None if current else [])
        if targets is not None and not isinstance(targets, list):
            raise ParameterError("Scheduler targets must be a list")
        for target in targets or []:
            kinds = [k for k in ("recipient", "channel") if isinstance(target, dict) and isinstance(target.get(k), str)]
            if len(kinds) != 1:
                raise ParameterError("Each scheduler target has either a recipient (email) or a channel (Slack)")
        return {"name": name, "message": merged.get("message"), "format": merged["format"], "cron": cron,
                "timezone": timezone, "options": copied(merged.get("options") or {}),
                "includeLinks": bool(merged.get("includeLinks", True)),
                "filters": copied(merged.get("filters")) if dashboard else None,
                **{k: copied(merged.get(k)) for k in OPTIONAL}}

    def _targets(self, scheduler_uuid: str, wanted: list[Doc], existing: list[Doc], now: str) -> list[Doc]:
        """The new target rows: kept (by uuid, updated), created (no uuid), the rest dropped."""
        by_uuid = {t.get("schedulerEmailTargetUuid") or t.get("schedulerSlackTargetUuid"): t for t in existing}
        out: list[Doc] = []
        for target in wanted:
            email = "recipient" in target and isinstance(target["recipient"], str)
            key = "schedulerEmailTargetUuid" if email else "schedulerSlackTargetUuid"
            value_key = "recipient" if email else "channel"
            old = by_uuid.get(target.get(key))
            if old is not None and key in old:
                out.append({**old, value_key: target[value_key], "updatedAt": now})
            else:
                out.append({key: self.new_uuid(), "schedulerUuid": scheduler_uuid, value_key: target[value_key],
                            "createdAt": now, "updatedAt": now})
        return out

    # -- operations -------------------------------------------------------------------------------
    def create_scheduler(self, body: Any, *, chart_uuid: str | None = None, dashboard_uuid: str | None = None) -> Doc:
        if chart_uuid is not None:
            chart_uuid = self._chart(chart_uuid)["uuid"]
        else:
            dashboard_uuid = self._dashboard(dashboard_uuid or "")["uuid"]
        fields = self._checked(body, dashboard=dashboard_uuid is not None)
        now = self.now()
        uuid = self.new_uuid()
        scheduler = {"schedulerUuid": uuid, **fields, "savedChartUuid": chart_uuid, "dashboardUuid": dashboard_uuid,
                     "createdBy": self.caller["userUuid"], "createdAt": now, "updatedAt": now,
                     "enabled": body.get("enabled", True) is not False}
        scheduler["targets"] = self._targets(uuid, body.get("targets") or [], [], now)
        self._s["schedulers"][uuid] = scheduler
        return self._scheduler_doc(scheduler)

    def list_chart_schedulers(self, chart_uuid: str) -> list[Doc]:
        chart = self._chart(chart_uuid)
        return [self._scheduler_doc(s) for s in self._s["schedulers"].values() if s["savedChartUuid"] == chart["uuid"]]

    def list_dashboard_schedulers(self, dashboard_uuid: str) -> list[Doc]:
        dashboard = self._dashboard(dashboard_uuid)
        return [self._scheduler_doc(s) for s in self._s["schedulers"].values()
                if s["dashboardUuid"] == dashboard["uuid"]]

    def get_scheduler(self, scheduler_uuid: str) -> Doc:
        return self._scheduler_doc(self._scheduler(scheduler_uuid))

    def update_scheduler(self, scheduler_uuid: str, body: Any) -> Doc:
        scheduler = self._scheduler(scheduler_uuid)
        fields = self._checked(body, dashboard=scheduler["dashboardUuid"] is not None, current=scheduler)
        now = self.now()
        if isinstance(body.get("targets"), list):
            scheduler["targets"] = self._targets(scheduler_uuid, body["targets"], scheduler["targets"], now)
        scheduler.update(fields, updatedAt=now)
        return self._scheduler_doc(scheduler)

    def set_scheduler_enabled(self, scheduler_uuid: str, enabled: bool) -> Doc:
        scheduler = self._scheduler(scheduler_uuid)
        scheduler.update(enabled=enabled, updatedAt=self.now())
        return self._scheduler_doc(scheduler)

    def delete_scheduler(self, scheduler_uuid: str) -> None:
        del self._s["schedulers"][self._scheduler(scheduler_uuid)["schedulerUuid"]]
