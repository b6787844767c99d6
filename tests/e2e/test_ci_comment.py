"""`reconciler ci plan` / `ci comment` end to end: sandbox estate, fake GitHub on loopback."""

from __future__ import annotations

import json

from tests.ci.fake_github import READONLY_TOKEN, TOKEN
from tests.ci.harness import HEAD, REPO, actions_job, github  # noqa: F401 - fixtures


def test_plan_saves_the_plan_with_its_fingerprints(project, actions_job, tmp_path):
    out = tmp_path / "artifact" / "plan.json"
    result = project.cli("ci", "plan", "--out", str(out), "--detailed-exitcode")
    assert result.code == 2, result.text
    assert "Plan: 6 to add" in result.out
    record = json.loads((tmp_path / "artifact" / "plan.fingerprints.json").read_text())
    assert record["kind"] == "reconciler-reviewed-plan"
    assert record["run_url"] == actions_job.run_url
    assert "dataiku_project.sales" in record["changes"]
    assert (tmp_path / "artifact" / "plan.md").read_text().startswith("**Plan:** 6 to add")
    assert actions_job.outputs == {"plan": str(out), "has_changes": "true", "label": "reconciler:changes"}
    assert project.sandbox.write_count == 0


def test_comment_is_posted_once_and_updated_in_place(project, actions_job, tmp_path):
    fake = actions_job.fake
    actions_job.pull_request(7)
    fake.add_comment(7, "Looks good to me")
    first = project.cli("ci", "comment")
    assert first.code == 0, first.text
    assert f"Posted the plan comment on {REPO}#7" in first.out
    (mine,) = [c for c in fake.comments_on(7) if "reconciler:plan" in c["body"]]
    assert f"run_id={actions_job.run_id} sha={HEAD}" in mine["body"].splitlines()[0]
    assert "6 to add" in mine["body"]
    assert fake.labels_on(7) == ["reconciler:changes"]
    assert actions_job.summary.startswith("## reconciler plan\n\n**Plan:** 6 to add")
    assert actions_job.outputs["comment_url"] == mine["html_url"]

    # merged elsewhere: the estate now matches, and the next push updates the same comment
    assert project.cli("apply", "--auto-approve").code == 0
    actions_job.pull_request(7, sha="3" * 40)
    again = project.cli("ci", "comment")
    assert again.code == 0, again.text
    assert "Updated the plan comment" in again.out
    bodies = [c["body"] for c in fake.comments_on(7)]
    assert len(bodies) == 2 and bodies[0] == "Looks good to me"
    assert "No changes" in bodies[1] and f"sha={'3' * 40}" in bodies[1]
    assert fake.labels_on(7) == ["reconciler:no-changes"]


def test_comment_from_a_saved_plan_makes_no_platform_call(project, actions_job, tmp_path):
    out = tmp_path / "plan.json"
    assert project.cli("ci", "plan", "--out", str(out)).code == 0
    actions_job.pull_request(8)
    before = project.sandbox.counts
    result = project.cli("ci", "comment", "--plan", str(out), "--no-label", "--no-summary")
    assert result.code == 0, result.text
    assert project.sandbox.counts == before
    assert "6 to add" in actions_job.fake.comments_on(8)[0]["body"]
    assert actions_job.fake.labels_on(8) == [] and actions_job.summary == ""


def test_skip_no_changes_posts_no_comment_but_labels(project, actions_job):
    assert project.cli("apply", "--auto-approve").code == 0
    actions_job.pull_request(9)
    result = project.cli("ci", "comment", "--skip-no-changes")
    assert result.code == 0, result.text
    assert actions_job.fake.comments_on(9) == []
    assert actions_job.fake.labels_on(9) == ["reconciler:no-changes"]


def test_posting_failure_exits_non_zero_and_never_prints_the_token(project, actions_job):
    actions_job.pull_request(10)
    project.monkeypatch.setenv("GITHUB_TOKEN", READONLY_TOKEN)
    result = project.cli("ci", "comment")
    assert result.code == 1
    assert "403" in result.err and "Resource not accessible by integration" in result.err
    assert "pull-requests: write" in result.err
    assert READONLY_TOKEN not in result.text and TOKEN not in result.text
    assert "Traceback" not in result.text


def test_comment_needs_a_pull_request(project, actions_job):
    actions_job.schedule()
    result = project.cli("ci", "comment")
    assert result.code == 1
    assert "no pull request" in result.err and "--pr" in result.err


def test_no_token_is_one_clear_error(project, actions_job):
    actions_job.pull_request(11)
    project.monkeypatch.delenv("GITHUB_TOKEN")
    result = project.cli("ci", "comment")
    assert result.code == 1 and "GITHUB_TOKEN" in result.err


def test_a_failed_plan_replaces_the_comment_so_nothing_stale_can_be_applied(project, actions_job):
    actions_job.pull_request(13)
    assert project.cli("ci", "comment").code == 0
    actions_job.pull_request(13, sha="7" * 40)
    result = project.cli("ci", "comment", "--failed")
    assert result.code == 0, result.text
    (comment,) = actions_job.fake.comments_on(13)
    assert "**The plan failed** for commit `777777777777`" in comment["body"]
    assert "run_id=" not in comment["body"]
    assert actions_job.fake.labels_on(13) == []
    actions_job.pull_request(13, sha="7" * 40, action="closed", merged=True)
    refused = project.cli("ci", "reviewed-run")
    assert refused.code == 1 and "names no run" in refused.err
