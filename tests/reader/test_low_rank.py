"""Model folders stored as low-rank factors over the installed base encoder (kgqa.reader.low_rank)."""

from __future__ import annotations

import copy
import json

import pytest
import torch

from kgqa.errors import ConfigError, ModelNotFoundError
from kgqa.paths import base_model_dir
from kgqa.reader.low_rank import FACTORS_FILE, is_low_rank
from kgqa.reader.modelio import check_model_folder, load_model_folder
from kgqa.train.args import TrainArgs
from kgqa.train.low_rank_export import save_low_rank_folder

peft = pytest.importorskip("peft", reason="LoRA training needs the train extra (peft)")


@pytest.fixture(scope="module")
def trained():
    """A 2-label classifier on the real base with LoRA factors on query and value, set to non-zero values."""
    from transformers import AutoConfig, AutoModelForSequenceClassification, AutoTokenizer

    base = base_model_dir()
    config = AutoConfig.from_pretrained(base, num_labels=2, local_files_only=True)
    model = AutoModelForSequenceClassification.from_pretrained(base, config=config, local_files_only=True)
    cfg = peft.LoraConfig(r=2, lora_alpha=4, target_modules=["query", "value"], modules_to_save=["classifier"])
    wrapped = peft.get_peft_model(model, cfg)
    gen = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for name, p in wrapped.named_parameters():
            if "lora_B" in name or "modules_to_save" in name:
                p.copy_(torch.randn(p.shape, generator=gen) * 0.05)
    wrapped.eval()
    plain = copy.deepcopy(wrapped).merge_and_unload()
    tok = AutoTokenizer.from_pretrained(base, local_files_only=True)
    return wrapped, plain, tok


def _logits(model, tok, text="Why do fish breathe with lungs?"):
    enc = tok([text], return_tensors="pt")
    with torch.no_grad():
        return model(**enc).logits


def test_a_low_rank_folder_loads_to_the_trained_model(tmp_path, trained):
    wrapped, plain, tok = trained
    out = save_low_rank_folder(wrapped, plain, tmp_path / "m", "false-premise", "classifier.")
    names = {p.name for p in out.iterdir()}
    assert FACTORS_FILE in names and "model.safetensors" not in names and "tokenizer.json" not in names
    assert (out / FACTORS_FILE).stat().st_size < 100_000  # 12 pairs of rank-2 factors and the head
    meta = json.loads((out / "kgqa_model.json").read_text())
    assert (
        is_low_rank(meta) and len(meta["low_rank"]) == 12 and meta["head"] == ["classifier.bias", "classifier.weight"]
    )
    assert check_model_folder(out) == out
    model, tok2 = load_model_folder(out, head="nli")
    expected = _logits(plain, tok)
    assert torch.allclose(_logits(model, tok2), expected, atol=2e-2)


def test_the_factors_change_what_the_base_gives(tmp_path, trained):
    wrapped, plain, tok = trained
    out = save_low_rank_folder(wrapped, plain, tmp_path / "m", "false-premise", "classifier.")
    meta = json.loads((out / "kgqa_model.json").read_text())
    meta["low_rank"] = {}  # the factors left out: the base encoder with the trained head only
    (out / "kgqa_model.json").write_text(json.dumps(meta))
    model, tok2 = load_model_folder(out, head="nli")
    assert not torch.allclose(_logits(model, tok2), _logits(plain, tok), atol=1e-3)


def test_a_folder_over_another_base_is_refused(tmp_path, trained):
    wrapped, plain, _tok = trained
    out = save_low_rank_folder(wrapped, plain, tmp_path / "m", "false-premise", "classifier.")
    meta = json.loads((out / "kgqa_model.json").read_text())
    meta["base_digest"] = "0" * 16
    (out / "kgqa_model.json").write_text(json.dumps(meta))
    with pytest.raises(ModelNotFoundError, match="different base encoder"):
        load_model_folder(out, head="nli")


def test_missing_or_incomplete_factors_are_named(tmp_path, trained):
    wrapped, plain, _tok = trained
    out = save_low_rank_folder(wrapped, plain, tmp_path / "m", "false-premise", "classifier.")
    meta = json.loads((out / "kgqa_model.json").read_text())
    meta["low_rank"]["bert.encoder.layer.9.attention.self.query.weight"] = {"scale": 2.0, "rank": 2}
    (out / "kgqa_model.json").write_text(json.dumps(meta))
    with pytest.raises(ModelNotFoundError, match="lacks the factors"):
        load_model_folder(out, head="nli")
    (out / FACTORS_FILE).unlink()
    with pytest.raises(ModelNotFoundError, match=FACTORS_FILE):
        check_model_folder(out)


def test_a_model_without_factors_is_not_written_low_rank(tmp_path, trained):
    _wrapped, plain, _tok = trained
    with pytest.raises(ValueError, match="no LoRA factors"):
        save_low_rank_folder(plain, plain, tmp_path / "m", "false-premise", "classifier.")


def test_low_rank_export_needs_lora_and_a_known_mode():
    assert TrainArgs(task="false-premise", lora=True, lora_export="low-rank").lora_export == "low-rank"
    with pytest.raises(ConfigError, match="add --lora"):
        TrainArgs(task="false-premise", lora_export="low-rank")
    with pytest.raises(ConfigError, match="lora_export must be one of"):
        TrainArgs(task="false-premise", lora=True, lora_export="adapters")


def test_a_shipped_low_rank_detector_runs(tmp_path, monkeypatch, trained):
    from kgqa.checks.false_premise import MODEL_NAME, FalsePremiseDetector

    wrapped, plain, tok = trained
    monkeypatch.setenv("KGQA_MODELS", str(tmp_path))
    det = FalsePremiseDetector()
    assert not det.available  # nothing there yet
    save_low_rank_folder(wrapped, plain, tmp_path / MODEL_NAME, "false-premise", "classifier.")
    det = FalsePremiseDetector()
    assert det.available
    scores = det.score(["Why do fish breathe with lungs?", "Why do fish breathe with gills?"])
    assert scores is not None and scores.shape == (2,) and ((scores >= 0) & (scores <= 1)).all()
    expected = torch.softmax(_logits(plain, tok), -1)[0, 1].item()
    assert abs(float(scores[0]) - expected) < 2e-2
