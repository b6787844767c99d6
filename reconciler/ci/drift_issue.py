"""One GitHub issue per estate that follows the drift: opened when an alarm appears, updated
while it lasts, closed (with a comment) when the estate is clean again.

The issue is found again by its label (``reconciler:drift``) and hidden marker
(``<!-- reconciler:drift id=... digest=... -->``); ``digest`` changes only when the alarms do,
so a notification can be sent on change rather than every night. Acknowledged drift, info and
expired entries are in the body but never open an issue on their own.
"""

from __future__ import annotations

from dataclasses import dataclass

from reconciler.ci.comment import COMMENT_MAX, DEFAULT_ID, find_marked, gh_len, marker
from reconciler.ci.drift_report import headline, render_markdown
from reconciler.ci.github import GitHub, Label
from reconciler.ci.triage import DriftReport

DRIFT_LABEL = Label("reconciler:drift", "b60205", "reconciler: objects changed outside reconciler")


@dataclass(frozen=True)
class IssueOutcome:
    """``action``: ``opened`` | ``updated`` | ``unchanged`` | ``closed`` | ``none`` (clean, no issue)."""

    action: str
    number: int | None = None
    url: str | None = None
    #: the alarms differ from what the issue said before (opened, alarms changed, or closed)
    changed: bool = False


def issue_title(report: DriftReport, issue_id: str = DEFAULT_ID) -> str:
    n = len(report.alarms)
    scope = f" ({issue_id})" if issue_id != DEFAULT_ID else ""
    return f"Drift{scope}: {n} object{'s' if n != 1 else ''} changed outside reconciler"


def issue_body(report: DriftReport, *, issue_id: str = DEFAULT_ID, run_url: str | None = None,
               limit: int = COMMENT_MAX) -> str:
    head = marker("drift", issue_id, digest=report.digest()) + "\n"
    when = f" on {report.today.isoformat()}" if report.today else ""
    by = f" by [this run]({run_url})" if run_url else ""
    foot = (f"\n---\n<sub>Checked{when}{by}. This issue is kept current by `reconciler ci drift-issue` and "
            "closes itself when the drift is gone. To accept a drift for a while, add it to "
            "`drift-ack.yaml` with a reason and an expiry date; to undo it, run apply.</sub>\n")
    room = limit - gh_len(head + foot) - 64
    body = render_markdown(report, room)
    while gh_len(body) > room and room > 0:  # UTF-16 counts more than the renderer's code points
        room -= gh_len(body) - room + 64
        body = render_markdown(report, max(room, 0))
    return head + body + foot


def sync_issue(gh: GitHub, repo: str, report: DriftReport, *, issue_id: str = DEFAULT_ID,
               run_url: str | None = None, author: str | None = None) -> IssueOutcome:
    """Open, update or close the drift issue so that it says what ``report`` says."""
    found = find_marked(gh.list_issues(repo, labels=[DRIFT_LABEL.name], state="open"), "drift", issue_id, author)
    if not report.alarm:
        if found is None:
            return IssueOutcome("none")
        issue, _ = found
        number = int(issue["number"])
        where = f" ([run]({run_url}))" if run_url else ""
        gh.create_comment(repo, number, f"The drift is gone: {headline(report).lower()}{where}. Closing.")
        gh.update_issue(repo, number, state="closed", state_reason="completed")
        return IssueOutcome("closed", number, issue.get("html_url"), True)
    title, body = issue_title(report, issue_id), issue_body(report, issue_id=issue_id, run_url=run_url)
    if found is None:
        gh.ensure_label(repo, DRIFT_LABEL)
        issue = gh.create_issue(repo, title, body, [DRIFT_LABEL.name])
        return IssueOutcome("opened", int(issue["number"]), issue.get("html_url"), True)
    issue, meta = found
    number = int(issue["number"])
    changed = meta.get("digest") != report.digest()
    if issue.get("body") == body and issue.get("title") == title:
        return IssueOutcome("unchanged", number, issue.get("html_url"), False)
    gh.update_issue(repo, number, title=title, body=body)
    return IssueOutcome("updated", number, issue.get("html_url"), changed)
