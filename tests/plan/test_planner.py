"""Planner decisions as a table: (spec, state, live) -> action and reason. Pure: no I/O."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest
from pydantic import BaseModel, ConfigDict, Field

from reconciler.addresses import Address
from reconciler.errors import Location, ProtectedResourceError
from reconciler.graph.dag import Graph
from reconciler.plan.model import Action, Unknown
from reconciler.plan.planner import decide, make_plan
from reconciler.providers.base import ResourceType
from reconciler.refresh import Observed
from reconciler.spec import Lifecycle, ResourceSpec, SpecSet
from reconciler.state.model import ResourceState, State


class ThingSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: str
    name: str
    tags: list[str] = Field(default_factory=list)
    size: int | None = None
    secret: str | None = None


class Thing(ResourceType):
    type_name: ClassVar[str] = "test_thing"
    spec_model: ClassVar[type[BaseModel]] = ThingSpec
    natural_key: ClassVar[tuple[str, ...]] = ("key",)
    create_only: ClassVar[frozenset[str]] = frozenset({"key"})
    sensitive: ClassVar[frozenset[str]] = frozenset({"secret"})
    delete_note: ClassVar[str | None] = "deletes its children"

    def normalize(self, attrs):
        out = dict(attrs)
        if "tags" in out and isinstance(out["tags"], list):
            out["tags"] = sorted(out["tags"])
        return out


class Keepsake(Thing):
    type_name: ClassVar[str] = "test_keepsake"
    deletable: ClassVar[bool] = False


A = Address("test_thing", "a")
LOC = Location("specs/t.yaml", 3)


def spec(attrs: dict[str, Any], **lifecycle) -> ResourceSpec:
    return ResourceSpec(address=A, attrs=attrs, depends_on=(), lifecycle=Lifecycle(**lifecycle), location=LOC,
                        locations={}, references=())


def rstate(attrs: dict[str, Any], **kw) -> ResourceState:
    return ResourceState(A, "id-1", attrs=attrs, outputs={"id": "id-1"}, fingerprint="fp", **kw)


def obs(desired, live, source="state", object_id="id-1") -> Observed:
    return Observed(A, desired, live, object_id if live is not None else None, source, "fp2" if live else None)


BASE = {"key": "K", "name": "n", "tags": ["b", "a"]}
LIVE = {"id": "id-1", "key": "K", "name": "n", "tags": ["a", "b"], "size": 3}


@pytest.mark.parametrize("spec_attrs, state_attrs, live, source, lifecycle, action, reason, fields", [
    pytest.param(BASE, None, None, "absent", {}, Action.CREATE, "no existing object with key K", (), id="create"),
    pytest.param(BASE, None, LIVE, "natural_key", {}, Action.NOOP, "adopting existing object K", (), id="adopt-equal"),
    pytest.param({**BASE, "name": "m"}, None, LIVE, "natural_key", {}, Action.UPDATE, "adopting", ("name",),
                 id="adopt-and-update"),
    pytest.param(BASE, BASE, LIVE, "state", {}, Action.NOOP, "up to date", (), id="noop-tags-order-ignored"),
    pytest.param({**BASE, "size": 4}, BASE, LIVE, "state", {}, Action.UPDATE, "size", ("size",), id="update"),
    pytest.param({**BASE, "key": "K2"}, BASE, LIVE, "state", {}, Action.REPLACE, "create-only field(s) changed: key",
                 ("key",), id="replace"),
    pytest.param({**BASE, "size": 4}, BASE, LIVE, "state", {"ignore_changes": ("size",)}, Action.NOOP, "up to date", (),
                 id="ignore-changes"),
    pytest.param(BASE, BASE, None, "absent", {}, Action.CREATE, "deleted outside reconciler", (),
                 id="recreate-after-outside-delete"),
    pytest.param({"key": "K", "name": "n"}, BASE, {**LIVE, "tags": ["x"]}, "state", {}, Action.UPDATE, "tags",
                 ("tags",), id="field-dropped-from-spec-resets-to-default"),
    pytest.param({**BASE, "name": Unknown("${test_thing.b.name}")}, BASE, LIVE, "state", {}, Action.UPDATE, "name",
                 ("name",), id="unknown-value"),
    pytest.param({"key": Unknown("${x.y.id}"), "name": "n"}, None, None, "unknown_key", {}, Action.CREATE,
                 "known only after apply", (), id="unknown-natural-key"),
])
def test_decide(spec_attrs, state_attrs, live, source, lifecycle, action, reason, fields):
    rs = rstate(state_attrs) if state_attrs is not None else None
    graph = Graph()
    graph.add_node(A)
    change = decide(A, spec(spec_attrs, **lifecycle), rs, obs(spec_attrs, live, source), Thing(None), graph)
    assert change.action is action
    assert reason in change.reason
    assert tuple(sorted({d.top for d in change.diff})) == fields
    if action is Action.REPLACE:
        assert change.replace_fields == ("key",)
        assert "deletes its children" in change.notes
    assert change.importing == (source == "natural_key")


@pytest.mark.parametrize("rt, live, source, action, reason", [
    pytest.param(Thing(None), LIVE, "state", Action.DELETE, "no longer in the specs", id="delete"),
    pytest.param(Thing(None), None, "absent", Action.FORGET, "already deleted outside", id="already-gone"),
    pytest.param(Keepsake(None), LIVE, "state", Action.FORGET, "cannot be deleted through its API", id="not-deletable"),
])
def test_decide_without_spec(rt, live, source, action, reason):
    graph = Graph()
    graph.add_node(A)
    change = decide(A, None, rstate(BASE), obs(None, live, source), rt, graph)
    assert change.action is action
    assert reason in change.reason


def test_sensitive_values_are_masked_in_before_after_and_diff():
    graph = Graph()
    graph.add_node(A)
    desired = {**BASE, "secret": "hunter2"}
    change = decide(A, spec(desired), rstate(BASE), obs(desired, {**LIVE, "secret": "live-s3cret"}), Thing(None), graph)
    text = repr(change.to_json())
    assert "hunter2" not in text and "live-s3cret" not in text


def _plan(resources: dict, state: State, observed: dict, **kw):
    graph = Graph()
    for address in set(resources) | set(state.resources):
        graph.add_node(address)
    specs = SpecSet(resources=resources, providers={}, variables={}, files=())
    return make_plan(specs=specs, state=state, observed=observed, graph=graph, type_of=lambda a: Thing(None), **kw)


def test_prevent_destroy_recorded_in_state_refuses_deletion_after_the_block_is_gone():
    state = State("lin", 3, {A: rstate(BASE, prevent_destroy=True)})
    with pytest.raises(ProtectedResourceError) as err:
        _plan({}, state, {A: obs(None, LIVE)})
    assert "test_thing.a" in str(err.value)


@pytest.mark.parametrize("written, protected", [(True, False), (False, True)])
def test_the_guard_state_keeps_is_lifted_only_by_an_explicit_false(written, protected):
    state = State("lin", 3, {A: rstate(BASE, prevent_destroy=True)})
    block = ResourceSpec(address=A, attrs=BASE, lifecycle=Lifecycle(prevent_destroy=False), location=LOC,
                         locations={("lifecycle", "prevent_destroy"): (4, 7)} if written else {})
    plan = _plan({A: block}, state, {A: obs(BASE, LIVE)})
    assert [(c.action, c.prevent_destroy) for c in plan.changes] == [(Action.NOOP, protected)]


def test_destroy_mode_deletes_everything_in_state():
    state = State("lin", 3, {A: rstate(BASE)})
    plan = _plan({A: spec(BASE)}, state, {A: obs(BASE, LIVE)}, mode="destroy")
    assert [c.action for c in plan.changes] == [Action.DELETE]
    assert plan.summary()["destroy"] == 1


def test_refresh_only_reports_drift_and_plans_nothing():
    state = State("lin", 3, {A: rstate(BASE)})
    plan = _plan({A: spec(BASE)}, state, {A: obs(BASE, {**LIVE, "name": "changed"})}, mode="refresh-only")
    assert plan.changes == ()
    assert [(d.kind, d.diff[0].path) for d in plan.drift] == [("changed", ("name",))]


def test_drift_of_deleted_object():
    state = State("lin", 3, {A: rstate(BASE)})
    plan = _plan({A: spec(BASE)}, state, {A: obs(BASE, None, "absent")}, mode="refresh-only")
    assert [d.kind for d in plan.drift] == ["deleted"]


# -- contract hooks: data sources, opt-in deletion, blocked, waits, secrets, drift kinds ------------

from reconciler.secrets import SecretHasher  # noqa: E402


class Lookup(Thing):
    type_name: ClassVar[str] = "test_lookup"
    data_source: ClassVar[bool] = True


class Member(Thing):
    type_name: ClassVar[str] = "test_member"
    delete_opt_in: ClassVar[str | None] = "deleting a member deletes the user account"


class Reviewed(Thing):
    type_name: ClassVar[str] = "test_reviewed"
    wait_note: ClassVar[str | None] = "waits for the platform's async job"

    def blocked(self, live, desired):
        return "pending review" if live and live.get("name") == "draft" else None

    def last_modified(self, live):
        return ("alice", "2026-11-01T10:00:00Z")


def _graph():
    graph = Graph()
    graph.add_node(A)
    return graph


def test_data_source_is_read_never_changed():
    change = decide(A, spec(BASE), None, obs(BASE, LIVE, "data"), Lookup(None), _graph())
    assert change.action is Action.NOOP and change.after["id"] == "id-1"
    assert decide(A, None, None, obs(None, LIVE, "data"), Lookup(None), _graph()) is None


@pytest.mark.parametrize("allow, action", [
    pytest.param(False, Action.FORGET, id="no-opt-in-forgets"),
    pytest.param(True, Action.DELETE, id="opt-in-recorded-deletes"),
])
def test_delete_opt_in(allow, action):
    change = decide(A, None, rstate(BASE, allow_destroy=allow), obs(None, LIVE), Member(None), _graph())
    assert change.action is action
    if action is Action.FORGET:
        assert "deletes the user account" in change.reason


def test_blocked_and_wait_note():
    change = decide(A, spec({**BASE, "name": "draft2"}), rstate(BASE), obs({**BASE, "name": "draft2"},
                    {**LIVE, "name": "draft"}), Reviewed(None), _graph())
    assert change.action is Action.UPDATE
    assert change.blocked == "pending review"
    assert "waits for the platform's async job" in change.notes


@pytest.mark.parametrize("stored_value, desired_value, action", [
    pytest.param("s3cret", "s3cret", Action.NOOP, id="same-secret"),
    pytest.param("s3cret", "rotated", Action.UPDATE, id="rotated-secret"),
    pytest.param(None, "s3cret", Action.UPDATE, id="never-recorded"),
])
def test_sensitive_values_compare_by_keyed_hash(stored_value, desired_value, action):
    hasher = SecretHasher(b"k")
    attrs = dict(BASE)
    if stored_value is not None:
        attrs["secret"] = hasher.digest(stored_value)
    desired = {**BASE, "secret": desired_value}
    change = decide(A, spec(desired), rstate(attrs), obs(desired, LIVE), Thing(None), _graph(), hasher=hasher)
    assert change.action is action
    assert desired_value not in repr(change.to_json())


def test_drift_kinds_and_who():
    graph = _graph()
    specs = SpecSet(resources={A: spec(BASE)}, providers={}, variables={}, files=())
    state = State("lin", 3, {A: rstate(BASE)})
    unmanaged = Observed(A, BASE, {**LIVE, "size": 99}, "id-1", "state", "other-fp")
    plan = make_plan(specs=specs, state=state, observed={A: unmanaged}, graph=graph,
                     type_of=lambda a: Reviewed(None), mode="refresh-only")
    assert [(d.kind, d.alarm, d.changed_by) for d in plan.drift] == [("unmanaged", False, "alice")]
