"""The plan as plain data: frozen dataclasses with ``to_json`` / ``from_json``.

A ``Plan`` is made by ``planner`` and consumed, never changed, by ``render`` and ``apply``.
What ``before`` / ``after`` hold, per action (values are normalized, in spec vocabulary,
sensitive fields masked; ``Unknown`` marks a value known only after apply):

    action    before                      after
    create    None                        desired attributes
    update    live managed attributes     desired attributes
    replace   live managed attributes     desired attributes
    delete    live (or last applied)      None
    forget    last applied                None       (removed from state, left in place)
    noop      live managed attributes     desired attributes
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from reconciler.addresses import Address
from reconciler.values import (  # the plan's vocabulary, shared with every stage
    SENSITIVE_MASK,
    UNKNOWN_KEY,
    Diff,
    DiffItem,
    Unknown,
    contains_unknown,
    decode_value,
    encode_value,
)

__all__ = ["SENSITIVE_MASK", "UNKNOWN_KEY", "Action", "Change", "Diff", "DiffItem", "Drift", "Plan", "Unknown",
           "contains_unknown", "decode_value", "encode_value"]

FORMAT_VERSION = "1.0"


class Action(str, enum.Enum):
    """What apply will do to one address. Values are the text plan's symbols' names."""

    CREATE = "create"
    UPDATE = "update"
    REPLACE = "replace"
    DELETE = "delete"
    FORGET = "forget"
    NOOP = "no-op"

    @property
    def symbol(self) -> str:
        return _SYMBOLS[self]

    @property
    def destructive(self) -> bool:
        return self in (Action.DELETE, Action.REPLACE)


_SYMBOLS = {
    Action.CREATE: "+",
    Action.UPDATE: "~",
    Action.REPLACE: "-/+",
    Action.DELETE: "-",
    Action.FORGET: ".",
    Action.NOOP: " ",
}


@dataclass(frozen=True)
class Change:
    """The planned action for one address, with why, and everything apply needs to do it."""

    address: Address
    action: Action
    reason: str
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    diff: Diff = ()
    #: the platform id of the live object (None for a create)
    object_id: str | None = None
    #: the object exists and is not in state: it will be adopted (imported)
    importing: bool = False
    #: fingerprint of the live object this change was planned against (None if none)
    fingerprint: str | None = None
    #: the desired attributes with ``${...}`` references unresolved (apply re-resolves them)
    config: dict[str, Any] | None = None
    #: top-level fields the user manages (declared now or before)
    managed: tuple[str, ...] = ()
    #: create_only fields whose change forces the replace
    replace_fields: tuple[str, ...] = ()
    depends_on: tuple[Address, ...] = ()
    #: warnings a reviewer must see (cascades, irreversible deletes, long waits)
    notes: tuple[str, ...] = ()
    prevent_destroy: bool = False
    #: ``lifecycle.allow_destroy`` (opt-in deletion of kinds that need it), recorded in state
    allow_destroy: bool = False
    #: why the desired state cannot be reached for a reason outside the tool (pending review, a
    #: Runtime downgrade): the change is not actionable, and apply skips it, saying why
    blocked: str | None = None
    #: a replace that creates the new object first and deletes the old one last
    #: (``lifecycle.create_before_destroy``)
    create_before_destroy: bool = False
    #: the addresses whose replacement (or change) makes this change: their unknown values reach
    #: this one's create-only fields, or ``lifecycle.replace_triggered_by`` names them
    caused_by: tuple[Address, ...] = ()
    #: ids of objects this address managed before a create-before-destroy replacement that an
    #: earlier apply did not get to delete (the state's ``deposed``): this apply deletes them
    deposed: tuple[str, ...] = ()

    @property
    def symbol(self) -> str:
        """The text plan's symbol: ``+/-`` for a create-before-destroy replace, ``-`` for a no-op
        that deletes deposed objects."""
        if self.action is Action.NOOP and self.deposed and not self.importing:
            return "-"
        return "+/-" if self.action is Action.REPLACE and self.create_before_destroy else self.action.symbol

    @property
    def actionable(self) -> bool:
        """Whether apply has something to do here: not a no-op (unless adopting), not blocked."""
        if self.blocked:
            return False
        return self.action is not Action.NOOP or self.importing or bool(self.deposed)
    #: ``lifecycle.ignore_changes``: fields set on create, never compared afterwards (nor verified
    #: after an apply)
    ignore_changes: tuple[str, ...] = ()

    @property
    def type(self) -> str:
        return self.address.type

    def to_json(self) -> dict[str, Any]:
        return {
            "address": str(self.address),
            "type": self.address.type,
            "name": self.address.name,
            **({"index": self.address.key} if self.address.key else {}),
            "actions": _json_actions(self.action, self.create_before_destroy),
            "action": self.action.value,
            "reason": self.reason,
            "before": encode_value(self.before),
            "after": encode_value(self.after),
            "after_unknown": after_unknown(self.after),
            "diff": [d.to_json() for d in self.diff],
            "id": self.object_id,
            "importing": self.importing,
            "fingerprint": self.fingerprint,
            "config": encode_value(self.config),
            "managed": list(self.managed),
            "replace_fields": list(self.replace_fields),
            "depends_on": [str(a) for a in self.depends_on],
            "notes": list(self.notes),
            "prevent_destroy": self.prevent_destroy,
            "allow_destroy": self.allow_destroy,
            "blocked": self.blocked,
            "create_before_destroy": self.create_before_destroy,
            "caused_by": [str(a) for a in self.caused_by],
            **({"ignore_changes": list(self.ignore_changes)} if self.ignore_changes else {}),
            **({"deposed": list(self.deposed)} if self.deposed else {}),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Change":
        return cls(
            address=Address.parse(data["address"]),
            action=Action(data["action"]),
            reason=data.get("reason", ""),
            before=decode_value(data.get("before")),
            after=decode_value(data.get("after")),
            diff=tuple(DiffItem.from_json(d) for d in data.get("diff", [])),
            object_id=data.get("id"),
            importing=bool(data.get("importing")),
            fingerprint=data.get("fingerprint"),
            config=decode_value(data.get("config")),
            managed=tuple(data.get("managed", [])),
            replace_fields=tuple(data.get("replace_fields", [])),
            depends_on=tuple(Address.parse(a) for a in data.get("depends_on", [])),
            notes=tuple(data.get("notes", [])),
            prevent_destroy=bool(data.get("prevent_destroy")),
            allow_destroy=bool(data.get("allow_destroy")),
            blocked=data.get("blocked"),
            create_before_destroy=bool(data.get("create_before_destroy")),
            caused_by=tuple(Address.parse(a) for a in data.get("caused_by", [])),
            ignore_changes=tuple(data.get("ignore_changes", [])),
            deposed=tuple(str(i) for i in data.get("deposed", [])),
        )


def after_unknown(after: Any) -> Any:
    """Terraform's ``after_unknown``: ``after``'s shape with ``true`` where a value is known only
    after apply, and only there (a dict or list holding none is left out; ``{}`` when nothing is)."""
    if isinstance(after, Unknown):
        return True
    if isinstance(after, dict):
        return {k: after_unknown(v) for k, v in after.items() if contains_unknown(v)}
    if isinstance(after, (list, tuple)):
        return [after_unknown(v) if contains_unknown(v) else False for v in after]
    return {} if after is None else False


def _json_actions(action: Action, create_first: bool = False) -> list[str]:
    """Terraform-compatible ``actions`` list."""
    if action is Action.REPLACE and create_first:
        return ["create", "delete"]
    return {
        Action.CREATE: ["create"],
        Action.UPDATE: ["update"],
        Action.REPLACE: ["delete", "create"],
        Action.DELETE: ["delete"],
        Action.FORGET: ["forget"],
        Action.NOOP: ["no-op"],
    }[action]


@dataclass(frozen=True)
class Drift:
    """An object changed outside the tool since the last apply (live vs state).

    ``kind``: ``changed`` (a managed field differs: alarm), ``deleted`` (the object is gone:
    alarm) or ``unmanaged`` (only fields reconciler does not manage changed: info).
    ``changed_by`` / ``changed_at`` say who and when, where the platform records it.
    """

    address: Address
    kind: str  # "changed" | "deleted" | "unmanaged"
    diff: Diff = ()
    changed_by: str | None = None
    changed_at: str | None = None

    @property
    def alarm(self) -> bool:
        return self.kind in ("changed", "deleted")

    def to_json(self) -> dict[str, Any]:
        return {"address": str(self.address), "type": self.address.type, "kind": self.kind,
                "diff": [d.to_json() for d in self.diff], "changed_by": self.changed_by,
                "changed_at": self.changed_at}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Drift":
        return cls(Address.parse(data["address"]), data["kind"],
                   tuple(DiffItem.from_json(d) for d in data.get("diff", [])),
                   data.get("changed_by"), data.get("changed_at"))


@dataclass(frozen=True)
class Plan:
    """Everything ``plan`` decided. ``changes`` are in apply order (dependencies first)."""

    changes: tuple[Change, ...]
    drift: tuple[Drift, ...] = ()
    state_lineage: str | None = None
    state_serial: int = 0
    created_at: str = ""
    mode: str = "normal"  # "normal" | "destroy" | "refresh-only"
    targets: tuple[str, ...] = ()
    #: requests made per provider during refresh: {"dataiku": {"requests": 12, "throttled": 0}}
    stats: dict[str, dict[str, int]] = field(default_factory=dict)
    #: when the plan covered only part of the estate, why ("changed since origin/main: 3 of 120")
    scope: str = ""

    @property
    def actionable(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.actionable)

    @property
    def blocked(self) -> tuple[Change, ...]:
        """Changes waiting on something outside the tool (shown, counted, own exit code)."""
        return tuple(c for c in self.changes if c.blocked)

    def has_changes(self) -> bool:
        return bool(self.actionable)

    def summary(self) -> dict[str, int]:
        counts = {"add": 0, "change": 0, "destroy": 0, "import": 0, "forget": 0, "blocked": 0}
        for c in self.changes:
            if c.blocked:
                counts["blocked"] += 1
                continue
            if c.importing:
                counts["import"] += 1
            if c.action is Action.CREATE:
                counts["add"] += 1
            elif c.action is Action.UPDATE:
                counts["change"] += 1
            elif c.action is Action.REPLACE:
                counts["add"] += 1
                counts["destroy"] += 1
            elif c.action is Action.DELETE:
                counts["destroy"] += 1
            elif c.action is Action.FORGET:
                counts["forget"] += 1
            counts["destroy"] += len(c.deposed)
        return counts

    def change_for(self, address: Address) -> Change | None:
        return self._by_address.get(address)

    @cached_property
    def _by_address(self) -> dict[Address, Change]:
        """``changes`` by address (the first one of an address), built on first use."""
        out: dict[Address, Change] = {}
        for c in self.changes:
            out.setdefault(c.address, c)
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "format_version": FORMAT_VERSION,
            "created_at": self.created_at,
            "mode": self.mode,
            "targets": list(self.targets),
            "state": {"lineage": self.state_lineage, "serial": self.state_serial},
            "summary": self.summary(),
            "resource_changes": [c.to_json() for c in self.changes],
            "resource_drift": [d.to_json() for d in self.drift],
            "stats": self.stats,
            "scope": self.scope,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Plan":
        version = str(data.get("format_version", ""))
        if version.split(".")[0] != FORMAT_VERSION.split(".")[0]:
            raise ValueError(f"plan format_version {version!r} is not supported (expected {FORMAT_VERSION})")
        state = data.get("state") or {}
        return cls(
            changes=tuple(Change.from_json(c) for c in data.get("resource_changes", [])),
            drift=tuple(Drift.from_json(d) for d in data.get("resource_drift", [])),
            state_lineage=state.get("lineage"),
            state_serial=int(state.get("serial") or 0),
            created_at=data.get("created_at", ""),
            mode=data.get("mode", "normal"),
            targets=tuple(data.get("targets", [])),
            stats=data.get("stats") or {},
            scope=data.get("scope") or "",
        )
