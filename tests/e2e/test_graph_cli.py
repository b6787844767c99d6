"""``reconciler graph`` through the CLI on the Dataiku example estate, and the Mermaid graph of the
changes in the markdown plan."""

from __future__ import annotations

import importlib


def test_graph_dot_of_specs(project):
    result = project.cli("graph")
    assert result.code == 0, result.text
    assert result.out.startswith("digraph reconciler {")
    assert '"dataiku_dataset.orders" -> "dataiku_project.sales";' in result.out
    assert '"dataiku_project.sales" -> "dataiku_project_folder.analytics";' in result.out
    assert "fillcolor" not in result.out


def test_graph_plan_mermaid_shows_only_changes_with_their_action(project):
    result = project.cli("graph", "--plan", "--format", "mermaid")
    assert result.code == 0, result.text
    assert result.out.startswith("flowchart LR\n  classDef create ")
    assert '["+ dataiku_dataset.orders"]:::create' in result.out
    assert project.cli("apply", "--auto-approve").code == 0
    project.edit_spec("datasets.yaml", "tags: [raw, erp]", "tags: [raw, erp, new]")
    result = project.cli("graph", "--plan", "--format", "mermaid")
    assert result.code == 0, result.text
    assert result.out.splitlines() == ["flowchart LR", "  classDef update fill:#fff3c4,stroke:#b28704",
                                       '  n0["~ dataiku_dataset.orders"]:::update']


def test_markdown_plan_includes_the_graph_of_small_plans(project, monkeypatch):
    result = project.cli("plan", "--format", "markdown")
    assert result.code == 0, result.text
    assert "<summary>Dependency graph of the changes</summary>" in result.out
    assert "```mermaid\nflowchart LR\n" in result.out
    assert '["+ dataiku_dataset.orders"]:::create' in result.out

    monkeypatch.setattr(importlib.import_module("reconciler.plan.render_markdown"), "GRAPH_NODES", 2)
    result = project.cli("plan", "--format", "markdown")
    assert result.code == 0, result.text
    assert "mermaid" not in result.out
