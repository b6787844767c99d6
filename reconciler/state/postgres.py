"""The team state backend: PostgreSQL, one row per resource, the journal in the same database.

``--state postgresql://user@host/db?name=analytics`` (see ``pg_conn`` for the URL and the
tables). The contract is the file backend's (``StateStore``); what differs is how it is kept:

- ``read()``: one REPEATABLE READ snapshot of the state's row, its resource rows and its journal
  rows, the journal replayed over the resources (same ``replay`` as the file backend). It never
  writes, never locks, and creates no table (a database without our tables is an empty state).
- ``record(entry)``: one INSERT (numbering, the lineage check and lock fencing are in that
  statement), whatever the size of the state.
- ``write(state)``: one transaction that upserts the resource rows whose JSON changed and
  deletes the removed ones, bumps the serial only on a real change, adds a version row (each
  changed row's before/after, who, which operation) and prunes versions beyond ``versions``,
  and resets the journal to the intents still unanswered. Which rows changed is known from the
  rows as last read (cached per serial), so a write's cost grows with the change.
- ``lock()``: see ``pg_lock`` (advisory lock + leased row). While this store holds the lock,
  ``record`` and ``write`` refuse to write once the lock row is no longer its own (fencing).

Connections: one for data (opened on first use; ``close()`` or garbage collection ends it) and
one per held lock. Thread-safe: apply records from several threads.
"""

from __future__ import annotations

import json
import threading
import time
import weakref
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

import psycopg

from reconciler.errors import StateCorruptError, StateError, StateLockedError
from reconciler.state import pg_lock
from reconciler.state.journal import JournalEntry, PendingOp, replay, unresolved_intents
from reconciler.state.lease import Lease, StateLock, whoami
from reconciler.state.model import FORMAT_VERSION, State
from reconciler.state.pg_conn import PgTarget, connect, ensure_schema, parse_url, tables_exist, translate
from reconciler.state.snapshot import resources_document, upgrade

_RECORD = """
    INSERT INTO reconciler_journal (state_name, seq, entry)
    SELECT s.name, CASE WHEN %(seq)s = 0 THEN j.last + 1 ELSE %(seq)s END, %(entry)s::json
    FROM reconciler_states AS s
    CROSS JOIN LATERAL (SELECT coalesce(max(seq), 0) AS last FROM reconciler_journal
                        WHERE state_name = s.name) AS j
    WHERE s.name = %(name)s AND s.lineage = %(lineage)s AND (%(seq)s = 0 OR %(seq)s > j.last)
      AND (%(lock)s::text IS NULL OR EXISTS (
          SELECT 1 FROM reconciler_locks AS l WHERE l.state_name = s.name AND l.id = %(lock)s::text))
    RETURNING seq"""

_UPSERT = """
    INSERT INTO reconciler_resources (state_name, address, document)
    SELECT %s, t.address, t.document::json FROM unnest(%s::text[], %s::text[]) AS t(address, document)
    ON CONFLICT (state_name, address) DO UPDATE SET document = EXCLUDED.document"""


#: the reconciler_resources row that holds the state's ``outputs`` (not an address: none can clash)
OUTPUTS_ROW = "(outputs)"


def canonical(document: Any) -> str:
    """The stored JSON text of a document: equal documents give equal text."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


@dataclass(frozen=True)
class _Rows:
    """The resource rows of (lineage, serial) as stored: address -> JSON text."""

    lineage: str
    serial: int
    format_version: int
    docs: dict[str, str]


class PostgresStateStore:
    """State kept in PostgreSQL (see the module docstring)."""

    def __init__(
        self,
        url: str,
        *,
        lease: Lease = Lease(),
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        env: Mapping[str, str] | None = None,
        connection_class: type[psycopg.Connection] = psycopg.Connection,
    ) -> None:
        self.target: PgTarget = parse_url(url)
        self.location = self.target.location
        self.name = self.target.name
        #: locks this store took over, then what the last ``read()`` skipped
        self.warnings: list[str] = []
        self._lease, self._sleep, self._clock, self._env = lease, sleep, clock, env
        self._connection_class = connection_class
        self._mutex = threading.RLock()
        self._conn: psycopg.Connection | None = None
        self._schema_ready = False
        self._state_row: str | None = None  # lineage whose states row record() knows exists
        self._rows: _Rows | None = None
        self._pending: tuple[PendingOp, ...] = ()
        self._held: StateLock | None = None
        self._lock_warnings: list[str] = []

    def __repr__(self) -> str:
        return f"PostgresStateStore({self.location!r})"

    # -- connections -----------------------------------------------------------------------

    def _data(self) -> psycopg.Connection:
        if self._conn is None or self._conn.closed or self._conn.broken:
            if self._conn is not None:
                self._conn.close()
            self._conn = connect(self.target, self._connection_class)
            weakref.finalize(self, self._conn.close)
            self._schema_ready = False
            self._state_row = None
        return self._conn

    @contextmanager
    def _session(self, action: str, *, schema: bool = False) -> Iterator[psycopg.Connection]:
        """The data connection, under the store's mutex, with psycopg errors translated."""
        with self._mutex, translate(self.target, action):
            conn = self._data()
            if schema and not self._schema_ready:
                ensure_schema(conn, self.target)
                self._schema_ready = True
            yield conn

    def close(self) -> None:
        """Close the data connection (a held lock keeps its own until released)."""
        with self._mutex:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def __enter__(self) -> "PostgresStateStore":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- reading ---------------------------------------------------------------------------

    def read(self) -> State:
        """The resource rows with the journal replayed; ``State.empty()`` if nothing exists."""
        with self._session("read") as conn, conn.transaction():
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            if not tables_exist(conn):
                return self._found(State.empty(), (), [])
            head = conn.execute("SELECT lineage, serial, format_version FROM reconciler_states "
                                "WHERE name = %s", (self.name,)).fetchone()
            if head is None:
                return self._found(State.empty(), (), [])
            rows = _Rows(head[0], head[1], head[2], dict(conn.execute(
                "SELECT address, document::text FROM reconciler_resources WHERE state_name = %s",
                (self.name,)).fetchall()))
            journal = conn.execute("SELECT seq, entry::text FROM reconciler_journal "
                                   "WHERE state_name = %s ORDER BY seq", (self.name,)).fetchall()
        self._rows = rows
        warnings: list[str] = []
        entries = self._entries(journal, warnings)
        state, pending = replay(self._decode(rows), entries, warnings=warnings)
        return self._found(state, pending, warnings)

    def _found(self, state: State, pending: tuple[PendingOp, ...], warnings: list[str]) -> State:
        self._pending = pending
        self.warnings = [*self._lock_warnings, *warnings]
        return state

    def pending(self) -> tuple[PendingOp, ...]:
        """Intents without an outcome found by the last ``read()`` (interrupted operations)."""
        return self._pending

    def _decode(self, rows: _Rows) -> State:
        try:
            outputs = json.loads(rows.docs[OUTPUTS_ROW])["outputs"] if OUTPUTS_ROW in rows.docs else {}
            document = upgrade({"format_version": rows.format_version, "lineage": rows.lineage,
                                "serial": rows.serial, "outputs": outputs,
                                "resources": [json.loads(d) for a, d in rows.docs.items() if a != OUTPUTS_ROW]})
            return State.from_json(document)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise StateCorruptError(
                f"state {self.location} is not a valid state: {exc}",
                hint="restore an earlier version (`reconciler state pull --serial N`, then "
                     "`reconciler state push --force`)") from None

    def _entries(self, journal: list[tuple[int, str]], warnings: list[str]) -> list[JournalEntry]:
        entries = []
        for seq, text in journal:
            try:
                entries.append(JournalEntry.from_json({**json.loads(text), "seq": seq}))
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                warnings.append(f"{self.location}: journal entry {seq}: ignored an unreadable "
                                f"entry ({exc})")
        return entries

    # -- journaling ------------------------------------------------------------------------

    def record(self, entry: JournalEntry) -> None:
        """Insert ``entry`` into the journal (durable on return). ``seq`` 0 is numbered here.

        One statement, whatever the size of the state. Refuses an entry of another lineage
        than the state's, and (while this store holds the lock) any entry once the lock is lost.
        """
        document = {k: v for k, v in entry.to_json().items() if k != "seq"}
        with self._session("record a journal entry", schema=True) as conn:
            if self._state_row != entry.lineage:  # the first apply starts the state's row
                conn.execute("INSERT INTO reconciler_states (name, lineage, serial, format_version)"
                             " VALUES (%s, %s, 0, %s) ON CONFLICT (name) DO NOTHING",
                             (self.name, entry.lineage, FORMAT_VERSION))
            params = {"name": self.name, "lineage": entry.lineage, "seq": entry.seq,
                      "entry": canonical(document), "lock": self._held_id()}
            for _ in range(3):
                try:
                    row = conn.execute(_RECORD, params).fetchone()
                except psycopg.errors.UniqueViolation:
                    continue  # another process numbered the same seq at the same moment
                if row is None:
                    raise self._refusal(conn, entry)
                self._state_row = entry.lineage
                return
            raise StateError(f"state {self.location}: the journal keeps changing under this "
                             "process; is another process writing this state without the lock?")

    def _held_id(self) -> str | None:
        held = self._held
        if held is None or not held.held:
            return None
        held.check()
        return held.id

    def _refusal(self, conn: psycopg.Connection, entry: JournalEntry) -> StateError:
        """Why the journal INSERT inserted nothing."""
        self._state_row = None
        row = conn.execute("SELECT lineage FROM reconciler_states WHERE name = %s",
                           (self.name,)).fetchone()
        if row is None:
            return StateError(f"state {self.location} was deleted while this process used it; "
                              f"{entry.address}'s journal entry was not recorded")
        lineage = row[0]
        if lineage != entry.lineage:
            return StateCorruptError(
                f"refusing to journal {entry.address} for lineage {entry.lineage} in state "
                f"{self.location}, whose lineage is {lineage}")
        last = conn.execute("SELECT coalesce(max(seq), 0) FROM reconciler_journal "
                            "WHERE state_name = %s", (self.name,)).fetchone()[0]
        if entry.seq and entry.seq <= last:
            return StateError(f"journal seq {entry.seq} is not after {last}")
        return self._lost(conn)

    def _lost(self, conn: psycopg.Connection) -> StateLockedError:
        assert self._held is not None
        why = pg_lock.lost_reason(conn, self.target)
        self._held.lost = why
        return StateLockedError(
            f"lost the lock on state {self.location} (lock id {self._held.id}): {why}; nothing "
            "more is written by this process",
            hint="run the operation again; `reconciler plan` shows where things stand")

    # -- writing ---------------------------------------------------------------------------

    def write(self, state: State, *, replace_lineage: bool = False) -> State:
        """Write ``state``; return it as written (see the module docstring for the rules).

        Refuses another lineage than the stored one unless ``replace_lineage`` (``state push
        --force``), which also drops the replaced state's journal, and a state in which two addresses
        record one object (``State.refuse_shared_ids``).
        """
        state.refuse_shared_ids()
        with self._session("write", schema=True) as conn:
            with conn.transaction():
                head = conn.execute("SELECT lineage, serial, format_version FROM reconciler_states "
                                    "WHERE name = %s FOR UPDATE", (self.name,)).fetchone()
                lock_id = self._held_id()
                if lock_id is not None and conn.execute(
                        "SELECT 1 FROM reconciler_locks WHERE state_name = %s AND id = %s",
                        (self.name, lock_id)).fetchone() is None:
                    raise self._lost(conn)
                journal = conn.execute("SELECT seq, entry::text FROM reconciler_journal "
                                       "WHERE state_name = %s ORDER BY seq", (self.name,)).fetchall()
                rows = self._stored(conn, head)
                replacing = head is not None and head[0] != state.lineage
                if replacing and not replace_lineage:
                    raise self._other_lineage(head, rows, journal, state)
                written, entries = self._next(state, head, rows, journal, replacing)
                docs = {str(a): canonical(rs.to_json()) for a, rs in written.resources.items()}
                if written.outputs:
                    docs[OUTPUTS_ROW] = canonical({"outputs": written.to_json()["outputs"]})
                self._save(conn, written, head, rows, docs, replacing)
                self._reset_journal(conn, written, journal, entries, replacing)
            self._rows = _Rows(written.lineage, written.serial, FORMAT_VERSION, docs)
            self._state_row = written.lineage
        return written

    def _stored(self, conn: psycopg.Connection, head: Any) -> _Rows | None:
        """The stored rows of the current serial: cached from the last read/write, else read."""
        if head is None:
            return None
        cached = self._rows
        if cached is not None and (cached.lineage, cached.serial, cached.format_version) == tuple(head):
            return cached
        return _Rows(head[0], head[1], head[2], dict(conn.execute(
            "SELECT address, document::text FROM reconciler_resources WHERE state_name = %s",
            (self.name,)).fetchall()))

    def _other_lineage(self, head: Any, rows: _Rows | None, journal: list,
                       state: State) -> StateCorruptError:
        if head[1] == 0 and not (rows and rows.docs) and journal:
            return StateCorruptError(
                f"refusing to write state {self.location} (lineage {state.lineage}): its "
                f"journal holds an unfinished apply of lineage {head[0]}",
                hint="read the state first (`reconciler plan` resolves the unfinished apply)")
        return StateCorruptError(
            f"refusing to overwrite state {self.location} (lineage {head[0]}) with a state of "
            f"another lineage ({state.lineage})",
            hint="this state belongs to a different project or environment; check --state")

    def _next(self, state: State, head: Any, rows: _Rows | None, journal: list,
              replacing: bool) -> tuple[State, list[JournalEntry]]:
        """``state`` with the serial it is written at, and the journal entries it folds in."""
        if head is None:
            before, entries = State(lineage=state.lineage), []
        elif replacing:
            return replace(state, serial=head[1] + 1), []
        else:
            before, entries = self._decode(rows), self._entries(journal, [])
        journaled = replay(before, entries)[0]
        changed = resources_document(state) != resources_document(before) or (
            resources_document(journaled) != resources_document(before))
        return replace(state, serial=before.serial + 1 if changed else before.serial), entries

    def _save(self, conn: psycopg.Connection, written: State, head: Any, rows: _Rows | None,
              docs: dict[str, str], replacing: bool) -> None:
        stored = rows.docs if rows is not None else {}
        upserts = [(a, d) for a, d in docs.items() if stored.get(a) != d]
        removed = [a for a in stored if a not in docs]
        if head is None:
            conn.execute("INSERT INTO reconciler_states (name, lineage, serial, format_version) "
                         "VALUES (%s, %s, %s, %s)",
                         (self.name, written.lineage, written.serial, FORMAT_VERSION))
        elif (written.serial, written.lineage, FORMAT_VERSION) != (head[1], head[0], head[2]):
            conn.execute("UPDATE reconciler_states SET lineage = %s, serial = %s, "
                         "format_version = %s, updated_at = now() WHERE name = %s",
                         (written.lineage, written.serial, FORMAT_VERSION, self.name))
        if upserts:
            conn.execute(_UPSERT, (self.name, [a for a, _ in upserts], [d for _, d in upserts]))
        if removed:
            conn.execute("DELETE FROM reconciler_resources WHERE state_name = %s "
                         "AND address = ANY(%s)", (self.name, removed))
        bumped = head is None and written.serial > 0 or head is not None and written.serial != head[1]
        if bumped and self.target.versions > 0:
            self._add_version(conn, written, head[0] if head else written.lineage, stored, docs,
                              [a for a, _ in upserts] + removed)

    def _add_version(self, conn: psycopg.Connection, written: State, previous_lineage: str,
                     stored: dict[str, str], docs: dict[str, str], changed: list[str]) -> None:
        changes = [{"address": a,
                    "before": json.loads(stored[a]) if a in stored else None,
                    "after": json.loads(docs[a]) if a in docs else None} for a in sorted(changed)]
        held = self._held if self._held is not None and self._held.held else None
        info = held.info if held is not None else {}
        who = f"{info['who']}@{info['host']}" if info else whoami()
        conn.execute(
            "INSERT INTO reconciler_versions (state_name, serial, lineage, previous_lineage, "
            "written_by, operation, lock_id, changes) VALUES (%s, %s, %s, %s, %s, %s, %s, %s::json) "
            "ON CONFLICT (state_name, serial) DO UPDATE SET lineage = EXCLUDED.lineage, "
            "previous_lineage = EXCLUDED.previous_lineage, written_at = now(), "
            "written_by = EXCLUDED.written_by, operation = EXCLUDED.operation, "
            "lock_id = EXCLUDED.lock_id, changes = EXCLUDED.changes",
            (self.name, written.serial, written.lineage, previous_lineage, who,
             info.get("operation"), info.get("id"), canonical(changes)))
        conn.execute("DELETE FROM reconciler_versions WHERE state_name = %s AND serial <= %s",
                     (self.name, written.serial - self.target.versions))

    def _reset_journal(self, conn: psycopg.Connection, written: State, journal: list,
                       entries: list[JournalEntry], replacing: bool) -> None:
        """Drop the journal entries read, keeping the intents still unanswered."""
        if not journal:
            return
        last = journal[-1][0]
        keep = [] if replacing else [e.seq for e in unresolved_intents(tuple(entries),
                                                                       written.lineage)]
        conn.execute("DELETE FROM reconciler_journal WHERE state_name = %s AND seq <= %s "
                     "AND NOT (seq = ANY(%s))", (self.name, last, keep))

    # -- history ---------------------------------------------------------------------------

    def read_version(self, serial: int) -> State:
        """The state as it was at ``serial``, rebuilt from the kept versions (no journal)."""
        with self._session("read a version") as conn, conn.transaction():
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            head = conn.execute("SELECT lineage, serial, format_version FROM reconciler_states "
                                "WHERE name = %s", (self.name,)).fetchone() if tables_exist(conn) else None
            if head is None:
                raise StateError(f"state {self.location} does not exist; it has no versions")
            if serial == head[1]:
                docs = self._stored_all(conn)
                return self._decode(_Rows(head[0], head[1], head[2], docs))
            kept = conn.execute("SELECT serial, previous_lineage, changes::text FROM "
                                "reconciler_versions WHERE state_name = %s AND serial > %s "
                                "ORDER BY serial DESC", (self.name, serial)).fetchall()
            span = [row[0] for row in kept]
            if not 0 <= serial < head[1] or span != list(range(head[1], serial, -1)):
                oldest = conn.execute("SELECT min(serial) FROM reconciler_versions WHERE "
                                      "state_name = %s", (self.name,)).fetchone()[0]
                low = (oldest - 1) if oldest is not None else head[1]
                raise StateError(
                    f"state {self.location} has no version {serial}: it is at serial {head[1]} "
                    f"and its history reaches back to serial {low}",
                    hint=f"keep more history with ?versions=N (now {self.target.versions})")
            docs = self._stored_all(conn)
        lineage = head[0]
        for _serial, previous_lineage, text in kept:
            for change in json.loads(text):
                if change["before"] is None:
                    docs.pop(change["address"], None)
                else:
                    docs[change["address"]] = canonical(change["before"])
            lineage = previous_lineage
        return self._decode(_Rows(lineage, serial, FORMAT_VERSION, docs))

    def _stored_all(self, conn: psycopg.Connection) -> dict[str, str]:
        return dict(conn.execute("SELECT address, document::text FROM reconciler_resources "
                                 "WHERE state_name = %s", (self.name,)).fetchall())

    # -- locking ---------------------------------------------------------------------------

    def lock(self, operation: str, *, timeout: float = 0.0) -> StateLock:
        """Take the write lock for ``operation`` (waiting up to ``timeout`` seconds).

        Raises ``StateLockedError`` naming the holder. A lock left by a killed holder (its
        session ended) or an expired lease is taken over, with a warning in ``warnings``.
        """
        with translate(self.target, "lock"):
            lock = pg_lock.acquire(self.target, operation, timeout=timeout, sleep=self._sleep,
                                   clock=self._clock, env=self._env, lease=self._lease,
                                   connection_class=self._connection_class)
        self._held = lock
        self._lock_warnings.extend(lock.warnings)
        self.warnings.extend(lock.warnings)
        return lock

    def lock_info(self) -> dict | None:
        """The record of the current holder (``"stale": True`` once its lease expired), or None
        when the lock is free."""
        with self._session("read the lock") as conn:
            return pg_lock.current_holder(conn, self.target)

    def force_unlock(self, lock_id: str) -> None:
        """Remove the lock whose id is ``lock_id``, ending its holder's lock session."""
        with self._session("force-unlock") as conn:
            pg_lock.force_unlock(conn, self.target, lock_id)

