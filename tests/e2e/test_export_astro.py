"""``reconciler export --provider astro`` against the sandbox: Workspaces, Deployments and the
deploys this tool made (raw HTTP, no spec folder) become specs with references, adopted so that
the first plan and drift show nothing. Secret env vars are never written (the user adds them);
a deploy made by hand is not exported; the exported deploy's ``source`` is the bundle's hash
until the user points it at the directory. Deterministic; already managed objects are skipped."""

from __future__ import annotations

import shutil
from pathlib import Path

import httpx
import pytest
import yaml

from reconciler.providers.astro import bundle
from reconciler.providers.astro.resources.deploy import DeploySpec
from reconciler.providers.astro.sandbox.seed import ORG_ID, PLATFORM_WORKSPACE
from tests.conftest import TOKEN

SECRET = "warehouse-pw-71c2-never-export"
FILES = ("astro_deploy.yaml", "astro_deployment.yaml", "astro_workspace.yaml")
DAG = "from airflow import DAG\n\nwith DAG('nightly_elt'):\n    pass\n"


@pytest.fixture
def proj(make_project):
    return make_project()  # variables.yaml only: nothing is managed yet


@pytest.fixture
def dags(tmp_path) -> Path:
    folder = tmp_path / "dags"
    (folder / "etl").mkdir(parents=True)
    (folder / "etl" / "nightly_elt.py").write_text(DAG)
    return folder


def _api(proj) -> httpx.Client:
    return httpx.Client(base_url=f"{proj.base_url}/astro/platform/v1beta1/organizations/{ORG_ID}",
                        headers={"Authorization": f"Bearer {TOKEN}"})


def _seed(proj, dags: Path) -> None:
    """A Deployment made in the UI, and its code deployed by another checkout of reconciler (the
    deploy carries the marker); plus one IMAGE_ONLY deploy of ours on a second Deployment."""
    with _api(proj) as api:
        made = api.post("/deployments", json={
            "type": "STANDARD", "name": "etl-prod", "workspaceId": PLATFORM_WORKSPACE, "description": "Nightly ELT",
            "astroRuntimeVersion": "12.1.0", "executor": "CELERY", "schedulerSize": "MEDIUM",
            "cloudProvider": "AWS", "region": "us-east-1", "isCicdEnforced": True, "isDagDeployEnabled": True,
            "isHighAvailability": False, "contactEmails": ["data@example.com"],
            "workerQueues": [{"name": "default", "isDefault": True, "astroMachine": "A10", "minWorkerCount": 1,
                              "maxWorkerCount": 4, "workerConcurrency": 8}],
            "environmentVariables": [{"key": "STAGE", "value": "prod", "isSecret": False},
                                     {"key": "WAREHOUSE_PASSWORD", "value": SECRET, "isSecret": True}]})
        assert made.status_code == 200, made.text
        etl = made.json()["id"]
        content = bundle.hash_directory(str(dags))
        deploy = api.post(f"/deployments/{etl}/deploys", json={
            "type": "DAG_ONLY", "description": f"DAGs from main [reconciler bundle={content} image=]"}).json()
        with httpx.Client() as blob:
            put = blob.put(deploy["dagsUploadUrl"], content=bundle.tarball(bundle.collect(dags)),
                           headers={"x-ms-blob-type": "BlockBlob"})
        assert put.status_code == 201, put.text
        done = api.post(f"/deployments/{etl}/deploys/{deploy['id']}/finalize",
                        json={"dagTarballVersion": put.headers["x-ms-version-id"]}).json()
        assert done["status"] == "DEPLOYED"

        serving = api.post("/deployments", json={
            "type": "STANDARD", "name": "ml-serving", "workspaceId": PLATFORM_WORKSPACE,
            "astroRuntimeVersion": "12.4.0", "executor": "ASTRO", "schedulerSize": "SMALL",
            "cloudProvider": "AWS", "region": "us-east-1", "isCicdEnforced": False, "isDagDeployEnabled": False,
            "isHighAvailability": False}).json()["id"]
        image = api.post(f"/deployments/{serving}/deploys", json={
            "type": "IMAGE_ONLY", "description": "[reconciler bundle= image=registry.acme.io/ml:2.0.1]"}).json()
        finalized = api.post(f"/deployments/{serving}/deploys/{image['id']}/finalize", json={})
        assert finalized.json()["status"] == "DEPLOYED"


def _export(proj, *args: str) -> dict[str, str]:
    result = proj.cli("export", "--provider", "astro", *args)
    assert result.code == 0, result.text
    return {p.name: p.read_text() for p in sorted((proj.specs / "astro-export").iterdir())}


def _resources(files: dict[str, str]) -> dict[str, dict]:
    return {a: attrs for text in files.values() for a, attrs in yaml.safe_load(text)["resources"].items()}


def test_export_writes_specs_with_references_and_the_first_plan_is_empty(proj, dags):
    _seed(proj, dags)
    writes = proj.sandbox.write_count
    files = _export(proj)
    assert proj.sandbox.write_count == writes  # export only reads the platform

    assert tuple(files) == FILES
    found = _resources(files)
    assert sorted(found) == [
        "astro_deploy.etl_prod", "astro_deploy.ml_serving",  # named after their deployment; legacy-etl's
        "astro_deployment.etl_prod", "astro_deployment.legacy_etl", "astro_deployment.ml_serving",  # deploy is
        "astro_workspace.data_platform", "astro_workspace.default_workspace"]                        # by hand
    assert found["astro_deploy.etl_prod"] == {"deployment": "${astro_deployment.etl_prod.id}",
                                              "source": bundle.hash_directory(str(dags)),
                                              "description": "DAGs from main"}
    assert found["astro_deploy.ml_serving"] == {"deployment": "${astro_deployment.ml_serving.id}",
                                                "type": "IMAGE_ONLY", "image": "registry.acme.io/ml:2.0.1"}
    etl = found["astro_deployment.etl_prod"]
    assert etl["workspace"] == "${astro_workspace.data_platform.id}"
    assert found["astro_deployment.legacy_etl"]["workspace"] == "${astro_workspace.default_workspace.id}"
    assert etl["environment_variables"] == {"STAGE": "prod"}
    assert "secret_environment_variables" not in etl  # write-only: the user adds it
    assert (etl["scheduler_size"], etl["executor"], etl["worker_queues"][0]["astro_machine"]) == ("MEDIUM", "CELERY",
                                                                                                  "A10")

    plan = proj.cli("plan", "--detailed-exitcode")
    assert plan.code == 0, plan.text
    assert "No changes" in plan.out
    assert proj.cli("drift", "--detailed-exitcode").code == 0

    written = "".join(files.values()) + proj.state_file.read_text()
    assert SECRET not in written and TOKEN not in written
    assert "WAREHOUSE_PASSWORD" not in "".join(files.values())


def test_the_user_points_source_at_the_directory_then_deploys_new_code(proj, dags):
    _seed(proj, dags)
    files = _export(proj)
    path = proj.specs / "astro-export" / "astro_deploy.yaml"
    path.write_text(files["astro_deploy.yaml"].replace(bundle.hash_directory(str(dags)), str(dags)))
    assert proj.cli("plan", "--detailed-exitcode").code == 0  # the same files: nothing to deploy

    (dags / "etl" / "nightly_elt.py").write_text(DAG + "# v2\n")
    plan = proj.cli("plan", "--detailed-exitcode")
    assert plan.code == 2, plan.text
    assert "Plan: 0 to add, 1 to change, 0 to destroy." in plan.out
    assert "astro_deploy.etl_prod" in plan.out
    assert proj.cli("apply", "--auto-approve").code == 0
    assert proj.cli("plan", "--detailed-exitcode").code == 0


def test_a_source_given_as_a_hash_is_the_bundle_identity():
    digest = "sha256:" + "c" * 64
    assert DeploySpec.model_validate({"deployment": "d", "source": digest}).content_hash == digest


def test_a_deploy_still_named_by_its_hash_cannot_upload_and_says_why(proj, dags):
    _seed(proj, dags)
    _export(proj)
    path = proj.specs / "astro-export" / "astro_deploy.yaml"
    path.write_text(path.read_text().replace("description: DAGs from main", "description: DAGs from release"))
    applied = proj.cli("apply", "--auto-approve")
    assert applied.code == 1
    assert "not a directory: there is nothing to upload" in applied.text
    assert "set source to the bundle's directory" in applied.text


def test_secrets_are_added_by_the_user_after_export(proj, dags):
    _seed(proj, dags)
    _export(proj)
    path = proj.specs / "astro-export" / "astro_deployment.yaml"
    text = path.read_text().replace("      STAGE: prod\n",
                                    "      STAGE: prod\n    secret_environment_variables:\n"
                                    "      WAREHOUSE_PASSWORD: ${env:ETL_WAREHOUSE_PASSWORD}\n", 1)
    path.write_text(text)
    proj.monkeypatch.setenv("ETL_WAREHOUSE_PASSWORD", "rotated-" + SECRET)
    plan = proj.cli("plan", "--detailed-exitcode")
    assert plan.code == 2, plan.text  # the secret is not known to the state yet: it is set once
    assert "rotated-" + SECRET not in plan.text
    assert proj.cli("apply", "--auto-approve").code == 0
    assert proj.cli("plan", "--detailed-exitcode").code == 0


def test_exporting_the_same_world_twice_gives_identical_files(proj, dags):
    _seed(proj, dags)
    first = _export(proj)

    proj.sandbox.reset()  # a fresh copy of the same world
    shutil.rmtree(proj.specs / "astro-export")
    proj.state_file.unlink()
    _seed(proj, dags)
    assert _export(proj) == first


def test_objects_already_managed_are_skipped_and_referenced(proj, dags):
    (proj.specs / "mine.yaml").write_text(
        "resources:\n"
        "  astro_workspace.platform:\n"
        "    name: Data Platform\n"
        "    description: Airflow for the data-platform team\n"
        "    cicd_enforced_default: true\n")
    assert proj.cli("apply", "--auto-approve").code == 0  # adopted by name
    _seed(proj, dags)

    found = _resources(_export(proj))
    assert "astro_workspace.data_platform" not in found and "astro_workspace.default_workspace" in found
    assert found["astro_deployment.etl_prod"]["workspace"] == "${astro_workspace.platform.id}"
    assert proj.cli("plan", "--detailed-exitcode").code == 0

    again = proj.cli("export", "--provider", "astro", "--out", str(proj.specs / "again"))
    assert again.code == 0 and "Nothing to export" in again.out


def test_a_scope_keeps_one_workspace(proj, dags):
    _seed(proj, dags)
    found = _resources(_export(proj, "--scope", "workspace=Data Platform"))
    assert sorted(found) == ["astro_deploy.etl_prod", "astro_deploy.ml_serving", "astro_deployment.etl_prod",
                             "astro_deployment.ml_serving", "astro_workspace.data_platform"]
    assert proj.cli("plan", "--detailed-exitcode").code == 0


@pytest.mark.parametrize(("scope", "message"), [
    pytest.param("project=x", "unknown --scope key(s) project", id="unknown-key"),
    pytest.param("workspace=Nope", "no Astro Workspace is named or has the id 'Nope'", id="unknown-workspace"),
])
def test_a_wrong_scope_is_refused(proj, scope, message):
    result = proj.cli("export", "--provider", "astro", "--scope", scope)
    assert result.code == 1
    assert message in result.err
    assert not (proj.specs / "astro-export").exists()
