"""The DataRobot provider: its settings, resource types and how to connect.

``DATAROBOT`` is the registry entry. ``endpoint`` includes the API root, as the official client
takes it (``https://app.datarobot.com/api/v2``; the sandbox's ``http://127.0.0.1:PORT/datarobot/api/v2``).
The token is sent as ``Authorization: Token <t>`` (the official client's default) or ``Bearer``
(the docs' form) as ``auth_scheme`` says. ``async_timeout`` bounds every wait for DataRobot's
async jobs (creates, status changes, model replacements, deletions settling).
"""

from __future__ import annotations

import ssl
from typing import Literal

import httpx
from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from reconciler.providers.base import ProviderSpec, ResourceType
from reconciler.providers.datarobot.client import DataRobotClient, error_message, is_not_found
from reconciler.providers.datarobot.resources import (
    ComputeBundle,
    Deployment,
    LearningModel,
    ModelPackage,
    PpsImage,
    PredictionEnvironment,
    PredictionServer,
)
from reconciler.providers.datarobot.waiting import Poller
from reconciler.providers.http import HttpClient, scheme_auth
from reconciler.providers.models import Model


class DataRobotSettings(Model):
    """How to reach one DataRobot installation."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    endpoint: str = Field(description="API endpoint including /api/v2, e.g. https://app.datarobot.com/api/v2")
    token: SecretStr = Field(description="API token (Developer Tools > API keys)")
    auth_scheme: Literal["Token", "Bearer"] = Field("Token", description="Authorization scheme for the token")
    concurrency: int = Field(8, ge=1, le=256, description="requests in flight at most")
    timeout: float = Field(30.0, gt=0, description="seconds per request")
    async_timeout: float = Field(600.0, gt=0, description="seconds to wait for one async job (create, status "
                                                           "change, model replacement) before giving up")
    poll_interval: float = Field(0.5, gt=0, description="first wait between status polls (grows x1.5, capped "
                                                         "at 10 s)")

    @field_validator("endpoint")
    @classmethod
    def _api_endpoint(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        if not value.endswith("/api/v2"):
            raise ValueError("must end with /api/v2 (e.g. https://app.datarobot.com/api/v2)")
        return value


#: every resource type of the provider, by its type name
RESOURCE_TYPES: dict[str, type[ResourceType]] = {cls.type_name: cls for cls in (
    Deployment, PredictionEnvironment, PredictionServer, ComputeBundle, PpsImage, LearningModel, ModelPackage,
)}


def connect(settings: BaseModel, transport: httpx.BaseTransport | None = None,
            verify: ssl.SSLContext | bool = True) -> DataRobotClient:
    """A ``DataRobotClient`` over one ``HttpClient`` (``verify``: the engine's TLS setting, see
    ``transport.tls_verify``; ``transport``: the sandbox's, in tests)."""
    assert isinstance(settings, DataRobotSettings)
    token = settings.token.get_secret_value()
    http = HttpClient(
        provider="datarobot",
        base_url=settings.endpoint,
        auth=scheme_auth(settings.auth_scheme, token),
        secrets=[token],
        timeout=settings.timeout,
        concurrency=settings.concurrency,
        verify=verify,
        transport=transport,
        error_message=error_message,
        is_not_found=is_not_found,
    )
    return DataRobotClient(http, Poller(timeout=settings.async_timeout, initial=settings.poll_interval))


DATAROBOT = ProviderSpec(
    name="datarobot",
    settings_model=DataRobotSettings,
    env={"endpoint": "DATAROBOT_ENDPOINT", "token": "DATAROBOT_API_TOKEN", "async_timeout": "DATAROBOT_ASYNC_TIMEOUT"},
    resource_types=RESOURCE_TYPES,
    connect_fn=connect,
    secret_settings=frozenset({"token"}),
)
