"""One object, one address, end to end through the CLI against the sandbox: two blocks with one
natural key are refused by ``validate`` (a key the specs tell) or by ``plan`` / ``apply`` (a key
known once refresh resolved it) before any write; adoption never hands an object another address
manages to a second one; the state refuses two addresses with one object id."""

from __future__ import annotations

import json
import textwrap

import pytest


@pytest.fixture
def proj(make_project):
    proj = make_project()
    return proj


def _specs(proj, text: str) -> None:
    (proj.specs / "main.yaml").write_text(textwrap.dedent(text).lstrip("\n"))


TWO_PROJECTS = """
resources:
  dataiku_project.sales:
    key: SALES
    name: Sales analytics

  dataiku_project.sales_copy:
    key: SALES
    name: Sales (copy)
"""

FOLDERS = """
resources:
  dataiku_root_folder.root: {}

  dataiku_project_folder.analytics:
    name: Analytics
    parent: ROOT

  dataiku_project_folder.analytics_again:
    name: Analytics
    parent: ${dataiku_root_folder.root.id}
"""


def test_two_blocks_with_one_static_key_are_refused_by_every_command_before_any_write(proj):
    _specs(proj, TWO_PROJECTS)
    writes = proj.sandbox.write_count
    for command in (("validate",), ("plan",), ("apply", "--auto-approve")):
        result = proj.cli(*command)
        assert result.code == 1, (command, result.text)
        assert "main.yaml:6: dataiku_project.sales_copy: has the same natural key (key SALES) as " \
               "dataiku_project.sales (" in result.err
        assert "main.yaml:2)" in result.err and "Traceback" not in result.text
    assert proj.sandbox.write_count == writes
    assert not proj.state_file.exists()


def test_two_blocks_whose_keys_meet_at_refresh_are_refused_by_plan_before_any_write(proj):
    _specs(proj, FOLDERS)
    assert proj.cli("validate").code == 0  # ROOT and ${dataiku_root_folder.root.id} differ as written
    writes = proj.sandbox.write_count
    for command in (("plan",), ("apply", "--auto-approve")):
        result = proj.cli(*command)
        assert result.code == 1, (command, result.text)
        assert "dataiku_project_folder.analytics (" in result.err
        assert "dataiku_project_folder.analytics_again (" in result.err
        assert "main.yaml:4)" in result.err and "main.yaml:8)" in result.err
        assert "same natural key (parent ROOT, name Analytics) once their references are resolved" in result.err
        assert "Traceback" not in result.text
    assert proj.sandbox.write_count == writes
    assert [f["name"] for f in proj.dss().get_root_project_folder().list_child_folders()] == []


def test_a_renamed_block_does_not_adopt_the_object_its_old_address_manages(proj):
    _specs(proj, TWO_PROJECTS.split("\n\n")[0])
    assert proj.cli("apply", "--auto-approve").code == 0
    _specs(proj, TWO_PROJECTS.split("\n\n")[0].replace("dataiku_project.sales:", "dataiku_project.revenue:"))
    writes = proj.sandbox.write_count
    for command in (("plan",), ("apply", "--auto-approve")):
        result = proj.cli(*command)
        assert result.code == 1, (command, result.text)
        assert "dataiku_project.revenue would adopt dataiku_project SALES (id SALES), which dataiku_project.sales " \
               "already manages" in result.err
        assert "reconciler state mv dataiku_project.sales dataiku_project.revenue" in result.err
    assert proj.sandbox.write_count == writes
    assert "SALES" in proj.dss().list_project_keys()  # not deleted under the old address
    assert proj.cli("state", "mv", "dataiku_project.sales", "dataiku_project.revenue").code == 0
    assert proj.cli("plan", "--detailed-exitcode").code == 0


def test_import_refuses_an_object_another_address_manages(proj):
    _specs(proj, TWO_PROJECTS.split("\n\n")[0])
    assert proj.cli("apply", "--auto-approve").code == 0
    _specs(proj, TWO_PROJECTS.split("\n\n")[0] + "\n  dataiku_project.other:\n    key: OTHER\n    name: Other\n")
    result = proj.cli("import", "dataiku_project.other", "SALES")
    assert result.code == 1
    assert "dataiku_project.other and dataiku_project.sales both record dataiku_project id SALES" in result.err
    state = json.loads(proj.state_file.read_text())
    assert {r["address"]: r["id"] for r in state["resources"]} == {"dataiku_project.sales": "SALES"}


def test_a_state_in_which_two_addresses_share_an_object_is_refused_until_one_is_removed(proj):
    """A state written before the rule (two blocks with one key were both "added"): plan refuses to
    touch it, so dropping one block cannot delete the object the other manages."""
    _specs(proj, TWO_PROJECTS.split("\n\n")[0])
    assert proj.cli("apply", "--auto-approve").code == 0
    state = json.loads(proj.state_file.read_text())
    twin = dict(state["resources"][0], address="dataiku_project.sales_copy")
    state["resources"].append(twin)
    proj.state_file.write_text(json.dumps(state))
    writes = proj.sandbox.write_count

    plan = proj.cli("plan")
    assert plan.code == 1, plan.text
    assert "the state records dataiku_project.sales and dataiku_project.sales_copy with one dataiku_project " \
           "(id SALES)" in plan.err
    assert "reconciler state rm" in plan.err
    assert proj.sandbox.write_count == writes
    assert proj.cli("state", "rm", "dataiku_project.sales_copy").code == 0
    assert proj.cli("plan", "--detailed-exitcode").code == 0
