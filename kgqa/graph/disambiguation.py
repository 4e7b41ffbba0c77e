"""Choosing among the candidates of an ambiguous name by how their classes fit the relation asked about.

:class:`~kgqa.graph.linking.EntityLinker` ranks the nodes a name may refer to by prior alone (a
preferred label over an alias over a fuzzy match, then degree). Once the relation a question or
claim asks about is known, :func:`rerank` adds each candidate's :func:`type_fit` to the domain or
range of that relation, declared or inferred from the data (:mod:`kgqa.graph.vocabulary`): "Paris"
as the object of a birthplace is the city, not the film or the WordNet synset.

Example:
    >>> mentions = linker.find_mentions("Who was born in Paris?")                     # doctest: +SKIP
    >>> rerank(mentions, [birth_place], kg.graph_vocabulary(), role="object")[0].iri   # doctest: +SKIP
    'https://kgqa.dev/fb15k237/entity/m.05qtj'
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import replace

from kgqa.errors import InputError
from kgqa.graph.linking import TYPE_WEIGHT, Mention
from kgqa.graph.vocabulary import GraphVocabulary


def type_fit(
    vocabulary: GraphVocabulary,
    iri: str,
    relation: str,
    role: str | None = None,
    ignore: Collection[str] = (),
) -> float | None:
    """How well the classes of ``iri`` fit the domain (``role="subject"``) or range (``"object"``) of ``relation``.

    ``role=None`` takes the better of the two. A declared ``rdfs:domain`` / ``rdfs:range`` gives 1.0
    when one of the node's classes is it or a subclass of it, else 0.0. A domain or range inferred
    from the data gives the largest share of the relation's uses covered by one of the node's
    classes, leaving out the classes in ``ignore`` (:func:`rerank` passes those every candidate
    has, which tell them nothing apart); 0.0 when none of its classes is among them. ``None`` when
    the relation's classes are unknown on the sides asked about.

    Example:
        >>> type_fit(kg.graph_vocabulary(), "t:Stratford", "t:birthPlace", "object")   # doctest: +SKIP
        1.0
    """
    if role not in (None, "subject", "object"):
        raise InputError(f"role must be 'subject', 'object' or None, not {role!r}")
    uses = []
    if role in (None, "subject"):
        uses.append(vocabulary.domain_use(relation))
    if role in (None, "object"):
        uses.append(vocabulary.range_use(relation))
    uses = [u for u in uses if u.classes]
    if not uses:
        return None
    mine = [c for c, _ in vocabulary.classes_of(iri)]
    best = 0.0
    for use in uses:
        if use.declared:
            wanted = {c for c, _ in use.classes}
            ancestors = {a for c in mine for a in (c, *vocabulary.kg.superclasses(c))}
            if wanted & ancestors:
                best = 1.0
            continue
        for c, n in use.classes:
            if c in mine and c not in ignore and use.uses:
                best = max(best, n / use.uses)
    return round(min(1.0, best), 4)


def rerank(
    mentions: Sequence[Mention], relation_iris: Sequence[str], vocabulary: GraphVocabulary, role: str | None = None
) -> list[Mention]:
    """The mentions with their candidates re-ranked by prior plus type fit to the relations asked about.

    Each candidate's :attr:`Candidate.type_fit` is its best :func:`type_fit` over ``relation_iris``
    (in ``role``, or either; classes every candidate has are left out), its score ``prior + TYPE_WEIGHT * type_fit``; the mention is relinked
    to the best candidate. Mentions without candidates, or relations without known classes, are
    left as they are.

    Example:
        >>> mentions = linker.find_mentions("Who was born in Paris?")                 # doctest: +SKIP
        >>> rerank(mentions, [birth_place_iri], kg.graph_vocabulary(), role="object")[0].label  # doctest: +SKIP
        'Paris'
    """
    relations = list(dict.fromkeys(relation_iris))
    out = []
    for m in mentions:
        if len(m.candidates) < 2 or not relations:
            out.append(m)
            continue
        shared = set.intersection(*({k for k, _ in vocabulary.classes_of(c.iri)} for c in m.candidates))
        cands = []
        for c in m.candidates:
            fits = [f for f in (type_fit(vocabulary, c.iri, r, role, shared) for r in relations) if f is not None]
            fit = max(fits) if fits else None
            score = c.prior + TYPE_WEIGHT * fit if fit is not None else c.prior
            classes = tuple(vocabulary.classes_of(c.iri)[:5]) if fit is not None else ()
            cands.append(replace(c, type_fit=fit, score=round(score, 4), classes=classes))
        cands.sort(key=lambda c: (-c.score, c.iri))
        out.append(replace(m, iri=cands[0].iri, label=cands[0].label, candidates=tuple(cands)))
    return out


__all__ = ["rerank", "type_fit"]
