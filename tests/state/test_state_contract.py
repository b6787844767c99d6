"""The state store contract, run against every backend (local files and PostgreSQL).

Each test is written once and runs for each backend (``backend`` fixture, tests/state/conftest.py):
reading, writing, serial and lineage rules, the journal and its replay, pending intents, the write
lock with its holder record, force-unlock, lease takeover and fencing.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import replace

import pytest

from reconciler.addresses import Address
from reconciler.errors import StateCorruptError, StateError, StateLockedError
from reconciler.state import JournalEntry, ResourceState, State, StateStore
from reconciler.state.lease import Lease

X = Address.parse("dataiku_project.x")
Y = Address.parse("dataiku_project.y")
GITHUB = {"GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "acme/data",
          "GITHUB_RUN_ID": "42", "GITHUB_SHA": "0123456789abcdef0123456789abcdef01234567"}
NO_HEARTBEAT = Lease(duration=60, renew_every=0)


def rec(address: Address = X, name: str = "v1") -> ResourceState:
    return ResourceState(address, address.name.upper(), {"name": name, "tags": ["a", "b"]},
                         outputs={"id": address.name}, fingerprint="fp",
                         dependencies=(Y,) if address == X else ())


class FakeTime:
    """An injectable monotonic clock whose sleep advances it (and can act at each poll)."""

    def __init__(self, on_sleep=None) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []
        self.on_sleep = on_sleep

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        if self.on_sleep:
            self.on_sleep(len(self.sleeps))


# -- reading and writing ---------------------------------------------------------------------


def test_reading_nothing_gives_an_empty_state_and_writes_nothing(backend) -> None:
    store = backend.open()
    first, second = store.read(), store.read()
    assert isinstance(store, StateStore)
    assert first.resources == {} and first.serial == 0
    assert first.lineage != second.lineage  # a new lineage until something is written
    assert store.pending() == () and store.warnings == []
    assert backend.open().read().serial == 0 and store.lock_info() is None


def test_a_written_state_reads_back_equal_from_a_new_store(backend) -> None:
    state = State.empty().with_resource(rec()).with_resource(rec(Y))
    written = backend.open().write(state)
    assert written == replace(state, serial=1)
    assert backend.open().read() == written


def test_outputs_round_trip_and_a_change_of_them_bumps_the_serial(backend) -> None:
    outputs = {"key": {"value": "SALES", "description": "the key"},
               "token": {"sensitive": True, "hash": "hmac-sha256:00ff"}}
    store = backend.open()
    first = store.write(replace(State.empty().with_resource(rec()), outputs=outputs))
    assert first.serial == 1
    assert backend.open().read() == first and backend.open().read().outputs == outputs
    assert store.write(first).serial == 1  # unchanged
    changed = store.write(replace(first, outputs={"key": {"value": "OTHER"}}))
    assert changed.serial == 2 and backend.open().read().outputs == {"key": {"value": "OTHER"}}
    cleared = store.write(replace(changed, outputs={}))
    assert cleared.serial == 3 and backend.open().read().outputs == {}
    assert backend.open().read().resources == first.resources


@pytest.mark.parametrize(
    ("change", "serial"),
    [
        pytest.param(lambda s: s, 1, id="no-op-keeps-serial"),
        pytest.param(lambda s: replace(s, serial=99), 1, id="callers-serial-is-ignored"),
        pytest.param(lambda s: s.with_resource(rec(name="v2")), 2, id="changed-attr-bumps"),
        pytest.param(lambda s: s.with_resource(rec(Y)), 2, id="added-resource-bumps"),
        pytest.param(lambda s: s.without(X), 2, id="removed-resource-bumps"),
    ],
)
def test_serial_bumps_once_and_only_on_a_real_change(backend, change, serial: int) -> None:
    store = backend.open()
    first = store.write(State.empty().with_resource(rec()))
    assert first.serial == 1
    assert store.write(change(first)).serial == serial
    assert backend.open().read().serial == serial


def test_a_state_of_another_lineage_is_never_written(backend) -> None:
    store = backend.open()
    kept = store.write(State.empty().with_resource(rec()))
    with pytest.raises(StateCorruptError, match="another lineage"):
        backend.open().write(State.empty().with_resource(rec(Y)))
    assert backend.open().read() == kept


def test_two_addresses_with_one_object_id_are_never_written(backend) -> None:
    store = backend.open()
    kept = store.write(State.empty().with_resource(rec()))
    twin = replace(rec(Y), object_id=rec().object_id)
    with pytest.raises(StateError, match=r"dataiku_project.x and dataiku_project.y both record dataiku_project id X"):
        store.write(kept.with_resource(twin))
    assert backend.open().read() == kept
    other_type = replace(twin, address=Address.parse("dataiku_deployer_project.y"))
    assert store.write(kept.with_resource(other_type)).serial == kept.serial + 1  # ids are unique per type


def test_replace_lineage_overwrites_another_state_and_continues_the_serial(backend) -> None:
    store = backend.open()
    old = store.write(State.empty().with_resource(rec()))
    old = store.write(old.with_resource(rec(Y)))
    store.record(JournalEntry.intent("create", X, lineage=old.lineage, natural_key="X"))
    other = State.empty().with_resource(rec(Y, "theirs"))
    written = backend.open().write(other, replace_lineage=True)
    assert (written.lineage, written.serial) == (other.lineage, old.serial + 1)
    reader = backend.open()
    assert reader.read() == written
    assert reader.pending() == ()  # the replaced state's unfinished intents went with it


# -- the journal -------------------------------------------------------------------------------


def test_recorded_entries_are_replayed_by_read_and_folded_in_by_write(backend) -> None:
    store = backend.open()
    base = store.write(State.empty().with_resource(rec(Y)))
    lineage = base.lineage
    store.record(JournalEntry.intent("create", X, lineage=lineage, natural_key="X"))
    store.record(JournalEntry.result("create", X, lineage=lineage, resource=rec()))
    store.record(JournalEntry.intent("delete", Y, lineage=lineage))
    store.record(JournalEntry.result("delete", Y, lineage=lineage))

    fresh = backend.open()
    state = fresh.read()
    assert state.resources == {X: rec()}
    assert state.serial == base.serial  # replay does not bump; write does
    assert fresh.pending() == () and fresh.warnings == []
    written = fresh.write(state)
    assert written.serial == base.serial + 1
    again = backend.open()
    assert again.read() == written and again.pending() == ()


def test_a_no_op_write_still_bumps_when_the_journal_changed_the_resources(backend) -> None:
    store = backend.open()
    base = store.write(State.empty())
    store.record(JournalEntry.result("import", X, lineage=base.lineage, resource=rec()))
    assert store.write(store.read()).serial == 1


def test_entries_are_numbered_in_order(backend) -> None:
    store = backend.open()
    lineage = store.write(State.empty()).lineage
    for _ in range(3):
        store.record(JournalEntry.intent("create", X, lineage=lineage))
    backend.open().record(JournalEntry.failed("create", X, lineage=lineage, error="no"))
    with pytest.raises(StateError, match="seq 2 is not after 4"):
        store.record(JournalEntry.intent("create", X, lineage=lineage, seq=2))
    store.record(JournalEntry.intent("create", Y, lineage=lineage, seq=9))
    reader = backend.open()
    reader.read()
    assert [p.address for p in reader.pending()] == [Y]


def test_the_first_apply_is_recoverable_before_any_snapshot_exists(backend) -> None:
    store = backend.open()
    empty = store.read()
    store.record(JournalEntry.intent("create", X, lineage=empty.lineage, natural_key="X"))
    store.record(JournalEntry.result("create", X, lineage=empty.lineage, resource=rec()))
    store.record(JournalEntry.intent("create", Y, lineage=empty.lineage, natural_key="Y"))

    after_crash = backend.open()
    state = after_crash.read()
    assert state.lineage == empty.lineage
    assert state.resources == {X: rec()}
    assert [(p.address, p.natural_key) for p in after_crash.pending()] == [(Y, "Y")]
    assert after_crash.write(state).serial == 1


def test_pending_intents_survive_write_until_answered(backend) -> None:
    store = backend.open()
    lineage = store.write(State.empty()).lineage
    store.record(JournalEntry.intent("create", X, lineage=lineage, natural_key="X"))
    store.record(JournalEntry.intent("create", Y, lineage=lineage, natural_key="Y"))
    store.record(JournalEntry.result("create", Y, lineage=lineage, resource=rec(Y)))

    state = store.read()
    assert [p.address for p in store.pending()] == [X]
    written = store.write(state)

    again = backend.open()
    assert again.read() == written
    assert [(p.address, p.action, p.natural_key) for p in again.pending()] == [(X, "create", "X")]

    again.record(JournalEntry.result("import", X, lineage=lineage, resource=rec()))  # adopted
    final = again.write(again.read())
    assert again.pending() == ()
    last = backend.open()
    assert last.read() == final and last.pending() == ()
    assert set(final.resources) == {X, Y}


def test_an_entry_of_another_lineage_is_never_recorded(backend) -> None:
    store = backend.open()
    store.write(State.empty())
    with pytest.raises(StateCorruptError, match="refusing to journal dataiku_project.x"):
        store.record(JournalEntry.intent("create", X, lineage="someone-else"))
    reader = backend.open()
    reader.read()
    assert reader.pending() == ()


def test_write_refuses_to_drop_an_unfinished_first_apply_of_another_lineage(backend) -> None:
    store = backend.open()
    lineage = store.read().lineage
    store.record(JournalEntry.intent("create", X, lineage=lineage))
    with pytest.raises(StateCorruptError, match="unfinished apply"):
        backend.open().write(State.empty())
    assert store.write(store.read()).lineage == lineage


def test_record_is_safe_from_many_threads(backend) -> None:
    store = backend.open()
    lineage = store.write(State.empty()).lineage
    addresses = [Address("dataiku_dataset", f"d{i}") for i in range(40)]

    def work(chunk: list[Address]) -> None:
        for a in chunk:
            store.record(JournalEntry.intent("create", a, lineage=lineage))
            store.record(JournalEntry.result("create", a, lineage=lineage, resource=rec(a)))

    threads = [threading.Thread(target=work, args=(addresses[i::8],)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    reader = backend.open()
    assert set(reader.read().resources) == set(addresses) and reader.pending() == ()


def test_read_takes_no_lock(backend) -> None:
    backend.open().write(State.empty().with_resource(rec()))
    with backend.open().lock("apply"):
        assert backend.open().read().resources == {X: rec()}


# -- the write lock ---------------------------------------------------------------------------


def test_lock_holds_a_holder_record_and_release_clears_it(backend) -> None:
    store = backend.open(env=GITHUB)
    assert store.lock_info() is None
    with store.lock("apply") as lock:
        info = backend.open().lock_info()
        assert info == lock.info and lock.held and lock.id == info["id"]
        assert {"id", "operation", "who", "host", "pid", "created", "expires", "version",
                "ci_run_url", "commit"} == set(info)
        assert (info["operation"], info["pid"]) == ("apply", os.getpid())
        assert info["ci_run_url"] == "https://github.com/acme/data/actions/runs/42"
        assert info["commit"] == GITHUB["GITHUB_SHA"]
        assert info["created"] < info["expires"]
    assert not lock.held
    assert backend.open().lock_info() is None
    lock.release()  # idempotent
    with backend.open().lock("import"):
        pass


def test_a_second_locker_fails_fast_naming_the_holder(backend) -> None:
    holder = backend.open(env=GITHUB)
    other = backend.open(sleep=lambda s: pytest.fail("timeout 0 must not wait"))
    with holder.lock("apply") as lock:
        with pytest.raises(StateLockedError) as info:
            other.lock("destroy")
    record = lock.info
    assert info.value.holder == record
    message = str(info.value)
    assert message.startswith(
        f"state {backend.open().location} is locked by {record['who']}@{record['host']} "
        f"(pid {os.getpid()}, apply, since {record['created']}; lock id {record['id']}), CI run "
        "https://github.com/acme/data/actions/runs/42, commit 0123456789ab")
    assert "--lock-timeout" in message and f"reconciler force-unlock {record['id']}" in message


def test_the_same_store_cannot_lock_twice(backend) -> None:
    store = backend.open()
    with store.lock("apply"):
        with pytest.raises(StateLockedError, match="apply"):
            store.lock("apply")
    with store.lock("import"):
        pass


def test_timeout_polls_until_the_deadline_then_fails(backend) -> None:
    fake = FakeTime()
    waiter = backend.open(sleep=fake.sleep, clock=fake.clock)
    with backend.open().lock("apply"):
        with pytest.raises(StateLockedError, match=r"\(waited 0.5s\)"):
            waiter.lock("apply", timeout=0.5)
    assert sum(fake.sleeps) == pytest.approx(0.5)
    assert len(fake.sleeps) == pytest.approx(10, abs=1)


def test_timeout_acquires_once_the_holder_releases(backend) -> None:
    held = backend.open().lock("apply")
    fake = FakeTime(on_sleep=lambda n: held.release() if n == 3 else None)
    waiter = backend.open(sleep=fake.sleep, clock=fake.clock)
    with waiter.lock("apply", timeout=60) as lock:
        assert waiter.lock_info()["id"] == lock.id
    assert len(fake.sleeps) == 3


def test_force_unlock_needs_the_right_id_and_fences_the_old_holder(backend) -> None:
    holder = backend.open(lease=NO_HEARTBEAT)
    lineage = holder.write(State.empty()).lineage
    lock = holder.lock("apply")
    try:
        with pytest.raises(StateError) as info:
            backend.open().force_unlock("not-the-id")
        assert f"lock id not-the-id does not match the lock on state {holder.location}" in str(info.value)
        assert f"reconciler force-unlock {lock.id}" in str(info.value)

        backend.open().force_unlock(lock.id)
        with backend.open().lock("apply") as second:  # at once: nothing is left holding it
            assert backend.open().lock_info()["id"] == second.id
            with pytest.raises(StateLockedError, match=f"lost the lock on state .* \\(lock id {lock.id}\\)"):
                holder.record(JournalEntry.intent("create", X, lineage=lineage))
            with pytest.raises(StateLockedError, match="lost the lock"):
                holder.write(State(lineage).with_resource(rec()))
            assert lock.lost
            lock.release()  # the old holder letting go leaves the new one alone
            assert backend.open().lock_info()["id"] == second.id
    finally:
        lock.release()
    reader = backend.open()
    assert reader.read().resources == {} and reader.pending() == ()


def test_force_unlock_of_a_free_state_says_so(backend) -> None:
    store = backend.open()
    with pytest.raises(StateError, match="is not locked"):
        store.force_unlock("abc")
    with store.lock("apply"):
        pass
    with pytest.raises(StateError, match="is not locked"):
        store.force_unlock("abc")


# -- leases ------------------------------------------------------------------------------------


def test_a_dead_holders_lock_is_taken_over_at_once_with_a_warning(backend) -> None:
    backend.plant(expired=False, alive=False, lock_id="dead-holder")
    store = backend.open()
    assert store.lock_info() is None  # nobody holds it
    with store.lock("apply") as lock:
        assert store.lock_info()["id"] == lock.id
    (warning,) = lock.warnings
    assert warning.startswith(f"took over the lock of state {store.location} from ci@")
    assert "lock id dead-holder" in warning
    assert store.warnings == [warning]
    store.read()
    assert store.warnings == [warning]  # kept for whoever reports after the read


@pytest.mark.parametrize("expired", [pytest.param(False, id="lease-valid"),
                                     pytest.param(True, id="lease-expired")])
def test_a_live_holder_the_primary_lock_misses_keeps_it_until_its_lease_expires(
        backend, expired: bool) -> None:
    """flock on a network filesystem, session locks through a pooler: the lease decides."""
    backend.plant(expired=expired, alive=True, lock_id="elsewhere")
    store = backend.open()
    if not expired:
        assert store.lock_info()["id"] == "elsewhere"
        with pytest.raises(StateLockedError) as info:
            store.lock("apply")
        assert "lock id elsewhere" in str(info.value) and "its lease runs until" in str(info.value)
        return
    assert store.lock_info() is None
    with store.lock("apply") as lock:
        assert store.lock_info()["id"] == lock.id
    (warning,) = store.warnings
    assert "lock id elsewhere" in warning and "its lease expired at" in warning


def test_a_holder_that_stops_renewing_is_reported_stale(backend) -> None:
    holder = backend.open(lease=NO_HEARTBEAT)
    with holder.lock("apply") as lock:
        backend.expire_lease()
        info = backend.open().lock_info()
        assert info["id"] == lock.id and info["stale"] is True
        with pytest.raises(StateLockedError) as error:  # the primary lock is still held
            backend.open().lock("apply")
        assert "its lease expired at" in str(error.value) and "looks hung" in str(error.value)


def test_the_heartbeat_renews_the_lease_while_the_lock_is_held(backend) -> None:
    holder = backend.open(lease=Lease(duration=60, renew_every=0.01))
    with holder.lock("apply") as lock:
        backend.expire_lease()  # (that this makes it stale is the test above)
        deadline = time.monotonic() + 10
        while backend.open().lock_info().get("stale"):
            assert time.monotonic() < deadline, "the heartbeat did not renew the lease"
            time.sleep(0.005)
        assert lock.info["expires"] == backend.open().lock_info()["expires"]
        assert lock.lost is None


def test_moves_are_one_write_that_renames_records_and_their_dependents(backend) -> None:
    from reconciler.state.moves import move_records

    store = backend.open()
    base = store.write(State(State.empty().lineage, 0, {X: rec(X), Y: rec(Y)}))
    moved_y = Address.parse('dataiku_project.team["y"]')
    written = store.write(move_records(base, {Y: moved_y}))
    assert written.serial == base.serial + 1
    again = backend.open().read()
    assert sorted(map(str, again.resources)) == ["dataiku_project.team[\"y\"]", "dataiku_project.x"]
    assert again.resources[X].dependencies == (moved_y,)
    assert again.resources[moved_y].object_id == "Y"
