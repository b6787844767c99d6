"""The write lock of the local backend: a kernel lock that cannot go stale, plus a holder record.

The lock is ``fcntl.flock(LOCK_EX | LOCK_NB)`` on ``<state>.lock``, held by an open file for
the life of the ``with`` block. The kernel releases a flock when the last descriptor of its
open file is closed, which includes the holder dying (SIGKILL, OOM kill, a cancelled CI job):
a killed apply never leaves a stuck lock behind, and no TTL or heartbeat is needed. Our
descriptors are not inherited by child processes (PEP 446), so a stray child cannot keep it.

While held, the lock file contains the holder record (id, operation, who, host, pid, created,
version, ci_run_url when known) so that whoever is blocked learns who to ask; releasing
clears it. A record left by a killed holder is recognized as stale because nobody holds the
flock. ``force_unlock`` exists for the remaining case, a holder that is alive but hung.

POSIX only (Linux, macOS): it needs ``fcntl``. Network filesystems may not honour flock.
"""

from __future__ import annotations

import fcntl
import getpass
import json
import os
import socket
import time
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from reconciler.errors import StateError, StateLockedError
from reconciler.state.files import FILE_MODE, ensure_parent, write_all

POLL_INTERVAL = 0.05
_RECORD_MAX = 64 * 1024


def ci_run_url(env: Mapping[str, str]) -> str | None:
    """The URL of the CI run this process belongs to (GitHub Actions, GitLab CI), if any."""
    server, repo, run = (env.get(k) for k in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY",
                                              "GITHUB_RUN_ID"))
    if server and repo and run:
        return f"{server.rstrip('/')}/{repo}/actions/runs/{run}"
    return env.get("CI_JOB_URL") or None


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("reconciler")
    except Exception:  # noqa: BLE001 - not installed as a distribution (running from a checkout)
        return "unknown"


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name in a bare container
        return f"uid{os.getuid()}"


def holder_record(operation: str, env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """A fresh holder record for ``operation`` run by this process."""
    record: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "operation": operation,
        "who": _user(),
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "created": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "version": _version(),
    }
    url = ci_run_url(os.environ if env is None else env)
    if url:
        record["ci_run_url"] = url
    return record


def describe_holder(record: Mapping[str, Any]) -> str:
    """``alice@host (pid 123, apply, since ...; lock id ...)`` for messages."""
    if not record.get("id"):
        return "another process (its lock record is not written yet)"
    text = (f"{record.get('who', '?')}@{record.get('host', '?')} (pid {record.get('pid', '?')}, "
            f"{record.get('operation', '?')}, since {record.get('created', '?')}; "
            f"lock id {record['id']})")
    if record.get("ci_run_url"):
        text += f", CI run {record['ci_run_url']}"
    return text


def _read_record(fd: int) -> dict[str, Any]:
    try:
        data = json.loads(os.pread(fd, _RECORD_MAX, 0).decode("utf-8") or "{}")
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


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


class StateLock:
    """A held write lock. Use as a context manager; ``release()`` is idempotent."""

    def __init__(self, path: Path, fd: int, info: dict[str, Any]) -> None:
        self.path = path
        self.info = info
        self._fd: int | None = fd

    @property
    def id(self) -> str:
        return str(self.info["id"])

    @property
    def held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        """Clear the holder record and drop the flock."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            if _same_file(fd, self.path):
                os.ftruncate(fd, 0)
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def __enter__(self) -> "StateLock":
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    def __repr__(self) -> str:
        return f"StateLock({str(self.path)!r}, id={self.id!r}, held={self.held})"


def acquire(
    path: Path,
    operation: str,
    *,
    location: str,
    timeout: float = 0.0,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    env: Mapping[str, str] | None = None,
) -> StateLock:
    """Take the lock at ``path``, retrying every ``POLL_INTERVAL`` until ``timeout`` seconds.

    Raises ``StateLockedError`` naming the holder when it is still held at the deadline.
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
                os.fchmod(fd, FILE_MODE)
                info = holder_record(operation, env)
                os.ftruncate(fd, 0)
                write_all(fd, (json.dumps(info, sort_keys=True) + "\n").encode("utf-8"))
                return StateLock(path, fd, info)
            holder = _read_record(fd)
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)
        remaining = deadline - clock()
        if remaining <= 0:
            break
        sleep(min(POLL_INTERVAL, remaining))
    waited = f" (waited {timeout:g}s)" if timeout > 0 else ""
    raise StateLockedError(
        f"state {location} is locked by {describe_holder(holder)}{waited}",
        holder=holder,
        hint=(
            "wait for that operation to finish, or pass --lock-timeout to wait for it; the lock "
            "is released automatically when its process exits. If that process is alive but "
            "hung, run `reconciler force-unlock "
            f"{holder.get('id') or '<lock id>'}` (dangerous if it is still writing)"
        ),
    )


def current_holder(path: Path) -> dict[str, Any] | None:
    """The holder record if the lock is held now; None if free (even if a dead holder left one)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return None
    try:
        record = _read_record(fd)
        if not record:
            return None
        if _try_flock(fd):  # nobody holds it: the record was left by a holder that was killed
            fcntl.flock(fd, fcntl.LOCK_UN)
            return None
        return record
    finally:
        os.close(fd)


def force_unlock(path: Path, lock_id: str, *, location: str) -> None:
    """Remove the lock file if its record's id is ``lock_id``; otherwise ``StateError``."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        raise StateError(f"state {location} is not locked; nothing to unlock") from None
    try:
        record = _read_record(fd)
    finally:
        os.close(fd)
    if not record.get("id"):
        raise StateError(f"state {location} is not locked; nothing to unlock")
    if record["id"] != lock_id:
        raise StateError(
            f"lock id {lock_id} does not match the lock on state {location}: it is held by "
            f"{describe_holder(record)}",
            hint=f"to remove that lock, run `reconciler force-unlock {record['id']}`",
        )
    path.unlink(missing_ok=True)
