"""A graph's own vocabulary: property characteristics, domains, ranges and entity classes, declared or inferred.

The schema of a user's graph is often thin: FB15k-237 declares no ``owl:FunctionalProperty`` and
no ``rdfs:domain``. :class:`GraphVocabulary` reads what the graph declares first and otherwise
infers from its facts, recording the counts behind each inference so that a trace can say why:

- :meth:`~GraphVocabulary.functional`: declared (``owl:FunctionalProperty``, on the property or one
  it specialises) or inferred when at least :data:`MIN_SUBJECTS` subjects use the property and
  :data:`FUNCTIONAL_SHARE` of them have exactly one value;
- :meth:`~GraphVocabulary.inverse_functional`: likewise, counting the subjects of each object;
- :meth:`~GraphVocabulary.domains` / :meth:`~GraphVocabulary.ranges`: declared ``rdfs:domain`` /
  ``rdfs:range`` (of the property, its superproperties, or the range / domain of its declared
  inverse), otherwise the asserted classes of its subjects / objects covering at least
  :data:`MIN_CLASS_SHARE` of them, most frequent first;
- :meth:`~GraphVocabulary.classes_of`: an entity's ``rdf:type`` classes, or (only when untyped) the
  domains and ranges of the relations it takes part in.

Facts of a property's declared subproperties, and of its declared inverse (read backwards), count
as its own. Everything is computed lazily, one property at a time, with bulk scans of the graph's
indexes (:meth:`~kgqa.graph.kg.KnowledgeGraph.scan`), and cached, so it works alike on a graph in
memory, a graph store and a SPARQL endpoint. An inference from data is a hint, not a rule: the
checks let an inferred characteristic contradict a claim only under the stricter conditions of
:mod:`kgqa.checks.graph_check`, and never use inferred classes to contradict.

Example:
    >>> vocab = graph_vocabulary(kg)                                # doctest: +SKIP
    >>> vocab.functional("fb:people/person/place_of_birth").text    # doctest: +SKIP
    'inferred from the data: 2,341 of 2,345 subjects have one value'
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from rdflib.namespace import OWL, RDF, RDFS
from rdflib.term import Literal, Node, URIRef

from kgqa.graph.linking import normalize

if TYPE_CHECKING:
    from kgqa.graph.kg import KnowledgeGraph

logger = logging.getLogger(__name__)

#: the fewest subjects (objects) a property needs before it is inferred functional (inverse functional);
#: 20 was too few: the shipped world's spouse (38 of 38 people with one) would contradict a true second marriage
MIN_SUBJECTS = 50
#: the share of its subjects (objects) that must have exactly one value (subject)
FUNCTIONAL_SHARE = 0.995
#: :meth:`GraphVocabulary.sides_apart`: the fewest distinct nodes of a property, and the largest share of the
#: smaller side that may also be used on the other (a stray fact written the wrong way round)
MIN_SIDE_NODES = 10
MAX_SHARED_SIDES = 0.01
#: the least share of a property's uses a class must cover to be one of its inferred domains / ranges
MIN_CLASS_SHARE = 0.05
#: uses (distinct subjects or objects) whose classes are read to infer a domain or range; more are sampled
MAX_TYPED_USES = 1000
_T = TypeVar("_T")
_META_CLASSES = frozenset(
    {OWL.Class, RDFS.Class, OWL.NamedIndividual, RDF.Property, OWL.ObjectProperty, OWL.DatatypeProperty}
    | {OWL.AnnotationProperty, OWL.Ontology, OWL.Restriction, RDFS.Datatype, OWL.Thing, RDFS.Resource}
)
_HEAD = re.compile(r"\s*[,(;]")


@dataclass(frozen=True)
class Characteristic:
    """A property characteristic (functional or inverse functional), declared or inferred from the data.

    Attributes:
        declared: stated by the schema (``owl:FunctionalProperty``, ``owl:InverseFunctionalProperty``,
            or through a superproperty or a declared inverse); ``False`` when inferred from the data.
        subjects: the subjects (for an inverse-functional property, the objects) counted; 0 when declared.
        single: how many of them have exactly one value (one subject); 0 when declared.
        text: the reason, for a trace ("inferred from the data: 2,341 of 2,345 subjects have one value").
    """

    declared: bool
    subjects: int
    single: int
    text: str

    def to_dict(self) -> dict[str, Any]:
        """The fields as a JSON-ready dict."""
        return asdict(self)


@dataclass(frozen=True)
class ClassUse:
    """The classes of one side of a property: declared, or counted over its uses.

    Attributes:
        declared: the classes are the property's declared ``rdfs:domain`` / ``rdfs:range``.
        uses: distinct subjects (objects) of the property that were read (at most :data:`MAX_TYPED_USES`).
        classes: ``(class IRI, count)``, most frequent first; a declared class counts every use.
    """

    declared: bool
    uses: int
    classes: tuple[tuple[str, int], ...]


def _fmt(n: int) -> str:
    return f"{n:,}"


@dataclass(frozen=True)
class _Stats:
    """Counts of one property's uses: per side (0: subjects, 1: objects) the distinct nodes, how many
    of them have one partner, and a sample of the nodes (IRIs) whose classes are read."""

    keys: tuple[int, int]
    single: tuple[int, int]
    nodes: tuple[tuple[Node, ...], tuple[Node, ...]]
    shared: int = 0  # distinct nodes used on both sides


def _sample(nodes: Iterable[Node]) -> tuple[Node, ...]:
    """At most :data:`MAX_TYPED_USES` of ``nodes``, evenly spread over their sorted order (the same on every backend)."""
    ordered = sorted(nodes, key=str)
    if len(ordered) > MAX_TYPED_USES:
        step = len(ordered) / MAX_TYPED_USES
        ordered = [ordered[int(i * step)] for i in range(MAX_TYPED_USES)]
    return tuple(ordered)


class GraphVocabulary:
    """The declared-or-inferred vocabulary of one :class:`~kgqa.graph.kg.KnowledgeGraph` (see the module docstring).

    Thread-safe; every result is cached for the life of the graph's caches (adding a file to a
    graph in memory drops them). Get it with :func:`graph_vocabulary`, which keeps one per graph.
    """

    def __init__(self, kg: KnowledgeGraph) -> None:
        self.kg = kg
        self._memo: dict[tuple[str, str], Any] = {}
        self._lock = threading.RLock()
        if kg.vocabulary_path is not None:  # a graph store's saved vocabulary (kgqa.graph.vocabulary_cache)
            self._preload(kg.vocabulary_path)

    def _preload(self, path: Any) -> None:
        from kgqa.graph.vocabulary_cache import read_vocabulary

        entries = read_vocabulary(path, len(self.kg)) or {}
        memo: dict[tuple[str, str], Any] = {}
        try:
            for p, e in entries.items():
                memo[("counts", p)] = tuple(tuple(side) for side in zip(*e["counts"], strict=True))
                for kind in ("functional", "inverse_functional"):
                    memo[(kind, p)] = None if e[kind] is None else Characteristic(**e[kind])
                for kind in ("domain", "range"):
                    use = e[kind]
                    memo[(kind, p)] = ClassUse(use["declared"], use["uses"], tuple(map(tuple, use["classes"])))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            logger.warning(
                "%s has a malformed entry (%s): ignored, the vocabulary is inferred as it is used; rebuild it with "
                "`kgqa graph vocabulary %s --overwrite`",
                path,
                exc,
                getattr(path, "parent", path),
            )
            return
        self._memo.update(memo)

    def _memoised(self, kind: str, key: str, build: Callable[[], _T]) -> _T:
        memo_key = (kind, key)
        if memo_key in self._memo:
            return self._memo[memo_key]  # type: ignore[no-any-return]
        with self._lock:
            if memo_key not in self._memo:
                self._memo[memo_key] = build()
            return self._memo[memo_key]  # type: ignore[no-any-return]

    def _iri(self, x: str | Node) -> str:
        return self.kg.iri(x)

    # ------------------------------------------------------------------ the property hierarchy
    def superproperties(self, p: str | Node) -> list[str]:
        """``p`` and every property it specialises through ``rdfs:subPropertyOf``, nearest first."""
        return self._closure(self._iri(p), lambda q: self.kg.objects(q, RDFS.subPropertyOf, inferred=False))

    def subproperties(self, p: str | Node) -> list[str]:
        """``p`` and every property that specialises it through ``rdfs:subPropertyOf``, nearest first."""
        return self._closure(self._iri(p), lambda q: self.kg.subjects(RDFS.subPropertyOf, q, inferred=False))

    def _closure(self, start: str, step: Callable[[str], list[str]]) -> list[str]:
        seen = {start: None}
        queue = [start]
        for q in queue:
            for nxt in step(q):
                if nxt not in seen and nxt.startswith(("http", "urn")):
                    seen[nxt] = None
                    queue.append(nxt)
        return queue

    def inverse(self, p: str | Node) -> str | None:
        """The declared ``owl:inverseOf`` of ``p`` (``p`` itself when symmetric), else ``None``."""
        return self.kg.inverse_of(p)

    # ------------------------------------------------------------------ counting the data
    def _stats(self, p: str) -> _Stats:
        """One pass over the facts of ``p``, its subproperties and (reversed) its declared inverse."""

        def build() -> _Stats:
            pairs: set[tuple[Node, Node]] = set()
            for q in self.subproperties(p):
                pairs.update((s, o) for s, _, o in self.kg.scan(q, inferred=True))
            inv = self.inverse(p)
            if inv is not None and inv != p:
                for q in self.subproperties(inv):
                    pairs.update((o, s) for s, _, o in self.kg.scan(q, inferred=True) if not isinstance(o, Literal))
            sides: list[dict[Node, int]] = [{}, {}]
            for pair in pairs:
                for side in (0, 1):
                    sides[side][pair[side]] = sides[side].get(pair[side], 0) + 1
            return _Stats(
                keys=(len(sides[0]), len(sides[1])),
                single=tuple(sum(1 for n in side.values() if n == 1) for side in sides),  # type: ignore[arg-type]
                nodes=tuple(_sample(n for n in side if not isinstance(n, Literal)) for side in sides),  # type: ignore[arg-type]
                shared=len(sides[0].keys() & sides[1].keys()),
            )

        return self._memoised("stats", p, build)

    def sides_apart(self, p: str | Node) -> bool:
        """Whether ``p`` joins two kinds of things by the data: at least :data:`MIN_SIDE_NODES` distinct nodes
        in all, and at most :data:`MAX_SHARED_SIDES` of the smaller side also used on the other (none, when
        the smaller side is one value used by many: a film crew role).

        An organisation and its currency, a film and its crew role: a node's side then tells which way
        round a statement about it reads, where the graph records no classes to tell. A property between
        things of one kind (a person influenced by a person) is never apart.
        """
        st = self._stats(self._iri(p))
        return sum(st.keys) >= MIN_SIDE_NODES and st.shared <= MAX_SHARED_SIDES * min(st.keys)

    def value_counts(self, p: str | Node, side: int = 0) -> tuple[int, int]:
        """``(holders, single)`` for ``p``: its distinct subjects (``side`` 0) or objects (``side`` 1), and
        how many of them have exactly one value (one subject); the counts behind :meth:`functional`.

        Example:
            >>> graph_vocabulary(kg).value_counts("t:birthPlace")     # doctest: +SKIP
            (2345, 2341)
        """
        if side not in (0, 1):
            from kgqa.errors import InputError

            raise InputError(f"side is 0 (subjects) or 1 (objects), not {side!r}")
        iri = self._iri(p)
        keys, single = self._memoised("counts", iri, lambda: (self._stats(iri).keys, self._stats(iri).single))
        return keys[side], single[side]

    # ------------------------------------------------------------------ characteristics
    def functional(self, p: str | Node) -> Characteristic | None:
        """Whether ``p`` has one value per subject: declared, inferred from the data (with counts), or ``None``.

        Declared: ``p`` or a property it specialises is an ``owl:FunctionalProperty``, or its declared
        inverse is an ``owl:InverseFunctionalProperty``.

        Example:
            >>> graph_vocabulary(kg).functional("t:birthPlace").declared     # doctest: +SKIP
            True
        """
        iri = self._iri(p)
        return self._memoised("functional", iri, lambda: self._characteristic(iri, inverse=False))

    def inverse_functional(self, p: str | Node) -> Characteristic | None:
        """Whether each object of ``p`` has one subject: declared (``owl:InverseFunctionalProperty``, or the
        declared inverse is functional), inferred from the data (with counts), or ``None``."""
        iri = self._iri(p)
        return self._memoised("inverse_functional", iri, lambda: self._characteristic(iri, inverse=True))

    def _declared_kind(self, p: str, kind: Node) -> str | None:
        """The property (``p`` or one it specialises) declared of type ``kind``, if any."""
        for q in self.superproperties(p):
            if self.kg.facts(q, RDF.type, kind, inferred=False):
                return q
        return None

    def _characteristic(self, p: str, inverse: bool) -> Characteristic | None:
        own, mirrored = (OWL.InverseFunctionalProperty, OWL.FunctionalProperty)
        if not inverse:
            own, mirrored = mirrored, own
        name = {
            OWL.FunctionalProperty: "owl:FunctionalProperty",
            OWL.InverseFunctionalProperty: "owl:InverseFunctionalProperty",
        }
        q = self._declared_kind(p, own)
        if q is not None:
            via = "" if q == p else f" (through {self.kg.label(q)})"
            return Characteristic(True, 0, 0, f"declared {name[own]}{via}")
        inv = self.inverse(p)
        if inv is not None and inv != p and self._declared_kind(inv, mirrored) is not None:
            return Characteristic(True, 0, 0, f"declared: its inverse {self.kg.label(inv)} is an {name[mirrored]}")
        stats = self._stats(p)
        side = 1 if inverse else 0
        keys, single = stats.keys[side], stats.single[side]
        if keys < MIN_SUBJECTS or single < FUNCTIONAL_SHARE * keys:
            return None
        who, what = ("objects", "subject") if inverse else ("subjects", "value")
        text = f"inferred from the data: {_fmt(single)} of {_fmt(keys)} {who} have one {what}"
        return Characteristic(False, keys, single, text)

    # ------------------------------------------------------------------ domains and ranges
    def domains(self, p: str | Node) -> list[tuple[str, int]]:
        """The classes of ``p``'s subjects: declared ``rdfs:domain`` if any, else counted over the data.

        Returns:
            ``(class IRI, count)``, most frequent first. A declared class is listed with the number
            of subjects read (:attr:`ClassUse.uses`); an inferred one with the subjects it covers.
        """
        return list(self.domain_use(p).classes)

    def ranges(self, p: str | Node) -> list[tuple[str, int]]:
        """The classes of ``p``'s objects: declared ``rdfs:range`` if any, else counted over the data (as :meth:`domains`)."""
        return list(self.range_use(p).classes)

    def domain_use(self, p: str | Node) -> ClassUse:
        """:meth:`domains` with whether they are declared and how many subjects were read."""
        iri = self._iri(p)
        return self._memoised("domain", iri, lambda: self._class_use(iri, side=0))

    def range_use(self, p: str | Node) -> ClassUse:
        """:meth:`ranges` with whether they are declared and how many objects were read."""
        iri = self._iri(p)
        return self._memoised("range", iri, lambda: self._class_use(iri, side=1))

    def _declared(self, p: str, side: int) -> list[str]:
        own, other = (RDFS.domain, RDFS.range) if side == 0 else (RDFS.range, RDFS.domain)
        found: dict[str, None] = {}
        for q in self.superproperties(p):
            found.update(dict.fromkeys(self.kg.objects(q, own, inferred=False)))
        inv = self.inverse(p)
        if inv is not None:
            for q in self.superproperties(inv):
                found.update(dict.fromkeys(self.kg.objects(q, other, inferred=False)))
        return list(found)

    def _class_use(self, p: str, side: int) -> ClassUse:
        nodes = self._stats(p).nodes[side]
        declared = self._declared(p, side)
        if declared:
            return ClassUse(True, len(nodes), tuple((c, len(nodes)) for c in declared))
        counts: dict[str, int] = {}
        for node in nodes:
            for c in self.asserted_types(node):
                counts[c] = counts.get(c, 0) + 1
        kept = sorted(
            ((c, n) for c, n in counts.items() if n >= MIN_CLASS_SHARE * len(nodes)), key=lambda x: (-x[1], x[0])
        )
        return ClassUse(False, len(nodes), tuple(kept))

    def asserted_types(self, node: str | Node) -> list[str]:
        """The asserted ``rdf:type`` classes of ``node``, without OWL/RDFS meta classes."""
        return [c for c in self.kg.types(node, inferred=False) if URIRef(c) not in _META_CLASSES]

    # ------------------------------------------------------------------ classes of an entity
    def classes_of(self, entity: str | Node) -> list[tuple[str, str]]:
        """The classes of ``entity`` with where each comes from.

        Its asserted ``rdf:type`` classes (source ``"rdf:type"``); only when it has none, the domains
        of the relations it is the subject of and the ranges of those it is the object of (source
        ``"domain of <p>"`` / ``"range of <p>"``, the top :data:`MIN_CLASS_SHARE`-covering classes).
        """
        iri = self._iri(entity)
        return self._memoised("classes_of", iri, lambda: self._classes_of(iri))

    def _classes_of(self, iri: str) -> list[tuple[str, str]]:
        typed = self.asserted_types(iri)
        if typed:
            return [(c, "rdf:type") for c in typed]
        out: dict[str, str] = {}
        as_subject = dict.fromkeys(t.predicate for t in self.kg.facts(iri, None, None, inferred=False))
        as_object = dict.fromkeys(t.predicate for t in self.kg.facts(None, None, iri, inferred=False))
        for preds, role, classes in ((as_subject, "domain", self.domains), (as_object, "range", self.ranges)):
            for p in preds:
                if URIRef(p) in (RDF.type, RDFS.label, RDFS.comment) or p.startswith(str(OWL)):
                    continue
                for c, _ in classes(p):
                    out.setdefault(c, f"{role} of {p}")
        return list(out.items())


def graph_vocabulary(kg: KnowledgeGraph) -> GraphVocabulary:
    """The :class:`GraphVocabulary` of ``kg``, one per graph (cached on it, dropped when its caches are)."""
    return kg.graph_vocabulary()


def _aliases(kg: KnowledgeGraph, x: str) -> set[str]:
    """``x`` and the nodes it is ``owl:sameAs`` (either way); a text stands for itself."""
    if not x.startswith(("http://", "https://", "urn:")):
        return {x}
    return {x, *kg.objects(x, OWL.sameAs), *kg.subjects(OWL.sameAs, x)}


def _names(kg: KnowledgeGraph, same: set[str]) -> set[str]:
    out = set()
    for x in same:
        for name in kg.labels(x) if x.startswith(("http://", "https://", "urn:")) else [x]:
            out.add(normalize(name))
            out.add(normalize(_HEAD.split(name, maxsplit=1)[0]))
    out.discard("")
    return out


def _prefix_of(a: str, b: str) -> bool:
    return b.startswith(a + " ") or a.startswith(b + " ")


def may_be_same(kg: KnowledgeGraph, a: str, b: str) -> bool:
    """Whether ``a`` and ``b`` (IRIs or literal texts) may name one thing, so that neither excludes the other.

    True for the same IRI or text; for IRIs linked by ``owl:sameAs`` (either way, or to a common
    third); and for names (of either, or of what it is ``owl:sameAs``) that agree once normalised, up to a qualifier after a comma or
    parenthesis ("Edinburgh" and "Edinburgh, Scotland"), or where one name is the other's first
    words ("New York" and "New York City"). Meant to be generous: the checks use it so that a
    value of a functional property never contradicts another name of the same thing.
    """
    if a == b:
        return True
    same_a, same_b = _aliases(kg, a), _aliases(kg, b)
    if same_a & same_b:
        return True
    names_a, names_b = _names(kg, same_a), _names(kg, same_b)
    if names_a & names_b:
        return True
    return any(_prefix_of(x, y) for x in names_a for y in names_b)


def distinct_values(kg: KnowledgeGraph, values: Iterable[str], claimed: str) -> bool:
    """Whether every one of ``values`` is surely another thing than ``claimed`` (see :func:`may_be_same`)."""
    return all(not may_be_same(kg, v, claimed) for v in values)


__all__ = [
    "FUNCTIONAL_SHARE",
    "MAX_TYPED_USES",
    "MIN_CLASS_SHARE",
    "MIN_SUBJECTS",
    "Characteristic",
    "ClassUse",
    "GraphVocabulary",
    "distinct_values",
    "graph_vocabulary",
    "may_be_same",
]
