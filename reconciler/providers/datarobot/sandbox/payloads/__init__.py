"""DataRobot's bodies: the requests the emulator accepts, one pydantic model each (camelCase, as
sent), and the parts of the documents it answers with that a new deployment or environment starts
with (health blocks, the model reference, model-history entries, default model formats).

Field rules come from the seed's request schemas (``DeploymentCreateFromLearningModel``,
``DeploymentUpdate``, ``DeploymentStatusUpdate``, ``DeploymentPermanentDelete``) and from what the
official client sends where the seed is silent (``fromModelPackage``, prediction environments,
model replacement). Unknown fields are refused. The client drops ``None`` values before sending,
so a field the seed marks required-but-nullable (``description``) may be absent.
``parse(model, body, what)`` turns a failure into a 422 whose ``errors`` map names each field.
Deployment settings bodies live in ``payloads.settings``, Use Case and Model Registry bodies in
``payloads.registry``.
"""

from __future__ import annotations

from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from reconciler.providers.datarobot.sandbox.errors import Unprocessable
from reconciler.providers.models import Model

Importance = Literal["CRITICAL", "HIGH", "MODERATE", "LOW"]
Platform = Literal["aws", "gcp", "azure", "onPremise", "datarobot", "datarobotServerless", "openShift", "other",
                   "snowflake", "sapAiCore"]
ModelFormat = Literal["datarobot", "datarobotScoringCode", "customModel", "externalModel"]
ReplacementReason = Literal["ACCURACY", "DATA_DRIFT", "ERRORS", "SCHEDULED_REFRESH", "SCORING_SPEED", "OTHER"]

M = TypeVar("M", bound=BaseModel)
Doc = dict[str, Any]


class _Payload(Model):
    model_config = ConfigDict(extra="forbid", strict=True)


def parse(model: type[M], body: Any, what: str) -> M:
    """Validate a decoded JSON body; raise a 422 naming every offending field."""
    if not isinstance(body, dict):
        got = "an empty body" if body is None else f"a JSON {type(body).__name__}"
        raise Unprocessable(f"Invalid {what}: expected a JSON object, got {got}")
    try:
        return model.model_validate(body)
    except ValidationError as error:
        errors = {".".join(str(p) for p in e["loc"]) or "body": e["msg"] for e in error.errors()}
        raise Unprocessable("Invalid field data", errors) from None


class _DeploymentCreate(_Payload):
    label: str = Field(min_length=1, max_length=512)
    description: str | None = Field(None, max_length=10000)
    importance: Importance | None = None
    defaultPredictionServerId: str | None = None
    grantInitialDeploymentRolesFromProject: bool | None = None


class DeploymentFromLearningModel(_DeploymentCreate):
    """``POST /deployments/fromLearningModel/`` (seed ``DeploymentCreateFromLearningModel``)."""

    modelId: str
    predictionThreshold: float | None = Field(None, ge=0, le=1)
    status: Literal["active", "inactive"] | None = None


class MetadataItem(_Payload):
    key: str
    value: str


class DeploymentFromModelPackage(_DeploymentCreate):
    """``POST /deployments/fromModelPackage/`` (client ``create_from_registered_model_version``)."""

    modelPackageId: str
    predictionEnvironmentId: str | None = None
    userProvidedId: str | None = Field(None, max_length=100)
    additionalMetadata: list[MetadataItem] | None = None
    runtimeParameterValues: str | None = None

    @model_validator(mode="after")
    def _server_or_environment(self) -> "DeploymentFromModelPackage":
        if self.defaultPredictionServerId and self.predictionEnvironmentId:
            raise ValueError("give defaultPredictionServerId or predictionEnvironmentId, not both")
        return self


class DeploymentUpdate(_Payload):
    """``PATCH /deployments/{id}/`` (seed ``DeploymentUpdate``): every field optional."""

    label: str | None = Field(None, min_length=1, max_length=512)
    description: str | None = Field(None, max_length=10000)
    importance: Importance | None = None


class DeploymentStatusUpdate(_Payload):
    """``PATCH /deployments/{id}/status/``."""

    status: Literal["active", "inactive"]


class ModelReplacement(_Payload):
    """``PATCH /deployments/{id}/model/`` (client ``replace_model`` / ``perform_model_replace``)."""

    modelId: str | None = None
    modelPackageId: str | None = None
    reason: ReplacementReason

    @model_validator(mode="after")
    def _one_model(self) -> "ModelReplacement":
        if (self.modelId is None) == (self.modelPackageId is None):
            raise ValueError("give exactly one of modelId or modelPackageId")
        return self


class ModelValidation(_Payload):
    """``POST /deployments/{id}/model/validation/``."""

    modelId: str | None = None
    modelPackageId: str | None = None

    @model_validator(mode="after")
    def _one_model(self) -> "ModelValidation":
        if (self.modelId is None) == (self.modelPackageId is None):
            raise ValueError("give exactly one of modelId or modelPackageId")
        return self


class PermanentDelete(_Payload):
    """``PATCH /deletedDeployments/`` (seed ``DeploymentPermanentDelete``)."""

    action: Literal["PermanentlyErase"]
    deploymentIds: list[str] = Field(min_length=1, max_length=100)


class PredictionEnvironmentCreate(_Payload):
    """``POST /predictionEnvironments/`` (client ``PredictionEnvironment.create``)."""

    name: str = Field(min_length=1, max_length=512)
    platform: Platform
    description: str | None = Field(None, max_length=10000)
    plugin: str | None = None
    supportedModelFormats: list[ModelFormat] | None = Field(None, min_length=1, max_length=4)
    isManagedByManagementAgent: bool | None = None
    managedBy: Literal["selfManaged", "managementAgent", "datarobot"] | None = None
    datastoreId: str | None = None
    credentialId: str | None = None
    priority: int | None = Field(None, ge=0, le=2)
    maxConcurrentBatchPredictionsJob: int | None = Field(None, ge=1, le=100)

    @model_validator(mode="after")
    def _agent(self) -> "PredictionEnvironmentCreate":
        if self.managedBy is not None and self.isManagedByManagementAgent is not None and \
                self.isManagedByManagementAgent != (self.managedBy in ("managementAgent", "datarobot")):
            raise ValueError("isManagedByManagementAgent contradicts managedBy")
        return self


class PredictionEnvironmentUpdate(_Payload):
    """``PATCH /predictionEnvironments/{id}/`` (name, description and the batch-job limits; TF
    replaces on the rest)."""

    name: str | None = Field(None, min_length=1, max_length=512)
    description: str | None = Field(None, max_length=10000)
    priority: int | None = Field(None, ge=0, le=2)
    maxConcurrentBatchPredictionsJob: int | None = Field(None, ge=1, le=100)


# -- response documents: the parts a new deployment or environment starts with ----------------
DATAROBOT_PLATFORMS = frozenset({"datarobot", "datarobotServerless"})


def default_formats(platform: str) -> list[str]:
    """The model formats an environment supports when the create does not say."""
    if platform in DATAROBOT_PLATFORMS:
        return ["datarobot", "customModel"]
    return ["datarobot", "customModel", "externalModel"]


def health(with_message: bool = True) -> Doc:
    """A health block before any prediction data (``modelHealth``, ``accuracyHealth``, ``serviceHealth``)."""
    doc: Doc = {"status": "unknown", "startDate": None, "endDate": None}
    if with_message:
        doc["message"] = ""
    return doc


def model_ref(model: Doc, project: Doc, now: str) -> Doc:
    """A deployment's ``model``: the learning model it serves, deployed at ``now``."""
    return {"id": model["id"], "type": model["modelType"], "targetName": project.get("target"),
            "targetType": project.get("targetType"), "projectId": project.get("id"),
            "projectName": project.get("projectName"), "isDeprecated": False, "unstructuredModelKind": False,
            "unsupervisedMode": False, "buildEnvironmentType": "DataRobot", "deployedAt": now}


def history_entry(model: Doc, package: Doc, reason: str | None, threshold: float | None) -> Doc:
    """A model-history entry (``threshold`` defaults to the package's); the dates are set when it starts."""
    if threshold is None:
        threshold = (package.get("target") or {}).get("predictionThreshold")
    return {"modelPackage": {"id": package["id"], "modelId": model["id"], "name": package["name"],
                             "predictionThreshold": threshold, "projectId": model["projectId"],
                             "registeredModelId": package["registeredModelId"]},
            "replacementReason": reason, "startDate": None, "endDate": None,
            "forecastStartDate": None, "forecastEndDate": None}
