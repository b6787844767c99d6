"""A deployment's settings blocks on the wire: the live view of each settings document DataRobot
answers (``GET /deployments/{id}/settings/``, ``…/healthSettings/``, ``…/challengerReplaySettings/``,
``…/accuracyMetrics/``, ``…/retrainingSettings/``), reading only the documents the declared
blocks live in (``read_blocks``), and the request bodies that write them (camelCase, as the
official client ``datarobot`` 3.20 and the DataRobot Terraform provider send them). The blocks
themselves (spec models, defaults, canonical form) are ``deployment_settings``.
"""

from __future__ import annotations

from typing import Any, Mapping

from reconciler.providers.datarobot.client import DataRobotClient, Doc
from reconciler.providers.datarobot.resources.deployment_settings import IN_SETTINGS


# -- live views -----------------------------------------------------------------------------------
def _enabled(doc: Any) -> dict[str, bool]:
    return {"enabled": bool((doc or {}).get("enabled"))}


def settings_view(doc: Doc) -> dict[str, Any]:
    """The blocks of ``GET /deployments/{id}/settings/``."""
    assoc = doc.get("associationId") or {}
    warning = doc.get("predictionWarning") or {}
    bounds = warning.get("customBoundaries")
    intervals = doc.get("predictionIntervals") or {}
    segments = doc.get("segmentAnalysis") or {}
    fairness = doc.get("biasAndFairness")
    compute = doc.get("predictionsSettings")
    return {
        "association_id": {"column_names": list(assoc.get("columnNames") or []),
                           "required_in_prediction_requests": bool(assoc.get("requiredInPredictionRequests")),
                           "auto_generate_id": bool(assoc.get("autoGenerateId"))},
        "drift_tracking": {"target_drift": _enabled(doc.get("targetDrift"))["enabled"],
                           "feature_drift": _enabled(doc.get("featureDrift"))["enabled"]},
        "predictions_data_collection": _enabled(doc.get("predictionsDataCollection")),
        "prediction_warning": {"enabled": bool(warning.get("enabled")),
                               "custom_boundaries": None if not bounds else
                               {"lower": bounds.get("lower"), "upper": bounds.get("upper")}},
        "prediction_intervals": {"enabled": bool(intervals.get("enabled")),
                                 "percentiles": list(intervals.get("percentiles") or [])},
        "segment_analysis": {"enabled": bool(segments.get("enabled")),
                             "attributes": list(segments.get("attributes") or [])},
        "challenger_models": _enabled(doc.get("challengerModels")),
        "bias_and_fairness": None if not fairness else {
            "protected_features": list(fairness.get("protectedFeatures") or []),
            "fairness_metrics_set": fairness.get("fairnessMetricsSet"),
            "fairness_threshold": fairness.get("fairnessThreshold"),
            "preferable_target_value": fairness.get("preferableTargetValue")},
        "predictions": None if compute is None else {
            "resource_bundle_id": compute.get("resourceBundleId"), "min_computes": compute.get("minComputes"),
            "max_computes": compute.get("maxComputes")},
    }


_HEALTH_KEYS = {
    "service": {"batch_count": "batchCount"},
    "data_drift": {"time_interval": "timeInterval", "batch_count": "batchCount", "drift_threshold": "driftThreshold",
                   "importance_threshold": "importanceThreshold",
                   "low_importance_warning_count": "lowImportanceWarningCount",
                   "low_importance_failing_count": "lowImportanceFailingCount",
                   "high_importance_warning_count": "highImportanceWarningCount",
                   "high_importance_failing_count": "highImportanceFailingCount",
                   "excluded_features": "excludedFeatures", "starred_features": "starredFeatures"},
    "accuracy": {"batch_count": "batchCount", "metric": "metric", "measurement": "measurement",
                 "warning_threshold": "warningThreshold", "failing_threshold": "failingThreshold"},
    "fairness": {"protected_class_warning_count": "protectedClassWarningCount",
                 "protected_class_failing_count": "protectedClassFailingCount"},
}
_HEALTH_WIRE = {"service": "service", "data_drift": "dataDrift", "accuracy": "accuracy", "fairness": "fairness",
                "custom_metrics": "customMetrics"}
_CONDITION = {"metric_id": "metricId", "compare_operator": "compareOperator", "threshold": "threshold"}


def health_view(doc: Doc) -> dict[str, Any]:
    """``GET .../healthSettings/`` in spec vocabulary (the five managed sub-blocks)."""
    out: dict[str, Any] = {}
    for sub, keys in _HEALTH_KEYS.items():
        wire = doc.get(_HEALTH_WIRE[sub]) or {}
        out[sub] = {name: wire.get(key) for name, key in keys.items()}
    metrics = doc.get("customMetrics") or {}
    out["custom_metrics"] = {kind: [{name: c.get(key) for name, key in _CONDITION.items()}
                                    for c in metrics.get(wire) or []]
                             for kind, wire in (("warning_conditions", "warningConditions"),
                                                ("failing_conditions", "failingConditions"))}
    return out


_SCHEDULE = {"minute": "minute", "hour": "hour", "day_of_month": "dayOfMonth", "month": "month",
             "day_of_week": "dayOfWeek"}


def replay_view(doc: Doc) -> dict[str, Any]:
    """``GET .../challengerReplaySettings/``: ``enabled`` and the schedule (null when none)."""
    schedule = doc.get("schedule")
    return {"enabled": bool(doc.get("enabled")),
            "schedule": None if not schedule else {k: list(schedule.get(w) or []) for k, w in _SCHEDULE.items()}}


def replay_body(b: Mapping[str, Any]) -> Doc:
    schedule = b.get("schedule")
    return {"enabled": b["enabled"],
            "schedule": None if schedule is None else {w: schedule[k] for k, w in _SCHEDULE.items()}}


def retraining_view(doc: Doc) -> dict[str, Any]:
    return {"retraining_user_id": (doc.get("retrainingUser") or {}).get("id"),
            "dataset_id": (doc.get("dataset") or {}).get("id"),
            "prediction_environment_id": (doc.get("predictionEnvironment") or {}).get("id")}


def read_blocks(client: DataRobotClient, deployment_id: str, fields: frozenset[str]) -> dict[str, Any] | None:
    """The blocks ``fields`` names, one request per settings document they live in; None when the
    deployment is gone."""
    out: dict[str, Any] = {}
    reads = [
        (IN_SETTINGS, client.get_deployment_settings, settings_view),
        ({"health"}, client.get_health_settings, lambda doc: {"health": health_view(doc)}),
        ({"challenger_replay"}, client.get_challenger_replay_settings,
         lambda doc: {"challenger_replay": replay_view(doc)}),
        ({"retraining"}, client.get_retraining_settings, lambda doc: {"retraining": retraining_view(doc)}),
    ]
    for names, get, view in reads:
        wanted = fields & frozenset(names)
        if not wanted:
            continue
        doc = get(deployment_id)
        if doc is None:
            return None
        seen = view(doc)
        out.update({k: seen[k] for k in wanted})
    if "accuracy_metrics" in fields:
        metrics = client.get_accuracy_metrics(deployment_id)
        if metrics is None:
            return None
        out["accuracy_metrics"] = metrics
    return out


# -- request bodies -------------------------------------------------------------------------------
def settings_body(blocks: Mapping[str, Any]) -> Doc:
    """The ``PATCH .../settings/`` body for the settings-document blocks in ``blocks`` (canonical)."""
    body: Doc = {}
    for name, b in blocks.items():
        if name == "association_id":
            body["associationId"] = {"columnNames": b["column_names"],
                                     "requiredInPredictionRequests": b["required_in_prediction_requests"],
                                     "autoGenerateId": b["auto_generate_id"]}
        elif name == "drift_tracking":
            body["targetDrift"] = {"enabled": b["target_drift"]}
            body["featureDrift"] = {"enabled": b["feature_drift"]}
        elif name == "predictions_data_collection":
            body["predictionsDataCollection"] = {"enabled": b["enabled"]}
        elif name == "challenger_models":
            body["challengerModels"] = {"enabled": b["enabled"]}
        elif name == "prediction_warning":
            bounds = b["custom_boundaries"]
            body["predictionWarning"] = {"enabled": b["enabled"], "customBoundaries": None if bounds is None else
                                         {"upper": bounds["upper"], "lower": bounds["lower"]}}
        elif name == "prediction_intervals":
            body["predictionIntervals"] = {"enabled": b["enabled"], "percentiles": b["percentiles"]}
        elif name == "segment_analysis":
            body["segmentAnalysis"] = {"enabled": b["enabled"], "attributes": b["attributes"]}
        elif name == "bias_and_fairness":
            body["biasAndFairness"] = {"protectedFeatures": b["protected_features"],
                                       "fairnessMetricsSet": b["fairness_metrics_set"],
                                       "fairnessThreshold": b["fairness_threshold"],
                                       "preferableTargetValue": b["preferable_target_value"]}
        elif name == "predictions":
            body["predictionsSettings"] = {"resourceBundleId": b["resource_bundle_id"],
                                           "minComputes": b["min_computes"], "maxComputes": b["max_computes"]}
    return body


def health_body(b: Mapping[str, Any]) -> Doc:
    body: Doc = {_HEALTH_WIRE[sub]: {key: b[sub][name] for name, key in keys.items()}
                 for sub, keys in _HEALTH_KEYS.items()}
    body["customMetrics"] = {wire: [{key: c[name] for name, key in _CONDITION.items()} for c in b["custom_metrics"][kind]]
                             for kind, wire in (("warning_conditions", "warningConditions"),
                                                ("failing_conditions", "failingConditions"))}
    return body


def retraining_body(b: Mapping[str, Any]) -> Doc:
    return {"retrainingUserId": b["retraining_user_id"], "datasetId": b["dataset_id"],
            "predictionEnvironmentId": b["prediction_environment_id"]}
