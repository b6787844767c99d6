"""A nested space that inherits its parent's access, through the CLI: the plan shows the
inheritance (``inherit_parent_permissions`` next to the parent path), the apply converges, and
a space restricted in the UI is drift on that field."""

from __future__ import annotations

import json

import httpx

from reconciler.providers.lightdash.sandbox import seed
from tests.conftest import TOKEN

P = seed.PROJECT_UUID
BLOCK = """
  lightdash_space.finance_archive:
    project: ${lightdash_project.jaffle.uuid}
    name: Archive
    parent: ${lightdash_space.finance.path}
    inherit_parent_permissions: true
"""


def test_an_inheriting_nested_space(make_project):
    project = make_project("lightdash")
    path = project.spec_path("lightdash/content.yaml")
    text = path.read_text()
    path.write_text(text.replace("\n  lightdash_chart.orders_by_status:", BLOCK + "\n  lightdash_chart.orders_by_status:"))
    plan = project.cli("plan")
    section = plan.out.split("lightdash_space.finance_archive will be created", 1)[1].split("\n\n", 1)[0]
    assert "inherit_parent_permissions = true" in section and "parent" in section, section
    assert project.cli("apply", "--auto-approve").code == 0
    assert project.cli("plan", "--detailed-exitcode").code == 0

    space_uuid = json.loads(project.cli("state", "show", "lightdash_space.finance_archive").out)["id"].split("/")[1]
    with httpx.Client(base_url=f"{project.base_url}/lightdash", headers={"Authorization": f"ApiKey {TOKEN}"}) as http:
        doc = http.get(f"/api/v1/projects/{P}/spaces/{space_uuid}").json()["results"]
        assert (doc["inheritParentPermissions"], doc["isPrivate"]) == (True, True)  # Finance is restricted
        http.patch(f"/api/v1/projects/{P}/spaces/{space_uuid}", json={"name": "Archive", "inheritParentPermissions": False})
    drift = project.cli("drift")
    assert drift.code == 2 and "inherit_parent_permissions" in drift.out, drift.text
    assert project.cli("apply", "--auto-approve").code == 0
    assert project.cli("drift").code == 0
