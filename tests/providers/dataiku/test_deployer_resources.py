"""The project deployer types: infra (write-only key), published project (bundles), deployment
(settings then the deployer's update, awaited)."""

from __future__ import annotations

import httpx
import pytest

from reconciler.diff import compare
from reconciler.errors import ApiError
from reconciler.providers.base import progress_to, reset_progress
from reconciler.providers.dataiku.provider import DATAIKU
from reconciler.providers.dataiku.resources import DeployerInfra, DeployerProject, Deployment
from reconciler.providers.dataiku.sandbox import DataikuEmulator
from reconciler.providers.settings import resolve_settings
from reconciler.sandbox import Sandbox
from reconciler.testing import SANDBOX_BASE_URL

API = "/dip/publicapi"
PD = "/project-deployer"
P = "SALES"


@pytest.fixture
def world():
    sandbox = Sandbox(emulators={"dataiku": DataikuEmulator(pending_polls=1)})
    session = DATAIKU.connect(resolve_settings(DATAIKU, None, sandbox.env(SANDBOX_BASE_URL)), sandbox.transport())
    slept: list[float] = []
    session.client._sleep = slept.append
    session.resource("dataiku_project").create({"key": P, "name": "Sales"})
    raw = httpx.Client(transport=sandbox.transport(), base_url=f"{SANDBOX_BASE_URL}/dataiku{API}",
                       auth=(sandbox.token, ""))
    yield session, raw, slept
    raw.close()
    session.close()


def _deployable(session) -> None:
    session.resource("dataiku_deployer_infra").create({"id": "prod", "stage": "Production"})
    session.resource("dataiku_deployer_project").create({"key": P, "bundles": ["v1", "v2"]})


# -- infra --------------------------------------------------------------------------------------
def test_infra_admin_key_is_written_but_never_read_back(world):
    session, raw, _ = world
    rt = session.resource("dataiku_deployer_infra")
    spec = {"id": "prod", "stage": "Production", "automation_node_url": "https://auto", "admin_api_key": "k-1"}
    infra_id, live = rt.create(spec)
    assert raw.get(f"{PD}/infras/prod/settings").json()["adminApiKey"] == "k-1"
    assert "admin_api_key" not in live and "k-1" not in repr(rt.normalize(live))
    assert compare(rt, spec, live) == ()  # write-only: not compared (the engine keeps a keyed hash in state)
    rt.update(infra_id, live, {**spec, "admin_api_key": "k-2"}, frozenset({"admin_api_key"}))
    assert raw.get(f"{PD}/infras/prod/settings").json()["adminApiKey"] == "k-2"
    assert DeployerInfra.sensitive == {"admin_api_key"}


def test_infra_update_keeps_what_it_does_not_manage(world):
    session, raw, _ = world
    rt = session.resource("dataiku_deployer_infra")
    infra_id, live = rt.create({"id": "prod", "stage": "Production", "admin_api_key": "secret"})
    settings = raw.get(f"{PD}/infras/prod/settings").json()
    settings["defaultConnectionRemapping"] = [{"source": "dwh", "target": "dwh_prod"}]
    raw.put(f"{PD}/infras/prod/settings", json=settings).raise_for_status()
    rt.update(infra_id, live, {"id": "prod", "stage": "Production", "permissions": [{"group": "ops", "deploy": True}]},
              frozenset({"permissions"}))
    after = raw.get(f"{PD}/infras/prod/settings").json()
    assert after["defaultConnectionRemapping"] == [{"source": "dwh", "target": "dwh_prod"}]
    assert after["adminApiKey"] == "secret"
    assert after["permissions"] == [{"group": "ops", "read": False, "deploy": True, "admin": False}]


def test_infra_in_use_cannot_be_deleted(world):
    session, _, _ = world
    _deployable(session)
    session.resource("dataiku_deployer_deployment").create(
        {"id": "d", "published_project": P, "infra": "prod", "bundle_id": "v1"})
    with pytest.raises(ApiError, match="used by deployment"):
        session.resource("dataiku_deployer_infra").delete("prod")


# -- published project --------------------------------------------------------------------------
def test_bundles_are_exported_once_published_and_pruned(world):
    session, raw, _ = world
    rt = session.resource("dataiku_deployer_project")
    raw.put(f"/projects/{P}/bundles/exported/v1").raise_for_status()  # already exported by hand
    heard: list[str] = []
    token = progress_to(heard.append)
    try:
        key, live = rt.create({"key": P, "bundles": ["v1", "v2"]})
    finally:
        reset_progress(token)
    assert live["bundles"] == ["v1", "v2"]
    assert [b["bundleId"] for b in raw.get(f"/projects/{P}/bundles/exported").json()["bundles"]] == ["v1", "v2"]
    assert heard == ["publishing bundle v1 to SALES", "exporting bundle v2 of project SALES",
                     "publishing bundle v2 to SALES"]
    live = rt.update(key, live, {"key": P, "bundles": ["v2"]}, frozenset({"bundles"}))
    assert live["bundles"] == ["v2"]


def test_published_bundles_come_from_the_design_project(world):
    session, _, _ = world
    key, live = session.resource("dataiku_deployer_project").create(
        {"key": "SALES_RELEASES", "design_project": P, "bundles": ["r1"]})
    assert live["bundles"] == ["r1"]
    assert DeployerProject(None).normalize({"design_project": P, "bundles": ["b", "a", "a"]}) == {"bundles": ["a", "b"]}


# -- deployment ---------------------------------------------------------------------------------
def test_deployment_create_saves_settings_then_deploys_and_waits(world):
    session, raw, slept = world
    _deployable(session)
    rt = session.resource("dataiku_deployer_deployment")
    spec = {"id": "d", "published_project": P, "infra": "prod", "bundle_id": "v1",
            "local_variables": {"env": "prod"}, "connection_remapping": {"dwh": "dwh_prod"}}
    heard: list[str] = []
    token = progress_to(heard.append)
    try:
        deployment_id, live = rt.create(spec)
    finally:
        reset_progress(token)
    assert live["health"] == "HEALTHY" and compare(rt, spec, live) == ()
    assert slept == [0.2]  # one poll of the update's future (injected sleep)
    assert heard[0] == "updating deployment d" and heard[-1] == "deployment d: HEALTHY"
    settings = raw.get(f"{PD}/deployments/d/settings").json()
    assert settings["bundleContainerSettings"]["remapping"]["connections"] == [{"source": "dwh",
                                                                                 "target": "dwh_prod"}]
    assert settings["bundleContainerSettings"]["codeEnvsBehavior"]["importTimeMode"] == "INSTALL_IF_MISS"


def test_deployment_update_redeploys_the_new_bundle(world):
    session, raw, _ = world
    _deployable(session)
    rt = session.resource("dataiku_deployer_deployment")
    spec = {"id": "d", "published_project": P, "infra": "prod", "bundle_id": "v1"}
    deployment_id, live = rt.create(spec)
    live = rt.update(deployment_id, live, {**spec, "bundle_id": "v2"}, frozenset({"bundle_id"}))
    assert live["bundle_id"] == "v2" and live["health"] == "HEALTHY"
    assert raw.get(f"{PD}/deployments/d/last-update").json()["bundleId"] == "v2"


def test_deploying_an_unpublished_bundle_is_refused(world):
    session, _, _ = world
    _deployable(session)
    with pytest.raises(ApiError, match="Bundle v9 is not published in project SALES"):
        session.resource("dataiku_deployer_deployment").create(
            {"id": "d", "published_project": P, "infra": "prod", "bundle_id": "v9"})


@pytest.mark.parametrize("attrs, expected", [
    pytest.param({"local_variables": None, "connection_remapping": None},
                 {"local_variables": {}, "connection_remapping": {}}, id="none-is-empty"),
    pytest.param({"health": "OUT_OF_SYNC", "update_timeout": 5, "bundle_id": "v1"}, {"bundle_id": "v1"},
                 id="status-and-options-not-compared"),
    pytest.param({"disable_automatic_triggers": None}, {"disable_automatic_triggers": False}, id="flag-default"),
    pytest.param({"project_folder": None}, {"project_folder": "ROOT"}, id="folder-default-root"),
])
def test_deployment_normalize(attrs, expected):
    assert Deployment(None).normalize(attrs) == expected


def test_replacing_fields():
    assert {"published_project", "infra", "deployed_project_key", "id"} == set(Deployment.create_only)
    assert "bundle_id" not in Deployment.create_only
    assert Deployment.wait_note and "waits" in Deployment.wait_note
