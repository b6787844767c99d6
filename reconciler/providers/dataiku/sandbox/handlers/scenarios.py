"""HTTP adapter for scenarios and their runs (see ``handlers`` for the conventions).

JSON bodies where the client parses one: create ``{id}``, save ``{}``, payload save ``{}``,
delete ``{message}`` (seed L3641), run = the trigger fire, abort ``{}``; get-run-for-trigger
answers ``{}`` while no run exists for the fire (the client keeps polling, scenario.py:1116).
"""

from __future__ import annotations

from reconciler.providers.dataiku.sandbox.handlers.common import Params, body, flag, number, ok, written
from reconciler.providers.dataiku.sandbox.models import DataikuWorld
from reconciler.sandbox.wire import SandboxRequest, SandboxResponse

W, R, S = DataikuWorld, SandboxRequest, SandboxResponse


def list_scenarios(world: W, request: R, p: Params) -> S:
    return ok(world.list_scenarios(p["projectKey"]))


def create_scenario(world: W, request: R, p: Params) -> S:
    return written(world, world.create_scenario(p["projectKey"], body(request)))


def get_scenario(world: W, request: R, p: Params) -> S:
    return ok(world.get_scenario(p["projectKey"], p["scenarioId"]))


def set_scenario(world: W, request: R, p: Params) -> S:
    world.set_scenario(p["projectKey"], p["scenarioId"], body(request))
    return written(world, {})


def delete_scenario(world: W, request: R, p: Params) -> S:
    return ok(world.delete_scenario(p["projectKey"], p["scenarioId"]))


def get_scenario_light(world: W, request: R, p: Params) -> S:
    return ok(world.get_scenario_light(p["projectKey"], p["scenarioId"]))


def set_scenario_light(world: W, request: R, p: Params) -> S:
    world.set_scenario_light(p["projectKey"], p["scenarioId"], body(request))
    return ok({})


def get_scenario_payload(world: W, request: R, p: Params) -> S:
    return ok(world.get_scenario_payload(p["projectKey"], p["scenarioId"]))


def set_scenario_payload(world: W, request: R, p: Params) -> S:
    world.set_scenario_payload(p["projectKey"], p["scenarioId"], body(request))
    return written(world, {})


def run_scenario(world: W, request: R, p: Params) -> S:
    return ok(world.run_scenario(p["projectKey"], p["scenarioId"], body(request)))


def abort_scenario(world: W, request: R, p: Params) -> S:
    return ok(world.abort_scenario(p["projectKey"], p["scenarioId"]))


def get_last_runs(world: W, request: R, p: Params) -> S:
    return ok(world.get_last_runs(p["projectKey"], p["scenarioId"], number(request, "limit", 10),
                                  flag(request, "onlyFinishedRuns")))


def get_run_for_trigger(world: W, request: R, p: Params) -> S:
    return ok(world.get_run_for_trigger(p["projectKey"], p["scenarioId"], request.arg("triggerId"),
                                        request.arg("triggerRunId")))


def get_scenario_run(world: W, request: R, p: Params) -> S:
    return ok(world.get_scenario_run(p["projectKey"], p["scenarioId"], p["runId"]))


def get_trigger_fire(world: W, request: R, p: Params) -> S:
    return ok(world.get_trigger_fire(p["projectKey"], p["scenarioId"], p["triggerId"], request.arg("triggerRunId")))
