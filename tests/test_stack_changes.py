"""``stacks list --changed-since REF``: which stacks a change touches, in a real git repository."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from reconciler.cli import main
from reconciler.errors import PlanError
from reconciler.spec.stacks import load_stacks
from reconciler.stack_changes import changed_stacks

STACKS = """\
stacks:
  dev:
    specs: [specs/common, specs/dev]
    variables: {stage: dev}
  prod:
    specs: [specs/common, specs/prod]
    var_files: [vars/prod.yaml]
  data:
    specs: specs/data
"""

FILES = {
    "stacks.yaml": STACKS,
    "specs/common/base.yaml": "variables:\n  stage: {type: string}\n",
    "specs/dev/app.yaml": "resources: {}\n",
    "specs/prod/app.yaml": "modules:\n  team:\n    source: ../../modules/team\n    inputs: {name: a}\n",
    "specs/data/app.yaml": "modules:\n  lake:\n    source: ../../modules/lake\n",
    "modules/team/main.yaml": "modules:\n  inner:\n    source: ../inner\n",
    "modules/inner/main.yaml": "resources: {}\n",
    "modules/lake/main.yaml": "resources: {}\n",
    "vars/prod.yaml": "stage: prod\n",
    "README.md": "docs\n",
}


def _git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, text=True).stdout


@pytest.fixture
def repo(tmp_path, monkeypatch) -> Path:
    for name, text in FILES.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    _git(tmp_path, "init", "-q", "-b", "main")
    _git(tmp_path, "-c", "user.name=t", "-c", "user.email=t@t", "add", "-A")
    _git(tmp_path, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "base")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _changed(root: Path, ref: str = "main") -> list[str]:
    return [s.name for s in changed_stacks(load_stacks(root / "stacks.yaml"), ref)]


@pytest.mark.parametrize(("edit", "expected"), [
    pytest.param({}, [], id="nothing-changed"),
    pytest.param({"README.md": "more docs\n"}, [], id="a-file-outside-every-stack"),
    pytest.param({"specs/dev/app.yaml": "resources: {x: 1}\n"}, ["dev"], id="a-stack-own-directory"),
    pytest.param({"specs/common/base.yaml": "variables: {stage: {type: string, default: x}}\n"}, ["dev", "prod"],
                 id="a-directory-two-stacks-share"),
    pytest.param({"vars/prod.yaml": "stage: production\n"}, ["prod"], id="a-var-file"),
    pytest.param({"modules/lake/main.yaml": "resources: {y: 1}\n"}, ["data"], id="a-module-a-stack-uses"),
    pytest.param({"modules/inner/main.yaml": "resources: {y: 1}\n"}, ["prod"], id="a-nested-module"),
    pytest.param({"specs/prod/new.yaml": "resources: {}\n"}, ["prod"], id="an-untracked-new-file"),
    pytest.param({"specs/prod/app.sql": "select 1\n"}, ["prod"], id="a-non-yaml-file-under-the-specs"),
    pytest.param({"stacks.yaml": STACKS.replace("{stage: dev}", "{stage: develop}")}, ["dev"],
                 id="one-stack-entry"),
    pytest.param({"stacks.yaml": "# a comment\n" + STACKS}, [], id="stacks-file-reformatted"),
])
def test_what_a_change_touches(repo, edit, expected):
    for name, text in edit.items():
        (repo / name).write_text(text)
    assert _changed(repo) == expected


def test_committed_deleted_and_renamed_files_count_at_both_ends(repo):
    _git(repo, "mv", "specs/dev/app.yaml", "specs/data/moved.yaml")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "move")
    assert _changed(repo) == []
    assert _changed(repo, "HEAD~1") == ["dev", "data"]


def test_a_new_stacks_file_touches_every_stack(repo):
    _git(repo, "rm", "-q", "--cached", "stacks.yaml")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "untrack")
    _git(repo, "tag", "before")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "add", "stacks.yaml")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "add it back")
    assert _changed(repo, "before") == ["dev", "prod", "data"]


def test_an_unknown_ref_is_an_error(repo):
    with pytest.raises(PlanError) as err:
        changed_stacks(load_stacks(repo / "stacks.yaml"), "no-such-branch")
    assert "--changed-since no-such-branch: no such git revision" in str(err.value)


def test_the_cli_prints_a_github_actions_matrix(repo, capsys):
    (repo / "vars" / "prod.yaml").write_text("stage: production\n")
    assert main(["stacks", "list", "--changed-since", "main", "--format", "json"]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1  # one line: fits $GITHUB_OUTPUT as matrix=...
    assert json.loads(out) == {"include": [{"stack": "prod"}]}
    assert main(["stacks", "list", "--changed-since", "main"]) == 0
    assert capsys.readouterr().out.startswith("prod\tspecs: specs/common, specs/prod\tstate: state/prod.json")
    (repo / "vars" / "prod.yaml").write_text("stage: prod\n")
    assert main(["stacks", "list", "--changed-since", "main", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"include": []}


def test_stacks_list_without_a_stacks_file_says_where_it_looked(tmp_path, monkeypatch, capsys):
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    assert main(["stacks", "list"]) == 1
    err = capsys.readouterr().err
    assert f"no stacks.yaml in {tmp_path} or its parents" in err and "--stacks-file" in err
    assert main(["--stack", "prod", "plan"]) == 1
    assert "no stacks.yaml" in capsys.readouterr().err
