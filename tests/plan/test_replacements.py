"""Replacements that reach their dependents, as planner tables: unknown values propagating through
references (and chains of create-only references), create-before-destroy, forced and triggered
replacement, conditional replacement rules, and blocked changes. Pure: observations are built the
way refresh builds them (references resolved against what their targets are)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, ClassVar

import pytest
from pydantic import BaseModel, ConfigDict

from reconciler.addresses import Address
from reconciler.errors import Location, PlanError
from reconciler.graph.dag import Graph
from reconciler.plan.model import Action, Plan, Unknown
from reconciler.plan.planner import make_plan
from reconciler.providers.base import ResourceType
from reconciler.refresh import Observed, resolve_spec
from reconciler.spec import Lifecycle, ResourceSpec, SpecSet
from reconciler.spec.model import Reference
from reconciler.state.model import ResourceState, State

GOLDEN = Path(__file__).parent / "golden"


class EnvSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    platform: str = "serverless"


class Env(ResourceType):
    type_name: ClassVar[str] = "test_env"
    spec_model: ClassVar[type[BaseModel]] = EnvSpec
    create_only: ClassVar[frozenset[str]] = frozenset({"platform"})


class DepSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    label: str
    env_id: str | None = None
    note: str | None = None


class Dep(ResourceType):
    """``env_id`` is create-only; ``note`` may hold a reference and changes in place."""

    type_name: ClassVar[str] = "test_dep"
    spec_model: ClassVar[type[BaseModel]] = DepSpec
    create_only: ClassVar[frozenset[str]] = frozenset({"env_id"})


class ModeSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    dev: bool = False
    version: int = 1


class Mode(ResourceType):
    """Like an Astro deployment: ``dev`` false -> true replaces, true -> false updates; a lower
    ``version`` is blocked."""

    type_name: ClassVar[str] = "test_mode"
    spec_model: ClassVar[type[BaseModel]] = ModeSpec

    def replace_rule(self, field: str, old: Any, new: Any) -> str | None:
        if field == "dev" and old is False and new is True:
            return "dev mode cannot be turned on in place (false -> true replaces; true -> false updates)"
        return super().replace_rule(field, old, new)

    def blocked(self, live, desired):
        if live and isinstance(desired.get("version"), int) and desired["version"] < live["version"]:
            return f"cannot downgrade (live {live['version']}, specs {desired['version']})"
        return None


TYPES = {"test_env": Env, "test_dep": Dep, "test_mode": Mode}
LOC = Location("specs/t.yaml", 1)
ENV = Address("test_env", "e")
DEP = Address("test_dep", "d")
GRAND = Address("test_dep", "g")
OTHER = Address("test_dep", "o")
MODE = Address("test_mode", "m")


def rspec(address: Address, attrs: dict[str, Any], **lifecycle) -> ResourceSpec:
    refs = []
    for key, value in attrs.items():
        if isinstance(value, str) and value.startswith("${"):
            target, attr = value[2:-1].rsplit(".", 1)
            refs.append(Reference(Address.parse(target), (attr,), value, (key,)))
    return ResourceSpec(address, attrs, lifecycle=Lifecycle(**lifecycle), location=LOC, references=tuple(refs))


def world(specs: list[ResourceSpec], live: dict[Address, dict[str, Any]], **kw) -> Plan:
    """Plan ``specs`` against a state recording ``live`` (each object applied as its spec said, with
    the spec's literal values) and those live objects."""
    resources = {s.address: s for s in specs}
    graph = Graph()
    for s in specs:
        graph.add_node(s.address)
    for s in specs:
        for dep in s.dependencies():
            graph.add_edge(s.address, dep)
    records = {}
    for address, obj in live.items():
        attrs = {k: v for k, v in obj.items() if k != "id"}
        records[address] = ResourceState(address, obj["id"], attrs=attrs, outputs={"id": obj["id"]},
                                         fingerprint="fp-" + obj["id"], dependencies=resources[address].dependencies())
    state = State("lin", 1, records)
    observed: dict[Address, Observed] = {}
    for layer in graph.layers():  # as refresh resolves references: against what the targets are
        for address in layer:
            desired = resolve_spec(resources[address], observed, state)
            obj = live.get(address)
            observed[address] = Observed(address, desired, obj, obj["id"] if obj else None,
                                         "state" if obj else "absent", "fp-" + obj["id"] if obj else None)
    specs_set = SpecSet(resources=resources, providers={}, variables={}, files=())
    return make_plan(specs=specs_set, state=state, observed=observed, graph=graph,
                     type_of=lambda a: TYPES[a.type](None), created_at="2026-12-07T00:00:00Z", **kw)


ENV_SPEC = {"name": "env"}
ENV_LIVE = {"id": "env-1", "name": "env", "platform": "serverless"}
DEP_SPEC = {"label": "dep", "env_id": "${test_env.e.id}"}
DEP_LIVE = {"id": "dep-1", "label": "dep", "env_id": "env-1"}
GRAND_SPEC = {"label": "grand", "env_id": "${test_dep.d.id}"}
GRAND_LIVE = {"id": "grand-1", "label": "grand", "env_id": "dep-1"}
NOTE_SPEC = {"label": "other", "note": "${test_env.e.id}"}
NOTE_LIVE = {"id": "o-1", "label": "other", "note": "env-1"}


def actions(plan: Plan) -> dict[str, str]:
    return {str(c.address): c.action.value for c in plan.changes}


@pytest.mark.parametrize("env_spec, extra, expected", [
    pytest.param(ENV_SPEC, [], {"test_env.e": "no-op", "test_dep.d": "no-op"}, id="nothing-changes"),
    pytest.param({**ENV_SPEC, "platform": "k8s"}, [], {"test_env.e": "replace", "test_dep.d": "replace"},
                 id="create-only-reference-replaces-the-dependent"),
    pytest.param({**ENV_SPEC, "platform": "k8s"}, [(GRAND, GRAND_SPEC, GRAND_LIVE)],
                 {"test_env.e": "replace", "test_dep.d": "replace", "test_dep.g": "replace"},
                 id="chain-of-create-only-references"),
    pytest.param({**ENV_SPEC, "platform": "k8s"}, [(OTHER, NOTE_SPEC, NOTE_LIVE)],
                 {"test_env.e": "replace", "test_dep.d": "replace", "test_dep.o": "update"},
                 id="plain-reference-is-updated-known-after-apply"),
    pytest.param({**ENV_SPEC, "name": "renamed"}, [(OTHER, NOTE_SPEC, NOTE_LIVE)],
                 {"test_env.e": "update", "test_dep.d": "no-op", "test_dep.o": "no-op"},
                 id="an-update-keeps-the-id-known"),
])
def test_unknowns_propagate(env_spec, extra, expected):
    specs = [rspec(ENV, env_spec), rspec(DEP, DEP_SPEC)] + [rspec(a, s) for a, s, _ in extra]
    live = {ENV: ENV_LIVE, DEP: DEP_LIVE, **{a: obj for a, _, obj in extra}}
    plan = world(specs, live)
    assert actions(plan) == expected


def test_the_reason_names_the_cause_and_the_diff_is_known_after_apply():
    plan = world([rspec(ENV, {**ENV_SPEC, "platform": "k8s"}), rspec(DEP, DEP_SPEC), rspec(GRAND, GRAND_SPEC),
                  rspec(OTHER, NOTE_SPEC)], {ENV: ENV_LIVE, DEP: DEP_LIVE, GRAND: GRAND_LIVE, OTHER: NOTE_LIVE})
    dep, grand, other = plan.change_for(DEP), plan.change_for(GRAND), plan.change_for(OTHER)
    assert "replaced because `test_env.e` is replaced" in dep.reason
    assert dep.caused_by == (ENV,) and dep.replace_fields == ("env_id",)
    assert isinstance(dep.after["env_id"], Unknown)
    assert [(d.path, d.old, str(d.new)) for d in dep.diff] == [(("env_id",), "env-1", "(known after apply)")]
    assert "replaced because `test_dep.d` is replaced" in grand.reason and grand.caused_by == (DEP,)
    assert other.action is Action.UPDATE and isinstance(other.after["note"], Unknown)
    assert plan.summary() == {"add": 3, "change": 1, "destroy": 3, "import": 0, "forget": 0, "blocked": 0}


def test_an_object_recreated_after_an_outside_delete_gives_its_dependents_unknowns():
    plan = world([rspec(ENV, ENV_SPEC), rspec(DEP, DEP_SPEC)], {DEP: DEP_LIVE} | {})
    assert actions(plan) == {"test_env.e": "create", "test_dep.d": "replace"}
    assert "replaced because `test_env.e` is created" in plan.change_for(DEP).reason


def test_create_before_destroy_is_carried_and_shown_as_its_own_symbol():
    plan = world([rspec(ENV, {**ENV_SPEC, "platform": "k8s"}, create_before_destroy=True),
                  rspec(DEP, DEP_SPEC, create_before_destroy=True)], {ENV: ENV_LIVE, DEP: DEP_LIVE})
    env, dep = plan.change_for(ENV), plan.change_for(DEP)
    assert env.create_before_destroy and dep.create_before_destroy
    assert env.symbol == "+/-" and env.to_json()["actions"] == ["create", "delete"]


def test_create_before_destroy_under_a_delete_first_replacement_falls_back_with_a_note():
    plan = world([rspec(ENV, {**ENV_SPEC, "platform": "k8s"}), rspec(DEP, DEP_SPEC, create_before_destroy=True)],
                 {ENV: ENV_LIVE, DEP: DEP_LIVE})
    dep = plan.change_for(DEP)
    assert dep.action is Action.REPLACE and not dep.create_before_destroy and dep.symbol == "-/+"
    assert any("create_before_destroy not possible" in n and "test_env.e" in n for n in dep.notes)


@pytest.mark.parametrize("forced, expected", [
    pytest.param([DEP], {"test_env.e": "no-op", "test_dep.d": "replace", "test_dep.g": "replace"},
                 id="forced-dependent-reaches-its-own-dependents"),
    pytest.param([ENV], {"test_env.e": "replace", "test_dep.d": "replace", "test_dep.g": "replace"},
                 id="forced-root-reaches-the-chain"),
])
def test_forced_replacement(forced, expected):
    plan = world([rspec(ENV, ENV_SPEC), rspec(DEP, DEP_SPEC), rspec(GRAND, GRAND_SPEC)],
                 {ENV: ENV_LIVE, DEP: DEP_LIVE, GRAND: GRAND_LIVE}, force_replace=forced)
    assert actions(plan) == expected
    assert plan.change_for(forced[0]).reason == "replacement requested with --replace"


def test_forced_replacement_of_an_address_not_in_the_specs_is_refused():
    with pytest.raises(PlanError, match=r"--replace test_dep\.nope: the resource is in neither the specs nor"):
        world([rspec(ENV, ENV_SPEC)], {ENV: ENV_LIVE}, force_replace=[Address("test_dep", "nope")])


@pytest.mark.parametrize("env_spec, trigger, action", [
    pytest.param({**ENV_SPEC, "name": "renamed"}, [(ENV, None)], Action.REPLACE, id="address-updated"),
    pytest.param({**ENV_SPEC, "name": "renamed"}, [(ENV, "name")], Action.REPLACE, id="attribute-changed"),
    pytest.param({**ENV_SPEC, "name": "renamed"}, [(ENV, "platform")], Action.NOOP, id="other-attribute-changed"),
    pytest.param({**ENV_SPEC, "platform": "k8s"}, [(ENV, "platform")], Action.REPLACE, id="target-replaced"),
    pytest.param(ENV_SPEC, [(ENV, None)], Action.NOOP, id="target-unchanged"),
])
def test_replace_triggered_by(env_spec, trigger, action):
    other = rspec(OTHER, {"label": "other"}, replace_triggered_by=tuple(trigger))
    plan = world([rspec(ENV, env_spec), other], {ENV: ENV_LIVE, OTHER: {"id": "o-1", "label": "other"}})
    change = plan.change_for(OTHER)
    assert change.action is action
    if action is Action.REPLACE:
        assert change.reason.startswith("lifecycle.replace_triggered_by: `test_env.e")
        assert change.caused_by == (ENV,)


MODE_LIVE = {"id": "m-1", "name": "m", "dev": False, "version": 2}


@pytest.mark.parametrize("attrs, live, action, reason, blocked", [
    pytest.param({"name": "m", "dev": True, "version": 2}, MODE_LIVE, Action.REPLACE,
                 "dev: dev mode cannot be turned on in place", None, id="false-to-true-replaces"),
    pytest.param({"name": "m", "dev": False, "version": 2}, {**MODE_LIVE, "dev": True}, Action.UPDATE,
                 "field(s) differ: dev", None, id="true-to-false-updates"),
    pytest.param({"name": "m", "version": 1}, MODE_LIVE, Action.UPDATE, "field(s) differ: version",
                 "cannot downgrade (live 2, specs 1)", id="downgrade-stays-blocked"),
    pytest.param({"name": "m", "dev": True, "version": 1}, MODE_LIVE, Action.REPLACE, "dev mode cannot", None,
                 id="a-replacement-is-never-blocked"),
])
def test_conditional_replacement(attrs, live, action, reason, blocked):
    plan = world([rspec(MODE, attrs)], {MODE: live})
    change = plan.change_for(MODE)
    assert change.action is action and reason in change.reason and change.blocked == blocked
    assert change.actionable is (blocked is None)


def test_a_blocked_change_is_not_actionable_and_not_counted_as_a_change():
    plan = world([rspec(MODE, {"name": "m", "version": 1})], {MODE: MODE_LIVE})
    assert not plan.has_changes() and len(plan.blocked) == 1
    assert plan.summary()["change"] == 0 and plan.summary()["blocked"] == 1


def test_golden_json_plan_with_unknowns():
    plan = world([rspec(ENV, {**ENV_SPEC, "platform": "k8s"}), rspec(DEP, DEP_SPEC), rspec(OTHER, NOTE_SPEC)],
                 {ENV: ENV_LIVE, DEP: DEP_LIVE, OTHER: NOTE_LIVE})
    out = json.dumps(plan.to_json(), indent=2) + "\n"
    path = GOLDEN / "plan_unknowns.json"
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(out, encoding="utf-8")
    assert out == path.read_text(encoding="utf-8"), "plan_unknowns.json changed; rerun with UPDATE_GOLDEN=1"
    doc = json.loads(out)
    dep = next(c for c in doc["resource_changes"] if c["address"] == "test_dep.d")
    assert dep["after_unknown"] == {"env_id": True} and dep["caused_by"] == ["test_env.e"]
    assert dep["after"]["env_id"] == {"$unknown": "${test_env.e.id}"}
    assert Plan.from_json(doc).to_json() == plan.to_json()


def test_forced_replacement_outside_the_targets_is_refused():
    with pytest.raises(PlanError, match=r"--replace test_dep\.o: not among the --target resources"):
        world([rspec(ENV, ENV_SPEC), rspec(DEP, DEP_SPEC), rspec(OTHER, {"label": "other"})],
              {ENV: ENV_LIVE, DEP: DEP_LIVE, OTHER: {"id": "o-1", "label": "other"}},
              targets=[DEP], force_replace=[OTHER])
