"""The causal and temporal checker.

Rules, each reported by name in the evidence:

* ``cause_after_effect``: a cause cannot begin after its effect has happened.
* ``causal_edge``: the graph states (possibly through a chain) that X causes Y.
* ``acts_before_birth`` / ``acts_after_death``: a person cannot create, invent,
  discover or take part in something dated before their birth, or more than
  ``posthumous_years`` after their death (works do get published posthumously).
* ``work_precedes_creator``: a work cannot be dated before its creator's birth.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from kgqa.checks.graph_check import GraphVerdict, dated_facts, path_text
from kgqa.checks.vocab import DEFAULT_VOCABULARY, Vocabulary
from kgqa.types import Claim, Evidence, Triple

if TYPE_CHECKING:  # pragma: no cover
    from kgqa.graph.dates import KGDate
    from kgqa.graph.kg import KnowledgeGraph


@dataclass(frozen=True)
class Dated:
    """A date of an entity with the fact it comes from."""

    date: KGDate
    fact: Triple | None


class TemporalChecker:
    """Check causal and temporal claims against the graph's dates and causal edges.

    Args:
        kg: the knowledge graph.
        posthumous_years: how long after a person's death a dated work may still be theirs.
        vocab: which properties mean cause, birth, death, date and creation.
    """

    def __init__(self, kg: KnowledgeGraph, posthumous_years: int = 30, vocab: Vocabulary = DEFAULT_VOCABULARY) -> None:
        self.kg = kg
        self.posthumous_years = posthumous_years
        self.vocab = vocab

    def _dated(self, iri: str, props: tuple[str, ...], pick_min: bool) -> Dated | None:
        """The earliest (or latest) date of ``iri`` over ``props``, with the fact that holds that date."""
        found = [Dated(d, t) for p in props for t, d in dated_facts(self.kg, iri, p)]
        if not found:
            return None
        return min(found, key=lambda x: x.date._key()) if pick_min else max(found, key=lambda x: x.date._key())

    def start_of(self, iri: str) -> Dated | None:
        """The earliest date known for ``iri`` (event start, publication, birth...)."""
        return self._dated(iri, self.vocab.start_props, pick_min=True)

    def end_of(self, iri: str) -> Dated | None:
        """The latest date known for ``iri``."""
        return self._dated(iri, self.vocab.end_props, pick_min=False)

    def life(self, person: str) -> tuple[Dated | None, Dated | None]:
        """``(birth, death)`` of a person."""
        return (
            self._dated(person, (self.vocab.birth_date,), True),
            self._dated(person, (self.vocab.death_date,), True),
        )

    def _date_evidence(self, stance: str, text: str, rule: str, *dated: Dated | None) -> Evidence:
        facts = tuple(d.fact for d in dated if d is not None and d.fact is not None)
        detail = {
            "rule": rule,
            "dates": [
                {
                    "entity": d.fact.subject_label if d and d.fact else "",
                    "property": d.fact.predicate_label if d and d.fact else "",
                    "date": str(d.date),
                }
                for d in dated
                if d is not None
            ],
        }
        return Evidence("date", stance, text, 1.0, triples=facts, detail=detail)

    def check(self, claim: Claim) -> GraphVerdict | None:
        """A verdict for causal and person-act claims, or ``None`` when no temporal rule applies."""
        if claim.kind == "order" and claim.subject and claim.object:
            return self._check_order(claim.subject, claim.object, claim.relation_text, claim.literal)
        if claim.subject is None or claim.object is None or claim.relation is None:
            return None
        v = self.vocab
        if claim.relation == v.causes or claim.kind == "causal":
            return self._check_causal(claim.subject, claim.object)
        if claim.relation in v.agent_acts:
            return self._check_act(person=claim.subject, thing=claim.object)
        if claim.relation in v.thing_by:
            return self._check_act(person=claim.object, thing=claim.subject)
        if claim.relation == v.participant:
            return self._check_act(person=claim.object, thing=claim.subject)
        return None

    def _event_date(self, iri: str, verb: str | None) -> Dated | None:
        if verb == "born":
            return self._dated(iri, (self.vocab.birth_date,), True) or self.start_of(iri)
        if verb == "died":
            return self._dated(iri, (self.vocab.death_date,), True) or self.end_of(iri)
        if verb in ("ended",):
            return self.end_of(iri)
        return self.start_of(iri)

    def _check_order(self, a: str, b: str, rel: str, verb: str | None) -> GraphVerdict:
        """ "A was born before B": compare the dates the verb names (births, deaths, starts)."""
        da, db = self._event_date(a, verb), self._event_date(b, verb)
        if da is None or db is None:
            return GraphVerdict(None, 0.0, "order_unknown")
        la, lb = self.kg.label(a), self.kg.label(b)
        if da.date.before(db.date):
            holds = rel == "before"
        elif da.date.after(db.date):
            holds = rel == "after"
        else:
            ev = self._date_evidence(
                "neutral",
                f"{la} ({da.date.text()}) and {lb} ({db.date.text()}) cannot be ordered at the dates' precision",
                "temporal_order",
                da,
                db,
            )
            return GraphVerdict(None, 0.0, "temporal_order", [ev])
        word = "before" if da.date.before(db.date) else "after"
        text = f"{la} ({da.date.text()}) comes {word} {lb} ({db.date.text()})"
        ev = self._date_evidence("supports" if holds else "contradicts", text, "temporal_order", da, db)
        return GraphVerdict(holds, 0.95, "temporal_order", [ev], facts=list(ev.triples))

    def _check_causal(self, cause: str, effect: str) -> GraphVerdict:
        edges = self.kg.facts(cause, self.vocab.causes, effect)
        if edges:
            # the asserted facts behind the edge (a transitive chain), not a search over the whole graph: the
            # first shortest_path built an adjacency of every fact (15 s on an 858,638-triple world)
            path = self.kg.explain(cause, self.vocab.causes, effect) or edges[:1]
            ev = Evidence("path", "supports", path_text(path), 1.0, triples=tuple(path), detail={"rule": "causal_edge"})
            return GraphVerdict(True, 0.95, "causal_edge", [ev], facts=list(path))
        c_start, e_end = self.start_of(cause), self.end_of(effect)
        e_start = self.start_of(effect)
        if c_start and e_end and e_end.date.before(c_start.date):
            text = (
                f"{self.kg.label(cause)} ({c_start.date.text()}) comes after {self.kg.label(effect)} ({e_end.date.text()}); "
                "a cause cannot come after its effect"
            )
            ev = self._date_evidence("contradicts", text, "cause_after_effect", c_start, e_end)
            return GraphVerdict(False, 0.97, "cause_after_effect", [ev], facts=list(ev.triples))
        reverse = self.kg.facts(effect, self.vocab.causes, cause)
        if reverse:
            ev = Evidence(
                "triple",
                "contradicts",
                reverse[0].text(),
                0.8,
                triples=tuple(reverse[:1]),
                detail={"rule": "reverse_causal_edge"},
            )
            return GraphVerdict(False, 0.8, "reverse_causal_edge", [ev], facts=reverse[:1])
        if c_start and e_start and not e_start.date.before(c_start.date):
            ev = self._date_evidence(
                "neutral",
                f"{self.kg.label(cause)} ({c_start.date.text()}) precedes "
                f"{self.kg.label(effect)} ({e_start.date.text()}); the order allows a causal link",
                "temporal_order_consistent",
                c_start,
                e_start,
            )
            return GraphVerdict(None, 0.0, "temporal_order_consistent", [ev])
        return GraphVerdict(None, 0.0, "causal_unknown")

    def _check_act(self, person: str, thing: str) -> GraphVerdict | None:
        birth, death = self.life(person)
        when = self.start_of(thing)
        if when is None or (birth is None and death is None):
            return None
        pl, tl = self.kg.label(person), self.kg.label(thing)
        if birth and when.date.before(birth.date):
            text = f"{tl} ({when.date.text()}) is dated before {pl} was born ({birth.date.text()})"
            ev = self._date_evidence("contradicts", text, "acts_before_birth", when, birth)
            return GraphVerdict(False, 0.95, "acts_before_birth", [ev], facts=list(ev.triples))
        if death and when.date.year - death.date.year > self.posthumous_years:
            text = f"{tl} ({when.date.text()}) is dated {when.date.year - death.date.year} years after {pl} died ({death.date.text()})"
            ev = self._date_evidence("contradicts", text, "acts_after_death", when, death)
            return GraphVerdict(False, 0.95, "acts_after_death", [ev], facts=list(ev.triples))
        ev = self._date_evidence(
            "neutral", f"{tl} ({when.date.text()}) falls within {pl}'s lifetime", "within_lifetime", when, birth, death
        )
        return GraphVerdict(None, 0.0, "within_lifetime", [ev])
