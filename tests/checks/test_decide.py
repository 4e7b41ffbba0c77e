"""The decision rules on their own: hand-built inputs, one test per rule, each with a twin that
changes one input and sees the verdict change the way the rule says."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kgqa.answering import GraphAnswer
from kgqa.checks.questions import QuestionAnalysis
from kgqa.checks.verdict import Decision, decide
from kgqa.config import PipelineConfig
from kgqa.types import VERDICTS, Evidence, Hit, NLIRecord, Passage, PremiseCheck, ReaderSpan, Triple

M = "http://mini.example/"
ONT = "https://kgqa.dev/ontology#"
CONFIG = PipelineConfig()

PASSAGE = "Norland is a country on the continent of Borea. Its capital is Eastholm."
OTHER = "Port Vell is a harbour city of Norland. It lies west of Eastholm."
HITS = [Hit(Passage("p1", PASSAGE), 0.62, 1), Hit(Passage("p2", OTHER), 0.41, 2)]
FAR_HITS = [Hit(Passage("p1", PASSAGE), 0.05, 1)]  # below min_retrieval_score

START = PASSAGE.index("Eastholm")
EASTHOLM = ReaderSpan("p1", "Eastholm", START, START + len("Eastholm"), 7.5, -2.0)
PORT_VELL = ReaderSpan("p2", "Port Vell", 0, len("Port Vell"), 6.0, -2.0)

CAPITAL = Triple(M + "Norland", ONT + "capital", M + "Eastholm", "Norland", "capital", "Eastholm", "mini_world.ttl")
GRAPH = GraphAnswer(["Eastholm"], [M + "Eastholm"], [CAPITAL], ONT + "capital")

FACTOID = QuestionAnalysis("What is the capital of Norland?", "factoid", "what", focus="is the capital of Norland")
YES_NO = QuestionAnalysis(
    "Is Eastholm the capital of Norland?", "yes_no", statement="Eastholm is the capital of Norland"
)
WHY = QuestionAnalysis(
    "Why did Ada Finch invent the steam loom?",
    "why",
    "why",
    presuppositions=["Ada Finch invented the steam loom."],
    focus="did Ada Finch invent the steam loom",
)


def record(passage_id: str, entailment: float, contradiction: float, premise: str = PASSAGE) -> NLIRecord:
    """An NLI record as the pipeline writes it; neutral takes the rest of the mass."""
    probs = {
        "entailment": entailment,
        "neutral": round(1.0 - entailment - contradiction, 6),
        "contradiction": contradiction,
    }
    return {
        "passage_id": passage_id,
        "premise": premise,
        "hypothesis": "Eastholm is its capital.",
        "probs": probs,
        "label": max(probs, key=probs.__getitem__),
    }


def premise(status: str, confidence: float, source: str = "stated", correction: str | None = None) -> PremiseCheck:
    evidence = (Evidence("path", "contradicts" if status == "contradicted" else "supports", "a graph path", 1.0),)
    return PremiseCheck("a premise", status, confidence, evidence, None, source, correction, "type_hierarchy")


def yes_no_check(status: str, confidence: float, rule: str = "fact_in_graph") -> PremiseCheck:
    stance = {"supported": "supports", "contradicted": "contradicts"}.get(status, "neutral")
    evidence = (Evidence("triple", stance, CAPITAL.text(), 1.0, triples=(CAPITAL,)),)
    return PremiseCheck(YES_NO.statement or "", status, confidence, evidence, None, "question", None, rule)


def run(**changes: Any) -> Decision:
    """:func:`decide` on a factoid question with nothing found, but for ``changes``."""
    args: dict[str, Any] = {
        "analysis": FACTOID,
        "checks": [],
        "yes_no": None,
        "reader_best": None,
        "graph": None,
        "graph_agrees": None,
        "nli_records": [],
        "hits": HITS,
        "config": CONFIG,
        "unknown_names": None,
        "agreed": None,
    }
    unknown = set(changes) - set(args)
    assert not unknown, unknown
    return decide(**{**args, **changes})


# ---------------------------------------------------------------------------------- nothing found


def test_nothing_found_is_no_answer() -> None:
    d = run()
    assert (d.verdict, d.rule, d.confidence, d.answer, d.evidence) == ("no_answer", "nothing_found", 0.0, None, [])


def test_a_blank_reader_span_counts_as_no_span() -> None:
    blank = ReaderSpan("p1", "  ", 0, 2, 1.0, 0.0)
    assert run(reader_best=blank).verdict == "no_answer"
    # twin: the same blank span beside a graph answer: the graph answers alone
    assert run(reader_best=blank, graph=GRAPH).rule == "graph_only"


# ---------------------------------------------------------------------------------- the graph alone


def test_graph_only_answers_with_its_facts() -> None:
    d = run(graph=GRAPH)
    assert (d.verdict, d.rule, d.answer, d.confidence) == ("answered", "graph_only", "Eastholm", 0.85)
    assert [e.triples for e in d.evidence] == [(CAPITAL,)] and d.evidence[0].stance == "supports"


def test_graph_only_joins_at_most_three_answers() -> None:
    many = GraphAnswer(["A", "B", "C", "D"], ["a", "b", "c", "d"], [CAPITAL] * 4, ONT + "capital")
    d = run(graph=many)
    assert d.answer == "A; B; C" and len(d.evidence) == 3


# ---------------------------------------------------------------------------------- reader and graph


def test_graph_and_passage_agree() -> None:
    d = run(reader_best=EASTHOLM, graph=GRAPH, graph_agrees=True, nli_records=[record("p1", 0.8, 0.05)])
    assert (d.verdict, d.rule, d.answer, d.alternative) == ("answered", "graph_and_passage_agree", "Eastholm", None)
    assert d.confidence == pytest.approx(1 - 0.1 * 0.2)  # noisy-or of 0.9 and the entailment
    reader_ev = d.evidence[0]
    assert (reader_ev.passage_id, reader_ev.start, reader_ev.end) == ("p1", EASTHOLM.start, EASTHOLM.end)
    assert reader_ev.stance == "supports" and d.evidence[1].triples == (CAPITAL,)


def test_where_graph_and_passage_agree_the_graph_s_name_answers() -> None:
    d = run(reader_best=EASTHOLM, graph=GRAPH, graph_agrees=True, agreed="Eastholm City")
    assert (d.rule, d.answer) == ("graph_and_passage_agree", "Eastholm City")
    assert d.evidence[0].detail["answer"] == EASTHOLM.text  # the reader's own words stay in the evidence
    # negative: where they do not agree, an agreed name is not used
    d = run(reader_best=PORT_VELL, graph=GRAPH, graph_agrees=False, agreed="Eastholm City")
    assert d.answer == PORT_VELL.text


def test_graph_agreement_without_entailment_still_answers_at_0_9() -> None:
    d = run(reader_best=EASTHOLM, graph=GRAPH, graph_agrees=True)
    assert (d.verdict, d.confidence) == ("answered", 0.9)
    assert d.evidence[0].stance == "neutral"


def test_graph_contradicts_the_reader() -> None:
    d = run(reader_best=PORT_VELL, graph=GRAPH, graph_agrees=False, nli_records=[record("p2", 0.3, 0.1, OTHER)])
    assert (d.verdict, d.rule, d.answer, d.alternative, d.confidence) == (
        "contradicted",
        "graph_contradicts_reader",
        "Port Vell",
        "Eastholm",
        0.8,
    )
    against = [e for e in d.evidence if e.kind == "triple"]
    assert against and all(e.stance == "contradicts" and e.detail["supports"] == "Eastholm" for e in against)


def test_an_entailing_passage_against_the_graph_leaves_it_unverified() -> None:
    # twin of the test above: the reader's passage entails its answer
    d = run(reader_best=PORT_VELL, graph=GRAPH, graph_agrees=False, nli_records=[record("p2", 0.9, 0.05, OTHER)])
    assert (d.verdict, d.rule, d.answer, d.alternative) == (
        "unverified",
        "passage_entails_graph_differs",
        "Port Vell",
        "Eastholm",
    )
    assert d.confidence == pytest.approx(0.45)  # half the entailment


def test_entailment_and_contradiction_both_high_against_the_graph_is_contradicted() -> None:
    records = [record("p2", 0.9, 0.05, OTHER), record("p1", 0.1, 0.7)]
    d = run(reader_best=PORT_VELL, graph=GRAPH, graph_agrees=False, nli_records=records)
    assert d.rule == "graph_contradicts_reader"


# ---------------------------------------------------------------------------------- reader and NLI only


def test_passage_nli_entails() -> None:
    records = [record("p1", 0.85, 0.05), record("p2", 0.2, 0.1, OTHER)]
    d = run(reader_best=EASTHOLM, nli_records=records)
    assert (d.verdict, d.rule, d.answer, d.confidence) == ("answered", "passage_nli_entails", "Eastholm", 0.85)
    # the entailing passage is the evidence, with the reader's span in it
    assert [(e.passage_id, e.start, e.end, e.stance) for e in d.evidence] == [
        ("p1", EASTHOLM.start, EASTHOLM.end, "supports")
    ]


def test_passage_nli_contradicts() -> None:
    d = run(reader_best=EASTHOLM, nli_records=[record("p1", 0.1, 0.75)])
    assert (d.verdict, d.rule, d.answer, d.confidence) == ("contradicted", "passage_nli_contradicts", "Eastholm", 0.75)
    contra = [e for e in d.evidence if e.stance == "contradicts"]
    # the sentence of the passage that shares most words with the statement
    assert contra and (contra[0].start, contra[0].end) == (PASSAGE.index("Its"), len(PASSAGE))


def test_entailment_wins_a_tie_with_contradiction() -> None:
    assert run(reader_best=EASTHOLM, nli_records=[record("p1", 0.7, 0.3), record("p2", 0.0, 0.7, OTHER)]).rule == (
        "passage_nli_entails"
    )


def test_no_confirmation_is_unverified() -> None:
    d = run(reader_best=EASTHOLM, nli_records=[record("p1", 0.5, 0.2)])
    assert (d.verdict, d.rule, d.answer, d.confidence) == ("unverified", "no_confirmation", "Eastholm", 0.25)
    # the confidence has a floor: 0.5 * 0.2 when nothing entails at all
    assert run(reader_best=EASTHOLM).confidence == 0.1


def test_an_unconfirmed_answer_from_far_passages_is_dropped() -> None:
    d = run(reader_best=EASTHOLM, hits=FAR_HITS, nli_records=[record("p1", 0.5, 0.2)])
    assert (d.verdict, d.rule, d.answer, d.evidence) == ("no_answer", "nothing_relevant_retrieved", None, [])
    # twins: a confirmed answer, or a graph answer, is kept however far the passages were
    assert run(reader_best=EASTHOLM, hits=FAR_HITS, nli_records=[record("p1", 0.9, 0.0)]).verdict == "answered"
    kept = run(
        reader_best=PORT_VELL,
        hits=FAR_HITS,
        graph=GRAPH,
        graph_agrees=False,
        nli_records=[record("p2", 0.9, 0.0, OTHER)],
    )
    assert kept.verdict == "unverified"


@pytest.mark.parametrize(
    ("entail", "threshold", "rule"),
    [
        (0.6, 0.6, "passage_nli_entails"),  # the threshold itself counts
        (0.59, 0.6, "no_confirmation"),
        (0.7, 0.8, "no_confirmation"),  # a stricter config
        (0.7, 0.65, "passage_nli_entails"),
    ],
)
def test_the_entailment_threshold_comes_from_the_config(entail: float, threshold: float, rule: str) -> None:
    config = PipelineConfig(entail_threshold=threshold)
    assert run(reader_best=EASTHOLM, nli_records=[record("p1", entail, 0.0)], config=config).rule == rule


@pytest.mark.parametrize(("contra", "threshold", "verdict"), [(0.6, 0.6, "contradicted"), (0.6, 0.7, "unverified")])
def test_the_contradiction_threshold_comes_from_the_config(contra: float, threshold: float, verdict: str) -> None:
    config = PipelineConfig(contradict_threshold=threshold)
    assert run(reader_best=EASTHOLM, nli_records=[record("p1", 0.1, contra)], config=config).verdict == verdict


# ---------------------------------------------------------------------------------- yes/no questions


def test_yes_no_from_the_graph_with_an_entailing_passage() -> None:
    d = run(analysis=YES_NO, yes_no=yes_no_check("supported", 0.9), nli_records=[record("p1", 0.8, 0.1)])
    assert (d.verdict, d.rule, d.answer) == ("answered", "yes_no:fact_in_graph", "yes")
    assert d.confidence == pytest.approx(1 - 0.1 * 0.2)
    assert [e.kind for e in d.evidence] == ["triple", "passage"]
    assert d.evidence[1].stance == "supports" and d.evidence[1].nli == record("p1", 0.8, 0.1)["probs"]


def test_yes_no_refuted_by_the_graph_is_no() -> None:
    # twin: the statement is contradicted; only contradicting passages are evidence
    records = [record("p1", 0.8, 0.1), record("p2", 0.1, 0.7, OTHER)]
    d = run(analysis=YES_NO, yes_no=yes_no_check("contradicted", 0.9), nli_records=records)
    assert (d.verdict, d.answer) == ("answered", "no")
    assert [e.passage_id for e in d.evidence if e.kind == "passage"] == ["p2"]
    assert d.confidence == pytest.approx(1 - 0.1 * 0.3)


def test_yes_no_decided_by_passages_alone_is_not_counted_twice() -> None:
    d = run(
        analysis=YES_NO, yes_no=yes_no_check("supported", 0.9, rule="passage_nli"), nli_records=[record("p1", 0.8, 0.1)]
    )
    assert (d.rule, d.confidence) == ("yes_no:passage_nli", 0.8)


def test_yes_no_without_a_verdict_falls_back_to_the_nli() -> None:
    d = run(analysis=YES_NO, yes_no=yes_no_check("unknown", 0.0), nli_records=[record("p1", 0.75, 0.1)])
    assert (d.verdict, d.rule, d.answer, d.confidence) == ("answered", "yes_no:passage_nli", "yes", 0.75)
    d = run(analysis=YES_NO, nli_records=[record("p1", 0.1, 0.7)])
    assert (d.answer, d.confidence) == ("no", 0.7)


def test_yes_no_with_weak_nli_has_no_answer() -> None:
    d = run(analysis=YES_NO, nli_records=[record("p1", 0.5, 0.4)])
    assert (d.verdict, d.rule, d.answer) == ("no_answer", "nothing_found", None)


# ---------------------------------------------------------------------------------- unknown names


def test_an_unknown_name_without_a_graph_answer_has_no_answer() -> None:
    d = run(reader_best=EASTHOLM, nli_records=[record("p1", 0.9, 0.0)], unknown_names=["Zorblax Quuxington"])
    assert (d.verdict, d.rule, d.answer, d.confidence) == ("no_answer", "unknown_entity:Zorblax Quuxington", None, 0.0)
    # twin: the graph answered, so the name was not what the question hinged on
    d = run(reader_best=EASTHOLM, graph=GRAPH, graph_agrees=True, unknown_names=["Zorblax Quuxington"])
    assert d.verdict == "answered"


# ---------------------------------------------------------------------------------- premises first


def test_a_contradicted_premise_rejects_but_still_answers() -> None:
    checks = [premise("supported", 0.9), premise("contradicted", 0.7, correction="Norland is a country.")]
    d = run(checks=checks, reader_best=EASTHOLM, graph=GRAPH, graph_agrees=True)
    assert (d.verdict, d.rule, d.confidence) == ("premise_rejected", "premise_contradicted:type_hierarchy", 0.7)
    assert (d.answer, d.alternative) == ("Eastholm", "Norland is a country.")
    # twin: the same premise supported
    assert run(checks=[premise("supported", 0.7)], reader_best=EASTHOLM, graph=GRAPH, graph_agrees=True).verdict == (
        "answered"
    )


def test_the_strongest_contradicted_premise_decides() -> None:
    checks = [premise("contradicted", 0.6, correction="weak"), premise("contradicted", 0.95, correction="strong")]
    d = run(checks=checks)
    assert (d.confidence, d.alternative) == (0.95, "strong")
    assert d.evidence == list(checks[1].evidence)  # nothing else was found: the premise's evidence


def test_a_false_presupposition_of_a_why_question_leaves_no_answer() -> None:
    false = premise("contradicted", 0.9, source="presupposed", correction="Jon Reed invented the steam loom.")
    d = run(analysis=WHY, checks=[false], reader_best=PORT_VELL)
    assert (d.verdict, d.answer, d.alternative) == ("premise_rejected", None, "Jon Reed invented the steam loom.")
    assert d.evidence == list(false.evidence)
    # twin: the false premise was stated by the user, not presupposed: the reader's answer stays
    stated = premise("contradicted", 0.9, source="stated", correction="Jon Reed invented the steam loom.")
    assert run(analysis=WHY, checks=[stated], reader_best=PORT_VELL).answer == "Port Vell"


# ---------------------------------------------------------------------------------- invariants


@settings(max_examples=150, deadline=None)
@given(
    qtype=st.sampled_from(["factoid", "yes_no", "why"]),
    entail=st.floats(0.0, 1.0),
    contra=st.floats(0.0, 1.0),
    reader=st.booleans(),
    graph=st.booleans(),
    agrees=st.sampled_from([None, True, False]),
    rejected=st.floats(0.0, 1.0) | st.none(),
    far=st.booleans(),
    unknown=st.booleans(),
)
def test_every_decision_has_a_verdict_and_a_confidence_in_0_1(
    qtype: str,
    entail: float,
    contra: float,
    reader: bool,
    graph: bool,
    agrees: bool | None,
    rejected: float | None,
    far: bool,
    unknown: bool,
) -> None:
    contra = min(contra, 1.0 - entail)
    analysis = {"factoid": FACTOID, "yes_no": YES_NO, "why": WHY}[qtype]
    d = run(
        analysis=analysis,
        checks=[] if rejected is None else [premise("contradicted", rejected)],
        reader_best=EASTHOLM if reader else None,
        graph=GRAPH if graph else None,
        graph_agrees=agrees if graph and reader else None,
        nli_records=[record("p1", entail, contra)],
        hits=FAR_HITS if far else HITS,
        unknown_names=["Zorblax"] if unknown else None,
    )
    assert d.verdict in VERDICTS
    assert 0.0 <= d.confidence <= 1.0 and d.confidence == round(d.confidence, 4)
    if d.verdict == "no_answer":
        assert d.answer is None and d.confidence == 0.0 and not d.evidence
    elif d.verdict != "premise_rejected":
        assert d.answer and d.evidence
    if rejected is not None:
        assert d.verdict == "premise_rejected"
