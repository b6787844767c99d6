"""Scenarios: definitions (steps, triggers, reporters), python payloads and runs.

State: ``projects[key]["scenarios"] {id: {doc, script, runs: [{fire, details, pending}]}}``.
Ids of steps, triggers and reporters sent without one are assigned by the server (8 characters)
and kept by later PUTs that send them back. A run is decided when its trigger fires (see
``step_outcome``) and reads as running until it has been polled ``pending_polls`` times
(get-run-for-trigger or the run details); 0 means finished at once.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any

from reconciler.providers.dataiku.sandbox.errors import IllegalArgument, NotFound
from reconciler.providers.dataiku.sandbox.models.core import ID_ALPHABET, Doc, WorldCore
from reconciler.providers.dataiku.sandbox.models.core import deep_copy as _copy
from reconciler.providers.dataiku.sandbox.payloads.common import parse
from reconciler.providers.dataiku.sandbox.payloads.scenarios import (
    ScenarioDocument,
    ScenarioLight,
    ScenarioPayload,
    manual_trigger,
    scenario_defaults,
    scenario_light,
    scenario_run,
)

_MAX_RUNS = 50
_SERVER_OWNED = ("projectKey", "id", "versionTag", "creationTag")


def scenario_id_from_name(name: str) -> str:
    """``"Nightly build"`` -> ``NIGHTLY_BUILD`` (what the client observes, reference §E.3)."""
    return re.sub(r"[^A-Za-z0-9_]", "_", name.strip()).upper() or "SCENARIO"


def run_id(now_ms: int, counter: int) -> str:
    """``2017-09-28-16-49-05-255`` (the seed's format), made unique by the counter."""
    stamp = datetime.fromtimestamp(now_ms / 1000, tz=timezone.utc)
    return stamp.strftime("%Y-%m-%d-%H-%M-%S-") + f"{(now_ms + counter) % 1000:03d}"


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


class ScenariosModel(WorldCore):
    """Scenarios of a project and their runs."""

    def _scenario(self, project_key: str, scenario_id: str) -> Doc:
        record = self._project(project_key)["scenarios"].get(scenario_id)
        if record is None:
            raise NotFound(f"Scenario {project_key}.{scenario_id} does not exist")
        return record

    def _assign_ids(self, doc: Doc) -> None:
        """Give every step, trigger and reporter without an id a fresh one; triggers get a ``delay``."""
        for items in (doc["params"].get("steps", []), doc.get("triggers", []), doc.get("reporters", [])):
            taken = {i.get("id"): True for i in items if isinstance(i, dict)}
            for item in items:
                if isinstance(item, dict) and not item.get("id"):
                    item["id"] = self._new_id(8, ID_ALPHABET, taken)
                    taken[item["id"]] = True
        for trigger in doc.get("triggers", []):
            if isinstance(trigger, dict):
                trigger.setdefault("delay", 0)

    @staticmethod
    def _running(record: Doc) -> bool:
        return any(run["pending"] > 0 for run in record["runs"])

    def list_scenarios(self, project_key: str) -> list[Doc]:
        return [scenario_light(r["doc"], self._running(r))
                for r in self._project(project_key)["scenarios"].values()]

    def create_scenario(self, project_key: str, body: Any) -> Doc:
        project = self._project(project_key)
        request = parse(ScenarioDocument, body, "scenario")
        scenario_id = request.id or scenario_id_from_name(request.name)
        if scenario_id in project["scenarios"]:
            raise IllegalArgument(f"Scenario {project_key}.{scenario_id} already exists")
        doc = {**scenario_defaults(), **_copy(body)}
        doc["params"] = {**doc.get("params", {}), "steps": doc.get("params", {}).get("steps", [])}
        doc.update(projectKey=project_key, id=scenario_id)
        doc["creationTag"], doc["versionTag"] = self._tags()
        self._assign_ids(doc)
        project["scenarios"][scenario_id] = {"doc": doc, "script": "", "runs": []}
        return {"id": scenario_id}

    def get_scenario(self, project_key: str, scenario_id: str) -> Doc:
        return _copy(self._scenario(project_key, scenario_id)["doc"])

    def set_scenario(self, project_key: str, scenario_id: str, body: Any) -> None:
        record = self._scenario(project_key, scenario_id)
        request = parse(ScenarioDocument, body, "scenario")
        old = record["doc"]
        if request.type != old["type"]:
            raise IllegalArgument(f"The type of scenario {scenario_id} cannot change ({old['type']} -> {request.type})")
        doc = {k: _copy(v) for k, v in body.items() if k not in _SERVER_OWNED}
        doc["params"] = {**doc.get("params", {}), "steps": doc.get("params", {}).get("steps", [])}
        doc.setdefault("triggers", [])
        doc.setdefault("reporters", [])
        doc.update(projectKey=project_key, id=scenario_id, creationTag=old["creationTag"], versionTag=old["versionTag"])
        self._assign_ids(doc)
        record["doc"] = doc
        self._bump(doc)

    def get_scenario_light(self, project_key: str, scenario_id: str) -> Doc:
        record = self._scenario(project_key, scenario_id)
        return scenario_light(record["doc"], self._running(record))

    def set_scenario_light(self, project_key: str, scenario_id: str, body: Any) -> None:
        record = self._scenario(project_key, scenario_id)
        light = parse(ScenarioLight, body, "scenario status")
        for key in ("active", "description", "shortDesc", "tags"):
            value = getattr(light, key)
            if value is not None:
                record["doc"][key] = _copy(value)
        self._bump(record["doc"])

    def get_scenario_payload(self, project_key: str, scenario_id: str) -> Doc:
        return {"script": self._scenario(project_key, scenario_id)["script"], "extension": "py"}

    def set_scenario_payload(self, project_key: str, scenario_id: str, body: Any) -> None:
        record = self._scenario(project_key, scenario_id)
        request = parse(ScenarioPayload, body, "scenario payload")
        if record["doc"]["type"] != "custom_python":
            raise IllegalArgument(f"Scenario {scenario_id} is step-based: it has no script")
        record["script"] = request.script
        self._bump(record["doc"])

    def delete_scenario(self, project_key: str, scenario_id: str) -> Doc:
        self._scenario(project_key, scenario_id)
        del self._project(project_key)["scenarios"][scenario_id]
        return {"message": f"Deleted scenario {scenario_id} from project {project_key}"}

    # -- runs -----------------------------------------------------------------------------------
    def _item_exists(self, project_key: str, item_type: str, ref: Any) -> bool:
        project = self._s["projects"].get(project_key)
        if project is None or not isinstance(ref, str):
            return False
        kind = str(item_type).upper()
        if kind == "MANAGED_FOLDER":
            return ref in project["managedFolders"]
        return ref in project["datasets"]

    def run_scenario(self, project_key: str, scenario_id: str, params: Any) -> Doc:
        record = self._scenario(project_key, scenario_id)
        if params is not None and not isinstance(params, dict):
            raise IllegalArgument("Scenario run parameters must be a JSON object")
        now = self._now_ms()
        doc = record["doc"]
        steps = doc["params"].get("steps", []) if doc["type"] == "step_based" else [
            {"id": "script", "name": "script", "type": "custom_python", "params": {"script": record["script"]}}]
        results = []
        for step in steps:
            outcome, error = step_outcome(step, lambda t, r: self._item_exists(project_key, t, r))
            results.append((step, outcome, error))
            if outcome == "FAILED":
                break
        self._s["idCounter"] += 1
        rid = run_id(now, self._s["idCounter"])
        trigger = manual_trigger()
        fire = {"projectKey": project_key, "scenarioId": scenario_id, "trigger": trigger, "runId": rid,
                "params": _copy(params or {}), "cancelled": False, "timestamp": now}
        details = scenario_run(doc, rid, trigger, now, results, finished=True)
        record["runs"].insert(0, {"fire": fire, "details": details, "pending": self.pending_polls})
        del record["runs"][_MAX_RUNS:]
        return _copy(fire)

    @staticmethod
    def _run_view(run: Doc) -> Doc:
        details = _copy(run["details"])
        if run["pending"] > 0:
            details["scenarioRun"].pop("result", None)
            details["scenarioRun"]["end"] = 0
            for step in details["stepRuns"]:
                step.pop("result", None)
                step["end"] = 0
        return details

    def _poll(self, run: Doc) -> Doc:
        view = self._run_view(run)
        if run["pending"] > 0:
            run["pending"] -= 1
        return view

    def get_run_for_trigger(self, project_key: str, scenario_id: str, trigger_id: str | None,
                            trigger_run_id: str | None) -> Doc:
        record = self._scenario(project_key, scenario_id)
        for run in record["runs"]:
            fire = run["fire"]
            if fire["trigger"]["id"] == trigger_id and fire["runId"] == trigger_run_id:
                return self._poll(run)
        return {}

    def get_scenario_run(self, project_key: str, scenario_id: str, run_id: str) -> Doc:
        record = self._scenario(project_key, scenario_id)
        for run in record["runs"]:
            if run["details"]["scenarioRun"]["runId"] == run_id:
                return self._poll(run)
        raise NotFound(f"Run {run_id} of scenario {project_key}.{scenario_id} does not exist")

    def get_trigger_fire(self, project_key: str, scenario_id: str, trigger_id: str,
                         trigger_run_id: str | None) -> Doc:
        record = self._scenario(project_key, scenario_id)
        for run in record["runs"]:
            if run["fire"]["trigger"]["id"] == trigger_id and run["fire"]["runId"] == trigger_run_id:
                return _copy(run["fire"])
        raise NotFound(f"Trigger fire {trigger_id}/{trigger_run_id} of scenario {scenario_id} does not exist")

    def get_last_runs(self, project_key: str, scenario_id: str, limit: int, only_finished: bool) -> list[Doc]:
        record = self._scenario(project_key, scenario_id)
        runs = [self._run_view(r)["scenarioRun"] for r in record["runs"] if not (only_finished and r["pending"] > 0)]
        return runs[:max(0, limit)]

    def abort_scenario(self, project_key: str, scenario_id: str) -> Doc:
        """Abort the running run, if any: it finishes now with outcome ABORTED."""
        record = self._scenario(project_key, scenario_id)
        for run in record["runs"]:
            if run["pending"] > 0:
                run["pending"] = 0
                run["details"]["scenarioRun"]["result"]["outcome"] = "ABORTED"
        return {}
