"""Entity-to-entity views of the graph: shortest explanation paths (bounded by a budget) and the networkx bridge.

Only asserted facts between two entities count as edges (no ``rdf:type``, no literals,
no inferred inverses or symmetric copies, which would only duplicate asserted edges).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from rdflib.namespace import RDF
from rdflib.term import Literal, Node

from kgqa.budget import Budget
from kgqa.graph.store import Key, TripleIndex
from kgqa.types import Triple

if TYPE_CHECKING:  # pragma: no cover
    from kgqa.graph.kg import KnowledgeGraph

_IRI = ("http://", "https://", "urn:")


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


def bfs_path(
    adj: dict[Node, list[tuple[Node, Key]]], a: Node, b: Node, max_len: int, budget: Budget | None = None
) -> list[Key] | None:
    """A shortest chain of triples linking ``a`` to ``b`` ignoring direction, or ``None``.

    Each triple keeps its own direction; the chain reads from ``a`` to ``b``. With a ``budget``, each
    node expanded costs one unit; when it runs out the search stops, returns ``None`` and the budget
    is marked exhausted (its :meth:`~kgqa.budget.Budget.to_dict` is the trace's record of the cut).
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
        if budget is not None and not budget.take():
            return None
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


def neighbour_path(
    kg: KnowledgeGraph, a: str, b: str, max_len: int = 4, budget: Budget | None = None
) -> list[Triple] | None:
    """A shortest chain of asserted entity-to-entity facts from ``a`` to ``b`` (direction ignored), or ``None``.

    Unlike :meth:`KnowledgeGraph.shortest_path <kgqa.graph.kg.KnowledgeGraph.shortest_path>`, which
    builds the adjacency of the whole graph once, this reads each node's facts as it expands it
    (:meth:`~kgqa.graph.kg.KnowledgeGraph.facts`), so one search on a big graph or store costs what it
    visits. The search is breadth-first from both ends (the smaller frontier grows first); each node
    expanded costs one unit of ``budget``, and when it runs out the search returns ``None`` with the
    budget marked exhausted.
    """
    if a == b:
        return []
    sides: tuple[dict[str, tuple[str, Triple] | None], dict[str, tuple[str, Triple] | None]] = ({a: None}, {b: None})
    frontiers = ([a], [b])
    depth = 0
    while frontiers[0] and frontiers[1] and depth < max_len:
        grow = 0 if len(frontiers[0]) <= len(frontiers[1]) else 1
        parent, other = sides[grow], sides[1 - grow]
        nxt: list[str] = []
        for node in frontiers[grow]:
            if budget is not None and not budget.take():
                return None
            for t in kg.facts(node, None, None, inferred=False) + kg.facts(None, None, node, inferred=False):
                if t.predicate == str(RDF.type) or not t.object.startswith(_IRI) or t.subject == t.object:
                    continue
                far = t.object if t.subject == node else t.subject
                if far in parent:
                    continue
                parent[far] = (node, t)
                if far in other:
                    return _join(sides, far)
                nxt.append(far)
        frontiers = (nxt, frontiers[1]) if grow == 0 else (frontiers[0], nxt)
        depth += 1
    return None


def _join(
    sides: tuple[dict[str, tuple[str, Triple] | None], dict[str, tuple[str, Triple] | None]], meet: str
) -> list[Triple]:
    """The chain from the first side's root to the second's through ``meet``."""
    left: list[Triple] = []
    cur = meet
    while (step := sides[0][cur]) is not None:
        cur, t = step
        left.append(t)
    right: list[Triple] = []
    cur = meet
    while (step := sides[1][cur]) is not None:
        cur, t = step
        right.append(t)
    return left[::-1] + right


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


__all__ = ["adjacency", "bfs_path", "entity_edges", "neighbour_path", "to_networkx"]
