"""The Dataiku DSS provider: its settings, resource types and how to connect.

``DATAIKU`` is the registry entry. ``url`` is the DSS host (``https://dss.example.com``; the
sandbox's ``http://127.0.0.1:PORT/dataiku``), under which the client calls ``/dip/publicapi``.
The API key is sent as HTTP Basic user with an empty password, as the official client does.

``reconciler export --provider dataiku [--scope project=KEY]`` exports what ``export_scope``
covers: one project and what lives in it, or every project and the instance-level objects.
"""

from __future__ import annotations

from typing import Mapping

from pydantic import Field, SecretStr

from reconciler.errors import ProviderError
from reconciler.providers.base import ExportScope, Live, ProviderSpec, ResourceType
from reconciler.providers.common import or_none
from reconciler.providers.dataiku.client import DataikuClient, error_message, is_not_found
from reconciler.providers.dataiku.resources import (
    CodeEnv,
    Connection,
    Dataset,
    DeployerInfra,
    DeployerProject,
    Deployment,
    ExposedObject,
    FlowZone,
    Group,
    ManagedDataset,
    ManagedFolder,
    Meaning,
    Plugin,
    Project,
    ProjectFolder,
    Recipe,
    RootFolder,
    SavedModel,
    Scenario,
    User,
    WikiArticle,
)
from reconciler.providers.dataiku.resources.folder import every_folder
from reconciler.providers.http import basic_key_auth
from reconciler.providers.models import HttpUrl, PlatformSettings


class DataikuSettings(PlatformSettings):
    """How to reach one DSS instance."""

    url: HttpUrl = Field(description="DSS base URL, e.g. https://dss.example.com (no /dip/publicapi)")
    api_key: SecretStr = Field(description="personal or global API key")


#: every resource type of the provider, by its type name
RESOURCE_TYPES: dict[str, type[ResourceType]] = {cls.type_name: cls for cls in (
    ProjectFolder, Project, Dataset, ManagedDataset, Recipe, ManagedFolder, Scenario, WikiArticle, Meaning,
    Plugin, DeployerInfra, DeployerProject, Deployment, Connection, CodeEnv, RootFolder, Group, User,
    FlowZone, SavedModel, ExposedObject,
)}

#: the types a ``--scope project=KEY`` export covers: the project and what lives in it
IN_A_PROJECT = frozenset({Project.type_name}
                         | {name for name, cls in RESOURCE_TYPES.items() if cls.container == "project"})


def export_scope(client: DataikuClient, scope: Mapping[str, str]) -> ExportScope:
    """``--scope project=<key>``: that project and what lives in it; no scope: every project and
    the instance-level objects (project folders, meanings, plugins, the project deployer,
    users, groups, connections, code envs). An
    unknown key or project is an error, never an empty export."""
    unknown = sorted(set(scope) - {"project"})
    if unknown:
        raise ProviderError(f"unknown Dataiku export scope {', '.join(unknown)}; known: project",
                            hint="give --scope project=<project key>, or no scope for the whole instance")
    key = scope.get("project")
    if key is None:
        projects = sorted(str(p["projectKey"]) for p in client.list_projects() if p.get("projectKey"))
        return ExportScope({"project": projects, "parent": every_folder(client)})
    if or_none(lambda: client.get_project(key)) is None:
        raise ProviderError(f"no Dataiku project has the key {key!r}",
                            hint="give --scope project=<project key> (keys are case-sensitive)")

    def keep(type_name: str, live: Live) -> bool:
        return type_name in IN_A_PROJECT and (type_name != Project.type_name or live.get("key") == key)

    return ExportScope({"project": [key]}, keep)


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
    export_scope=export_scope,
)
