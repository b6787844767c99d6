"""`reconciler ci drift-report` / `ci drift-issue`: acknowledged drift, the issue's life, the webhook."""

from __future__ import annotations

import json

import pytest

from tests.ci.harness import actions_job, github  # noqa: F401 - fixtures

ACK = """\
acknowledged:
  - address: dataiku_project.sales
    field: description
    reason: The sales lead edits it in the UI while SALES-42 is open
    expires: {expires}
"""


@pytest.fixture
def drifted(project):
    """The estate applied, then the SALES description edited in the platform's UI."""
    assert project.cli("apply", "--auto-approve").code == 0
    sales = project.dss().get_project("SALES")
    meta = sales.get_metadata()
    meta["description"] = "edited in the UI"
    sales.set_metadata(meta)
    return project


def _ack(project, expires: str) -> str:
    path = project.root / "drift-ack.yaml"
    path.write_text(ACK.format(expires=expires))
    return str(path)


def test_report_alarms_on_managed_drift(drifted):
    result = drifted.cli("ci", "drift-report", "--ack", _ack(drifted, "2026-01-01"), "--today", "2026-11-22")
    assert result.code == 2, result.text
    assert result.out.startswith("Drift: 1 object changed outside reconciler")
    assert "~ dataiku_project.sales was changed outside reconciler" in result.out
    assert "Expired acknowledgements:" in result.out and "its drift alarms again" in result.out


def test_acknowledged_drift_is_silenced_but_listed_with_its_reason(drifted):
    ack = _ack(drifted, "2026-12-31")
    result = drifted.cli("ci", "drift-report", "--ack", ack, "--today", "2026-11-22")
    assert result.code == 0, result.text
    assert result.out.startswith("No drift alarm")
    assert "dataiku_project.sales description: The sales lead edits it in the UI while SALES-42 is open" in result.out
    assert "until 2026-12-31" in result.out
    doc = json.loads(drifted.cli("ci", "drift-report", "--ack", ack, "--today", "2026-11-22", "--format", "json").out)
    assert doc["alarm"] is False and doc["acknowledged"][0]["acknowledged_by"][0]["reason"].startswith("The sales")
    # acknowledging changes nothing apply would do
    assert "description" in drifted.cli("plan").out


def test_the_default_ack_file_sits_beside_the_specs(drifted):
    _ack(drifted, "2026-12-31")  # project.root/drift-ack.yaml, specs are project.root/specs
    assert drifted.cli("ci", "drift-report", "--today", "2026-11-22").code == 0


def test_a_bad_ack_file_names_file_and_line(drifted):
    path = drifted.root / "drift-ack.yaml"
    path.write_text("acknowledged:\n  - address: dataiku_project.sales\n    reason: ok\n    expires: next week\n")
    result = drifted.cli("ci", "drift-report")
    assert result.code == 1
    assert f"{path}:4: 'expires' 'next week' is not a date" in result.err


def test_report_from_a_saved_drift_json(drifted, tmp_path):
    saved = tmp_path / "drift.json"
    saved.write_text(drifted.cli("drift", "--format", "json").out)
    requests = drifted.sandbox.counts
    result = drifted.cli("ci", "drift-report", "--from", str(saved), "--format", "markdown")
    assert result.code == 2
    assert "#### `~` `dataiku_project.sales` was changed outside reconciler" in result.out
    assert drifted.sandbox.counts == requests


def test_issue_opens_updates_and_closes_with_the_drift(drifted, actions_job):
    fake = actions_job.fake
    hook = fake.webhook_url(actions_job.api_url)
    actions_job.schedule()
    opened = drifted.cli("ci", "drift-issue", "--webhook", hook)
    assert opened.code == 0, opened.text
    (issue,) = fake.issues()
    assert "Opened drift issue #1" in opened.out
    assert issue["title"] == "Drift: 1 object changed outside reconciler"
    assert issue["labels"] == ["reconciler:drift"]
    assert 'description = "edited in the UI"' in issue["body"]
    assert actions_job.summary.startswith("## reconciler drift")
    assert actions_job.outputs == {"alarm": "true", "issue_action": "opened", "issue_number": "1"}
    (message,) = fake.webhooks["/hooks/T000/B000/XXXXsecretXXXX"]
    assert message["text"].startswith("Drift: 1 object changed") and issue["html_url"] in message["text"]

    actions_job.schedule()  # the next night: same drift, issue updated (run link), no new message
    again = drifted.cli("ci", "drift-issue", "--webhook", hook, "--detailed-exitcode")
    assert again.code == 2
    assert "Updated drift issue #1" in again.out and len(fake.webhooks["/hooks/T000/B000/XXXXsecretXXXX"]) == 1
    assert f"runs/{actions_job.run_id}" in issue["body"]

    assert drifted.cli("apply", "--auto-approve").code == 0  # someone puts it back
    actions_job.schedule()
    closed = drifted.cli("ci", "drift-issue", "--webhook", hook)
    assert closed.code == 0, closed.text
    assert "Closed drift issue #1" in closed.out
    assert issue["state"] == "closed"
    assert fake.webhooks["/hooks/T000/B000/XXXXsecretXXXX"][-1]["text"].startswith("Drift resolved")


def test_acknowledged_drift_opens_no_issue(drifted, actions_job):
    _ack(drifted, "2099-12-31")
    result = drifted.cli("ci", "drift-issue")
    assert result.code == 0, result.text
    assert "No drift issue needed" in result.out
    assert actions_job.fake.issues() == []


def test_webhook_only(drifted, actions_job):
    hook = actions_job.fake.webhook_url(actions_job.api_url, "T9/B9/onlyhook")
    drifted.monkeypatch.setenv("RECONCILER_DRIFT_WEBHOOK", hook)
    result = drifted.cli("ci", "drift-issue", "--no-issue")
    assert result.code == 0, result.text
    assert actions_job.fake.issues() == [] and len(actions_job.fake.webhooks["/hooks/T9/B9/onlyhook"]) == 1


def test_a_failing_webhook_exits_non_zero_without_showing_its_url(drifted, actions_job):
    hook = f"{actions_job.api_url}/hooks/T0/B0/unknownSecretPath"
    result = drifted.cli("ci", "drift-issue", "--no-issue", "--webhook", hook)
    assert result.code == 1
    assert "404" in result.err and "unknownSecretPath" not in result.text


def test_no_issue_needs_a_webhook(drifted, actions_job):
    result = drifted.cli("ci", "drift-issue", "--no-issue")
    assert result.code == 1 and "--webhook" in result.err
