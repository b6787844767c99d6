"""The local state backend: a snapshot file, its apply journal, one backup and a write lock.

For a state path ``P`` (``state/default.json``):

    P          the snapshot: State.to_json(), pretty, sorted; replaced atomically
    P.journal  JSON lines appended (and fsync'd) by apply as each step happens
    P.backup   the snapshot before the last write
    P.lock     the write lock and its leased holder record (see ``reconciler.state.lock``)

``read()`` = snapshot + replay of the journal; it never writes and never locks, so plan and
drift can run during an apply. ``record()`` appends one line: its cost grows with the change,
not with the state. ``write()`` replaces the snapshot and starts a fresh journal that keeps
only the intents still unanswered (so a possibly leaked create is never forgotten). All files
are mode 0600. Linux/macOS only (``fcntl``).

Crash safety, step by step: a crash while appending leaves a torn last line, ignored on read
(and cut off before the next append); a crash inside ``write()`` leaves the old snapshot (temp
file + fsync + rename + directory fsync); a crash between the snapshot rename and the journal
reset leaves a journal whose header names the old serial, which ``read()`` then knows is
already folded in and ignores (when the serial did not move, replaying it changes nothing).

While this store holds the write lock, ``record()`` and ``write()`` first check that the lock is
still its own (fencing): a holder whose lock was force-unlocked or taken over writes nothing more.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from reconciler.coalesce import Coalescer
from reconciler.errors import StateCorruptError, StateError
from reconciler.state import lock as _lock
from reconciler.state.files import atomic_write, fsync_dir, read_bytes, write_all
from reconciler.state.journal import (
    JournalEntry,
    JournalHeader,
    ParsedJournal,
    PendingOp,
    parse_journal,
    replay,
    unresolved_intents,
)
from reconciler.state.lease import Lease, StateLock
from reconciler.state.model import State
from reconciler.state.snapshot import decode_state, encode_state, resources_document


@dataclass(frozen=True)
class _Snapshot:
    """What is on disk at ``P``: its bytes and state, or nothing yet."""

    raw: bytes | None
    state: State | None
    identity: tuple[int, int, int, int] | None


@dataclass
class _Cursor:
    """What ``record()`` knows of the journal it appends to, valid while the file is unchanged."""

    identity: tuple[int, int, int]  # (dev, inode, size)
    lineage: str
    last_seq: int


#: the most journal entries one group commit writes
GROUP_MAX = 4096


def _other_lineage(entry: JournalEntry, location: str, lineage: str) -> StateCorruptError:
    return StateCorruptError(f"refusing to journal {entry.address} for lineage {entry.lineage} in state "
                             f"{location}, whose lineage is {lineage}")


def _resources_differ(a: State, b: State) -> bool:
    """Whether ``a`` and ``b`` record different resources (as the snapshot would write them)."""
    if a.resources.keys() != b.resources.keys():
        return True  # no need to serialize thousands of records to tell
    return resources_document(a) != resources_document(b)


def _identity(st: os.stat_result) -> tuple[int, int, int, int]:
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


class FileStateStore:
    """State kept in local files next to each other (see the module docstring for the layout)."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        env: Mapping[str, str] | None = None,
        lease: Lease = Lease(),
        now: Callable[[], float] = time.time,
    ) -> None:
        self.path = Path(path)
        self.location = os.fspath(path)
        self.journal_path = self.path.with_name(self.path.name + ".journal")
        self.backup_path = self.path.with_name(self.path.name + ".backup")
        self.lock_path = self.path.with_name(self.path.name + ".lock")
        #: locks this store took over, then what the last ``read()`` skipped (torn lines,
        #: foreign or stale journals)
        self.warnings: list[str] = []
        self._sleep, self._clock, self._env = sleep, clock, env
        self._lease, self._now = lease, now
        self._held: StateLock | None = None  # the lock this store holds (fencing)
        self._lock_warnings: list[str] = []
        self._pending: tuple[PendingOp, ...] = ()
        self._mutex = threading.Lock()  # apply records from several threads
        #: group commit (see ``record``): one ``_append`` for the entries recorded meanwhile
        self._group_commit = Coalescer(self._append, limit=GROUP_MAX)
        self._cursor: _Cursor | None = None
        self._known: tuple[tuple[int, int, int, int], State] | None = None  # snapshot cache

    def __repr__(self) -> str:
        return f"FileStateStore({self.location!r})"

    # -- reading ---------------------------------------------------------------------------

    def read(self) -> State:
        """The snapshot with the journal replayed over it; ``State.empty()`` if nothing exists."""
        warnings: list[str] = []
        snapshot = self._load_snapshot()
        parsed = self._load_journal()
        warnings.extend(parsed.warnings)
        state = snapshot.state
        if state is None:
            state = self._state_without_snapshot(parsed)
        entries = self._usable_entries(state, parsed, warnings)
        state, pending = replay(state, entries, warnings=warnings)
        self.warnings = [*self._lock_warnings, *warnings]
        self._pending = pending
        return state

    def pending(self) -> tuple[PendingOp, ...]:
        """Intents without an outcome found by the last ``read()`` (interrupted operations)."""
        return self._pending

    def _load_snapshot(self) -> _Snapshot:
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return _Snapshot(None, None, None)
        raw = read_bytes(self.path)
        if raw is None:
            return _Snapshot(None, None, None)
        state = decode_state(raw, source=self.location)
        identity = _identity(st)
        self._known = (identity, state)
        return _Snapshot(raw, state, identity)

    def _load_journal(self) -> ParsedJournal:
        raw = read_bytes(self.journal_path)
        return parse_journal(raw or b"", source=f"{self.location}.journal")

    def _state_without_snapshot(self, parsed: ParsedJournal) -> State:
        """No snapshot yet: the journal of a first apply names the lineage it started."""
        if parsed.header is not None:
            if parsed.header.base_serial > 0:
                raise StateCorruptError(
                    f"state file {self.location} is missing, but its journal continues serial "
                    f"{parsed.header.base_serial} of lineage {parsed.header.lineage}",
                    hint=(f"restore {self.location} (or {self.location}.backup); to start over "
                          f"instead, delete {self.location}.journal too"),
                )
            return State(lineage=parsed.header.lineage)
        if parsed.entries:
            return State(lineage=parsed.entries[0].lineage)
        return State.empty()

    def _journal_problem(self, state: State, parsed: ParsedJournal) -> str | None:
        """Why the journal does not continue the snapshot ``state`` (None: it does)."""
        header, journal = parsed.header, f"{self.location}.journal"
        if header is None:
            return None
        if header.lineage != state.lineage:
            return (f"{journal} belongs to another state (lineage {header.lineage}, this state "
                    f"is {state.lineage}); ignored")
        if header.base_serial < state.serial:
            return (f"{journal} continues serial {header.base_serial}, already folded into the "
                    f"snapshot (serial {state.serial}); ignored")
        if header.base_serial > state.serial:
            return (f"{journal} continues serial {header.base_serial} but the snapshot is serial "
                    f"{state.serial} (restored from a backup?); ignored")
        return None

    def _usable_entries(self, state: State, parsed: ParsedJournal,
                        warnings: list[str]) -> tuple[JournalEntry, ...]:
        problem = self._journal_problem(state, parsed)
        if problem:
            warnings.append(problem)
            return ()
        return parsed.entries

    def _retire_journal(self, state: State, parsed: ParsedJournal) -> None:
        """Move a journal that does not continue ``state`` out of the way.

        One already folded into the snapshot is dropped; any other (another lineage, a newer
        base) is kept as ``P.journal.ignored`` for a human to look at.
        """
        header = parsed.header
        folded = (header is not None and header.lineage == state.lineage
                  and header.base_serial < state.serial)
        if folded:
            self.journal_path.unlink(missing_ok=True)
        else:
            os.replace(self.journal_path,
                       self.journal_path.with_name(self.journal_path.name + ".ignored"))
        fsync_dir(self.path.parent)

    # -- journaling --------------------------------------------------------------------------

    def record(self, entry: JournalEntry) -> None:
        """Append ``entry`` to the journal and fsync it; return once it is durable. ``seq`` 0 is
        numbered by the store.

        Thread-safe, with group commit (``coalesce.Coalescer``): entries recorded while another
        thread's write is being fsync'd queue up and go to disk together, in one write and one
        fsync, by one of their threads (every caller still returns only once its own line is
        durable, or raises if that write failed). Costs one append + fsync per group,
        whatever the size of the state. Refuses an entry of another lineage than the state's,
        so a journal never mixes two states.
        """
        refused = self._group_commit.call(entry)
        if refused is not None:
            raise refused

    def _append(self, entries: list[JournalEntry]) -> list[Exception | None]:
        """Write ``entries`` (in order) with one write and one fsync; return, for each, None or
        why it alone was refused (its explicit ``seq`` is not after the last, another lineage, a
        value that is not JSON): the others are written. The journal is numbered by what it
        holds: one changed by another process since the last append is read again (three
        tries). Raises when the group could not be written (every caller of the group sees it)."""
        with self._mutex:
            self._fence()
            for _ in range(3):
                cursor = self._journal_cursor(entries[0])
                try:
                    fd = os.open(self.journal_path, os.O_WRONLY | os.O_APPEND)
                except FileNotFoundError:
                    self._cursor = None
                    continue
                try:
                    st = os.fstat(fd)
                    if (st.st_dev, st.st_ino, st.st_size) != cursor.identity:
                        self._cursor = None  # changed under us (another process): look again
                        continue
                    refused: list[Exception | None] = []
                    lines, last_seq = [], cursor.last_seq
                    for entry in entries:
                        refused.append(None)
                        if entry.lineage != cursor.lineage:
                            refused[-1] = _other_lineage(entry, self.location, cursor.lineage)
                            continue
                        if entry.seq == 0:
                            entry = replace(entry, seq=last_seq + 1)
                        elif entry.seq <= last_seq:
                            refused[-1] = StateError(f"journal seq {entry.seq} is not after {last_seq}")
                            continue
                        try:
                            lines.append(entry.line())
                        except (TypeError, ValueError) as err:  # that entry's own problem, not its group's
                            refused[-1] = err
                            continue
                        last_seq = entry.seq
                    if lines:
                        self._cursor = None  # until the write is known whole
                        write_all(fd, b"".join(lines))
                        os.fsync(fd)
                        after = os.fstat(fd)
                        cursor.identity = (after.st_dev, after.st_ino, after.st_size)
                        cursor.last_seq = last_seq
                        self._cursor = cursor
                    return refused
                finally:
                    os.close(fd)
            raise StateError(f"{self.location}.journal keeps changing under this process; is "
                             "another process writing this state without the lock?")

    def _journal_cursor(self, entry: JournalEntry) -> _Cursor:
        """Where to append: cached while the file is as we left it, else learned from the file.

        A fresh journal gets its header; a torn last line is cut off; a journal that does not
        continue the snapshot is retired first (appending to it would lose the entries).
        """
        try:
            st = os.stat(self.journal_path)
        except FileNotFoundError:
            st = None
        if (st is not None and self._cursor is not None
                and self._cursor.identity == (st.st_dev, st.st_ino, st.st_size)):
            return self._cursor
        parsed = parse_journal((read_bytes(self.journal_path) or b"") if st else b"")
        snapshot = self._snapshot_state()
        if snapshot is not None:
            state = snapshot
        elif parsed.header is None and not parsed.entries:  # the first step of the first apply
            state = State(lineage=entry.lineage)
        else:
            state = self._state_without_snapshot(parsed)
        if st is not None and self._journal_problem(state, parsed):
            self._retire_journal(state, parsed)
            parsed = parse_journal(b"")
        if parsed.valid_length == 0:
            atomic_write(self.journal_path, JournalHeader(state.lineage, state.serial).line())
            last_seq = 0
        else:
            if st is not None and parsed.valid_length < st.st_size:  # cut a torn last line
                fd = os.open(self.journal_path, os.O_WRONLY)
                try:
                    os.ftruncate(fd, parsed.valid_length)
                    os.fsync(fd)
                finally:
                    os.close(fd)
            last_seq = max((e.seq for e in parsed.entries), default=0)
        after = os.stat(self.journal_path)
        self._cursor = _Cursor((after.st_dev, after.st_ino, after.st_size), state.lineage,
                               last_seq)
        return self._cursor

    def _snapshot_state(self) -> State | None:
        """The snapshot on disk, parsed once per version of the file (cached by identity)."""
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return None
        if self._known is not None and self._known[0] == _identity(st):
            return self._known[1]
        return self._load_snapshot().state

    # -- writing -----------------------------------------------------------------------------

    def write(self, state: State, *, replace_lineage: bool = False) -> State:
        """Write ``state`` as the new snapshot; return it as written.

        The serial is the snapshot's on disk, plus one if the resources differ from it or the
        journal had changed them (a no-op apply leaves the serial, and saved plans, valid; a
        journal is never replayed over a snapshot that superseded it). Refuses another lineage
        than the one on disk, unless ``replace_lineage`` (``state push --force``: the journal of
        the replaced state is set aside as ``P.journal.ignored``). Keeps the previous snapshot
        as ``P.backup``; then resets the journal to the intents still unanswered (a possibly
        leaked create is never forgotten). Refuses a state in which two addresses record one object
        (``State.refuse_shared_ids``).
        """
        state.refuse_shared_ids()
        with self._mutex:
            self._fence()
            disk = self._load_snapshot()
            parsed = self._load_journal()
            if replace_lineage and self._other_lineage(state, disk, parsed):
                return self._replace(state, disk, parsed)
            if disk.state is not None and disk.state.lineage != state.lineage:
                raise StateCorruptError(
                    f"refusing to overwrite state {self.location} (lineage {disk.state.lineage}) "
                    f"with a state of another lineage ({state.lineage})",
                    hint="this state belongs to a different project or environment; check --state",
                )
            if disk.state is None and parsed.header and parsed.header.lineage != state.lineage:
                raise StateCorruptError(
                    f"refusing to write state {self.location} (lineage {state.lineage}): its "
                    f"journal holds an unfinished apply of lineage {parsed.header.lineage}",
                    hint=f"read the state first, or delete {self.location}.journal to discard it",
                )
            before = disk.state if disk.state is not None else State(lineage=state.lineage)
            changed = _resources_differ(state, before) or _resources_differ(
                replay(before, self._usable_entries(before, parsed, []))[0], before)
            written = replace(state, serial=before.serial + 1 if changed else before.serial)
            data = encode_state(written)
            if data != disk.raw:
                if disk.raw is not None:
                    atomic_write(self.backup_path, disk.raw)
                atomic_write(self.path, data)
            self._known = (_identity(os.stat(self.path)), written)
            self._reset_journal(written, before, parsed)
            return written

    @staticmethod
    def _other_lineage(state: State, disk: _Snapshot, parsed: ParsedJournal) -> bool:
        if disk.state is not None:
            return disk.state.lineage != state.lineage
        return parsed.header is not None and parsed.header.lineage != state.lineage

    def _replace(self, state: State, disk: _Snapshot, parsed: ParsedJournal) -> State:
        """Overwrite a state of another lineage with ``state`` (serial continues the old one)."""
        old_serial = disk.state.serial if disk.state is not None else 0
        written = replace(state, serial=old_serial + 1)
        if disk.raw is not None:
            atomic_write(self.backup_path, disk.raw)
        atomic_write(self.path, encode_state(written))
        self._known = (_identity(os.stat(self.path)), written)
        self._reset_journal(written, State(lineage=written.lineage, serial=old_serial), parsed)
        return written

    def _fence(self) -> None:
        """While this store holds the lock, refuse to write once the lock is no longer ours."""
        if self._held is not None and self._held.held:
            self._held.check()

    def _reset_journal(self, written: State, before: State, parsed: ParsedJournal) -> None:
        """Start the journal over, carrying the intents that never got an outcome."""
        self._cursor = None
        if not self.journal_path.exists():
            return
        if self._journal_problem(before, parsed):
            self._retire_journal(before, parsed)
            return
        carried = unresolved_intents(parsed.entries, written.lineage)
        if carried:
            header = JournalHeader(written.lineage, written.serial)
            atomic_write(self.journal_path, header.line() + b"".join(e.line() for e in carried))
        else:
            self.journal_path.unlink()
            fsync_dir(self.path.parent)

    # -- locking -----------------------------------------------------------------------------

    def lock(self, operation: str, *, timeout: float = 0.0) -> StateLock:
        """Take the write lock for ``operation`` (waiting up to ``timeout`` seconds).

        Raises ``StateLockedError`` naming the holder. A lock left by a killed holder is taken
        over at once, with a warning in ``warnings``: see ``reconciler.state.lock``.
        """
        lock = _lock.acquire(self.lock_path, operation, location=self.location, timeout=timeout,
                             sleep=self._sleep, clock=self._clock, env=self._env,
                             lease=self._lease, now=self._now)
        self._held = lock
        self._lock_warnings.extend(lock.warnings)
        self.warnings.extend(lock.warnings)
        return lock

    def lock_info(self) -> dict | None:
        """The record of the current holder (``"stale": True`` once its lease expired), or None
        when the lock is free."""
        return _lock.current_holder(self.lock_path, now=self._now)

    def force_unlock(self, lock_id: str) -> None:
        """Remove the lock whose id is ``lock_id`` (a later locker makes a fresh one)."""
        _lock.force_unlock(self.lock_path, lock_id, location=self.location)

    def close(self) -> None:
        """Nothing to close (every file is opened per operation); here for symmetry."""
