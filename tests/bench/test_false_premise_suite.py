"""``kgqa bench false-premise`` on tiny data with a fake detector."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from kgqa.bench import cli, false_premise_suite


class FakeDetector:
    """Flags a question iff it names Oslo (the swapped city) or lungs."""

    model_dir = "<fake-detector>"
    threshold = 0.5
    meta: dict = {}

    def score(self, questions):
        return np.array([0.9 if ("Oslo" in q or "lungs" in q) else 0.1 for q in questions], dtype=np.float32)


def _data(root: Path) -> Path:
    fq = root / "kgqa" / "falseqa"
    fq.mkdir(parents=True)
    rows = [("Why do fish breathe with lungs?", 1), ("Why do cats fly?", 1), ("How do fish breathe?", 0)]
    rows += [("Why do dogs bark?", 0)]
    (fq / "valid.csv").write_text("question,answer,label\n" + "".join(f'"{q}",x,{y}\n' for q, y in rows))
    kg = root / "kg" / "fb15k237"
    kg.mkdir(parents=True)
    cities = {"c0": "Paris", "c1": "Oslo"}
    names = {**cities, **{f"p{i}": f"Person Number{i}" for i in range(60)}}
    triples = [(f"p{i}", "/people/person/place_of_birth", "c0") for i in range(60)]
    triples += [(f"q{i}", "/people/person/place_of_birth", "c1") for i in range(3)]
    names.update({f"q{i}": f"Other Person{i}" for i in range(3)})
    (kg / "train.txt").write_text("".join(f"{s}\t{r}\t{o}\n" for s, r, o in triples))
    (kg / "valid.txt").write_text("")
    (kg / "test.txt").write_text("")
    (kg / "entity2text.txt").write_text("".join(f"{k}\t{v}\n" for k, v in names.items()))
    return root


def _bench(argv):
    assert cli.main(argv) == 0
    out = argv[argv.index("--out") + 1]
    return json.loads(Path(out, "results.json").read_text())


def test_suite_reports_falseqa_and_generated_metrics(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(false_premise_suite, "load_detector", lambda ns: FakeDetector())
    data = _data(tmp_path / "data")
    out = tmp_path / "out"
    res = _bench(["false-premise", "--data-dir", str(data), "--end-to-end", "0", "--out", str(out)])
    assert res["suite"] == "false-premise" and res["n"] == 4 and res["threshold"] == 0.5
    # "lungs" flagged (right), "cats fly" missed, no true premise flagged
    assert res["accuracy"] == pytest.approx(3 / 4) and res["false_alarm_rate"] == 0.0
    assert res["precision"] == 1.0 and res["recall"] == pytest.approx(0.5)
    gen = res["generated"]
    # true twins name Paris (kept), false twins name Oslo (flagged) except Other Person's pairs
    assert gen["n"] > 0 and gen["false_alarm_rate"] <= 0.5 and 0 < gen["recall"] <= 1
    assert res["generated_data"]["generated_pairs"] == 4000 and res["generated_data"]["seed"] == 42
    assert set(res["generated_per_source"]) == {"fb15k237"}
    assert "end_to_end" not in res and "squad_false_alarm_rate" not in res  # no SQuAD file in the data folder
    assert {"metrics.png", "threshold_curve.png"} <= set(res["plots"])
    for plot in res["plots"]:
        assert (out / plot).read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--threshold", "1.5"], "--threshold must be in"),
        (["--end-to-end", "-1"], "--end-to-end must be"),
        (["--squad-questions", "-1"], "--squad-questions must be"),
        (["--generated-pairs", "0"], "--generated-pairs must be"),
    ],
)
def test_suite_refuses_bad_flags(
    tmp_path: Path, flags: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["false-premise", *flags, "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0]


def test_demo_verdicts_count_the_questions_the_detector_changes(monkeypatch):
    from types import SimpleNamespace

    from kgqa.bench import false_premise_suite
    from kgqa.demo import DEMO_QUESTIONS
    from kgqa.pipeline import Pipeline

    class Stub:
        def __init__(self, rejects: str | None):
            self.rejects = rejects
            self.asked = []

        def ask(self, question, premises):
            self.asked.append((question, list(premises)))
            return SimpleNamespace(verdict="premise_rejected" if question == self.rejects else "answered")

    off = Stub(None)
    monkeypatch.setattr(Pipeline, "load", classmethod(lambda cls, **kw: off))
    same = false_premise_suite.demo_verdicts(Stub(None))
    assert same["questions"] == len(DEMO_QUESTIONS) and same["verdicts_changed"] == 0
    assert off.asked == [(q, p) for q, p in DEMO_QUESTIONS]  # premises go along
    flagged = DEMO_QUESTIONS[1][0]
    changed = false_premise_suite.demo_verdicts(Stub(flagged))
    assert changed["verdicts_changed"] == 1
    assert [r["question"] for r in changed["rows"] if r["verdict_on"] != r["verdict_off"]] == [flagged]
