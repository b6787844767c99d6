"""``apply --validate`` on Lightdash: after an apply that changed content, the project is
validated and broken charts and dashboards fail the run, named; without the flag nothing is
validated; an apply with nothing to change validates nothing."""

from __future__ import annotations

import httpx

from reconciler.providers.lightdash.sandbox import seed
from tests.conftest import TOKEN

P = seed.PROJECT_UUID


def ui(project) -> httpx.Client:
    return httpx.Client(base_url=f"{project.base_url}/lightdash", headers={"Authorization": f"ApiKey {TOKEN}"})


def test_validate_after_apply(make_project):
    project = make_project("lightdash")
    ok = project.cli("apply", "--auto-approve", "--validate")
    assert ok.code == 0, ok.text
    with ui(project) as http:
        assert http.get(f"/api/v1/projects/{P}/validate").json()["results"] == []

    # the chart now names a field the explore does not have: the apply succeeds, validation fails
    path = project.spec_path("lightdash/content.yaml")
    path.write_text(path.read_text().replace("dimensions: [orders_status]", "dimensions: [orders_state]"))
    broken = project.cli("apply", "--auto-approve", "--validate")
    assert broken.code == 1, broken.text
    assert "validation found 1 problem(s)" in broken.text
    assert "chart 'Orders by status'" in broken.text and "orders_state" in broken.text
    assert "Traceback" not in broken.text
    assert project.cli("plan", "--detailed-exitcode").code == 0, "the apply itself was recorded"


def test_no_validation_without_the_flag_or_without_changes(make_project):
    project = make_project("lightdash")
    assert project.cli("apply", "--auto-approve").code == 0
    again = project.cli("apply", "--auto-approve", "--validate")
    assert again.code == 0, again.text
    with ui(project) as http:
        assert http.get(f"/api/v1/projects/{P}/validate").json()["results"] == []
    assert project.sandbox.emulators["lightdash"].world._s["validations"] == {}


def test_a_validation_that_cannot_run_fails_the_run_after_recording_the_apply(make_project, monkeypatch):
    from reconciler.providers.lightdash.sandbox.errors import ForbiddenError

    def refused(project_uuid, body):  # as for a token whose user may not validate the project
        raise ForbiddenError("You don't have access to validate this project")

    project = make_project("lightdash")
    monkeypatch.setattr(project.sandbox.emulators["lightdash"].world, "validate_project", refused)
    result = project.cli("apply", "--auto-approve", "--validate")
    assert result.code == 1 and "the validation could not run" in result.text, result.text
    assert "You don't have access to validate" in result.text
    assert project.cli("plan", "--detailed-exitcode").code == 0, "the apply itself was recorded"


def test_providers_without_a_check_are_unaffected(make_project):
    project = make_project("astro")
    result = project.cli("apply", "--auto-approve", "--validate")
    assert result.code == 0, result.text
