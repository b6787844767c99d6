"""The Slack-compatible drift message, and posting it with the URL kept secret."""

from __future__ import annotations

from datetime import date

import pytest

from reconciler.addresses import Address
from reconciler.ci.triage import triage
from reconciler.ci.webhook import escape, post, slack_message
from reconciler.errors import ApiError, ConfigError
from reconciler.plan.model import DiffItem, Drift

TODAY = date(2026, 11, 22)


def _report(n: int = 2):
    item = DiffItem("change", ("description",), "a", "<b>")
    drift = [Drift(Address.parse(f"dataiku_project.p{i}"), "changed", (item,), changed_by="alice & bob")
             for i in range(n)]
    return triage(drift + [Drift(Address.parse("dataiku_dataset.d"), "deleted")], [], TODAY)


def test_message_has_text_and_blocks():
    msg = slack_message(_report(), issue_url="https://github.test/acme/x/issues/3", run_url="https://github.test/r/1")
    assert msg["text"].startswith("Drift: 3 objects changed outside reconciler")
    assert msg["text"].endswith("https://github.test/acme/x/issues/3")
    kinds = [b["type"] for b in msg["blocks"]]
    assert kinds == ["header", "section", "context"]
    section = msg["blocks"][1]["text"]["text"]
    assert ("• `~` *dataiku_project.p0* was changed outside reconciler: description "
            "_(changed by alice &amp; bob)_") in section
    assert "• `-` *dataiku_dataset.d* was deleted outside reconciler" in section
    assert "<https://github.test/acme/x/issues/3|issue>" in msg["blocks"][2]["elements"][0]["text"]


def test_message_respects_slack_limits():
    msg = slack_message(_report(500))
    assert len(msg["blocks"][0]["text"]["text"]) <= 150
    assert len(msg["blocks"][1]["text"]["text"]) <= 3000
    assert "… and 486 more" in msg["blocks"][1]["text"]["text"]


def test_resolved_message():
    msg = slack_message(triage([], [], TODAY), resolved=True, scope="prod")
    assert msg["text"].startswith("Drift resolved (prod)")
    assert [b["type"] for b in msg["blocks"]] == ["header"]


@pytest.mark.parametrize("text, expected", [("a<b>&c", "a&lt;b&gt;&amp;c"), ("plain", "plain")])
def test_escape(text, expected):
    assert escape(text) == expected


def test_post_sends_json_to_the_hook(fake):
    url = fake.webhook_url("https://hooks.test")
    post(url, {"text": "hello"}, transport=fake.transport("https://hooks.test"), sleep=lambda s: None)
    assert fake.webhooks["/hooks/T000/B000/XXXXsecretXXXX"] == [{"text": "hello"}]


def test_a_refused_post_names_no_secret(fake):
    url = "https://hooks.test/hooks/T111/B111/s3cr3tHookPath"
    with pytest.raises(ApiError) as info:
        post(url, {"text": "hello"}, transport=fake.transport("https://hooks.test"), sleep=lambda s: None)
    assert info.value.status == 404 and "no_service" in str(info.value)
    assert "s3cr3tHookPath" not in str(info.value) and "webhook URL" in str(info.value)


@pytest.mark.parametrize("url", ["", "ftp://x/y", "not a url"])
def test_a_bad_url_is_a_config_error(url):
    with pytest.raises(ConfigError):
        post(url, {"text": "x"})
