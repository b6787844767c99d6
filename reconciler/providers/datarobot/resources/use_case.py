"""``datarobot_use_case``: a Use Case (a Workbench folder grouping projects, datasets, models and
deployments), its name and description.

Synchronous CRUD on ``/useCases/`` (the official client's ``UseCase``): POST creates (the
answer holds the id), PATCH changes name and description, DELETE deletes (the objects it
groups are not deleted). Identity: the server id; ``name`` is the adoption key (DataRobot does
not make it unique: two with the name are refused, naming both ids). ``list`` pages
``GET /useCases/`` (whole documents).
"""

from __future__ import annotations

from typing import Any, ClassVar, Iterable, Mapping

from pydantic import BaseModel, ConfigDict, Field

from reconciler.errors import ProviderError
from reconciler.providers.base import Live, ResourceType, Spec
from reconciler.providers.common import or_none, text
from reconciler.providers.datarobot.client import DataRobotClient, Doc
from reconciler.providers.models import Model


class UseCaseSpec(Model):
    """A DataRobot Use Case."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100, description="Use Case name; the adoption key")
    description: str | None = Field("", max_length=1000, description="free text (null and empty are the same)")


def live_view(doc: Doc) -> Live:
    return {"id": doc["id"], "name": doc.get("name"), "description": doc.get("description"),
            "created_at": doc.get("createdAt"), "updated_at": doc.get("updatedAt")}


class UseCase(ResourceType):
    type_name: ClassVar[str] = "datarobot_use_case"
    spec_model: ClassVar[type[BaseModel]] = UseCaseSpec
    description: ClassVar[str] = "A Use Case (name, description)"
    natural_key: ClassVar[tuple[str, ...]] = ("name",)
    server_owned: ClassVar[frozenset[str]] = frozenset({"id", "created_at", "updated_at"})
    delete_note: ClassVar[str | None] = "the projects, datasets and deployments it groups are kept"

    client: DataRobotClient

    def read(self, object_id: str) -> Live | None:
        doc = self.client.get_use_case(object_id)
        return live_view(doc) if doc is not None else None

    def list(self, container: str | None) -> Iterable[tuple[str, Live]]:
        return [(u["id"], live_view(u)) for u in self.client.list_use_cases()]

    def create(self, spec: Spec) -> tuple[str, Live]:
        want = UseCaseSpec.model_validate(spec)
        doc = self.client.create_use_case({"name": want.name, "description": text(want.description)})
        if not isinstance(doc, dict) or not doc.get("id"):
            raise ProviderError("POST useCases/: no Use Case id in the answer")
        full = doc if "name" in doc else self.client.get_use_case(doc["id"])  # an answer may hold only the id
        return str(doc["id"]), live_view(full or doc)

    def update(self, object_id: str, live: Live, spec: Spec, changed: frozenset[str]) -> Live:
        body = {f: (text(spec[f]) if f == "description" else spec[f])
                for f in ("name", "description") if f in changed and f in spec}
        return live_view(self.client.update_use_case(object_id, body))

    def delete(self, object_id: str, *, attrs: Mapping[str, Any] | None = None) -> None:
        or_none(lambda: self.client.delete_use_case(object_id))

    def normalize(self, attrs: Mapping[str, Any]) -> dict[str, Any]:
        out = {k: v for k, v in attrs.items() if k not in ("created_at", "updated_at")}
        if "description" in out:
            out["description"] = text(out["description"])
        return out
