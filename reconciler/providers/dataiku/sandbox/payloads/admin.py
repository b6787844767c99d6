"""Instance administration: users, groups, connections and code envs: the request bodies
``dataikuapi`` 15.2 sends and the documents DSS answers with.

Same rules as every request model here: check only, extra fields allowed and kept by the world.
Document shapes follow the client (``dss/admin.py``: what ``DSSUserSettings``,
``DSSConnectionSettings`` and ``DSSDesignCodeEnvSettings`` read) and Dataiku's Ansible collection
(group flags, code env permissions); the seed reference does not document these endpoints.
"""

from __future__ import annotations

import hashlib
from typing import Any, Literal

from pydantic import Field

from reconciler.providers.dataiku.sandbox.payloads.common import _Payload
from reconciler.providers.dataiku.sandbox.seed import GROUP_FLAGS, GROUP_MAPPINGS

Doc = dict[str, Any]

SOURCE_TYPES = ("LOCAL", "LDAP", "SAAS", "AZURE_AD", "LOCAL_NO_AUTH", "CUSTOM")
SourceType = Literal["LOCAL", "LDAP", "SAAS", "AZURE_AD", "LOCAL_NO_AUTH", "CUSTOM"]

#: the connection types this instance knows
CONNECTION_TYPES = (
    "Athena", "Azure", "BigQuery", "Databricks", "DB2", "EC2", "Filesystem", "FTP", "GCS", "Greenplum", "HDFS",
    "JDBC", "MongoDB", "MySQL", "Netezza", "Oracle", "PostgreSQL", "Redshift", "SAPHANA", "SCP", "SFTP",
    "Snowflake", "SQLServer", "Synapse", "Teradata", "Trino", "Vertica",
)
#: connection params DSS keeps encrypted and answers in encrypted form (inferred set)
SECRET_PARAMS = frozenset({"password", "secretKey", "clientSecret", "privateKey", "privateKeyPassword", "sasToken",
                           "token", "apiKey", "accessToken", "refreshToken", "passphrase", "appSecret"})
ENCRYPTED_PREFIX = "e:AES:"

CODE_ENV_MODES = ("DESIGN_MANAGED", "DESIGN_NON_MANAGED", "EXTERNAL_CONDA_NAMED", "PLUGIN_MANAGED",
                  "PLUGIN_NON_MANAGED")


# -- users ------------------------------------------------------------------------------------
class CreateUser(_Payload):
    login: str = Field(min_length=1)
    password: str | None = None
    displayName: str | None = None
    sourceType: SourceType = "LOCAL"
    groups: list[str] = []
    userProfile: str = "DATA_SCIENTIST"
    email: str | None = None


class UserDocument(_Payload):
    login: str | None = None
    displayName: str | None = None
    email: str | None = None
    groups: list[str] = []
    userProfile: str | None = None
    enabled: bool = True
    sourceType: SourceType | None = None
    password: str | None = None


def user_document(request: CreateUser, now_ms: int) -> Doc:
    return {"login": request.login, "displayName": request.displayName or "", "email": request.email or "",
            "sourceType": request.sourceType, "groups": sorted(dict.fromkeys(request.groups)),
            "userProfile": request.userProfile, "enabled": True, "creationDate": now_ms,
            "adminProperties": {}, "userProperties": {}, "secrets": [], "credentials": {}, "preferences": {}}


def user_list_item(doc: Doc, with_settings: bool) -> Doc:
    if with_settings:
        return dict(doc)
    return {k: doc.get(k) for k in ("login", "displayName", "email", "groups", "userProfile", "enabled",
                                    "sourceType")}


# -- groups -----------------------------------------------------------------------------------
class CreateGroup(_Payload):
    name: str = Field(min_length=1)
    description: str | None = None
    sourceType: SourceType = "LOCAL"


class GroupDocument(_Payload):
    """Flags are booleans, mappings a comma-separated string or a list of names."""

    name: str | None = None
    description: str | None = None
    sourceType: SourceType | None = None
    ldapGroupNames: str | list[str] | None = None
    ssoGroupNames: str | list[str] | None = None
    azureADGroupNames: str | list[str] | None = None
    customGroupNames: str | list[str] | None = None


def group_document(request: CreateGroup) -> Doc:
    doc: Doc = {"name": request.name, "description": request.description or "", "sourceType": request.sourceType}
    doc.update({flag: False for flag in GROUP_FLAGS})
    doc.update({key: "" for key in GROUP_MAPPINGS})
    doc["canObtainAPITicketFromCookiesForGroupsRegex"] = ""
    return doc


# -- connections ------------------------------------------------------------------------------
class CreateConnection(_Payload):
    name: str = Field(min_length=1)
    type: str = Field(min_length=1)
    description: str | None = None
    params: dict[str, Any] = {}
    usableBy: Literal["ALL", "ALLOWED"] = "ALL"
    allowedGroups: list[str] = []


class DetailsReadability(_Payload):
    readableBy: Literal["NONE", "ALL", "ALLOWED"] = "NONE"
    allowedGroups: list[str] = []


class ConnectionDocument(_Payload):
    name: str | None = None
    type: str | None = None
    description: str | None = None
    params: dict[str, Any] = {}
    usableBy: Literal["ALL", "ALLOWED"] = "ALL"
    allowedGroups: list[str] = []
    allowWrite: bool = True
    allowManagedDatasets: bool = True
    allowManagedFolders: bool = True
    detailsReadability: DetailsReadability = DetailsReadability()


def encrypted(value: str) -> str:
    """What DSS answers for a secret param (a stand-in for its encrypted form: a digest, so the
    world never holds the secret)."""
    return ENCRYPTED_PREFIX + hashlib.sha256(value.encode("utf-8")).hexdigest()[:40]


def sealed_params(params: Doc) -> Doc:
    """``params`` with every secret in encrypted form (already encrypted values kept)."""
    return {k: encrypted(v) if k in SECRET_PARAMS and isinstance(v, str) and v and not v.startswith(ENCRYPTED_PREFIX)
            else v for k, v in params.items()}


def connection_document(request: CreateConnection) -> Doc:
    return {"name": request.name, "type": request.type, "description": request.description or "",
            "params": sealed_params(request.params), "usableBy": request.usableBy,
            "allowedGroups": list(request.allowedGroups), "allowWrite": True, "allowManagedDatasets": True,
            "allowManagedFolders": True, "credentialsMode": "GLOBAL",
            "detailsReadability": {"readableBy": "NONE", "allowedGroups": []}}


# -- code envs --------------------------------------------------------------------------------
class CreateCodeEnv(_Payload):
    deploymentMode: Literal["DESIGN_MANAGED", "DESIGN_NON_MANAGED", "EXTERNAL_CONDA_NAMED", "PLUGIN_MANAGED",
                            "PLUGIN_NON_MANAGED"]
    pythonInterpreter: str | None = None
    installCorePackages: bool = True
    installJupyterSupport: bool = False


class CodeEnvPermission(_Payload):
    group: str
    use: bool = False
    update: bool = False
    manageUsers: bool = False


class CodeEnvDocument(_Payload):
    specPackageList: str = ""
    usableByAll: bool = True
    permissions: list[CodeEnvPermission] = []
    allContainerConfs: bool = False
    containerConfs: list[str] = []


def code_env_document(lang: str, name: str, request: CreateCodeEnv, owner: str) -> Doc:
    desc: Doc = {"deploymentMode": request.deploymentMode, "owner": owner,
                 "installCorePackages": request.installCorePackages,
                 "installJupyterSupport": request.installJupyterSupport}
    if request.pythonInterpreter:
        desc["pythonInterpreter"] = request.pythonInterpreter
    return {"envName": name, "envLang": lang, "deploymentMode": request.deploymentMode, "desc": desc,
            "specPackageList": "", "actualPackageList": "", "specCondaEnvironment": "", "usableByAll": True,
            "permissions": [], "allContainerConfs": False, "containerConfs": [], "predefinedContainerHooks": []}


def code_env_list_item(definition: Doc) -> Doc:
    return {"envName": definition["envName"], "envLang": definition["envLang"],
            "deploymentMode": definition["deploymentMode"], "owner": definition["desc"]["owner"],
            "pythonInterpreter": definition["desc"].get("pythonInterpreter")}


def env_messages(name: str, lang: str) -> Doc:
    """What a finished code env operation answers (``update_packages``' ``messages`` dict)."""
    return {"envName": name, "envLang": lang,
            "messages": {"anyMessage": False, "success": True, "warning": False, "error": False, "fatal": False,
                         "messages": []}}
