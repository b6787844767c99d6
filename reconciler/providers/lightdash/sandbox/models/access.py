"""Groups (with members) and project access (explicit user grants and group grants)."""

from __future__ import annotations

from typing import Any

from reconciler.providers.lightdash.sandbox import payloads as p
from reconciler.providers.lightdash.sandbox.errors import (
    AlreadyExistsError,
    NotExistsError,
    NotFoundError,
    ParameterError,
    UnexpectedDatabaseError,
)
from reconciler.providers.lightdash.sandbox.models.core import Doc, WorldBase


class AccessModels(WorldBase):
    """``/api/v1/org/groups``, ``/api/v1/groups/...``, ``/api/v1/projects/{p}/access`` and group grants."""

    # -- groups -----------------------------------------------------------------------------------
    def _group_doc(self, group: Doc, members: int | None = None, offset: int = 0) -> Doc:
        """``Group``; with ``members`` (a count) also ``members``/``memberUuids`` from ``offset``."""
        doc = {"uuid": group["uuid"], "name": group["name"], "organizationUuid": self._s["org"]["organizationUuid"],
               "createdAt": group["createdAt"], "createdByUserUuid": group["createdByUserUuid"],
               "updatedAt": group["updatedAt"], "updatedByUserUuid": group["updatedByUserUuid"]}
        if members is not None:
            chosen = group["members"][offset:offset + members]
            doc["members"] = [self._member(u) for u in chosen]
            doc["memberUuids"] = list(chosen)
        return doc

    def _member(self, user_uuid: str) -> Doc:
        user = self._s["users"][user_uuid]
        return {"userUuid": user_uuid, "email": user["email"], "firstName": user["firstName"],
                "lastName": user["lastName"]}

    def _member_uuids(self, refs: list[p.GroupMemberRef] | None) -> list[str]:
        uuids = list(dict.fromkeys(r.userUuid for r in refs or []))
        if any(u not in self._s["users"] for u in uuids):
            raise ParameterError("Some provided user UUIDs are invalid")
        return uuids

    def _check_group_name(self, name: str, exclude: str | None) -> str:
        name = name.strip()
        if not name:
            raise ParameterError("Group name can not be empty")
        if any(g["name"] == name and g["uuid"] != exclude for g in self._s["groups"].values()):
            raise AlreadyExistsError("Group name already exists")
        return name

    def list_groups(self, *, page: int | None = None, page_size: int | None = None,
                    include_members: int | None = None, search: str | None = None) -> Doc:
        rows = [self._group_doc(g, include_members) for g in self._s["groups"].values()
                if not search or search.lower() in g["name"].lower()]
        return self._paginate(rows, page, page_size)

    def create_group(self, body: Any) -> Doc:
        data = p.parse(p.CreateGroup, body)
        name = self._check_group_name(data.name, None)
        members = self._member_uuids(data.members)
        now, me = self.now(), self.caller["userUuid"]
        group = {"uuid": self.new_uuid(), "name": name, "createdAt": now, "createdByUserUuid": me,
                 "updatedAt": now, "updatedByUserUuid": me, "members": members}
        self._s["groups"][group["uuid"]] = group
        return self._group_doc(group, len(members))

    def get_group(self, group_uuid: str, include_members: int | None = None, offset: int = 0) -> Doc:
        return self._group_doc(self._group(group_uuid), include_members, offset)

    def update_group(self, group_uuid: str, body: Any) -> Doc:
        data = p.parse(p.UpdateGroupWithMembers, body)
        group = self._group(group_uuid)
        name = self._check_group_name(data.name, group_uuid) if data.name is not None else group["name"]
        members = self._member_uuids(data.members) if data.members is not None else group["members"]
        group.update(name=name, members=members, updatedAt=self.now(), updatedByUserUuid=self.caller["userUuid"])
        return self._group_doc(group, len(group["members"]))

    def delete_group(self, group_uuid: str) -> None:
        self._group(group_uuid)
        del self._s["groups"][group_uuid]
        for holder in list(self._s["projects"].values()) + list(self._s["spaces"].values()):
            holder["groupAccess"].pop(group_uuid, None)
        for attribute in self._s["attributes"].values():
            attribute["groups"] = [g for g in attribute["groups"] if g["groupUuid"] != group_uuid]

    def group_members(self, group_uuid: str) -> list[Doc]:
        return [self._member(u) for u in self._group(group_uuid)["members"]]

    def add_group_member(self, group_uuid: str, user_uuid: str) -> bool:
        """True if added (201), False if already a member (204)."""
        group = self._group(group_uuid)
        self._user(user_uuid)
        if user_uuid in group["members"]:
            return False
        group["members"].append(user_uuid)
        group.update(updatedAt=self.now(), updatedByUserUuid=self.caller["userUuid"])
        return True

    def remove_group_member(self, group_uuid: str, user_uuid: str) -> bool:
        """True if removed (200), False if it was not a member (204)."""
        group = self._group(group_uuid)
        if user_uuid not in group["members"]:
            return False
        group["members"].remove(user_uuid)
        group.update(updatedAt=self.now(), updatedByUserUuid=self.caller["userUuid"])
        return True

    # -- project user access ----------------------------------------------------------------------
    def _project_member(self, project_uuid: str, user_uuid: str, role: str) -> Doc:
        user = self._s["users"][user_uuid]
        return {"projectUuid": project_uuid, "userUuid": user_uuid, "email": user["email"],
                "firstName": user["firstName"], "lastName": user["lastName"], "role": role}

    def project_access(self, project_uuid: str) -> list[Doc]:
        access = self._project(project_uuid)["access"]
        return [self._project_member(project_uuid, u, r) for u, r in access.items()]

    def grant_project_access(self, project_uuid: str, body: Any) -> None:
        data = p.parse(p.CreateProjectMember, body)
        project = self._project(project_uuid)
        user = self._user_by_email(data.email)
        if user is None:
            raise NotExistsError(f"Can't find user with email {data.email} in the organization")
        if user["userUuid"] in project["access"]:
            raise AlreadyExistsError(f"This user email {data.email} already has access to this project")
        project["access"][user["userUuid"]] = data.role

    def project_member_access(self, project_uuid: str, user_uuid: str) -> Doc:
        access = self._project(project_uuid)["access"]
        if user_uuid not in access:
            raise NotFoundError("No project member found")
        return self._project_member(project_uuid, user_uuid, access[user_uuid])

    def update_project_access(self, project_uuid: str, user_uuid: str, body: Any) -> None:
        data = p.parse(p.UpdateProjectMember, body)
        access = self._project(project_uuid)["access"]
        if user_uuid not in access:
            raise NotFoundError("No project member found")
        access[user_uuid] = data.role

    def revoke_project_access(self, project_uuid: str, user_uuid: str) -> None:
        self._project(project_uuid)["access"].pop(user_uuid, None)

    # -- project group access ---------------------------------------------------------------------
    def project_group_accesses(self, project_uuid: str) -> list[Doc]:
        grants = self._project(project_uuid)["groupAccess"]
        return [{"projectUuid": project_uuid, "groupUuid": g, "role": r} for g, r in grants.items()]

    def add_group_project_access(self, group_uuid: str, project_uuid: str, body: Any) -> Doc:
        data = p.parse(p.ProjectGroupAccessRole, body)
        self._group(group_uuid)
        grants = self._project(project_uuid)["groupAccess"]
        if group_uuid in grants:
            raise UnexpectedDatabaseError("Failed to add project access")
        grants[group_uuid] = data.role
        return {"projectUuid": project_uuid, "groupUuid": group_uuid, "role": data.role}

    def update_group_project_access(self, group_uuid: str, project_uuid: str, body: Any) -> Doc:
        data = p.parse(p.ProjectGroupAccessRole, body)
        self._group(group_uuid)
        grants = self._project(project_uuid)["groupAccess"]
        if group_uuid not in grants:
            raise NotFoundError("Group access not found")
        grants[group_uuid] = data.role
        return {"projectUuid": project_uuid, "groupUuid": group_uuid, "role": data.role}

    def remove_group_project_access(self, group_uuid: str, project_uuid: str) -> bool:
        """True if removed (200), False if there was nothing to remove (204)."""
        self._group(group_uuid)
        return self._project(project_uuid)["groupAccess"].pop(group_uuid, None) is not None
