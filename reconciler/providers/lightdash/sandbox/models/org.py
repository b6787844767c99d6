"""Organization-level models: the organization, allowed email domains, projects (read-only),
members and invites, and user attributes."""

from __future__ import annotations

from typing import Any

from reconciler.providers.lightdash.sandbox import payloads as p
from reconciler.providers.lightdash.sandbox import seed
from reconciler.providers.lightdash.sandbox.errors import (
    AlreadyExistsError,
    ForbiddenError,
    NotFoundError,
    ParameterError,
)
from reconciler.providers.lightdash.sandbox.models.core import Doc, WorldBase, copied

#: consumer email domains an organization may not auto-join by (inferred from Lightdash's check)
PUBLIC_EMAIL_DOMAINS = frozenset({"gmail.com", "googlemail.com", "yahoo.com", "hotmail.com", "outlook.com",
                                  "icloud.com", "aol.com", "proton.me", "protonmail.com"})
DEFAULT_CHART_COLORS = ["#5470c6", "#fc8452", "#91cc75", "#fac858", "#ee6666", "#73c0de", "#3ba272",
                        "#9a60b4", "#ea7ccc"]


class OrgModels(WorldBase):
    """``/api/v1/org``, ``/api/v1/org/users``, ``/api/v1/invite-links``, ``/api/v1/org/attributes``."""

    # -- health and the caller ------------------------------------------------------------------
    def health(self) -> Doc:
        return {"healthy": True, "mode": "default", "version": seed.API_VERSION, "localDbtEnabled": False,
                "isAuthenticated": True, "requiresOrgRegistration": False, "latest": {"version": seed.API_VERSION},
                "query": {"maxLimit": 5000, "defaultLimit": 500}}

    def current_user(self) -> Doc:
        me = self.caller
        org = self._s["org"]
        return {"userUuid": me["userUuid"], "email": me["email"], "firstName": me["firstName"],
                "lastName": me["lastName"], "organizationUuid": org["organizationUuid"],
                "organizationName": org["name"], "organizationCreatedAt": org["createdAt"],
                "isTrackingAnonymized": False, "isMarketingOptedIn": False, "isSetupComplete": True,
                "role": me["role"], "isActive": True, "isPending": False,
                "createdAt": me["createdAt"], "updatedAt": me["updatedAt"]}

    # -- organization ---------------------------------------------------------------------------
    def get_organization(self) -> Doc:
        org = self._s["org"]
        out = {"organizationUuid": org["organizationUuid"], "name": org["name"], "needsProject": False}
        if org["chartColors"] is not None:
            out["chartColors"] = list(org["chartColors"])
        if org["defaultProjectUuid"] is not None:
            out["defaultProjectUuid"] = org["defaultProjectUuid"]
        return out

    def update_organization(self, body: Any) -> None:
        data = p.parse(p.UpdateOrganization, body)
        if data.name is not None and not data.name.strip():
            raise ParameterError("Organization name cannot be empty")
        if data.defaultProjectUuid is not None:
            self._project(data.defaultProjectUuid)
        org = self._s["org"]
        if data.name is not None:
            org["name"] = data.name
        if "chartColors" in data.model_fields_set:
            org["chartColors"] = data.chartColors
        if "defaultProjectUuid" in data.model_fields_set:
            org["defaultProjectUuid"] = data.defaultProjectUuid

    def get_email_domains(self) -> Doc:
        return {"organizationUuid": self._s["org"]["organizationUuid"], **copied(self._s["emailDomains"])}

    def update_email_domains(self, body: Any) -> Doc:
        data = p.parse(p.UpdateAllowedEmailDomains, body)
        domains = [d.strip().lower() for d in data.emailDomains]
        bad = [d for d in domains if not d or "@" in d or "." not in d]
        if bad:
            raise ParameterError(f"Invalid email domain(s): {', '.join(bad)}")
        public = [d for d in domains if d in PUBLIC_EMAIL_DOMAINS]
        if public:
            raise ParameterError(f"Email domain(s) not allowed: {', '.join(public)}")
        for project in data.projects:
            self._project(project.projectUuid)
        self._s["emailDomains"] = {"emailDomains": domains, "role": data.role,
                                   "projects": [x.model_dump() for x in data.projects]}
        return self.get_email_domains()

    # -- projects (read-only here) --------------------------------------------------------------
    def list_projects(self) -> list[Doc]:
        return [{"projectUuid": x["projectUuid"], "name": x["name"], "type": x["type"],
                 "createdByUserUuid": x["createdByUserUuid"], "upstreamProjectUuid": x["upstreamProjectUuid"],
                 "warehouseType": x["warehouseType"], "requireUserCredentials": False}
                for x in self._s["projects"].values()]

    def get_project(self, project_uuid: str) -> Doc:
        x = self._project(project_uuid)
        return {"organizationUuid": self._s["org"]["organizationUuid"], "projectUuid": x["projectUuid"],
                "name": x["name"], "type": x["type"], "dbtVersion": x["dbtVersion"],
                "dbtConnection": {"type": "none"},
                "warehouseConnection": {"type": x["warehouseType"], "host": "warehouse.internal", "port": 5432,
                                        "dbname": "analytics", "schema": "jaffle", "requireUserCredentials": False},
                "upstreamProjectUuid": x["upstreamProjectUuid"], "pinnedListUuid": None,
                "schedulerTimezone": x["schedulerTimezone"], "createdByUserUuid": x["createdByUserUuid"]}

    def list_explores(self, project_uuid: str) -> list[Doc]:
        explores = self._project(project_uuid)["explores"]
        return [{"name": e["name"], "label": e["label"], "tags": e["tags"], "type": "default",
                 "databaseName": "analytics", "schemaName": "jaffle", "description": None}
                for e in explores.values()]

    def get_explore(self, project_uuid: str, explore: str) -> Doc:
        found = self._project(project_uuid)["explores"].get(explore)
        if found is None:
            raise NotFoundError(f"Explore \"{explore}\" does not exist.")
        return copied(found)

    # -- members ----------------------------------------------------------------------------------
    def _profile(self, user: Doc) -> Doc:
        return {"userUuid": user["userUuid"], "email": user["email"], "firstName": user["firstName"],
                "lastName": user["lastName"], "organizationUuid": self._s["org"]["organizationUuid"],
                "role": user["role"], "isActive": user["isActive"], "isPending": user["isPending"],
                "isInviteExpired": False, "userCreatedAt": user["createdAt"], "userUpdatedAt": user["updatedAt"]}

    def _can_view_project(self, user: Doc, project: Doc) -> bool:
        if user["role"] != "member" or user["userUuid"] in project["access"]:
            return True
        return any(user["userUuid"] in self._s["groups"][g]["members"] for g in project["groupAccess"])

    def list_members(self, *, page: int | None = None, page_size: int | None = None, search: str | None = None,
                     include_groups: int | None = None, project_uuid: str | None = None) -> Doc:
        project = self._project(project_uuid) if project_uuid else None
        rows = []
        for user in self._s["users"].values():
            text = f"{user['firstName']} {user['lastName']} {user['email']}".lower()
            if search and search.lower() not in text:
                continue
            if project is not None and not self._can_view_project(user, project):
                continue
            profile = self._profile(user)
            if include_groups is not None:
                groups = [{"uuid": g["uuid"], "name": g["name"]} for g in self._s["groups"].values()
                          if user["userUuid"] in g["members"]]
                profile["groups"] = groups[:include_groups]
            rows.append(profile)
        return self._paginate(rows, page, page_size)

    def get_member(self, user_uuid: str) -> Doc:
        return self._profile(self._user(user_uuid))

    def get_member_by_email(self, email: str) -> Doc:
        user = self._user_by_email(email)
        if user is None:
            raise NotFoundError(f"User with email {email} not found")
        return self._profile(user)

    def update_member(self, user_uuid: str, body: Any) -> Doc:
        data = p.parse(p.UpdateOrganizationMember, body)
        user = self._user(user_uuid)
        if user_uuid == self.caller["userUuid"]:
            raise ForbiddenError("You cannot change your own role")
        user["role"] = data.role
        user["updatedAt"] = self.now()
        return self._profile(user)

    def delete_member(self, user_uuid: str) -> None:
        self._user(user_uuid)
        if user_uuid == self.caller["userUuid"]:
            raise ForbiddenError("User can not delete themself")
        del self._s["users"][user_uuid]
        for group in self._s["groups"].values():
            if user_uuid in group["members"]:
                group["members"].remove(user_uuid)
        for holder in list(self._s["projects"].values()) + list(self._s["spaces"].values()):
            holder["access"].pop(user_uuid, None)
        for attribute in self._s["attributes"].values():
            attribute["users"] = [u for u in attribute["users"] if u["userUuid"] != user_uuid]
        self._s["invites"] = {k: v for k, v in self._s["invites"].items() if v["userUuid"] != user_uuid}

    def create_invite(self, body: Any, site_url: str) -> Doc:
        data = p.parse(p.CreateInviteLink, body, express=True)
        email = data.email.strip().lower()
        if "@" not in email or email.startswith("@") or email.endswith("@"):
            raise ParameterError(f"Invalid email: {data.email}")
        user = self._user_by_email(email)
        if user is not None and not user["isPending"]:
            raise ParameterError("Email is already used by a user in your organization")
        now = self.now()
        if user is None:
            user_uuid = self.new_uuid()
            user = {"userUuid": user_uuid, "email": email, "firstName": "", "lastName": "",
                    "role": data.role or "member", "isActive": True, "isPending": True,
                    "createdAt": now, "updatedAt": now}
            self._s["users"][user_uuid] = user
        elif data.role is not None:
            user["role"] = data.role
            user["updatedAt"] = now
        code = self.random_suffix(30)
        invite = {"inviteCode": code, "inviteUrl": f"{site_url}/invite/{code}",
                  "expiresAt": data.expiresAt or now, "email": email, "userUuid": user["userUuid"],
                  "organizationUuid": self._s["org"]["organizationUuid"], "purpose": "member"}
        self._s["invites"][code] = invite
        return copied(invite)

    # -- user attributes ------------------------------------------------------------------------
    def _attribute_doc(self, attribute: Doc) -> Doc:
        users = self._s["users"]
        return {"uuid": attribute["uuid"], "organizationUuid": self._s["org"]["organizationUuid"],
                "name": attribute["name"], "description": attribute["description"],
                "attributeDefault": attribute["attributeDefault"], "createdAt": attribute["createdAt"],
                "users": [{"userUuid": u["userUuid"], "email": users[u["userUuid"]]["email"], "value": u["value"]}
                          for u in attribute["users"] if u["userUuid"] in users],
                "groups": [dict(g) for g in attribute["groups"]]}

    def list_attributes(self) -> list[Doc]:
        return [self._attribute_doc(a) for a in self._s["attributes"].values()]

    def _check_attribute(self, data: p.CreateUserAttribute, exclude: str | None) -> None:
        if not data.name.strip():
            raise ParameterError("Attribute name cannot be empty")
        if any(a["name"] == data.name and a["uuid"] != exclude for a in self._s["attributes"].values()):
            raise AlreadyExistsError(f"Attribute with name {data.name} already exists")
        for entry in data.users:
            if entry.userUuid not in self._s["users"]:
                raise ParameterError(f"User {entry.userUuid} is not a member of the organization")
        for entry in data.groups:
            self._group(entry.groupUuid)

    def create_attribute(self, body: Any) -> Doc:
        data = p.parse(p.CreateUserAttribute, body)
        self._check_attribute(data, None)
        attribute = {"uuid": self.new_uuid(), "name": data.name, "description": data.description,
                     "attributeDefault": data.attributeDefault, "createdAt": self.now(),
                     "users": [u.model_dump() for u in data.users], "groups": [g.model_dump() for g in data.groups]}
        self._s["attributes"][attribute["uuid"]] = attribute
        return self._attribute_doc(attribute)

    def update_attribute(self, attribute_uuid: str, body: Any) -> Doc:
        data = p.parse(p.CreateUserAttribute, body)
        attribute = self._s["attributes"].get(attribute_uuid)
        if attribute is None:
            raise NotFoundError("User attribute not found")
        self._check_attribute(data, attribute_uuid)
        attribute.update(name=data.name, description=data.description, attributeDefault=data.attributeDefault,
                         users=[u.model_dump() for u in data.users], groups=[g.model_dump() for g in data.groups])
        return self._attribute_doc(attribute)

    def delete_attribute(self, attribute_uuid: str) -> None:
        if self._s["attributes"].pop(attribute_uuid, None) is None:
            raise NotFoundError("User attribute not found")
