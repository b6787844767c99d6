"""The repository's own example (issue 20, item 11): `stacks.yaml` with two stacks over `specs/`,
a module instantiated with for_each, and two Dataiku instances. Read without any platform
(`stacks list`, `validate` and `graph` per stack): the stacks differ only in their values."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def repo(make_project, monkeypatch):
    proj = make_project()
    for name in ("RECONCILER_SPECS", "RECONCILER_STATE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(ROOT)
    return proj


def test_both_stacks_load_and_differ_by_their_values(repo):
    listed = repo.cli("stacks", "list")
    assert listed.code == 0, listed.text
    assert [line.split("\t")[0] for line in listed.out.splitlines()] == ["staging", "prod"]
    graphs = {}
    for stack in ("staging", "prod"):
        assert repo.cli("--stack", stack, "validate").code == 0
        graph = repo.cli("--stack", stack, "graph")
        assert graph.code == 0, graph.text
        graphs[stack] = graph.out
    assert 'module.team[\\"growth\\"].dataiku_project.team' in graphs["staging"]
    assert 'module.team[\\"support\\"].dataiku_project.team' not in graphs["staging"]
    assert 'module.team[\\"support\\"].dataiku_project.team' in graphs["prod"]
    for out in graphs.values():
        assert "dataiku_project.sales_production" in out and "dataiku_project.sales" in out

