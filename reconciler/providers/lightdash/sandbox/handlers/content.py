"""Thin HTTP adapters for spaces, saved charts, dashboards, content as code and v2 content.

Space creation answers 200 (not the 201 its docstring suggests) and ``DELETE`` of a space 200
(the spec says 204); dashboard creation answers 201; everything else 200 (reference §A.5).
"""

from __future__ import annotations

from reconciler.providers.lightdash.sandbox.handlers.common import Params, body, flag, number, ok
from reconciler.providers.lightdash.sandbox.models import LightdashWorld
from reconciler.sandbox.wire import SandboxRequest, SandboxResponse

W = LightdashWorld
R = SandboxRequest


# -- spaces -----------------------------------------------------------------------------------------
def list_spaces(w: W, r: R, p: Params) -> SandboxResponse:
    return ok(w.list_spaces(p["projectUuid"]))


def create_space(w: W, r: R, p: Params) -> SandboxResponse:
    return ok(w.create_space(p["projectUuid"], body(r)))


def get_space(w: W, r: R, p: Params) -> SandboxResponse:
    return ok(w.get_space(p["projectUuid"], p["spaceUuid"]))


def update_space(w: W, r: R, p: Params) -> SandboxResponse:
    return ok(w.update_space(p["projectUuid"], p["spaceUuid"], body(r)))


def delete_space(w: W, r: R, p: Params) -> SandboxResponse:
    w.delete_space(p["projectUuid"], p["spaceUuid"])
    return ok()


def share_space_user(w: W, r: R, p: Params) -> SandboxResponse:
    w.share_space_with_user(p["projectUuid"], p["spaceUuid"], body(r))
    return ok()


def unshare_space_user(w: W, r: R, p: Params) -> SandboxResponse:
    w.unshare_space_with_user(p["projectUuid"], p["spaceUuid"], p["userUuid"])
    return ok()


def share_space_group(w: W, r: R, p: Params) -> SandboxResponse:
    w.share_space_with_group(p["projectUuid"], p["spaceUuid"], body(r))
    return ok()


def unshare_space_group(w: W, r: R, p: Params) -> SandboxResponse:
    w.unshare_space_with_group(p["projectUuid"], p["spaceUuid"], p["groupUuid"])
    return ok()


# -- saved charts (legacy express routes and lists) -------------------------------------------------
def list_charts(w: W, r: R, p: Params) -> SandboxResponse:
    return ok(w.list_charts(p["projectUuid"]))


def list_chart_summaries(w: W, r: R, p: Params) -> SandboxResponse:
    return ok(w.list_chart_summaries(p["projectUuid"], flag(r, "excludeChartsSavedInDashboard")))


def create_saved_chart(w: W, r: R, p: Params) -> SandboxResponse:
    return ok(w.create_saved_chart(p["projectUuid"], body(r)))


def get_saved_chart(w: W, r: R, p: Params) -> SandboxResponse:
    return ok(w.get_saved_chart(p["chartUuidOrSlug"], r.arg("projectUuid")))


def update_saved_chart(w: W, r: R, p: Params) -> SandboxResponse:
    return ok(w.update_saved_chart(p["chartUuidOrSlug"], body(r)))


def create_chart_version(w: W, r: R, p: Params) -> SandboxResponse:
    return ok(w.create_chart_version(p["chartUuidOrSlug"], body(r)))


def chart_history(w: W, r: R, p: Params) -> SandboxResponse:
    return ok(w.chart_history(p["chartUuidOrSlug"]))


def delete_saved_chart(w: W, r: R, p: Params) -> SandboxResponse:
    w.delete_saved_chart(p["chartUuidOrSlug"], r.arg("projectUuid"))
    return ok()


# -- dashboards -------------------------------------------------------------------------------------
def list_dashboards(w: W, r: R, p: Params) -> SandboxResponse:
    return ok(w.list_dashboards(p["projectUuid"]))


def create_dashboard(w: W, r: R, p: Params) -> SandboxResponse:
    return ok(w.create_dashboard(p["projectUuid"], body(r)), 201)


def get_dashboard(w: W, r: R, p: Params) -> SandboxResponse:
    return ok(w.get_dashboard(p["dashboardUuidOrSlug"], r.arg("projectUuid")))


def update_dashboard(w: W, r: R, p: Params) -> SandboxResponse:
    return ok(w.update_dashboard(p["dashboardUuidOrSlug"], body(r)))


def delete_dashboard(w: W, r: R, p: Params) -> SandboxResponse:
    w.delete_dashboard(p["dashboardUuidOrSlug"], r.arg("projectUuid"))
    return ok()


# -- content as code --------------------------------------------------------------------------------
def charts_as_code(w: W, r: R, p: Params) -> SandboxResponse:
    ids = r.args("ids") if "ids" in r.query else None
    return ok(w.charts_as_code(p["projectUuid"], ids, number(r, "offset") or 0))


def upsert_chart_as_code(w: W, r: R, p: Params) -> SandboxResponse:
    return ok(w.upsert_chart_as_code(p["projectUuid"], p["slug"], body(r)))


def dashboards_as_code(w: W, r: R, p: Params) -> SandboxResponse:
    ids = r.args("ids") if "ids" in r.query else None
    return ok(w.dashboards_as_code(p["projectUuid"], ids, number(r, "offset") or 0))


def upsert_dashboard_as_code(w: W, r: R, p: Params) -> SandboxResponse:
    return ok(w.upsert_dashboard_as_code(p["projectUuid"], p["slug"], body(r)))


# -- v2 ---------------------------------------------------------------------------------------------
def list_content(w: W, r: R, p: Params) -> SandboxResponse:
    return ok(w.list_content(project_uuids=r.args("projectUuids"), space_uuids=r.args("spaceUuids"),
                             content_types=r.args("contentTypes"), page=number(r, "page") or 1,
                             page_size=number(r, "pageSize") or 10, search=r.arg("search")))


def move_content(w: W, r: R, p: Params) -> SandboxResponse:
    w.move_content(p["projectUuid"], body(r))
    return ok()
