"""The learned false-premise detector: loading, scoring, and how its judgement enters the premise checks."""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path

import pytest

from kgqa.checks.false_premise import (
    RULE,
    FalsePremiseDetector,
    apply_detector,
    check_threshold,
    entity_context,
    needs_detector,
)
from kgqa.checks.questions import analyze_question
from kgqa.config import PipelineConfig
from kgqa.errors import ConfigError, InputError, ModelNotFoundError
from kgqa.types import Evidence, Hit, Passage, PremiseCheck

WORDS = "why how when which did does is the of a sun have eyes fish breathe with lungs gills ada finch write".split()


def _save_tiny(folder: Path, num_labels: int = 2, threshold: float | None = None) -> Path:
    import torch
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast

    from kgqa.reader.modelio import save_model_folder

    folder.mkdir(parents=True, exist_ok=True)
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *WORDS, "?"]
    (folder / "vocab.txt").write_text("\n".join(vocab) + "\n")
    tok = BertTokenizerFast(vocab_file=str(folder / "vocab.txt"), do_lower_case=True)
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=len(vocab),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        num_labels=num_labels,
    )
    model = BertForSequenceClassification(config)
    out = folder / "model"
    save_model_folder(model, tok, out, task="false-premise", dtype="float32", share_word_embeddings=False)
    if threshold is not None:
        meta = json.loads((out / "kgqa_model.json").read_text())
        (out / "kgqa_model.json").write_text(json.dumps({**meta, "threshold": threshold}))
    return out


@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _save_tiny(tmp_path_factory.mktemp("fp"), threshold=0.3)


@pytest.fixture(scope="module")
def tiny(tiny_dir: Path) -> FalsePremiseDetector:
    return FalsePremiseDetector(tiny_dir, precision="fp32", device="cpu")


def _unknown(text: str, source: str = "presupposed") -> PremiseCheck:
    return PremiseCheck(text, "unknown", 0.0, (), None, source, None, "no_match")


# --------------------------------------------------------------------------- the detector
def test_scores_are_probabilities_and_the_threshold_comes_from_the_folder(tiny: FalsePremiseDetector) -> None:
    scores = tiny.score(["How many eyes does the sun have?", "Why do fish breathe with lungs?", "why"])
    assert scores is not None and scores.shape == (3,)
    assert ((scores > 0) & (scores < 1)).all()
    assert tiny.score(["Why do fish breathe with lungs?"])[0] == pytest.approx(scores[1], abs=1e-5)
    assert tiny.score([]).shape == (0,)
    assert tiny.threshold == 0.3
    assert tiny.available


def test_threshold_override_and_validation(tiny_dir: Path) -> None:
    assert FalsePremiseDetector(tiny_dir, threshold=0.8).threshold == 0.8
    for bad in (0.0, 1.0, 1.5, "0.5", True):
        with pytest.raises(InputError, match="strictly between 0 and 1"):
            check_threshold(bad)
    with pytest.raises(InputError):
        FalsePremiseDetector(tiny_dir, threshold=2.0)


def test_score_refuses_a_string(tiny: FalsePremiseDetector) -> None:
    with pytest.raises(InputError, match="list of question strings"):
        tiny.score("Why?")


def test_scores_from_threads_agree(tiny_dir: Path) -> None:
    det = FalsePremiseDetector(tiny_dir, precision="fp32", device="cpu")  # loads in one of the threads
    qs = ["Why do fish breathe with lungs?", "How does a fish breathe?"]
    results: list = []
    threads = [threading.Thread(target=lambda: results.append(det.score(qs).tolist())) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 4 and all(r == pytest.approx(results[0], abs=1e-5) for r in results)


def test_a_named_folder_must_exist_and_be_two_way(tmp_path: Path) -> None:
    with pytest.raises(ModelNotFoundError, match="does not exist"):
        FalsePremiseDetector(tmp_path / "missing")
    three = _save_tiny(tmp_path / "three", num_labels=3)
    with pytest.raises(ModelNotFoundError, match="3-label classifier"):
        FalsePremiseDetector(three).score(["Why?"])


def test_missing_shipped_model_turns_the_detector_off_with_one_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("KGQA_MODELS", str(tmp_path))
    det = FalsePremiseDetector()
    with caplog.at_level(logging.WARNING, logger="kgqa.checks.false_premise"):
        assert det.score(["Why?"]) is None
        assert det.score(["Why?"]) is None
        assert det.warm_up() is False
    assert len([r for r in caplog.records if "detector is off" in r.getMessage()]) == 1
    assert not det.available and det.threshold == 0.5


# --------------------------------------------------------------------------- the decision
def test_unknown_presupposition_with_a_high_score_is_contradicted_by_the_model() -> None:
    stated = _unknown("Ada Finch was a baker.", source="stated")
    presupposed = _unknown("fish do breathe with lungs")
    context = [Evidence("triple", "neutral", "fish type Animal", 1.0, detail={"role": "context"})]
    out = apply_detector("Why do fish breathe with lungs?", [stated, presupposed], 0.91, 0.6, context, "m")
    assert out[0] is stated  # a stated premise is never judged by the detector
    c = out[1]
    assert (c.status, c.rule, c.confidence, c.correction) == ("contradicted", RULE, 0.91, None)
    model_ev = c.evidence[0]
    assert model_ev.kind == "model" and model_ev.stance == "contradicts"
    assert model_ev.detail == {
        "decided_by": "model",
        "model": "m",
        "score": pytest.approx(0.91),
        "threshold": 0.6,
        "input": "Why do fish breathe with lungs?",
    }
    assert "a model, not a fact" in model_ev.text
    assert c.evidence[1] is context[0]
    assert c.to_dict()["rule"] == RULE  # it travels into the trace as it is


def test_below_the_threshold_the_premise_stays_unknown_with_the_score_recorded() -> None:
    out = apply_detector("Why do fish breathe with gills?", [_unknown("fish do breathe with gills")], 0.2, 0.6)
    assert out[0].status == "unknown" and out[0].rule == "no_match"
    assert out[0].evidence[-1].stance == "neutral" and out[0].evidence[-1].detail["score"] == pytest.approx(0.2)


def test_a_premise_the_graph_decided_is_never_overridden() -> None:
    supported = PremiseCheck(
        "Ada Finch wrote The Glass Orchard", "supported", 0.97, (), None, "presupposed", None, "fact"
    )
    refuted = PremiseCheck("Ada Finch wrote Hamlet", "contradicted", 0.9, (), None, "presupposed", None, "fact")
    out = apply_detector("Why did Ada Finch write The Glass Orchard?", [supported, refuted], 0.99, 0.5)
    assert out == [supported, refuted]


def test_a_question_without_a_presupposition_gets_one_only_when_flagged() -> None:
    q = "How many eyes does the sun have?"
    flagged = apply_detector(q, [], 0.8, 0.5)
    assert len(flagged) == 1 and flagged[0].text == q and flagged[0].status == "contradicted"
    assert flagged[0].source == "presupposed" and flagged[0].rule == RULE
    assert apply_detector(q, [], 0.3, 0.5) == []
    with pytest.raises(InputError):
        apply_detector(q, [], 0.3, 1.5)


def test_when_the_detector_runs() -> None:
    why = analyze_question("Why do fish breathe with lungs?")
    assert needs_detector(why, [_unknown("fish do breathe with lungs")], answered=None)
    decided = PremiseCheck("x", "supported", 0.9, (), None, "presupposed", None, "fact")
    assert not needs_detector(why, [decided], answered=False)
    factoid = analyze_question("How many eyes does the sun have?")
    assert needs_detector(factoid, [], answered=False)
    assert not needs_detector(factoid, [], answered=True)  # the graph's or a passage's answer supports it
    assert not needs_detector(factoid, [], answered=None)  # not known yet: wait
    assert not needs_detector(analyze_question("Is the sun a star?"), [], answered=False)


def test_entity_context_lists_facts_and_passages_about_the_entities(mini_kg) -> None:
    from kgqa.graph.linking import Mention

    mention = Mention("Ada Finch", 8, 17, "http://mini.example/Ada_Finch", "Ada Finch", 1.0, "exact")
    hits = [
        Hit(Passage("p1", "Ada Finch wrote novels in Port Vell.", "Ada"), 0.7, 1),
        Hit(Passage("p2", "Steam looms changed weaving.", "Looms"), 0.5, 2),
    ]
    ev = entity_context(mini_kg, [mention, mention], hits)
    triples = [e for e in ev if e.kind == "triple"]
    passages = [e for e in ev if e.kind == "passage"]
    assert 1 <= len(triples) <= 3 and all("Ada Finch" in e.text for e in triples)
    assert [e.passage_id for e in passages] == ["p1"]
    assert all(e.stance == "neutral" and e.detail["role"] == "context" for e in ev)


# --------------------------------------------------------------------------- in the pipeline
def _bare_pipeline(kg, detector):
    from kgqa.pipeline import Pipeline

    pipe = Pipeline.__new__(Pipeline)  # only what _learned_premises reads
    pipe.kg, pipe.detector = kg, detector
    return pipe


def test_pipeline_step_with_a_tiny_random_classifier(mini_kg, tiny_dir: Path) -> None:
    from kgqa.checks.verdict import decide

    q = "Why did Ada Finch write the sun?"
    analysis = analyze_question(q)
    checks = [_unknown(analysis.presuppositions[0])]
    score = float(FalsePremiseDetector(tiny_dir, precision="fp32").score([q])[0])
    low = FalsePremiseDetector(tiny_dir, threshold=max(score - 0.05, 0.01), precision="fp32")
    out, info = _bare_pipeline(mini_kg, low)._learned_premises(q, analysis, checks, False, [], [])
    assert out[0].status == "contradicted" and out[0].rule == RULE
    assert info == {
        "decided_by": "model",
        "model": str(tiny_dir),
        "score": pytest.approx(score, abs=1e-4),
        "threshold": pytest.approx(score - 0.05),
        "flagged": True,
    }
    decision = decide(analysis, out, None, None, None, None, [], [], PipelineConfig())
    assert decision.verdict == "premise_rejected" and decision.rule == f"premise_contradicted:{RULE}"
    assert decision.answer is None  # a why question whose presupposition is false has no answer

    high = FalsePremiseDetector(tiny_dir, threshold=min(score + 0.05, 0.99), precision="fp32")
    out, info = _bare_pipeline(mini_kg, high)._learned_premises(q, analysis, checks, False, [], [])
    assert out[0].status == "unknown" and info["flagged"] is False


def test_pipeline_step_with_the_detector_off_changes_nothing(mini_kg) -> None:
    q = "Why did Ada Finch write the sun?"
    analysis = analyze_question(q)
    checks = [_unknown(analysis.presuppositions[0])]
    assert _bare_pipeline(mini_kg, None)._learned_premises(q, analysis, checks, False, [], []) == (checks, None)


def test_config_fields(tmp_path: Path) -> None:
    assert PipelineConfig().false_premise_detector is False  # opt-in: it flags ordinary questions too
    assert PipelineConfig(false_premise_threshold=0.7).false_premise_threshold == 0.7
    for bad in (0.0, 1.0, 3):
        with pytest.raises(ConfigError, match="false_premise_threshold"):
            PipelineConfig(false_premise_threshold=bad)
    with pytest.raises(ConfigError):
        PipelineConfig.from_dict({"false_premise_detector": "no"})
    cfg = PipelineConfig.from_dict({"false_premise_dir": "models/fp"}, base=tmp_path)
    assert cfg.false_premise_dir == str(tmp_path / "models/fp")
