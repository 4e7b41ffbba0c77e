"""Questions answered by counting or comparing graph facts: "How many ...", "Who ... first, A or B?", superlatives.

- **How many**: "How many plays did William Shakespeare write?" counts the distinct values of the
  relation the question names (matched with the relation matcher, the entity mention marked),
  kept to the class the noun names ("plays") when the graph types the values. The graph is an
  open world, so the count is a lower bound: the explanation says "at least N according to the
  graph", and the counted facts are in the trace.
- **Choice**: "Who was born first, Charles Dickens or Jane Austen?", "Which is bigger, A or B?"
  compares the two entities on a number or date property
  (:func:`~kgqa.checks.numeric.numeric_properties`, :func:`~kgqa.checks.numeric.compare`).
- **Superlative**: "Which is the largest planet?", "Which is the largest city in France?" compares
  the instances of the class the noun names (those related to the place, when one is named).

When a compared entity has no value, the answer is withheld and the explanation says which: the
graph's silence is not a small number. :func:`numeric_answer` returns ``None`` for questions of
other shapes; the pipeline then answers them as usual.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kgqa.answering import GraphAnswer
from kgqa.checks.graph_check import stable_order
from kgqa.checks.numeric import compare, direction_of, is_datatype, numeric_properties
from kgqa.types import Triple

if TYPE_CHECKING:  # pragma: no cover
    from kgqa.graph.kg import KnowledgeGraph
    from kgqa.graph.linking import EntityLinker, Mention
    from kgqa.graph.relations import RelationMatcher

logger = logging.getLogger(__name__)

_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_URI = ("http://", "https://", "urn:")
_AUX = r"(?:did|does|do|has|have|had|is|are|was|were)"
_HOW_MANY = re.compile(rf"^how\s+many\s+(?P<noun>[\w\s'-]+?)\s+{_AUX}\s+(?P<rest>.+?)\??$", re.I)
_HAVE = re.compile(r"^(?:has|have|had|got|contain|contains|include|includes)$", re.I)
_CHOICE_GAP = re.compile(r"^\s*,?\s*or\s+$", re.I)
_WH_CHOICE = re.compile(r"^\s*(?:who|which|what)\b(?P<phrase>.*?)[,:]?\s*$", re.I)
_SUPERLATIVE = re.compile(
    r"^(?:which|what)\s+(?:is|was|are|were)\s+the\s+(?P<adj>\w+est|most\s+\w+|least\s+\w+)\s+"
    r"(?P<noun>[\w\s'-]+?)(?:\s+(?:in|of|on)\s+(?P<place>.+?))?\??$",
    re.I,
)
_WORDS_DROPPED = re.compile(r"\b(?:who|which|what|is|was|are|were|the|a|an|has|have|had|did|does|do|one)\b", re.I)
#: how many candidates a superlative compares at most (a bound on the cost over a big graph)
MAX_CANDIDATES = 2000


@dataclass
class NumericAnswer:
    """An answer computed from the graph by counting or comparing.

    Attributes:
        kind: ``"count"``, ``"choice"`` or ``"superlative"``.
        answer: the answer text (``None``: withheld, see ``explanation``).
        iris: the answering entities (empty for a count).
        facts: the facts counted or compared.
        relation: the property used.
        explanation: what the answer means or why there is none ("at least 9 according to the graph").
        details: the comparison or count record for the trace.
    """

    kind: str
    answer: str | None
    iris: list[str] = field(default_factory=list)
    facts: list[Triple] = field(default_factory=list)
    relation: str | None = None
    explanation: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready record for the trace."""
        return {
            "kind": self.kind,
            "answer": self.answer,
            "iris": list(self.iris),
            "relation": self.relation,
            "explanation": self.explanation,
            "facts": [t.to_dict() for t in self.facts],
            **self.details,
        }

    def graph_answer(self) -> GraphAnswer | None:
        """The answer as a :class:`~kgqa.answering.GraphAnswer` (``None`` when withheld)."""
        if self.answer is None:
            return None
        return GraphAnswer([self.answer], list(self.iris) or [self.answer], list(self.facts), self.relation or "")


def numeric_answer(
    kg: KnowledgeGraph,
    linker: EntityLinker,
    relations: RelationMatcher,
    question: str,
    mentions: Sequence[Mention],
) -> NumericAnswer | None:
    """Answer a how-many, choice or superlative question from the graph; ``None`` for other shapes.

    Example:
        >>> q = "How many plays did William Shakespeare write?"
        >>> numeric_answer(kg, linker, relations, q, linker.find_mentions(q)).answer  # doctest: +SKIP
        '9'
    """
    q = question.strip()
    return (
        _count(kg, linker, relations, q, mentions)
        or _choice(kg, relations, q, mentions)
        or _superlative(kg, linker, relations, q)
    )


def _class_of(linker: EntityLinker, noun: str) -> str | None:
    found = [m for m in linker.resolve_class(noun.strip(), top_k=1) if m.method == "exact"]
    return found[0].iri if found else None


def _count(
    kg: KnowledgeGraph, linker: EntityLinker, relations: RelationMatcher, q: str, mentions: Sequence[Mention]
) -> NumericAnswer | None:
    m = _HOW_MANY.match(q)
    if not m:
        return None
    rest_start = m.start("rest")
    inside = [x for x in mentions if x.start >= rest_start]
    if not inside:
        return None
    ent = inside[0]
    noun = m.group("noun").strip()
    verb = " ".join(w for w in (q[rest_start : ent.start] + " " + q[ent.end :]).rstrip("?").split())
    # "How many moons does Jupiter have?": the noun names the relation; "... did X write?": the verb does
    phrase = noun if not verb or _HAVE.match(verb) else verb
    cls = _class_of(linker, noun)
    candidates = relations.match_text(q, ent.start, ent.end, phrase=phrase, top_k=5)
    if phrase != noun:
        candidates += relations.match(noun, top_k=3)
    for prop, _score in candidates:
        if is_datatype(kg, prop):
            continue
        forward = [t for t in stable_order(kg.facts(ent.iri, prop, None)) if t.object.startswith(_URI)]
        backward = [] if forward else stable_order(kg.facts(None, prop, ent.iri))
        facts = forward or backward
        if not facts:
            continue
        values = {(t.object if forward else t.subject): t for t in facts}
        typed = cls is not None and any(kg.types(v) for v in values)
        if typed:
            values = {v: t for v, t in values.items() if kg.is_instance(v, cls)[0]}
        if not values:
            continue
        n = len(values)
        what = kg.label(cls) if typed and cls else noun
        explanation = (
            f"at least {n} according to the graph: it holds {n} distinct {what} value(s) of "
            f"{kg.label(prop)} for {ent.label}, and may not hold them all"
        )
        details = {"counted": [kg.label(v) for v in values], "class": cls if typed else None, "open_world": True}
        return NumericAnswer("count", str(n), [], list(values.values()), prop, explanation, details)
    return NumericAnswer(
        "count",
        None,
        relation=None,
        explanation=f"the graph holds no {noun} of {ent.label} for what the question asks",
        details={"open_world": True},
    )


def _choice(
    kg: KnowledgeGraph, relations: RelationMatcher, q: str, mentions: Sequence[Mention]
) -> NumericAnswer | None:
    body = q.rstrip("?").rstrip()
    if len(mentions) < 2:
        return None
    a, b = mentions[-2], mentions[-1]
    if b.end < len(body) - 1 or not _CHOICE_GAP.match(body[a.end : b.start]) or a.iri == b.iri:
        return None
    head = _WH_CHOICE.match(body[: a.start])
    if not head:
        return None
    found = direction_of(head.group("phrase"))
    if found is None:
        return None
    direction, word = found
    phrase = _WORDS_DROPPED.sub(" ", head.group("phrase").replace(word, " "))
    phrase = " ".join(phrase.replace(",", " ").split())
    props = numeric_properties(kg, relations, body, phrase, [a.iri, b.iri])
    if not props:
        return NumericAnswer(
            "choice", None, explanation=f"the graph holds no number or date that compares {a.label} and {b.label}"
        )
    result = compare(kg, [a.iri, b.iri], props[0], direction)
    return _from_comparison(kg, "choice", result)


def _from_comparison(kg: KnowledgeGraph, kind: str, result: Any) -> NumericAnswer:
    facts = [v.fact for v in result.values]
    details = {"comparison": result.to_dict(kg)}
    if result.winner is None:
        return NumericAnswer(kind, None, [], facts, result.relation, result.reason, details)
    label = kg.label(result.winner)
    which = "greatest" if result.direction > 0 else "least"
    explanation = f"{label} has the {which} {kg.label(result.relation)} of those the graph holds values for"
    winner_facts = [t for t in facts if t.subject == result.winner] + [t for t in facts if t.subject != result.winner]
    return NumericAnswer(kind, label, [result.winner], winner_facts, result.relation, explanation, details)


def _superlative(kg: KnowledgeGraph, linker: EntityLinker, relations: RelationMatcher, q: str) -> NumericAnswer | None:
    m = _SUPERLATIVE.match(q.strip())
    if not m:
        return None
    found = direction_of(m.group("adj"))
    cls = _class_of(linker, m.group("noun"))
    if found is None or cls is None:
        return None
    direction, _word = found
    place = None
    if m.group("place"):
        places = linker.find_mentions(m.group("place"))
        if not places:
            return None
        place = places[0]
    members = list(dict.fromkeys(t.subject for t in kg.facts(None, _RDF_TYPE, cls)))
    if place is not None:
        near = {t.subject for t in kg.facts(None, None, place.iri)} | {
            t.object for t in kg.facts(place.iri, None, None)
        }
        members = [x for x in members if x in near]
    where = f" in {place.label}" if place else ""
    if not members:
        return NumericAnswer("superlative", None, explanation=f"the graph holds no {kg.label(cls)}{where}")
    if len(members) > MAX_CANDIDATES:
        return NumericAnswer(
            "superlative",
            None,
            explanation=f"{len(members)} candidates exceed the comparison budget of {MAX_CANDIDATES}",
            details={"budget": "MAX_CANDIDATES"},
        )
    adj = m.group("adj").split()[-1]
    noun_phrase = "" if direction_of(adj) else adj  # "most populous": the adjective may name the property
    props = numeric_properties(kg, relations, q, noun_phrase, members)
    if not props:
        return NumericAnswer(
            "superlative",
            None,
            explanation=f"the graph holds no number or date that compares the {kg.label(cls)} entities{where}",
            details={"candidates": [kg.label(x) for x in members[:50]]},
        )
    return _from_comparison(kg, "superlative", compare(kg, members, props[0], direction))


__all__ = ["MAX_CANDIDATES", "NumericAnswer", "numeric_answer"]
