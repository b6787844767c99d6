"""``lightdash_project_settings``: the lifecycle harness (a singleton per project: no delete
steps), unset means default, the spec's rules, and the official client's
``update_scheduler_settings`` / ``update_project_metadata`` against the emulator."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from reconciler.providers.lightdash.resources.project_settings import ProjectSettingsSpec
from reconciler.sandbox import Sandbox, serve_in_thread
from reconciler.testing import run_lifecycle, run_unset_defaults
from tests.providers.lightdash.conftest import PROJECT

lightdash_client = pytest.importorskip("lightdash_client")
from lightdash_client import AuthenticatedClient  # noqa: E402
from lightdash_client.api.projects import get_project, update_project_metadata, update_scheduler_settings  # noqa: E402
from lightdash_client.models import UpdateMetadata, UpdateSchedulerSettings  # noqa: E402

UPSTREAM = "7d3e0f25-9a4b-4c8d-b2e3-f4a5b6c7d8e9"


@pytest.fixture
def upstream(world):
    """A second project of the organization (projects are created outside the tool)."""
    project = {**world._s["projects"][PROJECT], "projectUuid": UPSTREAM, "name": "Jaffle shop (prod)",
               "access": {}, "groupAccess": {}}
    world._s["projects"][UPSTREAM] = project
    return UPSTREAM


def test_lifecycle(session, upstream):
    report = run_lifecycle(session, "lightdash_project_settings", {"project": PROJECT, "scheduler_timezone": "UTC"},
                           {"project": PROJECT, "scheduler_timezone": "Europe/Paris", "upstream_project": upstream})
    assert report.changed == {"scheduler_timezone", "upstream_project"}
    assert report.steps[-1] == "compare after update"


def test_unset_means_default(session, upstream):
    run_unset_defaults(session, "lightdash_project_settings",
                       {"project": PROJECT, "scheduler_timezone": "Asia/Tokyo"})


@pytest.mark.parametrize("spec, message", [
    pytest.param({"project": PROJECT, "scheduler_timezone": "Moon/Tranquility"}, "not an IANA time zone", id="tz"),
    pytest.param({"project": PROJECT, "upstream_project": PROJECT}, "its own upstream", id="itself"),
])
def test_spec_rules(spec, message):
    with pytest.raises(ValidationError, match=message):
        ProjectSettingsSpec.model_validate(spec)


def test_official_client_changes_the_settings():
    sb = Sandbox(token="tok")
    world = sb.emulators["lightdash"].world
    world._s["projects"][UPSTREAM] = {**world._s["projects"][PROJECT], "projectUuid": UPSTREAM}
    server, base_url = serve_in_thread(sb)
    try:
        with AuthenticatedClient(base_url=base_url + "/lightdash", token="tok") as client:
            done = update_scheduler_settings.sync(PROJECT, client=client,
                                                  body=UpdateSchedulerSettings(scheduler_timezone="Europe/Oslo"))
            assert done is not None and done.status.value == "ok"
            assert update_project_metadata.sync(PROJECT, client=client,
                                                body=UpdateMetadata(upstream_project_uuid=UPSTREAM)) is not None
            project = json.loads(get_project.sync_detailed(PROJECT, client=client).content)["results"]
            assert (project["schedulerTimezone"], project["upstreamProjectUuid"]) == ("Europe/Oslo", UPSTREAM)
            refused = update_scheduler_settings.sync_detailed(PROJECT, client=client,
                                                              body=UpdateSchedulerSettings(scheduler_timezone="Nowhere"))
            assert refused.status_code == 400
            missing = update_project_metadata.sync_detailed(PROJECT, client=client,
                                                            body=UpdateMetadata(upstream_project_uuid="nope"))
            assert missing.status_code == 404
            cleared = update_project_metadata.sync_detailed(PROJECT, client=client,
                                                            body=UpdateMetadata(upstream_project_uuid=None))
            assert cleared.status_code == 200
            assert json.loads(get_project.sync_detailed(PROJECT, client=client).content)["results"][
                "upstreamProjectUuid"] is None
    finally:
        server.shutdown()
