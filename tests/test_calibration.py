"""The verdict calibrator: maps, files, fitting, and how the pipeline applies it."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest

from kgqa.bench.calibration_cases import (
    CalibrationCase,
    Outcome,
    build_cases,
    held_out,
    invented_name,
    score_answer,
    score_check,
    split_cases,
)
from kgqa.bench.calibration_suite import ece_table
from kgqa.calibration import (
    IsotonicMap,
    PlattScaling,
    TemperatureScaling,
    VerdictCalibrator,
    default_calibration_file,
    family,
    load_calibrator,
)
from kgqa.config import PipelineConfig
from kgqa.errors import ConfigError
from kgqa.train.calibrate import fit_calibrator, fit_isotonic
from kgqa.types import Answer, PremiseCheck


# --------------------------------------------------------------------------- maps
def test_isotonic_map_interpolates_and_clips() -> None:
    m = IsotonicMap([0.2, 0.8], [0.3, 0.9])
    assert m(0.5) == pytest.approx(0.6)
    assert m(0.0) == pytest.approx(0.3) and m(1.0) == pytest.approx(0.9)
    assert m(float("nan")) == pytest.approx(0.3)


def test_isotonic_map_shrinks_steps_fitted_on_few_cases() -> None:
    few, many = IsotonicMap([0.5], [1.0], [3]), IsotonicMap([0.5], [1.0], [300])
    assert few(0.5) < many(0.5) < 1.0
    assert few(0.5) == pytest.approx((3 + 0.5) / 4)


@pytest.mark.parametrize(
    "x, y, n",
    [
        ([], [], None),
        ([0.1, 0.2], [0.5], None),
        ([0.3, 0.1], [0.2, 0.4], None),
        ([0.1], [1.5], None),
        ([0.1], [0.5], [1, 2]),
    ],
)
def test_isotonic_map_refuses_malformed_breakpoints(x: list, y: list, n: list | None) -> None:
    with pytest.raises(ConfigError):
        IsotonicMap(x, y, n)


def test_temperature_keeps_argmax_and_moves_confidence_the_right_way() -> None:
    probs = np.array([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6]], dtype=np.float32)
    hot, cold = TemperatureScaling(2.0).probs(probs), TemperatureScaling(0.5).probs(probs)
    assert (hot.argmax(-1) == probs.argmax(-1)).all() and (cold.argmax(-1) == probs.argmax(-1)).all()
    assert (hot.max(-1) < probs.max(-1)).all() and (cold.max(-1) > probs.max(-1)).all()
    assert np.allclose(TemperatureScaling(1.0).probs(probs), probs, atol=1e-6)
    with pytest.raises(ConfigError):
        TemperatureScaling(0.0)


def test_platt_scaling() -> None:
    p = PlattScaling([2.0, -1.0], 0.5, ["a", "b"])
    assert p(0.0, 0.5) == pytest.approx(0.5)
    assert p(3.0, 0.0) > 0.99
    with pytest.raises(ConfigError):
        p(1.0)
    with pytest.raises(ConfigError):
        PlattScaling([1.0], 0.0, ["a", "b"])


# --------------------------------------------------------------------------- the calibrator
def _calibrator() -> VerdictCalibrator:
    return VerdictCalibrator(
        {
            "answer:answered": IsotonicMap([0.5, 1.0], [0.4, 0.8]),
            "answer:*": IsotonicMap([0.0, 1.0], [0.2, 0.6]),
            "claim:*": IsotonicMap([0.0, 1.0], [0.5, 0.7]),
        },
        {"fitted_on": "test cases"},
    )


def test_verdict_kinds_fall_back_to_their_family_and_unknown_stays_uncalibrated() -> None:
    cal = _calibrator()
    assert family("answer:answered") == "answer:*"
    assert cal.probability("answer:answered", 0.75) == pytest.approx(0.6)
    assert cal.probability("answer:no_answer", 0.5) == pytest.approx(0.4)  # the pooled map
    assert cal.probability("claim:unknown", 0.9) is None
    assert VerdictCalibrator({}).probability("claim:supported", 0.9) is None


def test_check_keeps_the_rule_score_and_is_idempotent() -> None:
    cal = _calibrator()
    raw = PremiseCheck("X was a writer.", "supported", 0.9, rule="fact_in_graph")
    once = cal.check(raw)
    assert once.rule_score == 0.9 and once.confidence == pytest.approx(0.68)
    assert cal.check(once) == once
    unknown = cal.check(PremiseCheck("X", "unknown", 0.0))
    assert unknown.confidence == 0.0 and unknown.rule_score == 0.0
    assert PremiseCheck.from_dict(once.to_dict()) == once


def test_answer_calibration_updates_the_trace(tiny_answer: Answer) -> None:
    out = _calibrator().answer(tiny_answer)
    assert out.rule_score == tiny_answer.confidence
    assert out.confidence != tiny_answer.confidence
    assert out.trace.decision["rule_score"] == tiny_answer.confidence
    assert out.trace.decision["confidence"] == out.confidence
    assert "test cases" in out.trace.decision["calibration"]
    assert Answer.from_dict(json.loads(json.dumps(out.to_dict()))).rule_score == out.rule_score


@pytest.fixture
def tiny_answer() -> Answer:
    from kgqa.trace import Trace

    trace = Trace("Who wrote Hamlet?", [])
    with trace.stage("decision") as st:
        st.outputs["confidence"] = 0.9
    trace.decision = {"verdict": "answered", "rule": "graph_only", "confidence": 0.9}
    return Answer("Who wrote Hamlet?", "Shakespeare", "answered", 0.9, trace=trace)


def test_files_round_trip_and_bad_files_name_the_fix(tmp_path: Path) -> None:
    cal = _calibrator()
    path = cal.save(tmp_path / "cal.json")
    back = VerdictCalibrator.load(path)
    assert back.probability("answer:answered", 0.75) == cal.probability("answer:answered", 0.75)
    for text in ("{not json", json.dumps({"format_version": 99, "maps": {}}), json.dumps({"format_version": 1})):
        (tmp_path / "bad.json").write_text(text)
        with pytest.raises(ConfigError, match="kgqa train calibration"):
            VerdictCalibrator.load(tmp_path / "bad.json")
    with pytest.raises(ConfigError, match="does not exist"):
        VerdictCalibrator.load(tmp_path / "missing.json")


def test_config_setting(tmp_path: Path) -> None:
    assert load_calibrator("none") is None
    path = _calibrator().save(tmp_path / "c.json")
    assert load_calibrator(str(path)).maps
    shipped = load_calibrator(None)
    assert (shipped is None) == (not default_calibration_file().is_file())
    (tmp_path / "kgqa.json").write_text(json.dumps({"calibration_file": "c.json"}))
    assert PipelineConfig.load(tmp_path).calibration_file == str(path)
    (tmp_path / "kgqa.json").write_text(json.dumps({"calibration_file": "none"}))
    assert PipelineConfig.load(tmp_path).calibration_file == "none"


# --------------------------------------------------------------------------- fitting
def test_fit_isotonic_is_monotone_and_matches_frequencies() -> None:
    rng = random.Random(0)
    scores = [rng.random() for _ in range(2000)]
    correct = [rng.random() < s for s in scores]  # P(right) = score: calibrated by construction
    m = fit_isotonic(scores, correct)
    ys = [m(v) for v in np.linspace(0, 1, 21)]
    assert all(b >= a - 1e-9 for a, b in zip(ys, ys[1:], strict=False))
    assert m(0.25) == pytest.approx(0.25, abs=0.1) and m(0.8) == pytest.approx(0.8, abs=0.1)


def test_fit_calibrator_gives_rare_kinds_the_pooled_map() -> None:
    rows = [Outcome(str(i), "answer:answered", "r", 0.9, 0.9, i % 4 != 0) for i in range(40)]
    rows += [Outcome("x", "answer:unverified", "r", 0.4, 0.4, False) for _ in range(3)]
    cal = fit_calibrator(rows, min_cases=20)
    assert "answer:answered" in cal.maps and "answer:unverified" not in cal.maps and "answer:*" in cal.maps
    assert cal.probability("answer:answered", 0.9) == pytest.approx(0.75, abs=0.02)
    assert cal.meta["cases_per_kind"]["answer:unverified"] == 3


def test_ece_table_before_and_after() -> None:
    rows = [Outcome(str(i), "claim:supported", "r", 0.95, 0.5, i % 2 == 0) for i in range(10)]
    t = ece_table(rows, 10)
    assert t["check"]["ece_before"] == pytest.approx(0.45) and t["check"]["ece_after"] == pytest.approx(0.0)
    assert t["ask"] == {"n": 0}


# --------------------------------------------------------------------------- cases
def test_scoring_of_verdicts() -> None:
    case = CalibrationCase("a", "ask", "Who wrote Hamlet?", ["P"], True, ["William Shakespeare"], "s")
    ans = Answer("q", "Shakespeare", "answered", 0.8)
    assert score_answer(case, ans)[0].correct
    assert not score_answer(case, Answer("q", "Marlowe", "answered", 0.8))[0].correct
    assert score_answer(case, Answer("q", None, "premise_rejected", 0.9))[0].correct
    assert not score_answer(case, Answer("q", None, "no_answer", 0.0))[0].correct
    unanswerable = CalibrationCase("u", "ask", "Who wrote X?", [], None, [], "s")
    assert score_answer(unanswerable, Answer("q", None, "no_answer", 0.0))[0].correct
    claim = CalibrationCase("c", "check", "X", [], False, [], "s")
    assert score_check(claim, PremiseCheck("X", "supported", 0.9))[0].correct
    assert not score_check(claim, PremiseCheck("X", "contradicted", 0.9))[0].correct
    assert score_check(claim, PremiseCheck("X", "unknown", 0.0)) == []


def test_split_is_by_subject_and_stable() -> None:
    cases = [CalibrationCase(f"{i}", "check", "t", [], True, [], f"s{i % 50}") for i in range(500)]
    fit, held = split_cases(cases, seed=3)
    assert {c.subject for c in fit}.isdisjoint({c.subject for c in held})
    assert 0.2 < len(held) / len(cases) < 0.6
    assert [c.id for c in split_cases(cases, seed=3)[1]] == [c.id for c in held]
    assert held_out("s1", 3) == held_out("s1", 3)
    assert invented_name(random.Random(1)) == invented_name(random.Random(1))


@pytest.fixture(scope="module")
def shipped_kg():
    from kgqa.graph import KnowledgeGraph

    return KnowledgeGraph.load()


def test_cases_from_the_shipped_graph(shipped_kg) -> None:
    cases = build_cases(shipped_kg, 40, 10, 5, seed=1)
    modes = {c.mode for c in cases}
    assert modes == {"check", "ask"}
    unanswerable = [c for c in cases if c.id.startswith("unanswerable")]
    assert len(unanswerable) == 5
    for c in unanswerable:
        assert not c.answers and not any(w in c.text for w in shipped_kg.label(c.subject.split(":", 1)[1]).split())
    asked = [c for c in cases if c.id.startswith("ask:")]
    assert len(asked) == 10 and all(c.answers and c.premises for c in asked)
