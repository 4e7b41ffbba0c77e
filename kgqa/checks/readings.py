"""Choosing how a two-entity statement reads on the graph: which relation, which way round, which entities.

A statement "X <phrase> Y" has several possible readings on a graph that merges vocabularies
or holds ambiguous names: the relation matcher proposes several properties, each mention may
name several nodes (:attr:`kgqa.graph.linking.Mention.candidates`: "Somalia" the country or the
WordNet synset), and a property may hold its facts the other way round ("Y was directed by X"
over a property whose subject is the director). :func:`choose_reading` takes every combination
and ranks them by what the graph itself says, in tiers:

1. ``fact``: the graph holds the fact as read (the reading that makes a true statement true);
2. ``typed``: the subject fits the property's domain and the object its range (declared, or
   inferred from the data, :func:`kgqa.graph.disambiguation.type_fit`, lacking no class nearly every
   use of the side carries), or, where the graph
   records no classes, the subject has facts of the property and the object is a value of it;
3. ``used``: one side has facts of the property;
4. ``none``: the first reading, as the relation matcher and the linker ranked them.

Within a tier the relation matcher's order wins (properties it scores alike go to the one the
entities hold facts of), then the linker's. A reading the other way
round is taken only where the stated way does not fit the property's classes and the reversed
way does: a passive statement ("Y was directed by X"), or a property named from its object's
side ("written by") read from an active statement, or the declared
inverse where the graph states one (``owl:inverseOf``).
Hand-written because it combines three kgqa parts (matcher, linker candidates, graph
vocabulary); no library ranks readings of a statement over an RDF graph.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kgqa.graph.disambiguation import type_fit

if TYPE_CHECKING:  # pragma: no cover
    from kgqa.graph.kg import KnowledgeGraph
    from kgqa.graph.linking import Mention
    from kgqa.graph.vocabulary import ClassUse

logger = logging.getLogger(__name__)

#: how many of a mention's candidates are tried (the linker keeps them best first)
MAX_ENTITY_CANDIDATES = 3
#: how many of the relation matcher's properties are tried
MAX_RELATIONS = 8
#: how far down the learned model's ranking of all properties a property the entities hold may be
LOCAL_RANK = 8
#: the share of a property's uses (on one side, classes inferred from the data) carrying a class from which an
#: entity typed without that class does not fit the side ("nationality" is held by people alone, not by a band)
REQUIRED_CLASS_SHARE = 0.98
TIERS = ("fact", "typed", "used", "none")


@dataclass
class Reading:
    """One reading of a two-entity statement: ``subject relation object`` with how it was ranked."""

    relation: str
    subject: str
    object: str
    subject_label: str
    object_label: str
    tier: str
    reversed: bool = False
    relation_rank: int = 0
    weak: bool = False
    stands_for: str | None = None
    considered: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The reading as a JSON-ready dict (for the trace)."""
        return {
            "relation": self.relation,
            "subject": self.subject,
            "object": self.object,
            "tier": self.tier,
            "reversed": self.reversed,
            "relation_rank": self.relation_rank,
            "weak": self.weak,
            "stands_for": self.stands_for,
            "considered": self.considered,
        }


def _entities(m: Mention, limit: int | None = MAX_ENTITY_CANDIDATES) -> list[tuple[str, str]]:
    """The mention's node and its next candidates (at most ``limit`` in all), best first, without repeats."""
    out = [(m.iri, m.label)]
    for c in m.candidates:
        if limit is not None and len(out) >= limit:
            break
        if all(c.iri != iri for iri, _ in out):
            out.append((c.iri, c.label))
    return out


def _fits(kg: KnowledgeGraph, prop: str, s: str, o: str) -> bool | None:
    """Whether ``s`` fits the domain and ``o`` the range of ``prop``; ``None`` when the graph knows no classes for it.

    Classes found on both sides of an inferred domain and range (a graph's catch-all "Entity" or
    "topic") tell the two sides nothing apart and are left out.
    """
    vocab = kg.graph_vocabulary()
    dom, rng = vocab.domain_use(prop), vocab.range_use(prop)
    both = {c for c, _ in dom.classes} & {c for c, _ in rng.classes} if not (dom.declared or rng.declared) else set()
    fs = type_fit(vocab, s, prop, "subject", both)
    fo = type_fit(vocab, o, prop, "object", both)
    known = [f for f in (fs, fo) if f is not None]
    if not known:
        return None
    # a class nearly every use of both sides carries (a graph's catch-all "Entity") is required of neither
    common = {c for c in both if _share(dom, c) >= REQUIRED_CLASS_SHARE and _share(rng, c) >= REQUIRED_CLASS_SHARE}
    return (
        all(f > 0 for f in known)
        and not _lacks_required(kg, s, dom, common)
        and not _lacks_required(kg, o, rng, common)
    )


def _share(use: ClassUse, cls: str) -> float:
    return next((n / use.uses for c, n in use.classes if c == cls), 0.0) if use.uses else 0.0


def _lacks_required(kg: KnowledgeGraph, node: str, use: ClassUse, ignore: set[str]) -> bool:
    """Whether ``node``, typed by ``rdf:type``, lacks a class nearly every use of an inferred side carries.

    A side's classes inferred from the data are shared widely: a band is an award nominee as most
    people who hold a nationality are, and a film subject as some countries are, so one shared class
    makes it fit. A class at least
    :data:`REQUIRED_CLASS_SHARE` of the uses carry (a person, for a nationality's holder; a country, for
    its value) tells more: a node typed without it is not what the property relates. Only asserted
    classes count (a node's classes guessed from its relations say nothing by their absence), and
    declared domains and ranges are left to :func:`~kgqa.graph.disambiguation.type_fit`.
    """
    if use.declared or not use.uses:
        return False
    required = [c for c, n in use.classes if c not in ignore and n >= REQUIRED_CLASS_SHARE * use.uses]
    if not required:
        return False
    typed = kg.graph_vocabulary().asserted_types(node)
    return bool(typed) and any(c not in typed for c in required)


_NOUN_OF = re.compile(r"^(?:is|was|are|were)\s+(?:an?|the|one of the)\s+(?P<w>[a-z][\w\s-]*?)\s+of$", re.I)


def noun_of(phrase: str) -> str | None:
    """The noun W of a statement's relation phrase "is a W of" ("is the capital of" -> "capital"), else ``None``."""
    m = _NOUN_OF.match(phrase.strip())
    return m.group("w") if m else None


def _noun_turn(kg: KnowledgeGraph, prop: str, noun: str | None) -> bool | None:
    """For "X is a ``noun`` of Y" over ``prop``: ``True`` read (Y, prop, X), ``False`` as stated, ``None`` not decided.

    Decided only where the noun is the property's own phrase (a plural made singular): a noun names the
    object's relation to the subject, a role the subject's own.
    """
    if not noun:
        return None
    from kgqa.checks.fact_sentences import relation_phrase
    from kgqa.graph.relation_phrase import phrase_from_words, words_of

    ph = relation_phrase(kg, prop)
    words = words_of(noun)
    if ph.form not in ("noun", "role") or not words or _norm(phrase_from_words(words).text) != _norm(ph.text):
        return None
    return ph.form == "noun"


def _reversed_fits(kg: KnowledgeGraph, prop: str, s: str, o: str, tier: str) -> bool:
    """Whether the statement reads the other way round: ``o`` as the subject of ``prop`` and ``s`` as its value.

    By the property's classes where they tell (the stated way does not fit, the reverse does). Where the
    graph knows no classes for it, or neither way fits them (a range inferred from a few values), by the
    sides the two entities are used on, for a property whose two sides are apart
    (:meth:`~kgqa.graph.vocabulary.GraphVocabulary.sides_apart`): the stated way uses neither entity on
    its side (tier ``none``) and the reverse uses both ("United States Dollar is a currency of Beloit
    College" over a property from a college to its tuition's currency).
    """
    stated, reverse = _fits(kg, prop, s, o), _fits(kg, prop, o, s)
    if stated is False and reverse:
        return True
    if stated or reverse:
        return False
    return (
        tier == "none" and kg.has(o, prop, None) and kg.has(None, prop, s) and kg.graph_vocabulary().sides_apart(prop)
    )


def _tier(kg: KnowledgeGraph, prop: str, s: str, o: str) -> str:
    if kg.has(s, prop, o):
        return "fact"
    subj_uses = kg.has(s, prop, None)
    obj_uses = kg.has(None, prop, o)
    fits = _fits(kg, prop, s, o)
    if fits or (fits is None and subj_uses and obj_uses):
        return "typed"
    if subj_uses or obj_uses:
        return "used"
    return "none"


def _uses(kg: KnowledgeGraph, reading: Reading) -> int:
    """How many of the reading's two entities hold facts of its property (0, 1 or 2), on their side.

    Breaks a tie between properties the relation matcher scores alike ("capital" of an
    administrative area and of a country): the one the graph records for these entities is what
    the statement is about. Only a tie: a better-scored property the entities lack stays first.
    """
    return int(kg.has(reading.subject, reading.relation, None)) + int(kg.has(None, reading.relation, reading.object))


def _norm(text: str) -> str:
    return " ".join(text.casefold().replace("_", " ").split())


def namesakes(kg: KnowledgeGraph, matched: Sequence[str], others: Sequence[str]) -> dict[str, str]:
    """Which of ``others`` carry the ``rdfs:label`` of a ``matched`` property that holds no facts: ``{other: matched}``.

    A world that merges a schema with a data graph may declare a relation twice: the schema's
    property, with the wordings the relation matcher knows ("citizen of"), and no facts; and the
    data's own property, with the facts, named the same in one of its labels. The matcher reads a
    statement confidently onto the empty one; the populated namesake is the same relation, and a
    reading onto it is as sure as the matcher's (:func:`choose_reading` does not mark it weak).
    Only the empty property's preferred label counts, not its alternative wordings ("from"), so two
    relations that merely share a loose wording are not taken for one.
    """
    out: dict[str, str] = {}
    for prop in matched:
        if kg.has(None, prop, None):
            continue
        name = _norm(kg.label(prop))
        for other in others:
            if other not in out and other != prop and name in {_norm(x) for x in kg.labels(other)}:
                out[other] = prop
    return out


def choose_reading(
    kg: KnowledgeGraph,
    subject: Mention,
    obj: Mention,
    relations: Sequence[tuple[str, float]],
    skip: Callable[[str], bool] | None = None,
    weak: Sequence[str] = (),
    loose: Sequence[str] = (),
    noun: str | None = None,
) -> Reading | None:
    """The best reading of "``subject`` <relation> ``obj``" over ``relations`` (matcher order), or ``None``.

    Args:
        kg: the graph.
        subject: the first mention (the statement's subject as written).
        obj: the second mention.
        relations: the relation matcher's ``(property, score)`` candidates, best first.
        skip: a predicate for properties to leave out (e.g. datatype properties).
        weak: more properties, tried after ``relations`` and taken only in tier ``fact`` (a reading
            that makes the graph hold the statement): see :func:`local_relation`.
        loose: more properties (the learned model's best, below its threshold), taken only in tier
            ``typed``; such a reading is marked :attr:`Reading.weak`: the graph rules may not refute
            a statement on it (:mod:`kgqa.checks.graph_check`), only a fact sentence the NLI model
            reads against the statement's own words may. A loose property that is the populated
            namesake of a matched property without facts (:func:`namesakes`) is not weak: it takes
            that property's rank and is recorded in :attr:`Reading.stands_for`.
        noun: the words W of a statement "X is a W of Y" (:func:`noun_of`). A property whose own phrase
            is that noun (:func:`~kgqa.checks.fact_sentences.relation_phrase`) is read the way kgqa words
            its facts: "Y's W is X" for a noun ("Paris is the capital of France"), "X is Y's W" for a role
            read off an IRI path ("Mara Holt is the coach of Team 0"), whatever the classes say.

    Returns:
        The reading, with the readings it was chosen over in :attr:`Reading.considered`
        (each with its tier), or ``None`` when no relation is left.

    Example:
        >>> r = choose_reading(kg, film_mention, person_mention, [(director_of, 0.8)])  # doctest: +SKIP
        >>> r.subject == person_iri and r.reversed                                     # doctest: +SKIP
        True
    """
    matched = [p for p, _ in relations if not (skip and skip(p))][:MAX_RELATIONS]
    extra = [p for p in weak if p not in matched and not (skip and skip(p))]
    # a loose property may also be the local one: it is tried once, and may be taken in either role
    slack = [p for p in loose if p not in matched and not (skip and skip(p))]
    props = matched + extra + [p for p in slack if p not in extra]
    if not props:
        return None
    named = namesakes(kg, matched, slack)
    # properties the matcher scores alike form one group, ranked by the group's first member
    scores = {p: round(float(score), 3) for p, score in relations}
    group = {p: next(k for k, q in enumerate(matched) if scores.get(q) == scores.get(p)) for p in matched}
    subjects, objects = _entities(subject), _entities(obj)
    best: tuple[tuple[int, bool, int, int, int, int, int], Reading] | None = None
    considered: list[dict[str, Any]] = []
    for rank, prop in enumerate(props):
        turn = _noun_turn(kg, prop, noun)
        for i, (s, s_label) in enumerate(subjects):
            for j, (o, o_label) in enumerate(objects):
                if s == o:
                    continue
                tier = _tier(kg, prop, s, o)
                reading = Reading(prop, s, o, s_label, o_label, tier, False, rank)
                if turn:
                    reading = Reading(prop, o, s, o_label, s_label, _tier(kg, prop, o, s), True, rank)
                elif turn is None and tier in ("used", "none") and _reversed_fits(kg, prop, s, o, tier):
                    # the stated way round does not fit the property's classes; the reverse does
                    inverse = kg.inverse_of(prop)
                    if inverse:  # the declared inverse keeps the statement's own order
                        reading = Reading(inverse, s, o, s_label, o_label, _tier(kg, inverse, s, o), True, rank)
                    else:
                        reading = Reading(prop, o, s, o_label, s_label, _tier(kg, prop, o, s), True, rank)
                order = rank
                if prop in extra and reading.tier == "fact":
                    pass  # the local property confirms a fact the graph holds
                elif prop in slack:
                    if reading.tier != "typed":
                        continue
                    reading.weak = prop not in named
                    if prop in named:
                        reading.stands_for = named[prop]
                        order = props.index(named[prop])
                elif prop in extra:
                    continue
                # a tie of the matcher goes to the property the two entities hold facts of
                held = -_uses(kg, reading) if prop in group else 0
                key = (TIERS.index(reading.tier), reading.weak, group.get(prop, order), held, order, i, j)
                considered.append(
                    {
                        "relation": prop,
                        "subject": reading.subject,
                        "object": reading.object,
                        "tier": reading.tier,
                        "reversed": reading.reversed,
                        "weak": reading.weak,
                        **({"stands_for": reading.stands_for} if reading.stands_for else {}),
                    }
                )
                if best is None or key < best[0]:
                    best = (key, reading)
    if best is None or best[1].tier != "fact":
        # a name many nodes share ("Jefferson County"): the statement may be a fact of a candidate past the
        # first few; only a fact is taken there (it can support the statement, never refute it)
        found = _fact_beyond(kg, [p for p in props if p in matched or p in extra], subject, obj, noun, group)
        if found is not None and (best is None or found[0] < best[0]):
            best = found
    if best is None:
        return None
    chosen = best[1]
    chosen.considered = considered[:12]
    logger.debug("reading: %s %s %s (%s)", chosen.subject, chosen.relation, chosen.object, chosen.tier)
    return chosen


def _fact_beyond(
    kg: KnowledgeGraph, props: Sequence[str], subject: Mention, obj: Mention, noun: str | None, group: dict[str, int]
) -> tuple[tuple[int, bool, int, int, int, int, int], Reading] | None:
    """The best ``fact`` reading over the mentions' candidates past :data:`MAX_ENTITY_CANDIDATES`, with its sort key."""
    subjects, objects = _entities(subject, None), _entities(obj, None)
    best: tuple[tuple[int, bool, int, int, int, int, int], Reading] | None = None
    for rank, prop in enumerate(props):
        turn = _noun_turn(kg, prop, noun)
        for i, (s, s_label) in enumerate(subjects):
            for j, (o, o_label) in enumerate(objects):
                if s == o or (i < MAX_ENTITY_CANDIDATES and j < MAX_ENTITY_CANDIDATES):
                    continue
                if turn is not True and kg.has(s, prop, o):
                    reading = Reading(prop, s, o, s_label, o_label, "fact", False, rank)
                elif kg.has(o, prop, s) and (
                    turn is True or (turn is None and _reversed_fits(kg, prop, s, o, _tier(kg, prop, s, o)))
                ):
                    reading = Reading(prop, o, s, o_label, s_label, "fact", True, rank)
                else:
                    continue
                key = (0, False, group.get(prop, rank), 0, rank, i, j)
                if best is None or key < best[0]:
                    best = (key, reading)
    return best


def model_relations(kg: KnowledgeGraph, model: Any, text: str, subject: Mention) -> list[str]:
    """The learned model's :data:`LOCAL_RANK` best properties for ``text`` with ``subject`` marked, at any score.

    ``[]`` without a model. These are the candidates of :func:`local_relation` and the ``loose``
    ones of :func:`choose_reading`.
    """
    if model is None:
        return []
    from kgqa.graph.relation_model import mark_mention

    marked = mark_mention(text, subject.start, subject.end)
    return [prop for prop, _score in model.rank(kg, marked, top_k=LOCAL_RANK)]


def worded_alike(kg: KnowledgeGraph, props: Sequence[str], subject: Mention, obj: Mention) -> list[str]:
    """Properties of a fact between the two linked entities (either way round) worded like one of ``props``.

    A graph may word many properties alike: FB15k-237 has fourteen "currency" properties (of a
    college's tuition, a country's GDP, a film's budget ...), and the matcher's and the model's few best
    need not hold the one between these two entities. A property with the same
    :func:`~kgqa.checks.fact_sentences.relation_phrase` text as one the statement was matched to says what
    the statement says; :func:`choose_reading` takes it only in tier ``fact`` (as ``weak``).
    """
    if not props:
        return []
    from kgqa.checks.fact_sentences import relation_phrase

    texts = {relation_phrase(kg, p).text for p in props}
    between = [
        *kg.facts(subject.iri, None, obj.iri, inferred=False),
        *kg.facts(obj.iri, None, subject.iri, inferred=False),
    ]
    found = dict.fromkeys(t.predicate for t in between if t.predicate not in props)
    return [p for p in found if relation_phrase(kg, p).text in texts]


def local_relation(kg: KnowledgeGraph, ranked: Sequence[str], subject: Mention, obj: Mention) -> str | None:
    """The first of ``ranked`` (:func:`model_relations`) that the statement's subject holds, else its object.

    The model's score threshold is chosen for its top match over every property of the graph; a
    property the entities themselves hold may score below it and still be what the statement says
    ("directed" for a person's films). :func:`choose_reading` takes it only where the graph holds
    the statement as read: it can confirm a fact between the two entities, never refute one.
    The subject is asked first: in "Pink Floyd comes from England" the object is a value of a
    better-ranked relation (people's nationality) that a band never holds, and the band's own
    relation (its origin) is what the statement says.
    """
    for node in (subject.iri, obj.iri):
        for prop in ranked:
            if kg.has(node, prop, None) or kg.has(None, prop, node):
                return prop
    return None


__all__ = [
    "MAX_ENTITY_CANDIDATES",
    "MAX_RELATIONS",
    "Reading",
    "choose_reading",
    "local_relation",
    "model_relations",
    "namesakes",
    "noun_of",
    "worded_alike",
]
