"""astro_deployment: lifecycle, adoption, full-body updates, secrets, what cannot change in place."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from reconciler.providers.astro.resources import deployment_wire as wire
from reconciler.providers.astro.resources.deployment import Deployment, DeploymentSpec
from reconciler.providers.astro.sandbox import seed
from reconciler.reads import find_one
from reconciler.testing import run_lifecycle
from tests.providers.astro.conftest import ORG, deployment_spec, make_deployment

SECRET = "s3cr3t-warehouse-pw"


def test_lifecycle(astro):
    create = deployment_spec(environment_variables={"STAGE": "dev"},
                             worker_queues=[{"name": "default", "is_default": True}])
    update = deployment_spec(environment_variables={"STAGE": "prod", "NEW": "1"}, scheduler_size="MEDIUM",
                             description="now described", contact_emails=["b@x.io", "a@x.io"],
                             worker_queues=[{"name": "default", "is_default": True, "max_worker_count": 3},
                                            {"name": "heavy", "astro_machine": "A20"}])
    report = run_lifecycle(astro.session, "astro_deployment", create, update)
    assert report.updated["scheduler_size"] == "MEDIUM"
    assert [q["name"] for q in report.updated["worker_queues"]] == ["default", "heavy"]


def test_update_moves_workspace_in_place_and_keeps_queue_ids(astro):
    rt = astro.rt("astro_deployment")
    dep = make_deployment(astro, worker_queues=[{"name": "default", "is_default": True}])
    queue_id = astro.client.get_deployment(dep)["workerQueues"][0]["id"]
    spec = deployment_spec(workspace="clw0000000000000000000001",
                           worker_queues=[{"name": "default", "is_default": True, "max_worker_count": 2}])
    live = rt.update(dep, rt.read(dep), spec, frozenset({"workspace", "worker_queues"}))
    assert live["id"] == dep and live["workspace"] == "clw0000000000000000000001"
    assert astro.client.get_deployment(dep)["workerQueues"][0]["id"] == queue_id


def test_runtime_defaults_to_the_newest_release(astro):
    spec = deployment_spec()
    del spec["astro_runtime_version"]
    _, live = astro.rt("astro_deployment").create(spec)
    assert live["astro_runtime_version"] == "12.4.0"


def test_secrets_are_sent_but_never_read_back(astro):
    rt = astro.rt("astro_deployment")
    dep, live = rt.create(deployment_spec(secret_environment_variables={"PW": SECRET}))
    assert SECRET not in repr(live) and SECRET not in repr(astro.client.get_deployment(dep))
    assert live["secret_keys"] == ["PW"] and "secret_environment_variables" not in live
    assert astro.world._s["deployments"][dep]["_secrets"] == {"PW": SECRET}
    # an update that does not manage secrets keeps them (sent without value)
    rt.update(dep, live, deployment_spec(environment_variables={"A": "1"}), frozenset({"environment_variables"}))
    assert astro.world._s["deployments"][dep]["_secrets"] == {"PW": SECRET}
    # rotation: the new value is sent
    rt.update(dep, live, deployment_spec(secret_environment_variables={"PW": "rotated"}),
              frozenset({"secret_environment_variables"}))
    assert astro.world._s["deployments"][dep]["_secrets"] == {"PW": "rotated"}


def test_lookup_adopts_by_workspace_and_name(astro):
    rt = astro.rt("astro_deployment")
    dep = make_deployment(astro)
    assert find_one(rt, deployment_spec())[0] == dep
    assert find_one(rt, deployment_spec(name="other")) is None
    assert find_one(rt, deployment_spec(workspace="clw0000000000000000000001")) is None
    make_deployment(astro, workspace="clw0000000000000000000001")  # the same name in another Workspace
    assert find_one(rt, deployment_spec())[0] == dep


def test_update_never_lowers_the_runtime(astro):
    rt = astro.rt("astro_deployment")
    dep = make_deployment(astro)
    astro.world.set_runtime(dep, "12.4.0")
    live = rt.update(dep, rt.read(dep), deployment_spec(description="x"),
                     frozenset({"description", "astro_runtime_version"}))
    assert (live["description"], live["astro_runtime_version"]) == ("x", "12.4.0")


@pytest.mark.parametrize("field, old, new, replaces", [
    pytest.param("is_development_mode", False, True, True, id="dev-mode-on-replaces"),
    pytest.param("is_development_mode", True, False, False, id="dev-mode-off-updates"),
    pytest.param("region", "us-east-1", "eu-west-1", True, id="create-only-region"),
    pytest.param("description", "a", "b", False, id="plain-field"),
])
def test_replace_rule(field, old, new, replaces):
    rule = Deployment(None).replace_rule(field, old, new)
    assert (rule is not None) is replaces
    if field == "is_development_mode" and replaces:
        assert "cannot turn development mode on" in rule


def test_runtime_upgrade_is_an_update_that_waits_for_an_image(astro):
    rt = astro.rt("astro_deployment")
    dep = make_deployment(astro)
    notes: list[str] = []
    rt.notify = notes.append
    live = rt.update(dep, rt.read(dep), deployment_spec(astro_runtime_version="12.4.0"),
                     frozenset({"astro_runtime_version"}))
    assert live["astro_runtime_version"] == "12.1.0"
    assert "arrives with an image deploy" in notes[0]


@pytest.mark.parametrize("live, desired, expected", [
    pytest.param({"astro_runtime_version": "12.4.0"}, {"astro_runtime_version": "12.1.0"}, "cannot downgrade",
                 id="downgrade"),
    pytest.param({"astro_runtime_version": "12.1.0"}, {"astro_runtime_version": "12.4.0"}, None, id="upgrade"),
    pytest.param({"astro_runtime_version": "12.1.0"}, {"astro_runtime_version": "12.1.0"}, None, id="same"),
    pytest.param({"astro_runtime_version": "12.10.0"}, {"astro_runtime_version": "12.9.0"}, "cannot downgrade",
                 id="numeric-not-lexical"),
    pytest.param({"astro_runtime_version": "12.1.0"}, {}, None, id="undeclared"),
    pytest.param({"is_development_mode": False}, {"is_development_mode": True}, None, id="dev-mode-on-replaces"),
    pytest.param(None, {"astro_runtime_version": "1.0.0"}, None, id="absent"),
])
def test_blocked(live, desired, expected):
    reason = Deployment(None).blocked(live, desired)
    assert (reason is None) if expected is None else (expected in reason)


@pytest.mark.parametrize("spec, live_env, expected", [
    pytest.param({"environment_variables": {"B": "2", "A": "1"}}, [{"key": "S", "isSecret": True}],
                 [{"key": "A", "value": "1", "isSecret": False}, {"key": "B", "value": "2", "isSecret": False},
                  {"key": "S", "isSecret": True}], id="plain-declared-secrets-kept-without-value"),
    pytest.param({"secret_environment_variables": {"S": "v"}}, [{"key": "P", "value": "p", "isSecret": False}],
                 [{"key": "P", "value": "p", "isSecret": False}, {"key": "S", "value": "v", "isSecret": True}],
                 id="secrets-declared-plain-kept"),
    pytest.param({"environment_variables": {}, "secret_environment_variables": {}},
                 [{"key": "P", "value": "p", "isSecret": False}, {"key": "S", "isSecret": True}], [],
                 id="both-declared-empty-removes-all"),
])
def test_env_body(spec, live_env, expected):
    assert wire.env_body(spec, live_env) == expected


def test_update_body_is_full_and_keeps_unmanaged_settings():
    current = {"type": "STANDARD", "workspaceId": "w", "name": "n", "description": "d", "executor": "CELERY",
               "schedulerSize": "SMALL", "isCicdEnforced": True, "isDagDeployEnabled": True,
               "isHighAvailability": False, "isDevelopmentMode": False, "contactEmails": ["a@x"],
               "scalingSpec": {"hibernationSpec": {}}, "astroRuntimeVersion": "12.1.0", "region": "us-east-1",
               "workerQueues": [{"id": "q1", "name": "default", "isDefault": True, "astroMachine": "A5",
                                 "minWorkerCount": 0, "maxWorkerCount": 10, "workerConcurrency": 5}],
               "environmentVariables": []}
    body = wire.update_body(current, {"scheduler_size": "LARGE"})
    assert body["schedulerSize"] == "LARGE" and body["executor"] == "CELERY" and body["contactEmails"] == ["a@x"]
    assert body["scalingSpec"] == {"hibernationSpec": {"schedules": []}} and body["workerQueues"][0]["id"] == "q1"
    assert not {"astroRuntimeVersion", "region", "cloudProvider", "clusterId"} & set(body)


_CELERY = {"type": "STANDARD", "workspaceId": "w", "name": "n", "executor": "CELERY", "schedulerSize": "SMALL",
           "isCicdEnforced": False, "isDagDeployEnabled": True, "isHighAvailability": False,
           "workerQueues": [{"id": "q1", "name": "default", "isDefault": True, "astroMachine": "A5",
                             "minWorkerCount": 0, "maxWorkerCount": 10, "workerConcurrency": 5}],
           "environmentVariables": []}


@pytest.mark.parametrize("current, spec, queues, remote", [
    pytest.param(_CELERY, {"executor": "KUBERNETES"}, None, None, id="celery-to-kubernetes-drops-live-queues"),
    pytest.param(_CELERY, {"executor": "KUBERNETES", "worker_queues": []}, None, None, id="kubernetes-empty-queues"),
    pytest.param({**_CELERY, "executor": "KUBERNETES", "workerQueues": []}, {"executor": "CELERY"}, None, None,
                 id="kubernetes-to-celery-lets-astro-make-the-default"),
    pytest.param(_CELERY, {"executor": "ASTRO"}, ["default"], None, id="celery-to-astro-keeps-queues"),
    pytest.param({**_CELERY, "executor": "ASTRO", "workerQueues": [], "remoteExecution": {"enabled": True}},
                 {"executor": "CELERY", "worker_queues": [{"name": "default", "is_default": True}]}, ["default"], None,
                 id="remote-execution-is-astro-only"),
    pytest.param({**_CELERY, "executor": "ASTRO", "workerQueues": [], "remoteExecution": {"enabled": True}},
                 {"name": "m"}, None, {"enabled": True}, id="remote-execution-kept-no-queues"),
])
def test_update_body_follows_the_executor(current, spec, queues, remote):
    body = wire.update_body(current, spec)
    assert [q["name"] for q in body["workerQueues"]] == queues if queues else "workerQueues" not in body
    assert body.get("remoteExecution") == remote


@pytest.mark.parametrize("attrs, expected", [
    pytest.param({"contact_emails": ["b", "a", "a"]}, {"contact_emails": ["a", "b"]}, id="emails-are-a-set"),
    pytest.param({"contact_emails": None}, {"contact_emails": []}, id="null-emails"),
    pytest.param({"worker_queues": [{"name": "z", "astro_machine": "A10"}, {"name": "default", "is_default": True}]},
                 {"worker_queues": [
                     {"name": "default", "is_default": True, "astro_machine": "A5", "node_pool_id": None,
                      "min_worker_count": 0, "max_worker_count": 10, "worker_concurrency": 5},
                     {"name": "z", "is_default": False, "astro_machine": "A10", "node_pool_id": None,
                      "min_worker_count": 0, "max_worker_count": 10, "worker_concurrency": 5}]},
                 id="queues-by-name-defaults-filled"),
    pytest.param({"status": "HEALTHY", "web_server_url": "x", "airflow_version": "2", "name": "n"}, {"name": "n"},
                 id="volatile-outputs-dropped"),
    pytest.param({"description": None}, {"description": ""}, id="null-description"),
])
def test_normalize(attrs, expected):
    assert Deployment(None).normalize(attrs) == expected


@pytest.mark.parametrize("overrides, message", [
    pytest.param({"cloud_provider": None}, "needs cloud_provider and region", id="standard-without-cloud"),
    pytest.param({"type": "DEDICATED"}, "needs cluster_id", id="dedicated-without-cluster"),
    pytest.param({"environment_variables": {"A": "1"}, "secret_environment_variables": {"A": "2"}},
                 "both plain and secret", id="key-in-both-maps"),
    pytest.param({"worker_queues": [{"name": "main", "is_default": True}]}, "named 'default'", id="default-queue-name"),
    pytest.param({"worker_queues": [{"name": "default", "is_default": True}, {"name": "default"}]}, "unique",
                 id="duplicate-queue"),
    pytest.param({"worker_queues": [{"name": "default", "is_default": True}, {"name": "x"}, {"name": "x"}]},
                 "'x' is declared more than once", id="duplicate-named"),
    pytest.param({"type": "HYBRID"}, "apply only to hosted", id="hybrid-refuses-cloud-and-region"),
    pytest.param({"type": "HYBRID", "cloud_provider": None, "region": None, "executor": "CELERY"}, "needs cluster_id",
                 id="hybrid-without-cluster"),
    pytest.param({"type": "HYBRID", "cloud_provider": None, "region": None, "cluster_id": "c", "executor": "CELERY",
                  "scheduler_size": "LARGE"}, "scheduler_size apply only to hosted", id="hybrid-refuses-size"),
    pytest.param({"type": "HYBRID", "cloud_provider": None, "region": None, "cluster_id": "c"},
                 "CELERY or KUBERNETES", id="hybrid-astro-executor"),
    pytest.param({"type": "HYBRID", "cloud_provider": None, "region": None, "cluster_id": "c", "executor": "CELERY",
                  "worker_queues": [{"name": "default", "is_default": True}]}, "need node_pool_id",
                 id="hybrid-queue-without-pool"),
    pytest.param({"scheduler_au": 10}, "scheduler_au apply only to HYBRID", id="standard-refuses-scheduler-au"),
    pytest.param({"executor": "CELERY", "worker_queues": [{"name": "default", "is_default": True, "node_pool_id": "p"}]},
                 r"worker_queues\[default\].node_pool_id apply only to HYBRID", id="standard-refuses-node-pool"),
    pytest.param({"scaling_spec": {"hibernation_spec": {"schedules": [
        {"hibernate_at_cron": "0 19 * * *", "wake_at_cron": "0 7 * * *"}]}}}, "only for development",
        id="hibernation-needs-development-mode"),
    pytest.param({"is_development_mode": True, "scaling_spec": {"hibernation_spec": {"schedules": [
        {"hibernate_at_cron": "0 25 * * *", "wake_at_cron": "0 7 * * *"}]}}}, "hour field '25'",
        id="hibernation-bad-cron"),
    pytest.param({"is_development_mode": True, "scaling_spec": {"hibernation_spec": {
        "override": {"is_hibernating": True, "override_until": "tomorrow"}}}}, "not an RFC 3339 time",
        id="override-bad-time"),
    pytest.param({"executor": "CELERY", "remote_execution": {"enabled": True}}, "needs the ASTRO executor",
                 id="remote-execution-needs-astro"),
    pytest.param({"remote_execution": {"enabled": True}, "worker_queues": [{"name": "default", "is_default": True}]},
                 "remote_execution enabled", id="remote-execution-without-queues"),
    pytest.param({"executor": "KUBERNETES", "worker_queues": [{"name": "default", "is_default": True}]},
                 "do not apply to the KUBERNETES executor", id="kubernetes-with-queues"),
    pytest.param({"executor": "CELERY", "worker_queues": []}, "needs exactly one default", id="celery-no-queues"),
])
def test_spec_validation(overrides, message):
    with pytest.raises(ValidationError, match=message):
        DeploymentSpec.model_validate(deployment_spec(**overrides))


def test_create_only_fields_replace():
    assert Deployment.create_only == {"type", "cloud_provider", "region", "cluster_id"}
    assert Deployment.sensitive == {"secret_environment_variables"}


def test_v1_prefix_reaches_the_same_world(astro):
    from reconciler.providers.astro.provider import ASTRO
    from reconciler.providers.settings import resolve_settings

    env = astro.sandbox.env("http://sandbox")
    settings = resolve_settings(ASTRO, {"api_prefix": "/v1"}, env)
    session = ASTRO.connect(settings, astro.sandbox.transport())
    assert session.client.get_deployment("cld0000000000000000000001")["name"] == "legacy-etl"
    assert session.client._path() == f"/v1/organizations/{ORG}"


def test_lifecycle_with_secret_environment_variables(astro):
    create = deployment_spec(secret_environment_variables={"API_KEY": "s3cret-one"},
                             worker_queues=[{"name": "default", "is_default": True}])
    update = deployment_spec(secret_environment_variables={"API_KEY": "s3cret-two"}, description="rotated",
                             worker_queues=[{"name": "default", "is_default": True}])
    report = run_lifecycle(astro.session, "astro_deployment", create, update)
    assert "s3cret" not in repr(report.created) + repr(report.updated)  # write-only: never read back


NIGHTS = {"hibernate_at_cron": "0 19 * * MON-FRI", "wake_at_cron": "0 7 * * MON-FRI"}


def test_lifecycle_with_hibernation_schedules_and_override(astro):
    create = deployment_spec(is_development_mode=True, scaling_spec={"hibernation_spec": {"schedules": [NIGHTS]}})
    update = deployment_spec(is_development_mode=True, scaling_spec={"hibernation_spec": {
        "schedules": [{**NIGHTS, "is_enabled": False, "description": "paused"}],
        "override": {"is_hibernating": True, "override_until": "2099-01-01T10:00:00+02:00"}}})
    report = run_lifecycle(astro.session, "astro_deployment", create, update)
    assert report.changed == {"scaling_spec"}
    override = report.updated["scaling_spec"]["hibernation_spec"]["override"]
    assert override == {"is_hibernating": True, "override_until": "2099-01-01T08:00:00Z"}


def test_lifecycle_with_remote_execution_and_workload_identity(astro):
    create = deployment_spec(remote_execution={"enabled": True, "allowed_ip_address_ranges": ["10.0.0.0/16"]},
                             worker_queues=[])
    update = deployment_spec(remote_execution={"enabled": True, "allowed_ip_address_ranges": ["10.1.0.0/16"],
                                               "task_log_bucket": "s3://logs"}, worker_queues=[],
                             desired_workload_identity="arn:aws:iam::123456789012:role/etl")
    report = run_lifecycle(astro.session, "astro_deployment", create, update)
    assert report.changed == {"remote_execution", "desired_workload_identity"}
    assert report.updated["workload_identity"] == "arn:aws:iam::123456789012:role/etl"
    assert report.updated["remote_api_url"].startswith("https://")


def test_lifecycle_of_a_hybrid_deployment(astro):
    base = {"type": "HYBRID", "cloud_provider": None, "region": None, "cluster_id": seed.HYBRID_CLUSTER,
            "executor": "CELERY"}
    create = {k: v for k, v in deployment_spec(**base).items() if v is not None}
    create["worker_queues"] = [{"name": "default", "is_default": True, "node_pool_id": seed.DEFAULT_NODE_POOL}]
    update = {**create, "scheduler_au": 10, "scheduler_replicas": 2, "task_pod_node_pool_id": "cln0000000000000000000002",
              "worker_queues": [{"name": "default", "is_default": True, "node_pool_id": "cln0000000000000000000002"}]}
    report = run_lifecycle(astro.session, "astro_deployment", create, update)
    assert report.changed == {"scheduler_au", "scheduler_replicas", "task_pod_node_pool_id", "worker_queues"}
    assert report.updated["cluster_name"] == "hybrid-aws"


def test_hosted_update_keeps_hibernation_and_remote_execution_in_the_request_shape():
    current = {**_CELERY, "executor": "ASTRO", "workerQueues": [],
               "remoteExecution": {"enabled": True, "allowedIpAddressRanges": ["1.2.3.0/24"], "remoteApiUrl": "https://r"},
               "scalingSpec": {"hibernationSpec": {"schedules": [{"hibernateAtCron": "0 1 * * *", "wakeAtCron": "0 2 * * *",
                                                                  "isEnabled": True}],
                                                   "override": {"isActive": True, "isHibernating": False,
                                                                "overrideUntil": "2099-01-01T00:00:00Z"}}},
               "workloadIdentity": "arn:aws:iam::000000000000:role/default"}
    body = wire.update_body(current, {"description": "x"})
    assert body["remoteExecution"] == {"enabled": True, "allowedIpAddressRanges": ["1.2.3.0/24"]}
    assert body["scalingSpec"]["hibernationSpec"]["override"] == {"isHibernating": False,
                                                                  "overrideUntil": "2099-01-01T00:00:00Z"}
    assert "workloadIdentity" not in body  # Astro's default identity is not a request
