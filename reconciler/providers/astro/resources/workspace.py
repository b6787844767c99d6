"""``astro_workspace``: a Workspace of the organization (name, description, CI/CD default).

Id: the server's cuid. Natural key: ``name`` (Astro does not make names unique; adoption refuses
an ambiguous name). Update is ``POST …/workspaces/{id}`` with all three fields, so fields the
spec does not declare are sent back as they are live. ``reconciler export`` lists them
(``--scope workspace=<name or id>`` keeps one).
"""

from __future__ import annotations

from typing import Any, ClassVar, Iterable, Mapping, Sequence

from pydantic import BaseModel, ConfigDict, Field

from reconciler.errors import NotFoundError
from reconciler.providers.astro.client import AstroClient
from reconciler.providers.astro.resources._common import last_modified, only_match, text, workspaces_in_scope
from reconciler.providers.base import Live, ResourceType, Spec
from reconciler.providers.models import Model


class WorkspaceSpec(Model):
    """An Astro Workspace."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, description="Workspace name (the adoption key)")
    description: str | None = Field(None, description="free text")
    cicd_enforced_default: bool = Field(False, description="new Deployments require deploys through CI/CD")


def live_view(doc: Mapping[str, Any]) -> Live:
    return {
        "id": doc["id"],
        "name": doc.get("name"),
        "description": text(doc.get("description")),
        "cicd_enforced_default": bool(doc.get("cicdEnforcedDefault", False)),
        "organization_id": doc.get("organizationId"),
        "updated_at": doc.get("updatedAt"),
        "updated_by": doc.get("updatedBy"),
    }


class Workspace(ResourceType):
    type_name: ClassVar[str] = "astro_workspace"
    spec_model: ClassVar[type[BaseModel]] = WorkspaceSpec
    description: ClassVar[str] = "An Astro Workspace (name, description, CI/CD enforcement default)"
    natural_key: ClassVar[tuple[str, ...]] = ("name",)
    server_owned: ClassVar[frozenset[str]] = frozenset({"id", "organization_id"})
    delete_note: ClassVar[str | None] = "Astro refuses to delete a Workspace that still has Deployments"

    client: AstroClient

    def read(self, object_id: str) -> Live | None:
        try:
            return live_view(self.client.get_workspace(object_id))
        except NotFoundError:
            return None

    def batch_key(self, object_id: str) -> Any:
        return "workspaces"  # the organization's list returns whole workspaces

    def read_many(self, object_ids: Sequence[str]) -> Mapping[str, Live | None]:
        wanted = set(object_ids)
        return {w["id"]: live_view(w) for w in self.client.list_workspaces() if w.get("id") in wanted}

    def find_key(self, spec: Spec) -> Any:
        """One list of the organization's workspaces answers every name lookup."""
        return "workspaces" if isinstance(spec.get("name"), str) else None

    def find_many(self, specs: Sequence[Spec]) -> list[tuple[str, Live] | None]:
        docs = self.client.list_workspaces()
        return [_match(docs, spec["name"]) for spec in specs]

    def find(self, spec: Spec) -> tuple[str, Live] | None:
        name = spec.get("name")
        if not isinstance(name, str):
            return None
        return _match(self.client.list_workspaces(names=[name]), name)

    def discover(self, scope: Mapping[str, str]) -> Iterable[tuple[str, Live]]:
        return [(w["id"], live_view(w)) for w in workspaces_in_scope(self.client, scope)]

    def create(self, spec: Spec) -> tuple[str, Live]:
        want = WorkspaceSpec.model_validate(spec)
        doc = self.client.create_workspace({
            "name": want.name,
            "description": text(want.description),
            "cicdEnforcedDefault": want.cicd_enforced_default,
        })
        return doc["id"], live_view(doc)

    def update(self, object_id: str, live: Live, spec: Spec, changed: frozenset[str]) -> Live:
        current = self.client.get_workspace(object_id)
        body = {
            "name": spec.get("name", current.get("name")),
            "description": text(spec["description"] if "description" in spec else current.get("description")),
            "cicdEnforcedDefault": bool(spec.get("cicd_enforced_default", current.get("cicdEnforcedDefault", False))),
        }
        return live_view(self.client.update_workspace(object_id, body))

    def delete(self, object_id: str, *, attrs: Mapping[str, Any] | None = None) -> None:
        try:
            self.client.delete_workspace(object_id)
        except NotFoundError:
            pass

    def last_modified(self, live: Live) -> tuple[str | None, str | None] | None:
        return last_modified({"updatedBy": live.get("updated_by"), "updatedAt": live.get("updated_at")})

    def normalize(self, attrs: Mapping[str, Any]) -> dict[str, Any]:
        out = {k: v for k, v in attrs.items() if k not in ("updated_at", "updated_by")}
        if "description" in out:
            out["description"] = text(out["description"])
        return out


def _match(docs: list[dict], name: str) -> tuple[str, Live] | None:
    """The workspace named ``name`` among ``docs``; an error if several are."""
    found = only_match([w for w in docs if w.get("name") == name], f"workspace name {name!r}")
    return (found["id"], live_view(found)) if found else None
