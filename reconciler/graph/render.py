"""The dependency graph as text: Graphviz DOT and Mermaid.

Owns ``render_dot``, ``render_mermaid`` and ``subgraph``. An edge is drawn from a resource to
what it depends on (``a -> b``: a depends on b), as ``terraform graph`` draws it. ``actions``
(address -> a plan action's name: create, update, replace, delete, forget) labels and styles the
nodes; another name (import, blocked) only labels its node, and a node without one is drawn plain. Output is deterministic (nodes and edges sorted). Pure.
"""

from __future__ import annotations

import re
from typing import Iterable, Mapping

from reconciler.addresses import Address
from reconciler.graph.dag import Graph

#: action -> (fill colour, DOT border colour); the same colours in both formats
STYLES: Mapping[str, tuple[str, str]] = {
    "create": ("#d4f7d4", "#2e7d32"),
    "update": ("#fff3c4", "#b28704"),
    "replace": ("#ffe0b2", "#e65100"),
    "delete": ("#ffd6d6", "#c62828"),
    "forget": ("#e0e0e0", "#616161"),
}
SYMBOLS: Mapping[str, str] = {"create": "+", "update": "~", "replace": "-/+", "delete": "-", "forget": "."}


def subgraph(graph: Graph[Address], keep: Iterable[Address]) -> Graph[Address]:
    """The nodes ``keep`` (those in ``graph``) and the edges between them."""
    kept = {a for a in keep if a in graph}
    return Graph(kept, [(a, b) for a, b in graph.edges() if a in kept and b in kept])


def _label(address: Address, actions: Mapping[Address, str]) -> str:
    action = actions.get(address)
    return f"{SYMBOLS.get(action, action)} {address}" if action else str(address)


def render_dot(graph: Graph[Address], actions: Mapping[Address, str] | None = None) -> str:
    """A ``digraph`` Graphviz renders (``dot -Tsvg``)."""
    actions = actions or {}
    lines = ["digraph reconciler {", "  rankdir=LR;", '  node [shape=box, fontname="Helvetica"];']
    for address in graph.nodes:
        attrs = [f'label="{_dot_escape(_label(address, actions))}"']
        style = STYLES.get(actions.get(address, ""))
        if style:
            attrs += ['style="filled"', f'fillcolor="{style[0]}"', f'color="{style[1]}"']
        lines.append(f'  "{_dot_escape(str(address))}" [{", ".join(attrs)}];')
    for a, b in graph.edges():
        lines.append(f'  "{_dot_escape(str(a))}" -> "{_dot_escape(str(b))}";')
    lines.append("}")
    return "\n".join(lines) + "\n"


def render_mermaid(graph: Graph[Address], actions: Mapping[Address, str] | None = None) -> str:
    """A Mermaid ``flowchart`` (GitHub renders it in a ```mermaid block)."""
    actions = actions or {}
    ids = {address: f"n{i}" for i, address in enumerate(graph.nodes)}
    lines = ["flowchart LR"]
    used = sorted({actions[a] for a in graph.nodes if actions.get(a) in STYLES})
    for action in used:
        fill, stroke = STYLES[action]
        lines.append(f"  classDef {action} fill:{fill},stroke:{stroke}")
    for address, node_id in ids.items():
        action = actions.get(address, "")
        suffix = f":::{action}" if action in STYLES else ""
        lines.append(f'  {node_id}["{_mermaid_escape(_label(address, actions))}"]{suffix}')
    for a, b in graph.edges():
        lines.append(f"  {ids[a]} --> {ids[b]}")
    return "\n".join(lines) + "\n"


def _dot_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _mermaid_escape(text: str) -> str:
    # inside a quoted Mermaid label only '"' needs escaping, as an entity
    return re.sub('"', "#quot;", text)
