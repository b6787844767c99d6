"""export's reference wiring (``_wire``): a ``ref_fields`` target ``"type"`` matches the id or a
single-field natural key; ``"type.attr"`` matches that attribute's value and is written
``${address.attr}``, never guessed when two objects share the value. End to end per provider in
``tests/e2e/test_export_*.py``."""

from __future__ import annotations

from typing import Any, ClassVar, Iterable, Mapping

import pytest
from pydantic import BaseModel, ConfigDict

from reconciler.addresses import Address
from reconciler.export import discover
from reconciler.providers.base import Live, ProviderSpec, ResourceType
from reconciler.state.model import ResourceState, State

WORLD: dict[str, list[tuple[str, Live]]] = {}


class SpaceSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    path: str | None = None


class ChartSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str
    space: str | None = None
    space_id: str | None = None
    home: str | None = None


class _Fake(ResourceType):
    def list(self, container: str | None) -> Iterable[tuple[str, Live]]:
        return WORLD.get(self.type_name, [])


class Space(_Fake):
    type_name: ClassVar[str] = "t_space"
    spec_model: ClassVar[type[BaseModel]] = SpaceSpec
    natural_key: ClassVar[tuple[str, ...]] = ("name",)


class Chart(_Fake):
    """``space`` holds a space's path (an attribute, not its id), ``space_id`` its id, ``home`` another
    chart's title."""

    type_name: ClassVar[str] = "t_chart"
    spec_model: ClassVar[type[BaseModel]] = ChartSpec
    natural_key: ClassVar[tuple[str, ...]] = ("title",)
    ref_fields: ClassVar[Mapping[str, str]] = {"space": "t_space.path", "space_id": "t_space", "home": "t_chart.title"}


PROVIDER = ProviderSpec("t", SpaceSpec, {}, {"t_space": Space, "t_chart": Chart}, lambda http, settings: None)
TYPES = {name: cls(None) for name, cls in PROVIDER.resource_types.items()}


@pytest.fixture(autouse=True)
def world():
    WORLD.clear()
    yield WORLD
    WORLD.clear()


def _charts(state: State | None = None) -> dict[str, Any]:
    return {str(e.address): e.attrs for e in discover(PROVIDER, TYPES, {}, state or State.empty())
            if e.address.type == "t_chart"}


def _space(object_id: str, name: str, path: str) -> tuple[str, Live]:
    return object_id, {"id": object_id, "name": name, "path": path}


@pytest.mark.parametrize("chart, wired", [
    pytest.param({"title": "c", "space": "/sales/eu"}, {"space": "${t_space.eu.path}"}, id="attr-target-by-value"),
    pytest.param({"title": "c", "space_id": "s-2"}, {"space_id": "${t_space.eu.id}"}, id="type-target-by-id"),
    pytest.param({"title": "c", "space": "/nowhere"}, {"space": "/nowhere"}, id="unmatched-stays-literal"),
    pytest.param({"title": "c", "space": "s-2"}, {"space": "s-2"}, id="attr-target-ignores-ids"),
    pytest.param({"title": "c", "space_id": "/sales/eu"}, {"space_id": "/sales/eu"}, id="type-target-ignores-attrs"),
])
def test_ref_targets(world, chart, wired):
    world["t_space"] = [_space("s-1", "sales", "/sales"), _space("s-2", "eu", "/sales/eu")]
    world["t_chart"] = [("c-1", {"id": "c-1", **chart})]
    assert _charts() == {"t_chart.c": {**chart, **wired}}


def test_plain_type_target_keeps_matching_a_single_field_natural_key(world):
    world["t_space"] = [_space("s-1", "sales", "/sales")]
    world["t_chart"] = [("c-1", {"id": "c-1", "title": "c", "space_id": "sales"})]
    assert _charts()["t_chart.c"]["space_id"] == "${t_space.sales.name}"


def test_a_value_two_objects_share_is_left_literal(world):
    world["t_space"] = [_space("s-1", "sales", "/shared"), _space("s-2", "ops", "/shared"),
                        _space("s-3", "eu", "/eu")]
    world["t_chart"] = [("c-1", {"id": "c-1", "title": "c", "space": "/shared"}),
                        ("c-2", {"id": "c-2", "title": "d", "space": "/eu"})]
    assert _charts() == {"t_chart.c": {"title": "c", "space": "/shared"},
                         "t_chart.d": {"title": "d", "space": "${t_space.eu.path}"}}


def test_attr_target_matches_a_managed_resource_through_the_state(world):
    managed = ResourceState(Address("t_space", "mine"), "s-9", attrs={"name": "x", "path": "/mine"})
    world["t_chart"] = [("c-1", {"id": "c-1", "title": "c", "space": "/mine"})]
    charts = _charts(State.empty().with_resource(managed))
    assert charts == {"t_chart.c": {"title": "c", "space": "${t_space.mine.path}"}}


def test_attr_target_matches_a_managed_resources_output(world):
    managed = ResourceState(Address("t_space", "mine"), "s-9", attrs={"name": "x"}, outputs={"path": "/out"})
    world["t_chart"] = [("c-1", {"id": "c-1", "title": "c", "space": "/out"})]
    assert _charts(State.empty().with_resource(managed))["t_chart.c"]["space"] == "${t_space.mine.path}"


def test_an_object_never_references_itself(world):
    world["t_chart"] = [("c-1", {"id": "c-1", "title": "a", "home": "a"}),
                        ("c-2", {"id": "c-2", "title": "b", "home": "a"})]
    assert _charts() == {"t_chart.a": {"title": "a", "home": "a"},
                         "t_chart.b": {"title": "b", "home": "${t_chart.a.title}"}}

