"""Files published for editors and hooks: the JSON Schema, the spec files' schema header, and
the pre-commit hook definitions."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from reconciler.cli import main as cli_main
from tests.conftest import ROOT

SCHEMA = ROOT / "schema" / "reconciler.schema.json"
HOOKS = ROOT / ".pre-commit-hooks.yaml"
HEADER = "# yaml-language-server: $schema="


def test_published_schema_is_what_reconciler_schema_prints(capsys):
    assert cli_main(["schema"]) == 0
    generated = capsys.readouterr().out
    assert SCHEMA.read_text() == generated, (
        "schema/reconciler.schema.json is stale: regenerate it with "
        "`.venv/bin/reconciler schema > schema/reconciler.schema.json`")


def _spec_files() -> list[Path]:
    return sorted(p for p in (ROOT / "specs").rglob("*") if p.suffix in (".yaml", ".yml"))


@pytest.mark.parametrize("path", _spec_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_example_specs_name_the_schema_for_editors(path):
    expected = HEADER + os.path.relpath(SCHEMA, path.parent)
    first = path.read_text().splitlines()[0] if path.read_text() else ""
    assert first == expected, f"{path.relative_to(ROOT)}: make the first line `{expected}`"


def _hooks() -> list[dict]:
    return yaml.safe_load(HOOKS.read_text())


def test_hook_definitions_have_what_pre_commit_requires():
    hooks = _hooks()
    assert [h["id"] for h in hooks] == ["reconciler-validate", "reconciler-drift-ack"]
    for hook in hooks:
        assert {"id", "name", "entry", "language"} <= set(hook)
        assert hook["language"] == "python" and hook["entry"].startswith("reconciler ")
        assert set(hook) <= {"id", "name", "entry", "language", "files", "exclude", "types", "types_or",
                             "exclude_types", "always_run", "fail_fast", "verbose", "pass_filenames",
                             "require_serial", "description", "language_version", "minimum_pre_commit_version",
                             "args", "stages", "additional_dependencies"}


@pytest.mark.parametrize("path, matches", [
    pytest.param("specs/dataiku/projects.yaml", True, id="spec"),
    pytest.param("specs/variables.yml", True, id="yml"),
    pytest.param("docs/ci.md", False, id="docs"),
    pytest.param("drift-ack.yaml", False, id="ack-file"),
])
def test_validate_hook_runs_for_spec_files(path, matches):
    import re

    hook = next(h for h in _hooks() if h["id"] == "reconciler-validate")
    assert bool(re.search(hook["files"], path)) is matches


def _run_entry(project, hook_id: str, *files: str):
    hook = next(h for h in _hooks() if h["id"] == hook_id)
    argv = hook["entry"].split()[1:] + list(hook.get("args", [])) + (list(files) if hook["pass_filenames"] else [])
    from tests.ci.harness import register  # noqa: F401 - puts `ci` on the CLI

    return project.cli(*argv)


def test_validate_hook_passes_good_specs_and_names_file_and_line_of_bad_ones(project):
    assert _run_entry(project, "reconciler-validate").code == 0
    project.edit_spec("projects.yaml", "    name: Sales analytics\n", "    name: Sales analytics\n    colour: red\n")
    result = _run_entry(project, "reconciler-validate")
    assert result.code == 1
    assert "projects.yaml:" in result.err and "colour" in result.err
    assert project.sandbox.counts == {k: {"requests": 0, "writes": 0} for k in project.sandbox.counts}


def test_drift_ack_hook(project):
    path = project.root / "drift-ack.yaml"
    path.write_text("acknowledged:\n  - address: dataiku_project.sales\n    reason: r\n    expires: 2000-01-01\n")
    ok = _run_entry(project, "reconciler-drift-ack", str(path))
    assert ok.code == 0 and "1 entry valid; 1 expired" in ok.out
    path.write_text("acknowledged:\n  - address: dataiku_project.sales\n    expires: 2000-01-01\n")
    bad = _run_entry(project, "reconciler-drift-ack", str(path))
    assert bad.code == 1 and f"{path}:2: entry 1 has no 'reason'" in bad.err
