"""Thin HTTP adapters for scheduled deliveries, project settings and content validation.

Scheduler writes answer 200 as Lightdash's controllers set them (``this.setStatus(200)``; the
spec's ``201`` for ``PATCH``/``DELETE /schedulers/{uuid}`` is the decorator's, reference §A.5).
"""

from __future__ import annotations

from reconciler.providers.lightdash.sandbox import payloads
from reconciler.providers.lightdash.sandbox.handlers.common import Params, body, ok
from reconciler.providers.lightdash.sandbox.models import LightdashWorld
from reconciler.sandbox.wire import SandboxRequest, SandboxResponse

W = LightdashWorld
R = SandboxRequest


# -- schedulers -------------------------------------------------------------------------------------
def list_chart_schedulers(w: W, r: R, p: Params) -> SandboxResponse:
    return ok(w.list_chart_schedulers(p["chartUuid"]))


def create_chart_scheduler(w: W, r: R, p: Params) -> SandboxResponse:
    return ok(w.create_scheduler(body(r), chart_uuid=p["chartUuid"]))


def list_dashboard_schedulers(w: W, r: R, p: Params) -> SandboxResponse:
    return ok(w.list_dashboard_schedulers(p["dashboardUuid"]))


def create_dashboard_scheduler(w: W, r: R, p: Params) -> SandboxResponse:
    return ok(w.create_scheduler(body(r), dashboard_uuid=p["dashboardUuid"]))


def get_scheduler(w: W, r: R, p: Params) -> SandboxResponse:
    return ok(w.get_scheduler(p["schedulerUuid"]))


def update_scheduler(w: W, r: R, p: Params) -> SandboxResponse:
    return ok(w.update_scheduler(p["schedulerUuid"], body(r)))


def set_scheduler_enabled(w: W, r: R, p: Params) -> SandboxResponse:
    data = payloads.parse(payloads.UpdateSchedulerEnabled, body(r))
    return ok(w.set_scheduler_enabled(p["schedulerUuid"], data.enabled))


def delete_scheduler(w: W, r: R, p: Params) -> SandboxResponse:
    w.delete_scheduler(p["schedulerUuid"])
    return ok()


def job_status(w: W, r: R, p: Params) -> SandboxResponse:
    return ok(w.job_status(p["jobId"]))


# -- project settings and validation ----------------------------------------------------------------
def update_scheduler_settings(w: W, r: R, p: Params) -> SandboxResponse:
    w.update_scheduler_settings(p["projectUuid"], body(r))
    return ok()


def update_project_metadata(w: W, r: R, p: Params) -> SandboxResponse:
    w.update_project_metadata(p["projectUuid"], body(r))
    return ok()


def validate_project(w: W, r: R, p: Params) -> SandboxResponse:
    return ok(w.validate_project(p["projectUuid"], body(r)))


def validation_results(w: W, r: R, p: Params) -> SandboxResponse:
    return ok(w.validation_results(p["projectUuid"], r.arg("jobId") or None))
