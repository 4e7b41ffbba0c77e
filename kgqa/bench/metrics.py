"""Evaluation metrics: the official SQuAD v1.1 EM/F1, classification metrics and calibration."""

from __future__ import annotations

import collections
import math
from collections.abc import Iterable, Sequence

import numpy as np

# the pipeline matches answers with the same normalisation, so it lives in the neutral kgqa.text
from kgqa.text import normalize_answer


def exact_match_score(prediction: str, ground_truth: str) -> float:
    """1.0 when the normalised strings are equal, else 0.0."""
    return float(normalize_answer(prediction) == normalize_answer(ground_truth))


def f1_score(prediction: str, ground_truth: str) -> float:
    """Token-level F1 between normalised prediction and reference (SQuAD v1.1)."""
    pred_tokens = normalize_answer(prediction).split()
    truth_tokens = normalize_answer(ground_truth).split()
    common = collections.Counter(pred_tokens) & collections.Counter(truth_tokens)
    num_same = sum(common.values())
    if num_same == 0:
        return 0.0
    precision = num_same / len(pred_tokens)
    recall = num_same / len(truth_tokens)
    return 2 * precision * recall / (precision + recall)


def metric_max_over_ground_truths(metric, prediction: str, ground_truths: Iterable[str]) -> float:
    """The best score of ``prediction`` against any reference."""
    return max((metric(prediction, gt) for gt in ground_truths), default=0.0)


def squad_v1(predictions: dict[str, str], references: dict[str, Sequence[str]]) -> dict[str, float]:
    """Official SQuAD v1.1 exact match and F1 (percentages) over ``references``.

    Questions without a prediction count as wrong, as in the official script.

    Example:
        >>> squad_v1({"q1": "the Eiffel Tower"}, {"q1": ["Eiffel Tower"]})
        {'exact_match': 100.0, 'f1': 100.0, 'n': 1}
    """
    em = f1 = 0.0
    for qid, golds in references.items():
        pred = predictions.get(qid)
        if pred is None:
            continue
        em += metric_max_over_ground_truths(exact_match_score, pred, golds)
        f1 += metric_max_over_ground_truths(f1_score, pred, golds)
    n = max(len(references), 1)
    return {"exact_match": 100.0 * em / n, "f1": 100.0 * f1 / n, "n": len(references)}


def accuracy(y_true: Sequence, y_pred: Sequence) -> float:
    """Share of equal labels."""
    if len(y_true) == 0:
        return 0.0
    return float(np.mean([a == b for a, b in zip(y_true, y_pred, strict=True)]))


def confusion_matrix(y_true: Sequence[str], y_pred: Sequence[str], labels: Sequence[str]) -> list[list[int]]:
    """Rows are gold labels, columns predictions, both in the order of ``labels``."""
    index = {lab: i for i, lab in enumerate(labels)}
    mat = [[0] * len(labels) for _ in labels]
    for t, p in zip(y_true, y_pred, strict=True):
        mat[index[t]][index[p]] += 1
    return mat


def per_label_prf(y_true: Sequence[str], y_pred: Sequence[str], labels: Sequence[str]) -> dict[str, dict[str, float]]:
    """Precision, recall, F1 and support of each label."""
    out: dict[str, dict[str, float]] = {}
    for lab in labels:
        tp = sum(1 for t, p in zip(y_true, y_pred, strict=True) if t == lab and p == lab)
        fp = sum(1 for t, p in zip(y_true, y_pred, strict=True) if t != lab and p == lab)
        fn = sum(1 for t, p in zip(y_true, y_pred, strict=True) if t == lab and p != lab)
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        out[lab] = {"precision": prec, "recall": rec, "f1": f1, "support": tp + fn}
    return out


def macro_f1(y_true: Sequence[str], y_pred: Sequence[str], labels: Sequence[str]) -> float:
    """Unweighted mean of the per-label F1 over ``labels``."""
    prf = per_label_prf(y_true, y_pred, labels)
    return float(np.mean([v["f1"] for v in prf.values()])) if prf else 0.0


def expected_calibration_error(
    confidences: Sequence[float], correct: Sequence[bool], n_bins: int = 10
) -> tuple[float, list[dict[str, float]]]:
    """Expected calibration error with equal-width bins, and the bins for a reliability plot."""
    conf = np.asarray(confidences, dtype=float)
    corr = np.asarray(correct, dtype=float)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    ece = 0.0
    bins = []
    for i in range(n_bins):
        lo, hi = edges[i], edges[i + 1]
        mask = (conf > lo) & (conf <= hi) if i else (conf >= lo) & (conf <= hi)
        count = int(mask.sum())
        if count:
            acc = float(corr[mask].mean())
            avg = float(conf[mask].mean())
            ece += count / len(conf) * abs(acc - avg)
        else:
            acc = avg = 0.0
        bins.append({"lower": float(lo), "upper": float(hi), "count": count, "accuracy": acc, "confidence": avg})
    return float(ece), bins


# --------------------------------------------------------------------------- SQuAD v2.0
# Follows the official ``evaluate-v2.0.py``: a question without references is scored
# against the empty answer, empty strings score 1 against each other, and the
# no-answer threshold is searched over the sorted no-answer scores.


def squad_v2_exact(prediction: str, ground_truth: str) -> float:
    """Exact match of SQuAD v2.0 (an empty prediction matches an empty reference)."""
    return float(normalize_answer(prediction) == normalize_answer(ground_truth))


def squad_v2_f1(prediction: str, ground_truth: str) -> float:
    """Token F1 of SQuAD v2.0: when either side is empty, 1.0 only if both are."""
    pred_tokens = normalize_answer(prediction).split()
    truth_tokens = normalize_answer(ground_truth).split()
    if not pred_tokens or not truth_tokens:
        return float(pred_tokens == truth_tokens)
    return f1_score(prediction, ground_truth)


def squad_v2_references(answers: Sequence[str]) -> list[str]:
    """The references the official v2 script scores against: non-empty answers, else ``[""]``."""
    golds = [a for a in answers if normalize_answer(a)]
    return golds or [""]


def apply_no_answer_threshold(
    scores: dict[str, float], na_scores: dict[str, float], has_answer: dict[str, bool], threshold: float
) -> dict[str, float]:
    """Per-question scores after answering "no answer" wherever ``na_scores > threshold``."""
    out = {}
    for qid, s in scores.items():
        out[qid] = float(not has_answer[qid]) if na_scores[qid] > threshold else s
    return out


def find_best_threshold(
    predictions: dict[str, str], scores: dict[str, float], na_scores: dict[str, float], has_answer: dict[str, bool]
) -> tuple[float, float]:
    """The best total score (percentage) over no-answer thresholds, and that threshold.

    Starts from "no answer everywhere" and lowers the bar one question at a time in
    increasing order of no-answer score, exactly as the official v2 script does. The
    official script's starting threshold 0.0 means "no answer everywhere" only for
    probabilities; for unbounded scores (kgqa's reader gives ``null - best span``
    logits) the start is just below the lowest score, so the threshold returned
    always reproduces the best score.
    """
    if not scores:
        return 0.0, 0.0
    cur = best = float(sum(1 for q in scores if not has_answer[q]))
    lowest = min((na_scores[q] for q in scores if q in na_scores), default=0.0)
    best_thresh = 0.0 if lowest > 0 else math.nextafter(lowest, -math.inf)
    for qid in sorted(na_scores, key=lambda k: na_scores[k]):
        if qid not in scores:
            continue
        if has_answer[qid]:
            diff = scores[qid]
        else:
            diff = -1.0 if predictions[qid] else 0.0
        cur += diff
        if cur > best:
            best, best_thresh = cur, na_scores[qid]
    return 100.0 * best / len(scores), float(best_thresh)


def squad_v2(
    predictions: dict[str, str],
    references: dict[str, Sequence[str]],
    na_scores: dict[str, float] | None = None,
    threshold: float = 0.0,
) -> dict[str, float]:
    """Official SQuAD v2.0 metrics (percentages).

    Args:
        predictions: question id -> predicted text (``""`` for no answer).
        references: question id -> reference answers (empty for unanswerable questions).
        na_scores: question id -> no-answer score (higher means "no answer" is preferred);
            without it, predictions are scored as given and no threshold is searched.
        threshold: answer "no answer" where the no-answer score exceeds this.

    Returns:
        ``exact_match``, ``f1``, ``has_ans_exact``, ``has_ans_f1``, ``no_ans_exact``,
        ``no_ans_f1`` (each over the questions of that kind), their counts and, with
        ``na_scores``, ``best_exact``, ``best_exact_thresh``, ``best_f1``, ``best_f1_thresh``.

    Example:
        >>> squad_v2({"q1": "Paris", "q2": ""}, {"q1": ["Paris"], "q2": []})["exact_match"]
        100.0
    """
    has_answer = {qid: bool(list(g)) for qid, g in references.items()}
    raw_preds = {qid: predictions.get(qid, "") for qid in references}
    exact = {
        qid: max(squad_v2_exact(raw_preds[qid], g) for g in squad_v2_references(golds))
        for qid, golds in references.items()
    }
    f1 = {
        qid: max(squad_v2_f1(raw_preds[qid], g) for g in squad_v2_references(golds))
        for qid, golds in references.items()
    }
    if na_scores is not None:
        exact_t = apply_no_answer_threshold(exact, na_scores, has_answer, threshold)
        f1_t = apply_no_answer_threshold(f1, na_scores, has_answer, threshold)
    else:
        exact_t, f1_t = exact, f1

    def mean(d: dict[str, float], keep: Iterable[str]) -> float:
        keep = list(keep)
        return 100.0 * sum(d[q] for q in keep) / len(keep) if keep else 0.0

    has = [q for q in references if has_answer[q]]
    no = [q for q in references if not has_answer[q]]
    out: dict[str, float] = {
        "exact_match": mean(exact_t, references),
        "f1": mean(f1_t, references),
        "has_ans_exact": mean(exact_t, has),
        "has_ans_f1": mean(f1_t, has),
        "no_ans_exact": mean(exact_t, no),
        "no_ans_f1": mean(f1_t, no),
        "n": len(references),
        "n_has_ans": len(has),
        "n_no_ans": len(no),
    }
    if na_scores is not None:
        out["best_exact"], out["best_exact_thresh"] = find_best_threshold(raw_preds, exact, na_scores, has_answer)
        out["best_f1"], out["best_f1_thresh"] = find_best_threshold(raw_preds, f1, na_scores, has_answer)
    return out


def recall_at_k(ranks: Sequence[int | None], k: int) -> float:
    """Share of queries whose relevant item is ranked ``<= k`` (ranks start at 1; ``None``: not found)."""
    if not ranks:
        return 0.0
    return sum(1 for r in ranks if r is not None and r <= k) / len(ranks)


def mean_reciprocal_rank(ranks: Sequence[int | None]) -> float:
    """Mean of ``1 / rank`` (0 for queries whose relevant item was not retrieved)."""
    if not ranks:
        return 0.0
    return sum(1.0 / r for r in ranks if r) / len(ranks)
