"""The drift issue: opened on alarm, updated while it lasts, closed when clean, found by label + marker."""

from __future__ import annotations

from datetime import date

from reconciler.addresses import Address
from reconciler.ci.ack import Ack
from reconciler.ci.comment import COMMENT_MAX, gh_len
from reconciler.ci.drift_issue import DRIFT_LABEL, issue_body, sync_issue
from reconciler.ci.triage import triage
from reconciler.plan.model import DiffItem, Drift

REPO = "acme/data-platform"
TODAY = date(2026, 11, 22)
SALES = Address.parse("dataiku_project.sales")


def _report(*items, acks=()):
    drift = [Drift(SALES, "changed", tuple(DiffItem("change", (f,), "a", "b") for f in items))] if items else []
    return triage(drift, list(acks), TODAY)


def test_lifecycle_open_update_unchanged_close(fake, gh):
    opened = sync_issue(gh, REPO, _report("description"), run_url="https://github.test/run/1")
    assert (opened.action, opened.changed) == ("opened", True)
    (issue,) = fake.issues()
    assert issue["title"] == "Drift: 1 object changed outside reconciler"
    assert issue["labels"] == [DRIFT_LABEL.name]
    assert "dataiku\\_project.sales" in issue["body"] or "dataiku_project.sales" in issue["body"]

    same = sync_issue(gh, REPO, _report("description"), run_url="https://github.test/run/1")
    assert (same.action, same.number) == ("unchanged", opened.number)
    rerun = sync_issue(gh, REPO, _report("description"), run_url="https://github.test/run/2")
    assert (rerun.action, rerun.changed) == ("updated", False)  # only the run link changed
    more = sync_issue(gh, REPO, _report("description", "tags"), run_url="https://github.test/run/3")
    assert (more.action, more.changed) == ("updated", True)

    closed = sync_issue(gh, REPO, _report(), run_url="https://github.test/run/4")
    assert (closed.action, closed.number) == ("closed", opened.number)
    assert issue["state"] == "closed" and issue["state_reason"] == "completed"
    assert "The drift is gone" in fake.comments_on(opened.number)[-1]["body"]
    assert sync_issue(gh, REPO, _report()).action == "none"
    assert len(fake.issues()) == 1


def test_new_drift_after_closing_opens_a_new_issue(fake, gh):
    first = sync_issue(gh, REPO, _report("description"))
    sync_issue(gh, REPO, _report())
    second = sync_issue(gh, REPO, _report("tags"))
    assert second.action == "opened" and second.number != first.number


def test_acknowledged_drift_opens_no_issue(fake, gh):
    ack = Ack(SALES, "accepted", date(2026, 12, 31))
    assert sync_issue(gh, REPO, _report("description", acks=[ack])).action == "none"
    assert fake.issues() == []


def test_estates_keep_separate_issues(fake, gh):
    a = sync_issue(gh, REPO, _report("description"), issue_id="prod")
    b = sync_issue(gh, REPO, _report("description"), issue_id="staging")
    assert a.number != b.number
    assert fake.repo().issues[b.number]["title"] == "Drift (staging): 1 object changed outside reconciler"


def test_an_issue_a_person_opened_with_the_label_is_left_alone(fake, gh):
    gh.create_issue(REPO, "drift?", "<!-- reconciler:drift id=default digest=x -->", [DRIFT_LABEL.name])
    fake.repo().issues[1]["user"] = {"login": "mallory", "type": "User"}
    outcome = sync_issue(gh, REPO, _report("description"))
    assert outcome.action == "opened" and outcome.number == 2


def test_body_fits_githubs_limit():
    report = triage([Drift(Address.parse(f"dataiku_dataset.d{i}"), "changed",
                           tuple(DiffItem("change", (f"f{j}",), "🚀" * 40, "x") for j in range(12)))
                     for i in range(600)], [], TODAY)
    assert gh_len(issue_body(report, run_url="https://github.test/r/1")) <= COMMENT_MAX
