"""A claim refuted by a single-valued fact whose relation the NLI model recognises in the claim's words.

The fact-sentence check (:mod:`kgqa.checks.fact_sentences`) refutes a claim only through a fact of
the relation the claim was read as. When the reading is weak (the learned matcher was unsure), or the
claim was read onto another relation, a fact that excludes the claim goes unused: "Mara Holt was
born in Lisbon" against "The place of birth of Mara Holt is Porto".

Here the relation is recognised by substitution. For a fact ``H p V`` about a claim entity ``H`` (the
holder) whose value ``V`` is another thing than the claim's other entity ``C``, the fact is rewritten
with ``C`` in place of ``V`` and rendered from the graph's labels ("The place of birth of Mara Holt
is Lisbon."). When that sentence entails the claim (calibrated NLI entailment at least the
substitution threshold, ``fact_substitution_threshold`` in the config, chosen by
:mod:`kgqa.train.fact_thresholds` on graph-derived cases), the claim states ``H p C``. It is refuted when all of these hold:

- ``p`` is single-valued on the holder's side by the data (at least ``single_valued_share`` of at least
  :data:`~kgqa.checks.fact_sentences.MIN_HOLDERS` holders have one value) and ``H`` has just ``V``; or,
  for a relation only *mostly* single-valued, the graph's link model finds ``C`` an implausible value of
  ``p`` for ``H`` (:meth:`~kgqa.checks.graph_check.GraphChecker.implausible_side`: the rule
  ``implausible_value`` of the graph checker, with its threshold chosen on held-out facts), applied to
  the relation the substitution recognised rather than to the one the claim parser read;
- ``V`` and ``C`` cannot name one thing (:func:`~kgqa.graph.vocabulary.may_be_same`) and are not linked
  by an edge (a city and the region that holds it may both be right);
- the NLI model does not read the fact sentence itself as entailing the claim (calibrated
  contradiction above entailment);
- where the graph has a learned relation model, ``p`` (or its declared inverse) is among the model's
  best properties for the claim's words (:attr:`~kgqa.types.Claim.model_relations`). The NLI model
  alone reads two sentences of one shape as entailing whatever their relation nouns: "The taxonomy of
  Maine is Washington County" entailed "The contains of Maine is Washington County" at 0.93, and the
  single-valued taxonomy refuted a true fact. The relation model is the part trained to tell which
  relation words name.

Open world: nothing here follows from a missing fact. The facts tried are bounded by a
:class:`~kgqa.budget.Budget` (half the ``nli_pair_budget``: two NLI pairs a fact), in the order the
fact-sentence check read them (those of the claim's relation first).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kgqa.budget import Budget
from kgqa.reader.calibrated import calibrated_probs, label_probs
from kgqa.types import Claim, Triple

if TYPE_CHECKING:  # pragma: no cover
    from kgqa.checks.fact_sentences import FactSentenceJudge

logger = logging.getLogger(__name__)

_IRI = ("http://", "https://", "urn:")


@dataclass(frozen=True)
class Substitution:
    """A fact that refutes the claim by substitution (module docstring).

    Attributes:
        triple: the graph's fact.
        sentence: the fact as a sentence.
        substituted: the fact with the claim's entity as its value, as a sentence.
        entailment: calibrated NLI entailment of the claim by ``substituted``.
        nli: the fact sentence's calibrated probabilities against the claim.
        counts: how single-valued the relation is (``holders``, ``single``, ``share``, ...).
        model: the link model's case that the claimed value is implausible, where that (not the
            relation's single value) excludes it; else ``None``.
    """

    triple: Triple
    sentence: str
    substituted: str
    entailment: float
    nli: dict[str, float]
    counts: dict[str, Any]
    model: dict[str, Any] | None = None


def _holder_side(claim: Claim, t: Triple) -> tuple[str, int, str, str] | None:
    """``(holder, side, value, claimed)`` where ``t`` gives a claim entity another value, else ``None``."""
    ends = [(claim.subject, claim.object), (claim.object, claim.subject)]
    for holder, claimed in ends:
        if not holder or not claimed or not claimed.startswith(_IRI):
            continue
        if t.subject == holder and t.object != claimed:
            return holder, 0, t.object, claimed
        if t.object == holder and t.subject != claimed:
            return holder, 1, t.subject, claimed
    return None


def substitution_refutation(
    judge: FactSentenceJudge,
    claim: Claim,
    text: str,
    facts: list[tuple[Triple, bool]],
    budget: Budget,
    judged: dict[str, dict[str, float]] | None = None,
) -> Substitution | None:
    """The strongest :class:`Substitution` among ``facts`` that refutes ``claim``, or ``None``.

    Args:
        judge: the fact-sentence judge (its graph, NLI model, renderer, thresholds and counts).
        claim: the claim, with its linked entities.
        text: the claim as stated (the NLI hypothesis).
        facts: ``(triple, single)``: the facts read around the claim's entities (``single``: the holder
            has this one value, see :meth:`~kgqa.checks.fact_sentences.FactRenderer.sentence`).
        budget: the facts tried (two NLI pairs each: the fact's sentence and the substituted one).
        judged: calibrated probabilities of fact sentences already judged against ``text`` (not judged again).
    """
    from kgqa.graph.vocabulary import may_be_same

    if claim.negated:
        return None
    kg = judge.kg
    stated = set(claim.model_relations)
    tried: list[tuple[Triple, str, str, dict[str, Any], dict[str, Any] | None]] = []
    for t, single in facts:
        found = _holder_side(claim, t)
        if found is None:
            continue
        if stated and t.predicate not in stated and kg.inverse_of(t.predicate) not in stated:
            continue  # the claim's words do not name this relation (module docstring)
        holder, side, value, claimed = found
        if not value.startswith(_IRI):
            continue
        ok, counts = judge.single_valued(t.predicate, holder, side)  # first: the cheap test that rules most out
        if not ok and judge.plausibility is None:
            continue
        if may_be_same(kg, value, claimed) or kg.has(value, None, claimed) or kg.has(claimed, None, value):
            continue
        model = None
        if not ok:
            # a mostly single-valued relation: the link model may still find the claimed value implausible
            model = judge.plausibility(holder, t.predicate, claimed, side == 1) if judge.plausibility else None
            if model is None:
                continue
            model.pop("held", None)
        if not budget.take():
            break
        label = kg.label(claimed)
        if side == 0:
            moved = Triple(t.subject, t.predicate, claimed, t.subject_label, t.predicate_label, label)
        else:
            moved = Triple(claimed, t.predicate, t.object, label, t.predicate_label, t.object_label)
        sentence = judge.renderer.sentence(t, single=single)
        tried.append((t, sentence, judge.renderer.sentence(moved, single=single), counts, model))
    if not tried:
        return None
    known = dict(judged or {})
    asked = list(dict.fromkeys(x for _, sentence, moved, _, _ in tried for x in (sentence, moved) if x not in known))
    if asked:
        probs = calibrated_probs(judge.nli, judge.nli.predict([(x, text) for x in asked]))
        known.update({x: label_probs(q) for x, q in zip(asked, probs, strict=True)})
    best: Substitution | None = None
    for t, sentence, substituted, counts, model in tried:
        own, moved = known[sentence], known[substituted]
        logger.debug("substitution %r -> %r: %.3f (fact: %s)", substituted, text, moved["entailment"], own)
        if own["contradiction"] <= own["entailment"] or moved["entailment"] < judge.substitution_threshold:
            continue
        if best is None or moved["entailment"] > best.entailment:
            best = Substitution(t, sentence, substituted, round(float(moved["entailment"]), 4), own, counts, model)
    return best
