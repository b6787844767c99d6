"""The local backend: atomic snapshots, serial and lineage rules, journaling and crash recovery."""

from __future__ import annotations

import os
import stat
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest

from reconciler.addresses import Address
from reconciler.errors import StateCorruptError, StateError
from reconciler.state import FileStateStore, JournalEntry, PendingOp, ResourceState, State
from reconciler.state import file_store
from reconciler.state.journal import JournalHeader, ParsedJournal, parse_journal

X = Address.parse("dataiku_project.x")
Y = Address.parse("dataiku_project.y")


def rec(address: Address = X, name: str = "v1") -> ResourceState:
    return ResourceState(address, address.name.upper(), {"name": name})


def many(count: int) -> dict[Address, ResourceState]:
    return {a: rec(a) for a in (Address("dataiku_dataset", f"d{i}") for i in range(count))}


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "state" / "default.json"


@pytest.fixture
def store(path: Path) -> FileStateStore:
    return FileStateStore(path)


def mode(p: Path) -> int:
    return stat.S_IMODE(p.stat().st_mode)


def journal(store: FileStateStore) -> ParsedJournal:
    exists = store.journal_path.exists()
    return parse_journal(store.journal_path.read_bytes() if exists else b"")


def entries_in(store: FileStateStore) -> list[tuple[str, str, str]]:
    return [(e.op, e.action, str(e.address)) for e in journal(store).entries]


# -- snapshots -------------------------------------------------------------------------------


def test_read_of_nothing_is_an_empty_state_and_writes_nothing(store: FileStateStore,
                                                               path: Path) -> None:
    first, second = store.read(), store.read()
    assert first.resources == {} and first.serial == 0
    assert first.lineage != second.lineage  # a new lineage until something is written
    assert store.pending() == () and store.warnings == []
    assert not path.parent.exists()


def test_first_write_creates_directories_and_private_files(store: FileStateStore,
                                                            path: Path) -> None:
    state = State.empty().with_resource(rec())
    written = store.write(state)
    assert written.serial == 1 and written.lineage == state.lineage
    assert mode(path) == 0o600
    assert FileStateStore(path).read() == written
    assert not store.backup_path.exists()  # there was no previous snapshot
    store.write(written.with_resource(rec(Y)))
    assert mode(store.backup_path) == 0o600


def test_backup_holds_the_previous_snapshot(store: FileStateStore, path: Path) -> None:
    one = store.write(State.empty().with_resource(rec()))
    first_bytes = path.read_bytes()
    two = store.write(one.with_resource(rec(Y)))
    assert store.backup_path.read_bytes() == first_bytes
    store.write(two.without(X))
    assert FileStateStore(store.backup_path).read() == two


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
def test_serial_bumps_once_and_only_on_a_real_change(store: FileStateStore, change,
                                                     serial: int) -> None:
    first = store.write(State.empty().with_resource(rec()))
    assert first.serial == 1
    assert store.write(change(first)).serial == serial
    assert store.read().serial == serial


def test_a_no_op_write_leaves_the_files_untouched(store: FileStateStore, path: Path) -> None:
    state = store.write(State.empty().with_resource(rec()))
    store.write(state.with_resource(rec(name="v2")))
    backup, snapshot = store.backup_path.read_bytes(), path.stat()
    store.write(store.read())
    assert store.backup_path.read_bytes() == backup
    assert (path.stat().st_ino, path.stat().st_mtime_ns) == (snapshot.st_ino, snapshot.st_mtime_ns)


def test_a_state_of_another_lineage_is_never_written(store: FileStateStore, path: Path) -> None:
    store.write(State.empty().with_resource(rec()))
    before = path.read_bytes()
    with pytest.raises(StateCorruptError, match="another lineage"):
        store.write(State.empty().with_resource(rec(Y)))
    assert path.read_bytes() == before


def test_a_crash_before_the_rename_leaves_the_old_snapshot(store: FileStateStore, path: Path,
                                                           monkeypatch) -> None:
    state = store.write(State.empty().with_resource(rec()))
    before = path.read_bytes()

    real_replace = os.replace

    def crash(src, dst):
        if Path(dst) == path:
            raise OSError("killed between temp write and rename")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="killed"):
        store.write(state.with_resource(rec(Y)))
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert FileStateStore(path).read() == state
    assert sorted(p.name for p in path.parent.iterdir()) == ["default.json", "default.json.backup"]


# -- the journal ---------------------------------------------------------------------------


def test_recorded_entries_are_replayed_by_read_without_a_snapshot_write(
        store: FileStateStore, path: Path) -> None:
    base = store.write(State.empty().with_resource(rec(Y)))
    snapshot = path.read_bytes()
    lineage = base.lineage
    store.record(JournalEntry.intent("create", X, lineage=lineage, natural_key="X"))
    store.record(JournalEntry.result("create", X, lineage=lineage, resource=rec()))
    store.record(JournalEntry.intent("delete", Y, lineage=lineage))
    store.record(JournalEntry.result("delete", Y, lineage=lineage))

    fresh = FileStateStore(path)
    state = fresh.read()
    assert state.resources == {X: rec()}
    assert state.serial == base.serial  # replay does not bump; write does
    assert fresh.pending() == () and fresh.warnings == []
    assert path.read_bytes() == snapshot
    assert mode(store.journal_path) == 0o600
    assert fresh.write(state).serial == base.serial + 1


def test_entries_are_numbered_in_order(store: FileStateStore) -> None:
    lineage = store.write(State.empty()).lineage
    for _ in range(3):
        store.record(JournalEntry.intent("create", X, lineage=lineage))
    FileStateStore(store.path).record(JournalEntry.failed("create", X, lineage=lineage,
                                                          error="no"))
    assert [e.seq for e in journal(store).entries] == [1, 2, 3, 4]
    with pytest.raises(StateError, match="seq 2 is not after 4"):
        store.record(JournalEntry.intent("create", X, lineage=lineage, seq=2))


def test_the_first_apply_is_recoverable_before_any_snapshot_exists(path: Path) -> None:
    store = FileStateStore(path)
    empty = store.read()
    store.record(JournalEntry.intent("create", X, lineage=empty.lineage, natural_key="X"))
    store.record(JournalEntry.result("create", X, lineage=empty.lineage, resource=rec()))
    store.record(JournalEntry.intent("create", Y, lineage=empty.lineage, natural_key="Y"))
    assert not path.exists()

    after_crash = FileStateStore(path)
    state = after_crash.read()
    assert state.lineage == empty.lineage
    assert state.resources == {X: rec()}
    assert [(p.address, p.natural_key) for p in after_crash.pending()] == [(Y, "Y")]
    assert after_crash.write(state).serial == 1


def test_pending_intents_survive_write_until_answered(store: FileStateStore) -> None:
    lineage = store.write(State.empty()).lineage
    store.record(JournalEntry.intent("create", X, lineage=lineage, natural_key="X"))
    store.record(JournalEntry.intent("create", Y, lineage=lineage, natural_key="Y"))
    store.record(JournalEntry.result("create", Y, lineage=lineage, resource=rec(Y)))

    state = store.read()
    assert [p.address for p in store.pending()] == [X]
    written = store.write(state)
    assert entries_in(store) == [("intent", "create", "dataiku_project.x")]

    again = FileStateStore(store.path)
    assert again.read() == written
    assert [(p.address, p.action, p.natural_key) for p in again.pending()] == [(X, "create", "X")]

    # resolved: looked up by natural key and adopted
    again.record(JournalEntry.result("import", X, lineage=lineage, resource=rec()))
    final = again.write(again.read())
    assert again.pending() == ()
    assert not store.journal_path.exists()  # nothing left to carry: the journal is reset
    assert set(final.resources) == {X, Y}


def test_a_torn_last_line_is_ignored_then_cut_before_the_next_append(
        store: FileStateStore) -> None:
    lineage = store.write(State.empty()).lineage
    store.record(JournalEntry.intent("create", X, lineage=lineage))
    with open(store.journal_path, "ab") as f:  # killed half-way through the result
        f.write(JournalEntry.result("create", X, lineage=lineage, resource=rec()).line()[:40])

    reader = FileStateStore(store.path)
    assert reader.read().resources == {}
    assert [p.address for p in reader.pending()] == [X]
    assert "incomplete last line" in reader.warnings[0]

    resumed = FileStateStore(store.path)
    resumed.record(JournalEntry.failed("create", X, lineage=lineage, error="not created"))
    assert entries_in(resumed) == [("intent", "create", "dataiku_project.x"),
                                   ("failed", "create", "dataiku_project.x")]
    assert resumed.read() == store.read() and resumed.warnings == [] and resumed.pending() == ()


def test_foreign_entries_are_ignored_with_a_warning(store: FileStateStore) -> None:
    lineage = store.write(State.empty().with_resource(rec(Y))).lineage
    store.record(JournalEntry.intent("update", Y, lineage=lineage))
    with open(store.journal_path, "ab") as f:  # a journal line from another state
        f.write(JournalEntry.result("delete", Y, lineage="intruder").line())
        f.write(JournalEntry.intent("create", X, lineage="intruder").line())

    state = store.read()
    assert state.resources == {Y: rec(Y)}
    assert [p.address for p in store.pending()] == [Y]
    assert store.warnings == [f"ignored 2 journal entries of another state (lineage intruder, "
                              f"this state is {lineage})"]


def test_a_journal_of_another_state_is_ignored_and_set_aside(store: FileStateStore) -> None:
    lineage = store.write(State.empty().with_resource(rec(Y))).lineage
    foreign = (JournalHeader("intruder", 1).line()
               + JournalEntry.result("delete", Y, lineage="intruder").line())
    store.journal_path.write_bytes(foreign)

    assert store.read().resources == {Y: rec(Y)}
    assert "belongs to another state (lineage intruder" in store.warnings[0]
    with pytest.raises(StateCorruptError, match="lineage intruder"):
        store.record(JournalEntry.intent("create", X, lineage="intruder"))

    store.record(JournalEntry.intent("create", X, lineage=lineage))
    ignored = store.journal_path.with_name("default.json.journal.ignored")
    assert ignored.read_bytes() == foreign
    assert entries_in(store) == [("intent", "create", "dataiku_project.x")]
    store.read()
    assert [p.address for p in store.pending()] == [X] and store.warnings == []


def test_an_entry_of_another_lineage_is_never_recorded(store: FileStateStore) -> None:
    store.write(State.empty())
    with pytest.raises(StateCorruptError, match="refusing to journal dataiku_project.x"):
        store.record(JournalEntry.intent("create", X, lineage="someone-else"))
    assert entries_in(store) == []


def test_a_crash_between_snapshot_and_journal_reset_does_not_replay_twice(
        store: FileStateStore, monkeypatch) -> None:
    """``state rm`` after an apply: replaying the old journal must not bring X back."""
    lineage = store.write(State.empty().with_resource(rec(Y))).lineage
    store.record(JournalEntry.intent("create", X, lineage=lineage, natural_key="X"))
    store.record(JournalEntry.result("create", X, lineage=lineage, resource=rec()))
    state = store.read()
    assert set(state.resources) == {X, Y}

    def killed(*args):
        raise KeyboardInterrupt("killed after the rename")

    monkeypatch.setattr(FileStateStore, "_reset_journal", killed)
    with pytest.raises(KeyboardInterrupt):
        store.write(state.without(X))
    monkeypatch.undo()

    after = FileStateStore(store.path)
    assert set(after.read().resources) == {Y}
    assert "already folded into the snapshot" in after.warnings[0]
    after.record(JournalEntry.intent("delete", Y, lineage=lineage))  # drops the stale journal
    assert entries_in(after) == [("intent", "delete", "dataiku_project.y")]
    assert not store.journal_path.with_name("default.json.journal.ignored").exists()


def test_a_journal_without_its_snapshot_is_refused(store: FileStateStore) -> None:
    lineage = store.write(State.empty().with_resource(rec())).lineage
    store.record(JournalEntry.intent("delete", X, lineage=lineage))
    store.path.unlink()
    with pytest.raises(StateCorruptError, match="is missing, but its journal continues serial 1"):
        store.read()


def test_write_refuses_to_drop_an_unfinished_first_apply_of_another_lineage(
        store: FileStateStore) -> None:
    lineage = store.read().lineage
    store.record(JournalEntry.intent("create", X, lineage=lineage))
    with pytest.raises(StateCorruptError, match="unfinished apply"):
        store.write(State.empty())
    assert store.write(store.read()).lineage == lineage


@pytest.mark.parametrize("size", [pytest.param(3, id="3-resources"),
                                  pytest.param(3000, id="3000-resources")])
def test_record_appends_the_same_bytes_whatever_the_state_size(store: FileStateStore, size: int,
                                                              monkeypatch) -> None:
    state = store.write(State("lineage-cost", 0, many(size)))
    store.read()
    entry = JournalEntry(0, "result", "update", X, state.lineage, "2026-01-01T00:00:00.000Z",
                         resource=rec())
    store.record(replace(entry, seq=1))

    def no_snapshot_reads(*args, **kwargs):
        raise AssertionError("record() must not read the snapshot")

    monkeypatch.setattr(file_store, "decode_state", no_snapshot_reads)
    sizes = [store.journal_path.stat().st_size]
    for seq in range(2, 6):
        store.record(replace(entry, seq=seq))
        sizes.append(store.journal_path.stat().st_size)
    appended = {b - a for a, b in zip(sizes, sizes[1:])}
    assert appended == {len(replace(entry, seq=2).line())}


def test_record_is_safe_from_many_threads(store: FileStateStore) -> None:
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
        t.join(timeout=30)
    assert [e.seq for e in journal(store).entries] == list(range(1, 81))
    assert set(FileStateStore(store.path).read().resources) == set(addresses)


def test_read_takes_no_lock(store: FileStateStore) -> None:
    store.write(State.empty().with_resource(rec()))
    store.read()
    assert not store.lock_path.exists()
    with FileStateStore(store.path).lock("apply"):
        assert store.read().resources == {X: rec()}


def test_pending_ops_are_plain_data(store: FileStateStore) -> None:
    lineage = store.write(State.empty()).lineage
    store.record(JournalEntry.intent("create", X, lineage=lineage, natural_key="X"))
    store.read()
    (op,) = store.pending()
    assert isinstance(op, PendingOp) and PendingOp.from_json(op.to_json()) == op


def test_snapshot_is_fsynced_before_the_rename_and_the_directory_after(
        store: FileStateStore, path: Path, monkeypatch) -> None:
    events: list[tuple[str, str]] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        events.append(("fsync", os.readlink(f"/proc/self/fd/{fd}") if Path("/proc").exists()
                       else "?"))
        real_fsync(fd)

    def replace_(src, dst) -> None:
        events.append(("replace", str(dst)))
        real_replace(src, dst)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace_)
    store.write(State.empty().with_resource(rec()))
    kinds = [kind for kind, _ in events]
    assert kinds == ["fsync", "replace", "fsync"]
    assert events[1] == ("replace", str(path))
    if events[0][1] != "?":
        assert ".default.json.tmp-" in events[0][1] and events[2][1] == str(path.parent)


def test_each_record_is_fsynced(store: FileStateStore, monkeypatch) -> None:
    lineage = store.write(State.empty()).lineage
    store.record(JournalEntry.intent("create", X, lineage=lineage))
    synced: list[int] = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(fd), real_fsync(fd)))
    store.record(JournalEntry.result("create", X, lineage=lineage, resource=rec()))
    store.record(JournalEntry.intent("create", Y, lineage=lineage))
    assert len(synced) == 2


def test_records_that_queue_behind_an_fsync_share_the_next_one(store: FileStateStore, monkeypatch) -> None:
    """Group commit: while one thread's line is being fsync'd, the others queue; they are then
    written together and fsync'd once, and each returns only after that fsync."""
    lineage = store.write(State.empty()).lineage
    store.record(JournalEntry.intent("create", X, lineage=lineage))  # the journal exists now
    real_fsync = os.fsync
    synced: list[int] = []
    first_started, release_first = threading.Event(), threading.Event()
    returned: list[Address] = []

    def slow_fsync(fd: int) -> None:
        if not synced:  # hold the first group's fsync until every other thread has queued
            first_started.set()
            assert release_first.wait(10)
        synced.append(len(returned))  # how many callers had returned before this fsync
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", slow_fsync)
    addresses = [Address("dataiku_dataset", f"d{i}") for i in range(12)]

    def work(a: Address) -> None:
        store.record(JournalEntry.intent("create", a, lineage=lineage))
        returned.append(a)

    first = threading.Thread(target=work, args=(addresses[0],))
    first.start()
    assert first_started.wait(10)
    others = [threading.Thread(target=work, args=(a,)) for a in addresses[1:]]
    for t in others:
        t.start()
    deadline = time.monotonic() + 10
    while len(store._group_commit._queue) < len(others) and time.monotonic() < deadline:  # all queued behind it
        time.sleep(0.005)
    release_first.set()
    for t in [first, *others]:
        t.join(timeout=10)
    assert sorted(returned, key=str) == sorted(addresses, key=str)
    assert synced == [0, 1]  # two fsyncs for twelve entries; none returned before its own
    assert [e.seq for e in journal(store).entries] == list(range(1, 14))
    assert {e.address for e in journal(store).entries} == {X, *addresses}


def test_a_failed_group_write_fails_each_of_its_callers(store: FileStateStore, monkeypatch) -> None:
    lineage = store.write(State.empty()).lineage
    store.record(JournalEntry.intent("create", X, lineage=lineage))
    real_fsync = os.fsync

    def failing_fsync(fd: int) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "fsync", failing_fsync)
    errors: list[BaseException] = []

    def work(a: Address) -> None:
        try:
            store.record(JournalEntry.intent("create", a, lineage=lineage))
        except OSError as err:
            errors.append(err)

    threads = [threading.Thread(target=work, args=(Address("dataiku_dataset", f"d{i}"),)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    assert len(errors) == 6  # not one caller was told its line is durable
    monkeypatch.setattr(os, "fsync", real_fsync)
    store.record(JournalEntry.intent("create", Y, lineage=lineage))  # the journal is read again
    seqs = [e.seq for e in journal(store).entries]
    assert seqs == sorted(set(seqs)) and journal(store).entries[-1].address == Y


def test_an_entry_refused_in_a_group_leaves_the_others_written(store: FileStateStore) -> None:
    lineage = store.write(State.empty()).lineage
    errors = store._append([JournalEntry.intent("create", X, lineage=lineage),
                            JournalEntry.intent("create", Y, lineage="someone-else"),
                            JournalEntry.intent("create", Y, lineage=lineage, seq=1)])
    assert errors[0] is None
    assert isinstance(errors[1], StateCorruptError) and "someone-else" in str(errors[1])
    assert isinstance(errors[2], StateError) and "not after 1" in str(errors[2])
    assert [(e.seq, e.address) for e in journal(store).entries] == [(1, X)]


def test_an_entry_that_is_not_json_fails_alone_in_its_group(store: FileStateStore) -> None:
    lineage = store.write(State.empty()).lineage
    bad = ResourceState(Y, "Y", {"name": {"a set"}})  # not JSON: json.dumps raises TypeError
    errors = store._append([JournalEntry.result("create", Y, lineage=lineage, resource=bad),
                            JournalEntry.intent("create", X, lineage=lineage)])
    assert isinstance(errors[0], TypeError) and errors[1] is None
    assert [(e.seq, e.address) for e in journal(store).entries] == [(1, X)]
