"""Two instances of one platform end to end: a Dataiku design node and an automation node, served
by the sandbox as two worlds, each with a project of the same key: plan -> apply -> empty plan ->
drift on one instance reported for that instance only -> apply repairs it."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import dataikuapi
import pytest

from reconciler.cli import main as cli_main
from reconciler.sandbox import Sandbox, serve_in_thread

FIXTURE = Path(__file__).parent / "fixtures" / "two_instances"
TOKEN = "tok-instances-never-print-me"


@pytest.fixture(scope="module")
def two_node_sandbox():
    sb = Sandbox(token=TOKEN, instances=("dataiku.automation",))
    server, base_url = serve_in_thread(sb, host="127.0.0.1", port=0)
    yield sb, base_url
    server.shutdown()


@pytest.fixture
def estate(tmp_path, two_node_sandbox, monkeypatch, capsys):
    sb, base_url = two_node_sandbox
    sb.reset()
    shutil.copytree(FIXTURE, tmp_path / "specs")
    for key in list(os.environ):
        if key.startswith(("RECONCILER_", "DATAIKU_")):
            monkeypatch.delenv(key, raising=False)
    env = {**sb.env(base_url), "RECONCILER_SPECS": str(tmp_path / "specs"),
           "RECONCILER_STATE": str(tmp_path / "state.json"), "NO_COLOR": "1"}
    for key, value in env.items():
        monkeypatch.setenv(key, value)

    def cli(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = cli_main(list(args))
        out = capsys.readouterr()
        return code, out.out, out.err

    return sb, base_url, tmp_path, cli


def _dss(base_url: str, mount: str) -> dataikuapi.DSSClient:
    return dataikuapi.DSSClient(f"{base_url}/{mount}", TOKEN)


def test_sandbox_env_points_a_named_instance_at_its_own_world(two_node_sandbox):
    sb, base_url = two_node_sandbox
    env = sb.env(base_url)
    assert env["DATAIKU_URL"] == f"{base_url}/dataiku"
    assert env["DATAIKU_AUTOMATION_URL"] == f"{base_url}/dataiku.automation"
    assert env["DATAIKU_AUTOMATION_API_KEY"] == TOKEN


def test_one_project_key_on_two_instances_through_plan_apply_drift_and_repair(estate):
    sb, base_url, root, cli = estate
    design, automation = _dss(base_url, "dataiku"), _dss(base_url, "dataiku.automation")
    assert "SALES" not in design.list_project_keys() and "SALES" not in automation.list_project_keys()

    code, out, err = cli("plan", "--format", "json")
    assert code == 0, err
    changes = {c["address"]: c for c in json.loads(out)["resource_changes"]}
    assert changes["dataiku_project.sales_design"]["actions"] == ["create"]
    assert changes["dataiku_project.sales_design"]["provider"] == "dataiku"
    assert changes["dataiku_project.sales_automation"]["provider"] == "dataiku.automation"
    code, out, _ = cli("plan")
    assert "# dataiku_project.sales_automation on dataiku.automation will be created" in out
    assert "# dataiku_project.sales_design on dataiku will be created" in out
    code, out, _ = cli("plan", "--format", "markdown")
    assert "`dataiku_project.sales_automation` on `dataiku.automation`" in out

    code, out, err = cli("apply", "--auto-approve")
    assert code == 0, out + err
    assert design.get_project("SALES").get_metadata()["label"] == "Sales analytics"
    assert automation.get_project("SALES").get_metadata()["label"] == "Sales analytics (production)"
    state = json.loads((root / "state.json").read_text())
    records = {r["address"]: r for r in state["resources"]}
    assert records["dataiku_project.sales_automation"]["provider"] == "dataiku.automation"
    assert "provider" not in records["dataiku_project.sales_design"]  # the default is never spelled out
    assert records["dataiku_project.sales_automation"]["id"] == records["dataiku_project.sales_design"]["id"]

    assert cli("plan", "--detailed-exitcode")[0] == 0

    # a colleague edits the automation node's project by hand
    project = automation.get_project("SALES")
    meta = project.get_metadata()
    meta["label"] = "Renamed in the automation node's UI"
    project.set_metadata(meta)
    code, out, err = cli("drift", "--format", "json")
    assert code == 2, err
    drift = json.loads(out)["drift"]
    assert [(d["address"], d.get("provider")) for d in drift] == [
        ("dataiku_project.sales_automation", "dataiku.automation")]
    code, out, _ = cli("drift")
    assert code == 2 and "dataiku_project.sales_automation on dataiku.automation has changed" in out
    assert "sales_design" not in out

    saved = root / "repair.json"  # a saved plan routes its apply by the instances it recorded
    code, out, err = cli("plan", "--out", str(saved))
    assert code == 0 and "dataiku_project.sales_automation on dataiku.automation will be updated in-place" in out
    writes = sb.counts["dataiku"]["writes"]
    code, out, err = cli("apply", str(saved))
    assert code == 0, out + err
    assert sb.counts["dataiku"]["writes"] == writes  # the design node was not touched
    assert automation.get_project("SALES").get_metadata()["label"] == "Sales analytics (production)"
    assert design.get_project("SALES").get_metadata()["label"] == "Sales analytics"
    assert cli("drift", "--detailed-exitcode")[0] == 0
    assert cli("plan", "--detailed-exitcode")[0] == 0

    # destroy routes each delete to its instance
    code, out, err = cli("destroy", "--auto-approve")
    assert code == 0, out + err
    assert "SALES" not in design.list_project_keys() and "SALES" not in automation.list_project_keys()


def test_an_unknown_or_malformed_instance_stops_before_any_request(estate):
    sb, base_url, root, cli = estate
    spec = root / "specs" / "estate.yaml"
    text = spec.read_text()
    before = sum(c["requests"] for c in sb.counts.values())
    spec.write_text(text.replace("provider: dataiku.automation", "provider: dataiku.prod"))
    code, out, err = cli("plan")
    assert code == 1
    assert "estate.yaml:20:" in err and "unknown provider instance 'dataiku.prod'" in err
    assert "instances of dataiku: dataiku, dataiku.automation" in err
    spec.write_text(text.replace("provider: dataiku.automation", "provider: Dataiku/Automation"))
    code, out, err = cli("validate")
    assert code == 1 and "estate.yaml:20:" in err and "is not a provider instance name" in err
    spec.write_text(text.replace("  dataiku.automation:\n", "  dataiku.Automation:\n"))
    code, out, err = cli("validate")
    assert code == 1 and "estate.yaml:6:" in err and "is not a provider instance name" in err
    assert sum(c["requests"] for c in sb.counts.values()) == before
    assert "Traceback" not in err


def test_export_and_import_on_a_named_instance(estate):
    sb, base_url, root, cli = estate
    automation, design = _dss(base_url, "dataiku.automation"), _dss(base_url, "dataiku")
    automation.create_project("OPS", "Operations (automation)", "admin")
    design.create_project("OPS", "Operations (design)", "admin")
    spec = root / "specs" / "estate.yaml"
    spec.write_text(spec.read_text().split("\nresources:")[0] + "\n")  # only the providers block

    code, out, err = cli("export", "--provider", "dataiku.automation", "--scope", "project=OPS")
    assert code == 0, out + err
    written = (root / "specs" / "dataiku.automation-export" / "dataiku_project.yaml").read_text()
    assert "provider: dataiku.automation" in written and "Operations (automation)" in written
    records = {r["address"]: r for r in json.loads((root / "state.json").read_text())["resources"]}
    assert records["dataiku_project.ops"]["provider"] == "dataiku.automation"
    assert cli("plan", "--detailed-exitcode")[0] == 0

    # the design node's OPS is another object: importing it under a new address is no clash
    spec.write_text(spec.read_text() + "resources:\n  dataiku_project.ops_design:\n    key: OPS\n"
                    "    name: Operations (design)\n")
    code, out, err = cli("import", "dataiku_project.ops_design", "OPS")
    assert code == 0, out + err
    records = {r["address"]: r for r in json.loads((root / "state.json").read_text())["resources"]}
    assert "provider" not in records["dataiku_project.ops_design"]
    assert cli("plan", "--detailed-exitcode")[0] == 0


def test_a_block_moved_to_another_instance_is_refused(estate):
    sb, base_url, root, cli = estate
    assert cli("apply", "--auto-approve")[0] == 0
    spec = root / "specs" / "estate.yaml"
    text = spec.read_text()
    moved = text.replace("    provider: dataiku.automation\n    key: SALES", "    provider: dataiku\n    key: SALES")
    # (the design node's block goes, or the two blocks would name one object on one instance)
    spec.write_text(moved.split("  dataiku_project.sales_design:")[0]
                    + "  dataiku_project.sales_automation:" + moved.split("  dataiku_project.sales_automation:")[1])
    code, out, err = cli("plan")
    assert code == 1
    assert "dataiku_project.sales_automation" in err and "lives on dataiku.automation" in err
    assert "cannot move to another provider instance" in err


def test_a_module_handed_the_automation_node_creates_its_project_there(estate):
    sb, base_url, root, cli = estate
    (root / "specs" / "modules" / "team").mkdir(parents=True)
    (root / "specs" / "modules" / "team" / "main.yaml").write_text(
        "variables:\n  key: {type: string}\nresources:\n  dataiku_project.p:\n    key: ${var.key}\n"
        "    name: Team ${var.key}\n")
    (root / "specs" / "teams.yaml").write_text(
        "modules:\n  team_prod:\n    source: ./modules/team\n    key: TEAM\n"
        "    providers: {dataiku: dataiku.automation}\n  team_dev:\n    source: ./modules/team\n    key: TEAM\n")
    code, out, err = cli("plan")
    assert code == 0, err
    assert "# module.team_prod.dataiku_project.p on dataiku.automation will be created" in out
    assert "# module.team_dev.dataiku_project.p on dataiku will be created" in out
    assert cli("apply", "--auto-approve")[0] == 0
    assert "TEAM" in _dss(base_url, "dataiku.automation").list_project_keys()
    assert "TEAM" in _dss(base_url, "dataiku").list_project_keys()
    assert cli("plan", "--detailed-exitcode")[0] == 0
