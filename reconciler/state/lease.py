"""Lock leases, shared by every backend: the holder record, the takeover rule, the heartbeat.

A write lock has two parts. The *primary* lock is one the operating system or the database
releases by itself when its holder dies (``flock`` on a lock file, a PostgreSQL session advisory
lock). The *lease* is the holder record (who, host, pid, operation, CI run, commit, ``created``,
``expires``), which a heartbeat thread renews every ``Lease.renew_every`` seconds while the holder
runs. The primary lock decides in the normal case; the lease covers what it cannot see:

    primary held by someone else            -> locked (the message says if the lease expired:
                                               the holder stopped renewing, it looks hung)
    primary ours, no record                 -> free
    primary ours, record's holder is gone   -> take over, with a warning (killed process,
                                               ended database session)
    primary ours, holder alive, lease valid -> locked: the primary lock does not exclude it
                                               (flock on a network filesystem, a pooler)
    primary ours, holder alive, expired     -> take over, with a warning

A holder whose lock was taken over or force-unlocked learns it at its next heartbeat (``lost``)
and its next journal entry or snapshot write is refused (fencing: ``StateLock.check``).
"""

from __future__ import annotations

import getpass
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib import metadata
from typing import Any

from reconciler.errors import StateError, StateLockedError

log = logging.getLogger("reconciler.state")

TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"

FREE, TAKE_OVER, LOCKED = "free", "take-over", "locked"
#: why a lock is taken over or refused (``Decision.reason``)
GONE, EXPIRED, HELD, LEASED = "gone", "expired", "held", "leased"


@dataclass(frozen=True)
class Lease:
    """How long a holder record stays valid without renewal, and how often it is renewed.

    ``renew_every`` 0 turns the heartbeat off (tests renew by hand with ``StateLock.renew``).
    """

    duration: float = 60.0
    renew_every: float = 15.0

    def __post_init__(self) -> None:
        if self.duration <= 0:
            raise ValueError(f"a lease must last more than 0 seconds, not {self.duration}")
        if not 0 <= self.renew_every < self.duration:
            raise ValueError(f"a lease of {self.duration:g}s must be renewed more often than that "
                             f"(renew_every={self.renew_every:g})")


def format_time(epoch: float) -> str:
    """``2026-01-31T12:00:00Z`` (UTC, whole seconds): how records spell times."""
    return datetime.fromtimestamp(epoch, timezone.utc).strftime(TIME_FORMAT)


def parse_time(text: Any) -> float | None:
    """The epoch seconds of a ``format_time`` string; None when absent or unreadable."""
    if not isinstance(text, str):
        return None
    try:
        return datetime.strptime(text, TIME_FORMAT).replace(tzinfo=timezone.utc).timestamp()
    except ValueError:
        return None


def lease_expired(record: Mapping[str, Any], now: float) -> bool:
    """Whether ``record``'s lease is over at ``now``. A record without ``expires`` (written
    before leases existed) never renews, so it counts as expired."""
    expires = parse_time(record.get("expires"))
    return expires is None or expires <= now


# -- the holder record ---------------------------------------------------------------------


def ci_run_url(env: Mapping[str, str]) -> str | None:
    """The URL of the CI run this process belongs to (GitHub Actions, GitLab CI), if any."""
    server, repo, run = (env.get(k) for k in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY",
                                              "GITHUB_RUN_ID"))
    if server and repo and run:
        return f"{server.rstrip('/')}/{repo}/actions/runs/{run}"
    return env.get("CI_JOB_URL") or None


def ci_commit(env: Mapping[str, str]) -> str | None:
    """The commit the CI run builds (GitHub Actions ``GITHUB_SHA``, GitLab ``CI_COMMIT_SHA``)."""
    return env.get("GITHUB_SHA") or env.get("CI_COMMIT_SHA") or None


def _version() -> str:
    try:
        return metadata.version("reconciler")
    except Exception:  # noqa: BLE001 - not installed as a distribution (running from a checkout)
        return "unknown"


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name in a bare container
        return f"uid{os.getuid()}"


def whoami() -> str:
    """``user@host`` of this process."""
    return f"{_user()}@{socket.gethostname()}"


def holder_record(operation: str, env: Mapping[str, str] | None = None, *,
                  now: float | None = None, lease: Lease | None = None) -> dict[str, Any]:
    """A fresh holder record for ``operation`` run by this process (``expires`` with a lease)."""
    now = time.time() if now is None else now
    record: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "operation": operation,
        "who": _user(),
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "created": format_time(now),
        "version": _version(),
    }
    if lease is not None:
        record["expires"] = format_time(now + lease.duration)
    env = os.environ if env is None else env
    url, commit = ci_run_url(env), ci_commit(env)
    if url:
        record["ci_run_url"] = url
    if commit:
        record["commit"] = commit
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
    if record.get("commit"):
        text += f", commit {str(record['commit'])[:12]}"
    return text


# -- the decision --------------------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    """What a locker does: ``FREE`` / ``TAKE_OVER`` (take it) or ``LOCKED``; ``reason`` says why."""

    verdict: str
    reason: str = ""


def decide(*, primary: bool, record: Mapping[str, Any] | None, expired: bool,
           holder_gone: bool) -> Decision:
    """The takeover rule of the module docstring. ``primary``: we hold the primary lock now;
    ``holder_gone``: the recorded holder is known dead (its process or session ended)."""
    if not primary:
        return Decision(LOCKED, HELD)
    if not record or not record.get("id"):
        return Decision(FREE)
    if holder_gone:
        return Decision(TAKE_OVER, GONE)
    if expired:
        return Decision(TAKE_OVER, EXPIRED)
    return Decision(LOCKED, LEASED)


def takeover_warning(location: str, record: Mapping[str, Any], reason: str, gone_because: str) -> str:
    """The warning a locker leaves when it takes over ``record``'s lock."""
    why = gone_because if reason == GONE else (
        f"its lease expired at {record.get('expires', '?')} without being renewed")
    return (f"took over the lock of state {location} from {describe_holder(record)}: {why}; "
            "what it applied is in the journal, and what it left unfinished is resolved by looking "
            "objects up by their natural keys")


def locked_error(location: str, holder: Mapping[str, Any], *, timeout: float,
                 note: str | None = None) -> StateLockedError:
    """``StateLockedError`` naming ``holder`` (the same message for every backend)."""
    waited = f" (waited {timeout:g}s)" if timeout > 0 else ""
    return StateLockedError(
        f"state {location} is locked by {describe_holder(holder)}{waited}"
        + (f"; {note}" if note else ""),
        holder=dict(holder),
        hint=(
            "wait for that operation to finish, or pass --lock-timeout to wait for it; the lock "
            "is released automatically when its process exits. If that process is alive but "
            "hung, run `reconciler force-unlock "
            f"{holder.get('id') or '<lock id>'}` (dangerous if it is still writing)"
        ),
    )


def locked_note(record: Mapping[str, Any], reason: str, *, expired: bool, primary: str) -> str | None:
    """The extra sentence of a ``locked_error``: an expired lease, or a lease-only lock."""
    if reason == LEASED:
        return (f"its lease runs until {record.get('expires', '?')} and {primary} does not exclude "
                "it here, so the lease decides")
    if expired and record.get("id"):
        return (f"its lease expired at {record.get('expires', '?')}: the holder stopped renewing "
                "it and looks hung")
    return None


# -- the held lock and its heartbeat -------------------------------------------------------


class Heartbeat:
    """Calls ``beat()`` every ``every`` seconds on a daemon thread until ``stop()`` or until
    ``beat()`` returns False. An exception is logged and the next beat tries again."""

    def __init__(self, beat: Callable[[], bool], every: float, *, name: str) -> None:
        self._beat, self._every = beat, every
        self._stopped = threading.Event()
        self.beats = 0
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stopped.wait(self._every):
            try:
                if not self._beat():
                    return
                self.beats += 1
            except Exception as exc:  # noqa: BLE001 - a failed renewal is retried, never fatal
                log.warning("could not renew the state lock lease: %s", exc)

    def stop(self) -> None:
        self._stopped.set()
        if threading.current_thread() is not self._thread:
            self._thread.join(timeout=10)


class StateLock:
    """A held write lock, as returned by a store's ``lock()``. A context manager; ``release()``
    is idempotent. ``info`` is the holder record (``expires`` moves with each renewal);
    ``warnings`` says whose lock was taken over; ``lost`` says why the lock stopped being ours."""

    #: what the primary lock is called in messages
    primary = "the lock"

    def __init__(self, info: dict[str, Any], *, location: str, lease: Lease) -> None:
        self.info = info
        self.location = location
        self.lease = lease
        self.warnings: list[str] = []
        self.lost: str | None = None
        self._held = True
        self._mutex = threading.Lock()
        self._heartbeat: Heartbeat | None = None

    @property
    def id(self) -> str:
        return str(self.info["id"])

    @property
    def held(self) -> bool:
        return self._held

    def start_heartbeat(self) -> None:
        if self.lease.renew_every > 0 and self._heartbeat is None:
            self._heartbeat = Heartbeat(self.renew, self.lease.renew_every,
                                        name=f"state-lock-heartbeat-{self.id[:8]}")

    def renew(self) -> bool:
        """Push the lease's expiry forward; False (and ``lost`` set) when it is no longer ours."""
        with self._mutex:
            if not self._held or self.lost:
                return False
            lost = self._renew()
            if lost:
                self.lost = lost
                log.warning("state %s: %s", self.location, lost)
            return lost is None

    def check(self) -> None:
        """Fencing: raise ``StateLockedError`` if this lock was taken over or force-unlocked."""
        with self._mutex:
            reason = self.lost or (self._verify() if self._held else None)
        if reason:
            self.lost = reason
            raise StateLockedError(
                f"lost the lock on state {self.location} (lock id {self.id}): {reason}; nothing "
                "more is written by this process",
                hint="run the operation again; `reconciler plan` shows where things stand")

    def release(self) -> None:
        """Stop the heartbeat, clear the holder record and drop the primary lock."""
        if self._heartbeat is not None:
            self._heartbeat.stop()
        with self._mutex:
            if not self._held:
                return
            self._held = False
            self._release()

    # what a backend implements (called under the mutex)
    def _renew(self) -> str | None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _verify(self) -> str | None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _release(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def __enter__(self) -> "StateLock":
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.location!r}, id={self.id!r}, held={self.held})"


def not_locked(location: str) -> StateError:
    return StateError(f"state {location} is not locked; nothing to unlock")


def wrong_lock_id(location: str, lock_id: str, record: Mapping[str, Any]) -> StateError:
    return StateError(
        f"lock id {lock_id} does not match the lock on state {location}: it is held by "
        f"{describe_holder(record)}",
        hint=f"to remove that lock, run `reconciler force-unlock {record['id']}`",
    )
