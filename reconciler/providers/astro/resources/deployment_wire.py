"""``astro_deployment`` <-> Astro's Deployment documents: the live view and the request bodies.

Pure functions. The live view is in spec vocabulary (snake_case); secret env var values are
never part of it (Astro does not return them, and we would not keep them). Request bodies follow
``Create{Standard,Dedicated,Hybrid}DeploymentRequest`` and ``Update{...}DeploymentRequest`` of
``astro-platform-api`` 1.1.1: an update is the *full* body, so every field the spec does not
manage is taken from the live document, *converted to the request's shape* (a GET and a request
differ: ``remoteExecution.remoteApiUrl`` and ``hibernationSpec.override.isActive`` are the
server's, a HYBRID ``scheduler`` is read as ``schedulerAu``/``schedulerReplicas``), and only the
keys the request of the Deployment's type takes are sent:

- hosted (STANDARD, DEDICATED): sizes, quotas, high availability, development mode,
  ``scalingSpec``, ``remoteExecution`` (ASTRO executor only), queues with an ``astroMachine``;
- HYBRID: ``scheduler {au, replicas}``, ``taskPodNodePoolId``, queues with a ``nodePoolId``.

Worker queues go only to CELERY and to ASTRO without Remote Execution. ``workloadIdentity`` is
sent only when the spec asks for one (``desired_workload_identity``): the live value may be the
default identity Astro made, which is not a request.
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
#: spec fields only hosted (STANDARD, DEDICATED) Deployments take
HOSTED_ONLY = ("scheduler_size", "cloud_provider", "region", "is_high_availability", "is_development_mode",
               "default_task_pod_cpu", "default_task_pod_memory", "resource_quota_cpu", "resource_quota_memory",
               "scaling_spec", "remote_execution")
#: spec fields only HYBRID Deployments take
HYBRID_ONLY = ("scheduler_au", "scheduler_replicas", "task_pod_node_pool_id")
QUEUE_KEYS = {"name": "name", "is_default": "isDefault", "astro_machine": "astroMachine",
              "node_pool_id": "nodePoolId", "min_worker_count": "minWorkerCount",
              "max_worker_count": "maxWorkerCount", "worker_concurrency": "workerConcurrency"}
SCHEDULE_KEYS = {"hibernate_at_cron": "hibernateAtCron", "wake_at_cron": "wakeAtCron",
                 "is_enabled": "isEnabled", "description": "description"}
REMOTE_KEYS = {"enabled": "enabled", "allowed_ip_address_ranges": "allowedIpAddressRanges",
               "task_log_bucket": "taskLogBucket", "task_log_url_pattern": "taskLogUrlPattern"}
#: live attributes that change without anyone editing the deployment (left out of fingerprints)
VOLATILE = ("status", "status_reason", "web_server_url", "airflow_version", "updated_at", "updated_by")


def live_view(doc: Mapping[str, Any]) -> Doc:
    env = [e for e in doc.get("environmentVariables") or [] if isinstance(e, Mapping)]
    hybrid = doc.get("type") == "HYBRID"
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
        "worker_queues": [_queue_view(q, hybrid) for q in doc.get("workerQueues") or []],
        "environment_variables": {e["key"]: e.get("value") or "" for e in env if not e.get("isSecret")},
        "scaling_spec": scaling_view(doc.get("scalingSpec")),
        "remote_execution": remote_view(doc.get("remoteExecution")),
        "desired_workload_identity": doc.get("workloadIdentity"),
        "scheduler_au": doc.get("schedulerAu") if hybrid else None,
        "scheduler_replicas": doc.get("schedulerReplicas") if hybrid else None,
        "task_pod_node_pool_id": doc.get("taskPodNodePoolId") if hybrid else None,
        # server-owned outputs
        "status": doc.get("status"),
        "status_reason": doc.get("statusReason"),
        "namespace": doc.get("namespace"),
        "image_repository": doc.get("imageRepository"),
        "web_server_url": doc.get("webServerUrl"),
        "airflow_version": doc.get("airflowVersion"),
        "secret_keys": sorted(e["key"] for e in env if e.get("isSecret")),
        "workload_identity": doc.get("workloadIdentity"),
        "remote_api_url": (doc.get("remoteExecution") or {}).get("remoteApiUrl"),
        "cluster_name": doc.get("clusterName"),
        "external_ips": sorted(doc.get("externalIPs") or []),
        "oidc_issuer_url": doc.get("oidcIssuerUrl"),
        "updated_at": doc.get("updatedAt"),
        "updated_by": doc.get("updatedBy"),
    }
    for field, key in SCALARS.items():
        out[field] = doc.get(key)
    out["is_development_mode"] = bool(doc.get("isDevelopmentMode", False))
    out["is_high_availability"] = bool(doc.get("isHighAvailability", False))
    return out


def scaling_view(scaling: Any) -> Doc | None:
    """``scaling_spec`` from a ``DeploymentScalingSpec`` (None when the document has none)."""
    if not isinstance(scaling, Mapping):
        return None
    hibernation = scaling.get("hibernationSpec") or {}
    override = hibernation.get("override")
    return {"hibernation_spec": {
        "schedules": [{field: s.get(key) for field, key in SCHEDULE_KEYS.items()}
                      for s in hibernation.get("schedules") or [] if isinstance(s, Mapping)],
        "override": ({"is_hibernating": override.get("isHibernating"), "override_until": override.get("overrideUntil")}
                     if isinstance(override, Mapping) and override.get("isHibernating") is not None else None)}}


def remote_view(remote: Any) -> Doc | None:
    """``remote_execution`` from a ``DeploymentRemoteExecution`` (``remoteApiUrl`` is an output)."""
    if not isinstance(remote, Mapping):
        return None
    return {field: remote.get(key) for field, key in REMOTE_KEYS.items()}


def scaling_request(view: Mapping[str, Any]) -> Doc:
    """A ``DeploymentScalingSpecRequest`` from ``scaling_spec`` (spec or live view)."""
    hibernation = view.get("hibernation_spec") or {}
    out: Doc = {"schedules": [{key: s[field] for field, key in SCHEDULE_KEYS.items() if s.get(field) is not None}
                              for s in hibernation.get("schedules") or []]}
    override = hibernation.get("override")
    if override:
        out["override"] = {"isHibernating": override["is_hibernating"]}
        if override.get("override_until"):
            out["override"]["overrideUntil"] = override["override_until"]
    return {"hibernationSpec": out}


def remote_request(view: Mapping[str, Any]) -> Doc:
    """A ``DeploymentRemoteExecutionRequest`` from ``remote_execution`` (spec or live view)."""
    return {key: view[field] for field, key in REMOTE_KEYS.items() if view.get(field) is not None}


def takes_queues(executor: Any, remote_execution: Any) -> bool:
    """Whether a Deployment with this executor takes ``workerQueues``: CELERY, and ASTRO unless Remote
    Execution is enabled (``UpdateStandardDeploymentRequest.worker_queues``); never KUBERNETES."""
    remote = isinstance(remote_execution, Mapping) and bool(remote_execution.get("enabled"))
    return executor == "CELERY" or (executor == "ASTRO" and not remote)


def _queue_view(queue: Mapping[str, Any], hybrid: bool) -> Doc:
    """A queue in spec vocabulary: HYBRID queues name their node pool (and no machine); hosted
    ones their machine (the node pool Astro runs it on is not the user's to choose)."""
    out = {field: queue.get(key) for field, key in QUEUE_KEYS.items()}
    out["node_pool_id" if not hybrid else "astro_machine"] = None
    return out


def queue_body(queue: Mapping[str, Any], live_queues: list[Mapping[str, Any]], hybrid: bool) -> Doc:
    """One ``WorkerQueueRequest`` (``HybridWorkerQueueRequest`` for HYBRID), keeping the id of the
    live queue of the same name."""
    drop = "astroMachine" if hybrid else "nodePoolId"
    body = {key: queue[field] for field, key in QUEUE_KEYS.items() if queue.get(field) is not None and key != drop}
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


def _scalars(values: Mapping[str, Any], hybrid: bool) -> Doc:
    return {key: values[field] for field, key in SCALARS.items()
            if values.get(field) is not None and not (hybrid and field in HOSTED_ONLY)}


def create_body(spec: Mapping[str, Any], runtime: str) -> Doc:
    """A ``Create{Standard,Dedicated,Hybrid}DeploymentRequest`` from a validated spec dump."""
    hybrid = spec["type"] == "HYBRID"
    body: Doc = {
        "type": spec["type"],
        "description": text(spec.get("description")),
        "workspaceId": spec["workspace"],
        "astroRuntimeVersion": runtime,
        "contactEmails": list(spec.get("contact_emails") or []),
        "environmentVariables": env_body(spec, []),
        **_scalars(spec, hybrid),
    }
    for field in ("cluster_id",) if hybrid else ("cloud_provider", "region", "cluster_id"):
        if spec.get(field) is not None:
            body[CREATE_ONLY_KEYS[field]] = spec[field]
    if hybrid:
        body["scheduler"] = {"au": spec.get("scheduler_au") or 5, "replicas": spec.get("scheduler_replicas") or 1}
        if spec.get("task_pod_node_pool_id"):
            body["taskPodNodePoolId"] = spec["task_pod_node_pool_id"]
    else:
        if spec.get("scaling_spec") is not None:
            body["scalingSpec"] = scaling_request(spec["scaling_spec"])
        if spec.get("remote_execution") is not None and spec["executor"] == "ASTRO":
            body["remoteExecution"] = remote_request(spec["remote_execution"])
    if spec.get("desired_workload_identity"):
        body["workloadIdentity"] = spec["desired_workload_identity"]
    if spec.get("worker_queues") is not None and takes_queues(spec["executor"], spec.get("remote_execution")):
        body["workerQueues"] = [queue_body(q, [], hybrid) for q in spec["worker_queues"]]
    return body


def update_body(current: Mapping[str, Any], spec: Mapping[str, Any]) -> Doc:
    """The full update body: the live document's updatable fields (in the request's shape),
    overlaid with the spec's."""
    hybrid = current.get("type") == "HYBRID"
    live = live_view({"id": current.get("id"), **current})
    merged = {**live, **spec}
    for field in ("scaling_spec", "remote_execution", "scheduler_au", "scheduler_replicas", "task_pod_node_pool_id"):
        if merged.get(field) is None:  # declared as "leave it": what is live
            merged[field] = live.get(field)
    body: Doc = {"type": current.get("type"), "workspaceId": merged.get("workspace"),
                 "description": text(merged.get("description")),
                 "contactEmails": list(merged.get("contact_emails") or []),
                 **_scalars(merged, hybrid)}
    if hybrid:
        body["scheduler"] = {"au": merged.get("scheduler_au") or 5, "replicas": merged.get("scheduler_replicas") or 1}
        if merged.get("task_pod_node_pool_id"):
            body["taskPodNodePoolId"] = merged["task_pod_node_pool_id"]
    else:
        if merged.get("scaling_spec") is not None:
            body["scalingSpec"] = scaling_request(merged["scaling_spec"])
        if merged.get("remote_execution") is not None and body.get("executor") == "ASTRO":
            body["remoteExecution"] = remote_request(merged["remote_execution"])
    if spec.get("desired_workload_identity"):
        body["workloadIdentity"] = spec["desired_workload_identity"]
    if takes_queues(body.get("executor"), body.get("remoteExecution")):
        live_queues = [q for q in current.get("workerQueues") or [] if isinstance(q, Mapping)]
        if spec.get("worker_queues") is not None:
            body["workerQueues"] = [queue_body(q, live_queues, hybrid) for q in spec["worker_queues"]]
        elif live_queues:
            body["workerQueues"] = [queue_body(_queue_view(q, hybrid), live_queues, hybrid) for q in live_queues]
    body["environmentVariables"] = env_body(spec, [e for e in current.get("environmentVariables") or []
                                                   if isinstance(e, Mapping)])
    return body
