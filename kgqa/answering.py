"""Answer candidates from the graph, and matching answers across graph and passages."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from difflib import SequenceMatcher
from typing import TYPE_CHECKING, Any

from kgqa.checks.graph_check import stable_order
from kgqa.graph.constraints import constrain
from kgqa.graph.linking import normalize
from kgqa.graph.relation_paths import (
    HOP_MARGIN,
    NODE_BUDGET,
    TEXT_BUDGET,
    PathSearch,
    is_literal,
    named_in,
    path_facts,
    search_paths,
)
from kgqa.graph.relations import PREPOSITIONS
from kgqa.text import normalize_answer
from kgqa.types import ReaderSpan, Triple

logger = logging.getLogger(__name__)

if TYPE_CHECKING:  # pragma: no cover
    from kgqa.graph.kg import KnowledgeGraph
    from kgqa.graph.linking import Mention
    from kgqa.graph.relations import RelationMatcher

_QWORDS = re.compile(
    r"\b(who|whom|whose|what|which|when|where|why|how|did|does|do|is|was|are|were|has|have|had|the|a|an|of|"
    r"in|year|date|name|many|much)\b",
    re.I,
)


#: the least name-match score (:meth:`~kgqa.graph.relations.RelationMatcher.match`) that may answer a question
#: on its own: half of the words shared (0.9 x Dice 0.5). Below it a name match shares one word of a longer
#: phrase ("first copy cost" and a property named "first published"), which says nothing about the relation.
ANSWER_MIN_NAME_SCORE = 0.45

#: SKOS's alternative label: the W3C term every graph uses for an entity's other names
SKOS_ALT_LABEL = "http://www.w3.org/2004/02/skos/core#altLabel"

_ALIAS_Q = re.compile(r"\b(?:is|was|are|were)\s+(?:also\s+)?(?:known as|called|nicknamed)\s+(.+)$", re.I)


@dataclass
class GraphAnswer:
    """An answer read off the graph, with the facts behind it."""

    texts: list[str]
    iris: list[str]
    facts: list[Triple] = field(default_factory=list)
    relation: str = ""
    path: dict[str, Any] | None = None


def _without(text: str, names: Sequence[str]) -> str:
    """``text`` with each of ``names`` blanked out: the other mentions are not part of a mention's relation."""
    for name in sorted(names, key=len, reverse=True):
        if name:
            text = text.replace(name, " ")
    return text


def relation_phrase(focus: str, mention_text: str) -> str:
    """What the question asks about the mention: ``"wrote Hamlet"`` minus ``"Hamlet"`` is ``"wrote"``."""
    phrase = focus.replace(mention_text, " ")
    phrase = re.sub(r"[?.,!]", " ", phrase)
    kept = [w for w in phrase.split() if not _QWORDS.fullmatch(w)]
    return " ".join(kept) or phrase.strip()


def mention_span(text: str, mention: str) -> tuple[int, int]:
    """Where ``mention`` is in ``text`` (case-insensitive); ``(0, 0)`` when it is not there."""
    at = text.lower().find(mention.lower()) if mention else -1
    return (at, at + len(mention)) if at >= 0 else (0, 0)


def graph_answer(
    kg: KnowledgeGraph,
    relations: RelationMatcher,
    mentions: Sequence[Mention],
    focus: str,
    wh: str | None,
    question: str | None = None,
    hop_margin: float = HOP_MARGIN,
    node_budget: int = NODE_BUDGET,
    text_budget: int = TEXT_BUDGET,
    path_threshold: float | None = None,
    answer_classes: Sequence[str] = (),
    notes: dict[str, Any] | None = None,
) -> GraphAnswer | None:
    """Look the question up in the graph: the values at the end of the relation path it asks about.

    With a learned relation model, and unless a mention's relation phrase names one property exactly,
    the answer comes from a relation path of 1 to 3 steps from the linked entities
    (:func:`kgqa.graph.relation_paths.search_paths`: "Where was the author of Hamlet born?" walks
    author, then birth place); the path search's record (chosen path, score, runner-ups, budget cuts)
    is the answer's ``path``. A path is taken when its cosine reaches the model's threshold: for one step, the
    one chosen on one-relation questions; for a longer path, its path threshold (or ``path_threshold`` for both).

    Otherwise each linked mention (longest first) and each matching relation is tried in both
    directions, never answering with an entity the question itself names (except in a choice, "X or Y") (:meth:`~kgqa.graph.relations.RelationMatcher.match_text`: an exact name match,
    else the learned model's candidates above its threshold, then weaker name matches; where the path search
    read the whole question and its best path was under the threshold, only the properties the relation phrase
    names, by :meth:`~kgqa.graph.relations.RelationMatcher.match`: the model has judged the question, and
    reading the phrase alone ("died" in "the weather on the day X died") would overrule it);
    ``when`` questions prefer dated properties, ``who`` questions people.
    Several values come in :func:`~kgqa.checks.graph_check.stable_order`, the same on
    every graph backend; an alias question cites the alias the question used.

    Args:
        kg: the graph.
        relations: its relation matcher (with or without a learned model).
        mentions: the question's linked mentions.
        focus: the question's focus (its words after the question word).
        wh: the question word.
        question: the whole question, which the mentions' offsets point into (``None``: the focus).
        hop_margin: cosine a longer path must gain per extra step.
        node_budget: nodes whose facts the path search may read (the config's ``path_budget``).
        text_budget: texts of paths of several steps the path search may score (the config's ``path_text_budget``).
        path_threshold: least cosine of a path answer (the config's ``path_threshold``); ``None``: the model's own.
        answer_classes: the classes the question asks for (:func:`kgqa.graph.answer_type.asked_classes`): a path
            reaching one of them wins over paths whose end values are typed otherwise.
        notes: a dict that receives ``"path_not_taken"`` when the path search's best path was not taken (under
            the threshold, or one step from a nested possessor): its record and why, for the trace.
    """
    alias = _ALIAS_Q.search(focus)
    if alias:
        # "Which planet is known as the Red Planet?": the answer is the entity the alias names
        for m in mentions:
            if m.start >= 0 and m.text.lower() in alias.group(1).lower():
                return GraphAnswer([kg.label(m.iri)], [m.iri], _alias_fact(kg, m.iri, m.text), "alias")
    nested = {m.text for m in mentions if nested_possessor(question or focus, m)}
    rejected = False  # the learned path search read the whole question and found no path above the threshold
    if relations.model is not None and mentions and not _names_a_property(relations, mentions, focus, wh):
        found = search_paths(
            kg,
            relations.model,
            mentions,
            question or focus,
            wh,
            hop_margin=hop_margin,
            node_budget=node_budget,
            text_budget=text_budget,
            answer_classes=answer_classes,
        )
        if found is not None and path_threshold is not None:
            found.threshold = path_threshold  # the world's own, recorded in the trace with the path
        if found is not None and _flat_reading(found, nested):
            logger.debug(
                "graph answer: one step from the possessor %r cannot answer a nested question", found.best.mention
            )
            _note(notes, kg, found, "one step from a nested possessor: it answers about the possessor")
            found = None
        if found is not None and found.best.score < found.threshold:
            _note(notes, kg, found, "the best path's score is under the threshold")
            rejected = True
        elif found is not None:
            # the question's other entities narrow the answers ("... that borders Norland")
            best = found.best
            best.ends, found.constraints = constrain(kg, best.ends, best.entity, best.mention, mentions)
            return _path_answer(kg, found)
    # the question does not ask for what it names (kgqa.graph.relation_paths.named_in)
    named = named_in(question or focus, mentions)
    for m in sorted(mentions, key=lambda m: -(m.end - m.start)):
        if m.text in nested:
            continue  # one property of the possessor answers about the possessor, not about what it possesses
        phrase = relation_phrase(_without(focus, [o.text for o in mentions if o.text != m.text]), m.text)
        if wh == "when" and not phrase:
            phrase = "date"
        start, end = mention_span(focus, m.text)
        if not phrase:
            candidates = []
        elif rejected:  # the model has judged the question: only a property the phrase names may still answer
            candidates = relations.match(phrase, top_k=6, min_score=ANSWER_MIN_NAME_SCORE)
        else:
            candidates = relations.match_text(
                focus, start, end, phrase=phrase, top_k=6, min_score=ANSWER_MIN_NAME_SCORE
            )
        if wh == "when":
            dated = [c for c in candidates if _is_datatype(kg, c[0])]
            candidates = dated + relations.match(f"{phrase} date", top_k=3)
        elif wh in ("where", "who", "whom"):
            # places and people are things, not dates or numbers
            candidates = [c for c in candidates if not _is_datatype(kg, c[0])]
            if wh == "where" and not candidates:
                candidates = relations.match(f"place of {phrase}", top_k=3)
        for prop, _score in candidates:
            facts = [t for t in stable_order(kg.facts(m.iri, prop, None)) if t.object not in named]
            if facts:
                texts = [t.object_label or kg.label(t.object) or t.object for t in facts]
                return GraphAnswer(texts, [t.object for t in facts], facts, prop)
            back = [t for t in stable_order(kg.facts(None, prop, m.iri)) if t.subject not in named]
            if back and not _is_datatype(kg, prop):
                texts = [t.subject_label or kg.label(t.subject) for t in back]
                return GraphAnswer(texts, [t.subject for t in back], back, prop)
    return None


#: words before a possessor that are not a relation, besides the question words of ``_QWORDS``
_FRAME_WORDS = PREPOSITIONS | {"be", "been"}
_POSSESSIVE = re.compile(r"['\u2019]s?\b")


def nested_possessor(question: str, mention: Mention) -> bool:
    """Whether ``mention`` owns something inside a larger question: "Who was the apprentice of X's maker?".

    The possessive ("X's maker") names a node one relation away from X, and the words before it ask a further
    relation of that node ("apprentice", or "hospital" in "In which hospital was X's first child born?"), so
    the question composes at least two relations and no single property of X answers it. Only the words before
    the possessor are read: after it, the possessed noun and a verb run together ("X's first child born", "X's
    place of birth") and cannot be told apart without a parser. "Who is X's author?" and "What is the name of
    X's capital?" have nothing but question words before X and are not nested.

    Example:
        >>> from kgqa.graph.linking import Mention
        >>> q = "Who taught Mara Holt's son?"
        >>> nested_possessor(q, Mention("Mara Holt", 11, 20, "urn:x", "Mara Holt", 1.0, "exact"))
        True
        >>> q = "Who is Mara Holt's son?"
        >>> nested_possessor(q, Mention("Mara Holt", 7, 16, "urn:x", "Mara Holt", 1.0, "exact"))
        False
    """
    if not 0 <= mention.start < mention.end <= len(question) or not _POSSESSIVE.match(question, mention.end):
        return False
    before = re.findall(r"[^\W\d_]+", question[: mention.start])
    return any(not _QWORDS.fullmatch(w) and w.lower() not in _FRAME_WORDS for w in before)


def _flat_reading(found: PathSearch, nested: set[str]) -> bool:
    """Whether the best path is one step from a nested possessor (:func:`nested_possessor`).

    Such a path answers about the possessor, not about what the question asks of the thing it possesses; the
    longer paths ranked below it are weaker readings of the question, not its reading, so none is taken.
    """
    return found.best.mention in nested and len(found.best.steps) < 2


def _names_a_property(relations: RelationMatcher, mentions: Sequence[Mention], focus: str, wh: str | None) -> bool:
    """Whether a mention's relation phrase is exactly a property's name ("the capital of X"): one relation."""
    for m in mentions:
        phrase = relation_phrase(focus, m.text)
        if wh == "when" and not phrase:
            return False
        if phrase and any(score >= 1.0 for _, score in relations.match(phrase, top_k=1)):
            return True
    return False


def _note(notes: dict[str, Any] | None, kg: KnowledgeGraph, found: PathSearch, why: str) -> None:
    """Record in ``notes`` the path search whose best path was not taken, and why (for the trace)."""
    if notes is not None:
        notes["path_not_taken"] = {**found.to_dict(kg), "why": why}


def _path_answer(kg: KnowledgeGraph, found: PathSearch) -> GraphAnswer:
    """The graph answer of a path search: the best path's end values and the facts along it."""
    best = found.best
    record = found.to_dict(kg)
    props = [s.prop for s in best.steps]
    if len(best.steps) == 1:  # one relation: its facts in the backend-independent order, as for a matched relation
        step = best.steps[0]
        if step.forward:
            facts = stable_order(kg.facts(best.entity, step.prop, None))
            pairs = [(t.object_label or kg.label(t.object) or t.object, t.object) for t in facts]
        else:
            facts = stable_order(kg.facts(None, step.prop, best.entity))
            pairs = [(t.subject_label or kg.label(t.subject), t.subject) for t in facts]
        pairs = [p for p in dict.fromkeys(pairs) if p[1] in best.ends]
        if pairs:
            return GraphAnswer([t for t, _ in pairs], [i for _, i in pairs], facts, step.prop, record)
    ends = best.answers(kg)
    texts = [kg.label(n) if not is_literal(n) else n for n in ends]
    return GraphAnswer(texts, ends, path_facts(kg, best.entity, best.steps), " ; ".join(props), record)


def _alias_fact(kg: KnowledgeGraph, iri: str, said: str) -> list[Triple]:
    """The ``skos:altLabel`` fact of ``iri`` that names ``said`` (the alias as the question wrote it).

    An entity has several aliases and the graph backends list them in different orders (file
    order in memory, index order in a store), so the first one is not the one the question used.
    The value whose normalised form is closest to ``said`` wins (difflib's ratio: an exact match
    scores 1.0, a fuzzy-linked span still finds its alias); ties go to the smaller normalised
    value, so every backend cites the same fact. ``[]`` when ``iri`` has no alias.
    """
    key = normalize(said)
    facts = kg.facts(iri, SKOS_ALT_LABEL, None, inferred=False)
    scored = [
        (SequenceMatcher(None, key, normalize(t.object)).ratio(), normalize(t.object), t.object, t) for t in facts
    ]
    return [min(scored, key=lambda x: (-x[0], x[1], x[2]))[3]] if scored else []


def _is_datatype(kg: KnowledgeGraph, prop: str) -> bool:
    return bool(
        kg.facts(
            prop,
            "http://www.w3.org/1999/02/22-rdf-syntax-ns#type",
            "http://www.w3.org/2002/07/owl#DatatypeProperty",
            inferred=False,
        )
    )


#: the fewest characters of a name that may match by containment (shorter ones must match whole)
MIN_CONTAINED_CHARS = 4


def _contains_words(longer: str, shorter: str) -> bool:
    """Whether the normalised ``shorter`` is a run of whole words of the normalised ``longer``."""
    return len(shorter) >= MIN_CONTAINED_CHARS and f" {shorter} " in f" {longer} "


def answers_match(kg: KnowledgeGraph, reader_text: str, graph: GraphAnswer) -> bool:
    """Whether the reader's span names (one of) the graph's answers: labels, aliases, or the same year.

    A name matches the span whole, or as a run of whole words inside it (or the span inside the name), of
    at least :data:`MIN_CONTAINED_CHARS` characters: a two-letter alias ("MI") matches inside no word ("family").
    """
    if named_values(kg, reader_text, graph):
        return True
    years_r = re.findall(r"\d{3,4}", reader_text)
    for text in graph.texts:
        years_g = re.findall(r"\d{3,4}", text)
        if years_r and years_g and years_r[0].lstrip("0") == years_g[0].lstrip("0"):
            return True
    return False


def named_values(kg: KnowledgeGraph, reader_text: str, graph: GraphAnswer) -> list[int]:
    """The indices of the graph's answers that the reader's span names by a label or alias (as :func:`answers_match`).

    A value whose name is the whole span wins over those matched by containment: "American Samoa" names American
    Samoa, not also Samoa.
    """
    norm = normalize_answer(reader_text)
    if not norm:
        return []
    exact: list[int] = []
    contained: list[int] = []
    for i, (text, iri) in enumerate(zip(graph.texts, graph.iris, strict=True)):
        names = [normalize_answer(n) for n in [text, *(kg.labels(iri) if iri.startswith("http") else ())]]
        if norm in names:
            exact.append(i)
        elif any(n and (_contains_words(n, norm) or _contains_words(norm, n)) for n in names):
            contained.append(i)
    return exact or contained


def agreed_answer(kg: KnowledgeGraph, reader_text: str, graph: GraphAnswer) -> str | None:
    """The graph's own names of the entities a reader span names, as the answer where span and graph agree.

    "republican" (a reader span naming the graph's "Republic" by an alias) is answered "Republic", and
    "Washington" (inside "Washington University in St. Louis") the university's name: the graph's label is
    the entity's canonical name, and the span stays in the evidence. ``None`` where the span names no entity
    value (a date or number the graph holds as a literal reads better as the passage wrote it).
    """
    found = [i for i in named_values(kg, reader_text, graph) if graph.iris[i].startswith(("http://", "https://"))]
    return "; ".join(graph.texts[i] for i in found[:3]) if found else None


_PROPER = re.compile(r"\b[A-Z][\w'-]*(?:\s+(?:of|the|de|von|van|da|[A-Z][\w'-]*))*")


def unknown_names(question: str, mentions: Sequence[Mention], passages: Sequence[str]) -> list[str]:
    """Capitalised names in the question that neither the graph nor any retrieved passage knows.

    "What is the favourite colour of Zorblax Quuxington?" asks about someone kgqa has
    never heard of: no span of an unrelated passage should be offered as the answer.
    The question's first word is ignored (it is capitalised anyway).
    """
    covered = [(m.start, m.end) for m in mentions]
    texts = [p.lower() for p in passages]
    first = re.match(r"\s*\S+", question)
    skip_to = first.end() if first else 0
    out = []
    for m in _PROPER.finditer(question):
        if m.start() < skip_to or any(s <= m.start() < e or s < m.end() <= e for s, e in covered):
            continue
        name = m.group(0).strip()
        if len(name) < 3 or name in ("I",):
            continue
        if not any(name.lower() in t for t in texts):
            out.append(name)
    return out


def narrow_to_graph_answer(kg: KnowledgeGraph, span: ReaderSpan, graph: GraphAnswer) -> ReaderSpan | None:
    """The part of a reader span that names the graph's answer, when the span says more than that.

    A reader span such as "Dodoma, while its largest city is Dar es Salaam. Tanzania is a country in
    Africa" matches the graph's "Africa" by containment (:func:`answers_match`), but the answer is
    "Africa". The first occurrence (case-insensitive, on word boundaries) of the longest of the
    graph answers' labels and aliases inside the span gives the narrowed span, with its character
    offsets in the passage. ``None`` when the span already is the answer or names none of them.
    """
    norm = normalize_answer(span.text)
    names: list[str] = []
    for text, iri in zip(graph.texts, graph.iris, strict=True):
        names.append(text)
        if iri.startswith("http"):
            names += list(kg.labels(iri))
    if any(normalize_answer(n) == norm for n in names if n):
        return None
    for name in sorted({n for n in names if n and len(n) < len(span.text)}, key=len, reverse=True):
        m = re.search(rf"(?<!\w){re.escape(name)}(?!\w)", span.text, re.I)
        if m:
            start = span.start + m.start()
            return replace(span, text=span.text[m.start() : m.end()], start=start, end=start + len(m.group(0)))
    return None
