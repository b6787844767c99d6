"""What only the PostgreSQL backend has: its URL, its tables, per-row writes, history, and locks
held by sessions (concurrent lockers, a SIGKILLed holder). The shared contract is in
test_state_contract.py; these tests need the server described in conftest.py."""

from __future__ import annotations

import json
import select
import signal
import subprocess
import sys
import textwrap
import threading
import uuid

import psycopg
import pytest

from reconciler.addresses import Address
from reconciler.errors import StateCorruptError, StateError, StateLockedError
from reconciler.state import JournalEntry, ResourceState, State, open_store
from reconciler.state.pg_conn import SCHEMA_VERSION, parse_url
from reconciler.state.postgres import PostgresStateStore
from tests.state.conftest import ROOT, in_schema

X = Address.parse("dataiku_project.x")
Y = Address.parse("dataiku_project.y")
SECRET = "hunter2-never-print"


def rec(address: Address = X, name: str = "v1") -> ResourceState:
    return ResourceState(address, address.name.upper(), {"name": name})


def many(count: int) -> dict[Address, ResourceState]:
    return {a: rec(a) for a in (Address("dataiku_dataset", f"d{i}") for i in range(count))}


# -- the URL --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "location", "name", "versions"),
    [
        pytest.param("postgresql://ops@db.internal/platform", "postgresql://ops@db.internal/platform",
                     "default", 20, id="defaults"),
        pytest.param(f"postgresql://ops:{SECRET}@db:6432/platform?name=analytics&sslmode=require",
                     "postgresql://ops@db:6432/platform?sslmode=require&name=analytics", "analytics",
                     20, id="password-dropped"),
        pytest.param(f"postgres://db/platform?password={SECRET}&versions=3&name=a/b",
                     "postgres://db/platform?versions=3&name=a%2Fb", "a/b", 3,
                     id="password-parameter-dropped"),
    ],
)
def test_the_url_names_a_state_and_never_shows_a_password(url, location, name, versions) -> None:
    store = open_store(url)
    assert isinstance(store, PostgresStateStore)
    assert (store.location, store.name, store.target.versions) == (location, name, versions)
    assert SECRET not in repr(store) and SECRET not in repr(store.target)
    assert "name=" not in store.target.conninfo and "versions=" not in store.target.conninfo


@pytest.mark.parametrize(
    ("url", "message"),
    [
        pytest.param(f"postgresql://u:{SECRET}@db/x?name=", "state name '' in", id="empty-name"),
        pytest.param(f"postgresql://u:{SECRET}@db/x?name=a%20b", "state name 'a b'", id="bad-name"),
        pytest.param(f"postgresql://u:{SECRET}@db/x?versions=-1", "versions='-1'", id="bad-versions"),
    ],
)
def test_a_bad_url_is_refused_without_its_password(url: str, message: str) -> None:
    with pytest.raises(StateError) as info:
        parse_url(url)
    assert message in str(info.value) and SECRET not in str(info.value)


def test_an_unreachable_server_is_a_state_error_without_the_password() -> None:
    store = open_store(f"postgresql://ops:{SECRET}@127.0.0.1:1/platform?name=x&connect_timeout=2")
    with pytest.raises(StateError) as info:
        store.read()
    text = str(info.value)
    assert text.startswith("state database postgresql://ops@127.0.0.1:1/platform?connect_timeout=2"
                           "&name=x: read failed: connection failed")
    assert SECRET not in text and "PGPASSWORD" in text


def test_messages_never_show_the_password(pg, postgres_server) -> None:
    url = pg.location.replace("postgresql://", f"postgresql://ignored:{SECRET}@", 1) \
        if "@" not in pg.location.split("//", 1)[1].split("/", 1)[0] else \
        pg.location.replace("@", f":{SECRET}@", 1)
    with PostgresStateStore(url) as holder, PostgresStateStore(url) as other:
        holder.write(State.empty())
        with holder.lock("apply"):
            with pytest.raises(StateLockedError) as locked:
                other.lock("apply")
        with pytest.raises(StateCorruptError) as lineage:
            other.write(State.empty())
    for error in (locked.value, lineage.value):
        assert SECRET not in str(error) and holder.location in str(error)


# -- tables -----------------------------------------------------------------------------------


@pytest.fixture
def fresh(postgres_server, postgres_schema):
    """A schema with no tables in it, and a URL whose search_path points there."""
    admin, _ = postgres_schema
    schema = f"reconciler_fresh_{uuid.uuid4().hex[:10]}"
    admin.execute(f'CREATE SCHEMA "{schema}"')
    yield admin, schema, in_schema(postgres_server, schema, name="fresh")
    admin.execute(f'DROP SCHEMA "{schema}" CASCADE')


def _tables(admin, schema: str) -> set[str]:
    return {r[0] for r in admin.execute("SELECT table_name FROM information_schema.tables "
                                        "WHERE table_schema = %s", (schema,)).fetchall()}


def test_tables_are_created_on_first_write_never_by_reading(fresh) -> None:
    admin, schema, url = fresh
    with PostgresStateStore(url) as store:
        assert store.read().serial == 0 and store.lock_info() is None
        assert _tables(admin, schema) == set()
        store.write(State.empty().with_resource(rec()))
    assert _tables(admin, schema) == {"reconciler_meta", "reconciler_states", "reconciler_resources",
                                      "reconciler_journal", "reconciler_versions", "reconciler_locks"}


def test_first_use_by_many_sessions_at_once_creates_the_tables_once(fresh) -> None:
    admin, schema, url = fresh
    stores = [PostgresStateStore(url.replace("name=fresh", f"name=s{i}")) for i in range(6)]
    barrier, errors = threading.Barrier(len(stores)), []

    def first_use(store: PostgresStateStore) -> None:
        barrier.wait(timeout=20)
        try:
            store.write(State.empty().with_resource(rec()))
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=first_use, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    for store in stores:
        store.close()
    assert errors == []
    assert admin.execute(f'SELECT count(*) FROM "{schema}".reconciler_states').fetchone()[0] == 6


def test_tables_of_a_newer_schema_version_are_refused(fresh) -> None:
    admin, schema, url = fresh
    with PostgresStateStore(url) as store:
        store.write(State.empty())
        admin.execute(f"UPDATE \"{schema}\".reconciler_meta SET value = '{SCHEMA_VERSION + 1}'")
    with PostgresStateStore(url) as store, pytest.raises(StateError, match="newer than this reconciler"):
        store.write(State.empty())


def test_one_row_per_resource(pg) -> None:
    store = pg.open()
    state = store.write(State.empty().with_resource(rec()).with_resource(rec(Y, "y")))
    rows = pg.sql("SELECT address, document::text FROM {s}.reconciler_resources WHERE state_name = %s "
                  "ORDER BY address", (store.name,))
    assert [a for a, _ in rows] == ["dataiku_project.x", "dataiku_project.y"]
    assert json.loads(rows[1][1]) == rec(Y, "y").to_json()
    assert rows[1][1].startswith('{"address":"dataiku_project.y",')  # compact, keys sorted
    assert pg.sql("SELECT lineage, serial FROM {s}.reconciler_states WHERE name = %s",
                  (store.name,)) == [(state.lineage, 1)]


# -- cost: writes grow with the change ------------------------------------------------------


def _row_versions(pg, name: str) -> dict[str, str]:
    return dict(pg.sql("SELECT address, xmin::text FROM {s}.reconciler_resources WHERE state_name = %s",
                       (name,)))


def test_a_write_rewrites_only_the_rows_that_changed(pg) -> None:
    store = pg.open()
    state = store.write(State("lineage-cost", 0, many(3000)))
    before = _row_versions(pg, store.name)
    d7, d8 = Address("dataiku_dataset", "d7"), Address("dataiku_dataset", "d8")
    written = store.write(state.with_resource(rec(d7, "v2")).without(d8).with_resource(rec(X)))
    after = _row_versions(pg, store.name)
    assert written.serial == 2
    assert set(before) - set(after) == {"dataiku_dataset.d8"}
    assert set(after) - set(before) == {"dataiku_project.x"}
    rewritten = {a for a in before if a in after and before[a] != after[a]}
    assert rewritten == {"dataiku_dataset.d7"}
    assert pg.open().read() == written


class Counting(psycopg.Connection):
    """A psycopg connection that counts the statements it runs (and can fail one on purpose)."""

    statements: list[str] = []
    fail_on: str | None = None

    def execute(self, query, params=None, **kwargs):
        Counting.statements.append(" ".join(str(query).split()))
        if Counting.fail_on and Counting.fail_on in str(query):
            raise psycopg.errors.QueryCanceled("failed on purpose by the test")
        return super().execute(query, params, **kwargs)


@pytest.fixture
def counting():
    Counting.statements, Counting.fail_on = [], None
    yield Counting
    Counting.statements, Counting.fail_on = [], None


@pytest.mark.parametrize("size", [pytest.param(3, id="3-resources"),
                                  pytest.param(3000, id="3000-resources")])
def test_record_is_one_insert_whatever_the_state_size(pg, counting, size: int) -> None:
    store = pg.open(connection_class=counting)
    state = store.write(State("lineage-cost", 0, many(size)))
    store.record(JournalEntry.intent("update", X, lineage=state.lineage))
    counting.statements.clear()
    for _ in range(5):
        store.record(JournalEntry.result("update", X, lineage=state.lineage, resource=rec()))
    assert len(counting.statements) == 5
    assert all(s.startswith("INSERT INTO reconciler_journal") for s in counting.statements)


def test_a_write_is_one_transaction(pg, counting) -> None:
    store = pg.open(connection_class=counting)
    state = store.write(State.empty().with_resource(rec()).with_resource(rec(Y)))
    store.record(JournalEntry.intent("delete", Y, lineage=state.lineage))
    store.record(JournalEntry.result("delete", Y, lineage=state.lineage))
    counting.fail_on = "DELETE FROM reconciler_journal"  # the last step of the write
    with pytest.raises(StateError, match="write failed: failed on purpose"):
        store.write(store.read().with_resource(rec(X, "v2")))
    counting.fail_on = None
    reader = pg.open()
    assert reader.read() == State(state.lineage, 1, {X: rec()})  # journal still replayed
    assert pg.sql("SELECT serial FROM {s}.reconciler_states WHERE name = %s", (store.name,)) == [(1,)]
    assert pg.sql("SELECT document::json->'attrs'->>'name' FROM {s}.reconciler_resources "
                  "WHERE state_name = %s AND address = 'dataiku_project.x'", (store.name,)) == [("v1",)]


def test_a_write_by_another_store_is_seen_by_the_next_write(pg) -> None:
    """The per-serial cache of stored rows never hides another writer's rows."""
    mine, theirs = pg.open(), pg.open()
    state = mine.write(State.empty().with_resource(rec()))
    theirs.write(theirs.read().with_resource(rec(Y)))
    written = mine.write(state.with_resource(rec(X, "v2")).with_resource(rec(Y)))
    assert written.serial == 3 and pg.open().read() == written


# -- history -------------------------------------------------------------------------------


def test_versions_are_kept_and_earlier_states_rebuilt(pg) -> None:
    store = pg.open()
    v1 = store.write(State.empty().with_resource(rec()))
    v2 = store.write(v1.with_resource(rec(Y)))
    v2 = store.write(v2)  # no change: no version
    v3 = store.write(v2.with_resource(rec(X, "v3")).without(Y))
    assert v3.serial == 3
    for expected in (v1, v2, v3):
        assert store.read_version(expected.serial) == expected
    rows = pg.sql("SELECT serial, written_by, operation, changes::text FROM {s}.reconciler_versions "
                  "WHERE state_name = %s ORDER BY serial", (store.name,))
    assert [r[0] for r in rows] == [1, 2, 3]
    assert '"address":"dataiku_project.y","after":null' in rows[2][3]
    with store.lock("state rm"):
        store.write(v3.without(X))
    assert pg.sql("SELECT operation FROM {s}.reconciler_versions WHERE state_name = %s AND serial = 4",
                  (store.name,)) == [("state rm",)]


def test_history_keeps_the_configured_number_of_versions(pg) -> None:
    store = PostgresStateStore(pg.location + "&versions=2")
    try:
        state = State.empty()
        for n in range(5):
            state = store.write(state.with_resource(rec(X, f"v{n}")))
        assert state.serial == 5
        assert [r[0] for r in pg.sql("SELECT serial FROM {s}.reconciler_versions WHERE state_name = %s "
                                     "ORDER BY serial", (store.name,))] == [4, 5]
        assert store.read_version(3).resources[X].attrs == {"name": "v2"}
        with pytest.raises(StateError, match="has no version 2: it is at serial 5 and its history "
                                             "reaches back to serial 3"):
            store.read_version(2)
    finally:
        store.close()


def test_history_spans_a_replaced_lineage(pg) -> None:
    store = pg.open()
    old = store.write(State.empty().with_resource(rec()))
    new = store.write(State.empty().with_resource(rec(Y)), replace_lineage=True)
    assert store.read_version(1) == old and store.read_version(2) == new


# -- locks held by sessions ---------------------------------------------------------------


def test_the_lock_row_records_the_lease_and_the_session(pg) -> None:
    store = pg.open(env={"CI_JOB_URL": "https://gitlab.example/acme/-/jobs/7", "CI_COMMIT_SHA": "abc123"})
    with store.lock("apply") as lock:
        (row,) = pg.sql("SELECT id, operation, ci_run_url, commit_sha, expires_at - acquired_at, "
                        "backend_pid IN (SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted) "
                        "FROM {s}.reconciler_locks WHERE state_name = %s", (store.name,))
    assert row[:4] == (lock.id, "apply", "https://gitlab.example/acme/-/jobs/7", "abc123")
    assert row[4].total_seconds() == 60 and row[5] is True
    assert pg.sql("SELECT count(*) FROM {s}.reconciler_locks WHERE state_name = %s", (store.name,)) == [(0,)]


def test_two_concurrent_lockers_exactly_one_wins_and_the_other_names_it(pg) -> None:
    for _ in range(5):
        stores = [pg.open(), pg.open()]
        barrier = threading.Barrier(2)
        outcome: dict[int, object] = {}

        def contend(i: int) -> None:
            barrier.wait(timeout=20)
            try:
                outcome[i] = stores[i].lock("apply")
            except StateLockedError as exc:
                outcome[i] = exc

        threads = [threading.Thread(target=contend, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
        won = [o for o in outcome.values() if not isinstance(o, StateLockedError)]
        lost = [o for o in outcome.values() if isinstance(o, StateLockedError)]
        assert len(won) == 1 and len(lost) == 1, outcome
        assert lost[0].holder["id"] == won[0].id and f"lock id {won[0].id}" in str(lost[0])
        won[0].release()


CHILD = textwrap.dedent("""
    import sys, time
    from reconciler.state.postgres import PostgresStateStore
    lock = PostgresStateStore(sys.argv[1]).lock("apply")
    print(lock.id, flush=True)
    time.sleep(120)
""")


def test_a_sigkilled_holder_loses_its_lock_and_its_lease_is_taken_over(pg) -> None:
    child = subprocess.Popen([sys.executable, "-c", CHILD, pg.location], stdout=subprocess.PIPE,
                             text=True, cwd=ROOT)
    try:
        ready, _, _ = select.select([child.stdout], [], [], 30)
        assert ready, "the child did not take the lock in time"
        lock_id = child.stdout.readline().strip()
        store = pg.open()
        info = store.lock_info()
        assert info is not None and (info["id"], info["pid"]) == (lock_id, child.pid)
        with pytest.raises(StateLockedError, match=f"pid {child.pid}, apply"):
            store.lock("apply")
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=20)
        child.stdout.close()

    # the server ends the dead client's session (and its advisory lock) as soon as it sees the
    # socket close; the lease row it left behind is taken over with a warning
    with store.lock("apply", timeout=20) as lock:
        assert store.lock_info()["id"] == lock.id != lock_id
    (warning,) = store.warnings
    assert f"lock id {lock_id}" in warning and "its database session ended" in warning


def test_force_unlock_ends_the_session_holding_the_advisory_lock(pg) -> None:
    holder = pg.open()
    lock = holder.lock("apply")
    pid = pg.sql("SELECT backend_pid FROM {s}.reconciler_locks WHERE state_name = %s",
                 (holder.name,))[0][0]
    pg.open().force_unlock(lock.id)
    assert pg.sql("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", (pid,)) == [(0,)]
    assert lock.renew() is False and "its database session ended" in lock.lost
    with pytest.raises(StateLockedError, match="lost the lock"):
        holder.write(State.empty())
    lock.release()  # its session is gone: releasing is quiet
    assert pg.open().lock_info() is None


def test_plan_and_drift_need_only_select(pg, postgres_server) -> None:
    """A read-only role can read a state (and its pending intents, and the lock holder)."""
    store = pg.open()
    state = store.write(State.empty().with_resource(rec()))
    store.record(JournalEntry.intent("create", Y, lineage=state.lineage, natural_key="Y"))
    role = f"reconciler_reader_{uuid.uuid4().hex[:8]}"
    pg.sql(f"CREATE ROLE {role} LOGIN")
    try:
        pg.sql(f"GRANT USAGE ON SCHEMA {{s}} TO {role}")
        pg.sql(f"GRANT SELECT ON ALL TABLES IN SCHEMA {{s}} TO {role}")
        user = postgres_server.split("//", 1)[1].split("@", 1)[0]
        reader = PostgresStateStore(pg.location.replace(f"//{user}@", f"//{role}@", 1))
        try:
            assert reader.read() == state and [p.address for p in reader.pending()] == [Y]
            with store.lock("apply") as lock:
                assert reader.lock_info()["id"] == lock.id
            with pytest.raises(StateError, match="permission denied"):
                reader.write(state)
        finally:
            reader.close()
    finally:
        pg.sql(f"DROP OWNED BY {role}")
        pg.sql(f"DROP ROLE {role}")
