"""Moving a whole state in and out of a backend: ``state pull`` and ``state push``.

``pull`` gives the backend's current state (journal replayed) in the snapshot format, so a pulled
file is itself a valid local state. ``push`` writes a state into a backend under its write lock,
refusing what would lose work unless forced (``push_problem``): another lineage (a different
state), or an older serial (changes made since would be undone). The serial written continues the
backend's (it only ever goes up), so a saved plan made before the push is refused after it.

Intents an interrupted apply left unanswered travel with the state: pushing a local state whose
journal holds them records them in the target's journal, so the next apply still looks those
objects up instead of creating duplicates.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

from reconciler.errors import StateError
from reconciler.state.file_store import FileStateStore
from reconciler.state.journal import JournalEntry, PendingOp
from reconciler.state.model import State
from reconciler.state.snapshot import decode_state, encode_state
from reconciler.state.store import StateStore


@dataclass(frozen=True)
class Pulled:
    """A state read out of a backend: ``data`` is its snapshot bytes."""

    state: State
    data: bytes
    pending: tuple[PendingOp, ...] = ()
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Source:
    """A state to push, with the intents its journal left unanswered."""

    state: State
    origin: str
    pending: tuple[PendingOp, ...] = ()
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Pushed:
    """What a push did: the state as written and the one it replaced."""

    state: State
    previous: State
    changed: bool
    replaced_lineage: bool
    carried: tuple[PendingOp, ...] = ()
    dropped: tuple[PendingOp, ...] = ()


def pull(store: StateStore, *, serial: int | None = None) -> Pulled:
    """The current state of ``store`` (or its kept version ``serial``). Takes no lock."""
    if serial is None:
        state = store.read()
        return Pulled(state, encode_state(state), store.pending(), tuple(store.warnings))
    read_version = getattr(store, "read_version", None)
    if read_version is None:
        raise StateError(f"state {store.location} keeps no history of versions",
                         hint=f"the previous snapshot of a local state is {store.location}.backup")
    state = read_version(serial)
    return Pulled(state, encode_state(state))


def load(path: str) -> Source:
    """The state to push from ``path``: a local state (its journal replayed, so an unfinished
    apply comes along) or, for ``-``, snapshot JSON on standard input."""
    if path == "-":
        return Source(decode_state(sys.stdin.buffer.read(), source="<stdin>"), "<stdin>")
    if not Path(path).is_file():
        raise StateError(f"state file {path} does not exist",
                         hint="make one with `reconciler state pull --to FILE`")
    store = FileStateStore(path)
    state = store.read()
    return Source(state, os.fspath(path), store.pending(), tuple(store.warnings))


def push_problem(source: State, current: State, *, origin: str, location: str) -> str | None:
    """Why writing ``source`` over ``current`` would lose work, or None when it is safe."""
    if source.lineage != current.lineage:
        return (f"{origin} holds lineage {source.lineage}, but state {location} holds lineage "
                f"{current.lineage} (serial {current.serial}): they are different states")
    if source.serial < current.serial:
        return (f"{origin} is serial {source.serial}, older than state {location} (serial "
                f"{current.serial}): pushing it would undo the changes made since")
    return None


def is_empty(state: State, pending: tuple[PendingOp, ...]) -> bool:
    """A backend with nothing in it yet (any state may be pushed there)."""
    return state.serial == 0 and not state.resources and not pending


def push(source: Source, target: StateStore, *, force: bool = False,
         timeout: float = 0.0) -> Pushed:
    """Write ``source`` into ``target`` under its lock; see the module docstring for the rules."""
    with target.lock("state push", timeout=timeout):
        current = target.read()
        waiting = target.pending()
        empty = is_empty(current, waiting)
        problem = None if empty else push_problem(source.state, current, origin=source.origin,
                                                  location=target.location)
        if problem and not force:
            raise StateError(f"refusing to push: {problem}",
                             hint=f"`reconciler state push --force {source.origin}` overwrites it")
        replacing = source.state.lineage != current.lineage
        written = target.write(source.state, replace_lineage=replacing)
        dropped = waiting if replacing else ()
        known = {(p.address, p.action) for p in waiting if not replacing}
        carried = tuple(p for p in source.pending if (p.address, p.action) not in known)
        for op in carried:
            target.record(JournalEntry(0, "intent", op.action, op.address, written.lineage,
                                       time=op.time, natural_key=op.natural_key))
    changed = (written.lineage, written.serial) != (current.lineage, current.serial)
    return Pushed(written, current, changed, replacing and not empty, carried, dropped)
