"""Graph facts read as sentences and judged by the NLI model against a claim the graph rules left unknown.

The graph rules (:mod:`kgqa.checks.graph_check`) match a claim's relation and entities exactly; a claim
worded another way ("X coached Y" where the graph says ``X team coach team Y``), or parsed onto a
neighbouring relation, stays ``unknown``. Here the facts around the claim's linked entities are
rendered as English sentences from the graph's own labels (:class:`FactRenderer`) and each is read
by the NLI model as the premise of the claim (:class:`FactSentenceJudge`):

- ``supported``: a fact sentence entails the claim with a calibrated probability of at least the
  entailment threshold, and the fact is about every entity the claim links (a fact about other
  things cannot entail it, however alike the sentences read);
- ``contradicted`` only when all of these hold (open world: a missing fact contradicts nothing):
  the claim's relation was read with confidence (not a weak reading of :mod:`kgqa.checks.readings`),
  the fact has the claim's relation (or its inverse) and one of the claim's entities as its holder,
  its value is another thing than the claim's (:func:`~kgqa.graph.vocabulary.may_be_same` is false),
  the holder has exactly that one value, the relation is nearly single-valued on the holder's side by
  the data (at least ``single_valued_share`` of at least :data:`MIN_HOLDERS` holders have one value;
  the counts go into the evidence), and the calibrated NLI contradiction probability is at least the
  strict contradiction threshold. A relation single-valued on neither side by that share may still
  refute by its *two* sides (``two_sided_share``, on each): the holder has that one value, and the
  claim's value is itself tied by the relation to one other holder ("Wellington is the capital of
  Spain": Spain's one capital is Madrid, and Wellington is the capital of New Zealand). Both ends of a
  true fact the graph lacks must then hold another single value, which ``kgqa bench single-valued``
  measures (``two_sided``) as it does the one-sided rule;
- otherwise ``None`` (unknown), unless a fact refutes the claim by substitution
  (:mod:`kgqa.checks.fact_substitution`: the fact rewritten with the claim's value entails the claim, so
  the claim states the fact's relation, read weakly or not at all by the claim parser).

Negated claims are left to the other checks: "X did not direct Y" read against "Z directed Y" is
where NLI models confuse entailment with contradiction. How much is read is bounded by two
:class:`~kgqa.budget.Budget`\\ s, ``fact_budget`` (facts read around the entities) and
``nli_pair_budget`` (sentences judged); a budget that cut the search short is recorded in the
evidence's ``detail["budgets"]``. The thresholds were chosen on graph-derived training cases
(``python -m kgqa.train.fact_thresholds``; ``data/fact_sentence_thresholds.json`` records how).

Sentences are rendered with hand-written templates over the relation's label: no library turns a
property label into a sentence, and the part of speech of its first word comes from ``lemminflect``.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lemminflect import getAllLemmas, getInflection

from kgqa.budget import Budget, cuts
from kgqa.checks.fact_substitution import substitution_refutation
from kgqa.checks.presuppositions import undo_do_support
from kgqa.graph.relation_phrase import RelationPhrase, path_phrase, phrase_from_words, words_of
from kgqa.graph.relation_text import DESCRIPTION_PREDICATES, NAME_PREDICATES, VOCABULARIES, property_text
from kgqa.graph.vocabulary import MIN_SUBJECTS
from kgqa.reader.calibrated import calibrated_probs, label_probs
from kgqa.types import Claim, Evidence, Triple

if TYPE_CHECKING:  # pragma: no cover
    from kgqa.graph.kg import KnowledgeGraph
    from kgqa.protocols import NLIPredictor

logger = logging.getLogger(__name__)

#: the fewest holders a relation needs before the data may call it single-valued on their side: as many
#: as an inferred functional property needs (a relation 38 of 38 people hold once may still have a second value)
MIN_HOLDERS = MIN_SUBJECTS
#: literal values longer than this (characters) are descriptions, not facts to read
MAX_LITERAL_CHARS = 60
_SKIPPED = (*VOCABULARIES, *NAME_PREDICATES, *DESCRIPTION_PREDICATES)
_IRI = ("http://", "https://", "urn:")


def _article(phrase: str) -> str:
    return "an" if phrase[:1].lower() in "aeiou" else "a"


def relation_phrase(kg: KnowledgeGraph, prop: str) -> RelationPhrase:
    """How ``prop`` reads: its first name (label), or the phrase of its IRI path when the label copies it."""
    text = property_text(kg, prop)
    names = text.name_texts or (kg.label(prop),)
    label = next((n for n in names if words_of(n)), "") or prop.rsplit("/", 1)[-1]
    from_path = path_phrase(prop, label)
    if from_path is not None:
        return from_path
    return phrase_from_words(words_of(label) if not re.search(r"[A-Z]", label) else label.lower().split())


class FactRenderer:
    """Render graph facts as sentences from the graph's labels (phrases cached per property).

    Example:
        >>> FactRenderer(kg).sentence(triple)   # doctest: +SKIP
        'Mara Holt is the coach of Team 0.'
    """

    def __init__(self, kg: KnowledgeGraph) -> None:
        self.kg = kg
        self._phrases: dict[str, RelationPhrase] = {}
        self._lock = threading.Lock()

    def phrase(self, prop: str) -> RelationPhrase:
        """The cached :func:`relation_phrase` of ``prop``."""
        found = self._phrases.get(prop)
        if found is None:
            found = relation_phrase(self.kg, prop)
            with self._lock:
                self._phrases[prop] = found
        return found

    def _name(self, node: str, label: str) -> str:
        if label:
            return label
        return self.kg.label(node) if node.startswith(_IRI) else node

    def sentence(self, t: Triple, style: int = 0, single: bool = False) -> str:
        """``t`` as a sentence; ``style`` 1 words it another way (a paraphrase, for generated claims).

        Args:
            t: the fact.
            style: 0 (the fact sentence) or 1 (another wording of the same fact).
            single: the fact's holder has this one value: its subject ("the place of birth of S is O"
                rather than "O is a place of birth of S"), or for a ``role`` phrase its object
                ("S is the coach of O" rather than "S is a coach of O").
        """
        s, o = self._name(t.subject, t.subject_label), self._name(t.object, t.object_label)
        ph = self.phrase(t.predicate)
        w = ph.text
        det = "the" if single else _article(w)
        if ph.form in ("verb", "passive", "state"):
            first, rest = (w.split(" ", 1) + [""])[:2]
            lemma = (getAllLemmas(first).get("VERB") or getAllLemmas(first).get("AUX") or (first,))[0]
            if ph.form == "verb":
                if style == 0:
                    return f"{s} {w} {o}."
                participle = (getInflection(lemma, tag="VBN") or (first,))[0]
                return (
                    f"{o} was {' '.join(x for x in (participle, rest) if x)} by {s}." if not rest else f"{s} {w} {o}."
                )
            if ph.form == "passive":
                if style == 0:
                    return f"{s} was {w} {o}."
                past = (getInflection(lemma, tag="VBD") or (first,))[0]
                middle = rest.removesuffix("by").strip()
                return f"{o} {' '.join(x for x in (past, middle) if x)} {s}."
            return f"{s} is {w} {o}." if style == 0 else f"{s} has been {w} {o}."
        if ph.form == "role":
            return f"{s} is {det} {w} of {o}." if style == 0 else f"{o} has {s} as its {w}."
        if ph.form == "noun_prep":
            return f"{s} is {det} {w} {o}." if style == 0 else f"{s} serves as {det} {w} {o}."
        if single:
            return f"The {w} of {s} is {o}." if style == 0 else f"{s}'s {w} is {o}."
        return f"{o} is {_article(w)} {w} of {s}." if style == 0 else f"{s} has {o} as {_article(w)} {w}."


@dataclass
class FactJudgement:
    """What the fact sentences say about one claim.

    Attributes:
        holds: ``True`` (a sentence entails it), ``False`` (a sentence of the claim's own relation
            refutes it, under the conditions of the module docstring) or ``None``.
        confidence: the deciding sentence's calibrated probability (0 when ``holds`` is ``None``).
        evidence: every judged sentence as :class:`~kgqa.types.Evidence` (the deciding one first).
        correction: the refuting fact as a sentence, when ``holds`` is ``False``.
        budgets: the budgets that cut the search short (``{"budget", "limit", "used"}``).
    """

    holds: bool | None
    confidence: float = 0.0
    evidence: list[Evidence] = field(default_factory=list)
    correction: str | None = None
    budgets: list[dict[str, Any]] = field(default_factory=list)


def _summary(judged: list[Evidence], budgets: list[dict[str, Any]], decided: bool) -> Evidence:
    """One neutral evidence item listing the sentences that decided nothing, each with its probabilities.

    Kept as one item (not one per sentence) so that a premise check's evidence and the facts an answer
    cites stay the deciding ones; the trace still holds every sentence read (``detail["sentences"]``).
    """
    sentences = [
        {
            "sentence": e.text,
            "stance": e.stance,
            "nli": e.nli,
            **{k: v for k, v in e.detail.items() if k not in ("rule", "sentence", "budgets")},
            "triple": e.triples[0].to_dict(),
        }
        for e in judged
    ]
    other = "other " if decided else ""
    text = f"{len(judged)} {other}graph fact(s) read as sentences decide nothing; the closest: {judged[0].text}"
    detail: dict[str, Any] = {"rule": "fact_sentences", "sentences": sentences}
    if budgets:
        detail["budgets"] = budgets
    # kind "triple" (the documented kinds): facts of the graph, listed in the detail rather than cited
    return Evidence("triple", "neutral", text, 0.0, detail=detail)


@dataclass(frozen=True)
class _Candidate:
    triple: Triple
    holder: str | None  # the claim entity whose value this fact of the claim's relation gives (else None)
    side: int  # 0: the holder is the relation's subject; 1: its object
    single: bool = False  # the fact reads "the ..." (see FactRenderer.sentence)


class FactSentenceJudge:
    """Judge a claim against the sentences of the graph facts around its linked entities (module docstring).

    Args:
        kg: the knowledge graph.
        nli: the NLI model the pipeline uses (its calibrated probabilities are compared with the thresholds).
        entail_threshold: calibrated entailment probability from which a sentence supports the claim.
        contradict_threshold: calibrated contradiction probability from which a sentence may refute it.
        single_valued_share: the least share of the relation's holders with exactly one value.
        two_sided_share: the least share on *each* side of the relation for the two-sided refutation (the
            module docstring); ``None``: off.
        fact_budget: facts read around the claim's entities.
        nli_pair_budget: sentences judged by the NLI model (half as many facts are tried by substitution).
        substitution_threshold: calibrated entailment of the claim by a fact rewritten with the claim's
            value, from which the fact's relation is the claim's (:mod:`kgqa.checks.fact_substitution`);
            ``None``: ``entail_threshold``.
        plausibility: ``(holder, property, claimed, inverse) -> case or None``: the link model's case that a
            value is implausible (:meth:`kgqa.checks.graph_check.GraphChecker.implausible_side`), for a
            relation the substitution recognised that is only mostly single-valued; ``None``: not used.
    """

    def __init__(
        self,
        kg: KnowledgeGraph,
        nli: NLIPredictor,
        entail_threshold: float,
        contradict_threshold: float,
        single_valued_share: float,
        fact_budget: int,
        nli_pair_budget: int,
        substitution_threshold: float | None = None,
        plausibility: Callable[[str, str, str, bool], dict[str, Any] | None] | None = None,
        two_sided_share: float | None = None,
    ) -> None:
        Budget("fact_budget", fact_budget)  # validates the limits now
        Budget("nli_pair_budget", nli_pair_budget)
        self.kg = kg
        self.nli = nli
        self.renderer = FactRenderer(kg)
        self.entail_threshold = entail_threshold
        self.contradict_threshold = contradict_threshold
        self.single_valued_share = single_valued_share
        self.fact_budget = fact_budget
        self.nli_pair_budget = nli_pair_budget
        self.substitution_threshold = entail_threshold if substitution_threshold is None else substitution_threshold
        self.plausibility = plausibility
        self.two_sided_share = two_sided_share

    # ------------------------------------------------------------------ gathering facts
    def _facts_of(self, node: str, prop: str | None) -> list[Triple]:
        out = self.kg.facts(node, prop, None, inferred=False) + self.kg.facts(None, prop, node, inferred=False)
        return [
            t
            for t in out
            if not t.predicate.startswith(_SKIPPED)
            and (t.object.startswith(_IRI) or len(t.object) <= MAX_LITERAL_CHARS)
            and t.subject != t.object
        ]

    def candidates(self, claim: Claim, budget: Budget) -> list[_Candidate]:
        """The facts around the claim's linked entities: those of its relation (or inverse) first, within ``budget``.

        The other facts of an entity with more facts than the whole budget are not read at all (the
        budget is then marked exhausted): building them would cost more than judging them is worth.
        """
        entities = [x for x in (claim.subject, claim.object) if x and x.startswith(_IRI)]
        rel = claim.relation if claim.relation and not claim.relation.startswith(VOCABULARIES) else None
        inv = self.kg.inverse_of(rel) if rel else None
        own: list[_Candidate] = []
        seen: set[tuple[str, str, str]] = set()
        for prop in dict.fromkeys(p for p in (rel, inv) if p):
            for node in entities:
                for t in self._facts_of(node, prop):
                    key = (t.subject, t.predicate, t.object)
                    if key not in seen:
                        seen.add(key)
                        own.append(self._orient(claim, t, rel, inv))
        others: list[_Candidate] = []
        for node in entities:
            if self._degree(node) > budget.limit:
                # a hub (a country, a year): reading all its facts would cost more than the budget allows
                budget.exhausted = True
                continue
            for t in self._facts_of(node, None):
                key = (t.subject, t.predicate, t.object)
                if key not in seen:
                    seen.add(key)
                    others.append(_Candidate(t, None, 0))
        both = set(entities)
        # facts linking both entities first, then the rest in a fixed order
        others.sort(
            key=lambda c: (not {c.triple.subject, c.triple.object} >= both, c.triple.predicate, c.triple.object)
        )
        found = own + others
        # every fact touching an entity was read: its count of values for a relation is known here
        subjects: dict[tuple[str, str], int] = {}
        objects: dict[tuple[str, str], int] = {}
        for c in found:
            t = c.triple
            subjects[(t.subject, t.predicate)] = subjects.get((t.subject, t.predicate), 0) + 1
            objects[(t.object, t.predicate)] = objects.get((t.object, t.predicate), 0) + 1
        marked = []
        for c in found:
            t = c.triple
            if self.renderer.phrase(t.predicate).form == "role":
                single = t.object in both and objects[(t.object, t.predicate)] == 1
            else:
                single = t.subject in both and subjects[(t.subject, t.predicate)] == 1
            marked.append(_Candidate(t, c.holder, c.side, single))
        return budget.cut(marked)

    def _degree(self, node: str) -> int:
        """The facts ``node`` takes part in: from the names catalogue of a big graph, else counted."""
        catalogue = self.kg.catalogue()
        return catalogue.degree(node) if catalogue is not None else self.kg.degree(node)

    def _orient(self, claim: Claim, t: Triple, rel: str | None, inv: str | None) -> _Candidate:
        """The candidate with the claim entity it gives a value of, in the claim relation's direction."""
        pairs = []
        if t.predicate == rel:
            pairs.append((t.subject, t.object))
        if t.predicate == inv:
            pairs.append((t.object, t.subject))
        for fs, fo in pairs:
            if fs == claim.subject and fo != claim.object:
                return _Candidate(t, claim.subject, 0)
            if claim.object and fo == claim.object and fs != claim.subject:
                return _Candidate(t, claim.object, 1)
        return _Candidate(t, None, 0)

    # ------------------------------------------------------------------ judging
    def single_valued(self, rel: str, holder: str, side: int) -> tuple[bool, dict[str, Any]]:
        """Whether ``rel`` is nearly single-valued on ``side`` and ``holder`` has one value, with the counts.

        The holder's own values are read only for a relation that is nearly single-valued (``holder_values``
        is ``None`` otherwise): on a big graph a hub holder (a city many people were born in) has thousands.
        """
        from kgqa.graph.vocabulary import graph_vocabulary

        holders, single = graph_vocabulary(self.kg).value_counts(rel, side)
        share = single / holders if holders else 0.0
        nearly = holders >= MIN_HOLDERS and share >= self.single_valued_share
        own: list[str] | None = None
        if nearly:
            own = self.kg.objects(holder, rel) if side == 0 else self.kg.subjects(rel, holder)
        counts = {
            "holders": holders,
            "single": single,
            "share": round(share, 4),
            "holder_values": None if own is None else len(own),
            "side": "subject" if side == 0 else "object",
        }
        return nearly and own is not None and len(own) == 1, counts

    def judge(self, claim: Claim, text: str) -> FactJudgement:
        """The fact sentences' verdict on ``claim`` (stated as ``text``), with every judged sentence as evidence.

        The NLI hypothesis is ``text`` with its do-support undone ("X did direct Y" as "X directed Y",
        :func:`kgqa.checks.presuppositions.undo_do_support`), as the claim parser reads it: the statement a
        question presupposes keeps the question's auxiliary, which the NLI model reads as emphasis rather
        than as the plain statement the fact sentences are compared with.
        """
        if claim.negated or not claim.subject or not claim.subject.startswith(_IRI):
            return FactJudgement(None)
        text = undo_do_support(text)
        read = Budget("fact_budget", self.fact_budget)
        pairs = Budget("nli_pair_budget", self.nli_pair_budget)
        read_facts = self.candidates(claim, read)
        found = pairs.cut(read_facts)
        budgets = cuts([read, pairs])
        if not found:
            return FactJudgement(None, budgets=budgets)
        sentences = [self.renderer.sentence(c.triple, single=c.single) for c in found]
        raw = self.nli.predict([(s, text) for s in sentences])
        cal = calibrated_probs(self.nli, raw)
        rel = claim.relation
        claimed_entity = bool(claim.object and claim.object.startswith(_IRI))
        # a relation read below the matcher's threshold (kgqa.checks.readings) is a guess: its facts may
        # support the claim, but a fact of a guessed relation refutes nothing ("hometown" read as place of death)
        weak = bool(claim.reading and claim.reading.get("weak"))
        scored: list[tuple[float, Evidence, bool | None, str]] = []
        for c, sentence, p, q in zip(found, sentences, raw, cal, strict=True):
            probs, calibrated = label_probs(p), label_probs(q)
            detail: dict[str, Any] = {
                "rule": "fact_sentence",
                "sentence": sentence,
                "calibrated_nli": calibrated,
                "same_relation": c.holder is not None,
            }
            if budgets:
                detail["budgets"] = budgets
            holds: bool | None = None
            if (
                calibrated["entailment"] >= self.entail_threshold
                and calibrated["entailment"] > calibrated["contradiction"]
                and self._covers(claim, c.triple)
            ):
                holds = True
            elif (
                c.holder is not None
                and rel
                and claimed_entity
                and not weak
                and calibrated["contradiction"] >= self.contradict_threshold
            ):
                holds = self._refutes(claim, c, detail)
            stance = {True: "supports", False: "contradicts"}.get(holds, "neutral")  # type: ignore[arg-type]
            strength = calibrated["entailment"] if holds else calibrated["contradiction"] if holds is False else 0.0
            ev = Evidence(
                "triple",
                stance,
                sentence,
                float(max(calibrated.values())),
                triples=(c.triple,),
                nli=probs,
                detail=detail,
            )
            scored.append((strength, ev, holds, sentence))
        supports = [x for x in scored if x[2] is True]
        refutes = [x for x in scored if x[2] is False]
        # a supporting fact wins over a refuting one: a false contradiction is the worst error
        deciding = (
            max(supports, key=lambda x: x[0]) if supports else max(refutes, key=lambda x: x[0]) if refutes else None
        )
        rest = sorted(
            (x[1] for x in scored if x is not deciding),
            key=lambda e: -max(e.nli["entailment"], e.nli["contradiction"]) if e.nli else 0.0,
        )
        evidence = [deciding[1]] if deciding else []
        if rest:
            evidence.append(_summary(rest, budgets, decided=deciding is not None))
        if deciding is None and claimed_entity:
            judged = {e.text: e.detail["calibrated_nli"] for _, e, _, _ in scored}
            refuted = self._substituted(claim, text, read_facts, budgets, judged)
            if refuted is not None:
                return FactJudgement(
                    False, refuted.confidence, [*refuted.evidence, *evidence], refuted.correction, budgets
                )
        if deciding is None:
            return FactJudgement(None, 0.0, evidence, None, budgets)
        strength, _, holds, sentence = deciding
        correction = sentence.rstrip(".") if holds is False else None
        return FactJudgement(holds, round(float(strength), 4), evidence, correction, budgets)

    def _covers(self, claim: Claim, t: Triple) -> bool:
        """Whether the fact is about every entity the claim links (or another name of it), so that it may support it.

        A fact about other things cannot entail the claim, however alike its sentence reads: the NLI model
        took "War of the Worlds is a story by H. G. Wells" to entail "Analyze This is a story by H. G.
        Wells", and "The 2008 season is a season of the Reds" to entail the 2009 one. Nor can the claim's
        relation stated the other way round, unless it is symmetric.
        """
        from kgqa.graph.vocabulary import may_be_same

        if (
            claim.relation == t.predicate
            and (t.subject, t.object) == (claim.object, claim.subject)
            and not self.kg.is_symmetric(t.predicate)
        ):
            return False  # the claim's own relation the other way round ("New Wave is a parent genre of Dark wave")
        ends = (t.subject, t.object)
        return all(
            any(e == x or may_be_same(self.kg, e, x) for e in ends)
            for x in (claim.subject, claim.object)
            if x and x.startswith(_IRI)
        )

    def _substituted(
        self,
        claim: Claim,
        text: str,
        read_facts: list[_Candidate],
        budgets: list[dict[str, Any]],
        judged: dict[str, dict[str, float]],
    ) -> FactJudgement | None:
        """The refutation of :mod:`kgqa.checks.fact_substitution` as a judgement (its cut budget added to ``budgets``)."""
        budget = Budget("substitution_facts", max(1, self.nli_pair_budget // 2))
        facts = [(c.triple, c.single) for c in read_facts]
        found = substitution_refutation(self, claim, text, facts, budget, judged)
        budgets.extend(cuts([budget]))
        if found is None:
            return None
        detail: dict[str, Any] = {
            "rule": "fact_substitution",
            "sentence": found.sentence,
            "substituted": found.substituted,
            "substituted_entailment": found.entailment,
            "calibrated_nli": found.nli,
            "single_valued": found.counts,
        }
        if found.model is not None:
            detail["implausible_value"] = found.model
        if budgets:
            detail["budgets"] = budgets
        ev = Evidence("triple", "contradicts", found.sentence, found.entailment, triples=(found.triple,), detail=detail)
        return FactJudgement(False, found.entailment, [ev], found.sentence.rstrip("."), budgets)

    def _refutes(self, claim: Claim, c: _Candidate, detail: dict[str, Any]) -> bool | None:
        """``False`` when a fact of the claim's relation refutes it (the conditions of the module docstring)."""
        from kgqa.graph.vocabulary import may_be_same

        assert c.holder is not None and claim.relation is not None and claim.object is not None
        t = c.triple
        rel = claim.relation
        if t.predicate != rel:  # the fact is of the inverse: count the relation's sides the other way round
            side = 1 - c.side
            rel = t.predicate
        else:
            side = c.side
        value = t.object if t.subject == c.holder else t.subject
        claimed = claim.object if c.holder == claim.subject else claim.subject
        if claimed is None or may_be_same(self.kg, value, claimed):
            return None
        ok, counts = self.single_valued(rel, c.holder, side)
        detail["single_valued"] = counts
        if not ok and self.two_sided_share is not None:
            ok, both = self.two_sided(rel, c.holder, claimed, side)
            if both:
                detail["two_sided"] = both
        return False if ok else None

    def two_sided(self, rel: str, holder: str, claimed: str, side: int) -> tuple[bool, dict[str, Any] | None]:
        """Whether ``rel`` refutes ``holder``'s claimed value ``claimed`` by its two sides (module docstring).

        ``side``: 0 when ``holder`` is the relation's subject. The counts come back (``None`` when a side's
        share is under ``two_sided_share``: the holders' own values are then not read).
        """
        from kgqa.graph.vocabulary import graph_vocabulary

        vocab = graph_vocabulary(self.kg)
        shares = []
        for s in (side, 1 - side):
            holders, single = vocab.value_counts(rel, s)
            share = single / holders if holders else 0.0
            if holders < MIN_HOLDERS or self.two_sided_share is None or share < self.two_sided_share:
                return False, None
            shares.append(round(share, 4))

        def values(node: str, s: int) -> list[str]:
            return self.kg.objects(node, rel) if s == 0 else self.kg.subjects(rel, node)

        own, back = values(holder, side), values(claimed, 1 - side)
        counts = {
            "shares": shares,
            "holder_values": len(own),
            "claimed_values": len(back),
            "claimed_tied_to": self.kg.label(back[0]) if len(back) == 1 else None,
        }
        ok = len(own) == 1 and claimed not in own and len(back) == 1 and holder not in back
        return ok, counts


__all__ = [
    "MAX_LITERAL_CHARS",
    "MIN_HOLDERS",
    "FactJudgement",
    "FactRenderer",
    "FactSentenceJudge",
    "RelationPhrase",
    "path_phrase",
    "phrase_from_words",
    "relation_phrase",
]
