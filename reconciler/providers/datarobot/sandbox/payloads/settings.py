"""Deployment settings on the wire: the request bodies the emulator accepts for a deployment's
settings (one strict pydantic model each, camelCase as sent) and the documents a new deployment
starts with.

Sources: what the official client ``datarobot`` 3.20 sends (``Deployment.update_*_settings``,
``update_health_settings``, ``update_accuracy_metrics_settings``, ``update_retraining_settings``,
``update_challenger_replay_settings``) and the API reference's examples for
``GET /deployments/{id}/healthSettings/``; the serverless ``predictionsSettings`` follows the
DataRobot Terraform provider. Where a source gives a range (fairness threshold 0..1, one
prediction-interval percentile at a time, one association-id column) it is enforced. The
defaults below (``settings_document``, ``HEALTH_DEFAULTS``) are the emulator's: the reference
documents that target and feature drift tracking are on by default, and gives no value for the
health thresholds; ``GET .../healthSettings/defaults/`` serves ``HEALTH_DEFAULTS``.
"""

from __future__ import annotations

import copy
from typing import Any, Literal

from pydantic import Field, model_validator

from reconciler.providers.datarobot.sandbox.payloads import _Payload

Doc = dict[str, Any]

ACCURACY_METRICS = (
    "Accuracy", "AUC", "Balanced Accuracy", "FVE Binomial", "Gini Norm", "Kolmogorov-Smirnov", "LogLoss",
    "Rate@Top5%", "Rate@Top10%", "TPR", "PPV", "F1", "MCC", "Gamma Deviance", "FVE Gamma", "FVE Poisson",
    "FVE Tweedie", "MAD", "MAE", "MAPE", "Poisson Deviance", "R Squared", "RMSE", "RMSLE", "Tweedie Deviance",
)
FAIRNESS_METRICS = ("proportionalParity", "equalParity", "predictionBalance",
                    "trueFavorableAndUnfavorableRateParity", "favorableAndUnfavorablePredictiveValueParity")
TIME_INTERVALS = ("T2H", "P1D", "P7D", "P30D", "P90D", "P180D", "P365D")
AccuracyMetric = Literal[ACCURACY_METRICS]  # type: ignore[valid-type]
FairnessMetric = Literal[FAIRNESS_METRICS]  # type: ignore[valid-type]
TimeInterval = Literal[TIME_INTERVALS]  # type: ignore[valid-type]


class _Enabled(_Payload):
    enabled: bool


class _AssociationId(_Payload):
    columnNames: list[str] | None = Field(None, max_length=1)
    requiredInPredictionRequests: bool | None = None
    autoGenerateId: bool | None = None


class _Boundaries(_Payload):
    upper: float
    lower: float

    @model_validator(mode="after")
    def _ordered(self) -> "_Boundaries":
        if self.lower >= self.upper:
            raise ValueError("lower must be less than upper")
        return self


class _PredictionWarning(_Payload):
    enabled: bool
    customBoundaries: _Boundaries | None = None


class _PredictionIntervals(_Payload):
    enabled: bool
    percentiles: list[int] = Field(default_factory=list, max_length=1)

    @model_validator(mode="after")
    def _range(self) -> "_PredictionIntervals":
        if any(not 1 <= p <= 99 for p in self.percentiles):
            raise ValueError("percentiles must be between 1 and 99")
        return self


class _SegmentAnalysis(_Payload):
    enabled: bool
    attributes: list[str] | None = None


class _BiasAndFairness(_Payload):
    protectedFeatures: list[str] = Field(min_length=1)
    fairnessMetricsSet: FairnessMetric
    fairnessThreshold: float = Field(ge=0, le=1)
    preferableTargetValue: bool | int | str


class _PredictionsSettings(_Payload):
    resourceBundleId: str | None = None
    minComputes: int | None = Field(None, ge=0, le=100)
    maxComputes: int | None = Field(None, ge=1, le=100)


class SettingsUpdate(_Payload):
    """``PATCH /deployments/{id}/settings/``: every block optional; a block sent replaces the
    fields it holds."""

    associationId: _AssociationId | None = None
    targetDrift: _Enabled | None = None
    featureDrift: _Enabled | None = None
    predictionsDataCollection: _Enabled | None = None
    predictionWarning: _PredictionWarning | None = None
    predictionIntervals: _PredictionIntervals | None = None
    segmentAnalysis: _SegmentAnalysis | None = None
    challengerModels: _Enabled | None = None
    biasAndFairness: _BiasAndFairness | None = None
    humility: _Enabled | None = None
    batchMonitoring: _Enabled | None = None
    predictionsSettings: _PredictionsSettings | None = None


# -- health settings ----------------------------------------------------------------------------
class _ServiceHealth(_Payload):
    batchCount: int = Field(ge=1, le=100)


class _DataDriftHealth(_Payload):
    timeInterval: TimeInterval | None = None
    batchCount: int | None = Field(None, ge=1, le=100)
    driftThreshold: float | None = Field(None, ge=0, le=1)
    importanceThreshold: float | None = Field(None, ge=0, le=1)
    lowImportanceWarningCount: int | None = Field(None, ge=0)
    lowImportanceFailingCount: int | None = Field(None, ge=0)
    highImportanceWarningCount: int | None = Field(None, ge=0)
    highImportanceFailingCount: int | None = Field(None, ge=0)
    excludedFeatures: list[str] | None = None
    starredFeatures: list[str] | None = None


class _AccuracyHealth(_Payload):
    batchCount: int | None = Field(None, ge=1, le=100)
    metric: AccuracyMetric | None = None
    measurement: Literal["percent", "value"] | None = None
    warningThreshold: float | None = None
    failingThreshold: float | None = None


class _FairnessHealth(_Payload):
    protectedClassWarningCount: int | None = Field(None, ge=0)
    protectedClassFailingCount: int | None = Field(None, ge=0)


class _Condition(_Payload):
    metricId: str = Field(min_length=1)
    compareOperator: Literal["lt", "gt"]
    threshold: float
    categoryName: str | None = None


class _CustomMetricsHealth(_Payload):
    warningConditions: list[_Condition] = Field(default_factory=list)
    failingConditions: list[_Condition] = Field(default_factory=list)


class _Timeliness(_Payload):
    enabled: bool
    expectedFrequency: str | None = None


class HealthSettingsUpdate(_Payload):
    """``PATCH /deployments/{id}/healthSettings/`` (client ``update_health_settings``): a block
    sent is merged into the current one, field by field."""

    service: _ServiceHealth | None = None
    dataDrift: _DataDriftHealth | None = None
    accuracy: _AccuracyHealth | None = None
    fairness: _FairnessHealth | None = None
    customMetrics: _CustomMetricsHealth | None = None
    predictionsTimeliness: _Timeliness | None = None
    actualsTimeliness: _Timeliness | None = None


class _ReplaySchedule(_Payload):
    minute: list[int | str]
    hour: list[int | str]
    dayOfMonth: list[int | str]
    month: list[int | str]
    dayOfWeek: list[int | str]


class ChallengerReplayUpdate(_Payload):
    """``PATCH /deployments/{id}/challengerReplaySettings/`` (the client sends ``schedule: null``)."""

    enabled: bool
    schedule: _ReplaySchedule | None = None


class AccuracyMetricsUpdate(_Payload):
    """``PUT /deployments/{id}/accuracyMetrics/``: ``{data: [metric, ...]}``."""

    data: list[AccuracyMetric] = Field(min_length=1, max_length=len(ACCURACY_METRICS))


class RetrainingUpdate(_Payload):
    """``PATCH /deployments/{id}/retrainingSettings/``: each id may be null (unset)."""

    retrainingUserId: str | None = None
    datasetId: str | None = None
    predictionEnvironmentId: str | None = None


# -- documents a new deployment starts with -----------------------------------------------------
HEALTH_DEFAULTS: Doc = {
    "service": {"batchCount": 5},
    "dataDrift": {"timeInterval": "P7D", "batchCount": 5, "driftThreshold": 0.15, "importanceThreshold": 0.5,
                  "lowImportanceWarningCount": 1, "lowImportanceFailingCount": 0,
                  "highImportanceWarningCount": 0, "highImportanceFailingCount": 1,
                  "excludedFeatures": [], "starredFeatures": []},
    "accuracy": {"batchCount": 5, "metric": None, "measurement": "percent", "warningThreshold": 0.05,
                 "failingThreshold": 0.1},
    "fairness": {"protectedClassWarningCount": 1, "protectedClassFailingCount": 2},
    "customMetrics": {"warningConditions": [], "failingConditions": []},
    "predictionsTimeliness": {"enabled": False, "expectedFrequency": None},
    "actualsTimeliness": {"enabled": False, "expectedFrequency": None},
}


def settings_document(serverless: bool) -> Doc:
    """``GET /deployments/{id}/settings/`` of a new deployment (``predictionsSettings`` only on a
    DataRobot Serverless environment)."""
    doc: Doc = {
        "associationId": {"columnNames": [], "requiredInPredictionRequests": False, "autoGenerateId": False},
        "targetDrift": {"enabled": True},
        "featureDrift": {"enabled": True},
        "predictionsDataCollection": {"enabled": False},
        "predictionWarning": {"enabled": False, "customBoundaries": None},
        "predictionIntervals": {"enabled": False, "percentiles": []},
        "segmentAnalysis": {"enabled": False, "attributes": []},
        "challengerModels": {"enabled": False},
        "biasAndFairness": None,
        "humility": {"enabled": False},
        "batchMonitoring": {"enabled": False},
        "predictionsByForecastDate": {"enabled": False, "columnName": None, "datetimeFormat": None},
    }
    if serverless:
        doc["predictionsSettings"] = {"resourceBundleId": None, "minComputes": 0, "maxComputes": 1}
    return doc


def new_settings(serverless: bool) -> Doc:
    """Every settings document of a new deployment, as the world keeps them."""
    return {"settings": settings_document(serverless), "health": copy.deepcopy(HEALTH_DEFAULTS),
            "replay": {"enabled": False, "schedule": None}, "accuracyMetrics": None,
            "retraining": {"retrainingUser": None, "dataset": None, "predictionEnvironment": None}}
