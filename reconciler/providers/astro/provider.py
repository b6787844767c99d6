"""The Astro (Astronomer) provider: its settings, resource types and how to connect.

``ASTRO`` is the registry entry. ``url`` is the API host (``https://api.astronomer.io``; the
sandbox's ``http://127.0.0.1:PORT/astro``), under which the client calls ``api_prefix``
(``/platform/v1beta1``, or ``/v1``). The token is an Astro API token, sent as ``Bearer``.
"""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator

from reconciler.providers.astro.client import AstroClient, error_message, is_not_found
from reconciler.providers.astro.images import DockerPusher
from reconciler.providers.astro.resources import Deploy, Deployment, Workspace
from reconciler.providers.base import ProviderSpec, ResourceType
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
    Workspace, Deployment, Deploy,
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
)
