"""``dataiku_project_folder``: a folder in the DSS project tree.

Server-generated id (``KdLmPU6``), kept in state; the natural key is (parent, name), found by
listing the parent's children. A rename or a new owner / permission set is a read-modify-write
of the folder settings; a new parent is a move, never a replacement. A refresh reads each
folder's document, and its settings only when owner or permissions are managed
(``detail_fields``): the document has the name and the parent.
"""

from __future__ import annotations

from typing import Any, ClassVar, Collection, Iterable, Mapping, Sequence

from pydantic import BaseModel, ConfigDict, Field

from reconciler.errors import NotFoundError, ProviderError
from reconciler.providers.base import CreatedButFailed, Live, ResourceType, Spec
from reconciler.providers.common import fan_out
from reconciler.providers.dataiku.client import DataikuClient
from reconciler.providers.dataiku.resources._common import (
    Principal,
    declared,
    live_permissions,
    merge_permissions,
    normalize_permissions,
)
from reconciler.providers.dataiku.resources._scope import instance_wide
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


class ProjectFolder(ResourceType):
    type_name: ClassVar[str] = "dataiku_project_folder"
    spec_model: ClassVar[type[BaseModel]] = ProjectFolderSpec
    description: ClassVar[str] = "A project folder (name, parent, owner, permissions)"
    natural_key: ClassVar[tuple[str, ...]] = ("parent", "name")
    server_owned: ClassVar[frozenset[str]] = frozenset({"id"})
    ref_fields: ClassVar[Mapping[str, str]] = {"parent": "dataiku_project_folder"}
    #: nothing cascades: DSS refuses to delete a folder that still holds projects or sub-folders
    delete_note: ClassVar[str | None] = None
    #: only the settings document has them (one more GET per folder)
    detail_fields: ClassVar[frozenset[str]] = frozenset({"owner", "permissions"})

    client: DataikuClient

    @classmethod
    def identity_of(cls, spec: Mapping[str, Any]) -> str | None:
        """``ROOT/Analytics``: the parent defaults to ROOT, as in the spec model."""
        return super().identity_of({**spec, "parent": spec.get("parent") or ROOT})

    def read(self, object_id: str) -> Live | None:
        try:
            doc = self.client.get_folder(object_id)
            settings = self.client.get_folder_settings(object_id)
        except NotFoundError:
            return None
        return self._live(object_id, doc, settings)

    def batch_key(self, object_id: str) -> Any:
        return "folders"  # no list returns folders whole: read_many reads them side by side

    def read_many(self, object_ids: Sequence[str], brief: Collection[str] = ()) -> dict[str, Live | None]:
        """Each folder's document, and its settings unless the folder is in ``brief`` (then the
        live object has no ``detail_fields``), several folders at a time."""
        brief = frozenset(brief)

        def one(folder_id: str) -> Live | None:
            try:
                doc = self.client.get_folder(folder_id)
                if folder_id in brief:
                    return {"id": doc.get("id") or folder_id, "name": doc.get("name"),
                            "parent": doc.get("parentId") or ROOT}
                return self._live(folder_id, doc, self.client.get_folder_settings(folder_id))
            except NotFoundError:
                return None

        ids = list(dict.fromkeys(object_ids))
        return dict(zip(ids, fan_out(one, ids)))

    def discover(self, scope: Mapping[str, str]) -> Iterable[tuple[str, Live]]:
        """Every folder under ROOT (walking ``childrenIds``), unless ``scope`` limits the export to a
        project. DSS has no call listing folders whole: each is read (its document, its settings)."""
        if not instance_wide(scope):
            return []
        found: list[tuple[str, Live]] = []
        pending = list(self.client.get_folder(ROOT).get("childrenIds") or [])
        while pending:
            folder_id = pending.pop(0)
            try:
                doc = self.client.get_folder(folder_id)
                settings = self.client.get_folder_settings(folder_id)
            except NotFoundError:
                continue
            found.append((folder_id, self._live(folder_id, doc, settings)))
            pending.extend(doc.get("childrenIds") or [])
        return found

    @staticmethod
    def _live(object_id: str, doc: Mapping[str, Any], settings: Mapping[str, Any]) -> Live:
        return {
            "id": doc.get("id") or object_id,
            "name": settings.get("name", doc.get("name")),
            "parent": doc.get("parentId") or ROOT,
            "owner": settings.get("owner"),
            "permissions": live_permissions(settings.get("permissions"), FOLDER_FLAGS),
        }

    def find(self, spec: Spec) -> tuple[str, Live] | None:
        parent = spec.get("parent") or ROOT
        try:
            children = self.client.get_folder(parent).get("childrenIds") or []
            matches = [c for c in children if self.client.get_folder(c).get("name") == spec.get("name")]
        except NotFoundError:
            return None
        if len(matches) > 1:
            raise ProviderError(
                f"{len(matches)} folders named {spec.get('name')!r} in folder {parent}: {', '.join(matches)}",
                hint="adopt the one you mean with `reconciler import ADDR ID`",
            )
        if not matches:
            return None
        live = self.read(matches[0])
        return (matches[0], live) if live is not None else None

    def create(self, spec: Spec) -> tuple[str, Live]:
        want = ProjectFolderSpec.model_validate(spec)
        doc = self.client.create_folder(want.parent, want.name)
        folder_id = doc["id"]
        try:
            self._save_settings(folder_id, spec, declared(spec, ("owner", "permissions")))
            live = self.read(folder_id)
        except ProviderError as exc:
            raise CreatedButFailed(folder_id, exc) from exc
        if live is None:
            raise CreatedButFailed(folder_id, NotFoundError(f"folder {folder_id} vanished after create"))
        return folder_id, live

    def update(self, object_id: str, live: Live, spec: Spec, changed: frozenset[str]) -> Live:
        fields = [f for f in ("name", "owner", "permissions", "parent") if f in changed and f in spec]
        if "parent" in fields:
            self.client.move_folder(object_id, spec["parent"] or ROOT)
        self._save_settings(object_id, spec, [f for f in fields if f != "parent"])
        new = self.read(object_id)
        if new is None:
            raise NotFoundError(f"folder {object_id} vanished during update")
        return new

    def delete(self, object_id: str, *, attrs: Mapping[str, Any] | None = None) -> None:
        try:
            self.client.delete_folder(object_id)
        except NotFoundError:
            pass

    def normalize(self, attrs: Mapping[str, Any]) -> dict[str, Any]:
        out = dict(attrs)
        if "parent" in out and out["parent"] is None:
            out["parent"] = ROOT
        if "permissions" in out:
            out["permissions"] = normalize_permissions(out["permissions"] or [], FOLDER_FLAGS)
        return out

    def _save_settings(self, folder_id: str, spec: Spec, fields: list[str]) -> None:
        """GET the settings, overlay ``fields`` from the spec, PUT back only if something changed."""
        if not fields:
            return
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
