"""Entity-to-entity views of the graph: shortest explanation paths and the networkx bridge.

Only asserted facts between two entities count as edges (no ``rdf:type``, no literals,
no inferred inverses or symmetric copies, which would only duplicate asserted edges).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from typing import Any

from rdflib.namespace import RDF
from rdflib.term import Literal, Node

from kgqa.graph.store import Key, TripleIndex


def entity_edges(asserted: TripleIndex, entities: set[Node] | frozenset[Node]) -> list[Key]:
    """Asserted triples whose subject and object are both entities, in file order."""
    return [
        t
        for t in asserted
        if t[1] != RDF.type and not isinstance(t[2], Literal) and t[0] in entities and t[2] in entities
    ]


def adjacency(edges: Iterable[Key]) -> dict[Node, list[tuple[Node, Key]]]:
    """Undirected adjacency: node -> [(neighbour, the oriented triple), ...]."""
    adj: dict[Node, list[tuple[Node, Key]]] = {}
    for t in edges:
        s, _, o = t
        adj.setdefault(s, []).append((o, t))
        if o != s:
            adj.setdefault(o, []).append((s, t))
    return adj


def bfs_path(adj: dict[Node, list[tuple[Node, Key]]], a: Node, b: Node, max_len: int) -> list[Key] | None:
    """A shortest chain of triples linking ``a`` to ``b`` ignoring direction, or ``None``.

    Each triple keeps its own direction; the chain reads from ``a`` to ``b``.
    """
    if a == b:
        return []
    if a not in adj or b not in adj:
        return None
    parent: dict[Node, tuple[Node, Key] | None] = {a: None}
    frontier = deque([(a, 0)])
    while frontier:
        node, depth = frontier.popleft()
        if depth >= max_len:
            continue
        for nxt, t in adj[node]:
            if nxt in parent:
                continue
            parent[nxt] = (node, t)
            if nxt == b:
                path: list[Key] = []
                cur: Node = b
                while (step := parent[cur]) is not None:
                    cur, edge = step
                    path.append(edge)
                return path[::-1]
            frontier.append((nxt, depth + 1))
    return None


def to_networkx(
    nodes: Iterable[Node], edges: Iterable[Key], label: Callable[[Node], str], source: Callable[[Key], str]
) -> Any:
    """A ``networkx.MultiDiGraph`` over entity IRIs with ``predicate`` (IRI), ``label`` and ``source`` on edges."""
    import networkx as nx

    graph = nx.MultiDiGraph()
    for n in nodes:
        graph.add_node(str(n), label=label(n))
    for t in edges:
        s, p, o = t
        graph.add_edge(str(s), str(o), key=str(p), predicate=str(p), label=label(p), source=source(t))
    return graph


__all__ = ["adjacency", "bfs_path", "entity_edges", "to_networkx"]
