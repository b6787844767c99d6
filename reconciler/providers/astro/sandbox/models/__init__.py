"""The Astro world in memory: one organization, its workspaces, deployments, deploys and blobs.

One method per API operation (deployments and deploys live in the mixins of ``models.deployments``
and ``models.deploys``). Every method validates its whole input before
changing anything and raises ``errors.AstroError`` subclasses; it returns JSON-ready copies. No
HTTP here.

State is one JSON-ready dict (``snapshot``/``restore`` are deep copies):

    counters     per id kind: w(orkspace) d(eployment) v (deploy) q(ueue) b(lob) r(equest)
                 e (environment object) n (notification channel) a (alert) t (team)
    workspaces   {id: Workspace}
    deployments  {id: Deployment + "_secrets": {key: value}}   (keys starting with _ never leave)
    deploys      {id: Deploy + "_sig", "_pollsLeft", "_finalized"}
    blobs        {version id: {deploy, kind, sha256, size, members}}
    environment  {id: EnvironmentObject, secrets included (masked in every answer)}
    channels     {id: NotificationChannel}
    alerts       {id: Alert with "notificationChannelIds" (answers embed the channels)}
    teams        {id: Team + "_members": {user id: added at}}
    knobs        deploy_outcome DEPLOYED|FAILED, deploy_polls (GETs a finalized deploy stays
                 INITIALIZED; -1 = until settle_deploys()), report_bundle_type (answer BUNDLE
                 deploys with type "BUNDLE", which astro-platform-api 1.1.1 cannot parse)
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from typing import Any

from reconciler.providers.astro.sandbox.errors import BadRequest, NotFound
from reconciler.providers.astro.sandbox.models.alerting import AlertingMixin
from reconciler.providers.astro.sandbox.models.deployments import DeploymentsMixin
from reconciler.providers.astro.sandbox.models.deploys import DeploysMixin
from reconciler.providers.astro.sandbox.models.environment import EnvironmentMixin
from reconciler.providers.astro.sandbox.models.teams import TeamsMixin
from reconciler.providers.astro.sandbox.payloads import CreateWorkspace, UpdateWorkspace, parse, workspace_document
from reconciler.providers.astro.sandbox.seed import (
    DEFAULT_WORKSPACE,
    ORG_ID,
    PLATFORM_WORKSPACE,
    SEED_TIME,
    SUBJECT,
    deployment_options,
    organization,
)
from reconciler.sandbox.world import World

Doc = dict[str, Any]
DEFAULT_KNOBS = {"deploy_outcome": "DEPLOYED", "deploy_polls": 0, "report_bundle_type": False}
MAX_LIMIT = 1000


def public(doc: Mapping[str, Any]) -> Doc:
    """A copy without internal (``_``-prefixed) keys."""
    return {k: copy.deepcopy(v) for k, v in doc.items() if not k.startswith("_")}


class AstroWorld(DeploymentsMixin, DeploysMixin, EnvironmentMixin, AlertingMixin, TeamsMixin, World):
    """An in-memory Astro organization (``seed.ORG_ID``) with its seeded objects."""

    platform = "Astro"
    state_keys = ("counters", "workspaces", "deployments", "deploys", "blobs", "environment", "channels", "alerts",
                  "teams", "knobs")

    def __init__(self, seed: int = 0, clock: Callable[[], float] = time.time) -> None:
        self.seed = seed
        self._clock = clock
        self._s: Doc = {}
        self.reset()

    # -- lifecycle ------------------------------------------------------------------------------
    def reset(self) -> None:
        t = SEED_TIME
        self._s = {
            "counters": {"w": 2, "d": 1, "v": 1, "q": 1, "b": 1},
            "workspaces": {
                DEFAULT_WORKSPACE: workspace_document(DEFAULT_WORKSPACE, "Default Workspace", "", False, t),
                PLATFORM_WORKSPACE: workspace_document(PLATFORM_WORKSPACE, "Data Platform",
                                                       "Airflow for the data-platform team", True, t),
            },
            "deployments": {},
            "deploys": {},
            "blobs": {},
            "environment": {},
            "channels": {},
            "alerts": {},
            "teams": {},
            "knobs": dict(DEFAULT_KNOBS),
        }
        self._seed_legacy_deployment()

    def set_knobs(self, **knobs: Any) -> None:
        """Change the deploy behaviour (see the module docstring)."""
        unknown = sorted(set(knobs) - set(DEFAULT_KNOBS))
        if unknown:
            raise ValueError(f"unknown Astro knob(s) {unknown}; known: {sorted(DEFAULT_KNOBS)}")
        if knobs.get("deploy_outcome", "DEPLOYED") not in ("DEPLOYED", "FAILED"):
            raise ValueError("deploy_outcome must be DEPLOYED or FAILED")
        self._s["knobs"].update(knobs)

    # -- helpers --------------------------------------------------------------------------------
    def now(self) -> str:
        return datetime.fromtimestamp(self._clock(), timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")

    def new_id(self, kind: str) -> str:
        self._s["counters"][kind] = self._s["counters"].get(kind, 0) + 1
        return f"cl{kind}{self._s['counters'][kind]:022d}"

    @staticmethod
    def check_org(org: str) -> None:
        if org != ORG_ID:
            raise NotFound(f"Organization {org} not found")

    @staticmethod
    def page(items: list[Doc], key: str, offset: int, limit: int) -> Doc:
        if offset < 0:
            raise BadRequest("offset must be >= 0")
        if not 1 <= limit <= MAX_LIMIT:
            raise BadRequest(f"limit must be between 1 and {MAX_LIMIT}")
        return {key: items[offset:offset + limit], "offset": offset, "limit": limit, "totalCount": len(items)}

    @staticmethod
    def sort(items: list[Doc], sorts: list[str]) -> list[Doc]:
        """``sorts=name:asc`` etc. (last key applied first, so the first key wins); default createdAt."""
        out = sorted(items, key=lambda d: (d.get("createdAt") or "", d.get("id") or ""))
        for spec in reversed(sorts):
            field, _, direction = spec.partition(":")
            if field not in ("name", "createdAt", "updatedAt") or direction not in ("asc", "desc"):
                raise BadRequest(f"Invalid sort {spec!r}: expected name|createdAt|updatedAt:asc|desc")
            out.sort(key=lambda d: str(d.get(field) or ""), reverse=direction == "desc")
        return out

    # -- organizations --------------------------------------------------------------------------
    def list_organizations(self, offset: int, limit: int) -> Doc:
        return self.page([organization()], "organizations", offset, limit)

    def get_organization(self, org: str) -> Doc:
        self.check_org(org)
        return organization()

    def deployment_options(self, org: str) -> Doc:
        self.check_org(org)
        return deployment_options()

    # -- workspaces -----------------------------------------------------------------------------
    def _workspace(self, org: str, workspace_id: str) -> Doc:
        self.check_org(org)
        found = self._s["workspaces"].get(workspace_id)
        if found is None:
            raise NotFound(f"Workspace {workspace_id} not found")
        return found

    def list_workspaces(self, org: str, *, ids: list[str], names: list[str], sorts: list[str],
                        offset: int, limit: int) -> Doc:
        self.check_org(org)
        items = [w for w in self._s["workspaces"].values()
                 if (not ids or w["id"] in ids) and (not names or w["name"] in names)]
        return self.page([public(w) for w in self.sort(items, sorts)], "workspaces", offset, limit)

    def get_workspace(self, org: str, workspace_id: str) -> Doc:
        return public(self._workspace(org, workspace_id))

    def create_workspace(self, org: str, body: Any) -> Doc:
        self.check_org(org)
        req = parse(CreateWorkspace, body, "workspace")
        workspace_id = self.new_id("w")
        doc = workspace_document(workspace_id, req.name, req.description or "", bool(req.cicdEnforcedDefault),
                                 self.now())
        self._s["workspaces"][workspace_id] = doc
        return public(doc)

    def update_workspace(self, org: str, workspace_id: str, body: Any) -> Doc:
        doc = self._workspace(org, workspace_id)
        req = parse(UpdateWorkspace, body, "workspace update")
        doc.update({"name": req.name, "description": req.description, "cicdEnforcedDefault": req.cicdEnforcedDefault,
                    "updatedAt": self.now(), "updatedBy": dict(SUBJECT)})
        return public(doc)

    def delete_workspace(self, org: str, workspace_id: str) -> None:
        self._workspace(org, workspace_id)
        holding = sorted(d["name"] for d in self._s["deployments"].values() if d["workspaceId"] == workspace_id)
        if holding:
            raise BadRequest(f"Workspace {workspace_id} still has Deployments ({', '.join(holding)}); delete them first")
        del self._s["workspaces"][workspace_id]
        for object_id in [k for k, v in self._s["environment"].items() if v["scopeEntityId"] == workspace_id]:
            del self._s["environment"][object_id]
        self.forget_team_roles(workspace_id)
