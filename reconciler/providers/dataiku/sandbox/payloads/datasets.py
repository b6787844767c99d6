"""Datasets: the request bodies (dataset document, schema, managed creation, rename) and what
DSS fills in: the defaults of a dataset document, the type, params and format of a managed one,
the ``/metadata`` view.

Defaults include every nested key the official client indexes into without checking
(reference/dataiku.md §E.1.14): ``schema.columns``, ``partitioning.dimensions``,
``formatParams``, ``metrics``.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator

from reconciler.providers.dataiku.sandbox.payloads.common import OBJECT_NAME_RE, _Payload

#: Column types of the seed (L1727-L1741) plus the client's ``dateonly``/``datetimenotz``.
COLUMN_TYPES = frozenset(
    "string boolean tinyint smallint int bigint float double date dateonly datetimenotz "
    "array map object geopoint geometry".split()
)


# -- requests ---------------------------------------------------------------------------------
class SchemaColumn(_Payload):
    name: str = Field(min_length=1)
    type: str

    @field_validator("type")
    @classmethod
    def _type(cls, value: str) -> str:
        if value not in COLUMN_TYPES:
            raise ValueError(f"unknown column type {value!r} (one of {', '.join(sorted(COLUMN_TYPES))})")
        return value


class DatasetSchema(_Payload):
    columns: list[SchemaColumn] = []


class Partitioning(_Payload):
    dimensions: list[dict[str, Any]] = []


class DatasetDocument(_Payload):
    """A dataset as POSTed (create) or PUT (settings); ``name`` is required on create only."""

    name: str | None = None
    projectKey: str | None = None
    type: str = Field(min_length=1)
    params: dict[str, Any] = {}
    formatType: str | None = None
    formatParams: dict[str, Any] | None = None
    managed: bool = False
    schema_: DatasetSchema | None = Field(default=None, alias="schema")
    partitioning: Partitioning | None = None
    tags: list[str] = []
    description: str | None = None
    shortDesc: str | None = None

    @field_validator("name")
    @classmethod
    def _name(cls, value: str | None) -> str | None:
        if value is not None and not OBJECT_NAME_RE.match(value):
            raise ValueError(f"dataset name {value!r} must match [A-Za-z0-9_]+")
        return value


class ManagedCreationSettings(_Payload):
    connectionId: str = Field(min_length=1)
    typeOptionId: str | None = None
    specificSettings: dict[str, Any] = {}
    partitioningOptionId: str | None = None


class ManagedDatasetCreate(_Payload):
    name: str
    creationSettings: ManagedCreationSettings

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not OBJECT_NAME_RE.match(value):
            raise ValueError(f"dataset name {value!r} must match [A-Za-z0-9_]+")
        return value


class RenameDataset(_Payload):
    oldName: str = Field(min_length=1)
    newName: str

    @field_validator("newName")
    @classmethod
    def _name(cls, value: str) -> str:
        if not OBJECT_NAME_RE.match(value):
            raise ValueError(f"dataset name {value!r} must match [A-Za-z0-9_]+")
        return value


# -- documents --------------------------------------------------------------------------------
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
