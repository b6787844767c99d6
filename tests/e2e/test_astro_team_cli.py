"""``astro_team`` end to end through the CLI, on top of the example ``specs/astro/``: plan ->
apply -> empty plan -> a role and a member changed over the raw IAM API (astro-platform-api has no
IAM calls) -> ``drift`` names them -> ``apply`` repairs them."""

from __future__ import annotations

import json

import httpx
import pytest

from reconciler.providers.astro.sandbox.seed import ORG_ID, USERS
from tests.conftest import TOKEN

ADA, GRACE, LINUS = sorted(USERS)
TEAMS = f"""\
resources:
  astro_team.data_platform:
    name: data-platform
    description: Owns the ELT
    member_ids: [{ADA}, {GRACE}]
    workspace_roles:
      - workspace: ${{astro_workspace.data_platform.id}}
        role: WORKSPACE_OPERATOR
    deployment_roles:
      - deployment: ${{astro_deployment.etl.id}}
"""


@pytest.fixture
def astro(make_project):
    proj = make_project("astro")
    proj.monkeypatch.chdir(proj.root)
    (proj.specs / "astro" / "teams.yaml").write_text(TEAMS)
    return proj


def test_plan_apply_drift_and_repair(astro):
    assert "astro_team.data_platform will be created" in astro.cli("plan").out
    applied = astro.cli("apply", "--auto-approve")
    assert applied.code == 0, applied.text
    assert astro.cli("plan", "--detailed-exitcode").code == 0
    team = json.loads(astro.cli("state", "show", "astro_team.data_platform").out)["id"]
    iam = f"{astro.base_url}/astro/iam/v1beta1/organizations/{ORG_ID}/teams/{team}"
    headers = {"Authorization": f"Bearer {TOKEN}"}
    live = httpx.get(iam, headers=headers).json()
    assert httpx.post(f"{iam}/roles", headers=headers, json={
        "organizationRole": "ORGANIZATION_MEMBER", "workspaceRoles": [
            {"workspaceId": r["workspaceId"], "role": "WORKSPACE_OWNER"} for r in live["workspaceRoles"]],
        "deploymentRoles": live["deploymentRoles"]}).status_code == 200
    assert httpx.post(f"{iam}/members", headers=headers, json={"memberIds": [LINUS]}).status_code == 204
    writes = astro.sandbox.write_count
    drift = astro.cli("drift")
    assert drift.code == 2, drift.text
    assert "astro_team.data_platform" in drift.out and "workspace_roles" in drift.out and "member_ids" in drift.out
    assert "WORKSPACE_OWNER" in drift.out
    assert astro.sandbox.write_count == writes, "drift must not write"
    repaired = astro.cli("apply", "--auto-approve")
    assert repaired.code == 0, repaired.text
    members = httpx.get(f"{iam}/members", headers=headers).json()["teamMembers"]
    assert sorted(m["userId"] for m in members) == [ADA, GRACE]
    assert astro.cli("drift").code == 0
    assert astro.cli("plan", "--detailed-exitcode").code == 0


def test_an_unknown_workspace_role_is_refused_with_file_line(astro):
    (astro.specs / "astro" / "teams.yaml").write_text(TEAMS.replace("WORKSPACE_OPERATOR", "WORKSPACE_ADMIN"))
    result = astro.cli("validate")
    assert result.code == 1 and "teams.yaml:" in result.text and "WORKSPACE_OWNER" in result.text
    assert "Traceback" not in result.text
