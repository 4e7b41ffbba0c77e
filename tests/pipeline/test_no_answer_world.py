"""The shipped world and models: questions the world cannot answer are never ``answered``, and the
reader's abstention is traced and overridable from the config."""

from __future__ import annotations

import copy
import dataclasses
from pathlib import Path

import pytest

QUESTIONS = [
    line.strip()
    for line in (Path(__file__).resolve().parents[1] / "fixtures" / "unanswerable_world_questions.txt")
    .read_text(encoding="utf-8")
    .splitlines()
    if line.strip() and not line.startswith("#")
]


def _with(pipe, **changes):
    """A shallow copy of the session pipeline with config fields changed (models shared)."""
    other = copy.copy(pipe)
    other.config = dataclasses.replace(pipe.config, **changes)
    return other


def test_fixture_holds_thirty_distinct_questions() -> None:
    assert len(QUESTIONS) == 30 == len(set(QUESTIONS))
    assert all(q.endswith("?") for q in QUESTIONS)


#: questions the graph answers wrongly, whatever the reader does, each with why: strict, so an entry must go once
#: graph answering stops doing that. Empty since session 13: "How much did ... cost?" and "How many pages ...?"
#: were answered from a one-word name match ("first"; kgqa.answering.ANSWER_MIN_NAME_SCORE), "In which hospital
#: was Albert Einstein's first child born?" and "Who was the apprentice of Galileo Galilei's telescope maker?"
#: from one property of the possessor (kgqa.answering.nested_possessor).
GRAPH_DECIDED: dict[str, str] = {}


@pytest.fixture(scope="module")
def world_answers(pipe) -> dict:
    return {a.question: a for a in pipe.ask_batch(QUESTIONS)}


@pytest.mark.slow
@pytest.mark.parametrize(
    "question",
    [
        pytest.param(q, marks=pytest.mark.xfail(strict=True, reason=GRAPH_DECIDED[q])) if q in GRAPH_DECIDED else q
        for q in QUESTIONS
    ],
)
def test_unanswerable_question_is_never_answered(world_answers, question: str) -> None:
    ans = world_answers[question]
    assert ans.verdict in ("no_answer", "unverified"), (ans.verdict, ans.trace.decision["rule"], ans.answer)


def test_trace_records_null_scores_and_threshold(pipe) -> None:
    ans = pipe.ask("How long does sunlight take to reach Earth?")
    reader = next(s for s in ans.trace.steps if s.stage == "reader").outputs["no_answer"]
    assert set(reader) == {"threshold", "null_scores", "abstained"}
    assert reader["null_scores"] and all(isinstance(v, float) for v in reader["null_scores"].values())
    assert reader["threshold"] == pipe.reader.no_answer_threshold


def test_config_threshold_overrides_the_model_and_the_graph_still_wins(pipe) -> None:
    always = _with(pipe, reader_no_answer_threshold=-1e9)  # every passage's no-answer score is above it
    ans = always.ask("How long does sunlight take to reach Earth?")
    assert (ans.verdict, ans.trace.decision["rule"]) == ("no_answer", "reader_abstained")
    reader = next(s for s in ans.trace.steps if s.stage == "reader").outputs["no_answer"]
    assert reader["threshold"] == -1e9 and reader["abstained"] is True
    graph = always.ask("Who wrote Hamlet?")
    assert graph.verdict == "answered" and "Shakespeare" in (graph.answer or "")
    never = _with(pipe, reader_no_answer_threshold=1e9)
    assert never.ask("How long does sunlight take to reach Earth?").verdict != "no_answer"
