"""The Dataiku DSS provider: its settings, resource types and how to connect.

``DATAIKU`` is the registry entry. ``url`` is the DSS host (``https://dss.example.com``; the
sandbox's ``http://127.0.0.1:PORT/dataiku``), under which the client calls ``/dip/publicapi``.
The API key is sent as HTTP Basic user with an empty password, as the official client does.

``reconciler export --provider dataiku [--scope project=KEY]`` enumerates every managed type
(scope keys in ``resources/_scope.py``).
"""

from __future__ import annotations

from pydantic import Field, SecretStr

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
from reconciler.providers.http import basic_key_auth
from reconciler.providers.models import HttpUrl, PlatformSettings


class DataikuSettings(PlatformSettings):
    """How to reach one DSS instance."""

    url: HttpUrl = Field(description="DSS base URL, e.g. https://dss.example.com (no /dip/publicapi)")
    api_key: SecretStr = Field(description="personal or global API key")


#: every resource type of the provider, by its type name
RESOURCE_TYPES: dict[str, type[ResourceType]] = {cls.type_name: cls for cls in (
    ProjectFolder, Project, Dataset, ManagedDataset, Recipe, ManagedFolder, Scenario, WikiArticle, Meaning,
    Plugin, DeployerInfra, DeployerProject, Deployment, Connection, CodeEnv, RootFolder,
)}


DATAIKU = ProviderSpec(
    name="dataiku",
    settings_model=DataikuSettings,
    env={"url": "DATAIKU_URL", "api_key": "DATAIKU_API_KEY"},
    resource_types=RESOURCE_TYPES,
    client=lambda http, settings: DataikuClient(http),
    auth=lambda settings: basic_key_auth(settings.api_key.get_secret_value()),
    error_message=error_message,
    is_not_found=is_not_found,
    secret_settings=frozenset({"api_key"}),
)
