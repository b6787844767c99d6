"""The Astro (Astronomer) provider: its settings, resource types and how to connect.

``ASTRO`` is the registry entry. ``url`` is the API host (``https://api.astronomer.io``; the
sandbox's ``http://127.0.0.1:PORT/astro``), under which the client calls ``api_prefix``
(``/platform/v1beta1``, or ``/v1``). The token is an Astro API token, sent as ``Bearer``.
"""

from __future__ import annotations

import ssl

import httpx
from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from reconciler.providers.astro.client import AstroClient, error_message, is_not_found
from reconciler.providers.astro.images import DockerPusher
from reconciler.providers.astro.resources import Deploy, Deployment, Workspace
from reconciler.providers.base import ProviderSpec, ResourceType
from reconciler.providers.http import HttpClient, scheme_auth
from reconciler.providers.models import Model


class AstroSettings(Model):
    """How to reach one Astro organization."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str = Field("https://api.astronomer.io", description="API host, e.g. https://api.astronomer.io "
                     "(without /platform/v1beta1)")
    token: SecretStr = Field(description="Astro API token (organization or workspace scope)")
    organization_id: str = Field(min_length=1, description="the Organization every object lives in")
    api_prefix: str = Field("/platform/v1beta1", description="API version path: /platform/v1beta1 or /v1")
    concurrency: int = Field(8, ge=1, le=256, description="requests in flight at most")
    timeout: float = Field(30.0, gt=0, description="seconds per request")
    deploy_timeout: float = Field(900.0, gt=0, description="seconds to wait for a deploy to be DEPLOYED or FAILED")
    poll_interval: float = Field(5.0, gt=0, description="seconds between deploy status polls")
    docker_command: str = Field("docker", description="Docker CLI used to push images of IMAGE_* deploys")

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @field_validator("api_prefix")
    @classmethod
    def _prefix(cls, value: str) -> str:
        value = "/" + value.strip().strip("/")
        if value not in ("/platform/v1beta1", "/v1"):
            raise ValueError("must be /platform/v1beta1 or /v1")
        return value


#: every resource type of the provider, by its type name
RESOURCE_TYPES: dict[str, type[ResourceType]] = {cls.type_name: cls for cls in (
    Workspace, Deployment, Deploy,
)}


def connect(settings: BaseModel, transport: httpx.BaseTransport | None = None,
            verify: ssl.SSLContext | bool = True) -> AstroClient:
    """An ``AstroClient`` over one ``HttpClient`` (``verify``: the engine's TLS setting, see
    ``transport.tls_verify``, for its upload client too; ``transport``: the sandbox's, in tests)."""
    assert isinstance(settings, AstroSettings)
    token = settings.token.get_secret_value()
    http = HttpClient(
        provider="astro",
        base_url=settings.url,
        auth=scheme_auth("Bearer", token),
        secrets=[token],
        timeout=settings.timeout,
        concurrency=settings.concurrency,
        verify=verify,
        transport=transport,
        error_message=error_message,
        is_not_found=is_not_found,
    )
    return AstroClient(
        http,
        settings.organization_id,
        prefix=settings.api_prefix,
        upload_transport=transport,
        upload_verify=verify,
        image_pusher=DockerPusher(token, settings.docker_command),
        deploy_timeout=settings.deploy_timeout,
        poll_interval=settings.poll_interval,
        timeout=settings.timeout,
    )


ASTRO = ProviderSpec(
    name="astro",
    settings_model=AstroSettings,
    env={"url": "ASTRO_API_URL", "token": "ASTRO_API_TOKEN", "organization_id": "ASTRO_ORGANIZATION_ID"},
    resource_types=RESOURCE_TYPES,
    connect_fn=connect,
    secret_settings=frozenset({"token"}),
)
