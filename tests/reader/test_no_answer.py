"""The reader's abstention: the no-answer score over windows and passages, and the threshold test."""

from __future__ import annotations

import numpy as np
import pytest

from kgqa.reader.postprocess import abstains, best_spans, passage_no_answer_scores
from kgqa.types import ReaderSpan

CTX = "Ada Finch built the loom in 1820."
OFFS = [None, (0, 3), (4, 9), (10, 15), (16, 19), (20, 24), (25, 27), (28, 32), None]


def _logits(cls: float, start: int, end: int) -> tuple[np.ndarray, np.ndarray]:
    s, e = np.zeros(len(OFFS), dtype=np.float32), np.zeros(len(OFFS), dtype=np.float32)
    s[0] = e[0] = cls
    s[start] = e[end] = 5.0
    return s, e


def test_the_window_that_sees_the_answer_decides_the_null_score() -> None:
    # window 1 sees the answer (low [CLS]); window 2 sees none (high [CLS]): the lowest null counts
    s1, e1 = _logits(1.0, 7, 7)
    s2, e2 = _logits(9.0, 1, 2)
    spans, no_ans = best_spans([s1, s2], [e1, e2], [OFFS, OFFS], CTX)
    assert spans[0].text in ("1820", "Ada Finch")
    assert no_ans == pytest.approx(2.0 - 10.0)


def span(pid: str, no_answer: float) -> ReaderSpan:
    return ReaderSpan(pid, "x", 0, 1, 3.0, no_answer)


def test_abstains_only_when_every_passage_is_above_the_threshold() -> None:
    assert abstains([span("p1", 2.0), span("p1", 2.0), span("p2", 1.5)], threshold=1.0)
    assert not abstains([span("p1", 2.0), span("p2", 0.5)], threshold=1.0)  # p2 has an answer
    assert not abstains([span("p1", 1.0)], threshold=1.0)  # equal is not above


def test_no_threshold_or_no_spans_is_no_abstention() -> None:
    assert not abstains([span("p1", 50.0)], threshold=None)
    assert not abstains([], threshold=-100.0)


def test_passage_no_answer_scores_one_per_passage() -> None:
    assert passage_no_answer_scores([span("p1", 2.0), span("p1", 2.0), span("p2", -1.0)]) == {"p1": 2.0, "p2": -1.0}
