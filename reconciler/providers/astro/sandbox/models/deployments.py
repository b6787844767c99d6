"""Deployments of the Astro world (a mixin of ``models.AstroWorld``).

Rules beyond the request models, each checked before anything changes:
- ``type`` HYBRID is not emulated; STANDARD needs ``cloudProvider`` + ``region`` or a known
  ``clusterId``; DEDICATED needs a known ``clusterId``; ``astroRuntimeVersion`` must be a release
  of ``deployment-options``.
- Worker queues apply to CELERY, and to ASTRO unless Remote Execution is enabled; those need
  unique queue names and exactly one default queue, named ``default`` (one is created when
  ``workerQueues`` is omitted, on create and on an update from an executor without queues).
  KUBERNETES, and ASTRO with Remote Execution, have none: non-empty ``workerQueues`` is a 400.
  Remote Execution needs the ASTRO executor (inferred). The executor can change in any direction
  on update (Astro's docs: "you can update the executor at any time").
- Names are unique per workspace (inferred: not documented).
- Update is a full body. ``type`` cannot change, ``astroRuntimeVersion`` / ``cloudProvider`` /
  ``region`` / ``clusterId`` are not part of it (ignored), ``isDevelopmentMode`` cannot go
  false -> true, a secret env var sent without ``value`` keeps its stored value (inferred from the
  CLI docs), a new one without value is refused.
- Secret values are kept in ``_secrets`` and never returned; the status is ``CREATING`` in the
  create response and ``HEALTHY`` from the first read on.
"""

from __future__ import annotations

from typing import Any

from reconciler.providers.astro.sandbox.errors import BadRequest, NotFound
from reconciler.providers.astro.sandbox.payloads import (
    CreateDeployment,
    UpdateDeployment,
    default_queue_body,
    parse,
    queue_document,
)
from reconciler.providers.astro.sandbox.seed import (
    CLUSTERS,
    DEFAULT_WORKSPACE,
    IMAGE_HOST,
    LEGACY_DEPLOY,
    LEGACY_DEPLOYMENT,
    ORG_ID,
    RUNTIME_RELEASES,
    SCHEDULERS,
    SEED_TIME,
    SUBJECT,
    airflow_version,
)

Doc = dict[str, Any]


def deployment_view(doc: Doc) -> Doc:
    """The public document: internal keys dropped, unset optional keys omitted (the client
    rejects ``null`` for object fields such as ``remoteExecution``), secret values never shown."""
    out = {k: v for k, v in doc.items() if not k.startswith("_") and v is not None}
    out["environmentVariables"] = [
        {k: v for k, v in e.items() if not (e.get("isSecret") and k == "value")} for e in doc["environmentVariables"]]
    out["workerQueues"] = [dict(q) for q in doc["workerQueues"]]
    return out


class DeploymentsMixin:
    _s: Doc

    # -- lookups ---------------------------------------------------------------------------------
    def _deployment(self, org: str, deployment_id: str) -> Doc:
        self.check_org(org)  # type: ignore[attr-defined]
        found = self._s["deployments"].get(deployment_id)
        if found is None:
            raise NotFound(f"Deployment {deployment_id} not found")
        return found

    def _seen(self, doc: Doc) -> Doc:
        if doc["status"] == "CREATING":
            doc["status"] = "HEALTHY"
        return deployment_view(doc)

    def list_deployments(self, org: str, *, ids: list[str], names: list[str], workspace_ids: list[str],
                         sorts: list[str], offset: int, limit: int) -> Doc:
        self.check_org(org)  # type: ignore[attr-defined]
        items = [d for d in self._s["deployments"].values()
                 if (not ids or d["id"] in ids) and (not names or d["name"] in names)
                 and (not workspace_ids or d["workspaceId"] in workspace_ids)]
        ordered = self.sort(items, sorts)  # type: ignore[attr-defined]
        page = self.page(ordered, "deployments", offset, limit)  # type: ignore[attr-defined]
        page["deployments"] = [self._seen(d) for d in page["deployments"]]  # only what this page returns
        return page

    def get_deployment(self, org: str, deployment_id: str) -> Doc:
        return self._seen(self._deployment(org, deployment_id))

    # -- validation shared by create and update --------------------------------------------------
    def _check_name(self, workspace_id: str, name: str, exclude: str | None = None) -> None:
        if workspace_id not in self._s["workspaces"]:
            raise NotFound(f"Workspace {workspace_id} not found")
        for d in self._s["deployments"].values():
            if d["workspaceId"] == workspace_id and d["name"] == name and d["id"] != exclude:
                raise BadRequest(f"A Deployment named {name!r} already exists in Workspace {workspace_id}")

    @staticmethod
    def _check_executor(req: Doc) -> None:
        remote = req.get("remoteExecution") or {}
        if remote.get("enabled") and req["executor"] != "ASTRO":
            raise BadRequest(f"Remote Execution requires the ASTRO executor, not {req['executor']}")

    @staticmethod
    def _check_queues(req: Doc, known_ids: set[str]) -> list[Doc]:
        executor, queues = req["executor"], req.get("workerQueues")
        if executor == "KUBERNETES":
            if queues:
                raise BadRequest("workerQueues do not apply to the KUBERNETES executor")
            return []
        if (req.get("remoteExecution") or {}).get("enabled"):
            if queues:
                raise BadRequest("workerQueues do not apply to an ASTRO Deployment with Remote Execution enabled")
            return []
        if queues is None:
            return [default_queue_body()]
        seen: set[str] = set()
        for q in queues:
            if q["name"] in seen:
                raise BadRequest(f"Worker queue names must be unique: {q['name']} appears more than once")
            seen.add(q["name"])
        if [q["name"] for q in queues if q["isDefault"]] != ["default"]:
            raise BadRequest("A Deployment needs exactly one default worker queue, named 'default'")
        for q in queues:
            if q["minWorkerCount"] > q["maxWorkerCount"]:
                raise BadRequest(f"Worker queue {q['name']}: minWorkerCount exceeds maxWorkerCount")
            if q.get("id") and q["id"] not in known_ids:
                raise BadRequest(f"Worker queue id {q['id']} does not belong to this Deployment")
        return queues

    @staticmethod
    def _check_env(env: list[Doc], stored: Doc) -> list[Doc]:
        keys = [e["key"] for e in env]
        if len(set(keys)) != len(keys):
            raise BadRequest("Environment variable keys must be unique")
        out = []
        for e in env:
            value = e.get("value")
            if e["isSecret"] and value is None:
                if e["key"] not in stored:
                    raise BadRequest(f"Environment variable {e['key']}: a new secret needs a value")
                value = stored[e["key"]]
            out.append({"key": e["key"], "value": value if value is not None else "", "isSecret": e["isSecret"]})
        return out

    def _apply_env(self, doc: Doc, env: list[Doc], now: str) -> None:
        previous = {e["key"]: e for e in doc.get("environmentVariables", [])}
        doc["_secrets"] = {e["key"]: e["value"] for e in env if e["isSecret"]}
        doc["environmentVariables"] = [
            {"key": e["key"], "isSecret": e["isSecret"], "value": e["value"] if not e["isSecret"] else None,
             "updatedAt": (previous[e["key"]]["updatedAt"] if e["key"] in previous
                           and _same_var(previous[e["key"]], e, doc["_prev_secrets"]) else now)}
            for e in env]
        doc.pop("_prev_secrets", None)

    def _apply_queues(self, doc: Doc, queues: list[Doc]) -> None:
        doc["workerQueues"] = [queue_document(q, q.get("id") or self.new_id("q"))  # type: ignore[attr-defined]
                               for q in queues]

    # -- operations ------------------------------------------------------------------------------
    def create_deployment(self, org: str, body: Any) -> Doc:
        self.check_org(org)  # type: ignore[attr-defined]
        req = parse(CreateDeployment, body, "deployment").model_dump()
        if req["type"] == "HYBRID":
            raise BadRequest("HYBRID deployments are not available in this organization")
        if req["astroRuntimeVersion"] not in dict(RUNTIME_RELEASES):
            raise BadRequest(f"Invalid astroRuntimeVersion {req['astroRuntimeVersion']}: see deployment-options")
        cloud, region = req.get("cloudProvider"), req.get("region")
        if req.get("clusterId"):
            if req["clusterId"] not in CLUSTERS:
                raise BadRequest(f"Cluster {req['clusterId']} not found")
            cloud, region = CLUSTERS[req["clusterId"]]
        elif req["type"] == "DEDICATED" or not (cloud and region):
            raise BadRequest("cloudProvider and region (or clusterId) are required" if req["type"] == "STANDARD"
                             else "clusterId is required for DEDICATED deployments")
        self._check_name(req["workspaceId"], req["name"])
        self._check_executor(req)
        queues = self._check_queues(req, set())
        env = self._check_env(req.get("environmentVariables") or [], {})
        deployment_id = self.new_id("d")  # type: ignore[attr-defined]
        doc = self._new_doc(deployment_id, req, cloud, region, self.now())  # type: ignore[attr-defined]
        doc["_prev_secrets"] = {}
        self._apply_env(doc, env, doc["createdAt"])
        self._apply_queues(doc, queues)
        self._s["deployments"][deployment_id] = doc
        return deployment_view(doc)

    def update_deployment(self, org: str, deployment_id: str, body: Any) -> Doc:
        doc = self._deployment(org, deployment_id)
        req = parse(UpdateDeployment, body, "deployment update").model_dump()
        if req["type"] != doc["type"]:
            raise BadRequest(f"type cannot change ({doc['type']} -> {req['type']})")
        if req.get("isDevelopmentMode") and not doc["isDevelopmentMode"]:
            raise BadRequest("isDevelopmentMode cannot be set to true for an existing non-development Deployment")
        self._check_name(req["workspaceId"], req["name"], exclude=deployment_id)
        self._check_executor(req)
        queues = self._check_queues(req, {q["id"] for q in doc["workerQueues"]})
        env = self._check_env(req["environmentVariables"], doc["_secrets"])
        now = self.now()  # type: ignore[attr-defined]
        for key in ("name", "workspaceId", "executor", "schedulerSize", "isCicdEnforced", "isDagDeployEnabled",
                    "isHighAvailability", "scalingSpec", "remoteExecution", "workloadIdentity"):
            doc[key] = req.get(key)
        doc["description"] = req.get("description") or ""
        for key in ("isDevelopmentMode", "defaultTaskPodCpu", "defaultTaskPodMemory", "resourceQuotaCpu",
                    "resourceQuotaMemory", "contactEmails"):
            if req.get(key) is not None:
                doc[key] = req[key]
        doc["schedulerCpu"], doc["schedulerMemory"] = SCHEDULERS[req["schedulerSize"]]
        doc["schedulerReplicas"] = 2 if req["isHighAvailability"] else 1
        doc["workspaceName"] = self._s["workspaces"][req["workspaceId"]]["name"]
        doc["_prev_secrets"] = dict(doc["_secrets"])
        self._apply_env(doc, env, now)
        self._apply_queues(doc, queues)
        doc["updatedAt"], doc["updatedBy"] = now, dict(SUBJECT)
        return deployment_view(doc)

    def delete_deployment(self, org: str, deployment_id: str) -> None:
        self._deployment(org, deployment_id)
        del self._s["deployments"][deployment_id]
        for deploy_id in [k for k, v in self._s["deploys"].items() if v["deploymentId"] == deployment_id]:
            del self._s["deploys"][deploy_id]
        for version in [k for k, v in self._s["blobs"].items() if v["deployment"] == deployment_id]:
            del self._s["blobs"][version]

    def set_runtime(self, deployment_id: str, version: str) -> None:
        """Test helper: what an image deploy built on another Runtime does to the deployment."""
        doc = self._s["deployments"][deployment_id]
        doc["astroRuntimeVersion"] = doc["runtimeVersion"] = version
        doc["airflowVersion"] = airflow_version(version)

    def _new_doc(self, deployment_id: str, req: Doc, cloud: str, region: str, now: str) -> Doc:
        namespace = f"sandbox-{deployment_id[-6:]}"
        host = f"{deployment_id}.astro.local"
        cpu, memory = SCHEDULERS[req["schedulerSize"]]
        return {
            "id": deployment_id, "organizationId": ORG_ID, "name": req["name"],
            "description": req.get("description") or "", "workspaceId": req["workspaceId"],
            "workspaceName": self._s["workspaces"][req["workspaceId"]]["name"],
            "type": req["type"], "status": "CREATING", "statusReason": None,
            "astroRuntimeVersion": req["astroRuntimeVersion"], "runtimeVersion": req["astroRuntimeVersion"],
            "airflowVersion": airflow_version(req["astroRuntimeVersion"]),
            "executor": req["executor"], "schedulerSize": req["schedulerSize"],
            "schedulerCpu": cpu, "schedulerMemory": memory, "schedulerReplicas": 2 if req["isHighAvailability"] else 1,
            "webServerCpu": "0.5", "webServerMemory": "1Gi", "webServerReplicas": 1,
            "cloudProvider": cloud, "region": region, "clusterId": req.get("clusterId"),
            "isCicdEnforced": req["isCicdEnforced"], "isDagDeployEnabled": req["isDagDeployEnabled"],
            "isHighAvailability": req["isHighAvailability"], "isDevelopmentMode": bool(req.get("isDevelopmentMode")),
            "contactEmails": req.get("contactEmails") or [],
            "defaultTaskPodCpu": req.get("defaultTaskPodCpu") or "0.25",
            "defaultTaskPodMemory": req.get("defaultTaskPodMemory") or "0.5Gi",
            "resourceQuotaCpu": req.get("resourceQuotaCpu") or "10",
            "resourceQuotaMemory": req.get("resourceQuotaMemory") or "20Gi",
            "scalingSpec": req.get("scalingSpec"), "remoteExecution": req.get("remoteExecution"),
            "workloadIdentity": req.get("workloadIdentity"),
            "namespace": namespace, "imageRepository": f"{IMAGE_HOST}/{ORG_ID}/{deployment_id}",
            "imageTag": "", "imageVersion": "", "dagTarballVersion": "", "desiredDagTarballVersion": "",
            "apiUrl": f"https://{host}/api/v1", "uiUrl": f"https://{host}", "webServerUrl": f"{host}",
            "webServerAirflowApiUrl": f"{host}/api/v2", "webServerIngressHostname": host,
            "createdAt": now, "updatedAt": now, "createdBy": dict(SUBJECT), "updatedBy": dict(SUBJECT),
            "environmentVariables": [], "workerQueues": [], "_secrets": {},
        }

    def _seed_legacy_deployment(self) -> None:
        req = {"type": "STANDARD", "name": "legacy-etl", "description": "made by hand in the UI",
               "workspaceId": DEFAULT_WORKSPACE, "astroRuntimeVersion": "12.1.0", "executor": "CELERY",
               "schedulerSize": "SMALL", "isCicdEnforced": False, "isDagDeployEnabled": True,
               "isHighAvailability": False}
        doc = self._new_doc(LEGACY_DEPLOYMENT, req, "AWS", "us-east-1", SEED_TIME)
        doc.update({"status": "HEALTHY", "imageTag": "deploy-2026-01-05T10-00", "dagTarballVersion": "seed-v1",
                    "desiredDagTarballVersion": "seed-v1", "_prev_secrets": {}})
        self._apply_env(doc, [{"key": "ENV", "value": "dev", "isSecret": False},
                              {"key": "TOKEN", "value": "seed-secret", "isSecret": True}], SEED_TIME)
        doc["workerQueues"] = [queue_document(default_queue_body(), "clq0000000000000000000001")]
        self._s["deployments"][LEGACY_DEPLOYMENT] = doc
        self._s["deploys"][LEGACY_DEPLOY] = {
            "id": LEGACY_DEPLOY, "deploymentId": LEGACY_DEPLOYMENT, "type": "DAG_ONLY", "status": "DEPLOYED",
            "isDagDeployEnabled": True, "imageRepository": doc["imageRepository"], "imageTag": doc["imageTag"],
            "description": "astro deploy --dags", "dagTarballVersion": "seed-v1", "astroRuntimeVersion": "12.1.0",
            "airflowVersion": "2.10.3", "createdAt": SEED_TIME, "updatedAt": SEED_TIME,
            "createdBySubject": dict(SUBJECT), "updatedBySubject": dict(SUBJECT),
            "_sig": "seed", "_finalized": True, "_pollsLeft": 0,
        }


def _same_var(before: Doc, after: Doc, secrets: Doc) -> bool:
    if before["isSecret"] != after["isSecret"]:
        return False
    if after["isSecret"]:
        return secrets.get(after["key"]) == after["value"]
    return before.get("value") == after["value"]
