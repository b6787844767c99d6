"""The Dataiku world's flow, instance and deployer families without HTTP: decisions as tables,
snapshots that carry every family, futures and runs that wait for polls."""

from __future__ import annotations

import pytest

from reconciler.providers.dataiku.sandbox import DataikuWorld
from reconciler.providers.dataiku.sandbox.errors import IllegalArgument
from reconciler.providers.dataiku.sandbox.models.instance import plugin_id_from_git, plugin_version_from_checkout
from reconciler.providers.dataiku.sandbox.models.scenarios import step_outcome


def _world(pending_polls: int = 0) -> DataikuWorld:
    world = DataikuWorld(seed=1, clock=lambda: 1_700_000_000.0, pending_polls=pending_polls)
    world.create_project({"projectKey": "P", "name": "P"}, None)
    world.create_dataset("P", {"name": "orders", "type": "PostgreSQL"})
    world.create_managed_dataset("P", {"name": "out", "creationSettings": {"connectionId": "dwh"}})
    return world


def _recipe(world: DataikuWorld, name: str, inputs: list[str], outputs: list[str]) -> None:
    world.create_recipe("P", {"recipePrototype": {
        "name": name, "type": "python", "inputs": {"main": {"items": [{"ref": r} for r in inputs]}},
        "outputs": {"main": {"items": [{"ref": r} for r in outputs]}}}})


def test_snapshot_carries_every_family():
    world = _world()
    _recipe(world, "r", ["orders"], ["out"])
    folder = world.create_managed_folder("P", {"name": "models"})["id"]
    world.create_scenario("P", {"name": "S"})
    world.create_article("P", {"name": "Home"})
    world.create_meaning({"id": "m", "label": "M", "type": "DECLARATIVE"})
    world.install_plugin_from_store({"pluginId": "geocoder"})
    world.export_bundle("P", "v1", None)
    world.publish_bundle("P", "v1", None)
    world.create_infra({"id": "prod", "stage": "Production"})
    world.create_deployment({"deploymentId": "d", "publishedProjectKey": "P", "infraId": "prod", "bundleId": "v1"})
    snapshot = world.snapshot()
    other = DataikuWorld(seed=1)
    other.restore(snapshot)
    assert other.snapshot() == snapshot
    assert other.get_managed_folder("P", folder)["name"] == "models"
    assert other.get_deployment_settings("d")["bundleId"] == "v1"


@pytest.mark.parametrize("deleted, remaining", [
    pytest.param("orders", ["second"], id="an-input-takes-its-reader"),
    pytest.param("mid", [], id="a-dataset-between-two-recipes-takes-both"),
    pytest.param("out", ["first"], id="an-output-takes-its-writer"),
])
def test_dataset_delete_cascades(deleted, remaining):
    world = _world()
    world.create_managed_dataset("P", {"name": "mid", "creationSettings": {"connectionId": "dwh"}})
    _recipe(world, "first", ["orders"], ["mid"])
    _recipe(world, "second", ["mid"], ["out"])
    world.delete_dataset("P", deleted, False)
    assert [r["name"] for r in world.list_recipes("P")] == remaining


def test_an_object_is_written_by_one_recipe_only():
    world = _world()
    _recipe(world, "first", ["orders"], ["out"])
    before = world.snapshot()
    with pytest.raises(IllegalArgument, match="already the output of recipe first"):
        _recipe(world, "second", ["orders"], ["out"])
    assert world.snapshot() == before


@pytest.mark.parametrize("step, outcome", [
    pytest.param({"type": "build_flowitem", "params": {"builds": [{"type": "DATASET", "itemId": "orders"}]}},
                 "SUCCESS", id="build-existing"),
    pytest.param({"type": "build_flowitem", "params": {"builds": [{"type": "DATASET", "itemId": "nope"}]}},
                 "FAILED", id="build-missing"),
    pytest.param({"type": "custom_python", "params": {"script": "x = 1\nraise ValueError()"}}, "FAILED",
                 id="script-raises"),
    pytest.param({"type": "custom_python", "params": {"script": "print('raise')"}}, "SUCCESS", id="script-ok"),
    pytest.param({"type": "exec_sql", "params": {}}, "SUCCESS", id="other-steps-succeed"),
])
def test_step_outcomes(step, outcome):
    assert step_outcome(step, lambda kind, ref: ref == "orders")[0] == outcome


def test_runs_wait_for_polls_and_a_failed_step_stops_the_run():
    world = _world(pending_polls=2)
    world.create_scenario("P", {"id": "S", "name": "S", "params": {"steps": [
        {"type": "build_flowitem", "params": {"builds": [{"itemId": "nope"}]}},
        {"type": "exec_sql", "params": {}}]}})
    fire = world.run_scenario("P", "S", {})
    polls = [world.get_run_for_trigger("P", "S", "manual", fire["runId"]) for _ in range(3)]
    assert ["result" in p["scenarioRun"] for p in polls] == [False, False, True]
    assert polls[-1]["scenarioRun"]["result"]["outcome"] == "FAILED"
    assert len(polls[-1]["stepRuns"]) == 1  # the second step never ran


def test_futures_finish_after_their_polls_and_peeking_does_not_count():
    world = _world(pending_polls=2)
    state = world.install_plugin_from_store({"pluginId": "geocoder"})
    assert world.get_future(state["jobId"], peek=True)["hasResult"] is False
    assert world.get_future(state["jobId"])["hasResult"] is False
    assert world.get_future(state["jobId"])["result"]["pluginId"] == "geocoder"
    assert "pendingPolls" not in world.get_future(state["jobId"])


@pytest.mark.parametrize("url, subpath, plugin_id", [
    pytest.param("https://github.com/acme/dss-plugin-churn.git", None, "churn", id="prefix-and-suffix"),
    pytest.param("git@github.com:acme/geo.git", None, "geo", id="ssh-url"),
    pytest.param("https://g/mono", "plugins/forecast/", "forecast", id="subpath-wins"),
])
def test_plugin_id_from_git(url, subpath, plugin_id):
    assert plugin_id_from_git(url, subpath) == plugin_id


@pytest.mark.parametrize("checkout, version", [
    pytest.param("v1.4.0", "1.4.0", id="tag-with-v"),
    pytest.param("2.0", "2.0", id="plain-tag"),
    pytest.param("main", "0.0.0-main", id="branch"),
])
def test_plugin_version_from_checkout(checkout, version):
    assert plugin_version_from_checkout(checkout) == version


def test_deployment_health_follows_updates_and_settings():
    world = _world()
    world.export_bundle("P", "v1", None)
    world.publish_bundle("P", "v1", None)
    world.create_infra({"id": "prod", "stage": "Production"})
    world.create_deployment({"deploymentId": "d", "publishedProjectKey": "P", "infraId": "prod", "bundleId": "v1"})
    assert world.deployment_status("d")["health"] == "UNKNOWN"
    world.update_deployment("d")
    assert world.deployment_status("d")["health"] == "HEALTHY"
    settings = world.get_deployment_settings("d")
    settings["localVariables"] = {"x": 1}
    world.set_deployment_settings("d", settings)
    assert world.deployment_status("d")["health"] == "OUT_OF_SYNC"
