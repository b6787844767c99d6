"""The PostgreSQL backend's plumbing: the ``--state`` URL, connections, errors and tables.

``postgresql://user@host:5432/db?name=analytics&versions=20`` names a database and one state in
it (``name``, default ``default``; many named states share the tables). ``versions`` is how many
past versions the history keeps. Every other query parameter is libpq's (``sslmode``,
``options=-csearch_path%3Dops`` to put the tables in another schema...). A password belongs in
``PGPASSWORD`` or ``~/.pgpass``; one written in the URL is used but never shown: ``location``
(what messages print) drops it, and driver errors are scrubbed of it.

psycopg errors become ``StateError`` here (``translate``) and nowhere else.

Tables (created on first use by ``ensure_schema``; idempotent, serialized by an advisory lock):

    reconciler_meta       schema_version
    reconciler_states     one row per named state: lineage, serial, format_version
    reconciler_resources  one row per managed resource: its ResourceState JSON (and the row
                          "(outputs)": the state's outputs, when it has some)
    reconciler_journal    the apply journal: one row per entry
    reconciler_versions   history: per serial, who wrote it and each changed row before/after
    reconciler_locks      the lease record of the write lock's holder
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

import psycopg

from reconciler.errors import StateError

SCHEMA_VERSION = 1
DEFAULT_NAME = "default"
DEFAULT_VERSIONS = 20
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:/@-]{0,199}$")
_SECRET_PARAMS = frozenset({"password", "sslpassword"})
#: a transaction-level advisory lock serializing ``ensure_schema`` across sessions
_DDL_KEY = int.from_bytes(hashlib.sha256(b"reconciler-state-ddl").digest()[:8], "big", signed=True)

DDL = (
    """CREATE TABLE IF NOT EXISTS reconciler_meta (
        key text PRIMARY KEY,
        value text NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS reconciler_states (
        name text PRIMARY KEY,
        lineage text NOT NULL,
        serial bigint NOT NULL,
        format_version integer NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now())""",
    """CREATE TABLE IF NOT EXISTS reconciler_resources (
        state_name text NOT NULL REFERENCES reconciler_states (name) ON DELETE CASCADE,
        address text NOT NULL,
        document json NOT NULL,
        PRIMARY KEY (state_name, address))""",
    """CREATE TABLE IF NOT EXISTS reconciler_journal (
        state_name text NOT NULL REFERENCES reconciler_states (name) ON DELETE CASCADE,
        seq bigint NOT NULL,
        entry json NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (state_name, seq))""",
    """CREATE TABLE IF NOT EXISTS reconciler_versions (
        state_name text NOT NULL REFERENCES reconciler_states (name) ON DELETE CASCADE,
        serial bigint NOT NULL,
        lineage text NOT NULL,
        previous_lineage text NOT NULL,
        written_at timestamptz NOT NULL DEFAULT now(),
        written_by text NOT NULL,
        operation text,
        lock_id text,
        changes json NOT NULL,
        PRIMARY KEY (state_name, serial))""",
    """CREATE TABLE IF NOT EXISTS reconciler_locks (
        state_name text PRIMARY KEY,
        id text NOT NULL,
        operation text NOT NULL,
        who text NOT NULL,
        host text NOT NULL,
        pid integer NOT NULL,
        version text NOT NULL,
        ci_run_url text,
        commit_sha text,
        backend_pid integer NOT NULL,
        backend_start timestamptz,
        acquired_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL)""",
)


@dataclass(frozen=True)
class PgTarget:
    """A parsed ``--state postgresql://...``: where to connect and which state.

    ``conninfo`` is for libpq only (it may hold a password); ``location`` is for people.
    """

    conninfo: str = field(repr=False)
    location: str
    name: str
    versions: int
    password: str | None = field(default=None, repr=False)


def parse_url(url: str) -> PgTarget:
    """Split our parameters (``name``, ``versions``) from libpq's; ``StateError`` if invalid."""
    parts = urlsplit(url)
    userinfo, _, hostport = parts.netloc.rpartition("@")
    user, has_password, password = userinfo.partition(":")
    params = parse_qsl(parts.query, keep_blank_values=True)
    ours = {k: v for k, v in params if k in ("name", "versions")}
    libpq = [(k, v) for k, v in params if k not in ("name", "versions")]
    password = unquote(password) if has_password else None
    password = next((v for k, v in libpq if k == "password"), password)
    public = urlunsplit((parts.scheme, f"{user}@{hostport}" if userinfo else hostport, parts.path,
                         urlencode([(k, v) for k, v in libpq if k not in _SECRET_PARAMS]
                                   + list(ours.items()), quote_via=quote), ""))
    name = ours.get("name", DEFAULT_NAME)
    if not NAME_RE.match(name):
        raise StateError(f"state name {name!r} in {public} is not valid",
                         hint="use letters, digits and . _ - : / @ (at most 200), e.g. ?name=analytics")
    try:
        versions = int(ours.get("versions", DEFAULT_VERSIONS))
        if versions < 0:
            raise ValueError
    except ValueError:
        raise StateError(f"versions={ours['versions']!r} in {public} is not a count of versions to "
                         "keep", hint="e.g. ?versions=20 (0 keeps no history)") from None
    conninfo = urlunsplit((parts.scheme, parts.netloc, parts.path,
                           urlencode(libpq, quote_via=quote), ""))
    return PgTarget(conninfo, public, name, versions, password or None)


def redact_url(url: str) -> str:
    """``url`` without its password (for messages about a URL that may not parse)."""
    try:
        return parse_url(url).location
    except (StateError, ValueError):
        return "postgresql://<unreadable URL>"


def advisory_key(*parts: str) -> int:
    """A stable signed 64-bit advisory lock key for ``parts``."""
    digest = hashlib.sha256("\x00".join(("reconciler-state", *parts)).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def scrub(text: str, target: PgTarget) -> str:
    """``text`` with the password (plain and URL-encoded) replaced by ``***``."""
    if target.password:
        for secret in {target.password, quote(target.password, safe="")}:
            text = text.replace(secret, "***")
    return text


@contextmanager
def translate(target: PgTarget, action: str) -> Iterator[None]:
    """Turn a psycopg error raised inside into a ``StateError`` naming ``location`` and ``action``."""
    try:
        yield
    except psycopg.OperationalError as exc:
        detail = scrub(str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__,
                       target)
        raise StateError(
            f"state database {target.location}: {action} failed: {detail}",
            hint=("check that the server is up and reachable and the URL is right; keep the "
                  "password in PGPASSWORD or ~/.pgpass rather than in the URL"),
        ) from None
    except psycopg.Error as exc:
        detail = scrub(str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__,
                       target)
        raise StateError(f"state database {target.location}: {action} failed: {detail}") from None


def connect(target: PgTarget, connection_class: type[psycopg.Connection] = psycopg.Connection,
            **settings: object) -> psycopg.Connection:
    """An autocommit connection; ``settings`` are libpq parameters the URL did not set."""
    given = psycopg.conninfo.conninfo_to_dict(target.conninfo)
    defaults = {"connect_timeout": 10, "application_name": "reconciler", **settings}
    extra = {k: v for k, v in defaults.items() if k not in given}
    return connection_class.connect(target.conninfo, autocommit=True, **extra)


def tables_exist(conn: psycopg.Connection) -> bool:
    row = conn.execute("SELECT to_regclass('reconciler_states') IS NOT NULL").fetchone()
    return bool(row and row[0])


def ensure_schema(conn: psycopg.Connection, target: PgTarget) -> None:
    """Create the tables if missing (idempotent, safe when many sessions race); refuse tables
    made by a newer reconciler."""
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_DDL_KEY,))
        if conn.execute("SELECT to_regclass('reconciler_meta') IS NOT NULL").fetchone()[0]:
            row = conn.execute(
                "SELECT value FROM reconciler_meta WHERE key = 'schema_version'").fetchone()
            found = int(row[0]) if row else SCHEMA_VERSION
            if found > SCHEMA_VERSION:
                raise StateError(
                    f"the state tables in {target.location} are schema version {found}, newer than "
                    f"this reconciler understands ({SCHEMA_VERSION})", hint="upgrade reconciler")
            if found == SCHEMA_VERSION and tables_exist(conn):
                return
        for statement in DDL:
            conn.execute(statement)
        conn.execute("INSERT INTO reconciler_meta (key, value) VALUES ('schema_version', %s) "
                     "ON CONFLICT (key) DO NOTHING", (str(SCHEMA_VERSION),))
