"""Scenarios: the request bodies (definition, light settings, python payload) and the documents
DSS answers with (defaults of a new scenario, the light view, a run with its step runs).

Every nested key the official client indexes into is present (``params.steps``, ``triggers``,
``reporters``...).
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import Field, field_validator

from reconciler.providers.dataiku.sandbox.payloads.common import _Payload, taggable_defaults
from reconciler.providers.dataiku.sandbox.seed import ADMIN

Doc = dict[str, Any]
SCENARIO_TYPES = ("step_based", "custom_python")
#: scenario and step ids: letters, digits, underscores (DSS derives them from names that way)
SCENARIO_ID_RE = re.compile(r"^[A-Za-z0-9_]+$")


# -- requests ---------------------------------------------------------------------------------
class ScenarioStep(_Payload):
    id: str | None = None
    name: str | None = None
    type: str = Field(min_length=1)
    params: dict[str, Any] = {}


class ScenarioTrigger(_Payload):
    id: str | None = None
    type: str = Field(min_length=1)
    active: bool = True
    params: dict[str, Any] = {}


class ScenarioParams(_Payload):
    steps: list[ScenarioStep] = []


class ScenarioDocument(_Payload):
    """A scenario as POSTed (``id`` optional: derived from the name) or PUT."""

    id: str | None = None
    name: str = Field(min_length=1)
    type: str = "step_based"
    active: bool = False
    params: ScenarioParams = ScenarioParams()
    triggers: list[ScenarioTrigger] = []
    reporters: list[dict[str, Any]] = []
    tags: list[str] = []

    @field_validator("id")
    @classmethod
    def _id(cls, value: str | None) -> str | None:
        if value is not None and not SCENARIO_ID_RE.match(value):
            raise ValueError(f"scenario id {value!r} must match [A-Za-z0-9_]+")
        return value

    @field_validator("type")
    @classmethod
    def _type(cls, value: str) -> str:
        if value not in SCENARIO_TYPES:
            raise ValueError(f"scenario type must be one of {', '.join(SCENARIO_TYPES)}")
        return value


class ScenarioLight(_Payload):
    """``PUT /scenarios/{id}/light``: only these fields may change."""

    active: bool | None = None
    description: str | None = None
    shortDesc: str | None = None
    tags: list[str] | None = None


class ScenarioPayload(_Payload):
    script: str


# -- documents --------------------------------------------------------------------------------
def scenario_defaults() -> Doc:
    return {"active": False, "type": "step_based", "params": {"steps": []}, "triggers": [], "reporters": [],
            **taggable_defaults()}


def scenario_light(scenario: Doc, running: bool) -> Doc:
    """The ``/light`` and list view: ``{projectKey, id, name, active, running, ...}``."""
    return {
        "projectKey": scenario["projectKey"], "id": scenario["id"], "name": scenario["name"],
        "type": scenario["type"], "active": scenario.get("active", False), "running": running,
        "tags": list(scenario.get("tags", [])), "description": scenario.get("description", ""),
        "shortDesc": scenario.get("shortDesc", ""), "start": 0, "nextRun": 0,
    }


def manual_trigger() -> Doc:
    return {"id": "manual", "type": "manual", "name": "API run"}


def scenario_run(scenario: Doc, rid: str, trigger: Doc, now_ms: int, step_results: list[tuple[Doc, str, Any]],
                 finished: bool) -> Doc:
    """``{scenarioRun, stepRuns}`` as get-run-for-trigger and the run details return them."""
    outcome = "FAILED" if any(o == "FAILED" for _, o, _ in step_results) else "SUCCESS"
    run: Doc = {
        "runId": rid, "start": now_ms, "end": now_ms if finished else 0,
        "scenario": {"projectKey": scenario["projectKey"], "id": scenario["id"], "name": scenario["name"],
                     "active": scenario.get("active", False), "type": scenario["type"], "automationLocal": False},
        "trigger": {"trigger": trigger, "runId": rid, "cancelled": False}, "variables": {},
        "runAsUser": {"realUserLogin": ADMIN["login"]},
    }
    if finished:
        run["result"] = {"outcome": outcome, "type": "SCENARIO_DONE", "start": now_ms, "end": now_ms}
    steps = []
    for index, (step, step_result, error) in enumerate(step_results):
        record: Doc = {"step": {"id": step.get("id"), "name": step.get("name"), "type": step.get("type")},
                       "runId": f"{rid}-{index}", "start": now_ms, "end": now_ms if finished else 0,
                       "additionalReportItems": []}
        if finished:
            record["result"] = {"outcome": step_result, "start": now_ms, "end": now_ms}
            if error:
                record["result"]["thrown"] = {"clazz": "com.dataiku.dip.scenario.StepFailedException",
                                              "title": error, "message": error}
        steps.append(record)
    return {"scenarioRun": run, "stepRuns": steps}
