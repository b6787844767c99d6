"""What the engine derives from a type's ``read`` and ``list`` (``reconciler.reads``), and how a
refresh uses it: batched reads, lookups by natural key, ambiguity, and one list per container.

The types here answer from memory and count their calls: what is tested is which calls the engine
makes (the providers' own ``list`` and ``read`` are tested against their emulators)."""

from __future__ import annotations

from collections import Counter
from typing import Any, ClassVar

import pytest
from pydantic import BaseModel, ConfigDict

from reconciler import reads
from reconciler.addresses import Address
from reconciler.errors import Location, ProviderError
from reconciler.graph.dag import Graph
from reconciler.refresh import refresh
from reconciler.spec import ResourceSpec, SpecSet
from reconciler.spec.model import Lifecycle, Reference
from reconciler.state.model import ResourceState, State
from reconciler.providers.base import ResourceType

CALLS: Counter = Counter()
#: container -> object id -> live
WORLD: dict[str | None, dict[str, dict[str, Any]]] = {}


class TableSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    schema_name: str
    name: str
    comment: str = ""


class Table(ResourceType):
    """Tables in schemas: listed per schema, read one by one, keyed by (schema, name)."""

    type_name: ClassVar[str] = "db_table"
    spec_model: ClassVar[type[BaseModel]] = TableSpec
    natural_key: ClassVar[tuple[str, ...]] = ("schema_name", "name")
    container: ClassVar[str | None] = "schema_name"

    def read(self, object_id: str) -> dict | None:
        CALLS["read"] += 1
        return WORLD.get(object_id.split(".")[0], {}).get(object_id)

    def list(self, container: str | None):
        CALLS[f"list {container}"] += 1
        return list(WORLD.get(container, {}).items())

    def container_of(self, object_id: str) -> str | None:
        return object_id.split(".")[0]


@pytest.fixture(autouse=True)
def world():
    CALLS.clear()
    WORLD.clear()
    WORLD["sales"] = {f"sales.t{i}": {"schema_name": "sales", "name": f"t{i}", "comment": ""} for i in range(4)}
    WORLD["ops"] = {"ops.jobs": {"schema_name": "ops", "name": "jobs", "comment": ""}}
    yield


def test_several_objects_of_a_container_are_one_list_and_one_alone_is_a_read():
    rt = Table(None)
    groups = reads.read_groups(rt, ["sales.t0", "sales.t1", "sales.gone", "ops.jobs"], {})
    assert sorted((g.listed, g.ids) for g in groups) == [(False, ("ops.jobs",)),
                                                        (True, ("sales.t0", "sales.t1", "sales.gone"))]
    found = {k: v for g in groups for k, v in reads.read_group(rt, g)[0].items()}
    assert found["sales.t0"]["name"] == "t0" and found["sales.gone"] is None and found["ops.jobs"]["name"] == "jobs"
    assert CALLS == Counter({"list sales": 1, "read": 1})


def test_a_lookup_matches_the_natural_key_as_normalize_compares_it_and_refuses_two_matches():
    rt = Table(None)
    key = reads.lookup_key(rt, {"schema_name": "sales", "name": "t2"})
    assert key == ("list", "sales")
    answers, listing = reads.look_up(rt, [{"schema_name": "sales", "name": "t2"},
                                          {"schema_name": "sales", "name": "nope"}], key)
    assert answers == [("sales.t2", WORLD["sales"]["sales.t2"]), None] and "sales.t0" in listing.objects
    WORLD["sales"]["sales.copy"] = {"schema_name": "sales", "name": "t2"}
    answers, _ = reads.look_up(rt, [{"schema_name": "sales", "name": "t2"}], key)
    assert isinstance(answers[0], ProviderError)
    assert "2 db_table objects have the key sales/t2: sales.copy, sales.t2" in str(answers[0])
    with pytest.raises(ProviderError, match="sales.copy, sales.t2"):
        reads.find_one(rt, {"schema_name": "sales", "name": "t2"})


class SchemaSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str


class Schema(ResourceType):
    """Schemas, keyed by name: the containers of tables."""

    type_name: ClassVar[str] = "db_schema"
    spec_model: ClassVar[type[BaseModel]] = SchemaSpec
    natural_key: ClassVar[tuple[str, ...]] = ("name",)

    def read(self, object_id: str) -> dict | None:
        CALLS["read schema"] += 1
        return {"name": object_id} if object_id in WORLD else None

    def id_of(self, spec: dict) -> str | None:
        return spec.get("name")


class _Sessions:
    def resource(self, address: Address) -> ResourceType:
        return Schema(None) if address.type == "db_schema" else Table(None)

    def instance(self, address: Address) -> str:
        return address.provider


def _spec(address: Address, attrs: dict, references: tuple = ()) -> ResourceSpec:
    return ResourceSpec(address=address, attrs=attrs, depends_on=(), lifecycle=Lifecycle(),
                        location=Location("specs/t.yaml", 1), locations={}, references=references)


def test_a_refresh_lists_each_container_once_for_reads_and_for_lookups_of_every_layer():
    known = [Address("db_table", f"t{i}") for i in range(2)]
    first, second = Address("db_table", "new_a"), Address("db_table", "new_b")
    state = State("lin", 1, {a: ResourceState(a, f"sales.{a.name}", attrs={"schema_name": "sales",
                                                                          "name": a.name})
                             for a in known})
    ref = Reference(first, ("schema_name",), "${db_table.new_a.schema_name}", ("schema_name",))
    resources = {
        **{a: _spec(a, {"schema_name": "sales", "name": a.name}) for a in known},
        first: _spec(first, {"schema_name": "sales", "name": "t2"}),
        second: _spec(second, {"schema_name": "${db_table.new_a.schema_name}", "name": "t3"}, (ref,)),
    }
    graph = Graph()
    for address in resources:
        graph.add_node(address)
    graph.add_edge(second, first)  # new_b waits for new_a: its lookup comes a layer later
    refreshed = refresh(graph, SpecSet(resources=resources, providers={}, variables={}, files=()), state,
                        _Sessions(), parallelism=2)
    observed = refreshed.observed
    assert [observed[a].source for a in (*known, first, second)] == ["state", "state", "natural_key",
                                                                     "natural_key"]
    assert observed[second].object_id == "sales.t3"
    assert CALLS == Counter({"list sales": 1})  # the reads' listing answers both layers' lookups


def test_a_lookup_s_listing_answers_the_lookups_of_a_later_layer():
    first, second = Address("db_table", "a"), Address("db_table", "b")
    ref = Reference(first, ("schema_name",), "${db_table.a.schema_name}", ("schema_name",))
    resources = {first: _spec(first, {"schema_name": "ops", "name": "jobs"}),
                 second: _spec(second, {"schema_name": "${db_table.a.schema_name}", "name": "runs"}, (ref,))}
    graph = Graph()
    for address in resources:
        graph.add_node(address)
    graph.add_edge(second, first)
    observed = refresh(graph, SpecSet(resources=resources, providers={}, variables={}, files=()), State.empty(),
                       _Sessions(), parallelism=2).observed
    assert (observed[first].source, observed[second].source) == ("natural_key", "absent")
    assert CALLS == Counter({"list ops": 1})



def _refresh_table_in(container: Address, attr: tuple[str, ...], container_attrs: dict) -> Any:
    table = Address("db_table", "t")
    expr = "${" + str(container) + "." + ".".join(attr) + "}"
    ref = Reference(container, attr, expr, ("schema_name",))
    resources = {container: _spec(container, container_attrs),
                 table: _spec(table, {"schema_name": expr, "name": "t0"}, (ref,))}
    graph = Graph()
    for address in resources:
        graph.add_node(address)
    graph.add_edge(table, container)
    return refresh(graph, SpecSet(resources=resources, providers={}, variables={}, files=()), State.empty(),
                   _Sessions(), parallelism=2).observed[table]


def test_nothing_is_looked_up_inside_a_container_that_apply_will_create():
    observed = _refresh_table_in(Address("db_schema", "new"), ("name",), {"name": "fresh"})
    assert observed.source == "absent" and observed.desired["schema_name"] == "fresh"
    assert CALLS == Counter({"read schema": 1})  # the schema's lookup; no list of a schema that is not there


def test_a_table_in_an_existing_container_is_looked_up():
    WORLD["fresh"] = {"fresh.t0": {"schema_name": "fresh", "name": "t0", "comment": ""}}
    observed = _refresh_table_in(Address("db_schema", "new"), ("name",), {"name": "fresh"})
    assert observed.source == "natural_key" and CALLS == Counter({"read schema": 1, "list fresh": 1})


def test_a_reference_to_a_missing_sibling_s_container_field_is_still_looked_up():
    # db_table.a is absent, but the schema its schema_name names may hold t0: only a reference to
    # the container's own whole key proves the container absent
    WORLD["ops"]["ops.t0"] = {"schema_name": "ops", "name": "t0", "comment": ""}
    observed = _refresh_table_in(Address("db_table", "a"), ("schema_name",), {"schema_name": "ops", "name": "zz"})
    assert observed.source == "natural_key" and CALLS == Counter({"list ops": 1})
