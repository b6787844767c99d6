"""Instance-level types: ``dataiku_meaning`` (not deletable), ``dataiku_plugin`` (futures,
versions), and the read-only data sources."""

from __future__ import annotations

import httpx
import pytest

from reconciler.diff import compare
from reconciler.errors import ApiError, ProviderError
from reconciler.providers.base import CreatedButFailed, progress_to, reset_progress
from reconciler.providers.dataiku.provider import DATAIKU
from reconciler.providers.dataiku.resources import Meaning
from reconciler.providers.dataiku.sandbox import DataikuEmulator
from reconciler.providers.settings import resolve_settings
from reconciler.sandbox import Sandbox
from reconciler.testing import SANDBOX_BASE_URL

API = "/dip/publicapi"


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 3))
        self.now += seconds


@pytest.fixture
def world():
    """A sandbox whose futures finish after two polls, and a session with an injected clock."""
    sandbox = Sandbox(emulators={"dataiku": DataikuEmulator(pending_polls=2)})
    session = DATAIKU.connect(resolve_settings(DATAIKU, None, sandbox.env(SANDBOX_BASE_URL)), sandbox.transport())
    clock = FakeClock()
    session.client._sleep, session.client._clock = clock.sleep, clock
    raw = httpx.Client(transport=sandbox.transport(), base_url=f"{SANDBOX_BASE_URL}/dataiku{API}",
                       auth=(sandbox.token, ""))
    yield session, raw, clock
    raw.close()
    session.close()


# -- meanings -----------------------------------------------------------------------------------
def test_meaning_is_written_in_the_clients_vocabulary(world):
    session, raw, _ = world
    rt = session.resource("dataiku_meaning")
    spec = {"id": "dept", "label": "Department", "type": "VALUES_MAPPING",
            "mappings": [{"from": "s", "to": "Sales"}, {"from": "m", "to": "Marketing"}]}
    meaning_id, live = rt.create(spec)
    doc = raw.get("/meanings/dept").json()
    assert doc["mappings"] == [{"from": "s", "to": {"value": "Sales"}}, {"from": "m", "to": {"value": "Marketing"}}]
    assert compare(rt, spec, live) == ()
    doc["futureField"] = True
    raw.put("/meanings/dept", json=doc).raise_for_status()
    new = {**spec, "label": "Dept"}
    rt.update(meaning_id, live, new, frozenset({"label"}))
    after = raw.get("/meanings/dept").json()
    assert after["label"] == "Dept" and after["futureField"] is True


def test_meaning_cannot_be_deleted_and_says_so():
    assert Meaning.deletable is False
    with pytest.raises(ProviderError, match="no API to delete meanings"):
        Meaning(None).delete("dept")


@pytest.mark.parametrize("spec, message", [
    pytest.param({"id": "m", "label": "M", "type": "VALUES_LIST"}, "needs values", id="list-without-values"),
    pytest.param({"id": "m", "label": "M", "type": "PATTERN", "pattern": "a+", "normalization_mode": "NORMALIZED"},
                 "NORMALIZED is not available", id="pattern-normalized"),
    pytest.param({"id": "m n", "label": "M", "type": "DECLARATIVE"}, "pattern", id="bad-id"),
])
def test_meaning_validation(spec, message):
    with pytest.raises(ValueError, match=message):
        Meaning.spec_model.model_validate(spec)


@pytest.mark.parametrize("attrs, expected", [
    pytest.param({"values": ["a", {"value": "b", "color": None}]}, {"values": [{"value": "a"}, {"value": "b"}]},
                 id="values-as-entries"),
    pytest.param({"mappings": [{"from": "a", "to": {"value": "b"}}]}, {"mappings": [{"from": "a", "to": "b"}]},
                 id="wire-mapping-unwrapped"),
    pytest.param({"mappings": [{"from_": "a", "to": "b"}]}, {"mappings": [{"from": "a", "to": "b"}]},
                 id="dumped-alias"),
    pytest.param({"description": None, "normalization_mode": None}, {"description": "", "normalization_mode": "EXACT"},
                 id="defaults"),
])
def test_meaning_normalize(attrs, expected):
    assert Meaning(None).normalize(attrs) == expected


# -- plugins ------------------------------------------------------------------------------------
def _heard(fn):
    heard: list[str] = []
    token = progress_to(heard.append)
    try:
        return fn(), heard
    finally:
        reset_progress(token)


def test_plugin_install_waits_for_the_future(world):
    session, _, clock = world
    rt = session.resource("dataiku_plugin")
    (plugin_id, live), heard = _heard(lambda: rt.create({"id": "geocoder", "version": "2.1.0",
                                                         "settings": {"provider": "osm"}}))
    assert plugin_id == "geocoder" and live["version"] == "2.1.0" and live["settings"] == {"provider": "osm"}
    assert clock.slept == [0.2, 0.22]  # two polls, the back-off injected
    assert heard and all(h.startswith("waiting for installing plugin geocoder") for h in heard)


def test_plugin_from_git_is_upgraded_by_its_version(world):
    session, _, _ = world
    rt = session.resource("dataiku_plugin")
    spec = {"id": "churn", "source": "git", "git_repository": "https://git/x/dss-plugin-churn.git",
            "git_checkout": "v1.0.0", "version": "1.0.0"}
    plugin_id, live = rt.create(spec)
    newer = {**spec, "git_checkout": "v1.2.0", "version": "1.2.0"}
    assert {d.top for d in compare(rt, newer, live)} == {"version"}  # source and checkout are not compared
    assert rt.update(plugin_id, live, newer, frozenset({"version"}))["version"] == "1.2.0"


def test_a_version_the_source_cannot_provide_fails_clearly(world):
    session, _, _ = world
    rt = session.resource("dataiku_plugin")
    with pytest.raises(CreatedButFailed) as info:
        rt.create({"id": "geocoder", "version": "9.9.9"})
    assert "the plugin store provides version 2.1.0, not 9.9.9" in str(info.value.cause)
    assert rt.read("geocoder") is not None  # installed: the state records it


def test_git_repository_holding_another_plugin_is_an_error(world):
    session, _, _ = world
    with pytest.raises(ApiError, match="no plugin geo on the instance"):
        session.resource("dataiku_plugin").create({"id": "geo", "source": "git", "git_repository": "https://g/other"})


def test_plugin_in_use_is_deleted_only_with_force(world):
    session, raw, _ = world
    rt = session.resource("dataiku_plugin")
    rt.create({"id": "geocoder"})
    session.resource("dataiku_project").create({"key": "P", "name": "P"})
    session.resource("dataiku_managed_dataset").create({"project": "P", "name": "o", "connection": "dwh"})
    raw.post("/projects/P/recipes/", json={"recipePrototype": {
        "name": "geo", "type": "CustomCode_geocoder-forward", "outputs": {"main": {"items": [{"ref": "o"}]}}},
        "creationSettings": {}}).raise_for_status()
    with pytest.raises(ApiError, match="used by P.geo"):
        rt.delete("geocoder", attrs={})
    rt.delete("geocoder", attrs={"force_delete": True})
    assert rt.read("geocoder") is None
    rt.delete("geocoder")  # gone: fine


# -- data sources -------------------------------------------------------------------------------
def test_the_root_folder_data_source_is_found_and_never_writes(world):
    session, _, _ = world
    rt = session.resource("dataiku_root_folder")
    assert rt.data_source
    object_id, live = rt.find({})
    assert object_id == "ROOT" and live["id"] == "ROOT"
    assert set(live) <= set(rt.spec_model.model_fields) | rt.server_owned
    with pytest.raises(NotImplementedError, match="data source"):
        rt.create({})
