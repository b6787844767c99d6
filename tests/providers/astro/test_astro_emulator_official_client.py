"""The official ``astro-platform-api`` 1.1.1 client, unchanged, against the sandbox on a socket."""

from __future__ import annotations

import httpx
import pytest
from astro_platform_api_client import AuthenticatedClient
from astro_platform_api_client.api.deploy import (
    create_deploy,
    deploy_rollback,
    finalize_deploy,
    get_deploy,
    list_deploys,
    update_deploy,
)
from astro_platform_api_client.api.deployment import (
    create_deployment,
    delete_deployment,
    get_deployment,
    list_deployments,
    update_deployment,
)
from astro_platform_api_client.api.options import get_deployment_options
from astro_platform_api_client.api.organization import get_organization, list_organizations
from astro_platform_api_client.api.workspace import (
    create_workspace,
    delete_workspace,
    get_workspace,
    list_workspaces,
    update_workspace,
)
from astro_platform_api_client.models import (
    CreateDeployRequest,
    CreateDeployRequestType,
    CreateStandardDeploymentRequest,
    CreateStandardDeploymentRequestCloudProvider,
    CreateStandardDeploymentRequestExecutor,
    CreateStandardDeploymentRequestSchedulerSize,
    CreateStandardDeploymentRequestType,
    CreateWorkspaceRequest,
    Deploy,
    Deployment,
    DeploymentEnvironmentVariableRequest,
    DeployRollbackRequest,
    DeployStatus,
    DeployType,
    Error,
    FinalizeDeployRequest,
    UpdateDeployRequest,
    UpdateStandardDeploymentRequest,
    UpdateStandardDeploymentRequestExecutor,
    UpdateStandardDeploymentRequestSchedulerSize,
    UpdateStandardDeploymentRequestType,
    UpdateWorkspaceRequest,
    Workspace,
    WorkerQueueRequest,
    WorkerQueueRequestAstroMachine,
)

from reconciler.sandbox import Sandbox, serve_in_thread
from tests.providers.astro.conftest import ORG

TOKEN = "tok-astro-official"
LEGACY = "cld0000000000000000000001"


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


@pytest.fixture
def world(served):
    return served[0].emulators["astro"].world


def _deployment_request(workspace_id: str) -> CreateStandardDeploymentRequest:
    return CreateStandardDeploymentRequest(
        astro_runtime_version="12.1.0", executor=CreateStandardDeploymentRequestExecutor.CELERY,
        is_cicd_enforced=False, is_dag_deploy_enabled=True, is_high_availability=False, name="etl",
        scheduler_size=CreateStandardDeploymentRequestSchedulerSize.SMALL,
        type_=CreateStandardDeploymentRequestType.STANDARD, workspace_id=workspace_id,
        cloud_provider=CreateStandardDeploymentRequestCloudProvider.AWS, region="us-east-1",
        environment_variables=[DeploymentEnvironmentVariableRequest(is_secret=False, key="ENV", value="dev"),
                               DeploymentEnvironmentVariableRequest(is_secret=True, key="PW", value="shh")],
        worker_queues=[WorkerQueueRequest(astro_machine=WorkerQueueRequestAstroMachine.A5, is_default=True,
                                          max_worker_count=4, min_worker_count=0, name="default",
                                          worker_concurrency=5)],
    )


def test_organizations_and_options(client):
    orgs = list_organizations.sync(client=client)
    assert [o.id for o in orgs.organizations] == [ORG]
    assert get_organization.sync(ORG, client=client).name == "Sandbox Org"
    options = get_deployment_options.sync(ORG, client=client)
    assert options.runtime_releases[0].version == "12.4.0"


def test_workspace_crud(client):
    ws = create_workspace.sync(ORG, client=client, body=CreateWorkspaceRequest(name="analytics", description="d"))
    assert isinstance(ws, Workspace) and ws.organization_id == ORG
    page = list_workspaces.sync(ORG, client=client, names=["analytics"])
    assert [w.id for w in page.workspaces] == [ws.id] and page.total_count == 1
    body = UpdateWorkspaceRequest(cicd_enforced_default=True, description="new", name="analytics")
    assert update_workspace.sync(ORG, ws.id, client=client, body=body).cicd_enforced_default is True
    assert get_workspace.sync(ORG, ws.id, client=client).description == "new"
    assert delete_workspace.sync_detailed(ORG, ws.id, client=client).status_code == 204
    missing = get_workspace.sync(ORG, ws.id, client=client)
    assert isinstance(missing, Error) and missing.status_code == 404


def test_deployment_crud(client, world):
    dep = create_deployment.sync(ORG, client=client, body=_deployment_request("clw0000000000000000000002"))
    assert isinstance(dep, Deployment) and dep.worker_queues[0].pod_cpu == "1"
    secret = [e for e in dep.environment_variables if e.key == "PW"][0]
    assert secret.is_secret and not secret.value
    body = UpdateStandardDeploymentRequest(
        environment_variables=[DeploymentEnvironmentVariableRequest(is_secret=True, key="PW")],
        executor=UpdateStandardDeploymentRequestExecutor.CELERY, is_cicd_enforced=True, is_dag_deploy_enabled=True,
        is_high_availability=True, name="etl", scheduler_size=UpdateStandardDeploymentRequestSchedulerSize.MEDIUM,
        type_=UpdateStandardDeploymentRequestType.STANDARD, workspace_id="clw0000000000000000000001")
    updated = update_deployment.sync(ORG, dep.id, client=client, body=body)
    assert updated.scheduler_size.value == "MEDIUM" and updated.workspace_id == "clw0000000000000000000001"
    assert world._s["deployments"][dep.id]["_secrets"] == {"PW": "shh"}
    listed = list_deployments.sync(ORG, client=client, workspace_ids=["clw0000000000000000000001"])
    assert {d.name for d in listed.deployments} == {"legacy-etl", "etl"} and listed.total_count == 2
    assert get_deployment.sync(ORG, dep.id, client=client).status.value == "HEALTHY"
    assert delete_deployment.sync_detailed(ORG, dep.id, client=client).status_code == 204


def test_executor_switches_with_the_official_client(client):
    """KUBERNETES takes no worker queues (the client's 400 is an ``Error``); back to CELERY
    without queues gets the default one; the deployment keeps its id throughout."""
    dep = create_deployment.sync(ORG, client=client, body=_deployment_request("clw0000000000000000000002"))

    def update(executor, queues=None):
        body = UpdateStandardDeploymentRequest(
            environment_variables=[DeploymentEnvironmentVariableRequest(is_secret=True, key="PW")],
            executor=executor, is_cicd_enforced=False, is_dag_deploy_enabled=True, is_high_availability=False,
            name="etl", scheduler_size=UpdateStandardDeploymentRequestSchedulerSize.SMALL,
            type_=UpdateStandardDeploymentRequestType.STANDARD, workspace_id="clw0000000000000000000002",
            **({"worker_queues": queues} if queues is not None else {}))
        return update_deployment.sync(ORG, dep.id, client=client, body=body)

    refused = update(UpdateStandardDeploymentRequestExecutor.KUBERNETES, [WorkerQueueRequest(
        astro_machine=WorkerQueueRequestAstroMachine.A5, is_default=True, max_worker_count=4, min_worker_count=0,
        name="default", worker_concurrency=5)])
    assert isinstance(refused, Error) and refused.status_code == 400 and "KUBERNETES" in refused.message
    k8s = update(UpdateStandardDeploymentRequestExecutor.KUBERNETES)
    assert k8s.id == dep.id and k8s.executor.value == "KUBERNETES" and k8s.worker_queues == []
    astro = update(UpdateStandardDeploymentRequestExecutor.ASTRO)
    assert astro.executor.value == "ASTRO" and [q.name for q in astro.worker_queues] == ["default"]
    celery = update(UpdateStandardDeploymentRequestExecutor.CELERY)
    assert celery.id == dep.id and celery.executor.value == "CELERY" and len(celery.worker_queues) == 1


def test_validation_errors_come_back_as_error_objects(client):
    bad = _deployment_request("clw0000000000000000000002")
    bad.region = "UNSET-REGION"
    bad.cloud_provider = CreateStandardDeploymentRequestCloudProvider.GCP
    bad.astro_runtime_version = "1.0.0"
    err = create_deployment.sync(ORG, client=client, body=bad)
    assert isinstance(err, Error) and err.status_code == 400 and "astroRuntimeVersion" in err.message


def test_the_deploy_protocol(client, world, served):
    created = create_deploy.sync(ORG, LEGACY, client=client,
                                 body=CreateDeployRequest(type_=CreateDeployRequestType.DAG_ONLY, description="ci"))
    assert isinstance(created, Deploy) and created.status is DeployStatus.INITIALIZED
    upload = httpx.put(created.dags_upload_url, content=b"tar", headers={"x-ms-blob-type": "BlockBlob"})
    assert upload.status_code == 201
    done = finalize_deploy.sync(ORG, LEGACY, created.id, client=client,
                                body=FinalizeDeployRequest(dag_tarball_version=upload.headers["x-ms-version-id"]))
    assert done.status is DeployStatus.DEPLOYED
    history = list_deploys.sync(ORG, LEGACY, client=client)
    assert [d.id for d in history.deploys][-1] == created.id and history.total_count == 2
    assert get_deploy.sync(ORG, LEGACY, created.id, client=client).dag_tarball_version == done.dag_tarball_version
    assert update_deploy.sync(ORG, LEGACY, created.id, client=client,
                              body=UpdateDeployRequest(description="renamed")).description == "renamed"
    back = deploy_rollback.sync(ORG, LEGACY, "clv0000000000000000000001", client=client,
                                body=DeployRollbackRequest(description="rollback"))
    assert back.rollback_from_id == "clv0000000000000000000001"


def test_bundle_deploys_parse_only_while_their_type_is_hidden(client, world):
    body = CreateDeployRequest(type_=CreateDeployRequestType.BUNDLE, bundle_type="dbt", bundle_mount_path="/dbt")
    hidden = create_deploy.sync(ORG, LEGACY, client=client, body=body)
    assert hidden.type_ is DeployType.DAG_ONLY and hidden.bundles[0].bundle_type == "dbt"
    world.set_knobs(report_bundle_type=True)
    with pytest.raises(ValueError, match="BUNDLE"):  # reference finding: 1.1.1's response enum lacks it
        create_deploy.sync(ORG, LEGACY, client=client, body=body)


def test_a_wrong_token_is_an_error_object(served):
    _, base_url = served
    with AuthenticatedClient(base_url=f"{base_url}/astro/platform/v1beta1", token="wrong") as bad:
        err = list_workspaces.sync(ORG, client=bad)
    assert isinstance(err, Error) and err.status_code == 401
