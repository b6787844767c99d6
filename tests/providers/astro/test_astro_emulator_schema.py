"""Every answer of the Astro emulator, on every served route, validated strictly against the
``astro-platform-api`` 1.1.1 models (types, required keys, no unknown keys: ``strict_models``);
and every request body the provider sends validated the same way against the request models.

The world is realistic: the provider builds it (a CELERY deployment with queues and a secret, an
ASTRO one with Remote Execution and its own workload identity, a development one hibernating on
schedules with an override, a KUBERNETES one, a DEDICATED one, a HYBRID one on node pools), plus
a finished deploy and a rollback, and environment objects of each type (a Workspace connection
linked with overrides, a secret variable of a Deployment, an auto-linked metrics export with an
exclusion), as a user's organization holds them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from astro_platform_api_client import models as M

from reconciler.providers.astro.sandbox import seed
from reconciler.providers.astro.sandbox.routes import ROUTES
from reconciler.testing import sandbox_session
from tests.providers.astro.strict_models import validate

API = f"/astro/platform/v1beta1/organizations/{seed.ORG_ID}"
WS = seed.PLATFORM_WORKSPACE
ROLE = "arn:aws:iam::123456789012:role/etl-tasks"

DEPLOYMENTS: dict[str, dict[str, Any]] = {
    "celery": {"executor": "CELERY", "worker_queues": [
        {"name": "default", "is_default": True, "max_worker_count": 4},
        {"name": "heavy", "astro_machine": "A20", "worker_concurrency": 8}],
        "environment_variables": {"STAGE": "prod"}, "secret_environment_variables": {"PW": "s3cret"},
        "contact_emails": ["data@example.com"]},
    "remote": {"executor": "ASTRO", "remote_execution": {
        "enabled": True, "allowed_ip_address_ranges": ["10.0.0.0/16"], "task_log_bucket": "s3://logs"},
        "worker_queues": [], "desired_workload_identity": ROLE},
    "dev": {"executor": "ASTRO", "is_development_mode": True, "scaling_spec": {"hibernation_spec": {
        "schedules": [{"hibernate_at_cron": "0 19 * * MON-FRI", "wake_at_cron": "0 7 * * MON-FRI",
                       "description": "nights"}],
        "override": {"is_hibernating": True, "override_until": "2099-01-01T00:00:00Z"}}}},
    "k8s": {"executor": "KUBERNETES", "cloud_provider": "GCP", "region": "us-central1"},
    "dedicated": {"type": "DEDICATED", "cloud_provider": None, "region": None, "cluster_id": seed.DEDICATED_CLUSTER,
                  "executor": "CELERY", "is_high_availability": True},
    "hybrid": {"type": "HYBRID", "cloud_provider": None, "region": None, "cluster_id": seed.HYBRID_CLUSTER,
               "executor": "CELERY", "scheduler_au": 10, "scheduler_replicas": 2,
               "task_pod_node_pool_id": "cln0000000000000000000002",
               "worker_queues": [{"name": "default", "is_default": True, "node_pool_id": seed.DEFAULT_NODE_POOL}]},
}
#: what each deployment's update changes (through the provider)
UPDATES: dict[str, dict[str, Any]] = {
    "celery": {"scheduler_size": "MEDIUM"},
    "remote": {"remote_execution": {"enabled": True, "allowed_ip_address_ranges": ["10.1.0.0/16"]}},
    "dev": {"scaling_spec": {"hibernation_spec": {"schedules": [
        {"hibernate_at_cron": "0 20 * * *", "wake_at_cron": "0 6 * * *", "is_enabled": False}]}}},
    "k8s": {"description": "changed"},
    "dedicated": {"description": "changed"},
    "hybrid": {"scheduler_au": 12, "worker_queues": [
        {"name": "default", "is_default": True, "node_pool_id": "cln0000000000000000000002"}]},
}
OBJECTS: dict[str, dict[str, Any]] = {
    "warehouse": {"object_type": "CONNECTION", "scope_entity_id": WS, "password": "pw",
                  "connection": {"type": "postgres", "host": "db", "schema": "public", "port": 5432,
                                 "extra": {"sslmode": "require"}},
                  "links": [{"deployment": "@celery", "overrides": {"connection": {"host": "replica"}}}]},
    "API_KEY": {"object_type": "AIRFLOW_VARIABLE", "scope": "DEPLOYMENT", "scope_entity_id": "@celery",
                "is_secret": True, "secret_value": "s3cret"},
    "prom": {"object_type": "METRICS_EXPORT", "scope_entity_id": WS, "auto_link_deployments": True,
             "exclude_links": ["@k8s"], "basic_token": "tok",
             "metrics_export": {"endpoint": "https://prom.example.com/api/v1/write", "auth_type": "AUTH_TOKEN",
                                "labels": {"team": "data"}}},
}
CHANNELS: dict[str, dict[str, Any]] = {
    "email": {"type": "EMAIL", "entity_id": "@celery", "recipients": ["oncall@example.com"]},
    "slack": {"type": "SLACK", "entity_type": "WORKSPACE", "entity_id": WS, "is_shared": True,
              "webhook_url": "https://hooks.slack.com/services/T0/B0/x"},
    "pagerduty": {"type": "PAGERDUTY", "entity_type": "ORGANIZATION", "entity_id": seed.ORG_ID,
                  "integration_key": "pd-key"},
    "opsgenie": {"type": "OPSGENIE", "entity_id": "@celery", "api_key": "og-key"},
    "trigger": {"type": "DAG_TRIGGER", "entity_id": "@celery", "dag_id": "on_failure", "deployment_id": "@dev",
                "deployment_api_token": "dep-token"},
}
ALERTS: dict[str, dict[str, Any]] = {
    "failure": {"type": "DAG_FAILURE", "severity": "CRITICAL", "notification_channel_ids": ["@email", "@slack"],
                "pattern_matches": [{"entity_type": "DAG_ID", "operator_type": "IS", "values": ["nightly_elt"]}]},
    "late": {"type": "DAG_TIMELINESS", "notification_channel_ids": ["@pagerduty"], "dag_deadline": "07:00",
             "days_of_week": ["MONDAY", "FRIDAY"], "look_back_period_seconds": 86400,
             "pattern_matches": [{"entity_type": "DAG_ID", "operator_type": "INCLUDES", "values": ["elt"]}]},
    "slow_task": {"type": "TASK_DURATION", "task_duration_seconds": 600, "notification_channel_ids": ["@trigger"],
                  "pattern_matches": [{"entity_type": "TASK_ID", "operator_type": "IS_NOT", "values": ["wait"]}]},
    "bare": {"type": "DAG_SUCCESS", "notification_channel_ids": ["@opsgenie"]},
}
_CHANNEL_CLASS = {"EMAIL": "Email", "SLACK": "Slack", "PAGERDUTY": "PagerDuty", "OPSGENIE": "Opsgenie",
                  "DAG_TRIGGER": "DagTrigger"}
_ALERT_CLASS = {"DAG_FAILURE": "DagFailure", "DAG_SUCCESS": "DagSuccess", "DAG_DURATION": "DagDuration",
                "DAG_TIMELINESS": "DagTimeliness", "TASK_FAILURE": "TaskFailure", "TASK_DURATION": "TaskDuration"}
REQUESTS = {("STANDARD", "POST /deployments"): M.CreateStandardDeploymentRequest,
            ("DEDICATED", "POST /deployments"): M.CreateDedicatedDeploymentRequest,
            ("HYBRID", "POST /deployments"): M.CreateHybridDeploymentRequest,
            ("STANDARD", "POST /deployments/{id}"): M.UpdateStandardDeploymentRequest,
            ("DEDICATED", "POST /deployments/{id}"): M.UpdateDedicatedDeploymentRequest,
            ("HYBRID", "POST /deployments/{id}"): M.UpdateHybridDeploymentRequest,
            ("", "POST /environment-objects"): M.CreateEnvironmentObjectRequest,
            ("", "POST /environment-objects/{id}"): M.UpdateEnvironmentObjectRequest}


def _resolve(value: Any, ids: dict[str, str]) -> Any:
    """``"@name"`` -> the id of deployment ``name``."""
    if isinstance(value, str) and value.startswith("@"):
        return ids[value[1:]]
    if isinstance(value, dict):
        return {k: _resolve(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v, ids) for v in value]
    return value


def _spec(name: str, fields: dict[str, Any]) -> dict[str, Any]:
    return {"workspace": WS, "name": name, "cloud_provider": "AWS", "region": "us-east-1",
            "astro_runtime_version": "12.1.0", **fields}


@pytest.fixture
def built():
    """The sandbox, the ids of the provider-made deployments, and every request body it sent."""
    sandbox, session = sandbox_session("astro")
    emulator = sandbox.emulators["astro"]
    sent: list[tuple[str, str, Any]] = []
    handle = emulator.handle

    def recording(request, path):
        if request.method == "POST" and path[-1:] != ("finalize",) and request.body:
            sent.append((request.method, "/".join(path), json.loads(request.body)))
        return handle(request, path)

    emulator.handle = recording
    rt = session.resource("astro_deployment")
    ids = {}
    for name, fields in DEPLOYMENTS.items():
        ids[name], _ = rt.create(_spec(name, fields))
    for name, fields in UPDATES.items():
        rt.update(ids[name], {}, _spec(name, {**DEPLOYMENTS[name], **fields}), frozenset(fields))
    channels = session.resource("astro_notification_channel")
    for name, fields in CHANNELS.items():
        spec = _resolve({"name": name, **fields}, ids)
        ids[name], live = channels.create(spec)
        channels.update(ids[name], live, spec, frozenset())
    alerts = session.resource("astro_alert")
    for name, fields in ALERTS.items():
        spec = _resolve({"name": name, "deployment": "@celery", **fields}, ids)
        ids[name], live = alerts.create(spec)
        alerts.update(ids[name], live, spec, frozenset())
    objects = session.resource("astro_environment_object")
    for key, fields in OBJECTS.items():
        spec = _resolve({"object_key": key, **fields}, ids)
        ids[key], live = objects.create(spec)
        objects.update(ids[key], live, spec, frozenset())
    emulator.handle = handle
    session.close()
    return sandbox, ids, sent


@pytest.fixture
def http(built):
    sandbox = built[0]
    with httpx.Client(transport=sandbox.transport(), base_url="http://sandbox",
                      headers={"Authorization": "Bearer sandbox-token"}) as client:
        yield client


def _ok(model: type, response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    doc = response.json()
    problems = validate(model, doc)
    assert not problems, "\n".join(problems)
    return doc


def test_every_request_body_the_provider_sent_is_what_the_request_schema_allows(built):
    _, ids, sent = built
    kinds = {v: ("HYBRID" if k == "hybrid" else "DEDICATED" if k == "dedicated" else "STANDARD") for k, v in ids.items()}
    checked = 0
    for _, path, body in sent:
        parts = path.split("/")
        if parts[-1] in ("notification-channels", "alerts"):
            kind = "NotificationChannel" if parts[-1] == "notification-channels" else "Alert"
            names = _CHANNEL_CLASS if kind == "NotificationChannel" else _ALERT_CLASS
            model = getattr(M, f"Create{names[body['type']]}{kind}Request")
            problems = validate(model, body)
            assert not problems, f"{model.__name__}: " + "\n".join(problems)
            checked += 1
            continue
        if parts[-2] in ("notification-channels", "alerts"):
            kind = "NotificationChannel" if parts[-2] == "notification-channels" else "Alert"
            names = _CHANNEL_CLASS if kind == "NotificationChannel" else _ALERT_CLASS
            model = getattr(M, f"Update{names[body['type']]}{kind}Request")
            problems = validate(model, body)
            assert not problems, f"{model.__name__}: " + "\n".join(problems)
            checked += 1
            continue
        if "environment-objects" in parts:
            key = ("", "POST /environment-objects" + ("" if parts[-1] == "environment-objects" else "/{id}"))
        elif parts[-1] == "deployments":
            key = (body["type"], "POST /deployments")
        elif parts[-2] == "deployments":
            key = (kinds[parts[-1]], "POST /deployments/{id}")
        else:
            continue
        problems = validate(REQUESTS[key], body)
        assert not problems, f"{key}: " + "\n".join(problems)
        checked += 1
    assert checked == 2 * (len(DEPLOYMENTS) + len(OBJECTS) + len(CHANNELS) + len(ALERTS))


# route handler name -> how to exercise it and the model its answer follows (None: 204, no body)
Probe = Callable[[httpx.Client, dict[str, str]], httpx.Response]


def _deploy_flow(http: httpx.Client, ids: dict[str, str]) -> dict[str, Any]:
    """A DAG_ONLY deploy of the CELERY deployment: created, uploaded, finalized."""
    dep = ids["celery"]
    deploy = http.post(f"{API}/deployments/{dep}/deploys", json={"type": "DAG_ONLY"}).json()
    put = http.put(deploy["dagsUploadUrl"], content=b"tar", headers={"x-ms-blob-type": "BlockBlob"})
    version = put.headers["x-ms-version-id"]
    return {"deploy": deploy, "version": version}


CASES: dict[str, tuple[type | None, Probe]] = {
    "list_organizations": (M.OrganizationsPaginated, lambda h, i: h.get("/astro/platform/v1beta1/organizations")),
    "get_organization": (M.Organization, lambda h, i: h.get(API)),
    "get_deployment_options": (M.DeploymentOptions, lambda h, i: h.get(f"{API}/deployment-options")),
    "list_workspaces": (M.WorkspacesPaginated, lambda h, i: h.get(f"{API}/workspaces")),
    "create_workspace": (M.Workspace, lambda h, i: h.post(f"{API}/workspaces", json={"name": "scratch"})),
    "get_workspace": (M.Workspace, lambda h, i: h.get(f"{API}/workspaces/{WS}")),
    "update_workspace": (M.Workspace, lambda h, i: h.post(f"{API}/workspaces/{WS}", json={
        "name": "Data Platform", "description": "d", "cicdEnforcedDefault": True})),
    "delete_workspace": (None, lambda h, i: h.delete(
        f"{API}/workspaces/{h.post(f'{API}/workspaces', json={'name': 'empty'}).json()['id']}")),
    "list_deployments": (M.DeploymentsPaginated, lambda h, i: h.get(f"{API}/deployments")),
    "create_deployment": (M.Deployment, lambda h, i: h.post(f"{API}/deployments", json={
        "type": "STANDARD", "name": "raw", "workspaceId": WS, "astroRuntimeVersion": "12.4.0", "executor": "ASTRO",
        "schedulerSize": "SMALL", "isCicdEnforced": False, "isDagDeployEnabled": True, "isHighAvailability": False,
        "cloudProvider": "AZURE", "region": "westus2"})),
    "get_deployment": (M.Deployment, lambda h, i: h.get(f"{API}/deployments/{i['dev']}")),
    "update_deployment": (M.Deployment, lambda h, i: h.post(f"{API}/deployments/{i['hybrid']}", json={
        "type": "HYBRID", "name": "hybrid", "workspaceId": WS, "executor": "KUBERNETES", "isCicdEnforced": False,
        "isDagDeployEnabled": True, "scheduler": {"au": 5, "replicas": 1}, "environmentVariables": []})),
    "delete_deployment": (None, lambda h, i: h.delete(f"{API}/deployments/{i['k8s']}")),
    "override_hibernation": (M.DeploymentHibernationOverride, lambda h, i: h.post(
        f"{API}/deployments/{i['dev']}/hibernation-override",
        json={"isHibernating": False, "overrideUntil": "2099-06-01T00:00:00Z"})),
    "delete_hibernation_override": (None, lambda h, i: h.delete(f"{API}/deployments/{i['dev']}/hibernation-override")),
    "list_environment_objects": (M.EnvironmentObjectsPaginated, lambda h, i: h.get(
        f"{API}/environment-objects", params={"deploymentId": i["celery"], "resolveLinked": "true"})),
    "create_environment_object": (M.CreateEnvironmentObject, lambda h, i: h.post(f"{API}/environment-objects", json={
        "objectKey": "STAGE", "objectType": "AIRFLOW_VARIABLE", "scope": "WORKSPACE", "scopeEntityId": WS,
        "airflowVariable": {"value": "prod"}})),
    "get_environment_object": (M.EnvironmentObject, lambda h, i: h.get(f"{API}/environment-objects/{i['warehouse']}")),
    "update_environment_object": (M.EnvironmentObject, lambda h, i: h.post(
        f"{API}/environment-objects/{i['prom']}", json={"excludeLinks": []})),
    "delete_environment_object": (None, lambda h, i: h.delete(f"{API}/environment-objects/{i['API_KEY']}")),
    "exclude_environment_link": ("empty", lambda h, i: h.post(f"{API}/environment-objects/{i['prom']}/exclude-linking",
                                                              json={"scope": "DEPLOYMENT", "scopeEntityId": i["dev"]})),
    "list_notification_channels": (M.NotificationChannelsPaginated, lambda h, i: h.get(f"{API}/notification-channels")),
    "create_notification_channel": (M.NotificationChannel, lambda h, i: h.post(f"{API}/notification-channels", json={
        "name": "raw", "type": "EMAIL", "entityType": "WORKSPACE", "entityId": WS,
        "definition": {"recipients": ["x@example.com"]}})),
    "get_notification_channel": (M.NotificationChannel, lambda h, i: h.get(
        f"{API}/notification-channels/{i['trigger']}")),
    "update_notification_channel": (M.NotificationChannel, lambda h, i: h.post(
        f"{API}/notification-channels/{i['slack']}", json={"name": "renamed", "isShared": False})),
    "delete_notification_channel": (None, lambda h, i: h.delete(f"{API}/notification-channels/{i['email']}")),
    "list_alerts": (M.AlertsPaginated, lambda h, i: h.get(f"{API}/alerts", params={"deploymentIds": i["celery"]})),
    "create_alert": (M.Alert, lambda h, i: h.post(f"{API}/alerts", json={
        "name": "raw", "type": "DAG_DURATION", "severity": "WARNING", "entityType": "DEPLOYMENT", "entityId": i["dev"],
        "notificationChannelIds": [i["slack"]], "rules": {"patternMatches": [
            {"entityType": "DAG_ID", "operatorType": "EXCLUDES", "values": ["tmp"]}],
            "properties": {"deploymentId": i["dev"], "dagDurationSeconds": 60}}})),
    "get_alert": (M.Alert, lambda h, i: h.get(f"{API}/alerts/{i['late']}")),
    "update_alert": (M.Alert, lambda h, i: h.post(f"{API}/alerts/{i['slow_task']}", json={
        "severity": "CRITICAL", "rules": {"properties": {"taskDurationSeconds": 1200}}})),
    "delete_alert": (None, lambda h, i: h.delete(f"{API}/alerts/{i['bare']}")),
    "list_deploys": (M.DeploysPaginated, lambda h, i: h.get(f"{API}/deployments/{seed.LEGACY_DEPLOYMENT}/deploys")),
    "create_deploy": (M.Deploy, lambda h, i: h.post(f"{API}/deployments/{i['celery']}/deploys",
                                                     json={"type": "IMAGE_AND_DAG", "description": "x"})),
    "get_deploy": (M.Deploy, lambda h, i: h.get(
        f"{API}/deployments/{seed.LEGACY_DEPLOYMENT}/deploys/{seed.LEGACY_DEPLOY}")),
    "update_deploy": (M.Deploy, lambda h, i: h.post(
        f"{API}/deployments/{seed.LEGACY_DEPLOYMENT}/deploys/{seed.LEGACY_DEPLOY}", json={"description": "y"})),
    "finalize_deploy": (M.Deploy, lambda h, i: (lambda f: h.post(
        f"{API}/deployments/{i['celery']}/deploys/{f['deploy']['id']}/finalize",
        json={"dagTarballVersion": f["version"]}))(_deploy_flow(h, i))),
    "rollback_deploy": (M.Deploy, lambda h, i: h.post(
        f"{API}/deployments/{seed.LEGACY_DEPLOYMENT}/deploys/{seed.LEGACY_DEPLOY}/rollback", json={})),
}
#: served but not part of the API (the pre-signed upload stand-in answers like Azure Blob Storage)
NOT_API = {"put_blob"}
#: the IAM API: astro-platform-api has no models for it; test_astro_team_resource.py checks its
#: answers against terraform-provider-astro's IAM client shapes
IAM = {"list_teams", "create_team", "get_team", "update_team", "delete_team", "update_team_roles",
       "list_team_members", "add_team_members", "remove_team_member"}


def test_every_route_is_probed():
    served = {route.handler.__name__ for route in ROUTES}
    assert served - set(CASES) - NOT_API - IAM == set(), "add a probe for each new route"


@pytest.mark.parametrize("name", list(CASES))
def test_answer_conforms_strictly(built, http, name):
    model, probe = CASES[name]
    response = probe(http, built[1])
    if model is None:
        assert response.status_code == 204, response.text
    elif model == "empty":  # a 200 the API documents without a body
        assert response.status_code == 200 and not response.content, response.text
    else:
        _ok(model, response)


@pytest.mark.parametrize("name", list(DEPLOYMENTS))
def test_each_kind_of_deployment_conforms_and_carries_what_astro_returns(built, http, name):
    doc = _ok(M.Deployment, http.get(f"{API}/deployments/{built[1][name]}"))
    assert doc["workloadIdentity"] and doc["clusterId"] and doc["externalIPs"] and doc["oidcIssuerUrl"]
    assert doc["statusReason"] and doc["taskPodNodePoolId"]
    assert all(q.get("nodePoolId") for q in doc["workerQueues"])
    if name != "hybrid":
        assert doc["remoteExecution"]["remoteApiUrl"] and "hibernationSpec" in doc["scalingSpec"]
    else:
        assert doc["schedulerAu"] and doc["clusterName"] == "hybrid-aws"
    if name == "remote":
        assert doc["workloadIdentity"] == ROLE
    if name == "dev":
        assert doc["scalingStatus"]["hibernationStatus"]["isHibernating"] in (True, False)


def test_the_official_client_parses_every_deployment(built, http):
    for doc in http.get(f"{API}/deployments").json()["deployments"]:
        parsed = M.Deployment.from_dict(doc)
        assert parsed.id == doc["id"] and not parsed.additional_properties


@pytest.mark.parametrize("params", [
    pytest.param({"workspaceId": WS}, id="workspace"),
    pytest.param({"deploymentId": "@celery"}, id="deployment"),
    pytest.param({"deploymentId": "@dev", "resolveLinked": "true"}, id="deployment-resolved"),
])
def test_every_environment_object_conforms_and_hides_its_secrets(built, http, params):
    page = _ok(M.EnvironmentObjectsPaginated, http.get(f"{API}/environment-objects", params=_resolve(params, built[1])))
    assert page["environmentObjects"]
    text = json.dumps(page)
    assert "s3cret" not in text and '"pw"' not in text and '"tok"' not in text
