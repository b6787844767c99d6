"""The estate a resilience scenario applies: N resources across every registered provider.

Reuses the benchmark's per-provider generators (``benchmarks/estate/``, read-only): folders,
projects and datasets on Dataiku; prediction environments and deployments on DataRobot; groups,
spaces and charts on Lightdash; workspaces and deployments on Astro; semantic models taken
through review. Every fifth Astro deployment also carries a write-only secret env var
(``${env:RSL_SECRET_VALUE}``), and the first of them an Airflow connection (an
``astro_environment_object`` of that deployment) whose write-only ``password`` is the same value,
so the secrets scan has sensitive values to look for.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.estate import ProviderEstate, build, select, write_specs
from benchmarks.estate.registry import GENERATORS

SECRET_ENV = "WAREHOUSE_PASSWORD"
#: the sensitive fields the estate (and the scan's Dataiku connection) fill with ``${env:RSL_SECRET_VALUE}``
SECRET_FIELDS = ("secret_environment_variables", "password", "secret_params")


@dataclass(frozen=True)
class Estate:
    """What was written: the managed blocks by address, and the providers left out (with why)."""

    resources: dict[str, dict[str, Any]]
    skipped: dict[str, str]

    @property
    def counts(self) -> dict[str, int]:
        """Resources per type."""
        return dict(sorted(Counter(a.split(".", 1)[0] for a in self.resources).items()))

    @property
    def providers(self) -> list[str]:
        return sorted({a.split("_", 1)[0] for a in self.resources})

    @property
    def secret_holders(self) -> list[str]:
        return sorted(a for a, attrs in self.resources.items() if set(SECRET_FIELDS) & set(attrs))


def _with_secrets(estate: ProviderEstate) -> ProviderEstate:
    if estate.provider != "astro":
        return estate
    connection = None
    for i, (address, attrs) in enumerate(sorted(estate.resources.items())):
        if address.startswith("astro_deployment.") and i % 5 == 0:
            attrs["secret_environment_variables"] = {SECRET_ENV: "${env:RSL_SECRET_VALUE}"}
            if connection is None:
                connection = address
    if connection is not None:
        name = connection.split(".", 1)[1]
        estate.resources[f"astro_environment_object.{name}_warehouse"] = {
            "object_key": "warehouse", "object_type": "CONNECTION", "scope": "DEPLOYMENT",
            "scope_entity_id": f"${{{connection}.id}}", "connection": {"type": "postgres", "host": "db"},
            "password": "${env:RSL_SECRET_VALUE}"}
    return estate


def write_estate(specs: Path, n: int, providers: Sequence[str] | None = None, *, secrets: bool = True) -> Estate:
    """Write ``n`` resources split over ``providers`` (default: every registered one) under
    ``specs/<provider>/``."""
    selection = select(GENERATORS, wanted=list(providers) if providers is not None else None)
    estates = build(n, selection.used)
    if secrets:
        estates = [_with_secrets(e) for e in estates]
    write_specs(specs, estates)
    resources = {a: attrs for e in estates for a, attrs in e.resources.items()}
    skipped = {p: why for p, why in selection.skipped.items() if why != "left out by --providers"}
    return Estate(resources, skipped)
