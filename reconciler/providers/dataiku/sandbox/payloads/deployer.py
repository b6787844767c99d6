"""The instance-level and deployer documents the emulator builds: code envs, the plugin store,
plugins, meanings, deployer stages, infras, published projects and deployments.

Pure functions returning fresh dicts; the seeded catalogs are listed in COVERAGE.md.
"""

from __future__ import annotations

import re
from typing import Any

from reconciler.providers.dataiku.sandbox.seed import ADMIN, DSS_VERSION

Doc = dict[str, Any]


# -- code envs --------------------------------------------------------------------------------
def seeded_code_envs() -> dict[str, Doc]:
    """``"<LANG>/<name>"`` -> definition, as ``GET /admin/code-envs/{lang}/{name}`` returns it."""
    def env(lang: str, name: str, interpreter: str | None, packages: str) -> Doc:
        desc: Doc = {"deploymentMode": "DESIGN_MANAGED", "owner": ADMIN["login"], "installCorePackages": True,
                     "installJupyterSupport": True, "usableByAll": True, "permissions": []}
        if interpreter:
            desc["pythonInterpreter"] = interpreter
        return {"envName": name, "envLang": lang, "desc": desc, "specPackageList": packages,
                "actualPackageList": packages, "specCondaEnvironment": "", "deploymentMode": "DESIGN_MANAGED"}

    return {
        "PYTHON/py311_ml": env("PYTHON", "py311_ml", "PYTHON311", "pandas==2.2.2\nscikit-learn==1.5.0\n"),
        "PYTHON/py39_legacy": env("PYTHON", "py39_legacy", "PYTHON39", "pandas==1.5.3\n"),
        "R/r_base": env("R", "r_base", None, "dplyr\n"),
    }


def code_env_list_item(definition: Doc) -> Doc:
    return {"envName": definition["envName"], "envLang": definition["envLang"],
            "deploymentMode": definition["deploymentMode"], "owner": definition["desc"]["owner"],
            "pythonInterpreter": definition["desc"].get("pythonInterpreter")}


# -- plugins ----------------------------------------------------------------------------------
#: the plugin store: id -> (version it currently offers, label, description)
PLUGIN_STORE: dict[str, tuple[str, str, str]] = {
    "geocoder": ("2.1.0", "Geocoder", "Forward and reverse geocoding"),
    "googlesheets": ("1.3.1", "Google Sheets", "Read and write Google Sheets"),
    "pi-system": ("1.2.4", "PI System", "Read OSIsoft PI data"),
    "timeseries-preparation": ("2.0.3", "Time series preparation", "Resample, window and extract time series"),
}


def plugin_id_from_git(url: str, subpath: str | None) -> str:
    """What a git checkout's plugin.json would say (inferred): the last path segment, without
    ``.git`` and a ``dss-plugin-`` prefix."""
    source = (subpath or "").strip("/") or url.rstrip("/")
    base = re.split(r"[/:]", source)[-1].removesuffix(".git")
    return base.removeprefix("dss-plugin-")


def plugin_version_from_checkout(checkout: str) -> str:
    """``v1.4.0`` / ``1.4.0`` -> ``1.4.0``; a branch or commit -> ``0.0.0-<checkout>`` (inferred)."""
    match = re.fullmatch(r"v?(\d+(?:\.\d+)*)", checkout)
    return match.group(1) if match else f"0.0.0-{checkout}"


def plugin_record(plugin_id: str, version: str, label: str, description: str, source: Doc) -> Doc:
    return {
        "id": plugin_id, "version": version, "isDev": False, "meta": {"label": label, "description": description},
        "installedFrom": source,
        "settings": {"config": {}, "codeEnvName": None, "presets": [], "parameterSets": [],
                     "accessibleParameterSetDescs": [], "permissions": []},
    }


def plugin_list_item(record: Doc) -> Doc:
    return {k: record[k] for k in ("id", "version", "isDev", "meta")}


def install_result(plugin_id: str, action: str) -> Doc:
    return {"messages": [], "anyMessage": False, "success": True, "warning": False, "error": False,
            "pluginId": plugin_id, "action": action}


# -- project deployer -------------------------------------------------------------------------
STAGES = [
    {"id": "Development", "desc": "For applications development"},
    {"id": "Test", "desc": "Acceptance testing"},
    {"id": "Production", "desc": "Running live for users"},
]


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
