"""Create-before-destroy replacements never orphan the old object (issue 19, item 2), end to end
through the CLI against the sandbox.

The old object of such a replacement is recorded as *deposed* in the new object's record as soon
as the create lands; it leaves the state only once its delete succeeded. So an apply that stops
between the two (the delete fails here; ``tests/resilience/crash.py`` kills the process) leaves it
in the state, the next plan shows its deletion, and the next apply deletes it. An apply killed
while the new object's create was in flight is recovered by natural key, leaving out every object
the state knows: the new object is adopted and the old one deleted, never a third created.
"""

from __future__ import annotations

import json

import pytest

from reconciler.sandbox.wire import SandboxResponse
from reconciler.state import JournalEntry, open_store

ENV = "datarobot_prediction_environment.serverless"
CBD = ("    supported_model_formats: [datarobot, customModel]\n",
       "    supported_model_formats: [datarobot, customModel]\n    lifecycle:\n      create_before_destroy: true\n")


def state_doc(proj) -> dict:
    return {r["address"]: r for r in json.loads(proj.state_file.read_text())["resources"]}


def environments(proj) -> dict:
    return proj.sandbox.emulators["datarobot"].world._s["environments"]


@pytest.fixture
def datarobot(make_project):
    proj = make_project("datarobot")
    assert proj.cli("apply", "--auto-approve").code == 0
    proj.edit_spec("deployments.yaml", *CBD)
    return proj


def refuse_environment_deletes(proj):
    """The platform answers 409 to every environment DELETE until the returned callable is called."""
    sandbox = proj.sandbox
    original = sandbox.handle

    def handle(request):
        if request.method == "DELETE" and "/predictionEnvironments/" in request.path:
            return SandboxResponse.json_body({"message": "environment is locked"}, 409)
        return original(request)

    proj.monkeypatch.setattr(sandbox, "handle", handle)
    return lambda: proj.monkeypatch.setattr(sandbox, "handle", original)


def test_a_failed_delete_of_the_old_object_keeps_it_deposed_until_the_next_apply(datarobot):
    old = state_doc(datarobot)[ENV]["id"]
    datarobot.edit_spec("deployments.yaml", "platform: datarobotServerless", "platform: datarobot")
    allow = refuse_environment_deletes(datarobot)
    failed = datarobot.cli("apply", "--auto-approve")
    assert failed.code == 1, failed.text
    record = state_doc(datarobot)[ENV]
    new = record["id"]
    assert new != old and record["deposed"] == [{"id": old, "attrs": record["deposed"][0]["attrs"]}]
    assert set(environments(datarobot)) == {old, new}

    allow()
    plan = datarobot.cli("plan", "--detailed-exitcode")
    assert plan.code == 2, plan.text
    assert f"{ENV} will destroy its deposed object" in plan.out
    assert f"- deposed id = \"{old}\"" in plan.out or f"- deposed id = {old}" in plan.out
    assert "Plan: 0 to add, 0 to change, 1 to destroy." in plan.out
    as_json = json.loads(datarobot.cli("plan", "--format", "json").out)
    assert {c["address"]: c.get("deposed") for c in as_json["resource_changes"]}[ENV] == [old]

    applied = datarobot.cli("apply", "--auto-approve")
    assert applied.code == 0, applied.text
    assert set(environments(datarobot)) == {new}
    assert "deposed" not in state_doc(datarobot)[ENV]
    assert datarobot.cli("plan", "--detailed-exitcode").code == 0


def interrupt_replacement(proj, address_text: str) -> None:
    """Journal an open create intent for ``address_text``, as a kill right after its POST leaves it."""
    store = open_store(str(proj.state_file))
    state = store.read()
    address = next(a for a in state.resources if str(a) == address_text)
    store.record(JournalEntry(seq=0, op="intent", action="create", address=address, lineage=state.lineage,
                              natural_key="serverless"))


def test_an_interrupted_replacement_create_is_adopted_and_the_old_object_deleted(datarobot):
    """The process died after the platform made the new environment and before the create's
    answer was journaled: the state still records the old one, with the intent open."""
    old = state_doc(datarobot)[ENV]["id"]
    datarobot.edit_spec("deployments.yaml", "platform: datarobotServerless", "platform: datarobot")
    world = environments(datarobot)
    new = "6650f0000000000000000001"
    world[new] = {**world[old], "id": new, "platform": "datarobot"}
    interrupt_replacement(datarobot, ENV)

    plan = datarobot.cli("plan")
    assert plan.code == 0, plan.text
    assert f"{ENV} will be adopted (imported)" in plan.out
    assert f"the new object {new} was found on the platform and is adopted" in plan.out
    assert f"deposed object ({old})" in plan.out
    applied = datarobot.cli("apply", "--auto-approve")
    assert applied.code == 0, applied.text
    assert set(environments(datarobot)) == {new}
    assert state_doc(datarobot)[ENV]["id"] == new
    assert datarobot.cli("plan", "--detailed-exitcode").code == 0


def test_several_candidates_for_an_interrupted_replacement_are_refused_by_name(datarobot):
    old = state_doc(datarobot)[ENV]["id"]
    world = environments(datarobot)
    world["extra-1"] = {**world[old], "id": "extra-1"}
    world["extra-2"] = {**world[old], "id": "extra-2"}
    interrupt_replacement(datarobot, ENV)
    plan = datarobot.cli("plan")
    assert plan.code == 1, plan.text
    assert "extra-1, extra-2" in plan.err and "create_before_destroy" in plan.err
    assert "Traceback" not in plan.err
