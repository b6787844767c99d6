"""Project folders and projects: the request bodies (folder settings, project creation,
permissions, variables, tag definitions) and the documents a new folder or project starts with.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator, model_validator

from reconciler.providers.dataiku.sandbox.payloads.common import PROJECT_KEY_RE, _Payload
from reconciler.providers.dataiku.sandbox.seed import ADMIN


# -- project folders --------------------------------------------------------------------------
class FolderSettings(_Payload):
    name: str = Field(min_length=1)
    owner: str | None = None
    permissions: list[dict[str, Any]] = []


def folder_settings(name: str | None) -> dict[str, Any]:
    return {"name": name, "owner": ADMIN["login"], "permissions": []}


# -- projects ---------------------------------------------------------------------------------
class ProjectCreate(_Payload):
    projectKey: str
    name: str = Field(min_length=1)
    owner: str | None = None
    description: str | None = None
    settings: dict[str, Any] | None = None
    permissions: list[dict[str, Any]] | None = None
    tags: list[str] | None = None

    @field_validator("projectKey")
    @classmethod
    def _key(cls, value: str) -> str:
        if not PROJECT_KEY_RE.match(value):
            raise ValueError(f"project key {value!r} must match [A-Za-z0-9_]+")
        return value


class PermissionEntry(_Payload):
    group: str | None = None
    user: str | None = None

    @model_validator(mode="after")
    def _one_principal(self) -> "PermissionEntry":
        if (self.group is None) == (self.user is None):
            raise ValueError("each permission names exactly one of 'group' or 'user'")
        return self


class ProjectPermissions(_Payload):
    owner: str = Field(min_length=1)
    permissions: list[PermissionEntry] = []


class ProjectVariables(_Payload):
    standard: dict[str, Any] = {}
    local: dict[str, Any] = {}


class TagDefinitions(_Payload):
    tags: dict[str, dict[str, Any]] = {}


def project_metadata(name: str, description: str | None, tags: list[str]) -> dict[str, Any]:
    return {
        "label": name,
        "description": description or "",
        "shortDesc": "",
        "tags": list(tags),
        "custom": {"kv": {}},
        "checklists": {"checklists": []},
    }


def project_permissions(owner: str, permissions: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "owner": owner,
        "permissions": list(permissions),
        "dashboardAuthorizations": {"allAuthorized": False, "authorizations": []},
        "additionalDashboardUsers": {"users": []},
    }


def project_settings() -> dict[str, Any]:
    def code_env() -> dict[str, Any]:
        return {"mode": "USE_BUILTIN_MODE", "useBuiltinEnv": True, "preventOverride": False}

    return {
        "settings": {
            "codeEnvs": {"python": code_env(), "r": code_env()},
            "container": {"containerMode": "INHERIT"},
            "k8sCluster": {"clusterMode": "INHERIT"},
            "cluster": {"clusterMode": "INHERIT"},
            "flowBuildSettings": {"mergeSqlPipelines": True, "mergeSparkPipelines": True},
        },
        "exposedObjects": {"objects": []},
    }
