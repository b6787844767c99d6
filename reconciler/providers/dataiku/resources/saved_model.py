"""``dataiku_saved_model``: which version of a saved model scores (its active version).

A saved model is made in DSS by training or importing versions; this type only manages the
pointer that decides which version is used in production, like DataRobot's deployment model:
changing ``active_version`` is an in-place update (``POST /projects/{k}/savedmodels/{id}/versions/
{v}/actions/setActive``, seed L5828), and the plan shows the old and the new version.

Identity: the natural key is (project, name); the object id ``<project>.<saved model id>``. The
saved model must exist: one that does not fails the apply, saying so (nothing here creates saved
models). A version that does not exist (yet) is shown as blocked in the plan, with the versions
there are. Removing the block only forgets the saved model (``deletable = False``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Iterable

from pydantic import BaseModel, ConfigDict, Field

from reconciler.errors import ProviderError
from reconciler.providers.base import Live, Spec
from reconciler.providers.common import fan_out, join_id, or_none, split_id
from reconciler.providers.dataiku.resources._base import DataikuResource
from reconciler.providers.models import Model


class SavedModelSpec(Model):
    """A saved model's active version."""

    model_config = ConfigDict(extra="forbid")

    project: str = Field(description="key of the project, usually ${dataiku_project.<name>.key}")
    name: str = Field(min_length=1, description="saved model name, as the flow shows it")
    active_version: str = Field(min_length=1, description="id of the version that scores")


def live_view(project: str, doc: Mapping[str, Any], versions: list[Mapping[str, Any]]) -> Live:
    ids = [str(v.get("id")) for v in versions if v.get("id") is not None]
    active = doc.get("activeVersion") or next((str(v["id"]) for v in versions if v.get("active")), None)
    return {"id": doc.get("id"), "project": project, "name": doc.get("name"), "active_version": active,
            "versions": ids}


class SavedModel(DataikuResource):
    type_name: ClassVar[str] = "dataiku_saved_model"
    spec_model: ClassVar[type[BaseModel]] = SavedModelSpec
    description: ClassVar[str] = "A saved model's active version (the pointer to the version that scores)"
    natural_key: ClassVar[tuple[str, ...]] = ("project", "name")
    server_owned: ClassVar[frozenset[str]] = frozenset({"id", "versions"})
    create_only: ClassVar[frozenset[str]] = frozenset({"project", "name"})
    ref_fields: ClassVar[Mapping[str, str]] = {"project": "dataiku_project.key"}
    container: ClassVar[str | None] = "project"
    deletable: ClassVar[bool] = False

    def read(self, object_id: str) -> Live | None:
        project, model_id = split_id(object_id, "saved model")
        doc = or_none(lambda: self.client.get_saved_model(project, model_id))
        if doc is None:
            return None
        versions = or_none(lambda: self.client.list_saved_model_versions(project, model_id))
        return live_view(project, doc, versions or [])

    def container_of(self, object_id: str) -> str | None:
        return split_id(object_id, "saved model")[0]

    def list(self, container: str | None) -> Iterable[tuple[str, Live]]:
        """The project's saved models, each read whole (the list lacks the versions)."""
        items = or_none(lambda: self.client.list_saved_models(str(container))) or []
        ids = [join_id(str(container), str(m["id"])) for m in items if m.get("id")]
        return [(i, live) for i, live in zip(ids, fan_out(self.read, ids)) if live is not None]

    def create(self, spec: Spec) -> tuple[str, Live]:
        raise ProviderError(f"saved model {spec.get('name')!r} does not exist in project {spec.get('project')}",
                            hint="DSS makes saved models by training or importing a model; do that first, "
                                 "then this block manages which version is active")

    def update(self, object_id: str, live: Live, spec: Spec, changed: frozenset[str]) -> Live:
        project, model_id = split_id(object_id, "saved model")
        if "active_version" in changed and spec.get("active_version"):
            self.notify(f"saved model {project}.{model_id}: activating version {spec['active_version']}")
            self.client.set_active_version(project, model_id, spec["active_version"])
        fresh = self.read(object_id)
        if fresh is None:
            raise ProviderError(f"saved model {object_id} disappeared while its version was being set")
        return fresh

    def delete(self, object_id: str, *, attrs: Mapping[str, Any] | None = None) -> None:
        raise ProviderError(f"saved model {object_id} is not deleted by reconciler",
                            hint="delete it in DSS; removing its block only forgets it")

    def blocked(self, live: Live | None, desired: Mapping[str, Any]) -> str | None:
        version = desired.get("active_version")
        versions = (live or {}).get("versions")
        if isinstance(version, str) and isinstance(versions, list) and version not in versions:
            there = ", ".join(versions) or "none"
            return f"version {version} does not exist in DSS yet (versions: {there})"
        return None
