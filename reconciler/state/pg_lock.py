"""The write lock of the PostgreSQL backend: a session advisory lock plus a leased lock row.

The primary lock is ``pg_try_advisory_lock(key)`` (``key`` a hash of the state's name) taken on
a connection of its own, held for the life of the ``with`` block. The server releases it when
that session ends, including when the holder is killed (its socket closes) or its host vanishes
(server TCP keepalives are set short on the lock session). The ``reconciler_locks`` row is the
lease: the holder record plus ``acquired_at`` / ``expires_at`` (server time, so hosts' clocks
do not matter) and the session's ``backend_pid``, renewed by a heartbeat on the lock session.

Every attempt runs in one transaction serialized by a transaction-level advisory "gate" lock,
so a loser always sees the winner's row and can name it. The takeover rule is
``reconciler.state.lease.decide``: a row whose session ended is taken over at once (with a
warning); a row whose session is alive while its advisory lock is not held (a pooler in
transaction mode breaks session locks) is respected until its lease expires. ``force_unlock``
ends the holder's lock session (``pg_terminate_backend``) so its advisory lock goes too; the
holder's data writes are fenced by the lock row's id (see ``postgres.py``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from typing import Any

import psycopg

from reconciler.errors import StateError
from reconciler.state.lease import (
    LOCKED,
    TIME_FORMAT,
    TAKE_OVER,
    Lease,
    StateLock,
    decide,
    describe_holder,
    holder_record,
    locked_error,
    locked_note,
    log,
    not_locked,
    takeover_warning,
    wrong_lock_id,
)
from reconciler.state.pg_conn import PgTarget, advisory_key, connect, ensure_schema, tables_exist

POLL_INTERVAL = 0.05
_PRIMARY = "the PostgreSQL advisory lock"
_GONE = "its database session ended (the process was killed or lost its connection)"
#: server-side TCP keepalives of the lock session: a vanished host is noticed within ~30 s
_KEEPALIVES = {"tcp_keepalives_idle": 15, "tcp_keepalives_interval": 5, "tcp_keepalives_count": 3}

_HOLDER = """
    SELECT l.id, l.operation, l.who, l.host, l.pid, l.version, l.ci_run_url, l.commit_sha,
           l.acquired_at, l.expires_at, l.backend_pid,
           l.expires_at <= now() AS expired,
           EXISTS (SELECT 1 FROM pg_stat_activity AS a WHERE a.pid = l.backend_pid
                   AND (a.backend_start IS NULL OR a.backend_start = l.backend_start)) AS alive
    FROM reconciler_locks AS l WHERE l.state_name = %s"""

_UPSERT = """
    INSERT INTO reconciler_locks (state_name, id, operation, who, host, pid, version, ci_run_url,
                                  commit_sha, backend_pid, backend_start, acquired_at, expires_at)
    SELECT %(name)s, %(id)s, %(operation)s, %(who)s, %(host)s, %(pid)s, %(version)s,
           %(ci_run_url)s, %(commit)s, pg_backend_pid(),
           (SELECT backend_start FROM pg_stat_activity WHERE pid = pg_backend_pid()),
           now(), now() + make_interval(secs => %(lease)s)
    ON CONFLICT (state_name) DO UPDATE SET
        id = EXCLUDED.id, operation = EXCLUDED.operation, who = EXCLUDED.who,
        host = EXCLUDED.host, pid = EXCLUDED.pid, version = EXCLUDED.version,
        ci_run_url = EXCLUDED.ci_run_url, commit_sha = EXCLUDED.commit_sha,
        backend_pid = EXCLUDED.backend_pid, backend_start = EXCLUDED.backend_start,
        acquired_at = EXCLUDED.acquired_at, expires_at = EXCLUDED.expires_at
    RETURNING acquired_at, expires_at"""


def _fmt(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime(TIME_FORMAT)


def _record(row: Any) -> dict[str, Any]:
    record: dict[str, Any] = {"id": row[0], "operation": row[1], "who": row[2], "host": row[3],
                              "pid": row[4], "version": row[5], "created": _fmt(row[8]),
                              "expires": _fmt(row[9])}
    if row[6]:
        record["ci_run_url"] = row[6]
    if row[7]:
        record["commit"] = row[7]
    return record


def lost_reason(conn: psycopg.Connection, target: PgTarget) -> str:
    """Why a holder's lock row is no longer its own: removed, or someone else's now."""
    row = conn.execute(_HOLDER, (target.name,)).fetchone()
    if row is None:
        return "its lock row was removed (force-unlock)"
    return f"it was taken over by {describe_holder(_record(row))}"


def lock_keys(target: PgTarget) -> tuple[int, int]:
    """(the advisory lock key of the state, the key of its acquisition gate)."""
    return advisory_key("lock", target.name), advisory_key("gate", target.name)


class PostgresLock(StateLock):
    """A held advisory lock on its own session, with its lease row."""

    primary = _PRIMARY

    def __init__(self, conn: psycopg.Connection, target: PgTarget, info: dict[str, Any], *,
                 lease: Lease) -> None:
        super().__init__(info, location=target.location, lease=lease)
        self._conn = conn
        self._target = target

    def _verify(self) -> str | None:
        return None  # the store's statements check the lock row themselves

    def _renew(self) -> str | None:
        try:
            row = self._conn.execute(
                "UPDATE reconciler_locks SET expires_at = now() + make_interval(secs => %s) "
                "WHERE state_name = %s AND id = %s RETURNING expires_at",
                (self.lease.duration, self._target.name, self.id)).fetchone()
            if row is not None:
                self.info = {**self.info, "expires": _fmt(row[0])}
                return None
            return lost_reason(self._conn, self._target)
        except psycopg.Error as exc:
            if not (self._conn.broken or self._conn.closed):
                raise  # a passing failure: the heartbeat tries again
            # the session that held the advisory lock is gone: anyone may take the lock now
            detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            return f"its database session ended ({detail})"

    def _release(self) -> None:
        conn = self._conn
        try:
            conn.execute("DELETE FROM reconciler_locks WHERE state_name = %s AND id = %s",
                         (self._target.name, self.id))
            conn.execute("SELECT pg_advisory_unlock(%s)", (lock_keys(self._target)[0],))
        except psycopg.Error as exc:  # the session is gone: the server already dropped the lock
            log.warning("state %s: releasing the lock: %s", self.location, exc)
        finally:
            conn.close()


def acquire(target: PgTarget, operation: str, *, timeout: float = 0.0,
            sleep: Callable[[float], None] = time.sleep,
            clock: Callable[[], float] = time.monotonic,
            env: Mapping[str, str] | None = None, lease: Lease = Lease(),
            connection_class: type[psycopg.Connection] = psycopg.Connection) -> PostgresLock:
    """Take the write lock of ``target``'s state, polling until ``timeout`` seconds.

    Raises ``StateLockedError`` naming the holder. Opens the lock's own connection.
    """
    conn = connect(target, connection_class, keepalives=1, keepalives_idle=15,
                   keepalives_interval=5, keepalives_count=3)
    try:
        for setting, value in _KEEPALIVES.items():
            conn.execute(f"SET {setting} = {int(value)}")
        ensure_schema(conn, target)
        deadline = clock() + max(timeout, 0.0)
        while True:
            lock, holder, note = _attempt(conn, target, operation, env=env, lease=lease)
            if lock is not None:
                return lock
            remaining = deadline - clock()
            if remaining <= 0:
                break
            sleep(min(POLL_INTERVAL, remaining))
    except BaseException:
        conn.close()
        raise
    conn.close()
    raise locked_error(target.location, holder, timeout=timeout, note=note)


def _attempt(conn: psycopg.Connection, target: PgTarget, operation: str, *,
             env: Mapping[str, str] | None, lease: Lease
             ) -> tuple[PostgresLock | None, dict[str, Any], str | None]:
    key, gate = lock_keys(target)
    got = False
    try:
        with conn.transaction():
            conn.execute("SET LOCAL lock_timeout = '10s'")
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (gate,))
            got = bool(conn.execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone()[0])
            row = conn.execute(_HOLDER + " FOR UPDATE OF l", (target.name,)).fetchone()
            holder = _record(row) if row else {}
            expired = bool(row and row[11])
            decision = decide(primary=got, record=holder, expired=expired,
                              holder_gone=bool(row) and not row[12])
            if decision.verdict == LOCKED:
                if got:
                    conn.execute("SELECT pg_advisory_unlock(%s)", (key,))
                    got = False
                note = locked_note(holder, decision.reason, expired=expired, primary=_PRIMARY)
                return None, holder, note
            info = holder_record(operation, env, lease=lease)
            times = conn.execute(_UPSERT, {
                "name": target.name, "id": info["id"], "operation": operation,
                "who": info["who"], "host": info["host"], "pid": info["pid"],
                "version": info["version"], "ci_run_url": info.get("ci_run_url"),
                "commit": info.get("commit"), "lease": lease.duration}).fetchone()
            info["created"], info["expires"] = _fmt(times[0]), _fmt(times[1])
    except BaseException:
        if got and not conn.closed:
            try:
                conn.execute("SELECT pg_advisory_unlock(%s)", (key,))
            except psycopg.Error:
                pass
        raise
    lock = PostgresLock(conn, target, info, lease=lease)
    if decision.verdict == TAKE_OVER:
        lock.warnings.append(takeover_warning(target.location, holder, decision.reason, _GONE))
    lock.start_heartbeat()
    return lock, info, None


def current_holder(conn: psycopg.Connection, target: PgTarget) -> dict[str, Any] | None:
    """The holder record if someone holds the lock now (``"stale": True`` once its lease
    expired), else None. Reads only: takes no lock."""
    if not tables_exist(conn):
        return None
    key = lock_keys(target)[0]
    row = conn.execute(_HOLDER, (target.name,)).fetchone()
    if row is None:
        return None
    taken = conn.execute(
        "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted "
        "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
        "AND classid = %s::oid AND objid = %s::oid AND objsubid = 1)",
        ((key >> 32) & 0xFFFFFFFF, key & 0xFFFFFFFF)).fetchone()[0]
    holder, expired = _record(row), bool(row[11])
    decision = decide(primary=not taken, record=holder, expired=expired, holder_gone=not row[12])
    if decision.verdict != LOCKED:
        return None
    return {**holder, "stale": True} if expired else holder


def force_unlock(conn: psycopg.Connection, target: PgTarget, lock_id: str) -> None:
    """Remove the lock whose id is ``lock_id``: end its holder's lock session (so its advisory
    lock is released) and delete its row. ``StateError`` if the id does not match."""
    if not tables_exist(conn):
        raise not_locked(target.location)
    row = None
    try:
        with conn.transaction():
            conn.execute("SET LOCAL lock_timeout = '10s'")
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (lock_keys(target)[1],))
            row = conn.execute(_HOLDER + " FOR UPDATE OF l", (target.name,)).fetchone()
            if row is None:
                raise not_locked(target.location)
            if row[0] != lock_id:
                raise wrong_lock_id(target.location, lock_id, _record(row))
            if row[12]:
                wait = ", 5000" if conn.info.server_version >= 140000 else ""
                conn.execute(f"SELECT pg_terminate_backend(%s{wait})", (row[10],))
            conn.execute("DELETE FROM reconciler_locks WHERE state_name = %s AND id = %s",
                         (target.name, lock_id))
    except psycopg.errors.InsufficientPrivilege:
        assert row is not None
        raise StateError(
            f"cannot end the database session (pid {row[10]}) that holds the lock of state "
            f"{target.location}: permission denied",
            hint=(f"ask a database administrator to run SELECT pg_terminate_backend({row[10]}); "
                  "then run force-unlock again"),
        ) from None
