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

from pydantic import BaseModel, ConfigDict, Field, model_validator

from reconciler.errors import ProviderError
from reconciler.providers.astro.client import AstroClient
from reconciler.providers.astro.resources import deployment_wire as wire
from reconciler.providers.astro.resources._common import last_modified, version_key
from reconciler.providers.base import Live, ResourceType, Spec
from reconciler.providers.common import or_none, text
from reconciler.providers.models import Model


class WorkerQueue(Model):
    """One worker queue (Celery executor, or Astro executor without remote execution)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, description="queue name; one must be 'default'")
    is_default: bool = Field(False, description="the default queue (exactly one, named 'default')")
    astro_machine: Literal["A5", "A10", "A20", "A40", "A60", "A120", "A160"] = Field("A5", description="worker machine")
    min_worker_count: int = Field(0, ge=0, description="workers always running")
    max_worker_count: int = Field(10, ge=1, description="workers at most")
    worker_concurrency: int = Field(5, ge=1, description="concurrent tasks per worker")


class DeploymentSpec(Model):
    """An Astro Deployment (STANDARD on a shared cluster, or DEDICATED on your cluster)."""

    model_config = ConfigDict(extra="forbid")

    workspace: str = Field(min_length=1, description="Workspace id, usually ${astro_workspace.<name>.id}; a change moves it")
    name: str = Field(min_length=1, description="Deployment name, unique in its Workspace (the adoption key)")
    description: str | None = Field("", description="free text")
    type: Literal["STANDARD", "DEDICATED"] = Field("STANDARD", description="STANDARD or DEDICATED (changing it replaces)")
    astro_runtime_version: str | None = Field(
        None, description="Runtime to create with (default: newest); later raised by image deploys, never lowered")
    executor: Literal["ASTRO", "CELERY", "KUBERNETES"] = Field("ASTRO", description="Airflow executor")
    scheduler_size: Literal["SMALL", "MEDIUM", "LARGE", "EXTRA_LARGE"] = Field("SMALL", description="scheduler size")
    cloud_provider: Literal["AWS", "GCP", "AZURE"] | None = Field(None, description="STANDARD: cloud (replaces)")
    region: str | None = Field(None, description="STANDARD: cloud region, e.g. us-east-1 (replaces)")
    cluster_id: str | None = Field(None, description="DEDICATED: cluster id (replaces)")
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

    @model_validator(mode="after")
    def _consistent(self) -> "DeploymentSpec":
        if self.type == "STANDARD" and self.cluster_id is None and (self.cloud_provider is None or self.region is None):
            raise ValueError("a STANDARD deployment needs cloud_provider and region (or cluster_id)")
        if self.type == "DEDICATED" and self.cluster_id is None:
            raise ValueError("a DEDICATED deployment needs cluster_id")
        both = sorted(set(self.environment_variables) & set(self.secret_environment_variables))
        if both:
            raise ValueError(f"env var(s) {', '.join(both)} are both plain and secret; keep each in one map")
        if self.worker_queues is not None:
            _check_queues(self.executor, self.worker_queues)
        return self


def _check_queues(executor: str, queues: list[WorkerQueue]) -> None:
    """Astro's queue rules: none for KUBERNETES; for CELERY and ASTRO, unique names and exactly one
    default queue, named ``default`` (``UpdateStandardDeploymentRequest.worker_queues``)."""
    if executor == "KUBERNETES":
        if queues:
            raise ValueError("worker_queues do not apply to the KUBERNETES executor: remove them or set "
                             "worker_queues: []")
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
        {"id", "status", "namespace", "image_repository", "web_server_url", "airflow_version", "secret_keys"})
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
        return out

    def _newest_runtime(self, want: Mapping[str, Any]) -> str:
        options = self.client.deployment_options(deploymentType=want["type"], executor=want["executor"],
                                                 cloudProvider=want.get("cloud_provider") or "")
        releases = [r.get("version") for r in options.get("runtimeReleases") or [] if isinstance(r, Mapping)]
        releases = [v for v in releases if isinstance(v, str)]
        if not releases:
            raise ProviderError("deployment-options lists no Runtime release; set astro_runtime_version")
        return max(releases, key=version_key)


def _queue(queue: Any) -> Any:
    """A worker queue with every default filled (the spec may omit them; Astro returns them all)."""
    if not isinstance(queue, Mapping):
        return queue
    defaults = WorkerQueue.model_fields
    return {f: (queue.get(f) if queue.get(f) is not None else defaults[f].get_default()) for f in wire.QUEUE_KEYS}
