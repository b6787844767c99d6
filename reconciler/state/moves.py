"""Moving records to new addresses: what a ``moved`` entry does to a state, and nothing else.

``move_records`` is pure: it returns a new ``State`` in which each moved record sits at its new
address and every recorded dependency on an old address names the new one. No platform object
is touched, so a store writes the result in one atomic snapshot (a killed apply leaves the state
before or after all of the moves, never between).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Mapping

from reconciler.addresses import Address
from reconciler.errors import StateError
from reconciler.state.model import State


def move_records(state: State, moves: Mapping[Address, Address]) -> State:
    """``state`` with each record at ``old`` moved to ``moves[old]`` and dependencies rewritten.

    Raises ``StateError`` if an old address is not in ``state``, or a new one is taken by a record
    that does not move away itself (a saved plan applied to a state that changed under it)."""
    if not moves:
        return state
    for old, new in moves.items():
        if old not in state.resources:
            raise StateError(f"cannot move {old} to {new}: {old} is not in the state",
                             hint="make a new plan against this state")
        if new in state.resources and new not in moves:
            raise StateError(f"cannot move {old} to {new}: {new} is already in the state",
                             hint="make a new plan against this state")
    resources = {}
    for address, rs in state.resources.items():
        target = moves.get(address, address)
        deps = rs.dependencies
        if any(d in moves for d in deps):
            deps = tuple(sorted({moves.get(d, d) for d in deps}))
        if target != address or deps is not rs.dependencies:
            rs = replace(rs, address=target, dependencies=deps)
        resources[target] = rs
    return replace(state, resources=resources)
