"""The dependency graph: a domain-free DAG (``dag``) and building it from specs and state
(``build``)."""

from reconciler.graph.build import build_graph
from reconciler.graph.dag import Graph, GraphCycleError

__all__ = ["Graph", "GraphCycleError", "build_graph"]
