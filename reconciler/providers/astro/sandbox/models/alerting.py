"""Notification channels and alerts of the Astro world (a mixin of ``models.AstroWorld``).

Rules beyond the request models, each checked before anything changes (inferred where Astro's
docs are silent):

- A channel's ``definition`` holds exactly its type's keys (``NotificationChannel*Definition``):
  EMAIL ``recipients`` (non-empty), SLACK ``webhookUrl``, PAGERDUTY ``integrationKey``, OPSGENIE
  ``apiKey``, DAG_TRIGGER ``dagId`` + ``deploymentId`` + ``deploymentApiToken``. The channel's
  entity (Deployment, Workspace or this Organization) exists; its type does not change. The
  definition is answered as stored (terraform-provider-astro reads it back from every answer).
- An alert is scoped to a Deployment (``entityType`` DEPLOYMENT); ``rules.properties`` holds
  ``deploymentId`` (that Deployment) and what its type needs: DAG_DURATION
  ``dagDurationSeconds``; DAG_TIMELINESS ``dagDeadline`` (HH:MM, UTC), ``daysOfWeek``,
  ``lookBackPeriodSeconds``; TASK_DURATION ``taskDurationSeconds``. Its channels exist. Its type does not change. Answers embed the
  channels (``notificationChannels``).
- Deleting a channel removes it from the alerts that use it; deleting a Deployment deletes its
  alerts and its channels.

The client's ``PatternMatchEntityType``/``PatternMatchOperatorType`` enums hold one value each
("DAG_ID TASK_ID", "IS IS_NOT INCLUDES EXCLUDES": a generator artifact of the published spec);
the emulator answers the values the platform takes (``DAG_ID``, ``IS``...), which that client
cannot parse: alerts without pattern matches parse, the others do not (tested).
"""

from __future__ import annotations

import re
from typing import Any

from reconciler.providers.astro.sandbox.errors import BadRequest, NotFound
from reconciler.providers.astro.sandbox.payloads import (
    CreateAlert,
    CreateNotificationChannel,
    UpdateAlert,
    UpdateNotificationChannel,
    parse,
)
from reconciler.providers.astro.sandbox.seed import ORG_ID, SUBJECT

Doc = dict[str, Any]
DEFINITION_KEYS = {"EMAIL": {"recipients"}, "SLACK": {"webhookUrl"}, "PAGERDUTY": {"integrationKey"},
                   "OPSGENIE": {"apiKey"}, "DAG_TRIGGER": {"dagId", "deploymentId", "deploymentApiToken"}}
PROPERTY_KEYS = {"DAG_FAILURE": set(), "DAG_SUCCESS": set(), "TASK_FAILURE": set(),
                 "DAG_DURATION": {"dagDurationSeconds"}, "TASK_DURATION": {"taskDurationSeconds"},
                 "DAG_TIMELINESS": {"dagDeadline", "daysOfWeek", "lookBackPeriodSeconds"}}
DAYS = {"MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"}
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def _clean(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def _dump(model: Any) -> Doc:
    """A parsed request without ``None`` at any depth (optional keys left out)."""
    return _clean(model.model_dump())


class AlertingMixin:
    _s: Doc

    # -- notification channels --------------------------------------------------------------------
    def _channel(self, org: str, channel_id: str) -> Doc:
        self.check_org(org)  # type: ignore[attr-defined]
        found = self._s.setdefault("channels", {}).get(channel_id)
        if found is None:
            raise NotFound(f"Notification channel {channel_id} not found")
        return found

    def _entity(self, entity_type: str, entity_id: str) -> Doc:
        """``workspaceId``/``deploymentId``/``entityName`` of an entity (NotFound when unknown)."""
        if entity_type == "DEPLOYMENT":
            d = self._s["deployments"].get(entity_id)
            if d is None:
                raise NotFound(f"Deployment {entity_id} not found")
            return {"deploymentId": entity_id, "workspaceId": d["workspaceId"], "entityName": d["name"]}
        if entity_type == "WORKSPACE":
            w = self._s["workspaces"].get(entity_id)
            if w is None:
                raise NotFound(f"Workspace {entity_id} not found")
            return {"workspaceId": entity_id, "entityName": w["name"]}
        if entity_id != ORG_ID:
            raise NotFound(f"Organization {entity_id} not found")
        return {"entityName": "Sandbox Org"}

    def _check_definition(self, channel_type: str, definition: Doc) -> None:
        keys = DEFINITION_KEYS[channel_type]
        if set(definition) != keys:
            raise BadRequest(f"A {channel_type} notification channel's definition takes exactly "
                             f"{', '.join(sorted(keys))}")
        if channel_type == "EMAIL" and (not isinstance(definition["recipients"], list) or not definition["recipients"]
                                        or not all(isinstance(r, str) and "@" in r for r in definition["recipients"])):
            raise BadRequest("definition.recipients must be a non-empty list of email addresses")
        for key in keys - {"recipients"}:
            if not isinstance(definition[key], str) or not definition[key]:
                raise BadRequest(f"definition.{key} must be a non-empty string")
        if channel_type == "DAG_TRIGGER" and definition["deploymentId"] not in self._s["deployments"]:
            raise BadRequest(f"definition.deploymentId: Deployment {definition['deploymentId']} not found")

    def list_notification_channels(self, org: str, *, ids: list[str], deployment_ids: list[str],
                                   workspace_ids: list[str], types: list[str], entity_type: str | None,
                                   offset: int, limit: int) -> Doc:
        self.check_org(org)  # type: ignore[attr-defined]
        items = [dict(c) for c in self._s.setdefault("channels", {}).values()
                 if (not ids or c["id"] in ids) and (not types or c["type"] in types)
                 and (not deployment_ids or c.get("deploymentId") in deployment_ids)
                 and (not workspace_ids or c.get("workspaceId") in workspace_ids)
                 and (not entity_type or c["entityType"] == entity_type)]
        return self.page(items, "notificationChannels", offset, limit)  # type: ignore[attr-defined]

    def get_notification_channel(self, org: str, channel_id: str) -> Doc:
        return dict(self._channel(org, channel_id))

    def create_notification_channel(self, org: str, body: Any) -> Doc:
        self.check_org(org)  # type: ignore[attr-defined]
        req = _dump(parse(CreateNotificationChannel, body, "notification channel"))
        entity = self._entity(req["entityType"], req["entityId"])
        self._check_definition(req["type"], req["definition"])
        now = self.now()  # type: ignore[attr-defined]
        channel_id = self.new_id("n")  # type: ignore[attr-defined]
        doc = {"id": channel_id, "name": req["name"], "type": req["type"], "definition": req["definition"],
               "entityType": req["entityType"], "entityId": req["entityId"], **entity, "organizationId": ORG_ID,
               "isShared": bool(req.get("isShared")), "createdAt": now, "updatedAt": now,
               "createdBy": dict(SUBJECT), "updatedBy": dict(SUBJECT)}
        self._s["channels"][channel_id] = doc
        return dict(doc)

    def update_notification_channel(self, org: str, channel_id: str, body: Any) -> Doc:
        doc = self._channel(org, channel_id)
        req = _dump(parse(UpdateNotificationChannel, body, "notification channel update"))
        if req.get("type", doc["type"]) != doc["type"]:
            raise BadRequest(f"A notification channel's type cannot change ({doc['type']} -> {req['type']})")
        if "definition" in req:
            self._check_definition(doc["type"], req["definition"])
        for key in ("name", "isShared", "definition"):
            if key in req:
                doc[key] = req[key]
        doc["updatedAt"], doc["updatedBy"] = self.now(), dict(SUBJECT)  # type: ignore[attr-defined]
        return dict(doc)

    def delete_notification_channel(self, org: str, channel_id: str) -> None:
        self._channel(org, channel_id)
        del self._s["channels"][channel_id]
        for alert in self._s.setdefault("alerts", {}).values():
            alert["notificationChannelIds"] = [c for c in alert["notificationChannelIds"] if c != channel_id]

    # -- alerts -----------------------------------------------------------------------------------
    def _alert(self, org: str, alert_id: str) -> Doc:
        self.check_org(org)  # type: ignore[attr-defined]
        found = self._s.setdefault("alerts", {}).get(alert_id)
        if found is None:
            raise NotFound(f"Alert {alert_id} not found")
        return found

    def _check_rules(self, alert_type: str, rules: Doc, deployment_id: str) -> None:
        properties = rules.get("properties") or {}
        needed = PROPERTY_KEYS[alert_type]
        extra = set(properties) - needed - {"deploymentId"}
        missing = needed - set(properties)
        if extra or missing:
            raise BadRequest(f"rules.properties of a {alert_type} alert take deploymentId"
                             + (f" and {', '.join(sorted(needed))}" if needed else "")
                             + (f"; missing {', '.join(sorted(missing))}" if missing else "")
                             + (f"; unknown {', '.join(sorted(extra))}" if extra else ""))
        if properties.get("deploymentId", deployment_id) != deployment_id:
            raise BadRequest("rules.properties.deploymentId must be the alert's entityId")
        for key in ("dagDurationSeconds", "taskDurationSeconds", "lookBackPeriodSeconds"):
            if key in properties and not (isinstance(properties[key], int) and properties[key] > 0):
                raise BadRequest(f"rules.properties.{key} must be a positive integer")
        if "dagDeadline" in properties and not _HHMM.match(str(properties["dagDeadline"])):
            raise BadRequest("rules.properties.dagDeadline must be HH:MM (24-hour, UTC)")
        days = properties.get("daysOfWeek")
        if days is not None and (not isinstance(days, list) or not days or not set(days) <= DAYS):
            raise BadRequest(f"rules.properties.daysOfWeek must be a non-empty list of {', '.join(sorted(DAYS))}")

    def _check_channels(self, ids: list[str]) -> None:
        unknown = [c for c in ids if c not in self._s.setdefault("channels", {})]
        if unknown:
            raise BadRequest(f"Notification channel(s) {', '.join(unknown)} not found")

    def _alert_view(self, doc: Doc) -> Doc:
        out = {k: v for k, v in doc.items() if k != "notificationChannelIds"}
        out["notificationChannels"] = [
            {k: c[k] for k in ("id", "name", "type", "definition", "entityType", "entityId", "organizationId",
                               "createdAt", "updatedAt", "workspaceId", "deploymentId") if k in c}
            for c in (self._s["channels"].get(i) for i in doc["notificationChannelIds"]) if c]
        return out

    def list_alerts(self, org: str, *, ids: list[str], deployment_ids: list[str], workspace_ids: list[str],
                    types: list[str], entity_type: str | None, offset: int, limit: int) -> Doc:
        self.check_org(org)  # type: ignore[attr-defined]
        items = [self._alert_view(a) for a in self._s.setdefault("alerts", {}).values()
                 if (not ids or a["id"] in ids) and (not types or a["type"] in types)
                 and (not deployment_ids or a.get("deploymentId") in deployment_ids)
                 and (not workspace_ids or a.get("workspaceId") in workspace_ids)
                 and (not entity_type or a["entityType"] == entity_type)]
        return self.page(items, "alerts", offset, limit)  # type: ignore[attr-defined]

    def get_alert(self, org: str, alert_id: str) -> Doc:
        return self._alert_view(self._alert(org, alert_id))

    def create_alert(self, org: str, body: Any) -> Doc:
        self.check_org(org)  # type: ignore[attr-defined]
        req = _dump(parse(CreateAlert, body, "alert"))
        entity = self._entity("DEPLOYMENT", req["entityId"])
        self._check_rules(req["type"], req["rules"], req["entityId"])
        self._check_channels(req["notificationChannelIds"])
        now = self.now()  # type: ignore[attr-defined]
        alert_id = self.new_id("a")  # type: ignore[attr-defined]
        doc = {"id": alert_id, "name": req["name"], "type": req["type"], "severity": req["severity"],
               "entityType": "DEPLOYMENT", "entityId": req["entityId"], **entity, "organizationId": ORG_ID,
               "rules": {"properties": {"deploymentId": req["entityId"], **req["rules"].get("properties", {})},
                         "patternMatches": req["rules"].get("patternMatches", [])},
               "notificationChannelIds": list(dict.fromkeys(req["notificationChannelIds"])),
               "createdAt": now, "updatedAt": now, "createdBy": dict(SUBJECT), "updatedBy": dict(SUBJECT)}
        self._s["alerts"][alert_id] = doc
        return self._alert_view(doc)

    def update_alert(self, org: str, alert_id: str, body: Any) -> Doc:
        doc = self._alert(org, alert_id)
        req = _dump(parse(UpdateAlert, body, "alert update"))
        if req.get("type", doc["type"]) != doc["type"]:
            raise BadRequest(f"An alert's type cannot change ({doc['type']} -> {req['type']})")
        rules = doc["rules"]
        if "rules" in req:
            given = req["rules"]
            rules = {"properties": {**doc["rules"]["properties"], **given.get("properties", {})},
                     "patternMatches": given.get("patternMatches", doc["rules"]["patternMatches"])}
            self._check_rules(doc["type"], rules, doc["entityId"])
        if "notificationChannelIds" in req:
            self._check_channels(req["notificationChannelIds"])
            doc["notificationChannelIds"] = list(dict.fromkeys(req["notificationChannelIds"]))
        doc["rules"] = rules
        for key in ("name", "severity"):
            if key in req:
                doc[key] = req[key]
        doc["updatedAt"], doc["updatedBy"] = self.now(), dict(SUBJECT)  # type: ignore[attr-defined]
        return self._alert_view(doc)

    def delete_alert(self, org: str, alert_id: str) -> None:
        self._alert(org, alert_id)
        del self._s["alerts"][alert_id]

    def forget_deployment_alerting(self, deployment_id: str) -> None:
        """What deleting a Deployment does: its alerts and its channels go."""
        for alert_id in [k for k, v in self._s.setdefault("alerts", {}).items() if v["entityId"] == deployment_id]:
            del self._s["alerts"][alert_id]
        for channel_id in [k for k, v in self._s.setdefault("channels", {}).items()
                           if v["entityType"] == "DEPLOYMENT" and v["entityId"] == deployment_id]:
            self.delete_notification_channel(ORG_ID, channel_id)
