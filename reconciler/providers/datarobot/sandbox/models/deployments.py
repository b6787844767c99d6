"""Deployments: create (from a learning model or a model package), read, list, PATCH, status
changes, model replacement (with its validation), soft delete and permanent erase, plus the
read-only views hanging off a deployment (capabilities, features, model history). A mixin of
``models.DataRobotWorld``.

Status machine (enum from the seed; transitions inferred from it and from the peers' waits):

    create ─▶ launching ─▶ active | inactive (as asked)        job failed ─▶ errored (hasError)
    PATCH /status/ inactive:  active|errored ─▶ stopping  ─▶ inactive   (job failed: back)
    PATCH /status/ active:    inactive|errored ─▶ launching ─▶ active   (job failed: back)
    PATCH /model/:            active ─▶ replacingModel ─▶ active (new champion; failed: old kept)
    DELETE:                   any ─▶ gone (404); listed in /deletedDeployments/ until erased

A status change while another is in flight, or to the status it already has, is 409 (seed).
Model replacement needs an active deployment (422 otherwise, inferred from the TF provider
activating inactive deployments before updates) and a passing validation (422 otherwise).
"""

from __future__ import annotations

import copy
from typing import Any, Callable

from reconciler.providers.datarobot.sandbox import seed
from reconciler.providers.datarobot.sandbox.errors import Conflict, NotFound, Unprocessable
from reconciler.providers.datarobot.sandbox.payloads import (
    DeploymentFromLearningModel,
    DeploymentFromModelPackage,
    DeploymentStatusUpdate,
    DeploymentUpdate,
    ModelReplacement,
    ModelValidation,
    PermanentDelete,
    health,
    history_entry,
    model_ref,
    parse,
)

Doc = dict[str, Any]
TRANSITIONAL = frozenset({"launching", "stopping", "replacingModel"})
ORDERABLE = {"label": "label", "createdAtTimestamp": "createdAt", "importance": "importance"}
_IMPORTANCE_RANK = {"CRITICAL": 0, "HIGH": 1, "MODERATE": 2, "LOW": 3}


class DeploymentOps:
    _s: dict[str, Any]
    new_id: Callable[[], str]
    now: Callable[[], str]
    start_job: Callable[..., str]
    running_jobs: Callable[[str], list]
    abort_jobs: Callable[[str, str], None]
    max_deployments: int | None
    drop_settings: Callable[[str], None]
    ensure_settings: Callable[[str], Doc]
    created_package: Callable[[str], Doc | None]

    # -- lookups ------------------------------------------------------------------------------
    def _deployment(self, deployment_id: str) -> Doc:
        doc = self._s["deployments"].get(deployment_id)
        if doc is None:
            raise NotFound(f"Deployment {deployment_id} not found")
        return doc

    def _resolve_model(self, model_id: str | None, package_id: str | None) -> tuple[Doc, Doc]:
        """(learning model, model package) for either id; 422 naming the field when unknown."""
        if package_id is not None:
            package = seed.package(package_id) or self.created_package(package_id)
            if package is None:
                raise Unprocessable(f"Model package {package_id} not found",
                                    {"modelPackageId": "model package not found"})
            return seed.model(package["modelId"]) or {}, package
        model = seed.model(model_id or "")
        if model is None:
            raise Unprocessable(f"Model {model_id} not found", {"modelId": "model not found"})
        return model, seed.package_of_model(model["id"]) or {}

    # -- list / get ---------------------------------------------------------------------------
    def list_deployments(self, *, search: str | None = None, statuses: list[str] = (),
                         importances: list[str] = (), order_by: str | None = None,
                         server_ids: list[str] = (), platforms: list[str] = (),
                         tag_keys: list[str] = (), tag_values: list[str] = ()) -> list[Doc]:
        """Filters as in the seed: ``search`` is a case-insensitive substring of label or
        description; list filters match any of their values. Default order: creation. The
        documents themselves, not copies (a page of them is serialized at once): never modify."""
        needle = (search or "").lower()
        out = []
        for doc in self._s["deployments"].values():
            text = f"{doc['label']}\n{doc.get('description') or ''}".lower()
            tags = doc.get("tags") or []
            if ((needle and needle not in text) or (statuses and doc["status"] not in statuses)
                    or (importances and doc["importance"] not in importances)
                    or (server_ids and doc["defaultPredictionServer"].get("id") not in server_ids)
                    or (platforms and (doc.get("predictionEnvironment") or {}).get("platform") not in platforms)
                    or (tag_keys and not any(t["name"] in tag_keys for t in tags))
                    or (tag_values and not any(t["value"] in tag_values for t in tags))):
                continue
            out.append(doc)
        if order_by:
            key = order_by.lstrip("-")
            if key not in ORDERABLE:
                raise Unprocessable(f"Invalid orderBy {order_by!r}", {"orderBy": f"one of {sorted(ORDERABLE)}"})
            field = ORDERABLE[key]
            rank = (lambda d: _IMPORTANCE_RANK.get(d["importance"], 9)) if field == "importance" else \
                (lambda d: str(d[field]).lower())
            out.sort(key=rank, reverse=order_by.startswith("-"))
        return out

    def get_deployment(self, deployment_id: str) -> Doc:
        return copy.deepcopy(self._deployment(deployment_id))

    # -- create -------------------------------------------------------------------------------
    def create_from_learning_model(self, body: Any) -> tuple[str, str]:
        """Returns (deployment id, status id); the deployment is ``launching`` until the job ends."""
        want = parse(DeploymentFromLearningModel, body, "deployment")
        model, package = self._resolve_model(want.modelId, None)
        threshold = want.predictionThreshold
        return self._create(want, model, package, None, want.status or "active", threshold)

    def create_from_model_package(self, body: Any) -> tuple[str, str]:
        want = parse(DeploymentFromModelPackage, body, "deployment")
        model, package = self._resolve_model(None, want.modelPackageId)
        env = None
        if want.predictionEnvironmentId is not None:
            env = self._s["environments"].get(want.predictionEnvironmentId)
            if env is None:
                raise Unprocessable(f"Prediction environment {want.predictionEnvironmentId} not found",
                                    {"predictionEnvironmentId": "prediction environment not found"})
            if "datarobot" not in env["supportedModelFormats"]:
                raise Unprocessable(f"Prediction environment {env['id']} does not support DataRobot models",
                                    {"predictionEnvironmentId": "does not support the datarobot model format"})
        return self._create(want, model, package, env, "active", None)

    def _create(self, want: Any, model: Doc, package: Doc, env: Doc | None, target: str,
                threshold: float | None) -> tuple[str, str]:
        server = None
        if want.defaultPredictionServerId is not None:
            server = seed.server(want.defaultPredictionServerId)
            if server is None:
                raise Unprocessable(f"Prediction server {want.defaultPredictionServerId} not found",
                                    {"defaultPredictionServerId": "prediction server not found"})
        elif env is None:
            server = copy.deepcopy(seed.PREDICTION_SERVERS[0])
        limit = self.max_deployments
        if limit is not None and len(self._s["deployments"]) >= limit:
            raise Conflict("User's organization has reached the maximum number of deployments.")
        deployment_id = self.new_id()
        project = seed.project(model["projectId"]) or {}
        now = self.now()
        doc: Doc = {
            "id": deployment_id, "label": want.label, "description": want.description, "status": "launching",
            "importance": want.importance or "LOW", "createdAt": now, "hasError": False,
            "approvalStatus": "APPROVED", "governance": {"approvalStatus": "APPROVED", "hasOpenedChangeRequests": False},
            "openedChangeRequests": [],
            "defaultPredictionServer": server if server is not None else {
                "id": None, "url": f"https://{env['id']}.serverless.sandbox.datarobot.example", "datarobot-key": ""},
            "model": model_ref(model, project, now),
            "modelPackage": {"id": package["id"], "name": package["name"],
                             "registeredModelId": package["registeredModelId"]},
            "modelHealth": health(), "accuracyHealth": health(), "serviceHealth": health(False),
            "predictionUsage": {"dailyRates": [0] * 7, "lastTimestamp": None},
            "permissions": ["CAN_ADD_CHALLENGERS", "CAN_APPROVE_REPLACEMENT_MODEL", "CAN_DELETE_DEPLOYMENT",
                            "CAN_EDIT_DEPLOYMENT", "CAN_MAKE_PREDICTIONS", "CAN_REPLACE_MODEL",
                            "CAN_SHARE", "CAN_UPDATE_DEPLOYMENT_INFO", "CAN_VIEW"],
            "owners": {"count": 1, "preview": [dict(seed.OWNER)]},
            "settings": {"batchMonitoringEnabled": False, "humbleAiEnabled": False,
                         "predictionIntervalsEnabled": False, "predictionWarningEnabled": False},
            "tags": [], "modelPackageInitialDownload": {"timestamp": None},
            "scoringCodeInitialDownload": {"timestamp": None},
        }
        if env is not None:
            doc["predictionEnvironment"] = {
                "id": env["id"], "name": env["name"], "platform": env["platform"],
                "isManagedByManagementAgent": env["isManagedByManagementAgent"],
                "supportedModelFormats": list(env["supportedModelFormats"]), "plugin": env.get("plugin")}
        if getattr(want, "userProvidedId", None) is not None:
            doc["userProvidedId"] = want.userProvidedId
        self._s["deployments"][deployment_id] = doc
        self._s["history"][deployment_id] = []
        self.ensure_settings(deployment_id)
        job = self.start_job(
            "create", f"Deploying model {model['id']} as {deployment_id}", deployment_id=deployment_id,
            on_success={"status": target}, on_failure={"status": "errored", "hasError": True},
            history=history_entry(model, package, None, threshold),
            result_path=f"deployments/{deployment_id}/")
        return deployment_id, job

    def _append_history(self, deployment_id: str, entry: Doc) -> None:
        history = self._s["history"].setdefault(deployment_id, [])
        now = self.now()
        for old in history:
            if old["endDate"] is None:
                old["endDate"] = now
        history.append({**copy.deepcopy(entry), "startDate": now})

    # -- update -------------------------------------------------------------------------------
    def update_deployment(self, deployment_id: str, body: Any) -> None:
        """``PATCH``: label, description, importance; a field sent as null is left unchanged,
        except ``description`` (nullable: null clears it)."""
        doc = self._deployment(deployment_id)
        fields = parse(DeploymentUpdate, body, "deployment update").model_dump(exclude_unset=True)
        if fields.get("label") is not None:
            doc["label"] = fields["label"]
        if "description" in fields:
            doc["description"] = fields["description"]
        if fields.get("importance") is not None:
            doc["importance"] = fields["importance"]

    def change_status(self, deployment_id: str, body: Any) -> str:
        doc = self._deployment(deployment_id)
        target = parse(DeploymentStatusUpdate, body, "status change").status
        current = doc["status"]
        if current in TRANSITIONAL or self.running_jobs(deployment_id):
            raise Conflict(f"Deployment is already in process of status change ({current}).")
        if current == target:
            raise Conflict(f"Deployment is already in requested status ({target}).")
        if current == "archived":
            raise Unprocessable("Status of an archived deployment cannot be changed.")
        doc["status"] = "launching" if target == "active" else "stopping"
        return self.start_job(
            "status", f"Changing status of deployment {deployment_id} to {target}", deployment_id=deployment_id,
            on_success={"status": target, "hasError": False}, on_failure={"status": current},
            result_path=f"deployments/{deployment_id}/")

    # -- model replacement --------------------------------------------------------------------
    def validate_replacement(self, deployment_id: str, body: Any) -> Doc:
        doc = self._deployment(deployment_id)
        want = parse(ModelValidation, body, "model validation")
        model, package = self._resolve_model(want.modelId, want.modelPackageId)
        return self._validation(doc, model, package)

    @staticmethod
    def _validation(doc: Doc, model: Doc, package: Doc) -> Doc:
        project = seed.project(model["projectId"]) or {}
        current = doc["model"]
        checks = {
            "targetType": project.get("targetType") == current.get("targetType"),
            "target": project.get("target") == current.get("targetName"),
            "modelIsDifferent": package["id"] != doc["modelPackage"]["id"],
        }
        texts = {
            "targetType": f"target type {project.get('targetType')} vs current {current.get('targetType')}",
            "target": f"target {project.get('target')!r} vs current {current.get('targetName')!r}",
            "modelIsDifferent": "the replacement differs from the current model",
        }
        failing = sorted(name for name, ok in checks.items() if not ok)
        return {
            "status": "failing" if failing else "passing",
            "message": (f"Model cannot be used to replace the current model: failing {', '.join(failing)}"
                        if failing else "Model can be used to replace the current model."),
            "checks": {name: {"status": "passing" if ok else "failing", "message": texts[name]}
                       for name, ok in checks.items()},
        }

    def replace_model(self, deployment_id: str, body: Any) -> str:
        doc = self._deployment(deployment_id)
        want = parse(ModelReplacement, body, "model replacement")
        model, package = self._resolve_model(want.modelId, want.modelPackageId)
        if doc["status"] in TRANSITIONAL or self.running_jobs(deployment_id):
            raise Conflict(f"Deployment is in process of a change ({doc['status']}).")
        if doc["status"] != "active":
            raise Unprocessable(f"Model replacement needs an active deployment; this one is {doc['status']}.")
        result = self._validation(doc, model, package)
        if result["status"] == "failing":
            failing = {k: v["message"] for k, v in result["checks"].items() if v["status"] == "failing"}
            raise Unprocessable(result["message"], failing)
        project = seed.project(model["projectId"]) or {}
        doc["status"] = "replacingModel"
        served = {"model": model_ref(model, project, self.now()),
                  "modelPackage": {"id": package["id"], "name": package["name"],
                                   "registeredModelId": package["registeredModelId"]}}
        return self.start_job(
            "model", f"Replacing the model of deployment {deployment_id}", deployment_id=deployment_id,
            on_success={"status": "active", **({} if self.replacement_keeps_model else served)},
            on_failure={"status": "active"},
            history=history_entry(model, package, want.reason, None),
            result_path=f"deployments/{deployment_id}/")

    # -- delete and erase ---------------------------------------------------------------------
    def delete_deployment(self, deployment_id: str) -> None:
        doc = self._deployment(deployment_id)
        self.abort_jobs(deployment_id, "The deployment was deleted")
        del self._s["deployments"][deployment_id]
        self.drop_settings(deployment_id)
        self._s["deleted"][deployment_id] = {"id": deployment_id, "label": doc["label"], "deletedAt": self.now()}

    def list_deleted(self) -> list[Doc]:
        return [copy.deepcopy(d) for d in self._s["deleted"].values()]

    def erase_deleted(self, body: Any) -> str:
        want = parse(PermanentDelete, body, "permanent delete")
        unknown = [i for i in want.deploymentIds if i not in self._s["deleted"]]
        if unknown:
            raise Unprocessable(f"Not deleted deployments: {', '.join(unknown)}",
                                {"deploymentIds": "every id must be a deleted deployment"})
        return self.start_job("erase", f"Erasing {len(want.deploymentIds)} deleted deployment(s)",
                              erase=list(dict.fromkeys(want.deploymentIds)))

    # -- read-only views ----------------------------------------------------------------------
    def capabilities(self, deployment_id: str) -> Doc:
        self._deployment(deployment_id)
        return {"data": [{"name": n, "supported": ok, "messages": [m]} for n, ok, m in seed.CAPABILITIES]}

    def features(self, deployment_id: str, search: str | None = None, order_by: str | None = None) -> list[Doc]:
        doc = self._deployment(deployment_id)
        needle = (search or "").lower()
        rows = [{"name": n, "featureType": t, "importance": i, "dateFormat": None, "knownInAdvance": False}
                for n, t, i in seed.FEATURES.get(doc["model"]["projectId"], ()) if needle in n.lower()]
        if order_by:
            key = order_by.lstrip("-")
            if key not in ("name", "importance"):
                raise Unprocessable(f"Invalid orderBy {order_by!r}", {"orderBy": "one of name, importance"})
            rows.sort(key=lambda r: r[key], reverse=order_by.startswith("-"))
        return rows

    def model_history(self, deployment_id: str) -> list[Doc]:
        self._deployment(deployment_id)
        return copy.deepcopy(list(reversed(self._s["history"].get(deployment_id, []))))
