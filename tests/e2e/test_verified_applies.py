"""Verified applies end to end through the CLI: a platform that answers an update with success
but silently keeps one field as it was (the Astro emulator's Workspace update made to drop the
description) fails that apply, naming the field with the expected and the actual value; the state
records what the platform holds, so drift stays quiet and the next plan shows the change again.
(DataRobot's model replacement that "succeeds" without replacing: ``test_datarobot_cli.py``.)"""

from __future__ import annotations

import json

import pytest

OLD = "Airflow for the data-platform team (managed by reconciler)"
NEW = "Airflow for the data-platform team (verified)"


@pytest.fixture
def astro(make_project):
    proj = make_project("astro")
    proj.monkeypatch.chdir(proj.root)
    return proj


def _drop_description(proj):
    """Make the emulator keep every Workspace's description on update; returns the undo."""
    world = proj.sandbox.emulators["astro"].world
    update = world.update_workspace

    def keeps_the_description(org, workspace_id, body):
        current = world._workspace(org, workspace_id)
        return update(org, workspace_id, {**body, "description": current.get("description")})

    proj.monkeypatch.setattr(world, "update_workspace", keeps_the_description)  # undone after the test
    return lambda: proj.monkeypatch.setattr(world, "update_workspace", update)


def test_an_update_the_platform_silently_drops_fails_and_stays_planned(astro):
    assert astro.cli("apply", "--auto-approve").code == 0
    astro.edit_spec("workspaces.yaml", f"description: {OLD}", f"description: {NEW}")
    behave = _drop_description(astro)

    failed = astro.cli("apply", "--auto-approve")
    assert failed.code == 1, failed.text
    assert (f"astro_workspace.data_platform: FAILED: the platform accepted the change but does not hold it: "
            f"description: expected {NEW!r}, got {OLD!r}") in failed.text
    assert "Traceback" not in failed.text
    state = json.loads(astro.state_file.read_text())
    workspace = next(r for r in state["resources"] if r["address"] == "astro_workspace.data_platform")
    assert workspace["attrs"]["description"] == OLD  # what the platform holds

    assert astro.cli("drift", "--detailed-exitcode").code == 0
    plan = astro.cli("plan", "--detailed-exitcode")
    assert plan.code == 2 and "astro_workspace.data_platform will be updated in-place" in plan.out

    behave()
    assert astro.cli("apply", "--auto-approve").code == 0
    assert astro.cli("plan", "--detailed-exitcode").code == 0
