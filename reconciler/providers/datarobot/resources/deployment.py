"""``datarobot_deployment``: a model deployment with its label, description, importance, status
(active / inactive), model and where it predicts.

Identity: the server id, kept in state. Reads: ``list`` pages ``GET /deployments/`` (whole
documents, 100 a page). The natural key for adoption and crash recovery is the ``label``, matched
exactly (DataRobot does not make it unique: two live deployments with the label are refused,
naming both ids). Calls:

    spec field(s)                        platform call
    create (model_id)                    POST /deployments/fromLearningModel/  -> 202 + Location, waited
    create (model_package_id)            POST /deployments/fromModelPackage/   -> 202 + Location, waited
    label, description, importance       PATCH /deployments/{id}/                (204)
    status                               PATCH /deployments/{id}/status/         -> 202 + Location, waited
    model_id / model_package_id          POST .../model/validation/ (must not fail), then
                                         PATCH .../model/ -> 202 + Location, waited (an update, not a replace)
    default_prediction_server_id,        create-only: a change replaces the deployment
    prediction_environment_id
    delete                               DELETE /deployments/{id}/ (204), then waits for GET to say 404

A wait after a 202 reads the deployment first: work DataRobot has already finished needs no
status polls, and that read is the live view; otherwise the job is polled and the deployment read
when it is done. Before any change the deployment's own transitions (launching, stopping,
replacingModel) are waited out. DataRobot replaces a model only on an active deployment, so an
inactive one is activated around the replacement and deactivated again when the specs say
inactive. ``replacement_reason`` and ``ignore_management_agent_on_destroy`` are options of ours:
stored, never compared.

Export: every ``active`` or ``inactive`` deployment (``export_view``). A deployment still
launching, errored or archived is left out (a spec cannot declare those statuses; export again
once it has settled). Every live deployment names both its learning model and its model package;
a spec declares one: ``model_package_id`` when the deployment predicts in a prediction environment
(or has no learning model), else ``model_id`` with its prediction server. Models, packages and
servers are data sources, so their ids stay pasted; the prediction environment becomes a reference.
Settings blocks are exported only where they differ from their defaults (``accuracy_metrics``,
whose default depends on the model, never). Settings blocks: see ``deployment_settings``.
"""

from __future__ import annotations

from typing import Any, Callable, ClassVar, Iterable, Literal, Mapping

from pydantic import BaseModel, ConfigDict, Field, model_validator

from reconciler.errors import ApiError, NotFoundError, ProviderError
from reconciler.providers.base import CreatedButFailed, Live, ResourceType, Spec
from reconciler.providers.datarobot.client import DataRobotClient, Doc
from reconciler.providers.datarobot.resources import deployment_settings as ds
from reconciler.providers.datarobot.resources import deployment_settings_wire as wire
from reconciler.providers.datarobot.resources.deployment_settings import (
    AccuracyMetric,
    AssociationId,
    BiasAndFairness,
    DriftTracking,
    ChallengerReplay,
    Enabled,
    Health,
    PredictionIntervals,
    Predictions,
    PredictionWarning,
    Retraining,
    SegmentAnalysis,
)
from reconciler.providers.common import text
from reconciler.providers.models import Model

Importance = Literal["CRITICAL", "HIGH", "MODERATE", "LOW"]
Status = Literal["active", "inactive"]
Reason = Literal["ACCURACY", "DATA_DRIFT", "ERRORS", "SCHEDULED_REFRESH", "SCORING_SPEED", "OTHER"]
TRANSITIONAL = frozenset({"launching", "stopping", "replacingModel"})
OPTIONS = ("replacement_reason", "ignore_management_agent_on_destroy")
INFO_FIELDS = ("label", "description", "importance")
MODEL_FIELDS = {"model_id": "modelId", "model_package_id": "modelPackageId"}
#: statuses a spec can declare: the only deployments ``export`` writes
SETTLED = frozenset({"active", "inactive"})


class DeploymentSpec(Model):
    """A DataRobot deployment of a learning model (``model_id``) or a model package."""

    model_config = ConfigDict(extra="forbid")

    label: str = Field(min_length=1, max_length=512, description="human-readable name; the adoption key")
    description: str | None = Field("", max_length=10000, description="free text (null and empty are the same)")
    importance: Importance = Field("LOW", description="CRITICAL, HIGH, MODERATE or LOW")
    status: Status = Field("active", description="active or inactive (changed through DataRobot's async status job)")
    model_id: str | None = Field(None, description="learning model to deploy (a change replaces the model in place)")
    model_package_id: str | None = Field(
        None, description="model package (registered model version) to deploy; a change replaces the model in place")
    default_prediction_server_id: str | None = Field(
        None, description="prediction server (DataRobot Cloud); create-only: a change replaces the deployment")
    prediction_environment_id: str | None = Field(
        None, description="prediction environment (with model_package_id); create-only: a change replaces it")
    replacement_reason: Reason = Field("OTHER", description="reason recorded in the model history on a model change")
    ignore_management_agent_on_destroy: bool = Field(
        False, description="on destroy, do not wait for the management agent (DELETE ?ignoreManagementAgent=true)")
    # settings blocks: each managed only when declared; an empty block sets its defaults
    association_id: AssociationId | None = Field(None, description="association id settings (accuracy tracking)")
    drift_tracking: DriftTracking | None = Field(None, description="target and feature drift tracking")
    predictions_data_collection: Enabled | None = Field(None, description="prediction rows data collection")
    prediction_warning: PredictionWarning | None = Field(None, description="prediction warnings (regression)")
    prediction_intervals: PredictionIntervals | None = Field(None, description="prediction intervals (time series)")
    segment_analysis: SegmentAnalysis | None = Field(None, description="segmented analysis and its attributes")
    challenger_models: Enabled | None = Field(None, description="challenger models")
    challenger_replay: ChallengerReplay | None = Field(None, description="challenger replay of prediction data, "
                                                                         "and its schedule")
    bias_and_fairness: BiasAndFairness | None = Field(None, description="bias and fairness monitoring")
    health: Health | None = Field(None, description="health thresholds: service, data drift, accuracy, fairness, "
                                                    "custom metrics")
    accuracy_metrics: list[AccuracyMetric] | None = Field(
        None, min_length=1, description="accuracy metrics shown for the deployment (a set)")
    retraining: Retraining | None = Field(None, description="retraining user, dataset and prediction environment")
    predictions: Predictions | None = Field(
        None, description="serverless compute (DataRobot Serverless environments): resource bundle, min and max "
                          "computes; a bundle change deactivates the deployment around it")

    @model_validator(mode="after")
    def _consistent(self) -> "DeploymentSpec":
        if (self.model_id is None) == (self.model_package_id is None):
            raise ValueError("give exactly one of model_id (a learning model) or model_package_id")
        if self.prediction_environment_id is not None and self.model_package_id is None:
            raise ValueError("prediction_environment_id needs model_package_id (DataRobot deploys a learning "
                             "model to a prediction server, a model package to an environment)")
        if self.prediction_environment_id is not None and self.default_prediction_server_id is not None:
            raise ValueError("give default_prediction_server_id or prediction_environment_id, not both")
        return self


def live_view(doc: Doc) -> Live:
    """A deployment document in spec vocabulary (plus read-only outputs)."""
    server = doc.get("defaultPredictionServer") or {}
    model = doc.get("model") or {}
    return {
        "id": doc["id"],
        "label": doc.get("label"),
        "description": doc.get("description"),
        "importance": doc.get("importance"),
        "status": doc.get("status"),
        "model_id": model.get("id"),
        "model_package_id": (doc.get("modelPackage") or {}).get("id"),
        "default_prediction_server_id": server.get("id"),
        "prediction_environment_id": (doc.get("predictionEnvironment") or {}).get("id"),
        "created_at": doc.get("createdAt"),
        "prediction_url": server.get("url"),
        "model_type": model.get("type"),
        "project_id": model.get("projectId"),
        "has_error": bool(doc.get("hasError")),
    }


class Deployment(ResourceType):
    type_name: ClassVar[str] = "datarobot_deployment"
    spec_model: ClassVar[type[BaseModel]] = DeploymentSpec
    description: ClassVar[str] = "A model deployment (label, description, importance, status, model, where it predicts)"
    natural_key: ClassVar[tuple[str, ...]] = ("label",)
    server_owned: ClassVar[frozenset[str]] = frozenset(
        {"id", "created_at", "prediction_url", "model_type", "project_id", "has_error"})
    create_only: ClassVar[frozenset[str]] = frozenset({"default_prediction_server_id", "prediction_environment_id"})
    protected: ClassVar[bool] = True
    delete_note: ClassVar[str | None] = (
        "deleting a deployment is irreversible: DataRobot has no restore (it is only listed under deleted "
        "deployments until permanently erased) and its prediction URL stops answering")
    ref_fields: ClassVar[Mapping[str, str]] = {
        "prediction_environment_id": "datarobot_prediction_environment",
        "model_id": "datarobot_learning_model",
        "model_package_id": "datarobot_model_package",
        "default_prediction_server_id": "datarobot_prediction_server",
    }
    wait_note: ClassVar[str | None] = (
        "creates, status changes and model replacements wait for DataRobot's async job (up to the provider's "
        "async_timeout, 10 min by default); a model change is first checked by DataRobot's replacement "
        "validation and refused if it fails")

    #: the settings blocks: each costs requests of its own, read only where declared
    detail_fields: ClassVar[frozenset[str]] = ds.FIELDS

    client: DataRobotClient

    # -- reads ------------------------------------------------------------------------------
    def read(self, object_id: str) -> Live | None:
        doc = self.client.get_deployment(object_id)
        return live_view(doc) if doc is not None else None

    def list(self, container: str | None) -> Iterable[tuple[str, Live]]:
        """Every deployment, whatever its status: the list endpoint pages whole documents."""
        return [(d["id"], live_view(d)) for d in self.client.list_deployments()]

    def read_details(self, object_id: str, listed: Live, fields: frozenset[str]) -> Live | None:
        """The settings blocks ``fields`` names (one request per settings document)."""
        blocks = wire.read_blocks(self.client, object_id, fields & ds.FIELDS)
        return None if blocks is None else {**listed, **blocks}

    def update_notes(self, live: Live, desired: Mapping[str, Any], changed: frozenset[str]) -> tuple[str, ...]:
        """A resource-bundle change deactivates the deployment around it: the plan says so."""
        want, was = desired.get("predictions"), live.get("predictions")
        if "predictions" in changed and isinstance(want, Mapping) and live.get("status") == "active":
            if want.get("resource_bundle_id") != (was or {}).get("resource_bundle_id"):
                return (ds.CHANGE_NOTES["predictions.resource_bundle_id"],)
        return ()

    @staticmethod
    def export_view(live: Live) -> Live | None:
        """``live`` as a spec declares it, or None for a deployment a spec cannot declare (still
        launching, errored, archived). A spec names one of ``model_id`` / ``model_package_id`` (the
        live view carries both): the package when the deployment predicts in a prediction environment."""
        if live.get("status") not in SETTLED:
            return None
        out = {k: v for k, v in live.items() if k not in ds.FIELDS or ds.exported(k, v)}
        if out.get("prediction_environment_id") is not None or out.get("model_id") is None:
            out.pop("model_id", None)
        else:
            out.pop("model_package_id", None)
        return out

    def blocked(self, live: Live | None, desired: Mapping[str, Any]) -> str | None:
        if live is not None and live.get("status") == "archived":
            return "the deployment is archived in DataRobot; archived deployments cannot be changed"
        return None

    # -- writes -----------------------------------------------------------------------------
    def create(self, spec: Spec) -> tuple[str, Live]:
        want = DeploymentSpec.model_validate(spec)
        body: Doc = {"label": want.label, "description": want.description, "importance": want.importance}
        if want.model_id is not None:
            source = "fromLearningModel"
            body.update(modelId=want.model_id, status=want.status)
        else:
            source = "fromModelPackage"
            body["modelPackageId"] = want.model_package_id
            if want.prediction_environment_id is not None:
                body["predictionEnvironmentId"] = want.prediction_environment_id
        if want.default_prediction_server_id is not None:
            body["defaultPredictionServerId"] = want.default_prediction_server_id
        deployment_id, location = self.client.create_deployment(source, body)
        status = want.status if source == "fromLearningModel" else "active"  # fromModelPackage has no status
        try:
            live = self._landed(deployment_id, location, f"creating deployment {want.label!r} ({deployment_id})",
                                lambda live: live["status"] == status)
            if live["status"] != want.status:
                live = self._set_status(deployment_id, want.label, want.status)
            declared = frozenset(f for f in ds.FIELDS if spec.get(f) is not None)
            if declared:
                live = self._apply_settings(deployment_id, want.label, spec, declared, live, want.status)
        except ProviderError as exc:
            raise CreatedButFailed(deployment_id, exc) from exc
        return deployment_id, live

    def update(self, object_id: str, live: Live, spec: Spec, changed: frozenset[str]) -> Live:
        current = self._settled(object_id)
        info = {f: spec[f] for f in INFO_FIELDS if f in spec and f in changed
                and self.normalize({f: spec[f]}) != self.normalize({f: current[f]})}
        if info:
            self.client.update_deployment(object_id, info)
            current = {**current, **info}  # a 204: the fields are as sent
        label = spec.get("label") or current["label"]
        model = [(f, spec[f]) for f in MODEL_FIELDS if f in changed and spec.get(f) is not None
                 and spec[f] != current.get(f)]
        if model:
            field, value = model[0]
            current = self._replace_model(object_id, label, current["status"], field, value, spec)
        settings = frozenset(f for f in ds.FIELDS if f in changed and spec.get(f) is not None)
        if settings:
            current = self._apply_settings(object_id, label, spec, settings, {**live, **current},
                                           spec.get("status") or current["status"])
        if "status" in spec and spec["status"] != current["status"]:
            current = self._set_status(object_id, label, spec["status"])
        unchanged = {k: v for k, v in live.items() if k in ds.FIELDS}  # blocks not written: as planned
        return {**unchanged, **current}

    def delete(self, object_id: str, *, attrs: Mapping[str, Any] | None = None) -> None:
        """Delete (irreversible), then wait until DataRobot no longer serves it (a delete may answer
        before the backend has finished; the TF provider learned this the hard way)."""
        ignore = bool((attrs or {}).get("ignore_management_agent_on_destroy", False))
        self.client.delete_deployment(object_id, ignore_management_agent=ignore)
        self.client.poller.until(lambda: self.client.get_deployment(object_id), lambda doc: doc is None,
                                 f"deployment {object_id} to be deleted",
                                 lambda doc: f"still listed as {doc.get('status')}", self.notify)

    def normalize(self, attrs: Mapping[str, Any]) -> dict[str, Any]:
        out = {k: v for k, v in attrs.items() if k not in OPTIONS}  # options of ours: never compared
        if "description" in out:
            out["description"] = text(out["description"])
        for name in ds.FIELDS & out.keys():
            out[name] = ds.canonical(name, out[name])
        return out

    # -- steps ------------------------------------------------------------------------------
    def _apply_settings(self, deployment_id: str, label: str, spec: Spec, fields: frozenset[str], live: Live,
                        status: str) -> Live:
        """Write the settings blocks ``fields`` names, as declared (every field of a block, its
        defaults filled). A resource-bundle change is made on an inactive deployment: an active one
        is deactivated first and activated again unless ``status`` says inactive. Returns the
        deployment (its status as it ends) with the blocks read back."""
        blocks = {f: ds.canonical(f, spec[f]) for f in fields}
        what = f"changing the settings of deployment {label!r} ({deployment_id})"
        plain = {k: v for k, v in blocks.items() if k in ds.IN_SETTINGS and k != "predictions"}
        if plain:
            self._patch_settings(deployment_id, wire.settings_body(plain), what)
        if "predictions" in blocks:
            want, was = blocks["predictions"], live.get("predictions") or {}
            bundle = want["resource_bundle_id"] != was.get("resource_bundle_id")
            if bundle and live.get("status") == "active":
                self.notify(f"deactivating deployment {label!r} to change its resource bundle (DataRobot changes it "
                            "only on an inactive deployment)")
                live = self._set_status(deployment_id, label, "inactive")
            self._patch_settings(deployment_id, wire.settings_body({"predictions": want}), what)
            if live.get("status") == "inactive" and status == "active":
                live = self._set_status(deployment_id, label, "active")
        if "health" in blocks:
            self.client.update_health_settings(deployment_id, wire.health_body(blocks["health"]))
        if "challenger_replay" in blocks:
            self.client.update_challenger_replay_settings(deployment_id, wire.replay_body(blocks["challenger_replay"]))
        if "accuracy_metrics" in blocks:
            self.client.update_accuracy_metrics(deployment_id, blocks["accuracy_metrics"])
        if "retraining" in blocks:
            self.client.update_retraining_settings(deployment_id, wire.retraining_body(blocks["retraining"]))
        written = wire.read_blocks(self.client, deployment_id, fields)  # as DataRobot holds them now
        if written is None:
            raise NotFoundError(f"deployment {deployment_id} vanished while its settings were changed")
        return {**live, **written}

    def _patch_settings(self, deployment_id: str, body: Doc, what: str) -> None:
        location = self.client.update_deployment_settings(deployment_id, body)
        if location:
            self.client.wait(location, what, self.notify)

    def _landed(self, deployment_id: str, location: str | None, what: str, reached: Callable[[Live], bool]) -> Live:
        """The deployment once the job behind a 202 has landed. It is read at once: when DataRobot
        has finished already (no transition under way, and ``reached`` holds), that read is the
        live view and the job needs no polling; otherwise the job is awaited at its status URL
        (without one, the deployment itself is polled) and the deployment read again."""
        doc = self.client.get_deployment(deployment_id)
        live = live_view(doc) if doc is not None else None
        if live is not None and live["status"] not in TRANSITIONAL and reached(live):
            self.notify(f"{what}: done")
            return live
        if location:
            self.client.wait(location, what, self.notify)
        return self._settled(deployment_id, what)

    def _settled(self, deployment_id: str, what: str | None = None) -> Live:
        """The deployment once it is in no transition (launching, stopping, replacingModel)."""
        doc = self.client.poller.until(
            lambda: self.client.get_deployment(deployment_id),
            lambda d: d is None or d.get("status") not in TRANSITIONAL,
            what or f"deployment {deployment_id}'s current change",
            lambda d: f"status {d.get('status')}", self.notify)
        if doc is None:
            raise NotFoundError(f"deployment {deployment_id} does not exist (any more)")
        live = live_view(doc)
        if live["status"] == "errored" and what is not None:
            raise ApiError(f"{what}: DataRobot reports the deployment as errored (it failed to start)")
        return live

    def _set_status(self, deployment_id: str, label: str, status: str) -> Live:
        verb = "activating" if status == "active" else "deactivating"
        what = f"{verb} deployment {label!r} ({deployment_id})"
        try:
            location = self.client.change_status(deployment_id, status)
        except ApiError as exc:
            if exc.status != 409:
                raise
            # someone (or an earlier, interrupted request) changed it already: see where it lands
            live = self._settled(deployment_id)
            if live["status"] != status:
                raise
            return live
        return self._landed(deployment_id, location, what, lambda live: live["status"] == status)

    def _replace_model(self, deployment_id: str, label: str, was: str, field: str, value: str, spec: Spec) -> Live:
        """Validate the replacement with DataRobot, then replace (activating around it if needed)."""
        key = MODEL_FIELDS[field]
        check = self.client.validate_replacement(deployment_id, {key: value})
        status = str(check.get("status", "")).lower()
        if status == "failing":
            failing = ", ".join(f"{name}: {c.get('message', '')}" for name, c in (check.get("checks") or {}).items()
                                if isinstance(c, dict) and c.get("status") == "failing")
            raise ApiError(f"replacing the model of deployment {label!r} with {field}={value}: DataRobot's "
                           f"replacement validation failed: {check.get('message', '')}"
                           + (f" ({failing})" if failing else ""),
                           hint="deploy a model with the same target and target type, or replace the deployment")
        if status == "warning":
            self.notify(f"model replacement validation warns: {check.get('message', '')}")
        if was != "active":
            self.notify(f"activating deployment {label!r} to replace its model (DataRobot needs it active)")
            self._set_status(deployment_id, label, "active")
        location = self.client.replace_model(
            deployment_id, {key: value, "reason": spec.get("replacement_reason") or "OTHER"})
        live = self._landed(deployment_id, location, f"replacing the model of deployment {label!r} ({deployment_id})",
                            lambda live: live[field] == value)
        if was == "inactive" and "status" not in spec:  # status unmanaged: leave it as it was
            live = self._set_status(deployment_id, label, "inactive")
        return live

