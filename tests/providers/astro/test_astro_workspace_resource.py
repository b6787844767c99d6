"""astro_workspace: lifecycle, adoption by name, read-modify-write update, normalization."""

from __future__ import annotations

import pytest

from reconciler.errors import ProviderError
from reconciler.providers.astro.resources.workspace import Workspace
from reconciler.reads import find_one
from reconciler.testing import run_lifecycle


def test_lifecycle(astro):
    report = run_lifecycle(astro.session, "astro_workspace",
                           {"name": "analytics", "description": "first"},
                           {"name": "analytics", "description": "second", "cicd_enforced_default": True})
    assert report.changed == {"description", "cicd_enforced_default"}
    assert report.updated["cicd_enforced_default"] is True


def test_lookup_adopts_by_name_and_refuses_ambiguity(astro):
    rt = astro.rt("astro_workspace")
    found = find_one(rt, {"name": "Data Platform"})
    assert found is not None and found[0] == "clw0000000000000000000002"
    assert find_one(rt, {"name": "nobody"}) is None
    astro.client.create_workspace({"name": "Data Platform"})
    with pytest.raises(ProviderError, match="2 astro_workspace objects have the key Data Platform"):
        find_one(rt, {"name": "Data Platform"})


def test_crash_recovery_finds_the_created_workspace(astro):
    """A create that landed but whose answer was lost is found by name, not created twice."""
    astro.client.create_workspace({"name": "analytics", "description": ""})
    found = find_one(astro.rt("astro_workspace"), {"name": "analytics"})
    assert found is not None
    assert [w["name"] for w in astro.client.list_workspaces(names=["analytics"])] == ["analytics"]


def test_update_keeps_undeclared_fields(astro):
    rt = astro.rt("astro_workspace")
    object_id, _ = rt.create({"name": "analytics", "description": "keep me", "cicd_enforced_default": True})
    live = rt.update(object_id, rt.read(object_id), {"name": "analytics2"}, frozenset({"name"}))
    assert (live["name"], live["description"], live["cicd_enforced_default"]) == ("analytics2", "keep me", True)


def test_delete_refused_while_it_holds_deployments(astro):
    with pytest.raises(ProviderError, match="still has Deployments"):
        astro.rt("astro_workspace").delete("clw0000000000000000000001")
    assert astro.rt("astro_workspace").read("clw0000000000000000000001") is not None


@pytest.mark.parametrize("attrs, expected", [
    pytest.param({"description": None}, {"description": ""}, id="null-description-is-empty"),
    pytest.param({"name": "a", "updated_at": "t", "updated_by": {"id": "u"}}, {"name": "a"}, id="drops-audit-noise"),
])
def test_normalize(attrs, expected):
    assert Workspace(None).normalize(attrs) == expected


def test_last_modified_names_the_subject(astro):
    live = astro.rt("astro_workspace").read("clw0000000000000000000001")
    assert astro.rt("astro_workspace").last_modified(live) == ("sandbox-token", "2026-01-05T10:00:00Z")
