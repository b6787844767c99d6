"""Collateral deletions: listed always, refused unless planned too or --allow-cascade."""

from __future__ import annotations

import pytest

from reconciler.addresses import Address
from reconciler.errors import PlanError
from reconciler.plan.cascade import apply_cascades
from reconciler.plan.model import Action, Change, Plan
from reconciler.providers.base import Collateral
from reconciler.state.model import ResourceState, State

DS = Address("dataiku_dataset", "orders")
RECIPE = Address("dataiku_recipe", "clean")
STATE = State("lin", 2, {
    DS: ResourceState(DS, "P.orders"),
    RECIPE: ResourceState(RECIPE, "P.clean"),
})
COLLATERAL = {DS: [Collateral("dataiku_recipe", "P.clean", "clean"), Collateral("dataiku_recipe", "P.adhoc", "adhoc")]}


def plan_of(*changes):
    return Plan(changes=tuple(changes), state_lineage="lin", state_serial=2)


def test_unplanned_collateral_is_refused_naming_it():
    plan = plan_of(Change(DS, Action.DELETE, "gone", object_id="P.orders"))
    with pytest.raises(PlanError) as err:
        apply_cascades(plan, STATE, COLLATERAL, allow_cascade=False)
    assert "'clean'" in str(err.value) and "'adhoc'" in str(err.value) and "--allow-cascade" in str(err.value)


def test_allow_cascade_lists_collateral_in_the_notes():
    plan = plan_of(Change(DS, Action.DELETE, "gone", object_id="P.orders"))
    out = apply_cascades(plan, STATE, COLLATERAL, allow_cascade=True)
    notes = out.changes[0].notes
    assert any("'adhoc' (not managed by reconciler)" in n for n in notes)
    assert any("dataiku_recipe.clean, which the plan keeps" in n for n in notes)


def test_collateral_planned_for_deletion_needs_no_flag():
    plan = plan_of(Change(DS, Action.DELETE, "gone", object_id="P.orders"),
                   Change(RECIPE, Action.DELETE, "gone", object_id="P.clean"))
    out = apply_cascades(plan, STATE, {DS: COLLATERAL[DS][:1]}, allow_cascade=False)
    assert any("planned for deletion" in n for n in out.changes[0].notes)
