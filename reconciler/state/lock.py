"""The write lock of the local backend: a kernel lock plus a leased holder record.

The lock is ``fcntl.flock(LOCK_EX | LOCK_NB)`` on ``<state>.lock``, held by an open file for
the life of the ``with`` block. The kernel releases a flock when the last descriptor of its
open file is closed, which includes the holder dying (SIGKILL, OOM kill, a cancelled CI job):
a killed apply never leaves a stuck lock behind. Our descriptors are not inherited by child
processes (PEP 446), so a stray child cannot keep it.

While held, the lock file contains the holder record (id, operation, who, host, pid, created,
expires, version, ci_run_url and commit when known) so that whoever is blocked learns who to ask;
a heartbeat renews ``expires`` (see ``reconciler.state.lease``); releasing clears the record. A
record left by a killed holder on this host is taken over at once (nobody holds the flock and its
pid is gone). flock may not exclude processes on other hosts (network filesystems): a record
from another host therefore also needs its lease to have expired before it is taken over, with a
warning. ``force_unlock`` exists for a holder that is alive but hung.

POSIX only (Linux, macOS): it needs ``fcntl``.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from reconciler.state.files import FILE_MODE, ensure_parent, write_all
from reconciler.state.lease import (
    LOCKED,
    TAKE_OVER,
    Lease,
    StateLock,
    ci_run_url,
    decide,
    describe_holder,
    format_time,
    holder_record,
    lease_expired,
    locked_error,
    locked_note,
    not_locked,
    takeover_warning,
    wrong_lock_id,
)

__all__ = ["POLL_INTERVAL", "FileLock", "acquire", "ci_run_url", "current_holder",
           "describe_holder", "force_unlock", "holder_record"]

POLL_INTERVAL = 0.05
_RECORD_MAX = 64 * 1024
_PRIMARY = "flock on this filesystem"
_GONE = "its process ended without releasing it"


#: how long a loser waits for a new holder to write its record, so the error can name it
RECORD_WAIT = 1.0


def _read_record(fd: int) -> dict[str, Any]:
    try:
        data = json.loads(os.pread(fd, _RECORD_MAX, 0).decode("utf-8") or "{}")
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _encode(record: Mapping[str, Any]) -> bytes:
    return (json.dumps(record, sort_keys=True) + "\n").encode("utf-8")


def _try_flock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _same_file(fd: int, path: Path) -> bool:
    """Whether ``path`` still names the file ``fd`` has open (force-unlock may have removed it)."""
    try:
        on_disk = os.stat(path)
    except FileNotFoundError:
        return False
    mine = os.fstat(fd)
    return (mine.st_dev, mine.st_ino) == (on_disk.st_dev, on_disk.st_ino)


def _pid_alive(pid: Any) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, as another user
        return True
    return True


def holder_gone(record: Mapping[str, Any], host: str | None = None) -> bool:
    """Whether the holder of ``record`` is known dead: on this host, with its pid gone."""
    return record.get("host") == (host or socket.gethostname()) and not _pid_alive(record.get("pid"))


class FileLock(StateLock):
    """A held flock on ``path`` with its holder record (see the module docstring)."""

    primary = _PRIMARY

    def __init__(self, path: Path, fd: int, info: dict[str, Any], *, location: str,
                 lease: Lease, now: Callable[[], float]) -> None:
        super().__init__(info, location=location, lease=lease)
        self.path = path
        self._fd = fd
        self._now = now

    def _verify(self) -> str | None:
        if not _same_file(self._fd, self.path):
            return "the lock file was removed (force-unlock)"
        current = _read_record(self._fd)
        if current.get("id") != self.id:
            return f"it was taken over by {describe_holder(current)}"
        return None

    def _renew(self) -> str | None:
        lost = self._verify()
        if lost:
            return lost
        info = {**self.info, "expires": format_time(self._now() + self.lease.duration)}
        data = _encode(info)
        os.pwrite(self._fd, data, 0)  # same length as before: readers never see a torn record
        os.ftruncate(self._fd, len(data))
        self.info = info
        return None

    def _release(self) -> None:
        fd = self._fd
        try:
            if _same_file(fd, self.path) and _read_record(fd).get("id") == self.id:
                os.ftruncate(fd, 0)
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)


def acquire(
    path: Path,
    operation: str,
    *,
    location: str,
    timeout: float = 0.0,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    env: Mapping[str, str] | None = None,
    lease: Lease = Lease(),
    now: Callable[[], float] = time.time,
) -> FileLock:
    """Take the lock at ``path``, retrying every ``POLL_INTERVAL`` until ``timeout`` seconds.

    Raises ``StateLockedError`` naming the holder when it is still held at the deadline. A lock
    taken over from a dead or expired holder carries a warning in ``FileLock.warnings``.
    """
    ensure_parent(path)
    deadline = clock() + max(timeout, 0.0)
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, FILE_MODE)
        try:
            if _try_flock(fd):
                if not _same_file(fd, path):  # unlinked by force-unlock while we opened it
                    fcntl.flock(fd, fcntl.LOCK_UN)
                    os.close(fd)
                    continue
                holder = _read_record(fd)
                expired = lease_expired(holder, now())
                decision = decide(primary=True, record=holder, expired=expired,
                                  holder_gone=holder_gone(holder))
                if decision.verdict != LOCKED:
                    return _take(path, fd, operation, holder, decision.reason if
                                 decision.verdict == TAKE_OVER else None,
                                 location=location, env=env, lease=lease, now=now)
                fcntl.flock(fd, fcntl.LOCK_UN)
            else:
                holder = _read_record(fd)
                waited = 0.0
                while not holder and waited < RECORD_WAIT:  # the holder took the flock and is writing its record
                    sleep(0.02)
                    waited += 0.02
                    holder = _read_record(fd)
                expired = bool(holder) and lease_expired(holder, now())
                decision = decide(primary=False, record=holder, expired=expired, holder_gone=False)
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)
        remaining = deadline - clock()
        if remaining <= 0:
            break
        sleep(min(POLL_INTERVAL, remaining))
    note = locked_note(holder, decision.reason, expired=expired, primary=_PRIMARY)
    raise locked_error(location, holder, timeout=timeout, note=note)


def _take(path: Path, fd: int, operation: str, previous: dict[str, Any], reason: str | None, *,
          location: str, env: Mapping[str, str] | None, lease: Lease,
          now: Callable[[], float]) -> FileLock:
    os.fchmod(fd, FILE_MODE)
    info = holder_record(operation, env, now=now(), lease=lease)
    os.ftruncate(fd, 0)
    write_all(fd, _encode(info))
    lock = FileLock(path, fd, info, location=location, lease=lease, now=now)
    if reason is not None:
        lock.warnings.append(takeover_warning(location, previous, reason, _GONE))
    lock.start_heartbeat()
    return lock


def current_holder(path: Path, *, now: Callable[[], float] = time.time) -> dict[str, Any] | None:
    """The holder record if someone holds the lock now, else None (even if a dead holder left
    one). A holder whose lease expired is marked ``"stale": True``."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return None
    try:
        record = _read_record(fd)
        if not record.get("id"):
            return None
        expired = lease_expired(record, now())
        free = _try_flock(fd)
        if free:
            fcntl.flock(fd, fcntl.LOCK_UN)
        decision = decide(primary=free, record=record, expired=expired,
                          holder_gone=holder_gone(record))
        if decision.verdict != LOCKED:  # free, or left by a holder that was killed / expired
            return None
        return {**record, "stale": True} if expired else record
    finally:
        os.close(fd)


def force_unlock(path: Path, lock_id: str, *, location: str) -> None:
    """Remove the lock file if its record's id is ``lock_id``; otherwise ``StateError``."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        raise not_locked(location) from None
    try:
        record = _read_record(fd)
    finally:
        os.close(fd)
    if not record.get("id"):
        raise not_locked(location)
    if record["id"] != lock_id:
        raise wrong_lock_id(location, lock_id, record)
    path.unlink(missing_ok=True)
