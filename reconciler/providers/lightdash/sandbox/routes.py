"""Every Lightdash operation the emulator serves: method + path pattern -> handler.

Patterns are relative to the sandbox's ``/lightdash`` mount and include Lightdash's own
``/api/v1`` or ``/api/v2`` prefix. Literal segments win over placeholders, so
``/org/users/email/{email}`` and ``/projects/{p}/charts/code`` need no special casing.
"""

from __future__ import annotations

from reconciler.providers.lightdash.sandbox.handlers import content as c
from reconciler.providers.lightdash.sandbox.handlers import org as o
from reconciler.providers.lightdash.sandbox.handlers import schedulers as sc
from reconciler.sandbox.routing import Route

V1 = "/api/v1"
_P = V1 + "/projects/{projectUuid}"
_S = _P + "/spaces/{spaceUuid}"
_G = V1 + "/groups/{groupUuid}"

#: paths answered without a token (Lightdash's health check needs none)
PUBLIC_PATHS = (("api", "v1", "health"),)

ROUTES: tuple[Route, ...] = (
    Route("GET", V1 + "/health", o.health),
    Route("GET", V1 + "/user", o.get_user),
    # organization
    Route("GET", V1 + "/org", o.get_org),
    Route("PATCH", V1 + "/org", o.update_org),
    Route("GET", V1 + "/org/allowedEmailDomains", o.get_email_domains),
    Route("PATCH", V1 + "/org/allowedEmailDomains", o.update_email_domains),
    Route("GET", V1 + "/org/projects", o.list_projects),
    # members and invites
    Route("GET", V1 + "/org/users", o.list_members),
    Route("GET", V1 + "/org/users/email/{email}", o.get_member_by_email),
    Route("GET", V1 + "/org/users/{userUuid}", o.get_member),
    Route("PATCH", V1 + "/org/users/{userUuid}", o.update_member),
    Route("DELETE", V1 + "/org/user/{userUuid}", o.delete_member),
    Route("POST", V1 + "/invite-links", o.create_invite),
    # groups
    Route("GET", V1 + "/org/groups", o.list_groups),
    Route("POST", V1 + "/org/groups", o.create_group),
    Route("GET", _G, o.get_group),
    Route("PATCH", _G, o.update_group),
    Route("DELETE", _G, o.delete_group),
    Route("GET", _G + "/members", o.group_members),
    Route("PUT", _G + "/members/{userUuid}", o.add_group_member),
    Route("DELETE", _G + "/members/{userUuid}", o.remove_group_member),
    Route("POST", _G + "/projects/{projectUuid}", o.add_group_project_access),
    Route("PATCH", _G + "/projects/{projectUuid}", o.update_group_project_access),
    Route("DELETE", _G + "/projects/{projectUuid}", o.remove_group_project_access),
    # user attributes
    Route("GET", V1 + "/org/attributes", o.list_attributes),
    Route("POST", V1 + "/org/attributes", o.create_attribute),
    Route("PUT", V1 + "/org/attributes/{attributeUuid}", o.update_attribute),
    Route("DELETE", V1 + "/org/attributes/{attributeUuid}", o.delete_attribute),
    # projects and project access
    Route("GET", _P, o.get_project),
    Route("GET", _P + "/explores", o.list_explores),
    Route("GET", _P + "/explores/{exploreId}", o.get_explore),
    Route("GET", _P + "/access", o.project_access),
    Route("POST", _P + "/access", o.grant_project_access),
    Route("PATCH", _P + "/access/{userUuid}", o.update_project_access),
    Route("DELETE", _P + "/access/{userUuid}", o.revoke_project_access),
    Route("GET", _P + "/user/{userUuid}", o.project_member_access),
    Route("GET", _P + "/groupAccesses", o.project_group_accesses),
    # spaces
    Route("GET", _P + "/spaces", c.list_spaces),
    Route("POST", _P + "/spaces", c.create_space),
    Route("GET", _S, c.get_space),
    Route("PATCH", _S, c.update_space),
    Route("DELETE", _S, c.delete_space),
    Route("POST", _S + "/share", c.share_space_user),
    Route("DELETE", _S + "/share/{userUuid}", c.unshare_space_user),
    Route("POST", _S + "/group/share", c.share_space_group),
    Route("DELETE", _S + "/group/share/{groupUuid}", c.unshare_space_group),
    # saved charts
    Route("GET", _P + "/charts", c.list_charts),
    Route("GET", _P + "/chart-summaries", c.list_chart_summaries),
    Route("POST", _P + "/saved", c.create_saved_chart),
    Route("GET", V1 + "/saved/{chartUuidOrSlug}", c.get_saved_chart),
    Route("PATCH", V1 + "/saved/{chartUuidOrSlug}", c.update_saved_chart),
    Route("DELETE", V1 + "/saved/{chartUuidOrSlug}", c.delete_saved_chart),
    Route("POST", V1 + "/saved/{chartUuidOrSlug}/version", c.create_chart_version),
    Route("GET", V1 + "/saved/{chartUuidOrSlug}/history", c.chart_history),
    # dashboards
    Route("GET", _P + "/dashboards", c.list_dashboards),
    Route("POST", _P + "/dashboards", c.create_dashboard),
    Route("GET", V1 + "/dashboards/{dashboardUuidOrSlug}", c.get_dashboard),
    Route("PATCH", V1 + "/dashboards/{dashboardUuidOrSlug}", c.update_dashboard),
    Route("DELETE", V1 + "/dashboards/{dashboardUuidOrSlug}", c.delete_dashboard),
    # content as code
    Route("GET", _P + "/charts/code", c.charts_as_code),
    Route("POST", _P + "/charts/{slug}/code", c.upsert_chart_as_code),
    Route("GET", _P + "/dashboards/code", c.dashboards_as_code),
    Route("POST", _P + "/dashboards/{slug}/code", c.upsert_dashboard_as_code),
    # scheduled deliveries
    Route("GET", V1 + "/saved/{chartUuid}/schedulers", sc.list_chart_schedulers),
    Route("POST", V1 + "/saved/{chartUuid}/schedulers", sc.create_chart_scheduler),
    Route("GET", V1 + "/dashboards/{dashboardUuid}/schedulers", sc.list_dashboard_schedulers),
    Route("POST", V1 + "/dashboards/{dashboardUuid}/schedulers", sc.create_dashboard_scheduler),
    Route("GET", V1 + "/schedulers/{schedulerUuid}", sc.get_scheduler),
    Route("PATCH", V1 + "/schedulers/{schedulerUuid}", sc.update_scheduler),
    Route("DELETE", V1 + "/schedulers/{schedulerUuid}", sc.delete_scheduler),
    Route("PATCH", V1 + "/schedulers/{schedulerUuid}/enabled", sc.set_scheduler_enabled),
    Route("GET", V1 + "/schedulers/job/{jobId}/status", sc.job_status),
    # project settings and validation
    Route("PATCH", _P + "/schedulerSettings", sc.update_scheduler_settings),
    Route("PATCH", _P + "/metadata", sc.update_project_metadata),
    Route("POST", _P + "/validate", sc.validate_project),
    Route("GET", _P + "/validate", sc.validation_results),
    # v2
    Route("GET", "/api/v2/content", c.list_content),
    Route("POST", "/api/v2/content/{projectUuid}/move", c.move_content),
)
