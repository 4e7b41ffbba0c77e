"""Numeric and date facts compared: the property an adjective asks about, values, and comparative claims.

"Is Jupiter larger than Saturn?", "Which has a larger population, A or B?", "Which is the largest
planet?" compare values the graph holds. Nothing here names a property of one graph:

- the property comes from the relation matcher: a relation name in the phrase ("population",
  "born", "published") by :meth:`~kgqa.graph.relations.RelationMatcher.match`, else the learned
  model's ranking of the graph's properties for the whole sentence, kept to the datatype
  properties whose values read as numbers or dates and that the compared entities hold;
- the direction comes from the English comparative or superlative ("larger", "smallest", "first",
  "later"): a short closed list of English words, not of any graph's vocabulary;
- values are compared as numbers when every one reads as a number, else as dates at mixed
  precision (:meth:`~kgqa.graph.dates.KGDate.before`: a year alone is neither before nor after a
  day in it). A missing value is never a guess: the comparison is then undecided, and says which
  entity the graph holds no value for.

A comparative claim ("A is larger than B") is supported or contradicted only when the graph holds
values for both that order them; otherwise it is ``unknown``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kgqa.checks.graph_check import stable_order
from kgqa.graph.dates import KGDate, parse_date
from kgqa.types import Claim, Evidence, PremiseCheck, Triple

if TYPE_CHECKING:  # pragma: no cover
    from kgqa.graph.kg import KnowledgeGraph
    from kgqa.graph.linking import EntityLinker, Mention
    from kgqa.graph.relations import RelationMatcher

logger = logging.getLogger(__name__)

_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_OWL_DATATYPE = "http://www.w3.org/2002/07/owl#DatatypeProperty"
_URI = ("http://", "https://", "urn:")

#: English comparatives and superlatives: +1 asks for the greatest value, -1 for the least
_GREATER = (
    "larger largest bigger biggest greater greatest higher highest longer longest taller tallest heavier heaviest "
    "more most wider widest later latest last newer newest younger youngest"
).split()
_LESSER = (
    "smaller smallest less least fewer fewest lower lowest shorter shortest lighter lightest narrower narrowest "
    "earlier earliest first sooner older oldest"
).split()
DIRECTION: dict[str, int] = {**dict.fromkeys(_GREATER, 1), **dict.fromkeys(_LESSER, -1)}
_DIRECTION_WORD = re.compile(r"\b(" + "|".join(sorted(DIRECTION, key=len, reverse=True)) + r")\b", re.I)
_NUMBER = re.compile(r"^[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?$")
# "A is larger than B", "A has a larger population than B", "A was published later than B"
_COMPARATIVE = re.compile(
    r"^(?P<a>.+?)\s+(?P<verb>is|was|are|were|has|had|have)\s+(?:(?:a|an|the)\s+)?(?P<adj>\w+)"
    r"(?P<noun>(?:\s+\w+){0,3}?)\s+than\s+(?P<b>.+)$",
    re.I,
)


@dataclass(frozen=True)
class Valued:
    """An entity's value of a property, with the fact that holds it (``value`` is a float or a date)."""

    iri: str
    value: float | KGDate
    fact: Triple


@dataclass
class Comparison:
    """The outcome of comparing entities on one property.

    Attributes:
        relation: the property compared (``None``: none found).
        winner: the entity with the greatest (``direction`` +1) or least (-1) value, when certain.
        values: every value found, one per fact.
        missing: the compared entities the graph holds no value of ``relation`` for.
        reason: why there is no winner ("no value for ...", "values tie or overlap", ...), else "".
    """

    relation: str | None
    direction: int
    winner: str | None = None
    values: list[Valued] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    reason: str = ""

    def to_dict(self, kg: KnowledgeGraph) -> dict[str, Any]:
        """A JSON-ready record for the trace."""
        return {
            "relation": self.relation,
            "direction": "greatest" if self.direction > 0 else "least",
            "winner": self.winner,
            "winner_label": kg.label(self.winner) if self.winner else None,
            "values": [{"entity": kg.label(v.iri), "value": str(v.value), "fact": v.fact.text()} for v in self.values],
            "missing": [kg.label(m) for m in self.missing],
            "reason": self.reason,
        }


def direction_of(text: str) -> tuple[int, str] | None:
    """``(+1 greatest / -1 least, the word)`` of the first comparative or superlative in ``text``."""
    m = _DIRECTION_WORD.search(text)
    return (DIRECTION[m.group(1).lower()], m.group(1)) if m else None


def read_value(lexical: str) -> float | KGDate | None:
    """A literal as a number, else as a date, else ``None`` (IRIs are neither)."""
    if lexical.startswith(_URI):
        return None
    text = lexical.strip()
    if _NUMBER.match(text):
        return float(text)
    return parse_date(text)


def is_datatype(kg: KnowledgeGraph, prop: str) -> bool:
    """Whether the graph declares ``prop`` an ``owl:DatatypeProperty``."""
    return bool(kg.facts(prop, _RDF_TYPE, _OWL_DATATYPE, inferred=False))


def values_of(kg: KnowledgeGraph, iri: str, prop: str) -> list[Valued]:
    """``iri``'s values of ``prop`` that read as numbers or dates, in a stable order."""
    out = []
    for t in stable_order(kg.facts(iri, prop, None)):
        value = read_value(t.object)
        if value is not None:
            out.append(Valued(iri, value, t))
    return out


def _as_dates(values: Sequence[Valued]) -> list[KGDate] | None:
    """All values as dates when one of them is a date (years read as numbers become years)."""
    if all(isinstance(v.value, float) for v in values):
        return None
    out = []
    for v in values:
        d = v.value if isinstance(v.value, KGDate) else parse_date(str(int(v.value))) if v.value.is_integer() else None
        if d is None:
            return []
        out.append(d)
    return out


def _greater(a: Valued, b: Valued, dates: dict[int, KGDate] | None) -> bool:
    """Whether ``a`` is certainly greater than ``b`` (dates: later at the precision both have)."""
    if dates is not None:
        return dates[id(a)].after(dates[id(b)])
    return a.value > b.value  # type: ignore[operator]


def compare(kg: KnowledgeGraph, entities: Sequence[str], prop: str, direction: int) -> Comparison:
    """The entity among ``entities`` with the greatest (``direction`` +1) or least (-1) value of ``prop``.

    Every entity must hold a value, and the winner's value must be certainly beyond every other
    entity's values (several values of one entity must all agree), else there is no winner.

    Example:
        >>> compare(kg, [JUPITER, SATURN], DIAMETER, +1).winner  # doctest: +SKIP
        'https://example.org/Jupiter'
    """
    per = {iri: values_of(kg, iri, prop) for iri in dict.fromkeys(entities)}
    found = [v for vs in per.values() for v in vs]
    result = Comparison(prop, direction, values=found, missing=[i for i, vs in per.items() if not vs])
    if result.missing:
        names = ", ".join(kg.label(m) for m in result.missing)
        result.reason = f"the graph holds no {kg.label(prop)} for {names}"
        return result
    dates_list = _as_dates(found)
    if dates_list == []:
        result.reason = f"the values of {kg.label(prop)} are neither all numbers nor all dates"
        return result
    dates = {id(v): d for v, d in zip(found, dates_list, strict=True)} if dates_list is not None else None
    for iri, mine in per.items():
        others = [v for o, vs in per.items() if o != iri for v in vs]
        ok = True
        for a in mine:
            for b in others:
                beyond = _greater(a, b, dates) if direction > 0 else _greater(b, a, dates)
                if not beyond:
                    ok = False
                    break
            if not ok:
                break
        if ok:
            result.winner = iri
            return result
    result.reason = f"the values of {kg.label(prop)} do not order them with certainty (equal or too vague)"
    return result


def numeric_properties(
    kg: KnowledgeGraph,
    relations: RelationMatcher,
    text: str,
    phrase: str,
    entities: Sequence[str],
    mention: tuple[int, int] | None = None,
    limit: int = 3,
) -> list[str]:
    """Datatype properties with number or date values that ``text`` may compare ``entities`` on, best first.

    A relation name in ``phrase`` ("population", "born") comes first; then the learned model's
    ranking of every property for ``text`` (without its threshold: an adjective such as "larger"
    names no property, and the ranking is all there is). Only properties one of ``entities``
    holds a number or date for are kept: the graph's data, not a list, says what is numeric.
    At most ``limit`` are returned.
    """
    ranked: list[str] = []
    if phrase.strip():
        start, end = mention or (0, 0)
        ranked += [p for p, _ in relations.match_text(text, start, end, phrase=phrase, top_k=5)]
    model = getattr(relations, "model", None)
    if model is not None:
        ranked += [p for p, _ in model.rank(kg, text, top_k=max(len(kg.properties()), 1))]
    out = []
    for prop in dict.fromkeys(ranked):
        if is_datatype(kg, prop) and any(values_of(kg, e, prop) for e in entities):
            out.append(prop)
            if len(out) >= limit:
                break  # each property costs a look-up per entity: stop at the few the caller uses
    return out


class ComparativeClaims:
    """Check comparative claims ("A is larger than B", "A has a larger population than B").

    Args:
        kg: the knowledge graph.
        linker: its entity linker.
        relations: its relation matcher.
    """

    def __init__(self, kg: KnowledgeGraph, linker: EntityLinker, relations: RelationMatcher) -> None:
        self.kg = kg
        self.linker = linker
        self.relations = relations

    def _entity(self, phrase: str) -> Mention | None:
        phrase = phrase.strip(" .,;:!?")
        mentions = self.linker.find_mentions(phrase)
        if mentions and mentions[0].end - mentions[0].start >= 0.6 * len(
            re.sub(r"^(the|a|an)\s+", "", phrase, flags=re.I)
        ):
            return mentions[0]
        return None

    def check(self, text: str, source: str = "stated") -> PremiseCheck | None:
        """The check of a comparative claim, or ``None`` when ``text`` is not one.

        Supported or contradicted when the graph's values order the two entities; ``unknown``
        (rule ``comparison_undecided``, with the reason in the evidence) when a value is missing
        or the values do not order them.
        """
        body = text.strip().rstrip(".!").strip()
        if " than " not in body:
            return None
        m = _COMPARATIVE.match(body)
        if not m or m.group("adj").lower() not in DIRECTION or re.search(r"\bnot\b|n't\b", body, re.I):
            return None
        a, b = self._entity(m.group("a")), self._entity(m.group("b"))
        if a is None or b is None or a.iri == b.iri:
            return None
        direction = DIRECTION[m.group("adj").lower()]
        props = numeric_properties(
            self.kg, self.relations, body, m.group("noun").strip(), [a.iri, b.iri], (a.start, a.end)
        )
        claim = Claim(
            text, a.iri, props[0] if props else None, b.iri, False, "comparison", a.label, m.group("adj"), b.label
        )
        if not props:
            reason = f"the graph holds no number or date that compares {a.label} and {b.label}"
            ev = Evidence("path", "neutral", reason, 0.0, detail={"rule": "comparison_undecided"})
            return PremiseCheck(text, "unknown", 0.0, (ev,), claim, source, None, "comparison_undecided")
        result = compare(self.kg, [a.iri, b.iri], props[0], direction)
        detail = {"rule": "numeric_comparison", **result.to_dict(self.kg)}
        facts = tuple(v.fact for v in result.values)
        if result.winner is None:
            ev = Evidence("path", "neutral", result.reason, 0.0, triples=facts, detail=detail)
            return PremiseCheck(text, "unknown", 0.0, (ev,), claim, source, None, "comparison_undecided")
        holds = result.winner == a.iri
        summary = "; ".join(v.fact.text() for v in result.values)
        ev = Evidence("path", "supports" if holds else "contradicts", summary, 1.0, triples=facts, detail=detail)
        correction = None if holds else f"{self.kg.label(result.winner)}: {summary}"
        status = "supported" if holds else "contradicted"
        return PremiseCheck(text, status, 0.9, (ev,), claim, source, correction, "numeric_comparison")


__all__ = [
    "DIRECTION",
    "Comparison",
    "ComparativeClaims",
    "Valued",
    "compare",
    "direction_of",
    "is_datatype",
    "numeric_properties",
    "read_value",
    "values_of",
]
