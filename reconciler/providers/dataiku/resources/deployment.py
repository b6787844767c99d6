"""``dataiku_deployer_deployment``: a published project's bundle deployed on an infra.

Id (natural key), published project, infra and deployed project key are create-only. The
settings document (bundle, local variables, scenarios to activate, connection and code env
remappings...) is read-modify-written; saving settings does not deploy, so every create and
every update then runs the deployer's update action (``actions/update``, a DSS future) and waits
for it (progress through ``notify``); a failed node report or an ``ERROR`` health fails the
apply. Remappings are written as maps ``{source: target}`` (DSS keeps lists of pairs).

The deployment list holds light views: ``list`` reads each deployment (settings and health). A
create or an update answers with the settings it wrote and the health its deploy ended with.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Iterable

from pydantic import BaseModel, ConfigDict, Field

from reconciler.errors import ApiError, ProviderError
from reconciler.providers.base import CreatedButFailed, Live, Spec
from reconciler.providers.common import as_set, fan_out, or_none
from reconciler.providers.dataiku.resources._base import MODIFIED, DataikuResource, modified
from reconciler.providers.models import Model

ID_PATTERN = r"^[A-Za-z0-9_.-]+$"
KEY_PATTERN = r"^[A-Za-z0-9_]+$"
SETTINGS_FIELDS = ("bundle_id", "project_folder", "local_variables", "scenarios_to_activate",
                   "connection_remapping", "code_env_remapping", "disable_automatic_triggers", "tags")
#: spec field -> settings key, for the fields written as they are
SETTINGS_KEYS = {"bundle_id": "bundleId", "project_folder": "projectFolderId", "local_variables": "localVariables",
                 "scenarios_to_activate": "scenariosToActivate", "disable_automatic_triggers": "disableAutomaticTriggers"}


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
    unique_key: ClassVar[str | None] = "a Dataiku deployer deployment id is unique"
    server_owned: ClassVar[frozenset[str]] = frozenset()
    create_only: ClassVar[frozenset[str]] = frozenset({"id", "published_project", "infra", "deployed_project_key"})
    local_fields: ClassVar[frozenset[str]] = frozenset({"update_timeout", "health"})
    delete_note: ClassVar[str | None] = "the deployed project stays on the automation node"
    wait_note: ClassVar[str | None] = "waits for the deployer's update of the deployment (a DSS task)"
    ref_fields: ClassVar[Mapping[str, str]] = {"published_project": "dataiku_deployer_project.key",
                                               "infra": "dataiku_deployer_infra"}

    def read(self, object_id: str) -> Live | None:
        settings = or_none(lambda: self.client.get_deployment_settings(object_id))
        status = or_none(lambda: self.client.get_deployment_status(object_id)) if settings is not None else None
        return _live(settings, status.get("health")) if status is not None else None

    def list(self, container: str | None) -> Iterable[tuple[str, Live]]:
        """Every deployment, read (the list holds light views)."""
        ids = [str(d["deploymentBasicInfo"]["id"]) for d in self.client.list_deployments()
               if (d.get("deploymentBasicInfo") or {}).get("id")]
        return [(live["id"], live) for live in fan_out(self.read, ids) if live is not None]

    def create(self, spec: Spec) -> tuple[str, Live]:
        want = DeploymentSpec.model_validate(spec)
        body = {"deploymentId": want.id, "publishedProjectKey": want.published_project, "infraId": want.infra,
                "bundleId": want.bundle_id}
        if want.deployed_project_key:
            body["deployedProjectKey"] = want.deployed_project_key
        if want.project_folder:
            body["projectFolderId"] = want.project_folder
        answer = self.client.create_deployment(body)
        try:
            settings = self._save(want.id, spec, set(spec), answer if "publishedProjectKey" in (answer or {}) else None)
            return want.id, _live(settings, self._deploy(want.id, want.update_timeout))
        except ProviderError as exc:
            raise CreatedButFailed(want.id, exc) from exc

    def update(self, object_id: str, live: Live, spec: Spec, changed: frozenset[str]) -> Live:
        want = DeploymentSpec.model_validate(spec)
        settings = self._save(object_id, spec, set(changed) & set(spec))
        return _live(settings, self._deploy(object_id, want.update_timeout))

    def delete(self, object_id: str, *, attrs: Mapping[str, Any] | None = None) -> None:
        or_none(lambda: self.client.delete_deployment(object_id))

    def normalize_fields(self, out: dict[str, Any]) -> dict[str, Any]:
        for f in ("local_variables", "scenarios_to_activate", "connection_remapping", "code_env_remapping"):
            if f in out and out[f] is None:
                out[f] = {}
        if "project_folder" in out and out["project_folder"] is None:
            out["project_folder"] = "ROOT"
        if "disable_automatic_triggers" in out and out["disable_automatic_triggers"] is None:
            out["disable_automatic_triggers"] = False
        if "tags" in out:
            out["tags"] = as_set(out["tags"])
        return out

    # -- writes -------------------------------------------------------------------------------
    def _save(self, deployment_id: str, spec: Spec, fields: set[str], settings: dict[str, Any] | None = None
              ) -> dict[str, Any]:
        """The settings (``settings`` when the caller has them, unless fields are written) with
        ``fields`` written, PUT only if changed; the settings as they are now."""
        wanted = [f for f in SETTINGS_FIELDS if f in fields and spec[f] is not None]
        if settings is not None and not wanted:
            return settings
        settings = self.client.get_deployment_settings(deployment_id)
        new = dict(settings)
        container = dict(settings.get("bundleContainerSettings") or {})
        remapping = dict(container.get("remapping") or {})
        for f in wanted:
            value = spec[f]
            if f in SETTINGS_KEYS:
                new[SETTINGS_KEYS[f]] = dict(value) if isinstance(value, Mapping) else value
            elif f == "tags":
                new["tags"] = as_set(value)
            else:
                side = "connections" if f == "connection_remapping" else "codeEnvs"
                remapping[side] = [{"source": s, "target": t} for s, t in sorted(value.items())]
        if remapping != (container.get("remapping") or {}):
            new["bundleContainerSettings"] = {**container, "remapping": remapping}
        if new != settings:
            self.client.put_deployment_settings(deployment_id, new)
        return new

    def _deploy(self, deployment_id: str, timeout: float) -> str | None:
        """Run the deployer's update and wait; fail on a node report error or an ERROR health.
        The health it ended with."""
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
        return health


def _live(settings: Mapping[str, Any], health: str | None) -> Live:
    remapping = (settings.get("bundleContainerSettings") or {}).get("remapping") or {}
    return {
        "id": settings.get("id"),
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
        "tags": as_set(settings.get("tags")),
        "health": health,
        MODIFIED: modified(settings.get("versionTag")),
    }
