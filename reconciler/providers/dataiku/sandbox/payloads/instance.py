"""Request payloads of instance-level objects (meanings, plugins) and of the project deployer.

Same rules as ``payloads``: check only, extra fields allowed and kept by the world.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from reconciler.providers.dataiku.sandbox.payloads.projects import PROJECT_KEY_RE, _Payload

#: meaning, plugin, infra, deployment and bundle ids (inferred: DSS uses these in URLs)
ID_RE = re.compile(r"^[A-Za-z0-9_.-]+$")
MEANING_TYPES = ("DECLARATIVE", "VALUES_LIST", "VALUES_MAPPING", "PATTERN")
NORMALIZATION_MODES = ("EXACT", "LOWERCASE", "NORMALIZED")


def _checked_id(value: str, what: str) -> str:
    if not ID_RE.match(value):
        raise ValueError(f"{what} {value!r} must match [A-Za-z0-9_.-]+")
    return value


# -- meanings ---------------------------------------------------------------------------------
class MeaningEntry(_Payload):
    value: str
    color: str | None = None


class MeaningMapping(_Payload):
    from_: str = Field(alias="from")
    to: MeaningEntry | str


class MeaningDocument(_Payload):
    """Client form (``entries``) or seed form (``values``); ``mappings[].to`` a string or ``{value}``."""

    id: str | None = None
    label: str = Field(min_length=1)
    type: Literal["DECLARATIVE", "VALUES_LIST", "VALUES_MAPPING", "PATTERN"]
    description: str | None = None
    entries: list[MeaningEntry] | None = None
    values: list[str | MeaningEntry] | None = None
    mappings: list[MeaningMapping] | None = None
    pattern: str | None = None
    normalizationMode: Literal["EXACT", "LOWERCASE", "NORMALIZED"] | None = None
    detectable: bool = False

    @field_validator("id")
    @classmethod
    def _id(cls, value: str | None) -> str | None:
        return None if value is None else _checked_id(value, "meaning id")

    @model_validator(mode="after")
    def _consistent(self) -> "MeaningDocument":
        if self.type == "PATTERN":
            if not self.pattern:
                raise ValueError("a PATTERN meaning needs a pattern")
            if self.normalizationMode == "NORMALIZED":
                raise ValueError("normalizationMode NORMALIZED is not available for PATTERN meanings")
        if self.type == "VALUES_MAPPING" and self.mappings is None:
            raise ValueError("a VALUES_MAPPING meaning needs mappings")
        if self.type == "VALUES_LIST" and self.entries is None and self.values is None:
            raise ValueError("a VALUES_LIST meaning needs entries (or values)")
        return self


# -- plugins ----------------------------------------------------------------------------------
class StoreInstall(_Payload):
    pluginId: str

    @field_validator("pluginId")
    @classmethod
    def _id(cls, value: str) -> str:
        return _checked_id(value, "plugin id")


class GitInstall(_Payload):
    gitRepositoryUrl: str = Field(min_length=1)
    gitCheckout: str = Field("master", min_length=1)
    gitSubpath: str | None = None


class PluginSettings(_Payload):
    config: dict[str, Any] = {}
    codeEnvName: str | None = None


class PluginDelete(_Payload):
    force: bool = False


# -- project deployer -------------------------------------------------------------------------
class InfraCreate(_Payload):
    id: str
    stage: str = Field(min_length=1)
    governCheckPolicy: Literal["NO_CHECK", "PREVENT", "WARN"] = "NO_CHECK"
    automationNodeUrl: str | None = None
    apiKey: str | None = None

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        return _checked_id(value, "infra id")


class DeployerPermission(_Payload):
    group: str | None = None
    user: str | None = None

    @model_validator(mode="after")
    def _one(self) -> "DeployerPermission":
        if (self.group is None) == (self.user is None):
            raise ValueError("each permission names exactly one of 'group' or 'user'")
        return self


class InfraSettings(_Payload):
    permissions: list[DeployerPermission] = []
    automationNodeUrl: str | None = None
    adminApiKey: str | None = None
    trustAllSSLCertificates: bool = False
    governCheckPolicy: Literal["NO_CHECK", "PREVENT", "WARN"] = "NO_CHECK"


class PublishedProjectCreate(_Payload):
    publishedProjectKey: str

    @field_validator("publishedProjectKey")
    @classmethod
    def _key(cls, value: str) -> str:
        if not PROJECT_KEY_RE.match(value):
            raise ValueError(f"project key {value!r} must match [A-Za-z0-9_]+")
        return value


class PublishedProjectSettings(_Payload):
    permissions: list[DeployerPermission] = []
    owner: str | None = None
    name: str | None = None


class DeploymentCreate(_Payload):
    deploymentId: str
    publishedProjectKey: str = Field(min_length=1)
    infraId: str = Field(min_length=1)
    bundleId: str = Field(min_length=1)
    deployedProjectKey: str | None = None
    projectFolderId: str | None = None

    @field_validator("deploymentId")
    @classmethod
    def _id(cls, value: str) -> str:
        return _checked_id(value, "deployment id")

    @field_validator("deployedProjectKey")
    @classmethod
    def _key(cls, value: str | None) -> str | None:
        if value is not None and not PROJECT_KEY_RE.match(value):
            raise ValueError(f"project key {value!r} must match [A-Za-z0-9_]+")
        return value


class Remapping(_Payload):
    source: str
    target: str


class RemappingSet(_Payload):
    connections: list[Remapping] = []
    codeEnvs: list[Remapping] = []


class BundleContainerSettings(_Payload):
    remapping: RemappingSet = RemappingSet()


class DeploymentSettings(_Payload):
    bundleId: str = Field(min_length=1)
    infraId: str | None = None
    publishedProjectKey: str | None = None
    deployedProjectKey: str | None = None
    disableAutomaticTriggers: bool = False
    localVariables: dict[str, Any] = {}
    scenariosToActivate: dict[str, bool] = {}
    bundleContainerSettings: BundleContainerSettings = BundleContainerSettings()
    tags: list[str] = []


def bundle_id_ok(value: str) -> bool:
    return bool(ID_RE.match(value))
