"""The official ``astro-platform-api`` 1.1.1 client, unchanged, on a socket: notification channels
(each type) and alerts (create, get, list, update, delete). The client parses every answer, except
an alert with pattern matches: its enums hold one space-joined value ("DAG_ID TASK_ID"), so it
cannot parse ``DAG_ID`` (a client defect, kept visible here)."""

from __future__ import annotations

import pytest
from astro_platform_api_client import AuthenticatedClient
from astro_platform_api_client.api.alerts import create_alert, delete_alert, get_alert, list_alerts, update_alert
from astro_platform_api_client.api.notification_channels import (
    create_notification_channel,
    delete_notification_channel,
    get_notification_channel,
    list_notification_channels,
    update_notification_channel,
)
from astro_platform_api_client.models import (
    Alert,
    CreateDagDurationAlertProperties,
    CreateDagDurationAlertRequest,
    CreateDagDurationAlertRequestEntityType,
    CreateDagDurationAlertRequestSeverity,
    CreateDagDurationAlertRequestType,
    CreateDagDurationAlertRules,
    CreateEmailNotificationChannelRequest,
    CreateEmailNotificationChannelRequestEntityType,
    CreateEmailNotificationChannelRequestType,
    CreateSlackNotificationChannelRequest,
    CreateSlackNotificationChannelRequestEntityType,
    CreateSlackNotificationChannelRequestType,
    EmailNotificationChannelDefinition,
    Error,
    NotificationChannel,
    SlackNotificationChannelDefinition,
    UpdateDagDurationAlertProperties,
    UpdateDagDurationAlertRequest,
    UpdateDagDurationAlertRequestSeverity,
    UpdateDagDurationAlertRules,
    UpdateEmailNotificationChannelRequest,
)

from reconciler.providers.astro.sandbox import seed
from reconciler.sandbox import Sandbox, serve_in_thread

TOKEN = "tok-astro-official-alerts"
ORG, WS, DEP = seed.ORG_ID, seed.DEFAULT_WORKSPACE, seed.LEGACY_DEPLOYMENT


@pytest.fixture(scope="module")
def served():
    sb = Sandbox(token=TOKEN)
    server, base_url = serve_in_thread(sb, host="127.0.0.1", port=0)
    yield sb, base_url
    server.shutdown()


@pytest.fixture
def client(served):
    sb, base_url = served
    sb.reset()
    with AuthenticatedClient(base_url=f"{base_url}/astro/platform/v1beta1", token=TOKEN) as c:
        yield c


def _email(client) -> NotificationChannel:
    return create_notification_channel.sync(ORG, client=client, body=CreateEmailNotificationChannelRequest(
        definition=EmailNotificationChannelDefinition(recipients=["oncall@example.com"]), entity_id=DEP,
        entity_type=CreateEmailNotificationChannelRequestEntityType.DEPLOYMENT, name="oncall",
        type_=CreateEmailNotificationChannelRequestType.EMAIL))


def test_notification_channel_crud(client):
    email = _email(client)
    assert isinstance(email, NotificationChannel) and email.deployment_id == DEP and email.workspace_id == WS
    slack = create_notification_channel.sync(ORG, client=client, body=CreateSlackNotificationChannelRequest(
        definition=SlackNotificationChannelDefinition(webhook_url="https://hooks.slack.com/x"), entity_id=WS,
        entity_type=CreateSlackNotificationChannelRequestEntityType.WORKSPACE, name="team",
        type_=CreateSlackNotificationChannelRequestType.SLACK, is_shared=True))
    assert slack.is_shared is True and slack.entity_name == "Default Workspace"
    assert get_notification_channel.sync(ORG, email.id, client=client).definition == {
        "recipients": ["oncall@example.com"]}
    page = list_notification_channels.sync(ORG, client=client, workspace_ids=[WS])
    assert {c.id for c in page.notification_channels} == {email.id, slack.id}
    updated = update_notification_channel.sync(ORG, email.id, client=client, body=UpdateEmailNotificationChannelRequest(
        name="pager", definition=EmailNotificationChannelDefinition(recipients=["b@example.com"])))
    assert isinstance(updated, NotificationChannel) and updated.name == "pager"
    assert delete_notification_channel.sync_detailed(ORG, email.id, client=client).status_code == 204
    missing = get_notification_channel.sync(ORG, email.id, client=client)
    assert isinstance(missing, Error) and missing.status_code == 404


def test_alert_crud_without_pattern_matches(client):
    email = _email(client)
    body = CreateDagDurationAlertRequest(
        entity_id=DEP, entity_type=CreateDagDurationAlertRequestEntityType.DEPLOYMENT, name="slow",
        notification_channel_ids=[email.id], severity=CreateDagDurationAlertRequestSeverity.WARNING,
        type_=CreateDagDurationAlertRequestType.DAG_DURATION,
        rules=CreateDagDurationAlertRules(pattern_matches=[], properties=CreateDagDurationAlertProperties(
            dag_duration_seconds=3600, deployment_id=DEP)))
    alert = create_alert.sync(ORG, client=client, body=body)
    assert isinstance(alert, Alert) and alert.notification_channels[0].id == email.id
    assert get_alert.sync(ORG, alert.id, client=client).rules.properties["dagDurationSeconds"] == 3600
    assert [a.id for a in list_alerts.sync(ORG, client=client, deployment_ids=[DEP]).alerts] == [alert.id]
    updated = update_alert.sync(ORG, alert.id, client=client, body=UpdateDagDurationAlertRequest(
        severity=UpdateDagDurationAlertRequestSeverity.CRITICAL,
        rules=UpdateDagDurationAlertRules(properties=UpdateDagDurationAlertProperties(dag_duration_seconds=60))))
    assert updated.severity.value == "CRITICAL" and updated.rules.properties["dagDurationSeconds"] == 60
    assert delete_alert.sync_detailed(ORG, alert.id, client=client).status_code == 204
    assert isinstance(get_alert.sync(ORG, alert.id, client=client), Error)


def test_an_alert_with_pattern_matches_is_beyond_this_client(served, client):
    world = served[0].emulators["astro"].world
    made = world.create_alert(ORG, {
        "name": "f", "type": "DAG_FAILURE", "severity": "INFO", "entityType": "DEPLOYMENT", "entityId": DEP,
        "notificationChannelIds": [], "rules": {"patternMatches": [
            {"entityType": "DAG_ID", "operatorType": "IS", "values": ["etl"]}]}})
    with pytest.raises(ValueError, match="DAG_ID"):
        get_alert.sync(ORG, made["id"], client=client)
