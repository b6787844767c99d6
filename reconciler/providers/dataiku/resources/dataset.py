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
A refresh reads a project's datasets with one ``GET /projects/{k}/datasets/`` (``read_many``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Iterable, Sequence

from pydantic import BaseModel, ConfigDict, Field, model_validator

from reconciler.errors import NotFoundError, ProviderError
from reconciler.providers.base import Collateral, CreatedButFailed, Live, Spec
from reconciler.providers.dataiku.resources._base import MODIFIED, DataikuResource, modified, recipes_using
from reconciler.providers.dataiku.resources._common import declared, normalize_tags, text
from reconciler.providers.dataiku.resources._scope import by_project, projects_in_scope
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
    description: str | None = Field(None, description="long description (Markdown)")
    short_description: str | None = Field(None, description="one-line summary (metadata shortDesc)")
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


def dataset_id(project: str, name: str) -> str:
    return f"{project}.{name}"


def split_id(object_id: str) -> tuple[str, str]:
    """``"SALES.orders"`` -> ``("SALES", "orders")`` (project keys contain no dot)."""
    project, dot, name = object_id.partition(".")
    if not dot or not project or not name:
        raise ValueError(f"{object_id!r} is not a dataset id; expected <project key>.<dataset name>")
    return project, name


class Dataset(DataikuResource):
    type_name: ClassVar[str] = "dataiku_dataset"
    spec_model: ClassVar[type[BaseModel]] = DatasetSpec
    description: ClassVar[str] = "An external dataset (params, format, schema, metadata, partitioning)"
    natural_key: ClassVar[tuple[str, ...]] = ("project", "name")
    server_owned: ClassVar[frozenset[str]] = frozenset({"id"})
    create_only: ClassVar[frozenset[str]] = frozenset({"project", "name", "type"})
    delete_note: ClassVar[str | None] = "deletes the dataset's recipes and analyses (Dataiku cascades)"
    #: which kind of dataset this type manages (the other kind is never adopted)
    managed: ClassVar[bool] = False
    ref_fields: ClassVar[Mapping[str, str]] = {"project": "dataiku_project.key"}

    def read(self, object_id: str) -> Live | None:
        project, name = split_id(object_id)
        try:
            doc = self.client.get_dataset(project, name)
            meta = self.client.get_dataset_metadata(project, name)
        except NotFoundError:
            return None
        return self._live(object_id, project, name, doc, meta)

    def batch_key(self, object_id: str) -> Any:
        """The project: ``GET /projects/{k}/datasets/`` returns its datasets whole."""
        return split_id(object_id)[0]

    def read_many(self, object_ids: Sequence[str]) -> Mapping[str, Live | None]:
        """One list call per project. A listed document is the one ``get_dataset`` returns, and DSS keeps
        the metadata view's ``description``/``shortDesc``/``tags`` on it, so it stands for both calls."""
        out: dict[str, Live | None] = {}
        for project, members in by_project(object_ids, split_id).items():
            try:
                listed = {d.get("name"): d for d in self.client.list_datasets(project)}
            except NotFoundError:
                listed = {}
            for object_id, name in members:
                doc = listed.get(name)
                out[object_id] = self._live(object_id, project, name, doc, doc) if doc is not None else None
        return out

    def discover(self, scope: Mapping[str, str]) -> Iterable[tuple[str, Live]]:
        """The datasets of this kind (external / managed) in the projects of ``scope`` (see ``_scope``)."""
        found = []
        for project in projects_in_scope(self.client, scope):
            for doc in self.client.list_datasets(project):
                if bool(doc.get("managed")) == self.managed and doc.get("name"):
                    object_id = dataset_id(project, doc["name"])
                    found.append((object_id, self._live(object_id, project, doc["name"], doc, doc)))
        return found

    def _live(self, object_id: str, project: str, name: str, doc: Mapping[str, Any],
              meta: Mapping[str, Any]) -> Live:
        """The live view from the dataset document and its metadata view (``meta``)."""
        return {
            "id": object_id,
            "project": doc.get("projectKey") or project,
            "name": doc.get("name") or name,
            "type": doc.get("type"),
            "params": doc.get("params") or {},
            "format_type": doc.get("formatType"),
            "format_params": doc.get("formatParams") or {},
            "schema_columns": (doc.get("schema") or {}).get("columns") or [],
            "partitioning": _partitioning(doc.get("partitioning")),
            "description": text(meta.get("description")),
            "short_description": text(meta.get("shortDesc")),
            "tags": normalize_tags(meta.get("tags")),
            MODIFIED: modified(doc.get("versionTag")),
        }

    def find_key(self, spec: Spec) -> Any:
        """The project: its dataset list answers the lookups of all its datasets at once."""
        project, name = spec.get("project"), spec.get("name")
        return project if isinstance(project, str) and isinstance(name, str) else None

    def find_many(self, specs: Sequence[Spec]) -> list[tuple[str, Live] | None]:
        project = specs[0]["project"]
        try:
            listed = {d.get("name"): d for d in self.client.list_datasets(project)}
        except NotFoundError:
            listed = {}
        out: list[tuple[str, Live] | None] = []
        for spec in specs:
            doc = listed.get(spec["name"])
            if doc is None or bool(doc.get("managed")) != self.managed:
                out.append(None)
                continue
            object_id = dataset_id(project, spec["name"])
            out.append((object_id, self._live(object_id, project, spec["name"], doc, doc)))
        return out

    def find(self, spec: Spec) -> tuple[str, Live] | None:
        """The dataset named so in the project, if it is of this type's kind (external / managed)."""
        project, name = spec.get("project"), spec.get("name")
        if not isinstance(project, str) or not isinstance(name, str):
            return None
        try:
            doc = self.client.get_dataset(project, name)
        except NotFoundError:
            return None
        if bool(doc.get("managed")) != self.managed:
            return None
        object_id = dataset_id(project, name)
        live = self.read(object_id)
        return (object_id, live) if live is not None else None

    def cascades(self, object_id: str, live: Live) -> list[Collateral]:
        project, name = split_id(object_id)
        return recipes_using(self.client, project, name)

    def create(self, spec: Spec) -> tuple[str, Live]:
        """One POST carrying the whole document (schema, partitioning, description, tags: DSS keeps
        the metadata view on the document), then one GET that stands for the document and its
        metadata view (as in ``read_many``)."""
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
        object_id = dataset_id(want.project, want.name)
        try:
            doc = self.client.get_dataset(want.project, want.name)
        except NotFoundError as exc:
            raise CreatedButFailed(object_id, NotFoundError(f"dataset {object_id} vanished after create")) from exc
        except ProviderError as exc:
            raise CreatedButFailed(object_id, exc) from exc
        return object_id, self._live(object_id, want.project, want.name, doc, doc)

    def update(self, object_id: str, live: Live, spec: Spec, changed: frozenset[str]) -> Live:
        project, name = split_id(object_id)
        self._sync(project, name, spec, set(changed) & set(spec))
        new = self.read(object_id)
        if new is None:
            raise NotFoundError(f"dataset {object_id} vanished during update")
        return new

    def delete(self, object_id: str, *, attrs: Mapping[str, Any] | None = None) -> None:
        project, name = split_id(object_id)
        try:
            self.client.delete_dataset(project, name, drop_data=False)
        except NotFoundError:
            pass

    def normalize_fields(self, out: dict[str, Any]) -> dict[str, Any]:
        for f in ("description", "short_description"):
            if f in out:
                out[f] = text(out[f])
        if "tags" in out:
            out["tags"] = normalize_tags(out["tags"])
        for f in ("params", "format_params"):
            if f in out and out[f] is None:
                out[f] = {}
        if "schema_columns" in out:
            out["schema_columns"] = _columns(out["schema_columns"])
        if "partitioning" in out:
            out["partitioning"] = _partitioning(out["partitioning"])
        return out

    # -- one read-modify-write per platform document ----------------------------------------
    def _sync(self, project: str, name: str, spec: Spec, fields: set[str]) -> None:
        """Dataset document first, then metadata (which DSS also mirrors into the document)."""
        self._save_document(project, name, spec, declared(spec, [f for f in DOC_FIELDS if f in fields]))
        self._save_metadata(project, name, spec, declared(spec, [f for f in METADATA_FIELDS if f in fields]))

    def _save_document(self, project: str, name: str, spec: Spec, fields: list[str]) -> None:
        if not fields:
            return
        doc = self.client.get_dataset(project, name)
        new = _with_document_fields(doc, spec, fields)
        if new != doc:
            self.client.put_dataset(project, name, new)

    def _save_metadata(self, project: str, name: str, spec: Spec, fields: list[str]) -> None:
        if not fields:
            return
        meta = self.client.get_dataset_metadata(project, name)
        new = {**meta, **_metadata_fields(spec, fields)}
        if new != meta:
            self.client.put_dataset_metadata(project, name, new)


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
    return {METADATA_FIELDS[f]: normalize_tags(spec[f]) if f == "tags" else text(spec[f]) for f in fields}


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
