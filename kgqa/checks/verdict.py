"""The decision: one verdict per question, with the rule that decided and a confidence in [0, 1].

Rules, in order (the first that applies decides):

1. ``premise_rejected`` — a stated premise or a presupposition of the question is
   contradicted. The answer to the real question is still given where there is one.
2. ``answered`` — the answer is supported by the graph and/or a passage the NLI model
   reads as entailing it.
3. ``contradicted`` — the graph or the NLI contradicts the reader's best answer; the
   alternative the evidence supports is given.
4. ``unverified`` — an answer was found, but nothing confirms or refutes it.
5. ``no_answer`` — nothing was found (rule ``nothing_found``), or the reader abstained on every
   passage it read and the graph has no answer (rule ``reader_abstained``: its no-answer score
   exceeded the null threshold chosen with the model; a graph answer still wins).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from kgqa.config import PipelineConfig
from kgqa.text import sentence_spans
from kgqa.types import Evidence, Hit, NLIRecord, PremiseCheck, ReaderSpan

if TYPE_CHECKING:  # pragma: no cover
    from kgqa.answering import GraphAnswer
    from kgqa.checks.questions import QuestionAnalysis


@dataclass
class Decision:
    """What :func:`decide` returns."""

    verdict: str
    rule: str
    confidence: float
    answer: str | None = None
    alternative: str | None = None
    evidence: list[Evidence] = field(default_factory=list)


def best_sentence(text: str, statement: str) -> tuple[int, int]:
    """Character span of the passage sentence that shares most words with ``statement``."""
    words = {w.lower() for w in re.findall(r"\w+", statement) if len(w) > 2}
    best, best_score = (0, len(text)), -1.0
    for start, end in sentence_spans(text):
        score = len(words & {w.lower() for w in re.findall(r"\w+", text[start:end])})
        if score > best_score:
            best, best_score = (start, end), score
    return best


def _combine(*probs: float) -> float:
    """Noisy-or of independent supports."""
    out = 1.0
    for p in probs:
        out *= 1.0 - max(0.0, min(1.0, p))
    return 1.0 - out


def _passage_evidence(
    nli_records: list[NLIRecord], stance_label: str, span: tuple[int, int] | None, passage_id: str | None
) -> list[Evidence]:
    out = []
    for r in nli_records:
        if r["label"] != stance_label:
            continue
        text = r["premise"]
        if span is not None and r["passage_id"] == passage_id:
            start, end = span
        else:
            start, end = best_sentence(text, r["hypothesis"])
        stance = "supports" if stance_label == "entailment" else "contradicts"
        out.append(
            Evidence(
                "passage",
                stance,
                text,
                r["probs"][stance_label],
                passage_id=r["passage_id"],
                start=start,
                end=end,
                nli=r["probs"],
                detail={"hypothesis": r["hypothesis"]},
            )
        )
    return out


def decide(
    analysis: QuestionAnalysis,
    checks: list[PremiseCheck],
    yes_no: PremiseCheck | None,
    reader_best: ReaderSpan | None,
    graph: GraphAnswer | None,
    graph_agrees: bool | None,
    nli_records: list[NLIRecord],
    hits: list[Hit],
    config: PipelineConfig,
    unknown_names: list[str] | None = None,
    reader_abstained: bool = False,
    agreed: str | None = None,
) -> Decision:
    """Apply the rules above to everything the pipeline found.

    ``unknown_names`` are names in the question that neither the graph nor the passages
    know: without a graph answer, the question then has no answer here. The thresholds
    come from ``config``: ``entail_threshold`` and ``contradict_threshold`` for the NLI
    probabilities, ``min_retrieval_score`` for dropping an unconfirmed answer when no
    passage was retrieved closely. ``reader_abstained`` (every read passage's no-answer score
    above the reader's null threshold) sets the reader's span aside unless the graph names it.
    ``agreed`` is the graph's own name of the value the reader's span names
    (:func:`kgqa.answering.agreed_answer`): where graph and passage agree, it is the answer and the span
    stays in the evidence.
    """
    if reader_abstained and reader_best is not None and not (graph is not None and graph_agrees):
        reader_best = None
    rejected = [c for c in checks if c.status == "contradicted"]
    entail = max((r["probs"]["entailment"] for r in nli_records), default=0.0)
    contra = max((r["probs"]["contradiction"] for r in nli_records), default=0.0)
    et, ct = config.entail_threshold, config.contradict_threshold

    # ---------------------------------------------------------------- the answer to the real question
    answer: str | None = None
    alternative: str | None = None
    evidence: list[Evidence] = []
    verdict, rule, conf = "no_answer", "nothing_found", 0.0
    if analysis.qtype == "yes_no":
        if yes_no is not None and yes_no.status != "unknown":
            answer = "yes" if yes_no.status == "supported" else "no"
            graph_ev = [e for e in yes_no.evidence if e.kind != "passage"]
            stance = "entailment" if answer == "yes" else "contradiction"
            records = [r for r in nli_records if r["label"] == stance]
            passage_ev = _passage_evidence(records, stance, None, None)
            evidence = graph_ev + passage_ev
            p_nli = max((r["probs"][stance] for r in records), default=0.0)
            conf = _combine(yes_no.confidence if yes_no.rule != "passage_nli" else 0.0, p_nli)
            verdict, rule = "answered", f"yes_no:{yes_no.rule}"
        elif (entail >= et and entail >= contra) or (contra >= ct and contra > entail):
            answer = "yes" if entail >= contra else "no"
            stance = "entailment" if answer == "yes" else "contradiction"
            evidence = _passage_evidence(nli_records, stance, None, None)
            conf = max(entail, contra)
            verdict, rule = "answered", "yes_no:passage_nli"
    elif reader_best is not None and reader_best.text.strip():
        span = (reader_best.start, reader_best.end)
        passage_ev = _passage_evidence(nli_records, "entailment", span, reader_best.passage_id)
        graph_ev = [
            Evidence("triple", "supports", t.text(), 1.0, triples=(t,), detail={"rule": "graph_answer"})
            for t in (graph.facts[:3] if graph else [])
        ]
        top_hit = next((h for h in hits if h.passage.id == reader_best.passage_id), None)
        reader_ev = Evidence(
            "passage",
            "supports" if entail >= et else "neutral",
            top_hit.passage.text if top_hit else "",
            float(entail),
            passage_id=reader_best.passage_id,
            start=span[0],
            end=span[1],
            detail={"reader_score": reader_best.score, "answer": reader_best.text},
        )
        if graph is not None and graph_agrees:
            answer = agreed or reader_best.text
            evidence = [reader_ev, *graph_ev]
            conf = _combine(0.9, entail)
            verdict, rule = "answered", "graph_and_passage_agree"
        elif graph is not None and graph_agrees is False:
            if entail >= et and contra < ct:
                answer = reader_best.text
                alternative = "; ".join(graph.texts[:3])
                evidence = [reader_ev, *graph_ev]
                conf = entail * 0.5
                verdict, rule = "unverified", "passage_entails_graph_differs"
            else:
                answer = reader_best.text
                alternative = "; ".join(graph.texts[:3])
                against = [
                    replace(e, stance="contradicts", detail={**e.detail, "supports": alternative}) for e in graph_ev
                ]
                evidence = [*against, reader_ev]
                conf = 0.8
                verdict, rule = "contradicted", "graph_contradicts_reader"
        elif entail >= et and entail >= contra:
            answer = reader_best.text
            evidence = passage_ev or [reader_ev]
            conf = entail
            verdict, rule = "answered", "passage_nli_entails"
        elif contra >= ct:
            answer = reader_best.text
            evidence = [reader_ev, *_passage_evidence(nli_records, "contradiction", None, None)]
            conf = contra
            verdict, rule = "contradicted", "passage_nli_contradicts"
        else:
            answer = reader_best.text
            evidence = [reader_ev]
            conf = 0.5 * max(entail, 0.2)
            verdict, rule = "unverified", "no_confirmation"
        best_score = max((h.score for h in hits), default=0.0)
        if graph is None and verdict == "unverified" and best_score < config.min_retrieval_score:
            answer, evidence, conf = None, [], 0.0
            verdict, rule = "no_answer", "nothing_relevant_retrieved"
    elif graph is not None:
        answer = "; ".join(graph.texts[:3])
        evidence = [
            Evidence("triple", "supports", t.text(), 1.0, triples=(t,), detail={"rule": "graph_answer"})
            for t in graph.facts[:3]
        ]
        conf = 0.85
        verdict, rule = "answered", "graph_only"

    if reader_abstained and verdict == "no_answer" and rule == "nothing_found":
        rule = "reader_abstained"
    if unknown_names and graph is None and verdict != "no_answer":
        answer, alternative, evidence, conf = None, None, [], 0.0
        verdict, rule = "no_answer", "unknown_entity:" + ", ".join(unknown_names)

    # ---------------------------------------------------------------- premises first
    if rejected:
        strongest = max(rejected, key=lambda c: c.confidence)
        if analysis.qtype == "why" and any(c.source == "presupposed" for c in rejected):
            answer = None
            alternative = strongest.correction
            evidence = list(strongest.evidence)
        elif not evidence:
            evidence = list(strongest.evidence)
        return Decision(
            "premise_rejected",
            f"premise_contradicted:{strongest.rule}",
            round(float(strongest.confidence), 4),
            answer,
            alternative or strongest.correction,
            evidence,
        )
    return Decision(verdict, rule, round(float(conf), 4), answer, alternative, evidence)
