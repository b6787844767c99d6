"""Which provider instance each address of a run talks to, and how a plan shows it.

Owns: the address -> instance map of a run (``route``: the specs' word for what they declare, the
state's for what only the state knows; a resource whose block moved it to another instance than
the one its object lives on is refused, since no platform can move an object between two
instances), and labelling a plan's changes and drift with their instance (``label``) where a
reader needs it: a named instance always, and every instance of a platform the plan touches
several instances of. Pure: no request, no write.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace

from reconciler import instances
from reconciler.addresses import Address
from reconciler.errors import PlanError
from reconciler.plan.model import Plan
from reconciler.spec import SpecSet
from reconciler.state.model import State


def route(specs: SpecSet | None, state: State | None) -> dict[Address, str]:
    """The addresses of specs ∪ state that talk to a named instance, with its name. Raises
    ``PlanError`` (naming the block's ``file:line``) for a block whose ``provider:`` differs from
    the instance its object lives on, per the state."""
    out: dict[Address, str] = {}
    moved = []
    if state is not None:
        for address, rs in state.resources.items():
            if rs.provider:
                out[address] = rs.provider
    if specs is not None:
        for address, spec in specs.resources.items():
            rs = state.get(address) if state is not None else None
            if rs is not None and rs.instance != spec.instance:
                moved.append(f"{address} ({spec.location}): its object lives on {rs.instance}, the block says "
                             f"provider {spec.instance}")
                continue
            if spec.provider:
                out[address] = spec.provider
    if moved:
        raise PlanError("a resource cannot move to another provider instance (an object cannot move between "
                        "two platforms' instances):\n  " + "\n  ".join(moved),
                        hint="put the block back on its instance; to manage an object on the other instance, give "
                             "it a new block (the old one's removal deletes the object), or `reconciler state rm` "
                             "the address and import the other object")
    return out


def of_plan(plan: Plan) -> dict[Address, str]:
    """The instance map a plan's changes recorded (a saved plan is applied with no specs)."""
    return {c.address: c.provider for c in plan.changes if c.provider and not instances.is_default(c.provider)}


def label(plan: Plan, routes: Mapping[Address, str], connected: Iterable[str]) -> Plan:
    """``plan`` with ``provider`` set on the changes and drift a reader must see the instance of:
    those on a named instance, and all those of a platform with several ``connected`` instances."""
    several = instances.several(connected)
    if not several and not routes:
        return plan

    def shown(address: Address) -> str | None:
        name = routes.get(address) or address.provider
        return name if not instances.is_default(name) or address.provider in several else None

    changes = tuple(c if c.provider == (p := shown(c.address)) else replace(c, provider=p) for c in plan.changes)
    drift = tuple(d if d.provider == (p := shown(d.address)) else replace(d, provider=p) for d in plan.drift)
    return replace(plan, changes=changes, drift=drift)
