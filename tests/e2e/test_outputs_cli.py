"""Outputs end to end: apply records them in state, `reconciler output` prints them; a sensitive
one is neither printed nor stored."""

from __future__ import annotations

import json

SECRET = "pa55-w0rd-xyz"


def _add_outputs(project) -> None:
    project.spec_path("variables.yaml").write_text(
        project.spec_path("variables.yaml").read_text()
        + "  api_token:\n    default: ${env:OUT_TOKEN}\n    sensitive: true\n"
        + "locals:\n  team: finance\n"
        + "outputs:\n"
        + "  sales_key:\n    value: ${dataiku_project.sales.key}\n    description: the sales project key\n"
        + "  folder:\n    value: ${dataiku_project_folder.analytics.id}\n"
        + "  summary:\n    value: {team: '${local.team}', stage: '${var.stage}'}\n"
        + "  token:\n    value: ${var.api_token}\n    sensitive: true\n")


def test_apply_records_outputs_and_output_prints_them(project, monkeypatch):
    monkeypatch.setenv("OUT_TOKEN", SECRET)
    project.edit_spec("projects.yaml", "    lifecycle:\n      prevent_destroy: true\n", "")  # (destroyed below)
    _add_outputs(project)
    before = project.cli("output")
    assert before.code == 0 and before.out == ""
    applied = project.cli("apply", "--auto-approve")
    assert applied.code == 0, applied.text
    assert SECRET not in applied.text

    text = project.state_file.read_text()
    state = json.loads(text)
    folder_id = next(r["id"] for r in state["resources"] if r["address"] == "dataiku_project_folder.analytics")
    assert state["outputs"]["sales_key"] == {"value": "SALES", "description": "the sales project key"}
    assert state["outputs"]["token"]["sensitive"] is True
    assert state["outputs"]["token"]["hash"].startswith("hmac-sha256:")
    assert SECRET not in text and "value" not in state["outputs"]["token"]

    listed = project.cli("output")
    assert listed.code == 0, listed.text
    assert listed.out.splitlines() == [
        f'folder = {json.dumps(folder_id)}',
        'sales_key = "SALES"',
        'summary = {"stage": "prod", "team": "finance"}',
        "token = (sensitive)",
    ]
    one = project.cli("output", "sales_key")
    assert (one.code, one.out) == (0, "SALES\n")
    hidden = project.cli("output", "token")
    assert (hidden.code, hidden.out) == (0, "(sensitive)\n")
    as_json = project.cli("output", "--json")
    assert json.loads(as_json.out) == {
        "folder": {"sensitive": False, "value": folder_id},
        "sales_key": {"sensitive": False, "value": "SALES", "description": "the sales project key"},
        "summary": {"sensitive": False, "value": {"stage": "prod", "team": "finance"}},
        "token": {"sensitive": True},
    }
    assert json.loads(project.cli("output", "summary", "--json").out) == {"stage": "prod", "team": "finance"}
    for result in (listed, one, hidden, as_json):
        assert SECRET not in result.text

    unknown = project.cli("output", "sales_kye")
    assert unknown.code == 1
    assert "no output 'sales_kye' in the state; recorded outputs: folder, sales_key, summary, token" in unknown.err
    assert "Traceback" not in unknown.err

    # an output removed from the specs leaves the state at the next apply, with no platform change
    project.spec_path("variables.yaml").write_text(
        project.spec_path("variables.yaml").read_text().replace("  folder:\n    value: ${dataiku_project_folder"
                                                                ".analytics.id}\n", ""))
    again = project.cli("apply", "--auto-approve")
    assert again.code == 0, again.text
    assert sorted(json.loads(project.state_file.read_text())["outputs"]) == ["sales_key", "summary", "token"]

    destroyed = project.cli("destroy", "--auto-approve")
    assert destroyed.code == 0, destroyed.text
    assert "outputs" not in json.loads(project.state_file.read_text())


def test_an_output_with_an_unknown_reference_stops_before_any_request(project):
    project.spec_path("variables.yaml").write_text(
        project.spec_path("variables.yaml").read_text()
        + "outputs:\n  key:\n    value: ${dataiku_project.saels.key}\n")
    before = sum(c["requests"] for c in project.sandbox.counts.values())
    plan = project.cli("plan")
    assert plan.code == 1
    assert "variables.yaml:" in plan.err and "output.key" in plan.err
    assert "refers to dataiku_project.saels, which is not defined in the specs" in plan.err
    assert "Traceback" not in plan.err
    assert sum(c["requests"] for c in project.sandbox.counts.values()) == before


def test_a_sensitive_output_is_shown_only_when_asked_and_only_as_last_applied(project, monkeypatch):
    monkeypatch.setenv("OUT_TOKEN", SECRET)
    _add_outputs(project)
    assert project.cli("apply", "--auto-approve").code == 0
    shown = project.cli("output", "token", "--show-sensitive")
    assert (shown.code, shown.out) == (0, SECRET + "\n")
    assert json.loads(project.cli("output", "sales_key", "--show-sensitive", "--json").out) == "SALES"
    assert SECRET not in project.state_file.read_text()

    monkeypatch.setenv("OUT_TOKEN", "another-value")  # the specs now give another value than applied
    changed = project.cli("output", "token", "--show-sensitive")
    assert changed.code == 1 and "no longer give the value the last apply recorded" in changed.err
    assert SECRET not in changed.text and "another-value" not in changed.text
    no_name = project.cli("output", "--show-sensitive")
    assert no_name.code != 0 and "give its NAME" in no_name.err and "Traceback" not in no_name.err
