"""``dataiku_project_folder``: a folder in the DSS project tree.

Server-generated id (``KdLmPU6``), kept in state; the natural key is (parent, name), looked up
in the parent's children (``list(parent)``: the parent's document, then each child's). A rename
or a new owner / permission set is a read-modify-write of the folder settings; a new parent is a
move, never a replacement. The folder document has the name and the parent; owner and
permissions live in the settings document (``detail_fields``: a lookup reads it only where they
are managed). A folder's id does not tell its parent (no ``container_of``): a read by id is
``read``, the document and the settings.
"""

from __future__ import annotations

from typing import Any, ClassVar, Iterable, Mapping

from pydantic import BaseModel, ConfigDict, Field

from reconciler.errors import NotFoundError, ProviderError
from reconciler.providers.base import CreatedButFailed, Live, Spec
from reconciler.providers.common import declared, fan_out, or_none
from reconciler.providers.dataiku.client import DataikuClient
from reconciler.providers.dataiku.resources._base import DataikuResource
from reconciler.providers.dataiku.resources._permissions import (
    Principal,
    live_permissions,
    merge_permissions,
    normalize_permissions,
)
from reconciler.providers.models import Model

ROOT = "ROOT"
FOLDER_FLAGS = ("read", "writeContents", "admin")


class FolderPermission(Principal):
    """One principal's rights on a folder (platform flag names)."""

    model_config = ConfigDict(extra="forbid")

    group: str | None = Field(None, description="DSS group the flags apply to (or give user)")
    user: str | None = Field(None, description="DSS user login the flags apply to (or give group)")
    read: bool = Field(False, description="see the folder and its contents")
    writeContents: bool = Field(False, description="create and move projects and sub-folders in it")
    admin: bool = Field(False, description="manage the folder's settings and permissions")


class ProjectFolderSpec(Model):
    """A DSS project folder."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="folder name, unique among its siblings")
    parent: str = Field(ROOT, description="id of the parent folder (ROOT for the top level), "
                                          "usually ${dataiku_project_folder.<name>.id}; a change moves the folder")
    owner: str | None = Field(None, description="login of the folder owner (left alone when omitted)")
    permissions: list[FolderPermission] | None = Field(
        None, description="the complete permission set (principals not listed lose their rights); left alone when omitted")


def every_folder(client: DataikuClient) -> list[str]:
    """ROOT and every folder under it that holds sub-folders (the containers export lists)."""
    found, pending = [], [ROOT]
    while pending:
        folder_id = pending.pop(0)
        children = (or_none(lambda: client.get_folder(folder_id)) or {}).get("childrenIds") or []
        if children:
            found.append(folder_id)
            pending.extend(children)
    return found


class ProjectFolder(DataikuResource):
    type_name: ClassVar[str] = "dataiku_project_folder"
    spec_model: ClassVar[type[BaseModel]] = ProjectFolderSpec
    description: ClassVar[str] = "A project folder (name, parent, owner, permissions)"
    natural_key: ClassVar[tuple[str, ...]] = ("parent", "name")
    unique_key: ClassVar[str | None] = "a Dataiku project folder name is unique in its parent folder"
    server_owned: ClassVar[frozenset[str]] = frozenset({"id"})
    ref_fields: ClassVar[Mapping[str, str]] = {"parent": "dataiku_project_folder"}
    #: nothing cascades: DSS refuses to delete a folder that still holds projects or sub-folders
    delete_note: ClassVar[str | None] = None
    #: only the settings document has them (one more GET per folder)
    detail_fields: ClassVar[frozenset[str]] = frozenset({"owner", "permissions"})
    container: ClassVar[str | None] = "parent"

    @classmethod
    def identity_of(cls, spec: Mapping[str, Any]) -> str | None:
        """``ROOT/Analytics``: the parent defaults to ROOT, as in the spec model."""
        return super().identity_of({**spec, "parent": spec.get("parent") or ROOT})

    # -- reading ------------------------------------------------------------------------------
    def read(self, object_id: str) -> Live | None:
        """The folder's document (its settings are details)."""
        return self._document(object_id)

    def list(self, container: str | None) -> Iterable[tuple[str, Live]]:
        """The sub-folders of the folder ``container``: its document, then each child's."""
        parent = or_none(lambda: self.client.get_folder(container or ROOT))
        ids = list((parent or {}).get("childrenIds") or [])
        return [(live["id"], live) for live in fan_out(self._document, ids) if live is not None]

    def read_details(self, object_id: str, listed: Live, fields: frozenset[str]) -> Live | None:
        settings = or_none(lambda: self.client.get_folder_settings(object_id))
        return {**listed, **_settings_view(settings)} if settings is not None else None

    def _document(self, folder_id: str) -> Live | None:
        doc = or_none(lambda: self.client.get_folder(folder_id))
        return _document_view(doc, folder_id) if doc is not None else None

    # -- writing ------------------------------------------------------------------------------
    def create(self, spec: Spec) -> tuple[str, Live]:
        want = ProjectFolderSpec.model_validate(spec)
        doc = self.client.create_folder(want.parent, want.name)
        folder_id = doc["id"]
        try:
            settings = self._save_settings(folder_id, spec, declared(spec, ("owner", "permissions")))
        except ProviderError as exc:
            raise CreatedButFailed(folder_id, exc) from exc
        return folder_id, {**_document_view(doc, folder_id), **_settings_view(settings)}

    def update(self, object_id: str, live: Live, spec: Spec, changed: frozenset[str]) -> Live:
        """A move, then the settings read-modify-written; the live view from the folder's document
        and the settings (read where managed and not just written)."""
        fields = [f for f in ("name", "owner", "permissions", "parent") if f in changed and f in spec]
        if "parent" in fields:
            self.client.move_folder(object_id, spec["parent"] or ROOT)
        settings = self._save_settings(object_id, spec, [f for f in fields if f != "parent"])
        new = self._document(object_id)
        if new is None:
            raise NotFoundError(f"project folder {object_id} vanished during update")
        if settings is None and self.detail_fields & set(spec):
            settings = self.client.get_folder_settings(object_id)
        return {**new, **_settings_view(settings)}

    def delete(self, object_id: str, *, attrs: Mapping[str, Any] | None = None) -> None:
        or_none(lambda: self.client.delete_folder(object_id))

    def normalize_fields(self, out: dict[str, Any]) -> dict[str, Any]:
        if "parent" in out and out["parent"] is None:
            out["parent"] = ROOT
        if "permissions" in out:
            out["permissions"] = normalize_permissions(out["permissions"] or [], FOLDER_FLAGS)
        return out

    def _save_settings(self, folder_id: str, spec: Spec, fields: list[str]) -> dict[str, Any] | None:
        """GET the settings, overlay ``fields`` from the spec, PUT back only if something changed;
        the settings as they are now (None when no field was asked for)."""
        if not fields:
            return None
        settings = self.client.get_folder_settings(folder_id)
        new = dict(settings)
        if "name" in fields:
            new["name"] = spec["name"]
        if "owner" in fields and spec["owner"] is not None:
            new["owner"] = spec["owner"]
        if "permissions" in fields and spec["permissions"] is not None:
            new["permissions"] = merge_permissions(settings.get("permissions"), spec["permissions"], FOLDER_FLAGS)
        if new != settings:
            self.client.put_folder_settings(folder_id, new)
        return new


def _document_view(doc: Mapping[str, Any], folder_id: str) -> Live:
    return {"id": doc.get("id") or folder_id, "name": doc.get("name"), "parent": doc.get("parentId") or ROOT}


def _settings_view(settings: Mapping[str, Any] | None) -> Live:
    if settings is None:
        return {}
    return {"owner": settings.get("owner"), "permissions": live_permissions(settings.get("permissions"), FOLDER_FLAGS)}
