"""The Dataiku emulator's flow, orchestration, instance and deployer endpoints driven by the
official client (``dataikuapi`` 15.2.0, unchanged) over a real socket."""

from __future__ import annotations

import pytest

dataikuapi = pytest.importorskip("dataikuapi")
from dataikuapi.utils import DataikuException  # noqa: E402

from reconciler.sandbox import Sandbox, serve_in_thread  # noqa: E402

TOKEN = "sandbox-token"


@pytest.fixture(scope="module")
def served():
    sb = Sandbox(token=TOKEN)
    server, base_url = serve_in_thread(sb)
    yield sb, base_url
    server.shutdown()


@pytest.fixture
def client(served, monkeypatch):
    sandbox, base_url = served
    sandbox.reset()
    # the client's waiters sleep 200 ms at least once even when the answer is final at once
    monkeypatch.setattr("dataikuapi.utils._ExponentialBackoff.sleep_next", lambda self: None)
    return dataikuapi.DSSClient(base_url + "/dataiku", TOKEN)


@pytest.fixture
def project(client):
    project = client.create_project("P", "Project", "admin")
    project.create_dataset("orders", "PostgreSQL", params={"connection": "dwh", "mode": "table", "table": "orders"})
    return project


def _managed(project, name: str, connection: str = "filesystem_managed"):
    helper = project.new_managed_dataset(name)
    helper.with_store_into(connection, format_option_id="PARQUET_HIVE")
    return helper.create()


# -- managed datasets and recipes ---------------------------------------------------------------
def test_managed_dataset_and_code_recipe(project):
    out = _managed(project, "orders_clean")
    assert out.get_settings().get_raw()["managed"] is True
    assert out.get_settings().get_raw()["formatType"] == "parquet"

    recipe = (project.new_recipe("python", "compute_orders_clean").with_input("orders")
              .with_output("orders_clean").with_script("print(1)\n").create())
    assert recipe.name == "compute_orders_clean"
    assert [r.name for r in project.list_recipes()] == ["compute_orders_clean"]
    settings = recipe.get_settings()
    assert settings.type == "python" and settings.get_payload() == "print(1)\n"
    assert settings.get_flat_input_refs() == ["orders"] and settings.get_flat_output_refs() == ["orders_clean"]
    settings.set_payload("print(2)\n")
    settings.get_recipe_raw_definition()["params"]["envSelection"] = {"envMode": "EXPLICIT_ENV", "envName": "py311_ml"}
    settings.save()
    assert recipe.get_settings().get_payload() == "print(2)\n"
    assert recipe.get_settings().get_recipe_params()["envSelection"]["envName"] == "py311_ml"

    metadata = recipe.get_metadata()
    metadata["tags"] = ["python"]
    recipe.set_metadata(metadata)
    assert recipe.get_settings().get_recipe_raw_definition()["tags"] == ["python"]


def test_recipe_creator_without_name_gets_one_and_outputs_are_unique(project):
    _managed(project, "grouped")
    creator = project.new_recipe("grouping")
    creator.with_input("orders")
    creator.with_existing_output("grouped")
    creator.with_group_key("customer_id")
    recipe = creator.create()
    assert recipe.name == "compute_grouped"
    assert recipe.get_settings().obj_payload["keys"] == [{"column": "customer_id"}]
    with pytest.raises(DataikuException, match="already the output of recipe compute_grouped"):
        project.new_recipe("sync", "again").with_input("orders").with_output("grouped").create()
    with pytest.raises(DataikuException, match="neither a dataset nor a managed folder"):
        project.new_recipe("python", "broken").with_input("nope").with_output("grouped").create()


def test_deleting_a_dataset_deletes_its_recipes(project):
    _managed(project, "out")
    project.new_recipe("python", "r1").with_input("orders").with_output("out").with_script("").create()
    project.get_dataset("out").delete()
    assert project.list_recipes() == []


def test_recipe_rename_and_delete(project):
    _managed(project, "out")
    recipe = project.new_recipe("python", "r1").with_input("orders").with_output("out").with_script("").create()
    recipe.rename("r2")
    assert [r.name for r in project.list_recipes()] == ["r2"]
    project.get_recipe("r2").delete()
    assert project.list_recipes() == []


# -- managed folders ----------------------------------------------------------------------------
def test_managed_folder_lifecycle(project):
    folder = project.create_managed_folder("models")
    assert len(folder.id) == 8
    settings = folder.get_settings()
    assert settings.get_raw_params() == {"connection": "filesystem_folders", "path": "/${projectKey}/${odbId}"}
    assert settings.type == "Filesystem"
    settings.get_raw()["tags"] = ["ml"]
    settings.save()
    assert folder.get_definition()["tags"] == ["ml"]
    folder.rename("Models")
    assert project.list_managed_folders()[0]["name"] == "Models"
    definition = folder.get_definition()
    definition["params"]["path"] = "/elsewhere"
    with pytest.raises(DataikuException, match="path to the managed folder cannot be changed"):
        folder.set_definition(definition)

    _managed(project, "scores")
    project.new_recipe("python", "score").with_input(folder.id).with_output("scores").with_script("").create()
    folder.delete(drop_data=True)
    assert project.list_managed_folders() == [] and project.list_recipes() == []


# -- scenarios ----------------------------------------------------------------------------------
def test_scenario_settings_triggers_and_run_and_wait(project):
    scenario = project.create_scenario("Nightly build", "step_based")
    assert scenario.id == "NIGHTLY_BUILD"
    settings = scenario.get_settings()
    settings.add_daily_trigger(hour=3)
    settings.raw_steps.append({"name": "build", "type": "build_flowitem",
                               "params": {"builds": [{"type": "DATASET", "itemId": "orders"}]}})
    settings.active = True
    settings.save()
    saved = scenario.get_settings()
    assert saved.active is True
    assert len(saved.raw_triggers[0]["id"]) == 8 and saved.raw_steps[0]["id"]
    item = project.list_scenarios()[0]
    assert item.id == "Nightly build"  # the client's quirk: the list item's id is the name (§E.3)
    assert item.to_scenario().id == "NIGHTLY_BUILD" and item.running is False

    run = scenario.run_and_wait()
    assert run.outcome == "SUCCESS"
    assert scenario.get_last_runs()[0].id == run.id
    details = run.get_details()
    assert details.steps[0].outcome == "SUCCESS"
    assert scenario.get_status().running is False


def test_failing_scenario_run_is_reported_like_dss(project):
    scenario = project.create_scenario("Broken", "step_based")
    settings = scenario.get_settings()
    settings.raw_steps.append({"name": "build", "type": "build_flowitem",
                               "params": {"builds": [{"type": "DATASET", "itemId": "missing"}]}})
    settings.save()
    with pytest.raises(DataikuException, match="Scenario run returned status FAILED"):
        scenario.run_and_wait()
    run = scenario.run_and_wait(no_fail=True)
    assert run.get_details().first_error_details["title"].startswith("cannot build DATASET missing")


def test_python_scenario_payload_and_delete(project):
    scenario = project.create_scenario("Script", "custom_python")
    settings = scenario.get_settings()
    settings.code = "print('hello')\n"
    settings.save()
    assert scenario.get_settings().code == "print('hello')\n"
    scenario.delete()
    assert project.list_scenarios() == []


# -- wiki ---------------------------------------------------------------------------------------
def test_wiki_articles_taxonomy_and_home(project):
    wiki = project.get_wiki()
    home = wiki.create_article("Home", content="# Home\n")
    child = wiki.create_article("Child", parent_id=home.article_id, content="child")
    assert wiki.get_settings().get_taxonomy() == [{"id": home.article_id,
                                                   "children": [{"id": child.article_id, "children": []}]}]
    assert wiki.get_settings().get_home_article_id() == home.article_id
    assert wiki.get_article("Child").article_id == child.article_id  # by name as well as by id
    data = child.get_data()
    data.set_body("changed")
    data.save()
    assert child.get_data().get_body() == "changed"
    settings = wiki.get_settings()
    settings.move_article_in_taxonomy(child.article_id)
    settings.save()
    assert [n["id"] for n in wiki.get_settings().get_taxonomy()] == [home.article_id, child.article_id]
    home.delete()
    assert [a.article_id for a in wiki.list_articles()] == [child.article_id]


# -- instance: meanings, plugins, code envs -----------------------------------------------------
def test_meanings(client):
    client.create_meaning("country", "Country", "VALUES_LIST", values=["FR", "DE"], normalizationMode="LOWERCASE")
    meaning = client.get_meaning("country")
    definition = meaning.get_definition()
    assert definition["entries"] == [{"value": "FR"}, {"value": "DE"}]
    definition["label"] = "Country code"
    meaning.set_definition(definition)
    assert client.list_meanings()[0]["label"] == "Country code"
    client.create_meaning("dept", "Department", "VALUES_MAPPING", mappings=[{"from": "s", "to": "Sales"}])
    assert client.get_meaning("dept").get_definition()["mappings"] == [{"from": "s", "to": {"value": "Sales"}}]
    with pytest.raises(DataikuException, match="already exists"):
        client.create_meaning("dept", "Department", "DECLARATIVE")


def test_plugins_from_store_and_git(client):
    assert client.install_plugin_from_store("geocoder").wait_for_result()["success"] is True
    future = client.install_plugin_from_git("https://github.com/acme/dss-plugin-churn.git", "v1.2.0")
    assert future.wait_for_result()["pluginId"] == "churn"
    assert {(p["id"], p["version"]) for p in client.list_plugins()} == {("geocoder", "2.1.0"), ("churn", "1.2.0")}
    plugin = client.get_plugin("churn")
    settings = plugin.get_settings()
    settings.get_raw()["config"]["threshold"] = 3
    settings.set_code_env("py311_ml")
    settings.save()
    assert plugin.get_settings().get_raw()["codeEnvName"] == "py311_ml"
    assert plugin.get_settings().get_raw()["config"] == {"threshold": 3}
    plugin.update_from_git("https://github.com/acme/dss-plugin-churn.git", "v1.3.0").wait_for_result()
    assert {p["id"]: p["version"] for p in client.list_plugins()}["churn"] == "1.3.0"
    assert plugin.list_usages().get_raw()["usages"] == []
    plugin.delete().wait_for_result()
    with pytest.raises(DataikuException, match="already installed"):
        client.install_plugin_from_store("geocoder")
    with pytest.raises(DataikuException, match="not in the plugin store"):
        client.install_plugin_from_store("no-such-plugin")


def test_code_envs(client):
    names = {(e["envLang"], e["envName"]) for e in client.list_code_envs()}
    assert ("PYTHON", "py311_ml") in names and ("R", "r_base") in names
    assert client.get_code_env("PYTHON", "py311_ml").get_definition()["desc"]["pythonInterpreter"] == "PYTHON311"


# -- bundles and the project deployer -----------------------------------------------------------
def test_bundles_deployer_and_deployment_update(project, client):
    project.export_bundle("v1")
    assert [b["bundleId"] for b in project.list_exported_bundles()["bundles"]] == ["v1"]
    assert project.publish_bundle("v1")["publishedProjectKey"] == "P"
    deployer = client.get_projectdeployer()
    assert [s["id"] for s in deployer.list_stages()] == ["Development", "Test", "Production"]
    infra = deployer.create_infra("prod", "Production")
    settings = infra.get_settings()
    settings.get_raw()["automationNodeUrl"] = "https://automation"
    settings.save()
    assert infra.get_status().get_raw()["infraBasicInfo"]["automationNodeUrl"] == "https://automation"

    deployment = deployer.create_deployment("p-on-prod", "P", "prod", "v1")
    assert deployment.get_status().get_health() == "UNKNOWN"
    report = deployment.start_update().wait_for_result()
    assert report[0]["report"]["success"] is True
    assert deployment.get_status().get_health() == "HEALTHY"
    dsettings = deployment.get_settings()
    dsettings.get_raw()["localVariables"] = {"env": "prod"}
    dsettings.save()
    assert deployment.get_status().get_health() == "OUT_OF_SYNC"
    assert [d.id for d in infra.get_status().get_deployments()] == ["p-on-prod"]
    assert [b["id"] for b in deployer.get_project("P").get_status().get_bundles()] == ["v1"]
    assert deployment.get_update().status == "SUCCESS"

    with pytest.raises(DataikuException, match="used by deployment"):
        infra.delete()
    with pytest.raises(DataikuException, match="used by deployment"):
        deployer.get_project("P").delete()
    deployment.delete()
    deployer.get_project("P").delete_bundle("v1")
    deployer.get_project("P").delete()
    infra.delete()
    assert deployer.list_deployments() == [] and deployer.list_infras() == [] and deployer.list_projects() == []
