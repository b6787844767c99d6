"""``astro_team``: an Astro Team, its members and its roles in the Organization, its Workspaces and
their Deployments (the IAM API, ``/iam/v1beta1``, as terraform-provider-astro's IAM client
describes it; astro-platform-api has no IAM calls).

Id: the server's cuid. Natural key: ``name`` (Astro does not say Team names are unique: an
ambiguous match is refused by the engine). Nothing replaces: name and description are
``POST …/teams/{id}``; the roles are one ``POST …/teams/{id}/roles`` with all of them (the
Organization role, every Workspace role, every Deployment role); members are added
(``POST …/members``) and removed (``DELETE …/members/{userId}``) one difference at a time.

``member_ids``, ``workspace_roles`` and ``deployment_roles`` are sets (roles keyed by their
Workspace or Deployment). A Deployment role needs a Workspace role in that Deployment's Workspace
(``validate`` cannot know a Deployment's Workspace: Astro refuses it, and the apply fails with
Astro's message). DAG roles and custom roles are not managed.

Reads: a Team carries its roles; its members cost one more call per Team (``list`` reads every
Team, then the members of each, a few at a time).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Iterable, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from reconciler.providers.astro.client import AstroClient
from reconciler.providers.astro.resources._common import last_modified
from reconciler.providers.base import Live, ResourceType, Spec
from reconciler.providers.common import as_set, fan_out, or_none, text
from reconciler.providers.models import Model

OrganizationRole = Literal["ORGANIZATION_OWNER", "ORGANIZATION_BILLING_ADMIN", "ORGANIZATION_MEMBER",
                           "ORGANIZATION_OBSERVE_ADMIN", "ORGANIZATION_OBSERVE_MEMBER"]


class WorkspaceRole(Model):
    model_config = ConfigDict(extra="forbid")

    workspace: str = Field(min_length=1, description="Workspace id, usually ${astro_workspace.<name>.id}")
    role: Literal["WORKSPACE_OWNER", "WORKSPACE_OPERATOR", "WORKSPACE_AUTHOR", "WORKSPACE_MEMBER",
                  "WORKSPACE_ACCESSOR"] = Field(description="the Team's role in the Workspace")


class DeploymentRole(Model):
    model_config = ConfigDict(extra="forbid")

    deployment: str = Field(min_length=1, description="Deployment id, usually ${astro_deployment.<name>.id}")
    role: Literal["DEPLOYMENT_ADMIN"] = Field("DEPLOYMENT_ADMIN", description="the Team's role in the Deployment")


class TeamSpec(Model):
    """An Astro Team."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, description="Team name (the adoption key)")
    description: str = Field("", description="free text")
    member_ids: list[str] = Field(default_factory=list, description="user ids of the members (a set)")
    organization_role: OrganizationRole = Field("ORGANIZATION_MEMBER", description="the Team's Organization role")
    workspace_roles: list[WorkspaceRole] = Field(default_factory=list, description="roles in Workspaces (a set)")
    deployment_roles: list[DeploymentRole] = Field(
        default_factory=list, description="roles in Deployments (a set; each needs a role in its Workspace)")

    @model_validator(mode="after")
    def _unique(self) -> "TeamSpec":
        for what, ids in (("workspace", [r.workspace for r in self.workspace_roles]),
                          ("deployment", [r.deployment for r in self.deployment_roles])):
            twice = sorted({i for i in ids if isinstance(i, str) and ids.count(i) > 1})
            if twice:
                raise ValueError(f"{what}_roles name {', '.join(twice)} more than once: give each {what} one role")
        return self


def live_view(doc: Mapping[str, Any], members: list[Mapping[str, Any]]) -> Live:
    return {"id": doc["id"], "name": doc.get("name"), "description": text(doc.get("description")),
            "member_ids": sorted(m.get("userId") for m in members),
            "organization_role": doc.get("organizationRole"),
            "workspace_roles": [{"workspace": r.get("workspaceId"), "role": r.get("role")}
                                for r in doc.get("workspaceRoles") or []],
            "deployment_roles": [{"deployment": r.get("deploymentId"), "role": r.get("role")}
                                 for r in doc.get("deploymentRoles") or []],
            "is_idp_managed": bool(doc.get("isIdpManaged")),
            "updated_at": doc.get("updatedAt"), "updated_by": doc.get("updatedBy")}


def roles_body(spec: Mapping[str, Any]) -> dict[str, Any]:
    return {"organizationRole": spec["organization_role"],
            "workspaceRoles": [{"workspaceId": r["workspace"], "role": r["role"]} for r in spec["workspace_roles"]],
            "deploymentRoles": [{"deploymentId": r["deployment"], "role": r["role"]}
                                for r in spec["deployment_roles"]]}


class Team(ResourceType):
    type_name: ClassVar[str] = "astro_team"
    spec_model: ClassVar[type[BaseModel]] = TeamSpec
    description: ClassVar[str] = "An Astro Team: members and roles in the Organization, Workspaces and Deployments"
    natural_key: ClassVar[tuple[str, ...]] = ("name",)
    server_owned: ClassVar[frozenset[str]] = frozenset({"id", "is_idp_managed"})
    delete_note: ClassVar[str | None] = "its members lose the roles they had through the Team"

    client: AstroClient

    def _live(self, doc: Mapping[str, Any]) -> Live:
        return live_view(doc, self.client.list_team_members(doc["id"]))

    def read(self, object_id: str) -> Live | None:
        return or_none(lambda: self._live(self.client.get_team(object_id)))

    def list(self, container: str | None) -> Iterable[tuple[str, Live]]:
        teams = self.client.list_teams()
        return [(doc["id"], live) for doc, live in zip(teams, fan_out(self._live, teams))]

    def create(self, spec: Spec) -> tuple[str, Live]:
        want = TeamSpec.model_validate(spec).model_dump()
        doc = self.client.create_team({"name": want["name"], "description": want["description"],
                                       "memberIds": list(want["member_ids"]),
                                       "organizationRole": want["organization_role"]})
        if want["workspace_roles"] or want["deployment_roles"]:
            doc = {**doc, **self.client.update_team_roles(doc["id"], roles_body(want))}
        return doc["id"], self._live(doc)

    def update(self, object_id: str, live: Live, spec: Spec, changed: frozenset[str]) -> Live:
        want = TeamSpec.model_validate(spec).model_dump()
        doc = self.client.get_team(object_id)
        if {"name", "description"} & changed:
            doc = self.client.update_team(object_id, {"name": want["name"], "description": want["description"]})
        if {"organization_role", "workspace_roles", "deployment_roles"} & changed:
            doc = {**doc, **self.client.update_team_roles(object_id, roles_body(want))}
        if "member_ids" in changed:
            have = {m["userId"] for m in self.client.list_team_members(object_id)}
            wanted = set(want["member_ids"])
            if wanted - have:
                self.client.add_team_members(object_id, sorted(wanted - have))
            for user in sorted(have - wanted):
                or_none(lambda: self.client.remove_team_member(object_id, user))
        return self._live(doc)

    def delete(self, object_id: str, *, attrs: Mapping[str, Any] | None = None) -> None:
        or_none(lambda: self.client.delete_team(object_id))

    def last_modified(self, live: Live) -> tuple[str | None, str | None] | None:
        return last_modified(live)

    def normalize(self, attrs: Mapping[str, Any]) -> dict[str, Any]:
        out = {k: v for k, v in attrs.items() if k not in ("updated_at", "updated_by")}
        if "description" in out:
            out["description"] = text(out["description"])
        if "member_ids" in out:
            out["member_ids"] = as_set(out["member_ids"])
        for field, key, default in (("workspace_roles", "workspace", None),
                                    ("deployment_roles", "deployment", "DEPLOYMENT_ADMIN")):
            if isinstance(out.get(field), list):
                out[field] = sorted(({key: r.get(key), "role": r.get("role") or default}
                                     if isinstance(r, Mapping) else r for r in out[field]), key=repr)
        return out
