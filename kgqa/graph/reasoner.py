"""Forward-chaining RDFS/OWL-lite materialisation with a derivation record for every inferred triple.

Rules (the ``<rule>`` in a Triple's ``inferred:<rule>`` source):

- ``subclass``: ``x type C``, ``C subClassOf D`` => ``x type D``
- ``subclass-transitive``: ``A subClassOf B``, ``B subClassOf C`` => ``A subClassOf C``
- ``subproperty``: ``s p o``, ``p subPropertyOf q`` => ``s q o``
- ``subproperty-transitive``: as for classes
- ``inverse``: ``s p o``, ``p inverseOf q`` (either direction) => ``o q s``
- ``symmetric``: ``s p o``, ``p a owl:SymmetricProperty`` => ``o p s``
- ``transitive``: ``a p b``, ``b p c``, ``p a owl:TransitiveProperty`` => ``a p c``
- ``domain``/``range``: ``s p o``, ``p domain C`` => ``s type C`` (``range``: ``o type C``), only for
  nodes with no asserted type, so a loose domain declaration cannot give a typed entity a
  second, possibly disjoint, class.

Schema triples are read from the asserted graph; chains are followed because every
derived triple goes back on the work queue (semi-naive evaluation). The queue is FIFO,
so the first derivation recorded for a triple is a shortest one; :func:`explain` expands
it back to the asserted triples it rests on.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Iterable

from rdflib.namespace import OWL, RDF, RDFS
from rdflib.term import Literal, Node

from kgqa.graph.store import Key, TripleIndex

logger = logging.getLogger(__name__)

TYPE, SUBCLASS, SUBPROP = RDF.type, RDFS.subClassOf, RDFS.subPropertyOf

#: inferred triple -> (rule, premises)
Derivations = dict[Key, tuple[str, tuple[Key, ...]]]


def _pairs(asserted: TripleIndex, p: Node) -> dict[Node, list[tuple[Node, Key]]]:
    """``s -> [(o, (s, p, o)), ...]`` for every asserted ``s p o`` with ``s != o``."""
    out: dict[Node, list[tuple[Node, Key]]] = {}
    for s, _, o in asserted.triples(None, p, None):
        if s != o and not isinstance(o, Literal):
            out.setdefault(s, []).append((o, (s, p, o)))
    return out


def materialise(asserted: TripleIndex, domain_range: bool = True) -> tuple[TripleIndex, Derivations]:
    """Compute every inference of the rules above.

    Args:
        asserted: the asserted triples.
        domain_range: also type untyped nodes from ``rdfs:domain``/``rdfs:range``.

    Returns:
        The inferred triples (none of which is asserted) and how each was derived.
    """
    inferred = TripleIndex()
    why: Derivations = {}
    queue: deque[Key] = deque()

    def derive(t: Key, rule: str, premises: tuple[Key, ...]) -> None:
        if t in asserted or t in inferred:
            return
        inferred.add(*t)
        why[t] = (rule, premises)
        queue.append(t)

    super_cls = _pairs(asserted, SUBCLASS)
    super_prop = _pairs(asserted, SUBPROP)
    inverses: dict[Node, list[tuple[Node, Key]]] = {}
    for s, _, o in asserted.triples(None, OWL.inverseOf, None):
        inverses.setdefault(s, []).append((o, (s, OWL.inverseOf, o)))
        if s != o:
            inverses.setdefault(o, []).append((s, (s, OWL.inverseOf, o)))
    symmetric = {p: (p, TYPE, OWL.SymmetricProperty) for p in asserted.subjects(TYPE, OWL.SymmetricProperty)}
    transitive = {p: (p, TYPE, OWL.TransitiveProperty) for p in asserted.subjects(TYPE, OWL.TransitiveProperty)}

    def objects(s: Node, p: Node) -> list[Node]:
        return [*asserted.objects(s, p), *inferred.objects(s, p)]

    def subjects(p: Node, o: Node) -> list[Node]:
        return [*asserted.subjects(p, o), *inferred.subjects(p, o)]

    def run(start: Iterable[Key]) -> None:
        queue.extend(start)
        while queue:
            t = queue.popleft()
            s, p, o = t
            if p == TYPE:
                for sup, prem in super_cls.get(o, ()):
                    derive((s, TYPE, sup), "subclass", (t, prem))
                continue
            if p == SUBCLASS:
                for sup, prem in super_cls.get(o, ()):
                    if sup != s:
                        derive((s, SUBCLASS, sup), "subclass-transitive", (t, prem))
                continue
            if p == SUBPROP:
                for sup, prem in super_prop.get(o, ()):
                    if sup != s:
                        derive((s, SUBPROP, sup), "subproperty-transitive", (t, prem))
                continue
            for sup, prem in super_prop.get(p, ()):
                derive((s, sup, o), "subproperty", (t, prem))
            if isinstance(o, Literal):
                continue
            for inv, prem in inverses.get(p, ()):
                derive((o, inv, s), "inverse", (t, prem))
            if p in symmetric:
                derive((o, p, s), "symmetric", (t, symmetric[p]))
            if p in transitive:
                for x in objects(o, p):
                    if x != s:
                        derive((s, p, x), "transitive", (t, (o, p, x)))
                for y in subjects(p, s):
                    if y != o:
                        derive((y, p, o), "transitive", ((y, p, s), t))

    run(asserted)
    if domain_range:
        domains = _pairs(asserted, RDFS.domain)
        ranges = _pairs(asserted, RDFS.range)
        typed = {s for s, _, _ in asserted.triples(None, TYPE, None)}
        found: list[tuple[Key, str, tuple[Key, ...]]] = []
        for t in [*asserted, *inferred]:
            s, p, o = t
            for cls, prem in domains.get(p, ()):
                if s not in typed:
                    found.append(((s, TYPE, cls), "domain", (t, prem)))
            if not isinstance(o, Literal):
                for cls, prem in ranges.get(p, ()):
                    if o not in typed:
                        found.append(((o, TYPE, cls), "range", (t, prem)))
        for t, rule, premises in found:
            derive(t, rule, premises)
        run(())
    logger.debug("reasoner: %d asserted -> %d inferred triples", len(asserted), len(inferred))
    return inferred, why


def explain(t: Key, asserted: TripleIndex, why: Derivations) -> list[Key]:
    """The asserted triples a triple rests on, in derivation order, without repeats."""
    out: dict[Key, None] = {}
    stack = [t]
    seen: set[Key] = set()
    while stack:
        cur = stack.pop()
        if cur in asserted:
            out.setdefault(cur, None)
            continue
        if cur in seen or cur not in why:
            continue
        seen.add(cur)
        stack.extend(reversed(why[cur][1]))
    return list(out)


__all__ = ["Derivations", "explain", "materialise"]
