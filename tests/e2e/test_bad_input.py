"""Bad input: every user mistake exits 1 with where and what, no traceback, and no request sent."""

from __future__ import annotations

import pytest


def _append(project, name: str, text: str) -> None:
    path = project.spec_path(name)
    path.write_text(path.read_text() + text)


CASES = [
    pytest.param(
        lambda p: (p.specs / "dataiku" / "broken.yaml").write_text("resources:\n  dataiku_project.x: {key: [unclosed\n"),
        ["broken.yaml:", "yaml"], id="yaml-syntax"),
    pytest.param(
        lambda p: p.edit_spec("projects.yaml", "    short_description: Sales KPIs\n",
                              "    short_description: Sales KPIs\n    colour: blue\n"),
        ["projects.yaml:", "dataiku_project.sales", "colour", "allowed"], id="unknown-field"),
    pytest.param(
        lambda p: p.edit_spec("projects.yaml", "tags: [marketing, \"${var.stage}\"]", "tags: 42"),
        ["projects.yaml:", "dataiku_project.marketing", "tags"], id="wrong-type"),
    pytest.param(
        lambda p: _append(p, "datasets.yaml", "  dataiku_datasett.extra:\n    project: SALES\n"),
        ["datasets.yaml:", "dataiku_datasett", "dataiku_dataset"], id="unknown-type"),
    pytest.param(
        lambda p: p.edit_spec("datasets.yaml", "${dataiku_project.marketing.key}", "${dataiku_project.marketting.key}"),
        ["datasets.yaml:", "dataiku_project.marketting"], id="dangling-reference"),
    pytest.param(
        lambda p: p.edit_spec("projects.yaml", "    name: Analytics\n",
                              "    name: Analytics\n    depends_on: [dataiku_project.sales]\n"),
        ["cycle", "projects.yaml:", "dataiku_project_folder.analytics", "dataiku_project.sales"], id="cycle"),
    pytest.param(
        lambda p: (p.specs / "dataiku" / "dup.yaml").write_text("resources:\n  dataiku_project.sales:\n    key: DUP\n    name: d\n"),
        ["dup.yaml:2", "projects.yaml:", "dataiku_project.sales"], id="duplicate-address"),
    pytest.param(
        lambda p: p.monkeypatch.delenv("DATAIKU_API_KEY"),
        ["DATAIKU_API_KEY", "dataiku"], id="missing-credentials"),
    pytest.param(
        lambda p: p.edit_spec("variables.yaml", "  stage: prod\n", ""),
        ["var.stage", "projects.yaml:"], id="undefined-variable"),
]


@pytest.mark.parametrize("breakage, expected", CASES)
def test_bad_input_exits_1_with_location_and_no_request(project, breakage, expected):
    breakage(project)
    project.sandbox.reset()
    result = project.cli("plan")
    assert result.code == 1, result.text
    assert "Traceback" not in result.text
    for fragment in expected:
        assert fragment.lower() in result.err.lower(), f"{fragment!r} not in:\n{result.err}"
    assert project.sandbox.counts.get("dataiku", {}).get("requests", 0) == 0


@pytest.mark.parametrize("breakage, expected", [c for c in CASES if c.id != "missing-credentials"])
def test_validate_reports_the_same_errors_offline(project, breakage, expected):
    breakage(project)
    result = project.cli("validate")
    assert result.code == 1, result.text
    assert "Traceback" not in result.text


def test_validate_accepts_the_examples_without_credentials(project):
    project.monkeypatch.delenv("DATAIKU_API_KEY")
    result = project.cli("validate")
    assert result.code == 0, result.text
    assert "6 resource(s)" in result.out
