"""The real CLI over the PostgreSQL backend against the sandbox: apply, plan, state commands, and an
apply SIGKILLed mid-way that the next run finishes without duplicates."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from reconciler.state.postgres import PostgresStateStore
from tests.conftest import ROOT


@pytest.fixture
def team(project, pg, monkeypatch):
    """The Dataiku example project with its state in PostgreSQL."""
    monkeypatch.setenv("RECONCILER_STATE", pg.location)
    return project, pg


def test_apply_plan_and_state_commands_over_postgresql(team) -> None:
    project, pg = team
    applied = project.cli("apply", "--auto-approve")
    assert applied.code == 0, applied.text
    assert project.cli("plan", "--detailed-exitcode").code == 0
    assert not project.state_file.exists()  # nothing went to the local file
    listed = project.cli("state", "list").out.split()
    name = PostgresStateStore(pg.location).name
    rows = pg.sql("SELECT address FROM {s}.reconciler_resources WHERE state_name = %s ORDER BY address",
                  (name,))
    assert sorted(listed) == [r[0] for r in rows] and len(rows) == 6
    assert project.cli("state", "rm", listed[0]).code == 0
    assert pg.sql("SELECT count(*) FROM {s}.reconciler_resources WHERE state_name = %s", (name,)) == [(5,)]
    assert pg.sql("SELECT count(*) FROM {s}.reconciler_locks WHERE state_name = %s", (name,)) == [(0,)]


def _journal_rows(pg, name: str) -> int:
    if pg.sql("SELECT to_regclass('{s}.reconciler_journal')")[0][0] is None:
        return 0
    return pg.sql("SELECT count(*) FROM {s}.reconciler_journal WHERE state_name = %s", (name,))[0][0]


def test_a_sigkilled_apply_is_finished_by_the_next_one_without_duplicates(team) -> None:
    project, pg = team
    name = PostgresStateStore(pg.location).name
    project.sandbox.latency_ms = 40
    proc = subprocess.Popen(
        [sys.executable, "-m", "reconciler", "apply", "--auto-approve", "--parallelism", "1"],
        env={**os.environ, **project.env(), "RECONCILER_STATE": pg.location}, cwd=ROOT,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while _journal_rows(pg, name) < 3 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.005)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        deadline = time.monotonic() + 10
        while project.sandbox.in_flight and time.monotonic() < deadline:
            time.sleep(0.005)
    finally:
        project.sandbox.latency_ms = 0
        if proc.poll() is None:
            proc.kill()

    rerun = project.cli("--lock-timeout", "20", "apply", "--auto-approve")
    assert rerun.code == 0, rerun.text
    client = project.dss()
    keys = client.list_project_keys()
    assert keys.count("SALES") == 1 and keys.count("MARKETING") == 1
    assert sorted(d["name"] for d in client.get_project("SALES").list_datasets()) == ["customers", "orders"]
    assert project.cli("plan", "--detailed-exitcode").code == 0
    assert pg.sql("SELECT count(*) FROM {s}.reconciler_resources WHERE state_name = %s", (name,)) == [(6,)]
