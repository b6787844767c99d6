"""export (pure parts): naming after an owner, the ``export_view`` hook, literal blocks for
multi-line text. The export of each provider runs end to end in ``tests/e2e/test_export_*.py``."""

from __future__ import annotations

from typing import Any, ClassVar, Iterable, Mapping

import pytest
import yaml
from pydantic import BaseModel, ConfigDict

from reconciler.addresses import Address
from reconciler.export import Exported, discover, write_specs
from reconciler.providers.base import Live, ProviderSpec, ResourceType
from reconciler.spec import load_specs
from reconciler.state.model import ResourceState, State

WORLD: dict[str, list[tuple[str, Live]]] = {}


class ParentSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    note: str | None = None


class ChildSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    parent: str
    code: str | None = None
    code_hash: str | None = None


class _Fake(ResourceType):
    def list(self, container: str | None) -> Iterable[tuple[str, Live]]:
        return WORLD.get(self.type_name, [])


class Parent(_Fake):
    type_name: ClassVar[str] = "t_parent"
    spec_model: ClassVar[type[BaseModel]] = ParentSpec
    natural_key: ClassVar[tuple[str, ...]] = ("name",)


class Child(_Fake):
    """Keyed by its parent alone (like ``astro_deploy``), and shaped for export."""

    type_name: ClassVar[str] = "t_child"
    spec_model: ClassVar[type[BaseModel]] = ChildSpec
    natural_key: ClassVar[tuple[str, ...]] = ("parent",)
    ref_fields: ClassVar[Mapping[str, str]] = {"parent": "t_parent"}

    @staticmethod
    def export_view(live: Live) -> Live:
        return {k: v for k, v in live.items() if k != "code_hash"}


PROVIDER = ProviderSpec("t", ParentSpec, {}, {"t_parent": Parent, "t_child": Child}, lambda http, settings: None)
TYPES = {name: cls(None) for name, cls in PROVIDER.resource_types.items()}


@pytest.fixture(autouse=True)
def world():
    WORLD.clear()
    yield WORLD
    WORLD.clear()


def _export(state: State | None = None) -> dict[Address, Any]:
    return {e.address: e.attrs for e in discover(PROVIDER, TYPES, {}, state or State.empty())}


def test_an_object_keyed_by_its_owner_is_named_after_the_owner(world):
    world["t_parent"] = [("p-9", {"id": "p-9", "name": "Main Thing"})]
    world["t_child"] = [("p-9", {"id": "p-9", "parent": "p-9", "code": "x", "code_hash": "h"})]
    assert _export() == {
        Address("t_parent", "main_thing"): {"name": "Main Thing"},
        Address("t_child", "main_thing"): {"parent": "${t_parent.main_thing.id}", "code": "x"},  # export_view
    }


def test_an_owner_outside_the_export_leaves_the_id_as_name_and_value(world):
    world["t_child"] = [("p-9", {"id": "p-9", "parent": "p-9", "code": "x"})]
    assert _export() == {Address("t_child", "p_9"): {"parent": "p-9", "code": "x"}}


def test_an_owner_already_managed_names_and_is_referenced_but_not_exported(world):
    managed = ResourceState(Address("t_parent", "mine"), "p-9", attrs={"name": "Main Thing"})
    state = State.empty().with_resource(managed)
    world["t_parent"] = [("p-9", {"id": "p-9", "name": "Main Thing"})]
    world["t_child"] = [("p-9", {"id": "p-9", "parent": "p-9"})]
    assert _export(state) == {Address("t_child", "mine"): {"parent": "${t_parent.mine.id}"}}


TEXTS = [
    pytest.param("SELECT a\nFROM b\n", "|", id="sql"),
    pytest.param("first\nsecond", "|-", id="no-final-newline"),
    pytest.param("  indented\nthen not", "|2-", id="leading-spaces"),
    pytest.param("a\n\n\n", "|+", id="kept-blank-lines"),
    pytest.param("trailing space \nx", '"', id="trailing-space-falls-back-to-quotes"),
    pytest.param("tab\there\nx", '"', id="tab-falls-back-to-quotes"),
    pytest.param("literal $${x}\n# not a comment\n", "|", id="escaped-reference-and-hash"),
    pytest.param("one line", "one line", id="single-line-plain"),
]


@pytest.mark.parametrize(("text", "style"), TEXTS)
def test_multi_line_text_is_written_as_a_literal_block_and_loads_back_unchanged(tmp_path, text, style):
    out = tmp_path / "specs" / "t-export"
    address = Address("t_parent", "p")
    [path] = write_specs([Exported(address, "p-1", {"name": "p", "note": text}, {})], out, "t")
    written = path.read_text()
    line = next(line for line in written.splitlines() if line.strip().startswith("note:"))
    assert line.split("note:", 1)[1].strip().startswith(style), written
    assert yaml.safe_load(written)["resources"]["t_parent.p"]["note"] == text
    loaded = load_specs(tmp_path / "specs", registry={"t": PROVIDER}, env={})
    assert loaded.resources[address].attrs["note"] == text.replace("$${", "${")
