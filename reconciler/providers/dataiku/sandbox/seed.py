"""The documents DSS returns, as the emulator builds them: the seeded instance (user,
connections) and the defaults a new project or dataset starts with.

Defaults include every nested key the official client indexes into without checking
(reference/dataiku.md §E.1.14): ``settings.codeEnvs.python``, ``exposedObjects.objects``,
``schema.columns``, ``partitioning.dimensions``, ``formatParams``, ``metrics``.
Pure functions returning fresh dicts; no state.
"""

from __future__ import annotations

from typing import Any

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


def auth_info(with_secrets: bool) -> dict[str, Any]:
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
    return {
        "nodeId": "sandbox",
        "nodeName": "Reconciler sandbox",
        "nodeType": "DESIGN",
        "dssVersion": DSS_VERSION,
        "apiVersion": API_VERSION,
    }


def tag(version: int, now_ms: int) -> dict[str, Any]:
    """A ``versionTag``/``creationTag``."""
    return {"versionNumber": version, "lastModifiedBy": dict(ADMIN), "lastModifiedOn": now_ms}


# -- project folders ------------------------------------------------------------------------
def folder_settings(name: str | None) -> dict[str, Any]:
    return {"name": name, "owner": ADMIN["login"], "permissions": []}


# -- projects -------------------------------------------------------------------------------
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


def project_collections() -> dict[str, Any]:
    """The object families a new project holds, empty."""
    return {
        "datasets": {},
        "recipes": {},
        "managedFolders": {},
        "scenarios": {},
        "wiki": {"homeArticleId": None, "taxonomy": [], "articles": {}, "articleCounter": 0},
        "exportedBundles": {},
    }


def deep_merge(base: dict[str, Any], overlay: dict[str, Any]) -> dict[str, Any]:
    """``overlay`` written over ``base`` recursively (dicts merge, anything else replaces)."""
    merged = dict(base)
    for key, value in overlay.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


# -- datasets -------------------------------------------------------------------------------
#: Server-owned keys of a dataset document: a PUT cannot change them.
DATASET_SERVER_OWNED = ("projectKey", "name", "versionTag", "creationTag")


def dataset_defaults() -> dict[str, Any]:
    """What a dataset document holds before the caller's fields are laid over it."""
    return {
        "type": None,
        "managed": False,
        "featureGroup": False,
        "params": {},
        "formatParams": {},
        "schema": {"columns": [], "userModified": False},
        "partitioning": {
            "ignoreNonMatchingFile": False,
            "considerMissingRequestedPartitionsAsEmpty": False,
            "dimensions": [],
        },
        "flowOptions": {"virtualizable": False, "rebuildBehavior": "NORMAL", "crossProjectBuildBehavior": "DEFAULT"},
        "metrics": {"probes": [], "engineConfig": {}, "displayedState": {"columns": [], "metrics": []}},
        "tags": [],
        "description": "",
        "shortDesc": "",
        "customFields": {},
        "checklists": {"checklists": []},
    }


#: formatOptionId -> (formatType, formatParams) for managed file datasets (seed L1299-L1309, plus the
#: presets dataikuapi's ``with_new_output`` documents).
FORMAT_OPTIONS: dict[str, tuple[str, dict[str, Any]]] = {
    "CSV_EXCEL_GZIP": ("csv", {"style": "excel", "charset": "utf8", "separator": ",", "quoteChar": '"',
                               "escapeChar": "\\", "parseHeaderRow": True, "skipRowsBeforeHeader": 0,
                               "skipRowsAfterHeader": 0, "compress": "gz"}),
    "CSV_UNIX_GZIP": ("csv", {"style": "unix", "charset": "utf8", "separator": ",", "quoteChar": '"',
                              "escapeChar": "\\", "parseHeaderRow": True, "skipRowsBeforeHeader": 0,
                              "skipRowsAfterHeader": 0, "compress": "gz"}),
    "CSV_ESCAPING_NOGZIP_FORHIVE": ("csv", {"style": "escape_only_no_quote", "charset": "utf8", "separator": "\t",
                                            "escapeChar": "\\", "parseHeaderRow": False, "skipRowsBeforeHeader": 0,
                                            "skipRowsAfterHeader": 0, "compress": ""}),
    "PARQUET_HIVE": ("parquet", {"parquetCompressionMethod": "SNAPPY", "parquetFlavor": "HIVE",
                                 "parquetBlockSizeMB": 128}),
    "ORC": ("orc", {"orcCompressionMethod": "SNAPPY"}),
    "CSV_EXCEL_GZIP_BIGQUERY": ("csv", {"style": "excel", "charset": "utf8", "separator": ",", "quoteChar": '"',
                                        "escapeChar": "\\", "parseHeaderRow": False, "skipRowsBeforeHeader": 0,
                                        "skipRowsAfterHeader": 0, "compress": "gz"}),
    "CSV_NOQUOTING_NOGZIP_FORPIG": ("csv", {"style": "unix", "charset": "utf8", "separator": "\t", "quoteChar": "",
                                            "escapeChar": "", "parseHeaderRow": False, "skipRowsBeforeHeader": 0,
                                            "skipRowsAfterHeader": 0, "compress": ""}),
    "AVRO": ("avro", {}),
}
DEFAULT_FORMAT_OPTION = "CSV_ESCAPING_NOGZIP_FORHIVE"

FILE_CONNECTION_TYPES = frozenset({"Filesystem", "HDFS", "S3", "Azure", "GCS", "FTP", "SCP", "SFTP"})


def managed_dataset_fields(
    project_key: str, name: str, connection: dict[str, Any], format_option: str | None
) -> dict[str, Any]:
    """Type, params and format DSS picks for a managed dataset stored in ``connection``."""
    if connection["type"] in FILE_CONNECTION_TYPES:
        format_type, format_params = FORMAT_OPTIONS[format_option or DEFAULT_FORMAT_OPTION]
        return {
            "type": connection["type"],
            "managed": True,
            "params": {"connection": connection["name"], "path": "${projectKey}/" + name, "notReadyIfEmpty": False,
                       "filesSelectionRules": {"mode": "ALL", "excludeRules": [], "includeRules": []}},
            "formatType": format_type,
            "formatParams": dict(format_params),
        }
    return {
        "type": connection["type"],
        "managed": True,
        "params": {"connection": connection["name"], "mode": "table", "table": "${projectKey}_" + name,
                   "schema": "", "catalog": "", "notReadyIfEmpty": False},
        "formatParams": {},
    }


def metadata_of(dataset: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """The ``/metadata`` view of a dataset document (DSS keeps these fields on the object)."""
    return {
        **extra,
        "label": dataset["name"],
        "description": dataset.get("description", ""),
        "shortDesc": dataset.get("shortDesc", ""),
        "tags": list(dataset.get("tags", [])),
        "custom": {"kv": dict(dataset.get("customFields", {}))},
        "checklists": dataset.get("checklists", {"checklists": []}),
    }
