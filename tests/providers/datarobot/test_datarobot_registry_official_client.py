"""Use Cases and registered models of the DataRobot emulator driven by the official client
(``datarobot`` 3.20.0), unchanged, over a loopback socket: ``UseCase`` CRUD,
``RegisteredModelVersion.create_for_leaderboard_item`` (a new registered model, then a new
version of it), ``RegisteredModel`` get / list / update / list_versions / get_version / archive,
and a deployment of a version; the client's converters parse every answer."""

from __future__ import annotations

import warnings

import pytest

dr = pytest.importorskip("datarobot")
from datarobot.errors import ClientError  # noqa: E402
from datarobot.models.model_registry import RegisteredModel, RegisteredModelVersion  # noqa: E402

from reconciler.sandbox import Sandbox, serve_in_thread  # noqa: E402
from tests.providers.datarobot.conftest import CHURN_GLM, CHURN_XGB, HOUSE_XGB, SERVER_US  # noqa: E402

TOKEN = "official-client-token"


@pytest.fixture(scope="module")
def served():
    sb = Sandbox(token=TOKEN)
    server, base_url = serve_in_thread(sb)
    yield sb, base_url + "/datarobot/api/v2"
    server.shutdown()


@pytest.fixture(autouse=True)
def client(served):
    sb, endpoint = served
    sb.reset()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield dr.Client(endpoint=endpoint, token=TOKEN)


def test_use_case_crud():
    created = dr.UseCase.create("churn", "first")
    assert (created.name, created.description, created.members[0].id) == ("churn", "first", created.created.id)
    updated = created.update(name="churn reduction", description="second")
    assert (updated.name, updated.description) == ("churn reduction", "second")
    assert [u.id for u in dr.UseCase.list()] == [created.id]
    dr.UseCase.delete(created.id)
    with pytest.raises(ClientError) as info:
        dr.UseCase.get(created.id)
    assert info.value.status_code == 404


def test_registered_model_and_versions():
    seeded = RegisteredModel.list()
    assert len(seeded) == 6 and all(r.last_version_num == 1 for r in seeded)
    first = RegisteredModelVersion.create_for_leaderboard_item(CHURN_XGB, name="xgb", registered_model_name="Churn",
                                                               registered_model_description="d")
    assert (first.name, first.registered_model_version, first.model_id) == ("xgb", 1, CHURN_XGB)
    registered = RegisteredModel.get(first.registered_model_id)
    assert (registered.name, registered.description, registered.last_version_num) == ("Churn", "d", 1)

    second = RegisteredModelVersion.create_for_leaderboard_item(CHURN_GLM, registered_model_id=registered.id)
    assert second.registered_model_version == 2
    assert [v.id for v in registered.list_versions()] == [second.id, first.id]
    assert registered.get_version(second.id).model_id == CHURN_GLM
    assert RegisteredModel.update(registered.id, "Churn models").name == "Churn models"

    with pytest.raises(ClientError) as info:  # another target
        RegisteredModelVersion.create_for_leaderboard_item(HOUSE_XGB, registered_model_id=registered.id)
    assert info.value.status_code == 422
    with pytest.raises(ClientError) as info:  # the name is taken
        RegisteredModelVersion.create_for_leaderboard_item(CHURN_XGB, registered_model_name="Churn models")
    assert info.value.status_code == 422

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        deployment = dr.Deployment.create_from_registered_model_version(
            second.id, "from the registry", default_prediction_server_id=SERVER_US)
    assert deployment.model_package["registered_model_id"] == registered.id
    assert registered.get_version(second.id).active_deployment_count == 1

    RegisteredModel.archive(registered.id)
    assert RegisteredModel.get(registered.id).is_archived
    assert registered.id not in [r.id for r in RegisteredModel.list()]
