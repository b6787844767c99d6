"""``plan.instances``: each address's provider instance for a run, and how a plan labels it."""

from __future__ import annotations

import pytest

from reconciler.addresses import Address
from reconciler.errors import Location, PlanError
from reconciler.plan.instances import label, of_plan, route
from reconciler.plan.model import Action, Change, Drift, Plan
from reconciler.spec import ResourceSpec, SpecSet
from reconciler.state.model import ResourceState, State

DESIGN, AUTO, GONE, BOARD = (Address("dataiku_project", "design"), Address("dataiku_project", "auto"),
                             Address("dataiku_project", "gone"), Address("lightdash_space", "board"))


def _specs(**providers: str | None) -> SpecSet:
    resources = {Address("dataiku_project", n): ResourceSpec(Address("dataiku_project", n), {}, provider=p,
                                                             location=Location("specs/p.yaml", 3))
                 for n, p in providers.items()}
    return SpecSet(resources=resources, providers={}, variables={}, files=())


def test_route_takes_the_specs_word_and_the_states_for_what_only_it_knows():
    state = State("l", 1, {GONE: ResourceState(GONE, "X", provider="dataiku.automation"),
                           DESIGN: ResourceState(DESIGN, "S")})
    assert route(_specs(design=None, auto="dataiku.automation"), state) == {
        AUTO: "dataiku.automation", GONE: "dataiku.automation"}


def test_route_refuses_a_block_that_moved_its_object_to_another_instance():
    state = State("l", 1, {AUTO: ResourceState(AUTO, "S", provider="dataiku.automation")})
    with pytest.raises(PlanError) as caught:
        route(_specs(auto=None), state)
    assert ("dataiku_project.auto (specs/p.yaml:3): its object lives on dataiku.automation, the block says provider "
            "dataiku") in str(caught.value)


@pytest.mark.parametrize("connected, shown", [
    pytest.param(["dataiku"], {DESIGN: None, BOARD: None}, id="one-instance-nothing-shown"),
    pytest.param(["dataiku", "dataiku.automation", "lightdash"],
                 {DESIGN: "dataiku", AUTO: "dataiku.automation", BOARD: None}, id="several-all-of-that-platform"),
    pytest.param(["dataiku.automation", "lightdash"], {AUTO: "dataiku.automation", BOARD: None},
                 id="a-named-one-alone-still-shown"),
])
def test_label_shows_the_instance_where_a_reader_needs_it(connected, shown):
    routes = {AUTO: "dataiku.automation"}
    plan = Plan(changes=tuple(Change(a, Action.CREATE, "new") for a in shown),
                drift=tuple(Drift(a, "changed") for a in shown))
    labelled = label(plan, routes, connected)
    assert {c.address: c.provider for c in labelled.changes} == shown
    assert {d.address: d.provider for d in labelled.drift} == shown
    again = Plan.from_json(labelled.to_json())  # a saved plan keeps them, and routes its apply by them
    assert again == labelled
    assert of_plan(again) == ({AUTO: "dataiku.automation"} if AUTO in shown else {})
