"""Bundles and the project deployer: the request bodies (infras, published projects,
deployments) and the documents DSS answers with (infra and deployment settings and basic info,
published project settings, packages, exported bundles).

Same rules as every request model here: check only, extra fields allowed and kept by the world.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from reconciler.providers.dataiku.sandbox.payloads.common import ID_RE, PROJECT_KEY_RE, _Payload, checked_id
from reconciler.providers.dataiku.sandbox.seed import ADMIN, DSS_VERSION

Doc = dict[str, Any]


# -- requests ---------------------------------------------------------------------------------
class InfraCreate(_Payload):
    id: str
    stage: str = Field(min_length=1)
    governCheckPolicy: Literal["NO_CHECK", "PREVENT", "WARN"] = "NO_CHECK"
    automationNodeUrl: str | None = None
    apiKey: str | None = None

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        return checked_id(value, "infra id")


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
        return checked_id(value, "deployment id")

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


# -- documents --------------------------------------------------------------------------------
def infra_settings(infra_id: str, stage: str, govern: str, tags: tuple[Doc, Doc]) -> Doc:
    creation, version = tags
    return {
        "id": infra_id, "stage": stage, "governCheckPolicy": govern, "permissions": [],
        "autoconfigureFromNodesDirectory": False, "nodeId": "", "automationNodeUrl": "", "adminApiKey": "",
        "trustAllSSLCertificates": False, "defaultConnectionRemapping": [],
        "creationTag": creation, "versionTag": version,
    }


def infra_basic_info(settings: Doc) -> Doc:
    return {"id": settings["id"], "stage": settings["stage"], "automationNodeUrl": settings.get("automationNodeUrl"),
            "defaultConnectionRemapping": settings.get("defaultConnectionRemapping", [])}


def published_project_settings(key: str, tags: tuple[Doc, Doc]) -> Doc:
    creation, version = tags
    return {"id": key, "name": key, "permissions": [], "owner": ADMIN["login"], "creationTag": creation,
            "versionTag": version, "basicImageInfo": {"imgColor": "#31439c", "imgPattern": 8, "showInitials": True}}


def package(bundle_id: str, project_key: str, now_ms: int, release_notes: str | None) -> Doc:
    return {"id": bundle_id, "publishedOn": now_ms, "publishedBy": ADMIN["login"], "releaseNotes": release_notes,
            "designNodeInfo": {"projectKey": project_key, "nodeId": "sandbox", "url": "http://sandbox/dataiku"}}


def exported_bundle(bundle_id: str, project: Doc, now_ms: int, release_notes: str | None) -> Doc:
    return {
        "bundleId": bundle_id,
        "contentSummary": {"datasets": len(project["datasets"]), "recipes": len(project["recipes"]),
                           "managedFolders": len(project["managedFolders"]), "scenarios": len(project["scenarios"])},
        "exportManifest": {"exportUserInfo": {"login": ADMIN["login"], "displayName": ADMIN["displayName"]},
                           "exportedOn": now_ms, "releaseNotes": release_notes, "dssVersion": DSS_VERSION},
        "changelog": {},
    }


def deployment_settings(body: Doc, tags: tuple[Doc, Doc]) -> Doc:
    creation, version = tags
    return {
        "id": body["deploymentId"], "infraId": body["infraId"], "publishedProjectKey": body["publishedProjectKey"],
        "bundleId": body["bundleId"], "deployedProjectKey": body.get("deployedProjectKey") or body["publishedProjectKey"],
        "projectFolderId": body.get("projectFolderId") or "ROOT", "disableAutomaticTriggers": False,
        "bundleContainerSettings": {"remapping": {"connections": [], "codeEnvs": []},
                                    "codeEnvsBehavior": {"envImportSpecificationMode": "SPECIFIED",
                                                         "importTimeMode": "INSTALL_IF_MISS"}},
        "localVariables": {}, "scenariosToActivate": {}, "tags": [], "creationTag": creation, "versionTag": version,
    }


def deployment_basic_info(settings: Doc) -> Doc:
    return {k: settings[k] for k in ("id", "infraId", "tags", "creationTag", "versionTag", "bundleId",
                                     "publishedProjectKey", "deployedProjectKey")}
