"""Persistence: the world survives a restart and is shared by sandboxes using one file."""

from __future__ import annotations

import json

import pytest

from reconciler.errors import ConfigError


def test_round_trip_across_two_instances(tmp_path, make_sandbox, client_for):
    world = tmp_path / "world.json"
    first = make_sandbox(data_file=world)
    client_for(first).post("/toy/api/items", json={"name": "a", "n": 1})
    assert json.loads(world.read_text())["emulators"]["toy"] == {"items": {"a": {"name": "a", "n": 1}}}

    second = make_sandbox(data_file=world)  # a "restart": a fresh process would do the same
    assert client_for(second).get("/toy/api/items/a").json() == {"name": "a", "n": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["world.json"]  # no temp file left behind


def test_live_instances_see_each_others_writes(tmp_path, make_sandbox, client_for):
    world = tmp_path / "world.json"
    a, b = make_sandbox(data_file=world), make_sandbox(data_file=world)
    client_for(a).post("/toy/api/items", json={"name": "from_a"})
    client_for(b).post("/toy/api/items", json={"name": "from_b"})
    assert client_for(a).get("/toy/api/items").json() == ["from_a", "from_b"]


def test_failed_writes_and_reads_do_not_save(tmp_path, make_sandbox, client_for):
    world = tmp_path / "world.json"
    sb = make_sandbox(data_file=world)
    client = client_for(sb)
    client.get("/toy/api/items")
    client.post("/toy/api/boom")
    assert not world.exists()


def test_reset_is_saved(tmp_path, make_sandbox, client_for):
    world = tmp_path / "world.json"
    sb = make_sandbox(data_file=world)
    client_for(sb).post("/toy/api/items", json={"name": "a"})
    sb.reset()
    assert client_for(make_sandbox(data_file=world)).get("/toy/api/items").json() == []


@pytest.mark.parametrize(
    "content",
    [
        pytest.param("{not json", id="not-json"),
        pytest.param('{"format_version": 99, "emulators": {}}', id="unknown-version"),
        pytest.param("[1, 2]", id="not-an-object"),
    ],
)
def test_unreadable_file_is_a_config_error(tmp_path, make_sandbox, content):
    world = tmp_path / "world.json"
    world.write_text(content)
    with pytest.raises(ConfigError, match="world.json"):
        make_sandbox(data_file=world)


def test_dataiku_world_round_trips(tmp_path):
    import httpx

    from reconciler.sandbox import Sandbox

    world = tmp_path / "dss.json"
    first = Sandbox(data_file=world)
    client = httpx.Client(transport=first.transport(), base_url="http://s/dataiku/public/api",
                          auth=("sandbox-token", ""))
    folder = client.post("/project-folders/ROOT/children", params={"name": "Team"}).json()
    client.post("/projects/", params={"projectFolderId": folder["id"]},
                content=json.dumps({"projectKey": "P", "name": "P", "owner": "admin"}))

    second = Sandbox(data_file=world)
    client2 = httpx.Client(transport=second.transport(), base_url="http://s/dataiku/public/api",
                           auth=("sandbox-token", ""))
    assert client2.get("/project-folders/locate-project/P").json()["id"] == folder["id"]
    other = client2.post("/project-folders/ROOT/children", params={"name": "Other"}).json()
    assert other["id"] != folder["id"]  # the id sequence continues after a restart


def test_a_world_file_with_a_bad_platform_snapshot(tmp_path, make_sandbox, client_for):
    world = tmp_path / "world.json"
    world.write_text(json.dumps({"format_version": 1, "emulators": {"toy": {"no_items": 1}}}))
    with pytest.raises(ConfigError, match="no valid toy world"):
        make_sandbox(data_file=world)


def test_a_file_corrupted_while_serving_answers_500(tmp_path, make_sandbox, client_for):
    world = tmp_path / "world.json"
    sb = make_sandbox(data_file=world)
    client = client_for(sb)
    client.post("/toy/api/items", json={"name": "a"})
    world.write_text("{broken")
    response = client.get("/toy/api/items")
    assert response.status_code == 500
    assert "world.json" in response.json()["toyError"]
