"""Default documents of the flow objects (recipes, managed folders, scenarios, runs, wiki
articles), as the emulator builds them. Pure functions returning fresh dicts.

Every nested key the official client indexes into is present (``partitioning.dimensions``,
``params.steps``, ``triggers``, ``reporters``...). The rules that are inferred rather than
documented are listed in COVERAGE.md.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any

from reconciler.providers.dataiku.sandbox.seed import ADMIN
from reconciler.providers.dataiku.sandbox.payloads.flow import CODE_RECIPE_TYPES

Doc = dict[str, Any]

#: recipe types whose params hold a code env selection
_ENV_TYPES = {"python": "PYTHON", "pyspark": "PYTHON", "r": "R", "sparkr": "R"}


def recipe_params(recipe_type: str) -> Doc:
    """The params DSS gives a new recipe of ``recipe_type`` (engine and env selection)."""
    params: Doc = {"containerSelection": {"containerMode": "INHERIT"}}
    if recipe_type in _ENV_TYPES:
        params["envSelection"] = {"envMode": "INHERIT"}
    if recipe_type not in CODE_RECIPE_TYPES:
        params = {"engineParams": {}, "forcedEngine": None}
    return params


def recipe_payload(recipe_type: str, creation_settings: Doc) -> str:
    """The payload a new recipe starts with: the script given, else an empty one."""
    for key in ("script", "payload", "rawPayload"):
        value = creation_settings.get(key)
        if isinstance(value, str):
            return value
    if recipe_type == "grouping" and isinstance(creation_settings.get("groupKey"), str):
        import json

        return json.dumps({"keys": [{"column": creation_settings["groupKey"]}], "values": []})
    return "" if recipe_type in CODE_RECIPE_TYPES else "{}"


def taggable_defaults() -> Doc:
    """What every taggable flow object carries."""
    return {"tags": [], "description": "", "shortDesc": "", "customFields": {}, "checklists": {"checklists": []}}


def normalize_roles(roles: Doc, outputs: bool) -> Doc:
    """``{role: {items: [...]}}`` with ``deps`` on inputs and ``appendMode`` on outputs filled in."""
    out = {}
    for role, value in roles.items():
        items = []
        for item in value.get("items", []):
            item = dict(item)
            if outputs:
                item.setdefault("appendMode", False)
            else:
                item.setdefault("deps", [])
            items.append(item)
        out[role] = {**value, "items": items}
    return out


def recipe_refs(recipe: Doc) -> tuple[list[str], list[str]]:
    """The refs a recipe reads and writes."""
    def refs(roles: Any) -> list[str]:
        if not isinstance(roles, dict):
            return []
        return [i.get("ref") for r in roles.values() if isinstance(r, dict)
                for i in r.get("items", []) if isinstance(i, dict) and i.get("ref")]

    return refs(recipe.get("inputs")), refs(recipe.get("outputs"))


def generated_recipe_name(recipe_type: str, outputs: list[str]) -> str:
    """The name DSS picks when the prototype has none: ``compute_<first output>`` (inferred)."""
    base = outputs[0].split(".")[-1] if outputs else recipe_type
    return "compute_" + re.sub(r"[^A-Za-z0-9_]", "_", base)


# -- managed folders --------------------------------------------------------------------------
DEFAULT_FOLDER_PATH = "/${projectKey}/${odbId}"


def managed_folder_doc(project_key: str, folder_id: str, name: str, folder_type: str, params: Doc) -> Doc:
    return {
        "projectKey": project_key,
        "id": folder_id,
        "name": name,
        "type": folder_type,
        "params": params,
        "partitioning": {"ignoreNonMatchingFile": False, "considerMissingRequestedPartitionsAsEmpty": False,
                         "dimensions": []},
        "flowOptions": {"virtualizable": False, "rebuildBehavior": "NORMAL"},
        "metrics": {"probes": [], "engineConfig": {}, "displayedState": {"columns": [], "metrics": []}},
        **taggable_defaults(),
    }


# -- scenarios --------------------------------------------------------------------------------
def scenario_id_from_name(name: str) -> str:
    """``"Nightly build"`` -> ``NIGHTLY_BUILD`` (what the client observes, reference §E.3)."""
    return re.sub(r"[^A-Za-z0-9_]", "_", name.strip()).upper() or "SCENARIO"


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


def run_id(now_ms: int, counter: int) -> str:
    """``2017-09-28-16-49-05-255`` (the seed's format), made unique by the counter."""
    stamp = datetime.fromtimestamp(now_ms / 1000, tz=timezone.utc)
    return stamp.strftime("%Y-%m-%d-%H-%M-%S-") + f"{(now_ms + counter) % 1000:03d}"


def manual_trigger() -> Doc:
    return {"id": "manual", "type": "manual", "name": "API run"}


def step_outcome(step: Doc, exists: Any) -> tuple[str, str | None]:
    """How the sandbox decides a step's outcome (documented in COVERAGE.md).

    ``build_flowitem`` fails when an item to build does not exist (``exists(type, ref)``); a
    ``custom_python`` step fails when its script raises at top level (a line starting with
    ``raise``); everything else succeeds.
    """
    params = step.get("params") or {}
    if step.get("type") == "build_flowitem":
        for item in params.get("builds", []):
            if isinstance(item, dict) and not exists(item.get("type", "DATASET"), item.get("itemId")):
                return "FAILED", f"cannot build {item.get('type', 'DATASET')} {item.get('itemId')}: it does not exist"
    if step.get("type") == "custom_python":
        script = params.get("script") or ""
        if any(line.startswith("raise") for line in script.splitlines()):
            return "FAILED", "the step's script raised an exception"
    return "SUCCESS", None


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


# -- wiki -------------------------------------------------------------------------------------
def article_doc(project_key: str, article_id: str, name: str) -> Doc:
    return {"projectKey": project_key, "id": article_id, "name": name, "layout": "WIKI_ARTICLE",
            "attachments": [], "tags": []}
