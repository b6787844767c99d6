"""``lightdash_project_access``: who may open one project, and with which role.

One resource per project (its uuid is the id and the natural key) holding the complete set of
*explicit* grants: users by email and groups by name, each with a project role. Access a user
has through their organization role is not listed by the API and never touched. Both lists are
authoritative; a project with no explicit grant has no access list (``read`` is ``None``), so a
spec must grant something, and deleting the resource revokes every explicit grant.

    read    GET  /projects/{p}/access                 + GET /projects/{p}/groupAccesses
            (``list(project)``: the one object of that project, or nothing)
    users   POST /projects/{p}/access {email, role, sendEmail: false}; PATCH/DELETE .../access/{userUuid}
    groups  POST /groups/{g}/projects/{p} {role};      PATCH/DELETE the same path

Re-granting is idempotent here though not on the platform: an existing user grant answers 409
``AlreadyExistsError`` and an existing group grant 500 ``UnexpectedDatabaseError``; both are
turned into a role update (the grant may have appeared since the plan read the list). A write
answers nothing about the grants: create and update read both lists before writing and return
the grants as they leave them.
"""

from __future__ import annotations

from typing import Any, ClassVar, Iterable, Mapping

from pydantic import BaseModel, ConfigDict, Field, model_validator

from reconciler.errors import ApiError
from reconciler.providers.base import Live, ResourceType, Spec
from reconciler.providers.common import or_none
from reconciler.providers.lightdash.client import LightdashClient, error_name
from reconciler.providers.lightdash.resources._common import (
    ProjectGroupGrant,
    ProjectUserGrant,
    email_key,
    normalize_grants,
)
from reconciler.providers.models import Model


class ProjectAccessSpec(Model):
    """The explicit grants on one project."""

    model_config = ConfigDict(extra="forbid")

    project: str = Field(min_length=1, description="project uuid, e.g. ${lightdash_project.<name>.uuid}")
    users: list[ProjectUserGrant] = Field(default_factory=list, description="user grants: [{email, role}]")
    groups: list[ProjectGroupGrant] = Field(default_factory=list, description="group grants: [{group, role}]")

    @model_validator(mode="after")
    def _grants_something(self) -> "ProjectAccessSpec":
        if not self.users and not self.groups:
            raise ValueError("grant at least one user or group; to revoke every explicit grant, remove the "
                             "block (apply then deletes the grants it managed)")
        return self


class ProjectAccess(ResourceType):
    type_name: ClassVar[str] = "lightdash_project_access"
    spec_model: ClassVar[type[BaseModel]] = ProjectAccessSpec
    description: ClassVar[str] = "The explicit user and group grants on a project"
    natural_key: ClassVar[tuple[str, ...]] = ("project",)
    unique_key: ClassVar[str | None] = "a user has one access entry per Lightdash project"
    create_only: ClassVar[frozenset[str]] = frozenset({"project"})
    container: ClassVar[str | None] = "project"
    delete_note: ClassVar[str | None] = "revokes every explicit user and group grant on the project"

    client: LightdashClient

    def read(self, object_id: str) -> Live | None:
        users = or_none(lambda: self.client.project_access(object_id))
        groups = or_none(lambda: self.client.group_accesses(object_id)) if users is not None else None
        if not users and not groups:
            return None
        return self._live(object_id, self._users(users), self._groups(groups or []))

    def list(self, container: str | None) -> Iterable[tuple[str, Live]]:
        live = self.read(container) if container else None
        return [(container, live)] if live is not None else []

    def container_of(self, object_id: str) -> str | None:
        return object_id

    def create(self, spec: Spec) -> tuple[str, Live]:
        want = ProjectAccessSpec.model_validate(spec)
        return want.project, self._sync(want.project, spec, {"users", "groups"})

    def update(self, object_id: str, live: Live, spec: Spec, changed: frozenset[str]) -> Live:
        return self._sync(object_id, spec, set(changed) & {"users", "groups"})

    def delete(self, object_id: str, *, attrs: Mapping[str, Any] | None = None) -> None:
        for grant in or_none(lambda: self.client.project_access(object_id)) or []:
            or_none(lambda: self.client.revoke_user(object_id, grant["userUuid"]))
        for grant in or_none(lambda: self.client.group_accesses(object_id)) or []:
            or_none(lambda: self.client.revoke_group(grant["groupUuid"], object_id))

    @staticmethod
    def _live(project: str, users: list[dict[str, Any]], groups: list[dict[str, Any]]) -> Live:
        return {"id": project, "project": project, "users": normalize_grants(users, "email"),
                "groups": normalize_grants(groups, "group")}

    @staticmethod
    def _users(grants: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{"email": g["email"], "role": g["role"]} for g in grants]

    def _groups(self, grants: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{"group": self.client.group_name(g["groupUuid"]) or g["groupUuid"], "role": g["role"]} for g in grants]

    def normalize(self, attrs: Mapping[str, Any]) -> dict[str, Any]:
        out = dict(attrs)
        if "users" in out:
            out["users"] = normalize_grants(out["users"], "email")
        if "groups" in out:
            out["groups"] = normalize_grants(out["groups"], "group")
        return out

    # -- converging -------------------------------------------------------------------------------
    def _sync(self, project: str, spec: Spec, fields: set[str]) -> Live:
        """Bring the declared lists in line; the grants as they are afterwards. Both lists are read
        first (a project that does not exist is a ``NotFoundError`` before any write)."""
        users = self.client.project_access(project)
        groups = self.client.group_accesses(project)
        wanted_users = normalize_grants(spec.get("users") or [], "email")
        wanted_groups = normalize_grants(spec.get("groups") or [], "group")
        if "users" in fields:
            self._sync_users(project, users, wanted_users)
        if "groups" in fields:
            self._sync_groups(project, groups, wanted_groups)
        return self._live(project, wanted_users if "users" in fields else self._users(users),
                          wanted_groups if "groups" in fields else self._groups(groups))

    def _sync_users(self, project: str, grants: list[dict[str, Any]], wanted: list[dict[str, Any]]) -> None:
        current = {email_key(g["email"]): g for g in grants}
        for grant in wanted:
            have = current.pop(grant["email"], None)
            if have is None:
                try:
                    self.client.grant_user(project, grant["email"], grant["role"])
                except ApiError as exc:
                    if exc.status != 409 or error_name(exc) != "AlreadyExistsError":
                        raise
                    self.client.update_user_grant(project, self.client.user_uuid(grant["email"]), grant["role"])
            elif have["role"] != grant["role"]:
                self.client.update_user_grant(project, have["userUuid"], grant["role"])
        for extra in current.values():
            self.client.revoke_user(project, extra["userUuid"])

    def _sync_groups(self, project: str, grants: list[dict[str, Any]], wanted: list[dict[str, Any]]) -> None:
        current = {g["groupUuid"]: g for g in grants}
        for grant in wanted:
            group_uuid = self.client.group_uuid(grant["group"])
            have = current.pop(group_uuid, None)
            if have is None:
                try:
                    self.client.grant_group(group_uuid, project, grant["role"])
                except ApiError as exc:
                    if exc.status != 500 or error_name(exc) != "UnexpectedDatabaseError":
                        raise
                    if not any(g["groupUuid"] == group_uuid for g in self.client.group_accesses(project)):
                        raise
                    self.client.update_group_grant(group_uuid, project, grant["role"])
            elif have["role"] != grant["role"]:
                self.client.update_group_grant(group_uuid, project, grant["role"])
        for extra in current.values():
            self.client.revoke_group(extra["groupUuid"], project)
