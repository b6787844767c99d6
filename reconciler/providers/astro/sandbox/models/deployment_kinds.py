"""What a Deployment's type allows, and the documents of its scaling and remote execution.

Pure functions over a parsed request (``CreateDeployment`` / ``UpdateDeployment`` dumped) used
by ``models.deployments``; each raises ``BadRequest`` before anything changes.

- Hosted (STANDARD, DEDICATED; ``Create/Update{Standard,Dedicated}DeploymentRequest``):
  ``schedulerSize`` and ``isHighAvailability`` are required; ``scheduler`` and
  ``taskPodNodePoolId`` are HYBRID's and refused; worker queues name an ``astroMachine``.
- HYBRID (``Create/UpdateHybridDeploymentRequest``): a HYBRID cluster, ``scheduler {au, replicas}``
  required, executor CELERY or KUBERNETES, worker queues name a ``nodePoolId`` of the cluster; the
  hosted-only keys (sizes, quotas, high availability, development mode, ``scalingSpec``,
  ``remoteExecution``) are refused.
- ``scalingSpec`` with schedules or an override needs a development-mode Deployment
  (Astro: hibernation is a development-Deployment feature); crons have five fields.
- ``remoteExecution`` enabled needs the ASTRO executor (inferred).

The GET side: ``scaling_document`` (``DeploymentScalingSpec``: the override gains ``isActive``),
``scaling_status`` (``DeploymentScalingStatus``) and ``remote_document``
(``DeploymentRemoteExecution``: gains the server's ``remoteApiUrl``).
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any

from reconciler.providers.astro.sandbox.errors import BadRequest
from reconciler.providers.astro.sandbox.seed import CLUSTER_INFO, NODE_POOLS

Doc = dict[str, Any]

HOSTED_ONLY = ("schedulerSize", "isHighAvailability", "isDevelopmentMode", "defaultTaskPodCpu",
               "defaultTaskPodMemory", "resourceQuotaCpu", "resourceQuotaMemory", "scalingSpec",
               "remoteExecution", "cloudProvider", "region")
HYBRID_ONLY = ("scheduler", "taskPodNodePoolId")
_CRON_FIELD = re.compile(r"^(\*|\d+(-\d+)?|[A-Za-z]{3}(-[A-Za-z]{3})?)(/\d+)?(,(\*|\d+(-\d+)?|[A-Za-z]{3})(/\d+)?)*$")


def check_kind(req: Doc, kind: str, *, development: bool) -> None:
    """Refuse the keys the Deployment type ``kind`` does not take, and require those it needs."""
    if kind == "HYBRID":
        extra = [k for k in HOSTED_ONLY if req.get(k) is not None]
        if extra:
            raise BadRequest(f"{', '.join(extra)} do not apply to HYBRID Deployments")
        if req.get("scheduler") is None:
            raise BadRequest("scheduler (au, replicas) is required for HYBRID Deployments")
        if req["executor"] not in ("CELERY", "KUBERNETES"):
            raise BadRequest(f"HYBRID Deployments take the CELERY or KUBERNETES executor, not {req['executor']}")
        pool = req.get("taskPodNodePoolId")
        if pool is not None and pool not in NODE_POOLS:
            raise BadRequest(f"Node pool {pool} not found in the Deployment's cluster")
        for q in req.get("workerQueues") or []:
            if q.get("astroMachine") is not None or q.get("nodePoolId") not in NODE_POOLS:
                raise BadRequest(f"Worker queue {q['name']}: HYBRID queues need the nodePoolId of a node pool of "
                                 "the cluster (and no astroMachine)")
        return
    extra = [k for k in HYBRID_ONLY if req.get(k) is not None]
    if extra:
        raise BadRequest(f"{', '.join(extra)} apply only to HYBRID Deployments")
    missing = [k for k in ("schedulerSize", "isHighAvailability") if req.get(k) is None]
    if missing:
        raise BadRequest(f"{', '.join(missing)} required for {kind} Deployments")
    for q in req.get("workerQueues") or []:
        if q.get("astroMachine") is None or q.get("nodePoolId") is not None:
            raise BadRequest(f"Worker queue {q['name']}: {kind} queues need an astroMachine (and no nodePoolId)")
    remote = req.get("remoteExecution") or {}
    if remote.get("enabled") and req["executor"] != "ASTRO":
        raise BadRequest(f"Remote Execution requires the ASTRO executor, not {req['executor']}")
    _check_scaling(req.get("scalingSpec"), development)


def check_cluster(req: Doc) -> tuple[str, str]:
    """(cloud, region) of the cluster a create names, checked against the type."""
    info = CLUSTER_INFO.get(req.get("clusterId") or "")
    if info is None:
        raise BadRequest(f"Cluster {req.get('clusterId')} not found")
    cloud, region, _, cluster_type = info
    if (req["type"] == "HYBRID") != (cluster_type == "HYBRID"):
        raise BadRequest(f"Cluster {req['clusterId']} is a {cluster_type} cluster: it cannot host a {req['type']} "
                         "Deployment")
    return cloud, region


def _check_scaling(scaling: Doc | None, development: bool) -> None:
    hibernation = (scaling or {}).get("hibernationSpec") or {}
    schedules = hibernation.get("schedules") or []
    if (schedules or hibernation.get("override")) and not development:
        raise BadRequest("Hibernation (scalingSpec.hibernationSpec) is available only for development Deployments "
                         "(isDevelopmentMode: true)")
    for s in schedules:
        for key in ("hibernateAtCron", "wakeAtCron"):
            if not is_cron(s[key]):
                raise BadRequest(f"Invalid {key} {s[key]!r}: expected a 5-part cron expression")
    until = (hibernation.get("override") or {}).get("overrideUntil")
    if until is not None:
        parse_time(until, "overrideUntil")


def is_cron(expr: str) -> bool:
    """A 5-part cron expression (minute hour day-of-month month day-of-week)."""
    parts = expr.split()
    return len(parts) == 5 and all(_CRON_FIELD.match(p) for p in parts)


def parse_time(value: str, what: str) -> datetime:
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise BadRequest(f"Invalid {what} {value!r}: expected an RFC 3339 time such as 2026-01-05T10:00:00Z") \
            from None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def override_document(req: Doc | None, now: str) -> Doc | None:
    """A ``DeploymentHibernationOverride`` from its request (None: no override)."""
    if not req or req.get("isHibernating") is None:
        return None
    out: Doc = {"isHibernating": req["isHibernating"]}
    until = req.get("overrideUntil")
    if until is not None:
        out["overrideUntil"] = parse_time(until, "overrideUntil").strftime("%Y-%m-%dT%H:%M:%SZ")
    out["isActive"] = until is None or out["overrideUntil"] > now
    return out


def scaling_document(req: Doc | None, current: Doc | None, now: str) -> Doc:
    """The ``DeploymentScalingSpec`` after a write: an omitted ``scalingSpec`` keeps ``current``."""
    if req is None:
        return current or {"hibernationSpec": {"schedules": []}}
    hibernation = req.get("hibernationSpec") or {}
    out: Doc = {"schedules": [{k: v for k, v in s.items() if v is not None} for s in hibernation.get("schedules") or []]}
    override = override_document(hibernation.get("override"), now)
    if override is not None:
        out["override"] = override
    return {"hibernationSpec": out}


def scaling_status(doc: Doc, now: str) -> Doc | None:
    """``DeploymentScalingStatus`` of a development Deployment (None for others)."""
    if not doc.get("isDevelopmentMode"):
        return None
    override = ((doc.get("scalingSpec") or {}).get("hibernationSpec") or {}).get("override") or {}
    active = bool(override) and (override.get("overrideUntil") is None or override["overrideUntil"] > now)
    if active:
        return {"hibernationStatus": {"isHibernating": override["isHibernating"], "reason": "Manual override"}}
    return {"hibernationStatus": {"isHibernating": False, "reason": "Awake"}}


def remote_document(req: Doc | None, current: Doc | None, api_url: str) -> Doc:
    """The ``DeploymentRemoteExecution`` after a write: an omitted request keeps ``current``."""
    if req is None:
        return current or {"enabled": False, "allowedIpAddressRanges": [], "remoteApiUrl": api_url}
    out = {"enabled": req["enabled"], "allowedIpAddressRanges": list(req.get("allowedIpAddressRanges") or []),
           "remoteApiUrl": api_url}
    for key in ("taskLogBucket", "taskLogUrlPattern"):
        if req.get(key):
            out[key] = req[key]
    return out
