"""``datarobot_prediction_environment``: where deployments of model packages predict.

Synchronous CRUD on ``/predictionEnvironments/``: POST creates (answers the object), PATCH
changes ``name`` and ``description``; ``platform``, ``supported_model_formats`` and
``is_managed_by_management_agent`` are create-only (the TF provider replaces on them too).
Identity: the server id; ``name`` is the adoption key (two live environments with the name are
refused, naming both ids). ``list`` pages ``GET /predictionEnvironments/`` (whole documents; one
flagged ``isDeleted`` counts as gone). Create and update return what their answers hold.
Deleting an environment still used by deployments is refused by DataRobot (409); deployments that
reference it are deleted first by the engine's ordering. Export leaves supported model formats
equal to the platform's default out of the block.
"""

from __future__ import annotations

from typing import Any, ClassVar, Iterable, Literal, Mapping

from pydantic import BaseModel, ConfigDict, Field

from reconciler.errors import NotFoundError, ProviderError
from reconciler.providers.base import Live, ResourceType, Spec
from reconciler.providers.datarobot.client import DataRobotClient, Doc
from reconciler.providers.common import text
from reconciler.providers.models import Model

Platform = Literal["aws", "gcp", "azure", "onPremise", "datarobot", "datarobotServerless", "openShift", "other",
                   "snowflake", "sapAiCore"]
ModelFormat = Literal["datarobot", "datarobotScoringCode", "customModel", "externalModel"]
DATAROBOT_PLATFORMS = frozenset({"datarobot", "datarobotServerless"})


def default_formats(platform: str) -> list[str]:
    """What DataRobot picks when the create does not say (client docstring): DataRobot and custom
    models on DataRobot platforms, external models too everywhere else."""
    if platform in DATAROBOT_PLATFORMS:
        return ["customModel", "datarobot"]
    return ["customModel", "datarobot", "externalModel"]


class PredictionEnvironmentSpec(Model):
    """A prediction environment."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=512, description="display name; the adoption key")
    description: str | None = Field("", max_length=10000, description="free text (null and empty are the same)")
    platform: Platform = Field(description="where it runs (aws, gcp, azure, onPremise, datarobot, "
                                           "datarobotServerless, ...); create-only")
    supported_model_formats: list[ModelFormat] | None = Field(
        None, min_length=1, max_length=4,
        description="a set of datarobot, datarobotScoringCode, customModel, externalModel (default: the "
                    "platform's); create-only")
    is_managed_by_management_agent: bool = Field(False, description="managed by the MLOps management agent; "
                                                                    "create-only")


def live_view(doc: Doc) -> Live:
    return {
        "id": doc["id"],
        "name": doc.get("name"),
        "description": doc.get("description"),
        "platform": doc.get("platform"),
        "supported_model_formats": sorted(doc.get("supportedModelFormats") or []),
        "is_managed_by_management_agent": bool(doc.get("isManagedByManagementAgent")),
        "health": (doc.get("health") or {}).get("status"),
    }


class PredictionEnvironment(ResourceType):
    type_name: ClassVar[str] = "datarobot_prediction_environment"
    spec_model: ClassVar[type[BaseModel]] = PredictionEnvironmentSpec
    description: ClassVar[str] = "A prediction environment (name, description, platform, supported model formats)"
    natural_key: ClassVar[tuple[str, ...]] = ("name",)
    server_owned: ClassVar[frozenset[str]] = frozenset({"id", "health"})
    create_only: ClassVar[frozenset[str]] = frozenset(
        {"platform", "supported_model_formats", "is_managed_by_management_agent"})
    delete_note: ClassVar[str | None] = "DataRobot refuses while deployments still use it"

    client: DataRobotClient

    def read(self, object_id: str) -> Live | None:
        doc = self.client.get_environment(object_id)
        if doc is None or doc.get("isDeleted"):
            return None
        return live_view(doc)

    def list(self, container: str | None) -> Iterable[tuple[str, Live]]:
        return [(e["id"], live_view(e)) for e in self.client.list_environments() if not e.get("isDeleted")]

    @staticmethod
    def export_view(live: Live) -> Live:
        """``live`` as a spec declares it: ``supported_model_formats`` left out when it is the
        platform's default (what DataRobot picks when the create does not say)."""
        out = dict(live)
        formats, platform = out.get("supported_model_formats"), out.get("platform")
        known = isinstance(platform, str) and isinstance(formats, list)
        if known and sorted(set(formats)) == default_formats(platform):
            out.pop("supported_model_formats")
        return out

    def create(self, spec: Spec) -> tuple[str, Live]:
        want = PredictionEnvironmentSpec.model_validate(spec)
        body: Doc = {"name": want.name, "platform": want.platform, "description": want.description or "",
                     "isManagedByManagementAgent": want.is_managed_by_management_agent}
        if want.supported_model_formats is not None:
            body["supportedModelFormats"] = list(dict.fromkeys(want.supported_model_formats))
        doc = self.client.create_environment(body)
        if not isinstance(doc, dict) or not doc.get("id"):
            raise ProviderError("POST predictionEnvironments/: no environment in the answer")
        return str(doc["id"]), live_view(doc)

    def update(self, object_id: str, live: Live, spec: Spec, changed: frozenset[str]) -> Live:
        body = {f: (text(spec[f]) if f == "description" else spec[f])
                for f in ("name", "description") if f in changed and f in spec}
        doc = self.client.update_environment(object_id, body) if body else None
        if isinstance(doc, dict) and doc.get("id") == object_id:
            return live_view(doc)
        new = self.read(object_id)  # the answer does not show the environment
        if new is None:
            raise NotFoundError(f"prediction environment {object_id} vanished during update")
        return new

    def delete(self, object_id: str, *, attrs: Mapping[str, Any] | None = None) -> None:
        self.client.delete_environment(object_id)

    def normalize(self, attrs: Mapping[str, Any]) -> dict[str, Any]:
        out = dict(attrs)
        if "description" in out:
            out["description"] = text(out["description"])
        if "supported_model_formats" in out:
            formats = out["supported_model_formats"]
            if formats is None and isinstance(out.get("platform"), str):
                formats = default_formats(out["platform"])
            if isinstance(formats, list) and all(isinstance(f, str) for f in formats):
                formats = sorted(set(formats))
            out["supported_model_formats"] = formats
        return out
