"""Refuting through a relation that is only *mostly* single-valued: by its two sides, or by the link model.

The invented graph: 100 states, each with a seat city; 17 of them have a second seat (the relation is
single-valued for 83 of 100 states) and 11 cities are the seat of two states (95 of 106 cities single):
both sides under the one-sided share 0.9, both over the two-sided 0.8. City 110 is the seat of nothing.
"""

from __future__ import annotations

import pytest

from kgqa.types import Claim
from tests.checks.test_fact_substitution import CONTRADICT, ENTAIL, NEUTRAL, RuleNLI
from tests.checks.test_fact_substitution import _judge as _base_judge

S = "http://seats.example/"


@pytest.fixture(scope="module")
def seats_kg(tmp_path_factory):
    from kgqa.graph.kg import KnowledgeGraph

    lines = [
        "@prefix s: <http://seats.example/> .",
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .",
        "@prefix owl: <http://www.w3.org/2002/07/owl#> .",
        's:seat a owl:ObjectProperty ; rdfs:label "seat" .',
    ]
    for i in range(100):
        lines.append(f's:state{i} rdfs:label "State {i}" ; s:seat s:city{i} .')
    for i in range(111):
        lines.append(f's:city{i} rdfs:label "City {i}" .')
    for i in range(6):  # six states with a second seat of their own
        lines.append(f"s:state{i} s:seat s:city{100 + i} .")
    for k in range(11):  # eleven cities that are also the seat of another state (its second seat)
        lines.append(f"s:state{6 + k} s:seat s:city{20 + k} .")
    path = tmp_path_factory.mktemp("seats") / "seats.ttl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return KnowledgeGraph.load([path])


def _judge(kg, nli, **kw):
    return _base_judge(kg, nli, **{"two_sided_share": 0.8, **kw})


def _seat_claim(state: int, city: int) -> Claim:
    return Claim(
        f"City {city} is the seat of State {state}.",
        subject=S + f"state{state}",
        relation=S + "seat",
        object=S + f"city{city}",
    )


def _contradicts_seats(premise):
    return CONTRADICT if "seat" in premise else NEUTRAL


def test_a_value_tied_to_another_holder_is_refuted_by_the_two_sides(seats_kg):
    claim = _seat_claim(31, 40)  # State 31's one seat is City 31; City 40 is the seat of State 40 alone
    got = _judge(seats_kg, RuleNLI(_contradicts_seats)).judge(claim, claim.text)
    assert got.holds is False
    first = got.evidence[0]
    assert first.stance == "contradicts" and first.detail["single_valued"]["share"] in (0.83, 0.8962)
    both = first.detail["two_sided"]
    assert sorted(both["shares"]) == [0.83, 0.8962] and both["holder_values"] == 1 and both["claimed_values"] == 1
    assert both["claimed_tied_to"] in ("State 40", "City 31")


def test_two_sided_refutation_is_off_without_its_share(seats_kg):
    claim = _seat_claim(31, 40)
    assert _judge(seats_kg, RuleNLI(_contradicts_seats), two_sided_share=None).judge(claim, claim.text).holds is None
    # a share above the relation's subject side (0.83) turns it off as well
    assert _judge(seats_kg, RuleNLI(_contradicts_seats), two_sided_share=0.84).judge(claim, claim.text).holds is None


@pytest.mark.parametrize(
    ("state", "city", "why"),
    [
        (31, 110, "the claimed city is the seat of nothing: open world"),
        (31, 20, "the claimed city is the seat of two states"),
        (2, 40, "the state has two seats"),
    ],
)
def test_two_sided_refutation_needs_one_value_on_each_side(seats_kg, state, city, why):
    claim = _seat_claim(state, city)
    got = _judge(seats_kg, RuleNLI(_contradicts_seats)).judge(claim, claim.text)
    assert got.holds is None, why


def _recognises_seat(premise):
    """The fact rewritten with City 110 entails the claim; the fact itself contradicts it."""
    if "City 110" in premise:
        return ENTAIL
    return CONTRADICT if "seat" in premise else NEUTRAL


def _weak_claim() -> Claim:
    # read weakly onto no relation: only a substitution may recognise that the claim states a seat
    return Claim(
        "State 31 is governed from City 110.",
        subject=S + "state31",
        object=S + "city110",
        reading={"tier": "typed", "weak": True},
    )


def test_a_mostly_single_valued_relation_refutes_by_substitution_where_the_link_model_agrees(seats_kg):
    asked = []

    def implausible(holder, prop, claimed, inverse):
        asked.append((holder, prop, claimed, inverse))
        return {"model": {"rank_share": 0.97, "threshold": 0.9, "implausible": True}, "held": ["dropped"]}

    claim = _weak_claim()
    got = _judge(seats_kg, RuleNLI(_recognises_seat), plausibility=implausible).judge(claim, claim.text)
    assert got.holds is False
    first = got.evidence[0]
    assert (
        first.detail["rule"] == "fact_substitution"
        and first.detail["substituted"] == "The seat of State 31 is City 110."
    )
    assert first.detail["implausible_value"] == {"model": {"rank_share": 0.97, "threshold": 0.9, "implausible": True}}
    assert (S + "state31", S + "seat", S + "city110", False) in asked


def test_substitution_on_a_mostly_single_valued_relation_needs_the_link_model(seats_kg):
    claim = _weak_claim()
    # no link model, or one that finds the value plausible: the 0.83 share alone refutes nothing
    assert _judge(seats_kg, RuleNLI(_recognises_seat)).judge(claim, claim.text).holds is None
    plausible = _judge(seats_kg, RuleNLI(_recognises_seat), plausibility=lambda *a: None)
    assert plausible.judge(claim, claim.text).holds is None
