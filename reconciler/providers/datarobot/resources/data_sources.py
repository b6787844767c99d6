"""Read-only DataRobot data sources: found by ``find(spec)`` during refresh, referenced with
``${type.name.attr}``, never created, changed, deleted or recorded in state.

    type                                lookup (spec)                          platform call
    datarobot_prediction_server         url (optional when only one exists)    GET /predictionServers/
    datarobot_compute_bundle            name or id, use_case (default bundle)  GET /mlops/compute/bundles/
    datarobot_pps_image                 (nothing: the active image)            GET /mlops/portablePredictionServerImage/metadata/
    datarobot_learning_model            project (name), name (model type),     GET /projects/?projectName=,
                                        model_number (when the type repeats)   GET /projects/{id}/models/
    datarobot_model_package             model_id and/or name                   GET /modelPackages/?modelId=

Several matches where one is meant raise a ``ProviderError`` naming them (never a guess).
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal, Mapping

from pydantic import BaseModel, ConfigDict, Field, model_validator

from reconciler.errors import ProviderError
from reconciler.providers.base import Live, ResourceType, Spec
from reconciler.providers.datarobot.client import DataRobotClient, Doc
from reconciler.providers.common import only_one
from reconciler.providers.models import Model


class DataSource(ResourceType):
    """Base of the read-only types: writes are refused (the engine never calls them)."""

    data_source: ClassVar[bool] = True
    deletable: ClassVar[bool] = False
    client: DataRobotClient

    def create(self, spec: Spec) -> tuple[str, Live]:
        raise ProviderError(f"{self.type_name} is a read-only data source")

    def update(self, object_id: str, live: Live, spec: Spec, changed: frozenset[str]) -> Live:
        raise ProviderError(f"{self.type_name} is a read-only data source")

    def delete(self, object_id: str, *, attrs: Mapping[str, Any] | None = None) -> None:
        raise ProviderError(f"{self.type_name} is a read-only data source")


class _Lookup(Model):
    model_config = ConfigDict(extra="forbid")


# -- prediction servers -------------------------------------------------------------------------
class PredictionServerSpec(_Lookup):
    url: str | None = Field(None, description="the server's URL (trailing slash ignored); optional when the "
                                              "organization has a single prediction server")


def _server(doc: Doc) -> Live:
    return {"id": doc.get("id"), "url": doc.get("url"), "datarobot_key": doc.get("datarobot-key")}


class PredictionServer(DataSource):
    type_name: ClassVar[str] = "datarobot_prediction_server"
    spec_model: ClassVar[type[BaseModel]] = PredictionServerSpec
    description: ClassVar[str] = "A prediction server (read-only): its id for default_prediction_server_id"
    server_owned: ClassVar[frozenset[str]] = frozenset({"id", "datarobot_key"})
    sensitive: ClassVar[frozenset[str]] = frozenset({"datarobot_key"})

    def read(self, object_id: str) -> Live | None:
        found = [s for s in self.client.list_prediction_servers() if s.get("id") == object_id]
        return _server(found[0]) if found else None

    def find(self, spec: Spec) -> tuple[str, Live] | None:
        servers = self.client.list_prediction_servers()
        url = spec.get("url")
        if url is not None:
            servers = [s for s in servers if str(s.get("url", "")).rstrip("/") == str(url).rstrip("/")]
        elif len(servers) > 1:
            urls = ", ".join(sorted(str(s.get("url")) for s in servers))
            raise ProviderError(f"{len(servers)} prediction servers exist; give url (one of {urls})")
        found = only_one(servers, f"prediction server url {url!r}", lambda s: str(s.get("id")))
        return (str(found["id"]), _server(found)) if found is not None else None


# -- compute bundles ----------------------------------------------------------------------------
class ComputeBundleSpec(_Lookup):
    name: str | None = Field(None, description="the bundle's name or id (cpu.small); default: the default bundle")
    use_case: Literal["customApplication", "customJob", "customModel", "sapAICore"] | None = Field(
        None, description="only bundles for this use case")


def _bundle(doc: Doc) -> Live:
    return {"id": doc.get("id"), "name": doc.get("name"), "description": doc.get("description"),
            "cpu_count": doc.get("cpuCount"), "memory_bytes": doc.get("memoryBytes"),
            "gpu_count": doc.get("gpuCount"), "gpu_memory_bytes": doc.get("gpuMemoryBytes"),
            "has_gpu": doc.get("hasGpu"), "use_cases": list(doc.get("useCases") or []),
            "is_default": bool(doc.get("isDefault"))}


class ComputeBundle(DataSource):
    type_name: ClassVar[str] = "datarobot_compute_bundle"
    spec_model: ClassVar[type[BaseModel]] = ComputeBundleSpec
    description: ClassVar[str] = "A compute (resource) bundle (read-only; needs MLOPS_RESOURCE_REQUEST_BUNDLES)"
    server_owned: ClassVar[frozenset[str]] = frozenset(
        {"id", "description", "cpu_count", "memory_bytes", "gpu_count", "gpu_memory_bytes", "has_gpu", "use_cases",
         "is_default"})

    def read(self, object_id: str) -> Live | None:
        doc = self.client.get_compute_bundle(object_id)
        return _bundle(doc) if doc is not None and not doc.get("isDeleted") else None

    def find(self, spec: Spec) -> tuple[str, Live] | None:
        bundles = [b for b in self.client.list_compute_bundles(spec.get("use_case")) if not b.get("isDeleted")]
        name = spec.get("name")
        if name is not None:
            bundles = [b for b in bundles if name in (b.get("name"), b.get("id"))]
            if len(bundles) > 1:
                ids = ", ".join(sorted(str(b.get("id")) for b in bundles))
                raise ProviderError(f"{len(bundles)} compute bundles are named {name!r}; give the id as name "
                                    f"(one of {ids})")
        else:
            bundles = [b for b in bundles if b.get("isDefault")]
        found = only_one(bundles, f"compute bundle {name or '(default)'!r}", lambda b: str(b.get("id")))
        return (str(found["id"]), _bundle(found)) if found is not None else None


# -- portable prediction server image -----------------------------------------------------------
class PpsImageSpec(_Lookup):
    """No arguments: the active portable prediction server image."""


class PpsImage(DataSource):
    type_name: ClassVar[str] = "datarobot_pps_image"
    spec_model: ClassVar[type[BaseModel]] = PpsImageSpec
    description: ClassVar[str] = "The active portable prediction server image's metadata (read-only; never downloads it)"
    server_owned: ClassVar[frozenset[str]] = frozenset(
        {"id", "docker_image_id", "short_docker_image_id", "hash", "hash_algorithm", "image_size", "filename",
         "created"})

    @staticmethod
    def _view(doc: Doc) -> Live:
        return {"id": doc.get("baseImageId"), "docker_image_id": doc.get("dockerImageId"),
                "short_docker_image_id": doc.get("shortDockerImageId"), "hash": doc.get("hash"),
                "hash_algorithm": doc.get("hashAlgorithm"), "image_size": doc.get("imageSize"),
                "filename": doc.get("filename"), "created": doc.get("created")}

    def read(self, object_id: str) -> Live | None:
        doc = self.client.pps_image_metadata()
        return self._view(doc) if doc is not None and doc.get("baseImageId") == object_id else None

    def find(self, spec: Spec) -> tuple[str, Live] | None:
        doc = self.client.pps_image_metadata()
        return (str(doc.get("baseImageId")), self._view(doc)) if doc is not None else None


# -- learning models ----------------------------------------------------------------------------
class LearningModelSpec(_Lookup):
    project: str = Field(min_length=1, description="the project's name")
    name: str = Field(min_length=1, description="the model's type as the leaderboard shows it")
    model_number: int | None = Field(None, description="the leaderboard model number, when the type repeats")


def _model(doc: Doc, project: Doc) -> Live:
    return {"id": doc.get("id"), "project_id": doc.get("projectId"), "project_name": project.get("projectName"),
            "name": doc.get("modelType"), "model_number": doc.get("modelNumber"),
            "model_family": doc.get("modelFamily"), "blueprint_id": doc.get("blueprintId"),
            "featurelist_name": doc.get("featurelistName"), "sample_pct": doc.get("samplePct")}


class LearningModel(DataSource):
    type_name: ClassVar[str] = "datarobot_learning_model"
    spec_model: ClassVar[type[BaseModel]] = LearningModelSpec
    description: ClassVar[str] = "A leaderboard model found by project name and model type (read-only)"
    natural_key: ClassVar[tuple[str, ...]] = ("project", "name")
    server_owned: ClassVar[frozenset[str]] = frozenset(
        {"id", "project_id", "project_name", "model_family", "blueprint_id", "featurelist_name", "sample_pct"})

    def read(self, object_id: str) -> Live | None:
        for project in self.client.list_projects():
            doc = self.client.get_model(project["id"], object_id)
            if doc is not None:
                return _model(doc, project)
        return None

    def find(self, spec: Spec) -> tuple[str, Live] | None:
        projects = [p for p in self.client.list_projects(spec["project"]) if p.get("projectName") == spec["project"]]
        if len(projects) > 1:
            ids = ", ".join(sorted(str(p.get("id")) for p in projects))
            raise ProviderError(f"{len(projects)} projects are named {spec['project']!r} ({ids})",
                                hint="project names are not unique in DataRobot: rename all but one")
        if not projects:
            return None
        project = projects[0]
        models = [m for m in self.client.list_models(project["id"]) if m.get("modelType") == spec["name"]]
        number = spec.get("model_number")
        if number is not None:
            models = [m for m in models if m.get("modelNumber") == number]
        elif len(models) > 1:
            numbers = ", ".join(str(m.get("modelNumber")) for m in models)
            raise ProviderError(f"{len(models)} models of type {spec['name']!r} in project {spec['project']!r}; "
                                f"give model_number (one of {numbers})")
        found = only_one(models, f"model {spec['name']!r} #{number}", lambda m: str(m.get("id")))
        return (str(found["id"]), _model(found, project)) if found is not None else None


# -- model packages -----------------------------------------------------------------------------
class ModelPackageSpec(_Lookup):
    model_id: str | None = Field(None, description="the learning model the package was made from")
    name: str | None = Field(None, description="the package's name")

    @model_validator(mode="after")
    def _something(self) -> "ModelPackageSpec":
        if self.model_id is None and self.name is None:
            raise ValueError("give model_id, name or both")
        return self


def _package(doc: Doc) -> Live:
    target = doc.get("target") or {}
    return {"id": doc.get("id"), "name": doc.get("name"), "model_id": doc.get("modelId"),
            "registered_model_id": doc.get("registeredModelId"),
            "registered_model_version": doc.get("registeredModelVersion"),
            "target_name": target.get("name"), "target_type": target.get("type"),
            "model_execution_type": doc.get("modelExecutionType")}


class ModelPackage(DataSource):
    type_name: ClassVar[str] = "datarobot_model_package"
    spec_model: ClassVar[type[BaseModel]] = ModelPackageSpec
    description: ClassVar[str] = "A model package (registered model version), by model id and/or name (read-only)"
    server_owned: ClassVar[frozenset[str]] = frozenset(
        {"id", "registered_model_id", "registered_model_version", "target_name", "target_type",
         "model_execution_type"})

    def read(self, object_id: str) -> Live | None:
        doc = self.client.get_model_package(object_id)
        return _package(doc) if doc is not None else None

    def find(self, spec: Spec) -> tuple[str, Live] | None:
        packages = [p for p in self.client.list_model_packages(spec.get("model_id")) if not p.get("isArchived")]
        if spec.get("name") is not None:
            packages = [p for p in packages if p.get("name") == spec["name"]]
        elif len(packages) > 1:
            names = ", ".join(sorted(repr(p.get("name")) for p in packages))
            raise ProviderError(f"{len(packages)} model packages of model {spec.get('model_id')!r}; give name "
                                f"(one of {names})")
        found = only_one(packages, "model package " + ", ".join(f"{k}={v!r}" for k, v in spec.items()),
                         lambda p: str(p.get("id")))
        return (str(found["id"]), _package(found)) if found is not None else None


DATA_SOURCES: tuple[type[DataSource], ...] = (PredictionServer, ComputeBundle, PpsImage, LearningModel, ModelPackage)
