"""Every answer of the DataRobot emulator, on a realistic world, checked against what is published
about it: the seed's response schemas (strictly: types, required fields, enums, no undocumented
field; ``seed_schemas``) and the official client's converters (``datarobot`` 3.20: the trafaret
``_converter`` of the object it builds, run by ``from_server_data``). A route neither documents
is checked against the keys the official client and the DataRobot Terraform provider read, and
says so. ``CHECKS`` must name every served route: a new route without a check fails here.

The world: two projects' models deployed from a learning model and from a model package into a
serverless environment, settings of every kind changed, a model replaced, a deployment
deactivated, one deleted and erased, a Use Case, a registered model with two versions (one
deployed), a renamed version, an archived registered model.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import pytest

dr = pytest.importorskip("datarobot")
from datarobot.models import PredictionServer  # noqa: E402
from datarobot.models.deployment import Deployment  # noqa: E402
from datarobot.models.model import Model  # noqa: E402
from datarobot.models.model_registry import RegisteredModel, RegisteredModelVersion  # noqa: E402
from datarobot.models.prediction_environment import PredictionEnvironment  # noqa: E402
from datarobot.models.project import Project  # noqa: E402
from datarobot.models.resource_bundle import ResourceBundle  # noqa: E402
from datarobot.models.use_cases.use_case import UseCase  # noqa: E402

from reconciler.providers.datarobot.sandbox.routes import ROUTES  # noqa: E402
from tests.providers.datarobot import seed_schemas  # noqa: E402
from tests.providers.datarobot.conftest import (  # noqa: E402
    CHURN_GLM,
    CHURN_PROJECT,
    CHURN_XGB,
    HOUSE_XGB,
    HOUSE_XGB_PACKAGE,
    SERVER_US,
)

SEED = seed_schemas.seed_file()
pytestmark = pytest.mark.skipif(SEED is None, reason="the seed documents are not on this machine")


@dataclass(frozen=True)
class Seed:
    """The seed's response schema ``name``."""

    name: str


@dataclass(frozen=True)
class Converter:
    """The official client builds ``cls`` from the answer (``page``: from each item of ``data``;
    ``array``: from each item of a plain JSON array)."""

    cls: type
    page: bool = False
    array: bool = False


@dataclass(frozen=True)
class Keys:
    """No published schema: the keys the official client and the TF provider read (``why``)."""

    required: frozenset[str]
    why: str
    optional: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Empty:
    """A bodyless answer with this status."""

    status: int


def _keys(required: str, why: str, optional: str = "") -> Keys:
    return Keys(frozenset(required.split()), why, frozenset(optional.split()))


_CLIENT_SETTINGS = "client Deployment.get_*_settings, TF DeploymentSettings"
_D = "/deployments/{deploymentId}"
_R = "/registeredModels/{registeredModelId}"
CHECKS: dict[tuple[str, str], tuple[Any, ...]] = {
    ("GET", "/version"): (_keys("major minor versionString", "client version probe", "releasedVersion"),),
    ("GET", "/status/{statusId}"): (_keys("statusId status message code description created",
                                          "client wait_for_async_resolution, TF TaskStatusResponse"),),
    ("GET", "/deployments"): (Seed("DeploymentListResponse"), Converter(Deployment, page=True)),
    ("POST", "/deployments/fromLearningModel"): (Seed("DeploymentCreateResponse"),),
    ("POST", "/deployments/fromModelPackage"): (Seed("DeploymentCreateResponse"),),
    ("GET", _D): (Seed("DeploymentRetrieveResponse"), Converter(Deployment)),
    ("PATCH", _D): (Empty(204),),
    ("DELETE", _D): (Empty(204),),
    ("PATCH", _D + "/status"): (Empty(202),),
    ("PATCH", _D + "/model"): (Empty(202),),
    ("POST", _D + "/model/validation"): (_keys("status message checks", "client validate_replacement_model"),),
    ("GET", _D + "/capabilities"): (Seed("DeploymentCapabilitiesRetrieveResponse"),),
    ("GET", _D + "/features"): (Seed("FeatureListResponse"),),
    ("GET", _D + "/modelHistory"): (Seed("ModelHistoryListResponse"),),
    ("GET", _D + "/settings"): (_keys(
        "associationId targetDrift featureDrift predictionsDataCollection predictionWarning predictionIntervals "
        "segmentAnalysis challengerModels biasAndFairness humility batchMonitoring predictionsByForecastDate",
        _CLIENT_SETTINGS, "predictionsSettings"),),
    ("PATCH", _D + "/settings"): (Empty(202),),
    ("GET", _D + "/healthSettings"): (_keys(
        "service dataDrift accuracy fairness customMetrics predictionsTimeliness actualsTimeliness",
        "client get_health_settings, TF DeploymentHealthSettings, API reference example"),),
    ("PATCH", _D + "/healthSettings"): (_keys(
        "service dataDrift accuracy fairness customMetrics predictionsTimeliness actualsTimeliness",
        "client update_health_settings returns it"),),
    ("GET", _D + "/healthSettings/defaults"): (_keys(
        "service dataDrift accuracy fairness customMetrics predictionsTimeliness actualsTimeliness",
        "client get_default_health_settings"),),
    ("GET", _D + "/challengerReplaySettings"): (_keys("enabled", "client ChallengerReplaySettings", "schedule"),),
    ("PATCH", _D + "/challengerReplaySettings"): (_keys("enabled", "TF DeploymentChallengerReplaySettings",
                                                        "schedule"),),
    ("GET", _D + "/accuracyMetrics"): (_keys("data", "client get_accuracy_metrics_settings"),),
    ("PUT", _D + "/accuracyMetrics"): (_keys("data", "client update_accuracy_metrics_settings"),),
    ("GET", _D + "/retrainingSettings"): (_keys("", "client RetrainingSettings (total=False)",
                                                "retrainingUser dataset predictionEnvironment"),),
    ("PATCH", _D + "/retrainingSettings"): (_keys("", "TF RetrainingSettings",
                                                  "retrainingUser dataset predictionEnvironment"),),
    ("GET", "/deletedDeployments"): (Seed("DeletedDeploymentListResponse"),),
    ("PATCH", "/deletedDeployments"): (Empty(202),),
    ("GET", "/useCases"): (Converter(UseCase, page=True),),
    ("POST", "/useCases"): (Converter(UseCase),),
    ("GET", "/useCases/{useCaseId}"): (Converter(UseCase),),
    ("PATCH", "/useCases/{useCaseId}"): (Converter(UseCase),),
    ("DELETE", "/useCases/{useCaseId}"): (Empty(204),),
    ("POST", "/modelPackages/fromLeaderboard"): (Converter(RegisteredModelVersion),),
    ("GET", "/registeredModels"): (Converter(RegisteredModel, page=True),),
    ("GET", _R): (Converter(RegisteredModel),),
    ("PATCH", _R): (Converter(RegisteredModel),),
    ("DELETE", _R): (Empty(204),),
    ("GET", _R + "/versions"): (Converter(RegisteredModelVersion, page=True),),
    ("GET", _R + "/versions/{versionId}"): (Converter(RegisteredModelVersion),),
    ("PATCH", _R + "/versions/{versionId}"): (Converter(RegisteredModelVersion),),
    ("GET", "/predictionEnvironments"): (Converter(PredictionEnvironment, page=True),),
    ("POST", "/predictionEnvironments"): (Converter(PredictionEnvironment),),
    ("GET", "/predictionEnvironments/{environmentId}"): (Converter(PredictionEnvironment),),
    ("PATCH", "/predictionEnvironments/{environmentId}"): (Converter(PredictionEnvironment),),
    ("DELETE", "/predictionEnvironments/{environmentId}"): (Empty(204),),
    ("GET", "/projects"): (Converter(Project, array=True),),
    ("GET", "/projects/{projectId}"): (Converter(Project),),
    ("GET", "/projects/{projectId}/models"): (Converter(Model, array=True),),
    ("GET", "/projects/{projectId}/models/{modelId}"): (Converter(Model),),
    ("GET", "/modelPackages"): (Converter(RegisteredModelVersion, page=True),),
    ("GET", "/modelPackages/{modelPackageId}"): (Converter(RegisteredModelVersion),),
    ("GET", "/predictionServers"): (Converter(PredictionServer, page=True),),
    ("GET", "/mlops/compute/bundles"): (Seed("ResourceRequestBundleListResponse"), Converter(ResourceBundle, page=True)),
    ("GET", "/mlops/compute/bundles/{bundleId}"): (Seed("ResourceRequestBundleResponse"), Converter(ResourceBundle)),
    ("GET", "/mlops/portablePredictionServerImage/metadata"): (Seed("PPSImageMetadataResponse"),),
}


@dataclass
class Answer:
    method: str
    pattern: str
    path: str
    status: int
    body: Any


class Recorder:
    """Calls the emulator and keeps every answer with the route it came from."""

    def __init__(self, api) -> None:
        self.api = api
        self.answers: list[Answer] = []

    def __call__(self, method: str, pattern: str, json: Any = None, **params: str) -> Any:
        path = pattern.format(**params).lstrip("/") + "/"
        response = self.api.request(method, path, json=json)
        assert response.status_code < 300, (method, path, response.status_code, response.text)
        body = response.json() if response.content else None
        self.answers.append(Answer(method, pattern, path, response.status_code, body))
        return body


def _realistic_world(call: Callable[..., Any]) -> None:
    call("GET", "/version")
    env = call("POST", "/predictionEnvironments", {"name": "serverless", "platform": "datarobotServerless",
                                                    "managedBy": "datarobot", "priority": 2,
                                                    "maxConcurrentBatchPredictionsJob": 4})
    call("POST", "/predictionEnvironments", {"name": "edge", "platform": "aws", "description": "edge"})
    call("PATCH", "/predictionEnvironments/{environmentId}", {"description": "serverless, prod"},
         environmentId=env["id"])
    churn = call("POST", "/deployments/fromLearningModel", {"modelId": CHURN_XGB, "label": "churn", "importance": "HIGH",
                                                            "defaultPredictionServerId": SERVER_US})
    house = call("POST", "/deployments/fromModelPackage", {"modelPackageId": HOUSE_XGB_PACKAGE, "label": "house",
                                                           "predictionEnvironmentId": env["id"]})
    shadow = call("POST", "/deployments/fromLearningModel", {"modelId": HOUSE_XGB, "label": "shadow"})
    jobs = [call("GET", "/deployments/{deploymentId}", deploymentId=d["id"]) for d in (churn, house, shadow)]
    assert all(j["status"] == "active" for j in jobs)
    ids = {"deploymentId": churn["id"]}
    call("PATCH", "/deployments/{deploymentId}", {"description": "nightly"}, **ids)
    call("POST", "/deployments/{deploymentId}/model/validation", {"modelId": CHURN_GLM}, **ids)
    call("PATCH", "/deployments/{deploymentId}/model", {"modelId": CHURN_GLM, "reason": "ACCURACY"}, **ids)
    call("PATCH", "/deployments/{deploymentId}/settings",
         {"targetDrift": {"enabled": False}, "associationId": {"columnNames": ["id"]},
          "biasAndFairness": {"protectedFeatures": ["region"], "fairnessMetricsSet": "equalParity",
                              "fairnessThreshold": 0.8, "preferableTargetValue": True},
          "predictionWarning": {"enabled": True, "customBoundaries": {"upper": 1.0, "lower": 0.0}}}, **ids)
    call("PATCH", "/deployments/{deploymentId}/healthSettings",
         {"dataDrift": {"driftThreshold": 0.3}, "customMetrics": {"warningConditions": [
             {"metricId": "m", "compareOperator": "gt", "threshold": 2}]}}, **ids)
    call("PATCH", "/deployments/{deploymentId}/challengerReplaySettings", {"enabled": True}, **ids)
    call("PUT", "/deployments/{deploymentId}/accuracyMetrics", {"data": ["AUC", "LogLoss"]}, **ids)
    call("PATCH", "/deployments/{deploymentId}/retrainingSettings",
         {"retrainingUserId": "650000000000000000000f01", "predictionEnvironmentId": env["id"]}, **ids)
    for pattern in ("/settings", "/healthSettings", "/healthSettings/defaults", "/challengerReplaySettings",
                    "/accuracyMetrics", "/retrainingSettings", "/capabilities", "/features", "/modelHistory"):
        call("GET", "/deployments/{deploymentId}" + pattern, **ids)
    call("GET", "/deployments/{deploymentId}/settings", deploymentId=house["id"])
    call("PATCH", "/deployments/{deploymentId}/status", {"status": "inactive"}, deploymentId=house["id"])
    call("PATCH", "/deployments/{deploymentId}/settings",
         {"predictionsSettings": {"resourceBundleId": "cpu.small", "maxComputes": 2}}, deploymentId=house["id"])
    call("DELETE", "/deployments/{deploymentId}", deploymentId=shadow["id"])
    call("GET", "/deletedDeployments")
    status = call("PATCH", "/deletedDeployments", {"action": "PermanentlyErase", "deploymentIds": [shadow["id"]]})
    assert status is None
    call("GET", "/deployments")

    use_case = call("POST", "/useCases", {"name": "churn", "description": "d"})
    call("PATCH", "/useCases/{useCaseId}", {"description": None}, useCaseId=use_case["id"])
    call("GET", "/useCases/{useCaseId}", useCaseId=use_case["id"])
    call("GET", "/useCases")
    other = call("POST", "/useCases", {"name": "temp"})
    call("DELETE", "/useCases/{useCaseId}", useCaseId=other["id"])

    first = call("POST", "/modelPackages/fromLeaderboard", {"modelId": CHURN_XGB, "registeredModelName": "Churn"})
    registered = {"registeredModelId": first["registeredModelId"]}
    second = call("POST", "/modelPackages/fromLeaderboard", {"modelId": CHURN_GLM, "name": "glm", **registered})
    call("PATCH", "/registeredModels/{registeredModelId}/versions/{versionId}", {"name": "glm v2"},
         versionId=second["id"], **registered)
    call("POST", "/deployments/fromModelPackage", {"modelPackageId": second["id"], "label": "registered",
                                                   "defaultPredictionServerId": SERVER_US})
    call("PATCH", "/registeredModels/{registeredModelId}", {"description": "churn models"}, **registered)
    call("GET", "/registeredModels/{registeredModelId}/versions", **registered)
    call("GET", "/registeredModels/{registeredModelId}/versions/{versionId}", versionId=first["id"], **registered)
    archived = call("POST", "/modelPackages/fromLeaderboard", {"modelId": HOUSE_XGB, "registeredModelName": "Old"})
    call("DELETE", "/registeredModels/{registeredModelId}", registeredModelId=archived["registeredModelId"])
    call("GET", "/registeredModels/{registeredModelId}", registeredModelId=archived["registeredModelId"])
    call("GET", "/registeredModels")

    for pattern in ("/predictionEnvironments", "/projects", "/predictionServers", "/mlops/compute/bundles",
                    "/mlops/portablePredictionServerImage/metadata", "/modelPackages"):
        call("GET", pattern)
    call("GET", "/predictionEnvironments/{environmentId}", environmentId=env["id"])
    call("GET", "/projects/{projectId}", projectId=CHURN_PROJECT)
    call("GET", "/projects/{projectId}/models", projectId=CHURN_PROJECT)
    call("GET", "/projects/{projectId}/models/{modelId}", projectId=CHURN_PROJECT, modelId=CHURN_XGB)
    call("GET", "/modelPackages/{modelPackageId}", modelPackageId=second["id"])
    for bundle in ("cpu.nano", "cpu.small", "gpu.small", "cpu.legacy"):
        call("GET", "/mlops/compute/bundles/{bundleId}", bundleId=bundle)
    edge = [e for e in call("GET", "/predictionEnvironments")["data"] if e["name"] == "edge"][0]
    call("DELETE", "/predictionEnvironments/{environmentId}", environmentId=edge["id"])


def _status_answer(api) -> Answer:
    """A job's status while it runs (the world's jobs resolve at once by default)."""
    made = api.post("deployments/fromLearningModel/", json={"modelId": CHURN_XGB, "label": "polled"})
    path = made.headers["Location"].split("/api/v2/", 1)[1]
    response = api.get(path)
    return Answer("GET", "/status/{statusId}", path, response.status_code, response.json())


def _problems(schemas, answer: Answer, check: Any) -> list[str]:
    where = f"{answer.method} {answer.path}"
    body = answer.body
    if isinstance(check, Empty):
        return [] if (answer.status, body) == (check.status, None) else [f"{where}: {answer.status} {body!r}"]
    if isinstance(check, Seed):
        return [f"{where}: {p}" for p in seed_schemas.check(schemas, check.name, body)]
    if isinstance(check, Keys):
        if not isinstance(body, dict):
            return [f"{where}: expected an object ({check.why})"]
        missing, extra = check.required - body.keys(), body.keys() - check.required - check.optional
        return [f"{where}: {what} {sorted(keys)} ({check.why})"
                for what, keys in (("missing", missing), ("undocumented", extra)) if keys]
    items = body["data"] if check.page else body if check.array else [body]
    out = []
    for item in items:
        try:
            check.cls.from_server_data(item)
        except Exception as exc:  # a converter failure, whatever its type, is the finding
            out.append(f"{where}: {check.cls.__name__} cannot be built: {type(exc).__name__}: {exc}")
    return out


def test_checks_name_every_served_route():
    assert set(CHECKS) == {(r.method, r.pattern) for r in ROUTES}


def test_every_answer_matches_the_published_schemas(api, emulator):
    schemas = seed_schemas.load(SEED)
    call = Recorder(api)
    _realistic_world(call)
    emulator.job_outcome = "pending"
    answers = call.answers + [_status_answer(api)]
    seen = {(a.method, a.pattern) for a in answers}
    assert seen == set(CHECKS), f"routes the world does not exercise: {sorted(set(CHECKS) - seen)}"
    problems = [p for a in answers for check in CHECKS[(a.method, a.pattern)] for p in _problems(schemas, a, check)]
    assert problems == [], "\n".join(problems)


_BUNDLE = {"id": "b", "name": "S", "description": "1 CPU", "cpuCount": 1, "memoryBytes": 1, "gpuMemoryBytes": 0,
           "hasGpu": False, "useCases": ["customModel"]}


@pytest.mark.parametrize("change, found", [
    pytest.param({"cpuCount": 0.5}, "expected integer, got float 0.5", id="fractional-cpu"),
    pytest.param({"extra": 1}, "not in ResourceRequestBundleResponse", id="undocumented-field"),
    pytest.param({"gpuMaker": "acme"}, "is not one of nvidia, amd, intel", id="enum"),
    pytest.param({"name": None}, "null where string is documented", id="null"),
    pytest.param({"useCases": "customModel"}, "expected an array", id="array"),
])
def test_the_seed_check_is_strict(change, found):
    problems = seed_schemas.check(seed_schemas.load(SEED), "ResourceRequestBundleResponse", {**_BUNDLE, **change})
    assert any(found in p for p in problems), problems
    assert seed_schemas.check(seed_schemas.load(SEED), "ResourceRequestBundleResponse", _BUNDLE) == []
    missing = {k: v for k, v in _BUNDLE.items() if k != "memoryBytes"}
    assert seed_schemas.check(seed_schemas.load(SEED), "ResourceRequestBundleResponse", missing) == [
        "$.memoryBytes: required by ResourceRequestBundleResponse, missing"]
