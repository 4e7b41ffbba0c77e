"""The reader's abstention in the decision: ``no_answer`` with rule ``reader_abstained`` unless the graph
answers; each case beside its twin without the abstention."""

from __future__ import annotations

from typing import Any

from kgqa.answering import GraphAnswer
from kgqa.checks.questions import QuestionAnalysis
from kgqa.checks.verdict import Decision, decide
from kgqa.config import PipelineConfig
from kgqa.types import Hit, Passage, PremiseCheck, ReaderSpan, Triple

M = "http://mini.example/"
PASSAGE = "Norland is a country on the continent of Borea. Its capital is Eastholm."
HITS = [Hit(Passage("p1", PASSAGE), 0.62, 1)]
SPAN = ReaderSpan("p1", "Eastholm", PASSAGE.index("Eastholm"), PASSAGE.index("Eastholm") + 8, 7.5, 4.0)
CAPITAL = Triple(M + "Norland", M + "capital", M + "Eastholm", "Norland", "capital", "Eastholm", "mini.ttl")
GRAPH = GraphAnswer(["Eastholm"], [M + "Eastholm"], [CAPITAL], M + "capital")
FACTOID = QuestionAnalysis("What is the capital of Norland?", "factoid", "what", focus="is the capital of Norland")
ENTAILS = {
    "passage_id": "p1",
    "premise": PASSAGE,
    "hypothesis": "Eastholm is the capital of Norland.",
    "probs": {"entailment": 0.9, "neutral": 0.08, "contradiction": 0.02},
    "label": "entailment",
}


def run(**changes: Any) -> Decision:
    args: dict[str, Any] = {
        "analysis": FACTOID,
        "checks": [],
        "yes_no": None,
        "reader_best": SPAN,
        "graph": None,
        "graph_agrees": None,
        "nli_records": [ENTAILS],
        "hits": HITS,
        "config": PipelineConfig(),
    }
    return decide(**{**args, **changes})


def test_abstaining_reader_without_a_graph_answer_is_no_answer() -> None:
    d = run(reader_abstained=True)
    assert (d.verdict, d.rule, d.answer, d.evidence) == ("no_answer", "reader_abstained", None, [])
    assert run().verdict == "answered"  # twin: the same span, not abstained, is entailed


def test_graph_answer_wins_over_the_abstention() -> None:
    d = run(reader_abstained=True, graph=GRAPH, graph_agrees=False)
    assert (d.verdict, d.rule, d.answer) == ("answered", "graph_only", "Eastholm")
    agreeing = run(reader_abstained=True, graph=GRAPH, graph_agrees=True)  # the graph names the reader's span
    assert (agreeing.verdict, agreeing.rule) == ("answered", "graph_and_passage_agree")


def test_a_rejected_premise_still_decides_first() -> None:
    from kgqa.types import Evidence

    ev = (Evidence("path", "contradicts", "a graph path", 1.0),)
    rejected = PremiseCheck("a premise", "contradicted", 0.95, ev, None, "stated", None, "type_hierarchy")
    assert run(reader_abstained=True, checks=[rejected]).verdict == "premise_rejected"


def test_nothing_read_keeps_its_own_rule() -> None:
    assert run(reader_best=None, nli_records=[], reader_abstained=False).rule == "nothing_found"
