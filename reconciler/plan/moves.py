"""What the specs' ``moved:`` and ``import:`` entries mean for one state: decided before refresh.

Owns the state-dependent half of ``spec.moves`` (the specs-only half is checked when they load):

- ``resolve_moves``: which state records move where. An entry whose ``from`` the state does not
  know is a no-op (it was applied before, or never existed: as in Terraform, so entries can stay
  in the specs); chains resolve (A -> B, B -> C moves A's record to C); a keyless ``from`` and
  ``to`` move a whole block, each instance keeping its key; a module entry moves every record
  under its ``from`` module instance (the innermost matching entry first). Refused, each at the entry's
  ``file:line``: a destination the state already holds (and that does not move away itself),
  two records moving to one address, a destination the specs do not declare, and (given
  ``type_of``) a destination whose block declares another object: a natural-key field that differs
  from the moved record's and cannot change in place (the move would be followed by a
  replacement, deleting the object it keeps).
- ``imports_to_read``: which import entries still have work (an address the state already
  manages with that id is a no-op; with another id, an error).
- ``check_imported``: after refresh, an import whose id names no object is an error.
- ``note_moves``: each planned change at a moved address says where it moved from;
  ``note_imports``: each adoption an import entry asks for says which entry.

The plan is made against the state with the moves applied (``state.moves.move_records``), so a
moved object plans as an update or a no-op at its new address, never as a delete and a create.
Pure: no I/O, no platform.
"""

from __future__ import annotations

from dataclasses import replace as _replace
from typing import Any, Callable, Mapping, Sequence

from reconciler.addresses import Address
from reconciler.errors import PlanError, SpecError, SpecValidationError
from reconciler.plan.model import Plan
from reconciler.providers.base import ResourceType
from reconciler.refresh import Observed
from reconciler.spec import ResourceSpec
from reconciler.spec.loader import raise_collected
from reconciler.spec.moves import ImportSpec, MovedSpec, under
from reconciler.state.model import State


def resolve_moves(moved: Sequence[MovedSpec], state: State, declared: Mapping[Address, ResourceSpec] | None,
                  type_of: Callable[[Address], ResourceType] | None = None) -> dict[Address, Address]:
    """``{old: new}`` for every record of ``state`` that ``moved`` moves; ``declared`` are the
    specs' resources (None: do not check that destinations are declared, as in a destroy);
    ``type_of`` (an unbound ``ResourceType`` per address) checks that each destination's block
    declares the moved object (see the module docstring)."""
    if not moved:
        return {}
    exact = {m.source: m for m in moved if not m.modules}
    modules = sorted((m for m in moved if m.modules), key=lambda m: -len(m.source))  # innermost first
    found: dict[Address, tuple[Address, MovedSpec]] = {}
    errors: list[SpecError] = []
    for address in sorted(state.resources):
        at, last, seen = address, None, {address}
        while (step := _step(at, exact, modules)) is not None:
            at, last = step
            if at in seen:
                errors.append(SpecValidationError(f"moved entries move {address} in a loop back to {at}",
                                                  location=last.location,
                                                  hint="a chain of moves ends at an address nothing is moved from"))
                break
            seen.add(at)
        else:
            if last is not None:
                found[address] = (at, last)
    targets: dict[Address, Address] = {}
    for old, (new, entry) in sorted(found.items()):
        held = state.resources.get(new)
        if held is not None and new not in found:
            errors.append(SpecValidationError(
                f"moved to {new}, but the state already manages {new} (id {held.object_id}); {old} "
                f"(id {state.resources[old].object_id}) cannot move onto it", location=entry.location,
                hint=f"keep one of them: remove this entry (and {old}'s object is deleted if its block is gone), or "
                     f"`reconciler state rm {new}` to stop managing the object there"))
            continue
        if new in targets:
            errors.append(SpecValidationError(
                f"moved: both {targets[new]} and {old} would move to {new} (the state has both)",
                location=entry.location, hint="one address holds one object: remove one of the entries"))
            continue
        if declared is not None and new not in declared:
            errors.append(SpecValidationError(
                f"moved: {old} would move to {new}, which the specs do not declare", location=entry.location,
                hint="move it to a declared address (for a for_each block, one of its instances: "
                     f"{new.block}[\"KEY\"])"))
            continue
        other = _another_object(state.resources[old].attrs, declared[new], type_of(new)) \
            if declared is not None and type_of is not None else None
        if other is not None:
            name, was, now = other
            errors.append(SpecValidationError(
                f"moved: {old} ({name} {was!r}) would move to {new}, whose block declares another object "
                f"({name} {now!r}); a move keeps the object, and its {name} cannot change in place",
                location=entry.location,
                hint=f"if {new} is a new object, remove this entry; if it is the same one, give its block the "
                     f"recorded {name} {was!r}"))
            continue
        targets[new] = old
    raise_collected(errors)
    return {old: new for new, old in targets.items()}


def _another_object(recorded: Mapping[str, Any], spec: ResourceSpec, rt: ResourceType) -> tuple[str, Any, Any] | None:
    """(field, recorded value, declared value) of a natural-key field that the destination block
    sets to another value the platform cannot change in place; None when it is the same object
    (or the block's value is known only at plan time)."""
    for name in rt.natural_key:
        was, now = recorded.get(name), spec.attrs.get(name)
        if was is None or now is None or (isinstance(now, str) and "${" in now):
            continue
        if was != now and rt.replace_rule(name, was, now):
            return name, was, now
    return None


def _step(address: Address, exact: Mapping[Address, MovedSpec],
          modules: Sequence[MovedSpec] = ()) -> tuple[Address, MovedSpec] | None:
    """Where one entry moves ``address``: an entry from exactly it, else (for an instance) an entry
    moving its whole block (keyless from and to: the key is kept), else an entry moving a module
    instance it lies under."""
    entry = exact.get(address)
    if entry is not None:
        return entry.target, entry
    if address.key:
        entry = exact.get(address.block)
        if entry is not None and not entry.target.key:
            return entry.target.instance(address.key), entry
    for entry in modules if address.module else ():
        source, target = str(entry.source), str(entry.target)
        whole = not source.endswith("]") and not target.endswith("]")
        if under(address.module, source, whole=whole):
            return _replace(address, module=target + address.module[len(source):]), entry
    return None


def imports_to_read(imports: Sequence[ImportSpec], state: State) -> dict[Address, ImportSpec]:
    """The import entries that still have work, by address; an address the state manages with
    another id is an error at the entry's ``file:line`` (with the same id: a no-op)."""
    todo: dict[Address, ImportSpec] = {}
    errors: list[SpecError] = []
    for entry in imports:
        rs = state.get(entry.address)
        if rs is None:
            todo[entry.address] = entry
        elif rs.object_id != entry.object_id:
            errors.append(SpecValidationError(
                f"import to {entry.address} with id {entry.object_id!r}, but the state already manages "
                f"{entry.address} as id {rs.object_id!r}", location=entry.location,
                hint=f"to manage the other object there, `reconciler state rm {entry.address}` first; an import "
                     "whose address the state manages with that id is a no-op"))
    raise_collected(errors)
    return todo


def check_imported(todo: Mapping[Address, ImportSpec], observed: Mapping[Address, Observed]) -> None:
    """Refuse import entries whose id refresh did not find on the platform."""
    missing = [entry for address, entry in sorted(todo.items())
               if (obs := observed.get(address)) is not None and obs.source != "skipped" and obs.live is None]
    if not missing:
        return
    lines = [f"{e.location}: import to {e.address}: no {e.address.type} with id {e.object_id!r} exists on the "
             "platform" for e in missing]
    raise PlanError("\n".join(lines) if len(lines) == 1 else f"{len(lines)} import entries name no object:\n  "
                    + "\n  ".join(lines),
                    hint="check the id (for a Dataiku project: its key; see docs/providers/ for each type's id)")


def note_moves(plan: Plan, moves: Mapping[Address, Address]) -> Plan:
    """``plan`` with each change at a moved address saying where from (``Change.moved_from``)."""
    if not moves:
        return plan
    origin = {new: old for old, new in moves.items()}
    changes = tuple(_replace(c, moved_from=origin[c.address]) if c.address in origin else c for c in plan.changes)
    return _replace(plan, changes=changes)


def note_imports(plan: Plan, todo: Mapping[Address, ImportSpec]) -> Plan:
    """``plan`` with each adoption that an import entry asks for naming the entry in its reason."""
    if not todo:
        return plan
    changes = tuple(_replace(c, reason=f"import entry at {todo[c.address].location}: {c.reason}")
                    if c.importing and c.address in todo else c for c in plan.changes)
    return _replace(plan, changes=changes)
