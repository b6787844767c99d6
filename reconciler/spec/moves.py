"""The specs' ``moved:`` and ``import:`` sections: refactoring and adoption written in the specs.

Owns what the two top-level lists may say, checked against the specs alone (no state, no
platform), every problem reported at its ``file:line``:

- ``moved: [{from: ADDRESS, to: ADDRESS}]``: the object state records at ``from`` is now managed
  at ``to`` (a renamed block, a block turned into a ``for_each`` instance and back, a block
  renamed with all of its instances when both addresses have no key). Both addresses name one
  resource type; ``from`` is no longer declared in the specs (else it would be created again);
  ``to`` is declared, or is the ``from`` of another entry (a chain: A -> B, B -> C moves A to C);
  one address is moved from at most once and to at most once, and entries never loop. ``from``
  and ``to`` may also both be module instances (``module.a`` -> ``module.b["x"]``): every
  resource under ``from`` moves under ``to`` (keyless ``from`` and ``to`` also move each instance
  of a module with ``for_each``, keeping its key). Whether a
  move happens depends on the state: ``plan.moves`` decides (a ``from`` the state does not know
  is a no-op, as in Terraform, so entries can stay in the specs after the apply).
- ``import: [{to: ADDRESS, id: OBJECT_ID}]``: adopt the existing object ``id`` as ``to``, which
  the specs declare (an instance address for a ``for_each`` block). ``id`` may use ``${...}``
  with variables and locals, not resource references nor sensitive values (ids are shown in the
  plan and stored). At most one import per address.

Addresses are parsed by ``Address.parse`` (``module.NAME[KEY].type.name`` included) and module
paths by ``addresses.module_path``.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from reconciler.addresses import ADDRESS_FORMAT, Address, module_path
from reconciler.errors import Location, ReferenceError_, SpecValidationError

SECTIONS = ("moved", "import")
MOVED_KEYS = ("from", "to")
IMPORT_KEYS = ("to", "id")
_SHAPE = {"moved": "a list of {from: ADDRESS, to: ADDRESS} entries",
          "import": "a list of {to: ADDRESS, id: OBJECT_ID} entries"}

#: ``fail(cls, message, location, address=None, hint=None)``: how the loader collects a problem
Fail = Callable[..., None]


@dataclass(frozen=True)
class MovedSpec:
    """One ``moved:`` entry: state's ``source`` is managed at ``target`` from now on. Both are
    ``Address`` es, or both module instance paths (``str``: ``module.team["a"]``)."""

    source: Address | str
    target: Address | str
    location: Location = Location("<unknown>", 0)

    @property
    def modules(self) -> bool:
        """Whether this entry moves a module instance (everything under ``source``)."""
        return isinstance(self.source, str)

    def __str__(self) -> str:
        return f"moved {self.source} -> {self.target} ({self.location})"


@dataclass(frozen=True)
class ImportSpec:
    """One ``import:`` entry: adopt the existing object ``object_id`` as ``address``."""

    address: Address
    object_id: str
    location: Location = Location("<unknown>", 0)


@dataclass
class _Entry:
    section: str
    index: int
    value: Any
    where: Callable[[tuple], Location]

    def at(self, *path: Any) -> Location:
        return self.where((self.section, self.index, *path))

    @property
    def label(self) -> str:
        return f"{self.section}[{self.index}]"


class Refactorings:
    """Collects the ``moved:`` / ``import:`` entries of every file while the loader merges
    documents, and builds them once the resources are known (``moved``, ``imports``)."""

    def __init__(self, fail: Fail) -> None:
        self.fail = fail
        self.entries: dict[str, list[_Entry]] = {name: [] for name in SECTIONS}

    def add(self, section: str, value: Any, where: Callable[[tuple], Location]) -> None:
        """One file's ``section`` (``where(path)`` locates a path of that file)."""
        if value is None:
            return
        if not isinstance(value, list):
            self.fail(SpecValidationError, f"'{section}' must be {_SHAPE[section]}, got {_kind(value)}",
                      where((section,)))
            return
        self.entries[section].extend(_Entry(section, i, item, where) for i, item in enumerate(value))

    # -- shared checks -------------------------------------------------------------------------------
    def _mapping(self, entry: _Entry, keys: tuple[str, ...]) -> dict | None:
        value = entry.value
        if not isinstance(value, dict):
            self.fail(SpecValidationError, f"{entry.label}: each entry is a mapping with keys {', '.join(keys)}, "
                      f"got {_kind(value)}", entry.at())
            return None
        ok = True
        for key in value:
            if key not in keys:
                close = difflib.get_close_matches(str(key), keys, n=1)
                self.fail(SpecValidationError, f"{entry.label}: key '{key}' is not allowed; allowed keys: "
                          f"{', '.join(keys)}", entry.at(key), hint=f"did you mean '{close[0]}'?" if close else None)
                ok = False
        for key in keys:
            if key not in value:
                self.fail(SpecValidationError, f"{entry.label}: '{key}' is required (an entry has "
                          f"{' and '.join(keys)})", entry.at())
                ok = False
        return value if ok else None

    def _address(self, entry: _Entry, key: str, text: Any, types: Mapping[str, Any],
                 modules: bool = False) -> Address | str | None:
        try:
            address = Address.parse(text) if isinstance(text, str) else None
        except ValueError:
            address = None
        if address is None and modules and isinstance(text, str) and text.startswith("module."):
            try:
                return module_path(text.strip())
            except ValueError:
                pass
        if address is None:
            self.fail(SpecValidationError, f"{entry.label}.{key}: {text!r} is not a resource address; expected "
                      f"{ADDRESS_FORMAT}" + (", or a module instance: module.NAME or module.NAME[\"key\"]"
                                             if modules else ""), entry.at(key))
            return None
        if address.type not in types:
            close = difflib.get_close_matches(address.type, list(types), n=1)
            self.fail(SpecValidationError, f"{entry.label}.{key}: unknown resource type '{address.type}'",
                      entry.at(key), hint=f"did you mean '{close[0]}'?" if close else None)
            return None
        return address

    # -- moved ------------------------------------------------------------------------------------
    def moved(self, resources: Mapping[Address, Any], types: Mapping[str, Any]) -> tuple[MovedSpec, ...]:
        """Every ``moved:`` entry, checked against the declared ``resources`` (see the module
        docstring); entries with a problem are reported and left out."""
        parsed: list[MovedSpec] = []
        for entry in self.entries["moved"]:
            body = self._mapping(entry, MOVED_KEYS)
            if body is None:
                continue
            source = self._address(entry, "from", body["from"], types, modules=True)
            target = self._address(entry, "to", body["to"], types, modules=True)
            if source is None or target is None:
                continue
            if source == target:
                self.fail(SpecValidationError, f"{entry.label}: from and to are both {source}; a move names two "
                          "different addresses", entry.at(), hint="remove the entry")
                continue
            if isinstance(source, str) or isinstance(target, str):
                if not (isinstance(source, str) and isinstance(target, str)):
                    self.fail(SpecValidationError, f"{entry.label}: a module instance moves to a module instance and "
                              f"a resource to a resource; got from {source} and to {target}", entry.at(),
                              hint="move each resource of the module: module.NAME.<type>.<name>")
                    continue
                parsed.append(MovedSpec(source, target, entry.at()))
                continue
            if source.type != target.type:
                self.fail(SpecValidationError, f"{entry.label}: a move keeps the resource type, but from is "
                          f"{source.type} and to is {target.type}", entry.at("to"),
                          hint="to manage the object as another type, remove it from state and import it")
                continue
            if source.key and not target.key and _has_instances(resources, target):
                self.fail(SpecValidationError, f"{entry.label}: {target} has for_each, so an instance moves to one "
                          f"of its instances: {target}[\"KEY\"]", entry.at("to"))
                continue
            parsed.append(MovedSpec(source, target, entry.at()))
        return self._consistent(parsed, resources)

    def _consistent(self, parsed: list[MovedSpec], resources: Mapping[Address, Any]) -> tuple[MovedSpec, ...]:
        """Drop (and report) entries that move one address twice, into one address twice, still
        declare their ``from``, move to nothing the specs declare, or loop."""
        froms: dict[Address, MovedSpec] = {}
        tos: dict[Address, MovedSpec] = {}
        kept: list[MovedSpec] = []
        for move in parsed:
            first = froms.get(move.source)
            if first is not None:
                self.fail(SpecValidationError, f"moved: {move.source} is moved twice: to {first.target} (at "
                          f"{first.location}) and to {move.target}", move.location,
                          hint="an object moves to one address: keep one entry")
                continue
            first = tos.get(move.target)
            if first is not None:
                self.fail(SpecValidationError, f"moved: two entries move to {move.target}: from {first.source} (at "
                          f"{first.location}) and from {move.source}", move.location,
                          hint="one address holds one object: keep one entry")
                continue
            froms[move.source], tos[move.target] = move, move
            kept.append(move)
        out: list[MovedSpec] = []
        for move in kept:
            if _declared(resources, move.source, whole=_keyless(move.source) and _keyless(move.target)):
                what = "module block" if move.modules else "block"
                self.fail(SpecValidationError, f"moved from {move.source}, which the specs still declare; a move's "
                          "from is the old address, no longer in the specs", move.location,
                          hint=f"remove or rename the {what} {_block(move.source)}, or remove the entry")
                continue
            if not _chained(move.target, froms) and not _declared(resources, move.target, whole=_keyless(move.target)):
                known = [str(a) for a in resources]
                close = difflib.get_close_matches(str(move.target), known, n=1)
                self.fail(ReferenceError_, f"moved to {move.target}, which is not declared in the specs; a move's "
                          "to is a resource the specs declare (or the from of another moved entry)", move.location,
                          hint=f"did you mean {close[0]}?" if close else None)
                continue
            loop = _loop(move, froms)
            if loop:
                self.fail(SpecValidationError, "moved entries loop: " + " -> ".join(str(a) for a in loop),
                          move.location, hint="a chain of moves ends at an address nothing is moved from")
                continue
            out.append(move)
        return tuple(out)

    # -- import -----------------------------------------------------------------------------------
    def imports(self, resources: Mapping[Address, Any], types: Mapping[str, Any],
                evaluate: Callable[[Any], Any]) -> tuple[ImportSpec, ...]:
        """Every ``import:`` entry; ``evaluate(value)`` substitutes ``${...}`` in an id and returns
        an ``interpolate.Substitution``."""
        out: list[ImportSpec] = []
        seen: dict[Address, ImportSpec] = {}
        for entry in self.entries["import"]:
            body = self._mapping(entry, IMPORT_KEYS)
            if body is None:
                continue
            address = self._address(entry, "to", body["to"], types)
            if address is None:
                continue
            if getattr(types[address.type], "data_source", False):
                self.fail(SpecValidationError, f"{entry.label}: {address.type} is a data source: it is read, never "
                          "managed, so nothing is imported into it", entry.at("to"),
                          hint="remove the entry")
                continue
            if address not in resources:
                keys = [a for a in resources if a.key and a.block == address.block] if not address.key else []
                self.fail(ReferenceError_, f"{entry.label}: import to {address}, which is not declared in the specs; "
                          "an import adopts an object into a resource block the specs declare"
                          + (f" ({address} has for_each: import into one of its instances, e.g. {keys[0]})"
                             if keys else ""), entry.at("to"), hint="add the block first, then the import entry")
                continue
            object_id = self._id(entry, body["id"], evaluate, address)
            if object_id is None:
                continue
            first = seen.get(address)
            if first is not None:
                self.fail(SpecValidationError, f"{entry.label}: {address} is imported twice: at {first.location} "
                          "and here", entry.at(), hint="keep one entry")
                continue
            seen[address] = ImportSpec(address, object_id, entry.at())
            out.append(seen[address])
        return tuple(out)

    def _id(self, entry: _Entry, value: Any, evaluate: Callable[[Any], Any], address: Address) -> str | None:
        sub = evaluate(value)
        for path, message, hint in sub.errors:
            self.fail(ReferenceError_, f"{entry.label}.id: {message}", entry.at("id", *path), hint=hint)
        if sub.errors:
            return None
        if sub.references:
            self.fail(SpecValidationError, f"{entry.label}.id: '{sub.references[0][1].text}' is known only at plan "
                      "or apply; an import id is known when the specs load", entry.at("id"),
                      hint="build the id from variables, locals and literals")
            return None
        if sub.sensitive or sub.from_env:
            self.fail(SpecValidationError, f"{entry.label}.id uses a sensitive or environment value: ids are "
                      "shown in plans and stored in state", entry.at("id"))
            return None
        found = sub.value
        if isinstance(found, bool) or not isinstance(found, (str, int)) or str(found) == "":
            self.fail(SpecValidationError, f"{entry.label}.id: expected the object's id (a non-empty string), got "
                      f"{_kind(found)}", entry.at("id"))
            return None
        return str(found)


def _has_instances(resources: Mapping[Address, Any], block: Address) -> bool:
    return not block.key and block not in resources and any(a.key and a.block == block for a in resources)


def _keyless(address: Address | str) -> bool:
    """An address without an instance key (a module path whose last step has none)."""
    return not address.endswith("]") if isinstance(address, str) else not address.key


def _block(address: Address | str) -> str:
    """The block (or module block) ``address`` is an instance of, as text."""
    if isinstance(address, str):
        return address.rsplit("[", 1)[0] if address.endswith("]") else address
    return str(address.block)


def under(module: str, path: str, *, whole: bool = False) -> bool:
    """Whether a resource of module instance ``module`` lies under module path ``path`` (with
    ``whole``: or under an instance of ``path``'s module block)."""
    return module == path or module.startswith(path + ".") or (whole and module.startswith(path + "["))


def _declared(resources: Mapping[Address, Any], address: Address | str, *, whole: bool) -> bool:
    """Whether the specs declare ``address`` (with ``whole``: or instances of the block it names);
    for a module path, whether a resource lies under it."""
    if isinstance(address, str):
        return any(under(a.module, address, whole=whole) for a in resources)
    return address in resources or (whole and _has_instances(resources, address))


def _chained(target: Address | str, froms: Mapping[Address | str, MovedSpec]) -> bool:
    """Whether another entry moves ``target`` on: from exactly it, or from a module it lies under."""
    if target in froms:
        return True
    module = target if isinstance(target, str) else target.module
    return bool(module) and any(isinstance(f, str) and under(module, f, whole=_keyless(f) and _keyless(m.target))
                                for f, m in froms.items())


def _loop(move: MovedSpec, froms: Mapping[Address, MovedSpec]) -> list[Address]:
    """The addresses of a chain starting at ``move`` that comes back to one of its addresses."""
    chain = [move.source]
    at = move.target
    while at in froms:
        if at in chain:
            return chain[chain.index(at):] + [at]
        chain.append(at)
        at = froms[at].target
    return []


def _kind(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return repr(value) if len(repr(value)) <= 40 else f"a {type(value).__name__}"
