"""Read-only data sources: objects other resources refer to but reconciler never changes.

``dataiku_root_folder`` (the root of the project folder tree); connections and code envs are
resource types (``connection``, ``code_env``) that adopt an existing object by name. The engine
finds each data source during refresh with ``find(spec)``; they are never created, updated,
deleted or stored in state. A data source that does not exist makes the plan fail, naming it,
before anything is applied.
"""

from __future__ import annotations

from typing import Any, ClassVar, Mapping

from pydantic import BaseModel, ConfigDict

from reconciler.providers.base import Live, Spec
from reconciler.providers.common import or_none
from reconciler.providers.dataiku.resources._base import DataikuResource
from reconciler.providers.dataiku.resources.folder import ROOT
from reconciler.providers.models import Model


class _ReadOnly(DataikuResource):
    """``server_owned`` lists what a data source reads beyond its arguments (referenceable)."""

    data_source: ClassVar[bool] = True
    server_owned: ClassVar[frozenset[str]] = frozenset()

    def create(self, spec: Spec) -> tuple[str, Live]:
        raise NotImplementedError(f"{self.type_name} is a data source: it is read, never created")

    def update(self, object_id: str, live: Live, spec: Spec, changed: frozenset[str]) -> Live:
        raise NotImplementedError(f"{self.type_name} is a data source: it is read, never updated")

    def delete(self, object_id: str, *, attrs: Mapping[str, Any] | None = None) -> None:
        raise NotImplementedError(f"{self.type_name} is a data source: it is read, never deleted")


class RootFolderSpec(Model):
    """The root project folder (no fields)."""

    model_config = ConfigDict(extra="forbid")


class RootFolder(_ReadOnly):
    type_name: ClassVar[str] = "dataiku_root_folder"
    spec_model: ClassVar[type[BaseModel]] = RootFolderSpec
    description: ClassVar[str] = "The root of the project folder tree (read-only): its id and children"
    server_owned: ClassVar[frozenset[str]] = frozenset({"id", "child_ids", "project_keys"})

    def read(self, object_id: str) -> Live | None:
        doc = or_none(lambda: self.client.get_folder(object_id))
        if doc is None:
            return None
        return {"id": doc.get("id") or ROOT, "child_ids": list(doc.get("childrenIds") or []),
                "project_keys": list(doc.get("projectKeys") or [])}

    def find(self, spec: Spec) -> tuple[str, Live] | None:
        live = self.read(ROOT)
        return (ROOT, live) if live is not None else None
