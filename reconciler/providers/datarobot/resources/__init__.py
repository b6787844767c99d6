"""The DataRobot resource types (one module each) and read-only data sources."""

from reconciler.providers.datarobot.resources.data_sources import (
    DATA_SOURCES,
    ComputeBundle,
    LearningModel,
    ModelPackage,
    PpsImage,
    PredictionServer,
)
from reconciler.providers.datarobot.resources.deployment import Deployment
from reconciler.providers.datarobot.resources.prediction_environment import PredictionEnvironment
from reconciler.providers.datarobot.resources.registered_model import RegisteredModel
from reconciler.providers.datarobot.resources.use_case import UseCase

__all__ = [
    "ComputeBundle",
    "DATA_SOURCES",
    "Deployment",
    "LearningModel",
    "ModelPackage",
    "PpsImage",
    "PredictionEnvironment",
    "PredictionServer",
    "RegisteredModel",
    "UseCase",
]
