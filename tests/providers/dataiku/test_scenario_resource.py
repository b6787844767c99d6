"""``dataiku_scenario``: server-assigned ids, read-modify-write, python scripts, run after apply."""

from __future__ import annotations

import httpx
import pytest

from reconciler.providers.base import UpdatedButFailed

from reconciler.diff import compare
from reconciler.errors import ApiError, ProviderError
from reconciler.providers.base import CreatedButFailed, progress_to, reset_progress
from reconciler.providers.dataiku.provider import DATAIKU
from reconciler.providers.dataiku.resources import Scenario
from reconciler.providers.dataiku.sandbox import DataikuEmulator
from reconciler.providers.settings import resolve_settings
from reconciler.sandbox import Sandbox
from reconciler.testing import SANDBOX_BASE_URL

API = "/dip/publicapi"
P = "SALES"
BUILD = {"name": "build", "type": "build_flowitem", "params": {"builds": [{"type": "DATASET", "itemId": "orders"}]}}
BROKEN = {"name": "build", "type": "build_flowitem", "params": {"builds": [{"type": "DATASET", "itemId": "nope"}]}}
DAILY = {"type": "temporal", "name": "nightly", "params": {"frequency": "Daily", "hour": 2, "minute": 0}}
SPEC = {"project": P, "id": "NIGHTLY", "name": "Nightly", "steps": [BUILD], "triggers": [DAILY]}


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 3))
        self.now += seconds


def _world(pending_polls: int = 0):
    sandbox = Sandbox(emulators={"dataiku": DataikuEmulator(pending_polls=pending_polls)})
    settings = resolve_settings(DATAIKU, None, sandbox.env(SANDBOX_BASE_URL))
    session = DATAIKU.connect(settings, sandbox.transport())
    clock = FakeClock()
    session.client._sleep, session.client._clock = clock.sleep, clock  # injected waits: no real sleep
    session.resource("dataiku_project").create({"key": P, "name": "Sales"})
    session.resource("dataiku_dataset").create({"project": P, "name": "orders", "type": "PostgreSQL",
                                                "params": {"connection": "dwh", "table": "orders"}})
    raw = httpx.Client(transport=sandbox.transport(), base_url=f"{SANDBOX_BASE_URL}/dataiku/dip/publicapi",
                       auth=(sandbox.token, ""))
    return session, raw, clock


@pytest.fixture
def world():
    session, raw, clock = _world()
    yield session, raw, clock
    raw.close()
    session.close()


def _notes(fn):
    heard: list[str] = []
    token = progress_to(heard.append)
    try:
        result = fn()
    finally:
        reset_progress(token)
    return result, heard


def test_server_assigned_ids_never_cause_a_diff_and_survive_updates(world):
    session, raw, _ = world
    rt = session.resource("dataiku_scenario")
    object_id, live = rt.create(SPEC)
    doc = raw.get(f"/projects/{P}/scenarios/NIGHTLY").json()
    trigger_id, step_id = doc["triggers"][0]["id"], doc["params"]["steps"][0]["id"]
    assert trigger_id and step_id and doc["triggers"][0]["delay"] == 0
    assert compare(rt, SPEC, rt.read(object_id)) == ()

    later = {**SPEC, "triggers": [{**DAILY, "params": {**DAILY["params"], "hour": 4}}], "active": True}
    rt.update(object_id, live, later, frozenset({"triggers", "active"}))
    doc = raw.get(f"/projects/{P}/scenarios/NIGHTLY").json()
    assert doc["triggers"][0]["id"] == trigger_id and doc["params"]["steps"][0]["id"] == step_id
    assert doc["triggers"][0]["params"]["hour"] == 4 and doc["active"] is True
    assert compare(rt, later, rt.read(object_id)) == ()


def test_update_is_read_modify_write(world):
    session, raw, _ = world
    rt = session.resource("dataiku_scenario")
    object_id, _ = rt.create(SPEC)
    doc = raw.get(f"/projects/{P}/scenarios/NIGHTLY").json()
    doc["runAsUser"] = "svc_scheduler"
    doc["futureField"] = [1, 2]
    raw.put(f"/projects/{P}/scenarios/NIGHTLY", json=doc).raise_for_status()
    spec = {**SPEC, "name": "Nightly build", "tags": ["nightly"]}
    live = rt.update(object_id, rt.read(object_id), spec, frozenset({"name", "tags"}))
    assert compare(rt, spec, live) == ()
    after = raw.get(f"/projects/{P}/scenarios/NIGHTLY").json()
    assert after["runAsUser"] == "svc_scheduler" and after["futureField"] == [1, 2]
    assert live["run_as"] == "svc_scheduler"


def test_a_trigger_added_in_dss_shows_as_a_difference(world):
    session, raw, _ = world
    rt = session.resource("dataiku_scenario")
    object_id, _ = rt.create(SPEC)
    doc = raw.get(f"/projects/{P}/scenarios/NIGHTLY").json()
    doc["triggers"].append({"type": "temporal", "params": {"frequency": "Hourly"}})
    raw.put(f"/projects/{P}/scenarios/NIGHTLY", json=doc).raise_for_status()
    diff = compare(rt, SPEC, rt.read(object_id))
    assert [(d.op, d.path) for d in diff] == [("remove", ("triggers", 1))]
    assert rt.last_modified(rt.read(object_id))[0] == "admin"


def test_python_scenario_script(world):
    session, raw, _ = world
    rt = session.resource("dataiku_scenario")
    spec = {"project": P, "id": "SCRIPT", "name": "Script", "type": "custom_python", "script": "print(1)\n"}
    object_id, live = rt.create(spec)
    assert raw.get(f"/projects/{P}/scenarios/SCRIPT/payload").json()["script"] == "print(1)\n"
    assert live["script"] == "print(1)\n"
    rt.update(object_id, live, {**spec, "script": "print(2)\n"}, frozenset({"script"}))
    assert raw.get(f"/projects/{P}/scenarios/SCRIPT/payload").json()["script"] == "print(2)\n"


def test_run_after_apply_waits_for_the_outcome_and_reports_progress():
    session, raw, clock = _world(pending_polls=3)
    rt = session.resource("dataiku_scenario")
    (object_id, _), heard = _notes(lambda: rt.create({**SPEC, "run_after_apply": True}))
    assert object_id == f"{P}.NIGHTLY"
    assert clock.slept == [0.2, 0.22, 0.242]  # the client's back-off, injected: no real sleep
    assert heard[0].startswith("running scenario SALES.NIGHTLY")
    assert any("RUNNING" in h for h in heard) and heard[-1].endswith(": SUCCESS")
    runs = raw.get(f"/projects/{P}/scenarios/NIGHTLY/get-last-runs", params={"limit": 5}).json()
    assert [r["result"]["outcome"] for r in runs] == ["SUCCESS"]
    session.close()


def test_a_failed_run_fails_the_create_but_records_the_scenario(world):
    session, _, _ = world
    rt = session.resource("dataiku_scenario")
    with pytest.raises(CreatedButFailed) as info:
        rt.create({**SPEC, "steps": [BROKEN], "run_after_apply": {"timeout": 60}})
    assert info.value.object_id == f"{P}.NIGHTLY"
    assert isinstance(info.value.cause, ApiError)
    assert "ended FAILED: cannot build DATASET nope" in str(info.value.cause)
    assert rt.read(f"{P}.NIGHTLY") is not None


def test_a_failed_run_fails_the_update(world):
    session, _, _ = world
    rt = session.resource("dataiku_scenario")
    object_id, live = rt.create(SPEC)
    with pytest.raises(UpdatedButFailed, match="ended FAILED") as err:
        rt.update(object_id, live, {**SPEC, "steps": [BROKEN], "run_after_apply": True}, frozenset({"steps"}))
    assert isinstance(err.value.cause, ApiError)
    assert err.value.live["steps"][0]["name"] == BROKEN["name"]  # the change landed; only the run failed


def test_a_run_that_outlasts_the_timeout_fails_without_waiting_forever():
    session, _, clock = _world(pending_polls=1000)
    rt = session.resource("dataiku_scenario")
    object_id, live = rt.create(SPEC)
    with pytest.raises(UpdatedButFailed, match=r"still running after 1s"):
        rt.update(object_id, live, {**SPEC, "name": "n", "run_after_apply": {"timeout": 1}}, frozenset({"name"}))
    assert sum(clock.slept) <= 1
    session.close()


@pytest.mark.parametrize("attrs, expected", [
    pytest.param({"triggers": [{"id": "x1", "type": "temporal", "params": {}}]},
                 {"triggers": [{"type": "temporal", "params": {}, "delay": 0, "active": True}]}, id="trigger-id-dropped"),
    pytest.param({"steps": [{"id": "s", "name": "n", "type": "t", "params": {}, "runConditionType": None}]},
                 {"steps": [{"name": "n", "type": "t", "params": {}}]}, id="step-id-and-nulls-dropped"),
    pytest.param({"steps": None, "reporters": None}, {"steps": [], "reporters": []}, id="none-is-empty"),
    pytest.param({"run_after_apply": True, "name": "n"}, {"name": "n"}, id="run-after-apply-never-compared"),
    pytest.param({"tags": ["b", "a", "a"]}, {"tags": ["a", "b"]}, id="tags-a-set"),
])
def test_normalize(attrs, expected):
    assert Scenario(None).normalize(attrs) == expected


@pytest.mark.parametrize("spec, message", [
    pytest.param({**SPEC, "script": "x"}, "custom_python", id="script-on-step-based"),
    pytest.param({**SPEC, "type": "custom_python", "script": "x", "script_file": "y"}, "not both", id="two-scripts"),
    pytest.param({**SPEC, "id": "has space"}, "pattern", id="bad-id"),
    pytest.param({**SPEC, "run_after_apply": {"timeout": 0}}, "greater than 0", id="bad-timeout"),
])
def test_spec_validation(spec, message):
    with pytest.raises(ValueError, match=message):
        Scenario.spec_model.model_validate(spec)
