"""Collateral deletions: what a planned delete takes with it on the platform.

Owns the rule: deleting an object that the platform deletes together with others (a Dataiku
dataset's recipes, a Lightdash space's charts) is allowed only when each of those others is
itself being deleted by the plan, or when the user passes ``--allow-cascade``. Every such delete
lists its collateral in the plan either way. Pure: the caller gathers the collateral (read-only
calls to ``ResourceType.cascades``) and passes it in.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Mapping, Sequence

from reconciler.addresses import Address
from reconciler.errors import PlanError
from reconciler.plan.model import Action, Plan
from reconciler.providers.base import Collateral
from reconciler.state.model import State

DELETING = (Action.DELETE, Action.REPLACE)


def apply_cascades(plan: Plan, state: State, collateral: Mapping[Address, Sequence[Collateral]], *,
                   allow_cascade: bool) -> Plan:
    """Annotate each delete with its collateral; refuse unplanned collateral unless allowed."""
    if not any(collateral.values()):  # no delete takes anything with it (a plan without deletes)
        return plan
    managed = {(rs.type, rs.object_id): address for address, rs in state.resources.items()}
    deleting = {c.address for c in plan.changes if c.action in DELETING}
    unplanned: list[str] = []
    changes = []
    for change in plan.changes:
        items = collateral.get(change.address, ())
        if not items or change.action not in DELETING:
            changes.append(change)
            continue
        notes = []
        for item in items:
            address = managed.get((item.type_name, item.object_id))
            if address is not None and address in deleting:
                notes.append(f"also deletes {item.type_name} {item.label!r} ({address}, planned for deletion)")
                continue
            who = f"managed as {address}, which the plan keeps" if address else "not managed by reconciler"
            notes.append(f"also deletes {item.type_name} {item.label!r} ({who})")
            unplanned.append(f"{change.address} -> {item.type_name} {item.label!r} ({who})")
        changes.append(replace(change, notes=change.notes + tuple(notes)))
    if unplanned and not allow_cascade:
        raise PlanError(
            "the plan deletes objects that take others with them on the platform:\n  " + "\n  ".join(unplanned),
            hint="delete those objects in the specs too, or pass --allow-cascade to accept the collateral deletions",
        )
    return replace(plan, changes=tuple(changes))
