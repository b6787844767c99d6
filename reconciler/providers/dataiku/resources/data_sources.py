"""Read-only data sources: objects other resources refer to but reconciler never changes.

``dataiku_connection`` (by name), ``dataiku_code_env`` (by name, optionally language) and
``dataiku_root_folder`` (the root of the project folder tree). The engine finds each during
refresh with ``find(spec)``; they are never created, updated, deleted or stored in state. A data
source that does not exist makes the plan fail, naming it, before anything is applied.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal, Mapping

from pydantic import BaseModel, ConfigDict, Field

from reconciler.errors import ProviderError
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


class ConnectionSpec(Model):
    """A connection to look up."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="connection name, e.g. dwh")


class Connection(_ReadOnly):
    type_name: ClassVar[str] = "dataiku_connection"
    spec_model: ClassVar[type[BaseModel]] = ConnectionSpec
    description: ClassVar[str] = "A connection (read-only): its name and type, and what it allows"
    natural_key: ClassVar[tuple[str, ...]] = ("name",)
    server_owned: ClassVar[frozenset[str]] = frozenset(
        {"type", "allow_managed_datasets", "allow_managed_folders", "usable_by"})

    def read(self, object_id: str) -> Live | None:
        doc = or_none(lambda: self.client.get_connection(object_id))
        if doc is None:
            return None
        return {
            "name": doc.get("name", object_id),
            "type": doc.get("type"),
            "allow_managed_datasets": bool(doc.get("allowManagedDatasets", False)),
            "allow_managed_folders": bool(doc.get("allowManagedFolders", False)),
            "usable_by": doc.get("usableBy"),
        }

    def find(self, spec: Spec) -> tuple[str, Live] | None:
        name = spec.get("name")
        live = self.read(name) if isinstance(name, str) else None
        return (name, live) if live is not None else None  # type: ignore[return-value]


class CodeEnvSpec(Model):
    """A code env to look up."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="code env name, e.g. py311_ml")
    language: Literal["PYTHON", "R"] | None = Field(None, description="PYTHON or R (any when omitted)")


class CodeEnv(_ReadOnly):
    type_name: ClassVar[str] = "dataiku_code_env"
    spec_model: ClassVar[type[BaseModel]] = CodeEnvSpec
    description: ClassVar[str] = "A code environment (read-only): name, language, interpreter"
    natural_key: ClassVar[tuple[str, ...]] = ("name",)
    server_owned: ClassVar[frozenset[str]] = frozenset({"python_interpreter", "deployment_mode"})

    def read(self, object_id: str) -> Live | None:
        lang, _, name = object_id.partition("/")
        doc = or_none(lambda: self.client.get_code_env(lang, name))
        if doc is None:
            return None
        return {
            "name": doc.get("envName", name),
            "language": doc.get("envLang", lang),
            "python_interpreter": (doc.get("desc") or {}).get("pythonInterpreter"),
            "deployment_mode": doc.get("deploymentMode") or (doc.get("desc") or {}).get("deploymentMode"),
        }

    def find(self, spec: Spec) -> tuple[str, Live] | None:
        name, lang = spec.get("name"), spec.get("language")
        if not isinstance(name, str):
            return None
        matches = [e for e in self.client.list_code_envs()
                   if e.get("envName") == name and lang in (None, e.get("envLang"))]
        if len(matches) > 1:
            langs = ", ".join(sorted(str(e.get("envLang")) for e in matches))
            raise ProviderError(f"code env {name!r} exists for several languages ({langs})",
                                hint="give language: PYTHON or R")
        if not matches:
            return None
        object_id = f"{matches[0].get('envLang')}/{name}"
        live = self.read(object_id)
        return (object_id, live) if live is not None else None


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
