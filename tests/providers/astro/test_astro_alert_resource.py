"""``astro_notification_channel`` and ``astro_alert`` against the emulator: lifecycles of each
channel type, credentials write-only, alerts of each type wired to channels, validation."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from reconciler.providers.astro.resources.alert import AlertSpec
from reconciler.providers.astro.resources.notification_channel import NotificationChannel, NotificationChannelSpec
from reconciler.providers.astro.sandbox import seed
from reconciler.reads import find_one
from reconciler.testing import run_lifecycle

DEP = seed.LEGACY_DEPLOYMENT


def channel(type_: str, **fields) -> dict:
    return {"name": f"{type_.lower()}-oncall", "type": type_, "entity_id": DEP, **fields}


@pytest.mark.parametrize("create, update, changed", [
    pytest.param(channel("EMAIL", recipients=["a@example.com"]),
                 channel("EMAIL", recipients=["b@example.com", "a@example.com"]), {"recipients"}, id="email"),
    pytest.param(channel("SLACK", webhook_url="https://hooks.slack.com/one"),
                 channel("SLACK", webhook_url="https://hooks.slack.com/two", name="slack-renamed"), {"name"}, id="slack"),
    pytest.param(channel("PAGERDUTY", integration_key="pd-one"),
                 channel("PAGERDUTY", integration_key="pd-one", entity_type="WORKSPACE",
                         entity_id=seed.DEFAULT_WORKSPACE, is_shared=True), None, id="pagerduty-moved-replaces"),
    pytest.param(channel("OPSGENIE", api_key="og-one", entity_type="WORKSPACE", entity_id=seed.DEFAULT_WORKSPACE),
                 channel("OPSGENIE", api_key="og-one", entity_type="WORKSPACE", entity_id=seed.DEFAULT_WORKSPACE,
                         is_shared=True), {"is_shared"}, id="opsgenie"),
    pytest.param(channel("DAG_TRIGGER", dag_id="on_alert", deployment_id=DEP, deployment_api_token="tok-one"),
                 channel("DAG_TRIGGER", dag_id="on_alert_v2", deployment_id=DEP, deployment_api_token="tok-two"),
                 {"dag_id"}, id="dag-trigger"),
])
def test_channel_lifecycle(astro, create, update, changed):
    if changed is None:  # a create-only change: the harness updates in place only
        assert NotificationChannel(None).replace_rule("entity_id", DEP, seed.DEFAULT_WORKSPACE)
        return
    report = run_lifecycle(astro.session, "astro_notification_channel", create, update)
    assert report.changed == changed
    for secret in ("one", "two"):
        assert f"-{secret}" not in repr(report.created) + repr(report.updated)


def test_a_credential_is_sent_and_never_read_back(astro):
    rt = astro.rt("astro_notification_channel")
    object_id, live = rt.create(channel("SLACK", webhook_url="https://hooks.slack.com/secret-path"))
    assert "secret-path" not in repr(live) and "secret-path" not in repr(rt.read(object_id))
    assert astro.world._s["channels"][object_id]["definition"] == {"webhookUrl": "https://hooks.slack.com/secret-path"}
    assert find_one(rt, channel("SLACK"))[0] == object_id


@pytest.mark.parametrize("alert_type, fields, update", [
    pytest.param("DAG_FAILURE", {}, {"severity": "CRITICAL"}, id="dag-failure"),
    pytest.param("DAG_SUCCESS", {}, {"name": "renamed"}, id="dag-success"),
    pytest.param("TASK_FAILURE", {}, {"pattern_matches": [
        {"entity_type": "TASK_ID", "operator_type": "INCLUDES", "values": ["load"]}]}, id="task-failure"),
    pytest.param("DAG_DURATION", {"dag_duration_seconds": 3600}, {"dag_duration_seconds": 7200}, id="dag-duration"),
    pytest.param("TASK_DURATION", {"task_duration_seconds": 600}, {"task_duration_seconds": 900}, id="task-duration"),
    pytest.param("DAG_TIMELINESS", {"dag_deadline": "07:00", "days_of_week": ["MONDAY", "FRIDAY"],
                                    "look_back_period_seconds": 86400},
                 {"days_of_week": ["MONDAY", "TUESDAY"]}, id="dag-timeliness"),
])
def test_alert_lifecycle_with_channels(astro, alert_type, fields, update):
    channels = astro.rt("astro_notification_channel")
    email, _ = channels.create(channel("EMAIL", recipients=["a@example.com"]))
    slack, _ = channels.create(channel("SLACK", webhook_url="https://hooks.slack.com/x"))
    create = {"name": "nightly", "type": alert_type, "deployment": DEP, "notification_channel_ids": [email],
              "pattern_matches": [{"entity_type": "DAG_ID", "operator_type": "IS", "values": ["nightly_elt"]}], **fields}
    report = run_lifecycle(astro.session, "astro_alert", create,
                           {**create, **update, "notification_channel_ids": [slack, email]})
    assert report.changed == set(update) | {"notification_channel_ids"}


def test_deleting_a_channel_takes_it_out_of_its_alerts(astro):
    email, _ = astro.rt("astro_notification_channel").create(channel("EMAIL", recipients=["a@example.com"]))
    alert_id, _ = astro.rt("astro_alert").create({"name": "n", "type": "DAG_FAILURE", "deployment": DEP,
                                                  "notification_channel_ids": [email]})
    astro.rt("astro_notification_channel").delete(email)
    assert astro.rt("astro_alert").read(alert_id)["notification_channel_ids"] == []


@pytest.mark.parametrize("model, spec, message", [
    pytest.param(NotificationChannelSpec, channel("TEAMS"), "Input should be 'EMAIL', 'SLACK', 'PAGERDUTY', "
                 "'OPSGENIE' or 'DAG_TRIGGER'", id="unknown-channel-type"),
    pytest.param(NotificationChannelSpec, channel("SLACK"), "needs webhook_url", id="slack-without-webhook"),
    pytest.param(NotificationChannelSpec, channel("EMAIL", recipients=["a@x"], api_key="k"),
                 "api_key do not apply to a EMAIL channel", id="key-of-another-type"),
    pytest.param(AlertSpec, {"name": "n", "type": "DAG_DURATION", "deployment": DEP}, "needs dag_duration_seconds",
                 id="duration-without-seconds"),
    pytest.param(AlertSpec, {"name": "n", "type": "DAG_FAILURE", "deployment": DEP, "task_duration_seconds": 5},
                 "do not apply to a DAG_FAILURE alert", id="property-of-another-type"),
    pytest.param(AlertSpec, {"name": "n", "type": "DAG_TIMELINESS", "deployment": DEP, "dag_deadline": "25:00",
                             "days_of_week": ["MONDAY"], "look_back_period_seconds": 60}, "String should match",
                 id="bad-deadline"),
])
def test_validation(model, spec, message):
    with pytest.raises(ValidationError, match=message):
        model.model_validate(spec)
