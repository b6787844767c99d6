"""The official ``astro-platform-api`` 1.1.1 client, unchanged, on a socket: environment objects
(create, get, list with linked resolution, update, exclude-linking, delete) and hibernation
overrides. The client parses every answer (a missing or mistyped field fails)."""

from __future__ import annotations

import pytest
from astro_platform_api_client import AuthenticatedClient
from astro_platform_api_client.api.deployment import (
    delete_deployment_hibernation_override,
    get_deployment,
    update_deployment_hibernation_override,
)
from astro_platform_api_client.api.environment import (
    create_environment_object,
    delete_environment_object,
    exclude_linking_environment_object,
    get_environment_object,
    list_environment_objects,
    update_environment_object,
)
from astro_platform_api_client.models import (
    CreateEnvironmentObjectAirflowVariableRequest,
    CreateEnvironmentObjectConnectionRequest,
    CreateEnvironmentObjectLinkRequest,
    CreateEnvironmentObjectLinkRequestScope,
    CreateEnvironmentObjectMetricsExportRequest,
    CreateEnvironmentObjectMetricsExportRequestAuthType,
    CreateEnvironmentObjectMetricsExportRequestExporterType,
    CreateEnvironmentObjectOverridesRequest,
    CreateEnvironmentObjectConnectionOverridesRequest,
    CreateEnvironmentObjectRequest,
    CreateEnvironmentObjectRequestObjectType,
    CreateEnvironmentObjectRequestScope,
    EnvironmentObject,
    Error,
    ExcludeLinkEnvironmentObjectRequest,
    ExcludeLinkEnvironmentObjectRequestScope,
    OverrideDeploymentHibernationBody,
    UpdateEnvironmentObjectConnectionRequest,
    UpdateEnvironmentObjectRequest,
)

from reconciler.providers.astro.sandbox import seed
from reconciler.sandbox import Sandbox, serve_in_thread

TOKEN = "tok-astro-official-env"
ORG, WS, DEP = seed.ORG_ID, seed.DEFAULT_WORKSPACE, seed.LEGACY_DEPLOYMENT


@pytest.fixture(scope="module")
def served():
    sb = Sandbox(token=TOKEN)
    server, base_url = serve_in_thread(sb, host="127.0.0.1", port=0)
    yield sb, base_url
    server.shutdown()


@pytest.fixture
def client(served):
    sb, base_url = served
    sb.reset()
    with AuthenticatedClient(base_url=f"{base_url}/astro/platform/v1beta1", token=TOKEN) as c:
        yield c


def _connection(**kw) -> CreateEnvironmentObjectRequest:
    return CreateEnvironmentObjectRequest(
        object_key="warehouse", object_type=CreateEnvironmentObjectRequestObjectType.CONNECTION,
        scope=CreateEnvironmentObjectRequestScope.WORKSPACE, scope_entity_id=WS,
        connection=CreateEnvironmentObjectConnectionRequest(type_="postgres", host="db", password="pw", port=5432,
                                                            schema="public"), **kw)


def test_environment_object_crud(client):
    link = CreateEnvironmentObjectLinkRequest(
        scope=CreateEnvironmentObjectLinkRequestScope.DEPLOYMENT, scope_entity_id=DEP,
        overrides=CreateEnvironmentObjectOverridesRequest(
            connection=CreateEnvironmentObjectConnectionOverridesRequest(host="replica")))
    created = create_environment_object.sync(ORG, client=client, body=_connection(links=[link]))
    assert created.id
    obj = get_environment_object.sync(ORG, created.id, client=client)
    assert isinstance(obj, EnvironmentObject) and obj.connection.host == "db"
    assert isinstance(obj.connection.password, type(None)) or not obj.connection.password  # never returned
    assert obj.links[0].connection_overrides.host == "replica"
    page = list_environment_objects.sync(ORG, client=client, workspace_id=WS)
    assert [o.id for o in page.environment_objects] == [created.id] and page.total_count == 1
    resolved = list_environment_objects.sync(ORG, client=client, deployment_id=DEP, resolve_linked=True)
    assert resolved.environment_objects[0].connection.host == "replica"
    assert resolved.environment_objects[0].source_scope_entity_id == WS
    updated = update_environment_object.sync(ORG, created.id, client=client, body=UpdateEnvironmentObjectRequest(
        connection=UpdateEnvironmentObjectConnectionRequest(type_="postgres", host="db2"), auto_link_deployments=True,
        links=[]))
    assert isinstance(updated, EnvironmentObject) and updated.connection.host == "db2" and updated.auto_link_deployments
    exclusion = ExcludeLinkEnvironmentObjectRequest(scope=ExcludeLinkEnvironmentObjectRequestScope.DEPLOYMENT,
                                                   scope_entity_id=DEP)
    assert exclude_linking_environment_object.sync_detailed(ORG, created.id, client=client,
                                                            body=exclusion).status_code == 200
    assert get_environment_object.sync(ORG, created.id, client=client).exclude_links[0].scope_entity_id == DEP
    assert delete_environment_object.sync_detailed(ORG, created.id, client=client).status_code == 204
    missing = get_environment_object.sync(ORG, created.id, client=client)
    assert isinstance(missing, Error) and missing.status_code == 404


def test_a_secret_variable_reads_empty_and_a_key_is_unique(client):
    body = CreateEnvironmentObjectRequest(
        object_key="API_KEY", object_type=CreateEnvironmentObjectRequestObjectType.AIRFLOW_VARIABLE,
        scope=CreateEnvironmentObjectRequestScope.DEPLOYMENT, scope_entity_id=DEP,
        airflow_variable=CreateEnvironmentObjectAirflowVariableRequest(is_secret=True, value="s3cret"))
    created = create_environment_object.sync(ORG, client=client, body=body)
    obj = get_environment_object.sync(ORG, created.id, client=client)
    assert obj.airflow_variable.is_secret is True and obj.airflow_variable.value == ""
    again = create_environment_object.sync(ORG, client=client, body=body)
    assert isinstance(again, Error) and again.status_code == 409


def test_a_metrics_export_parses(client):
    body = CreateEnvironmentObjectRequest(
        object_key="prom", object_type=CreateEnvironmentObjectRequestObjectType.METRICS_EXPORT,
        scope=CreateEnvironmentObjectRequestScope.WORKSPACE, scope_entity_id=WS,
        metrics_export=CreateEnvironmentObjectMetricsExportRequest(
            endpoint="https://prom.example.com/api/v1/write",
            exporter_type=CreateEnvironmentObjectMetricsExportRequestExporterType.PROMETHEUS,
            auth_type=CreateEnvironmentObjectMetricsExportRequestAuthType.AUTH_TOKEN, basic_token="tok"))
    created = create_environment_object.sync(ORG, client=client, body=body)
    obj = get_environment_object.sync(ORG, created.id, client=client)
    assert obj.metrics_export.endpoint.startswith("https://") and not obj.metrics_export.basic_token


def test_hibernation_override_on_a_development_deployment(served, client):
    world = served[0].emulators["astro"].world
    dev = world.create_deployment(ORG, {
        "type": "STANDARD", "name": "dev", "workspaceId": WS, "astroRuntimeVersion": "12.1.0", "executor": "ASTRO",
        "schedulerSize": "SMALL", "isCicdEnforced": False, "isDagDeployEnabled": True, "isHighAvailability": False,
        "isDevelopmentMode": True, "cloudProvider": "AWS", "region": "us-east-1"})["id"]
    override = update_deployment_hibernation_override.sync(
        ORG, dev, client=client, body=OverrideDeploymentHibernationBody(is_hibernating=True))
    assert override.is_hibernating is True and override.is_active is True
    live = get_deployment.sync(ORG, dev, client=client)
    assert live.scaling_status.hibernation_status.is_hibernating is True
    assert live.scaling_spec.hibernation_spec.override.is_hibernating is True
    assert delete_deployment_hibernation_override.sync_detailed(ORG, dev, client=client).status_code == 204
    assert get_deployment.sync(ORG, dev, client=client).scaling_status.hibernation_status.is_hibernating is False
    refused = update_deployment_hibernation_override.sync(
        ORG, DEP, client=client, body=OverrideDeploymentHibernationBody(is_hibernating=True))
    assert isinstance(refused, Error) and refused.status_code == 400
