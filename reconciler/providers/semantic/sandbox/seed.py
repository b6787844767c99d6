"""The seeded semantic models: one in every review status, with stable ids (domain ``sales``).

    id                                      name                         status
    00000000-0000-4000-8000-000000000001    draft_orders_summary         draft
    00000000-0000-4000-8000-000000000002    pending_customer_churn       pending_review
    00000000-0000-4000-8000-000000000003    approved_revenue_by_region   approved
    00000000-0000-4000-8000-000000000004    rejected_raw_dump            rejected
    00000000-0000-4000-8000-000000000005    deployed_customer_ltv        deployed (schedule, DataHub, dashboard 101)
    00000000-0000-4000-8000-000000000006    failed_inventory_snapshot    failed
    00000000-0000-4000-8000-000000000007    archived_legacy_kpis         archived
"""

from __future__ import annotations

from typing import Any

SEED_TIME = "2026-01-05T10:00:00Z"
DOMAIN = "urn:li:domain:sales"
STATUSES = ("draft", "pending_review", "approved", "rejected", "deployed", "failed", "archived")
NAMES = ("draft_orders_summary", "pending_customer_churn", "approved_revenue_by_region", "rejected_raw_dump",
         "deployed_customer_ltv", "failed_inventory_snapshot", "archived_legacy_kpis")


def seed_id(n: int) -> str:
    return f"00000000-0000-4000-8000-{n:012d}"


def seeded_models() -> list[tuple[str, dict[str, Any], str, dict[str, Any]]]:
    """``(id, content, status, fields)`` per seeded model: ``content`` as a create request sends it,
    ``fields`` what its status adds to the document (review, error, deployment)."""
    out = []
    for n, (name, status) in enumerate(zip(NAMES, STATUSES), start=1):
        content = {"name": name, "description": f"seeded {status} model", "domain_urn": DOMAIN,
                   "sql": f"SELECT customer_id, count(*) AS n FROM iceberg.raw.orders GROUP BY 1 -- {name}",
                   "source_tables": ["iceberg.raw.orders"],
                   "columns": [{"name": "customer_id", "type": "bigint"}, {"name": "n", "type": "bigint"}],
                   "target_schema": "sales"}
        doc: dict[str, Any] = {}
        if status in ("pending_review", "approved", "rejected", "deployed", "failed"):
            doc["submitted_at"] = SEED_TIME
        if status in ("approved", "rejected", "deployed", "failed"):
            doc.update({"reviewed_by": "seed-admin", "reviewed_at": SEED_TIME,
                        "review_notes": "Needs a primary key" if status == "rejected" else "LGTM"})
        if status == "failed":
            doc["error"] = "Trino: table iceberg.raw.inventory does not exist"
        if status == "deployed":
            view = f"iceberg.sales.{name}"
            doc.update({"view_name": view, "deployed_at": SEED_TIME,
                        "external_id": f"urn:li:dataset:(urn:li:dataPlatform:trino,{view},PROD)",
                        "job_id": "8a1e0000-0000-4000-8000-000000000005",
                        "airflow_url": f"https://airflow.nx1.local/dags/semantic_{name}_refresh",
                        "dashboard": {"dashboard_id": 101, "dashboard_url": "https://superset.nx1.local/superset/dashboard/101/",
                                      "embed_url": "https://superset.nx1.local/embedded/101", "chart_ids": [1001, 1002]},
                        "deploy_options": {"create_schedule": True, "schedule_cron": "0 6 * * *",
                                           "register_in_datahub": True, "add_lineage": True, "create_dashboard": True},
                        "_deploy_ids": {"job_id": "8a1e0000-0000-4000-8000-000000000005", "dashboard_id": 101,
                                        "chart_ids": [1001, 1002]}})
        out.append((seed_id(n), content, status, doc))
    return out
