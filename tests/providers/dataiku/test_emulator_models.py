"""The Dataiku world without HTTP: snapshots, id generation, guards as decisions, and the
emulator's place in the sandbox (faults in DSS's shape)."""

from __future__ import annotations

import pytest

from reconciler.providers.dataiku.sandbox import ROOT, DataikuEmulator, DataikuWorld
from reconciler.providers.dataiku.sandbox.errors import IllegalArgument, NotFound
from reconciler.sandbox import Sandbox, SandboxRequest


def _world() -> DataikuWorld:
    world = DataikuWorld(seed=3, clock=lambda: 1_700_000_000.0)
    a = world.create_folder(ROOT, "A")["id"]
    b = world.create_folder(a, "B")["id"]
    world.create_folder(ROOT, "C")
    world.create_project({"projectKey": "P", "name": "P"}, b)
    world.create_dataset("P", {"name": "d", "type": "PostgreSQL"})
    return world


def test_snapshot_restore_round_trip():
    world = _world()
    snapshot = world.snapshot()
    other = DataikuWorld(seed=3)
    other.restore(snapshot)
    assert other.snapshot() == snapshot
    assert other.get_dataset("P", "d") == world.get_dataset("P", "d")
    # the id sequence continues where the snapshot left it
    assert other.create_folder(ROOT, "D")["id"] == world.create_folder(ROOT, "D")["id"]


def test_snapshot_is_a_copy():
    world = _world()
    snapshot = world.snapshot()
    snapshot["projects"]["P"]["metadata"]["label"] = "changed"
    assert world.get_project("P")["name"] == "P"
    world.get_dataset("P", "d")["params"]["x"] = 1
    assert world.get_dataset("P", "d")["params"] == {}


def test_restore_rejects_foreign_data():
    with pytest.raises(ValueError, match="not a snapshot of the Dataiku sandbox"):
        DataikuWorld().restore({"items": {}})


def test_reset_returns_to_the_seeded_world():
    world = _world()
    world.reset()
    assert world.get_folder(ROOT)["childrenIds"] == []
    assert world.list_projects([], False) == []
    assert set(world.list_connections()) == {"dwh", "filesystem_managed", "filesystem_input", "filesystem_folders"}


def _ids(world: DataikuWorld) -> dict[str, str]:
    root = world.get_folder(ROOT)
    a = root["childrenIds"][0]
    return {"A": a, "B": world.get_folder(a)["childrenIds"][0], "C": root["childrenIds"][1]}


@pytest.mark.parametrize(
    ("folder", "destination", "error"),
    [
        pytest.param("A", "B", IllegalArgument, id="into-own-child"),
        pytest.param("A", "A", IllegalArgument, id="into-itself"),
        pytest.param("B", "C", None, id="to-a-sibling-subtree"),
        pytest.param("B", "A", None, id="to-current-parent-is-a-no-op"),
        pytest.param("C", "B", None, id="into-a-cousin"),
        pytest.param("C", "missing", NotFound, id="to-a-missing-folder"),
    ],
)
def test_move_folder_decisions(folder, destination, error):
    world = _world()
    ids = _ids(world)
    source, target = ids[folder], ids.get(destination, destination)
    before = world.snapshot()
    if error is None:
        world.move_folder(source, target)
        assert world.get_folder(source)["parentId"] == target
        assert world.get_folder(target)["childrenIds"].count(source) == 1
    else:
        with pytest.raises(error):
            world.move_folder(source, target)
        assert world.snapshot() == before


@pytest.mark.parametrize(
    ("folder", "deletable"),
    [
        pytest.param("A", False, id="has-a-sub-folder"),
        pytest.param("B", False, id="has-a-project"),
        pytest.param("C", True, id="empty"),
    ],
)
def test_delete_folder_decisions(folder, deletable):
    world = _world()
    target = _ids(world)[folder]
    if deletable:
        world.delete_folder(target)
        with pytest.raises(NotFound):
            world.get_folder(target)
    else:
        with pytest.raises(IllegalArgument, match="not empty"):
            world.delete_folder(target)


def test_version_tag_uses_the_clock():
    times = iter([100.0, 200.0, 300.0])
    world = DataikuWorld(clock=lambda: next(times))
    world.create_project({"projectKey": "P", "name": "P"}, None)  # 100
    world.create_dataset("P", {"name": "d", "type": "S3"})  # 200
    world.set_dataset_schema("P", "d", {"columns": []})  # 300
    doc = world.get_dataset("P", "d")
    assert doc["creationTag"]["lastModifiedOn"] == 200_000
    assert doc["versionTag"] == {"versionNumber": 1, "lastModifiedOn": 300_000,
                                 "lastModifiedBy": {"login": "admin", "displayName": "Administrator"}}


@pytest.mark.parametrize("status", [500, 502, 503, 429])
def test_injected_faults_use_dss_error_shape(status):
    kinds = ("429",) if status == 429 else ("5xx",)
    sb = Sandbox(fault_rate=1.0, fault_kinds=kinds, seed=status)
    response = sb.handle(SandboxRequest.from_target("GET", "/dataiku/public/api/projects/"))
    assert response.status in ((429,) if status == 429 else (500, 502, 503))
    body = response.json()
    assert set(body) == {"errorType", "message", "detailedMessage"}
    assert body["errorType"].startswith("com.dataiku.dip.exceptions.")
    assert response.headers["DSS-Version"]
    assert ("Retry-After" in response.headers) == (status == 429)


def test_emulator_env():
    assert DataikuEmulator().env("http://h:1", "k") == {"DATAIKU_URL": "http://h:1/dataiku", "DATAIKU_API_KEY": "k"}
