"""Pure post-processing from start/end logits and token offsets to character spans.

Follows the SQuAD practice of transformers' ``utils_qa.py``: for each window, the
``n_best`` start and end logits are combined, spans outside the context or longer
than ``max_answer_length`` tokens are dropped, and the best spans over all windows of
an example are kept. The no-answer score is the lowest ``[CLS]`` score over windows
minus the best span score (positive means "no answer" is preferred): as in
``utils_qa.py``, the window that sees the answer decides, so the other windows of a long
passage, which rightly see none, do not make the reader abstain.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from kgqa.types import ReaderSpan


@dataclass(frozen=True)
class SpanCandidate:
    """One candidate answer span, with character offsets into its context."""

    text: str
    start: int
    end: int
    score: float
    start_logit: float
    end_logit: float
    window: int


def best_spans(
    start_logits: Sequence[np.ndarray],
    end_logits: Sequence[np.ndarray],
    offsets: Sequence[Sequence[tuple[int, int] | None]],
    context: str,
    n_best: int = 20,
    max_answer_length: int = 30,
) -> tuple[list[SpanCandidate], float]:
    """Best spans over all windows of one example, and the no-answer score.

    Args:
        start_logits: per window, the start logits over its tokens.
        end_logits: per window, the end logits over its tokens.
        offsets: per window, the ``(char_start, char_end)`` of each token in ``context``,
            or ``None`` for tokens that are not context (question, special, padding).
        context: the passage the offsets point into.
        n_best: how many starts and ends to combine per window, and spans to return.
        max_answer_length: longest span, in tokens.

    Returns:
        The candidates sorted by score (best first, at most ``n_best``, no duplicate
        character spans) and ``null_score - best_span_score`` (the lowest null score over windows).

    Example:
        >>> s = np.array([0.0, 5.0, 0.0]); e = np.array([0.0, 0.0, 5.0])
        >>> spans, _ = best_spans([s], [e], [[None, (0, 5), (6, 11)]], "hello world")
        >>> spans[0].text
        'hello world'
    """
    if not (len(start_logits) == len(end_logits) == len(offsets)):
        raise ValueError("start_logits, end_logits and offsets must have one entry per window")
    candidates: dict[tuple[int, int], SpanCandidate] = {}
    null_score = np.inf
    for w, (sl, el, offs) in enumerate(zip(start_logits, end_logits, offsets, strict=True)):
        sl = np.asarray(sl, dtype=np.float32)
        el = np.asarray(el, dtype=np.float32)
        n = min(len(sl), len(offs))
        null_score = min(null_score, float(sl[0] + el[0]))
        is_context = np.fromiter((o is not None for o in offs[:n]), dtype=bool, count=n)
        starts = np.argsort(sl[:n])[::-1][:n_best]
        ends = np.argsort(el[:n])[::-1][:n_best]
        # every (start, end) pair of the n-best at once; invalid pairs are masked out
        length = ends[None, :] - starts[:, None] + 1
        valid = is_context[starts][:, None] & is_context[ends][None, :] & (length >= 1) & (length <= max_answer_length)
        scores = sl[starts][:, None] + el[ends][None, :]
        rows, cols = np.nonzero(valid)
        order = np.argsort(-scores[rows, cols], kind="stable")
        taken: set[tuple[int, int]] = set()
        for i in order:
            # within a window the first hit of a character span is its best score there, and the
            # n_best best distinct spans of each window contain the n_best best over all windows
            s_tok, e_tok = int(starts[rows[i]]), int(ends[cols[i]])
            cs, ce = offs[s_tok][0], offs[e_tok][1]
            key = (cs, ce)
            if key in taken:
                continue
            taken.add(key)
            score = float(scores[rows[i], cols[i]])
            if key not in candidates or candidates[key].score < score:
                candidates[key] = SpanCandidate(
                    text=context[cs:ce],
                    start=cs,
                    end=ce,
                    score=score,
                    start_logit=float(sl[s_tok]),
                    end_logit=float(el[e_tok]),
                    window=w,
                )
            if len(taken) >= n_best:
                break
    ranked = sorted(candidates.values(), key=lambda c: c.score, reverse=True)[:n_best]
    best = ranked[0].score if ranked else -np.inf
    no_answer = float(null_score - best) if ranked else float("inf")
    return ranked, no_answer


def passage_no_answer_scores(spans: Sequence[ReaderSpan]) -> dict[str, float]:
    """The no-answer score of each passage that gave spans (all spans of a passage share it)."""
    out: dict[str, float] = {}
    for s in spans:
        out.setdefault(s.passage_id, float(s.no_answer_score))
    return out


def abstains(spans: Sequence[ReaderSpan], threshold: float | None) -> bool:
    """Whether the reader abstains: a threshold is set, there are spans, and every passage's no-answer score exceeds it.

    One passage whose best span beats its null score by the threshold is enough to answer.

    Example:
        >>> abstains([ReaderSpan("p1", "x", 0, 1, 2.0, 3.5)], threshold=1.0)
        True
        >>> abstains([ReaderSpan("p1", "x", 0, 1, 2.0, 3.5)], threshold=None)
        False
    """
    if threshold is None or not spans:
        return False
    return all(score > threshold for score in passage_no_answer_scores(spans).values())


def softmax_scores(candidates: Sequence[SpanCandidate]) -> list[float]:
    """Probabilities of the candidates relative to each other (softmax over span scores)."""
    if not candidates:
        return []
    scores = np.array([c.score for c in candidates], dtype=np.float64)
    scores = np.exp(scores - scores.max())
    return (scores / scores.sum()).tolist()
