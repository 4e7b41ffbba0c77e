"""Span post-processing and windowing: pure functions, hand-computed expectations."""

from __future__ import annotations

import numpy as np
import pytest

from kgqa.reader.postprocess import best_spans, softmax_scores
from kgqa.reader.windows import char_to_token_span, sliding_windows

CTX = "Hamlet was written by William Shakespeare around 1600."
# token offsets of a hypothetical tokenisation of CTX
OFFS = [(0, 6), (7, 10), (11, 18), (19, 21), (22, 29), (30, 41), (42, 48), (49, 53), (53, 54)]


def _window(start_logits, end_logits, n_question=3):
    offsets = [None] * n_question + OFFS + [None]
    s = np.full(len(offsets), -10.0)
    e = np.full(len(offsets), -10.0)
    for i, v in start_logits.items():
        s[n_question + i] = v
    for i, v in end_logits.items():
        e[n_question + i] = v
    return s, e, offsets


def test_best_span_maps_tokens_to_characters() -> None:
    s, e, offs = _window({4: 5.0}, {5: 6.0})
    spans, no_ans = best_spans([s], [e], [offs], CTX)
    assert spans[0].text == "William Shakespeare"
    assert (spans[0].start, spans[0].end) == (22, 41)
    assert spans[0].score == pytest.approx(11.0)
    assert no_ans == pytest.approx(-20.0 - 11.0)


def test_end_before_start_and_too_long_spans_are_dropped() -> None:
    s, e, offs = _window({5: 5.0, 0: 1.0}, {4: 6.0, 7: 0.5})
    spans, _ = best_spans([s], [e], [offs], CTX, max_answer_length=3)
    for sp in spans:
        assert sp.end > sp.start
        assert len(CTX[sp.start : sp.end].split()) <= 3
    assert all(not (sp.start == 30 and sp.end == 29) for sp in spans)


def test_question_tokens_are_never_answers() -> None:
    s, e, offs = _window({0: 1.0}, {0: 1.0})
    s[1] = e[1] = 50.0  # a question token with a huge logit
    spans, _ = best_spans([s], [e], [offs], CTX)
    assert spans[0].text == "Hamlet"


def test_best_over_windows_and_no_duplicates() -> None:
    w1 = _window({4: 2.0}, {5: 2.0})
    w2 = _window({4: 4.0}, {5: 4.0})
    spans, _ = best_spans([w1[0], w2[0]], [w1[1], w2[1]], [w1[2], w2[2]], CTX)
    assert spans[0].window == 1 and spans[0].score == pytest.approx(8.0)
    keys = [(sp.start, sp.end) for sp in spans]
    assert len(keys) == len(set(keys))


def test_no_answer_score_positive_when_cls_wins() -> None:
    s, e, offs = _window({4: 1.0}, {5: 1.0})
    s[0] = e[0] = 9.0
    _, no_ans = best_spans([s], [e], [offs], CTX)
    assert no_ans == pytest.approx(18.0 - 2.0)


def test_mismatched_windows_raise() -> None:
    s, e, offs = _window({4: 1.0}, {5: 1.0})
    with pytest.raises(ValueError):
        best_spans([s, s], [e], [offs], CTX)


def test_softmax_scores_sum_to_one() -> None:
    s, e, offs = _window({4: 3.0, 0: 1.0}, {5: 3.0, 0: 1.0})
    spans, _ = best_spans([s], [e], [offs], CTX)
    probs = softmax_scores(spans)
    assert sum(probs) == pytest.approx(1.0)
    assert probs[0] == max(probs)


def test_char_to_token_span() -> None:
    assert char_to_token_span(OFFS, 22, 41) == (4, 5)
    assert char_to_token_span(OFFS, 49, 53) == (7, 7)
    assert char_to_token_span(OFFS, 100, 110) is None


class _Tok:
    cls_token_id, sep_token_id = 101, 102


def test_sliding_windows_cover_the_context_with_overlap() -> None:
    ctx_ids = list(range(1000, 1050))
    offs = [(i * 2, i * 2 + 1) for i in range(50)]
    wins = sliding_windows(_Tok(), [7, 8], ctx_ids, offs, max_length=25, stride=5)
    budget = 25 - 2 - 3
    assert all(len(w.input_ids) <= 25 for w in wins)
    covered = set()
    for w in wins:
        covered.update(range(w.token_span[0], w.token_span[1] + 1))
        assert w.input_ids[0] == 101 and w.input_ids[3] == 102
        assert w.offsets[w.context_start] == offs[w.token_span[0]]
    assert covered == set(range(50))
    assert wins[1].token_span[0] == budget - 5
