"""The Astro share of the estate: Workspaces, and Deployments in them.

Shape for a share of n: ``n // 10`` Workspaces (at least 1), Deployments for the rest, spread
evenly (``workspace: ${astro_workspace.<w>.id}``). Deploys (``astro_deploy``) are left out: they
push images or DAG bundles and wait minutes on a real platform, which is not what this run
measures.

The floor (fewest requests the Astro platform API allows):

refresh (no-change plan), one round:
    1 GET …/workspaces per 1,000 and 1 GET …/deployments per 1,000 (the API's maximum ``limit``;
    list items are whole objects)
create (from empty), three rounds:
    0. 1 GET …/workspaces (none of that name exists yet) and, if there are Deployments, 1 GET
       …/deployment-options (the newest Runtime, as no version is pinned); no GET …/deployments:
       every Deployment goes into a Workspace this apply creates, so none can exist yet
    1. 1 POST …/workspaces each
    2. 1 POST …/deployments each (needs its Workspace's id)

Baseline: one GET per object (``GET …/workspaces/{id}``, ``GET …/deployments/{id}``) with
``Authorization: Bearer``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from urllib.parse import quote

from benchmarks.estate import EstateGenerator, Floor, ProviderEstate, Read, StateObject

PREFIX = "/platform/v1beta1"
MAX_PAGE = 1000


def shape(n: int) -> tuple[int, int]:
    """(workspaces, deployments) for a share of ``n`` resources."""
    if n < 1:
        return (0, 0)
    workspaces = max(1, n // 10)
    return workspaces, n - workspaces


def generate(n: int, concurrency: int) -> ProviderEstate:
    """Exactly ``n`` Astro resources and their floor."""
    n_workspaces, n_deployments = shape(n)
    resources: dict[str, dict] = {}
    for w in range(n_workspaces):
        resources[f"astro_workspace.bench_w{w:04d}"] = {"name": f"bench-workspace-{w:04d}",
                                                        "description": f"Benchmark workspace {w}."}
    for d in range(n_deployments):
        resources[f"astro_deployment.bench_d{d:05d}"] = {
            "workspace": f"${{astro_workspace.bench_w{d % n_workspaces:04d}.id}}",
            "name": f"bench-deployment-{d:05d}",
            "description": f"Benchmark deployment {d}.",
            "type": "STANDARD",
            "cloud_provider": "AWS",
            "region": "us-east-1",
            "executor": "ASTRO",
            "contact_emails": ["data-platform@example.com"],
            "environment_variables": {"STAGE": "bench", "INDEX": str(d)},
        }
    refresh = math.ceil(n_workspaces / MAX_PAGE) + math.ceil(n_deployments / MAX_PAGE)
    rounds = tuple(r for r in (1 + (1 if n_deployments else 0) if n else 0, n_workspaces, n_deployments) if r)
    return ProviderEstate("astro", resources, Floor(refresh, rounds, concurrency))


def baseline_reads(objects: Sequence[StateObject], env: Mapping[str, str]) -> list[Read]:
    """One GET per object on its per-object endpoint, with ``Authorization: Bearer``."""
    org = quote(env["ASTRO_ORGANIZATION_ID"], safe="")
    base = f"{env['ASTRO_API_URL'].rstrip('/')}{PREFIX}/organizations/{org}"
    headers = {"Authorization": f"Bearer {env['ASTRO_API_TOKEN']}"}
    paths = {"astro_workspace": "workspaces", "astro_deployment": "deployments"}
    return [Read(f"{base}/{paths[o.type]}/{quote(o.object_id, safe='')}", headers)
            for o in objects if o.type in paths]


ASTRO = EstateGenerator("astro", generate, baseline_reads)
