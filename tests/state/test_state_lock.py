"""The write lock: holder record, fast failure naming the holder, waiting, no stale locks."""

from __future__ import annotations

import json
import os
import select
import signal
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from reconciler.errors import StateError, StateLockedError
from reconciler.state import FileStateStore
from reconciler.state.lock import POLL_INTERVAL, ci_run_url

GITHUB = {"GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "acme/data",
          "GITHUB_RUN_ID": "42"}


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "state" / "default.json"


class FakeTime:
    """An injectable clock whose sleep advances it (and can run a callback at each poll)."""

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


def test_lock_writes_a_holder_record_and_release_clears_it(path: Path) -> None:
    store = FileStateStore(path, env={})
    assert store.lock_info() is None
    with store.lock("apply") as lock:
        info = store.lock_info()
        assert info == lock.info
        assert set(info) == {"id", "operation", "who", "host", "pid", "created", "expires", "version"}
        assert info["operation"] == "apply" and info["pid"] == os.getpid()
        assert info["id"] == lock.id and lock.held
        assert stat.S_IMODE(store.lock_path.stat().st_mode) == 0o600
    assert not lock.held
    assert store.lock_info() is None
    assert store.lock_path.read_bytes() == b""
    lock.release()  # idempotent


def test_a_second_lock_fails_fast_naming_the_holder(path: Path) -> None:
    holder = FileStateStore(path, env=GITHUB)
    other = FileStateStore(path, sleep=lambda s: pytest.fail("timeout 0 must not wait"))
    with holder.lock("apply") as lock:
        with pytest.raises(StateLockedError) as info:
            other.lock("destroy")
    error = info.value
    record = lock.info
    assert error.holder == record
    message = str(error)
    assert message.startswith(
        f"state {path} is locked by {record['who']}@{record['host']} (pid {os.getpid()}, apply, "
        f"since {record['created']}; lock id {record['id']}), CI run "
        "https://github.com/acme/data/actions/runs/42")
    assert "--lock-timeout" in message
    assert f"reconciler force-unlock {record['id']}" in message


def test_the_same_store_cannot_lock_twice(path: Path) -> None:
    store = FileStateStore(path)
    with store.lock("apply"):
        with pytest.raises(StateLockedError, match="apply"):
            store.lock("apply")
    with store.lock("import"):
        pass


def test_timeout_polls_until_the_deadline_then_fails(path: Path) -> None:
    fake = FakeTime()
    waiter = FileStateStore(path, sleep=fake.sleep, clock=fake.clock)
    with FileStateStore(path).lock("apply"):
        with pytest.raises(StateLockedError, match=r"\(waited 1s\)"):
            waiter.lock("apply", timeout=1.0)
    assert sum(fake.sleeps) == pytest.approx(1.0)
    assert max(fake.sleeps) <= POLL_INTERVAL
    assert len(fake.sleeps) == pytest.approx(1.0 / POLL_INTERVAL, abs=1)


def test_timeout_acquires_once_the_holder_releases(path: Path) -> None:
    held = FileStateStore(path).lock("apply")
    fake = FakeTime(on_sleep=lambda n: held.release() if n == 3 else None)
    waiter = FileStateStore(path, sleep=fake.sleep, clock=fake.clock)
    with waiter.lock("apply", timeout=60) as lock:
        assert waiter.lock_info()["id"] == lock.id
    assert len(fake.sleeps) == 3


CHILD = textwrap.dedent("""
    import sys, time
    from reconciler.state import FileStateStore
    lock = FileStateStore(sys.argv[1]).lock("apply")
    print(lock.id, flush=True)
    time.sleep(60)
""")


def test_a_killed_holder_never_leaves_a_stuck_lock(path: Path) -> None:
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(path)], stdout=subprocess.PIPE,
                             text=True, cwd=Path(__file__).resolve().parents[2])
    try:
        ready, _, _ = select.select([child.stdout], [], [], 20)
        assert ready, "the child did not take the lock in time"
        lock_id = child.stdout.readline().strip()
        store = FileStateStore(path)
        info = store.lock_info()
        assert info is not None and (info["id"], info["pid"]) == (lock_id, child.pid)
        with pytest.raises(StateLockedError, match=f"pid {child.pid}, apply"):
            store.lock("apply")
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=20)
        child.stdout.close()

    assert lock_id in store.lock_path.read_text()  # the dead holder's record is still there...
    assert store.lock_info() is None  # ...but nobody holds the lock
    with store.lock("apply") as lock:  # immediately, with no timeout and no force-unlock
        assert store.lock_info()["id"] == lock.id != lock_id


def test_force_unlock_needs_the_right_id(path: Path) -> None:
    store = FileStateStore(path)
    lock = store.lock("apply")
    try:
        with pytest.raises(StateError) as info:
            store.force_unlock("not-the-id")
        assert f"lock id not-the-id does not match the lock on state {path}" in str(info.value)
        assert f"reconciler force-unlock {lock.id}" in str(info.value)
        assert store.lock_info()["id"] == lock.id

        store.force_unlock(lock.id)
        assert not store.lock_path.exists()
        with FileStateStore(path).lock("apply") as second:  # a fresh lock file
            assert store.lock_info()["id"] == second.id
    finally:
        lock.release()
    assert store.lock_info() is None


def test_force_unlock_of_a_free_state_says_so(path: Path) -> None:
    store = FileStateStore(path)
    with pytest.raises(StateError, match="is not locked"):
        store.force_unlock("abc")
    with store.lock("apply"):
        pass
    with pytest.raises(StateError, match="is not locked"):
        store.force_unlock("abc")


def test_release_after_force_unlock_leaves_the_new_holder_alone(path: Path) -> None:
    store = FileStateStore(path)
    first = store.lock("apply")
    store.force_unlock(first.id)
    with store.lock("import") as second:
        first.release()
        assert store.lock_info() == second.info


@pytest.mark.parametrize(
    ("env", "url"),
    [
        pytest.param({}, None, id="not-ci"),
        pytest.param(GITHUB, "https://github.com/acme/data/actions/runs/42", id="github"),
        pytest.param({**GITHUB, "GITHUB_SERVER_URL": "https://ghe.acme.io/"},
                     "https://ghe.acme.io/acme/data/actions/runs/42", id="github-enterprise"),
        pytest.param({"GITHUB_REPOSITORY": "acme/data"}, None, id="github-partial"),
        pytest.param({"CI_JOB_URL": "https://gitlab.com/acme/data/-/jobs/7"},
                     "https://gitlab.com/acme/data/-/jobs/7", id="gitlab"),
        pytest.param({"CI_JOB_URL": ""}, None, id="gitlab-empty"),
    ],
)
def test_ci_run_url(env: dict, url: str | None) -> None:
    assert ci_run_url(env) == url


def test_the_holder_record_carries_the_ci_run_url(path: Path) -> None:
    store = FileStateStore(path, env={"CI_JOB_URL": "https://gitlab.com/acme/data/-/jobs/7"})
    with store.lock("apply"):
        assert store.lock_info()["ci_run_url"] == "https://gitlab.com/acme/data/-/jobs/7"


def test_a_longer_record_left_by_a_killed_holder_is_fully_replaced(path: Path) -> None:
    path.parent.mkdir(parents=True)
    stale = {"id": "dead", "operation": "apply", "who": "ci", "host": "runner", "pid": 1,
             "created": "2020-01-01T00:00:00Z", "ci_run_url": "https://ci.example/" + "x" * 500}
    path.with_name("default.json.lock").write_text(json.dumps(stale))
    store = FileStateStore(path, env={})
    assert store.lock_info() is None  # nobody holds the flock: the record is stale
    with store.lock("apply") as lock:
        assert store.lock_info() == lock.info
