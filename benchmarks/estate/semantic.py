"""The semantic share of the estate: semantic models taken through their whole review lifecycle.

Shape for a share of n: n models over four domains, each selecting from one of a few source
tables. The sandbox run sets the provider's ``auto_approve`` (a sandbox/dev setting: apply
approves what it submits), so one apply creates, submits, approves and deploys every model and
the next plan has nothing to do; without it every model would wait for a reviewer (``blocked``).

The floor (fewest requests the semantic-model API allows):

refresh (no-change plan), one round:
    1 GET /api/semantic-models per 100 models the platform holds (its maximum ``limit``; items
    are whole models): the estate's and the sandbox's seeded ones, which the list pages too
create (from empty), five rounds:
    0. 1 GET /api/semantic-models (nothing exists yet)
    1. 1 POST /api/semantic-models each
    2. 1 POST /api/semantic-models/{id}/submit each
    3. 1 POST /api/semantic-models/review/batch-approve for all (it takes a list of ids)
    4. 1 POST /api/semantic-models/{id}/deploy each

Baseline: one GET /api/semantic-models/{id} per model, ``Authorization: Bearer``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from urllib.parse import quote

from benchmarks.estate import EstateGenerator, Floor, ProviderEstate, Read, StateObject
from reconciler.providers.semantic.sandbox.seed import seeded_models

PREFIX = "/api/semantic-models"
PAGE = 100
DOMAINS = ("sales", "finance", "marketing", "operations")
TABLES = ("iceberg.raw.orders", "iceberg.raw.payments", "iceberg.raw.customers")


def generate(n: int, concurrency: int) -> ProviderEstate:
    """Exactly ``n`` semantic models and their floor."""
    resources: dict[str, dict] = {}
    for m in range(n):
        table = TABLES[m % len(TABLES)]
        resources[f"semantic_model.bench_m{m:05d}"] = {
            "name": f"bench_model_{m:05d}",
            "description": f"Benchmark model {m}.",
            "domain": f"urn:li:domain:{DOMAINS[m % len(DOMAINS)]}",
            "sql": f"SELECT id, amount FROM {table} WHERE id % {n} = {m}",
            "columns": [{"name": "id", "type": "bigint"}, {"name": "amount", "type": "double"}],
            "source_tables": [table],
            "target_schema": "bench",
            "deploy": {"register_in_datahub": True, "add_lineage": True, "create_dashboard": False},
        }
    rounds = tuple(r for r in (1, n, n, 1, n) if r) if n else ()
    return ProviderEstate("semantic", resources, Floor(math.ceil((n + len(seeded_models())) / PAGE), rounds, concurrency),
                          settings={"auto_approve": True} if n else {})


def baseline_reads(objects: Sequence[StateObject], env: Mapping[str, str]) -> list[Read]:
    """One GET per model, with ``Authorization: Bearer``."""
    base = env["SEMANTIC_URL"].rstrip("/") + PREFIX
    headers = {"Authorization": f"Bearer {env['SEMANTIC_TOKEN']}"}
    return [Read(f"{base}/{quote(o.object_id, safe='')}", headers) for o in objects if o.type == "semantic_model"]


SEMANTIC = EstateGenerator("semantic", generate, baseline_reads)
