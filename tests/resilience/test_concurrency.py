"""Item 4, concurrency (CI size): two applies started together on one state, file and
PostgreSQL; a killed holder's lock is taken over. See ``concurrency.py`` for 20 trials of each."""

from __future__ import annotations

import json
import os
import socket
import threading

import pytest

from tests.resilience import concurrency
from tests.resilience.world import World


@pytest.fixture(scope="module")
def pg_prefix():
    """A PostgreSQL state URL prefix in a schema of its own (skip without a server; fail under CI=true)."""
    server, why = concurrency.postgres_server()
    if server is None:
        message = f"no PostgreSQL server for the concurrency trials ({why})"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message}; CI=true requires one (set RECONCILER_TEST_POSTGRES_URL)")
        pytest.skip(message)
    with concurrency.postgres_schema(server) as prefix:
        yield prefix


@pytest.mark.parametrize(("backend", "kind"), [
    pytest.param("file", "race", id="file-race"),
    pytest.param("file", "wait", id="file-lock-timeout"),
    pytest.param("file", "kill", id="file-killed-holder"),
    pytest.param("postgresql", "race", id="postgresql-race"),
    pytest.param("postgresql", "kill", id="postgresql-killed-holder"),
])
def test_one_state_two_applies(request, tmp_path, backend, kind):
    state = None
    if backend == "postgresql":
        state = f"{request.getfixturevalue('pg_prefix')}&name=rsl-{kind}"
    with World(tmp_path, latency_ms=concurrency.LATENCY_MS, state=state) as world:
        estate = world.write_estate(concurrency.SIZE, secrets=False)
        trial = concurrency.trial(world, backend, kind, 1, estate.resources)
    assert trial.failures(name_holder=False) == []


def test_a_loser_names_the_holder_even_in_the_moment_before_its_record_is_written(tmp_path):
    import fcntl

    with World(tmp_path) as world:
        world.write_estate(concurrency.SIZE, secrets=False)
        lock_file = tmp_path / "state" / "default.json.lock"
        fd = os.open(lock_file, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # a holder that is just writing its record
            timer = threading.Timer(0.3, lambda: os.pwrite(fd, json.dumps(
                {"id": "L1", "pid": os.getpid(), "host": socket.gethostname(), "who": "ci", "operation": "apply",
                 "created": "2026-01-01T00:00:00Z", "expires": "2999-01-01T00:00:00Z"}).encode(), 0))
            timer.start()
            run = world.cli("apply", "--auto-approve")
            timer.join()
        finally:
            os.close(fd)
    assert run.code == 1
    assert f"pid {os.getpid()}" in run.err, run.err
