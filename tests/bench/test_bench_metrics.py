"""Metrics against hand-computed examples (official SQuAD v1.1/v2.0 rules, ECE, retrieval)."""

from __future__ import annotations

import pytest

from kgqa.bench import metrics


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The Eiffel Tower", "eiffel tower"),  # case and article
        ("  an  apple,  a pear!  ", "apple pear"),  # punctuation, articles, whitespace
        ("Theatre", "theatre"),  # "the" only as a whole word
        ("U.S.A.", "usa"),
        ("rock 'n' roll", "rock n roll"),
        ("A", ""),
    ],
)
def test_normalize_answer(text, expected):
    assert metrics.normalize_answer(text) == expected


def test_exact_match_and_f1_by_hand():
    assert metrics.exact_match_score("the Eiffel Tower.", "Eiffel tower") == 1.0
    assert metrics.exact_match_score("Eiffel", "Eiffel Tower") == 0.0
    # pred "william shakespeare wrote" vs gold "william shakespeare": p = 2/3, r = 1, f1 = 0.8
    assert metrics.f1_score("William Shakespeare wrote", "William Shakespeare") == pytest.approx(0.8)
    # repeated tokens count once per occurrence: pred "a a b" -> "b" after articles; gold "b b": p=1, r=1/2
    assert metrics.f1_score("a a b", "b b") == pytest.approx(2 / 3)
    assert metrics.f1_score("", "Paris") == 0.0


def test_max_over_references_and_squad_v1():
    refs = {"q1": ["Leonardo da Vinci", "da Vinci"], "q2": ["1889"], "q3": ["Paris"]}
    preds = {"q1": "da Vinci", "q2": "in 1889"}  # q3 missing: counts as wrong
    res = metrics.squad_v1(preds, refs)
    assert res["n"] == 3
    assert res["exact_match"] == pytest.approx(100 / 3)
    # q1 EM/F1 1; q2 F1 2*(1/2*1)/(1.5) = 2/3; q3 0
    assert res["f1"] == pytest.approx(100 * (1 + 2 / 3) / 3)


def test_squad_v2_scoring_of_empty_answers():
    assert metrics.squad_v2_f1("", "") == 1.0
    assert metrics.squad_v2_f1("", "Paris") == 0.0
    assert metrics.squad_v2_f1("the", "") == 1.0  # normalises to empty on both sides
    assert metrics.squad_v2_references(["", "the"]) == [""]
    assert metrics.squad_v2_references(["Paris", ""]) == ["Paris"]


def _v2_case():
    refs = {"a": ["Paris"], "b": [], "c": ["Rome"], "d": []}
    preds = {"a": "Paris", "b": "Berlin", "c": "Milan", "d": "Oslo"}
    na = {"a": 0.1, "b": 0.5, "c": 0.3, "d": 0.9}
    return preds, refs, na


def test_find_best_threshold_by_hand():
    preds, refs, na = _v2_case()
    has = {q: bool(g) for q, g in refs.items()}
    exact = {"a": 1.0, "b": 0.0, "c": 0.0, "d": 0.0}
    # start: all "no answer" = 2 right; a (+1) -> 3 at 0.1; c (+0); b (-1); d (-1)
    best, thresh = metrics.find_best_threshold(preds, exact, na, has)
    assert best == pytest.approx(75.0)
    assert thresh == pytest.approx(0.1)


def test_best_threshold_when_abstaining_everywhere_wins():
    # logit-scale scores: the best is to answer nothing, so the threshold must sit below every score
    preds = {"a": "x", "b": "y"}
    refs = {"a": [], "b": ["z"]}
    na = {"a": -2.0, "b": -1.0}
    res = metrics.squad_v2(preds, refs, na_scores=na)
    assert res["best_exact"] == pytest.approx(50.0)
    assert res["best_exact_thresh"] < -2.0
    again = metrics.squad_v2(preds, refs, na_scores=na, threshold=res["best_exact_thresh"])
    assert again["exact_match"] == pytest.approx(res["best_exact"])


def test_squad_v2_with_threshold_by_hand():
    preds, refs, na = _v2_case()
    res = metrics.squad_v2(preds, refs, na_scores=na, threshold=0.2)
    # answered: a (right); abstained: b, c, d -> b, d right, c wrong
    assert res["exact_match"] == pytest.approx(75.0)
    assert res["has_ans_exact"] == pytest.approx(50.0)
    assert res["no_ans_exact"] == pytest.approx(100.0)
    assert res["no_ans_f1"] == pytest.approx(100.0)
    assert (res["n_has_ans"], res["n_no_ans"]) == (2, 2)
    assert res["best_f1"] == pytest.approx(75.0)
    assert res["best_f1_thresh"] == pytest.approx(0.1)
    raw = metrics.squad_v2(preds, refs)  # no scores: predictions as given, no threshold search
    assert raw["exact_match"] == pytest.approx(25.0)
    assert "best_f1" not in raw


def test_classification_metrics_by_hand():
    gold = ["e", "e", "n", "c", "c"]
    pred = ["e", "n", "n", "c", "e"]
    assert metrics.accuracy(gold, pred) == pytest.approx(0.6)
    assert metrics.confusion_matrix(gold, pred, ["e", "n", "c"]) == [[1, 1, 0], [0, 1, 0], [1, 0, 1]]
    prf = metrics.per_label_prf(gold, pred, ["e", "n", "c"])
    assert prf["e"]["precision"] == pytest.approx(0.5) and prf["e"]["recall"] == pytest.approx(0.5)
    assert prf["n"]["f1"] == pytest.approx(2 / 3)
    assert prf["c"]["f1"] == pytest.approx(2 / 3)
    assert metrics.macro_f1(gold, pred, ["e", "n", "c"]) == pytest.approx((0.5 + 2 / 3 + 2 / 3) / 3)


def test_ece_by_hand():
    conf = [0.95, 0.85, 0.65, 0.55]
    correct = [True, False, True, True]
    ece, bins = metrics.expected_calibration_error(conf, correct, n_bins=10)
    assert ece == pytest.approx((0.05 + 0.85 + 0.35 + 0.45) / 4)
    assert [b["count"] for b in bins] == [0, 0, 0, 0, 0, 1, 1, 0, 1, 1]
    ece2, _ = metrics.expected_calibration_error(conf, correct, n_bins=2)
    assert ece2 == pytest.approx(0.0)  # one bin: accuracy 0.75 = mean confidence 0.75


def test_recall_and_mrr():
    ranks = [1, 3, None, 2]
    assert metrics.recall_at_k(ranks, 1) == 0.25
    assert metrics.recall_at_k(ranks, 3) == 0.75
    assert metrics.mean_reciprocal_rank(ranks) == pytest.approx((1 + 1 / 3 + 0 + 1 / 2) / 4)
    assert metrics.recall_at_k([], 5) == 0.0
