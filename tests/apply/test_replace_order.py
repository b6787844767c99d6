"""Replacements in apply: dependents' deletes before the replaced object's delete and their creates
after its create (default), or the replacement first and the old object last (create-before-destroy);
blocked changes are not applied. One apply converges; the journal replays to the same state."""

from __future__ import annotations

from reconciler.addresses import Address
from reconciler.apply.executor import Executor
from reconciler.errors import ApiError
from reconciler.plan.model import Action, Change, DiffItem, Plan, Unknown
from reconciler.state import open_store
from reconciler.state.model import ResourceState, State
from tests.apply.test_executor import BoxType, World, addr


class LooseBox(BoxType):
    """Names need not be unique: a replacement can exist next to the old object."""

    def create(self, spec):
        w: World = self.client
        with w.lock:
            w.calls.append(("create", spec["name"]))
            w.counter += 1
            oid = f"b{w.counter}"
            w.objects[oid] = {"id": oid, **spec}
        return oid, dict(w.objects[oid])


def managed(world: World, name: str, parent: str | None = None) -> ResourceState:
    world.counter += 1
    oid = f"b{world.counter}"
    attrs = {"name": name}
    deps: tuple[Address, ...] = ()
    if parent:
        parent_id = next(o["id"] for o in world.objects.values() if o["name"] == parent)
        attrs["parent"] = parent_id
        deps = (addr(parent),)
    world.objects[oid] = {"id": oid, **attrs}
    return ResourceState(addr(name), oid, attrs=attrs, outputs={"id": oid}, dependencies=deps)


def change(rs: ResourceState, action: Action, *, parent: str | None = None, first: bool = False) -> Change:
    config = {"name": rs.attrs["name"]}
    after = dict(config)
    diff = ()
    if parent:
        config["parent"] = "${test_box.%s.id}" % parent
        after["parent"] = Unknown(config["parent"])
        diff = (DiffItem("change", ("parent",), rs.attrs.get("parent"), after["parent"]),)
    return Change(rs.address, action, "planned", before=dict(rs.attrs), after=after, diff=diff,
                  object_id=rs.object_id, config=config, managed=tuple(config), depends_on=rs.dependencies,
                  create_before_destroy=first)


def run(changes, world, tmp_path, state):
    store = open_store(tmp_path / "state.json")
    plan = Plan(changes=tuple(changes), state_lineage=state.lineage, state_serial=state.serial)
    new_state, ledger = Executor(plan, state, store, lambda a: LooseBox(world), parallelism=4).run()
    return store, new_state, {str(e.address): e for e in ledger}


def setup(world):
    root = managed(world, "root")
    child = managed(world, "child", "root")
    return root, child, State("lin", 2, {root.address: root, child.address: child})


def test_default_replacement_of_a_chain_deletes_dependents_first_and_creates_them_last(tmp_path):
    world = World()
    root, child, state = setup(world)
    _, new, ledger = run([change(root, Action.REPLACE), change(child, Action.REPLACE, parent="root")],
                         world, tmp_path, state)
    assert world.calls == [("delete", "child"), ("delete", "root"), ("create", "root"), ("create", "child")]
    new_root, new_child = new.resources[addr("root")], new.resources[addr("child")]
    assert new_root.object_id != root.object_id and new_child.attrs["parent"] == new_root.object_id
    assert set(world.objects) == {new_root.object_id, new_child.object_id}  # no orphan, no duplicate
    assert {e.outcome for e in ledger.values()} == {"applied"}


def test_create_before_destroy_creates_first_moves_dependents_then_deletes_the_old_object(tmp_path):
    world = World()
    root, child, state = setup(world)
    store, new, ledger = run([change(root, Action.REPLACE, first=True),
                              change(child, Action.REPLACE, parent="root")], world, tmp_path, state)
    at = {call: i for i, call in enumerate(world.calls)}
    assert len(world.calls) == 4  # the dependent's delete needs nothing: it may come first
    assert at[("create", "root")] < at[("create", "child")] < at[("delete", "root")]
    assert at[("delete", "child")] < at[("create", "child")]
    new_root, new_child = new.resources[addr("root")], new.resources[addr("child")]
    assert new_root.object_id != root.object_id and new_child.attrs["parent"] == new_root.object_id
    assert set(world.objects) == {new_root.object_id, new_child.object_id}
    assert {e.outcome for e in ledger.values()} == {"applied"}
    assert store.read().resources == new.resources  # the journal and the snapshot agree


def test_create_before_destroy_updates_a_dependent_before_the_old_object_goes(tmp_path):
    world = World()
    root, child, state = setup(world)
    _, new, _ = run([change(root, Action.REPLACE, first=True), change(child, Action.UPDATE, parent="root")],
                    world, tmp_path, state)
    assert world.calls == [("create", "root"), ("update", "child"), ("delete", "root")]
    assert world.objects[child.object_id]["parent"] == new.resources[addr("root")].object_id


def test_a_blocked_change_is_not_applied_and_says_why(tmp_path):
    world = World()
    root, child, state = setup(world)
    blocked = Change(root.address, Action.UPDATE, "field(s) differ: name", before={"name": "root"},
                     after={"name": "r2"}, diff=(DiffItem("change", ("name",), "root", "r2"),),
                     object_id=root.object_id, config={"name": "r2"}, managed=("name",),
                     blocked="cannot be renamed right now")
    other = change(child, Action.REPLACE)
    _, new, ledger = run([blocked, other], world, tmp_path, state)
    assert ("update", "root") not in world.calls and ("update", "r2") not in world.calls
    assert ledger["test_box.root"].outcome == "blocked"
    assert ledger["test_box.root"].detail == "not changed: cannot be renamed right now"
    assert ledger["test_box.child"].outcome == "applied"
    assert new.resources[addr("root")] == root


def test_a_failed_create_before_destroy_never_adopts_the_object_it_replaces(tmp_path):
    """The natural-key lookup after a failed create finds the old object (same key): not the
    create having landed, so it is created again (the failure may pass), never adopted."""
    world = World()
    root, child, state = setup(world)
    failures = [1]

    class Flaky(LooseBox):
        def create(self, spec):
            if failures:
                failures.pop()
                raise ApiError("busy", method="POST", url="http://x/boxes", status=503)
            return super().create(spec)

    store = open_store(tmp_path / "state.json")
    plan = Plan(changes=(change(root, Action.REPLACE, first=True),), state_lineage=state.lineage,
                state_serial=state.serial)
    ex = Executor(plan, state, store, lambda a: Flaky(world), parallelism=2, sleep=lambda s: None)
    new, ledger = ex.run()
    assert [e.outcome for e in ledger] == ["applied"]
    new_root = new.resources[addr("root")]
    assert new_root.object_id != root.object_id and root.object_id not in world.objects
    assert new_root.object_id in world.objects
