"""Astro end to end through the CLI against the sandbox: workspace, deployment and the code it runs.

The example specs (``specs/astro/``) deploy ``specs/astro/dags`` (relative to the working
directory, which every test sets to the scratch project's root, as CI runs from the repo root).
"""

from __future__ import annotations

import json

import httpx
import pytest
from astro_platform_api_client import AuthenticatedClient
from astro_platform_api_client.api.deploy import create_deploy, finalize_deploy
from astro_platform_api_client.api.deployment import get_deployment, update_deployment
from astro_platform_api_client.models import (
    CreateDeployRequest,
    CreateDeployRequestType,
    DeploymentEnvironmentVariableRequest,
    FinalizeDeployRequest,
    UpdateStandardDeploymentRequest,
    UpdateStandardDeploymentRequestExecutor,
    UpdateStandardDeploymentRequestSchedulerSize,
    UpdateStandardDeploymentRequestType,
)

from reconciler.providers.astro.sandbox.seed import ORG_ID
from tests.conftest import TOKEN

SECRET = "warehouse-pw-3b9d-never-print"


@pytest.fixture
def astro(make_project):
    proj = make_project("astro")
    proj.monkeypatch.chdir(proj.root)
    return proj


def world(proj):
    return proj.sandbox.emulators["astro"].world


def official(proj) -> AuthenticatedClient:
    return AuthenticatedClient(base_url=f"{proj.base_url}/astro/platform/v1beta1", token=TOKEN)


def state(proj) -> dict:
    return json.loads(proj.state_file.read_text())


def deployment_id(proj) -> str:
    return json.loads(proj.cli("state", "show", "astro_deployment.etl").out)["id"]


def deploy_count(proj) -> int:
    return sum(1 for d in world(proj)._s["deploys"].values() if d["deploymentId"] == deployment_id(proj))


def test_plan_apply_then_no_changes_and_one_deploy(astro):
    first = astro.cli("plan", "--detailed-exitcode")
    assert first.code == 2, first.text
    assert "Plan: 5 to add, 0 to change, 0 to destroy." in first.out
    assert "uploads the bundle and waits" in first.out
    applied = astro.cli("apply", "--auto-approve")
    assert applied.code == 0, applied.text
    assert "created deploy" in applied.text
    again = astro.cli("plan", "--detailed-exitcode")
    assert again.code == 0, again.text
    assert deploy_count(astro) == 1
    with official(astro) as client:
        dep = get_deployment.sync(ORG_ID, deployment_id(astro), client=client)
    assert dep.name == "etl-prod" and dep.executor.value == "CELERY" and dep.dag_tarball_version


def test_a_new_dag_in_the_repo_makes_exactly_one_deploy(astro):
    assert astro.cli("apply", "--auto-approve").code == 0
    (astro.specs / "astro" / "dags" / "etl" / "hourly_sync.py").write_text("# a new DAG\n")
    plan = astro.cli("plan", "--detailed-exitcode")
    assert plan.code == 2, plan.text
    assert "astro_deploy.etl_dags will be updated in-place" in plan.out and "source" in plan.out
    assert "Plan: 0 to add, 1 to change, 0 to destroy." in plan.out
    assert astro.cli("apply", "--auto-approve").code == 0
    assert deploy_count(astro) == 2
    assert astro.cli("plan", "--detailed-exitcode").code == 0
    assert deploy_count(astro) == 2
    version = state(astro)["resources"]  # the recorded hash is what was deployed
    deploy_state = [r for r in version if r["address"] == "astro_deploy.etl_dags"][0]
    assert deploy_state["attrs"]["content_hash"].startswith("sha256:")


def test_out_of_band_changes_are_drift_and_apply_repairs_them(astro):
    assert astro.cli("apply", "--auto-approve").code == 0
    dep = deployment_id(astro)
    with official(astro) as client:
        live = get_deployment.sync(ORG_ID, dep, client=client)
        body = UpdateStandardDeploymentRequest(
            environment_variables=[DeploymentEnvironmentVariableRequest(is_secret=e.is_secret, key=e.key,
                                                                        value=e.value or None)
                                   for e in live.environment_variables],
            executor=UpdateStandardDeploymentRequestExecutor.CELERY, is_cicd_enforced=True,
            is_dag_deploy_enabled=True, is_high_availability=False, name=live.name,
            scheduler_size=UpdateStandardDeploymentRequestSchedulerSize.LARGE,
            type_=UpdateStandardDeploymentRequestType.STANDARD, workspace_id=live.workspace_id)
        assert update_deployment.sync(ORG_ID, dep, client=client, body=body).scheduler_size.value == "LARGE"
        # someone runs `astro deploy` by hand
        manual = create_deploy.sync(ORG_ID, dep, client=client,
                                    body=CreateDeployRequest(type_=CreateDeployRequestType.DAG_ONLY))
        upload = httpx.put(manual.dags_upload_url, content=b"hand-made", headers={"x-ms-blob-type": "BlockBlob"})
        finalize_deploy.sync(ORG_ID, dep, manual.id, client=client,
                             body=FinalizeDeployRequest(dag_tarball_version=upload.headers["x-ms-version-id"]))
    writes = astro.sandbox.write_count
    drift = astro.cli("drift")
    assert drift.code == 2, drift.text
    assert "astro_deployment.etl" in drift.out and "scheduler_size" in drift.out and "LARGE" in drift.out
    assert "astro_deploy.etl_dags" in drift.out
    assert astro.sandbox.write_count == writes, "drift must not write"
    repaired = astro.cli("apply", "--auto-approve")
    assert repaired.code == 0, repaired.text
    assert "2 changed" in repaired.out
    assert deploy_count(astro) == 3
    assert astro.cli("drift").code == 0
    assert astro.cli("plan", "--detailed-exitcode").code == 0


def test_plan_and_drift_make_no_write_request(astro):
    before = astro.sandbox.write_count
    assert astro.cli("plan").code == 0
    assert astro.cli("drift").code == 0
    assert astro.sandbox.write_count == before


def test_removing_blocks_forgets_the_deploy_and_deletes_the_deployment(astro):
    assert astro.cli("apply", "--auto-approve").code == 0
    dep = deployment_id(astro)
    path = astro.spec_path("deployments.yaml")
    text = path.read_text()
    path.write_text(text[: text.index("  # The code the deployment runs")])
    plan = astro.cli("plan")
    assert plan.code == 0, plan.text
    assert "astro_deploy.etl_dags" in plan.out and "cannot be deleted through its API" in plan.out
    assert astro.cli("apply", "--auto-approve").code == 0
    assert "astro_deploy.etl_dags" not in astro.cli("state", "list").out
    assert world(astro)._s["deployments"][dep]["dagTarballVersion"]  # still running its code
    path.write_text("resources: {}\n")
    plan = astro.cli("plan")
    assert "astro_deployment.etl will be destroyed" in plan.out and "deletes the Airflow environment" in plan.out
    assert astro.cli("apply", "--auto-approve").code == 0
    assert dep not in world(astro)._s["deployments"]


def test_secret_env_vars_are_write_only_and_rotation_is_planned(astro):
    astro.monkeypatch.setenv("ETL_WAREHOUSE_PASSWORD", SECRET)
    astro.edit_spec("deployments.yaml", "    # secret_environment_variables:\n    #   WAREHOUSE_PASSWORD:",
                    "    secret_environment_variables:\n      WAREHOUSE_PASSWORD:")
    outputs = [astro.cli("plan", "--out", str(astro.root / "plan.json")), astro.cli("apply", "--auto-approve")]
    dep = deployment_id(astro)
    assert world(astro)._s["deployments"][dep]["_secrets"] == {"WAREHOUSE_PASSWORD": SECRET}
    again = astro.cli("plan", "--detailed-exitcode")
    assert again.code == 0, again.text
    astro.monkeypatch.setenv("ETL_WAREHOUSE_PASSWORD", SECRET + "-rotated")
    rotated = astro.cli("plan", "--detailed-exitcode")
    assert rotated.code == 2 and "secret_environment_variables" in rotated.out
    outputs += [rotated, astro.cli("apply", "--auto-approve"), astro.cli("state", "show", "astro_deployment.etl"),
                astro.cli("plan", "--format", "json"), astro.cli("drift", "--format", "json")]
    assert world(astro)._s["deployments"][dep]["_secrets"] == {"WAREHOUSE_PASSWORD": SECRET + "-rotated"}
    blobs = [o.text for o in outputs] + [(astro.root / "plan.json").read_text(), astro.state_file.read_text()]
    for blob in blobs:
        assert SECRET not in blob and TOKEN not in blob


def test_an_existing_workspace_is_adopted_not_duplicated(astro):
    with httpx.Client(base_url=f"{astro.base_url}/astro/platform/v1beta1/organizations/{ORG_ID}",
                      headers={"Authorization": f"Bearer {TOKEN}"}) as raw:
        raw.post("/workspaces", json={"name": "Data Platform Airflow"}).raise_for_status()
    plan = astro.cli("plan")
    assert "adopt" in plan.out
    assert astro.cli("apply", "--auto-approve").code == 0
    names = [w["name"] for w in world(astro)._s["workspaces"].values()]
    assert names.count("Data Platform Airflow") == 1


def test_a_deploy_left_in_flight_is_awaited_by_the_next_apply(astro):
    astro.edit_spec("deployments.yaml", "variables:\n",
                    "providers:\n  astro:\n    poll_interval: 0.001\n    deploy_timeout: 0.005\nvariables:\n")
    world(astro).set_knobs(deploy_polls=-1)
    stuck = astro.cli("apply", "--auto-approve")
    assert stuck.code == 1 and "still INITIALIZED" in stuck.text and "Traceback" not in stuck.text
    assert "astro_deploy.etl_dags" in astro.cli("state", "list").out  # recorded: the deploy exists
    world(astro).set_knobs(deploy_polls=2)
    world(astro).settle_deploys()
    assert astro.cli("plan", "--detailed-exitcode").code == 0  # the stuck deploy was ours and landed
    assert deploy_count(astro) == 1


def test_a_failed_deploy_fails_the_apply_and_the_next_one_retries(astro):
    world(astro).set_knobs(deploy_outcome="FAILED")
    failed = astro.cli("apply", "--auto-approve")
    assert failed.code == 1 and "FAILED" in failed.text
    assert astro.cli("plan", "--detailed-exitcode").code == 2
    world(astro).set_knobs(deploy_outcome="DEPLOYED")
    assert astro.cli("apply", "--auto-approve").code == 0
    assert astro.cli("plan", "--detailed-exitcode").code == 0
    assert [d["status"] for d in world(astro)._s["deploys"].values()
            if d["deploymentId"] == deployment_id(astro)] == ["FAILED", "DEPLOYED"]


def test_a_runtime_downgrade_is_blocked_not_destroyed(astro):
    assert astro.cli("apply", "--auto-approve").code == 0
    dep = deployment_id(astro)
    world(astro).set_runtime(dep, "12.4.0")  # an image deploy built on a newer Runtime moved it up
    drift = astro.cli("drift")
    assert drift.code == 2 and "astro_runtime_version" in drift.out
    plan = astro.cli("plan", "--detailed-exitcode")
    assert plan.code == 3, plan.text  # nothing else to do: blocked
    assert "blocked: Astro cannot downgrade Runtime in place (live 12.4.0, specs 12.1.0)" in plan.out
    assert "Plan: 0 to add, 0 to change, 0 to destroy (1 blocked)." in plan.out
    applied = astro.cli("apply", "--auto-approve")
    assert applied.code == 0 and "Astro cannot downgrade" in applied.text
    assert dep in world(astro)._s["deployments"]  # never replaced
    astro.edit_spec("deployments.yaml", 'astro_runtime: "12.1.0"', 'astro_runtime: "12.4.0"')
    assert astro.cli("plan", "--detailed-exitcode").code == 0



def test_a_secret_deleted_in_the_ui_is_reported_as_an_unmanaged_change(astro):
    astro.monkeypatch.setenv("ETL_WAREHOUSE_PASSWORD", SECRET)
    astro.edit_spec("deployments.yaml", "    # secret_environment_variables:\n    #   WAREHOUSE_PASSWORD:",
                    "    secret_environment_variables:\n      WAREHOUSE_PASSWORD:")
    assert astro.cli("apply", "--auto-approve").code == 0
    dep = world(astro)._s["deployments"][deployment_id(astro)]
    dep["environmentVariables"] = [e for e in dep["environmentVariables"] if not e["isSecret"]]
    dep["_secrets"] = {}
    drift = astro.cli("drift", "--format", "json")
    kinds = {d["address"]: d["kind"] for d in json.loads(drift.out)["drift"]}
    assert kinds == {"astro_deployment.etl": "unmanaged"}
    assert SECRET not in drift.text
