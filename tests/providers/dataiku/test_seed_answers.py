"""The writes the seed documents as ``204`` with no body but the official client parses as JSON
(datasets, managed datasets, managed folders, scenarios, recipe saves, plugin installs, project
deletes: reference/dataiku.md §A.7): the provider works with both answers. Each type whose
writes are among them runs its whole lifecycle against an emulator answering either way."""

from __future__ import annotations

import httpx
import pytest

from reconciler.providers.dataiku.provider import DATAIKU
from reconciler.providers.dataiku.sandbox import DataikuEmulator
from reconciler.providers.settings import resolve_settings
from reconciler.sandbox import Sandbox
from reconciler.testing import SANDBOX_BASE_URL, run_lifecycle

P = "SALES"


@pytest.fixture(params=[False, True], ids=["client-answers", "seed-answers"])
def world(request):
    sandbox = Sandbox(emulators={"dataiku": DataikuEmulator(seed_answers=request.param)})
    session = DATAIKU.connect(resolve_settings(DATAIKU, None, sandbox.env(SANDBOX_BASE_URL)), sandbox.transport())
    session.resource("dataiku_project").create({"key": P, "name": "Sales"})
    session.resource("dataiku_dataset").create({"project": P, "name": "orders", "type": "PostgreSQL",
                                                "params": {"connection": "dwh", "table": "orders"}})
    yield sandbox, session, request.param
    session.close()


def test_the_emulator_answers_as_asked(world):
    sandbox, _, seed = world
    with httpx.Client(transport=sandbox.transport(), base_url=f"{SANDBOX_BASE_URL}/dataiku/dip/publicapi",
                      auth=(sandbox.token, "")) as raw:
        answer = raw.post(f"/projects/{P}/scenarios/", json={"id": "S", "name": "S", "type": "step_based"})
    assert (answer.status_code, answer.content) == ((204, b"") if seed else (200, b'{"id":"S"}'))


@pytest.mark.parametrize("type_name, create, update", [
    pytest.param("dataiku_dataset", {"project": P, "name": "events", "type": "PostgreSQL",
                                     "params": {"connection": "dwh", "table": "events"}},
                 {"project": P, "name": "events", "type": "PostgreSQL",
                  "params": {"connection": "dwh", "table": "events2"}}, id="dataset"),
    pytest.param("dataiku_managed_dataset", {"project": P, "name": "clean", "connection": "filesystem_managed"},
                 {"project": P, "name": "clean", "connection": "filesystem_managed", "tags": ["x"]},
                 id="managed-dataset"),
    pytest.param("dataiku_managed_folder", {"project": P, "name": "models"},
                 {"project": P, "name": "models", "tags": ["ml"]}, id="managed-folder"),
    pytest.param("dataiku_scenario", {"project": P, "id": "NIGHTLY", "name": "Nightly"},
                 {"project": P, "id": "NIGHTLY", "name": "Nightly build"}, id="scenario"),
    pytest.param("dataiku_recipe", {"project": P, "name": "sync_orders", "type": "sync", "inputs": ["orders"],
                                    "outputs": ["out"]},
                 {"project": P, "name": "sync_orders", "type": "sync", "inputs": ["orders"], "outputs": ["out"],
                  "tags": ["sync"]}, id="recipe"),
    pytest.param("dataiku_plugin", {"id": "geocoder"}, {"id": "geocoder", "settings": {"k": "v"}}, id="plugin"),
    pytest.param("dataiku_project", {"key": "OTHER", "name": "Other"}, {"key": "OTHER", "name": "Other 2"},
                 id="project-delete"),
])
def test_lifecycle_with_either_answer(world, type_name, create, update):
    _, session, _ = world
    if type_name == "dataiku_recipe":
        session.resource("dataiku_managed_dataset").create({"project": P, "name": "out", "connection": "dwh"})
    run_lifecycle(session, type_name, create, update)


def test_a_folder_answered_without_its_id_is_found_by_name_and_duplicates_are_refused(world):
    _, session, seed = world
    rt = session.resource("dataiku_managed_folder")
    first_id, _ = rt.create({"project": P, "name": "models"})
    assert rt.read(first_id)["name"] == "models"
    if seed:
        from reconciler.errors import ProviderError

        with pytest.raises(ProviderError, match="2 folders have that name"):
            rt.create({"project": P, "name": "models"})
