"""The seeded DataRobot world: what an organization already has before the reconciler runs.

Static catalog (identical after every ``reset``; ids are stable and documented in COVERAGE.md):
projects with their learning models, one model package (registered model version) per model,
prediction servers, compute bundles and the portable prediction server image metadata. Shapes
follow the seed's response schemas and the official client's converters (``datarobot`` 3.20);
``tests/providers/datarobot/test_datarobot_emulator_fidelity.py`` checks every answer against both.
Compute bundles count whole CPUs: the seed's ``ResourceRequestBundleResponse`` types ``cpuCount``
as an integer (the client's converter takes any number, so both read it).
"""

from __future__ import annotations

import copy
from typing import Any

Doc = dict[str, Any]

API_VERSION = {"major": 2, "minor": 49, "versionString": "2.49.0", "releasedVersion": "11.1.0"}
SEEDED_AT = "2026-01-01T00:00:00.000000Z"
OWNER = {"id": "650000000000000000000f01", "email": "mlops@example.com", "firstName": "Ml", "lastName": "Ops"}

PROJECTS: tuple[Doc, ...] = (
    {"id": "650000000000000000000001", "projectName": "Customer churn", "target": "churned",
     "targetType": "Binary", "metric": "LogLoss", "stage": "modeling", "created": SEEDED_AT},
    {"id": "650000000000000000000002", "projectName": "House prices", "target": "price",
     "targetType": "Regression", "metric": "RMSE", "stage": "modeling", "created": SEEDED_AT},
)

#: (model id, model package id, registered model id, project id, model type, model number, family)
_MODELS = (
    ("650000000000000000000101", "650000000000000000000501", "650000000000000000000901",
     "650000000000000000000001", "eXtreme Gradient Boosted Trees Classifier", 12, "XGB"),
    ("650000000000000000000102", "650000000000000000000502", "650000000000000000000902",
     "650000000000000000000001", "Elastic-Net Classifier (L2 / Binomial Deviance)", 7, "GLM"),
    ("650000000000000000000103", "650000000000000000000503", "650000000000000000000903",
     "650000000000000000000001", "Random Forest Classifier (Gini)", 9, "RF"),
    ("650000000000000000000201", "650000000000000000000601", "650000000000000000000911",
     "650000000000000000000002", "eXtreme Gradient Boosted Trees Regressor", 5, "XGB"),
    ("650000000000000000000202", "650000000000000000000602", "650000000000000000000912",
     "650000000000000000000002", "Ridge Regressor", 3, "GLM"),
    ("650000000000000000000203", "650000000000000000000603", "650000000000000000000913",
     "650000000000000000000002", "Ridge Regressor", 8, "GLM"),  # the same type, retrained: needs model_number
)

PREDICTION_SERVERS: tuple[Doc, ...] = (
    {"id": "650000000000000000000a01", "url": "https://prediction-us.sandbox.datarobot.example",
     "datarobot-key": "dr-key-us-0001"},
    {"id": "650000000000000000000a02", "url": "https://prediction-eu.sandbox.datarobot.example",
     "datarobot-key": "dr-key-eu-0002"},
)

COMPUTE_BUNDLES: tuple[Doc, ...] = (
    {"id": "cpu.nano", "name": "XXS", "description": "1 CPU, 256 MiB", "cpuCount": 1, "memoryBytes": 268435456,
     "gpuCount": 0, "gpuMaker": None, "gpuMemoryBytes": 0, "hasGpu": False, "isDefault": False,
     "isDeleted": False, "useCases": ["customModel", "customJob"]},
    {"id": "cpu.small", "name": "S", "description": "1 CPU, 1 GiB", "cpuCount": 1, "memoryBytes": 1073741824,
     "gpuCount": 0, "gpuMaker": None, "gpuMemoryBytes": 0, "hasGpu": False, "isDefault": True,
     "isDeleted": False, "useCases": ["customModel", "customJob", "customApplication"]},
    {"id": "cpu.medium", "name": "M", "description": "2 CPU, 4 GiB", "cpuCount": 2, "memoryBytes": 4294967296,
     "gpuCount": 0, "gpuMaker": None, "gpuMemoryBytes": 0, "hasGpu": False, "isDefault": False,
     "isDeleted": False, "useCases": ["customModel", "customApplication"]},
    {"id": "gpu.small", "name": "GPU S", "description": "4 CPU, 16 GiB, 1 GPU (16 GiB)", "cpuCount": 4,
     "memoryBytes": 17179869184, "gpuCount": 1, "gpuMaker": "nvidia", "gpuMemoryBytes": 17179869184,
     "hasGpu": True, "isDefault": False, "isDeleted": False, "useCases": ["customModel"]},
    {"id": "cpu.legacy", "name": "Legacy", "description": "retired", "cpuCount": 1, "memoryBytes": 536870912,
     "gpuCount": 0, "gpuMaker": None, "gpuMemoryBytes": 0, "hasGpu": False, "isDefault": False,
     "isDeleted": True, "useCases": ["customModel"]},
)

#: AI Catalog datasets a retraining setting may name (``{id, name}``)
DATASETS: tuple[Doc, ...] = (
    {"id": "650000000000000000000d01", "name": "churn_training_2026q1.csv"},
    {"id": "650000000000000000000d02", "name": "house_prices_2026q1.csv"},
)

PPS_IMAGE: Doc = {
    "baseImageId": "650000000000000000000c01",
    "created": "2026-01-01T00:00:00Z",
    "datarobotRuntimeImageTag": None,
    "dockerImageId": "sha256:5d41402abc4b2a76b9719d911017c592ae1f7e6e4c1c2a3b8d0e9f8a7b6c5d4e",
    "filename": "datarobot-portable-prediction-api-11.1.0.tar.gz",
    "hash": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    "hashAlgorithm": "SHA256",
    "imageSize": 15032385536,
    "shortDockerImageId": "5d41402abc4b",
}

#: the capabilities every sandbox deployment reports (GET /deployments/{id}/capabilities/)
CAPABILITIES: tuple[tuple[str, bool, str], ...] = (
    ("supportsDataDrift", True, "Training data is available."),
    ("supportsTargetDrift", True, "The model has a target."),
    ("supportsAccuracy", True, "The model has a target."),
    ("supportsSegmentedAnalysis", True, "Supported for DataRobot models."),
    ("supportsChallengerModels", True, "Supported for DataRobot models."),
    ("supportsFeatureDrift", True, "Training data is available."),
    ("supportsPredictionWarning", False, "Only regression models support prediction warnings."),
    ("supportsRetraining", True, "Supported for models built in DataRobot."),
)

#: raw features per project (GET /deployments/{id}/features/)
FEATURES: dict[str, tuple[tuple[str, str, float], ...]] = {
    "650000000000000000000001": (("tenure_months", "Numeric", 0.41), ("plan", "Categorical", 0.27),
                                 ("monthly_charges", "Numeric", 0.22), ("support_calls", "Numeric", 0.18),
                                 ("region", "Categorical", 0.05)),
    "650000000000000000000002": (("square_feet", "Numeric", 0.63), ("bedrooms", "Numeric", 0.21),
                                 ("zip_code", "Categorical", 0.19), ("year_built", "Numeric", 0.12)),
}


def _project(project_id: str) -> Doc:
    return next(p for p in PROJECTS if p["id"] == project_id)


def _model(model_id: str, project_id: str, model_type: str, number: int, family: str) -> Doc:
    return {
        "id": model_id, "projectId": project_id, "modelType": model_type, "modelNumber": number,
        "modelCategory": "model", "modelFamily": family, "blueprintId": f"bp{model_id[-6:]}",
        "featurelistName": "Informative Features", "featurelistId": f"fl{model_id[-6:]}",
        "samplePct": 64.0, "trainingRowCount": 8000, "processes": ["Missing Values Imputed"],
        "metrics": {}, "isFrozen": False, "isStarred": False, "isTrainedIntoValidation": False,
        "isTrainedIntoHoldout": False, "predictionThreshold": 0.5,
    }


def package_document(model: Doc, package_id: str, registered_id: str, version: int, name: str,
                     created_at: str) -> Doc:
    """A model package (registered model version) of the learning model ``model``."""
    project = _project(model["projectId"])
    return {
        "id": package_id, "name": name,
        "registeredModelId": registered_id, "registeredModelVersion": version,
        "modelId": model["id"], "modelExecutionType": "dedicated", "isArchived": False, "isDeprecated": False,
        "importMeta": {"creatorId": OWNER["id"], "dateCreated": created_at, "containsFearPipeline": False},
        "sourceMeta": {"projectId": project["id"], "projectName": project["projectName"]},
        "modelKind": {"isTimeSeries": False, "isMultiseries": False, "isUnsupervisedLearning": False},
        "target": {"name": project["target"], "type": project["targetType"],
                   "predictionThreshold": 0.5 if project["targetType"] == "Binary" else None},
        "modelDescription": {"modelName": model["modelType"], "description": None, "location": None},
        "datasets": {}, "timeseries": {}, "permissions": ["CAN_VIEW", "CAN_EDIT"],
    }


def _package(model: Doc, package_id: str, registered_id: str) -> Doc:
    return package_document(model, package_id, registered_id, 1, f"{model['modelType']} (v1)", SEEDED_AT)


def _registered(package: Doc) -> Doc:
    """The registered model a seeded package is version 1 of."""
    user = {"id": OWNER["id"], "email": OWNER["email"], "username": OWNER["email"]}
    return {"id": package["registeredModelId"], "name": package["modelDescription"]["modelName"] + " #"
            + package["registeredModelId"][-3:], "description": "", "createdAt": SEEDED_AT,
            "modifiedAt": SEEDED_AT, "modifiedBy": user, "createdBy": user, "lastVersionNum": 1,
            "isArchived": False, "isGlobal": False,
            "target": {"name": package["target"]["name"], "type": package["target"]["type"]}}


MODELS: tuple[Doc, ...] = tuple(_model(m, project, kind, number, family)
                                for m, _, _, project, kind, number, family in _MODELS)
MODEL_PACKAGES: tuple[Doc, ...] = tuple(_package(model, row[1], row[2]) for model, row in zip(MODELS, _MODELS))
#: one registered model per seeded package (``…09xx``), named after the model type and its id's tail
REGISTERED_MODELS: tuple[Doc, ...] = tuple(_registered(p) for p in MODEL_PACKAGES)


def project(project_id: str) -> Doc | None:
    found = [p for p in PROJECTS if p["id"] == project_id]
    return copy.deepcopy(found[0]) if found else None


def model(model_id: str) -> Doc | None:
    found = [m for m in MODELS if m["id"] == model_id]
    return copy.deepcopy(found[0]) if found else None


def package(package_id: str) -> Doc | None:
    found = [p for p in MODEL_PACKAGES if p["id"] == package_id]
    return copy.deepcopy(found[0]) if found else None


def package_of_model(model_id: str) -> Doc | None:
    found = [p for p in MODEL_PACKAGES if p["modelId"] == model_id]
    return copy.deepcopy(found[0]) if found else None


def server(server_id: str) -> Doc | None:
    found = [s for s in PREDICTION_SERVERS if s["id"] == server_id]
    return copy.deepcopy(found[0]) if found else None
