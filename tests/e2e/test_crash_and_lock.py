"""Crash safety (SIGKILL mid-apply, then re-run) and the write lock, through the real CLI."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from reconciler.state import open_store
from tests.conftest import ROOT


def _journal_lines(project) -> int:
    path = project.state_file.with_name(project.state_file.name + ".journal")
    if not path.exists():
        return 0
    return sum(1 for line in path.read_text().splitlines() if line.strip())


def _world(project) -> dict:
    client = project.dss()
    keys = client.list_project_keys()
    root = client.get_root_project_folder()
    folders = [f.get_name() for f in root.list_child_folders()]
    datasets = {k: sorted(d["name"] for d in client.get_project(k).list_datasets()) for k in keys}
    return {"keys": sorted(keys), "folders": sorted(folders), "datasets": datasets}


@pytest.mark.parametrize("kill_after", [1, 3, 6, 9], ids=lambda n: f"after-{n}-journal-entries")
def test_sigkill_mid_apply_then_rerun_converges_without_duplicates(project, kill_after):
    project.sandbox.latency_ms = 40
    env = {**os.environ, **project.env()}
    proc = subprocess.Popen(
        [sys.executable, "-m", "reconciler", "apply", "--auto-approve", "--parallelism", "1"],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while _journal_lines(project) < kill_after and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.005)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        # a request the dead process sent may still be landing on the server: let it land
        deadline = time.monotonic() + 10
        while project.sandbox.in_flight and time.monotonic() < deadline:
            time.sleep(0.005)
    finally:
        project.sandbox.latency_ms = 0
        if proc.poll() is None:
            proc.kill()

    rerun = project.cli("apply", "--auto-approve")
    assert rerun.code == 0, rerun.text
    world = _world(project)
    assert world["folders"].count("Analytics") == 1
    assert world["keys"].count("SALES") == 1 and world["keys"].count("MARKETING") == 1
    assert world["datasets"]["SALES"] == ["customers", "orders"]
    assert world["datasets"]["MARKETING"] == ["campaign_events"]
    state = json.loads(project.state_file.read_text())
    assert len(state["resources"]) == 6
    assert project.cli("plan", "--detailed-exitcode").code == 0


def test_second_apply_fails_fast_naming_the_lock_holder(project):
    store = open_store(str(project.state_file))
    with store.lock("apply"):
        started = time.monotonic()
        result = project.cli("apply", "--auto-approve")
        assert time.monotonic() - started < 5
    assert result.code == 1
    assert "locked" in result.err
    assert str(os.getpid()) in result.err
    assert "apply" in result.err


def test_plan_and_drift_do_not_take_the_lock(project):
    assert project.cli("apply", "--auto-approve").code == 0
    store = open_store(str(project.state_file))
    with store.lock("apply"):
        assert project.cli("plan", "--detailed-exitcode").code == 0
        assert project.cli("drift").code == 0


def test_force_unlock(project):
    store = open_store(str(project.state_file))
    with store.lock("apply"):
        info = store.lock_info()
        wrong = project.cli("force-unlock", "not-the-id")
        assert wrong.code == 1
        ok = project.cli("force-unlock", info["id"])
        assert ok.code == 0, ok.text
        assert project.cli("apply", "--auto-approve").code == 0
