"""The state backend contract (``StateStore``) and ``open_store``, which picks a backend.

A location is a filesystem path or ``file://`` URL (the local backend, ``FileStateStore``) or a
``postgresql://`` / ``postgres://`` URL (the team backend, ``PostgresStateStore``, imported only
when used). Opening a store connects to nothing: the first operation does.
"""

from __future__ import annotations

import os
from typing import Protocol, runtime_checkable

from reconciler.errors import StateError
from reconciler.state.file_store import FileStateStore
from reconciler.state.journal import JournalEntry, PendingOp
from reconciler.state.lease import StateLock
from reconciler.state.model import State


@runtime_checkable
class StateStore(Protocol):
    """Where a state lives. ``location`` is for messages and never contains a password.

    - ``read()``: the last snapshot with the journal replayed; ``State.empty()`` when nothing
      exists yet. Never writes, never locks (plan and drift are lock-free).
    - ``pending()``: intents without an outcome found by the last ``read()``.
    - ``lock(operation, timeout=)``: the write lock, a context manager with a lease renewed
      while held; ``StateLockedError`` names the holder; a dead holder's lock is taken over with
      a warning in ``warnings``. While held, ``record``/``write`` refuse to write once it is lost.
    - ``record(entry)``: append one journal entry durably; cost independent of state size;
      thread-safe (apply's steps record from several threads).
    - ``write(state, replace_lineage=False)``: atomic snapshot; returns it as written (serial
      bumped iff the resources changed); resets the journal to the unanswered intents. Refuses
      another lineage unless ``replace_lineage``, and a state in which two addresses of one type
      record one object id (``State.refuse_shared_ids``).
    - ``force_unlock(lock_id)``, ``lock_info()``: the lock's escape hatch and its holder record
      (``"stale": True`` when its lease expired).
    - ``close()``: release connections (a no-op for files).
    """

    location: str
    warnings: list[str]

    def read(self) -> State: ...

    def pending(self) -> tuple[PendingOp, ...]: ...

    def lock(self, operation: str, *, timeout: float = 0.0) -> StateLock: ...

    def record(self, entry: JournalEntry) -> None: ...

    def write(self, state: State, *, replace_lineage: bool = False) -> State: ...

    def force_unlock(self, lock_id: str) -> None: ...

    def lock_info(self) -> dict | None: ...

    def close(self) -> None: ...


def open_store(location: str | os.PathLike[str]) -> StateStore:
    """The backend for ``location``: a path gives the local file backend, a ``postgresql://``
    URL the PostgreSQL one. ``StateError`` (never echoing a password) for anything else."""
    text = os.fspath(location)
    scheme = text.split("://", 1)[0].lower() if "://" in text else None
    if scheme in ("postgresql", "postgres"):
        from reconciler.state.postgres import PostgresStateStore

        return PostgresStateStore(text)
    if scheme == "file":
        text = text[len("file://"):]
    elif scheme is not None:
        raise StateError(
            f"unknown state backend {scheme}:// (a --state location is a file path or a "
            "postgresql:// URL)",
            hint="e.g. --state state/default.json or --state postgresql://user@host/db?name=prod",
        )
    if not text:
        raise StateError("the state location is empty", hint="e.g. --state state/default.json")
    return FileStateStore(text)
