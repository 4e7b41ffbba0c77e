"""A claim refuted by a single-valued fact whose relation the NLI recognises by substitution."""

from __future__ import annotations

import numpy as np

from kgqa.checks.fact_sentences import FactSentenceJudge
from kgqa.types import Claim

X = "http://league.example/"
ENTAIL, NEUTRAL, CONTRADICT = [0.97, 0.02, 0.01], [0.05, 0.9, 0.05], [0.01, 0.02, 0.97]


class RuleNLI:
    """Probabilities from a function of the premise (the hypothesis is always the claim)."""

    def __init__(self, rule):
        self.rule = rule
        self.premises: list[str] = []

    def predict(self, pairs):
        self.premises += [p for p, _ in pairs]
        return np.array([self.rule(p) for p, _ in pairs], dtype=np.float32)


def _judge(kg, nli, **kw):
    args = dict(
        entail_threshold=0.8, contradict_threshold=0.8, single_valued_share=0.9, fact_budget=200, nli_pair_budget=50
    )
    return FactSentenceJudge(kg, nli, **{**args, **kw})


def _claim(**kw):
    # "trains" was read weakly (or not at all): the relation-based rules may not refute it
    base = dict(subject=X + "person1", object=X + "team0", reading={"tier": "typed", "weak": True})
    return Claim("Ivo Brant trains Team 0.", **{**base, **kw})


def _recognises_coach(premise):
    """The substituted sentence entails the claim; the facts of other coaches contradict it."""
    if "coach of Team 0 is Ivo Brant" in premise:
        return ENTAIL
    return CONTRADICT if "coach" in premise else NEUTRAL


def test_a_weakly_read_claim_is_refuted_by_substitution(league_kg):
    nli = RuleNLI(_recognises_coach)
    got = _judge(league_kg, nli).judge(_claim(), "Ivo Brant trains Team 0.")
    assert got.holds is False and got.confidence >= 0.9
    first = got.evidence[0]
    assert first.stance == "contradicts" and first.detail["rule"] == "fact_substitution"
    assert first.detail["substituted"] == "The coach of Team 0 is Ivo Brant."
    assert first.detail["single_valued"]["holders"] == 60 and first.detail["single_valued"]["share"] == 1.0
    assert first.triples[0].predicate == X + "coach"
    assert got.correction in ("The coach of Team 0 is Mara Holt", "The coach of Team 1 is Ivo Brant")
    assert "The coach of Team 0 is Ivo Brant." in nli.premises


def test_no_refutation_when_the_substituted_fact_does_not_entail_the_claim(league_kg):
    # the fact contradicts, but nothing says the claim is about coaching: the claim may state another relation
    nli = RuleNLI(lambda p: CONTRADICT if "coach" in p else NEUTRAL)
    assert _judge(league_kg, nli).judge(_claim(), "Ivo Brant trains Team 0.").holds is None


def test_no_refutation_when_the_fact_itself_is_not_read_as_contradicting(league_kg):
    nli = RuleNLI(lambda p: ENTAIL if "coach of Team 0 is Ivo Brant" in p else NEUTRAL)
    assert _judge(league_kg, nli).judge(_claim(), "Ivo Brant trains Team 0.").holds is None


def test_a_many_valued_relation_is_never_refuted_by_substitution(league_kg):
    # every club has three members and every member is in three clubs: another member excludes nothing
    def rule(p):
        return ENTAIL if "Club 0" in p and "Member 5" in p else CONTRADICT if "member" in p else NEUTRAL

    claim = Claim("Member 5 belongs to Club 0.", subject=X + "m5", object=X + "club0")
    got = _judge(league_kg, RuleNLI(rule)).judge(claim, claim.text)
    assert got.holds is None


def test_negated_and_single_entity_claims_are_left_alone(league_kg):
    nli = RuleNLI(_recognises_coach)
    assert _judge(league_kg, nli).judge(_claim(negated=True), "Ivo Brant does not train Team 0.").holds is None
    literal = _claim(object=None, literal="Team 0")
    assert _judge(league_kg, nli).judge(literal, "Ivo Brant trains Team 0.").holds is None


def test_the_substitution_budget_is_recorded_when_it_cuts(league_kg):
    nli = RuleNLI(_recognises_coach)
    got = _judge(league_kg, nli, nli_pair_budget=2).judge(_claim(), "Ivo Brant trains Team 0.")
    assert got.holds is False  # the first fact tried refutes it
    assert {"budget": "substitution_facts", "limit": 1, "used": 1} in got.budgets


def test_a_relation_the_model_does_not_name_refutes_nothing(league_kg):
    """With a learned relation model, the substituted fact's relation must be among its best for the claim."""
    nli = RuleNLI(_recognises_coach)
    named = _judge(league_kg, nli).judge(_claim(model_relations=(X + "coach", X + "plays")), "Ivo Brant trains Team 0.")
    assert named.holds is False and named.evidence[0].detail["rule"] == "fact_substitution"
    # negative: the model named other relations only; the NLI model's entailment is not enough
    other = _judge(league_kg, RuleNLI(_recognises_coach)).judge(
        _claim(model_relations=(X + "plays", X + "sponsor")), "Ivo Brant trains Team 0."
    )
    assert other is None or other.holds is not False
