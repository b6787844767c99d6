"""Natural-key lookups are batched per container (one ``list`` per container, ``reconciler.reads``):
a plan of new datasets and semantic models from empty state lists each project / the model list
once instead of one lookup per object, and finds what exists (adoption) exactly as one-by-one
lookups do."""

from __future__ import annotations

DATASETS = 12


def _write(project) -> None:
    blocks = "\n".join(f"""  dataiku_dataset.d{i}:
    project: "${{dataiku_project.bulk.key}}"
    name: d{i}
    type: PostgreSQL
    params: {{connection: dwh, table: t{i}}}""" for i in range(DATASETS))
    (project.specs / "bulk.yaml").write_text(f"""resources:
  dataiku_project.bulk:
    key: BULK
    name: Bulk
{blocks}
""")


def test_a_plan_from_empty_lists_each_project_once(make_project):
    project = make_project("dataiku")
    for path in project.specs.glob("dataiku/*.yaml"):
        path.unlink()
    _write(project)
    # one dataset already exists: adopted by the batched lookup, as `find` would
    project.dss().create_project("BULK", "Bulk", "admin")
    project.dss().get_project("BULK").create_dataset("d3", "PostgreSQL", params={"connection": "dwh", "table": "t3"})
    before = project.sandbox.counts["dataiku"]["requests"]
    result = project.cli("plan", "--detailed-exitcode")
    assert result.code == 2, result.text
    lookups = project.sandbox.counts["dataiku"]["requests"] - before
    assert lookups < DATASETS, lookups  # project lookup (5 documents) + 1 dataset list, not 12 GETs
    assert "11 to add" in result.text and "dataiku_dataset.d3" in result.text
    assert project.cli("apply", "--auto-approve").code == 0
    assert project.cli("plan", "--detailed-exitcode").code == 0
