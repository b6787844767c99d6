"""``astro_notification_channel``: where Astro sends alerts (email, Slack, PagerDuty, Opsgenie, or a
DAG it triggers), owned by a Deployment, a Workspace or the Organization.

Id: the server's cuid. Natural key: (``entity_id``, ``name``); Astro does not say names are
unique, so an ambiguous match is refused by the engine. ``type``, ``entity_type`` and
``entity_id`` cannot change (the update request has no entity; a type change is refused by Astro):
changing one replaces the channel.

The definition is flattened into the block: ``recipients`` (EMAIL), ``dag_id`` and
``deployment_id`` (DAG_TRIGGER), and the write-only credentials ``webhook_url`` (SLACK),
``integration_key`` (PAGERDUTY), ``api_key`` (OPSGENIE), ``deployment_api_token`` (DAG_TRIGGER):
``sensitive``, sent on every create and update (the update request takes the definition whole),
never kept in the live view nor stored (state keeps a keyed hash: rotating one plans an update).
Reads: ``list`` reads the organization's channels (one paged call).
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

ChannelType = Literal["EMAIL", "SLACK", "PAGERDUTY", "OPSGENIE", "DAG_TRIGGER"]
#: spec field -> definition key, per channel type
DEFINITION = {"EMAIL": {"recipients": "recipients"}, "SLACK": {"webhook_url": "webhookUrl"},
              "PAGERDUTY": {"integration_key": "integrationKey"}, "OPSGENIE": {"api_key": "apiKey"},
              "DAG_TRIGGER": {"dag_id": "dagId", "deployment_id": "deploymentId",
                              "deployment_api_token": "deploymentApiToken"}}
SECRETS = frozenset({"webhook_url", "integration_key", "api_key", "deployment_api_token"})
ALL_FIELDS = {f for fields in DEFINITION.values() for f in fields}


class NotificationChannelSpec(Model):
    """An Astro notification channel."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, description="channel name (the adoption key, with entity_id)")
    type: ChannelType = Field(description="EMAIL, SLACK, PAGERDUTY, OPSGENIE or DAG_TRIGGER (replaces)")
    entity_type: Literal["DEPLOYMENT", "WORKSPACE", "ORGANIZATION"] = Field(
        "DEPLOYMENT", description="who owns it (replaces)")
    entity_id: str = Field(min_length=1, description="the Deployment, Workspace or Organization id (replaces)")
    is_shared: bool = Field(False, description="WORKSPACE/ORGANIZATION: usable by alerts of every Deployment under it")
    recipients: list[str] = Field(default_factory=list, description="EMAIL: addresses (a set)")
    dag_id: str | None = Field(None, description="DAG_TRIGGER: the DAG to trigger")
    deployment_id: str | None = Field(None, description="DAG_TRIGGER: the Deployment running that DAG")
    webhook_url: str | None = Field(None, description="SLACK: incoming webhook URL (write-only)")
    integration_key: str | None = Field(None, description="PAGERDUTY: integration key (write-only)")
    api_key: str | None = Field(None, description="OPSGENIE: API key (write-only)")
    deployment_api_token: str | None = Field(None, description="DAG_TRIGGER: a Deployment API token (write-only)")

    @model_validator(mode="after")
    def _consistent(self) -> "NotificationChannelSpec":
        own = set(DEFINITION[self.type])
        wrong = sorted(f for f in ALL_FIELDS - own if getattr(self, f) not in (None, []))
        if wrong:
            raise ValueError(f"{', '.join(wrong)} do not apply to a {self.type} channel; it takes "
                             f"{', '.join(sorted(own))}")
        missing = sorted(f for f in own if getattr(self, f) in (None, []))
        if missing:
            raise ValueError(f"a {self.type} channel needs {', '.join(missing)}")
        return self


def live_view(doc: Mapping[str, Any]) -> Live:
    definition = doc.get("definition") if isinstance(doc.get("definition"), Mapping) else {}
    out: Live = {"id": doc["id"], "name": doc.get("name"), "type": doc.get("type"),
                 "entity_type": doc.get("entityType"), "entity_id": doc.get("entityId"),
                 "is_shared": bool(doc.get("isShared", False)),
                 "recipients": sorted(definition.get("recipients") or []),
                 "dag_id": definition.get("dagId"), "deployment_id": definition.get("deploymentId"),
                 "updated_at": doc.get("updatedAt"), "updated_by": doc.get("updatedBy")}
    return out  # credentials are never part of it


def definition_body(spec: Mapping[str, Any]) -> dict[str, Any]:
    return {key: spec[field] for field, key in DEFINITION[spec["type"]].items()}


class NotificationChannel(ResourceType):
    type_name: ClassVar[str] = "astro_notification_channel"
    spec_model: ClassVar[type[BaseModel]] = NotificationChannelSpec
    description: ClassVar[str] = ("An Astro notification channel (email, Slack, PagerDuty, Opsgenie, DAG trigger); "
                                  "credentials write-only")
    natural_key: ClassVar[tuple[str, ...]] = ("entity_id", "name")
    server_owned: ClassVar[frozenset[str]] = frozenset({"id"})
    create_only: ClassVar[frozenset[str]] = frozenset({"type", "entity_type", "entity_id"})
    sensitive: ClassVar[frozenset[str]] = SECRETS
    ref_fields: ClassVar[Mapping[str, str]] = {"deployment_id": "astro_deployment"}
    delete_note: ClassVar[str | None] = "alerts using it stop notifying there"

    client: AstroClient

    def read(self, object_id: str) -> Live | None:
        return or_none(lambda: live_view(self.client.get_notification_channel(object_id)))

    def list(self, container: str | None) -> Iterable[tuple[str, Live]]:
        return [(d["id"], live_view(d)) for d in self.client.list_notification_channels()]

    def create(self, spec: Spec) -> tuple[str, Live]:
        want = NotificationChannelSpec.model_validate(spec).model_dump()
        doc = self.client.create_notification_channel({
            "name": want["name"], "type": want["type"], "entityType": want["entity_type"],
            "entityId": want["entity_id"], "isShared": want["is_shared"], "definition": definition_body(want)})
        return doc["id"], live_view(doc)

    def update(self, object_id: str, live: Live, spec: Spec, changed: frozenset[str]) -> Live:
        want = NotificationChannelSpec.model_validate(spec).model_dump()
        return live_view(self.client.update_notification_channel(object_id, {
            "name": want["name"], "type": want["type"], "isShared": want["is_shared"],
            "definition": definition_body(want)}))

    def delete(self, object_id: str, *, attrs: Mapping[str, Any] | None = None) -> None:
        or_none(lambda: self.client.delete_notification_channel(object_id))

    def last_modified(self, live: Live) -> tuple[str | None, str | None] | None:
        return last_modified(live)

    def normalize(self, attrs: Mapping[str, Any]) -> dict[str, Any]:
        out = {k: v for k, v in attrs.items() if k not in ("updated_at", "updated_by")}
        if "recipients" in out:
            out["recipients"] = as_set(out["recipients"])
        return out
