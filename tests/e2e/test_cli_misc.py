"""Smaller CLI contracts: confirmation, output formats, schema, sandbox env, targets, refresh-only."""

from __future__ import annotations

import json


def test_apply_without_auto_approve_refuses_when_stdin_is_not_a_terminal(project):
    result = project.cli("apply")
    assert result.code == 1
    assert "--auto-approve" in result.err
    assert project.sandbox.write_count == 0
    assert not project.state_file.exists()


def test_json_plan_is_the_versioned_format(project):
    result = project.cli("plan", "--format", "json")
    doc = json.loads(result.out)
    assert doc["format_version"] == "1.0"
    change = next(c for c in doc["resource_changes"] if c["address"] == "dataiku_project.sales")
    assert change["actions"] == ["create"]
    assert {"address", "type", "actions", "before", "after", "reason", "fingerprint"} <= set(change)
    assert change["after"]["folder"] == {"$unknown": "${dataiku_project_folder.analytics.id}"}
    assert doc["resource_drift"] == []


def test_markdown_plan_puts_the_summary_and_destructive_changes_first(project):
    assert project.cli("apply", "--auto-approve").code == 0
    project.edit_spec("datasets.yaml", "    name: campaign_events\n", "    name: campaign_events_v2\n")
    project.edit_spec("projects.yaml", "short_description: Sales KPIs", "short_description: Sales KPIs v2")
    md = project.cli("plan", "--format", "markdown").out
    assert md.index("1 to add") < md.index("dataiku_dataset.campaign_events")
    assert md.index("dataiku_dataset.campaign_events") < md.index("dataiku_project.sales")
    assert "replace" in md.lower()


def test_target_limits_the_plan_to_the_target_and_its_dependencies(project):
    result = project.cli("plan", "--target", "dataiku_dataset.campaign_events")
    assert result.code == 0, result.text
    assert "dataiku_dataset.campaign_events" in result.out
    assert "dataiku_project.marketing" in result.out
    assert "dataiku_project_folder.analytics" in result.out
    assert "dataiku_project.sales" not in result.out
    assert "Plan: 3 to add" in result.out


def test_refresh_only_apply_records_live_values(project):
    assert project.cli("apply", "--auto-approve").code == 0
    meta = project.dss().get_project("MARKETING").get_metadata()
    meta["description"] = "accepted change"
    project.dss().get_project("MARKETING").set_metadata(meta)
    assert project.cli("plan", "--refresh-only", "--detailed-exitcode").code == 2
    assert project.cli("apply", "--refresh-only", "--auto-approve").code == 0
    assert project.cli("drift").code == 0
    # the specs still say otherwise, so a normal plan proposes to put it back
    assert "description" in project.cli("plan").out


def test_schema_lists_every_resource_type(project):
    schema = json.loads(project.cli("schema").out)
    patterns = schema["properties"]["resources"]["patternProperties"]
    assert any(p.startswith("^dataiku_project\\.") for p in patterns)
    assert any(p.startswith("^dataiku_dataset\\.") for p in patterns)


def test_sandbox_env_prints_exports(project):
    out = project.cli("sandbox", "env", "--port", "9999", "--token", "t0k").out
    assert "export DATAIKU_URL=http://127.0.0.1:9999/dataiku" in out
    assert "export DATAIKU_API_KEY=t0k" in out


def test_unreachable_platform_is_one_clear_error(project):
    from reconciler.providers.http import HttpClient

    # the retries' real backoff (jittered, up to ~20 s in all) is not what this test is about
    project.monkeypatch.setattr(HttpClient, "_delay", lambda self, attempt, response: 0.001)
    project.monkeypatch.setenv("DATAIKU_URL", "http://127.0.0.1:9/dataiku")
    result = project.cli("plan", "--parallelism", "1")
    assert result.code == 1
    assert "could not connect" in result.err or "connect" in result.err
    assert "Traceback" not in result.text


def test_plain_http_to_a_remote_host_is_refused_before_any_request(project):
    project.monkeypatch.setenv("DATAIKU_URL", "http://dss.example.com/dataiku")
    result = project.cli("plan")
    assert result.code == 1
    assert "plain http://" in result.err and "allow_insecure" in result.err
    assert project.sandbox.counts["dataiku"]["requests"] == 0
