"""``datarobot_registered_model``: a registered model in the Model Registry, made from a
learning model, with its versions.

    spec field(s)            platform call
    create                   POST /modelPackages/fromLeaderboard/ {modelId, name, registeredModelName,
                             registeredModelDescription} -> version 1 of a new registered model
    model_id (the source)    a change creates a **new version** under the same registered model:
                             POST /modelPackages/fromLeaderboard/ {modelId, name, registeredModelId}
    name, description        PATCH /registeredModels/{id}/ (in place)
    version_name             PATCH /registeredModels/{id}/versions/{latest}/ (in place)
    delete                   DELETE /registeredModels/{id}/ (DataRobot archives it: it leaves the
                             list and its versions can no longer be deployed)

The live view describes the registered model and its **latest** version (``version_id``,
``version_number``: what a deployment's ``model_package_id`` references). Identity: the
registered model id; ``name`` is the adoption key (unique in DataRobot, which refuses a second
registered model with a name). Reads: ``GET /registeredModels/{id}/`` and its versions (the list
call pages registered models and reads each one's versions). An archived registered model reads
as gone. ``version_name`` left out is not managed (DataRobot names a version after its model).
The registered model and its versions are created from a learning model only: registering a
custom model version or an external model is not supported.
"""

from __future__ import annotations

from typing import Any, ClassVar, Iterable, Mapping

from pydantic import BaseModel, ConfigDict, Field

from reconciler.errors import ProviderError
from reconciler.providers.base import Live, ResourceType, Spec
from reconciler.providers.common import fan_out, text
from reconciler.providers.datarobot.client import DataRobotClient, Doc
from reconciler.providers.models import Model


class RegisteredModelSpec(Model):
    """A registered model whose latest version registers a learning model."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=1024, description="registered model name; the adoption key")
    description: str | None = Field("", description="free text (null and empty are the same)")
    model_id: str = Field(min_length=1, description="learning model the latest version registers; a change "
                                                     "creates a new version under the same registered model")
    version_name: str | None = Field(None, min_length=1, max_length=1024,
                                     description="name of the latest version (left out: DataRobot's name, not "
                                                 "managed); a change renames it in place")


def live_view(registered: Doc, latest: Doc | None) -> Live:
    """A registered model and its latest version in spec vocabulary."""
    latest = latest or {}
    target = registered.get("target") or {}
    return {
        "id": registered["id"], "name": registered.get("name"), "description": registered.get("description"),
        "model_id": latest.get("modelId"), "version_name": latest.get("name"), "version_id": latest.get("id"),
        "version_number": latest.get("registeredModelVersion"), "target_name": target.get("name"),
        "target_type": target.get("type"),
    }


def _latest(versions: list[Doc]) -> Doc | None:
    return max(versions, key=lambda v: v.get("registeredModelVersion") or 0) if versions else None


class RegisteredModel(ResourceType):
    type_name: ClassVar[str] = "datarobot_registered_model"
    spec_model: ClassVar[type[BaseModel]] = RegisteredModelSpec
    description: ClassVar[str] = "A registered model from a learning model, with its versions"
    natural_key: ClassVar[tuple[str, ...]] = ("name",)
    server_owned: ClassVar[frozenset[str]] = frozenset(
        {"id", "version_id", "version_number", "target_name", "target_type"})
    ref_fields: ClassVar[Mapping[str, str]] = {"model_id": "datarobot_learning_model"}
    #: a new source model is a new latest version: what references it follows in the same apply
    outputs_on_update: ClassVar[Mapping[str, frozenset[str]]] = {
        "version_id": frozenset({"model_id"}), "version_number": frozenset({"model_id"})}
    delete_note: ClassVar[str | None] = (
        "DataRobot archives the registered model: its versions can no longer be deployed (deployments "
        "already serving one keep it)")

    client: DataRobotClient

    def read(self, object_id: str) -> Live | None:
        doc = self.client.get_registered_model(object_id)
        if doc is None or doc.get("isArchived"):
            return None
        versions = self.client.list_registered_model_versions(object_id)
        return None if versions is None else live_view(doc, _latest(versions))

    def list(self, container: str | None) -> Iterable[tuple[str, Live]]:
        """Every registered model that is not archived, with its latest version (one request each)."""
        listed = [r for r in self.client.list_registered_models() if not r.get("isArchived")]
        versions = fan_out(lambda r: self.client.list_registered_model_versions(r["id"]) or [], listed)
        return [(r["id"], live_view(r, _latest(v))) for r, v in zip(listed, versions)]

    def create(self, spec: Spec) -> tuple[str, Live]:
        want = RegisteredModelSpec.model_validate(spec)
        body: Doc = {"modelId": want.model_id, "registeredModelName": want.name,
                     "registeredModelDescription": text(want.description)}
        if want.version_name is not None:
            body["name"] = want.version_name
        version = self.client.create_version_from_leaderboard(body)
        registered_id = (version or {}).get("registeredModelId")
        if not registered_id:
            raise ProviderError("POST modelPackages/fromLeaderboard/: no registered model id in the answer")
        registered = self.client.get_registered_model(registered_id) or {"id": registered_id, "name": want.name,
                                                                          "description": want.description}
        return str(registered_id), live_view(registered, version)

    def update(self, object_id: str, live: Live, spec: Spec, changed: frozenset[str]) -> Live:
        info = {f: (text(spec[f]) if f == "description" else spec[f])
                for f in ("name", "description") if f in changed and f in spec}
        registered = self.client.update_registered_model(object_id, info) if info else None
        if "model_id" in changed and spec.get("model_id"):
            self.notify(f"registering model {spec['model_id']} as a new version of registered model {object_id}")
            body: Doc = {"modelId": spec["model_id"], "registeredModelId": object_id}
            if spec.get("version_name") is not None:
                body["name"] = spec["version_name"]
            latest = self.client.create_version_from_leaderboard(body)
        else:
            latest = _latest(self.client.list_registered_model_versions(object_id) or [])
            if "version_name" in changed and spec.get("version_name") is not None and latest is not None:
                latest = self.client.update_registered_model_version(object_id, latest["id"],
                                                                     {"name": spec["version_name"]})
        registered = registered or self.client.get_registered_model(object_id) or {"id": object_id}
        return live_view(registered, latest)

    def delete(self, object_id: str, *, attrs: Mapping[str, Any] | None = None) -> None:
        self.client.archive_registered_model(object_id)

    def normalize(self, attrs: Mapping[str, Any]) -> dict[str, Any]:
        out = dict(attrs)
        if "description" in out:
            out["description"] = text(out["description"])
        return out
