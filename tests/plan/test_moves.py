"""``plan.moves``: which state records move where, what imports still do, and how a move shows."""

from __future__ import annotations

import json

import pytest

from reconciler.addresses import Address
from reconciler.errors import Location, PlanError, SpecError, StateError
from reconciler.plan.model import Action, Change, Plan
from reconciler.plan.moves import check_imported, imports_to_read, note_moves, resolve_moves
from reconciler.plan.render import render_ledger, render_plan
from reconciler.plan.ledger import APPLIED, LedgerEntry
from reconciler.refresh import Observed
from reconciler.spec.moves import ImportSpec, MovedSpec
from reconciler.state.model import ResourceState, State
from reconciler.state.moves import move_records


def a(text: str) -> Address:
    return Address.parse(text)


def state(*records: tuple[str, str], deps: dict[str, list[str]] | None = None) -> State:
    deps = deps or {}
    return State("lineage-1", 3, {a(addr): ResourceState(a(addr), object_id,
                                                         dependencies=tuple(a(d) for d in deps.get(addr, ())))
                                  for addr, object_id in records})


def moved(*pairs: tuple[str, str]) -> tuple[MovedSpec, ...]:
    return tuple(MovedSpec(a(f), a(t), Location("specs/m.yaml", i + 2)) for i, (f, t) in enumerate(pairs))


def declared(*addresses: str) -> dict[Address, object]:
    return {a(x): object() for x in addresses}


@pytest.mark.parametrize("records, pairs, specs, expected", [
    pytest.param([("t_p.a", "1")], [("t_p.a", "t_p.b")], ["t_p.b"], {"t_p.a": "t_p.b"}, id="rename"),
    pytest.param([("t_p.a", "1")], [("t_p.a", 't_p.team["a"]')], ['t_p.team["a"]'], {"t_p.a": 't_p.team["a"]'},
                 id="into-for-each"),
    pytest.param([('t_p.team["a"]', "1")], [('t_p.team["a"]', "t_p.a")], ["t_p.a"], {'t_p.team["a"]': "t_p.a"},
                 id="out-of-for-each"),
    pytest.param([('t_p.x["a"]', "1"), ('t_p.x["b"]', "2")], [("t_p.x", "t_p.y")], ['t_p.y["a"]', 't_p.y["b"]'],
                 {'t_p.x["a"]': 't_p.y["a"]', 't_p.x["b"]': 't_p.y["b"]'}, id="whole-block-keeps-keys"),
    pytest.param([("t_p.a", "1")], [("t_p.a", "t_p.b"), ("t_p.b", "t_p.c")], ["t_p.c"], {"t_p.a": "t_p.c"},
                 id="chain"),
    pytest.param([("t_p.b", "1")], [("t_p.a", "t_p.b"), ("t_p.b", "t_p.c")], ["t_p.c"], {"t_p.b": "t_p.c"},
                 id="chain-half-applied"),
    pytest.param([("t_p.b", "1")], [("t_p.a", "t_p.b")], ["t_p.b"], {}, id="from-not-in-state-is-a-no-op"),
])
def test_which_records_move_where(records, pairs, specs, expected):
    found = resolve_moves(moved(*pairs), state(*records), declared(*specs))
    assert {str(k): str(v) for k, v in found.items()} == expected


@pytest.mark.parametrize("records, pairs, specs, message", [
    pytest.param([("t_p.a", "1"), ("t_p.b", "2")], [("t_p.a", "t_p.b")], ["t_p.b"],
                 "specs/m.yaml:2: moved to t_p.b, but the state already manages t_p.b (id 2); t_p.a (id 1) cannot "
                 "move onto it", id="onto-a-managed-address"),
    pytest.param([("t_p.a", "1"), ("t_p.b", "2")], [("t_p.a", "t_p.b"), ("t_p.b", "t_p.c")], ["t_p.c"],
                 "both t_p.a and t_p.b would move to t_p.c", id="two-records-to-one-address"),
    pytest.param([("t_p.a", "1")], [("t_p.a", "t_p.b")], ["t_p.c"],
                 "t_p.a would move to t_p.b, which the specs do not declare", id="undeclared-destination"),
    pytest.param([('t_p.x["k"]', "1")], [("t_p.x", "t_p.y"), ('t_p.y["k"]', 't_p.x["k"]')], [],
                 "in a loop", id="loop-through-a-block-move"),
])
def test_refused_moves_name_the_entry(records, pairs, specs, message):
    with pytest.raises(SpecError) as info:
        resolve_moves(moved(*pairs), state(*records), declared(*specs))
    assert message in str(info.value)


def test_a_destroy_does_not_ask_for_declared_destinations():
    assert resolve_moves(moved(("t_p.a", "t_p.b")), state(("t_p.a", "1")), None) == {a("t_p.a"): a("t_p.b")}


def test_move_records_rewrites_addresses_and_dependencies_and_nothing_else():
    before = state(("t_p.a", "1"), ("t_d.x", "9"), ("t_d.y", "8"), deps={"t_d.x": ["t_p.a"]})
    after = move_records(before, {a("t_p.a"): a('t_p.team["a"]')})
    assert sorted(map(str, after.resources)) == ["t_d.x", "t_d.y", 't_p.team["a"]']
    assert after.resources[a('t_p.team["a"]')].object_id == "1"
    assert after.resources[a("t_d.x")].dependencies == (a('t_p.team["a"]'),)
    assert after.resources[a("t_d.y")] is before.resources[a("t_d.y")]
    assert (after.lineage, after.serial) == (before.lineage, before.serial)
    assert a("t_p.a") in before.resources  # a value: the input is unchanged


def test_move_records_refuses_a_state_that_changed_under_the_plan():
    with pytest.raises(StateError, match="t_p.a is not in the state"):
        move_records(state(("t_p.b", "1")), {a("t_p.a"): a("t_p.c")})
    with pytest.raises(StateError, match="t_p.b is already in the state"):
        move_records(state(("t_p.a", "1"), ("t_p.b", "2")), {a("t_p.a"): a("t_p.b")})


def test_imports_with_the_recorded_id_are_no_ops_and_another_id_is_refused():
    entries = (ImportSpec(a("t_p.a"), "1", Location("specs/i.yaml", 2)),
               ImportSpec(a("t_p.b"), "7", Location("specs/i.yaml", 4)))
    assert imports_to_read(entries, state(("t_p.a", "1"))) == {a("t_p.b"): entries[1]}
    with pytest.raises(SpecError) as info:
        imports_to_read(entries, state(("t_p.a", "2")))
    assert "specs/i.yaml:2: import to t_p.a with id '1', but the state already manages t_p.a as id '2'" \
        in str(info.value)


def test_an_import_whose_id_names_nothing_is_a_plan_error_at_the_entry():
    entry = ImportSpec(a("t_p.a"), "404", Location("specs/i.yaml", 3))
    found = {a("t_p.a"): Observed(a("t_p.a"), {}, {"key": "A"}, "404", "import")}
    check_imported({a("t_p.a"): entry}, found)
    with pytest.raises(PlanError, match=r"specs/i.yaml:3: import to t_p.a: no t_p with id '404' exists"):
        check_imported({a("t_p.a"): entry}, {a("t_p.a"): Observed(a("t_p.a"), {}, None, None, "import")})


def _plan() -> Plan:
    changes = (Change(a('t_p.team["a"]'), Action.NOOP, "up to date", before={"key": "A"}, after={"key": "A"},
                      object_id="A"),
               Change(a("t_p.other"), Action.NOOP, "up to date", object_id="O"))
    return note_moves(Plan(changes, state_lineage="l", state_serial=3), {a("t_p.a"): a('t_p.team["a"]')})


def test_a_move_alone_is_shown_counted_and_round_trips():
    plan = _plan()
    assert plan.changes[0].moved_from == a("t_p.a") and plan.changes[1].moved_from is None
    assert plan.has_changes() and not plan.actionable  # nothing for the executor: apply moves the record
    doc = json.loads(render_plan(plan, "json"))
    assert doc["resource_changes"][0]["previous_address"] == "t_p.a"
    assert "previous_address" not in doc["resource_changes"][1]
    assert doc["summary"]["move"] == 1
    assert Plan.from_json(doc) == plan
    text = render_plan(plan, "text")
    assert '# t_p.team["a"] has moved from t_p.a' in text
    assert "Plan: 0 to add, 0 to change, 0 to destroy, 1 to move." in text
    assert "t_p.other" not in text
    assert "Resource actions are indicated" not in text  # no symbol to explain
    markdown = render_plan(plan, "markdown")
    assert '`t_p.team["a"]` has moved from `t_p.a`' in markdown and "| move (state only) | 1 |" in markdown


def test_a_moved_object_with_changes_shows_both():
    base = Change(a("t_p.b"), Action.UPDATE, "field(s) differ: name", before={"name": "x"}, after={"name": "y"},
                  object_id="B")
    plan = note_moves(Plan((base,)), {a("t_p.a"): a("t_p.b")})
    text = render_plan(plan, "text")
    assert "# t_p.b will be updated in-place\n  # (moved from t_p.a)\n" in text
    assert "0 to add, 1 to change, 0 to destroy, 1 to move" in text
    assert "moved from `t_p.a`" in render_plan(plan, "markdown")


def test_the_ledger_counts_moves():
    ledger = [LedgerEntry(a("t_p.b"), Action.NOOP, APPLIED, "moved from t_p.a", moved_from=a("t_p.a")),
              LedgerEntry(a("t_p.c"), Action.UPDATE, APPLIED, "id=C", moved_from=a("t_p.x"))]
    text = render_ledger(ledger)
    assert "Resources: 0 added, 1 changed, 0 destroyed, 2 moved." in text
    assert LedgerEntry.from_json(ledger[0].to_json()) == ledger[0]


def module_moved(*pairs: tuple[str, str]) -> tuple[MovedSpec, ...]:
    return tuple(MovedSpec(f, t, Location("specs/m.yaml", i + 2)) for i, (f, t) in enumerate(pairs))


@pytest.mark.parametrize("records, pairs, expected", [
    pytest.param(["module.old.t_p.a", "module.old.module.inner.t_p.b"], [("module.old", "module.new")],
                 {"module.old.t_p.a": "module.new.t_p.a",
                  "module.old.module.inner.t_p.b": "module.new.module.inner.t_p.b"}, id="rename-a-module"),
    pytest.param(['module.old["x"].t_p.a', 'module.old["y"].t_p.a'], [("module.old", "module.new")],
                 {'module.old["x"].t_p.a': 'module.new["x"].t_p.a', 'module.old["y"].t_p.a': 'module.new["y"].t_p.a'},
                 id="rename-a-for-each-module-keeps-keys"),
    pytest.param(["module.team.t_p.a"], [("module.team", 'module.team["a"]')],
                 {"module.team.t_p.a": 'module.team["a"].t_p.a'}, id="a-module-gains-for-each"),
    pytest.param(['module.team["x"].t_p.a'], [("module.team", "module.squad")],
                 {'module.team["x"].t_p.a': 'module.squad["x"].t_p.a'}, id="instances-of-a-renamed-block"),
    pytest.param(["module.a.module.b.t_p.c"], [("module.a.module.b", "module.c"), ("module.a", "module.z")],
                 {"module.a.module.b.t_p.c": "module.c.t_p.c"}, id="innermost-entry-first"),
])
def test_module_entries_move_everything_under_them(records, pairs, expected):
    found = resolve_moves(module_moved(*pairs), state(*[(r, str(i)) for i, r in enumerate(records)]), None)
    assert {str(k): str(v) for k, v in found.items()} == expected


def test_a_moved_record_keeps_its_deposed_objects():
    from dataclasses import replace

    from reconciler.state.model import Deposed

    before = state(("t_p.a", "2"))
    before = before.with_resource(replace(before.resources[a("t_p.a")], deposed=(Deposed("1", {"key": "A"}),)))
    after = move_records(before, {a("t_p.a"): a("t_p.b")})
    assert after.resources[a("t_p.b")].deposed == (Deposed("1", {"key": "A"}),)


class _Keyed:
    natural_key = ("key",)

    @staticmethod
    def replace_rule(name, old, new):
        return "create-only field" if name == "key" else None


class _Spec:
    def __init__(self, **attrs):
        self.attrs = attrs


@pytest.mark.parametrize("declared_key, refused", [
    pytest.param("A", False, id="same-key"),
    pytest.param("OTHER", True, id="another-object"),
    pytest.param("${t_p.x.key}", False, id="known-only-at-plan-time"),
])
def test_a_destination_block_must_declare_the_moved_object(declared_key, refused):
    records = State("l", 1, {a("t_p.a"): ResourceState(a("t_p.a"), "1", attrs={"key": "A"})})
    specs = {a("t_p.b"): _Spec(key=declared_key, name="n")}
    if not refused:
        assert resolve_moves(moved(("t_p.a", "t_p.b")), records, specs, lambda _: _Keyed) == {a("t_p.a"): a("t_p.b")}
        return
    with pytest.raises(SpecError, match="whose block declares another object \\(key 'OTHER'\\)"):
        resolve_moves(moved(("t_p.a", "t_p.b")), records, specs, lambda _: _Keyed)
