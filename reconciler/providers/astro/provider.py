"""The Astro (Astronomer) provider: its settings, resource types and how to connect.

``ASTRO`` is the registry entry. ``url`` is the API host (``https://api.astronomer.io``; the
sandbox's ``http://127.0.0.1:PORT/astro``), under which the client calls ``api_prefix``
(``/platform/v1beta1``, or ``/v1``). The token is an Astro API token, sent as ``Bearer``.
"""

from __future__ import annotations

from typing import Mapping

from pydantic import Field, SecretStr, field_validator

from reconciler.errors import PlanError
from reconciler.providers.astro.client import AstroClient, error_message, is_not_found
from reconciler.providers.astro.images import DockerPusher
from reconciler.providers.astro.resources import (
    Alert,
    Deploy,
    Deployment,
    EnvironmentObject,
    NotificationChannel,
    Team,
    Workspace,
)
from reconciler.providers.base import ExportScope, Live, ProviderSpec, ResourceType
from reconciler.providers.http import HttpClient, scheme_auth
from reconciler.providers.models import HttpUrl, PlatformSettings


class AstroSettings(PlatformSettings):
    """How to reach one Astro organization."""

    url: HttpUrl = Field("https://api.astronomer.io", description="API host, e.g. https://api.astronomer.io "
                         "(without /platform/v1beta1)")
    token: SecretStr = Field(description="Astro API token (organization or workspace scope)")
    organization_id: str = Field(min_length=1, description="the Organization every object lives in")
    api_prefix: str = Field("/platform/v1beta1", description="API version path: /platform/v1beta1 or /v1")
    deploy_timeout: float = Field(900.0, gt=0, description="seconds to wait for a deploy to be DEPLOYED or FAILED")
    poll_interval: float = Field(5.0, gt=0, description="seconds between deploy status polls")
    docker_command: str = Field("docker", description="Docker CLI used to push images of IMAGE_* deploys")

    @field_validator("api_prefix")
    @classmethod
    def _prefix(cls, value: str) -> str:
        value = "/" + value.strip().strip("/")
        if value not in ("/platform/v1beta1", "/v1"):
            raise ValueError("must be /platform/v1beta1 or /v1")
        return value


#: every resource type of the provider, by its type name
RESOURCE_TYPES: dict[str, type[ResourceType]] = {cls.type_name: cls for cls in (
    Workspace, Deployment, Deploy, EnvironmentObject, NotificationChannel, Alert, Team,
)}


def client(http: HttpClient, settings: AstroSettings) -> AstroClient:
    """The ``AstroClient`` on the provider's ``HttpClient`` (its upload client reaches the blob host
    with the same TLS settings)."""
    return AstroClient(
        http,
        settings.organization_id,
        prefix=settings.api_prefix,
        image_pusher=DockerPusher(settings.token.get_secret_value(), settings.docker_command),
        deploy_timeout=settings.deploy_timeout,
        poll_interval=settings.poll_interval,
    )


def export_scope(client: AstroClient, scope: Mapping[str, str]) -> ExportScope:
    """``--scope workspace=<name or id>``: the Workspaces of that name (or that id), their
    Deployments, the deploys of those and the environment objects of both; no scope: the whole
    organization. Deploys are listed per Deployment and environment objects per Workspace and per
    Deployment, so the Workspaces and Deployments in scope are listed here."""
    unknown = sorted(set(scope) - {"workspace"})
    if unknown:
        raise PlanError(f"astro export: unknown --scope key(s) {', '.join(unknown)}",
                        hint="the only scope is workspace=<name or id>")
    wanted = scope.get("workspace")
    if wanted is None:
        deployments = [d["id"] for d in client.list_deployments()]
        return ExportScope({"deployment": deployments,
                            "scope_entity_id": [w["id"] for w in client.list_workspaces()] + deployments})
    workspaces = {w["id"] for w in client.list_workspaces() if wanted in (w.get("id"), w.get("name"))}
    if not workspaces:
        raise PlanError(f"no Astro Workspace is named or has the id {wanted!r}",
                        hint="give --scope workspace=<name or id>")
    deployments = [d["id"] for d in client.list_deployments(workspace_ids=sorted(workspaces))]

    def keep(type_name: str, live: Live) -> bool:
        if type_name == "astro_team":
            return any(r.get("workspace") in workspaces for r in live.get("workspace_roles") or [])
        if type_name == "astro_alert":
            return live.get("deployment") in set(deployments)
        if type_name == "astro_notification_channel":
            return live.get("entity_id") in workspaces | set(deployments)
        owner = {"astro_workspace": "id", "astro_deployment": "workspace"}.get(type_name)
        return owner is None or live.get(owner) in workspaces  # (deploys, objects: their containers are in scope)

    return ExportScope({"deployment": deployments, "scope_entity_id": sorted(workspaces) + deployments}, keep)


ASTRO = ProviderSpec(
    name="astro",
    settings_model=AstroSettings,
    env={"url": "ASTRO_API_URL", "token": "ASTRO_API_TOKEN", "organization_id": "ASTRO_ORGANIZATION_ID"},
    resource_types=RESOURCE_TYPES,
    client=client,
    auth=lambda settings: scheme_auth("Bearer", settings.token.get_secret_value()),
    error_message=error_message,
    is_not_found=is_not_found,
    secret_settings=frozenset({"token"}),
    export_scope=export_scope,
)
