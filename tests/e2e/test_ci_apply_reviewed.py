"""`reconciler ci apply-reviewed` and `ci reviewed-run`: apply on merge applies what was reviewed."""

from __future__ import annotations

import json

from tests.ci.harness import HEAD, REPO, actions_job, github  # noqa: F401 - fixtures


def _review(project, tmp_path, name: str = "plan.json"):
    out = tmp_path / "artifact" / name
    result = project.cli("ci", "plan", "--out", str(out))
    assert result.code == 0, result.text
    return out


def _edit_in_the_ui(project, key: str, description: str) -> None:
    dss = project.dss().get_project(key)
    meta = dss.get_metadata()
    meta["description"] = description
    dss.set_metadata(meta)


def test_applies_when_the_fresh_plan_is_the_reviewed_one(project, actions_job, tmp_path):
    planfile = _review(project, tmp_path)
    actions_job.step()
    result = project.cli("ci", "apply-reviewed", str(planfile))
    assert result.code == 0, result.text
    assert "The plan matches the reviewed plan (6 changes: 6 create)" in result.out
    assert "Apply complete!" in result.out
    assert "SALES" in project.dss().list_project_keys()
    assert actions_job.summary.startswith("## reconciler apply\n\n**Applied the reviewed plan.**")
    assert project.cli("plan", "--detailed-exitcode").code == 0


def test_a_timestamp_alone_does_not_make_a_difference(project, actions_job, tmp_path):
    planfile = _review(project, tmp_path)
    doc = json.loads(planfile.read_text())
    doc["created_at"] = "2020-01-01T00:00:00+00:00"
    planfile.write_text(json.dumps(doc))
    record = tmp_path / "artifact" / "plan.fingerprints.json"
    rec = json.loads(record.read_text())
    rec["created_at"] = "2020-01-01T00:00:00+00:00"
    record.write_text(json.dumps(rec))
    assert project.cli("ci", "apply-reviewed", str(planfile)).code == 0


def test_refuses_when_a_live_object_moved_since_the_review(project, actions_job, tmp_path):
    assert project.cli("apply", "--auto-approve").code == 0
    project.edit_spec("projects.yaml", "short_description: Sales KPIs", "short_description: Sales KPIs v2")
    planfile = _review(project, tmp_path)
    _edit_in_the_ui(project, "SALES", "edited in the UI after the review")
    writes = project.sandbox.write_count
    actions_job.pull_request(3, action="closed", merged=True)
    result = project.cli("ci", "apply-reviewed", str(planfile), "--comment")
    assert result.code == 1
    assert "the plan made now differs from the reviewed plan" in result.err
    assert "nothing was applied" in result.err
    assert "dataiku_project.sales: the live object changed since the review" in result.err
    assert project.sandbox.write_count == writes
    assert "Traceback" not in result.text
    (comment,) = actions_job.fake.comments_on(3)
    assert "**Apply refused:**" in comment["body"] and "the live object changed" in comment["body"]
    assert "the live object changed" in actions_job.summary


def test_refuses_when_the_merged_specs_are_not_what_was_reviewed(project, actions_job, tmp_path):
    assert project.cli("apply", "--auto-approve").code == 0
    project.edit_spec("projects.yaml", "short_description: Sales KPIs", "short_description: reviewed text")
    planfile = _review(project, tmp_path)
    project.edit_spec("projects.yaml", "short_description: reviewed text", "short_description: sneaked in")
    result = project.cli("ci", "apply-reviewed", str(planfile))
    assert result.code == 1
    assert 'dataiku_project.sales: short_description: reviewed "reviewed text", now "sneaked in"' in result.err
    # the same difference, waved through on purpose
    allowed = project.cli("ci", "apply-reviewed", str(planfile),
                          "--ignore-field", "dataiku_project.sales.short_description")
    assert allowed.code == 0, allowed.text
    assert project.dss().get_project("SALES").get_metadata()["shortDesc"] == "sneaked in"


def test_refuses_a_plan_that_does_not_match_its_fingerprints(project, actions_job, tmp_path):
    planfile = _review(project, tmp_path)
    doc = json.loads(planfile.read_text())
    doc["resource_changes"] = [c for c in doc["resource_changes"] if c["address"] != "dataiku_project.sales"]
    planfile.write_text(json.dumps(doc))
    result = project.cli("ci", "apply-reviewed", str(planfile))
    assert result.code == 1 and "does not match" in result.err


def test_nothing_to_apply_is_success(project, actions_job, tmp_path):
    planfile = _review(project, tmp_path)
    assert project.cli("apply", "--auto-approve").code == 0
    result = project.cli("ci", "apply-reviewed", str(planfile))
    assert result.code == 0, result.text
    assert "Nothing to apply" in result.out and "6 changes: 6 create" in result.out


def test_the_outcome_can_be_commented_on_the_pull_request(project, actions_job, tmp_path):
    actions_job.pull_request(12, action="closed", merged=True)
    planfile = _review(project, tmp_path)
    result = project.cli("ci", "apply-reviewed", str(planfile), "--comment")
    assert result.code == 0, result.text
    (comment,) = actions_job.fake.comments_on(12)
    assert comment["body"].startswith("<!-- reconciler:apply id=default")
    assert "**Applied the reviewed plan.**" in comment["body"] and "Apply complete!" in comment["body"]


def test_reviewed_run_names_the_run_whose_plan_was_shown(project, actions_job, tmp_path):
    actions_job.pull_request(5)
    assert project.cli("ci", "comment").code == 0
    plan_run = actions_job.run_id
    actions_job.pull_request(5, action="closed", merged=True)
    result = project.cli("ci", "reviewed-run")
    assert result.code == 0, result.text
    assert result.out.strip() == str(plan_run)
    assert actions_job.outputs == {"run_id": str(plan_run), "sha": HEAD}


def test_reviewed_run_refuses_a_merge_whose_last_push_was_never_planned(project, actions_job):
    actions_job.pull_request(5)
    assert project.cli("ci", "comment").code == 0
    actions_job.pull_request(5, sha="4" * 40, action="closed", merged=True)
    result = project.cli("ci", "reviewed-run")
    assert result.code == 1
    assert f"is for commit {HEAD[:12]}, but {'4' * 12} was merged" in result.err


def test_reviewed_run_without_a_plan_comment(project, actions_job):
    actions_job.pull_request(6, action="closed", merged=True)
    actions_job.fake.add_comment(6, "<!-- reconciler:plan id=default run_id=666 sha=" + HEAD + " -->", login="mallory")
    result = project.cli("ci", "reviewed-run")
    assert result.code == 1
    assert f"{REPO}#6 has no plan comment from reconciler" in result.err
