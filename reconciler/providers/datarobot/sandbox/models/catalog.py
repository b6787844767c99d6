"""Read-only DataRobot objects the organization already has: API version, projects and their
learning models, model packages, prediction servers, compute bundles, the portable prediction
server (PPS) image metadata. A mixin of ``models.DataRobotWorld`` (one method per operation).
"""

from __future__ import annotations

import copy
from typing import Any, Callable

from reconciler.providers.datarobot.sandbox import seed
from reconciler.providers.datarobot.sandbox.errors import Forbidden, NotFound

Doc = dict[str, Any]


class CatalogOps:
    """Seeded, static objects; only ``activeDeploymentCount`` of a model package is live."""

    _s: dict[str, Any]
    bundles_enabled: bool
    pps_image_available: bool
    all_packages: Callable[[], list[Doc]]
    created_package: Callable[[str], Doc | None]

    def version(self) -> Doc:
        return dict(seed.API_VERSION)

    # -- projects and learning models -------------------------------------------------------
    def list_projects(self, name: str | None = None) -> list[Doc]:
        """``GET /projects/?projectName=`` (exact name; a plain JSON array, as the API answers)."""
        return [copy.deepcopy(p) for p in seed.PROJECTS if name is None or p["projectName"] == name]

    def get_project(self, project_id: str) -> Doc:
        found = seed.project(project_id)
        if found is None:
            raise NotFound(f"Project {project_id} not found")
        return found

    def list_models(self, project_id: str, name: str | None = None) -> list[Doc]:
        """``GET /projects/{id}/models/?name=`` (case-insensitive search on the model type)."""
        self.get_project(project_id)
        needle = (name or "").lower()
        return [copy.deepcopy(m) for m in seed.MODELS
                if m["projectId"] == project_id and needle in m["modelType"].lower()]

    def get_model(self, project_id: str, model_id: str) -> Doc:
        self.get_project(project_id)
        found = seed.model(model_id)
        if found is None or found["projectId"] != project_id:
            raise NotFound(f"Model {model_id} not found in project {project_id}")
        return found

    # -- model packages (registered model versions) -----------------------------------------
    def counted(self, package: Doc) -> Doc:
        """``package`` with its live ``activeDeploymentCount``."""
        package["activeDeploymentCount"] = sum(
            1 for d in self._s["deployments"].values()
            if d["modelPackage"]["id"] == package["id"] and d["status"] == "active")
        return package

    def list_model_packages(self, model_id: str | None = None, name: str | None = None) -> list[Doc]:
        needle = (name or "").lower()
        return [self.counted(p) for p in self.all_packages()
                if (model_id is None or p["modelId"] == model_id) and needle in p["name"].lower()]

    def get_model_package(self, package_id: str) -> Doc:
        found = seed.package(package_id) or self.created_package(package_id)
        if found is None:
            raise NotFound(f"Model package {package_id} not found")
        return self.counted(found)

    # -- prediction infrastructure ----------------------------------------------------------
    def list_prediction_servers(self) -> list[Doc]:
        return [copy.deepcopy(s) for s in seed.PREDICTION_SERVERS]

    def list_compute_bundles(self, use_case: str | None = None) -> list[Doc]:
        if not self.bundles_enabled:
            raise Forbidden("Resource bundles are not enabled.")
        return [copy.deepcopy(b) for b in seed.COMPUTE_BUNDLES if use_case is None or use_case in b["useCases"]]

    def get_compute_bundle(self, bundle_id: str) -> Doc:
        if not self.bundles_enabled:
            raise Forbidden("Resource bundles are not enabled.")
        found = [b for b in seed.COMPUTE_BUNDLES if b["id"] == bundle_id]
        if not found:
            raise NotFound(f"Resource bundle {bundle_id} does not exist.")
        return copy.deepcopy(found[0])

    def pps_image_metadata(self) -> Doc:
        if not self.pps_image_available:
            raise NotFound("No PPS images found in the system")
        return dict(seed.PPS_IMAGE)
