"""A killed apply during DataRobot's async create (SIGKILL while the status job is pending), then
re-runs: the deployment the dead process created is found by its label and adopted, never created
a second time."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import httpx
import pytest

from tests.conftest import ROOT, TOKEN

CHURN = "Churn scoring (prod)"
HOUSE = "House price estimates (prod)"


def _deployments(proj) -> list[dict]:
    client = httpx.Client(transport=proj.sandbox.transport(), base_url="http://sandbox/datarobot/api/v2",
                          headers={"Authorization": f"Bearer {TOKEN}"})
    return client.get("/deployments/", params={"limit": 100}).json()["data"]


def _labels(proj) -> list[str]:
    return sorted(d["label"] for d in _deployments(proj))


def _kill_while_pending(proj, extra_env: dict[str, str] | None = None) -> None:
    """Start ``apply`` in a subprocess with DataRobot's jobs held pending; SIGKILL it once a
    deployment exists (status launching) and the process is polling its status job."""
    emulator = proj.sandbox.emulators["datarobot"]
    emulator.job_outcome = "pending"
    env = {**os.environ, **proj.env(), **(extra_env or {})}
    proc = subprocess.Popen([sys.executable, "-m", "reconciler", "apply", "--auto-approve", "--parallelism", "1"],
                            env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            if any(d["status"] == "launching" for d in _deployments(proj)):  # created with its job
                break
            time.sleep(0.02)
        assert proc.poll() is None, "apply ended before it could be killed mid-wait"
        time.sleep(0.1)  # let it poll the pending job at least once
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        deadline = time.monotonic() + 10
        while proj.sandbox.in_flight and time.monotonic() < deadline:
            time.sleep(0.005)
    finally:
        if proc.poll() is None:
            proc.kill()


@pytest.fixture
def proj(make_project):
    project = make_project("datarobot")
    yield project
    project.sandbox.emulators["datarobot"].job_outcome = "finish"


def test_sigkill_during_the_async_create_then_rerun_adopts_instead_of_duplicating(proj):
    _kill_while_pending(proj)
    created = _deployments(proj)
    assert [d["status"] for d in created] == ["launching"], created
    killed_id = created[0]["id"]

    proj.sandbox.emulators["datarobot"].job_outcome = "finish"  # DataRobot finishes on its own
    rerun = proj.cli("apply", "--auto-approve")
    assert rerun.code == 0, rerun.text
    assert "interrupted" in rerun.out or "adopt" in rerun.out
    assert _labels(proj) == [CHURN, HOUSE]
    assert killed_id in {d["id"] for d in _deployments(proj)}
    state = json.loads(proj.state_file.read_text())
    assert {r["id"] for r in state["resources"] if r["type"] == "datarobot_deployment"} >= {killed_id}
    assert len(state["resources"]) == 3
    assert proj.cli("plan", "--detailed-exitcode").code == 0


def test_rerun_while_datarobot_is_still_deploying_waits_then_fails_without_duplicating(proj):
    _kill_while_pending(proj)
    (killed_id,) = [d["id"] for d in _deployments(proj)]

    # still pending: the rerun adopts the launching deployment and waits for it, up to the timeout
    proj.monkeypatch.setenv("DATAROBOT_ASYNC_TIMEOUT", "0.3")
    stuck = proj.cli("apply", "--auto-approve")
    assert stuck.code == 1
    assert "launching" in stuck.text and "may still finish" in stuck.text and "Traceback" not in stuck.text
    assert [d["id"] for d in _deployments(proj) if d["label"] == CHURN] == [killed_id]

    proj.sandbox.emulators["datarobot"].job_outcome = "finish"
    proj.monkeypatch.delenv("DATAROBOT_ASYNC_TIMEOUT")
    assert proj.cli("apply", "--auto-approve").code == 0
    assert _labels(proj) == [CHURN, HOUSE]
    assert [d["id"] for d in _deployments(proj) if d["label"] == CHURN] == [killed_id]
    assert proj.cli("plan", "--detailed-exitcode").code == 0
