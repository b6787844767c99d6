"""``astro_workspace``: a Workspace of the organization (name, description, CI/CD default).

Id: the server's cuid. Natural key: ``name`` (Astro does not make names unique: a lookup that
matches several is refused). ``list`` reads the organization's Workspaces whole. An update sends
all three fields (Astro requires them): those the spec does not declare are sent as they are live.
"""

from __future__ import annotations

from typing import Any, ClassVar, Iterable, Mapping

from pydantic import BaseModel, ConfigDict, Field

from reconciler.providers.astro.client import AstroClient
from reconciler.providers.astro.resources._common import last_modified
from reconciler.providers.base import Live, ResourceType, Spec
from reconciler.providers.common import or_none, text
from reconciler.providers.models import Model

#: spec field -> Workspace document key, for the fields a create or update sends
FIELDS = {"name": "name", "description": "description", "cicd_enforced_default": "cicdEnforcedDefault"}


class WorkspaceSpec(Model):
    """An Astro Workspace."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, description="Workspace name (the adoption key)")
    description: str | None = Field("", description="free text")
    cicd_enforced_default: bool = Field(False, description="new Deployments require deploys through CI/CD")


def live_view(doc: Mapping[str, Any]) -> Live:
    return {"id": doc["id"], "name": doc.get("name"), "description": text(doc.get("description")),
            "cicd_enforced_default": bool(doc.get("cicdEnforcedDefault", False)),
            "organization_id": doc.get("organizationId"), "updated_at": doc.get("updatedAt"),
            "updated_by": doc.get("updatedBy")}


def body(attrs: Mapping[str, Any]) -> dict[str, Any]:
    """The create / update body from spec attributes holding every field of ``FIELDS``."""
    return {**{key: attrs[field] for field, key in FIELDS.items()}, "description": text(attrs["description"])}


class Workspace(ResourceType):
    type_name: ClassVar[str] = "astro_workspace"
    spec_model: ClassVar[type[BaseModel]] = WorkspaceSpec
    description: ClassVar[str] = "An Astro Workspace (name, description, CI/CD enforcement default)"
    natural_key: ClassVar[tuple[str, ...]] = ("name",)
    server_owned: ClassVar[frozenset[str]] = frozenset({"id", "organization_id"})
    delete_note: ClassVar[str | None] = "Astro refuses to delete a Workspace that still has Deployments"

    client: AstroClient

    def read(self, object_id: str) -> Live | None:
        return or_none(lambda: live_view(self.client.get_workspace(object_id)))

    def list(self, container: str | None) -> Iterable[tuple[str, Live]]:
        return [(w["id"], live_view(w)) for w in self.client.list_workspaces()]

    def create(self, spec: Spec) -> tuple[str, Live]:
        doc = self.client.create_workspace(body(WorkspaceSpec.model_validate(spec).model_dump()))
        return doc["id"], live_view(doc)

    def update(self, object_id: str, live: Live, spec: Spec, changed: frozenset[str]) -> Live:
        if not all(field in spec for field in FIELDS):  # ``live`` holds only the managed fields
            spec = {**live_view(self.client.get_workspace(object_id)), **spec}
        return live_view(self.client.update_workspace(object_id, body(spec)))

    def delete(self, object_id: str, *, attrs: Mapping[str, Any] | None = None) -> None:
        or_none(lambda: self.client.delete_workspace(object_id))

    def last_modified(self, live: Live) -> tuple[str | None, str | None] | None:
        return last_modified(live)

    def normalize(self, attrs: Mapping[str, Any]) -> dict[str, Any]:
        out = {k: v for k, v in attrs.items() if k not in ("updated_at", "updated_by")}
        if "description" in out:
            out["description"] = text(out["description"])
        return out
