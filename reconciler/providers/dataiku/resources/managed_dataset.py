"""``dataiku_managed_dataset``: a dataset DSS stores itself (typically a recipe's output).

Created through ``POST /projects/{k}/datasets/managed`` (DSS picks type, params and format
from the connection and ``format_option``), then brought in line by read-modify-write of the
dataset document and its metadata, like ``dataiku_dataset``. Id ``"<project>.<name>"``; natural
key (project, name); ``project``, ``name`` and ``connection`` are create-only (a new connection
means a new dataset). ``format_option`` and ``drop_data_on_destroy`` act at create / delete time
and are never compared. An external dataset of the same name is never listed, so never adopted
(nor the reverse).
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal, Mapping

from pydantic import BaseModel, ConfigDict, Field

from reconciler.errors import ProviderError
from reconciler.providers.base import CreatedButFailed, Live, Spec
from reconciler.providers.common import join_id, or_none, split_id
from reconciler.providers.dataiku.resources.dataset import NAME_PATTERN, Dataset, SchemaColumn
from reconciler.providers.models import Model

#: the format presets DSS documents for managed file datasets (seed L1299-L1309) and the client adds
FormatOption = Literal["CSV_EXCEL_GZIP", "CSV_UNIX_GZIP", "CSV_ESCAPING_NOGZIP_FORHIVE", "CSV_EXCEL_GZIP_BIGQUERY",
                       "CSV_NOQUOTING_NOGZIP_FORPIG", "PARQUET_HIVE", "AVRO", "ORC"]


class ManagedDatasetSpec(Model):
    """A managed dataset."""

    model_config = ConfigDict(extra="forbid")

    project: str = Field(description="key of the project holding it, usually ${dataiku_project.<name>.key}")
    name: str = Field(pattern=NAME_PATTERN, description="dataset name, unique in the project (letters, digits, _)")
    connection: str = Field(description="connection storing the data (must allow managed datasets); changing it "
                                        "replaces the dataset")
    format_option: FormatOption | None = Field(None, description="format preset at creation, for file "
                                                                 "connections; not compared afterwards")
    schema_columns: list[SchemaColumn] | None = Field(None, description="ordered columns; left alone when omitted")
    partitioning: dict[str, Any] | None = Field(None, description="platform partitioning document; null = none")
    description: str | None = Field("", description="long description (Markdown)")
    short_description: str | None = Field("", description="one-line summary (metadata shortDesc)")
    tags: list[str] = Field(default_factory=list, description="tags (a set: order does not matter)")
    drop_data_on_destroy: bool = Field(False, description="on destroy, also delete the stored data")



class ManagedDataset(Dataset):
    type_name: ClassVar[str] = "dataiku_managed_dataset"
    spec_model: ClassVar[type[BaseModel]] = ManagedDatasetSpec
    description: ClassVar[str] = "A managed dataset (storage connection, format preset, schema, metadata)"
    natural_key: ClassVar[tuple[str, ...]] = ("project", "name")
    unique_key: ClassVar[str | None] = "a Dataiku dataset name is unique in its project"
    create_only: ClassVar[frozenset[str]] = frozenset({"project", "name", "connection"})
    local_fields: ClassVar[frozenset[str]] = frozenset({"format_option", "drop_data_on_destroy"})
    delete_note: ClassVar[str | None] = "deletes the dataset's recipes and analyses (Dataiku cascades)"
    managed: ClassVar[bool] = True

    def _live(self, project: str, doc: Mapping[str, Any]) -> Live:
        live = super()._live(project, doc)
        live["connection"] = (live.get("params") or {}).get("connection")
        return live

    def create(self, spec: Spec) -> tuple[str, Live]:
        """DSS's managed creation (it picks type, params and format), then the declared fields
        written into the document it answers with (read when the answer is not the document)."""
        want = ManagedDatasetSpec.model_validate(spec)
        specific = {"formatOptionId": want.format_option} if want.format_option else {}
        answer = self.client.create_managed_dataset(want.project, {
            "name": want.name,
            "creationSettings": {"connectionId": want.connection, "specificSettings": specific},
        })
        object_id = join_id(want.project, want.name)
        doc = answer if isinstance(answer, dict) and answer.get("name") == want.name and "params" in answer else None
        try:
            return object_id, self._write(want.project, want.name, spec, set(spec), doc)
        except ProviderError as exc:
            raise CreatedButFailed(object_id, exc) from exc

    def delete(self, object_id: str, *, attrs: Mapping[str, Any] | None = None) -> None:
        """Delete the dataset; drop its data only if ``attrs`` says ``drop_data_on_destroy``."""
        project, name = split_id(object_id, "dataset")
        drop = bool((attrs or {}).get("drop_data_on_destroy"))
        or_none(lambda: self.client.delete_dataset(project, name, drop_data=drop))
