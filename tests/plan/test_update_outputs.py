"""Outputs an update renews (``ResourceType.outputs_on_update``) and notes an update adds to the
plan (``ResourceType.update_notes``), as planner tables: a reference to a renewed output is known
only after apply, a reference to another output stays known, and an update of an unrelated field
renews nothing."""

from __future__ import annotations

from typing import Any, ClassVar, Mapping

import pytest
from pydantic import BaseModel, ConfigDict

from reconciler.addresses import Address
from reconciler.plan.model import Action, Unknown
from reconciler.providers.base import ResourceType
from tests.plan import test_replacements as tables


class SourceSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    model: str


class Source(ResourceType):
    """Like a registered model: a new ``model`` makes a new latest ``version_id``."""

    type_name: ClassVar[str] = "test_source"
    spec_model: ClassVar[type[BaseModel]] = SourceSpec
    outputs_on_update: ClassVar[Mapping[str, frozenset[str]]] = {"version_id": frozenset({"model"})}

    def update_notes(self, live: Any, desired: Mapping[str, Any], changed: frozenset[str]) -> tuple[str, ...]:
        return ("a new version is registered",) if "model" in changed else ()


SOURCE = Address("test_source", "s")
SOURCE_LIVE = {"id": "s-1", "name": "s", "model": "m1", "version_id": "v-1"}


@pytest.fixture(autouse=True)
def _types(monkeypatch):
    monkeypatch.setitem(tables.TYPES, "test_source", Source)


@pytest.mark.parametrize("source, note_ref, expected, unknown", [
    pytest.param({"name": "s", "model": "m2"}, "${test_source.s.version_id}",
                 {"test_source.s": "update", "test_dep.o": "update"}, True, id="renewed-output-unknown"),
    pytest.param({"name": "renamed", "model": "m1"}, "${test_source.s.version_id}",
                 {"test_source.s": "update", "test_dep.o": "no-op"}, False, id="other-field-renews-nothing"),
    pytest.param({"name": "s", "model": "m2"}, "${test_source.s.id}",
                 {"test_source.s": "update", "test_dep.o": "no-op"}, False, id="other-output-stays-known"),
])
def test_outputs_renewed_by_an_update(source, note_ref, expected, unknown):
    dep_live = {"id": "o-1", "label": "other", "note": "v-1" if "version_id" in note_ref else "s-1"}
    plan = tables.world([tables.rspec(SOURCE, source), tables.rspec(tables.OTHER, {"label": "other", "note": note_ref})],
                        {SOURCE: SOURCE_LIVE, tables.OTHER: dep_live})
    assert tables.actions(plan) == expected
    other = plan.change_for(tables.OTHER)
    assert isinstance(other.after["note"], Unknown) is unknown
    if unknown:
        assert [str(d.new) for d in other.diff] == ["(known after apply)"]


def test_update_notes_are_in_the_plan_of_that_update_only():
    renamed = tables.world([tables.rspec(SOURCE, {"name": "renamed", "model": "m1"})], {SOURCE: SOURCE_LIVE})
    assert "a new version is registered" not in renamed.change_for(SOURCE).notes
    moved = tables.world([tables.rspec(SOURCE, {"name": "s", "model": "m2"})], {SOURCE: SOURCE_LIVE})
    change = moved.change_for(SOURCE)
    assert change.action is Action.UPDATE and "a new version is registered" in change.notes
