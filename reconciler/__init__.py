"""reconciler: a declarative reconciler for data and ML platforms.

The public Python API (the CLI is a thin layer over it)::

    from reconciler import Workspace
    ws = Workspace(specs_path="specs", state_location="state/default.json")
    plan = ws.plan()                  # refresh + diff; no lock, no writes
    result = ws.apply(plan)           # exactly this plan, or refuse it as stale
    drift = ws.drift()                # live vs last applied

``plan`` and ``apply`` below are the same calls as one-liners.
"""

from __future__ import annotations

from typing import Any

from reconciler.addresses import Address
from reconciler.plan.ledger import LedgerEntry
from reconciler.errors import ReconcilerError
from reconciler.plan.model import Action, Change, Diff, DiffItem, Drift, Plan
from reconciler.spec import SpecSet, load_specs
from reconciler.state import State
from reconciler.workspace import ApplyResult, Workspace

__all__ = [
    "Action", "Address", "ApplyResult", "Change", "Diff", "DiffItem", "Drift", "LedgerEntry", "Plan",
    "ReconcilerError", "SpecSet", "State", "Workspace", "apply", "load_specs", "plan",
]

# ``plan`` and ``apply`` name the functions below, not the subpackages ``reconciler.plan`` and
# ``reconciler.apply``: Python sets a package's attribute to a subpackage when it first imports it,
# which the imports above have done (``import reconciler.plan.model`` still works as usual).


def plan(specs_path: str = "specs", state_location: str = "state/default.json", **options: Any) -> Plan:
    """Refresh and plan (``Workspace.plan``); ``options`` are ``Workspace`` fields or plan arguments."""
    ws, rest = _workspace(specs_path, state_location, options)
    return ws.plan(**rest)


def apply(specs_path: str = "specs", state_location: str = "state/default.json", **options: Any) -> ApplyResult:
    """Plan and apply without confirmation (``Workspace.apply``); pass ``saved=`` to apply a plan."""
    ws, rest = _workspace(specs_path, state_location, options)
    return ws.apply(**rest)


def _workspace(specs_path: str, state_location: str, options: dict[str, Any]) -> tuple[Workspace, dict[str, Any]]:
    fields = set(Workspace.__dataclass_fields__)
    ws = Workspace(specs_path=specs_path, state_location=state_location,
                   **{k: v for k, v in options.items() if k in fields})
    return ws, {k: v for k, v in options.items() if k not in fields}
