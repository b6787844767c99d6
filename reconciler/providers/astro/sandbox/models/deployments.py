"""Deployments of the Astro world (a mixin of ``models.AstroWorld``).

Rules beyond the request models, each checked before anything changes:
- STANDARD needs ``cloudProvider`` + ``region`` or a known ``clusterId`` (a shared cluster, or the
  dedicated one); DEDICATED and HYBRID need a known ``clusterId`` of their kind;
  ``astroRuntimeVersion`` must be a release of ``deployment-options``. What each type takes and
  refuses (hosted sizes vs HYBRID scheduler and node pools, hibernation, Remote Execution) is
  ``models.deployment_kinds``.
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
- Omitted optional keys keep their value: ``scalingSpec``, ``remoteExecution``,
  ``workloadIdentity`` (inferred; the provider sends them back converted to the request shape).
- Every hosted Deployment carries what Astro returns for one (``workloadIdentity``, a default one
  per cloud; ``scalingSpec``; ``remoteExecution`` with its ``remoteApiUrl``; ``externalIPs``;
  ``oidcIssuerUrl``; ``statusReason``; ``clusterId``, a shared one for STANDARD; node pool ids on
  the task pods and queues); development ones also ``scalingStatus``.
- Secret values are kept in ``_secrets`` and never returned; the status is ``CREATING`` in the
  create response and ``HEALTHY`` from the first read on.
"""

from __future__ import annotations

from typing import Any

from reconciler.providers.astro.sandbox.errors import BadRequest, NotFound
from reconciler.providers.astro.sandbox.models import deployment_kinds as kinds
from reconciler.providers.astro.sandbox.payloads import (
    CreateDeployment,
    HibernationOverrideBody,
    UpdateDeployment,
    default_queue_body,
    parse,
    queue_document,
)
from reconciler.providers.astro.sandbox.seed import (
    CLUSTER_INFO,
    DEFAULT_NODE_POOL,
    DEFAULT_WORKSPACE,
    EXTERNAL_IPS,
    HOSTED_NODE_POOL,
    IMAGE_HOST,
    LEGACY_DEPLOY,
    LEGACY_DEPLOYMENT,
    ORG_ID,
    RUNTIME_RELEASES,
    SCHEDULERS,
    SEED_TIME,
    SUBJECT,
    airflow_version,
    default_workload_identity,
    shared_cluster,
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
            doc["status"], doc["statusReason"] = "HEALTHY", "Successfully Deployed"
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
            return [default_queue_body(req["type"] == "HYBRID")]
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
        if req["astroRuntimeVersion"] not in dict(RUNTIME_RELEASES):
            raise BadRequest(f"Invalid astroRuntimeVersion {req['astroRuntimeVersion']}: see deployment-options")
        cloud, region = req.get("cloudProvider"), req.get("region")
        if req.get("clusterId"):
            cloud, region = kinds.check_cluster(req) if req["clusterId"] in CLUSTER_INFO else \
                self._shared_cluster(req["clusterId"])
        elif req["type"] != "STANDARD":
            raise BadRequest(f"clusterId is required for {req['type']} Deployments")
        elif not (cloud and region):
            raise BadRequest("cloudProvider and region (or clusterId) are required")
        kinds.check_kind(req, req["type"], development=bool(req.get("isDevelopmentMode")))
        self._check_name(req["workspaceId"], req["name"])
        queues = self._check_queues(req, set())
        env = self._check_env(req.get("environmentVariables") or [], {})
        deployment_id = self.new_id("d")  # type: ignore[attr-defined]
        doc = self._new_doc(deployment_id, req, cloud, region, self.now())  # type: ignore[attr-defined]
        doc["_prev_secrets"] = {}
        self._apply_env(doc, env, doc["createdAt"])
        self._apply_queues(doc, queues)
        self._s["deployments"][deployment_id] = doc
        return deployment_view(doc)

    def _shared_cluster(self, cluster_id: str) -> tuple[str, str]:
        """(cloud, region) of a shared cluster a STANDARD create names by id."""
        for d in self._s["deployments"].values():
            if d["type"] == "STANDARD" and d.get("clusterId") == cluster_id:
                return d["cloudProvider"], d["region"]
        raise BadRequest(f"Cluster {cluster_id} not found")

    def update_deployment(self, org: str, deployment_id: str, body: Any) -> Doc:
        doc = self._deployment(org, deployment_id)
        req = parse(UpdateDeployment, body, "deployment update").model_dump()
        if req["type"] != doc["type"]:
            raise BadRequest(f"type cannot change ({doc['type']} -> {req['type']})")
        if req.get("isDevelopmentMode") and not doc["isDevelopmentMode"]:
            raise BadRequest("isDevelopmentMode cannot be set to true for an existing non-development Deployment")
        development = doc["isDevelopmentMode"] if req.get("isDevelopmentMode") is None else req["isDevelopmentMode"]
        kinds.check_kind(req, doc["type"], development=development)
        self._check_name(req["workspaceId"], req["name"], exclude=deployment_id)
        queues = self._check_queues(req, {q["id"] for q in doc["workerQueues"]})
        env = self._check_env(req["environmentVariables"], doc["_secrets"])
        now = self.now()  # type: ignore[attr-defined]
        for key in ("name", "workspaceId", "executor", "isCicdEnforced", "isDagDeployEnabled"):
            doc[key] = req.get(key)
        doc["description"] = req.get("description") or ""
        for key in ("isDevelopmentMode", "defaultTaskPodCpu", "defaultTaskPodMemory", "resourceQuotaCpu",
                    "resourceQuotaMemory", "contactEmails", "workloadIdentity", "taskPodNodePoolId",
                    "schedulerSize", "isHighAvailability"):
            if req.get(key) is not None:
                doc[key] = req[key]
        self._set_scheduler(doc, req)
        if doc["type"] != "HYBRID":
            doc["scalingSpec"] = kinds.scaling_document(req.get("scalingSpec"), doc.get("scalingSpec"), now)
            api_url = (doc.get("remoteExecution") or {}).get("remoteApiUrl") or \
                f"https://{deployment_id}.astro.local/remote/api/v1"
            doc["remoteExecution"] = kinds.remote_document(req.get("remoteExecution"), doc.get("remoteExecution"),
                                                           api_url)
            doc["scalingStatus"] = kinds.scaling_status(doc, now)
        doc["workspaceName"] = self._s["workspaces"][req["workspaceId"]]["name"]
        doc["_prev_secrets"] = dict(doc["_secrets"])
        self._apply_env(doc, env, now)
        self._apply_queues(doc, queues)
        doc["updatedAt"], doc["updatedBy"] = now, dict(SUBJECT)
        return deployment_view(doc)

    @staticmethod
    def _set_scheduler(doc: Doc, req: Doc) -> None:
        if doc["type"] == "HYBRID":
            doc["schedulerAu"], doc["schedulerReplicas"] = req["scheduler"]["au"], req["scheduler"]["replicas"]
            doc["schedulerCpu"], doc["schedulerMemory"] = f"{req['scheduler']['au'] / 10:g}", \
                f"{req['scheduler']['au'] * 0.375:g}Gi"
        else:
            doc["schedulerCpu"], doc["schedulerMemory"] = SCHEDULERS[doc["schedulerSize"]]
            doc["schedulerReplicas"] = 2 if doc["isHighAvailability"] else 1

    def override_hibernation(self, org: str, deployment_id: str, body: Any) -> Doc:
        """``POST …/hibernation-override``: a development Deployment hibernates (or wakes) now,
        until ``overrideUntil`` (or until the override is deleted)."""
        doc = self._deployment(org, deployment_id)
        req = parse(HibernationOverrideBody, body, "hibernation override").model_dump()
        if doc["type"] == "HYBRID" or not doc["isDevelopmentMode"]:
            raise BadRequest("Hibernation overrides are available only for development Deployments")
        now = self.now()  # type: ignore[attr-defined]
        override = kinds.override_document(req, now)
        doc["scalingSpec"].setdefault("hibernationSpec", {})["override"] = override
        doc["scalingStatus"] = kinds.scaling_status(doc, now)
        doc["updatedAt"], doc["updatedBy"] = now, dict(SUBJECT)
        return dict(override or {})

    def delete_hibernation_override(self, org: str, deployment_id: str) -> None:
        doc = self._deployment(org, deployment_id)
        if doc["type"] == "HYBRID" or not doc["isDevelopmentMode"]:
            raise BadRequest("Hibernation overrides are available only for development Deployments")
        doc["scalingSpec"].get("hibernationSpec", {}).pop("override", None)
        doc["scalingStatus"] = kinds.scaling_status(doc, self.now())  # type: ignore[attr-defined]

    def delete_deployment(self, org: str, deployment_id: str) -> None:
        self._deployment(org, deployment_id)
        del self._s["deployments"][deployment_id]
        for deploy_id in [k for k, v in self._s["deploys"].items() if v["deploymentId"] == deployment_id]:
            del self._s["deploys"][deploy_id]
        for version in [k for k, v in self._s["blobs"].items() if v["deployment"] == deployment_id]:
            del self._s["blobs"][version]
        self.forget_deployment_objects(deployment_id)  # type: ignore[attr-defined]
        self.forget_deployment_alerting(deployment_id)  # type: ignore[attr-defined]
        self.forget_team_roles(deployment_id)  # type: ignore[attr-defined]

    def set_runtime(self, deployment_id: str, version: str) -> None:
        """Test helper: what an image deploy built on another Runtime does to the deployment."""
        doc = self._s["deployments"][deployment_id]
        doc["astroRuntimeVersion"] = doc["runtimeVersion"] = version
        doc["airflowVersion"] = airflow_version(version)

    def _new_doc(self, deployment_id: str, req: Doc, cloud: str, region: str, now: str) -> Doc:
        namespace = f"sandbox-{deployment_id[-6:]}"
        host = f"{deployment_id}.astro.local"
        hybrid = req["type"] == "HYBRID"
        cluster = req.get("clusterId") or shared_cluster(cloud, region)
        doc = {
            "id": deployment_id, "organizationId": ORG_ID, "name": req["name"],
            "description": req.get("description") or "", "workspaceId": req["workspaceId"],
            "workspaceName": self._s["workspaces"][req["workspaceId"]]["name"],
            "type": req["type"], "status": "CREATING", "statusReason": "Deployment is being created",
            "astroRuntimeVersion": req["astroRuntimeVersion"], "runtimeVersion": req["astroRuntimeVersion"],
            "airflowVersion": airflow_version(req["astroRuntimeVersion"]),
            "executor": req["executor"], "schedulerSize": None if hybrid else req["schedulerSize"],
            "webServerCpu": "0.5", "webServerMemory": "1Gi", "webServerReplicas": 1,
            "cloudProvider": cloud, "region": region, "clusterId": cluster,
            "clusterName": CLUSTER_INFO[cluster][2] if cluster in CLUSTER_INFO else None,
            "isCicdEnforced": req["isCicdEnforced"], "isDagDeployEnabled": req["isDagDeployEnabled"],
            "isHighAvailability": None if hybrid else req["isHighAvailability"],
            "isDevelopmentMode": None if hybrid else bool(req.get("isDevelopmentMode")),
            "contactEmails": req.get("contactEmails") or [],
            "defaultTaskPodCpu": None if hybrid else req.get("defaultTaskPodCpu") or "0.25",
            "defaultTaskPodMemory": None if hybrid else req.get("defaultTaskPodMemory") or "0.5Gi",
            "resourceQuotaCpu": None if hybrid else req.get("resourceQuotaCpu") or "10",
            "resourceQuotaMemory": None if hybrid else req.get("resourceQuotaMemory") or "20Gi",
            "taskPodNodePoolId": req.get("taskPodNodePoolId") or (DEFAULT_NODE_POOL if hybrid else HOSTED_NODE_POOL),
            "workloadIdentity": req.get("workloadIdentity") or default_workload_identity(cloud, namespace),
            "externalIPs": list(EXTERNAL_IPS), "oidcIssuerUrl": f"https://oidc.astro.local/{cluster}",
            "namespace": namespace, "imageRepository": f"{IMAGE_HOST}/{ORG_ID}/{deployment_id}",
            "imageTag": "", "imageVersion": "", "dagTarballVersion": "", "desiredDagTarballVersion": "",
            "apiUrl": f"https://{host}/api/v1", "uiUrl": f"https://{host}", "webServerUrl": f"{host}",
            "webServerAirflowApiUrl": f"{host}/api/v2", "webServerIngressHostname": host,
            "createdAt": now, "updatedAt": now, "createdBy": dict(SUBJECT), "updatedBy": dict(SUBJECT),
            "environmentVariables": [], "workerQueues": [], "_secrets": {},
        }
        self._set_scheduler(doc, req)
        if not hybrid:
            doc["scalingSpec"] = kinds.scaling_document(req.get("scalingSpec"), None, now)
            doc["remoteExecution"] = kinds.remote_document(req.get("remoteExecution"), None,
                                                           f"https://{host}/remote/api/v1")
            doc["scalingStatus"] = kinds.scaling_status(doc, now)
        return doc

    def _seed_legacy_deployment(self) -> None:
        req = {"type": "STANDARD", "name": "legacy-etl", "description": "made by hand in the UI",
               "workspaceId": DEFAULT_WORKSPACE, "astroRuntimeVersion": "12.1.0", "executor": "CELERY",
               "schedulerSize": "SMALL", "isCicdEnforced": False, "isDagDeployEnabled": True,
               "isHighAvailability": False}
        doc = self._new_doc(LEGACY_DEPLOYMENT, req, "AWS", "us-east-1", SEED_TIME)
        doc.update({"status": "HEALTHY", "statusReason": "Successfully Deployed", "imageTag": "deploy-2026-01-05T10-00", "dagTarballVersion": "seed-v1",
                    "desiredDagTarballVersion": "seed-v1", "_prev_secrets": {}})
        self._apply_env(doc, [{"key": "ENV", "value": "dev", "isSecret": False},
                              {"key": "TOKEN", "value": "seed-secret", "isSecret": True}], SEED_TIME)
        doc["workerQueues"] = [queue_document(default_queue_body(False), "clq0000000000000000000001")]
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
