"""The generic DAG: layers, cycles, neighbours, determinism."""

from __future__ import annotations

import random

import pytest

from reconciler.graph import Graph, GraphCycleError


def graph(edges, nodes=()):
    return Graph(nodes, edges)


@pytest.mark.parametrize(
    "edges, nodes, layers",
    [
        pytest.param([], [], [], id="empty"),
        pytest.param([], ["b", "a"], [["a", "b"]], id="isolated-nodes-sorted"),
        pytest.param([("b", "a"), ("c", "b")], [], [["a"], ["b"], ["c"]], id="chain"),
        pytest.param([("b", "a"), ("c", "a"), ("d", "b"), ("d", "c")], [], [["a"], ["b", "c"], ["d"]], id="diamond"),
        pytest.param([("c", "a"), ("c", "b"), ("e", "d")], ["f"], [["a", "b", "d", "f"], ["c", "e"]], id="forest"),
        pytest.param([(2, 1), (3, 1), (10, 3)], [], [[1], [2, 3], [10]], id="numbers-sort-numerically"),
    ],
)
def test_layers(edges, nodes, layers):
    assert graph(edges, nodes).layers() == layers


@pytest.mark.parametrize(
    "edges, cycle",
    [
        pytest.param([("b", "a")], None, id="acyclic"),
        pytest.param([("a", "a")], ["a", "a"], id="self-loop"),
        pytest.param([("c", "a"), ("a", "b"), ("b", "c")], ["a", "b", "c", "a"], id="triangle-starts-at-smallest"),
        pytest.param([("x", "a"), ("a", "b"), ("b", "a"), ("y", "x")], ["a", "b", "a"], id="cycle-below-a-tail"),
    ],
)
def test_find_cycle(edges, cycle):
    assert graph(edges).find_cycle() == cycle


def test_layers_of_a_cyclic_graph_raise_with_the_cycle():
    with pytest.raises(GraphCycleError) as info:
        graph([("a", "b"), ("b", "a"), ("c", "a")]).layers()
    assert info.value.cycle == ["a", "b", "a"]
    assert str(info.value) == "dependency cycle: a -> b -> a"
    assert isinstance(info.value, ValueError)


def test_neighbours_and_transitive_closure():
    g = graph([("b", "a"), ("c", "b"), ("d", "a"), ("e", "x")])
    assert g.dependencies("c") == {"b"} and g.dependents("a") == {"b", "d"}
    assert g.transitive_dependents("a") == {"b", "c", "d"}
    assert g.transitive_dependencies("c") == {"a", "b"}
    assert g.transitive_dependents("c") == frozenset()
    with pytest.raises(KeyError):
        g.dependencies("nope")


def test_reversed():
    g = graph([("b", "a"), ("c", "b")])
    assert g.reversed().layers() == [["c"], ["b"], ["a"]]
    assert g.layers() == [["a"], ["b"], ["c"]]  # unchanged


def test_results_do_not_depend_on_insertion_order():
    edges = [(f"n{i}", f"n{j}") for i in range(30) for j in range(i) if (i * 7 + j) % 5 == 0]
    expected = graph(edges).layers()
    for seed in range(5):
        shuffled = list(edges)
        random.Random(seed).shuffle(shuffled)
        g = graph(shuffled)
        assert g.layers() == expected
        assert g.nodes == tuple(sorted(g.nodes))


def test_unorderable_nodes_fall_back_to_repr():
    g = graph([(("t", 1), "a")])
    assert g.layers() == [["a"], [("t", 1)]]


def test_long_chains_do_not_recurse():
    n = 20_000
    g = graph([(i + 1, i) for i in range(n)])
    assert g.find_cycle() is None
    assert len(g.layers()) == n + 1
    g.add_edge(0, n)
    assert len(g.find_cycle()) == n + 2
