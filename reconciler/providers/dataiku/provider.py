"""The Dataiku DSS provider: its settings, resource types and how to connect.

``DATAIKU`` is the registry entry. ``url`` is the DSS host (``https://dss.example.com``; the
sandbox's ``http://127.0.0.1:PORT/dataiku``), under which the client calls ``/dip/publicapi``.
The API key is sent as HTTP Basic user with an empty password, as the official client does.

A refresh reads datasets, managed folders, meanings, published projects, plugins and wiki articles
in batches (``read_many``: one list call per project or per instance where DSS lists objects
whole); ``reconciler export --provider dataiku [--scope project=KEY]`` enumerates every managed
type (``discover``; scope keys in ``resources/_scope.py``).
"""

from __future__ import annotations

import ssl

import httpx
from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from reconciler.providers.base import ProviderSpec, ResourceType
from reconciler.providers.dataiku.client import DataikuClient, error_message, is_not_found
from reconciler.providers.dataiku.resources import (
    CodeEnv,
    Connection,
    Dataset,
    DeployerInfra,
    DeployerProject,
    Deployment,
    ManagedDataset,
    ManagedFolder,
    Meaning,
    Plugin,
    Project,
    ProjectFolder,
    Recipe,
    RootFolder,
    Scenario,
    WikiArticle,
)
from reconciler.providers.http import HttpClient, basic_key_auth
from reconciler.providers.models import Model


class DataikuSettings(Model):
    """How to reach one DSS instance."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str = Field(description="DSS base URL, e.g. https://dss.example.com (no /dip/publicapi)")
    api_key: SecretStr = Field(description="personal or global API key")
    concurrency: int = Field(8, ge=1, le=256, description="requests in flight at most")
    timeout: float = Field(30.0, gt=0, description="seconds per request")
    verify_tls: bool = Field(True, description="verify the server's TLS certificate")

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value


#: every resource type of the provider, by its type name
RESOURCE_TYPES: dict[str, type[ResourceType]] = {cls.type_name: cls for cls in (
    ProjectFolder, Project, Dataset, ManagedDataset, Recipe, ManagedFolder, Scenario, WikiArticle, Meaning,
    Plugin, DeployerInfra, DeployerProject, Deployment, Connection, CodeEnv, RootFolder,
)}


def connect(settings: BaseModel, transport: httpx.BaseTransport | None = None,
            verify: ssl.SSLContext | bool = True) -> DataikuClient:
    """A ``DataikuClient`` over one ``HttpClient`` (``verify``: the engine's TLS setting, turned off
    by ``verify_tls: false``; ``transport``: the sandbox's, in tests)."""
    assert isinstance(settings, DataikuSettings)
    key = settings.api_key.get_secret_value()
    http = HttpClient(
        provider="dataiku",
        base_url=settings.url,
        auth=basic_key_auth(key),
        secrets=[key],
        timeout=settings.timeout,
        concurrency=settings.concurrency,
        verify=verify if settings.verify_tls else False,
        transport=transport,
        error_message=error_message,
        is_not_found=is_not_found,
    )
    return DataikuClient(http)


DATAIKU = ProviderSpec(
    name="dataiku",
    settings_model=DataikuSettings,
    env={"url": "DATAIKU_URL", "api_key": "DATAIKU_API_KEY"},
    resource_types=RESOURCE_TYPES,
    connect_fn=connect,
    secret_settings=frozenset({"api_key"}),
)
