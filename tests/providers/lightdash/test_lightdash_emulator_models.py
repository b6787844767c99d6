"""The Lightdash world itself (no HTTP): what a deletion takes with it, content-as-code space
creation, ids, snapshots."""

from __future__ import annotations

import pytest

from reconciler.providers.lightdash.sandbox import seed
from reconciler.providers.lightdash.sandbox.errors import ForbiddenError, NotFoundError
from reconciler.providers.lightdash.sandbox.models import LightdashWorld

P = seed.PROJECT_UUID
BOB, CY = seed.USERS[1][0], seed.USERS[2][0]


@pytest.fixture
def world() -> LightdashWorld:
    return LightdashWorld(seed_value=7, clock=lambda: 1_736_154_000.0)


def test_ids_and_times_are_stable_for_a_seed():
    a, b = LightdashWorld(3, clock=lambda: 0.0), LightdashWorld(3, clock=lambda: 0.0)
    assert a.create_group({"name": "g"}) == b.create_group({"name": "g"})
    assert LightdashWorld(4).create_group({"name": "g"})["uuid"] != a.create_group({"name": "h"})["uuid"]
    assert a.now() == "1970-01-01T00:00:00.000Z"


def test_deleting_a_member_removes_them_everywhere(world):
    group = world.create_group({"name": "g", "members": [{"userUuid": BOB}]})
    world.grant_project_access(P, {"email": "bob@acme.io", "role": "editor", "sendEmail": False})
    space = world.create_space(P, {"name": "S", "access": [{"userUuid": BOB, "role": "viewer"}]})
    world.create_attribute({"name": "a", "attributeDefault": None, "users": [{"userUuid": BOB, "value": "x"}],
                            "groups": []})
    world.delete_member(BOB)
    assert world.group_members(group["uuid"]) == []
    assert world.project_access(P) == []
    assert BOB not in world._s["spaces"][space["uuid"]]["access"]
    assert world.list_attributes()[0]["users"] == []
    with pytest.raises(ForbiddenError):
        world.delete_member(seed.ADMIN_UUID)


def test_deleting_a_group_removes_its_grants_and_values(world):
    group = world.create_group({"name": "g"})["uuid"]
    world.add_group_project_access(group, P, {"role": "viewer"})
    world.share_space_with_group(P, seed.SHARED_SPACE_UUID, {"groupUuid": group, "spaceRole": "editor"})
    world.create_attribute({"name": "a", "attributeDefault": None, "users": [],
                            "groups": [{"groupUuid": group, "value": "x"}]})
    world.delete_group(group)
    assert world.project_group_accesses(P) == []
    assert world.get_space(P, seed.SHARED_SPACE_UUID)["groupsAccess"] == []
    assert world.list_attributes()[0]["groups"] == []
    with pytest.raises(NotFoundError, match="No group found"):
        world.get_group(group)


def test_content_as_code_creates_missing_spaces_copying_the_parents_direct_access(world):
    parent = world.create_space(P, {"name": "Finance", "access": [{"userUuid": BOB, "role": "editor"}]})
    space, created = world.get_or_create_space(P, "finance/q-reports/eu")
    assert [s["name"] for s in created] == ["Q reports", "Eu"]
    assert space["path"] == "finance.q_reports.eu" and space["isPrivate"] is True
    assert world._s["spaces"][created[0]["uuid"]]["access"] == world._s["spaces"][parent["uuid"]]["access"]
    again, none = world.get_or_create_space(P, "finance/q-reports/eu")
    assert again["uuid"] == space["uuid"] and none == []
    public, _ = world.get_or_create_space(P, "open", public_create=True)
    assert public["isPrivate"] is False and public["access"] == {}


def test_the_invite_of_a_pending_member_is_renewed_not_duplicated(world):
    first = world.create_invite({"email": "New@acme.io", "role": "viewer"}, "http://x")
    second = world.create_invite({"email": "new@acme.io", "role": "editor"}, "http://x")
    assert first["userUuid"] == second["userUuid"] and first["inviteCode"] != second["inviteCode"]
    assert world.get_member(first["userUuid"])["role"] == "editor"


def test_snapshot_restore_round_trips_and_refuses_other_data(world):
    world.create_group({"name": "g"})
    copy = world.snapshot()
    world.reset()
    world.restore(copy)
    assert [g["name"] for g in world.list_groups()["data"]] == ["g"]
    with pytest.raises(ValueError, match="not a snapshot of the Lightdash sandbox"):
        world.restore({"groups": {}})


def test_public_spaces_open_to_people_with_a_project_role_only(world):
    rows = {a["email"]: a for a in world.get_space(P, seed.SHARED_SPACE_UUID)["access"]}
    assert rows["cy@acme.io"]["role"] == "viewer" and rows["dan@acme.io"]["role"] == "editor"
    assert "erin@acme.io" not in rows  # organization role "member": no project access
    world.grant_project_access(P, {"email": "erin@acme.io", "role": "interactive_viewer", "sendEmail": False})
    rows = {a["email"]: a for a in world.get_space(P, seed.SHARED_SPACE_UUID)["access"]}
    assert rows["erin@acme.io"]["inheritedFrom"] == "project" and rows["erin@acme.io"]["role"] == "viewer"
