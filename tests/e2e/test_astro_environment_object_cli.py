"""``astro_environment_object`` end to end through the CLI (the example ``specs/astro/``):
plan -> apply -> empty plan -> a change made with the official client -> ``drift`` names it ->
``apply`` repairs it; a secret variable's value is write-only and rotates visibly; toggling
``is_secret`` replaces; bad input exits 1 with file:line."""

from __future__ import annotations

import json

import pytest
from astro_platform_api_client import AuthenticatedClient
from astro_platform_api_client.api.environment import get_environment_object, update_environment_object
from astro_platform_api_client.models import UpdateEnvironmentObjectConnectionRequest, UpdateEnvironmentObjectRequest

from reconciler.providers.astro.sandbox.seed import ORG_ID
from tests.conftest import TOKEN

SECRET = "api-key-9f1e-never-print"
SECRET_VAR = """\
  astro_environment_object.api_key:
    object_key: API_KEY
    object_type: AIRFLOW_VARIABLE
    scope: DEPLOYMENT
    scope_entity_id: ${astro_deployment.etl.id}
    is_secret: true
    secret_value: ${env:ETL_API_KEY}
"""


@pytest.fixture
def astro(make_project):
    proj = make_project("astro")
    proj.monkeypatch.chdir(proj.root)
    return proj


def _id(proj, address: str) -> str:
    return json.loads(proj.cli("state", "show", address).out)["id"]


def test_plan_apply_drift_and_repair(astro):
    plan = astro.cli("plan")
    assert "astro_environment_object.warehouse will be created" in plan.out
    assert astro.cli("apply", "--auto-approve").code == 0
    assert astro.cli("plan", "--detailed-exitcode").code == 0
    warehouse = _id(astro, "astro_environment_object.warehouse")
    with AuthenticatedClient(base_url=f"{astro.base_url}/astro/platform/v1beta1", token=TOKEN) as client:
        body = UpdateEnvironmentObjectRequest(
            connection=UpdateEnvironmentObjectConnectionRequest(type_="postgres", host="someone-elses-db", port=5432,
                                                                login="airflow", schema="analytics"))
        assert update_environment_object.sync(ORG_ID, warehouse, client=client, body=body).connection.host \
            == "someone-elses-db"
        writes = astro.sandbox.write_count
        drift = astro.cli("drift")
        assert drift.code == 2, drift.text
        assert "astro_environment_object.warehouse" in drift.out and "someone-elses-db" in drift.out
        assert astro.sandbox.write_count == writes, "drift must not write"
        repaired = astro.cli("apply", "--auto-approve")
        assert repaired.code == 0, repaired.text
        assert get_environment_object.sync(ORG_ID, warehouse, client=client).connection.host == "warehouse.internal"
    assert astro.cli("drift").code == 0
    assert astro.cli("plan", "--detailed-exitcode").code == 0


def test_a_secret_variable_is_write_only_rotates_and_toggling_is_secret_replaces(astro):
    astro.monkeypatch.setenv("ETL_API_KEY", SECRET)
    spec = astro.specs / "astro" / "environment.yaml"
    spec.write_text(spec.read_text() + "\n" + SECRET_VAR)
    assert astro.cli("apply", "--auto-approve").code == 0
    assert astro.cli("plan", "--detailed-exitcode").code == 0
    assert SECRET not in astro.state_file.read_text()
    object_id = _id(astro, "astro_environment_object.api_key")
    world = astro.sandbox.emulators["astro"].world
    assert world._s["environment"][object_id]["airflowVariable"]["value"] == SECRET
    astro.monkeypatch.setenv("ETL_API_KEY", "rotated-" + SECRET)
    rotated = astro.cli("plan", "--detailed-exitcode")
    assert rotated.code == 2 and "astro_environment_object.api_key will be updated in-place" in rotated.out
    assert SECRET not in rotated.text
    assert astro.cli("apply", "--auto-approve").code == 0
    assert world._s["environment"][object_id]["airflowVariable"]["value"] == "rotated-" + SECRET
    spec.write_text(spec.read_text().replace("    is_secret: true\n    secret_value: ${env:ETL_API_KEY}\n",
                                             "    value: plain-now\n"))
    toggled = astro.cli("plan")
    assert "astro_environment_object.api_key must be replaced" in toggled.out or \
        "astro_environment_object.api_key will be replaced" in toggled.out, toggled.out
    assert astro.cli("apply", "--auto-approve").code == 0
    assert _id(astro, "astro_environment_object.api_key") != object_id
    assert astro.cli("plan", "--detailed-exitcode").code == 0


def test_a_field_of_another_object_type_is_refused_with_file_line(astro):
    spec = astro.specs / "astro" / "environment.yaml"
    spec.write_text(spec.read_text().replace("    value: ${var.stage}\n", "    value: ${var.stage}\n    password: x\n"))
    result = astro.cli("validate")
    assert result.code == 1 and "environment.yaml:" in result.text and "astro_environment_object.stage" in result.text
    assert "password do not apply to an environment object of type AIRFLOW_VARIABLE" in result.text and "Traceback" not in result.text
