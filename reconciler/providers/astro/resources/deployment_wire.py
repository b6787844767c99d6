"""``astro_deployment`` <-> Astro's Deployment documents: the live view and the request bodies.

Pure functions. The live view is in spec vocabulary (snake_case); secret env var values are
never part of it (Astro does not return them, and we would not keep them). Request bodies follow
``Create{Standard,Dedicated}DeploymentRequest`` and ``Update{Standard,Dedicated}DeploymentRequest``
of ``astro-platform-api`` 1.1.1: an update is the *full* body, so every field the spec does not
manage is copied from the live document, except what the new executor does not take: worker
queues go only to CELERY and to ASTRO without Remote Execution, Remote Execution only to ASTRO.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reconciler.providers.common import text

Doc = dict[str, Any]

#: spec field -> Deployment document key, for plain scalar fields
SCALARS = {
    "name": "name",
    "executor": "executor",
    "scheduler_size": "schedulerSize",
    "is_cicd_enforced": "isCicdEnforced",
    "is_dag_deploy_enabled": "isDagDeployEnabled",
    "is_high_availability": "isHighAvailability",
    "is_development_mode": "isDevelopmentMode",
    "default_task_pod_cpu": "defaultTaskPodCpu",
    "default_task_pod_memory": "defaultTaskPodMemory",
    "resource_quota_cpu": "resourceQuotaCpu",
    "resource_quota_memory": "resourceQuotaMemory",
}
#: fields fixed at creation: never in an update body
CREATE_ONLY_KEYS = {"type": "type", "astro_runtime_version": "astroRuntimeVersion",
                    "cloud_provider": "cloudProvider", "region": "region", "cluster_id": "clusterId"}
#: update-body keys copied from the live document when the spec does not manage them
PASSTHROUGH = ("scalingSpec", "remoteExecution", "workloadIdentity")
QUEUE_KEYS = {"name": "name", "is_default": "isDefault", "astro_machine": "astroMachine",
              "min_worker_count": "minWorkerCount", "max_worker_count": "maxWorkerCount",
              "worker_concurrency": "workerConcurrency"}
#: live attributes that change without anyone editing the deployment (left out of fingerprints)
VOLATILE = ("status", "web_server_url", "airflow_version", "updated_at", "updated_by")


def live_view(doc: Mapping[str, Any]) -> Doc:
    env = [e for e in doc.get("environmentVariables") or [] if isinstance(e, Mapping)]
    out: Doc = {
        "id": doc["id"],
        "workspace": doc.get("workspaceId"),
        "description": text(doc.get("description")),
        "type": doc.get("type"),
        "astro_runtime_version": doc.get("astroRuntimeVersion"),
        "cloud_provider": doc.get("cloudProvider"),
        "region": doc.get("region"),
        "cluster_id": doc.get("clusterId"),
        "contact_emails": sorted(doc.get("contactEmails") or []),
        "worker_queues": [_queue_view(q) for q in doc.get("workerQueues") or []],
        "environment_variables": {e["key"]: e.get("value") or "" for e in env if not e.get("isSecret")},
        # server-owned outputs
        "status": doc.get("status"),
        "namespace": doc.get("namespace"),
        "image_repository": doc.get("imageRepository"),
        "web_server_url": doc.get("webServerUrl"),
        "airflow_version": doc.get("airflowVersion"),
        "secret_keys": sorted(e["key"] for e in env if e.get("isSecret")),
        "updated_at": doc.get("updatedAt"),
        "updated_by": doc.get("updatedBy"),
    }
    for field, key in SCALARS.items():
        out[field] = doc.get(key)
    out["is_development_mode"] = bool(doc.get("isDevelopmentMode", False))
    out["is_high_availability"] = bool(doc.get("isHighAvailability", False))
    return out


def takes_queues(executor: Any, remote_execution: Any) -> bool:
    """Whether a Deployment with this executor takes ``workerQueues``: CELERY, and ASTRO unless Remote
    Execution is enabled (``UpdateStandardDeploymentRequest.worker_queues``); never KUBERNETES."""
    remote = isinstance(remote_execution, Mapping) and bool(remote_execution.get("enabled"))
    return executor == "CELERY" or (executor == "ASTRO" and not remote)


def _queue_view(queue: Mapping[str, Any]) -> Doc:
    return {field: queue.get(key) for field, key in QUEUE_KEYS.items()}


def queue_body(queue: Mapping[str, Any], live_queues: list[Mapping[str, Any]]) -> Doc:
    """One ``WorkerQueueRequest``, keeping the id of the live queue of the same name."""
    body = {key: queue[field] for field, key in QUEUE_KEYS.items() if queue.get(field) is not None}
    for live in live_queues:
        if live.get("name") == queue["name"] and live.get("id"):
            body["id"] = live["id"]
    return body


def env_body(spec: Mapping[str, Any], live_env: list[Mapping[str, Any]]) -> list[Doc]:
    """``environmentVariables`` for create/update.

    Each map the spec declares is authoritative for its kind (plain / secret); a kind the spec
    does not declare is sent back as it is live, secrets without a value (Astro keeps the value).
    """
    out: list[Doc] = []
    if "environment_variables" in spec:
        out += [{"key": k, "value": v, "isSecret": False} for k, v in sorted((spec["environment_variables"] or {}).items())]
    else:
        out += [{"key": e["key"], "value": e.get("value") or "", "isSecret": False}
                for e in live_env if not e.get("isSecret")]
    if "secret_environment_variables" in spec:
        out += [{"key": k, "value": v, "isSecret": True}
                for k, v in sorted((spec["secret_environment_variables"] or {}).items())]
    else:
        out += [{"key": e["key"], "isSecret": True} for e in live_env if e.get("isSecret")]
    return out


def create_body(spec: Mapping[str, Any], runtime: str) -> Doc:
    """A ``Create{Standard,Dedicated}DeploymentRequest`` from a validated spec dump."""
    body: Doc = {
        "type": spec["type"],
        "name": spec["name"],
        "description": text(spec.get("description")),
        "workspaceId": spec["workspace"],
        "astroRuntimeVersion": runtime,
        "contactEmails": list(spec.get("contact_emails") or []),
        "environmentVariables": env_body(spec, []),
    }
    for field, key in SCALARS.items():
        if spec.get(field) is not None:
            body[key] = spec[field]
    for field in ("cloud_provider", "region", "cluster_id"):
        if spec.get(field) is not None:
            body[CREATE_ONLY_KEYS[field]] = spec[field]
    if spec.get("worker_queues") is not None and takes_queues(spec["executor"], None):
        body["workerQueues"] = [queue_body(q, []) for q in spec["worker_queues"]]
    return body


def update_body(current: Mapping[str, Any], spec: Mapping[str, Any]) -> Doc:
    """The full update body: the live document's updatable fields, overlaid with the spec's."""
    body: Doc = {"type": current.get("type"), "workspaceId": spec.get("workspace", current.get("workspaceId")),
                 "description": text(spec["description"] if "description" in spec else current.get("description")),
                 "contactEmails": list(spec["contact_emails"] if "contact_emails" in spec
                                       else current.get("contactEmails") or [])}
    for field, key in SCALARS.items():
        value = spec[field] if field in spec else current.get(key)
        if value is not None:
            body[key] = value
    executor = body.get("executor")
    for key in PASSTHROUGH:
        if current.get(key) is not None and not (key == "remoteExecution" and executor != "ASTRO"):
            body[key] = current[key]
    if takes_queues(executor, body.get("remoteExecution")):
        live_queues = [q for q in current.get("workerQueues") or [] if isinstance(q, Mapping)]
        if spec.get("worker_queues") is not None:
            body["workerQueues"] = [queue_body(q, live_queues) for q in spec["worker_queues"]]
        elif live_queues:
            body["workerQueues"] = [queue_body(_queue_view(q), live_queues) for q in live_queues]
    body["environmentVariables"] = env_body(spec, [e for e in current.get("environmentVariables") or []
                                                   if isinstance(e, Mapping)])
    return body
