"""The Lightdash provider: its settings, resource types and how to connect.

``LIGHTDASH`` is the registry entry. ``url`` is the instance root (``https://app.lightdash.cloud``;
the sandbox's ``http://127.0.0.1:PORT/lightdash``), under which the client calls ``/api/v1`` and
``/api/v2``. A personal access token is sent as ``Authorization: ApiKey <token>``; a service
account token (``ldsvc_...``) as ``Bearer``, as Lightdash's own SDK does. ``export`` takes
``--scope project=<name or uuid>`` (default: every project); the organization's own objects
(members, groups, attributes, settings) are exported whatever the scope. ``apply --validate``
runs Lightdash's content validation on the projects the apply changed (``validation.py``).
"""

from __future__ import annotations

from typing import Mapping

from pydantic import Field, SecretStr, field_validator

from reconciler.errors import PlanError, ProviderError
from reconciler.providers.base import ExportScope, ProviderSpec, ResourceType
from reconciler.providers.http import scheme_auth
from reconciler.providers.lightdash.client import LightdashClient, error_message, is_not_found
from reconciler.providers.lightdash.resources import (
    AllowedEmailDomains,
    Chart,
    Dashboard,
    Group,
    Organization,
    OrganizationMember,
    OrganizationSettings,
    Project,
    ProjectAccess,
    ProjectSettings,
    Scheduler,
    Space,
    User,
    UserAttribute,
)
from reconciler.providers.lightdash.validation import check as validate_content
from reconciler.providers.models import HttpUrl, PlatformSettings


class LightdashSettings(PlatformSettings):
    """How to reach one Lightdash instance."""

    url: HttpUrl = Field(description="instance root, e.g. https://app.lightdash.cloud (no /api/v1)")
    api_key: SecretStr = Field(description="personal access token (or a service account's ldsvc_ token)")
    concurrency: int = Field(8, ge=1, le=64, description="requests in flight at most")

    @field_validator("url")
    @classmethod
    def _instance_root(cls, value: str) -> str:
        return value.removesuffix("/api/v1")


#: every resource type of the provider, by its type name
RESOURCE_TYPES: dict[str, type[ResourceType]] = {cls.type_name: cls for cls in (
    Organization, Project, User, Group, OrganizationMember, OrganizationSettings, AllowedEmailDomains,
    UserAttribute, ProjectAccess, Space, Chart, Dashboard, Scheduler,
    ProjectSettings,
)}


def auth_scheme(token: str) -> str:
    """``Bearer`` for a service account token, ``ApiKey`` for a personal access token."""
    return "Bearer" if token.startswith("ldsvc_") else "ApiKey"


def export_scope(client: LightdashClient, scope: Mapping[str, str]) -> ExportScope:
    """``--scope project=<name or uuid>``: the projects whose spaces, grants, charts and dashboards
    are listed, and whose settings are kept (default: every project of the organization)."""
    unknown = sorted(set(scope) - {"project"})
    if unknown:
        raise PlanError(f"lightdash export: unknown --scope key(s) {', '.join(unknown)}",
                        hint="scopes: project=<name or uuid>")
    wanted = scope.get("project")
    projects = [p["projectUuid"] for p in client.projects()
                if wanted is None or wanted in (p["projectUuid"], p.get("name"))]
    if wanted is not None and not projects:
        raise ProviderError(f"no Lightdash project is named or has the uuid {wanted!r}",
                            hint="give --scope project=<name or uuid>")
    return ExportScope(containers={"project": projects},
                       keep=lambda type_name, live: type_name != "lightdash_project_settings"
                       or live.get("project") in projects)


LIGHTDASH = ProviderSpec(
    name="lightdash",
    settings_model=LightdashSettings,
    env={"url": "LIGHTDASH_URL", "api_key": "LIGHTDASH_API_KEY"},
    resource_types=RESOURCE_TYPES,
    client=lambda http, settings: LightdashClient(http),
    auth=lambda settings: scheme_auth(auth_scheme(settings.api_key.get_secret_value()),
                                      settings.api_key.get_secret_value()),
    error_message=error_message,
    is_not_found=is_not_found,
    secret_settings=frozenset({"api_key"}),
    export_scope=export_scope,
    post_apply_check=validate_content,
)
