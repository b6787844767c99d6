"""Deployment settings: the settings document (``/settings/``, async), health settings and their
defaults, challenger replay, accuracy metrics and retraining settings. A mixin of
``models.DataRobotWorld``.

State: ``settings`` {deployment id: {settings, health, replay, accuracyMetrics, retraining}},
made with the defaults of ``payloads.settings`` when the deployment is created (or, for a world
file saved before settings existed, the first time they are used), dropped with the deployment.

Rules (the TF provider's and the UI documentation's, see COVERAGE.md):
- ``PATCH /settings/`` validates the whole body, then answers 202 + ``Location``; the change lands
  when the job resolves (as the deployment's other async jobs do, knobs included).
- ``predictionsSettings`` exists only on a deployment in a DataRobot Serverless environment
  (422 otherwise); its ``resourceBundleId`` can change only while the deployment is inactive
  (422 on an active one: "deactivate it first"), and must name a compute bundle that is not
  deleted; ``minComputes <= maxComputes``.
- Health settings are merged block by block, field by field (``PATCH`` answers the result).
- Retraining ids must name the organization's user, a seeded dataset and a live prediction
  environment; ``null`` unsets.
"""

from __future__ import annotations

import copy
from typing import Any, Callable

from reconciler.providers.datarobot.sandbox import seed
from reconciler.providers.datarobot.sandbox.errors import Conflict, Unprocessable
from reconciler.providers.datarobot.sandbox.payloads import parse
from reconciler.providers.datarobot.sandbox.payloads.settings import (
    HEALTH_DEFAULTS,
    AccuracyMetricsUpdate,
    ChallengerReplayUpdate,
    HealthSettingsUpdate,
    RetrainingUpdate,
    SettingsUpdate,
    new_settings,
)

Doc = dict[str, Any]
TRANSITIONAL = frozenset({"launching", "stopping", "replacingModel"})
_DEFAULT_METRICS = {"Binary": ["LogLoss", "AUC", "Kolmogorov-Smirnov", "Gini Norm", "Rate@Top10%"],
                    "Regression": ["RMSE", "MAE", "Gamma Deviance", "Tweedie Deviance", "R Squared"]}


class SettingsOps:
    _s: dict[str, Any]
    _deployment: Callable[[str], Doc]
    start_job: Callable[..., str]
    running_jobs: Callable[[str], list]

    def ensure_settings(self, deployment_id: str) -> Doc:
        """The deployment's settings documents, made with the defaults if it has none yet."""
        return self._settings(deployment_id)

    def _settings(self, deployment_id: str) -> Doc:
        doc = self._deployment(deployment_id)
        store = self._s.setdefault("settings", {})
        if deployment_id not in store:
            env = doc.get("predictionEnvironment") or {}
            store[deployment_id] = new_settings(env.get("platform") == "datarobotServerless")
        return store[deployment_id]

    # -- the settings document (async) ----------------------------------------------------------
    def get_settings(self, deployment_id: str) -> Doc:
        return copy.deepcopy(self._settings(deployment_id)["settings"])

    def update_settings(self, deployment_id: str, body: Any) -> str:
        """Validate everything, then start the job that applies it; returns the status id."""
        doc = self._deployment(deployment_id)
        current = self._settings(deployment_id)["settings"]
        want = parse(SettingsUpdate, body, "deployment settings").model_dump(exclude_unset=True)
        if not want:
            raise Unprocessable("Invalid field data", {"body": "give at least one setting"})
        if doc["status"] in TRANSITIONAL or self.running_jobs(deployment_id):
            raise Conflict(f"Deployment is in process of a change ({doc['status']}).")
        if "predictionsSettings" in want:
            self._check_predictions(doc, current, want["predictionsSettings"] or {})
        merged = copy.deepcopy(current)
        for key, value in want.items():
            if value is None or not isinstance(merged.get(key), dict):
                merged[key] = value
            else:
                merged[key] = {**merged[key], **value}
        return self.start_job("settings", f"Updating settings of deployment {deployment_id}",
                              deployment_id=deployment_id, settings=merged)

    @staticmethod
    def _check_predictions(doc: Doc, current: Doc, want: Doc) -> None:
        if "predictionsSettings" not in current:
            raise Unprocessable("Predictions settings apply only to deployments in a DataRobot Serverless "
                                "prediction environment", {"predictionsSettings": "not a serverless deployment"})
        now = current["predictionsSettings"]
        bundle = want.get("resourceBundleId", now.get("resourceBundleId"))
        if bundle != now.get("resourceBundleId"):
            if doc["status"] == "active":
                raise Unprocessable("Resource settings can't be changed on an active deployment: deactivate it "
                                    "first", {"predictionsSettings.resourceBundleId": "deployment is active"})
            found = [b for b in seed.COMPUTE_BUNDLES if b["id"] == bundle and not b["isDeleted"]]
            if bundle is not None and not found:
                raise Unprocessable(f"Resource bundle {bundle} does not exist",
                                    {"predictionsSettings.resourceBundleId": "unknown or deleted bundle"})
        low = want.get("minComputes", now.get("minComputes"))
        high = want.get("maxComputes", now.get("maxComputes"))
        if low is not None and high is not None and low > high:
            raise Unprocessable("minComputes must not exceed maxComputes",
                                {"predictionsSettings.minComputes": "must be <= maxComputes"})

    def _land_settings(self, deployment_id: str, settings: Doc) -> None:
        """A settings job resolved: its document becomes the deployment's."""
        if deployment_id in self._s["deployments"]:
            self._settings(deployment_id)["settings"] = copy.deepcopy(settings)

    # -- health settings ------------------------------------------------------------------------
    def get_health_settings(self, deployment_id: str) -> Doc:
        return copy.deepcopy(self._settings(deployment_id)["health"])

    def default_health_settings(self, deployment_id: str) -> Doc:
        self._deployment(deployment_id)
        return copy.deepcopy(HEALTH_DEFAULTS)

    def update_health_settings(self, deployment_id: str, body: Any) -> Doc:
        store = self._settings(deployment_id)
        want = parse(HealthSettingsUpdate, body, "health settings").model_dump(exclude_unset=True)
        if not want:
            raise Unprocessable("Invalid field data", {"body": "give at least one health settings object"})
        for block, fields in want.items():
            if fields is not None:
                store["health"][block] = {**store["health"][block], **fields}
        return copy.deepcopy(store["health"])

    # -- challenger replay ----------------------------------------------------------------------
    def get_challenger_replay(self, deployment_id: str) -> Doc:
        return copy.deepcopy(self._settings(deployment_id)["replay"])

    def update_challenger_replay(self, deployment_id: str, body: Any) -> Doc:
        store = self._settings(deployment_id)
        want = parse(ChallengerReplayUpdate, body, "challenger replay settings").model_dump(exclude_unset=True)
        store["replay"] = {**store["replay"], **want}
        return copy.deepcopy(store["replay"])

    # -- accuracy metrics -----------------------------------------------------------------------
    def get_accuracy_metrics(self, deployment_id: str) -> list[str]:
        store = self._settings(deployment_id)
        if store["accuracyMetrics"] is None:
            target = self._deployment(deployment_id)["model"].get("targetType")
            return list(_DEFAULT_METRICS.get(target, _DEFAULT_METRICS["Regression"]))
        return list(store["accuracyMetrics"])

    def update_accuracy_metrics(self, deployment_id: str, body: Any) -> list[str]:
        store = self._settings(deployment_id)
        metrics = parse(AccuracyMetricsUpdate, body, "accuracy metrics").data
        store["accuracyMetrics"] = list(dict.fromkeys(metrics))
        return list(store["accuracyMetrics"])

    # -- retraining settings --------------------------------------------------------------------
    def get_retraining(self, deployment_id: str) -> Doc:
        return copy.deepcopy(self._settings(deployment_id)["retraining"])

    def update_retraining(self, deployment_id: str, body: Any) -> None:
        store = self._settings(deployment_id)
        want = parse(RetrainingUpdate, body, "retraining settings").model_dump(exclude_unset=True)
        new = copy.deepcopy(store["retraining"])
        if "retrainingUserId" in want:
            user = want["retrainingUserId"]
            if user is not None and user != seed.OWNER["id"]:
                raise Unprocessable(f"User {user} not found", {"retrainingUserId": "unknown user"})
            new["retrainingUser"] = None if user is None else {"id": user, "username": seed.OWNER["email"]}
        if "datasetId" in want:
            dataset = want["datasetId"]
            found = [d for d in seed.DATASETS if d["id"] == dataset]
            if dataset is not None and not found:
                raise Unprocessable(f"Dataset {dataset} not found", {"datasetId": "unknown dataset"})
            new["dataset"] = None if dataset is None else {"id": dataset, "name": found[0]["name"]}
        if "predictionEnvironmentId" in want:
            env_id = want["predictionEnvironmentId"]
            env = self._s["environments"].get(env_id) if env_id is not None else None
            if env_id is not None and env is None:
                raise Unprocessable(f"Prediction environment {env_id} not found",
                                    {"predictionEnvironmentId": "unknown prediction environment"})
            new["predictionEnvironment"] = None if env is None else {"id": env["id"], "name": env["name"]}
        store["retraining"] = new

    def drop_settings(self, deployment_id: str) -> None:
        self._s.setdefault("settings", {}).pop(deployment_id, None)
