"""Every Astro operation the emulator serves: method + path pattern -> handler.

API patterns are relative to the API prefix; both ``/platform/v1beta1`` (what
``astro-platform-api`` and the docs use) and ``/v1`` (the GA surface terraform-provider-astro uses
for environment objects) are served, and ``/iam/v1beta1`` (the IAM API: teams). One router serves
every route under every prefix (a simplification: Astro serves teams only under IAM). ``BLOB_ROUTES`` is the pre-signed upload stand-in, outside
the API prefixes and outside bearer auth (its ``sig`` query parameter is the credential).
"""

from __future__ import annotations

from reconciler.providers.astro.sandbox import handlers as h
from reconciler.sandbox.routing import Route

PREFIXES = ("platform/v1beta1", "v1", "iam/v1beta1")

_O = "/organizations/{org}"
_W = _O + "/workspaces/{workspaceId}"
_D = _O + "/deployments/{deploymentId}"
_V = _D + "/deploys/{deployId}"
_E = _O + "/environment-objects"
_N = _O + "/notification-channels"
_A = _O + "/alerts"
_T = _O + "/teams/{teamId}"

ROUTES: tuple[Route, ...] = (
    Route("GET", "/organizations", h.list_organizations),
    Route("GET", _O, h.get_organization),
    Route("GET", _O + "/deployment-options", h.get_deployment_options),
    # workspaces
    Route("GET", _O + "/workspaces", h.list_workspaces),
    Route("POST", _O + "/workspaces", h.create_workspace),
    Route("GET", _W, h.get_workspace),
    Route("POST", _W, h.update_workspace),
    Route("DELETE", _W, h.delete_workspace),
    # deployments
    Route("GET", _O + "/deployments", h.list_deployments),
    Route("POST", _O + "/deployments", h.create_deployment),
    Route("GET", _D, h.get_deployment),
    Route("POST", _D, h.update_deployment),
    Route("DELETE", _D, h.delete_deployment),
    Route("POST", _D + "/hibernation-override", h.override_hibernation),
    Route("DELETE", _D + "/hibernation-override", h.delete_hibernation_override),
    # environment objects
    Route("GET", _E, h.list_environment_objects),
    Route("POST", _E, h.create_environment_object),
    Route("GET", _E + "/{objectId}", h.get_environment_object),
    Route("POST", _E + "/{objectId}", h.update_environment_object),
    Route("DELETE", _E + "/{objectId}", h.delete_environment_object),
    Route("POST", _E + "/{objectId}/exclude-linking", h.exclude_environment_link),
    # notification channels and alerts
    Route("GET", _N, h.list_notification_channels),
    Route("POST", _N, h.create_notification_channel),
    Route("GET", _N + "/{channelId}", h.get_notification_channel),
    Route("POST", _N + "/{channelId}", h.update_notification_channel),
    Route("DELETE", _N + "/{channelId}", h.delete_notification_channel),
    Route("GET", _A, h.list_alerts),
    Route("POST", _A, h.create_alert),
    Route("GET", _A + "/{alertId}", h.get_alert),
    Route("POST", _A + "/{alertId}", h.update_alert),
    Route("DELETE", _A + "/{alertId}", h.delete_alert),
    # teams (the IAM API, served under /iam/v1beta1)
    Route("GET", _O + "/teams", h.list_teams),
    Route("POST", _O + "/teams", h.create_team),
    Route("GET", _T, h.get_team),
    Route("POST", _T, h.update_team),
    Route("DELETE", _T, h.delete_team),
    Route("POST", _T + "/roles", h.update_team_roles),
    Route("GET", _T + "/members", h.list_team_members),
    Route("POST", _T + "/members", h.add_team_members),
    Route("DELETE", _T + "/members/{memberId}", h.remove_team_member),
    # deploys
    Route("GET", _D + "/deploys", h.list_deploys),
    Route("POST", _D + "/deploys", h.create_deploy),
    Route("GET", _V, h.get_deploy),
    Route("POST", _V, h.update_deploy),
    Route("POST", _V + "/finalize", h.finalize_deploy),
    Route("POST", _V + "/rollback", h.rollback_deploy),
)

BLOB_SEGMENT = "_blob"
BLOB_ROUTES: tuple[Route, ...] = (
    Route("PUT", "/_blob/{org}/{deploymentId}/{deployId}/{kind}", h.put_blob),
)
