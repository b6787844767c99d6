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

import importlib
from typing import TYPE_CHECKING, Any

from reconciler.lazy import lazy_attributes

if TYPE_CHECKING:
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

# The subpackages ``reconciler.plan`` and ``reconciler.apply`` are loaded now (both are empty):
# loading one later would rebind the package attribute to it, over the function defined below.
importlib.import_module("reconciler.plan")
importlib.import_module("reconciler.apply")

#: the public names, each imported on first use: ``import reconciler.x`` (the CLI's, a test's)
#: loads ``x`` and what it needs, not the whole engine
__getattr__, __dir__ = lazy_attributes(__name__, {
    "Address": "reconciler.addresses", "LedgerEntry": "reconciler.plan.ledger",
    "ReconcilerError": "reconciler.errors", "Action": "reconciler.plan.model", "Change": "reconciler.plan.model",
    "Diff": "reconciler.plan.model", "DiffItem": "reconciler.plan.model", "Drift": "reconciler.plan.model",
    "Plan": "reconciler.plan.model", "SpecSet": "reconciler.spec", "load_specs": "reconciler.spec",
    "State": "reconciler.state", "ApplyResult": "reconciler.workspace", "Workspace": "reconciler.workspace",
})


def plan(specs_path: str = "specs", state_location: str = "state/default.json", **options: Any) -> Plan:
    """Refresh and plan (``Workspace.plan``); ``options`` are ``Workspace`` fields or plan arguments."""
    ws, rest = _workspace(specs_path, state_location, options)
    return ws.plan(**rest)


def apply(specs_path: str = "specs", state_location: str = "state/default.json", **options: Any) -> ApplyResult:
    """Plan and apply without confirmation (``Workspace.apply``); pass ``saved=`` to apply a plan."""
    ws, rest = _workspace(specs_path, state_location, options)
    return ws.apply(**rest)


def _workspace(specs_path: str, state_location: str, options: dict[str, Any]) -> tuple[Workspace, dict[str, Any]]:
    from reconciler.workspace import Workspace

    fields = set(Workspace.__dataclass_fields__)
    ws = Workspace(specs_path=specs_path, state_location=state_location,
                   **{k: v for k, v in options.items() if k in fields})
    return ws, {k: v for k, v in options.items() if k not in fields}
