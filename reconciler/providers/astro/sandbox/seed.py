"""The seeded Astro world: the organization, machine sizes, runtime releases, deployment options.

Stable ids (cuid-shaped, 25 characters) so tests and docs can name them:

    organization  clo0000000000000000000001  "Sandbox Org"
    workspace     clw0000000000000000000001  "Default Workspace"
    workspace     clw0000000000000000000002  "Data Platform"
    deployment    cld0000000000000000000001  "legacy-etl" in Default Workspace, with one DEPLOYED
                                             DAG_ONLY deploy clv0000000000000000000001 made by hand
                                             (no reconciler marker)
    api token     the sandbox token acts as the service key ``cls0000000000000000000001``
    cluster       clc0000000000000000000001  "dedicated-aws": DEDICATED, AWS us-east-1
    cluster       clc0000000000000000000002  "hybrid-aws": HYBRID, AWS us-east-1, node pools
                                             cln0000000000000000000001 (default, m5.xlarge) and
                                             cln0000000000000000000002 (m5.4xlarge)
    users         clu0000000000000000000001 ada@example.com, ...2 grace@example.com,
                  ...3 linus@example.com (Organization members, for Teams)
    shared        clcs...                    one shared cluster per (cloud, region) of STANDARD
                                             Deployments (``shared_cluster``)
"""

from __future__ import annotations

import zlib
from typing import Any

ORG_ID = "clo0000000000000000000001"
DEFAULT_WORKSPACE = "clw0000000000000000000001"
PLATFORM_WORKSPACE = "clw0000000000000000000002"
LEGACY_DEPLOYMENT = "cld0000000000000000000001"
LEGACY_DEPLOY = "clv0000000000000000000001"
SEED_TIME = "2026-01-05T10:00:00Z"
SUBJECT = {"id": "cls0000000000000000000001", "subjectType": "SERVICEKEY", "apiTokenName": "sandbox-token"}
IMAGE_HOST = "images.astro.local"

#: Runtime release -> Airflow version (newest last)
RUNTIME_RELEASES = (("11.18.0", "2.10.2"), ("12.0.0", "2.10.3"), ("12.1.0", "2.10.3"), ("12.4.0", "2.10.5"))
WORKER_MACHINES = {"A5": ("1", "2Gi", 5), "A10": ("2", "4Gi", 10), "A20": ("4", "8Gi", 20),
                   "A40": ("8", "16Gi", 40), "A60": ("12", "24Gi", 60), "A120": ("24", "48Gi", 120),
                   "A160": ("32", "64Gi", 160)}
SCHEDULERS = {"SMALL": ("1", "2Gi"), "MEDIUM": ("2", "4Gi"), "LARGE": ("4", "8Gi"), "EXTRA_LARGE": ("8", "16Gi")}
DEDICATED_CLUSTER = "clc0000000000000000000001"
HYBRID_CLUSTER = "clc0000000000000000000002"
#: cluster id -> (cloud, region, name, type)
CLUSTER_INFO = {DEDICATED_CLUSTER: ("AWS", "us-east-1", "dedicated-aws", "DEDICATED"),
                HYBRID_CLUSTER: ("AWS", "us-east-1", "hybrid-aws", "HYBRID")}
#: node pools of the HYBRID cluster: id -> (name, instance type, is default)
NODE_POOLS = {"cln0000000000000000000001": ("default", "m5.xlarge", True),
              "cln0000000000000000000002": ("large", "m5.4xlarge", False)}
DEFAULT_NODE_POOL = "cln0000000000000000000001"
#: hosted worker machine -> the node pool Astro runs it on (hosted queues report one too)
HOSTED_NODE_POOL = "clnh000000000000000000001"
EXTERNAL_IPS = ["203.0.113.10", "203.0.113.11"]
#: user id -> (username, full name)
USERS = {"clu0000000000000000000001": ("ada@example.com", "Ada Lovelace"),
         "clu0000000000000000000002": ("grace@example.com", "Grace Hopper"),
         "clu0000000000000000000003": ("linus@example.com", "Linus Torvalds")}


def shared_cluster(cloud: str, region: str) -> str:
    """The id of the shared cluster STANDARD Deployments of ``cloud``/``region`` run on."""
    return "clcs" + f"{zlib.crc32(f'{cloud}/{region}'.encode()):021d}"


def default_workload_identity(cloud: str, namespace: str) -> str:
    """The identity Astro gives a hosted Deployment's pods unless one is asked for."""
    if cloud == "GCP":
        return f"astro-{namespace}@astro-sandbox.iam.gserviceaccount.com"
    if cloud == "AZURE":
        return f"00000000-0000-4000-8000-{zlib.crc32(namespace.encode()):012d}"
    return f"arn:aws:iam::000000000000:role/astro-{namespace}"


def airflow_version(runtime: str) -> str:
    return dict(RUNTIME_RELEASES).get(runtime, "NA")


def organization() -> dict[str, Any]:
    return {"id": ORG_ID, "name": "Sandbox Org", "supportPlan": "BUSINESS", "isScimEnabled": False,
            "allowEnhancedSupportAccess": False, "product": "HOSTED", "status": "ACTIVE",
            "createdAt": SEED_TIME, "updatedAt": SEED_TIME, "createdBy": dict(SUBJECT), "updatedBy": dict(SUBJECT)}


def deployment_options() -> dict[str, Any]:
    def rng(floor: Any, default: Any, ceiling: Any) -> dict[str, Any]:
        return {"floor": floor, "default": default, "ceiling": ceiling}

    return {
        "executors": ["ASTRO", "CELERY", "KUBERNETES"],
        "runtimeReleases": [
            {"version": v, "airflowVersion": a, "channel": "STABLE", "releaseDate": SEED_TIME,
             "airflowDatabaseMigration": False, "stellarDatabaseMigration": False}
            for v, a in reversed(RUNTIME_RELEASES)],
        "schedulerMachines": [{"name": n, "spec": {"cpu": c, "memory": m}} for n, (c, m) in SCHEDULERS.items()],
        "workerMachines": [{"name": n, "spec": {"cpu": c, "memory": m}, "concurrency": rng(1, d, d * 2)}
                           for n, (c, m, d) in WORKER_MACHINES.items()],
        "workerQueues": {"maxWorkers": rng(1, 10, 100), "minWorkers": rng(0, 0, 100),
                         "workerConcurrency": rng(1, 5, 256)},
        "resourceQuotas": {"defaultPodSize": {"cpu": rng("0.25", "0.25", "8"), "memory": rng("0.5Gi", "0.5Gi", "16Gi")},
                           "resourceQuota": {"cpu": rng("1", "10", "1000"), "memory": rng("2Gi", "20Gi", "2000Gi")}},
    }
