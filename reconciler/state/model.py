"""What the state records: the objects reconciler manages, as plain frozen data.

``State`` is a value: operations return a new ``State`` and never mutate one. Resources are kept
sorted by address in the serialized form so that state files diff cleanly in review.
Sensitive attributes are never in here (resource types strip them before recording).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from typing import Any

from reconciler.addresses import Address
from reconciler.errors import StateError

FORMAT_VERSION = 1
_new = object.__new__


@dataclass(frozen=True)
class ResourceState:
    """One managed object.

    ``attrs`` are the managed attributes as last applied (resolved desired values, sensitive
    ones removed); ``outputs`` the server-owned attributes other resources may reference
    (``id``...); ``fingerprint`` identifies the live object as last seen.
    """

    address: Address
    object_id: str
    attrs: dict[str, Any] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)
    fingerprint: str | None = None
    dependencies: tuple[Address, ...] = ()
    prevent_destroy: bool = False
    #: the type's deletion cannot be undone (informational; the plan warns on delete)
    protected: bool = False
    #: ``lifecycle.allow_destroy`` as last applied: deletion opted into for kinds that need it
    allow_destroy: bool = False
    #: objects this address managed before a create-before-destroy replacement, whose delete has
    #: not succeeded yet (an apply stopped between the new object's create and the old one's
    #: delete, or the delete failed): the next apply deletes them. Kept so they are never orphaned.
    deposed: tuple["Deposed", ...] = ()

    @property
    def type(self) -> str:
        return self.address.type

    def to_json(self) -> dict[str, Any]:
        return {
            "address": str(self.address),
            "type": self.address.type,
            "id": self.object_id,
            "attrs": self.attrs,
            "outputs": self.outputs,
            "fingerprint": self.fingerprint,
            "dependencies": sorted(str(a) for a in self.dependencies),
            "prevent_destroy": self.prevent_destroy,
            "protected": self.protected,
            "allow_destroy": self.allow_destroy,
            **({"deposed": [d.to_json() for d in self.deposed]} if self.deposed else {}),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "ResourceState":
        """One resource of a decoded state document; ``data`` is taken over (its ``attrs`` and
        ``outputs`` become this object's: the caller decoded them for it and keeps no reference).

        Built without ``__init__``: a frozen dataclass's sets each field through
        ``object.__setattr__``, which doubled the time to load a state of thousands
        (``tests/state/test_model.py`` checks that every field is set)."""
        parse = Address.parse  # (each text is parsed once per process: see Address.parse)
        rs = _new(cls)
        rs.__dict__.update(
            address=parse(data["address"]),
            object_id=str(data["id"]),
            attrs=data.get("attrs") or {},
            outputs=data.get("outputs") or {},
            fingerprint=data.get("fingerprint"),
            dependencies=tuple(parse(a) for a in data.get("dependencies", ())),
            prevent_destroy=bool(data.get("prevent_destroy")),
            protected=bool(data.get("protected")),
            allow_destroy=bool(data.get("allow_destroy")),
            deposed=tuple(Deposed.from_json(d) for d in data.get("deposed") or ()),
        )
        return rs

    def without_deposed(self, object_ids: "set[str] | frozenset[str]") -> "ResourceState":
        """A copy whose ``deposed`` leaves out ``object_ids`` (deleted now)."""
        return replace(self, deposed=tuple(d for d in self.deposed if d.object_id not in object_ids))


@dataclass(frozen=True)
class Deposed:
    """An object an address managed before a create-before-destroy replacement, awaiting its
    delete: its platform id and its last applied attributes (delete options live there)."""

    object_id: str
    attrs: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"id": self.object_id, "attrs": self.attrs}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Deposed":
        return cls(object_id=str(data["id"]), attrs=dict(data.get("attrs") or {}))


@dataclass(frozen=True)
class State:
    """A whole state: ``serial`` bumps on every real change; ``lineage`` never changes."""

    lineage: str
    serial: int = 0
    resources: dict[Address, ResourceState] = field(default_factory=dict)
    #: the specs' ``outputs:`` as evaluated after the last apply, by name: ``{"value": ...}``, or
    #: ``{"sensitive": True, "hash": "hmac-sha256:..."}`` (a sensitive value is never stored);
    #: each may carry ``"description"``
    outputs: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def empty(cls) -> "State":
        return cls(lineage=str(uuid.uuid4()), serial=0, resources={})

    def get(self, address: Address) -> ResourceState | None:
        return self.resources.get(address)

    def with_resource(self, rs: ResourceState) -> "State":
        """A copy with ``rs`` added or replaced (serial unchanged: the store bumps it)."""
        resources = dict(self.resources)
        resources[rs.address] = rs
        return replace(self, resources=resources)

    def without(self, address: Address) -> "State":
        resources = dict(self.resources)
        resources.pop(address, None)
        return replace(self, resources=resources)

    def shared_ids(self) -> list[tuple[str, str, tuple[Address, ...]]]:
        """``(type, object id, addresses)`` for each object id that several addresses of one type
        record (sorted). Every type's ids name one object each, so each of these is one object
        managed twice."""
        by_id: dict[tuple[str, str], list[Address]] = {}
        for address, rs in self.resources.items():
            for object_id in {rs.object_id, *(d.object_id for d in rs.deposed)}:
                by_id.setdefault((address.type, object_id), []).append(address)
        return sorted((t, i, tuple(sorted(a))) for (t, i), a in by_id.items() if len(a) > 1)

    def refuse_shared_ids(self) -> None:
        """Raise ``StateError`` naming the addresses when two of them record one object
        (``shared_ids``): the stores refuse to write such a state."""
        shared = self.shared_ids()
        if not shared:
            return
        lines = [f"{' and '.join(str(a) for a in addresses)} both record {type_name} id {object_id}"
                 for type_name, object_id, addresses in shared]
        raise StateError("refusing to write a state in which two addresses manage one object: " + "; ".join(lines),
                         hint="one object is managed by one address: keep one of them (`reconciler state rm "
                              "ADDRESS` forgets the other)")

    def to_json(self) -> dict[str, Any]:
        """The state document; ``outputs`` only when there are some (older readers stay happy)."""
        document: dict[str, Any] = {
            "format_version": FORMAT_VERSION,
            "serial": self.serial,
            "lineage": self.lineage,
            "resources": [self.resources[a].to_json() for a in sorted(self.resources)],
        }
        if self.outputs:
            document["outputs"] = {name: dict(self.outputs[name]) for name in sorted(self.outputs)}
        return document

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "State":
        resources = {}
        for item in data.get("resources", []):
            rs = ResourceState.from_json(item)
            resources[rs.address] = rs
        outputs = data.get("outputs") or {}  # (absent in states written before outputs existed)
        if not isinstance(outputs, dict) or not all(isinstance(v, dict) for v in outputs.values()):
            raise ValueError("'outputs' must map each output name to a mapping")
        return cls(lineage=data["lineage"], serial=int(data.get("serial", 0)), resources=resources,
                   outputs={str(k): dict(v) for k, v in outputs.items()})
