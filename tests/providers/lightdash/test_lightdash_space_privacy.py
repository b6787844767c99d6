"""A space's privacy as Lightdash now models it, ``inheritParentPermissions`` (Inherited Access vs
Restricted Access), with the older ``isPrivate`` read where a server has nothing else: the pure
mapping, the lifecycle of a nested space that inherits, and the emulator's inheritance."""

from __future__ import annotations

import httpx
import pytest
from pydantic import ValidationError

from reconciler.providers.lightdash.resources.space import SpaceSpec, privacy
from reconciler.providers.lightdash.sandbox import seed
from reconciler.sandbox import Sandbox
from reconciler.testing import run_lifecycle
from tests.providers.lightdash.conftest import PROJECT


@pytest.mark.parametrize("inherit, private, expected", [
    pytest.param(True, None, (False, True), id="inherits"),
    pytest.param(False, True, (True, False), id="restricted-new-server"),
    pytest.param(None, True, (True, False), id="older-server-private"),
    pytest.param(None, False, (False, True), id="older-server-public"),
    pytest.param(True, True, (False, True), id="inherit-wins-over-effective-isPrivate"),
    pytest.param(None, None, (False, True), id="nothing"),
])
def test_privacy_mapping(inherit, private, expected):
    both = privacy(inherit, private)
    assert (both["private"], both["inherit_parent_permissions"]) == expected


@pytest.mark.parametrize("given, expected", [
    pytest.param({"private": True}, {"private": True}, id="private"),
    pytest.param({"inherit_parent_permissions": True}, {"inherit_parent_permissions": True}, id="inherit"),
    pytest.param({"private": None}, {"private": True}, id="default-restricted"),
    pytest.param({"private": None, "inherit_parent_permissions": True},
                 {"private": False, "inherit_parent_permissions": True}, id="one-implies-the-other"),
])
def test_normalize_keeps_the_declared_key(session, given, expected):
    assert session.resource("lightdash_space").normalize(given) == expected


def test_contradicting_privacy_is_refused():
    with pytest.raises(ValidationError, match="give one of them"):
        SpaceSpec.model_validate({"project": PROJECT, "name": "x", "private": True, "inherit_parent_permissions": True})


def test_lifecycle_of_a_nested_space_that_inherits(session):
    session.resource("lightdash_space").create({"project": PROJECT, "name": "Finance", "private": True})
    report = run_lifecycle(session, "lightdash_space",
                           {"project": PROJECT, "name": "Reports", "parent": "finance", "inherit_parent_permissions": True},
                           {"project": PROJECT, "name": "Reports", "parent": "finance", "inherit_parent_permissions": False})
    assert report.created["inherit_parent_permissions"] is True and report.created["private"] is False
    assert report.changed == {"inherit_parent_permissions"}


@pytest.fixture
def http():
    sb = Sandbox(token="t")
    with httpx.Client(transport=sb.transport(), base_url="http://sandbox/lightdash",
                      headers={"Authorization": "ApiKey t"}) as client:
        yield client


def _space(http, **body) -> dict:
    response = http.post(f"/api/v1/projects/{seed.PROJECT_UUID}/spaces", json=body)
    assert response.status_code == 200, response.text
    return response.json()["results"]


def test_emulator_nested_spaces_inherit_their_parents_privacy(http):
    restricted = _space(http, name="Finance", isPrivate=True)
    assert (restricted["inheritParentPermissions"], restricted["isPrivate"]) == (False, True)
    child = _space(http, name="Reports", parentSpaceUuid=restricted["uuid"])
    assert (child["inheritParentPermissions"], child["isPrivate"]) == (True, True), "inherits the restriction"
    public = _space(http, name="Everyone", inheritParentPermissions=True)
    assert public["isPrivate"] is False
    # moving the inheriting child under the public space makes it public; the parent's change follows
    moved = http.post(f"/api/v2/content/{seed.PROJECT_UUID}/move", json={
        "item": {"uuid": child["uuid"], "contentType": "space"},
        "action": {"type": "move", "targetSpaceUuid": public["uuid"]}})
    assert moved.status_code == 200
    url = f"/api/v1/projects/{seed.PROJECT_UUID}/spaces/{child['uuid']}"
    assert http.get(url).json()["results"]["isPrivate"] is False
    http.patch(f"/api/v1/projects/{seed.PROJECT_UUID}/spaces/{public['uuid']}",
               json={"name": "Everyone", "inheritParentPermissions": False})
    assert http.get(url).json()["results"]["isPrivate"] is True
    listed = {s["uuid"]: s for s in http.get(f"/api/v1/projects/{seed.PROJECT_UUID}/spaces").json()["results"]}
    assert listed[child["uuid"]]["inheritParentPermissions"] is True


def test_emulator_reads_the_older_is_private(http):
    space = _space(http, name="Old client", isPrivate=False)
    assert (space["inheritParentPermissions"], space["isPrivate"]) == (True, False)
    patched = http.patch(f"/api/v1/projects/{seed.PROJECT_UUID}/spaces/{space['uuid']}",
                         json={"name": "Old client", "isPrivate": True}).json()["results"]
    assert (patched["inheritParentPermissions"], patched["isPrivate"]) == (False, True)
