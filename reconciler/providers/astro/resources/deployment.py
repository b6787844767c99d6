"""``astro_deployment``: an Astro Deployment (Airflow environment) and its configuration.

Id: the server's cuid. Natural key: (``workspace``, ``name``). Updates are full-body ``POST``s
built from the live document (``deployment_wire.update_body``), so settings the spec does not
manage survive. Moving to another Workspace is an in-place update (Astro allows it).

What cannot change in place:

- ``type``, ``cloud_provider``, ``region``, ``cluster_id``: create-only, a change plans a replace.
- ``astro_runtime_version``: Astro has no call that changes it; an *image deploy* built on a newer
  Runtime raises it. So: omitted -> the newest release from ``deployment-options`` at create
  (pinned in state); declared and equal -> nothing; declared and *higher* than live -> an update
  that changes nothing else, reported with a note (it arrives with your next image deploy);
  declared and *lower* than live -> ``blocked`` (the plan shows it, nothing is destroyed, apply
  leaves the deployment alone): Astro cannot downgrade, so raise the spec to the live version or
  replace the deployment on purpose (``--replace``).
- ``is_development_mode`` false -> true: Astro refuses it on an existing deployment, so it plans a
  replace (``replace_rule``); true -> false is an ordinary update.

Secrets: ``secret_environment_variables`` is ``sensitive``: sent to Astro, never read back
(Astro never returns secret values), never stored (state keeps a keyed hash, so rotating the
value in the specs plans an update). A secret deleted in the UI is not seen as a diff; its name
disappears from the ``secret_keys`` output, which drift reports as an unmanaged change.

Reads: ``list`` reads the organization's Deployments whole (one paged call), so refresh, lookups
by (``workspace``, ``name``) and export need one list for all of them. Export keeps those of the
Workspaces in scope; ``workspace`` becomes a reference to the exported (or managed) Workspace.
Secret values cannot be exported: the block is written without ``secret_environment_variables``
(add them; ``secret_keys`` names them), and a spec that leaves the map out sends the live secrets
back untouched.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Iterable, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from reconciler.errors import ProviderError
from reconciler.providers.astro.client import AstroClient
from reconciler.providers.astro.resources import deployment_wire as wire
from reconciler.providers.astro.resources._common import CRON_HELP, cron_problem, last_modified, utc_time, version_key
from reconciler.providers.base import Live, ResourceType, Spec
from reconciler.providers.common import or_none, text
from reconciler.providers.models import Model


class WorkerQueue(Model):
    """One worker queue (Celery executor, or Astro executor without remote execution)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, description="queue name; one must be 'default'")
    is_default: bool = Field(False, description="the default queue (exactly one, named 'default')")
    astro_machine: Literal["A5", "A10", "A20", "A40", "A60", "A120", "A160"] = Field(
        "A5", description="hosted: worker machine (not for HYBRID)")
    node_pool_id: str | None = Field(None, description="HYBRID only, required there: the cluster's node pool id")
    min_worker_count: int = Field(0, ge=0, description="workers always running")
    max_worker_count: int = Field(10, ge=1, description="workers at most")
    worker_concurrency: int = Field(5, ge=1, description="concurrent tasks per worker")


class HibernationSchedule(Model):
    """When a development Deployment hibernates and wakes (``DeploymentHibernationSchedule``)."""

    model_config = ConfigDict(extra="forbid")

    hibernate_at_cron: str = Field(description="5-part cron: when to hibernate, e.g. '0 19 * * MON-FRI'")
    wake_at_cron: str = Field(description="5-part cron: when to wake, e.g. '0 7 * * MON-FRI'")
    is_enabled: bool = Field(True, description="false: the schedule has no effect")
    description: str | None = Field(None, description="free text")

    @field_validator("hibernate_at_cron", "wake_at_cron")
    @classmethod
    def _cron(cls, value: str) -> str:
        problem = cron_problem(value)
        if problem:
            raise ValueError(f"invalid cron {value!r} ({problem}); expected {CRON_HELP}")
        return value


class HibernationOverride(Model):
    """Hibernate (or stay awake) regardless of the schedules, until a time or for good."""

    model_config = ConfigDict(extra="forbid")

    is_hibernating: bool = Field(description="true: hibernate now; false: stay awake")
    override_until: str | None = Field(None, description="RFC 3339 UTC time the override ends (none: until removed)")

    @field_validator("override_until")
    @classmethod
    def _time(cls, value: str | None) -> str | None:
        return None if value is None else utc_time(value)


class HibernationSpec(Model):
    model_config = ConfigDict(extra="forbid")

    schedules: list[HibernationSchedule] = Field(default_factory=list, description="hibernation schedules")
    override: HibernationOverride | None = Field(None, description="a manual override of the schedules")


class ScalingSpec(Model):
    """``scalingSpec``: hibernation of a development Deployment."""

    model_config = ConfigDict(extra="forbid")

    hibernation_spec: HibernationSpec = Field(default_factory=HibernationSpec, description="schedules and override")


class RemoteExecution(Model):
    """Remote Execution (ASTRO executor): tasks run on agents you host."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = Field(description="run tasks on remote agents")
    allowed_ip_address_ranges: list[str] = Field(default_factory=list, description="CIDRs agents connect from (a set)")
    task_log_bucket: str | None = Field(None, description="bucket the agents write task logs to")
    task_log_url_pattern: str | None = Field(None, description="URL pattern of a task's log")


class DeploymentSpec(Model):
    """An Astro Deployment (STANDARD on a shared cluster, or DEDICATED on your cluster)."""

    model_config = ConfigDict(extra="forbid")

    workspace: str = Field(min_length=1, description="Workspace id, usually ${astro_workspace.<name>.id}; a change moves it")
    name: str = Field(min_length=1, description="Deployment name, unique in its Workspace (the adoption key)")
    description: str | None = Field("", description="free text")
    type: Literal["STANDARD", "DEDICATED", "HYBRID"] = Field(
        "STANDARD", description="STANDARD, DEDICATED or HYBRID (changing it replaces)")
    astro_runtime_version: str | None = Field(
        None, description="Runtime to create with (default: newest); later raised by image deploys, never lowered")
    executor: Literal["ASTRO", "CELERY", "KUBERNETES"] = Field("ASTRO", description="Airflow executor")
    scheduler_size: Literal["SMALL", "MEDIUM", "LARGE", "EXTRA_LARGE"] = Field("SMALL", description="scheduler size")
    cloud_provider: Literal["AWS", "GCP", "AZURE"] | None = Field(None, description="STANDARD: cloud (replaces)")
    region: str | None = Field(None, description="STANDARD: cloud region, e.g. us-east-1 (replaces)")
    cluster_id: str | None = Field(None, description="DEDICATED, HYBRID: cluster id (replaces)")
    is_cicd_enforced: bool = Field(False, description="deploys only through CI/CD (API tokens)")
    is_dag_deploy_enabled: bool = Field(True, description="DAG-only deploys allowed (astro_deploy DAG_ONLY needs it)")
    is_high_availability: bool = Field(False, description="several scheduler replicas")
    is_development_mode: bool = Field(False, description="development features (hibernation); cannot be turned on later")
    contact_emails: list[str] = Field(default_factory=list, description="alert contacts (a set)")
    default_task_pod_cpu: str | None = Field(None, description="default task pod CPU (e.g. '0.25')")
    default_task_pod_memory: str | None = Field(None, description="default task pod memory (e.g. '0.5Gi')")
    resource_quota_cpu: str | None = Field(None, description="CPU quota for task pods (e.g. '10')")
    resource_quota_memory: str | None = Field(None, description="memory quota for task pods (e.g. '20Gi')")
    worker_queues: list[WorkerQueue] | None = Field(None, description="the complete set of queues, keyed by name")
    environment_variables: dict[str, str] = Field(default_factory=dict, description="plain env vars (authoritative)")
    secret_environment_variables: dict[str, str] = Field(
        default_factory=dict, description="secret env vars: write-only, never read back or stored (authoritative)")
    scaling_spec: ScalingSpec | None = Field(
        None, description="hosted, development mode only: hibernation schedules and override (unset: not managed)")
    remote_execution: RemoteExecution | None = Field(
        None, description="hosted, ASTRO executor only: Remote Execution (unset: not managed)")
    desired_workload_identity: str | None = Field(
        None, description="the identity task pods run as (an AWS role ARN, a GCP service account; unset: Astro's)")
    scheduler_au: int | None = Field(None, ge=5, le=24, description="HYBRID only: scheduler Astro Units (default 5)")
    scheduler_replicas: int | None = Field(None, ge=1, le=4, description="HYBRID only: scheduler replicas (default 1)")
    task_pod_node_pool_id: str | None = Field(None, description="HYBRID only: node pool of the task pods")

    @model_validator(mode="after")
    def _consistent(self) -> "DeploymentSpec":
        _check_kind(self)
        if self.type == "STANDARD" and self.cluster_id is None and (self.cloud_provider is None or self.region is None):
            raise ValueError("a STANDARD deployment needs cloud_provider and region (or cluster_id)")
        if self.type != "STANDARD" and self.cluster_id is None:
            raise ValueError(f"a {self.type} deployment needs cluster_id")
        both = sorted(set(self.environment_variables) & set(self.secret_environment_variables))
        if both:
            raise ValueError(f"env var(s) {', '.join(both)} are both plain and secret; keep each in one map")
        if self.worker_queues is not None:
            _check_queues(self.executor, self.worker_queues, self.remote_execution)
        hibernation = self.scaling_spec.hibernation_spec if self.scaling_spec else None
        if hibernation and (hibernation.schedules or hibernation.override) and not self.is_development_mode:
            raise ValueError("hibernation (scaling_spec) is available only for development deployments: set "
                             "is_development_mode: true (at creation) or remove scaling_spec")
        if self.remote_execution and self.remote_execution.enabled and self.executor != "ASTRO":
            raise ValueError(f"remote_execution needs the ASTRO executor (this deployment's is {self.executor})")
        return self


def _check_kind(spec: DeploymentSpec) -> None:
    """A hosted (STANDARD, DEDICATED) deployment refuses the HYBRID fields, and the reverse."""
    declared = spec.model_fields_set
    queues = spec.worker_queues or []
    if spec.type == "HYBRID":
        wrong = [f for f in wire.HOSTED_ONLY if f in declared and getattr(spec, f) is not None]
        wrong += [f"worker_queues[{q.name}].astro_machine" for q in queues if "astro_machine" in q.model_fields_set]
        if wrong:
            raise ValueError(f"{', '.join(wrong)} apply only to hosted (STANDARD, DEDICATED) deployments, not to "
                             f"HYBRID; a HYBRID deployment takes {', '.join(wire.HYBRID_ONLY)} and worker queues' "
                             "node_pool_id")
        if spec.executor not in ("CELERY", "KUBERNETES"):
            raise ValueError(f"a HYBRID deployment takes the CELERY or KUBERNETES executor, not {spec.executor}")
        missing = [q.name for q in queues if q.node_pool_id is None]
        if missing:
            raise ValueError(f"worker queue(s) {', '.join(missing)} of a HYBRID deployment need node_pool_id")
        return
    wrong = [f for f in wire.HYBRID_ONLY if getattr(spec, f) is not None]
    wrong += [f"worker_queues[{q.name}].node_pool_id" for q in queues if q.node_pool_id is not None]
    if wrong:
        raise ValueError(f"{', '.join(wrong)} apply only to HYBRID deployments, not to {spec.type} ones (type: HYBRID "
                         "with a hybrid cluster_id)")


def _check_queues(executor: str, queues: list[WorkerQueue], remote: RemoteExecution | None) -> None:
    """Astro's queue rules: none for KUBERNETES nor for ASTRO with Remote Execution; for CELERY and
    ASTRO, unique names and exactly one default queue, named ``default``
    (``UpdateStandardDeploymentRequest.worker_queues``)."""
    if executor == "KUBERNETES":
        if queues:
            raise ValueError("worker_queues do not apply to the KUBERNETES executor: remove them or set "
                             "worker_queues: []")
        return
    if remote is not None and remote.enabled:
        if queues:
            raise ValueError("worker_queues do not apply to a deployment with remote_execution enabled: remove them "
                             "or set worker_queues: []")
        return
    seen: set[str] = set()
    for queue in queues:
        if queue.name in seen:
            raise ValueError(f"worker queue names must be unique: {queue.name!r} is declared more than once")
        seen.add(queue.name)
    defaults = [q.name for q in queues if q.is_default]
    if defaults != ["default"]:
        raise ValueError(f"a {executor} deployment needs exactly one default worker queue, named 'default' "
                         "(is_default: true); leave worker_queues out to get Astro's default queue")


class Deployment(ResourceType):
    type_name: ClassVar[str] = "astro_deployment"
    spec_model: ClassVar[type[BaseModel]] = DeploymentSpec
    description: ClassVar[str] = "An Astro Deployment: executor, sizes, worker queues, env vars (secrets write-only)"
    natural_key: ClassVar[tuple[str, ...]] = ("workspace", "name")
    server_owned: ClassVar[frozenset[str]] = frozenset(
        {"id", "status", "status_reason", "namespace", "image_repository", "web_server_url", "airflow_version",
         "secret_keys", "workload_identity", "remote_api_url", "cluster_name", "external_ips", "oidc_issuer_url"})
    create_only: ClassVar[frozenset[str]] = frozenset({"type", "cloud_provider", "region", "cluster_id"})
    sensitive: ClassVar[frozenset[str]] = frozenset({"secret_environment_variables"})
    delete_note: ClassVar[str | None] = "deletes the Airflow environment with its DAG runs, logs and deploy history"
    ref_fields: ClassVar[Mapping[str, str]] = {"workspace": "astro_workspace"}
    settles_later: ClassVar[Mapping[str, str]] = {
        "astro_runtime_version": "Astro has no call that changes the Runtime: an image deploy built on it raises it"}

    client: AstroClient

    @classmethod
    def identity_of(cls, spec: Mapping[str, Any]) -> str | None:
        """The Deployment's name (unique in its Workspace; the Workspace id is not readable)."""
        name = spec.get("name")
        return name if isinstance(name, str) else None

    def read(self, object_id: str) -> Live | None:
        return or_none(lambda: wire.live_view(self.client.get_deployment(object_id)))

    def list(self, container: str | None) -> Iterable[tuple[str, Live]]:
        """The organization's Deployments (one paged list returns them whole)."""
        return [(doc["id"], wire.live_view(doc)) for doc in self.client.list_deployments()]

    def create(self, spec: Spec) -> tuple[str, Live]:
        want = DeploymentSpec.model_validate(spec).model_dump()
        runtime = want["astro_runtime_version"] or self._newest_runtime(want)
        doc = self.client.create_deployment(wire.create_body(want, runtime))
        return doc["id"], wire.live_view(doc)

    def update(self, object_id: str, live: Live, spec: Spec, changed: frozenset[str]) -> Live:
        full = DeploymentSpec.model_validate(spec).model_dump()
        spec = {k: full[k] for k in spec if k in full}  # declared fields, nested defaults filled
        current = self.client.get_deployment(object_id)
        want = spec.get("astro_runtime_version")
        have = current.get("astroRuntimeVersion")
        if want and have and version_key(want) > version_key(have):
            self.notify(f"Runtime {want} is not live yet ({have}): it arrives with an image deploy built on it")
        return wire.live_view(self.client.update_deployment(object_id, wire.update_body(current, spec)))

    def delete(self, object_id: str, *, attrs: Mapping[str, Any] | None = None) -> None:
        or_none(lambda: self.client.delete_deployment(object_id))

    def blocked(self, live: Live | None, desired: Mapping[str, Any]) -> str | None:
        if not live:
            return None
        want, have = desired.get("astro_runtime_version"), live.get("astro_runtime_version")
        if isinstance(want, str) and isinstance(have, str) and version_key(want) < version_key(have):
            return (f"Astro cannot downgrade Runtime in place (live {have}, specs {want}): set astro_runtime_version "
                    f"to {have} or later, or replace the deployment on purpose")
        return None

    def replace_rule(self, field: str, old: Any, new: Any) -> str | None:
        if field == "is_development_mode" and old is False and new is True:
            return ("Astro cannot turn development mode on for an existing deployment (false -> true replaces it; "
                    "true -> false is an update)")
        return super().replace_rule(field, old, new)

    def last_modified(self, live: Live) -> tuple[str | None, str | None] | None:
        return last_modified(live)

    def normalize(self, attrs: Mapping[str, Any]) -> dict[str, Any]:
        out = {k: v for k, v in attrs.items() if k not in wire.VOLATILE}
        if "description" in out:
            out["description"] = text(out["description"])
        if isinstance(out.get("contact_emails"), list):
            out["contact_emails"] = sorted(set(out["contact_emails"]))
        elif "contact_emails" in out and out["contact_emails"] is None:
            out["contact_emails"] = []
        if isinstance(out.get("worker_queues"), list):
            out["worker_queues"] = sorted((_queue(q) for q in out["worker_queues"]), key=lambda q: str(q.get("name")))
        for field in ("environment_variables", "secret_environment_variables"):
            if field in out and out[field] is None:
                out[field] = {}
        if isinstance(out.get("scaling_spec"), Mapping):
            out["scaling_spec"] = _scaling(out["scaling_spec"])
        if isinstance(out.get("remote_execution"), Mapping):
            remote = out["remote_execution"]
            out["remote_execution"] = {
                "enabled": bool(remote.get("enabled")),
                "allowed_ip_address_ranges": sorted(set(remote.get("allowed_ip_address_ranges") or [])),
                "task_log_bucket": remote.get("task_log_bucket") or None,
                "task_log_url_pattern": remote.get("task_log_url_pattern") or None}
        return out

    def export_view(self, live: Live) -> Live | None:
        """Leaves out what Astro fills in by itself: a STANDARD deployment's shared cluster, the
        default workload identity, an empty hibernation spec, a disabled Remote Execution."""
        out = dict(live)
        if out.get("type") == "STANDARD" and out.get("cloud_provider") and out.get("region"):
            out.pop("cluster_id", None)
        out.pop("desired_workload_identity", None)
        hibernation = (out.get("scaling_spec") or {}).get("hibernation_spec") or {}
        if not hibernation.get("schedules") and not hibernation.get("override"):
            out.pop("scaling_spec", None)
        if not (out.get("remote_execution") or {}).get("enabled"):
            out.pop("remote_execution", None)
        return out

    def _newest_runtime(self, want: Mapping[str, Any]) -> str:
        options = self.client.deployment_options(deploymentType=want["type"], executor=want["executor"],
                                                 cloudProvider=want.get("cloud_provider") or "")
        releases = [r.get("version") for r in options.get("runtimeReleases") or [] if isinstance(r, Mapping)]
        releases = [v for v in releases if isinstance(v, str)]
        if not releases:
            raise ProviderError("deployment-options lists no Runtime release; set astro_runtime_version")
        return max(releases, key=version_key)


def _scaling(scaling: Mapping[str, Any]) -> dict[str, Any]:
    """``scaling_spec`` with defaults filled, schedules as a set, the override's time in UTC."""
    hibernation = scaling.get("hibernation_spec") or {}
    schedules = [{"hibernate_at_cron": s.get("hibernate_at_cron"), "wake_at_cron": s.get("wake_at_cron"),
                  "is_enabled": s.get("is_enabled", True) is not False, "description": text(s.get("description"))}
                 for s in hibernation.get("schedules") or [] if isinstance(s, Mapping)]
    override = hibernation.get("override")
    if isinstance(override, Mapping):
        until = override.get("override_until")
        try:
            until = utc_time(until) if isinstance(until, str) else until
        except ValueError:
            pass
        override = {"is_hibernating": override.get("is_hibernating"), "override_until": until}
    return {"hibernation_spec": {"schedules": sorted(schedules, key=lambda s: tuple(map(str, s.values()))),
                                 "override": override or None}}


def _queue(queue: Any) -> Any:
    """A worker queue with every default filled (the spec may omit them; Astro returns them all)."""
    if not isinstance(queue, Mapping):
        return queue
    defaults = WorkerQueue.model_fields
    return {f: (queue.get(f) if queue.get(f) is not None else defaults[f].get_default()) for f in wire.QUEUE_KEYS}
