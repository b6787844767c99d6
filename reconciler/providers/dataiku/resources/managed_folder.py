"""``dataiku_managed_folder``: a folder of files DSS manages for a project (models, exports...).

The id is the server's (8 characters, ``b21ed09a``), kept in state as ``"<project>.<id>"`` and
readable as ``${dataiku_managed_folder.<name>.id}`` (what a recipe's input or output refers
to). The natural key is (project, name): a folder made outside, or by an interrupted apply, is
found in the project's folder list (``list(project)``, which returns them whole; two of the same
name is an error naming both ids).

A new name is DSS's rename action; a new connection is a read-modify-write of the settings
(``params.connection`` and the ``type`` of that connection); a new ``path`` replaces the folder
(DSS refuses to change it, seed L6656). Deleting a folder deletes the recipes that use it (the
plan lists them); ``drop_data_on_destroy`` also deletes its files.
"""

from __future__ import annotations

from typing import Any, ClassVar, Iterable, Mapping

from pydantic import BaseModel, ConfigDict, Field

from reconciler.errors import ProviderError
from reconciler.providers.base import Collateral, CreatedButFailed, Live, Spec
from reconciler.providers.common import as_set, join_id, or_none, split_id, text
from reconciler.providers.dataiku.resources._base import MODIFIED, DataikuResource, modified, recipes_using
from reconciler.providers.models import Model

DEFAULT_PATH = "/${projectKey}/${odbId}"
METADATA_FIELDS = {"description": "description", "short_description": "shortDesc", "tags": "tags"}


class ManagedFolderSpec(Model):
    """A managed folder."""

    model_config = ConfigDict(extra="forbid")

    project: str = Field(description="key of the project holding it, usually ${dataiku_project.<name>.key}")
    name: str = Field(min_length=1, description="display name, unique in the project; a change renames")
    connection: str = Field("filesystem_folders", description="connection storing the files (must allow managed "
                                                              "folders); a change moves the folder's settings")
    path: str = Field(DEFAULT_PATH, description="path inside the connection (write $${projectKey} for DSS's "
                                                "variable); changing it replaces the folder")
    description: str | None = Field("", description="long description (Markdown)")
    short_description: str | None = Field("", description="one-line summary")
    tags: list[str] = Field(default_factory=list, description="tags (a set: order does not matter)")
    drop_data_on_destroy: bool = Field(False, description="on destroy, also delete the folder's files")


class ManagedFolder(DataikuResource):
    type_name: ClassVar[str] = "dataiku_managed_folder"
    spec_model: ClassVar[type[BaseModel]] = ManagedFolderSpec
    description: ClassVar[str] = "A managed folder (connection, path, name, metadata)"
    natural_key: ClassVar[tuple[str, ...]] = ("project", "name")
    unique_key: ClassVar[str | None] = "a Dataiku managed folder name is unique in its project"
    server_owned: ClassVar[frozenset[str]] = frozenset({"id"})
    create_only: ClassVar[frozenset[str]] = frozenset({"project", "path"})
    local_fields: ClassVar[frozenset[str]] = frozenset({"drop_data_on_destroy"})
    delete_note: ClassVar[str | None] = "deletes the recipes that read or write the folder (Dataiku cascades)"
    ref_fields: ClassVar[Mapping[str, str]] = {"project": "dataiku_project.key"}

    container: ClassVar[str | None] = "project"

    def read(self, object_id: str) -> Live | None:
        project, folder_id = split_id(object_id, "managed folder")
        doc = or_none(lambda: self.client.get_managed_folder(project, folder_id))
        return _live(project, doc) if doc is not None else None

    def container_of(self, object_id: str) -> str | None:
        return split_id(object_id, "managed folder")[0]

    def list(self, container: str | None) -> Iterable[tuple[str, Live]]:
        docs = or_none(lambda: self.client.list_managed_folders(str(container))) or []
        return [(join_id(str(container), d["id"]), _live(str(container), d)) for d in docs if d.get("id")]

    def create(self, spec: Spec) -> tuple[str, Live]:
        want = ManagedFolderSpec.model_validate(spec)
        doc = self.client.create_managed_folder(want.project, {
            "name": want.name, "projectKey": want.project, "type": None,
            "params": {"connection": want.connection, "path": want.path},
        })
        new_id = join_id(want.project, doc["id"])
        whole = doc if "params" in doc and "name" in doc else None  # the answer is the folder
        try:
            doc = self._save(want.project, doc["id"], spec, [f for f in METADATA_FIELDS if f in spec], whole)
        except ProviderError as exc:
            raise CreatedButFailed(new_id, exc) from exc
        return new_id, _live(want.project, doc)

    def update(self, object_id: str, live: Live, spec: Spec, changed: frozenset[str]) -> Live:
        project, folder_id = split_id(object_id, "managed folder")
        fields = [f for f in (*METADATA_FIELDS, "connection") if f in changed and f in spec]
        if "name" in changed and "name" in spec:
            self.client.rename_managed_folder(project, folder_id, spec["name"])
        return _live(project, self._save(project, folder_id, spec, fields))

    def delete(self, object_id: str, *, attrs: Mapping[str, Any] | None = None) -> None:
        project, folder_id = split_id(object_id, "managed folder")
        drop = bool((attrs or {}).get("drop_data_on_destroy"))
        or_none(lambda: self.client.delete_managed_folder(project, folder_id, drop_data=drop))

    def cascades(self, object_id: str, live: Live) -> list[Collateral]:
        project, folder_id = split_id(object_id, "managed folder")
        return recipes_using(self.client, project, folder_id)

    def normalize_fields(self, out: dict[str, Any]) -> dict[str, Any]:
        for f in ("description", "short_description"):
            if f in out:
                out[f] = text(out[f])
        if "tags" in out:
            out["tags"] = as_set(out["tags"])
        return out

    def _save(self, project: str, folder_id: str, spec: Spec, fields: list[str],
              doc: dict[str, Any] | None = None) -> dict[str, Any]:
        """The folder's settings (``doc`` when the caller has them) with ``fields`` overlaid, PUT back
        only if something changed; the settings as they are now."""
        if doc is not None and not fields:
            return doc
        doc = self.client.get_managed_folder(project, folder_id)
        new = dict(doc)
        for f in fields:
            if f == "connection":
                if spec[f] != (doc.get("params") or {}).get("connection"):
                    new["params"] = {**(doc.get("params") or {}), "connection": spec[f]}
                    new["type"] = self.client.get_connection(spec[f]).get("type", doc.get("type"))
            elif f == "tags":
                new["tags"] = as_set(spec[f])
            else:
                new[METADATA_FIELDS[f]] = text(spec[f])
        if new != doc:
            self.client.put_managed_folder(project, folder_id, new)
        return new


def _live(project: str, doc: Mapping[str, Any]) -> Live:
    params = doc.get("params") or {}
    return {
        "id": doc.get("id"),
        "project": doc.get("projectKey") or project,
        "name": doc.get("name"),
        "connection": params.get("connection"),
        "path": params.get("path", doc.get("path")),
        "description": text(doc.get("description")),
        "short_description": text(doc.get("shortDesc")),
        "tags": as_set(doc.get("tags")),
        MODIFIED: modified(doc.get("versionTag")),
    }
