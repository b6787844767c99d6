"""Smaller CLI contracts: confirmation, output formats, schema, sandbox env, targets, refresh-only."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.conftest import ROOT


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


def test_a_plan_process_loads_only_what_a_plan_needs(project):
    """Start-up is part of every plan: a plan imports none of these (each was imported by one
    line somewhere and cost milliseconds: subprocess for git and docker, importlib.metadata for
    pydantic plugins, the modules of the ci and state pull/push commands, the apply executor). A
    block added since the apply is looked up first (the platform's 404)."""
    assert project.cli("apply", "--auto-approve").code == 0
    (project.specs / "new.yaml").write_text("resources:\n  dataiku_project.added:\n    key: ADDED\n    name: Added\n")
    unwanted = ("subprocess", "importlib.metadata", "reconciler.cli.ci", "reconciler.cli.state_transfer",
                "reconciler.state.transfer", "reconciler.apply.executor")
    code = ("import atexit, runpy, sys\n"
            f"atexit.register(lambda: print('loaded:', [m for m in {unwanted!r} if m in sys.modules], file=sys.stderr))\n"
            "sys.argv = ['reconciler', 'plan', '--detailed-exitcode']\n"
            "runpy.run_module('reconciler', run_name='__main__', alter_sys=True)\n")
    env = {k: v for k, v in os.environ.items() if k.lower() not in ("http_proxy", "https_proxy", "all_proxy")}
    done = subprocess.run([sys.executable, "-c", code], env={**env, **project.env()}, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "dataiku_project.added" in done.stdout and "loaded: []" in done.stderr, done.stderr
