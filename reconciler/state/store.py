"""The state backend contract (``StateStore``) and ``open_store``, which picks a backend.

A location is a filesystem path (the local backend, ``FileStateStore``) or a URL;
``postgresql://`` is reserved for the team backend, which does not exist yet.
"""

from __future__ import annotations

import os
from typing import Protocol, runtime_checkable

from reconciler.errors import StateError
from reconciler.state.file_store import FileStateStore
from reconciler.state.journal import JournalEntry, PendingOp
from reconciler.state.lock import StateLock
from reconciler.state.model import State


@runtime_checkable
class StateStore(Protocol):
    """Where a state lives. ``location`` is for messages and never contains a password.

    - ``read()``: the last snapshot with the journal replayed; ``State.empty()`` when nothing
      exists yet. Never writes, never locks (plan and drift are lock-free).
    - ``pending()``: intents without an outcome found by the last ``read()``.
    - ``lock(operation, timeout=)``: the write lock, a context manager; ``StateLockedError``
      names the holder.
    - ``record(entry)``: append one journal entry durably; cost independent of state size.
    - ``write(state)``: atomic snapshot; returns it as written (serial bumped iff the resources
      changed); resets the journal.
    - ``force_unlock(lock_id)``, ``lock_info()``: the lock's escape hatch and its holder record.
    """

    location: str
    warnings: list[str]

    def read(self) -> State: ...

    def pending(self) -> tuple[PendingOp, ...]: ...

    def lock(self, operation: str, *, timeout: float = 0.0) -> StateLock: ...

    def record(self, entry: JournalEntry) -> None: ...

    def write(self, state: State) -> State: ...

    def force_unlock(self, lock_id: str) -> None: ...

    def lock_info(self) -> dict | None: ...


def open_store(location: str | os.PathLike[str]) -> StateStore:
    """The backend for ``location``: a path gives the local file backend."""
    text = os.fspath(location)
    scheme = text.split("://", 1)[0].lower() if "://" in text else None
    if scheme in ("postgresql", "postgres"):
        raise StateError(
            "the PostgreSQL backend is not available yet (--state postgresql://...)",
            hint="use a local state file, e.g. --state state/default.json",
        )
    if scheme == "file":
        text = text[len("file://"):]
    elif scheme is not None:
        raise StateError(
            f"unknown state backend {scheme}:// (a --state location is a file path)",
            hint="use a local state file, e.g. --state state/default.json",
        )
    if not text:
        raise StateError("the state location is empty", hint="e.g. --state state/default.json")
    return FileStateStore(text)
