"""``reconciler export`` into a new repository (an empty or missing specs directory): the provider's
settings come from the environment, a ``providers`` block reading them (``${env:NAME}``) is written
with the resources, no secret value reaches the files, and the first plan shows no changes."""

from __future__ import annotations

import pytest
import yaml

from tests.conftest import TOKEN


@pytest.mark.parametrize("layout", ["empty", "missing"])
def test_export_into_a_new_repository_then_plan_is_empty(make_project, monkeypatch, layout):
    proj = make_project()
    (proj.specs / "variables.yaml").unlink()
    if layout == "missing":
        proj.specs.rmdir()
    dss = proj.dss()
    sales = dss.create_project("SALES", "Sales", "admin", description="Sales data")
    sales.create_dataset("orders", "PostgreSQL", params={"connection": "dwh", "mode": "table", "table": "orders"})

    result = proj.cli("export", "--provider", "dataiku")
    assert result.code == 0, result.text
    out = proj.specs / "dataiku-export"
    files = {p.name: p.read_text() for p in sorted(out.glob("*.yaml"))}
    assert {"providers.yaml", "dataiku_project.yaml", "dataiku_dataset.yaml"} <= set(files)
    assert yaml.safe_load(files["providers.yaml"])["providers"] == {
        "dataiku": {"url": "${env:DATAIKU_URL}", "api_key": "${env:DATAIKU_API_KEY}"}}
    for text in files.values():
        assert TOKEN not in text and proj.dataiku_url not in text

    plan = proj.cli("plan")
    assert plan.code == 0, plan.text
    assert "No changes" in plan.text


def test_a_second_export_keeps_the_providers_block_single(make_project):
    proj = make_project()
    (proj.specs / "variables.yaml").unlink()
    proj.dss().create_project("SALES", "Sales", "admin")
    assert proj.cli("export", "--provider", "dataiku").code == 0
    proj.dss().create_project("OPS", "Operations", "admin")
    result = proj.cli("export", "--provider", "dataiku", "--out", str(proj.specs / "more"))
    assert result.code == 0, result.text
    assert not (proj.specs / "more" / "providers.yaml").exists()
    assert proj.cli("plan").code == 0
