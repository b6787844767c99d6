"""The DataRobot emulator driven by the official client (``datarobot`` 3.20.0), unchanged, over a
real loopback socket: proof that the emulator follows what the client sends and expects (the
version probe at construction, Token and Bearer auth, 202 + Location + 303, pagination by
absolute ``next``, JSON error bodies with ``Content-Type: application/json``)."""

from __future__ import annotations

import warnings

import pytest

dr = pytest.importorskip("datarobot")
from datarobot.errors import AsyncProcessUnsuccessfulError, ClientError  # noqa: E402
from datarobot.models.deployment import DeploymentListFilters  # noqa: E402
from datarobot.models.resource_bundle import ResourceBundle  # noqa: E402

from reconciler.sandbox import Sandbox, serve_in_thread  # noqa: E402
from tests.providers.datarobot.conftest import (  # noqa: E402
    CHURN_GLM_PACKAGE,
    CHURN_PROJECT,
    CHURN_XGB,
    HOUSE_XGB,
    HOUSE_XGB_PACKAGE,
    SERVER_EU,
    SERVER_US,
)

TOKEN = "official-client-token"


@pytest.fixture(scope="module")
def served():
    sb = Sandbox(token=TOKEN)
    server, base_url = serve_in_thread(sb)
    yield sb, base_url + "/datarobot/api/v2"
    server.shutdown()


@pytest.fixture
def sb(served) -> Sandbox:
    sandbox, _ = served
    sandbox.reset()
    return sandbox


@pytest.fixture
def endpoint(served) -> str:
    return served[1]


@pytest.fixture(autouse=True)
def client(sb, endpoint):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield dr.Client(endpoint=endpoint, token=TOKEN)


@pytest.fixture
def emulator(sb):
    return sb.emulators["datarobot"]


def _deploy(label: str = "churn", **kw) -> "dr.Deployment":
    kw.setdefault("default_prediction_server_id", SERVER_US)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # create_from_learning_model is deprecated since 3.8
        return dr.Deployment.create_from_learning_model(CHURN_XGB, label, **kw)


# -- connection -----------------------------------------------------------------------------
def test_client_construction_probes_the_version_with_token_and_bearer(sb, endpoint):
    before = sb.counts["datarobot"]["requests"]
    dr.Client(endpoint=endpoint, token=TOKEN)
    dr.Client(endpoint=endpoint, token=TOKEN, token_type="Bearer")
    assert sb.counts["datarobot"]["requests"] == before + 2
    assert dr.Deployment.list() == []


def test_a_wrong_token_is_refused_at_construction(endpoint):
    with pytest.raises(ClientError) as info:
        dr.Client(endpoint=endpoint, token="not-the-token")
    assert info.value.status_code == 401


# -- deployments ----------------------------------------------------------------------------
def test_deployment_lifecycle_through_the_client(sb):
    deployment = _deploy(description="nightly churn", importance="HIGH")
    assert (deployment.label, deployment.status, deployment.importance) == ("churn", "active", "HIGH")
    assert deployment.default_prediction_server["id"] == SERVER_US
    assert deployment.model["id"] == CHURN_XGB and deployment.model["project_id"] == CHURN_PROJECT
    assert [d.id for d in dr.Deployment.list()] == [deployment.id]

    deployment.update(label="churn v2", description="changed", importance="CRITICAL")
    fetched = dr.Deployment.get(deployment.id)
    assert (fetched.label, fetched.description, fetched.importance) == ("churn v2", "changed", "CRITICAL")

    deployment.deactivate()
    assert deployment.status == "inactive" and dr.Deployment.get(deployment.id).status == "inactive"
    with pytest.raises(ClientError) as info:
        deployment.deactivate()
    assert info.value.status_code == 409
    deployment.activate()
    assert dr.Deployment.get(deployment.id).status == "active"

    deployment.delete()
    with pytest.raises(ClientError) as info:
        dr.Deployment.get(deployment.id)
    assert info.value.status_code == 404
    assert "not found" in str(info.value)


def test_inactive_create_and_list_filters():
    active = _deploy("a", importance="LOW")
    inactive = _deploy("b", status="inactive", importance="HIGH")
    assert inactive.status == "inactive"
    filtered = dr.Deployment.list(filters=DeploymentListFilters(importance=["HIGH", "CRITICAL"]))
    assert [d.id for d in filtered] == [inactive.id]
    assert [d.id for d in dr.Deployment.list(search="A")] == [active.id]
    assert [d.label for d in dr.Deployment.list(order_by="-label")] == ["b", "a"]


def test_list_follows_absolute_next_links_across_pages(sb):
    for i in range(23):
        _deploy(f"d{i:02d}")
    before = sb.counts["datarobot"]["requests"]
    labels = [d.label for d in dr.Deployment.list()]
    assert labels == [f"d{i:02d}" for i in range(23)]
    assert sb.counts["datarobot"]["requests"] - before == 2  # server default page: 20
    assert [d.label for d in dr.Deployment.list(limit=5, offset=20)] == ["d20", "d21", "d22"]


def test_create_from_a_model_package_into_a_prediction_environment():
    environment = dr.PredictionEnvironment.create(name="serverless", platform="datarobotServerless",
                                                  description="for packages")
    deployment = dr.Deployment.create_from_registered_model_version(
        HOUSE_XGB_PACKAGE, "house", prediction_environment_id=environment.id, importance="MODERATE")
    assert deployment.prediction_environment["id"] == environment.id
    assert deployment.model_package["id"] == HOUSE_XGB_PACKAGE and deployment.model["id"] == HOUSE_XGB
    with pytest.raises(ClientError) as info:
        environment.delete()
    assert info.value.status_code == 409
    deployment.delete()
    environment.delete()
    assert dr.PredictionEnvironment.list() == []


def test_replacement_validation_through_the_client():
    deployment = _deploy()
    status, message, checks = deployment.validate_replacement_model(new_registered_model_version_id=CHURN_GLM_PACKAGE)
    assert status == "passing", message
    status, _, checks = deployment.validate_replacement_model(new_registered_model_version_id=HOUSE_XGB_PACKAGE)
    assert status == "failing" and checks["target_type"]["status"] == "failing"


def test_deployment_views_through_the_client():
    deployment = _deploy()
    assert {c["name"] for c in deployment.get_capabilities()} >= {"supportsDataDrift", "supportsAccuracy"}
    assert {f["name"] for f in deployment.get_features()} >= {"tenure_months", "plan"}


def test_failed_job_raises_the_clients_async_error(emulator):
    emulator.job_outcome = "fail"
    with pytest.raises(AsyncProcessUnsuccessfulError, match="ERROR"):
        _deploy()
    assert [d.status for d in dr.Deployment.list()] == ["errored"]


def test_validation_errors_reach_the_client_as_json(sb):
    with pytest.raises(ClientError) as info:
        _deploy("x" * 600)
    assert info.value.status_code == 422
    assert "label" in info.value.json["errors"]
    assert dr.Deployment.list() == []


def test_the_clients_post_retries_on_429_never_duplicate(endpoint):
    """The client retries 429 on POST too: the sandbox rejects before any side effect."""
    sb = Sandbox(token=TOKEN, fault_rate=0.4, fault_kinds=("429",), retry_after=0, seed=3)
    server, base_url = serve_in_thread(sb)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            dr.Client(endpoint=base_url + "/datarobot/api/v2", token=TOKEN)
            for i in range(6):
                dr.Deployment.create_from_learning_model(CHURN_XGB, f"retry {i}", default_prediction_server_id=SERVER_EU)
        assert sb.fault_count > 0
        labels = sorted(d["label"] for d in sb.emulators["datarobot"].world.list_deployments())
        assert labels == [f"retry {i}" for i in range(6)]
    finally:
        server.shutdown()
        dr.Client(endpoint=endpoint, token=TOKEN)


# -- environments and catalog ---------------------------------------------------------------
def test_prediction_environments_through_the_client():
    environment = dr.PredictionEnvironment.create(name="edge", platform="aws",
                                                  supported_model_formats=["externalModel", "datarobot"])
    fetched = dr.PredictionEnvironment.get(environment.id)
    assert (fetched.name, fetched.platform, fetched.supported_model_formats) == ("edge", "aws", ["externalModel", "datarobot"])
    assert [e.id for e in dr.PredictionEnvironment.list()] == [environment.id]


def test_catalog_through_the_client():
    assert [s.id for s in dr.PredictionServer.list()] == [SERVER_US, SERVER_EU]
    bundles = ResourceBundle.list(use_cases=["customModel"])
    assert "cpu.small" in {b.id for b in bundles}
    assert ResourceBundle.get("gpu.small").has_gpu is True
    projects = {p.project_name: p for p in dr.Project.list()}
    assert set(projects) == {"Customer churn", "House prices"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        models = projects["Customer churn"].get_models()
    assert len(models) == 3 and CHURN_XGB in {m.id for m in models}
    assert dr.Model.get(CHURN_PROJECT, CHURN_XGB).model_type == "eXtreme Gradient Boosted Trees Classifier"
    assert dr.Project.get(CHURN_PROJECT).target == "churned"
