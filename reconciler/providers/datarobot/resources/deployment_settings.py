"""A deployment's monitoring and governance settings: the spec's nested blocks, their live view
and the calls that change them.

Each block is managed only when declared: a block left out of the spec is never read, compared
or written (the deployment's ``detail_fields``); a declared block holds every field of it, so an
empty block (``drift_tracking: {}``) sets the defaults below. The defaults are what a new
deployment has in the sandbox; DataRobot documents drift tracking as on by default and gives no
default for the health thresholds (see docs/providers/datarobot.md).

    block                          read                                 write
    association_id, drift_tracking, predictions_data_collection, prediction_warning,
    prediction_intervals, segment_analysis, challenger_models, bias_and_fairness, predictions
                                   GET  /deployments/{id}/settings/     PATCH (202 + Location, awaited),
                                                                        one request for every changed block
    health                         GET  .../healthSettings/             PATCH (answers the settings)
    challenger_replay              GET  .../challengerReplaySettings/   PATCH
    accuracy_metrics               GET  .../accuracyMetrics/            PUT {data: [...]}
    retraining                     GET  .../retrainingSettings/         PATCH (null unsets)

``predictions`` (serverless compute: resource bundle, min and max computes) exists only for a
deployment in a DataRobot Serverless environment, and DataRobot changes the resource bundle only
while the deployment is inactive: the deployment type deactivates it around that change and
the plan says so (``CHANGE_NOTES``). The wire side (live views, request bodies, reads) is
``deployment_settings_wire``.
"""

from __future__ import annotations

from typing import Any, Literal, Mapping

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from reconciler.providers.models import Model

ACCURACY_METRICS = (
    "Accuracy", "AUC", "Balanced Accuracy", "FVE Binomial", "Gini Norm", "Kolmogorov-Smirnov", "LogLoss",
    "Rate@Top5%", "Rate@Top10%", "TPR", "PPV", "F1", "MCC", "Gamma Deviance", "FVE Gamma", "FVE Poisson",
    "FVE Tweedie", "MAD", "MAE", "MAPE", "Poisson Deviance", "R Squared", "RMSE", "RMSLE", "Tweedie Deviance",
)
AccuracyMetric = Literal[ACCURACY_METRICS]  # type: ignore[valid-type]
FairnessMetricsSet = Literal["proportionalParity", "equalParity", "predictionBalance",
                             "trueFavorableAndUnfavorableRateParity", "favorableAndUnfavorablePredictiveValueParity"]
TimeInterval = Literal["T2H", "P1D", "P7D", "P30D", "P90D", "P180D", "P365D"]


class Block(Model):
    model_config = ConfigDict(extra="forbid")


# -- the settings document's blocks -------------------------------------------------------------
class AssociationId(Block):
    """The association id: the column joining predictions and actuals (accuracy monitoring)."""

    column_names: list[str] = Field([], max_length=1, description="the association id column (at most one)")
    required_in_prediction_requests: bool = Field(False, description="refuse prediction requests without it")
    auto_generate_id: bool = Field(False, description="generate an id when a request has none")


class DriftTracking(Block):
    """Target and feature drift tracking (DataRobot turns both on for a new deployment)."""

    target_drift: bool = Field(True, description="track target drift (needed for accuracy monitoring)")
    feature_drift: bool = Field(True, description="track feature drift (needs training data)")


class Enabled(Block):
    """A setting that is on or off."""

    enabled: bool = Field(False, description="turned on")


class Boundaries(Block):
    """Custom prediction-warning boundaries: predictions outside them are anomalous."""

    lower: float = Field(description="predictions below are anomalous")
    upper: float = Field(description="predictions above are anomalous")

    @model_validator(mode="after")
    def _ordered(self) -> "Boundaries":
        if self.lower >= self.upper:
            raise ValueError("lower must be less than upper")
        return self


class PredictionWarning(Block):
    """Prediction warnings (regression models)."""

    enabled: bool = Field(False, description="turned on")
    custom_boundaries: Boundaries | None = Field(None, description="null: the model's default boundaries")


class PredictionIntervals(Block):
    """Prediction intervals (time series deployments)."""

    enabled: bool = Field(False, description="turned on")
    percentiles: list[int] = Field([], max_length=1, description="the interval size, one percentile (1..99)")

    @model_validator(mode="after")
    def _range(self) -> "PredictionIntervals":
        if any(not 1 <= p <= 99 for p in self.percentiles):
            raise ValueError("percentiles must be between 1 and 99")
        return self


class SegmentAnalysis(Block):
    """Segmented analysis of service health, drift and accuracy."""

    enabled: bool = Field(False, description="turned on")
    attributes: list[str] = Field([], description="segment attributes to track (a set)")


_RANGES = {"minute": (0, 59), "hour": (0, 23), "day_of_month": (1, 31), "month": (1, 12), "day_of_week": (0, 6)}


class Schedule(Block):
    """A recurring schedule, cron-like: each field a list of numbers (or ``"*"``: every one)."""

    minute: list[int | str] = Field(min_length=1, description="minutes (0..59) or [\"*\"]")
    hour: list[int | str] = Field(min_length=1, description="hours (0..23) or [\"*\"]")
    day_of_month: list[int | str] = Field(["*"], min_length=1, description="days of the month (1..31) or [\"*\"]")
    month: list[int | str] = Field(["*"], min_length=1, description="months (1..12) or [\"*\"]")
    day_of_week: list[int | str] = Field(["*"], min_length=1, description="days of the week (0..6, Sunday 0) or "
                                                                          "[\"*\"]")

    @model_validator(mode="after")
    def _ranges(self) -> "Schedule":
        for name, (low, high) in _RANGES.items():
            for value in getattr(self, name):
                if isinstance(value, str) and value != "*":
                    raise ValueError(f"{name}: {value!r} is not allowed (numbers {low}..{high}, or \"*\")")
                if isinstance(value, int) and not low <= value <= high:
                    raise ValueError(f"{name}: {value} is out of range ({low}..{high})")
        return self


class ChallengerReplay(Block):
    """Challenger replay: challengers re-score the champion's recent predictions on a schedule."""

    enabled: bool = Field(False, description="turned on")
    schedule: Schedule | None = Field(None, description="when the replay runs (null: DataRobot's default)")


class BiasAndFairness(Block):
    """Bias and fairness monitoring: every field is required (DataRobot has no partial setting)."""

    protected_features: list[str] = Field(min_length=1, description="features to mark as protected (a set)")
    fairness_metrics_set: FairnessMetricsSet = Field(description="the fairness metric")
    fairness_threshold: float = Field(ge=0, le=1, description="threshold of the fairness metric (0..1)")
    preferable_target_value: bool | int | str = Field(description="the target value that is a favorable outcome")


class Predictions(Block):
    """Serverless prediction compute (DataRobot Serverless environments only)."""

    resource_bundle_id: str | None = Field(None, description="compute bundle (null: the platform's default); "
                                                             "changing it deactivates the deployment around it")
    min_computes: int = Field(0, ge=0, le=100, description="minimum compute instances (0: scale to zero)")
    max_computes: int = Field(1, ge=1, le=100, description="maximum compute instances")

    @model_validator(mode="after")
    def _bounds(self) -> "Predictions":
        if self.min_computes > self.max_computes:
            raise ValueError("min_computes must not exceed max_computes")
        return self


# -- health settings ----------------------------------------------------------------------------
class ServiceHealth(Block):
    batch_count: int = Field(5, ge=1, le=100, description="batches the service health status covers")


class DataDriftHealth(Block):
    time_interval: TimeInterval = Field("P7D", description="period compared (T2H, P1D, P7D, P30D, P90D, P180D, P365D)")
    batch_count: int = Field(5, ge=1, le=100, description="batches compared (batch deployments)")
    drift_threshold: float = Field(0.15, ge=0, le=1, description="drift above which a feature drifts (0..1)")
    importance_threshold: float = Field(0.5, ge=0, le=1, description="importance above which a feature is high "
                                                                      "importance (0..1)")
    low_importance_warning_count: int = Field(1, ge=0, description="drifting low-importance features for at risk")
    low_importance_failing_count: int = Field(0, ge=0, description="drifting low-importance features for failing")
    high_importance_warning_count: int = Field(0, ge=0, description="drifting high-importance features for at risk")
    high_importance_failing_count: int = Field(1, ge=0, description="drifting high-importance features for failing")
    excluded_features: list[str] = Field([], description="features left out of drift status (a set)")
    starred_features: list[str] = Field([], description="features treated as high importance (a set)")


class AccuracyHealth(Block):
    batch_count: int = Field(5, ge=1, le=100, description="batches compared (batch deployments)")
    metric: AccuracyMetric | None = Field(None, description="accuracy metric (null: the platform's choice)")
    measurement: Literal["percent", "value"] = Field("percent", description="thresholds as a percent change or "
                                                                            "a value")
    warning_threshold: float = Field(0.05, description="change for at risk")
    failing_threshold: float = Field(0.1, description="change for failing")


class FairnessHealth(Block):
    protected_class_warning_count: int = Field(1, ge=0, description="protected classes below threshold for at risk")
    protected_class_failing_count: int = Field(2, ge=0, description="protected classes below threshold for failing")


class Condition(Block):
    metric_id: str = Field(min_length=1, description="custom metric id")
    compare_operator: Literal["lt", "gt"] = Field(description="lt or gt")
    threshold: float = Field(description="value compared with")


class CustomMetricsHealth(Block):
    warning_conditions: list[Condition] = Field([], description="conditions for at risk")
    failing_conditions: list[Condition] = Field([], description="conditions for failing")


class Health(Block):
    """Health thresholds; a sub-block left out of a declared ``health`` block is at its defaults."""

    service: ServiceHealth = Field(default_factory=ServiceHealth, description="service health")
    data_drift: DataDriftHealth = Field(default_factory=DataDriftHealth, description="data drift health")
    accuracy: AccuracyHealth = Field(default_factory=AccuracyHealth, description="accuracy health")
    fairness: FairnessHealth = Field(default_factory=FairnessHealth, description="fairness health")
    custom_metrics: CustomMetricsHealth = Field(default_factory=CustomMetricsHealth,
                                                description="custom metrics health")


class Retraining(Block):
    """Retraining settings: who retrains, on which dataset, where the retrained model predicts."""

    retraining_user_id: str | None = Field(None, description="the user retraining runs as (null: none)")
    dataset_id: str | None = Field(None, description="AI Catalog dataset to retrain on (null: none)")
    prediction_environment_id: str | None = Field(None, description="prediction environment for retrained "
                                                                    "models (null: none)")


#: block name -> its model; every one is a ``detail_field`` of the deployment
BLOCKS: dict[str, type[BaseModel]] = {
    "association_id": AssociationId, "drift_tracking": DriftTracking, "predictions_data_collection": Enabled,
    "prediction_warning": PredictionWarning, "prediction_intervals": PredictionIntervals,
    "segment_analysis": SegmentAnalysis, "challenger_models": Enabled, "challenger_replay": ChallengerReplay,
    "bias_and_fairness": BiasAndFairness, "health": Health, "retraining": Retraining, "predictions": Predictions,
}
LISTS = ("accuracy_metrics",)
FIELDS = frozenset(BLOCKS) | frozenset(LISTS)
IN_SETTINGS = frozenset({"association_id", "drift_tracking", "predictions_data_collection", "prediction_warning",
                         "prediction_intervals", "segment_analysis", "challenger_models", "bias_and_fairness",
                         "predictions"})
#: set-like lists inside blocks, compared sorted
_SETS = {("association_id", "column_names"), ("segment_analysis", "attributes"),
         ("bias_and_fairness", "protected_features")}
_HEALTH_SETS = {("data_drift", "excluded_features"), ("data_drift", "starred_features")}

CHANGE_NOTES = {
    "predictions.resource_bundle_id": "the deployment is deactivated while DataRobot changes its resource bundle "
                                      "(it does so only on an inactive deployment), then activated again",
}


# -- normalize ------------------------------------------------------------------------------------
def canonical(name: str, value: Any) -> Any:
    """A block as compared: every field filled with its default, set-like lists sorted. A value
    that does not validate (it holds an unknown) is left as it is."""
    if name in LISTS:
        return sorted(set(value)) if isinstance(value, list) and all(isinstance(v, str) for v in value) else value
    if not isinstance(value, Mapping):
        return value
    try:
        out = BLOCKS[name].model_validate(dict(value)).model_dump()
    except (ValidationError, TypeError):
        return value
    for block, field in _SETS:
        if block == name:
            out[field] = sorted(set(out[field]))
    if name == "health":
        for sub, field in _HEALTH_SETS:
            out[sub][field] = sorted(set(out[sub][field]))
    return out


def exported(name: str, value: Any) -> bool:
    """Whether export writes the block: set and not at its defaults (``accuracy_metrics``, whose
    default depends on the model's target type, never)."""
    if value is None or name in LISTS:
        return False
    try:
        return canonical(name, value) != canonical(name, {})
    except ValidationError:  # a block with required fields has no defaults to be at
        return True
