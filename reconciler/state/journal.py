"""The apply journal: one JSON line per operation, replayed over the last snapshot.

Apply records an ``intent`` before it touches a live object and a ``result`` (or ``failed``)
after, so a killed apply loses nothing: the next ``read()`` replays the results over the snapshot,
and an intent with no outcome becomes a ``PendingOp`` for the engine to resolve by looking the
object up by its natural key (adopt it; never create a duplicate). Entries carry
``ResourceState`` only, which never holds secrets.

A journal file starts with a header line ``{"journal": 1, "lineage": ..., "base_serial": N}``
naming the snapshot it continues; the store ignores a journal whose header does not match the
snapshot (it was already folded into a newer snapshot, or it belongs to another state). Every
other line is one ``JournalEntry``. A last line without its newline is a write the process was
killed in the middle of: it was never acknowledged, and is ignored.

This module is pure (no file access): ``parse_journal`` takes bytes, ``replay`` takes entries.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from reconciler.addresses import Address
from reconciler.state.model import ResourceState, State

JOURNAL_VERSION = 1
OPS = frozenset({"intent", "result", "failed"})
ACTIONS = frozenset({"create", "update", "delete", "replace", "import", "forget"})
#: actions whose ``result`` carries the new record, and those whose result removes the address
UPSERTING = frozenset({"create", "update", "replace", "import"})
REMOVING = frozenset({"delete", "forget"})


def utc_now() -> str:
    """Now, as fixed-width ISO 8601 UTC with milliseconds: ``2026-01-31T12:00:00.000Z``."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


@dataclass(frozen=True)
class JournalEntry:
    """One step of an apply. ``seq`` 0 asks the store to number it (monotonic per journal).

    ``resource`` is the new record on a create/update/replace/import ``result`` (and only
    there); ``natural_key`` tells, on an ``intent``, how to find the object again;
    ``error`` says why, on ``failed``. ``action`` may be given as a plan ``Action``.
    """

    seq: int
    op: str
    action: str
    address: Address
    lineage: str
    time: str = field(default_factory=utc_now)
    resource: ResourceState | None = None
    natural_key: str | None = None
    error: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "action", str(getattr(self.action, "value", self.action)))
        if isinstance(self.address, str):
            object.__setattr__(self, "address", Address.parse(self.address))
        if self.op not in OPS:
            raise ValueError(f"journal op {self.op!r} is not one of {sorted(OPS)}")
        if self.action not in ACTIONS:
            raise ValueError(f"journal action {self.action!r} is not one of {sorted(ACTIONS)}")
        if not isinstance(self.seq, int) or self.seq < 0:
            raise ValueError(f"journal seq must be a non-negative integer, not {self.seq!r}")
        if not self.lineage:
            raise ValueError("a journal entry needs the lineage of the state it belongs to")
        needs_resource = self.op == "result" and self.action in UPSERTING
        if needs_resource and self.resource is None:
            raise ValueError(f"a {self.action} result for {self.address} must carry the new record")
        if not needs_resource and self.resource is not None:
            raise ValueError(f"a {self.op} {self.action} entry carries no record")
        if self.resource is not None and self.resource.address != self.address:
            raise ValueError(f"record for {self.resource.address} in an entry for {self.address}")

    @classmethod
    def intent(cls, action: str, address: Address, *, lineage: str,
               natural_key: str | None = None, seq: int = 0) -> "JournalEntry":
        return cls(seq, "intent", action, address, lineage, natural_key=natural_key)

    @classmethod
    def result(cls, action: str, address: Address, *, lineage: str,
               resource: ResourceState | None = None, seq: int = 0) -> "JournalEntry":
        return cls(seq, "result", action, address, lineage, resource=resource)

    @classmethod
    def failed(cls, action: str, address: Address, *, lineage: str, error: str,
               seq: int = 0) -> "JournalEntry":
        return cls(seq, "failed", action, address, lineage, error=error)

    def to_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "op": self.op,
            "action": self.action,
            "address": str(self.address),
            "lineage": self.lineage,
            "time": self.time,
            "resource": None if self.resource is None else self.resource.to_json(),
            "natural_key": self.natural_key,
            "error": self.error,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "JournalEntry":
        resource = data.get("resource")
        return cls(
            seq=int(data["seq"]),
            op=data["op"],
            action=data["action"],
            address=Address.parse(data["address"]),
            lineage=data["lineage"],
            time=data["time"],
            resource=None if resource is None else ResourceState.from_json(resource),
            natural_key=data.get("natural_key"),
            error=data.get("error"),
        )

    def line(self) -> bytes:
        """The entry as one journal line (compact JSON, sorted keys, newline)."""
        return encode_line(self.to_json())


@dataclass(frozen=True)
class PendingOp:
    """An intent with no outcome: the process died between asking and hearing back.

    For a ``create`` the object may or may not exist: look it up by ``natural_key`` and adopt
    it if found, never create blindly.
    """

    address: Address
    action: str
    natural_key: str | None
    time: str

    def to_json(self) -> dict[str, Any]:
        return {"address": str(self.address), "action": self.action,
                "natural_key": self.natural_key, "time": self.time}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "PendingOp":
        return cls(Address.parse(data["address"]), data["action"], data.get("natural_key"),
                   data["time"])


@dataclass(frozen=True)
class JournalHeader:
    """The first line of a journal: the snapshot (lineage, serial) its entries continue."""

    lineage: str
    base_serial: int

    def line(self) -> bytes:
        return encode_line({"journal": JOURNAL_VERSION, "lineage": self.lineage,
                            "base_serial": self.base_serial})


@dataclass(frozen=True)
class ParsedJournal:
    """A journal file's content: header (if any), valid entries in order, and what was skipped."""

    header: JournalHeader | None
    entries: tuple[JournalEntry, ...]
    warnings: tuple[str, ...] = ()
    #: length of the valid prefix (everything up to the last newline)
    valid_length: int = 0


def encode_line(data: dict[str, Any]) -> bytes:
    return (json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
            + "\n").encode("utf-8")


def parse_journal(raw: bytes, *, source: str = "journal") -> ParsedJournal:
    """Decode journal bytes. A torn last line and undecodable lines are skipped with a warning."""
    warnings: list[str] = []
    end = raw.rfind(b"\n") + 1
    if end < len(raw):
        warnings.append(f"{source}: ignored an incomplete last line (the writer was killed "
                        "while recording it; the step was never acknowledged)")
    header: JournalHeader | None = None
    entries: list[JournalEntry] = []
    for number, line in enumerate(raw[:end].splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line.decode("utf-8"))
            if not isinstance(data, dict):
                raise ValueError("not a JSON object")
            if "journal" in data:
                if number != 1 or data["journal"] != JOURNAL_VERSION:
                    raise ValueError(f"unexpected journal header {data['journal']!r}")
                header = JournalHeader(str(data["lineage"]), int(data["base_serial"]))
            else:
                entries.append(JournalEntry.from_json(data))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            warnings.append(f"{source}:{number}: ignored an unreadable line ({exc})")
    return ParsedJournal(header, tuple(entries), tuple(warnings), end)


def replay(
    state: State,
    entries: tuple[JournalEntry, ...] | list[JournalEntry],
    *,
    warnings: list[str] | None = None,
) -> tuple[State, tuple[PendingOp, ...]]:
    """Apply journal ``entries`` over ``state``; return the new state and the unresolved intents.

    A ``result`` upserts its record (delete/forget: removes the address); an ``intent`` stays
    pending until a later ``result`` or ``failed`` for the same address. Entries of another
    lineage are ignored (and counted in ``warnings``): a foreign journal never changes this
    state. The serial is left alone: the store bumps it when it writes a snapshot.
    """
    pending: dict[Address, PendingOp] = {}
    foreign: dict[str, int] = {}
    for entry in entries:
        if entry.lineage != state.lineage:
            foreign[entry.lineage] = foreign.get(entry.lineage, 0) + 1
            continue
        if entry.op == "intent":
            pending.pop(entry.address, None)  # keep journal order: the latest intent last
            pending[entry.address] = PendingOp(entry.address, entry.action, entry.natural_key,
                                               entry.time)
            continue
        pending.pop(entry.address, None)
        if entry.op == "result":
            if entry.resource is not None:
                state = state.with_resource(entry.resource)
            elif entry.action in REMOVING:
                state = state.without(entry.address)
    if warnings is not None:
        for lineage, count in sorted(foreign.items()):
            warnings.append(f"ignored {count} journal entr{'y' if count == 1 else 'ies'} of "
                            f"another state (lineage {lineage}, this state is {state.lineage})")
    return state, tuple(pending.values())


def unresolved_intents(entries: tuple[JournalEntry, ...], lineage: str) -> tuple[JournalEntry, ...]:
    """The ``intent`` entries of ``lineage`` that no later result/failed answered, in order."""
    open_: dict[Address, JournalEntry] = {}
    for entry in entries:
        if entry.lineage != lineage:
            continue
        open_.pop(entry.address, None)
        if entry.op == "intent":
            open_[entry.address] = entry
    return tuple(open_.values())
