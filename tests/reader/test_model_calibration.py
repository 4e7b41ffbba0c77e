"""Calibrated probabilities of the NLI model (a temperature) and the reader (logistic maps), as stored in kgqa_model.json."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from kgqa.calibration import PlattScaling, TemperatureScaling
from kgqa.errors import ConfigError, InputError
from kgqa.paths import models_dir
from kgqa.reader.calibrated import (
    ReaderCalibration,
    calibrated_probs,
    label_probs,
    reader_calibration_from_meta,
    span_features,
    span_records,
    temperature_from_meta,
)
from kgqa.types import ReaderSpan

PAIRS = [("the cat sat on the mat", "a cat sat"), ("the dog ran", "nobody ran"), ("a man slept", "the man ate")]
READER_BLOCK = {
    "answer": {"features": ["span_prob", "span_score", "no_answer_score"], "coef": [2.0, 0.3, -0.5], "intercept": -1.0},
    "no_answer": {"features": ["no_answer_score"], "coef": [0.8], "intercept": 0.2},
}


@pytest.fixture(autouse=True, scope="module")
def _one_torch_thread():
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def tiny_nli_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A random 2-layer NLI model folder (written once; tests copy its meta as they need)."""
    import torch
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast

    from kgqa.reader.modelio import save_model_folder

    root = tmp_path_factory.mktemp("tiny-nli")
    words = sorted({w for p in PAIRS for s in p for w in s.split()})
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *words]
    (root / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    tok = BertTokenizerFast(str(root / "vocab.txt"), do_lower_case=True)
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=len(vocab),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        num_labels=3,
        id2label={0: "entailment", 1: "neutral", 2: "contradiction"},
    )
    model = BertForSequenceClassification(config)
    with torch.no_grad():  # confident enough that a temperature visibly moves the probabilities
        model.classifier.weight.mul_(40.0)
    out = root / "nli"
    save_model_folder(model, tok, out, task="nli", dtype="float32", share_word_embeddings=False)
    return out


def _with_block(folder: Path, block: object, tmp_path: Path) -> Path:
    """A copy of ``folder`` whose kgqa_model.json has ``block`` as its calibration (``None``: no block)."""
    import shutil

    dst = tmp_path / folder.name
    shutil.copytree(folder, dst)
    meta_path = dst / "kgqa_model.json"
    meta = json.loads(meta_path.read_text())
    meta.pop("calibration", None)
    if block is not None:
        meta["calibration"] = block
    meta_path.write_text(json.dumps(meta))
    return dst


# ----------------------------------------------------------------------------- the maps and their JSON
def test_temperature_and_platt_round_trip() -> None:
    t = TemperatureScaling(1.7)
    assert TemperatureScaling.from_dict(t.to_dict()) == t
    m = PlattScaling([0.5, -1.0], 0.25, ["span_score", "no_answer_score"])
    again = PlattScaling.from_dict(json.loads(json.dumps(m.to_dict())))
    assert again == m and again(1.0, 2.0) == m(1.0, 2.0)
    cal = ReaderCalibration.from_dict(json.loads(json.dumps(READER_BLOCK)))
    assert cal.answer.features == ["span_prob", "span_score", "no_answer_score"]


@pytest.mark.parametrize(
    "bad", [{}, {"temperature": "hot"}, {"temperature": -1.0}, {"temperature": 0}, [], {"temperature": True}]
)
def test_malformed_temperature_block_is_a_config_error_naming_the_fix(bad: object) -> None:
    with pytest.raises(ConfigError, match="calibrate-models --nli"):
        temperature_from_meta({"calibration": bad}, "x/kgqa_model.json")


def test_absent_calibration_is_none() -> None:
    assert temperature_from_meta({"task": "nli"}, "x") is None
    assert reader_calibration_from_meta({"task": "qa"}, "x") is None


@pytest.mark.parametrize(
    "bad",
    [
        {"answer": READER_BLOCK["answer"]},  # no no-answer map
        {**READER_BLOCK, "no_answer": {"features": ["no_answer_score"], "coef": [1.0]}},  # no intercept
        {**READER_BLOCK, "no_answer": {"features": ["loudness"], "coef": [1.0], "intercept": 0.0}},  # unknown feature
        {**READER_BLOCK, "answer": {"features": ["span_prob"], "coef": [1.0, 2.0], "intercept": 0.0}},  # sizes
        {**READER_BLOCK, "answer": {"features": ["span_prob"], "coef": ["x"], "intercept": 0.0}},
        "calibrated",
    ],
)
def test_malformed_reader_block_is_a_config_error_naming_the_fix(bad: object) -> None:
    with pytest.raises(ConfigError, match="calibrate-models --reader"):
        reader_calibration_from_meta({"calibration": bad}, "x/kgqa_model.json")


# ----------------------------------------------------------------------------- the NLI model
def test_nli_without_calibration_keeps_raw_probabilities(tiny_nli_dir: Path, tmp_path: Path) -> None:
    from kgqa.reader.nli import NLIModel

    nli = NLIModel(_with_block(tiny_nli_dir, None, tmp_path), device="cpu", precision="fp32")
    assert nli.calibration is None and nli.temperature == 1.0
    raw = nli.predict(PAIRS)
    np.testing.assert_allclose(nli.predict(PAIRS, calibrated=True), raw, atol=1e-6)
    np.testing.assert_allclose(calibrated_probs(nli, raw), raw, atol=1e-6)


@pytest.mark.parametrize("temperature", [2.5, 0.4])
def test_nli_temperature_from_the_model_file(tiny_nli_dir: Path, tmp_path: Path, temperature: float) -> None:
    from kgqa.reader.nli import NLIModel

    folder = _with_block(tiny_nli_dir, {"temperature": temperature, "fitted_on": "test"}, tmp_path)
    nli = NLIModel(folder, device="cpu", precision="fp32")
    assert nli.temperature == pytest.approx(temperature)
    raw = nli.predict(PAIRS)
    cal = nli.predict(PAIRS, calibrated=True)
    assert (cal.argmax(-1) == raw.argmax(-1)).all()
    np.testing.assert_allclose(cal.sum(-1), 1.0, atol=1e-5)
    if temperature > 1:  # softer: the top class loses probability
        assert (cal.max(-1) < raw.max(-1)).all()
    else:  # sharper
        assert (cal.max(-1) > raw.max(-1)).all()
    single = nli.predict(PAIRS[0], calibrated=True)
    assert single.shape == (3,) and np.allclose(single, cal[0], atol=1e-5)
    # the plain predict still gives the raw probabilities the pipeline's thresholds were chosen on
    np.testing.assert_allclose(nli.predict(PAIRS), raw, atol=1e-6)


def test_nli_malformed_file_fails_at_load_time(tiny_nli_dir: Path, tmp_path: Path) -> None:
    from kgqa.reader.nli import NLIModel

    folder = _with_block(tiny_nli_dir, {"temperature": "warm"}, tmp_path)
    with pytest.raises(ConfigError, match=r"kgqa_model\.json.*calibrate-models --nli"):
        NLIModel(folder, device="cpu").warm_up()


def test_calibrated_probs_leaves_a_predictor_without_calibrate_alone() -> None:
    class Plain:
        def predict(self, pairs):  # noqa: ANN001, ANN202 - a minimal NLI predictor
            return np.full((len(pairs), 3), 1 / 3, dtype=np.float32)

    probs = np.array([[0.7, 0.2, 0.1]], dtype=np.float32)
    np.testing.assert_allclose(calibrated_probs(Plain(), probs), probs)
    assert label_probs(probs[0]) == pytest.approx({"entailment": 0.7, "neutral": 0.2, "contradiction": 0.1})


# ----------------------------------------------------------------------------- the reader
def _reader_with(block: object | None, tmp_path: Path):  # noqa: ANN202 - a Reader
    from kgqa.reader.qa import Reader

    folder = tmp_path / "reader"
    folder.mkdir()
    meta = {"task": "qa", **({"calibration": block} if block is not None else {})}
    (folder / "kgqa_model.json").write_text(json.dumps(meta))
    return Reader(folder, device="cpu")


def test_reader_without_calibration_gives_none(tmp_path: Path) -> None:
    reader = _reader_with(None, tmp_path)
    s = ReaderSpan("p", "x", 0, 1, 5.0, -2.0)
    assert reader.answer_probability(s, [s]) is None and reader.no_answer_probability(s) is None
    assert span_records(reader, [s], [s])[0]["answer_probability"] is None


def test_reader_probabilities_are_probabilities_and_monotone(tmp_path: Path) -> None:
    reader = _reader_with(READER_BLOCK, tmp_path)
    other = ReaderSpan("p", "y", 3, 4, 4.0, -2.0)
    scores = [-1e6, -20.0, -5.0, 0.0, 3.0, 4.0, 8.0, 20.0, 1e6]
    answer = [reader.answer_probability(ReaderSpan("p", "x", 0, 1, sc, -2.0), [other]) for sc in scores]
    assert all(0.0 <= p <= 1.0 for p in answer)
    assert answer == sorted(answer) and answer[-1] > answer[0]
    no_ans = [reader.no_answer_probability(ReaderSpan("p", "x", 0, 1, 5.0, na)) for na in [*scores, float("inf")]]
    assert all(0.0 <= p <= 1.0 for p in no_ans)
    assert no_ans == sorted(no_ans) and no_ans[-1] > no_ans[0]
    # a higher no-answer score makes a span less likely to be right
    low, high = (reader.answer_probability(ReaderSpan("p", "x", 0, 1, 5.0, na)) for na in (-5.0, 5.0))
    assert low > high


def test_span_features_use_the_candidates_of_the_same_passage() -> None:
    a = ReaderSpan("p1", "a", 0, 1, 3.0, -1.0)
    b = ReaderSpan("p1", "b", 2, 3, 3.0, -1.0)
    c = ReaderSpan("p2", "c", 0, 1, 30.0, -4.0)
    assert span_features(a, [a, b, c])["span_prob"] == pytest.approx(0.5)
    assert span_features(a)["span_prob"] == 1.0
    assert span_features(ReaderSpan("p", "x", 0, 1, 1.0, float("inf")))["no_answer_score"] == 1000.0


def test_reader_malformed_file_is_a_config_error(tmp_path: Path) -> None:
    reader = _reader_with({"answer": {"coef": [1.0]}}, tmp_path)
    with pytest.raises(ConfigError, match=r"kgqa_model\.json.*calibrate-models --reader"):
        reader.answer_probability(ReaderSpan("p", "x", 0, 1, 1.0, 0.0))


# ----------------------------------------------------------------------------- the shipped pipeline's trace
@pytest.fixture(scope="module")
def pipe():
    if not all((models_dir() / n / "model.safetensors").is_file() for n in ("reader", "nli")):
        pytest.skip(f"the shipped models are missing under {models_dir()}; run `kgqa train` (see README)")
    from kgqa.pipeline import Pipeline

    return Pipeline.load().warm_up()


def _check_records(records: list[dict], nli: object) -> None:
    assert records
    for r in records:
        raw = np.array([r["probs"][k] for k in ("entailment", "neutral", "contradiction")])
        cal = np.array([r["calibrated"][k] for k in ("entailment", "neutral", "contradiction")])
        assert cal.sum() == pytest.approx(1.0, abs=1e-4) and cal.argmax() == raw.argmax()
        np.testing.assert_allclose(cal, calibrated_probs(nli, raw[None, :])[0], atol=1e-4)


def test_pipeline_trace_carries_calibrated_nli_and_reader_probabilities(pipe) -> None:
    ans = pipe.ask("Who wrote Hamlet?")
    _check_records(ans.trace.get("nli").outputs["checks"], pipe.nli)
    spans = ans.trace.get("reader").outputs["spans"]
    assert spans and all("answer_probability" in s and "no_answer_probability" in s for s in spans)
    if pipe.reader.calibration is not None:
        assert all(0.0 <= s["answer_probability"] <= 1.0 for s in spans)
    # a yes/no question: the records come from the premise checker's passage evidence
    yn = pipe.ask("Did Shakespeare write Hamlet?")
    records = yn.trace.get("nli").outputs["checks"]
    _check_records(records, pipe.nli)  # equal to the raw ones only where the evidence lacked them and T = 1


# ----------------------------------------------------------------------------- the fitting (kgqa train calibrate-models)
def test_fit_temperature_recovers_the_temperature_of_overconfident_probabilities() -> None:
    from kgqa.train.calibrate_models import fit_temperature, nli_nll

    rng = np.random.default_rng(0)
    logits = rng.normal(0, 2, size=(4000, 3))
    true = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    labels = np.array([rng.choice(3, p=p) for p in true])
    over = np.exp(3 * logits) / np.exp(3 * logits).sum(-1, keepdims=True)  # the same logits times 3
    t = fit_temperature(over, labels)
    assert t == pytest.approx(3.0, rel=0.1)
    assert nli_nll(TemperatureScaling(t).probs(over), labels) < nli_nll(over, labels)


def test_nli_correct_counts_two_way_non_entailment() -> None:
    from kgqa.train.calibrate_models import nli_correct

    probs = np.array([[0.7, 0.2, 0.1], [0.1, 0.2, 0.7], [0.1, 0.6, 0.3], [0.6, 0.3, 0.1]])
    assert nli_correct(probs, [0, 2, 3, 3]).tolist() == [True, True, True, False]


def test_fit_logistic_keeps_the_map_monotone() -> None:
    from kgqa.train.calibrate_models import ANSWER_SIGNS, SpanRow, fit_logistic

    rng = np.random.default_rng(1)
    rows = []
    for _ in range(400):
        score = float(rng.normal(5, 3))
        right = bool(rng.random() < 1 / (1 + np.exp(-(score - 5))))
        # a no-answer score that (wrongly, for this test) rises with being right: its weight would be positive
        na = score + float(rng.normal(0, 0.5))
        rows.append(SpanRow("g", 0, {"span_prob": 0.5, "span_score": score, "no_answer_score": na}, right, False))
    m = fit_logistic(rows, ["span_score", "no_answer_score"], "right", ANSWER_SIGNS)
    assert m.features == ["span_score"] and m.coef[0] > 0
    with pytest.raises(InputError, match="are all True"):
        fit_logistic([r for r in rows if r.right], ["span_score"], "right", ANSWER_SIGNS)
