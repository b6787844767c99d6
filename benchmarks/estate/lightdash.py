"""The Lightdash share of the estate: groups, spaces shared with them, charts in the spaces.

Shape for a share of n: ``n // 20`` groups (at least 1), ``n // 10`` spaces (at least 1 when
n >= 2), charts for the rest, all in the seeded "Jaffle shop" project (found by a read-only
``lightdash_project`` data source, not part of n). References: ``space.project`` ->
``${lightdash_project.bench_jaffle.uuid}``, ``space.groups[].group`` ->
``${lightdash_group.<g>.name}``, ``chart.space`` -> ``${lightdash_space.<s>.path}``.

The floor (fewest requests the Lightdash API allows):

refresh (no-change plan), one round:
    lookup   1 GET /api/v1/org/projects
    groups   1 GET /api/v1/org/groups?includeMembers= per 100 (members embedded)
    spaces   1 GET /api/v1/projects/{p}/spaces/{s} each (the list carries no group shares)
    charts   1 GET /api/v1/projects/{p}/charts (slug -> uuid) and 1 GET .../charts/code per 100
             (contentAsCode.maxDownloads)
create (from empty), four rounds:
    0. the lookup and 1 list each of groups, spaces and charts (nothing exists yet)
    1. 1 POST /api/v1/org/groups each
    2. 1 POST /api/v1/projects/{p}/spaces each (user shares travel in the body)
    3. 1 POST .../spaces/{s}/group/share per space (needs the space and the group) and
       1 POST /api/v1/projects/{p}/charts/{slug}/code per chart (needs its space)

Baseline: one GET per object (``GET /api/v1/groups/{g}``, ``GET /api/v1/projects/{p}/spaces/{s}``,
``GET /api/v1/saved/{chart}``), ``Authorization: ApiKey``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from urllib.parse import quote

from benchmarks.estate import EstateGenerator, Floor, ProviderEstate, Read, StateObject

V1 = "/api/v1"
PAGE = 100
LOOKUPS: dict[str, dict] = {"lightdash_project.bench_jaffle": {"name": "Jaffle shop"}}
PROJECT = "${lightdash_project.bench_jaffle.uuid}"


def shape(n: int) -> tuple[int, int, int]:
    """(groups, spaces, charts) for a share of ``n`` resources."""
    if n < 1:
        return (0, 0, 0)
    groups = max(1, n // 20)
    spaces = max(1, n // 10) if n - groups >= 1 else 0
    return groups, spaces, n - groups - spaces


def _chart(c: int, space: int) -> dict:
    dimension, metric = ("orders_status", "orders_count") if c % 2 == 0 else ("orders_order_date", "orders_count")
    return {
        "project": PROJECT,
        "slug": f"bench-chart-{c:05d}",
        "name": f"Bench chart {c:05d}",
        "description": f"Benchmark chart {c}.",
        "space": f"${{lightdash_space.bench_s{space:04d}.path}}",
        "table_name": "orders",
        "metric_query": {"exploreName": "orders", "dimensions": [dimension], "metrics": [metric],
                         "sorts": [{"fieldId": metric, "descending": True}], "limit": 500},
        "chart_config": {"type": "cartesian", "config": {"layout": {"xField": dimension, "yField": [metric]}}},
    }


def generate(n: int, concurrency: int) -> ProviderEstate:
    """Exactly ``n`` Lightdash resources, the project lookup, and their floor."""
    n_groups, n_spaces, n_charts = shape(n)
    resources: dict[str, dict] = {}
    for g in range(n_groups):
        resources[f"lightdash_group.bench_g{g:04d}"] = {"name": f"bench-group-{g:04d}", "members": []}
    for s in range(n_spaces):
        resources[f"lightdash_space.bench_s{s:04d}"] = {
            "project": PROJECT,
            "name": f"Bench space {s:04d}",
            "private": True,
            "groups": [{"group": f"${{lightdash_group.bench_g{s % n_groups:04d}.name}}", "role": "viewer"}],
        }
    for c in range(n_charts):
        resources[f"lightdash_chart.bench_c{c:05d}"] = _chart(c, c % n_spaces)
    refresh = 1 + math.ceil(n_groups / PAGE) + n_spaces + ((1 + math.ceil(n_charts / PAGE)) if n_charts else 0)
    rounds = tuple(r for r in (4, n_groups, n_spaces, n_spaces + n_charts) if r) if n else ()
    return ProviderEstate("lightdash", resources, Floor(refresh, rounds, concurrency),
                          lookups={k: dict(v) for k, v in LOOKUPS.items()} if n else {})


def baseline_reads(objects: Sequence[StateObject], env: Mapping[str, str]) -> list[Read]:
    """One GET per object on its per-object endpoint, with ``Authorization: ApiKey``."""
    base = env["LIGHTDASH_URL"].rstrip("/") + V1
    headers = {"Authorization": f"ApiKey {env['LIGHTDASH_API_KEY']}"}
    q = lambda s: quote(s, safe="")  # noqa: E731 - local shorthand
    reads = []
    for o in objects:
        if o.type == "lightdash_group":
            reads.append(Read(f"{base}/groups/{q(o.object_id)}", headers))
        elif o.type == "lightdash_space":
            project, _, space = o.object_id.partition("/")
            reads.append(Read(f"{base}/projects/{q(project)}/spaces/{q(space)}", headers))
        elif o.type == "lightdash_chart":
            reads.append(Read(f"{base}/saved/{q(o.object_id.partition('/')[2])}", headers))
    return reads


LIGHTDASH = EstateGenerator("lightdash", generate, baseline_reads)
