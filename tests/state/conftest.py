"""Fixtures for the state tests: a real PostgreSQL server, and each backend behind one interface.

The PostgreSQL tests need a server: ``RECONCILER_TEST_POSTGRES_URL``, else a local one on
127.0.0.1:5432 (database ``test``, user ``postgres`` or ``root``). Without one they are skipped,
except under ``CI=true``, where a missing server fails the run: CI must test the team backend.
Every test gets its own state name, in a schema made for this test session and dropped after it.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable
from urllib.parse import quote

import psycopg
import pytest

from reconciler.state import FileStateStore
from reconciler.state.lease import format_time
from reconciler.state.pg_conn import redact_url
from reconciler.state.postgres import PostgresStateStore

CANDIDATES = ("postgresql://postgres@127.0.0.1:5432/test", "postgresql://root@127.0.0.1:5432/test")
ROOT = Path(__file__).resolve().parents[2]


def _server() -> tuple[str | None, str]:
    given = os.environ.get("RECONCILER_TEST_POSTGRES_URL")
    problems = []
    for url in (given,) if given else CANDIDATES:
        try:
            psycopg.connect(url, connect_timeout=3).close()
            return url, ""
        except psycopg.Error as exc:
            problems.append(f"{redact_url(url)}: {str(exc).strip().splitlines()[0]}")
    return None, "; ".join(problems)


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """The URL of a PostgreSQL server (skip, or fail under CI=true, when there is none)."""
    url, why = _server()
    if url is None:
        message = f"no PostgreSQL server for the state backend tests ({why})"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message}; CI=true requires one (set RECONCILER_TEST_POSTGRES_URL)")
        pytest.skip(f"{message}; set RECONCILER_TEST_POSTGRES_URL to run them")
    return url


@pytest.fixture(scope="session")
def postgres_schema(postgres_server: str):
    """A schema of its own for this test session: (admin connection, schema name)."""
    schema = f"reconciler_test_{uuid.uuid4().hex[:10]}"
    admin = psycopg.connect(postgres_server, autocommit=True)
    admin.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield admin, schema
    finally:
        admin.execute(f'DROP SCHEMA "{schema}" CASCADE')
        admin.close()


def in_schema(server: str, schema: str, **params: str) -> str:
    """``server`` with its search_path set to ``schema`` and our ``params`` (name=...)."""
    query = "&".join([f"options={quote(f'-csearch_path={schema}', safe='')}",
                      *(f"{k}={quote(v, safe='')}" for k, v in params.items())])
    return f"{server}{'&' if '?' in server else '?'}{query}"


@dataclass
class Backend:
    """One backend behind the same helpers, so a contract test is written once."""

    kind: str
    location: str
    make: Callable[..., Any]
    plant: Callable[..., None]  # plant(record-ish kwargs): a holder record left behind
    admin: Any = None
    schema: str | None = None
    opened: list[Any] = field(default_factory=list)

    def open(self, **kwargs: Any):
        store = self.make(**kwargs)
        self.opened.append(store)
        return store

    def expire_lease(self) -> None:
        """Move the current holder's lease expiry into the past, as if it stopped renewing."""
        if self.kind == "file":
            lock_path = Path(self.location + ".lock")
            record = json.loads(lock_path.read_text())
            record["expires"] = format_time(time.time() - 30)
            with open(lock_path, "r+") as fh:  # the same file: the holder's flock stays on it
                fh.write(json.dumps(record, sort_keys=True) + "\n")
                fh.truncate()
        else:
            self.sql("UPDATE {s}.reconciler_locks SET expires_at = now() - interval '30 seconds' "
                     "WHERE state_name = %s", (PostgresStateStore(self.location).name,))

    def sql(self, query: str, params: tuple = ()) -> list[tuple]:
        assert self.admin is not None, "PostgreSQL only"
        cur = self.admin.execute(query.replace("{s}", f'"{self.schema}"'), params)
        return cur.fetchall() if cur.description else []


def dead_pid() -> int:
    """The pid of a process that has exited (and been reaped)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait(timeout=20)
    return child.pid


def _file_backend(tmp_path: Path) -> Backend:
    path = tmp_path / "state" / "default.json"

    def make(**kwargs: Any) -> FileStateStore:
        return FileStateStore(path, **kwargs)

    def plant(*, expired: bool, alive: bool, lock_id: str = "planted-lock") -> None:
        """A record whose holder is dead (this host, pid gone), or alive on another host (where
        flock does not reach), with its lease expired or not."""
        now = time.time()
        record = {"id": lock_id, "operation": "apply", "who": "ci", "pid": 4242 if alive else dead_pid(),
                  "host": "runner-elsewhere" if alive else socket.gethostname(),
                  "created": format_time(now - 120),
                  "expires": format_time(now - 30 if expired else now + 300), "version": "0.1.0"}
        path.parent.mkdir(parents=True, exist_ok=True)
        path.with_name(path.name + ".lock").write_text(json.dumps(record))

    return Backend("file", str(path), make, plant)


def _postgres_backend(server: str, admin: Any, schema: str) -> Backend:
    name = f"test-{uuid.uuid4().hex}"
    url = in_schema(server, schema, name=name)
    others: list[psycopg.Connection] = []

    def make(**kwargs: Any) -> PostgresStateStore:
        kwargs.pop("now", None)  # the server's clock decides leases
        return PostgresStateStore(url, **kwargs)

    def plant(*, expired: bool, alive: bool, lock_id: str = "planted-lock") -> None:
        """A lock row whose session ended, or whose session is alive without holding the advisory
        lock (as through a pooler), with its lease expired or not."""
        session = psycopg.connect(server, autocommit=True)
        pid, started = session.execute("SELECT pid, backend_start FROM pg_stat_activity "
                                       "WHERE pid = pg_backend_pid()").fetchone()
        if alive:
            others.append(session)
        else:
            session.close()
            deadline = time.monotonic() + 10
            while admin.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchone():
                assert time.monotonic() < deadline, "the closed session did not end"
                time.sleep(0.005)
        with PostgresStateStore(url) as probe, probe.lock("probe"):  # makes the tables
            pass
        admin.execute(
            f'INSERT INTO "{schema}".reconciler_locks (state_name, id, operation, who, host, pid, '
            "version, backend_pid, backend_start, acquired_at, expires_at) VALUES "
            "(%s, %s, 'apply', 'ci', 'runner', 4242, '0.1.0', %s, %s, now() - interval '2 minutes', "
            "now() + %s * interval '1 second') ON CONFLICT (state_name) DO UPDATE SET id = EXCLUDED.id, "
            "backend_pid = EXCLUDED.backend_pid, backend_start = EXCLUDED.backend_start, "
            "expires_at = EXCLUDED.expires_at",
            (name, lock_id, pid, started, -30 if expired else 300))

    backend = Backend("postgresql", url, make, plant, admin=admin, schema=schema)
    backend.others = others  # type: ignore[attr-defined]
    return backend


def _cleanup(backend: Backend) -> None:
    for store in backend.opened:
        store.close()
    for conn in getattr(backend, "others", []):
        conn.close()
    if backend.kind == "postgresql":
        name = PostgresStateStore(backend.location).name
        for table in ("reconciler_locks", "reconciler_states"):  # the rest cascades
            if backend.sql(f"SELECT to_regclass('{{s}}.{table}')")[0][0] is not None:
                backend.sql(f"DELETE FROM {{s}}.{table} WHERE "
                            f"{'state_name' if table == 'reconciler_locks' else 'name'} = %s", (name,))


@pytest.fixture(params=["file", "postgresql"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    """Each backend in turn, empty, with its own state."""
    if request.param == "file":
        made = _file_backend(tmp_path)
    else:
        admin, schema = request.getfixturevalue("postgres_schema")
        made = _postgres_backend(request.getfixturevalue("postgres_server"), admin, schema)
    yield made
    _cleanup(made)


@pytest.fixture
def pg(request: pytest.FixtureRequest, postgres_server: str, postgres_schema) -> Backend:
    """The PostgreSQL backend alone."""
    admin, schema = postgres_schema
    made = _postgres_backend(postgres_server, admin, schema)
    yield made
    _cleanup(made)
