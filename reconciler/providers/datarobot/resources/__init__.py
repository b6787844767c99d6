"""The DataRobot resource types (one module each) and read-only data sources; each imported when first named."""

from reconciler.lazy import lazy_attributes

__all__ = [
    "ComputeBundle",
    "DATA_SOURCES",
    "Deployment",
    "LearningModel",
    "ModelPackage",
    "PpsImage",
    "PredictionEnvironment",
    "PredictionServer",
]

__getattr__, __dir__ = lazy_attributes(__name__, {
    "ComputeBundle": ".data_sources",
    "DATA_SOURCES": ".data_sources",
    "Deployment": ".deployment",
    "LearningModel": ".data_sources",
    "ModelPackage": ".data_sources",
    "PpsImage": ".data_sources",
    "PredictionEnvironment": ".prediction_environment",
    "PredictionServer": ".data_sources",
})
