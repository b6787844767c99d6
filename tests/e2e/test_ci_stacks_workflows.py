"""The stacks workflow templates, job by job on this machine against the sandbox and the fake
GitHub: the stacks a pull request touches are planned one job each (one comment each), applied
one job each on merge, and checked for drift one job (and one issue) each on the cron."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.ci.fake_github import TOKEN
from tests.ci.harness import REPO, github  # noqa: F401 - fixture
from tests.ci.workflow_runner import LocalRunner
from tests.conftest import ROOT

WORKFLOWS = ROOT / ".github" / "workflows"
PLAN, APPLY, DRIFT = (WORKFLOWS / f"reconciler-stacks-{n}.yml" for n in ("plan", "apply", "drift"))
FIXTURE = ROOT / "tests" / "fixtures" / "stacks"
HEAD = "7" * 40


def _git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=root, check=True,
                          capture_output=True, text=True).stdout.strip()


@pytest.fixture
def repo(make_project, github, tmp_path_factory):
    """The example stacks repository under git (its first commit is the pull request's base),
    and a runner whose secrets point at the sandbox."""
    proj = make_project()
    root = proj.root / "repo"
    shutil.copytree(FIXTURE, root)
    (root / ".gitignore").write_text("state/\nreconciler-plan/\n")
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "base")
    fake, api_url = github
    runner = LocalRunner(root, tmp_path_factory.mktemp("runner"), repository=REPO, api_url=api_url, token=TOKEN,
                         secrets={**proj.sandbox.env(proj.base_url)}, repo_root=ROOT)
    return proj, root, runner, fake


def _pr(number: int, base: str, *, action: str, merged: bool = False) -> dict:
    return {"action": action, "number": number,
            "pull_request": {"number": number, "merged": merged, "head": {"sha": HEAD}, "base": {"sha": base},
                             "merge_commit_sha": "8" * 40 if merged else None}}


def test_plan_per_changed_stack_apply_per_reviewed_stack_drift_per_stack(repo):
    proj, root, runner, fake = repo
    base = _git(root, "rev-parse", "HEAD")
    fake.add_pull_request(9, head_sha=HEAD)

    # a change to the prod var file touches prod only
    (root / "vars" / "prod.yaml").write_text("stage: prod\nrefresh_hour: 3\n")
    event = _pr(9, base, action="opened")
    stacks = runner.run(PLAN, "stacks", event_name="pull_request", event=event, run_id=500)
    assert stacks.ok, stacks.log()
    assert stacks.outputs == {"matrix": '{"include":[{"stack":"prod"}]}', "count": "1"}

    # a change to the module both stacks use touches both
    module = root / "modules" / "team" / "main.yaml"
    module.write_text(module.read_text() + "\n")
    stacks = runner.run(PLAN, "stacks", event_name="pull_request", event=event, run_id=500)
    assert stacks.outputs["count"] == "2"
    _git(root, "checkout", "-q", "--", "modules")

    # a change to the shared specs touches both
    (root / "specs" / "estate.yaml").write_text((root / "specs" / "estate.yaml").read_text()
                                                 .replace("Refreshed daily", "Refreshed every day"))
    stacks = runner.run(PLAN, "stacks", event_name="pull_request", event=event, run_id=501)
    assert stacks.outputs == {"matrix": '{"include":[{"stack":"dev"},{"stack":"prod"}]}', "count": "2"}
    for stack in ("dev", "prod"):
        job = runner.run(PLAN, "plan", event_name="pull_request", event=event, run_id=501,
                         matrix={"stack": stack}, needs={"stacks": stacks})
        assert job.ok, job.log()
        assert f"ANALYTICS_{stack.upper()}" in job.step("Plan").stdout
        assert (runner.artifacts / "501" / f"reconciler-plan-{stack}" / "plan.json").exists()
    comments = fake.comments_on(9)
    assert [c["body"].splitlines()[:2] for c in comments] == [
        [f"<!-- reconciler:plan id=dev run_id=501 sha={HEAD} -->", "### reconciler plan (`dev`)"],
        [f"<!-- reconciler:plan id=prod run_id=501 sha={HEAD} -->", "### reconciler plan (`prod`)"]]
    assert fake.labels_on(9) == []
    assert proj.sandbox.write_count == 0

    merged = _pr(9, base, action="closed", merged=True)
    stacks = runner.run(APPLY, "stacks", event_name="pull_request", event=merged, run_id=502)
    assert stacks.ok, stacks.log()
    assert stacks.outputs["matrix"] == '{"include":[{"stack":"dev"},{"stack":"prod"}]}'
    for stack in ("dev", "prod"):
        job = runner.run(APPLY, "apply", event_name="pull_request", event=merged, run_id=502,
                         matrix={"stack": stack}, needs={"stacks": stacks})
        assert job.ok, job.log()
        assert job.step("Find the reviewed plan").outputs["run_id"] == "501"
        assert "Apply complete!" in job.step("Apply what was reviewed").stdout
    assert {"ANALYTICS_DEV", "ANALYTICS_PROD"} <= set(proj.dss().list_project_keys())
    assert (root / "state" / "dev.json").exists() and (root / "state" / "prod.json").exists()
    outcomes = [c["body"] for c in fake.comments_on(9)[2:]]
    assert len(outcomes) == 2 and all("**Applied the reviewed plan.**" in b for b in outcomes)

    prod = proj.dss().get_project("ANALYTICS_PROD")
    meta = prod.get_metadata()
    meta["description"] = "edited in the UI"
    prod.set_metadata(meta)
    cron = {"schedule": "17 5 * * *"}
    stacks = runner.run(DRIFT, "stacks", event_name="schedule", event=cron, run_id=503)
    assert stacks.outputs["count"] == "2"
    for stack in ("dev", "prod"):
        job = runner.run(DRIFT, "drift", event_name="schedule", event=cron, run_id=503,
                         matrix={"stack": stack}, needs={"stacks": stacks})
        assert job.ok, job.log()
    (issue,) = fake.issues()
    assert issue["body"].startswith("<!-- reconciler:drift id=prod ")


def test_a_pull_request_touching_no_stack_plans_nothing(repo):
    _, root, runner, fake = repo
    base = _git(root, "rev-parse", "HEAD")
    (root / "README.md").write_text("docs only\n")
    event = _pr(10, base, action="opened")
    stacks = runner.run(PLAN, "stacks", event_name="pull_request", event=event, run_id=600)
    assert stacks.outputs == {"matrix": '{"include":[]}', "count": "0"}
    plan = runner.run(PLAN, "plan", event_name="pull_request", event=event, run_id=600, matrix={"stack": ""},
                      needs={"stacks": stacks})
    assert all(s.outcome == "skipped" for s in plan.steps)
