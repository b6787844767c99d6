"""Leases: the takeover rule as a table, lease times, the holder record, and the file backend's
own cases (a same-host holder flock does not exclude, a lease renewed on the injected clock)."""

from __future__ import annotations

import json
import os
import socket
import time
from pathlib import Path

import pytest

from reconciler.errors import StateLockedError
from reconciler.state import FileStateStore
from reconciler.state.lease import (
    EXPIRED,
    FREE,
    GONE,
    HELD,
    LEASED,
    LOCKED,
    TAKE_OVER,
    Decision,
    Lease,
    decide,
    describe_holder,
    format_time,
    holder_record,
    lease_expired,
    parse_time,
)

RECORD = {"id": "L1", "who": "ci", "host": "runner", "pid": 7, "operation": "apply",
          "created": "2026-01-31T12:00:00Z", "expires": "2026-01-31T12:01:00Z"}


@pytest.mark.parametrize(
    ("primary", "record", "expired", "gone", "decision"),
    [
        pytest.param(False, RECORD, False, False, Decision(LOCKED, HELD), id="primary-held-elsewhere"),
        pytest.param(False, RECORD, True, True, Decision(LOCKED, HELD), id="primary-held-even-if-expired"),
        pytest.param(False, None, False, False, Decision(LOCKED, HELD), id="primary-held-record-not-written"),
        pytest.param(True, None, False, False, Decision(FREE), id="no-record"),
        pytest.param(True, {}, True, False, Decision(FREE), id="cleared-record"),
        pytest.param(True, RECORD, False, True, Decision(TAKE_OVER, GONE), id="holder-dead"),
        pytest.param(True, RECORD, True, True, Decision(TAKE_OVER, GONE), id="holder-dead-and-expired"),
        pytest.param(True, RECORD, True, False, Decision(TAKE_OVER, EXPIRED), id="alive-but-expired"),
        pytest.param(True, RECORD, False, False, Decision(LOCKED, LEASED), id="alive-lease-valid"),
    ],
)
def test_the_takeover_rule(primary, record, expired, gone, decision) -> None:
    assert decide(primary=primary, record=record, expired=expired, holder_gone=gone) == decision


NOON = parse_time("2026-01-31T12:00:00Z")


@pytest.mark.parametrize(
    ("record", "now", "expired"),
    [
        pytest.param(RECORD, NOON, False, id="before"),
        pytest.param(RECORD, NOON + 59, False, id="just-before"),
        pytest.param(RECORD, NOON + 60, True, id="at-expiry"),
        pytest.param({"id": "L1"}, NOON, True, id="no-expires-legacy-record"),
        pytest.param({**RECORD, "expires": "soon"}, NOON, True, id="unreadable-expires"),
    ],
)
def test_lease_expiry(record, now, expired: bool) -> None:
    assert lease_expired(record, now) is expired


def test_times_round_trip_in_whole_utc_seconds() -> None:
    assert format_time(NOON + 0.9) == "2026-01-31T12:00:00Z"
    assert parse_time(format_time(NOON)) == NOON
    assert parse_time(None) is None


@pytest.mark.parametrize(
    ("duration", "renew_every"),
    [pytest.param(0, 0, id="no-duration"), pytest.param(10, 10, id="renewed-too-rarely"),
     pytest.param(10, -1, id="negative-interval")],
)
def test_a_lease_must_be_renewed_within_its_duration(duration: float, renew_every: float) -> None:
    with pytest.raises(ValueError):
        Lease(duration=duration, renew_every=renew_every)


def test_the_holder_record() -> None:
    env = {"CI_JOB_URL": "https://gitlab.example/acme/-/jobs/7", "CI_COMMIT_SHA": "feedface" * 5}
    record = holder_record("apply", env, now=NOON, lease=Lease(duration=90))
    assert (record["created"], record["expires"]) == ("2026-01-31T12:00:00Z", "2026-01-31T12:01:30Z")
    assert (record["pid"], record["host"]) == (os.getpid(), socket.gethostname())
    assert describe_holder(record).endswith(
        f"lock id {record['id']}), CI run https://gitlab.example/acme/-/jobs/7, commit feedfacefeed")
    assert "expires" not in holder_record("apply", {}, now=NOON)


# -- the file backend's own lease cases --------------------------------------------------------


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "state" / "default.json"


def _plant(path: Path, **record) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.with_name(path.name + ".lock").write_text(json.dumps({**RECORD, **record}))


def test_a_live_holder_on_this_host_that_flock_misses_is_respected_until_expiry(path: Path) -> None:
    """flock that excludes nothing (some FUSE filesystems): the lease still does."""
    now = time.time()
    _plant(path, host=socket.gethostname(), pid=os.getpid(), expires=format_time(now + 60))
    with pytest.raises(StateLockedError, match="its lease runs until"):
        FileStateStore(path).lock("apply")
    later = FileStateStore(path, now=lambda: now + 61)
    with later.lock("apply") as lock:
        assert lock.id != "L1"
    assert "its lease expired at" in later.warnings[0]


def test_the_file_heartbeat_renews_on_the_injected_clock(path: Path) -> None:
    clock = {"now": NOON}
    store = FileStateStore(path, lease=Lease(duration=60, renew_every=0.005), now=lambda: clock["now"])
    with store.lock("apply") as lock:
        assert lock.info["expires"] == "2026-01-31T12:01:00Z"
        clock["now"] = NOON + 45
        renewed = "2026-01-31T12:01:45Z"
        deadline = time.monotonic() + 10
        while (json.loads(store.lock_path.read_text())["expires"], lock.info["expires"]) != (renewed,) * 2:
            assert time.monotonic() < deadline, "the heartbeat did not renew the lease"
            time.sleep(0.005)
        assert json.loads(store.lock_path.read_text())["created"] == "2026-01-31T12:00:00Z"
    assert store.lock_path.read_bytes() == b""


def test_a_lock_taken_over_under_a_live_holder_fences_it(path: Path) -> None:
    """Two holders where flock excluded nothing: the first learns it lost the lock."""
    first = FileStateStore(path, lease=Lease(duration=60, renew_every=0))
    lock = first.lock("apply")
    try:
        record = json.loads(first.lock_path.read_text())
        with open(first.lock_path, "r+") as fh:  # what a takeover from another host writes
            fh.write(json.dumps({**record, "id": "other-host-lock", "host": "elsewhere"}))
            fh.truncate()
        assert lock.renew() is False
        assert lock.lost.startswith("it was taken over by ") and "lock id other-host-lock" in lock.lost
        with pytest.raises(StateLockedError, match="lost the lock"):
            first.write(first.read())
    finally:
        lock.release()
    assert json.loads(first.lock_path.read_text())["id"] == "other-host-lock"  # left alone
