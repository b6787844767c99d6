"""``dataiku_dataset``: an external dataset of a DSS project (SQL table, files, cloud storage...).

Id ``"<project>.<name>"``; natural key (project, name); ``project``, ``name`` and ``type`` are
create-only. Two platform documents, each read-modify-written only when one of its fields
changed (unknown keys, ``versionTag``, checklists... are sent back untouched):

    spec field(s)                                           platform document
    params, format_type, format_params,                     GET/PUT /projects/{k}/datasets/{n}
      schema_columns (schema.columns), partitioning           (params, formatType, formatParams, schema, partitioning)
    description, short_description, tags                   GET/PUT /projects/{k}/datasets/{n}/metadata

``params`` and ``format_params`` are compared and written as whole maps: declare every key the
platform stores (GET an existing dataset to see them), or the diff shows the missing ones.
Declared params of file-based types need ``connection`` and ``path``; of SQL types
``connection`` and a ``table`` (or ``query``). Deleting a dataset deletes the recipes that read or write it: the
plan lists them (``cascades``). Drift names who changed the dataset last (its ``versionTag``).

The dataset document holds the metadata view's fields too (DSS keeps ``description``,
``shortDesc`` and ``tags`` on it), so one document is the whole live view: ``list(project)`` is
one ``GET /projects/{k}/datasets/`` (datasets of this type's kind only: external or managed),
and a create, which POSTs the whole document, returns it as sent, laid over what DSS fills in
for the fields it leaves out (no schema, no partitioning, empty texts and tags).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Iterable

from pydantic import BaseModel, ConfigDict, Field, model_validator

from reconciler.providers.base import Collateral, Live, Spec
from reconciler.providers.common import as_set, declared, join_id, or_none, split_id, text
from reconciler.providers.dataiku.resources._base import MODIFIED, DataikuResource, modified, recipes_using
from reconciler.providers.models import Model

NAME_PATTERN = r"^[A-Za-z0-9_]+$"
#: dataset types whose params name a path in a file connection (dataset.py:865-872 of dataikuapi)
FILE_TYPES = frozenset({"Filesystem", "UploadedFiles", "FilesInFolder", "HDFS", "S3", "Azure", "GCS", "FTP", "SCP",
                        "SFTP"})
#: dataset types whose params name a table (or a query) in a SQL connection
SQL_TYPES = frozenset({"JDBC", "PostgreSQL", "MySQL", "Vertica", "Snowflake", "Redshift", "Greenplum", "Teradata",
                       "Oracle", "SQLServer", "SAPHANA", "Netezza", "BigQuery", "Athena", "hiveserver2", "Synapse",
                       "FabricWarehouse", "Databricks", "DatabricksLakebase", "ClickHouse"})
#: spec field -> key of the dataset document
DOC_FIELDS = {"params": "params", "format_type": "formatType", "format_params": "formatParams",
              "schema_columns": "schema", "partitioning": "partitioning"}
#: spec field -> key of the metadata document
METADATA_FIELDS = {"description": "description", "short_description": "shortDesc", "tags": "tags"}


class SchemaColumn(Model):
    """One schema column; platform keys beyond name/type (maxLength, comment, meaning...) are kept."""

    model_config = ConfigDict(extra="allow")

    name: str = Field(description="column name")
    type: str = Field(description="storage type: string, boolean, tinyint, smallint, int, bigint, float, "
                                  "double, date, dateonly, datetimenotz, array, map, object, geopoint, geometry")


class DatasetSpec(Model):
    """An external dataset."""

    model_config = ConfigDict(extra="forbid")

    project: str = Field(description="key of the project holding it, usually ${dataiku_project.<name>.key}")
    name: str = Field(pattern=NAME_PATTERN, description="dataset name, unique in the project (letters, digits, _)")
    type: str = Field(description="dataset type: PostgreSQL, Snowflake, Filesystem, S3, ... (changing it replaces)")
    params: dict[str, Any] = Field(default_factory=dict, description="type parameters in platform keys "
                                   "(connection, mode, schema, table, path...); compared as a whole")
    format_type: str | None = Field(None, description="file format for file-based types (csv, parquet...)")
    format_params: dict[str, Any] | None = Field(None, description="format parameters in platform keys; compared as a whole")
    schema_columns: list[SchemaColumn] | None = Field(None, description="ordered columns; left alone when omitted")
    description: str | None = Field("", description="long description (Markdown)")
    short_description: str | None = Field("", description="one-line summary (metadata shortDesc)")
    tags: list[str] = Field(default_factory=list, description="tags (a set: order does not matter)")
    partitioning: dict[str, Any] | None = Field(None, description="platform partitioning document "
                                                "({dimensions: [...], ...}); null = not partitioned")

    @model_validator(mode="after")
    def _params_fit_the_type(self) -> "DatasetSpec":
        """Declared params of a known family name what that family needs (empty = not managed)."""
        missing: list[str] = []
        if not self.params:
            return self
        if self.type in FILE_TYPES | SQL_TYPES and not self.params.get("connection"):
            missing.append("connection")
        if self.type in FILE_TYPES and self.type not in ("UploadedFiles", "FilesInFolder") and \
                "path" not in self.params:
            missing.append("path")
        if self.type in SQL_TYPES and not ({"table", "query"} & set(self.params)):
            missing.append("table (or query)")
        if missing:
            family = "file-based" if self.type in FILE_TYPES else "SQL"
            raise ValueError(f"params of a {family} dataset ({self.type}) need {', '.join(missing)}")
        return self


class Dataset(DataikuResource):
    type_name: ClassVar[str] = "dataiku_dataset"
    spec_model: ClassVar[type[BaseModel]] = DatasetSpec
    description: ClassVar[str] = "An external dataset (params, format, schema, metadata, partitioning)"
    natural_key: ClassVar[tuple[str, ...]] = ("project", "name")
    unique_key: ClassVar[str | None] = "a Dataiku dataset name is unique in its project"
    server_owned: ClassVar[frozenset[str]] = frozenset({"id"})
    create_only: ClassVar[frozenset[str]] = frozenset({"project", "name", "type"})
    delete_note: ClassVar[str | None] = "deletes the dataset's recipes and analyses (Dataiku cascades)"
    ref_fields: ClassVar[Mapping[str, str]] = {"project": "dataiku_project.key"}
    container: ClassVar[str | None] = "project"
    #: which kind of dataset this type manages (the other kind is never listed, so never adopted)
    managed: ClassVar[bool] = False

    # -- reading ------------------------------------------------------------------------------
    def read(self, object_id: str) -> Live | None:
        project, name = split_id(object_id, "dataset")
        doc = or_none(lambda: self.client.get_dataset(project, name))
        return self._live(project, doc) if doc is not None else None

    def container_of(self, object_id: str) -> str | None:
        return split_id(object_id, "dataset")[0]

    def list(self, container: str | None) -> Iterable[tuple[str, Live]]:
        """The project's datasets of this type's kind, whole, from one list call."""
        docs = or_none(lambda: self.client.list_datasets(str(container))) or []
        return [(join_id(str(container), d["name"]), self._live(str(container), d))
                for d in docs if d.get("name") and bool(d.get("managed")) == self.managed]

    def _live(self, project: str, doc: Mapping[str, Any]) -> Live:
        """The live view of a dataset document (the metadata fields included)."""
        return {
            "id": join_id(project, doc["name"]),
            "project": doc.get("projectKey") or project,
            "name": doc["name"],
            "type": doc.get("type"),
            "params": doc.get("params") or {},
            "format_type": doc.get("formatType"),
            "format_params": doc.get("formatParams") or {},
            "schema_columns": (doc.get("schema") or {}).get("columns") or [],
            "partitioning": _partitioning(doc.get("partitioning")),
            "description": text(doc.get("description")),
            "short_description": text(doc.get("shortDesc")),
            "tags": as_set(doc.get("tags")),
            MODIFIED: modified(doc.get("versionTag")),
        }

    def cascades(self, object_id: str, live: Live) -> list[Collateral]:
        project, name = split_id(object_id, "dataset")
        return recipes_using(self.client, project, name)

    # -- writing ------------------------------------------------------------------------------
    def create(self, spec: Spec) -> tuple[str, Live]:
        """One POST carrying the whole document (schema, partitioning, description, tags: DSS keeps
        the metadata view on the document); the live view is that document."""
        want = DatasetSpec.model_validate(spec)
        body = {
            "name": want.name,
            "projectKey": want.project,
            "type": want.type,
            "params": want.params,
            "formatType": want.format_type,
            "formatParams": want.format_params or {},
        }
        body = _with_document_fields(body, spec, declared(spec, list(DOC_FIELDS)))
        body.update(_metadata_fields(spec, declared(spec, list(METADATA_FIELDS))))
        self.client.create_dataset(want.project, body)
        return join_id(want.project, want.name), self._live(want.project, body)

    def update(self, object_id: str, live: Live, spec: Spec, changed: frozenset[str]) -> Live:
        project, name = split_id(object_id, "dataset")
        return self._write(project, name, spec, set(changed) & set(spec))

    def _write(self, project: str, name: str, spec: Spec, fields: set[str], doc: dict[str, Any] | None = None
               ) -> Live:
        """The dataset document (``doc`` when the caller has it), then its metadata view (which DSS
        mirrors into the document), each read-modify-written; the live view of the result."""
        doc = doc if doc is not None else self.client.get_dataset(project, name)
        new = _with_document_fields(doc, spec, declared(spec, [f for f in DOC_FIELDS if f in fields]))
        if new != doc:
            self.client.put_dataset(project, name, new)
        meta_fields = declared(spec, [f for f in METADATA_FIELDS if f in fields])
        if meta_fields:
            meta = self.client.get_dataset_metadata(project, name)
            written = {**meta, **_metadata_fields(spec, meta_fields)}
            if written != meta:
                self.client.put_dataset_metadata(project, name, written)
            new.update({k: written.get(k) for k in METADATA_FIELDS.values()})
        return self._live(project, new)

    def delete(self, object_id: str, *, attrs: Mapping[str, Any] | None = None) -> None:
        project, name = split_id(object_id, "dataset")
        or_none(lambda: self.client.delete_dataset(project, name, drop_data=False))

    def normalize_fields(self, out: dict[str, Any]) -> dict[str, Any]:
        for f in ("description", "short_description"):
            if f in out:
                out[f] = text(out[f])
        if "tags" in out:
            out["tags"] = as_set(out["tags"])
        for f in ("params", "format_params"):
            if f in out and out[f] is None:
                out[f] = {}
        if "schema_columns" in out:
            out["schema_columns"] = _columns(out["schema_columns"])
        if "partitioning" in out:
            out["partitioning"] = _partitioning(out["partitioning"])
        return out


def _with_document_fields(doc: Mapping[str, Any], spec: Spec, fields: list[str]) -> dict[str, Any]:
    """``doc`` with the dataset-document ``fields`` of ``spec`` written in."""
    new = dict(doc)
    for f in fields:
        value = spec[f]
        if f == "schema_columns":
            if value is None:
                continue
            new["schema"] = {**(doc.get("schema") or {}), "columns": [dict(c) for c in value]}
        elif f == "partitioning":
            live_part = doc.get("partitioning") or {}
            new["partitioning"] = dict(value) if value else {**live_part, "dimensions": []}
        elif f in ("params", "format_params"):
            new[DOC_FIELDS[f]] = dict(value or {})
        else:
            new[DOC_FIELDS[f]] = value
    return new


def _metadata_fields(spec: Spec, fields: list[str]) -> dict[str, Any]:
    """The metadata-view keys of the declared ``fields`` (description, shortDesc, tags)."""
    return {METADATA_FIELDS[f]: as_set(spec[f]) if f == "tags" else text(spec[f]) for f in fields}


def _columns(value: Any) -> Any:
    """Columns keep their order; ``None`` is no columns; keys set to null are dropped."""
    if value is None:
        return []
    if not isinstance(value, list):
        return value
    return [{k: v for k, v in c.items() if v is not None} if isinstance(c, Mapping) else c for c in value]


def _partitioning(value: Any) -> Any:
    """A partitioning without dimensions is "not partitioned": ``None``."""
    if value is None or (isinstance(value, Mapping) and not value.get("dimensions")):
        return None
    return value
