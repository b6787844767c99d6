"""``reconciler export --provider datarobot`` against the sandbox: deployments and prediction
environments made with the official client (no spec folder) become specs with references,
adopted into the state so that the first plan and drift show nothing; deterministic; what is
already managed is skipped; deployments that have not settled are left out."""

from __future__ import annotations

import shutil
import warnings

import httpx
import pytest
import yaml

from tests.conftest import TOKEN

dr = pytest.importorskip("datarobot")

CHURN_XGB = "650000000000000000000101"
HOUSE_XGB_PACKAGE = "650000000000000000000601"
SERVER_US = "650000000000000000000a01"
SERVER_KEYS = ("dr-key-us-0001", "dr-key-eu-0002")  # the prediction servers' datarobot-key (a secret)
FILES = ("datarobot_deployment.yaml", "datarobot_prediction_environment.yaml", "datarobot_registered_model.yaml")

EXPECTED = {
    "datarobot_deployment.yaml": {"resources": {
        "datarobot_deployment.churn_scoring": {
            "label": "Churn scoring",
            "description": "Scores every active customer.\nRuns nightly.\n",
            "importance": "HIGH",
            "model_id": CHURN_XGB,
            "default_prediction_server_id": SERVER_US,
        },
        "datarobot_deployment.churn_shadow": {
            "label": "Churn shadow",
            "status": "inactive",
            "model_id": CHURN_XGB,
            "default_prediction_server_id": SERVER_US,
        },
        "datarobot_deployment.house_prices": {
            "label": "House prices",
            "importance": "MODERATE",
            "model_package_id": HOUSE_XGB_PACKAGE,
            "prediction_environment_id": "${datarobot_prediction_environment.mlops_serverless.id}",
        },
    }},
    "datarobot_prediction_environment.yaml": {"resources": {
        "datarobot_prediction_environment.edge": {"name": "edge", "platform": "aws"},
        "datarobot_prediction_environment.mlops_serverless": {
            "name": "mlops-serverless",
            "description": "Serverless, for $${stage} only",  # platform text with ${ stays literal
            "platform": "datarobotServerless",
            "supported_model_formats": ["datarobot"],
        },
    }},
}


@pytest.fixture
def proj(make_project):
    return make_project()  # variables.yaml only: nothing is managed yet


@pytest.fixture
def official(proj):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dr.Client(endpoint=f"{proj.base_url}/datarobot/api/v2", token=TOKEN)
        yield dr


def _seed(client, *, environment: bool = True) -> None:
    """What a team made in the DataRobot UI (here: with the official client)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if environment:
            client.PredictionEnvironment.create(name="mlops-serverless", platform="datarobotServerless",
                                                description="Serverless, for ${stage} only",
                                                supported_model_formats=["datarobot"])
        client.PredictionEnvironment.create(name="edge", platform="aws")
        serverless = next(e for e in client.PredictionEnvironment.list() if e.name == "mlops-serverless")
        client.Deployment.create_from_learning_model(CHURN_XGB, "Churn scoring", importance="HIGH",
                                                     description="Scores every active customer.\nRuns nightly.\n",
                                                     default_prediction_server_id=SERVER_US)
        client.Deployment.create_from_registered_model_version(
            HOUSE_XGB_PACKAGE, "House prices", prediction_environment_id=serverless.id, importance="MODERATE")
        shadow = client.Deployment.create_from_learning_model(CHURN_XGB, "Churn shadow",
                                                              default_prediction_server_id=SERVER_US)
        shadow.deactivate()


def _export(proj, *args: str) -> dict[str, str]:
    result = proj.cli("export", "--provider", "datarobot", *args)
    assert result.code == 0, result.text
    out = proj.specs / "datarobot-export"
    return {p.name: p.read_text() for p in sorted(out.iterdir())}


def test_export_writes_specs_with_references_and_the_first_plan_is_empty(proj, official):
    _seed(official)
    writes = proj.sandbox.write_count
    files = _export(proj)
    assert proj.sandbox.write_count == writes  # export only reads the platform

    assert tuple(files) == FILES
    loaded = {name: yaml.safe_load(text) for name, text in files.items()}
    registered = loaded.pop(FILES[2])["resources"]  # the organization's registered models (seeded)
    assert loaded == EXPECTED
    assert len(registered) == 6 and {b["model_id"] for b in registered.values()} >= {CHURN_XGB}
    assert all(set(b) == {"name", "model_id", "version_name"} for b in registered.values()), registered
    assert "description: |\n      Scores every active customer.\n      Runs nightly.\n" in files[FILES[0]]
    listed = proj.cli("state", "list").out.split()
    assert listed == sorted([f"{a}" for doc in EXPECTED.values() for a in doc["resources"]] + list(registered))

    plan = proj.cli("plan", "--detailed-exitcode")
    assert plan.code == 0, plan.text
    assert "No changes" in plan.out
    drift = proj.cli("drift", "--detailed-exitcode")
    assert drift.code == 0, drift.text  # fingerprints recorded at export match what read() sees

    written = "".join(files.values()) + proj.state_file.read_text()
    for secret in (TOKEN, *SERVER_KEYS):
        assert secret not in written


def test_the_exported_specs_manage_the_objects(proj, official):
    _seed(official)
    _export(proj)
    path = proj.specs / "datarobot-export" / FILES[0]
    path.write_text(path.read_text().replace("importance: HIGH", "importance: CRITICAL"))
    plan = proj.cli("plan", "--detailed-exitcode")
    assert plan.code == 2, plan.text
    assert "Plan: 0 to add, 1 to change, 0 to destroy." in plan.out
    assert proj.cli("apply", "--auto-approve").code == 0
    churn = next(d for d in official.Deployment.list() if d.label == "Churn scoring")
    assert churn.importance == "CRITICAL"


def test_exporting_the_same_world_twice_gives_identical_files(proj, official):
    _seed(official)
    first = _export(proj)

    proj.sandbox.reset()  # a fresh copy of the same world
    shutil.rmtree(proj.specs / "datarobot-export")
    proj.state_file.unlink()
    _seed(official)
    assert _export(proj) == first


def test_objects_already_managed_are_skipped_and_referenced(proj, official):
    (proj.specs / "mine.yaml").write_text(
        "resources:\n"
        "  datarobot_prediction_environment.mine:\n"
        "    name: mlops-serverless\n"
        "    platform: datarobotServerless\n"
        "    supported_model_formats: [datarobot]\n"
        "    description: Serverless, for $${stage} only\n")
    assert proj.cli("apply", "--auto-approve").code == 0
    _seed(official, environment=False)

    files = _export(proj)
    environments = yaml.safe_load(files["datarobot_prediction_environment.yaml"])["resources"]
    assert list(environments) == ["datarobot_prediction_environment.edge"]  # "mine" is not exported again
    house = yaml.safe_load(files["datarobot_deployment.yaml"])["resources"]["datarobot_deployment.house_prices"]
    assert house["prediction_environment_id"] == "${datarobot_prediction_environment.mine.id}"
    assert proj.cli("plan", "--detailed-exitcode").code == 0

    again = proj.cli("export", "--provider", "datarobot", "--out", str(proj.specs / "again"))
    assert again.code == 0, again.text
    assert "Nothing to export" in again.out
    assert not (proj.specs / "again").exists()


@pytest.mark.parametrize("outcome", [pytest.param("pending", id="launching"), pytest.param("fail", id="errored")])
def test_deployments_that_have_not_settled_are_left_out(proj, outcome):
    emulator = proj.sandbox.emulators["datarobot"]
    emulator.job_outcome = outcome
    with httpx.Client(base_url=f"{proj.base_url}/datarobot/api/v2",
                      headers={"Authorization": f"Token {TOKEN}"}) as api:
        made = api.post("deployments/fromLearningModel/", json={"modelId": CHURN_XGB, "label": "Not yet"})
        assert made.status_code == 202, made.text
        status = api.get(f"deployments/{made.json()['id']}/").json()["status"]
    assert status == ("launching" if outcome == "pending" else "errored")

    result = proj.cli("export", "--provider", "datarobot")
    assert result.code == 0, result.text
    assert "datarobot_deployment.yaml" not in result.out  # only the seeded registered models
    assert not [a for a in proj.cli("state", "list").out.split() if a.startswith("datarobot_deployment.")]


def test_a_scope_is_refused(proj, official):
    _seed(official)
    result = proj.cli("export", "--provider", "datarobot", "--scope", "label=Churn")
    assert result.code == 1
    assert "datarobot export takes no --scope" in result.err
    assert not (proj.specs / "datarobot-export").exists()
