"""Flow zones and saved models: the request bodies ``dataikuapi`` 15.2 sends (``DSSFlowZone``,
``DSSSavedModel``) and the documents DSS answers with (seed L5642-L5858 for saved models; flow
zones are not in the seed: their shapes follow the client).

Same rules as every request model here: check only, extra fields allowed.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from reconciler.providers.dataiku.sandbox.payloads.common import _Payload

Doc = dict[str, Any]

DEFAULT_ZONE = "default"
DEFAULT_COLOR = "#2ab1ac"
#: what a zone may hold, and where the world keeps each kind in a project
ZONE_ITEM_TYPES = {"DATASET": "datasets", "RECIPE": "recipes", "MANAGED_FOLDER": "managedFolders",
                   "SAVED_MODEL": "savedModels"}


class CreateZone(_Payload):
    name: str = Field(min_length=1)
    color: str = Field(DEFAULT_COLOR, pattern=r"^#[0-9a-fA-F]{6}$")


class ZoneSettings(_Payload):
    name: str = Field(min_length=1)
    color: str = Field(pattern=r"^#[0-9a-fA-F]{6}$")


class SmartRef(_Payload):
    objectType: Literal["DATASET", "RECIPE", "MANAGED_FOLDER", "SAVED_MODEL"]
    objectId: str = Field(min_length=1)
    projectKey: str | None = None


def zone_document(zone_id: str, name: str, color: str) -> Doc:
    return {"id": zone_id, "name": name, "color": color, "items": [], "shared": []}


class CreateSavedModel(_Payload):
    name: str = Field(min_length=1)
    savedModelType: Literal["MLFLOW_PYFUNC", "PROXY_MODEL", "LLM_GENERIC"] = "MLFLOW_PYFUNC"
    predictionType: str | None = None


def saved_model_document(model_id: str, project_key: str, request: CreateSavedModel) -> Doc:
    return {"id": model_id, "projectKey": project_key, "name": request.name,
            "savedModelType": request.savedModelType, "predictionType": request.predictionType,
            "taskType": "PREDICTION", "activeVersion": None, "versions": {}, "tags": [], "description": ""}


def saved_model_view(doc: Doc) -> Doc:
    """``GET …/savedmodels/{id}``: the document without its versions' records."""
    return {k: v for k, v in doc.items() if k != "versions"}


def saved_model_list_item(doc: Doc) -> Doc:
    """A list item: ``{id, type}`` (seed L5651) and the name and active version."""
    return {"id": doc["id"], "type": doc["taskType"], "name": doc["name"], "activeVersion": doc["activeVersion"],
            "savedModelType": doc["savedModelType"]}
