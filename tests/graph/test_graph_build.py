"""build_graph: edges from references, depends_on and state; cycle errors a user can act on."""

from __future__ import annotations

import pytest

from reconciler.addresses import Address
from reconciler.errors import CycleError
from reconciler.graph import build_graph
from reconciler.state.model import ResourceState, State


def A(name: str) -> Address:
    return Address("test_node", name)


def state_with(*resources: ResourceState) -> State:
    return State(lineage="l", serial=1, resources={r.address: r for r in resources})


def test_edges_come_from_references_and_depends_on(load_text):
    specs = load_text({"a.yaml": """
        resources:
          test_node.root: {name: root}
          test_node.child: {name: "c-${test_node.root.name}"}
          test_node.leaf: {name: leaf, depends_on: [test_node.child]}
          test_node.alone: {name: alone}
        """})
    g = build_graph(specs)
    assert g.layers() == [[A("alone"), A("root")], [A("child")], [A("leaf")]]
    assert g.dependencies(A("child")) == {A("root")}


@pytest.mark.parametrize(
    "recorded, expected_deps",
    [
        pytest.param((A("root"),), {A("root")}, id="dependency-still-in-specs"),
        pytest.param((A("gone2"),), {A("gone2")}, id="dependency-only-in-state"),
        pytest.param((A("forgotten"),), set(), id="dependency-nowhere-is-dropped"),
    ],
)
def test_state_only_addresses_keep_recorded_dependencies(load_text, recorded, expected_deps):
    specs = load_text({"a.yaml": "resources:\n  test_node.root: {name: root}\n"})
    state = state_with(ResourceState(A("gone"), "1", dependencies=recorded), ResourceState(A("gone2"), "2"),
                       ResourceState(A("root"), "3", dependencies=(A("gone"),)))
    g = build_graph(specs, state)
    assert set(g.nodes) == {A("root"), A("gone"), A("gone2")}
    assert g.dependencies(A("gone")) == expected_deps
    assert g.dependencies(A("root")) == frozenset()  # specs, not state, say what a spec depends on


def test_a_cycle_names_every_member_with_file_and_line(load_text):
    specs = load_text({
        "a.yaml": """
            resources:
              test_node.a:
                name: "${test_node.b.name}"
              test_node.c:
                name: c
                depends_on: [test_node.a]
            """,
        "b.yaml": """
            resources:
              test_node.b:
                name: b
                parent: ${test_node.c.name}
            """,
    })
    with pytest.raises(CycleError) as info:
        build_graph(specs)
    err = info.value
    assert err.cycle == ["test_node.a", "test_node.b", "test_node.c"]
    assert str(err).splitlines() == [
        "dependency cycle: test_node.a -> test_node.b -> test_node.c -> test_node.a",
        "  test_node.a (specs/a.yaml:2) depends on test_node.b through '${test_node.b.name}' at specs/a.yaml:3",
        "  test_node.b (specs/b.yaml:2) depends on test_node.c through '${test_node.c.name}' at specs/b.yaml:4",
        "  test_node.c (specs/a.yaml:4) depends on test_node.a through depends_on at specs/a.yaml:6",
        "  hint: remove one of these references or depends_on entries",
    ]
    assert str(err.location) == "specs/a.yaml:2"


def test_a_self_dependency_is_a_cycle(load_text):
    specs = load_text({"a.yaml": "resources:\n  test_node.a: {name: a, depends_on: [test_node.a]}\n"})
    with pytest.raises(CycleError, match=r"test_node\.a \(specs/a\.yaml:2\) depends on test_node\.a through depends_on"):
        build_graph(specs)


def test_a_cycle_among_state_only_addresses_says_in_state(load_text):
    specs = load_text({"a.yaml": "resources:\n  test_node.a: {name: a}\n"})
    state = state_with(ResourceState(A("x"), "1", dependencies=(A("y"),)),
                       ResourceState(A("y"), "2", dependencies=(A("x"),)))
    with pytest.raises(CycleError) as info:
        build_graph(specs, state)
    assert str(info.value).splitlines()[:3] == [
        "dependency cycle: test_node.x -> test_node.y -> test_node.x",
        "  test_node.x (in state) depends on test_node.y (recorded in state)",
        "  test_node.y (in state) depends on test_node.x (recorded in state)",
    ]
    assert info.value.location is None and info.value.address == "test_node.x"
