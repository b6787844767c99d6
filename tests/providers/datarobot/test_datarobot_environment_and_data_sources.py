"""``datarobot_prediction_environment`` (lifecycle, adoption by name, refusing ambiguity, delete
refused while used) and the read-only data sources (lookups, ambiguity, read by id, no writes)."""

from __future__ import annotations

import pytest

from reconciler.errors import ApiError, ProviderError
from reconciler.reads import find_one, list_container
from reconciler.testing import run_lifecycle
from tests.providers.datarobot.conftest import (
    CHURN_GLM,
    CHURN_PROJECT,
    CHURN_XGB,
    HOUSE_XGB,
    HOUSE_XGB_PACKAGE,
    SERVER_EU,
)

ENV = "datarobot_prediction_environment"


# -- prediction environments ------------------------------------------------------------------
def test_environment_lifecycle(session):
    report = run_lifecycle(
        session, ENV,
        {"name": "edge", "platform": "aws", "description": "first"},
        {"name": "edge-v2", "platform": "aws", "description": None},
    )
    assert report.created["supported_model_formats"] == ["customModel", "datarobot", "externalModel"]
    assert report.changed == {"name", "description"}


def test_environment_adoption_by_name_refuses_ambiguity(session):
    rt = session.resource(ENV)
    first, _ = rt.create({"name": "edge", "platform": "aws"})
    assert find_one(rt, {"name": "edge", "platform": "aws"})[0] == first
    second = rt.client.create_environment({"name": "edge", "platform": "gcp"})["id"]
    with pytest.raises(ProviderError) as info:
        find_one(rt, {"name": "edge", "platform": "aws"})
    assert first in str(info.value) and second in str(info.value)
    assert find_one(rt, {"name": "other", "platform": "aws"}) is None


def test_a_deleted_environment_is_neither_read_nor_listed(session, sb, recorder):
    rt = session.resource(ENV)
    kept, _ = rt.create({"name": "kept", "platform": "aws"})
    gone, _ = rt.create({"name": "gone", "platform": "aws"})
    world = sb.emulators["datarobot"].world
    snapshot = world.snapshot()
    snapshot["environments"][gone]["isDeleted"] = True  # soft-deleted on the platform
    world.restore(snapshot)
    recorder.clear()
    assert set(list_container(rt, None).objects) == {kept}
    assert recorder.calls == [("GET", "/datarobot/api/v2/predictionEnvironments/")]
    assert rt.read(gone) is None and find_one(rt, {"name": "gone", "platform": "aws"}) is None


def test_environment_create_and_update_show_their_answers(session, recorder):
    rt = session.resource(ENV)
    env_id, created = rt.create({"name": "edge", "platform": "aws"})
    updated = rt.update(env_id, created, {"name": "edge-v2", "platform": "aws"}, frozenset({"name"}))
    assert [m for m, _ in recorder.calls] == ["POST", "PATCH"]  # no read-backs
    assert created["name"] == "edge" and updated == rt.read(env_id) and updated["name"] == "edge-v2"


def test_environment_in_use_cannot_be_deleted(session):
    env_id, _ = session.resource(ENV).create({"name": "serverless", "platform": "datarobotServerless"})
    deployment_id, _ = session.resource("datarobot_deployment").create(
        {"label": "house", "model_package_id": HOUSE_XGB_PACKAGE, "prediction_environment_id": env_id})
    with pytest.raises(ApiError, match="used by deployments") as info:
        session.resource(ENV).delete(env_id)
    assert info.value.status == 409
    assert session.resource(ENV).read(env_id) is not None  # if delete raises, the object still exists
    session.resource("datarobot_deployment").delete(deployment_id)
    session.resource(ENV).delete(env_id)
    assert session.resource(ENV).read(env_id) is None


def test_environment_create_sends_formats_once_each(session, sb):
    _, live = session.resource(ENV).create(
        {"name": "pe", "platform": "aws", "supported_model_formats": ["datarobot", "externalModel", "datarobot"]})
    assert live["supported_model_formats"] == ["datarobot", "externalModel"]


# -- data sources -----------------------------------------------------------------------------
@pytest.mark.parametrize("type_name, spec, expected_id", [
    pytest.param("datarobot_prediction_server", {"url": "https://prediction-eu.sandbox.datarobot.example/"},
                 SERVER_EU, id="server-by-url"),
    pytest.param("datarobot_compute_bundle", {}, "cpu.small", id="bundle-default"),
    pytest.param("datarobot_compute_bundle", {"name": "M"}, "cpu.medium", id="bundle-by-name"),
    pytest.param("datarobot_compute_bundle", {"name": "gpu.small", "use_case": "customModel"}, "gpu.small",
                 id="bundle-by-id"),
    pytest.param("datarobot_pps_image", {}, "650000000000000000000c01", id="pps-image"),
    pytest.param("datarobot_learning_model", {"project": "Customer churn", "name": "Random Forest Classifier (Gini)"},
                 "650000000000000000000103", id="model-by-project-and-type"),
    pytest.param("datarobot_learning_model", {"project": "House prices", "name": "Ridge Regressor", "model_number": 3},
                 "650000000000000000000202", id="model-with-number"),
    pytest.param("datarobot_model_package", {"model_id": HOUSE_XGB}, HOUSE_XGB_PACKAGE, id="package-by-model"),
    pytest.param("datarobot_model_package", {"name": "eXtreme Gradient Boosted Trees Regressor (v1)"},
                 HOUSE_XGB_PACKAGE, id="package-by-name"),
])
def test_data_source_lookups(session, recorder, type_name, spec, expected_id):
    rt = session.resource(type_name)
    assert rt.data_source
    rt.spec_model.model_validate(spec)
    found = rt.find(spec)
    assert found is not None and found[0] == expected_id and found[1]["id"] == expected_id
    assert rt.read(expected_id) == found[1]
    assert recorder.writes() == []


@pytest.mark.parametrize("type_name, spec", [
    pytest.param("datarobot_prediction_server", {"url": "https://nowhere.example"}, id="server"),
    pytest.param("datarobot_compute_bundle", {"name": "cpu.legacy"}, id="deleted-bundle"),
    pytest.param("datarobot_learning_model", {"project": "No such project", "name": "x"}, id="project"),
    pytest.param("datarobot_learning_model", {"project": "Customer churn", "name": "Ridge Regressor"}, id="model"),
    pytest.param("datarobot_model_package", {"model_id": "nope"}, id="package"),
])
def test_data_source_lookups_that_find_nothing(session, type_name, spec):
    assert session.resource(type_name).find(spec) is None


def test_several_servers_need_a_url(session):
    with pytest.raises(ProviderError, match="give url") as info:
        session.resource("datarobot_prediction_server").find({})
    assert "https://prediction-us" in str(info.value) and "https://prediction-eu" in str(info.value)


def test_a_repeated_model_type_needs_a_model_number(session):
    with pytest.raises(ProviderError, match=r"give model_number \(one of 3, 8\)"):
        session.resource("datarobot_learning_model").find({"project": "House prices", "name": "Ridge Regressor"})


def test_pps_image_absent(session, sb):
    sb.emulators["datarobot"].pps_image_available = False
    assert session.resource("datarobot_pps_image").find({}) is None


def test_bundles_feature_flag_off_is_an_error_not_nothing(session, sb):
    sb.emulators["datarobot"].bundles_enabled = False
    with pytest.raises(ApiError, match="not enabled"):
        session.resource("datarobot_compute_bundle").find({})


def test_learning_model_outputs(session):
    _, live = session.resource("datarobot_learning_model").find(
        {"project": "Customer churn", "name": "eXtreme Gradient Boosted Trees Classifier"})
    assert live == {**live, "id": CHURN_XGB, "project_id": CHURN_PROJECT, "project_name": "Customer churn",
                    "model_number": 12}
    assert session.resource("datarobot_learning_model").read(CHURN_GLM)["name"].startswith("Elastic-Net")
    assert session.resource("datarobot_learning_model").read("nope") is None


def test_data_sources_refuse_writes(session):
    rt = session.resource("datarobot_pps_image")
    with pytest.raises(ProviderError, match="read-only"):
        rt.create({})
    with pytest.raises(ProviderError, match="read-only"):
        rt.delete("x")


def test_prediction_server_key_is_sensitive(session):
    assert "datarobot_key" in session.resource("datarobot_prediction_server").sensitive


@pytest.mark.parametrize("type_name, spec", [
    pytest.param("datarobot_prediction_server", {"url": "https://prediction-eu.sandbox.datarobot.example"}, id="server"),
    pytest.param("datarobot_compute_bundle", {}, id="bundle"),
    pytest.param("datarobot_pps_image", {}, id="pps"),
    pytest.param("datarobot_learning_model", {"project": "Customer churn", "name": "Random Forest Classifier (Gini)"},
                 id="model"),
    pytest.param("datarobot_model_package", {"model_id": HOUSE_XGB}, id="package"),
])
def test_every_data_source_attribute_is_referenceable(session, type_name, spec):
    """``${type.name.attr}`` may name spec fields and server-owned attributes: each output is one."""
    rt = session.resource(type_name)
    _, live = rt.find(spec)
    assert set(live) <= set(rt.spec_model.model_fields) | rt.server_owned


class _Catalog:
    """A client whose catalog holds look-alikes the seeded world has none of."""

    def list_projects(self, name=None):
        return [{"id": "p1", "projectName": "Churn"}, {"id": "p2", "projectName": "Churn"}]

    def list_model_packages(self, model_id=None):
        return [{"id": "k1", "name": "churn v1", "modelId": model_id},
                {"id": "k2", "name": "churn v2", "modelId": model_id}]

    def list_compute_bundles(self, use_case=None):
        return [{"id": "cpu.a", "name": "Small"}, {"id": "cpu.b", "name": "Small"}]


@pytest.mark.parametrize("type_name, spec, message", [
    pytest.param("datarobot_learning_model", {"project": "Churn", "name": "x"},
                 r"2 projects are named 'Churn' \(p1, p2\)", id="project"),
    pytest.param("datarobot_model_package", {"model_id": "m"}, r"give name \(one of 'churn v1', 'churn v2'\)",
                 id="package"),
    pytest.param("datarobot_compute_bundle", {"name": "Small"},
                 r"give the id as name \(one of cpu.a, cpu.b\)", id="bundle"),
])
def test_data_source_lookups_that_match_several_say_how_to_pick_one(type_name, spec, message):
    from reconciler.providers.datarobot.provider import RESOURCE_TYPES

    with pytest.raises(ProviderError, match=message):
        RESOURCE_TYPES[type_name](_Catalog()).find(spec)
