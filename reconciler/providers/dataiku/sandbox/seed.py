"""The seeded DSS instance: what a node already has before the reconciler runs, identical after
every ``reset`` and listed in COVERAGE.md.

The API key's user (``admin``), its groups and identity documents, the version headers, the connections,
the code envs, the plugin store's catalog and the project deployer's stages. Pure data and
functions returning fresh dicts; no state.
"""

from __future__ import annotations

from typing import Any

Doc = dict[str, Any]

#: The API key's user: every write is attributed to it.
ADMIN = {"login": "admin", "displayName": "Administrator"}
ADMIN_GROUPS = ["administrators"]

DSS_VERSION = "13.4.0-sandbox"
API_VERSION = "1"


def seeded_connections() -> dict[str, dict[str, Any]]:
    """The connections a fresh instance has (admin ``GET /admin/connections/``)."""

    def connection(name: str, type_: str, params: dict[str, Any], description: str, *,
                   datasets: bool, folders: bool) -> dict[str, Any]:
        return {
            "name": name,
            "type": type_,
            "description": description,
            "params": params,
            "usableBy": "ALL",
            "allowedGroups": [],
            "allowWrite": True,
            "allowManagedDatasets": datasets,
            "allowManagedFolders": folders,
            "credentialsMode": "GLOBAL",
            "detailsReadability": {"readableBy": "NONE", "allowedGroups": []},
        }

    return {
        "dwh": connection(
            "dwh", "PostgreSQL",
            {"host": "dwh.sandbox.internal", "port": 5432, "db": "analytics", "user": "dss",
             "namingRule": {"tableNameDatasetNamePrefix": "${projectKey}_", "schemaName": "public"}},
            "Data warehouse (PostgreSQL)", datasets=True, folders=False,
        ),
        "filesystem_managed": connection(
            "filesystem_managed", "Filesystem", {"root": "/data/dss/managed_datasets"},
            "Managed datasets on the local filesystem", datasets=True, folders=False,
        ),
        "filesystem_input": connection(
            "filesystem_input", "Filesystem", {"root": "/data/input"},
            "Read-only input files", datasets=False, folders=False,
        ),
        "filesystem_folders": connection(
            "filesystem_folders", "Filesystem", {"root": "/data/dss/managed_folders"},
            "Managed folders on the local filesystem", datasets=False, folders=True,
        ),
    }


def seeded_code_envs() -> dict[str, Doc]:
    """``"<LANG>/<name>"`` -> definition, as ``GET /admin/code-envs/{lang}/{name}`` returns it."""
    def env(lang: str, name: str, interpreter: str | None, packages: str) -> Doc:
        desc: Doc = {"deploymentMode": "DESIGN_MANAGED", "owner": ADMIN["login"], "installCorePackages": True,
                     "installJupyterSupport": True}
        if interpreter:
            desc["pythonInterpreter"] = interpreter
        return {"envName": name, "envLang": lang, "desc": desc, "specPackageList": packages,
                "actualPackageList": packages, "specCondaEnvironment": "", "deploymentMode": "DESIGN_MANAGED",
                "usableByAll": True, "permissions": [], "allContainerConfs": False, "containerConfs": [],
                "predefinedContainerHooks": []}

    return {
        "PYTHON/py311_ml": env("PYTHON", "py311_ml", "PYTHON311", "pandas==2.2.2\nscikit-learn==1.5.0\n"),
        "PYTHON/py39_legacy": env("PYTHON", "py39_legacy", "PYTHON39", "pandas==1.5.3\n"),
        "R/r_base": env("R", "r_base", None, "dplyr\n"),
    }


#: a group's global permission flags (Dataiku's Ansible collection, ``dss_group``)
GROUP_FLAGS = (
    "admin", "mayCreateActiveWebContent", "mayCreateAuthenticatedConnections", "mayCreateClusters",
    "mayCreateCodeEnvs", "mayCreateCodeStudioTemplates", "mayCreateDataCollections", "mayCreateProjects",
    "mayCreateProjectsFromDataikuApps", "mayCreateProjectsFromMacros", "mayCreateProjectsFromTemplates",
    "mayCreatePublishedAPIServices", "mayCreatePublishedProjects", "mayCreateWorkspaces", "mayDevelopPlugins",
    "mayEditLibFolders", "mayManageClusters", "mayManageCodeEnvs", "mayManageCodeStudioTemplates",
    "mayManageFeatureStore", "mayManageUDM", "mayPublishToDataCollections", "mayShareToWorkspaces",
    "mayViewIndexedHiveConnections", "mayWriteInRootProjectFolder", "mayWriteSafeCode", "mayWriteUnsafeCode",
)
#: external group mappings, each one comma-separated string from DSS 12.6 on
GROUP_MAPPINGS = ("ldapGroupNames", "ssoGroupNames", "azureADGroupNames", "customGroupNames")


def seeded_users() -> dict[str, Doc]:
    """The API key's user, as ``GET /admin/users/{login}`` returns it."""
    return {ADMIN["login"]: {
        "login": ADMIN["login"], "displayName": ADMIN["displayName"], "email": "admin@sandbox.internal",
        "sourceType": "LOCAL", "groups": list(ADMIN_GROUPS), "userProfile": "DESIGNER", "enabled": True,
        "creationDate": 0, "adminProperties": {}, "userProperties": {}, "secrets": [], "credentials": {},
        "preferences": {}}}


def seeded_groups() -> dict[str, Doc]:
    """``administrators`` (every permission) and ``readers`` (none), as ``GET /admin/groups/{name}``."""
    def group(name: str, description: str, granted: bool) -> Doc:
        return {"name": name, "description": description, "sourceType": "LOCAL",
                **{flag: granted for flag in GROUP_FLAGS}, **{key: "" for key in GROUP_MAPPINGS},
                "canObtainAPITicketFromCookiesForGroupsRegex": ""}

    return {"administrators": group("administrators", "DSS administrators", True),
            "readers": group("readers", "Read-only users", False)}


def auth_info(with_secrets: bool) -> dict[str, Any]:
    """What ``GET /auth/info`` says about the API key."""
    info: dict[str, Any] = {
        "authIdentifier": ADMIN["login"],
        "associatedDSSUser": ADMIN["login"],
        "groups": list(ADMIN_GROUPS),
        "userProfile": "DESIGNER",
    }
    if with_secrets:
        info["secrets"] = []
    return info


def instance_info() -> dict[str, Any]:
    """What ``GET /instance-info`` says about the node."""
    return {
        "nodeId": "sandbox",
        "nodeName": "Reconciler sandbox",
        "nodeType": "DESIGN",
        "dssVersion": DSS_VERSION,
        "apiVersion": API_VERSION,
    }


#: the plugin store: id -> (version it currently offers, label, description)
PLUGIN_STORE: dict[str, tuple[str, str, str]] = {
    "geocoder": ("2.1.0", "Geocoder", "Forward and reverse geocoding"),
    "googlesheets": ("1.3.1", "Google Sheets", "Read and write Google Sheets"),
    "pi-system": ("1.2.4", "PI System", "Read OSIsoft PI data"),
    "timeseries-preparation": ("2.0.3", "Time series preparation", "Resample, window and extract time series"),
}

#: the project deployer's stages
STAGES = [
    {"id": "Development", "desc": "For applications development"},
    {"id": "Test", "desc": "Acceptance testing"},
    {"id": "Production", "desc": "Running live for users"},
]
