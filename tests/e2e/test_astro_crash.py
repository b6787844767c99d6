"""Astro crash safety: SIGKILL mid-apply, then re-run: nothing duplicated, code deployed once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest


def _journal_lines(project) -> int:
    path = project.state_file.with_name(project.state_file.name + ".journal")
    return sum(1 for line in path.read_text().splitlines() if line.strip()) if path.exists() else 0


@pytest.mark.parametrize("kill_after", [1, 2, 4, 5], ids=lambda n: f"after-{n}-journal-entries")
def test_sigkill_mid_apply_then_rerun_converges_without_duplicates(make_project, kill_after):
    project = make_project("astro")
    project.sandbox.latency_ms = 30
    proc = subprocess.Popen([sys.executable, "-m", "reconciler", "apply", "--auto-approve", "--parallelism", "1"],
                            env={**os.environ, **project.env()}, cwd=project.root,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while _journal_lines(project) < kill_after and proc.poll() is None and time.monotonic() < deadline:
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

    project.monkeypatch.chdir(project.root)
    rerun = project.cli("apply", "--auto-approve")
    assert rerun.code == 0, rerun.text
    assert project.cli("plan", "--detailed-exitcode").code == 0
    world = project.sandbox.emulators["astro"].world._s
    assert [w["name"] for w in world["workspaces"].values()].count("Data Platform Airflow") == 1
    assert [d["name"] for d in world["deployments"].values()].count("etl-prod") == 1
    dep = next(d["id"] for d in world["deployments"].values() if d["name"] == "etl-prod")
    ours = [d for d in world["deploys"].values() if d["deploymentId"] == dep and d["status"] == "DEPLOYED"]
    assert len(ours) == 1
