"""One object, one address at plan time (``plan.ownership``): the refusals as a table over
observations, with the real Dataiku project type (its natural key is ``key``)."""

from __future__ import annotations

import pytest

from reconciler.addresses import Address
from reconciler.errors import Location, PlanError
from reconciler.plan.ownership import check_ownership
from reconciler.providers.dataiku.resources.project import Project
from reconciler.refresh import Observed
from reconciler.spec import ResourceSpec, SpecSet
from reconciler.state.model import ResourceState, State

A, B, C = (Address("dataiku_project", n) for n in ("a", "b", "c"))


def _specs(*addresses: Address) -> SpecSet:
    return SpecSet(resources={a: ResourceSpec(a, {}, location=Location("specs/p.yaml", i + 1))
                              for i, a in enumerate(addresses)}, providers={}, variables={}, files=())


def _obs(address: Address, key: str, source: str = "absent", object_id: str | None = None) -> Observed:
    return Observed(address, {"key": key, "name": key}, {"key": key} if object_id else None, object_id, source)


def _state(**ids: str) -> State:
    return State("lin", 1, {Address("dataiku_project", n): ResourceState(Address("dataiku_project", n), i)
                            for n, i in ids.items()})


@pytest.mark.parametrize("specs, state, observed, message", [
    pytest.param(_specs(A, B), _state(), [_obs(A, "K"), _obs(B, "K")],
                 "dataiku_project.a (specs/p.yaml:1), dataiku_project.b (specs/p.yaml:2) have the same natural key "
                 "(key K) once their references are resolved", id="keys-equal-at-refresh"),
    pytest.param(_specs(B), _state(a="K"), [_obs(B, "K", "natural_key", "K")],
                 "dataiku_project.b would adopt dataiku_project K (id K), which dataiku_project.a already manages",
                 id="adopts-what-state-gives-another"),
    pytest.param(_specs(A, B), _state(a="X", b="X"), [_obs(A, "X", "state", "X"), _obs(B, "Y", "natural_key", "Z")],
                 "the state records dataiku_project.a and dataiku_project.b with one dataiku_project (id X)",
                 id="state-shares-an-id"),
    pytest.param(_specs(B, C), _state(), [_obs(B, "K", "natural_key", "K"), _obs(C, "k2", "natural_key", "K")],
                 "dataiku_project.b and dataiku_project.c would both adopt dataiku_project K", id="two-adopt-one"),
])
def test_refused(specs, state, observed, message):
    with pytest.raises(PlanError) as caught:
        check_ownership(specs, state, {o.address: o for o in observed}, lambda a: Project(None))
    assert message in str(caught.value)


@pytest.mark.parametrize("specs, state, observed", [
    pytest.param(_specs(A, B), _state(), [_obs(A, "K"), _obs(B, "L")], id="distinct-keys"),
    pytest.param(_specs(A), _state(a="K"), [_obs(A, "K", "state", "K")], id="managed-by-itself"),
    pytest.param(_specs(A), _state(a="OLD"), [_obs(A, "K", "natural_key", "K")], id="re-found-by-its-own-key"),
])
def test_accepted(specs, state, observed):
    check_ownership(specs, state, {o.address: o for o in observed}, lambda a: Project(None))


AUTO = "dataiku.automation"


def _on(specs: SpecSet, **instances: str) -> SpecSet:
    """``specs`` with some blocks on a named provider instance."""
    from dataclasses import replace

    return replace(specs, resources={a: replace(r, provider=instances.get(a.name)) for a, r in specs.resources.items()})


def _state_on(auto: dict[str, str], **ids: str) -> State:
    """A state whose records named in ``auto`` (name -> id) live on the automation node."""
    records = {Address("dataiku_project", n): ResourceState(Address("dataiku_project", n), i)
               for n, i in ids.items()}
    records.update({Address("dataiku_project", n): ResourceState(Address("dataiku_project", n), i, provider=AUTO)
                    for n, i in auto.items()})
    return State("lin", 1, records)


@pytest.mark.parametrize("specs, state, observed", [
    pytest.param(_on(_specs(A, B), b=AUTO), _state(), [_obs(A, "K"), _obs(B, "K")], id="one-key-two-instances"),
    pytest.param(_on(_specs(B), b=AUTO), _state(a="K"), [_obs(B, "K", "natural_key", "K")],
                 id="adopts-the-same-id-on-another-instance"),
    pytest.param(_on(_specs(A, B), b=AUTO), _state_on({"b": "X"}, a="X"),
                 [_obs(A, "X", "state", "X"), _obs(B, "X", "state", "X")], id="state-one-id-two-instances"),
])
def test_one_id_on_two_instances_is_two_objects(specs, state, observed):
    check_ownership(specs, state, {o.address: o for o in observed}, lambda a: Project(None))
    state.refuse_shared_ids()  # (the stores' check agrees)


def test_one_id_twice_on_one_named_instance_is_still_refused():
    specs, state = _on(_specs(A, B), a=AUTO, b=AUTO), _state_on({"a": "X", "b": "X"})
    with pytest.raises(PlanError, match="the state records dataiku_project.a and dataiku_project.b with one"):
        check_ownership(specs, state, {A: _obs(A, "X", "state", "X"), B: _obs(B, "X", "state", "X")},
                        lambda a: Project(None))
