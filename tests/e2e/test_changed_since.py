"""`plan --changed-since REF`: only what the spec change can affect is refreshed and planned."""

from __future__ import annotations

import subprocess


def _git(cwd, *args):
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                   env={"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@e", "GIT_COMMITTER_NAME": "t",
                        "GIT_COMMITTER_EMAIL": "t@e", "HOME": str(cwd), "PATH": "/usr/bin:/bin"})


def test_scope_is_the_changed_file_and_its_dependents(project):
    _git(project.root, "init", "-q")
    _git(project.root, "add", "specs")
    _git(project.root, "commit", "-qm", "base")
    assert project.cli("apply", "--auto-approve").code == 0
    project.edit_spec("datasets.yaml", "tags: [raw, crm]", "tags: [raw, crm, pii]")
    before = project.sandbox.counts["dataiku"]["requests"]
    scoped = project.cli("plan", "--changed-since", "HEAD", "--detailed-exitcode")
    scoped_requests = project.sandbox.counts["dataiku"]["requests"] - before
    assert scoped.code == 2, scoped.text
    assert "covers part of the estate" in scoped.out
    assert "dataiku_dataset.customers" in scoped.out
    before = project.sandbox.counts["dataiku"]["requests"]
    assert project.cli("plan").code == 0
    full_requests = project.sandbox.counts["dataiku"]["requests"] - before
    assert scoped_requests < full_requests


def test_a_changed_variables_file_means_a_full_plan(project):
    _git(project.root, "init", "-q")
    _git(project.root, "add", "specs")
    _git(project.root, "commit", "-qm", "base")
    project.edit_spec("variables.yaml", "stage: prod", "stage: staging")
    result = project.cli("plan", "--changed-since", "HEAD")
    assert result.code == 0
    assert "covers part of the estate" not in result.out


def test_unknown_ref_is_a_clear_error(project):
    _git(project.root, "init", "-q")
    _git(project.root, "add", "specs")
    _git(project.root, "commit", "-qm", "base")
    result = project.cli("plan", "--changed-since", "no-such-ref")
    assert result.code == 1
    assert "no such git revision" in result.err


def test_a_changed_for_each_block_scopes_all_its_instances_and_locals_mean_a_full_plan(project):
    (project.specs / "teams.yaml").write_text(
        "resources:\n  dataiku_project.team:\n    for_each: [alpha, beta]\n    key: TEAM_${upper(each.key)}\n"
        "    name: Team ${each.key}\n")
    _git(project.root, "init", "-q")
    _git(project.root, "add", "specs")
    _git(project.root, "commit", "-qm", "base")
    assert project.cli("apply", "--auto-approve").code == 0
    project.edit_spec("teams.yaml", "name: Team ${each.key}", "name: The ${each.key} team")
    scoped = project.cli("plan", "--changed-since", "HEAD")
    assert scoped.code == 0, scoped.text
    assert "covers part of the estate" in scoped.out
    assert '# dataiku_project.team["alpha"] will be updated in-place' in scoped.out
    assert '# dataiku_project.team["beta"] will be updated in-place' in scoped.out

    _git(project.root, "commit", "-qam", "rename")
    project.spec_path("variables.yaml").write_text(project.spec_path("variables.yaml").read_text()
                                                   + "locals:\n  unused: x\n")
    assert "covers part of the estate" not in project.cli("plan", "--changed-since", "HEAD").out


def test_a_changed_module_file_means_a_full_plan_wherever_the_module_lives(project):
    """A module's file changes every instance (addresses the file does not spell): the plan covers
    everything, also for a module directory outside the specs directory."""
    module = project.root / "modules" / "team"
    module.mkdir(parents=True)
    (module / "main.yaml").write_text("variables:\n  key: {type: string}\nresources:\n  dataiku_project.p:\n"
                                      "    key: ${var.key}\n    name: Team ${var.key}\n")
    (project.specs / "teams.yaml").write_text("modules:\n  team:\n    source: ../modules/team\n    key: TEAM_A\n")
    _git(project.root, "init", "-q")
    _git(project.root, "add", "specs", "modules")
    _git(project.root, "commit", "-qm", "base")
    assert project.cli("apply", "--auto-approve").code == 0
    (module / "main.yaml").write_text((module / "main.yaml").read_text().replace("Team ${var.key}", "The ${var.key}"))
    result = project.cli("plan", "--changed-since", "HEAD", "--detailed-exitcode")
    assert result.code == 2, result.text
    assert "covers part of the estate" not in result.out
    assert "module.team.dataiku_project.p will be updated in-place" in result.out
