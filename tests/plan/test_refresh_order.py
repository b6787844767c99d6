"""The refresh walk keeps chains of lookups moving: an answer is taken as soon as it is in, and
what it unblocks that needs a lookup goes out before the walk settles what was read by id.

The resource types here are stand-ins that answer from memory (no platform is involved: what is
tested is the order in which the walk asks, which no HTTP seam would show)."""

from __future__ import annotations

import time
from typing import Any

from reconciler.addresses import Address
from reconciler.errors import Location
from reconciler.graph.dag import Graph
from reconciler.providers.base import ResourceType
from reconciler.refresh import refresh
from reconciler.spec import ResourceSpec, SpecSet
from reconciler.spec.model import Reference
from reconciler.state.model import ResourceState, State

EVENTS: list[str] = []


class _Source(ResourceType):
    """A data source found by its ``name`` at once."""

    type_name = "dataiku_project_folder"
    data_source = True

    def find(self, spec: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        EVENTS.append(f"find {spec['name']}")
        return spec["name"], {"name": spec["name"], "id": spec["name"]}


class _Known(ResourceType):
    """An object read by its id, the read answered at once."""

    type_name = "dataiku_dataset"

    def read(self, object_id: str) -> dict[str, Any]:
        return {"name": object_id}


class _Sessions:
    names = ("dataiku",)

    def __init__(self) -> None:
        self.types = {"dataiku_project_folder": _Source(None), "dataiku_dataset": _Known(None)}

    def resource(self, address: Address) -> ResourceType:
        return self.types[address.type]

    def concurrency(self, name: str) -> int | None:
        return 4


def test_a_lookup_unblocked_by_an_answer_goes_out_before_what_was_read_by_id_is_settled():
    first, second = Address("dataiku_project_folder", "first"), Address("dataiku_project_folder", "second")
    known = [Address("dataiku_dataset", f"d{i:03d}") for i in range(200)]
    where = Location("specs/x.yaml", 1)
    specs = {
        first: ResourceSpec(first, {"name": "first"}),
        second: ResourceSpec(second, {"name": "${dataiku_project_folder.first.id}-2"},
                             references=(Reference(first, ("id",), "${dataiku_project_folder.first.id}", ("name",)),),
                             location=where),
        **{a: ResourceSpec(a, {"name": a.name}) for a in known},
    }
    state = State("lineage", 1, {a: ResourceState(a, a.name, {"name": a.name}) for a in known})
    graph = Graph(nodes=[first, second, *known], edges=[(second, first)])
    EVENTS.clear()

    def settled(obs) -> None:
        if obs.address in state.resources:
            EVENTS.append("settled known")
            time.sleep(0.002)  # deciding takes a while: the first lookup's answer comes in meanwhile

    observed = refresh(graph, SpecSet(resources=specs, providers={}, variables={}, files=()), state, _Sessions(),
                       parallelism=4, on_settled=settled)
    assert observed[second].live == {"name": "first-2", "id": "first-2"}
    assert EVENTS.index("find first-2") < len(known) // 2, EVENTS[:20]  # not after the 200 reads
