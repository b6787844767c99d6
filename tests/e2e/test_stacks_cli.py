"""Stacks end to end: two stacks of one repository, planned and applied against the sandbox,
each with its own variable values and its own state file."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "stacks"


@pytest.fixture
def repo(make_project, monkeypatch):
    """The example stacks repository (tests/fixtures/stacks) as the current directory, with the
    sandbox's settings in the environment and no RECONCILER_SPECS / RECONCILER_STATE."""
    proj = make_project()
    root = proj.root / "repo"
    shutil.copytree(FIXTURE, root)
    monkeypatch.delenv("RECONCILER_SPECS")
    monkeypatch.delenv("RECONCILER_STATE")
    monkeypatch.chdir(root)
    return proj, root


def _state(root: Path, name: str) -> dict:
    return json.loads((root / "state" / f"{name}.json").read_text())


def _changes(out: str) -> dict[str, dict]:
    return {c["address"]: c for c in json.loads(out)["resource_changes"]}


def test_two_stacks_plan_and_apply_with_their_own_values_and_state(repo, monkeypatch):
    proj, root = repo
    listed = proj.cli("stacks", "list")
    assert listed.code == 0, listed.text
    assert [line.split("\t")[0] for line in listed.out.splitlines()] == ["dev", "prod"]
    assert json.loads(proj.cli("stacks", "list", "--format", "json").out) == {
        "include": [{"stack": "dev"}, {"stack": "prod"}]}

    plan = proj.cli("--stack", "dev", "plan", "--format", "json")
    assert plan.code == 0, plan.text
    changes = _changes(plan.out)
    assert sorted(changes) == ['dataiku_project.analytics', 'module.team["data"].lightdash_group.team']
    assert changes['module.team["data"].lightdash_group.team']["after"]["name"] == "dev-team-data"
    change = changes["dataiku_project.analytics"]
    assert change["after"]["key"] == "ANALYTICS_DEV"
    assert change["after"]["description"] == "Refreshed daily at 6h."  # the declared default

    applied = proj.cli("--stack", "dev", "apply", "--auto-approve")
    assert applied.code == 0, applied.text
    assert not (root / "state" / "prod.json").exists()

    monkeypatch.setenv("RECONCILER_STACK", "prod")
    plan = proj.cli("plan", "--format", "json")
    assert plan.code == 0, plan.text
    changes = _changes(plan.out)
    assert sorted(changes) == ['dataiku_project.analytics', 'module.team["data"].lightdash_group.team',
                               'module.team["ml"].lightdash_group.team']  # the var file's teams
    change = changes["dataiku_project.analytics"]
    assert change["actions"] == ["create"]  # dev's state is not prod's
    assert change["after"]["key"] == "ANALYTICS_PROD"  # from the var file
    assert change["after"]["description"] == "Refreshed daily at 5h."  # inline value beats the var file
    assert proj.cli("apply", "--auto-approve").code == 0
    monkeypatch.delenv("RECONCILER_STACK")

    assert {"ANALYTICS_DEV", "ANALYTICS_PROD"} <= set(proj.dss().list_project_keys())
    dev, prod = _state(root, "dev"), _state(root, "prod")
    assert [r["attrs"].get("key") or r["attrs"]["name"] for r in dev["resources"]] == [
        "ANALYTICS_DEV", "dev-team-data"]
    assert [r["attrs"].get("key") or r["attrs"]["name"] for r in prod["resources"]] == [
        "ANALYTICS_PROD", "prod-team-data", "prod-team-ml"]
    assert dev["lineage"] != prod["lineage"]

    for stack in ("dev", "prod"):
        again = proj.cli("--stack", stack, "plan", "--detailed-exitcode")
        assert again.code == 0, again.text
        assert proj.cli("--stack", stack, "state", "list").out.splitlines()[0] == "dataiku_project.analytics"
    drift = proj.cli("--stack", "prod", "drift")
    assert drift.code == 0, drift.text
    graph = proj.cli("--stack", "dev", "graph")
    assert graph.code == 0 and "dataiku_project.analytics" in graph.out


def test_values_given_for_the_run_win_over_the_stacks(repo, monkeypatch):
    proj, _ = repo
    monkeypatch.setenv("RECONCILER_VAR_refresh_hour", "7")
    plan = proj.cli("--stack", "prod", "plan", "--format", "json")
    assert plan.code == 0, plan.text
    assert _changes(plan.out)["dataiku_project.analytics"]["after"]["description"] == "Refreshed daily at 7h."
    plan = proj.cli("--stack", "prod", "--var", "refresh_hour=8", "plan", "--format", "json")
    assert _changes(plan.out)["dataiku_project.analytics"]["after"]["description"] == "Refreshed daily at 8h."


def test_a_stack_provider_override_reaches_the_provider(repo, monkeypatch):
    proj, root = repo
    text = (root / "stacks.yaml").read_text()
    (root / "stacks.yaml").write_text(text + "  qa:\n    specs: specs\n    variables: {stage: qa}\n"
                                             "    providers:\n      dataiku: {api_key: \"${env:QA_DSS_KEY}\"}\n")
    before = sum(c["requests"] for c in proj.sandbox.counts.values())
    missing = proj.cli("--stack", "qa", "plan")
    assert missing.code == 1
    assert "stacks.yaml:28: stack qa: providers.dataiku.api_key reads the environment variable QA_DSS_KEY" \
        in missing.err
    assert sum(c["requests"] for c in proj.sandbox.counts.values()) == before
    monkeypatch.setenv("QA_DSS_KEY", "not-the-sandbox-token")
    refused = proj.cli("--stack", "qa", "plan")
    assert refused.code == 1 and "401" in refused.err
    assert "not-the-sandbox-token" not in refused.text


def test_bad_stack_choices_exit_1_before_any_request(repo):
    proj, root = repo
    before = sum(c["requests"] for c in proj.sandbox.counts.values())
    unknown = proj.cli("--stack", "staging", "plan")
    assert unknown.code == 1
    assert "stacks.yaml:5: no stack named 'staging'; known stacks: dev, prod" in unknown.err
    both = proj.cli("--stack", "dev", "--state", "other.json", "plan")
    assert both.code == 1 and "cannot be combined" in both.err
    text = (root / "stacks.yaml").read_text()
    (root / "stacks.yaml").write_text(text.replace("state: state/prod.json", "state: ./state/dev.json"))
    shared = proj.cli("--stack", "dev", "plan")
    assert shared.code == 1
    assert "stacks.yaml:23: stacks dev and prod share one state" in shared.err
    assert sum(c["requests"] for c in proj.sandbox.counts.values()) == before
    assert "Traceback" not in unknown.text + both.text + shared.text


def _postgres() -> str | None:
    import os

    import psycopg

    for url in filter(None, (os.environ.get("RECONCILER_TEST_POSTGRES_URL"),
                             "postgresql://postgres@127.0.0.1:5432/test", "postgresql://root@127.0.0.1:5432/test")):
        try:
            psycopg.connect(url, connect_timeout=3).close()
            return url
        except psycopg.Error:
            continue
    return None


def test_stacks_keep_their_states_and_locks_in_one_postgresql_database(repo):
    import os
    import uuid

    import psycopg

    server = _postgres()
    if server is None:
        if os.environ.get("CI") == "true":
            pytest.fail("no PostgreSQL server; CI=true requires one (set RECONCILER_TEST_POSTGRES_URL)")
        pytest.skip("no PostgreSQL server (set RECONCILER_TEST_POSTGRES_URL)")
    proj, root = repo
    schema = f"reconciler_stacks_{uuid.uuid4().hex[:10]}"
    admin = psycopg.connect(server, autocommit=True)
    admin.execute(f'CREATE SCHEMA "{schema}"')
    try:
        url = f"{server}{'&' if '?' in server else '?'}options=-csearch_path%3D{schema}"
        text = (root / "stacks.yaml").read_text()
        text = text.replace("state: state/dev.json", f'state: "{url}"')
        text = text.replace("state: state/prod.json ", f'state: "{url}" ')
        (root / "stacks.yaml").write_text(text)
        listed = proj.cli("stacks", "list")
        assert listed.code == 0, listed.text
        assert "name=dev" in listed.out and "name=prod" in listed.out  # one named state per stack
        for stack in ("dev", "prod"):
            applied = proj.cli("--stack", stack, "apply", "--auto-approve")
            assert applied.code == 0, applied.text
        rows = admin.execute(f'SELECT state_name, address FROM "{schema}".reconciler_resources '
                             "ORDER BY state_name").fetchall()
        assert sorted({r[0] for r in rows}) == ["dev", "prod"]
        assert ("prod", 'module.team["ml"].lightdash_group.team') in rows
        assert ("dev", 'module.team["ml"].lightdash_group.team') not in rows
        assert not (root / "state").exists()
        assert proj.cli("--stack", "prod", "plan", "--detailed-exitcode").code == 0
    finally:
        admin.execute(f'DROP SCHEMA "{schema}" CASCADE')
        admin.close()


def test_a_stack_of_several_spec_directories_loads_them_as_one_set(repo):
    proj, root = repo
    (root / "extra").mkdir()
    (root / "extra" / "more.yaml").write_text(
        "resources:\n  dataiku_project.extra:\n    key: EXTRA_${upper(var.stage)}\n    name: Extra\n")
    text = (root / "stacks.yaml").read_text()
    (root / "stacks.yaml").write_text(text + "  both:\n    specs: [specs, extra, specs]\n    variables: {stage: qa}\n")
    plan = proj.cli("--stack", "both", "plan", "--format", "json")
    assert plan.code == 0, plan.text
    changes = _changes(plan.out)
    assert changes["dataiku_project.extra"]["after"]["key"] == "EXTRA_QA"  # a variable of the other directory
    assert changes["dataiku_project.analytics"]["after"]["key"] == "ANALYTICS_QA"
    assert proj.cli("--stack", "both", "validate").out.startswith("Success! 3 resource(s) in 2 file(s)")
