"""Bundles (design side) and the project deployer: infras, published projects, deployments.

State: ``projects[key]["exportedBundles"] {id: bundle}`` and ``deployer {infras {id: settings},
projects {key: {settings, packages {bundleId: package}}}, deployments {id: {settings, lastUpdate}}}``.
The sandbox is a design node with its own deployer (as a DSS design node with a local deployer).

Guards (seed L12595, L12860, L13493): an infra, a published project or a bundle in use by a
deployment cannot be deleted. A deployment update (``actions/update``) is a future; it records
the bundle and the settings version it deployed, so ``/status`` says ``HEALTHY`` while the
settings are unchanged since, ``OUT_OF_SYNC`` after a settings change, ``UNKNOWN`` before the
first update.
"""

from __future__ import annotations

from typing import Any

from reconciler.providers.dataiku.sandbox.errors import IllegalArgument, NotFound
from reconciler.providers.dataiku.sandbox.models.core import Doc, WorldCore
from reconciler.providers.dataiku.sandbox.models.core import deep_copy as _copy
from reconciler.providers.dataiku.sandbox.payloads.common import parse, version_tag
from reconciler.providers.dataiku.sandbox.payloads.deployer import (
    DeploymentCreate,
    DeploymentSettings,
    InfraCreate,
    InfraSettings,
    PublishedProjectCreate,
    PublishedProjectSettings,
    bundle_id_ok,
    deployment_basic_info,
    deployment_settings,
    exported_bundle,
    infra_basic_info,
    infra_settings,
    package,
    published_project_settings,
)
from reconciler.providers.dataiku.sandbox.seed import ADMIN, STAGES

_FIXED = ("id", "creationTag", "versionTag")


class DeployerModel(WorldCore):
    """Design-side bundles and the project deployer."""

    @property
    def _deployer(self) -> Doc:
        return self._s["deployer"]

    # -- design side: exported bundles ----------------------------------------------------------
    def list_exported_bundles(self, project_key: str) -> Doc:
        return {"bundles": [_copy(b) for b in self._project(project_key)["exportedBundles"].values()]}

    def get_exported_bundle(self, project_key: str, bundle_id: str) -> Doc:
        bundle = self._project(project_key)["exportedBundles"].get(bundle_id)
        if bundle is None:
            raise NotFound(f"Bundle {bundle_id} of project {project_key} does not exist")
        return _copy(bundle)

    def export_bundle(self, project_key: str, bundle_id: str | None, release_notes: str | None) -> Doc:
        project = self._project(project_key)
        if not bundle_id or not bundle_id_ok(bundle_id):
            raise IllegalArgument(f"Invalid bundle id {bundle_id!r} (letters, digits, '_', '.', '-')")
        if bundle_id in project["exportedBundles"]:
            raise IllegalArgument(f"Bundle {bundle_id} of project {project_key} already exists")
        bundle = exported_bundle(bundle_id, project, self._now_ms(), release_notes)
        project["exportedBundles"][bundle_id] = bundle
        return _copy(bundle)

    def delete_exported_bundle(self, project_key: str, bundle_id: str) -> Doc:
        self.get_exported_bundle(project_key, bundle_id)
        del self._project(project_key)["exportedBundles"][bundle_id]
        return {}

    def publish_bundle(self, project_key: str, bundle_id: str, published_key: str | None) -> Doc:
        bundle = self.get_exported_bundle(project_key, bundle_id)
        key = published_key or project_key
        parse(PublishedProjectCreate, {"publishedProjectKey": key}, "published project")
        published = self._deployer["projects"].get(key)
        if published is not None and bundle_id in published["packages"]:
            raise IllegalArgument(f"Bundle {bundle_id} is already published in project {key}")
        now = self._now_ms()
        if published is None:
            published = {"settings": published_project_settings(key, (version_tag(0, now), version_tag(0, now))),
                         "packages": {}}
            self._deployer["projects"][key] = published
        notes = bundle["exportManifest"].get("releaseNotes")
        published["packages"][bundle_id] = package(bundle_id, project_key, now, notes)
        return {"publishedOn": now, "publishedBy": ADMIN["login"], "publishedProjectKey": key}

    # -- infras ---------------------------------------------------------------------------------
    def _infra(self, infra_id: str) -> Doc:
        infra = self._deployer["infras"].get(infra_id)
        if infra is None:
            raise NotFound(f"Infra {infra_id} does not exist")
        return infra

    def _deployments_where(self, key: str, value: str) -> list[Doc]:
        return [d["settings"] for d in self._deployer["deployments"].values() if d["settings"].get(key) == value]

    def list_stages(self) -> list[Doc]:
        return _copy(STAGES)

    def _infra_status(self, settings: Doc) -> Doc:
        deployments = [deployment_basic_info(d) for d in self._deployments_where("infraId", settings["id"])]
        return {"infraBasicInfo": infra_basic_info(settings), "deployments": deployments,
                "isAdmin": True, "canDeploy": True}

    def list_infras(self) -> list[Doc]:
        return [self._infra_status(i) for i in self._deployer["infras"].values()]

    def get_infra(self, infra_id: str) -> Doc:
        return self._infra_status(self._infra(infra_id))

    def create_infra(self, body: Any) -> Doc:
        request = parse(InfraCreate, body, "infra")
        if request.stage not in {s["id"] for s in STAGES}:
            raise IllegalArgument(f"Unknown stage {request.stage!r} (one of {', '.join(s['id'] for s in STAGES)})")
        if request.id in self._deployer["infras"]:
            raise IllegalArgument(f"Infra {request.id} already exists")
        settings = infra_settings(request.id, request.stage, request.governCheckPolicy, self._tags())
        if request.automationNodeUrl:
            settings["automationNodeUrl"] = request.automationNodeUrl
        if request.apiKey:
            settings["adminApiKey"] = request.apiKey
        self._deployer["infras"][request.id] = settings
        return _copy(settings)

    def get_infra_settings(self, infra_id: str) -> Doc:
        return _copy(self._infra(infra_id))

    def set_infra_settings(self, infra_id: str, body: Any) -> None:
        old = self._infra(infra_id)
        parse(InfraSettings, body, "infra settings")
        if body.get("stage", old["stage"]) != old["stage"]:
            raise IllegalArgument(f"The stage of infra {infra_id} cannot change")
        new = {k: _copy(v) for k, v in body.items() if k not in _FIXED}
        new.update({k: old[k] for k in _FIXED}, stage=old["stage"])
        self._deployer["infras"][infra_id] = new
        self._bump(new)

    def delete_infra(self, infra_id: str) -> None:
        self._infra(infra_id)
        users = self._deployments_where("infraId", infra_id)
        if users:
            raise IllegalArgument(f"Infra {infra_id} is used by deployment(s) {', '.join(d['id'] for d in users)}")
        del self._deployer["infras"][infra_id]

    # -- published projects ---------------------------------------------------------------------
    def _published(self, key: str) -> Doc:
        published = self._deployer["projects"].get(key)
        if published is None:
            raise NotFound(f"Published project {key} does not exist")
        return published

    def _published_status(self, key: str, published: Doc) -> Doc:
        settings = published["settings"]
        deployments = self._deployments_where("publishedProjectKey", key)
        infra_ids = sorted({d["infraId"] for d in deployments})
        return {
            "projectBasicInfo": {"id": key, "name": settings.get("name", key), "versionTag": settings["versionTag"],
                                 "creationTag": settings["creationTag"], "bundleIds": list(published["packages"])},
            "packages": _copy(list(published["packages"].values())),
            "deployments": [deployment_basic_info(d) for d in deployments],
            "infras": [infra_basic_info(self._deployer["infras"][i]) for i in infra_ids
                       if i in self._deployer["infras"]],
            "isAdmin": True, "canDeploy": True, "canWrite": True,
        }

    def list_published_projects(self) -> list[Doc]:
        return [self._published_status(k, p) for k, p in self._deployer["projects"].items()]

    def get_published_project(self, key: str) -> Doc:
        return self._published_status(key, self._published(key))

    def create_published_project(self, body: Any) -> Doc:
        request = parse(PublishedProjectCreate, body, "published project")
        key = request.publishedProjectKey
        if key in self._deployer["projects"]:
            raise IllegalArgument(f"Published project {key} already exists")
        settings = published_project_settings(key, self._tags())
        self._deployer["projects"][key] = {"settings": settings, "packages": {}}
        return _copy(settings)

    def get_published_project_settings(self, key: str) -> Doc:
        return _copy(self._published(key)["settings"])

    def set_published_project_settings(self, key: str, body: Any) -> None:
        published = self._published(key)
        parse(PublishedProjectSettings, body, "published project settings")
        old = published["settings"]
        new = {k: _copy(v) for k, v in body.items() if k not in _FIXED}
        new.update({k: old[k] for k in _FIXED})
        published["settings"] = new
        self._bump(new)

    def delete_published_project(self, key: str) -> None:
        self._published(key)
        users = self._deployments_where("publishedProjectKey", key)
        if users:
            raise IllegalArgument(f"Published project {key} is used by deployment(s) "
                                  f"{', '.join(d['id'] for d in users)}")
        del self._deployer["projects"][key]

    def delete_published_bundle(self, key: str, bundle_id: str) -> None:
        published = self._published(key)
        if bundle_id not in published["packages"]:
            raise NotFound(f"Bundle {bundle_id} of published project {key} does not exist")
        users = [d for d in self._deployments_where("publishedProjectKey", key) if d["bundleId"] == bundle_id]
        if users:
            raise IllegalArgument(f"Bundle {bundle_id} is used by deployment(s) {', '.join(d['id'] for d in users)}")
        del published["packages"][bundle_id]

    # -- deployments ----------------------------------------------------------------------------
    def _deployment(self, deployment_id: str) -> Doc:
        deployment = self._deployer["deployments"].get(deployment_id)
        if deployment is None:
            raise NotFound(f"Deployment {deployment_id} does not exist")
        return deployment

    def _check_deployable(self, published_key: str, infra_id: str, bundle_id: str) -> None:
        published = self._published(published_key)
        self._infra(infra_id)
        if bundle_id not in published["packages"]:
            raise IllegalArgument(f"Bundle {bundle_id} is not published in project {published_key} "
                                  f"(published: {', '.join(published['packages']) or 'none'})")

    def _deployment_view(self, deployment: Doc) -> Doc:
        settings = deployment["settings"]
        published = self._deployer["projects"].get(settings["publishedProjectKey"])
        infra = self._deployer["infras"].get(settings["infraId"])
        return {
            "projectBasicInfo": self._published_status(settings["publishedProjectKey"], published)["projectBasicInfo"]
            if published else {"id": settings["publishedProjectKey"]},
            "infraBasicInfo": infra_basic_info(infra) if infra else {"id": settings["infraId"]},
            "deploymentBasicInfo": deployment_basic_info(settings),
            "packages": _copy(list(published["packages"].values())) if published else [],
            "neverEverDeployed": deployment["lastUpdate"] is None,
        }

    def list_deployments(self) -> list[Doc]:
        return [self._deployment_view(d) for d in self._deployer["deployments"].values()]

    def get_deployment(self, deployment_id: str) -> Doc:
        return self._deployment_view(self._deployment(deployment_id))

    def create_deployment(self, body: Any) -> Doc:
        request = parse(DeploymentCreate, body, "deployment")
        if request.deploymentId in self._deployer["deployments"]:
            raise IllegalArgument(f"Deployment {request.deploymentId} already exists")
        self._check_deployable(request.publishedProjectKey, request.infraId, request.bundleId)
        settings = deployment_settings(body, self._tags())
        self._deployer["deployments"][request.deploymentId] = {"settings": settings, "lastUpdate": None}
        return _copy(settings)

    def get_deployment_settings(self, deployment_id: str) -> Doc:
        return _copy(self._deployment(deployment_id)["settings"])

    def set_deployment_settings(self, deployment_id: str, body: Any) -> None:
        deployment = self._deployment(deployment_id)
        request = parse(DeploymentSettings, body, "deployment settings")
        old = deployment["settings"]
        for key in ("infraId", "publishedProjectKey", "deployedProjectKey"):
            if body.get(key, old[key]) != old[key]:
                raise IllegalArgument(f"The {key} of deployment {deployment_id} cannot change")
        self._check_deployable(old["publishedProjectKey"], old["infraId"], request.bundleId)
        new = {k: _copy(v) for k, v in body.items() if k not in _FIXED}
        new.update({k: old[k] for k in _FIXED})
        deployment["settings"] = new
        self._bump(new)

    def deployment_status(self, deployment_id: str) -> Doc:
        deployment = self._deployment(deployment_id)
        settings, update = deployment["settings"], deployment["lastUpdate"]
        if update is None:
            health, messages = "UNKNOWN", [{"severity": "INFO", "title": "Never deployed", "message": "Never deployed"}]
        elif update["settingsVersion"] != settings["versionTag"]["versionNumber"]:
            health = "OUT_OF_SYNC"
            messages = [{"severity": "WARNING", "title": "Out of sync",
                         "message": "The settings changed since the last update"}]
        else:
            health, messages = "HEALTHY", []
        return {"deploymentId": deployment_id, "health": health, "healthMessages": messages,
                "monitoring": {"failed": [], "warning": [], "successful": [], "aborted": [], "running": []},
                "hasScenarios": False, "hasActiveScenarios": False}

    def update_deployment(self, deployment_id: str) -> Doc:
        """Deploy the settings' bundle (a future); the update report is its result."""
        deployment = self._deployment(deployment_id)
        settings = deployment["settings"]
        now = self._now_ms()
        update = {"startTimestamp": now, "endTimestamp": now, "requester": ADMIN["login"], "status": "SUCCESS",
                  "type": "UPDATE", "bundleId": settings["bundleId"],
                  "settingsVersion": settings["versionTag"]["versionNumber"],
                  "logs": {"lines": [f"Deployed bundle {settings['bundleId']} to {settings['deployedProjectKey']}"]}}
        deployment["lastUpdate"] = update
        deployment.setdefault("updates", []).insert(0, update)
        del deployment["updates"][20:]
        result = [{"nodeId": "automation", "nodeUrl": "http://automation.sandbox",
                   "report": {"messages": [], "anyMessage": False, "success": True, "warning": False,
                              "error": False}}]
        return self._future(result, pending=True)

    def list_deployment_updates(self, deployment_id: str) -> list[Doc]:
        return [{k: u[k] for k in ("startTimestamp", "type", "status")}
                for u in self._deployment(deployment_id).get("updates", [])]

    def get_last_deployment_update(self, deployment_id: str) -> Doc:
        update = self._deployment(deployment_id)["lastUpdate"]
        if update is None:
            raise NotFound(f"Deployment {deployment_id} was never updated")
        return _copy(update)

    def delete_deployment(self, deployment_id: str) -> None:
        self._deployment(deployment_id)
        del self._deployer["deployments"][deployment_id]
