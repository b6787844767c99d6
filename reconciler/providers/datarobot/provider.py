"""The DataRobot provider: its settings, resource types and how to connect.

``DATAROBOT`` is the registry entry. ``endpoint`` includes the API root, as the official client
takes it (``https://app.datarobot.com/api/v2``; the sandbox's ``http://127.0.0.1:PORT/datarobot/api/v2``).
The token is sent as ``Authorization: Token <t>`` (the official client's default) or ``Bearer``
(the docs' form) as ``auth_scheme`` says. ``async_timeout`` bounds every wait for DataRobot's
async jobs (creates, status changes, model replacements, deletions settling).
"""

from __future__ import annotations

from typing import Any, Literal, Mapping

from pydantic import Field, SecretStr, field_validator

from reconciler.errors import PlanError
from reconciler.providers.base import ExportScope, ProviderSpec, ResourceType
from reconciler.providers.datarobot.client import DataRobotClient, error_message, is_not_found
from reconciler.providers.datarobot.resources import (
    ComputeBundle,
    Deployment,
    LearningModel,
    ModelPackage,
    PpsImage,
    PredictionEnvironment,
    PredictionServer,
    RegisteredModel,
    UseCase,
)
from reconciler.providers.datarobot.waiting import Poller
from reconciler.providers.http import scheme_auth
from reconciler.providers.models import HttpUrl, PlatformSettings


class DataRobotSettings(PlatformSettings):
    """How to reach one DataRobot installation."""

    endpoint: HttpUrl = Field(description="API endpoint including /api/v2, e.g. https://app.datarobot.com/api/v2")
    token: SecretStr = Field(description="API token (Developer Tools > API keys)")
    auth_scheme: Literal["Token", "Bearer"] = Field("Token", description="Authorization scheme for the token")
    async_timeout: float = Field(600.0, gt=0, description="seconds to wait for one async job (create, status "
                                                           "change, model replacement) before giving up")
    poll_interval: float = Field(0.5, gt=0, description="first wait between status polls (grows x1.5, capped "
                                                         "at 10 s)")

    @field_validator("endpoint")
    @classmethod
    def _api_endpoint(cls, value: str) -> str:
        if not value.endswith("/api/v2"):
            raise ValueError("must end with /api/v2 (e.g. https://app.datarobot.com/api/v2)")
        return value


#: every resource type of the provider, by its type name
RESOURCE_TYPES: dict[str, type[ResourceType]] = {cls.type_name: cls for cls in (
    Deployment, PredictionEnvironment, RegisteredModel, UseCase, PredictionServer, ComputeBundle, PpsImage,
    LearningModel, ModelPackage,
)}


def export_scope(client: Any, scope: Mapping[str, str]) -> ExportScope:
    """Export covers the whole organization: the API has no container to scope by, so a
    ``--scope`` is refused rather than export more than the user asked for."""
    if scope:
        raise PlanError(f"datarobot export takes no --scope (got {', '.join(sorted(scope))})",
                        hint="it exports every prediction environment and deployment; leave --scope out")
    return ExportScope()


DATAROBOT = ProviderSpec(
    name="datarobot",
    settings_model=DataRobotSettings,
    env={"endpoint": "DATAROBOT_ENDPOINT", "token": "DATAROBOT_API_TOKEN", "async_timeout": "DATAROBOT_ASYNC_TIMEOUT"},
    resource_types=RESOURCE_TYPES,
    client=lambda http, settings: DataRobotClient(
        http, Poller(timeout=settings.async_timeout, initial=settings.poll_interval)),
    auth=lambda settings: scheme_auth(settings.auth_scheme, settings.token.get_secret_value()),
    url_field="endpoint",
    error_message=error_message,
    is_not_found=is_not_found,
    secret_settings=frozenset({"token"}),
    export_scope=export_scope,
)
