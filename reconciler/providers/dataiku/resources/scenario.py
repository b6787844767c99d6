"""``dataiku_scenario``: orchestration of a project (steps, triggers, reporters, active flag).

Id ``"<project>.<scenario id>"``; natural key (project, id): we always send the id, so a retried
create finds the scenario instead of making a second one named alike. ``project``, ``id`` and
``type`` are create-only. One platform document (``GET/PUT /projects/{k}/scenarios/{id}``),
read-modify-written; a custom_python scenario's script is a second one (``.../payload``).

Steps, triggers and reporters are ordered lists in platform keys. DSS gives each an ``id`` (and
triggers a ``delay``) when they have none: ids are never compared, and an update sends back
the live id of the item at the same position, so server-assigned ids neither cause endless diffs
nor change. ``run_after_apply`` runs the scenario after each create or update and waits for its
outcome (reported through ``notify``); ``FAILED`` or ``ABORTED`` fails the apply.

The project's scenario list holds light views (no steps, triggers or reporters): ``list(project)``
reads each listed scenario, and a read by id is that read alone (no ``container_of``). A create
or an update answers with the document its read-modify-write ended with.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Iterable, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from reconciler.errors import ApiError, ProviderError
from reconciler.providers.base import CreatedButFailed, Live, Spec, UpdatedButFailed
from reconciler.providers.common import as_set, fan_out, join_id, or_none, split_id, text
from reconciler.providers.dataiku.resources import _files
from reconciler.providers.dataiku.resources._base import MODIFIED, DataikuResource, modified
from reconciler.providers.models import Model

ID_PATTERN = r"^[A-Za-z0-9_]+$"
#: spec field -> key of the scenario document
DOC_FIELDS = {"name": "name", "active": "active", "description": "description", "short_description": "shortDesc",
              "tags": "tags", "steps": "steps", "triggers": "triggers", "reporters": "reporters", "run_as": "runAsUser"}
DEFAULT_RUN_TIMEOUT = 3600.0


class Step(Model):
    """A step in platform keys (``runConditionType``, ``resetScenarioStatus``... are kept)."""

    model_config = ConfigDict(extra="allow")

    name: str = Field(description="label of the step")
    type: str = Field(description="build_flowitem, exec_sql, custom_python, run_scenario, ...")
    params: dict[str, Any] = Field(default_factory=dict, description="type-specific parameters")


class Trigger(Model):
    """A trigger in platform keys; ``temporal`` params: frequency, hour, minute, daysOfWeek..."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(description="temporal, ds_modified, sql_query, custom_python, ...")
    name: str | None = Field(None, description="label of the trigger")
    active: bool = Field(True, description="whether it fires")
    params: dict[str, Any] = Field(default_factory=dict, description="type-specific parameters")


class RunAfterApply(Model):
    model_config = ConfigDict(extra="forbid")

    timeout: float = Field(DEFAULT_RUN_TIMEOUT, gt=0, description="seconds to wait for the outcome")
    params: dict[str, Any] = Field(default_factory=dict, description="run parameters (trigger params)")


class ScenarioSpec(Model):
    """A scenario."""

    model_config = ConfigDict(extra="forbid")

    project: str = Field(description="key of the project holding it, usually ${dataiku_project.<name>.key}")
    id: str = Field(pattern=ID_PATTERN, description="scenario id (letters, digits, _); changing it replaces")
    name: str = Field(description="display name")
    type: Literal["step_based", "custom_python"] = Field("step_based", description="changing it replaces")
    active: bool = Field(False, description="whether its triggers fire automatically")
    description: str | None = Field("", description="long description (Markdown)")
    short_description: str | None = Field("", description="one-line summary")
    tags: list[str] = Field(default_factory=list, description="tags (a set: order does not matter)")
    steps: list[Step] | None = Field(None, description="steps in order (step_based); left alone when omitted")
    triggers: list[Trigger] | None = Field(None, description="triggers in order; left alone when omitted")
    reporters: list[dict[str, Any]] | None = Field(None, description="reporters in platform keys; left alone "
                                                                     "when omitted")
    script: str | None = Field(None, description="python script (custom_python); or give script_file")
    script_file: str | None = Field(None, description="file holding the script, relative to the specs directory")
    run_as: str | None = Field(None, description="login the scenario runs as (admins only); left alone when omitted")
    run_after_apply: bool | RunAfterApply = Field(
        False, description="run the scenario after each create / update and wait for its outcome")

    @model_validator(mode="after")
    def _consistent(self) -> "ScenarioSpec":
        if self.script is not None and self.script_file is not None:
            raise ValueError("give script or script_file, not both")
        if (self.script is not None or self.script_file is not None) and self.type != "custom_python":
            raise ValueError("script / script_file apply to custom_python scenarios")
        if self.steps and self.type != "step_based":
            raise ValueError("steps apply to step_based scenarios")
        return self


# -- pure helpers ---------------------------------------------------------------------------------
def _items(value: Any, *, trigger: bool = False) -> Any:
    """Steps / triggers / reporters without server ids; triggers' ``delay`` and ``active`` filled."""
    if value is None:
        return []
    if not isinstance(value, list):
        return value
    out = []
    for item in value:
        if isinstance(item, BaseModel):
            item = item.model_dump()
        if isinstance(item, Mapping):
            item = {k: v for k, v in item.items() if k != "id" and v is not None}
            if trigger:
                item.setdefault("delay", 0)
                item.setdefault("active", True)
        out.append(item)
    return out


def _with_live_ids(live: Any, desired: list[Any]) -> list[Any]:
    """Desired items as sent: each keeps the id of the live item at its position (same type)."""
    live = live if isinstance(live, list) else []
    out = []
    for index, item in enumerate(desired):
        item = dict(item.model_dump() if isinstance(item, BaseModel) else item)
        item = {k: v for k, v in item.items() if v is not None}
        have = live[index] if index < len(live) and isinstance(live[index], Mapping) else {}
        if "id" not in item and have.get("id") and have.get("type") == item.get("type"):
            item["id"] = have["id"]
        out.append(item)
    return out


def run_options(value: Any) -> RunAfterApply | None:
    if value is True:
        return RunAfterApply()
    if isinstance(value, Mapping):
        return RunAfterApply.model_validate(value)
    if isinstance(value, RunAfterApply):
        return value
    return None


class Scenario(DataikuResource):
    type_name: ClassVar[str] = "dataiku_scenario"
    spec_model: ClassVar[type[BaseModel]] = ScenarioSpec
    description: ClassVar[str] = "A scenario (steps, triggers, reporters, active flag; optional run after apply)"
    natural_key: ClassVar[tuple[str, ...]] = ("project", "id")
    unique_key: ClassVar[str | None] = "a Dataiku scenario id is unique in its project"
    server_owned: ClassVar[frozenset[str]] = frozenset()
    create_only: ClassVar[frozenset[str]] = frozenset({"project", "id", "type"})
    local_fields: ClassVar[frozenset[str]] = frozenset({"run_after_apply"})
    delete_note: ClassVar[str | None] = "deletes the scenario's run history"
    wait_note: ClassVar[str | None] = "with run_after_apply, runs the scenario and waits for its outcome"
    ref_fields: ClassVar[Mapping[str, str]] = {"project": "dataiku_project.key"}

    container: ClassVar[str | None] = "project"

    def read(self, object_id: str) -> Live | None:
        project, scenario_id = split_id(object_id, "scenario")
        doc = or_none(lambda: self.client.get_scenario(project, scenario_id))
        if doc is None:
            return None
        script = (or_none(lambda: self.client.get_scenario_script(project, scenario_id))
                  if doc.get("type") == "custom_python" else "")
        return _live(project, doc, script) if script is not None else None

    def list(self, container: str | None) -> Iterable[tuple[str, Live]]:
        """Each scenario of the project, read (the list holds light views)."""
        listed = or_none(lambda: self.client.list_scenarios(str(container))) or []
        ids = [str(s["id"]) for s in listed if s.get("id")]
        found = fan_out(lambda scenario_id: self.read(join_id(str(container), scenario_id)), ids)
        return [(join_id(live["project"], live["id"]), live) for live in found if live is not None]

    def export_view(self, live: Live) -> Live:
        """The script inline (not ``script_file``); steps, triggers and reporters without the ids DSS gave them."""
        out = {k: v for k, v in live.items() if k != "script_file"}
        for f in ("steps", "triggers", "reporters"):
            if isinstance(out.get(f), list):
                out[f] = [{k: v for k, v in i.items() if k != "id"} if isinstance(i, Mapping) else i for i in out[f]]
        return out

    def create(self, spec: Spec) -> tuple[str, Live]:
        want = ScenarioSpec.model_validate(spec)
        script = _files.text_of(dict(spec), "script", "script_file")
        body = {"id": want.id, "name": want.name, "type": want.type, "active": want.active,
                "params": {"steps": _with_live_ids([], want.steps or [])},
                "triggers": _with_live_ids([], want.triggers or []), "reporters": _with_live_ids([], want.reporters or [])}
        scenario_id = self.client.create_scenario(want.project, body)
        new_id = join_id(want.project, scenario_id)
        try:
            live = self._save(want.project, scenario_id, spec, set(spec), script)
            self._run_if_asked(want.project, scenario_id, spec)
        except ProviderError as exc:
            raise CreatedButFailed(new_id, exc) from exc
        return new_id, live

    def update(self, object_id: str, live: Live, spec: Spec, changed: frozenset[str]) -> Live:
        project, scenario_id = split_id(object_id, "scenario")
        fields = set(changed) & set(spec)
        script = _files.text_of(dict(spec), "script", "script_file") if fields & {"script", "script_file"} else None
        new = self._save(project, scenario_id, spec, fields, script)
        try:
            self._run_if_asked(project, scenario_id, spec)
        except ProviderError as exc:
            raise UpdatedButFailed(new, exc) from exc
        return new

    def delete(self, object_id: str, *, attrs: Mapping[str, Any] | None = None) -> None:
        project, scenario_id = split_id(object_id, "scenario")
        or_none(lambda: self.client.delete_scenario(project, scenario_id))

    def normalize_fields(self, out: dict[str, Any]) -> dict[str, Any]:
        for f in ("steps", "reporters"):
            if f in out:
                out[f] = _items(out[f])
        if "triggers" in out:
            out["triggers"] = _items(out["triggers"], trigger=True)
        for f in ("description", "short_description"):
            if f in out:
                out[f] = text(out[f])
        if "tags" in out:
            out["tags"] = as_set(out["tags"])
        if "script" in out and isinstance(out["script"], str):
            out["script"] = out["script"].replace("\r\n", "\n")
        if "script_file" in out:
            out["script_file"] = _files.comparable(out["script_file"])
        return out

    # -- writes -------------------------------------------------------------------------------
    def _save(self, project: str, scenario_id: str, spec: Spec, fields: set[str], script: str | None) -> Live:
        """The scenario document (and a custom_python one's script) with ``fields`` written, PUT
        only if changed; the live view of the result."""
        doc_fields = [f for f in DOC_FIELDS if f in fields and not (spec[f] is None and f in (
            "steps", "triggers", "reporters", "run_as"))]
        doc = self.client.get_scenario(project, scenario_id)
        new = dict(doc)
        for f in doc_fields:
            value = spec[f]
            if f == "steps":
                params = dict(doc.get("params") or {})
                params["steps"] = _with_live_ids(params.get("steps"), value)
                new["params"] = params
            elif f in ("triggers", "reporters"):
                new[f] = _with_live_ids(doc.get(f), value)
            elif f == "tags":
                new["tags"] = as_set(value)
            elif f in ("description", "short_description"):
                new[DOC_FIELDS[f]] = text(value)
            else:
                new[DOC_FIELDS[f]] = value
        if new != doc:
            self.client.put_scenario(project, scenario_id, new)
        current = ""
        if new.get("type") == "custom_python":
            current = self.client.get_scenario_script(project, scenario_id)
            if script is not None and script != current:
                self.client.put_scenario_script(project, scenario_id, script)
                current = script
        return _live(project, new, current)

    def _run_if_asked(self, project: str, scenario_id: str, spec: Spec) -> None:
        options = run_options(spec.get("run_after_apply"))
        if options is None:
            return
        fire = self.client.run_scenario(project, scenario_id, options.params)
        self.notify(f"running scenario {project}.{scenario_id} (trigger run {fire.get('runId')})")
        details = self.client.wait_scenario_run(project, scenario_id, fire, timeout=options.timeout,
                                                progress=self.notify)
        run = details["scenarioRun"]
        outcome = (run.get("result") or {}).get("outcome", "UNKNOWN")
        self.notify(f"scenario {project}.{scenario_id} run {run.get('runId')}: {outcome}")
        if outcome in ("FAILED", "ABORTED"):
            reasons = [((s.get("result") or {}).get("thrown") or {}).get("message") for s in details.get("stepRuns", [])]
            why = "; ".join(r for r in reasons if r)
            raise ApiError(f"scenario {project}.{scenario_id} run {run.get('runId')} ended {outcome}"
                           + (f": {why}" if why else ""))


def _live(project: str, doc: Mapping[str, Any], script: str) -> Live:
    """The live view of a scenario document (and of a custom_python scenario's script)."""
    live = {
        "project": doc.get("projectKey") or project,
        "id": doc.get("id"),
        "name": doc.get("name"),
        "type": doc.get("type"),
        "active": bool(doc.get("active", False)),
        "description": text(doc.get("description")),
        "short_description": text(doc.get("shortDesc")),
        "tags": as_set(doc.get("tags")),
        "steps": list((doc.get("params") or {}).get("steps") or []),
        "triggers": list(doc.get("triggers") or []),
        "reporters": list(doc.get("reporters") or []),
        "run_as": doc.get("runAsUser"),
        MODIFIED: modified(doc.get("versionTag")),
    }
    if doc.get("type") == "custom_python":
        live.update(script=script, script_file=_files.LiveText(script))
    return live
