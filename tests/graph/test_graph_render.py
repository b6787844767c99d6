"""DOT and Mermaid renderings of the dependency graph of a small spec set, and the plan-only subgraph."""

from __future__ import annotations

from reconciler.addresses import Address
from reconciler.graph import build_graph
from reconciler.graph.render import render_dot, render_mermaid, subgraph

SPECS = {"a.yaml": """
    resources:
      test_node.root: {name: root}
      test_node.child: {name: "c-${test_node.root.name}"}
      test_node.leaf: {name: 'say "hi"', depends_on: [test_node.child]}
    """}


def A(name: str) -> Address:
    return Address("test_node", name)


def test_dot(load_text):
    graph = build_graph(load_text(SPECS))
    assert render_dot(graph) == (
        'digraph reconciler {\n'
        '  rankdir=LR;\n'
        '  node [shape=box, fontname="Helvetica"];\n'
        '  "test_node.child" [label="test_node.child"];\n'
        '  "test_node.leaf" [label="test_node.leaf"];\n'
        '  "test_node.root" [label="test_node.root"];\n'
        '  "test_node.child" -> "test_node.root";\n'
        '  "test_node.leaf" -> "test_node.child";\n'
        '}\n')


def test_dot_styles_nodes_by_action(load_text):
    graph = build_graph(load_text(SPECS))
    dot = render_dot(graph, {A("root"): "create", A("leaf"): "delete"})
    assert ('"test_node.root" [label="+ test_node.root", style="filled", fillcolor="#d4f7d4", '
            'color="#2e7d32"];') in dot
    assert '"test_node.leaf" [label="- test_node.leaf", style="filled"' in dot
    assert '"test_node.child" [label="test_node.child"];' in dot


def test_mermaid(load_text):
    graph = build_graph(load_text(SPECS))
    assert render_mermaid(graph, {A("child"): "replace"}) == (
        'flowchart LR\n'
        '  classDef replace fill:#ffe0b2,stroke:#e65100\n'
        '  n0["-/+ test_node.child"]:::replace\n'
        '  n1["test_node.leaf"]\n'
        '  n2["test_node.root"]\n'
        '  n0 --> n2\n'
        '  n1 --> n0\n')


def test_subgraph_keeps_the_edges_between_kept_nodes(load_text):
    graph = build_graph(load_text(SPECS))
    sub = subgraph(graph, [A("leaf"), A("child"), A("gone")])
    assert sub.nodes == (A("child"), A("leaf"))
    assert sub.edges() == [(A("leaf"), A("child"))]
