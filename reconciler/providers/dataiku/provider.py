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

from reconciler.providers.base import LazyTypes, ProviderSpec
from reconciler.providers.dataiku.client import DataikuClient, error_message, is_not_found
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


#: every type, imported when a run first meets it (``LazyTypes``)
RESOURCE_TYPES = LazyTypes({
    "dataiku_project_folder": "reconciler.providers.dataiku.resources.folder:ProjectFolder",
    "dataiku_project": "reconciler.providers.dataiku.resources.project:Project",
    "dataiku_dataset": "reconciler.providers.dataiku.resources.dataset:Dataset",
    "dataiku_managed_dataset": "reconciler.providers.dataiku.resources.managed_dataset:ManagedDataset",
    "dataiku_recipe": "reconciler.providers.dataiku.resources.recipe:Recipe",
    "dataiku_managed_folder": "reconciler.providers.dataiku.resources.managed_folder:ManagedFolder",
    "dataiku_scenario": "reconciler.providers.dataiku.resources.scenario:Scenario",
    "dataiku_wiki_article": "reconciler.providers.dataiku.resources.wiki_article:WikiArticle",
    "dataiku_meaning": "reconciler.providers.dataiku.resources.meaning:Meaning",
    "dataiku_plugin": "reconciler.providers.dataiku.resources.plugin:Plugin",
    "dataiku_deployer_infra": "reconciler.providers.dataiku.resources.deployer:DeployerInfra",
    "dataiku_deployer_project": "reconciler.providers.dataiku.resources.deployer:DeployerProject",
    "dataiku_deployer_deployment": "reconciler.providers.dataiku.resources.deployment:Deployment",
    "dataiku_connection": "reconciler.providers.dataiku.resources.data_sources:Connection",
    "dataiku_code_env": "reconciler.providers.dataiku.resources.data_sources:CodeEnv",
    "dataiku_root_folder": "reconciler.providers.dataiku.resources.data_sources:RootFolder",
})


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
