"""The Lightdash provider: its settings, resource types and how to connect.

``LIGHTDASH`` is the registry entry. ``url`` is the instance root (``https://app.lightdash.cloud``;
the sandbox's ``http://127.0.0.1:PORT/lightdash``), under which the client calls ``/api/v1`` and
``/api/v2``. A personal access token is sent as ``Authorization: ApiKey <token>``; a service
account token (``ldsvc_...``) as ``Bearer``, as Lightdash's own SDK does.
"""

from __future__ import annotations

import ssl

import httpx
from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from reconciler.providers.base import ProviderSpec, ResourceType
from reconciler.providers.http import HttpClient, scheme_auth
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
    Space,
    User,
    UserAttribute,
)
from reconciler.providers.models import Model


class LightdashSettings(Model):
    """How to reach one Lightdash instance."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str = Field(description="instance root, e.g. https://app.lightdash.cloud (no /api/v1)")
    api_key: SecretStr = Field(description="personal access token (or a service account's ldsvc_ token)")
    concurrency: int = Field(8, ge=1, le=64, description="requests in flight at most")
    timeout: float = Field(30.0, gt=0, description="seconds per request")

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.removesuffix("/api/v1")


#: every resource type of the provider, by its type name
RESOURCE_TYPES: dict[str, type[ResourceType]] = {cls.type_name: cls for cls in (
    Organization, Project, User, Group, OrganizationMember, OrganizationSettings, AllowedEmailDomains,
    UserAttribute, ProjectAccess, Space, Chart, Dashboard,
)}


def auth_scheme(token: str) -> str:
    """``Bearer`` for a service account token, ``ApiKey`` for a personal access token."""
    return "Bearer" if token.startswith("ldsvc_") else "ApiKey"


def connect(settings: BaseModel, transport: httpx.BaseTransport | None = None,
            verify: ssl.SSLContext | bool = True) -> LightdashClient:
    """A ``LightdashClient`` over one ``HttpClient`` (``verify``: the engine's TLS setting, see
    ``transport.tls_verify``; ``transport``: the sandbox's, in tests)."""
    assert isinstance(settings, LightdashSettings)
    token = settings.api_key.get_secret_value()
    http = HttpClient(
        provider="lightdash",
        base_url=settings.url,
        auth=scheme_auth(auth_scheme(token), token),
        secrets=[token],
        timeout=settings.timeout,
        concurrency=settings.concurrency,
        verify=verify,
        transport=transport,
        error_message=error_message,
        is_not_found=is_not_found,
    )
    return LightdashClient(http)


LIGHTDASH = ProviderSpec(
    name="lightdash",
    settings_model=LightdashSettings,
    env={"url": "LIGHTDASH_URL", "api_key": "LIGHTDASH_API_KEY"},
    resource_types=RESOURCE_TYPES,
    connect_fn=connect,
    secret_settings=frozenset({"api_key"}),
)
