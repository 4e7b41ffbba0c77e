"""The schema side of :class:`~kgqa.graph.kg.KnowledgeGraph`: class hierarchy, disjointness,
property characteristics and the entity / class / property vocabularies.

Kept apart from ``kg.py`` so that each module reads in one sitting; the methods rely only on
the graph's asserted index, its caches and its term helpers, declared below.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rdflib.namespace import OWL, RDF, RDFS
from rdflib.term import Literal, Node

from kgqa.errors import GraphError
from kgqa.graph.store import Key, TripleIndex
from kgqa.types import Triple

if TYPE_CHECKING:
    from kgqa.graph.catalogue import NamesCatalogue
    from kgqa.graph.vocabulary import GraphVocabulary

_CLASS_TYPES = frozenset({RDFS.Class, OWL.Class})
_PROPERTY_TYPES = frozenset(
    {RDF.Property, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, OWL.FunctionalProperty}
    | {OWL.InverseFunctionalProperty, OWL.SymmetricProperty, OWL.AsymmetricProperty, OWL.TransitiveProperty}
    | {OWL.ReflexiveProperty, OWL.IrreflexiveProperty}
)
_META_TYPES = _CLASS_TYPES | _PROPERTY_TYPES | {OWL.Ontology, OWL.Restriction, RDFS.Datatype, OWL.AllDisjointClasses}


class SchemaMixin:
    """Class and property lookups over the asserted schema triples."""

    _asserted: TripleIndex
    _inferred: TripleIndex
    _cache: dict[str, Any]
    #: a names catalogue file (see :mod:`kgqa.graph.catalogue`) that serves the vocabulary views and
    #: the entity linker's names; set when a graph store holding one is opened, ``None`` otherwise
    catalogue_path: Path | None = None
    #: a saved vocabulary (see :mod:`kgqa.graph.vocabulary_cache`) that serves the inferred characteristics,
    #: domains and ranges; set when a graph store holding one is opened, ``None`` otherwise
    vocabulary_path: Path | None = None
    #: a saved adjacency (see :mod:`kgqa.graph.adjacency`) that serves graph walks; set like the vocabulary
    adjacency_path: Path | None = None

    def __len__(self) -> int:
        raise NotImplementedError

    def _cached(self, key: str, build: Any) -> Any:
        raise NotImplementedError

    def _node(self, x: str | Node) -> Node:
        raise NotImplementedError

    def _triple(self, key: Key) -> Triple:
        raise NotImplementedError

    def _ready(self, inferred: bool) -> None:
        raise NotImplementedError

    def superclasses(self, cls: str | Node) -> list[str]:
        """Every superclass of ``cls`` (not itself), nearest first."""
        return [str(c) for c in self._ancestors(self._node(cls)) if c != self._node(cls)]

    def subclasses(self, cls: str | Node) -> list[str]:
        """Every subclass of ``cls`` (not itself), nearest first."""
        start = self._node(cls)
        seen, queue = {start: None}, [start]
        for c in queue:
            for sub in self._asserted.subjects(RDFS.subClassOf, c):
                if sub not in seen:
                    seen[sub] = None
                    queue.append(sub)
        return [str(c) for c in queue[1:]]

    def _ancestors(self, cls: Node) -> dict[Node, list[Key]]:
        """Ancestor -> the asserted subClassOf chain from ``cls`` to it (BFS, so shortest first)."""
        memo = self._cache.setdefault("ancestors", {})
        if cls not in memo:
            chains: dict[Node, list[Key]] = {cls: []}
            queue = [cls]
            for c in queue:
                for sup in self._asserted.objects(c, RDFS.subClassOf):
                    if sup not in chains and not isinstance(sup, Literal):
                        chains[sup] = [*chains[c], (c, RDFS.subClassOf, sup)]
                        queue.append(sup)
            memo[cls] = chains
        return memo[cls]

    def disjoint(self, c1: str | Node, c2: str | Node) -> tuple[bool, list[Triple]]:
        """Whether two classes are disjoint, inheriting ``owl:disjointWith`` down the hierarchy.

        Returns:
            ``(True, chain)`` where chain is the subClassOf path from ``c1`` up to the
            disjoint ancestor, the ``owl:disjointWith`` triple, then the path from ``c2``;
            ``(False, [])`` otherwise. Symmetric in its arguments.
        """
        a1, a2 = self._ancestors(self._node(c1)), self._ancestors(self._node(c2))
        best: tuple[int, list[Key]] | None = None
        for x, chain1 in a1.items():
            for y in a2:
                for key in ((x, OWL.disjointWith, y), (y, OWL.disjointWith, x)):
                    if key in self._asserted:
                        cost = len(chain1) + len(a2[y])
                        if best is None or cost < best[0]:
                            best = (cost, [*chain1, key, *a2[y]])
        if best is None:
            return False, []
        return True, [self._triple(k) for k in best[1]]

    def is_functional(self, p: str | Node) -> bool:
        """Whether ``p`` (or a property it specialises) is an ``owl:FunctionalProperty``."""
        node = self._node(p)
        seen, queue = {node}, [node]
        for q in queue:
            if (q, RDF.type, OWL.FunctionalProperty) in self._asserted:
                return True
            for sup in self._asserted.objects(q, RDFS.subPropertyOf):
                if sup not in seen:
                    seen.add(sup)
                    queue.append(sup)
        return False

    def inverse_of(self, p: str | Node) -> str | None:
        """The declared ``owl:inverseOf`` of ``p`` (either direction); ``p`` itself when symmetric; else ``None``."""
        node = self._node(p)
        for inv in (*self._asserted.objects(node, OWL.inverseOf), *self._asserted.subjects(OWL.inverseOf, node)):
            return str(inv)
        if (node, RDF.type, OWL.SymmetricProperty) in self._asserted:
            return str(node)
        return None

    def is_symmetric(self, p: str | Node) -> bool:
        """Whether ``p`` is an ``owl:SymmetricProperty``."""
        return (self._node(p), RDF.type, OWL.SymmetricProperty) in self._asserted

    def is_transitive(self, p: str | Node) -> bool:
        """Whether ``p`` is an ``owl:TransitiveProperty``."""
        return (self._node(p), RDF.type, OWL.TransitiveProperty) in self._asserted

    def iri(self, x: str | Node) -> str:
        """``x`` as a full IRI string: a prefixed name (``"o:Writer"``) or ``<...>`` expanded, an rdflib term's text."""
        return str(self._node(x))

    def graph_vocabulary(self) -> GraphVocabulary:
        """The declared-or-inferred characteristics, domains, ranges and classes (see :mod:`kgqa.graph.vocabulary`).

        One per graph, built on first use and dropped with the other caches when a file is added.
        """
        from kgqa.graph.vocabulary import GraphVocabulary

        found: GraphVocabulary = self._cached("graph_vocabulary", lambda: GraphVocabulary(self))  # type: ignore[arg-type]
        return found

    # ------------------------------------------------------------------ vocabulary views
    def catalogue(self) -> NamesCatalogue | None:
        """The names catalogue at :attr:`catalogue_path`, opened once; ``None`` when the graph has none.

        Raises:
            GraphError: the file is missing, corrupt, of another version, or describes another graph
                (its count of asserted triples differs).
        """
        path = self.catalogue_path
        if path is None:
            return None

        def open_checked() -> NamesCatalogue:
            from kgqa.graph.catalogue import NamesCatalogue

            found = NamesCatalogue(path)
            if found.meta["asserted"] != len(self):
                raise GraphError(
                    f"the names catalogue {path} describes a graph of {found.meta['asserted']} asserted triples, "
                    f"this graph has {len(self)}; rebuild it with `kgqa graph catalogue {Path(path).parent} "
                    "--overwrite` (or write_catalogue) from this graph"
                )
            return found

        catalogue: NamesCatalogue = self._cached(f"catalogue:{path}", open_checked)
        return catalogue

    def vocabulary_views(self) -> dict[str, frozenset[Node]]:
        """The ``"entities"``, ``"classes"`` and ``"properties"`` nodes as sets of rdflib terms (see :meth:`entities`).

        Read from the names catalogue when the graph has one, else gathered from the ``rdf:type``
        and schema triples (once; cached).
        """
        return dict(self._views())

    def _views(self) -> Mapping[str, frozenset[Node]]:
        views = self._cache.get("views")
        if views is None:
            catalogue = self.catalogue()
            if catalogue is not None:
                views = self._cache["views"] = catalogue.views()
                return views
            self._ready(True)
            a = self._asserted
            classes = {s for t in _CLASS_TYPES for s in a.subjects(RDF.type, t)}
            for p in (RDFS.subClassOf, OWL.disjointWith):
                for s, _, o in a.triples(None, p, None):
                    classes.update((s, o))
            for p in (RDFS.domain, RDFS.range):
                classes.update(o for _, _, o in a.triples(None, p, None))
            props = {s for t in _PROPERTY_TYPES for s in a.subjects(RDF.type, t)}
            for p in (RDFS.subPropertyOf, OWL.inverseOf):
                for s, _, o in a.triples(None, p, None):
                    props.update((s, o))
            for p in (RDFS.domain, RDFS.range):
                props.update(s for s, _, _ in a.triples(None, p, None))
            entities: set[Node] = set()
            for index in (a, self._inferred):
                for s, _, t in index.triples(None, RDF.type, None):
                    if t not in _META_TYPES:
                        if t != OWL.NamedIndividual:
                            classes.add(t)
                        entities.add(s)
            entities -= classes | props
            entities -= set(a.subjects(RDF.type, OWL.Ontology))
            views = {"classes": frozenset(classes), "properties": frozenset(props), "entities": frozenset(entities)}
            self._cache["views"] = views
        return views

    def entities(self) -> list[str]:
        """IRIs of individuals: things with a type that are not classes or properties, sorted."""
        return sorted(map(str, self._views()["entities"]))

    def classes(self) -> list[str]:
        """IRIs of classes, sorted."""
        return sorted(map(str, self._views()["classes"]))

    def properties(self) -> list[str]:
        """IRIs of declared properties, sorted."""
        return sorted(map(str, self._views()["properties"]))

    def is_entity(self, iri: str | Node) -> bool:
        """Whether ``iri`` is one of :meth:`entities` (O(1))."""
        return self._node(iri) in self._views()["entities"]

    def is_class(self, iri: str | Node) -> bool:
        """Whether ``iri`` is one of :meth:`classes` (O(1))."""
        return self._node(iri) in self._views()["classes"]

    def is_property(self, iri: str | Node) -> bool:
        """Whether ``iri`` is one of :meth:`properties` (O(1))."""
        return self._node(iri) in self._views()["properties"]


__all__ = ["SchemaMixin"]
