"""``datarobot_prediction_environment``: where deployments of model packages predict.

Synchronous CRUD on ``/predictionEnvironments/``: POST creates (answers the object), PATCH
changes ``name``, ``description`` and the batch-job limits (``batch_jobs_priority`` low /
medium / high, sent as ``priority`` 0 / 1 / 2, and ``batch_jobs_max_concurrent``, sent as
``maxConcurrentBatchPredictionsJob``, as the TF provider sends them; each managed only when
declared); ``platform``, ``supported_model_formats``, ``managed_by`` (selfManaged,
managementAgent, datarobot), ``is_managed_by_management_agent`` (true exactly when ``managed_by``
is managementAgent or datarobot), ``credential_id`` and ``datastore_id`` (only for an environment
DataRobot or its agent manages) are create-only (the TF provider replaces on them too).
Identity: the server id; ``name`` is the adoption key (two live environments with the name are
refused, naming both ids). ``list`` pages ``GET /predictionEnvironments/`` (whole documents; one
flagged ``isDeleted`` counts as gone). Create and update return what their answers hold.
Deleting an environment still used by deployments is refused by DataRobot (409); deployments that
reference it are deleted first by the engine's ordering. Export leaves supported model formats
equal to the platform's default out of the block.
"""

from __future__ import annotations

from typing import Any, ClassVar, Iterable, Literal, Mapping

from pydantic import BaseModel, ConfigDict, Field, model_validator

from reconciler.errors import NotFoundError, ProviderError
from reconciler.providers.base import Live, ResourceType, Spec
from reconciler.providers.datarobot.client import DataRobotClient, Doc
from reconciler.providers.common import text
from reconciler.providers.models import Model

Platform = Literal["aws", "gcp", "azure", "onPremise", "datarobot", "datarobotServerless", "openShift", "other",
                   "snowflake", "sapAiCore"]
ModelFormat = Literal["datarobot", "datarobotScoringCode", "customModel", "externalModel"]
DATAROBOT_PLATFORMS = frozenset({"datarobot", "datarobotServerless"})
ManagedBy = Literal["selfManaged", "managementAgent", "datarobot"]
Priority = Literal["low", "medium", "high"]
PRIORITIES = ("low", "medium", "high")  # the wire's 0, 1, 2
AGENT_MANAGED = frozenset({"managementAgent", "datarobot"})


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
    managed_by: ManagedBy | None = Field(
        None, description="selfManaged, managementAgent or datarobot (left out: from is_managed_by_management_agent); "
                          "create-only")
    batch_jobs_priority: Priority | None = Field(None, description="priority of its batch prediction jobs: low, "
                                                                   "medium or high (left out: not managed)")
    batch_jobs_max_concurrent: int | None = Field(None, ge=1, le=100, description="most batch prediction jobs "
                                                                                  "running at once (left out: not managed)")
    credential_id: str | None = Field(None, min_length=1, description="credential of its data connection (an "
                                                                      "environment DataRobot manages); create-only")
    datastore_id: str | None = Field(None, min_length=1, description="data store of its data connection (an "
                                                                     "environment DataRobot manages); create-only")

    @model_validator(mode="after")
    def _consistent(self) -> "PredictionEnvironmentSpec":
        if self.managed_by is not None and "is_managed_by_management_agent" in self.model_fields_set and \
                self.is_managed_by_management_agent != (self.managed_by in AGENT_MANAGED):
            raise ValueError("is_managed_by_management_agent must be true exactly when managed_by is managementAgent "
                             "or datarobot (or leave one of them out)")
        agent = self.managed_by in AGENT_MANAGED if self.managed_by is not None else self.is_managed_by_management_agent
        if (self.credential_id is not None or self.datastore_id is not None) and not agent:
            raise ValueError("credential_id and datastore_id apply only to an environment DataRobot manages "
                             "(managed_by: datarobot or managementAgent)")
        return self


def managed_by_of(attrs: Mapping[str, Any]) -> str | None:
    """``managed_by`` as declared, else as ``is_managed_by_management_agent`` implies."""
    if attrs.get("managed_by") is not None:
        return attrs["managed_by"]
    if "is_managed_by_management_agent" in attrs:
        return "managementAgent" if attrs["is_managed_by_management_agent"] else "selfManaged"
    return None


def live_view(doc: Doc) -> Live:
    return {
        "id": doc["id"],
        "name": doc.get("name"),
        "description": doc.get("description"),
        "platform": doc.get("platform"),
        "supported_model_formats": sorted(doc.get("supportedModelFormats") or []),
        "is_managed_by_management_agent": bool(doc.get("isManagedByManagementAgent")),
        "managed_by": doc.get("managedBy") or ("managementAgent" if doc.get("isManagedByManagementAgent")
                                               else "selfManaged"),
        "batch_jobs_priority": PRIORITIES[doc["priority"]] if doc.get("priority") in (0, 1, 2) else None,
        "batch_jobs_max_concurrent": doc.get("maxConcurrentBatchPredictionsJob"),
        "credential_id": doc.get("credentialId"),
        "datastore_id": doc.get("datastoreId"),
        "health": (doc.get("health") or {}).get("status"),
    }


class PredictionEnvironment(ResourceType):
    type_name: ClassVar[str] = "datarobot_prediction_environment"
    spec_model: ClassVar[type[BaseModel]] = PredictionEnvironmentSpec
    description: ClassVar[str] = "A prediction environment (name, description, platform, supported model formats)"
    natural_key: ClassVar[tuple[str, ...]] = ("name",)
    server_owned: ClassVar[frozenset[str]] = frozenset({"id", "health"})
    create_only: ClassVar[frozenset[str]] = frozenset(
        {"platform", "supported_model_formats", "is_managed_by_management_agent", "managed_by", "credential_id",
         "datastore_id"})
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
        platform's default (what DataRobot picks when the create does not say), ``managed_by``
        when ``is_managed_by_management_agent`` implies it, unset optional fields left out."""
        out = dict(live)
        formats, platform = out.get("supported_model_formats"), out.get("platform")
        known = isinstance(platform, str) and isinstance(formats, list)
        if known and sorted(set(formats)) == default_formats(platform):
            out.pop("supported_model_formats")
        for field in ("batch_jobs_priority", "batch_jobs_max_concurrent", "credential_id", "datastore_id"):
            if out.get(field) is None:
                out.pop(field, None)
        if out.get("managed_by") == managed_by_of({"is_managed_by_management_agent":
                                                   out.get("is_managed_by_management_agent", False)}):
            out.pop("managed_by", None)  # what is_managed_by_management_agent says already
        return out

    def create(self, spec: Spec) -> tuple[str, Live]:
        want = PredictionEnvironmentSpec.model_validate(spec)
        managed_by = managed_by_of(want.model_dump(exclude_unset=True)) or "selfManaged"
        body: Doc = {"name": want.name, "platform": want.platform, "description": want.description or "",
                     "isManagedByManagementAgent": managed_by in AGENT_MANAGED, "managedBy": managed_by}
        for field, key in (("credential_id", "credentialId"), ("datastore_id", "datastoreId"),
                           ("batch_jobs_max_concurrent", "maxConcurrentBatchPredictionsJob")):
            if getattr(want, field) is not None:
                body[key] = getattr(want, field)
        if want.batch_jobs_priority is not None:
            body["priority"] = PRIORITIES.index(want.batch_jobs_priority)
        if want.supported_model_formats is not None:
            body["supportedModelFormats"] = list(dict.fromkeys(want.supported_model_formats))
        doc = self.client.create_environment(body)
        if not isinstance(doc, dict) or not doc.get("id"):
            raise ProviderError("POST predictionEnvironments/: no environment in the answer")
        return str(doc["id"]), live_view(doc)

    def update(self, object_id: str, live: Live, spec: Spec, changed: frozenset[str]) -> Live:
        body = {f: (text(spec[f]) if f == "description" else spec[f])
                for f in ("name", "description") if f in changed and f in spec}
        if "batch_jobs_priority" in changed and spec.get("batch_jobs_priority") is not None:
            body["priority"] = PRIORITIES.index(spec["batch_jobs_priority"])
        if "batch_jobs_max_concurrent" in changed and spec.get("batch_jobs_max_concurrent") is not None:
            body["maxConcurrentBatchPredictionsJob"] = spec["batch_jobs_max_concurrent"]
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
        if "managed_by" in out and out["managed_by"] is None:
            out["managed_by"] = managed_by_of(out)
        if out.get("managed_by") is not None and "is_managed_by_management_agent" in out:
            out["is_managed_by_management_agent"] = out["managed_by"] in AGENT_MANAGED
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
