"""``dataiku_managed_folder``: a folder of files DSS manages for a project (models, exports...).

The id is the server's (8 characters, ``b21ed09a``), kept in state as ``"<project>.<id>"`` and
readable as ``${dataiku_managed_folder.<name>.id}`` (what a recipe's input or output refers
to). The natural key is (project, name): a folder made outside, or by an interrupted apply, is
found by listing the project's folders (two of the same name is an error naming both ids).

A new name is DSS's rename action; a new connection is a read-modify-write of the settings
(``params.connection`` and the ``type`` of that connection); a new ``path`` replaces the folder
(DSS refuses to change it, seed L6656). Deleting a folder deletes the recipes that use it (the
plan lists them); ``drop_data_on_destroy`` also deletes its files.
"""

from __future__ import annotations

from typing import Any, ClassVar, Iterable, Mapping, Sequence

from pydantic import BaseModel, ConfigDict, Field

from reconciler.errors import NotFoundError, ProviderError
from reconciler.providers.base import Collateral, CreatedButFailed, Live, Spec
from reconciler.providers.dataiku.resources._base import (
    MODIFIED,
    DataikuResource,
    modified,
    object_id,
    recipes_using,
    split_id,
)
from reconciler.providers.dataiku.resources._common import normalize_tags, text
from reconciler.providers.dataiku.resources._scope import by_project, projects_in_scope
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
    description: str | None = Field(None, description="long description (Markdown)")
    short_description: str | None = Field(None, description="one-line summary")
    tags: list[str] = Field(default_factory=list, description="tags (a set: order does not matter)")
    drop_data_on_destroy: bool = Field(False, description="on destroy, also delete the folder's files")


class ManagedFolder(DataikuResource):
    type_name: ClassVar[str] = "dataiku_managed_folder"
    spec_model: ClassVar[type[BaseModel]] = ManagedFolderSpec
    description: ClassVar[str] = "A managed folder (connection, path, name, metadata)"
    natural_key: ClassVar[tuple[str, ...]] = ("project", "name")
    server_owned: ClassVar[frozenset[str]] = frozenset({"id"})
    create_only: ClassVar[frozenset[str]] = frozenset({"project", "path"})
    local_fields: ClassVar[frozenset[str]] = frozenset({"drop_data_on_destroy"})
    delete_note: ClassVar[str | None] = "deletes the recipes that read or write the folder (Dataiku cascades)"
    ref_fields: ClassVar[Mapping[str, str]] = {"project": "dataiku_project.key"}

    def read(self, object_id_: str) -> Live | None:
        project, folder_id = split_id(object_id_, "managed folder")
        try:
            doc = self.client.get_managed_folder(project, folder_id)
        except NotFoundError:
            return None
        return self._live(project, doc)

    def batch_key(self, object_id_: str) -> Any:
        """The project: ``GET /projects/{k}/managedfolders/`` returns its folders whole (what ``find`` uses)."""
        return split_id(object_id_, "managed folder")[0]

    def read_many(self, object_ids: Sequence[str]) -> Mapping[str, Live | None]:
        """One list call per project."""
        out: dict[str, Live | None] = {}
        for project, members in by_project(object_ids, lambda i: split_id(i, "managed folder")).items():
            try:
                listed = {f.get("id"): f for f in self.client.list_managed_folders(project)}
            except NotFoundError:
                listed = {}
            for object_id_, folder_id in members:
                doc = listed.get(folder_id)
                out[object_id_] = self._live(project, doc) if doc is not None else None
        return out

    def discover(self, scope: Mapping[str, str]) -> Iterable[tuple[str, Live]]:
        """The managed folders of the projects in ``scope`` (see ``_scope``)."""
        return [(object_id(project, doc["id"]), self._live(project, doc))
                for project in projects_in_scope(self.client, scope)
                for doc in self.client.list_managed_folders(project) if doc.get("id")]

    @staticmethod
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
            "tags": normalize_tags(doc.get("tags")),
            MODIFIED: modified(doc.get("versionTag")),
        }

    def find(self, spec: Spec) -> tuple[str, Live] | None:
        project, name = spec.get("project"), spec.get("name")
        if not isinstance(project, str) or not isinstance(name, str):
            return None
        try:
            folders = [f for f in self.client.list_managed_folders(project) if f.get("name") == name]
        except NotFoundError:
            return None
        if len(folders) > 1:
            ids = ", ".join(str(f.get("id")) for f in folders)
            raise ProviderError(f"{len(folders)} managed folders named {name!r} in project {project}: {ids}",
                                hint="adopt the one you mean with `reconciler import ADDR <project>.<id>`")
        if not folders:
            return None
        return object_id(project, folders[0]["id"]), self._live(project, folders[0])

    def create(self, spec: Spec) -> tuple[str, Live]:
        want = ManagedFolderSpec.model_validate(spec)
        doc = self.client.create_managed_folder(want.project, {
            "name": want.name, "projectKey": want.project, "type": None,
            "params": {"connection": want.connection, "path": want.path},
        })
        new_id = object_id(want.project, doc["id"])
        try:
            self._save(want.project, doc["id"], spec, [f for f in METADATA_FIELDS if f in spec])
            live = self.read(new_id)
        except ProviderError as exc:
            raise CreatedButFailed(new_id, exc) from exc
        if live is None:
            raise CreatedButFailed(new_id, NotFoundError(f"managed folder {new_id} vanished after create"))
        return new_id, live

    def update(self, object_id_: str, live: Live, spec: Spec, changed: frozenset[str]) -> Live:
        project, folder_id = split_id(object_id_, "managed folder")
        fields = [f for f in (*METADATA_FIELDS, "connection") if f in changed and f in spec]
        if "name" in changed and "name" in spec:
            self.client.rename_managed_folder(project, folder_id, spec["name"])
        self._save(project, folder_id, spec, fields)
        new = self.read(object_id_)
        if new is None:
            raise NotFoundError(f"managed folder {object_id_} vanished during update")
        return new

    def delete(self, object_id_: str, *, attrs: Mapping[str, Any] | None = None) -> None:
        project, folder_id = split_id(object_id_, "managed folder")
        try:
            self.client.delete_managed_folder(project, folder_id,
                                              drop_data=bool((attrs or {}).get("drop_data_on_destroy")))
        except NotFoundError:
            pass

    def cascades(self, object_id_: str, live: Live) -> list[Collateral]:
        project, folder_id = split_id(object_id_, "managed folder")
        return recipes_using(self.client, project, folder_id)

    def normalize_fields(self, out: dict[str, Any]) -> dict[str, Any]:
        for f in ("description", "short_description"):
            if f in out:
                out[f] = text(out[f])
        if "tags" in out:
            out["tags"] = normalize_tags(out["tags"])
        return out

    def _save(self, project: str, folder_id: str, spec: Spec, fields: list[str]) -> None:
        """GET the settings, overlay ``fields``, PUT back only if something changed."""
        if not fields:
            return
        doc = self.client.get_managed_folder(project, folder_id)
        new = dict(doc)
        for f in fields:
            if f == "connection":
                if spec[f] != (doc.get("params") or {}).get("connection"):
                    new["params"] = {**(doc.get("params") or {}), "connection": spec[f]}
                    new["type"] = self.client.get_connection(spec[f]).get("type", doc.get("type"))
            elif f == "tags":
                new["tags"] = normalize_tags(spec[f])
            else:
                new[METADATA_FIELDS[f]] = text(spec[f])
        if new != doc:
            self.client.put_managed_folder(project, folder_id, new)
