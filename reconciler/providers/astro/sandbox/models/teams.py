"""Teams of the Astro world (IAM API, ``/iam/v1beta1``; a mixin of ``models.AstroWorld``).

Follows the IAM API as terraform-provider-astro's generated client (``internal/clients/iam``)
describes it: ``Team`` (roles inline), ``TeamMembersPaginated``, ``SubjectRoles`` from
``POST …/teams/{id}/roles``; adding and removing members answer 204. Rules beyond the request
models (inferred, each checked before anything changes): members are users of the Organization
(seeded: ``seed.USERS``); a Workspace or Deployment appears once in its role list; a Deployment
role needs a Workspace role in that Deployment's Workspace (terraform-provider-astro checks the
same before it calls the API); DAG roles and custom roles are not emulated. Deleting a Workspace
or a Deployment drops the roles on it.
"""

from __future__ import annotations

from typing import Any

from reconciler.providers.astro.sandbox.errors import BadRequest, NotFound
from reconciler.providers.astro.sandbox.payloads import AddTeamMembers, CreateTeam, UpdateTeam, UpdateTeamRoles, parse
from reconciler.providers.astro.sandbox.seed import ORG_ID, SUBJECT, USERS

Doc = dict[str, Any]


class TeamsMixin:
    _s: Doc

    def _team(self, org: str, team_id: str) -> Doc:
        self.check_org(org)  # type: ignore[attr-defined]
        found = self._s.setdefault("teams", {}).get(team_id)
        if found is None:
            raise NotFound(f"Team {team_id} not found")
        return found

    @staticmethod
    def _check_members(ids: list[str]) -> None:
        unknown = [u for u in ids if u not in USERS]
        if unknown:
            raise BadRequest(f"User(s) {', '.join(unknown)} are not members of the Organization")

    def _team_view(self, doc: Doc) -> Doc:
        out = {k: v for k, v in doc.items() if k != "_members"}
        out["rolesCount"] = 1 + len(doc["workspaceRoles"]) + len(doc["deploymentRoles"])
        return out

    def list_teams(self, org: str, names: list[str], offset: int, limit: int) -> Doc:
        self.check_org(org)  # type: ignore[attr-defined]
        items = [self._team_view(t) for t in self._s.setdefault("teams", {}).values() if not names or t["name"] in names]
        return self.page(items, "teams", offset, limit)  # type: ignore[attr-defined]

    def get_team(self, org: str, team_id: str) -> Doc:
        return self._team_view(self._team(org, team_id))

    def create_team(self, org: str, body: Any) -> Doc:
        self.check_org(org)  # type: ignore[attr-defined]
        req = parse(CreateTeam, body, "team").model_dump()
        members = list(dict.fromkeys(req.get("memberIds") or []))
        self._check_members(members)
        now = self.now()  # type: ignore[attr-defined]
        team_id = self.new_id("t")  # type: ignore[attr-defined]
        doc = {"id": team_id, "name": req["name"], "description": req.get("description") or "",
               "organizationId": ORG_ID, "organizationRole": req.get("organizationRole") or "ORGANIZATION_MEMBER",
               "isIdpManaged": False, "workspaceRoles": [], "deploymentRoles": [], "createdAt": now,
               "updatedAt": now, "createdBy": dict(SUBJECT), "updatedBy": dict(SUBJECT),
               "_members": {u: now for u in members}}
        self._s["teams"][team_id] = doc
        return self._team_view(doc)

    def update_team(self, org: str, team_id: str, body: Any) -> Doc:
        doc = self._team(org, team_id)
        req = parse(UpdateTeam, body, "team update").model_dump()
        doc.update({"name": req["name"], "description": req.get("description") or "", "updatedAt": self.now(),  # type: ignore[attr-defined]
                    "updatedBy": dict(SUBJECT)})
        return self._team_view(doc)

    def delete_team(self, org: str, team_id: str) -> None:
        self._team(org, team_id)
        del self._s["teams"][team_id]

    def update_team_roles(self, org: str, team_id: str, body: Any) -> Doc:
        doc = self._team(org, team_id)
        req = parse(UpdateTeamRoles, body, "team roles").model_dump()
        workspaces = req.get("workspaceRoles") or []
        deployments = req.get("deploymentRoles") or []
        for kind, roles, key, known in (("Workspace", workspaces, "workspaceId", self._s["workspaces"]),
                                        ("Deployment", deployments, "deploymentId", self._s["deployments"])):
            ids = [r[key] for r in roles]
            if len(set(ids)) != len(ids):
                raise BadRequest(f"{kind} roles name a {kind} more than once")
            unknown = [i for i in ids if i not in known]
            if unknown:
                raise BadRequest(f"{kind}(s) {', '.join(unknown)} not found in the Organization")
        with_role = {r["workspaceId"] for r in workspaces}
        orphans = [r["deploymentId"] for r in deployments
                   if self._s["deployments"][r["deploymentId"]]["workspaceId"] not in with_role]
        if orphans:
            raise BadRequest(f"Deployment role(s) on {', '.join(orphans)} need a Workspace role in the Deployment's "
                             "Workspace")
        doc.update({"organizationRole": req["organizationRole"], "workspaceRoles": workspaces,
                    "deploymentRoles": deployments, "updatedAt": self.now(), "updatedBy": dict(SUBJECT)})  # type: ignore[attr-defined]
        return {"organizationRole": doc["organizationRole"], "workspaceRoles": workspaces,
                "deploymentRoles": deployments}

    def list_team_members(self, org: str, team_id: str, offset: int, limit: int) -> Doc:
        doc = self._team(org, team_id)
        items = [{"userId": u, "username": USERS[u][0], "fullName": USERS[u][1], "createdAt": when}
                 for u, when in doc["_members"].items()]
        return self.page(items, "teamMembers", offset, limit)  # type: ignore[attr-defined]

    def add_team_members(self, org: str, team_id: str, body: Any) -> None:
        doc = self._team(org, team_id)
        req = parse(AddTeamMembers, body, "team members").model_dump()
        self._check_members(req["memberIds"])
        now = self.now()  # type: ignore[attr-defined]
        for user in req["memberIds"]:
            doc["_members"].setdefault(user, now)

    def remove_team_member(self, org: str, team_id: str, member_id: str) -> None:
        doc = self._team(org, team_id)
        if member_id not in doc["_members"]:
            raise NotFound(f"User {member_id} is not a member of Team {team_id}")
        del doc["_members"][member_id]

    def forget_team_roles(self, entity_id: str) -> None:
        """What deleting a Workspace or a Deployment does to Team roles on it."""
        for doc in self._s.setdefault("teams", {}).values():
            doc["workspaceRoles"] = [r for r in doc["workspaceRoles"] if r["workspaceId"] != entity_id]
            doc["deploymentRoles"] = [r for r in doc["deploymentRoles"] if r["deploymentId"] != entity_id]
