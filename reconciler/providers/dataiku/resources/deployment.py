"""``dataiku_deployer_deployment``: a published project's bundle deployed on an infra.

Id (natural key), published project, infra and deployed project key are create-only. The
settings document (bundle, local variables, scenarios to activate, connection and code env
remappings...) is read-modify-written; saving settings does not deploy, so every create and
every update then runs the deployer's update action (``actions/update``, a DSS future) and waits
for it (progress through ``notify``); a failed node report or an ``ERROR`` health fails the
apply. Remappings are written as maps ``{source: target}`` (DSS keeps lists of pairs).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Iterable

from pydantic import BaseModel, ConfigDict, Field

from reconciler.errors import ApiError, NotFoundError, ProviderError
from reconciler.providers.base import CreatedButFailed, Live, Spec
from reconciler.providers.dataiku.resources._base import MODIFIED, DataikuResource, modified
from reconciler.providers.dataiku.resources._common import normalize_tags
from reconciler.providers.dataiku.resources._scope import instance_wide
from reconciler.providers.models import Model

ID_PATTERN = r"^[A-Za-z0-9_.-]+$"
KEY_PATTERN = r"^[A-Za-z0-9_]+$"
SETTINGS_FIELDS = ("bundle_id", "project_folder", "local_variables", "scenarios_to_activate",
                   "connection_remapping", "code_env_remapping", "disable_automatic_triggers", "tags")


class DeploymentSpec(Model):
    """A project deployment."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=ID_PATTERN, description="deployment id")
    published_project: str = Field(description="published project key, usually ${dataiku_deployer_project.<n>.key}")
    infra: str = Field(description="infra id, usually ${dataiku_deployer_infra.<n>.id}")
    bundle_id: str = Field(description="bundle to deploy (published in the project); a change redeploys")
    deployed_project_key: str | None = Field(None, pattern=KEY_PATTERN,
                                             description="project key on the automation node (default: the "
                                                         "published key); changing it replaces the deployment")
    project_folder: str | None = Field(None, description="folder id on the automation node; left alone when omitted")
    local_variables: dict[str, Any] | None = Field(None, description="local variables on the automation node "
                                                                     "(authoritative); left alone when omitted")
    scenarios_to_activate: dict[str, bool] | None = Field(None, description="{scenario id: active}")
    connection_remapping: dict[str, str] | None = Field(None, description="{design connection: automation "
                                                                          "connection}")
    code_env_remapping: dict[str, str] | None = Field(None, description="{design code env: automation code env}")
    disable_automatic_triggers: bool | None = Field(None, description="disable the project's triggers on deploy")
    tags: list[str] = Field(default_factory=list, description="tags (a set)")
    update_timeout: float = Field(1800.0, gt=0, description="seconds to wait for a deployment update")


def _pairs(value: Any) -> dict[str, Any]:
    """``[{source, target}]`` -> ``{source: target}``."""
    return {p.get("source"): p.get("target") for p in value or [] if isinstance(p, Mapping)}


class Deployment(DataikuResource):
    type_name: ClassVar[str] = "dataiku_deployer_deployment"
    spec_model: ClassVar[type[BaseModel]] = DeploymentSpec
    description: ClassVar[str] = "A deployment of a published project's bundle on an infra (waits for the update)"
    natural_key: ClassVar[tuple[str, ...]] = ("id",)
    server_owned: ClassVar[frozenset[str]] = frozenset()
    create_only: ClassVar[frozenset[str]] = frozenset({"id", "published_project", "infra", "deployed_project_key"})
    local_fields: ClassVar[frozenset[str]] = frozenset({"update_timeout", "health"})
    delete_note: ClassVar[str | None] = "the deployed project stays on the automation node"
    wait_note: ClassVar[str | None] = "waits for the deployer's update of the deployment (a DSS task)"
    ref_fields: ClassVar[Mapping[str, str]] = {"published_project": "dataiku_deployer_project.key",
                                               "infra": "dataiku_deployer_infra"}

    def read(self, object_id: str) -> Live | None:
        try:
            settings = self.client.get_deployment_settings(object_id)
            status = self.client.get_deployment_status(object_id)
        except NotFoundError:
            return None
        remapping = (settings.get("bundleContainerSettings") or {}).get("remapping") or {}
        return {
            "id": settings.get("id", object_id),
            "published_project": settings.get("publishedProjectKey"),
            "infra": settings.get("infraId"),
            "bundle_id": settings.get("bundleId"),
            "deployed_project_key": settings.get("deployedProjectKey"),
            "project_folder": settings.get("projectFolderId"),
            "local_variables": settings.get("localVariables") or {},
            "scenarios_to_activate": settings.get("scenariosToActivate") or {},
            "connection_remapping": _pairs(remapping.get("connections")),
            "code_env_remapping": _pairs(remapping.get("codeEnvs")),
            "disable_automatic_triggers": bool(settings.get("disableAutomaticTriggers", False)),
            "tags": normalize_tags(settings.get("tags")),
            "health": status.get("health"),
            MODIFIED: modified(settings.get("versionTag")),
        }

    def discover(self, scope: Mapping[str, str]) -> Iterable[tuple[str, Live]]:
        """Every deployment, unless ``scope`` limits the export to a project. The list holds light
        views (no settings, no health), so each deployment is read."""
        if not instance_wide(scope):
            return []
        ids = [(d.get("deploymentBasicInfo") or {}).get("id") for d in self.client.list_deployments()]
        return [(str(i), live) for i in ids if i for live in [self.read(str(i))] if live is not None]

    def find(self, spec: Spec) -> tuple[str, Live] | None:
        deployment_id = spec.get("id")
        live = self.read(deployment_id) if isinstance(deployment_id, str) else None
        return (deployment_id, live) if live is not None else None  # type: ignore[return-value]

    def create(self, spec: Spec) -> tuple[str, Live]:
        want = DeploymentSpec.model_validate(spec)
        body = {"deploymentId": want.id, "publishedProjectKey": want.published_project, "infraId": want.infra,
                "bundleId": want.bundle_id}
        if want.deployed_project_key:
            body["deployedProjectKey"] = want.deployed_project_key
        if want.project_folder:
            body["projectFolderId"] = want.project_folder
        self.client.create_deployment(body)
        try:
            self._save(want.id, spec, set(spec))
            self._deploy(want.id, want.update_timeout)
            live = self.read(want.id)
        except ProviderError as exc:
            raise CreatedButFailed(want.id, exc) from exc
        if live is None:
            raise CreatedButFailed(want.id, NotFoundError(f"deployment {want.id} vanished after create"))
        return want.id, live

    def update(self, object_id: str, live: Live, spec: Spec, changed: frozenset[str]) -> Live:
        want = DeploymentSpec.model_validate(spec)
        self._save(object_id, spec, set(changed) & set(spec))
        self._deploy(object_id, want.update_timeout)
        new = self.read(object_id)
        if new is None:
            raise NotFoundError(f"deployment {object_id} vanished during update")
        return new

    def delete(self, object_id: str, *, attrs: Mapping[str, Any] | None = None) -> None:
        try:
            self.client.delete_deployment(object_id)
        except NotFoundError:
            pass

    def normalize_fields(self, out: dict[str, Any]) -> dict[str, Any]:
        for f in ("local_variables", "scenarios_to_activate", "connection_remapping", "code_env_remapping"):
            if f in out and out[f] is None:
                out[f] = {}
        if "project_folder" in out and out["project_folder"] is None:
            out["project_folder"] = "ROOT"
        if "disable_automatic_triggers" in out and out["disable_automatic_triggers"] is None:
            out["disable_automatic_triggers"] = False
        if "tags" in out:
            out["tags"] = normalize_tags(out["tags"])
        return out

    # -- writes -------------------------------------------------------------------------------
    def _save(self, deployment_id: str, spec: Spec, fields: set[str]) -> None:
        wanted = [f for f in SETTINGS_FIELDS if f in fields and spec[f] is not None]
        if not wanted:
            return
        settings = self.client.get_deployment_settings(deployment_id)
        new = dict(settings)
        container = dict(settings.get("bundleContainerSettings") or {})
        remapping = dict(container.get("remapping") or {})
        keys = {"bundle_id": "bundleId", "project_folder": "projectFolderId", "local_variables": "localVariables",
                "scenarios_to_activate": "scenariosToActivate", "disable_automatic_triggers": "disableAutomaticTriggers"}
        for f in wanted:
            value = spec[f]
            if f in keys:
                new[keys[f]] = dict(value) if isinstance(value, Mapping) else value
            elif f == "tags":
                new["tags"] = normalize_tags(value)
            else:
                side = "connections" if f == "connection_remapping" else "codeEnvs"
                remapping[side] = [{"source": s, "target": t} for s, t in sorted(value.items())]
        if remapping != (container.get("remapping") or {}):
            new["bundleContainerSettings"] = {**container, "remapping": remapping}
        if new != settings:
            self.client.put_deployment_settings(deployment_id, new)

    def _deploy(self, deployment_id: str, timeout: float) -> None:
        """Run the deployer's update and wait; fail on a node report error or an ERROR health."""
        self.notify(f"updating deployment {deployment_id}")
        state = self.client.start_deployment_update(deployment_id)
        result = self.client.wait_future(state, what=f"updating deployment {deployment_id}", progress=self.notify,
                                         timeout=timeout)
        reports = result if isinstance(result, list) else [result] if isinstance(result, Mapping) else []
        for report in reports:
            inner = report.get("report", report) if isinstance(report, Mapping) else {}
            if isinstance(inner, Mapping) and (inner.get("error") or inner.get("fatal")):
                texts = [m.get("message", "") for m in inner.get("messages") or [] if isinstance(m, Mapping)]
                raise ApiError(f"deployment {deployment_id} update failed on {report.get('nodeId', 'the node')}: "
                               + ("; ".join(t for t in texts if t) or "see the update log in the deployer"))
        health = self.client.get_deployment_status(deployment_id).get("health")
        self.notify(f"deployment {deployment_id}: {health}")
        if health == "ERROR":
            raise ApiError(f"deployment {deployment_id} is unhealthy (ERROR) after its update")
