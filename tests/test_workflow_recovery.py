"""Recovery of an interrupted create through the whole workflow, on a stand-in platform.

With a natural key the object is found and adopted; without one, the plan stops and says what
to check, and `state rm` / `import` resolve it. The platform is in memory (a provider registry of
its own, not a mock of our client)."""

from __future__ import annotations

import itertools
from typing import ClassVar

import pytest
from pydantic import BaseModel, ConfigDict

from reconciler.addresses import Address
from reconciler.errors import PlanError
from reconciler.plan.model import Action
from reconciler.providers.base import ProviderSpec, ResourceType
from reconciler.state import JournalEntry
from reconciler.providers.models import PlatformSettings
from reconciler.workspace import Workspace


class Settings(PlatformSettings):
    url: str = "http://127.0.0.1:9"  # (never called: the platform is in memory)


class Note(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str


class Platform:
    def __init__(self):
        self.objects: dict[str, dict] = {}
        self.ids = (f"n{i}" for i in itertools.count(1))


class KeyedNote(ResourceType):
    type_name: ClassVar[str] = "mem_keyed"
    spec_model: ClassVar[type[BaseModel]] = Note
    natural_key: ClassVar[tuple[str, ...]] = ("title",)

    def read(self, object_id):
        obj = self.client.objects.get(object_id)
        return {"id": object_id, **obj} if obj else None

    def list(self, container):
        return [(oid, {"id": oid, **obj}) for oid, obj in self.client.objects.items()]

    def create(self, spec):
        oid = next(self.client.ids)
        self.client.objects[oid] = dict(spec)
        return oid, {"id": oid, **spec}

    def update(self, object_id, live, spec, changed):
        self.client.objects[object_id].update(spec)
        return self.read(object_id)

    def delete(self, object_id, *, attrs=None):
        self.client.objects.pop(object_id, None)


class BlindNote(KeyedNote):
    type_name: ClassVar[str] = "mem_blind"
    natural_key: ClassVar[tuple[str, ...]] = ()


@pytest.fixture
def setup(tmp_path):
    platform = Platform()
    spec = ProviderSpec("mem", Settings, {}, {"mem_keyed": KeyedNote, "mem_blind": BlindNote},
                        lambda http, settings: platform)
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "notes.yaml").write_text(
        "resources:\n  mem_keyed.a:\n    title: alpha\n  mem_blind.b:\n    title: beta\n")
    ws = Workspace(specs_path=str(tmp_path / "specs"), state_location=str(tmp_path / "state.json"),
                   env={}, registry={"mem": spec})
    return ws, platform


def _interrupt(ws: Workspace, platform: Platform, address: str, title: str) -> None:
    """What a SIGKILL right after the platform answered leaves: an intent, an object, no result."""
    store = ws.store()
    state = store.read()
    store.record(JournalEntry.intent("create", Address.parse(address), lineage=state.lineage, natural_key=title))
    platform.objects[next(platform.ids)] = {"title": title}


def test_interrupted_create_with_a_natural_key_is_adopted(setup):
    ws, platform = setup
    _interrupt(ws, platform, "mem_keyed.a", "alpha")
    plan = ws.plan(targets=[Address.parse("mem_keyed.a")])
    change = plan.change_for(Address.parse("mem_keyed.a"))
    assert change.importing and change.action is Action.NOOP
    assert any("interrupted" in n for n in change.notes)
    ws.apply(targets=[Address.parse("mem_keyed.a")])
    assert [o["title"] for o in platform.objects.values()].count("alpha") == 1
    assert ws.store().pending() == () or all(op.address != Address.parse("mem_keyed.a") for op in ws.store().pending())


def test_interrupted_create_without_a_natural_key_stops_and_says_what_to_check(setup):
    ws, platform = setup
    _interrupt(ws, platform, "mem_blind.b", "beta")
    with pytest.raises(PlanError) as err:
        ws.plan()
    assert "mem_blind.b" in str(err.value) and "reconciler import" in str(err.value)
    # the user checks the platform and imports what exists: no second object, ever
    ws.import_resource(Address.parse("mem_blind.b"), "n1")
    ws.apply()
    assert [o["title"] for o in platform.objects.values()].count("beta") == 1


def test_state_rm_clears_an_interrupted_intent_when_nothing_was_created(setup):
    ws, platform = setup
    store = ws.store()
    state = store.read()
    store.record(JournalEntry.intent("create", Address.parse("mem_blind.b"), lineage=state.lineage))
    with pytest.raises(PlanError):
        ws.plan()
    ws.state_rm([Address.parse("mem_blind.b")])
    ws.apply()
    assert sorted(o["title"] for o in platform.objects.values()) == ["alpha", "beta"]
