"""The knowledge graph: loading RDF safely, reasoning, lookups, entity linking and relation matching.

Example:
    >>> from kgqa.graph import EntityLinker, KnowledgeGraph
    >>> kg = KnowledgeGraph.load()
    >>> linker = EntityLinker(kg)
    >>> [m.iri for m in linker.find_mentions("Did Shakespeare write Hamlet?")]  # doctest: +SKIP
"""

from __future__ import annotations

from kgqa.graph.dates import KGDate, parse_date
from kgqa.graph.kg import KnowledgeGraph
from kgqa.graph.linking import EntityLinker, Mention, normalize
from kgqa.graph.relations import RelationMatcher

__all__ = ["EntityLinker", "KGDate", "KnowledgeGraph", "Mention", "RelationMatcher", "normalize", "parse_date"]
