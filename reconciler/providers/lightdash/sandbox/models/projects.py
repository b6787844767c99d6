"""Project settings a user may change without a recompile, and content validation.

- ``PATCH /projects/{p}/schedulerSettings`` ``{schedulerTimezone}`` (an IANA name; 400 otherwise,
  inferred) and ``PATCH /projects/{p}/metadata`` ``{upstreamProjectUuid}`` (a project of the
  organization other than itself, or null; 404 / 400 otherwise, inferred). Both answer an empty
  success.
- ``POST /projects/{p}/validate`` starts a validation job and answers ``{jobId}``; the emulator
  runs it at once, so ``GET /schedulers/job/{jobId}/status`` is ``completed`` from the start and
  ``GET /projects/{p}/validate?jobId=`` (or the latest run without ``jobId``) answers the errors:
  a chart whose explore is gone or whose dimensions, metrics or sorts name fields the explore does
  not have; a dashboard whose filters name such fields, or whose chart tile points at a chart that
  was deleted (the latter inferred). Error texts follow Lightdash's ``ValidationService``.
"""

from __future__ import annotations

from typing import Any

from reconciler.providers.lightdash.cron import timezone_error
from reconciler.providers.lightdash.sandbox import payloads as p
from reconciler.providers.lightdash.sandbox.errors import NotFoundError, ParameterError
from reconciler.providers.lightdash.sandbox.models.core import Doc, WorldBase, copied


def _fields(explore: Doc) -> set[str]:
    return {f for table in explore["tables"].values() for kind in ("dimensions", "metrics") for f in table[kind]}


class ProjectModels(WorldBase):
    """Project scheduler settings, metadata and validation."""

    def update_scheduler_settings(self, project_uuid: str, body: Any) -> None:
        data = p.parse(p.UpdateSchedulerSettings, body)
        project = self._project(project_uuid)
        problem = timezone_error(data.schedulerTimezone)
        if problem:
            raise ParameterError(f"Invalid timezone: {problem}")
        project["schedulerTimezone"] = data.schedulerTimezone

    def update_project_metadata(self, project_uuid: str, body: Any) -> None:
        data = p.parse(p.UpdateMetadata, body)
        project = self._project(project_uuid)
        if "upstreamProjectUuid" not in data.model_fields_set:
            return
        upstream = data.upstreamProjectUuid
        if upstream is not None:
            if upstream == project_uuid:
                raise ParameterError("A project cannot be its own upstream project")
            self._project(upstream)
        project["upstreamProjectUuid"] = upstream

    # -- validation -------------------------------------------------------------------------------
    def _chart_errors(self, chart: Doc, base: Doc) -> list[Doc]:
        explore = self._s["projects"][chart["projectUuid"]]["explores"].get(chart["tableName"])
        row = {**base, "source": "chart", "chartUuid": chart["uuid"], "name": chart["name"],
               "chartName": chart["name"], "chartViews": chart["views"], "spaceUuid": chart["spaceUuid"],
               "lastUpdatedAt": chart["updatedAt"], "lastUpdatedBy": chart["updatedByUser"]["firstName"]}
        if explore is None:
            return [{**row, "errorType": "model", "fieldName": chart["tableName"],
                     "error": f"Model \"{chart['tableName']}\" is missing"}]
        known = _fields(explore)
        query = chart["metricQuery"]
        out = []
        for kind, key in (("dimension", "dimensions"), ("metric", "metrics")):
            for field in query.get(key) or []:
                if field not in known:
                    out.append({**row, "errorType": kind, "fieldName": field,
                                "error": f"{kind.capitalize()} error: the field '{field}' no longer exists"})
        for sort in query.get("sorts") or []:
            field = sort.get("fieldId") if isinstance(sort, dict) else None
            calculations = {c.get("name") for c in query.get("tableCalculations") or [] if isinstance(c, dict)}
            if field and field not in known and field not in calculations:
                out.append({**row, "errorType": "sorting", "fieldName": field,
                            "error": f"Sorting error: the field '{field}' no longer exists"})
        return out

    def _dashboard_errors(self, dashboard: Doc, base: Doc) -> list[Doc]:
        explores = self._s["projects"][dashboard["projectUuid"]]["explores"]
        known = {f for explore in explores.values() for f in _fields(explore)}
        row = {**base, "source": "dashboard", "dashboardUuid": dashboard["uuid"], "name": dashboard["name"],
               "dashboardViews": dashboard["views"], "spaceUuid": dashboard["spaceUuid"],
               "lastUpdatedAt": dashboard["updatedAt"], "lastUpdatedBy": dashboard["updatedByUser"]["firstName"]}
        out = []
        for rule in (dashboard["filters"] or {}).get("dimensions") or []:
            field = (rule.get("target") or {}).get("fieldId") if isinstance(rule, dict) else None
            if field and field not in known:
                out.append({**row, "errorType": "filter", "fieldName": field,
                            "error": f"Filter error: the field '{field}' no longer exists"})
        for tile in dashboard["tiles"]:
            if tile["type"] == "saved_chart" and not self._s["charts"].get(tile["properties"].get("savedChartUuid") or ""):
                out.append({**row, "errorType": "chart", "chartName": tile["properties"].get("title") or "",
                            "error": "Chart error: a tile's chart no longer exists"})
        return out

    def validate_project(self, project_uuid: str, body: Any) -> Doc:
        """Run the validation now; ``{jobId}`` names its results."""
        if body is not None and not isinstance(body, dict):
            raise ParameterError("Request body must be a JSON object")
        self._project(project_uuid)
        job_id = self.new_uuid()
        targets = set((body or {}).get("validationTargets") or ("charts", "dashboards", "tables"))
        now = self.now()
        errors: list[Doc] = []
        for index, chart in enumerate(c for c in self._s["charts"].values() if c["projectUuid"] == project_uuid):
            if "charts" in targets:
                errors.extend(self._chart_errors(chart, {"projectUuid": project_uuid, "createdAt": now}))
        for dashboard in [d for d in self._s["dashboards"].values() if d["projectUuid"] == project_uuid]:
            if "dashboards" in targets:
                errors.extend(self._dashboard_errors(dashboard, {"projectUuid": project_uuid, "createdAt": now}))
        for number, error in enumerate(errors, start=1):
            error["validationId"] = number
        self._s["validations"][project_uuid] = {"jobId": job_id, "errors": errors, "createdAt": now}
        return {"jobId": job_id}

    def validation_results(self, project_uuid: str, job_id: str | None = None) -> list[Doc]:
        self._project(project_uuid)
        run = self._s["validations"].get(project_uuid)
        if run is None or (job_id is not None and run["jobId"] != job_id):
            return []
        return copied(run["errors"])

    def job_status(self, job_id: str) -> Doc:
        for project_uuid, run in self._s["validations"].items():
            if run["jobId"] == job_id:
                return {"status": "completed", "details": {"projectUuid": project_uuid, "createdByUserUuid":
                                                           self.caller["userUuid"]}}
        raise NotFoundError(f"Job {job_id} not found")
