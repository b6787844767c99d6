"""``reconciler export --provider dataiku`` against the sandbox: an estate built with the official
client (a folder, two projects, datasets, a recipe, a scenario, a managed folder, wiki articles,
a meaning, a plugin, the project deployer) becomes specs with references, adopted so that the
first plan shows nothing. Deterministic; already managed objects are skipped; ``--scope
project=KEY`` limits the export to one project and what lives in it."""

from __future__ import annotations

import shutil

import pytest
import yaml

EVERY_FILE = {
    "dataiku_dataset.yaml", "dataiku_deployer_deployment.yaml", "dataiku_deployer_infra.yaml",
    "dataiku_deployer_project.yaml", "dataiku_managed_folder.yaml", "dataiku_meaning.yaml", "dataiku_plugin.yaml",
    "dataiku_project.yaml", "dataiku_project_folder.yaml", "dataiku_recipe.yaml", "dataiku_scenario.yaml",
    "dataiku_wiki_article.yaml", "dataiku_user.yaml", "dataiku_group.yaml", "dataiku_connection.yaml",
    "dataiku_code_env.yaml",
}
PROJECT_FILES = {"dataiku_dataset.yaml", "dataiku_managed_folder.yaml", "dataiku_project.yaml", "dataiku_recipe.yaml",
                 "dataiku_scenario.yaml", "dataiku_wiki_article.yaml"}


@pytest.fixture
def proj(make_project):
    return make_project()  # variables.yaml only: nothing is managed yet


def _build(proj) -> str:
    """The estate, made in DSS by hand (the official client); returns the folder's id."""
    dss = proj.dss()
    folder = dss.get_root_project_folder().create_sub_folder("Analytics")
    sales = dss.create_project("SALES", "Sales", "admin", description="Sales data", project_folder_id=folder.id,
                               tags=["team-a"])
    ops = dss.create_project("OPS", "Operations", "admin")
    orders = sales.create_dataset("orders", "PostgreSQL", params={"connection": "dwh", "mode": "table",
                                                                  "table": "orders"})
    settings = orders.get_settings()
    settings.get_raw().update(description="All orders\nsince 2020 (${not a reference})", tags=["raw"])
    settings.save()
    sales.create_dataset("summary", "PostgreSQL", params={"connection": "dwh", "mode": "table", "table": "summary"})
    ops.create_dataset("tickets", "Filesystem", params={"connection": "filesystem_input", "path": "/tickets"},
                       formatType="csv")
    recipe = sales.new_recipe("python", "compute_summary")
    recipe.with_input("orders")
    recipe.with_output("summary")
    recipe.with_script("import dataiku\nprint(1)\n")
    recipe.create()
    build = {"type": "build_flowitem", "name": "build", "params": {"builds": [{"type": "DATASET", "itemId": "summary"}]}}
    sales.create_scenario("Nightly build", "step_based", definition={"params": {"steps": [build]}})
    sales.create_managed_folder("models")
    wiki = sales.get_wiki()
    home = wiki.create_article("Home", content="# Sales\n")
    wiki.create_article("Runbook", parent_id=home.article_id, content="step 1\n")
    dss.create_meaning("dept", "Department", "VALUES_LIST", values=["HR", "IT"])
    dss.install_plugin_from_store("geocoder").wait_for_result()
    deployer = dss.get_projectdeployer()
    deployer.create_infra("prod", "Production")
    sales.export_bundle("v1")
    sales.publish_bundle("v1")
    deployer.create_deployment("sales-prod", "SALES", "prod", "v1").start_update().wait_for_result()
    return folder.id


def _exported(proj, folder: str = "dataiku-export") -> dict[str, str]:
    return {p.name: p.read_text() for p in sorted((proj.specs / folder).glob("*.yaml"))}


def _blocks(text: str) -> dict:
    return yaml.safe_load(text)["resources"]


def test_export_writes_wired_specs_and_the_first_plan_is_empty(proj):
    _build(proj)
    result = proj.cli("export", "--provider", "dataiku")
    assert result.code == 0, result.text
    # 16 of the build, and the instance's user, 2 groups, 4 connections and 3 code envs
    assert "Adopted 26 object(s)" in result.out
    files = _exported(proj)
    assert set(files) == EVERY_FILE
    groups = _blocks(files["dataiku_group.yaml"])
    assert groups["dataiku_group.readers"] == {"name": "readers", "description": "Read-only users",
                                               "permissions": {}}
    connection = _blocks(files["dataiku_connection.yaml"])["dataiku_connection.dwh"]
    assert connection["type"] == "PostgreSQL" and "secret_params" not in connection
    assert "password" not in files["dataiku_user.yaml"]
    datasets = _blocks(files["dataiku_dataset.yaml"])
    assert datasets["dataiku_dataset.sales_orders"] == {
        "project": "${dataiku_project.sales.key}", "name": "orders", "type": "PostgreSQL",
        "params": {"connection": "dwh", "mode": "table", "table": "orders"},
        "description": "All orders\nsince 2020 ($${not a reference})", "tags": ["raw"]}
    assert datasets["dataiku_dataset.ops_tickets"]["project"] == "${dataiku_project.ops.key}"
    projects = _blocks(files["dataiku_project.yaml"])
    assert projects["dataiku_project.sales"]["folder"] == "${dataiku_project_folder.root_analytics.id}"
    assert "folder" not in projects["dataiku_project.ops"]  # ROOT is the default
    assert _blocks(files["dataiku_project_folder.yaml"]) == {
        "dataiku_project_folder.root_analytics": {"name": "Analytics", "owner": "admin"}}
    recipe = _blocks(files["dataiku_recipe.yaml"])["dataiku_recipe.sales_compute_summary"]
    assert recipe["project"] == "${dataiku_project.sales.key}" and recipe["payload"] == "import dataiku\nprint(1)\n"
    assert recipe["inputs"] == {"main": [{"ref": "orders"}]} and "payload_file" not in recipe  # lists stay literal
    scenario = _blocks(files["dataiku_scenario.yaml"])["dataiku_scenario.sales_nightly_build"]
    assert scenario["project"] == "${dataiku_project.sales.key}" and "id" not in scenario["steps"][0]
    articles = _blocks(files["dataiku_wiki_article.yaml"])
    assert articles["dataiku_wiki_article.sales_runbook"]["parent"] == "${dataiku_wiki_article.sales_home.id}"
    assert "body_file" not in articles["dataiku_wiki_article.sales_home"]
    deployment = _blocks(files["dataiku_deployer_deployment.yaml"])["dataiku_deployer_deployment.sales_prod"]
    assert deployment["published_project"] == "${dataiku_deployer_project.sales.key}"
    assert deployment["infra"] == "${dataiku_deployer_infra.prod.id}"
    assert "|-\n      All orders\n      since 2020" in files["dataiku_dataset.yaml"]  # multi-line text: a literal block

    plan = proj.cli("plan", "--detailed-exitcode")
    assert plan.code == 0, plan.text
    state = proj.cli("state", "list")
    assert "dataiku_dataset.sales_orders" in state.out and "dataiku_deployer_deployment.sales_prod" in state.out


def test_export_of_an_identical_estate_is_byte_identical(proj):
    _build(proj)
    assert proj.cli("export", "--provider", "dataiku").code == 0
    first = _exported(proj)
    shutil.rmtree(proj.specs / "dataiku-export")
    proj.state_file.unlink()
    proj.sandbox.reset()
    _build(proj)
    assert proj.cli("export", "--provider", "dataiku").code == 0
    assert _exported(proj) == first


def test_already_managed_objects_are_skipped(proj):
    _build(proj)
    assert proj.cli("export", "--provider", "dataiku").code == 0
    again = proj.cli("export", "--provider", "dataiku")
    assert again.code == 0 and "Nothing to export" in again.out
    proj.dss().get_project("SALES").create_dataset("late", "PostgreSQL",
                                                   params={"connection": "dwh", "mode": "table", "table": "late"})
    more = proj.cli("export", "--provider", "dataiku", "--out", str(proj.specs / "more"))
    assert more.code == 0, more.text
    files = _exported(proj, "more")
    assert set(files) == {"dataiku_dataset.yaml"}
    assert _blocks(files["dataiku_dataset.yaml"]) == {"dataiku_dataset.sales_late": {
        "project": "${dataiku_project.sales.key}",  # the managed project, wired through the state
        "name": "late", "type": "PostgreSQL", "params": {"connection": "dwh", "mode": "table", "table": "late"}}}
    assert proj.cli("plan", "--detailed-exitcode").code == 0


def test_scope_project_limits_the_export_to_the_project_and_its_contents(proj):
    folder_id = _build(proj)
    result = proj.cli("export", "--provider", "dataiku", "--scope", "project=SALES")
    assert result.code == 0, result.text
    files = _exported(proj)
    assert set(files) == PROJECT_FILES
    assert list(_blocks(files["dataiku_project.yaml"])) == ["dataiku_project.sales"]
    assert set(_blocks(files["dataiku_dataset.yaml"])) == {"dataiku_dataset.sales_orders",
                                                          "dataiku_dataset.sales_summary"}
    assert _blocks(files["dataiku_project.yaml"])["dataiku_project.sales"]["folder"] == folder_id  # not exported
    assert proj.cli("plan", "--detailed-exitcode").code == 0
    rest = proj.cli("export", "--provider", "dataiku", "--out", str(proj.specs / "rest"))
    assert rest.code == 0, rest.text
    assert "dataiku_dataset.ops_tickets" in _exported(proj, "rest")["dataiku_dataset.yaml"]
    assert "dataiku_dataset.sales" not in _exported(proj, "rest")["dataiku_dataset.yaml"]


@pytest.mark.parametrize("scope, message", [
    pytest.param("team=a", "unknown Dataiku export scope team", id="unknown-key"),
    pytest.param("project=NOPE", "no Dataiku project has the key 'NOPE'", id="unknown-project"),
])
def test_a_scope_that_matches_nothing_is_an_error(proj, scope, message):
    _build(proj)
    result = proj.cli("export", "--provider", "dataiku", "--scope", scope)
    assert result.code != 0 and message in result.err
    assert not (proj.specs / "dataiku-export").exists() and not proj.state_file.exists()
