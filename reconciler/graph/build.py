"""Building the dependency graph of addresses from specs (and state), with a cycle error a user
can act on.

Nodes are every address in the specs and in the state. A spec's edges come from its
``${...}`` references and ``depends_on``; an address only in the state keeps the dependencies
recorded there (those still in the graph), so deletes run dependents first.
"""

from __future__ import annotations

from reconciler.addresses import Address
from reconciler.errors import CycleError, Location
from reconciler.graph.dag import Graph
from reconciler.spec.model import SpecSet
from reconciler.state.model import State


def build_graph(specs: SpecSet, state: State | None = None) -> Graph[Address]:
    """The graph of ``specs`` ∪ ``state``. Raises ``CycleError`` naming the cycle and where."""
    graph: Graph[Address] = Graph()
    for address in specs.resources:
        graph.add_node(address)
    state_only = [] if state is None else [a for a in state.resources if a not in specs.resources]
    for address in state_only:
        graph.add_node(address)
    for address, spec in specs.resources.items():
        for dep in spec.dependencies():
            if dep in graph:  # always, for specs from load_specs (it checks every reference)
                graph.add_edge(address, dep)
    for address in state_only:
        for dep in state.resources[address].dependencies:  # type: ignore[union-attr]
            if dep in graph:
                graph.add_edge(address, dep)
    cycle = graph.find_cycle()
    if cycle:
        raise _cycle_error(cycle, specs)
    return graph


def _cycle_error(cycle: list[Address], specs: SpecSet) -> CycleError:
    lines = ["dependency cycle: " + " -> ".join(str(a) for a in cycle)]
    for a, b in zip(cycle, cycle[1:]):
        spec = specs.resources.get(a)
        if spec is None:
            lines.append(f"  {a} (in state) depends on {b} (recorded in state)")
            continue
        lines.append(f"  {a} ({spec.location}) depends on {b} {_why(spec, b)}")
    err = CycleError("\n".join(lines), cycle=[str(a) for a in cycle[:-1]],
                     hint="remove one of these references or depends_on entries")
    first = specs.resources.get(cycle[0])
    err.location = first.location if first else None
    err.address = str(cycle[0])
    return err


def _why(spec, dep: Address) -> str:
    """Where ``spec`` says it depends on ``dep``: the first reference or depends_on entry."""
    for ref in spec.references:
        if ref.address == dep:
            return f"through '{ref.expr}' at {spec.location_of(ref.path)}"
    if dep in spec.depends_on:
        where: Location = spec.location_of(("depends_on",))
        return f"through depends_on at {where}"
    return ""  # pragma: no cover - every edge comes from one of the two
