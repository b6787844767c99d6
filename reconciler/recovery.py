"""Recovering a create-before-destroy replacement that an apply was killed in the middle of.

Such a replacement journals an intent to create the new object while the address still records
the old one. When the process dies before the create's result is journaled, the next run sees
that intent with the old record still in place, and the new object may or may not exist beside
the old one (both may carry the same natural key: that is what create-before-destroy allows).
``recover_replacements`` looks the natural key up, leaving out every object the state already
knows: exactly one other object -> it is the new one: the address records it and keeps the old
one as deposed (deleted by the apply, after dependents point at the new one), and the plan adopts
the new one; none -> the create never landed and the plan replaces again; several -> refused,
naming them. It writes nothing: it returns the state the plan is made from.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Callable, Iterable

from reconciler.addresses import Address
from reconciler.errors import PlanError
from reconciler.providers.base import ResourceType
from reconciler.reads import find_all
from reconciler.refresh import resolve_spec
from reconciler.spec import SpecSet
from reconciler.state import PendingOp
from reconciler.state.model import Deposed, ResourceState, State
from reconciler.values import contains_unknown, fingerprint


def interrupted_replacements(state: State, pending: Iterable[PendingOp]) -> list[Address]:
    """Addresses whose create was interrupted while the state still records an object for them
    (only a create-before-destroy replacement creates at an address that has one)."""
    return [op.address for op in pending if op.action == "create" and state.get(op.address) is not None]


def recover_replacements(specs: SpecSet | None, state: State, pending: Iterable[PendingOp],
                         type_of: Callable[[Address], ResourceType]) -> tuple[State, dict[Address, str]]:
    """``state`` with each interrupted create-before-destroy replacement resolved (see the
    module's docstring), and a note per address that was. The plan made from that state adopts
    each such address's new object (``Change.importing``), so the apply records it whether it
    runs from this state or from a saved plan."""
    notes: dict[Address, str] = {}
    addresses = interrupted_replacements(state, pending)
    if not addresses or specs is None:
        return state, notes
    for address in addresses:
        spec = specs.resources.get(address)
        old = state.get(address)
        if spec is None or old is None:
            continue
        rt = type_of(address)
        known = {rs.object_id for a, rs in state.resources.items() if a.type == address.type}
        known |= {d.object_id for a, rs in state.resources.items() if a.type == address.type for d in rs.deposed}
        desired = resolve_spec(spec, {}, state)
        others = [(object_id, live) for object_id, live in find_all(rt, desired) if object_id not in known]
        if not others:
            continue
        if len(others) > 1:
            ids = ", ".join(sorted(object_id for object_id, _ in others))
            raise PlanError(
                f"{address}: an earlier apply was interrupted while creating its replacement "
                f"(create_before_destroy), and {len(others)} objects besides the old one ({old.object_id}) "
                f"match its natural key: {ids}",
                hint="delete the ones that are not the replacement on the platform, or adopt one with "
                     "`reconciler state rm ADDRESS` then `reconciler import ADDRESS ID`")
        object_id, live = others[0]
        attrs = {k: v for k, v in desired.items()
                 if k not in rt.sensitive and k not in rt.server_owned and not contains_unknown(v)}
        outputs = {k: live[k] for k in rt.server_owned if k in live and k not in rt.sensitive}
        new = ResourceState(
            address=address, object_id=object_id, attrs=attrs, outputs={"id": object_id, **outputs},
            fingerprint=fingerprint(rt, live), dependencies=old.dependencies,
            prevent_destroy=old.prevent_destroy, protected=old.protected, allow_destroy=old.allow_destroy,
            deposed=old.deposed + (Deposed(old.object_id, dict(old.attrs)),))
        state = replace(state, resources={**state.resources, address: new})
        notes[address] = (f"an earlier apply was interrupted while replacing it (create_before_destroy): the new "
                           f"object {object_id} was found on the platform and is adopted; the old one "
                           f"{old.object_id} is destroyed as deposed")
    return state, notes
