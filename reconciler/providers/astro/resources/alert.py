"""``astro_alert``: an Astro alert on a Deployment's DAGs or tasks, sent to notification channels.

Id: the server's cuid. Natural key: (``deployment``, ``name``) (not documented as unique: an
ambiguous match is refused). ``type`` and ``deployment`` cannot change (the update request has
no entity, and Astro refuses a type change): changing one replaces the alert.

``notification_channel_ids`` is a set of channel ids, usually
``${astro_notification_channel.<name>.id}`` (so channels are made first and deleted last).
``pattern_matches`` (which DAGs or tasks: ``DAG_ID``/``TASK_ID`` ``IS``/``IS_NOT``/``INCLUDES``/
``EXCLUDES`` values) is a set. What each type needs, as Astro's create requests say:
DAG_DURATION ``dag_duration_seconds``; DAG_TIMELINESS ``dag_deadline`` (HH:MM, UTC),
``days_of_week``, ``look_back_period_seconds``; TASK_DURATION ``task_duration_seconds``;
DAG_FAILURE, DAG_SUCCESS, TASK_FAILURE nothing more. Reads: ``list`` reads the organization's
alerts (one paged call).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Iterable, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from reconciler.providers.astro.client import AstroClient
from reconciler.providers.astro.resources._common import last_modified
from reconciler.providers.base import Live, ResourceType, Spec
from reconciler.providers.common import as_set, or_none
from reconciler.providers.models import Model

AlertType = Literal["DAG_FAILURE", "DAG_SUCCESS", "DAG_DURATION", "DAG_TIMELINESS", "TASK_FAILURE", "TASK_DURATION"]
Day = Literal["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"]
#: spec field -> rules.properties key
PROPERTIES = {"dag_duration_seconds": "dagDurationSeconds", "dag_deadline": "dagDeadline",
              "days_of_week": "daysOfWeek", "look_back_period_seconds": "lookBackPeriodSeconds",
              "task_duration_seconds": "taskDurationSeconds"}
NEEDS = {"DAG_FAILURE": (), "DAG_SUCCESS": (), "TASK_FAILURE": (), "DAG_DURATION": ("dag_duration_seconds",),
         "TASK_DURATION": ("task_duration_seconds",),
         "DAG_TIMELINESS": ("dag_deadline", "days_of_week", "look_back_period_seconds")}


class PatternMatch(Model):
    """Which DAGs or tasks the alert watches."""

    model_config = ConfigDict(extra="forbid")

    entity_type: Literal["DAG_ID", "TASK_ID"] = Field(description="match DAG ids or task ids")
    operator_type: Literal["IS", "IS_NOT", "INCLUDES", "EXCLUDES"] = Field(description="how to match")
    values: list[str] = Field(min_length=1, description="ids or substrings (a set)")


class AlertSpec(Model):
    """An Astro alert."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, description="alert name (the adoption key, with deployment)")
    type: AlertType = Field(description="DAG_FAILURE, DAG_SUCCESS, DAG_DURATION, DAG_TIMELINESS, TASK_FAILURE or "
                                        "TASK_DURATION (replaces)")
    deployment: str = Field(min_length=1, description="Deployment id, usually ${astro_deployment.<name>.id} (replaces)")
    severity: Literal["INFO", "WARNING", "CRITICAL"] = Field("INFO", description="severity")
    notification_channel_ids: list[str] = Field(
        default_factory=list, description="channels, usually ${astro_notification_channel.<name>.id} (a set)")
    pattern_matches: list[PatternMatch] = Field(default_factory=list, description="which DAGs or tasks (a set)")
    dag_duration_seconds: int | None = Field(None, gt=0, description="DAG_DURATION: longest run")
    dag_deadline: str | None = Field(None, pattern=r"^([01]\d|2[0-3]):[0-5]\d$",
                                     description="DAG_TIMELINESS: HH:MM (UTC) a run must have finished by")
    days_of_week: list[Day] = Field(default_factory=list, description="DAG_TIMELINESS: days checked (a set)")
    look_back_period_seconds: int | None = Field(None, gt=0, description="DAG_TIMELINESS: look-back period")
    task_duration_seconds: int | None = Field(None, gt=0, description="TASK_DURATION: longest task run")

    @model_validator(mode="after")
    def _consistent(self) -> "AlertSpec":
        needs = set(NEEDS[self.type])
        wrong = sorted(f for f in PROPERTIES if f not in needs and getattr(self, f) not in (None, []))
        if wrong:
            raise ValueError(f"{', '.join(wrong)} do not apply to a {self.type} alert"
                             + (f"; it takes {', '.join(sorted(needs))}" if needs else ""))
        missing = sorted(f for f in needs if getattr(self, f) in (None, []))
        if missing:
            raise ValueError(f"a {self.type} alert needs {', '.join(missing)}")
        return self


def live_view(doc: Mapping[str, Any]) -> Live:
    rules = doc.get("rules") if isinstance(doc.get("rules"), Mapping) else {}
    properties = rules.get("properties") if isinstance(rules.get("properties"), Mapping) else {}
    out: Live = {"id": doc["id"], "name": doc.get("name"), "type": doc.get("type"),
                 "deployment": doc.get("entityId"), "severity": doc.get("severity"),
                 "notification_channel_ids": sorted(c.get("id") for c in doc.get("notificationChannels") or []
                                                    if isinstance(c, Mapping)),
                 "pattern_matches": [{"entity_type": p.get("entityType"), "operator_type": p.get("operatorType"),
                                      "values": p.get("values") or []}
                                     for p in rules.get("patternMatches") or [] if isinstance(p, Mapping)],
                 "updated_at": doc.get("updatedAt"), "updated_by": doc.get("updatedBy")}
    for field, key in PROPERTIES.items():
        out[field] = properties.get(key)
    out["days_of_week"] = out["days_of_week"] or []
    return out


def rules_body(spec: Mapping[str, Any], *, create: bool) -> dict[str, Any]:
    properties = {key: spec[field] for field, key in PROPERTIES.items() if field in NEEDS[spec["type"]]}
    if create:
        properties["deploymentId"] = spec["deployment"]
    body: dict[str, Any] = {"patternMatches": [
        {"entityType": p["entity_type"], "operatorType": p["operator_type"], "values": list(p["values"])}
        for p in spec["pattern_matches"]]}
    if properties:
        body["properties"] = properties
    return body


class Alert(ResourceType):
    type_name: ClassVar[str] = "astro_alert"
    spec_model: ClassVar[type[BaseModel]] = AlertSpec
    description: ClassVar[str] = "An Astro alert on a Deployment's DAGs or tasks, sent to notification channels"
    natural_key: ClassVar[tuple[str, ...]] = ("deployment", "name")
    server_owned: ClassVar[frozenset[str]] = frozenset({"id"})
    create_only: ClassVar[frozenset[str]] = frozenset({"type", "deployment"})
    ref_fields: ClassVar[Mapping[str, str]] = {"deployment": "astro_deployment"}

    client: AstroClient

    def read(self, object_id: str) -> Live | None:
        return or_none(lambda: live_view(self.client.get_alert(object_id)))

    def list(self, container: str | None) -> Iterable[tuple[str, Live]]:
        return [(d["id"], live_view(d)) for d in self.client.list_alerts()]

    def create(self, spec: Spec) -> tuple[str, Live]:
        want = AlertSpec.model_validate(spec).model_dump()
        doc = self.client.create_alert({
            "name": want["name"], "type": want["type"], "severity": want["severity"], "entityType": "DEPLOYMENT",
            "entityId": want["deployment"], "notificationChannelIds": list(want["notification_channel_ids"]),
            "rules": rules_body(want, create=True)})
        return doc["id"], live_view(doc)

    def update(self, object_id: str, live: Live, spec: Spec, changed: frozenset[str]) -> Live:
        want = AlertSpec.model_validate(spec).model_dump()
        return live_view(self.client.update_alert(object_id, {
            "name": want["name"], "type": want["type"], "severity": want["severity"],
            "notificationChannelIds": list(want["notification_channel_ids"]),
            "rules": rules_body(want, create=False)}))

    def delete(self, object_id: str, *, attrs: Mapping[str, Any] | None = None) -> None:
        or_none(lambda: self.client.delete_alert(object_id))

    def last_modified(self, live: Live) -> tuple[str | None, str | None] | None:
        return last_modified(live)

    def normalize(self, attrs: Mapping[str, Any]) -> dict[str, Any]:
        out = {k: v for k, v in attrs.items() if k not in ("updated_at", "updated_by")}
        for field in ("notification_channel_ids", "days_of_week"):
            if field in out:
                out[field] = as_set(out[field])
        if isinstance(out.get("pattern_matches"), list):
            out["pattern_matches"] = sorted(
                ({"entity_type": p.get("entity_type"), "operator_type": p.get("operator_type"),
                  "values": as_set(p.get("values"))} if isinstance(p, Mapping) else p
                 for p in out["pattern_matches"]), key=repr)
        return out
