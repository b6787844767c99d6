"""The Astro emulator over raw HTTP (in-process): statuses, error bodies, pagination, the deploy
protocol with its blob stand-in, knobs, and validation before any side effect."""

from __future__ import annotations

import httpx
import pytest

from reconciler.sandbox import Sandbox
from tests.providers.astro.conftest import ORG

TOKEN = "sandbox-token"
API = f"/astro/platform/v1beta1/organizations/{ORG}"
LEGACY = "cld0000000000000000000001"


@pytest.fixture
def sb():
    return Sandbox(token=TOKEN)


@pytest.fixture
def http(sb):
    with httpx.Client(transport=sb.transport(), base_url="http://sandbox",
                      headers={"Authorization": f"Bearer {TOKEN}"}) as client:
        yield client


def world(sb):
    return sb.emulators["astro"].world


def blob_put(sb, url: str, headers: dict) -> httpx.Response:
    """A PUT to an upload URL with no Astro credentials (as a blob client sends it)."""
    with httpx.Client(transport=sb.transport()) as client:
        return client.put(url, content=b"tar", headers=headers)


def deployment_body(**overrides) -> dict:
    body = {"type": "STANDARD", "name": "etl", "workspaceId": "clw0000000000000000000002",
            "astroRuntimeVersion": "12.1.0", "executor": "CELERY", "schedulerSize": "SMALL",
            "cloudProvider": "AWS", "region": "us-east-1", "isCicdEnforced": False, "isDagDeployEnabled": True,
            "isHighAvailability": False,
            "environmentVariables": [{"key": "A", "value": "1", "isSecret": False},
                                     {"key": "S", "value": "shh", "isSecret": True}]}
    body.update(overrides)
    return body


_QUEUE = {"name": "default", "isDefault": True, "astroMachine": "A5", "minWorkerCount": 0, "maxWorkerCount": 2,
          "workerConcurrency": 5}


def assert_error(response: httpx.Response, status: int, text: str = "") -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"message", "requestId", "statusCode"} and body["statusCode"] == status
    assert text in body["message"]


@pytest.mark.parametrize("headers", [
    pytest.param({}, id="none"),
    pytest.param({"Authorization": "Bearer wrong"}, id="wrong-token"),
    pytest.param({"Authorization": f"Token {TOKEN}"}, id="wrong-scheme"),
])
def test_401_without_the_bearer_token(sb, headers):
    with httpx.Client(transport=sb.transport(), base_url="http://sandbox") as client:
        response = client.get(f"{API}/workspaces", headers=headers)
    assert_error(response, 401, "Unauthorized")
    assert TOKEN not in response.text


@pytest.mark.parametrize("prefix", ["/astro/platform/v1beta1", "/astro/v1"])
def test_both_prefixes_serve_the_api(http, prefix):
    assert http.get(f"{prefix}/organizations/{ORG}/deployments/{LEGACY}").json()["name"] == "legacy-etl"


def test_unknown_paths_methods_and_organizations(http):
    assert_error(http.get("/astro/platform/v1beta1/nope"), 404, "No API endpoint")
    response = http.put(f"{API}/workspaces")
    assert_error(response, 405)
    assert "GET" in response.headers["Allow"]
    assert_error(http.get("/astro/platform/v1beta1/organizations/other/workspaces"), 404, "Organization other")


def test_workspace_crud_and_pagination(http):
    for i in range(3):
        assert http.post(f"{API}/workspaces", json={"name": f"ws{i}"}).status_code == 200
    page = http.get(f"{API}/workspaces", params={"offset": 1, "limit": 2}).json()
    assert (page["offset"], page["limit"], page["totalCount"], len(page["workspaces"])) == (1, 2, 5, 2)
    named = http.get(f"{API}/workspaces", params=[("names", "ws0"), ("names", "ws2")]).json()["workspaces"]
    assert [w["name"] for w in named] == ["ws0", "ws2"]
    ordered = http.get(f"{API}/workspaces", params={"sorts": "name:desc"}).json()["workspaces"]
    assert ordered[0]["name"] == "ws2"
    assert_error(http.get(f"{API}/workspaces", params={"sorts": "size:asc"}), 400, "Invalid sort")
    assert_error(http.get(f"{API}/workspaces", params={"limit": 0}), 400, "limit")
    ws = named[0]["id"]
    assert_error(http.post(f"{API}/workspaces/{ws}", json={"name": "x"}), 400, "description")
    updated = http.post(f"{API}/workspaces/{ws}", json={"name": "x", "description": "d", "cicdEnforcedDefault": True})
    assert updated.json()["cicdEnforcedDefault"] is True
    assert http.delete(f"{API}/workspaces/{ws}").status_code == 204
    assert_error(http.get(f"{API}/workspaces/{ws}"), 404)
    assert_error(http.delete(f"{API}/workspaces/clw0000000000000000000001"), 400, "still has Deployments")


def test_deployment_create_read_update_delete(sb, http):
    created = http.post(f"{API}/deployments", json=deployment_body())
    assert created.status_code == 200 and created.json()["status"] == "CREATING"
    dep = created.json()["id"]
    read = http.get(f"{API}/deployments/{dep}").json()
    assert read["status"] == "HEALTHY" and read["workerQueues"][0]["name"] == "default"
    assert read["environmentVariables"][1] == {"key": "S", "isSecret": True, "updatedAt": read["createdAt"]}
    assert "shh" not in http.get(f"{API}/deployments", params={"workspaceIds": "clw0000000000000000000002"}).text
    body = deployment_body(schedulerSize="LARGE", environmentVariables=[{"key": "S", "isSecret": True}])
    updated = http.post(f"{API}/deployments/{dep}", json=body).json()
    assert updated["schedulerSize"] == "LARGE" and updated["schedulerCpu"] == "4"
    assert world(sb)._s["deployments"][dep]["_secrets"] == {"S": "shh"}
    assert http.delete(f"{API}/deployments/{dep}").status_code == 204
    assert_error(http.get(f"{API}/deployments/{dep}/deploys"), 404)


@pytest.mark.parametrize("overrides, message", [
    pytest.param({"executor": "SPARK"}, "executor", id="bad-enum"),
    pytest.param({"name": None}, "name", id="missing-field"),
    pytest.param({"astroRuntimeVersion": "99.0.0"}, "Invalid astroRuntimeVersion", id="unknown-runtime"),
    pytest.param({"region": None}, "cloudProvider and region", id="standard-without-region"),
    pytest.param({"type": "DEDICATED", "cloudProvider": None, "region": None}, "clusterId is required",
                 id="dedicated-without-cluster"),
    pytest.param({"clusterId": "nope"}, "Cluster nope not found", id="unknown-cluster"),
    pytest.param({"type": "HYBRID"}, "HYBRID", id="hybrid"),
    pytest.param({"workerQueues": [{"name": "q", "isDefault": True, "astroMachine": "A5", "minWorkerCount": 0,
                                    "maxWorkerCount": 1, "workerConcurrency": 1}]}, "named 'default'",
                 id="default-queue-name"),
    pytest.param({"environmentVariables": [{"key": "S", "isSecret": True}]}, "new secret needs a value",
                 id="secret-without-value"),
    pytest.param({"name": "legacy-etl", "workspaceId": "clw0000000000000000000001"}, "already exists",
                 id="duplicate-name"),
])
def test_deployment_create_is_validated_before_any_side_effect(sb, http, overrides, message):
    before = world(sb).snapshot()
    assert_error(http.post(f"{API}/deployments", json=deployment_body(**overrides)), 400, message)
    assert world(sb).snapshot() == before


@pytest.mark.parametrize("overrides, message", [
    pytest.param({"type": "DEDICATED"}, "type cannot change", id="type"),
    pytest.param({"isDevelopmentMode": True}, "isDevelopmentMode", id="dev-mode-on"),
    pytest.param({"environmentVariables": [{"key": "NEW", "isSecret": True}]}, "new secret", id="new-secret-no-value"),
    pytest.param({"workspaceId": "nope"}, "Workspace nope not found", id="unknown-workspace"),
    pytest.param({"executor": "KUBERNETES", "workerQueues": [_QUEUE]}, "do not apply to the KUBERNETES executor",
                 id="kubernetes-with-queues"),
    pytest.param({"executor": "ASTRO", "remoteExecution": {"enabled": True}, "workerQueues": [_QUEUE]},
                 "Remote Execution enabled", id="remote-execution-with-queues"),
    pytest.param({"remoteExecution": {"enabled": True}}, "requires the ASTRO executor", id="remote-execution-celery"),
    pytest.param({"workerQueues": [_QUEUE, {**_QUEUE, "isDefault": False}]}, "default appears more than once",
                 id="duplicate-queue-name"),
    pytest.param({"workerQueues": []}, "exactly one default worker queue", id="celery-without-queues"),
])
def test_deployment_update_refusals(http, overrides, message):
    response = http.post(f"{API}/deployments/{LEGACY}", json=deployment_body(name="legacy-etl", **overrides))
    assert response.status_code in (400, 404) and message in response.json()["message"]


def test_the_executor_changes_in_every_direction_with_its_queues(http):
    """CELERY -> KUBERNETES drops the queues; back to CELERY or ASTRO without queues creates the
    default one; ASTRO with Remote Execution has none; the id never changes."""
    def update(**overrides):
        response = http.post(f"{API}/deployments/{LEGACY}", json=deployment_body(name="legacy-etl", **overrides))
        assert response.status_code == 200, response.text
        doc = response.json()
        assert doc["id"] == LEGACY
        return doc["executor"], [q["name"] for q in doc["workerQueues"]]

    heavy = {**_QUEUE, "name": "heavy", "isDefault": False}
    assert update(executor="CELERY", workerQueues=[_QUEUE, heavy]) == ("CELERY", ["default", "heavy"])
    assert update(executor="KUBERNETES") == ("KUBERNETES", [])
    assert update(executor="KUBERNETES", workerQueues=[]) == ("KUBERNETES", [])
    assert update(executor="CELERY") == ("CELERY", ["default"])
    assert update(executor="ASTRO", workerQueues=[_QUEUE, heavy]) == ("ASTRO", ["default", "heavy"])
    assert update(executor="ASTRO", remoteExecution={"enabled": True}) == ("ASTRO", [])
    assert update(executor="KUBERNETES") == ("KUBERNETES", [])
    assert update(executor="ASTRO") == ("ASTRO", ["default"])


def test_deployment_filters(http):
    http.post(f"{API}/deployments", json=deployment_body())
    names = lambda **p: [d["name"] for d in http.get(f"{API}/deployments", params=p).json()["deployments"]]  # noqa: E731
    assert names() == ["legacy-etl", "etl"]
    assert names(names="etl") == ["etl"]
    assert names(workspaceIds="clw0000000000000000000001") == ["legacy-etl"]
    assert names(deploymentIds=LEGACY) == ["legacy-etl"]


def _dag_deploy(http, dep=LEGACY, **body) -> dict:
    response = http.post(f"{API}/deployments/{dep}/deploys", json={"type": "DAG_ONLY", **body})
    assert response.status_code == 200, response.text
    return response.json()


def test_the_deploy_protocol(sb, http):
    deploy = _dag_deploy(http, description="mine")
    assert deploy["status"] == "INITIALIZED" and deploy["dagsUploadUrl"].startswith("http://sandbox/astro/_blob/")
    put = blob_put(sb, deploy["dagsUploadUrl"], {"x-ms-blob-type": "BlockBlob"})
    assert put.status_code == 201
    version = put.headers["x-ms-version-id"]
    finalized = http.post(f"{API}/deployments/{LEGACY}/deploys/{deploy['id']}/finalize",
                          json={"dagTarballVersion": version}).json()
    assert finalized["status"] == "DEPLOYED" and finalized["dagTarballVersion"] == version
    dep = http.get(f"{API}/deployments/{LEGACY}").json()
    assert dep["dagTarballVersion"] == dep["desiredDagTarballVersion"] == version
    assert_error(http.post(f"{API}/deployments/{LEGACY}/deploys/{deploy['id']}/finalize",
                           json={"dagTarballVersion": version}), 400, "already finalized")
    listed = http.get(f"{API}/deployments/{LEGACY}/deploys", params={"limit": 1, "offset": 1}).json()
    assert listed["totalCount"] == 2 and listed["deploys"][0]["id"] == deploy["id"]
    renamed = http.post(f"{API}/deployments/{LEGACY}/deploys/{deploy['id']}", json={"description": "renamed"})
    assert renamed.json()["description"] == "renamed"
    rolled = http.post(f"{API}/deployments/{LEGACY}/deploys/clv0000000000000000000001/rollback",
                       json={"description": "back"}).json()
    assert rolled["rollbackFromId"] == "clv0000000000000000000001" and rolled["status"] == "DEPLOYED"
    assert http.get(f"{API}/deployments/{LEGACY}").json()["dagTarballVersion"] == "seed-v1"


@pytest.mark.parametrize("mutate, status, code", [
    pytest.param(lambda url, h: (url.replace("sig=", "sig=x"), h), 403, "AuthenticationFailed", id="bad-signature"),
    pytest.param(lambda url, h: (url, {}), 400, "MissingRequiredHeader", id="no-blob-type"),
    pytest.param(lambda url, h: (url, {"x-ms-blob-type": "PageBlob"}), 400, "InvalidHeaderValue", id="wrong-blob-type"),
])
def test_the_blob_stand_in_answers_like_azure(sb, http, mutate, status, code):
    deploy = _dag_deploy(http)
    url, headers = mutate(deploy["dagsUploadUrl"], {"x-ms-blob-type": "BlockBlob"})
    response = blob_put(sb, url, headers)
    assert response.status_code == status and f"<Code>{code}</Code>" in response.text
    assert response.headers["x-ms-error-code"] == code


@pytest.mark.parametrize("body, message", [
    pytest.param({}, "dagTarballVersion is required", id="missing-version"),
    pytest.param({"dagTarballVersion": "2026-01-01T00:00:00.0000001Z"}, "was not uploaded", id="unknown-version"),
])
def test_finalize_checks_the_uploaded_version(http, body, message):
    deploy = _dag_deploy(http)
    assert_error(http.post(f"{API}/deployments/{LEGACY}/deploys/{deploy['id']}/finalize", json=body), 400, message)


@pytest.mark.parametrize("body, message", [
    pytest.param({"type": "BUNDLE"}, "bundleType and bundleMountPath", id="bundle-incomplete"),
    pytest.param({"type": "FULL"}, "type", id="bad-type"),
    pytest.param({"type": "DAG_ONLY", "description": "x" * 501}, "description", id="description-too-long"),
])
def test_create_deploy_validation(http, body, message):
    assert_error(http.post(f"{API}/deployments/{LEGACY}/deploys", json=body), 400, message)


def test_dag_deploys_need_dag_deploys_enabled(http):
    dep = http.post(f"{API}/deployments", json=deployment_body(isDagDeployEnabled=False)).json()["id"]
    assert_error(http.post(f"{API}/deployments/{dep}/deploys", json={"type": "DAG_ONLY"}), 400, "not enabled")
    image = _dag_deploy(http, dep, type="IMAGE_ONLY")
    assert "dagsUploadUrl" not in image


def test_knobs_keep_deploys_in_flight_then_fail_them(sb, http):
    world(sb).set_knobs(deploy_polls=2, deploy_outcome="FAILED")
    deploy = _dag_deploy(http, type="IMAGE_ONLY")
    http.post(f"{API}/deployments/{LEGACY}/deploys/{deploy['id']}/finalize", json={})
    url = f"{API}/deployments/{LEGACY}/deploys/{deploy['id']}"
    assert http.get(url).json()["status"] == "INITIALIZED"
    assert http.get(url).json()["status"] == "FAILED"
    world(sb).set_knobs(deploy_polls=-1, deploy_outcome="DEPLOYED")
    other = _dag_deploy(http, type="IMAGE_ONLY")
    http.post(f"{API}/deployments/{LEGACY}/deploys/{other['id']}/finalize", json={})
    assert all(http.get(f"{API}/deployments/{LEGACY}/deploys/{other['id']}").json()["status"] == "INITIALIZED"
               for _ in range(5))
    world(sb).settle_deploys()
    assert http.get(f"{API}/deployments/{LEGACY}/deploys/{other['id']}").json()["status"] == "DEPLOYED"
    with pytest.raises(ValueError, match="unknown Astro knob"):
        world(sb).set_knobs(speed=1)


def test_bundle_deploys_hide_their_type_unless_asked(sb, http):
    body = {"type": "BUNDLE", "bundleType": "dbt", "bundleMountPath": "/dbt"}
    hidden = _dag_deploy(http, **body)
    assert hidden["type"] == "DAG_ONLY" and hidden["bundleUploadUrl"] and hidden["bundles"][0]["bundleType"] == "dbt"
    world(sb).set_knobs(report_bundle_type=True)
    assert _dag_deploy(http, **body)["type"] == "BUNDLE"


def test_snapshot_restore_and_reset(sb, http):
    w = world(sb)
    http.post(f"{API}/workspaces", json={"name": "kept"})
    snap = w.snapshot()
    w.reset()
    assert "kept" not in {x["name"] for x in w._s["workspaces"].values()}
    w.restore(snap)
    assert "kept" in {x["name"] for x in w._s["workspaces"].values()}
    with pytest.raises(ValueError, match="not a snapshot of the Astro sandbox"):
        w.restore({"workspaces": {}})


def test_env_points_the_provider_at_the_sandbox(sb):
    env = sb.env("http://127.0.0.1:9")
    assert env["ASTRO_API_URL"] == "http://127.0.0.1:9/astro" and env["ASTRO_ORGANIZATION_ID"] == ORG
    assert env["ASTRO_API_TOKEN"] == TOKEN


# -- environment objects and hibernation (the rules beyond the request models) --------------------
def env_body(**overrides) -> dict:
    body = {"objectKey": "warehouse", "objectType": "CONNECTION", "scope": "WORKSPACE",
            "scopeEntityId": "clw0000000000000000000001", "connection": {"type": "postgres", "host": "db"}}
    body.update(overrides)
    return body


@pytest.mark.parametrize("overrides, status, message", [
    pytest.param({"connection": None, "airflowVariable": {"value": "x"}}, 400, "needs connection",
                 id="body-of-another-type"),
    pytest.param({"objectKey": "bad key"}, 400, "Invalid objectKey", id="bad-key"),
    pytest.param({"scope": "DEPLOYMENT", "scopeEntityId": LEGACY,
                  "links": [{"scope": "DEPLOYMENT", "scopeEntityId": LEGACY}]}, 400, "only to WORKSPACE",
                 id="links-on-a-deployment-object"),
    pytest.param({"excludeLinks": [{"scope": "DEPLOYMENT", "scopeEntityId": LEGACY}]}, 400,
                 "only with autoLinkDeployments", id="exclusion-without-auto-link"),
    pytest.param({"scopeEntityId": "clw0000000000000000000002",
                  "links": [{"scope": "DEPLOYMENT", "scopeEntityId": LEGACY}]}, 400, "is not a Deployment of Workspace",
                 id="link-outside-the-workspace"),
    pytest.param({"scopeEntityId": "nope"}, 404, "Workspace nope not found", id="unknown-workspace"),
    pytest.param({"objectType": "METRICS_EXPORT", "connection": None,
                  "metricsExport": {"endpoint": "https://x", "exporterType": "PROMETHEUS", "authType": "BASIC"}},
                 400, "needs username and password", id="basic-export-without-credentials"),
])
def test_environment_object_rules(sb, http, overrides, status, message):
    before = world(sb).snapshot()
    body = {k: v for k, v in env_body(**overrides).items() if v is not None}
    assert_error(http.post(f"{API}/environment-objects", json=body), status, message)
    assert world(sb).snapshot() == before


def test_environment_objects_list_needs_one_scope_and_deleting_a_deployment_takes_its_objects(sb, http):
    assert_error(http.get(f"{API}/environment-objects"), 400, "exactly one of workspaceId and deploymentId")
    own = http.post(f"{API}/environment-objects", json=env_body(scope="DEPLOYMENT", scopeEntityId=LEGACY)).json()
    shared = http.post(f"{API}/environment-objects", json=env_body(
        links=[{"scope": "DEPLOYMENT", "scopeEntityId": LEGACY}])).json()
    assert http.post(f"{API}/environment-objects", json=env_body()).status_code == 409
    assert http.delete(f"{API}/deployments/{LEGACY}").status_code == 204
    assert http.get(f"{API}/environment-objects/{own['id']}").status_code == 404
    assert http.get(f"{API}/environment-objects/{shared['id']}").json()["links"] == []


def test_hibernation_needs_a_development_deployment_and_five_part_crons(http):
    body = deployment_body(scalingSpec={"hibernationSpec": {"schedules": [
        {"hibernateAtCron": "0 19 * * *", "wakeAtCron": "0 7 * * *", "isEnabled": True}]}})
    assert_error(http.post(f"{API}/deployments", json=body), 400, "only for development Deployments")
    body["isDevelopmentMode"] = True
    body["scalingSpec"]["hibernationSpec"]["schedules"][0]["wakeAtCron"] = "7am"
    assert_error(http.post(f"{API}/deployments", json=body), 400, "5-part cron")
    assert_error(http.post(f"{API}/deployments/{LEGACY}/hibernation-override", json={"isHibernating": True}), 400,
                 "only for development Deployments")


@pytest.mark.parametrize("overrides, message", [
    pytest.param({"type": "HYBRID", "clusterId": "clc0000000000000000000002", "cloudProvider": None, "region": None},
                 "do not apply to HYBRID", id="hybrid-with-hosted-keys"),
    pytest.param({"type": "HYBRID", "clusterId": "clc0000000000000000000001", "cloudProvider": None, "region": None},
                 "cannot host a HYBRID", id="hybrid-on-a-dedicated-cluster"),
    pytest.param({"scheduler": {"au": 5, "replicas": 1}}, "apply only to HYBRID", id="standard-with-scheduler"),
    pytest.param({"remoteExecution": {"enabled": True}}, "requires the ASTRO executor", id="remote-on-celery"),
])
def test_deployment_kind_rules(http, overrides, message):
    body = {k: v for k, v in deployment_body(**overrides).items() if v is not None}
    assert_error(http.post(f"{API}/deployments", json=body), 400, message)
