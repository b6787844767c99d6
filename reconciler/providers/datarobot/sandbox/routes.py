"""Every DataRobot operation the emulator serves: method + path pattern -> handler.

Patterns are relative to ``/api/v2`` (the sandbox mounts the emulator at ``/datarobot``, so the
base URL a client is given is ``http://HOST:PORT/datarobot/api/v2``). The router works on
segments, so the trailing slash every DataRobot path has is optional here.
"""

from __future__ import annotations

from reconciler.providers.datarobot.sandbox import handlers as h
from reconciler.sandbox.routing import Route

PREFIXES = ("api/v2",)

_D = "/deployments/{deploymentId}"
_E = "/predictionEnvironments/{environmentId}"
_R = "/registeredModels/{registeredModelId}"

ROUTES: tuple[Route, ...] = (
    Route("GET", "/version", h.get_version),
    Route("GET", "/status/{statusId}", h.get_status),
    # deployments
    Route("GET", "/deployments", h.list_deployments),
    Route("POST", "/deployments/fromLearningModel", h.create_from_learning_model),
    Route("POST", "/deployments/fromModelPackage", h.create_from_model_package),
    Route("GET", _D, h.get_deployment),
    Route("PATCH", _D, h.update_deployment),
    Route("DELETE", _D, h.delete_deployment),
    Route("PATCH", _D + "/status", h.change_status),
    Route("PATCH", _D + "/model", h.replace_model),
    Route("POST", _D + "/model/validation", h.validate_replacement),
    Route("GET", _D + "/capabilities", h.get_capabilities),
    Route("GET", _D + "/features", h.list_features),
    Route("GET", _D + "/modelHistory", h.list_model_history),
    # deployment settings
    Route("GET", _D + "/settings", h.get_settings),
    Route("PATCH", _D + "/settings", h.update_settings),
    Route("GET", _D + "/healthSettings", h.get_health_settings),
    Route("PATCH", _D + "/healthSettings", h.update_health_settings),
    Route("GET", _D + "/healthSettings/defaults", h.get_default_health_settings),
    Route("GET", _D + "/challengerReplaySettings", h.get_challenger_replay),
    Route("PATCH", _D + "/challengerReplaySettings", h.update_challenger_replay),
    Route("GET", _D + "/accuracyMetrics", h.get_accuracy_metrics),
    Route("PUT", _D + "/accuracyMetrics", h.update_accuracy_metrics),
    Route("GET", _D + "/retrainingSettings", h.get_retraining),
    Route("PATCH", _D + "/retrainingSettings", h.update_retraining),
    Route("GET", "/deletedDeployments", h.list_deleted),
    Route("PATCH", "/deletedDeployments", h.erase_deleted),
    # use cases, registered models and their versions
    Route("GET", "/useCases", h.list_use_cases),
    Route("POST", "/useCases", h.create_use_case),
    Route("GET", "/useCases/{useCaseId}", h.get_use_case),
    Route("PATCH", "/useCases/{useCaseId}", h.update_use_case),
    Route("DELETE", "/useCases/{useCaseId}", h.delete_use_case),
    Route("POST", "/modelPackages/fromLeaderboard", h.create_from_leaderboard),
    Route("GET", "/registeredModels", h.list_registered_models),
    Route("GET", _R, h.get_registered_model),
    Route("PATCH", _R, h.update_registered_model),
    Route("DELETE", _R, h.archive_registered_model),
    Route("GET", _R + "/versions", h.list_registered_versions),
    Route("GET", _R + "/versions/{versionId}", h.get_registered_version),
    Route("PATCH", _R + "/versions/{versionId}", h.update_registered_version),
    # prediction environments
    Route("GET", "/predictionEnvironments", h.list_environments),
    Route("POST", "/predictionEnvironments", h.create_environment),
    Route("GET", _E, h.get_environment),
    Route("PATCH", _E, h.update_environment),
    Route("DELETE", _E, h.delete_environment),
    # catalog (read-only)
    Route("GET", "/projects", h.list_projects),
    Route("GET", "/projects/{projectId}", h.get_project),
    Route("GET", "/projects/{projectId}/models", h.list_models),
    Route("GET", "/projects/{projectId}/models/{modelId}", h.get_model),
    Route("GET", "/modelPackages", h.list_model_packages),
    Route("GET", "/modelPackages/{modelPackageId}", h.get_model_package),
    Route("GET", "/predictionServers", h.list_prediction_servers),
    Route("GET", "/mlops/compute/bundles", h.list_compute_bundles),
    Route("GET", "/mlops/compute/bundles/{bundleId}", h.get_compute_bundle),
    Route("GET", "/mlops/portablePredictionServerImage/metadata", h.get_pps_metadata),
)
