"""The fact-checking suite: format detection, label mapping and aggregation, with a keyword NLI fake."""

from __future__ import annotations

import json

import numpy as np
import pytest

from kgqa.bench import cli, factcheck_suite
from kgqa.bench.factcheck_suite import aggregate, detect_format, map_label, read_cases, select_evidence
from kgqa.errors import InputError


class KeywordNLI:
    """Entailment when the evidence says "confirmed", contradiction when it says "denied", else neutral."""

    model_dir = "<fake-nli>"
    labels = ("entailment", "neutral", "contradiction")

    def __init__(self):
        self.pairs = []

    def predict(self, pairs):
        self.pairs.extend(pairs)
        out = []
        for evidence, _claim in pairs:
            if "confirmed" in evidence:
                out.append([0.9, 0.05, 0.05])
            elif "denied" in evidence:
                out.append([0.05, 0.05, 0.9])
            else:
                out.append([0.2, 0.6, 0.2])
        return np.asarray(out, dtype=np.float32)


@pytest.fixture
def bench(tmp_path, monkeypatch):
    nli = KeywordNLI()
    monkeypatch.setattr(factcheck_suite, "load_model", lambda ns: nli)
    monkeypatch.setitem(
        cli.SUITES, "factcheck", cli.Suite(factcheck_suite.HELP, factcheck_suite.add_arguments, factcheck_suite.run)
    )

    def run(data, *extra):
        out = tmp_path / data.stem / "-".join(extra).strip("-")
        assert cli.main(["factcheck", "--data", str(data), "--out", str(out), *extra]) == 0
        return json.loads((out / "results.json").read_text()), out

    run.nli = nli
    return run


def test_detect_format():
    assert detect_format({"claim": "c", "evidence": "e", "label": "SUPPORTS"}) == "fever"
    assert (
        detect_format({"claim": "c", "evidence": ["e"], "label": "partially_supported", "supporting_sentences": []})
        == "wice"
    )
    assert detect_format({"claim": "c", "evidences": [], "claim_label": "DISPUTED"}) == "climate-fever"
    with pytest.raises(InputError, match="unknown fact-checking format"):
        detect_format({"claim": "c", "verdict": "x"})


def test_label_mapping():
    assert map_label("fever", "SUPPORTS") == "supported"
    assert map_label("fever", "REFUTES") == "refuted"
    assert map_label("fever", "NOT ENOUGH INFO") == "not_enough_info"
    assert map_label("wice", "supported") == "supported"
    assert map_label("wice", "partially_supported") == "not_enough_info"
    assert map_label("wice", "not_supported") == "not_enough_info"
    assert map_label("climate-fever", "NOT_ENOUGH_INFO") == "not_enough_info"
    assert map_label("climate-fever", "DISPUTED") is None
    assert map_label("climate-fever", "DISPUTED", disputed="nei") == "not_enough_info"
    with pytest.raises(InputError):
        map_label("fever", "MAYBE")


def test_aggregate_max_entailment_vs_max_contradiction():
    assert aggregate(np.array([[0.55, 0.4, 0.05]]), 0.6, 0.6)[0] == "not_enough_info"
    assert aggregate(np.array([[0.55, 0.4, 0.05]]), 0.5, 0.5)[0] == "supported"
    both = np.array([[0.7, 0.1, 0.2], [0.1, 0.1, 0.8]])
    assert aggregate(both, 0.6, 0.6) == ("refuted", 0.7, 0.8)
    assert aggregate(both, 0.6, 0.95)[0] == "not_enough_info"  # C > E but below its threshold
    assert aggregate(np.zeros((0, 3)), 0.6, 0.6)[0] == "not_enough_info"


def test_read_cases_each_format(fixtures):
    cases, fmt, left = read_cases(fixtures / "factcheck_wice.jsonl")
    assert fmt == "wice" and left == 0 and cases[0].id == "w1" and len(cases[0].evidence) == 3
    cases, fmt, left = read_cases(fixtures / "factcheck_climate.jsonl")
    assert (
        fmt == "climate-fever" and left == 1 and [c.label for c in cases] == ["supported", "refuted", "not_enough_info"]
    )
    assert cases[0].evidence[0].startswith("Satellite data")
    cases, _, left = read_cases(fixtures / "factcheck_climate.jsonl", disputed="nei")
    assert left == 0 and cases[-1].source_label == "DISPUTED" and cases[-1].label == "not_enough_info"


def test_select_evidence_keeps_the_most_overlapping_in_order():
    ev = ("a b", "x y z", "claim words here", "claim words")
    assert select_evidence("the claim words here", ev, 2) == ("claim words here", "claim words")
    assert select_evidence("anything", ev, None) == ev


def test_fever(bench, fixtures):
    res, out = bench(fixtures / "factcheck_fever.jsonl")
    assert res["format"] == "fever" and res["n"] == 4
    assert res["accuracy"] == pytest.approx(0.5)
    # f3 (neutral evidence) -> not enough info, f4 (confirmed, gold REFUTES) -> supported
    assert res["confusion_matrix"] == [[1, 0, 1], [1, 1, 0], [0, 0, 0]]
    assert res["macro_f1_labels"] == ["supported", "refuted"]
    assert res["macro_f1"] == pytest.approx((0.5 + 2 / 3) / 2)
    assert res["accuracy_without_nei_option"] == pytest.approx(0.75)
    assert res["per_label"]["refuted"]["recall"] == pytest.approx(0.5)
    assert len(res["data"]["sha256"]) == 64 and res["models"]["nli"]["path"] == "<fake-nli>"
    assert {"confusion_matrix.png", "threshold_sweep.png"} == set(res["plots"])
    assert (out / "confusion_matrix.png").read_bytes()[:4] == b"\x89PNG"
    assert "Confusion matrix" in (out / "results.md").read_text()


def test_wice(bench, fixtures):
    res, _ = bench(fixtures / "factcheck_wice.jsonl", "--max-evidence", "2")
    assert res["format"] == "wice" and res["accuracy"] == pytest.approx(1.0)
    assert res["gold"] == {"supported": 1, "refuted": 0, "not_enough_info": 2}
    assert res["pairs"] == 6  # at most 2 sentences per claim
    # the sentence with the claim's words is kept, never the gold indices
    assert any("press release confirmed" in e for e, _ in bench.nli.pairs)


def test_climate_fever_disputed(bench, fixtures):
    res, _ = bench(fixtures / "factcheck_climate.jsonl")
    assert res["n"] == 3 and res["rows_left_out"] == 1 and res["accuracy"] == pytest.approx(1.0)
    assert res["label_mapping"]["disputed"] == "left out"
    res, _ = bench(fixtures / "factcheck_climate.jsonl", "--disputed", "nei")
    assert res["n"] == 4 and res["accuracy"] == pytest.approx(0.75)  # both stances at 0.9: supported


def test_bad_threshold(bench, fixtures, capsys):
    with pytest.raises(AssertionError):
        bench(fixtures / "factcheck_fever.jsonl", "--entail-threshold", "1.5")
    assert "--entail-threshold" in capsys.readouterr().err
