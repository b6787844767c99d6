"""A small directed graph of "depends on" edges, generic over hashable nodes.

Owns: nodes and edges, cycle finding, topological layers. Knows nothing of addresses or
specs. An edge ``add_edge(a, b)`` means *a depends on b*: b comes first. Every answer is
deterministic: nodes are sorted where order is visible (by their own ordering when they have
one, else by ``repr``). Nothing here recurses, so long chains are fine.
"""

from __future__ import annotations

from typing import Generic, Hashable, Iterable, TypeVar

N = TypeVar("N", bound=Hashable)


class GraphCycleError(ValueError):
    """The graph has a cycle; ``cycle`` lists it in edge order, first node repeated at the end."""

    def __init__(self, cycle: list) -> None:
        self.cycle = cycle
        super().__init__("dependency cycle: " + " -> ".join(str(n) for n in cycle))


def ordered(nodes: Iterable[N]) -> list[N]:
    """``nodes`` sorted by their own order, or by ``repr`` when they have none."""
    items = list(nodes)
    try:
        return sorted(items)  # type: ignore[type-var]
    except (TypeError, AttributeError):  # unorderable, or mixed kinds of nodes
        return sorted(items, key=repr)


class Graph(Generic[N]):
    """Nodes and "depends on" edges. Mutable while built; the queries do not change it."""

    def __init__(self, nodes: Iterable[N] = (), edges: Iterable[tuple[N, N]] = ()) -> None:
        self._deps: dict[N, set[N]] = {}
        self._rdeps: dict[N, set[N]] = {}
        for n in nodes:
            self.add_node(n)
        for a, b in edges:
            self.add_edge(a, b)

    # -- building ---------------------------------------------------------------------------------
    def add_node(self, node: N) -> None:
        if node not in self._deps:
            self._deps[node] = set()
            self._rdeps[node] = set()

    def add_edge(self, node: N, depends_on: N) -> None:
        """``node`` depends on ``depends_on`` (both are added if new)."""
        self.add_node(node)
        self.add_node(depends_on)
        self._deps[node].add(depends_on)
        self._rdeps[depends_on].add(node)

    # -- queries ----------------------------------------------------------------------------------
    @property
    def nodes(self) -> tuple[N, ...]:
        """Every node, sorted."""
        return tuple(ordered(self._deps))

    def edges(self) -> list[tuple[N, N]]:
        """Every ``(node, depends_on)`` pair, sorted."""
        return [(a, b) for a in ordered(self._deps) for b in ordered(self._deps[a])]

    def __contains__(self, node: object) -> bool:
        return node in self._deps

    def __len__(self) -> int:
        return len(self._deps)

    def dependencies(self, node: N) -> frozenset[N]:
        """What ``node`` depends on directly. ``KeyError`` if ``node`` is not in the graph."""
        return frozenset(self._deps[node])

    def dependents(self, node: N) -> frozenset[N]:
        """What depends on ``node`` directly."""
        return frozenset(self._rdeps[node])

    def transitive_dependents(self, node: N) -> frozenset[N]:
        """Everything that depends on ``node``, directly or not (``node`` itself only in a cycle)."""
        return self._reach(node, self._rdeps)

    def transitive_dependencies(self, node: N) -> frozenset[N]:
        """Everything ``node`` depends on, directly or not."""
        return self._reach(node, self._deps)

    def _reach(self, node: N, adj: dict[N, set[N]]) -> frozenset[N]:
        seen: set[N] = set()
        stack = list(adj[node])
        while stack:
            n = stack.pop()
            if n not in seen:
                seen.add(n)
                stack.extend(adj[n])
        return frozenset(seen)

    def find_cycle(self) -> list[N] | None:
        """One cycle in edge order with its first node repeated at the end, or None.

        Deterministic: the cycle found is rotated to start at its smallest member.
        """
        if self._acyclic():
            return None  # the usual case, found without sorting anything
        white, grey, black = 0, 1, 2
        colour = dict.fromkeys(self._deps, white)
        for start in ordered(self._deps):
            if colour[start] != white:
                continue
            path: list[N] = [start]
            iters = [iter(ordered(self._deps[start]))]
            colour[start] = grey
            while iters:
                nxt = next(iters[-1], None)
                if nxt is None:
                    colour[path.pop()] = black
                    iters.pop()
                    continue
                if colour[nxt] == grey:
                    cycle = path[path.index(nxt):]
                    first = cycle.index(ordered(cycle)[0])
                    cycle = cycle[first:] + cycle[:first]
                    return cycle + [cycle[0]]
                if colour[nxt] == white:
                    colour[nxt] = grey
                    path.append(nxt)
                    iters.append(iter(ordered(self._deps[nxt])))
        return None

    def _acyclic(self) -> bool:
        """Kahn's count: every node can be removed once what it depends on is removed."""
        remaining = {n: len(d) for n, d in self._deps.items()}
        ready = [n for n, count in remaining.items() if count == 0]
        removed = 0
        while ready:
            n = ready.pop()
            removed += 1
            for m in self._rdeps[n]:
                remaining[m] -= 1
                if remaining[m] == 0:
                    ready.append(m)
        return removed == len(self._deps)

    def layers(self) -> list[list[N]]:
        """Topological layers, dependencies first; each layer sorted.

        Every node of a layer depends only on nodes of earlier layers. Raises
        ``GraphCycleError`` if the graph has a cycle.
        """
        remaining = {n: len(d) for n, d in self._deps.items()}
        layer = ordered(n for n, count in remaining.items() if count == 0)
        out: list[list[N]] = []
        done = 0
        while layer:
            out.append(layer)
            done += len(layer)
            nxt = []
            for n in layer:
                for m in self._rdeps[n]:
                    remaining[m] -= 1
                    if remaining[m] == 0:
                        nxt.append(m)
            layer = ordered(nxt)
        if done != len(self._deps):
            raise GraphCycleError(self.find_cycle() or [])
        return out

    def reversed(self) -> "Graph[N]":
        """The same nodes with every edge flipped (for deletes: dependents first)."""
        return Graph(self._deps, ((b, a) for a, b in self.edges()))

    def __repr__(self) -> str:
        return f"Graph(nodes={len(self._deps)}, edges={sum(len(d) for d in self._deps.values())})"
