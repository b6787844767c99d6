"""Expressions and locals end to end: plan shows what waits for apply, apply evaluates it, and a
bad expression stops before any request."""

from __future__ import annotations

import json


def _use_expressions(project) -> None:
    project.spec_path("variables.yaml").write_text(
        "variables:\n  stage: prod\n  warehouse_connection: dwh\n"
        "locals:\n  label: ${title(var.stage)}\n  is_prod: ${var.stage == \"prod\"}\n")
    project.edit_spec("projects.yaml", "    short_description: Sales KPIs\n",
                      "    short_description: '${local.is_prod ? format(\"Sales KPIs (%s)\", local.label) : \"dev\"}'\n")
    # depends on a server-generated id: known after apply, then evaluated by apply
    project.edit_spec("projects.yaml", "    description: Campaign performance and attribution models.\n",
                      "    description: 'Campaigns in folder ${lower(dataiku_project_folder.analytics.id)}'\n")


def test_expressions_plan_with_unknowns_and_apply_their_values(project):
    _use_expressions(project)
    plan = project.cli("plan", "--format", "json")
    assert plan.code == 0, plan.text
    changes = {c["address"]: c for c in json.loads(plan.out)["resource_changes"]}
    assert changes["dataiku_project.sales"]["after"]["short_description"] == "Sales KPIs (Prod)"
    marketing = changes["dataiku_project.marketing"]
    assert marketing["after"]["description"] == {"$unknown": "Campaigns in folder "
                                                              "${lower(dataiku_project_folder.analytics.id)}"}

    applied = project.cli("apply", "--auto-approve")
    assert applied.code == 0, applied.text
    folder_id = json.loads(project.state_file.read_text())
    folder = next(r for r in folder_id["resources"] if r["address"] == "dataiku_project_folder.analytics")
    meta = project.dss().get_project("MARKETING").get_metadata()
    assert meta["description"] == f"Campaigns in folder {folder['id'].lower()}"
    assert project.dss().get_project("SALES").get_metadata()["shortDesc"] == "Sales KPIs (Prod)"
    again = project.cli("plan", "--detailed-exitcode")
    assert again.code == 0, again.text


def test_a_bad_expression_is_an_error_before_any_request(project):
    project.edit_spec("projects.yaml", "    short_description: Sales KPIs\n",
                      "    short_description: ${formatt(\"%s\", var.stage)}\n")
    before = sum(c["requests"] for c in project.sandbox.counts.values())
    plan = project.cli("plan")
    assert plan.code == 1
    assert "projects.yaml:12: dataiku_project.sales: '${formatt(\"%s\", var.stage)}': unknown function 'formatt'" in plan.err
    assert "did you mean format()?" in plan.err
    assert "Traceback" not in plan.err
    assert sum(c["requests"] for c in project.sandbox.counts.values()) == before


def test_var_and_var_file_set_variables_from_the_command_line(project, tmp_path):
    project.spec_path("variables.yaml").write_text(
        "variables:\n  stage:\n    type: string\n    default: prod\n    validation:\n"
        "      - condition: ${contains([\"dev\", \"prod\"], var.stage)}\n        message: stage is dev or prod\n"
        "  warehouse_connection: dwh\n")
    (tmp_path / "dev.yaml").write_text("stage: dev\n")
    plan = project.cli("--var-file", str(tmp_path / "dev.yaml"), "plan", "--format", "json")
    assert plan.code == 0, plan.text
    sales = next(c for c in json.loads(plan.out)["resource_changes"] if c["address"] == "dataiku_project.sales")
    assert sorted(sales["after"]["tags"]) == ["dev", "finance"]

    bad = project.cli("--var", "stage=qa", "validate")
    assert bad.code == 1
    assert "variables.yaml:6: variable 'stage' = \"qa\" (from --var stage): stage is dev or prod" in bad.err

    undeclared = project.cli("--var", "stagee=dev", "validate")
    assert undeclared.code == 1
    assert "--var stagee: no variable 'stagee' is declared in the specs" in undeclared.err
    assert "did you mean 'stage'?" in undeclared.err
