"""``dataiku_exposed_object``: an object of one project shared with others (where it is used as a
foreign dataset, folder or model).

DSS keeps exposures in the source project's settings (``exposedObjects.objects``: ``{type,
localName, rules: [{targetProject, ...}]}``, what ``DSSProjectSettings.add_exposed_object``
writes). The natural key and the id are (project, type, name), ``<project>.<type>.<name>``; one
settings document lists a project's exposures whole. Writes read the settings, set this entry's
target projects (keeping the other keys of rules that stay) and PUT them back; a delete removes
the entry, after which the target projects no longer see the object (a recipe there that reads
it breaks).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Iterable, Literal

from pydantic import BaseModel, ConfigDict, Field

from reconciler.providers.base import Live, Spec
from reconciler.providers.common import as_set, join_id, or_none, split_id
from reconciler.providers.dataiku.resources._base import DataikuResource
from reconciler.providers.models import Model

ObjectType = Literal["DATASET", "MANAGED_FOLDER", "SAVED_MODEL", "MODEL_EVALUATION_STORE", "STREAMING_ENDPOINT",
                     "RETRIEVABLE_KNOWLEDGE"]


class ExposedObjectSpec(Model):
    """An object shared with other projects."""

    model_config = ConfigDict(extra="forbid")

    project: str = Field(description="key of the project holding the object, usually ${dataiku_project.<name>.key}")
    type: ObjectType = Field("DATASET", description="DSS object type")
    name: str = Field(min_length=1, description="the object's name in its project (a managed folder: its id)")
    target_projects: list[str] = Field(min_length=1, description="projects that may use it (a set)")


def _entries(settings: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [e for e in (settings.get("exposedObjects") or {}).get("objects") or [] if isinstance(e, dict)]


def live_view(project: str, entry: Mapping[str, Any]) -> Live:
    return {"project": project, "type": entry.get("type"), "name": entry.get("localName"),
            "target_projects": as_set([r.get("targetProject") for r in entry.get("rules") or []
                                       if isinstance(r, Mapping) and r.get("targetProject")])}


class ExposedObject(DataikuResource):
    type_name: ClassVar[str] = "dataiku_exposed_object"
    spec_model: ClassVar[type[BaseModel]] = ExposedObjectSpec
    description: ClassVar[str] = "An object shared with other projects (their foreign dataset, folder or model)"
    natural_key: ClassVar[tuple[str, ...]] = ("project", "type", "name")
    unique_key: ClassVar[str | None] = "a project exposes an object once, with every target in one entry"
    server_owned: ClassVar[frozenset[str]] = frozenset()
    create_only: ClassVar[frozenset[str]] = frozenset({"project", "type", "name"})
    ref_fields: ClassVar[Mapping[str, str]] = {"project": "dataiku_project.key"}
    container: ClassVar[str | None] = "project"
    delete_note: ClassVar[str | None] = "the target projects lose it: their recipes reading it break"

    def read(self, object_id: str) -> Live | None:
        project, kind, name = split_id(object_id, "exposed object", parts=3)
        return dict(self.list(project)).get(join_id(project, kind, name))

    def container_of(self, object_id: str) -> str | None:
        return split_id(object_id, "exposed object", parts=3)[0]

    def list(self, container: str | None) -> Iterable[tuple[str, Live]]:
        settings = or_none(lambda: self.client.get_project_settings(str(container)))
        return [(join_id(str(container), str(e.get("type")), str(e.get("localName"))), live_view(str(container), e))
                for e in _entries(settings or {}) if e.get("localName") and e.get("rules")]

    def id_of(self, spec: Spec) -> str | None:
        parts = [spec.get("project"), spec.get("type", "DATASET"), spec.get("name")]
        return join_id(*parts) if all(isinstance(p, str) for p in parts) else None  # type: ignore[arg-type]

    def create(self, spec: Spec) -> tuple[str, Live]:
        want = ExposedObjectSpec.model_validate(spec)
        return join_id(want.project, want.type, want.name), self._save(want.project, want.type, want.name,
                                                                       want.target_projects)

    def update(self, object_id: str, live: Live, spec: Spec, changed: frozenset[str]) -> Live:
        project, kind, name = split_id(object_id, "exposed object", parts=3)
        return self._save(project, kind, name, list(spec.get("target_projects") or live.get("target_projects") or []))

    def delete(self, object_id: str, *, attrs: Mapping[str, Any] | None = None) -> None:
        project, kind, name = split_id(object_id, "exposed object", parts=3)
        self._save(project, kind, name, [])

    def normalize_fields(self, out: dict[str, Any]) -> dict[str, Any]:
        if isinstance(out.get("target_projects"), (list, tuple)):
            out["target_projects"] = as_set(out["target_projects"])
        if "type" in out and out["type"] is None:
            out["type"] = "DATASET"
        return out

    def _save(self, project: str, kind: str, name: str, targets: list[str]) -> Live:
        """The settings with this entry's rules set to ``targets`` (none: the entry removed)."""
        settings = or_none(lambda: self.client.get_project_settings(project))
        if settings is None:
            return {}
        entries = _entries(settings)
        entry = next((e for e in entries if e.get("type") == kind and e.get("localName") == name), None)
        new_entry = dict(entry or {"type": kind, "localName": name})
        kept = {r.get("targetProject"): r for r in (entry or {}).get("rules") or [] if isinstance(r, Mapping)}
        new_entry["rules"] = [dict(kept.get(t) or {"targetProject": t}) for t in as_set(targets)]
        others = [e for e in entries if e is not entry]
        objects = others + ([new_entry] if targets else [])
        new = {**settings, "exposedObjects": {**(settings.get("exposedObjects") or {}), "objects": objects}}
        if new != settings:
            self.client.put_project_settings(project, new)
        return live_view(project, new_entry)
