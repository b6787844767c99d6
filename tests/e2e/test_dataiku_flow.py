"""End to end through the CLI: the Dataiku flow, orchestration and promotion (specs/dataiku-flow)
on top of the base estate (specs/dataiku), against the sandbox served on a socket; out-of-band
changes are made with the official client, as a colleague in the DSS UI would."""

from __future__ import annotations

import pytest

pytest.importorskip("dataikuapi")

FLOW_TYPES = ("dataiku_managed_dataset", "dataiku_recipe", "dataiku_scenario", "dataiku_managed_folder",
              "dataiku_meaning", "dataiku_wiki_article", "dataiku_plugin", "dataiku_deployer_infra",
              "dataiku_deployer_project", "dataiku_deployer_deployment", "dataiku_group", "dataiku_connection", "dataiku_flow_zone")


@pytest.fixture
def flow(make_project):
    return make_project("dataiku", "dataiku-flow")


def _applied(flow) -> None:
    result = flow.cli("apply", "--auto-approve")
    assert result.code == 0, result.text


def test_plan_apply_then_no_changes(flow):
    first = flow.cli("plan", "--detailed-exitcode")
    assert first.code == 2, first.text
    # the existing connection and code env the flow uses are adopted by name
    assert "Plan: 2 to import, 22 to add, 0 to change, 0 to destroy." in first.out
    for type_name in FLOW_TYPES:
        assert f'+ resource "{type_name}"' in first.out, type_name
    assert "import dataiku" in first.out  # the recipe's code, read from its file, is shown

    applied = flow.cli("apply", "--auto-approve")
    assert applied.code == 0, applied.text
    assert "scenario SALES.NIGHTLY_BUILD run" in applied.text and "SUCCESS" in applied.text
    assert "deployment sales-on-prod: HEALTHY" in applied.text

    again = flow.cli("plan", "--detailed-exitcode")
    assert again.code == 0, again.text

    client = flow.dss()
    sales = client.get_project("SALES")
    assert {r.name for r in sales.list_recipes()} == {"compute_orders_clean", "compute_top_customers"}
    code = sales.get_recipe("compute_orders_clean").get_settings().get_payload()
    assert code == flow.spec_path("compute_orders_clean.py").read_text()
    scenario = sales.get_scenario("NIGHTLY_BUILD")
    assert scenario.get_settings().active is True
    assert scenario.get_last_runs()[0].outcome == "SUCCESS"
    assert [f["name"] for f in sales.list_managed_folders()] == ["Churn models"]
    deployment = client.get_projectdeployer().get_deployment("sales-on-prod")
    assert deployment.get_settings().bundle_id == "v1"
    assert deployment.get_status().get_health() == "HEALTHY"
    assert client.get_meaning("country_code").get_definition()["normalizationMode"] == "LOWERCASE"


def test_code_changed_in_dss_is_drift_and_apply_restores_the_file(flow):
    _applied(flow)
    recipe = flow.dss().get_project("SALES").get_recipe("compute_orders_clean")
    settings = recipe.get_settings()
    settings.set_payload("print('hot fix made in the UI')\n")
    settings.save()

    writes = flow.sandbox.write_count
    drift = flow.cli("drift")
    assert drift.code == 2, drift.text
    assert "dataiku_recipe.compute_orders_clean" in drift.out and "payload_file" in drift.out
    assert "hot fix made in the UI" in drift.out
    assert "admin" in drift.out  # who changed it (the recipe's versionTag)
    assert flow.sandbox.write_count == writes, "drift must not write"

    repaired = flow.cli("apply", "--auto-approve")
    assert repaired.code == 0, repaired.text
    assert recipe.get_settings().get_payload() == flow.spec_path("compute_orders_clean.py").read_text()
    assert flow.cli("drift").code == 0


def test_editing_the_code_file_plans_a_unified_diff(flow):
    _applied(flow)
    flow.edit_spec("top_customers.sql", "LIMIT 100", "LIMIT 50")
    plan = flow.cli("plan", "--detailed-exitcode")
    assert plan.code == 2, plan.text
    assert "~ resource \"dataiku_recipe\" \"compute_top_customers\"" in plan.out
    assert "@@ -2,4 +2,4 @@" in plan.out  # a unified diff of the file, not two whole texts
    assert "- LIMIT 100" in plan.out and "+ LIMIT 50" in plan.out
    assert "Plan: 0 to add, 1 to change, 0 to destroy." in plan.out
    _applied(flow)
    assert "LIMIT 50" in flow.dss().get_project("SALES").get_recipe("compute_top_customers") \
        .get_settings().get_payload()
    assert flow.cli("plan", "--detailed-exitcode").code == 0


@pytest.mark.parametrize("change, field", [
    pytest.param("trigger", "triggers", id="scenario-trigger"),
    pytest.param("bundle", "bundle_id", id="deployment-bundle"),
    pytest.param("folder", "name", id="managed-folder-name"),
])
def test_out_of_band_changes_are_drift_and_repaired(flow, change, field):
    _applied(flow)
    client = flow.dss()
    if change == "trigger":
        settings = client.get_project("SALES").get_scenario("NIGHTLY_BUILD").get_settings()
        settings.raw_triggers[0]["params"]["hour"] = 5
        settings.save()
        address = "dataiku_scenario.nightly"
    elif change == "bundle":
        sales = client.get_project("SALES")
        sales.export_bundle("hotfix")
        sales.publish_bundle("hotfix", "SALES")
        deployment = client.get_projectdeployer().get_deployment("sales-on-prod")
        settings = deployment.get_settings()
        settings.bundle_id = "hotfix"
        settings.save()
        address = "dataiku_deployer_deployment.sales_prod"
    else:
        folder_id = client.get_project("SALES").list_managed_folders()[0]["id"]
        client.get_project("SALES").get_managed_folder(folder_id).rename("Renamed by hand")
        address = "dataiku_managed_folder.models"

    drift = flow.cli("drift")
    assert drift.code == 2, drift.text
    assert address in drift.out and field in drift.out
    repaired = flow.cli("apply", "--auto-approve")
    assert repaired.code == 0, repaired.text
    if change == "bundle":  # the hotfix bundle was in use while the deployment moved back: removed next time
        assert "keeping bundle hotfix" in repaired.text
        assert flow.cli("apply", "--auto-approve").code == 0
    assert flow.cli("drift").code == 0
    assert flow.cli("plan", "--detailed-exitcode").code == 0
    if change == "bundle":
        deployment = client.get_projectdeployer().get_deployment("sales-on-prod")
        assert deployment.get_settings().bundle_id == "v1"
        assert deployment.get_status().get_health() == "HEALTHY"


def test_releasing_a_new_bundle_publishes_and_redeploys(flow):
    _applied(flow)
    flow.edit_spec("promotion.yaml", 'bundles: ["${var.dataiku_flow_release}"]', 'bundles: ["v1", "v2"]')
    flow.edit_spec("promotion.yaml", "bundle_id: ${var.dataiku_flow_release}", "bundle_id: v2")
    plan = flow.cli("plan", "--detailed-exitcode")
    assert plan.code == 2 and "Plan: 0 to add, 2 to change, 0 to destroy." in plan.out, plan.text
    applied = flow.cli("apply", "--auto-approve")
    assert applied.code == 0, applied.text
    assert "publishing bundle v2 to SALES" in applied.text
    deployer = flow.dss().get_projectdeployer()
    assert {b["id"] for b in deployer.get_project("SALES").get_status().get_bundles()} == {"v1", "v2"}
    assert deployer.get_deployment("sales-on-prod").get_settings().bundle_id == "v2"
    assert flow.cli("plan", "--detailed-exitcode").code == 0


def test_deleting_a_dataset_lists_its_recipes_and_needs_them_gone_or_allow_cascade(flow):
    _applied(flow)
    text = flow.spec_path("flow.yaml").read_text()
    start = text.index("  dataiku_managed_dataset.top_customers:")
    end = text.index("  dataiku_recipe.compute_orders_clean:")
    flow.spec_path("flow.yaml").write_text(text[:start] + text[end:])
    # the recipe writing top_customers still references it: loading refuses
    assert flow.cli("plan").code == 1

    # drop the references too, but keep the recipe managed: the recipe would go with the dataset
    flow.edit_spec("flow.yaml", 'outputs: ["${dataiku_managed_dataset.top_customers.name}"]', "outputs: [top_customers]")
    flow.edit_spec("orchestration.yaml", 'itemId: "${dataiku_managed_dataset.top_customers.name}"',
                   "itemId: top_customers")
    refused = flow.cli("plan")
    assert refused.code == 1
    assert "dataiku_recipe" in refused.err and "compute_top_customers" in refused.err
    assert "--allow-cascade" in refused.err

    allowed = flow.cli("plan", "--allow-cascade")
    assert allowed.code == 0, allowed.text
    assert "also deletes dataiku_recipe" in allowed.out


def test_removing_a_recipe_and_its_output_deletes_both(flow):
    _applied(flow)
    text = flow.spec_path("flow.yaml").read_text()
    start = text.index("  dataiku_managed_dataset.top_customers:")
    end = text.index("  dataiku_recipe.compute_orders_clean:")
    text = text[:start] + text[end:]
    start = text.index("  dataiku_recipe.compute_top_customers:")
    end = text.index("  dataiku_managed_folder.models:")
    flow.spec_path("flow.yaml").write_text(text[:start] + text[end:])
    text = flow.spec_path("orchestration.yaml").read_text()
    start = text.index("      - name: Build the top customers")
    end = text.index("    reporters: []")
    flow.spec_path("orchestration.yaml").write_text(text[:start] + text[end:])
    flow.edit_spec("promotion.yaml", "depends_on: [dataiku_recipe.compute_top_customers, dataiku_scenario.nightly]",
                   "depends_on: [dataiku_scenario.nightly]")

    plan = flow.cli("plan", "--detailed-exitcode")
    assert plan.code == 2, plan.text
    assert "dataiku_managed_dataset.top_customers will be destroyed" in plan.out
    assert "dataiku_recipe.compute_top_customers will be destroyed" in plan.out
    _applied(flow)
    sales = flow.dss().get_project("SALES")
    assert {r.name for r in sales.list_recipes()} == {"compute_orders_clean"}
    assert "top_customers" not in {d["name"] for d in sales.list_datasets()}
    assert flow.cli("plan", "--detailed-exitcode").code == 0


def test_removing_a_meaning_forgets_it_and_leaves_it_in_place(flow):
    _applied(flow)
    text = flow.spec_path("instance.yaml").read_text()
    start = text.index("  dataiku_meaning.country_code:")
    end = text.index("  dataiku_plugin.geocoder:")
    flow.spec_path("instance.yaml").write_text(text[:start] + text[end:])
    plan = flow.cli("plan")
    assert plan.code == 0, plan.text
    assert "left in place" in plan.out
    _applied(flow)
    assert "country_code" in [m["id"] for m in flow.dss().list_meanings()]
    assert "dataiku_meaning.country_code" not in flow.cli("state", "list").out


def test_scenario_whose_run_fails_fails_the_apply(flow):
    flow.edit_spec("orchestration.yaml", 'itemId: "${dataiku_managed_dataset.top_customers.name}"', "itemId: nope")
    result = flow.cli("apply", "--auto-approve")
    assert result.code == 1
    assert "dataiku_scenario.nightly" in result.text and "ended FAILED" in result.text
    assert "cannot build DATASET nope" in result.text


def test_plan_and_drift_make_no_write_request(flow):
    before = flow.sandbox.write_count
    assert flow.cli("plan").code == 0
    _applied(flow)
    after_apply = flow.sandbox.write_count
    assert after_apply > before
    assert flow.cli("plan").code == 0
    assert flow.cli("drift").code == 0
    assert flow.sandbox.write_count == after_apply


def test_objects_made_in_dss_first_are_adopted_not_duplicated(flow):
    assert flow.cli("apply", "--auto-approve", "--target", "dataiku_project.sales").code == 0
    sales = flow.dss().get_project("SALES")
    folder = sales.create_managed_folder("Churn models")
    sales.create_scenario("Nightly build", "step_based")  # DSS derives the id NIGHTLY_BUILD from the name
    plan = flow.cli("plan")
    assert plan.code == 0, plan.text
    assert "adopting existing object SALES/Churn models" in plan.out
    assert "adopting existing object SALES/NIGHTLY_BUILD" in plan.out
    _applied(flow)
    assert [f["id"] for f in sales.list_managed_folders()] == [folder.id]
    assert [s.id for s in sales.list_scenarios(as_type="objects")] == ["NIGHTLY_BUILD"]
    assert flow.cli("plan", "--detailed-exitcode").code == 0


def test_the_automation_key_is_written_never_stored_and_its_rotation_is_planned(flow, monkeypatch):
    monkeypatch.setenv("DSS_AUTOMATION_KEY", "first-key-value-1234")
    flow.edit_spec("promotion.yaml", "    automation_node_url: https://automation.example.com\n",
                   "    automation_node_url: https://automation.example.com\n"
                   "    admin_api_key: ${env:DSS_AUTOMATION_KEY}\n")
    _applied(flow)
    infra = flow.dss().get_projectdeployer().get_infra("automation-prod")
    assert infra.get_settings().get_raw()["adminApiKey"] == "first-key-value-1234"
    assert flow.cli("plan", "--detailed-exitcode").code == 0

    monkeypatch.setenv("DSS_AUTOMATION_KEY", "second-key-value-5678")
    plan = flow.cli("plan", "--detailed-exitcode")
    assert plan.code == 2, plan.text
    assert "dataiku_deployer_infra.production" in plan.out and "admin_api_key" in plan.out
    _applied(flow)
    assert infra.get_settings().get_raw()["adminApiKey"] == "second-key-value-5678"
    for secret in ("first-key-value-1234", "second-key-value-5678"):
        assert secret not in flow.state_file.read_text() and secret not in plan.text
