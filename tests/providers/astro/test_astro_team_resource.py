"""``astro_team`` against the emulator's IAM API: lifecycle (members and roles), adoption by name,
the rules Astro enforces, and the answers' shapes. astro-platform-api has no IAM calls, so the
answers are checked over raw HTTP against the shapes of terraform-provider-astro's IAM client
(``internal/clients/iam``: ``Team``, ``TeamMembersPaginated``, ``SubjectRoles``)."""

from __future__ import annotations

import httpx
import pytest
from pydantic import ValidationError

from reconciler.providers.astro.resources.team import TeamSpec
from reconciler.providers.astro.sandbox import seed
from reconciler.reads import find_one
from reconciler.testing import run_lifecycle, run_unset_defaults

ADA, GRACE, LINUS = sorted(seed.USERS)
WS, DEP = seed.DEFAULT_WORKSPACE, seed.LEGACY_DEPLOYMENT
IAM = f"/astro/iam/v1beta1/organizations/{seed.ORG_ID}"
#: required keys and allowed keys of the IAM client's structs
TEAM = ({"createdAt", "id", "isIdpManaged", "name", "organizationId", "organizationRole", "updatedAt"},
        {"createdBy", "dagRoles", "deploymentRoles", "description", "rolesCount", "updatedBy", "workspaceRoles"})
MEMBER = ({"userId", "username"}, {"avatarUrl", "createdAt", "fullName"})
ROLES = (set(), {"dagRoles", "deploymentRoles", "organizationRole", "workspaceRoles"})


def test_lifecycle_with_members_and_roles(astro):
    create = {"name": "data-platform", "member_ids": [ADA, GRACE], "workspace_roles": [
        {"workspace": WS, "role": "WORKSPACE_MEMBER"}]}
    update = {"name": "data-platform", "description": "owns the ELT", "member_ids": [GRACE, LINUS],
              "organization_role": "ORGANIZATION_BILLING_ADMIN",
              "workspace_roles": [{"workspace": WS, "role": "WORKSPACE_OPERATOR"}],
              "deployment_roles": [{"deployment": DEP}]}
    report = run_lifecycle(astro.session, "astro_team", create, update)
    assert report.changed == {"description", "member_ids", "organization_role", "workspace_roles", "deployment_roles"}
    assert report.updated["member_ids"] == [GRACE, LINUS]
    run_unset_defaults(astro.session, "astro_team", {"name": "t2", "description": "d", "member_ids": [ADA],
                                                     "organization_role": "ORGANIZATION_OWNER"})


def test_found_by_name(astro):
    rt = astro.rt("astro_team")
    team_id, _ = rt.create({"name": "analysts"})
    assert find_one(rt, {"name": "analysts"})[0] == team_id and find_one(rt, {"name": "other"}) is None


def _keys(doc: dict, shape: tuple[set, set], where: str) -> None:
    required, optional = shape
    assert required <= set(doc), f"{where}: missing {required - set(doc)}"
    assert set(doc) <= required | optional, f"{where}: unknown {set(doc) - required - optional}"


def test_answers_follow_the_iam_shapes_and_rules(astro):
    with httpx.Client(transport=astro.sandbox.transport(), base_url="http://sandbox",
                      headers={"Authorization": "Bearer sandbox-token"}) as http:
        team = http.post(f"{IAM}/teams", json={"name": "t", "memberIds": [ADA]}).json()
        _keys(team, TEAM, "create")
        roles = http.post(f"{IAM}/teams/{team['id']}/roles", json={
            "organizationRole": "ORGANIZATION_MEMBER", "workspaceRoles": [{"workspaceId": WS, "role": "WORKSPACE_OWNER"}],
            "deploymentRoles": [{"deploymentId": DEP, "role": "DEPLOYMENT_ADMIN"}]}).json()
        _keys(roles, ROLES, "roles")
        _keys(http.get(f"{IAM}/teams/{team['id']}").json(), TEAM, "get")
        for t in http.get(f"{IAM}/teams").json()["teams"]:
            _keys(t, TEAM, "list")
        for m in http.get(f"{IAM}/teams/{team['id']}/members").json()["teamMembers"]:
            _keys(m, MEMBER, "members")
        assert http.post(f"{IAM}/teams/{team['id']}/members", json={"memberIds": [GRACE]}).status_code == 204
        assert http.delete(f"{IAM}/teams/{team['id']}/members/{ADA}").status_code == 204
        orphan = http.post(f"{IAM}/teams/{team['id']}/roles", json={
            "organizationRole": "ORGANIZATION_MEMBER", "deploymentRoles": [{"deploymentId": DEP, "role": "DEPLOYMENT_ADMIN"}]})
        assert orphan.status_code == 400 and "need a Workspace role" in orphan.json()["message"]
        stranger = http.post(f"{IAM}/teams", json={"name": "x", "memberIds": ["nobody"]})
        assert stranger.status_code == 400 and "not members of the Organization" in stranger.json()["message"]
        assert http.delete(f"{IAM}/teams/{team['id']}").status_code == 204
        assert http.get(f"{IAM}/teams/{team['id']}").status_code == 404


@pytest.mark.parametrize("spec, message", [
    pytest.param({"name": "t", "workspace_roles": [{"workspace": WS, "role": "WORKSPACE_MEMBER"},
                                                   {"workspace": WS, "role": "WORKSPACE_OWNER"}]},
                 "more than once", id="workspace-twice"),
    pytest.param({"name": "t", "organization_role": "ADMIN"}, "ORGANIZATION_OWNER", id="unknown-org-role"),
    pytest.param({"name": "t", "deployment_roles": [{"deployment": DEP, "role": "DEPLOYMENT_VIEWER"}]},
                 "DEPLOYMENT_ADMIN", id="unknown-deployment-role"),
])
def test_validation(spec, message):
    with pytest.raises(ValidationError, match=message):
        TeamSpec.model_validate(spec)
