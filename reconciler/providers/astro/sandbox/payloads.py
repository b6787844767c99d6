"""Astro's bodies: the requests the emulator validates, one pydantic model each (field names as on
the wire), and the documents it builds for new workspaces and worker queues.

They mirror ``astro-platform-api`` 1.1.1's request models: required keys, enums, types. Unknown
keys are accepted and ignored (the generated client sends ``additional_properties``).
``parse(model, body)`` turns a failure into a 400 naming every offending field, before any
side effect.
"""

from __future__ import annotations

from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from reconciler.providers.astro.sandbox.errors import BadRequest
from reconciler.providers.astro.sandbox.seed import DEFAULT_NODE_POOL, HOSTED_NODE_POOL, NODE_POOLS, ORG_ID, SUBJECT, WORKER_MACHINES
from reconciler.providers.models import Model

M = TypeVar("M", bound=BaseModel)

Executor = Literal["ASTRO", "CELERY", "KUBERNETES"]
SchedulerSize = Literal["SMALL", "MEDIUM", "LARGE", "EXTRA_LARGE"]
Machine = Literal["A5", "A10", "A20", "A40", "A60", "A120", "A160"]


class _Payload(Model):
    model_config = ConfigDict(extra="ignore", strict=True)


def parse(model: type[M], body: Any, what: str) -> M:
    if not isinstance(body, dict):
        got = "an empty body" if body is None else f"a JSON {type(body).__name__}"
        raise BadRequest(f"Invalid {what}: expected a JSON object, got {got}")
    try:
        return model.model_validate(body)
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or '(body)'}: {e['msg']}" for e in error.errors())
        raise BadRequest(f"Invalid {what}: {problems}") from None


# -- workspaces -------------------------------------------------------------------------------
class CreateWorkspace(_Payload):
    name: str = Field(min_length=1, max_length=50)
    description: str | None = None
    cicdEnforcedDefault: bool | None = None


class UpdateWorkspace(_Payload):
    name: str = Field(min_length=1, max_length=50)
    description: str
    cicdEnforcedDefault: bool


# -- deployments ------------------------------------------------------------------------------
class EnvVar(_Payload):
    key: str = Field(min_length=1, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    value: str | None = None
    isSecret: bool


class WorkerQueue(_Payload):
    """``WorkerQueueRequest`` (hosted: ``astroMachine``) or ``HybridWorkerQueueRequest`` (``nodePoolId``);
    which one a Deployment's type needs is checked by the world."""

    name: str = Field(min_length=1, max_length=63)
    isDefault: bool
    astroMachine: Machine | None = None
    nodePoolId: str | None = None
    minWorkerCount: int = Field(ge=0)
    maxWorkerCount: int = Field(ge=1)
    workerConcurrency: int = Field(ge=1)
    id: str | None = None


class HibernationSchedule(_Payload):
    """``DeploymentHibernationSchedule``: 5-part crons."""

    hibernateAtCron: str = Field(min_length=1)
    wakeAtCron: str = Field(min_length=1)
    isEnabled: bool
    description: str | None = None


class HibernationOverrideRequest(_Payload):
    """``DeploymentHibernationOverrideRequest`` (inside ``scalingSpec``)."""

    isHibernating: bool | None = None
    overrideUntil: str | None = None


class HibernationSpecRequest(_Payload):
    override: HibernationOverrideRequest | None = None
    schedules: list[HibernationSchedule] | None = None


class ScalingSpecRequest(_Payload):
    """``DeploymentScalingSpecRequest``."""

    hibernationSpec: HibernationSpecRequest | None = None


class RemoteExecutionRequest(_Payload):
    """``DeploymentRemoteExecutionRequest`` (``remoteApiUrl`` is the server's: not part of it)."""

    enabled: bool
    allowedIpAddressRanges: list[str] | None = None
    taskLogBucket: str | None = None
    taskLogUrlPattern: str | None = None


class SchedulerSpec(_Payload):
    """``DeploymentInstanceSpecRequest`` (HYBRID): AU 5..24, replicas 1..4."""

    au: int = Field(ge=5, le=24)
    replicas: int = Field(ge=1, le=4)


class HibernationOverrideBody(_Payload):
    """``OverrideDeploymentHibernationBody`` of ``POST …/hibernation-override``."""

    isHibernating: bool
    overrideUntil: str | None = None


class _DeploymentCommon(_Payload):
    name: str = Field(min_length=1, max_length=50)
    description: str | None = None
    workspaceId: str = Field(min_length=1)
    executor: Executor
    schedulerSize: SchedulerSize | None = None
    isCicdEnforced: bool
    isDagDeployEnabled: bool
    isHighAvailability: bool | None = None
    isDevelopmentMode: bool | None = None
    contactEmails: list[str] | None = None
    defaultTaskPodCpu: str | None = None
    defaultTaskPodMemory: str | None = None
    resourceQuotaCpu: str | None = None
    resourceQuotaMemory: str | None = None
    workerQueues: list[WorkerQueue] | None = None
    scalingSpec: ScalingSpecRequest | None = None
    remoteExecution: RemoteExecutionRequest | None = None
    workloadIdentity: str | None = None
    scheduler: SchedulerSpec | None = None
    taskPodNodePoolId: str | None = None


class CreateDeployment(_DeploymentCommon):
    """``Create{Standard,Dedicated,Hybrid}DeploymentRequest``: which keys each type requires
    (``schedulerSize`` and ``isHighAvailability`` for hosted ones, ``scheduler`` for HYBRID) is
    checked by the world."""

    type: Literal["STANDARD", "DEDICATED", "HYBRID"]
    astroRuntimeVersion: str = Field(pattern=r"^\d+\.\d+\.\d+")
    cloudProvider: Literal["AWS", "GCP", "AZURE"] | None = None
    region: str | None = None
    clusterId: str | None = None
    environmentVariables: list[EnvVar] | None = None


class UpdateDeployment(_DeploymentCommon):
    """``Update{Standard,Dedicated,Hybrid}DeploymentRequest`` (full body)."""

    type: Literal["STANDARD", "DEDICATED", "HYBRID"]
    environmentVariables: list[EnvVar]


# -- deploys ----------------------------------------------------------------------------------
class CreateDeploy(_Payload):
    type: Literal["IMAGE_AND_DAG", "IMAGE_ONLY", "DAG_ONLY", "BUNDLE"]
    description: str | None = Field(None, max_length=500)
    bundleType: str | None = None
    bundleMountPath: str | None = None
    git: dict[str, Any] | None = None


class FinalizeDeploy(_Payload):
    dagTarballVersion: str | None = None
    bundleTarballVersion: str | None = None


class UpdateDeploy(_Payload):
    description: str | None = Field(None, max_length=500)


class RollbackDeploy(_Payload):
    description: str | None = Field(None, max_length=500)


# -- response documents ---------------------------------------------------------------------
def workspace_document(workspace_id: str, name: str, description: str, cicd: bool, now: str) -> dict[str, Any]:
    return {"id": workspace_id, "name": name, "description": description, "cicdEnforcedDefault": cicd,
            "organizationId": ORG_ID, "organizationName": "Sandbox Org", "createdAt": now, "updatedAt": now,
            "createdBy": dict(SUBJECT), "updatedBy": dict(SUBJECT)}


def queue_document(body: dict[str, Any], queue_id: str) -> dict[str, Any]:
    """A ``WorkerQueue``: hosted queues name their machine and the node pool Astro runs it on;
    HYBRID queues name the node pool the request chose (and no machine)."""
    common = {"id": queue_id, "name": body["name"], "isDefault": body["isDefault"],
              "minWorkerCount": body["minWorkerCount"], "maxWorkerCount": body["maxWorkerCount"],
              "workerConcurrency": body["workerConcurrency"]}
    if body.get("nodePoolId"):
        instance = NODE_POOLS[body["nodePoolId"]][1]
        return {**common, "nodePoolId": body["nodePoolId"], "podCpu": "4" if "4x" in instance else "1",
                "podMemory": "16Gi" if "4x" in instance else "4Gi"}
    cpu, memory, _ = WORKER_MACHINES[body["astroMachine"]]
    return {**common, "astroMachine": body["astroMachine"], "nodePoolId": HOSTED_NODE_POOL,
            "podCpu": cpu, "podMemory": memory}


def default_queue_body(hybrid: bool) -> dict[str, Any]:
    """The queue Astro makes when a request leaves ``workerQueues`` out."""
    where = {"nodePoolId": DEFAULT_NODE_POOL} if hybrid else {"astroMachine": "A5"}
    return {"name": "default", "isDefault": True, **where, "minWorkerCount": 0, "maxWorkerCount": 10,
            "workerConcurrency": 5}


# -- environment objects ------------------------------------------------------------------------
ObjectType = Literal["AIRFLOW_VARIABLE", "CONNECTION", "METRICS_EXPORT"]
ExporterType = Literal["PROMETHEUS"]
ExportAuth = Literal["AUTH_TOKEN", "BASIC"]


class ConnectionBody(_Payload):
    """``CreateEnvironmentObjectConnectionRequest`` (also the update's: ``type`` required)."""

    type: str = Field(min_length=1)
    authTypeId: str | None = None
    host: str | None = None
    login: str | None = None
    password: str | None = None
    port: int | None = None
    schema_: str | None = Field(None, alias="schema")
    extra: dict[str, Any] | None = None


class ConnectionOverrides(_Payload):
    type: str | None = None
    host: str | None = None
    login: str | None = None
    password: str | None = None
    port: int | None = None
    schema_: str | None = Field(None, alias="schema")
    extra: dict[str, Any] | None = None


class VariableBody(_Payload):
    isSecret: bool | None = None
    value: str | None = None


class VariableOverrides(_Payload):
    value: str | None = None


class MetricsExportBody(_Payload):
    endpoint: str | None = None
    exporterType: ExporterType | None = None
    authType: ExportAuth | None = None
    basicToken: str | None = None
    username: str | None = None
    password: str | None = None
    headers: dict[str, str] | None = None
    labels: dict[str, str] | None = None


class Overrides(_Payload):
    """``CreateEnvironmentObjectOverridesRequest``: what one linked Deployment sees differently."""

    airflowVariable: VariableOverrides | None = None
    connection: ConnectionOverrides | None = None
    metricsExport: MetricsExportBody | None = None


class LinkBody(_Payload):
    scope: Literal["DEPLOYMENT"]
    scopeEntityId: str = Field(min_length=1)
    overrides: Overrides | None = None


class ExcludeLinkBody(_Payload):
    scope: Literal["DEPLOYMENT"]
    scopeEntityId: str = Field(min_length=1)


class CreateEnvironmentObject(_Payload):
    """``CreateEnvironmentObjectRequest``."""

    objectKey: str = Field(min_length=1)
    objectType: ObjectType
    scope: Literal["WORKSPACE", "DEPLOYMENT"]
    scopeEntityId: str = Field(min_length=1)
    autoLinkDeployments: bool | None = None
    links: list[LinkBody] | None = None
    excludeLinks: list[ExcludeLinkBody] | None = None
    connection: ConnectionBody | None = None
    airflowVariable: VariableBody | None = None
    metricsExport: MetricsExportBody | None = None


class UpdateEnvironmentObject(_Payload):
    """``UpdateEnvironmentObjectRequest``: each key given replaces that part."""

    autoLinkDeployments: bool | None = None
    links: list[LinkBody] | None = None
    excludeLinks: list[ExcludeLinkBody] | None = None
    connection: ConnectionBody | None = None
    airflowVariable: VariableOverrides | None = None
    metricsExport: MetricsExportBody | None = None


# -- notification channels and alerts --------------------------------------------------------------
ChannelType = Literal["EMAIL", "SLACK", "PAGERDUTY", "OPSGENIE", "DAG_TRIGGER"]
AlertType = Literal["DAG_FAILURE", "DAG_SUCCESS", "DAG_DURATION", "DAG_TIMELINESS", "TASK_FAILURE", "TASK_DURATION"]
Severity = Literal["INFO", "WARNING", "CRITICAL"]


class CreateNotificationChannel(_Payload):
    """``Create{Email,Slack,PagerDuty,Opsgenie,DagTrigger}NotificationChannelRequest``."""

    name: str = Field(min_length=1)
    type: ChannelType
    entityType: Literal["DEPLOYMENT", "WORKSPACE", "ORGANIZATION"]
    entityId: str = Field(min_length=1)
    isShared: bool | None = None
    definition: dict[str, Any]


class UpdateNotificationChannel(_Payload):
    """``Update{...}NotificationChannelRequest``: every key optional; the type cannot change."""

    name: str | None = Field(None, min_length=1)
    type: ChannelType | None = None
    isShared: bool | None = None
    definition: dict[str, Any] | None = None


class PatternMatchBody(_Payload):
    entityType: Literal["DAG_ID", "TASK_ID"]
    operatorType: Literal["IS", "IS_NOT", "INCLUDES", "EXCLUDES"]
    values: list[str] = Field(min_length=1)


class AlertRulesBody(_Payload):
    patternMatches: list[PatternMatchBody] | None = None
    properties: dict[str, Any] | None = None


class CreateAlert(_Payload):
    """``Create{DagFailure,DagSuccess,DagDuration,DagTimeliness,TaskFailure,TaskDuration}AlertRequest``."""

    name: str = Field(min_length=1)
    type: AlertType
    severity: Severity
    entityType: Literal["DEPLOYMENT"]
    entityId: str = Field(min_length=1)
    notificationChannelIds: list[str]
    rules: AlertRulesBody


class UpdateAlert(_Payload):
    name: str | None = Field(None, min_length=1)
    type: AlertType | None = None
    severity: Severity | None = None
    notificationChannelIds: list[str] | None = None
    rules: AlertRulesBody | None = None


# -- IAM: teams -------------------------------------------------------------------------------------
OrganizationRole = Literal["ORGANIZATION_OWNER", "ORGANIZATION_BILLING_ADMIN", "ORGANIZATION_MEMBER",
                           "ORGANIZATION_OBSERVE_ADMIN", "ORGANIZATION_OBSERVE_MEMBER"]


class CreateTeam(_Payload):
    """``CreateTeamRequest`` (IAM API)."""

    name: str = Field(min_length=1)
    description: str | None = None
    memberIds: list[str] | None = None
    organizationRole: OrganizationRole | None = None


class UpdateTeam(_Payload):
    name: str = Field(min_length=1)
    description: str | None = None


class WorkspaceRoleBody(_Payload):
    workspaceId: str = Field(min_length=1)
    role: Literal["WORKSPACE_OWNER", "WORKSPACE_OPERATOR", "WORKSPACE_AUTHOR", "WORKSPACE_MEMBER",
                  "WORKSPACE_ACCESSOR"]


class DeploymentRoleBody(_Payload):
    deploymentId: str = Field(min_length=1)
    role: Literal["DEPLOYMENT_ADMIN"]


class UpdateTeamRoles(_Payload):
    """``UpdateTeamRolesRequest``: the Team's roles, whole (DAG roles are not emulated)."""

    organizationRole: OrganizationRole
    workspaceRoles: list[WorkspaceRoleBody] | None = None
    deploymentRoles: list[DeploymentRoleBody] | None = None


class AddTeamMembers(_Payload):
    memberIds: list[str] = Field(min_length=1)
