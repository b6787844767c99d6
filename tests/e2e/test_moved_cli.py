"""``moved:`` and ``import:`` entries end to end: the CLI against the sandbox.

Two blocks become a for_each with moved entries: the plan shows two moves and no create or
delete, the apply rewrites the state (dependencies too) without a single platform write, and the
next plan is empty. Imports in the specs adopt like ``reconciler import``; bad entries stop
before any request.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from tests.conftest import ROOT

TWO_BLOCKS = """
resources:
  dataiku_project.alpha:
    key: TEAM_ALPHA
    name: Team alpha
  dataiku_project.beta:
    key: TEAM_BETA
    name: Team beta
  dataiku_dataset.alpha_events:
    project: ${dataiku_project.alpha.key}
    name: events
    type: Filesystem
    params: {connection: filesystem_managed, path: /alpha/events}
"""

FOR_EACH = """
resources:
  dataiku_project.team:
    for_each: {alpha: TEAM_ALPHA, beta: TEAM_BETA}
    key: ${each.value}
    name: Team ${each.key}%s
  dataiku_dataset.alpha_events:
    project: '${dataiku_project.team["alpha"].key}'
    name: events
    type: Filesystem
    params: {connection: filesystem_managed, path: /alpha/events}
moved:
  - from: dataiku_project.alpha
    to: dataiku_project.team["alpha"]
  - {from: dataiku_project.beta, to: 'dataiku_project.team["beta"]'}
"""


def _requests(project) -> tuple[int, int]:
    counts = project.sandbox.counts.values()
    return sum(c["requests"] for c in counts), sum(c["writes"] for c in counts)


def _teams(project) -> None:
    for name in ("projects.yaml", "datasets.yaml"):
        project.spec_path(name).unlink()
    (project.specs / "teams.yaml").write_text(TWO_BLOCKS)
    applied = project.cli("apply", "--auto-approve")
    assert applied.code == 0, applied.text


def test_two_blocks_become_a_for_each_without_touching_the_platform(project):
    _teams(project)
    (project.specs / "teams.yaml").write_text(FOR_EACH % "")

    plan = project.cli("plan", "--format", "json", "--detailed-exitcode")
    assert plan.code == 2, plan.text
    doc = json.loads(plan.out)
    changes = {c["address"]: c for c in doc["resource_changes"]}
    assert changes['dataiku_project.team["alpha"]']["previous_address"] == "dataiku_project.alpha"
    assert changes['dataiku_project.team["beta"]']["previous_address"] == "dataiku_project.beta"
    assert {a: c["actions"] for a, c in changes.items()} == {
        'dataiku_project.team["alpha"]': ["no-op"], 'dataiku_project.team["beta"]': ["no-op"],
        "dataiku_dataset.alpha_events": ["no-op"]}
    assert doc["summary"]["move"] == 2 and doc["summary"]["add"] == doc["summary"]["destroy"] == 0

    text = project.cli("plan")
    assert '# dataiku_project.team["alpha"] has moved from dataiku_project.alpha' in text.out
    assert "Plan: 0 to add, 0 to change, 0 to destroy, 2 to move." in text.out
    markdown = project.cli("plan", "--format", "markdown")
    assert "has moved from `dataiku_project.alpha`" in markdown.out and "| move (state only) | 2 |" in markdown.out

    before = _requests(project)
    applied = project.cli("apply", "--auto-approve")
    assert applied.code == 0, applied.text
    assert "2 moved" in applied.out
    assert _requests(project)[1] == before[1], "a move alone wrote to the platform"

    state = json.loads(project.state_file.read_text())
    by_address = {r["address"]: r for r in state["resources"]}
    assert 'dataiku_project.team["alpha"]' in by_address and "dataiku_project.alpha" not in by_address
    assert by_address["dataiku_dataset.alpha_events"]["dependencies"] == ['dataiku_project.team["alpha"]']
    assert project.cli("plan", "--detailed-exitcode").code == 0
    # the entries may stay: their from is no longer in the state, so they are no-ops
    assert project.cli("apply", "--auto-approve").code == 0


def test_a_moved_object_with_changes_shows_the_move_and_the_update(project):
    _teams(project)
    (project.specs / "teams.yaml").write_text(FOR_EACH % "\n    description: owned by ${each.key}")
    plan = project.cli("plan")
    assert plan.code == 0, plan.text
    assert '# dataiku_project.team["beta"] will be updated in-place' in plan.out
    assert "# (moved from dataiku_project.beta)" in plan.out
    assert "0 to add, 2 to change, 0 to destroy, 2 to move" in plan.out
    applied = project.cli("apply", "--auto-approve")
    assert applied.code == 0, applied.text
    assert "2 changed" in applied.out and "2 moved" in applied.out
    assert project.dss().get_project("TEAM_BETA").get_metadata()["description"] == "owned by beta"
    assert project.cli("plan", "--detailed-exitcode").code == 0


def test_a_saved_plan_with_moves_applies_them(project):
    _teams(project)
    (project.specs / "teams.yaml").write_text(FOR_EACH % "")
    out = project.root / "moves.plan.json"
    assert project.cli("plan", "--out", str(out)).code == 0
    applied = project.cli("apply", str(out))
    assert applied.code == 0, applied.text
    assert project.cli("plan", "--detailed-exitcode").code == 0


def test_a_move_onto_an_address_the_state_holds_stops_before_any_request(project):
    _teams(project)
    (project.specs / "teams.yaml").write_text(TWO_BLOCKS.replace(
        "  dataiku_project.alpha:\n    key: TEAM_ALPHA\n    name: Team alpha\n", "")
        .replace("${dataiku_project.alpha.key}", "TEAM_ALPHA")
        + "moved:\n  - {from: dataiku_project.alpha, to: dataiku_project.beta}\n")
    before = _requests(project)
    plan = project.cli("plan")
    assert plan.code == 1
    assert "teams.yaml:12: moved to dataiku_project.beta, but the state already manages dataiku_project.beta" \
        in plan.err
    assert "Traceback" not in plan.err
    assert _requests(project) == before


IMPORTS = """
variables:
  team: ALPHA
resources:
  dataiku_project.alpha:
    key: TEAM_ALPHA
    name: Team alpha
import:
  - to: dataiku_project.alpha
    id: TEAM_${var.team}
"""


def test_an_import_entry_adopts_like_reconciler_import(project):
    for name in ("projects.yaml", "datasets.yaml"):
        project.spec_path(name).unlink()
    project.dss().create_project("TEAM_ALPHA", "Team alpha", "admin")
    (project.specs / "teams.yaml").write_text(IMPORTS.replace("key: TEAM_ALPHA", "key: ${var.team}"))
    plan = project.cli("plan", "--format", "json")
    assert plan.code == 0, plan.text
    change = json.loads(plan.out)["resource_changes"][0]
    assert change["importing"] is True and change["id"] == "TEAM_ALPHA"
    assert change["action"] == "replace"  # the key differs: an adopted object is still planned honestly

    (project.specs / "teams.yaml").write_text(IMPORTS)
    text = project.cli("plan")
    assert "# dataiku_project.alpha will be adopted (imported): exists on the platform with id TEAM_ALPHA" in text.out
    assert "1 to import" in text.out
    assert "teams.yaml:9: adopting existing object TEAM_ALPHA; matches the specs)" in text.out
    before = _requests(project)
    applied = project.cli("apply", "--auto-approve")
    assert applied.code == 0, applied.text
    assert _requests(project)[1] == before[1]  # adopting what matches writes nothing
    assert project.cli("plan", "--detailed-exitcode").code == 0  # the entry is now a no-op

    (project.specs / "teams.yaml").write_text(IMPORTS.replace("team: ALPHA", "team: OTHER"))
    other = project.cli("plan")
    assert other.code == 1
    assert "teams.yaml:9: import to dataiku_project.alpha with id 'TEAM_OTHER', but the state already manages" \
        in other.err


def test_an_import_of_an_id_that_does_not_exist_names_the_entry(project):
    for name in ("projects.yaml", "datasets.yaml"):
        project.spec_path(name).unlink()
    (project.specs / "teams.yaml").write_text(IMPORTS)
    plan = project.cli("plan")
    assert plan.code == 1
    assert "teams.yaml:9: import to dataiku_project.alpha: no dataiku_project with id 'TEAM_ALPHA' exists" in plan.err
    assert "Traceback" not in plan.err


def test_an_import_to_an_undeclared_address_stops_before_any_request(project):
    before = _requests(project)
    (project.specs / "imports.yaml").write_text("import:\n  - {to: dataiku_project.nope, id: NOPE}\n")
    plan = project.cli("plan")
    assert plan.code == 1
    assert "imports.yaml:2: import[0]: import to dataiku_project.nope, which is not declared in the specs" in plan.err
    assert _requests(project) == before


def _journal_text(project) -> str:
    path = project.state_file.with_name(project.state_file.name + ".journal")
    return path.read_text() if path.exists() else ""


@pytest.mark.parametrize("moment", ["moves-recorded", "one-update-journaled"])
def test_sigkill_during_an_apply_with_moves_then_rerun_converges(project, moment):
    _teams(project)
    (project.specs / "teams.yaml").write_text(FOR_EACH % "\n    description: owned by ${each.key}")
    project.sandbox.latency_ms = 40
    env = {**os.environ, **project.env()}
    proc = subprocess.Popen([sys.executable, "-m", "reconciler", "apply", "--auto-approve", "--parallelism", "1"],
                            env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while proc.poll() is None and time.monotonic() < deadline:
            if moment == "moves-recorded" and 'team[\\"alpha\\"]' in project.state_file.read_text():
                break
            if moment == "one-update-journaled" and '"action":"update"' in _journal_text(project):
                break
            time.sleep(0.002)
        assert proc.poll() is None, "the apply ended before the moment to kill it"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        deadline = time.monotonic() + 10
        while project.sandbox.in_flight and time.monotonic() < deadline:
            time.sleep(0.005)
    finally:
        project.sandbox.latency_ms = 0
        if proc.poll() is None:
            proc.kill()

    rerun = project.cli("apply", "--auto-approve")
    assert rerun.code == 0, rerun.text
    state = json.loads(project.state_file.read_text())
    assert sorted(r["address"] for r in state["resources"]) == [
        "dataiku_dataset.alpha_events", 'dataiku_project.team["alpha"]', 'dataiku_project.team["beta"]']
    keys = project.dss().list_project_keys()
    assert keys.count("TEAM_ALPHA") == 1 and keys.count("TEAM_BETA") == 1
    assert project.dss().get_project("TEAM_ALPHA").get_metadata()["description"] == "owned by alpha"
    assert project.cli("plan", "--detailed-exitcode").code == 0


def test_an_import_of_an_object_another_address_manages_is_refused(project):
    _teams(project)
    (project.specs / "more.yaml").write_text(
        "resources:\n  dataiku_project.again:\n    key: OTHER\n    name: Team alpha\n"
        "import:\n  - {to: dataiku_project.again, id: TEAM_ALPHA}\n")
    plan = project.cli("plan")
    assert plan.code == 1
    assert "dataiku_project.again would import dataiku_project id TEAM_ALPHA, which dataiku_project.alpha " \
           "already manages" in plan.err


def test_the_graph_draws_moved_objects_at_their_new_addresses(project):
    _teams(project)
    (project.specs / "teams.yaml").write_text(FOR_EACH % "")
    graph = project.cli("graph")
    assert graph.code == 0, graph.text
    assert "team[" in graph.out
    assert "dataiku_project.alpha" not in graph.out.replace("dataiku_project.alpha_", "")


MODULE = """
variables:
  key: {type: string}
  title: {type: string}
resources:
  dataiku_project.p:
    key: ${var.key}
    name: ${var.title}
"""

INTO_A_MODULE = """
modules:
  team:
    source: ./modules/team
    for_each: {alpha: TEAM_ALPHA, beta: TEAM_BETA}
    key: ${each.value}
    title: Team ${each.key}
resources:
  dataiku_dataset.alpha_events:
    project: '${module.team["alpha"].project_key}'
    name: events
    type: Filesystem
    params: {connection: filesystem_managed, path: /alpha/events}
moved:
  - {from: dataiku_project.alpha, to: 'module.team["alpha"].dataiku_project.p'}
  - {from: dataiku_project.beta, to: 'module.team["beta"].dataiku_project.p'}
"""


def test_two_blocks_move_into_the_instances_of_a_module(project):
    _teams(project)
    (project.specs / "modules" / "team").mkdir(parents=True)
    (project.specs / "modules" / "team" / "main.yaml").write_text(
        MODULE + "outputs:\n  project_key:\n    value: ${dataiku_project.p.key}\n")
    (project.specs / "teams.yaml").write_text(INTO_A_MODULE)
    plan = project.cli("plan", "--format", "json")
    assert plan.code == 0, plan.text
    moved = {c["address"]: c.get("previous_address") for c in json.loads(plan.out)["resource_changes"]
             if c["actions"] == ["no-op"]}
    assert moved['module.team["alpha"].dataiku_project.p'] == "dataiku_project.alpha"
    assert moved['module.team["beta"].dataiku_project.p'] == "dataiku_project.beta"
    writes = _requests(project)[1]
    applied = project.cli("apply", "--auto-approve")
    assert applied.code == 0, applied.text
    assert _requests(project)[1] == writes
    state = {r["address"]: r for r in json.loads(project.state_file.read_text())["resources"]}
    assert state["dataiku_dataset.alpha_events"]["dependencies"] == ['module.team["alpha"].dataiku_project.p']
    assert project.cli("plan", "--detailed-exitcode").code == 0

    # the module block is renamed: one entry moves every instance, keys kept
    renamed = INTO_A_MODULE.replace("  team:\n", "  squad:\n").replace('module.team["alpha"].project_key',
                                                                        'module.squad["alpha"].project_key')
    (project.specs / "teams.yaml").write_text(renamed + "  - {from: module.team, to: module.squad}\n")
    plan = project.cli("plan")
    assert '# module.squad["beta"].dataiku_project.p has moved from module.team["beta"].dataiku_project.p' in plan.out
    assert "0 to add, 0 to change, 0 to destroy, 2 to move" in plan.out
    assert project.cli("apply", "--auto-approve").code == 0
    assert _requests(project)[1] == writes
    state = {r["address"]: r for r in json.loads(project.state_file.read_text())["resources"]}
    assert state["dataiku_dataset.alpha_events"]["dependencies"] == ['module.squad["alpha"].dataiku_project.p']
    assert project.cli("plan", "--detailed-exitcode").code == 0


def test_a_module_file_cannot_hold_moved_entries(project):
    (project.specs / "modules" / "team").mkdir(parents=True)
    (project.specs / "modules" / "team" / "main.yaml").write_text(
        MODULE + "moved:\n  - {from: dataiku_project.q, to: dataiku_project.p}\n")
    (project.specs / "teams.yaml").write_text("modules:\n  team:\n    source: ./modules/team\n    key: K\n    title: T\n")
    plan = project.cli("plan")
    assert plan.code == 1
    assert "main.yaml:9: a module cannot declare 'moved'" in plan.err


def test_a_move_onto_a_block_that_declares_another_object_stops_before_any_request(project):
    _teams(project)
    (project.specs / "teams.yaml").write_text((FOR_EACH % "").replace("{alpha: TEAM_ALPHA, beta: TEAM_BETA}",
                                                                       "{alpha: TEAM_A, beta: TEAM_BETA}"))
    before = _requests(project)
    plan = project.cli("plan")
    assert plan.code == 1
    assert ("teams.yaml:13: moved: dataiku_project.alpha (key 'TEAM_ALPHA') would move to "
            "dataiku_project.team[\"alpha\"], whose block declares another object (key 'TEAM_A')") in plan.err
    assert _requests(project) == before


def test_an_instance_moves_out_of_a_for_each(project):
    _teams(project)
    (project.specs / "teams.yaml").write_text(FOR_EACH % "")
    assert project.cli("apply", "--auto-approve").code == 0
    out = (FOR_EACH % "").replace("{alpha: TEAM_ALPHA, beta: TEAM_BETA}", "{alpha: TEAM_ALPHA}").split("moved:")[0]
    (project.specs / "teams.yaml").write_text(
        out + "  dataiku_project.beta:\n    key: TEAM_BETA\n    name: Team beta\n"
        "moved:\n  - {from: 'dataiku_project.team[\"beta\"]', to: dataiku_project.beta}\n")
    plan = project.cli("plan")
    assert plan.code == 0, plan.text
    assert '# dataiku_project.beta has moved from dataiku_project.team["beta"]' in plan.out
    assert "0 to add, 0 to change, 0 to destroy, 1 to move" in plan.out
    writes = _requests(project)[1]
    assert project.cli("apply", "--auto-approve").code == 0
    assert _requests(project)[1] == writes
    assert project.cli("plan", "--detailed-exitcode").code == 0
