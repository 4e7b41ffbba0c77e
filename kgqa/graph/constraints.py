"""The question's other entities as constraints on a path's answers ("What country that uses the Zarn does X export to?").

A relation path starts at one linked entity; a question often names more: "Which country that borders Norland
does Mara Holt live in?" walks from Mara Holt and asks, besides, that the answer be linked to Norland.
:func:`constrain` keeps, for each other linked mention, the end values that one fact links to it (either
direction), when some but not all of them are: the intersection reading of a conjunctive question. A mention
that links to none of the values says nothing (the graph is an open world, and the mention may be a stray
link), and one that links to all of them changes nothing. Each narrowing is recorded for the trace.

Why hand-written: it is a set intersection over the graph's own edges (:meth:`KnowledgeGraph.edges`) with the
budget the path search also uses; no library reads a question's constraints off a graph.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kgqa.graph.kg import KnowledgeGraph
    from kgqa.graph.linking import Mention

#: facts of a constraining entity read to find its neighbours
MAX_CONSTRAINT_EDGES = 20000
#: candidate entities of a mention tried as the constraint, best first
MAX_CONSTRAINT_CANDIDATES = 3
_SCHEMA = (
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "http://www.w3.org/2000/01/rdf-schema#",
    "http://www.w3.org/2002/07/owl#",
    "http://www.w3.org/2004/02/skos/core#",
)


def neighbours(kg: KnowledgeGraph, node: str, limit: int = MAX_CONSTRAINT_EDGES) -> set[str]:
    """The nodes one non-schema fact links to ``node``, either way round (at most ``limit`` facts read)."""
    return {other for prop, other, _forward in kg.edges(node, limit=limit) if not prop.startswith(_SCHEMA)}


def constrain(
    kg: KnowledgeGraph, ends: Counter[str], start: str, start_mention: str, mentions: Sequence[Mention]
) -> tuple[Counter[str], list[dict[str, Any]]]:
    """``ends`` narrowed to the values linked to each other mention of the question, with the record of each cut.

    Args:
        kg: the graph.
        ends: a path's end values (with their walk counts).
        start: the path's start entity; mentions of it (or overlapping its mention) are no constraint.
        start_mention: the text of the mention the path starts from.
        mentions: the question's linked mentions.

    Returns:
        ``(ends kept, records)``; a record names the mention, the entity, and the values before and after.

    Example:
        >>> kept, why = constrain(kg, path.ends, path.entity, path.mention, mentions)   # doctest: +SKIP
        >>> why[0]["mention"], why[0]["kept"], why[0]["of"]                               # doctest: +SKIP
        ('Norland', 1, 7)
    """
    records: list[dict[str, Any]] = []
    for m in mentions:
        if m.iri == start or m.text == start_mention or len(ends) < 2:
            continue
        iris = [c.iri for c in m.candidates[:MAX_CONSTRAINT_CANDIDATES]] or [m.iri]
        for iri in dict.fromkeys(iris):
            if iri == start:
                continue
            linked = neighbours(kg, iri) & set(ends)
            if linked and len(linked) < len(ends):
                records.append({"mention": m.text, "entity": iri, "kept": len(linked), "of": len(ends)})
                ends = Counter({n: c for n, c in ends.items() if n in linked})
            if linked:
                break
    return ends, records


__all__ = ["MAX_CONSTRAINT_CANDIDATES", "MAX_CONSTRAINT_EDGES", "constrain", "neighbours"]
