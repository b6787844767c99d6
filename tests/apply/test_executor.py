"""The executor's ordering, failure isolation, journaling and state recording.

The platform here is an in-memory resource type (a stand-in platform, not a mock of our client):
it records the order of calls and fails on demand, so ordering rules can be asserted exactly.
"""

from __future__ import annotations

import json
import threading
from typing import ClassVar

import pytest
from pydantic import BaseModel, ConfigDict

from reconciler.addresses import Address
from reconciler.apply.executor import Executor
from reconciler.errors import ApiError
from reconciler.plan.model import Action, Change, DiffItem, Plan
from reconciler.providers.base import ResourceType
from reconciler.state import open_store
from reconciler.state.model import ResourceState, State


class Box(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    parent: str | None = None


class World:
    def __init__(self, fail_on: set[str] = frozenset()):
        self.objects: dict[str, dict] = {}
        self.calls: list[tuple[str, str]] = []
        self.fail_on = set(fail_on)
        self.lock = threading.Lock()
        self.counter = 0


class BoxType(ResourceType):
    type_name: ClassVar[str] = "test_box"
    spec_model: ClassVar[type[BaseModel]] = Box
    natural_key: ClassVar[tuple[str, ...]] = ("name",)

    def read(self, object_id):
        return dict(self.client.objects[object_id]) if object_id in self.client.objects else None

    def create(self, spec):
        w: World = self.client
        with w.lock:
            w.calls.append(("create", spec["name"]))
            if spec["name"] in w.fail_on:
                raise ApiError("boom", method="POST", url="http://x/boxes", status=500)
            if any(o["name"] == spec["name"] for o in w.objects.values()):
                raise ApiError("already exists", method="POST", url="http://x/boxes", status=409)
            w.counter += 1
            oid = f"b{w.counter}"
            w.objects[oid] = {"id": oid, **spec}
        return oid, dict(w.objects[oid])

    def list(self, container):
        return [(oid, dict(obj)) for oid, obj in self.client.objects.items()]

    def update(self, object_id, live, spec, changed):
        w: World = self.client
        with w.lock:
            w.calls.append(("update", spec["name"]))
            w.objects[object_id].update(spec)
            return dict(w.objects[object_id])

    def delete(self, object_id, *, attrs=None):
        w: World = self.client
        with w.lock:
            name = w.objects.get(object_id, {}).get("name", object_id)
            w.calls.append(("delete", name))
            if name in w.fail_on:
                raise ApiError("cannot delete", method="DELETE", url="http://x/boxes", status=409)
            w.objects.pop(object_id, None)


def addr(name: str) -> Address:
    return Address("test_box", name)


def create(name: str, parent: str | None = None) -> Change:
    config = {"name": name}
    deps = ()
    if parent:
        config["parent"] = "${test_box.%s.id}" % parent
        deps = (addr(parent),)
    return Change(addr(name), Action.CREATE, "new", after=dict(config), config=config, managed=tuple(config),
                  depends_on=deps)


def run(plan_changes, world, tmp_path, state=None, parallelism=4):
    store = open_store(tmp_path / "state.json")
    state = state or State.empty()
    plan = Plan(changes=tuple(plan_changes), state_lineage=state.lineage, state_serial=state.serial)
    ex = Executor(plan, state, store, lambda a: BoxType(world), parallelism=parallelism)
    new_state, ledger = ex.run()
    return store, new_state, {str(e.address): e for e in ledger}


def test_creates_follow_dependencies_and_resolve_references(tmp_path):
    world = World()
    store, state, ledger = run([create("child", "root"), create("root"), create("grandchild", "child")], world,
                               tmp_path)
    assert [c for c in world.calls] == [("create", "root"), ("create", "child"), ("create", "grandchild")]
    by_name = {o["name"]: o for o in world.objects.values()}
    assert by_name["child"]["parent"] == by_name["root"]["id"]
    assert by_name["grandchild"]["parent"] == by_name["child"]["id"]
    assert {e.outcome for e in ledger.values()} == {"applied"}
    assert set(map(str, state.resources)) == {"test_box.root", "test_box.child", "test_box.grandchild"}
    assert state.serial == 1
    on_disk = json.loads((tmp_path / "state.json").read_text())
    assert [r["address"] for r in on_disk["resources"]] == sorted(r["address"] for r in on_disk["resources"])


def test_failure_skips_dependents_and_lets_independent_branches_finish(tmp_path):
    world = World(fail_on={"root"})
    _, state, ledger = run([create("root"), create("child", "root"), create("grandchild", "child"),
                            create("other")], world, tmp_path)
    assert ledger["test_box.root"].outcome == "failed"
    assert "boom" in ledger["test_box.root"].detail
    assert ledger["test_box.child"].outcome == "skipped"
    assert ledger["test_box.grandchild"].outcome == "skipped"
    assert ledger["test_box.other"].outcome == "applied"
    assert set(map(str, state.resources)) == {"test_box.other"}


def _managed(world: World, name: str, deps=()) -> ResourceState:
    world.counter += 1
    oid = f"b{world.counter}"
    world.objects[oid] = {"id": oid, "name": name}
    return ResourceState(addr(name), oid, attrs={"name": name}, outputs={"id": oid}, dependencies=tuple(deps))


def test_deletes_run_in_reverse_dependency_order(tmp_path):
    world = World()
    root = _managed(world, "root")
    child = _managed(world, "child", [addr("root")])
    leaf = _managed(world, "leaf", [addr("child")])
    state = State("lin", 4, {r.address: r for r in (root, child, leaf)})
    changes = [Change(r.address, Action.DELETE, "gone", object_id=r.object_id, depends_on=r.dependencies)
               for r in (root, child, leaf)]
    _, new_state, ledger = run(changes, world, tmp_path, state=state)
    assert world.calls == [("delete", "leaf"), ("delete", "child"), ("delete", "root")]
    assert new_state.resources == {}


def test_failed_delete_keeps_the_resource_and_protects_its_dependencies(tmp_path):
    world = World(fail_on={"child"})
    root = _managed(world, "root")
    child = _managed(world, "child", [addr("root")])
    state = State("lin", 4, {r.address: r for r in (root, child)})
    changes = [Change(r.address, Action.DELETE, "gone", object_id=r.object_id, depends_on=r.dependencies)
               for r in (root, child)]
    _, new_state, ledger = run(changes, world, tmp_path, state=state)
    assert ledger["test_box.child"].outcome == "failed"
    assert ledger["test_box.root"].outcome == "skipped"
    assert set(map(str, new_state.resources)) == {"test_box.child", "test_box.root"}


def test_replace_deletes_then_creates(tmp_path):
    world = World()
    old = _managed(world, "box")
    state = State("lin", 2, {old.address: old})
    change = Change(addr("box"), Action.REPLACE, "forced", before={"name": "box"}, after={"name": "box"},
                    diff=(DiffItem("change", ("name",), "x", "box"),), object_id=old.object_id,
                    config={"name": "box"}, managed=("name",), replace_fields=("name",))
    _, new_state, ledger = run([change], world, tmp_path, state=state)
    assert world.calls == [("delete", "box"), ("create", "box")]
    assert new_state.resources[addr("box")].object_id != old.object_id
    assert ledger["test_box.box"].outcome == "applied"


def test_every_create_is_journaled_as_intent_then_result(tmp_path):
    world = World()
    store = open_store(tmp_path / "state.json")
    state = State.empty()
    plan = Plan(changes=(create("a"),), state_lineage=state.lineage)
    seen = []

    class Spy(BoxType):
        def create(self, spec):
            journal = (tmp_path / "state.json.journal").read_text().splitlines()
            seen.append([json.loads(line).get("op") for line in journal if '"op"' in line])
            return super().create(spec)

    Executor(plan, state, store, lambda a: Spy(world)).run()
    assert seen == [["intent"]]


@pytest.mark.parametrize("parallelism", [1, 4])
def test_parallelism_bounds_concurrency(tmp_path, parallelism):
    world = World()
    in_flight = []
    current = [0]
    lock = threading.Lock()

    class Slow(BoxType):
        def create(self, spec):
            import time
            with lock:
                current[0] += 1
                in_flight.append(current[0])
            time.sleep(0.01)
            try:
                return super().create(spec)
            finally:
                with lock:
                    current[0] -= 1

    store = open_store(tmp_path / "state.json")
    state = State.empty()
    plan = Plan(changes=tuple(create(f"n{i}") for i in range(8)), state_lineage=state.lineage)
    Executor(plan, state, store, lambda a: Slow(world), parallelism=parallelism).run()
    assert max(in_flight) <= parallelism
    assert len(world.objects) == 8


def test_create_refused_because_the_object_exists_adopts_it(tmp_path):
    world = World()
    world.objects["b99"] = {"id": "b99", "name": "late", "parent": "stale"}
    _, state, ledger = run([create("late")], world, tmp_path)
    assert ledger["test_box.late"].outcome == "applied"
    assert "already existed" in ledger["test_box.late"].detail
    assert state.resources[addr("late")].object_id == "b99"
    assert len(world.objects) == 1


class SecretBox(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    token: str | None = None


class SecretBoxType(BoxType):
    spec_model: ClassVar[type[BaseModel]] = SecretBox
    sensitive: ClassVar[frozenset[str]] = frozenset({"token"})

    def create(self, spec):
        self.notify(f"waiting for {spec['name']} to settle")
        oid, live = super().create(spec)
        live.pop("token", None)  # write-only: never read back
        return oid, live


def test_sensitive_values_reach_state_only_as_keyed_hashes_and_progress_reaches_hooks(tmp_path):
    from reconciler.plan.model import SENSITIVE_MASK
    from reconciler.secrets import SecretHasher

    world = World()
    messages = []

    class Hooks:
        def on_start(self, address, verb): pass
        def on_finish(self, entry): pass
        def on_progress(self, address, message): messages.append((str(address), message))

    change = Change(addr("s"), Action.CREATE, "new", after={"name": "s", "token": SENSITIVE_MASK},
                    config={"name": "s", "token": SENSITIVE_MASK}, managed=("name", "token"))
    store = open_store(tmp_path / "state.json")
    state = State.empty()
    plan = Plan(changes=(change,), state_lineage=state.lineage)
    hasher = SecretHasher(b"key")
    ex = Executor(plan, state, store, lambda a: SecretBoxType(world), hooks=Hooks(), hasher=hasher,
                  secrets={addr("s"): {"token": "tok-123-secret"}})
    new_state, ledger = ex.run()
    assert ledger[0].outcome == "applied", ledger[0].detail
    assert next(iter(world.objects.values()))["token"] == "tok-123-secret"  # sent to the platform
    on_disk = (tmp_path / "state.json").read_text()
    assert "tok-123-secret" not in on_disk
    assert hasher.matches("tok-123-secret", new_state.resources[addr("s")].attrs["token"])
    assert messages == [("test_box.s", "waiting for s to settle")]


def test_updated_but_failed_records_the_changed_object_and_fails_the_operation(tmp_path):
    from reconciler.providers.base import UpdatedButFailed

    world = World()
    old = _managed(world, "box")

    class RunsAfter(BoxType):
        def update(self, object_id, live, spec, changed):
            new = super().update(object_id, live, spec, changed)
            raise UpdatedButFailed(new, ApiError("scenario run ended FAILED"))

    state = State("lin", 2, {old.address: old})
    change = Change(addr("box"), Action.UPDATE, "differs", before={"name": "box"}, after={"name": "box", "parent": "p"},
                    diff=(DiffItem("add", ("parent",), None, "p"),), object_id=old.object_id,
                    config={"name": "box", "parent": "p"}, managed=("name", "parent"))
    store = open_store(tmp_path / "state.json")
    plan = Plan(changes=(change,), state_lineage=state.lineage, state_serial=state.serial)
    new_state, ledger = Executor(plan, state, store, lambda a: RunsAfter(world)).run()
    assert ledger[0].outcome == "failed" and "ended FAILED" in ledger[0].detail
    assert new_state.resources[addr("box")].attrs == {"name": "box", "parent": "p"}


@pytest.mark.parametrize("landed, calls", [
    pytest.param(False, [("create", "flaky"), ("create", "flaky")], id="absent-after-5xx-is-created-again"),
    pytest.param(True, [("create", "flaky")], id="landed-despite-5xx-is-adopted"),
])
def test_a_create_that_got_a_server_error_is_retried_only_when_proved_absent(tmp_path, landed, calls):
    world = World()

    class Flaky(BoxType):
        failed = False

        def create(self, spec):
            if not Flaky.failed:
                Flaky.failed = True
                self.client.calls.append(("create", spec["name"]))
                if landed:  # the platform made it, then the answer was lost
                    self.client.objects["b77"] = {"id": "b77", **spec}
                raise ApiError("bad gateway", method="POST", url="http://x/boxes", status=502)
            return super().create(spec)

    store = open_store(tmp_path / "state.json")
    state = State.empty()
    plan = Plan(changes=(create("flaky"),), state_lineage=state.lineage)
    new_state, ledger = Executor(plan, state, store, lambda a: Flaky(world), sleep=lambda s: None).run()
    assert ledger[0].outcome == "applied", ledger[0].detail
    assert world.calls[:len(calls)] == calls and len(world.objects) == 1


# -- one object, one address -----------------------------------------------------------------------


def test_a_failed_create_never_adopts_an_object_another_address_manages(tmp_path):
    """The create of ``late`` is refused (the name is taken); the object its key names is already
    ``test_box.owner``'s, so it is not handed to a second address."""
    world = World()
    owner = _managed(world, "late")
    owner = ResourceState(addr("owner"), owner.object_id, attrs={"name": "late"}, outputs={"id": owner.object_id})
    state = State("lin", 1, {owner.address: owner})
    _, new_state, ledger = run([create("late")], world, tmp_path, state=state)
    entry = ledger["test_box.late"]
    assert entry.outcome == "failed"
    assert "already exists" in entry.detail and f"({owner.object_id}) is managed by test_box.owner" in entry.detail
    assert set(new_state.resources) == {addr("owner")}
    assert world.calls == [("create", "late")]  # no update of the other address's object


# -- verified applies ------------------------------------------------------------------------------


class DropsParent(BoxType):
    """A platform that answers every write with success but silently keeps no ``parent``."""

    def create(self, spec):
        oid, live = super().create({k: v for k, v in spec.items() if k != "parent"})
        return oid, live

    def update(self, object_id, live, spec, changed):
        return super().update(object_id, live, {k: v for k, v in spec.items() if k != "parent"}, changed)


def _update(old: ResourceState, **after) -> Change:
    config = {"name": old.attrs["name"], **after}
    return Change(old.address, Action.UPDATE, "differs", before=dict(old.attrs), after=config,
                  diff=tuple(DiffItem("add", (k,), None, v) for k, v in after.items()), object_id=old.object_id,
                  config=config, managed=tuple(config))


def test_an_update_the_platform_did_not_keep_fails_naming_the_field_and_state_records_the_platform(tmp_path):
    world = World()
    old = _managed(world, "box")
    old = ResourceState(old.address, old.object_id, attrs={"name": "box", "parent": "was"}, outputs=old.outputs)
    world.objects[old.object_id]["parent"] = "was"
    child = create("child", "box")
    state = State("lin", 1, {old.address: old})
    plan = Plan(changes=(_update(old, parent="wanted"), child), state_lineage="lin", state_serial=1)
    new_state, ledger = Executor(plan, state, open_store(tmp_path / "state.json"), lambda a: DropsParent(world)).run()
    by_address = {str(e.address): e for e in ledger}
    failed = by_address["test_box.box"]
    assert failed.outcome == "failed"
    assert "parent: expected 'wanted', got 'was'" in failed.detail
    assert by_address["test_box.child"].outcome == "skipped"
    recorded = new_state.resources[addr("box")]
    assert recorded.attrs == {"name": "box", "parent": "was"}  # what the platform holds: the next plan shows it


def test_a_create_the_platform_kept_only_partly_records_the_object_and_fails(tmp_path):
    world = World()
    plan_change = Change(addr("box"), Action.CREATE, "new", after={"name": "box", "parent": "p"},
                         config={"name": "box", "parent": "p"}, managed=("name", "parent"))
    store = open_store(tmp_path / "state.json")
    plan = Plan(changes=(plan_change,), state_lineage=State.empty().lineage)
    new_state, ledger = Executor(plan, State.empty(), store, lambda a: DropsParent(world)).run()
    assert ledger[0].outcome == "failed"
    assert "parent: expected 'p', got nothing (the platform does not return it)" in ledger[0].detail
    recorded = new_state.resources[addr("box")]  # the object exists: recorded, never orphaned
    assert recorded.object_id in world.objects and recorded.attrs == {"name": "box"}


def test_ignored_fields_are_not_verified(tmp_path):
    from dataclasses import replace

    world = World()
    old = _managed(world, "box")
    state = State("lin", 1, {old.address: old})
    plan = Plan(changes=(replace(_update(old, parent="p"), ignore_changes=("parent",)),), state_lineage="lin",
                state_serial=1)
    _, ledger = Executor(plan, state, open_store(tmp_path / "state.json"), lambda a: DropsParent(world)).run()
    assert ledger[0].outcome == "applied", ledger[0].detail


def test_a_blocked_change_is_neither_applied_nor_verified(tmp_path):
    from dataclasses import replace

    world = World()
    old = _managed(world, "box")
    state = State("lin", 1, {old.address: old})
    plan = Plan(changes=(replace(_update(old, parent="p"), blocked="the platform cannot do it yet"),),
                state_lineage="lin", state_serial=1)
    _, ledger = Executor(plan, state, open_store(tmp_path / "state.json"), lambda a: DropsParent(world)).run()
    assert ledger[0].outcome == "blocked" and "the platform cannot do it yet" in ledger[0].detail


def test_a_field_the_type_says_settles_later_is_reported_not_failed(tmp_path):
    class Later(DropsParent):
        settles_later: ClassVar = {"parent": "it moves with the next nightly sync"}

    world = World()
    old = _managed(world, "box")
    state = State("lin", 1, {old.address: old})
    plan = Plan(changes=(_update(old, parent="p"),), state_lineage="lin", state_serial=1)
    new_state, ledger = Executor(plan, state, open_store(tmp_path / "state.json"), lambda a: Later(world)).run()
    assert ledger[0].outcome == "applied"
    assert "parent is not 'p' yet (nothing (the platform does not return it)): it moves with the next nightly " \
           "sync" in ledger[0].detail
    assert "parent" not in new_state.resources[addr("box")].attrs


def test_a_secret_met_through_a_reference_is_masked_in_the_mismatch(tmp_path):
    from reconciler.apply.verify import Mismatch, describe

    text = describe([Mismatch("parent", "tok-secret", "other")], hide=lambda v: v == "tok-secret")
    assert "tok-secret" not in text and "parent: expected (sensitive value), got 'other'" in text
